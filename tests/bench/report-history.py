#!/usr/bin/env python3
"""A year of pipeline history for gen-data's opportunities, as sfa commands.

usage: report-history.py OPPORTUNITIES.csv PIPELINES.json NOW DIR > plan.tsv

Reads gen-data's opportunities and the store's config/pipelines.json and
writes to DIR the inputs of the commits that build a store whose deals
have a stage history, and on stdout the plan: one commit a line,
"TIME<TAB>COMMAND<TAB>ARGUMENT<TAB>FILE", oldest first, where COMMAND is

  init    sfa init (FILE and ARGUMENT "-")
  import  sfa-stage import FILE (NDJSON)
  move    sfa-stage move ARGUMENT, the external ids in FILE on stdin
  won     sfa-stage won, the same
  lost    sfa-stage lost --reason ARGUMENT, the same

and TIME is the SFA_NOW to run it at. The deals of the default pipeline
come in one import 13 months before the month of NOW (those created by
then), then each month brings one import and the moves of that month:

  - the deals created in the month before, each with a history of its
    own: from created_at through the open stages (now and then skipping
    one) up to gen-data's stage; a won deal went through all of them, a
    lost one was lost from some open stage with one of the config's
    lost_reasons;
  - updates by external_id: a new amount for some open deals, a later
    close_date for some overdue ones, and the close date (that day) for
    the deals the month then wins or loses;
  - about 2% of all deals, open then, moved: most one stage on, some one
    back, from proposal and negotiation some won, from any stage some lost.

Imported histories end before the import, so that as of any commit no
record holds a move still to come. A closed deal's close_date is the day
it closed; an open deal whose gen-data close_date is already past when it
is imported gets one 14 to 180 days on. Deals carry no probability of
their own (the stage's applies) and name their account in account_name.
The same inputs always give the same bytes.
"""
import csv
import datetime as dt
import json
import os
import random
import sys

SEED = 20260105
MOVED_PER_MONTH = 0.02      # of all deals
NEW_AMOUNT_PER_MONTH = 0.003
PUSHED_PER_MONTH = 0.005
STEP_MINUTES = 10           # between the commits of one month
MONTHS = 13
# mean days spent in each open stage, by position (the last one repeats)
MEAN_DAYS = [12, 15, 18, 14, 10]
ISO = "%Y-%m-%dT%H:%M:%SZ"


def iso(t):
    return t.strftime(ISO)


def add_months(t, n):
    m = t.month - 1 + n
    return t.replace(year=t.year + m // 12, month=m % 12 + 1)


def stages_of(cfg):
    """The default pipeline's open stages in order, its won stage and its lost stage."""
    p = cfg["pipelines"][cfg.get("default") or next(iter(cfg["pipelines"]))]
    opened = [s["name"] for s in p["stages"] if not s.get("won") and not s.get("lost")]
    won = next(s["name"] for s in p["stages"] if s.get("won"))
    lost = next(s["name"] for s in p["stages"] if s.get("lost"))
    return opened, won, lost


class Deal:
    __slots__ = ("ext", "month", "stage", "close", "amount", "currency")


def history(r, row, opened, won, lost, reasons, created, until):
    """The entries of one deal from its creation to before `until`, and its lost reason."""
    final = row["stage"]
    reason = None
    if final == won:
        path = list(opened) + [won]
    elif final == lost:
        # lost early more often than late
        k = min(int(r.expovariate(0.7)), len(opened) - 1)
        path = opened[:k + 1] + [lost]
        reason = r.choice(reasons)
    elif final in opened:
        path = opened[:opened.index(final) + 1]
    else:
        sys.exit("report-history: %s: stage '%s' is not in the pipeline" % (row["external_id"], final))
    # now and then a stage in the middle is skipped
    path = [s for i, s in enumerate(path) if i in (0, len(path) - 1) or r.random() >= 0.1]
    gaps = [r.expovariate(1 / (MEAN_DAYS[min(opened.index(s), len(MEAN_DAYS) - 1)] * 86400.0))
            for s in path[:-1]]
    span = max(0, (until - created).total_seconds() - 1)
    total = sum(gaps)
    if total > span:
        gaps = [g * span * r.uniform(0.5, 0.99) / total for g in gaps]
    entries, t = [], created
    for i, s in enumerate(path):
        if i:
            t = t + dt.timedelta(seconds=int(gaps[i - 1]))
        e = {"at": iso(t), "by": row["owner"]}
        if i:
            e["from"] = path[i - 1]
        e["to"] = s
        if s == lost:
            e["reason"] = reason
        entries.append(e)
    return entries, reason, t


def write_ids(path, ids):
    with open(path, "w") as f:
        f.write("".join(i + "\n" for i in ids))


def main(argv):
    if len(argv) != 5:
        sys.exit("usage: report-history.py OPPORTUNITIES.csv PIPELINES.json NOW DIR > plan.tsv")
    src, cfg_path, now_text, out = argv[1:]
    with open(cfg_path) as f:
        cfg = json.load(f)
    opened, won, lost = stages_of(cfg)
    reasons = cfg.get("lost_reasons") or ["other"]
    now = dt.datetime.strptime(now_text, ISO)
    # the month's commits take a few hours: the last month is the one a day before NOW
    last = (now - dt.timedelta(days=1)).replace(day=1, hour=0, minute=0, second=0)
    times = [add_months(last, k - MONTHS) for k in range(MONTHS + 1)]
    r = random.Random(SEED)
    plan = []

    def step(t, command, arg, name):
        plan.append("%s\t%s\t%s\t%s" % (iso(t), command, arg, name))

    def imported(t, name):
        if os.path.getsize(os.path.join(out, name)):
            step(t, "import", "-", name)

    step(times[0] - dt.timedelta(hours=1), "init", "-", "-")
    deals = []
    files = [None] * (MONTHS + 1)
    for k in range(MONTHS + 1):
        files[k] = open(os.path.join(out, "%02d-import.ndjson" % k), "w", encoding="utf-8")
    with open(src, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            created = dt.datetime.strptime(row["created_at"], ISO)
            k = next((i for i, t in enumerate(times) if created < t), None)
            if k is None:
                sys.exit("report-history: %s: created %s, after the last commit (%s): NOW must be later"
                         % (row["external_id"], row["created_at"], iso(times[-1])))
            entries, reason, at = history(r, row, opened, won, lost, reasons, created, times[k])
            d = Deal()
            d.ext, d.month, d.stage = row["external_id"], k, row["stage"]
            d.amount, d.currency = row["amount"], row["currency"]
            if d.stage in (won, lost):
                d.close = at.strftime("%Y-%m-%d")
            elif row["close_date"] < times[k].strftime("%Y-%m-%d"):
                d.close = (times[k] + dt.timedelta(days=r.randrange(14, 181))).strftime("%Y-%m-%d")
            else:
                d.close = row["close_date"]
            rec = {"external_id": d.ext, "name": row["name"], "account_name": row["account"],
                   "amount": d.amount, "currency": d.currency, "stage": d.stage, "close_date": d.close,
                   "owner": row["owner"], "territory": row["territory"], "source": row["source"],
                   "created_at": row["created_at"], "stage_history": entries}
            if reason:
                rec["lost_reason"] = reason
            files[k].write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            deals.append(d)
    files[0].close()
    imported(times[0], "00-import.ndjson")

    n = len(deals)
    for k in range(1, MONTHS + 1):
        t, day = times[k], times[k].strftime("%Y-%m-%d")
        upd = files[k]
        # open deals imported before this month, in file order
        live = [d for d in deals if d.month < k and d.stage in opened]
        chosen = r.sample(live, min(len(live), round(MOVED_PER_MONTH * n)))
        picked = set(d.ext for d in chosen)
        moves = {}
        for d in chosen:
            i, x = opened.index(d.stage), r.random()
            if x < 0.2:
                to = lost
            elif x < 0.2 + (0.5 if i == len(opened) - 1 else 0.25 if i == len(opened) - 2 else 0):
                to = won
            elif x < 0.75 and i > 0 and r.random() < 0.1:
                to = opened[i - 1]
            else:
                to = opened[i + 1] if i + 1 < len(opened) else won
            moves.setdefault(to, []).append(d)
        rest = [d for d in live if d.ext not in picked]
        for d in r.sample(rest, min(len(rest), round(NEW_AMOUNT_PER_MONTH * n))):
            d.amount = "%.2f" % (float(d.amount) * r.uniform(0.7, 1.3))
            upd.write(json.dumps({"external_id": d.ext, "amount": d.amount, "currency": d.currency}) + "\n")
        overdue = [d for d in rest if d.close < day]
        for d in r.sample(overdue, min(len(overdue), round(PUSHED_PER_MONTH * n))):
            d.close = (t + dt.timedelta(days=r.randrange(14, 121))).strftime("%Y-%m-%d")
            upd.write(json.dumps({"external_id": d.ext, "close_date": d.close}) + "\n")
        for d in moves.get(won, []) + moves.get(lost, []):
            d.close = day
            upd.write(json.dumps({"external_id": d.ext, "close_date": d.close}) + "\n")
        upd.close()
        imported(t, "%02d-import.ndjson" % k)
        m = 0
        for to in opened + [won]:
            if not moves.get(to):
                continue
            m += 1
            name = "%02d-%s.ids" % (k, to)
            write_ids(os.path.join(out, name), sorted(d.ext for d in moves[to]))
            step(t + dt.timedelta(minutes=STEP_MINUTES * m), "won" if to == won else "move",
                 "-" if to == won else to, name)
        by_reason = {}
        for d in moves.get(lost, []):
            by_reason.setdefault(r.choice(reasons), []).append(d)
        for reason in reasons:
            if not by_reason.get(reason):
                continue
            m += 1
            name = "%02d-lost-%s.ids" % (k, reason)
            write_ids(os.path.join(out, name), sorted(d.ext for d in by_reason[reason]))
            step(t + dt.timedelta(minutes=STEP_MINUTES * m), "lost", reason, name)
        for to, moved in moves.items():
            for d in moved:
                d.stage = to
    sys.stdout.write("".join(line + "\n" for line in plan))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
