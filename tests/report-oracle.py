#!/usr/bin/env python3
# tests/report-oracle.py - a second, deliberately plain computation of some
# sfa-report reports, to check the C implementation against.
#
# usage: report-oracle.py RECORDS PIPELINES NOW REPORT [options] ACTUAL
#   RECORDS	opportunities as `sfa-stage list --format json` prints them
#		(fields id pipeline stage amount currency probability close_date
#		owner created_at stage_entered_at last_activity_at stage_history)
#   PIPELINES	config/pipelines.json
#   NOW		the report's "now", an ISO date-time in UTC ("...Z")
#   REPORT	pipeline | forecast | winloss | funnel
#   options	--period YYYY (a year; the only form needed here), --by rep,
#		--currency C --rates FILE, --ignore COLUMN (not compared),
#		--min-rows N
#   ACTUAL	the report's CSV output, compared cell by cell
#
# Prints the differences and exits 1 when any; exits 2 when the expected
# report has fewer rows than --min-rows (so that a comparison of two empty
# reports cannot pass).
#
# Money is kept as exact integers of minor units (Fraction for the weighted
# sums), rounding is half-even only where the report says so.

import csv
import json
import sys
from datetime import datetime, timezone
from fractions import Fraction

EXPONENT = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}


def exponent(cur):
    return EXPONENT.get(cur, 2)


def ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def round_half_even(fr):
    fr = Fraction(fr)
    q, r = divmod(fr.numerator, fr.denominator)
    twice = 2 * r
    if twice > fr.denominator or (twice == fr.denominator and q % 2 == 1):
        q += 1
    return q


def money(minor, cur):
    e = exponent(cur)
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if e == 0:
        return sign + str(minor)
    return "%s%d.%0*d" % (sign, minor // 10 ** e, e, minor % 10 ** e)


def one_decimal(fr):
    """A pct or a number of days: rounded to one decimal, half away from zero."""
    if fr is None:
        return ""
    fr = Fraction(fr)
    tenths = (abs(fr) * 10 + Fraction(1, 2)).__floor__()
    if fr < 0:
        tenths = -tenths
    if tenths % 10 == 0:
        return str(tenths // 10)
    return "%s%d.%d" % ("-" if tenths < 0 else "", abs(tenths) // 10, abs(tenths) % 10)


def minor_of(amount, cur):
    # "1234.5 EUR" or "1234.50"
    text = amount.split()[0]
    whole, _, frac = text.partition(".")
    e = exponent(cur)
    frac = (frac + "0" * e)[:e]
    neg = whole.startswith("-")
    v = int(whole.lstrip("-") or "0") * 10 ** e + (int(frac) if frac else 0)
    return -v if neg else v


class Pipelines:
    def __init__(self, cfg):
        self.default = cfg["default"]
        self.p = {}
        for name, p in cfg["pipelines"].items():
            self.p[name] = {s["name"]: dict(s, pos=i) for i, s in enumerate(p["stages"])}

    def stage(self, pipeline, stage):
        return self.p.get(pipeline, {}).get(stage)


class Deal:
    def __init__(self, r, ps):
        self.id = r["id"]
        self.pipeline = r.get("pipeline") if r.get("pipeline") in ps.p else ps.default
        self.stage_name = r.get("stage")
        self.st = ps.stage(self.pipeline, self.stage_name)
        amount = r.get("amount")
        if amount is not None and " " in str(amount):
            self.currency = str(amount).split()[1]
        else:
            self.currency = r.get("currency") or ""
        self.amount = minor_of(str(amount), self.currency) if amount is not None else 0
        if r.get("probability") is not None:
            self.prob = int(r["probability"])
        else:
            self.prob = self.st["probability"] if self.st else 0
        self.close = r.get("close_date") or ""
        self.owner = r.get("owner") or ""
        self.created = ts(r["created_at"]) if r.get("created_at") else 0
        self.entered = ts(r["stage_entered_at"]) if r.get("stage_entered_at") else self.created
        self.touched = ts(r["last_activity_at"]) if r.get("last_activity_at") else self.entered
        self.history = [(ts(e["at"]), e["to"], e.get("from")) for e in r.get("stage_history") or []]

    def won(self):
        return bool(self.st and self.st.get("won"))

    def lost(self):
        return bool(self.st and self.st.get("lost"))

    def open(self):
        return bool(self.st) and not self.won() and not self.lost()


def key_of(d, by):
    return tuple(d.owner if k == "rep" else None for k in by)


def convert(minor, frm, to, rates):
    if frm == to:
        return round_half_even(minor)
    base = rates["base"]

    def rate(c):
        if c == base:
            return Fraction(1)
        if c not in rates["rates"]:
            raise KeyError("no exchange rate for %s -> %s" % (frm, to))
        return Fraction(rates["rates"][c])
    f = minor * rate(to) / rate(frm) * Fraction(10) ** (exponent(to) - exponent(frm))
    return round_half_even(f)


def report_pipeline(deals, ps, now, opt):
    groups = {}
    for d in deals:
        if not d.open():
            continue
        k = key_of(d, opt["by"]) + (d.pipeline, d.st["pos"], d.stage_name, d.currency)
        g = groups.setdefault(k, {"n": 0, "amount": 0, "w": 0, "age": Fraction(0), "stale": 0})
        g["n"] += 1
        g["amount"] += d.amount
        g["w"] += d.amount * d.prob
        g["age"] += Fraction(int(now - d.entered), 86400)
        rot = d.st.get("rot_days")
        if rot and d.touched < now - rot * 86400:
            g["stale"] += 1
    cur = opt["currency"]
    if cur:
        merged = {}
        for k, g in groups.items():
            m = merged.setdefault(k[:-1] + (cur,), {"n": 0, "amount": 0, "w": 0, "age": Fraction(0), "stale": 0})
            m["n"] += g["n"]
            m["amount"] += convert(g["amount"], k[-1], cur, opt["rates"])
            # each currency's exact weighted sum converted once, rounded half-even to minor units
            m["wconv"] = m.get("wconv", 0) + convert(Fraction(g["w"], 100), k[-1], cur, opt["rates"])
            m["age"] += g["age"]
            m["stale"] += g["stale"]
        groups = merged
    header = [k for k in opt["by"]] + ["pipeline", "stage", "currency", "deals", "amount", "weighted",
                                       "avg_age_days", "stale"]
    rows = []
    for k in sorted(groups):
        g = groups[k]
        c = k[-1]
        w = g["wconv"] if "wconv" in g else round_half_even(Fraction(g["w"], 100))
        rows.append(list(k[:-4]) + [k[-4], k[-2], c, str(g["n"]), money(g["amount"], c), money(w, c),
                                    one_decimal(g["age"] / g["n"]), str(g["stale"])])
    return header, rows


def year_bounds(period):
    y = int(period)
    return "%04d-01-01" % y, "%04d-12-31" % y


def in_period(date, period):
    lo, hi = year_bounds(period)
    return bool(date) and lo <= date[:10] <= hi


def report_forecast(deals, ps, now, opt):
    groups = {}
    for d in deals:
        if not d.st or not in_period(d.close, opt["period"]):
            continue
        k = key_of(d, opt["by"]) + (d.currency,)
        g = groups.setdefault(k, {"won": 0, "commit": 0, "best-case": 0, "pipeline": 0, "w": 0})
        if d.won():
            g["won"] += d.amount
        elif d.open():
            g["w"] += d.amount * d.prob
            if d.st["category"] in g:
                g[d.st["category"]] += d.amount
    header = list(opt["by"]) + ["currency", "won", "commit", "best_case", "pipeline", "weighted", "quota",
                                "attainment"]
    rows = []
    for k in sorted(groups):
        g, c = groups[k], k[-1]
        rows.append(list(k[:-1]) + [c] + [money(g[f], c) for f in ("won", "commit", "best-case", "pipeline")] +
                    [money(round_half_even(Fraction(g["w"], 100)), c), "", ""])
    return header, rows


def report_winloss(deals, ps, now, opt):
    groups = {}
    for d in deals:
        if not (d.won() or d.lost()) or not in_period(d.close, opt["period"]):
            continue
        k = key_of(d, opt["by"]) + (d.currency,)
        g = groups.setdefault(k, [0, 0, 0, 0])
        if d.won():
            g[0] += 1
            g[2] += d.amount
        else:
            g[1] += 1
            g[3] += d.amount
    header = list(opt["by"]) + ["currency", "won", "lost", "win_rate", "won_amount", "lost_amount"]
    rows = []
    for k in sorted(groups):
        g, c = groups[k], k[-1]
        rows.append(list(k[:-1]) + [c, str(g[0]), str(g[1]), one_decimal(Fraction(100 * g[0], g[0] + g[1])),
                                    money(g[2], c), money(g[3], c)])
    return header, rows


def report_funnel(deals, ps, now, opt):
    lo, hi = year_bounds(opt["period"])
    t_lo, t_hi = ts(lo + "T00:00:00Z"), ts(hi + "T00:00:00Z") + 86400
    groups = {}
    for d in deals:
        h = d.history
        counted = set()
        for j, (at, to, _) in enumerate(h):
            st = ps.stage(d.pipeline, to)
            if not st or st.get("won") or st.get("lost") or not (t_lo <= at < t_hi) or at > now:
                continue
            if to in counted:
                continue
            counted.add(to)
            k = key_of(d, opt["by"]) + (d.pipeline, st["pos"], to)
            g = groups.setdefault(k, {"entered": 0, "advanced": 0, "lost": 0, "back": 0, "open": 0, "days": []})
            g["entered"] += 1
            nxt = h[j + 1] if j + 1 < len(h) and h[j + 1][0] <= now else None
            if nxt is None:
                g["open"] += 1
                continue
            g["days"].append(Fraction(int(nxt[0] - at), 86400))
            ns = ps.stage(d.pipeline, nxt[1])
            if ns is None:
                g["back"] += 1
            elif ns.get("lost"):
                g["lost"] += 1
            elif ns.get("won") or ns["pos"] > st["pos"]:
                g["advanced"] += 1
            else:
                g["back"] += 1
    header = list(opt["by"]) + ["pipeline", "stage", "entered", "advanced", "lost", "moved_back", "open",
                                "conversion", "median_days"]
    rows = []
    for k in sorted(groups):
        g = groups[k]
        days = sorted(g["days"])
        n = len(days)
        med = None if not n else days[n // 2] if n % 2 else (days[n // 2 - 1] + days[n // 2]) / 2
        rows.append(list(k[:-3]) + [k[-3], k[-1], str(g["entered"]), str(g["advanced"]), str(g["lost"]),
                                    str(g["back"]), str(g["open"]),
                                    one_decimal(Fraction(100 * g["advanced"], g["entered"])), one_decimal(med)])
    return header, rows


def main(argv):
    records, pipelines, now, report = argv[1:5]
    rest = argv[5:]
    actual = rest.pop()
    opt = {"by": (), "period": None, "currency": None, "rates": None, "min_rows": 1, "ignore": None}
    while rest:
        o = rest.pop(0)
        v = rest.pop(0)
        if o == "--by":
            opt["by"] = tuple(v.split(","))
        elif o == "--period":
            opt["period"] = v
        elif o == "--currency":
            opt["currency"] = v
        elif o == "--rates":
            opt["rates"] = json.load(open(v, encoding="utf-8"))
        elif o == "--ignore":
            opt["ignore"] = v
        elif o == "--min-rows":
            opt["min_rows"] = int(v)
        else:
            sys.exit("report-oracle: unknown option " + o)
    ps = Pipelines(json.load(open(pipelines, encoding="utf-8")))
    deals = [Deal(r, ps) for r in json.load(open(records, encoding="utf-8"))]
    fn = {"pipeline": report_pipeline, "forecast": report_forecast, "winloss": report_winloss,
          "funnel": report_funnel}[report]
    header, rows = fn(deals, ps, ts(now), opt)
    got = list(csv.reader(open(actual, encoding="utf-8", newline="")))
    bad = 0
    if not got or got[0] != header:
        print("header: expected %s, got %s" % (header, got[0] if got else None))
        bad = 1
    got = got[1:]
    if opt["ignore"] in header:
        col = header.index(opt["ignore"])
        rows = [r[:col] + r[col + 1:] for r in rows]
        got = [r[:col] + r[col + 1:] for r in got]
    for i in range(max(len(rows), len(got))):
        want = rows[i] if i < len(rows) else None
        have = got[i] if i < len(got) else None
        if want != have:
            print("row %d: expected %s\n        got      %s" % (i + 1, want, have))
            bad = 1
    if bad:
        return 1
    if len(rows) < opt["min_rows"]:
        print("only %d rows expected, wanted at least %d" % (len(rows), opt["min_rows"]))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
