#!/usr/bin/env python3
"""Write a git fast-import stream holding opportunities as sfa-stage would store them.

usage: fast-import-opps.py CSV COUNT PIPELINES [--ids FILE [--oids]] > STREAM

CSV is `gen-data opportunities` output, read as `sfa-stage import --map
account=account_name` reads it; PIPELINES is the store's pipelines.json.
One commit on refs/heads/main with config/store.json and, for each of the
first COUNT records, opportunities/SS/ID.json: the record file sfa writes
(sfa-store(5)), with what sfa-stage adds to a new deal: the default
pipeline, the amount with its currency, the probability as a number, the
stage entered and last touched when the deal was created, its first
stage_history entry (by $SFA_USER) and, for a closed stage, closed_at.
Ids are made as fast-import-stream.py makes them, from the same seed.

--ids and --oids are as in fast-import-stream.py: sfa's own ids (from
`sfa-stage list --fields id,external_id --format ndjson`), and one line
"OID<TAB>PATH" per record instead of a stream.
"""
import csv, hashlib, importlib.util, json, os, random, sys

_spec = importlib.util.spec_from_file_location(
    "fast_import_stream", os.path.join(os.path.dirname(os.path.abspath(__file__)), "fast-import-stream.py"))
_leads = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_leads)
new_id, blob = _leads.new_id, _leads.blob


def value_text(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def record_file(rec):
    """Keys sorted by their UTF-8 bytes, one a line; a list one element a line."""
    lines = []
    for k in sorted(rec, key=lambda k: k.encode("utf-8")):
        v = rec[k]
        if isinstance(v, list) and v:
            text = "[\n" + ",\n".join("    " + value_text(e) for e in v) + "\n  ]"
        else:
            text = value_text(v)
        lines.append("  %s: %s" % (json.dumps(k, ensure_ascii=False), text))
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def opportunity(row, pipeline, closed, user):
    rec = {("account_name" if k == "account" else k): v for k, v in row.items() if v != ""}
    if "currency" in rec and "amount" in rec:
        rec["amount"] = "%s %s" % (rec["amount"], rec["currency"])
    if "probability" in rec:
        rec["probability"] = int(rec["probability"])
    rec["pipeline"] = pipeline["name"]
    stage = rec.setdefault("stage", pipeline["stages"][0]["name"])
    at = rec["created_at"]
    rec["stage_entered_at"] = rec["last_activity_at"] = at
    rec["stage_history"] = [{"at": at, "by": user, "to": stage}]
    if stage in closed:
        rec["closed_at"] = at
    return rec


def main(argv):
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
    if len(args) != 3 or (oids and ids is None):
        sys.stderr.write(__doc__)
        return 2
    path, count = args[0], int(args[1])
    with open(args[2], encoding="utf-8") as f:
        conf = json.load(f)
    pipeline = dict(conf["pipelines"][conf["default"]], name=conf["default"])
    closed = {st["name"] for st in pipeline["stages"] if st.get("won") or st.get("lost")}
    user = os.environ.get("SFA_USER", "Bench")
    out = sys.stdout.buffer
    if not oids:
        msg = b"bench: %d opportunities\n" % count
        out.write(b"commit refs/heads/main\n"
                  b"committer Bench <bench@example.com> 1767225600 +0000\n"
                  b"data %d\n%s" % (len(msg), msg))
        blob(out, "config/store.json", b'{\n  "format": 1\n}\n')
    r, seen, n = random.Random(1), set(), 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if n == count:
                break
            rec = opportunity(row, pipeline, closed, user)
            rec["id"] = ids[rec.get("external_id")] if ids is not None else new_id(r, seen)
            name = "opportunities/%s/%s.json" % (rec["id"][:2], rec["id"])
            data = record_file(rec)
            if oids:
                oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                out.write(("%s\t%s\n" % (oid, name)).encode("utf-8"))
            else:
                blob(out, name, data)
            n += 1
    if n != count:
        sys.stderr.write("fast-import-opps.py: %s: %d records, wanted %d\n" % (path, n, count))
        return 1
    if not oids:
        out.write(b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
