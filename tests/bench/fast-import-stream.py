#!/usr/bin/env python3
"""Write a git fast-import stream holding leads as sfa would store them.

usage: fast-import-stream.py CSV COUNT [--ids FILE [--oids]] > STREAM

One commit on refs/heads/main with config/store.json and, for each of the
first COUNT records of CSV, leads/SS/ID.json: the record as a JSON object,
keys sorted, two-space indent, one field per line, empty cells left out, a
final newline (the sfa-store(5) record file). Ids are 12 characters of
lowercase Crockford base32 from a fixed seed, so the stream is the same
bytes on every run.

With --ids, the ids come from FILE instead (`sfa-lead list --format ndjson`
output; records are matched by external_id). With --oids, the output is
not a stream but one line "OID<TAB>PATH" per record: the git blob id its
file would have, to check against a store that these are the files sfa
writes.
"""
import csv, hashlib, json, os, random, sys

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(r, seen):
    while True:
        v = r.getrandbits(60)
        s = "".join(ALPHABET[(v >> (5 * k)) & 31] for k in range(11, -1, -1))
        if s not in seen:
            seen.add(s)
            return s


def value_text(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def record_file(rec):
    """Keys sorted by their UTF-8 bytes, one a line; a list one entry a line."""
    lines = []
    for k in sorted(rec, key=lambda k: k.encode("utf-8")):
        v = rec[k]
        if isinstance(v, list) and v:
            text = "[\n" + ",\n".join("    " + value_text(e) for e in v) + "\n  ]"
        else:
            text = value_text(v)
        lines.append("  %s: %s" % (json.dumps(k, ensure_ascii=False), text))
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def blob(out, path, data):
    out.write(b"M 100644 inline %s\ndata %d\n" % (path.encode("utf-8"), len(data)))
    out.write(data)
    out.write(b"\n")


def run(argv, doc, folder, nextra, setup):
    """The command line of this script and of the others built on it:
    CSV COUNT [EXTRA...] [--ids FILE [--oids]]. setup(EXTRA) returns the
    function that turns a CSV row into the record to store in FOLDER."""
    prog = os.path.basename(argv[0])
    args = argv[1:]
    ids, oids = None, "--oids" in args
    if oids:
        args.remove("--oids")
    if "--ids" in args:
        k = args.index("--ids")
        ids = {}
        with open(args[k + 1], encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    ids[d.get("external_id")] = d["id"]
        del args[k:k + 2]
    if len(args) != 2 + nextra or (oids and ids is None):
        sys.stderr.write(doc)
        return 2
    path, count = args[0], int(args[1])
    make = setup(args[2:])
    out = sys.stdout.buffer
    if not oids:
        msg = b"bench: %d %s\n" % (count, folder.encode())
        out.write(b"commit refs/heads/main\n"
                  b"committer Bench <bench@example.com> 1767225600 +0000\n"
                  b"data %d\n%s" % (len(msg), msg))
        blob(out, "config/store.json", b'{\n  "format": 1\n}\n')
    r, seen, n = random.Random(1), set(), 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if n == count:
                break
            rec = make(row)
            rec["id"] = ids[rec.get("external_id")] if ids is not None else new_id(r, seen)
            name, data = "%s/%s/%s.json" % (folder, rec["id"][:2], rec["id"]), record_file(rec)
            if oids:
                oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                out.write(("%s\t%s\n" % (oid, name)).encode("utf-8"))
            else:
                blob(out, name, data)
            n += 1
    if n != count:
        sys.stderr.write("%s: %s: %d records, wanted %d\n" % (prog, path, n, count))
        return 1
    if not oids:
        out.write(b"\n")
    return 0


def lead(row):
    rec = {k: v for k, v in row.items() if v != ""}
    # the shipped schema stores whole numbers as numbers
    if "employees" in rec:
        rec["employees"] = int(rec["employees"])
    return rec


if __name__ == "__main__":
    sys.exit(run(sys.argv, __doc__, "leads", 0, lambda extra: lead))
