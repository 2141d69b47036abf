#!/bin/sh
# sfa-report forecast: the chance of each open deal, as sfa-report(1)
# defines it under "The chance of each deal", checked against a second
# computation of that definition from the records. Closed deals are made
# with times to close equal to open deals' ages, to the second, and a deal
# whose history re-enters a stage, so the bounds are tested where they
# matter. Each open deal has a currency of its own, so its row shows the
# runs of that deal alone: with chance 0 every percentile is 0, with
# chance 1 every one is its amount, and in between p10 is 0 and p90 its
# amount (the data keep every chance away from the edges 0.1 and 0.9).

. "$(dirname "$0")/lib.sh"

NOW=2026-02-10T00:00:00Z

test_expect_success 'setup: closed deals with known times, open deals of known ages' '
	SFA_NOW=2026-01-01T00:00:00Z sfa init -q &&
	python3 - >deals.ndjson <<-\EOF &&
	import json, datetime as dt
	now = dt.datetime(2026, 2, 10, tzinfo=dt.timezone.utc)
	def at(days):
	    return (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
	def closed(name, stage, entered, days, won):
	    # in `stage` from `entered` days ago for `days` days, then closed
	    out = "closed-won" if won else "closed-lost"
	    d = {"name": name, "stage": out, "amount": "100.00 USD",
	         "close_date": at(entered - days)[:10],
	         "stage_history": [{"at": at(entered), "to": stage},
	                           {"at": at(entered - days), "from": stage, "to": out}]}
	    if not won:
	        d["lost_reason"] = "price"
	    return d
	deals = [closed("c%d" % i, "proposal", 100, days, won) for i, (days, won) in
	         enumerate([(5, True), (10, True), (20, False), (30, True), (45, True), (60, False)])]
	deals += [closed("n%d" % i, "negotiation", 90, days, won) for i, (days, won) in
	          enumerate([(7, True), (14, False), (21, True)])]
	# re-enters proposal: 12 days from its last entry, 17 in negotiation
	deals.append({"name": "re", "stage": "closed-won", "amount": "100.00 USD", "close_date": at(60)[:10],
	              "stage_history": [{"at": at(80), "to": "proposal"},
	                                {"at": at(77), "from": "proposal", "to": "negotiation"},
	                                {"at": at(72), "from": "negotiation", "to": "proposal"},
	                                {"at": at(60), "from": "proposal", "to": "closed-won"}]})
	open_deals = [  # stage, age in days, close date, currency
	    ("proposal", 0, "2026-02-20", "EUR"), ("proposal", 5, "2026-02-20", "GBP"),
	    ("proposal", 10, "2026-02-20", "CHF"), ("proposal", 12, "2026-04-20", "CAD"),
	    ("proposal", 20, "2026-03-20", "AUD"), ("proposal", 30, "2026-02-20", "SEK"),
	    ("proposal", 44, "2026-02-20", "NOK"), ("proposal", 45, "2026-03-20", "DKK"),
	    ("proposal", 60, "2026-02-20", "PLN"), ("proposal", 61, "2026-03-20", "CZK"),
	    ("negotiation", 7, "2026-02-20", "HUF"), ("negotiation", 14, "2026-03-20", "NZD"),
	    ("negotiation", 21, "2026-02-20", "SGD"), ("negotiation", 3, "2026-05-20", "HKD")]
	for i, (stage, age, close, cur) in enumerate(open_deals):
	    deals.append({"name": "o%d" % i, "stage": stage, "amount": "1000.00 " + cur,
	                  "close_date": close, "stage_history": [{"at": at(age), "to": stage}]})
	for d in deals:
	    print(json.dumps(d))
	EOF
	SFA_NOW=$NOW sfa-stage import -q deals.ndjson &&
	SFA_NOW=$NOW sfa-stage list --format json \
		--fields name,pipeline,stage,amount,currency,probability,close_date,stage_entered_at,stage_history \
		>records.json &&
	test "$(grep -c "\"name\"" records.json)" -eq 24
'

# check PERIOD KINDS: the forecast for PERIOD at NOW against the
# definition; KINDS (a Python set) says which of the chances 0, between
# (0.5) and 1 the data must give.
check () {
	SFA_NOW=$NOW sfa-report forecast --period "$1" --simulations 20000 --format csv >actual.csv &&
	python3 - records.json "$SFA_ROOT/share/config/pipelines.json" "$1" actual.csv "$2" <<-\EOF
	import csv, json, sys, datetime as dt
	recs = json.load(open(sys.argv[1]))
	pipes = json.load(open(sys.argv[2]))
	period = sys.argv[3]
	rows = {r["currency"]: r for r in csv.DictReader(open(sys.argv[4]))}
	def t(s):
	    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())
	y, m = map(int, period.split("-"))
	start = t("%04d-%02d-01T00:00:00Z" % (y, m))
	end = t("%04d-%02d-01T00:00:00Z" % (y + m // 12, m % 12 + 1))
	now = t("2026-02-10T00:00:00Z")
	stages = {s["name"]: s for s in pipes["pipelines"]["sales"]["stages"]}
	closing = lambda s: stages[s].get("won") or stages[s].get("lost")
	# what the closed deals teach: per stage, (time to close, won)
	learnt = {}
	for r in recs:
	    if not closing(r["stage"]):
	        continue
	    h = r["stage_history"]
	    last = max(i for i, e in enumerate(h) if closing(e["to"]))
	    for i, e in enumerate(h[:last]):
	        if closing(e["to"]) or any(f["to"] == e["to"] for f in h[i + 1:last]):
	            continue
	        learnt.setdefault(e["to"], []).append((t(h[last]["at"]) - t(e["at"]), stages[h[last]["to"]].get("won", False)))
	seen, kinds = 0, set()
	for r in recs:
	    if closing(r["stage"]):
	        continue
	    e = t(r["stage_entered_at"])
	    age = now - e
	    closed = [w for (d, w) in learnt.get(r["stage"], []) if d > age]
	    won = [d for (d, w) in learnt.get(r["stage"], []) if w and d > age and start - e <= d < end - e]
	    in_period = start <= t(r["close_date"] + "T00:00:00Z") < end
	    p = len(won) / len(closed) if closed else (stages[r["stage"]]["probability"] / 100 if in_period else 0)
	    assert p == 0 or p == 1 or 0.12 <= p <= 0.88, (r["name"], p)
	    row = rows.get(r["amount"].split()[1])
	    seen += 1
	    kinds.add(0 if p == 0 else 1 if p == 1 else 0.5)
	    if p == 0 and not in_period:
	        assert row is None, (r["name"], row)
	        continue
	    got = (row["p10"], row["p50"], row["p90"])
	    a = "1000.00"
	    want = ("0.00", "0.00", "0.00") if p == 0 else (a, a, a) if p == 1 else ("0.00", got[1], a)
	    assert got == want, (r["name"], r["stage"], age // 86400, p, got, want)
	print("# %d open deals checked for %s" % (seen, period))
	assert seen == 14 and kinds == eval(sys.argv[5]), (seen, kinds)
	EOF
}

test_expect_success 'forecast this month: each deal as the definition gives it' '
	check 2026-02 "{0, 0.5, 1}"
'

test_expect_success 'forecast next month (a period after now): each deal as the definition gives it' '
	check 2026-03 "{0, 0.5}"
'

test_expect_success 'the same from the records bodies (a filter every deal meets)' '
	SFA_NOW=$NOW sfa-report forecast --period 2026-02 --simulations 20000 --format csv >deals.csv &&
	SFA_NOW=$NOW sfa-report forecast --period 2026-02 --simulations 20000 --format csv \
		--where "stage!=no-such-stage" >bodies.csv &&
	test_cmp deals.csv bodies.csv
'

test_done
