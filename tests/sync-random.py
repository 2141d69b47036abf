#!/usr/bin/python3
"""Random offline changes on several clones of one remote, then syncs in
random order until they settle, and every change accounted for.

usage: sync-random.py --seed N --round R --ops N --remote PATH [--deletes P] [--race]
                      STORE...

Each STORE (a clone of the bare repository PATH, level with it) makes N
random changes with the sfa commands, each at its own time (SFA_NOW):
accounts and leads added, deleted, and set, one or two fields at a time,
often on the same few records, every value set unique. The stores then
sync (with --race, first all at once, so that their pushes race), one
after the other in random order, pass after pass, until a pass changes
nothing (no store's main and not the remote's). Then:

- every store and the remote are at one commit, and each store's index
  lists exactly the records of its main;
- a record deleted by a store is gone, unless another store changed it:
  then it is there and the conflict log has a delete-edit entry for it;
- a field that one store set holds that store's last value for it;
- a field that several stores set holds one of their last values, and
  each other one is the lost value of a both-changed entry of the log
  made by these syncs; every such entry is between these values;
- every other field is as it was before the round.

The randomness of store S in round R comes from the seed, R and S only,
and records are picked in the order of their names, not of their random
ids, so a seed gives the same changes and, without --race, the same syncs.
Exit status 0 when everything holds, 1 with the reasons otherwise.
"""
import argparse, json, os, random, subprocess, sys, threading

TYPES = {
    "account": {"cmd": "sfa-account", "dir": "accounts",
                "text": ["city", "industry", "notes", "region", "website", "domain", "postcode"],
                "int": ["employees"]},
    "lead": {"cmd": "sfa-lead", "dir": "leads",
             "text": ["city", "company", "notes", "title", "source", "interest", "region"],
             "int": ["employees", "score"]},
}
NAMES = {"a": "Ann Rep <ann@example.com>", "b": "Bob Rep <bob@example.com>",
         "c": "Cid Rep <cid@example.com>"}
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")
DAY = 86400
# 2026-07-01T00:00:00Z
EPOCH = 1782864000

failures = []


def fail(msg):
    failures.append(msg)


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def run(argv, store, when, leaks=True, check=True):
    """Runs an sfa command on `store` at time `when`; (exit code, stdout, stderr)."""
    env = dict(os.environ)
    env["SFA_STORE"] = store
    env["SFA_USER"] = NAMES.get(os.path.basename(store)[-1:], "Some Rep <rep@example.com>")
    env["SFA_NOW"] = iso(when)
    if not leaks:
        # the commands that make the changes are tested elsewhere: here they only drive
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if any(s in err for s in SANITIZER) or p.returncode in (86, 87) or p.returncode < 0 or p.returncode > 128:
        raise SystemExit("sync-random.py: %s crashed (exit %d) on %s:\n%s" % (" ".join(argv), p.returncode,
                                                                              store, err[-4000:]))
    if check and p.returncode != 0:
        raise SystemExit("sync-random.py: %s exited %d on %s:\n%s" % (" ".join(argv), p.returncode, store,
                                                                     err[-4000:]))
    return p.returncode, out, err


def git(repo, *args, data=None):
    p = subprocess.run(["git", "--git-dir", repo] + list(args), input=data, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("sync-random.py: git %s: %s" % (" ".join(args), p.stderr.decode()))
    return p.stdout


def head(repo):
    return git(repo, "rev-parse", "--verify", "main").decode().strip()


def snapshot(repo):
    """The records of accounts and leads on main, {id: (type, record)}, and the conflict log."""
    listing = git(repo, "ls-tree", "-r", "main", "--", "accounts", "leads").decode().splitlines()
    paths = [line.split("\t", 1)[1] for line in listing]
    recs = {}
    if paths:
        blobs = git(repo, "cat-file", "--batch", data="".join("main:%s\n" % p for p in paths).encode())
        pos = 0
        for path in paths:
            nl = blobs.index(b"\n", pos)
            size = int(blobs[pos:nl].split()[2])
            rec = json.loads(blobs[nl + 1:nl + 1 + size])
            pos = nl + 1 + size + 1
            kind = "account" if path.startswith("accounts/") else "lead"
            recs[rec["id"]] = (kind, rec)
    p = subprocess.run(["git", "--git-dir", repo, "show", "main:state/conflicts.json"], capture_output=True)
    log = json.loads(p.stdout) if p.returncode == 0 else {}
    return recs, log


class Clone:
    def __init__(self, store, index, rng, start, base, deletes):
        self.store, self.index, self.rng, self.time = store, index, rng, start
        self.deletes = deletes
        self.name = os.path.basename(store)
        self.known = {k: sorted((i for i, (t, _) in base.items() if t == k), key=lambda i: order(base[i][1]))
                      for k in TYPES}
        self.hot = {k: v[:10] for k, v in self.known.items()}
        self.ops = []      # (op, type, id, {field: value}) in order
        self.error = None

    def tick(self):
        self.time += self.rng.randrange(1, 600)
        return self.time

    def pick(self, kind):
        pool = self.known[kind]
        hot = [i for i in self.hot[kind] if i in pool]
        if hot and self.rng.random() < 0.6:
            return self.rng.choice(hot)
        return self.rng.choice(pool) if pool else None

    def value(self, kind, field, rnd, n):
        if field in TYPES[kind]["int"]:
            return (rnd * 10 + self.index) * 100000 + n
        return "%s%d.%d-%s" % (self.name, rnd, n, field)

    def step(self, rnd, n):
        kind = self.rng.choice(sorted(TYPES))
        cmd = TYPES[kind]["cmd"]
        r = self.rng.random()
        target = self.pick(kind)
        if r < 0.12 or target is None:
            fields = {"name": "Account %s%d.%d" % (self.name, rnd, n)} if kind == "account" else \
                {"first_name": "Lead", "last_name": "%s%d.%d" % (self.name, rnd, n)}
            f = self.rng.choice(TYPES[kind]["text"])
            fields[f] = self.value(kind, f, rnd, n)
            _, out, _ = run([cmd, "add"] + ["%s=%s" % kv for kv in fields.items()], self.store, self.tick(),
                            leaks=False)
            rid = out.strip()
            self.known[kind].append(rid)
            self.ops.append(("add", kind, rid, fields))
        elif r < 0.12 + self.deletes:
            run([cmd, "delete", target], self.store, self.tick(), leaks=False)
            self.known[kind].remove(target)
            self.ops.append(("delete", kind, target, {}))
        else:
            names = TYPES[kind]["text"] + TYPES[kind]["int"]
            picked = self.rng.sample(names, self.rng.choice([1, 1, 2]))
            fields = {f: self.value(kind, f, rnd, n) for f in picked}
            run([cmd, "set", target] + ["%s=%s" % kv for kv in fields.items()], self.store, self.tick(),
                leaks=False)
            self.ops.append(("set", kind, target, fields))

    def work(self, rnd, count):
        try:
            for n in range(count):
                self.step(rnd, n)
        except BaseException as e:  # reported by the main thread
            self.error = e


def order(rec):
    """Records are picked in the order of their names: the same for the same seed."""
    return (rec.get("name") or rec.get("last_name") or "", rec["id"])


def sync_all(stores, remote, rng, when, race):
    """Syncs until a pass changes nothing; the number of passes."""
    results = {}

    def one(store, t):
        try:
            results[store] = run(["sfa-sync"], store, t)
        except BaseException as e:
            results[store] = e

    if race:
        # all at once: their pushes race for the remote's main
        threads = [threading.Thread(target=one, args=(s, when + i)) for i, s in enumerate(stores)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in stores:
            if isinstance(results[s], BaseException):
                raise results[s]
        when += 60
        print("# all at once: %s" % ", ".join(
            "%s %s" % (os.path.basename(s), results[s][2].strip().rsplit(" ", 1)[-1]) for s in stores))
    for n in range(1, 9):
        order = list(stores)
        rng.shuffle(order)
        changed = False
        for s in order:
            before = (head(s), head(remote))
            run(["sfa-sync"], s, when)
            when += 60
            changed |= (head(s), head(remote)) != before
        print("# pass %d: %s%s" % (n, " ".join(os.path.basename(s) for s in order),
                                   "" if changed else " (quiet)"))
        if not changed:
            return n
    raise SystemExit("sync-random.py: the syncs did not settle in 8 passes")


def account(stores, remote, base, base_log, clones):
    final, log = snapshot(remote)
    tip = head(remote)
    for s in stores:
        if head(s) != tip:
            fail("%s: main %s, the remote's %s" % (s, head(s), tip))
        for kind in TYPES:
            _, out, _ = run([TYPES[kind]["cmd"], "list", "--format", "ids"], s, EPOCH, check=False)
            listed = sorted(out.split())
            want = sorted(i for i, (t, _) in final.items() if t == kind)
            if listed != want:
                fail("%s: the index lists %d %ss, main has %d" % (s, len(listed), kind, len(want)))
    added = {k: e for k, e in log.items() if k not in base_log}
    for k in base_log:
        if k not in log:
            fail("conflict %s of an earlier round is gone from the log" % k)

    # what each store did, record by record
    last = {}        # (id, field) -> {store: last value}
    deleted = {}     # id -> set of stores
    edited = {}      # id -> set of stores that changed it and did not delete it
    new = {}         # id -> store that added it
    for c in clones:
        gone = set()
        for op, kind, rid, fields in c.ops:
            if op == "add":
                new[rid] = c.name
            if op == "delete":
                gone.add(rid)
                deleted.setdefault(rid, set()).add(c.name)
            for f, v in fields.items():
                last.setdefault((rid, f), {})[c.name] = v
            if op == "set":
                edited.setdefault(rid, set()).add(c.name)
        for rid in gone:
            edited.get(rid, set()).discard(c.name)
            for key in [k for k in last if k[0] == rid]:
                last[key].pop(c.name, None)

    delete_edit = {e["record"] for e in added.values() if e.get("kind") == "delete-edit"}

    def ctx(rid):
        if rid not in deleted:
            return ""
        return " (deleted by %s, changed by %s)" % ("+".join(sorted(deleted[rid])),
                                                   "+".join(sorted(edited.get(rid, ()))) or "none")
    checked = 0
    for rid in set(base) | set(new):
        kind = base[rid][0] if rid in base else None
        if rid in deleted and not edited.get(rid):
            if rid in final:
                fail("%s: deleted by %s, changed by no other store, but there" % (rid, sorted(deleted[rid])))
            continue
        if rid not in final:
            fail("%s: not there (deleted by %s, changed by %s)" % (rid, sorted(deleted.get(rid, ())),
                                                                   sorted(edited.get(rid, ()))))
            continue
        if rid in deleted and rid not in delete_edit:
            fail("%s: deleted by %s and changed by %s, kept, but no delete-edit entry in the log" % (
                rid, sorted(deleted[rid]), sorted(edited[rid])))
        kind, rec = final[rid]
        before = base[rid][1] if rid in base else {}
        fields = set(rec) | set(before) | {f for (i, f) in last if i == rid}
        for f in sorted(fields - {"id"}):
            values = last.get((rid, f), {})
            got = rec.get(f)
            if rid in new and not values:
                continue    # what the add itself filled in: created_at, a default status
            checked += 1
            if not values:
                if got != before.get(f):
                    fail("%s.%s: %r, set by no store, was %r%s" % (rid, f, got, before.get(f), ctx(rid)))
            elif len(values) == 1:
                (who, v), = values.items()
                if got != v:
                    fail("%s.%s: %r, only %s set it, to %r%s" % (rid, f, got, who, v, ctx(rid)))
            else:
                if got not in values.values():
                    fail("%s.%s: %r, not one of the values set: %r%s" % (rid, f, got, values, ctx(rid)))
                lost = {json.dumps(e.get("lost")) for e in added.values()
                        if e.get("record") == rid and e.get("field") == f and e.get("kind") == "both-changed"}
                for who, v in values.items():
                    if v != got and json.dumps(v) not in lost:
                        fail("%s.%s: %s's %r is neither there (%r) nor lost in the log%s" % (
                            rid, f, who, v, got, ctx(rid)))
    for cid, e in added.items():
        rid, f = e.get("record"), e.get("field")
        if e.get("kind") == "delete-edit":
            if not (deleted.get(rid) and edited.get(rid)):
                fail("conflict %s: delete-edit of %s, which was not both deleted and changed" % (cid, rid))
            continue
        values = list(last.get((rid, f), {}).values())
        if len(values) < 2 or e.get("kept") not in values or e.get("lost") not in values:
            fail("conflict %s on %s.%s: kept %r, lost %r; the values set: %r%s" % (
                cid, rid, f, e.get("kept"), e.get("lost"), values, ctx(rid)))
    return checked, len(added)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--ops", type=int, required=True)
    ap.add_argument("--remote", required=True)
    ap.add_argument("--deletes", type=float, default=0.1, help="the share of changes that delete")
    ap.add_argument("--race", action="store_true", help="the first syncs all at once")
    ap.add_argument("stores", nargs="+")
    a = ap.parse_args()

    base, base_log = snapshot(a.remote)
    tip = head(a.remote)
    for s in a.stores:
        if head(s) != tip:
            raise SystemExit("sync-random.py: %s is not level with the remote" % s)
    start = EPOCH + a.round * DAY
    clones = [Clone(s, i + 1, random.Random("%d:%d:%s" % (a.seed, a.round, os.path.basename(s))), start, base,
                    a.deletes)
              for i, s in enumerate(a.stores)]
    threads = [threading.Thread(target=c.work, args=(a.round, a.ops)) for c in clones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clones:
        if c.error:
            raise c.error
    for c in clones:
        kinds = {}
        for op in c.ops:
            kinds[op[0]] = kinds.get(op[0], 0) + 1
        print("# %s: %s" % (c.name, ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))))
    rng = random.Random("%d:%d:sync" % (a.seed, a.round))
    passes = sync_all(a.stores, a.remote, rng, start + DAY // 2, a.race)
    checked, conflicts = account(a.stores, a.remote, base, base_log, clones)
    print("# round %d: %d passes, %d fields checked, %d conflicts logged" % (a.round, passes, checked,
                                                                            conflicts))
    for f in failures[:60]:
        print("sync-random.py: " + f, file=sys.stderr)
    if len(failures) > 60:
        print("sync-random.py: ... and %d more" % (len(failures) - 60), file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
