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
import importlib.util, json, os, sys

_spec = importlib.util.spec_from_file_location(
    "fast_import_stream", os.path.join(os.path.dirname(os.path.abspath(__file__)), "fast-import-stream.py"))
_leads = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_leads)


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


def setup(extra):
    """The maker of records for the store's pipelines.json (the one extra argument)."""
    with open(extra[0], encoding="utf-8") as f:
        conf = json.load(f)
    pipeline = dict(conf["pipelines"][conf["default"]], name=conf["default"])
    closed = {st["name"] for st in pipeline["stages"] if st.get("won") or st.get("lost")}
    user = os.environ.get("SFA_USER", "Bench")
    return lambda row: opportunity(row, pipeline, closed, user)


if __name__ == "__main__":
    sys.exit(_leads.run(sys.argv, __doc__, "opportunities", 1, setup))
