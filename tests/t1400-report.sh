#!/bin/sh
# sfa-report: pipeline, forecast, win/loss and funnel of generated deals
# checked cell by cell against a second computation (tests/report-oracle.py),
# conversion into one currency, reports as of past dates and commits (also
# after a reindex), what changed between two commits, the simulated forecast,
# bad input, and the SVG and HTML renderings.

. "$(dirname "$0")/lib.sh"

ORACLE=$TEST_DIRECTORY/report-oracle.py
PIPELINES=$SFA_ROOT/share/config/pipelines.json
FIELDS=id,pipeline,stage,amount,currency,probability,close_date,owner,created_at,stage_entered_at,last_activity_at,stage_history
# the moment every report of the generated store is made at
REPORT_NOW=2026-03-15T12:00:00Z

in_store () {
	SFA_STORE=$tmp/$1
	export SFA_STORE
}

# at TIME cmd...: cmd with SFA_NOW=TIME.
at () {
	(
		SFA_NOW=$1
		export SFA_NOW
		shift
		"$@"
	)
}

# ids_in STAGE N SKIP: N ids of deals in STAGE after skipping SKIP, in the
# order of their external ids (the ids themselves are random).
ids_in () {
	sfa-stage list --stage "$1" --fields external_id,id --format csv >"$tmp/.ids" &&
	sed 1d "$tmp/.ids" | sort | cut -d, -f2 | sed -n "$(($3 + 1)),$(($3 + $2))p"
}

# oracle REPORT [options]: runs sfa-report REPORT --format csv at REPORT_NOW
# and compares it with report-oracle.py's computation from the records.
oracle () {
	_or_report=$1
	shift
	at "$REPORT_NOW" sfa-stage list --format json --fields "$FIELDS" >records.json &&
	at "$REPORT_NOW" sfa-report "$_or_report" "$@" --format csv >actual.csv
}

# ---------------------------------------------------------------------------
# The generated store: 400 deals imported, then moved over several commits.

test_expect_success 'setup: 400 generated deals, moved over three dates' '
	in_store big &&
	at 2026-01-10T08:00:00Z sfa init -q &&
	"$SFA_GEN_DATA" opportunities 400 >opps.csv &&
	at 2026-01-15T09:00:00Z sfa-stage import --map account=account_name opps.csv &&
	test "$(sfa-stage list --format ids | wc -l)" -eq 400 &&
	ids_in prospecting 6 0 >m1-qual &&
	ids_in needs-analysis 4 0 >m1-prop &&
	ids_in negotiation 3 0 >m1-lost &&
	test_line_count = 6 m1-qual && test_line_count = 4 m1-prop &&
	at 2026-02-02T10:00:00Z sfa-stage move $(cat m1-qual) qualification &&
	at 2026-02-02T10:00:00Z sfa-stage move $(cat m1-prop) proposal &&
	head -n 3 m1-qual >m2-na &&
	head -n 2 m1-prop >m2-won &&
	at 2026-02-20T15:30:00Z sfa-stage move $(cat m2-na) needs-analysis &&
	at 2026-02-20T15:30:00Z sfa-stage won $(cat m2-won) &&
	at 2026-03-05T11:00:00Z sfa-stage lost --reason price $(cat m1-lost) &&
	sed -n 3p m1-prop >m3-back &&
	sed -n 4p m1-qual >m3-prosp &&
	at 2026-03-05T11:00:00Z sfa-stage move $(cat m3-back) needs-analysis &&
	at 2026-03-05T11:00:00Z sfa-stage move $(cat m3-prosp) prospecting &&
	sfa-stage history $(head -n 1 m1-qual) --format csv >hist &&
	test_line_count = 4 hist
'

# SFA_NOW dates commits too, so --as-of DATE and changes --from DATE can be tested.
test_expect_success 'commits made with SFA_NOW carry that time' '
	in_store big &&
	store_git log -1 --format=%cI main >when &&
	echo 2026-03-05T11:00:00Z >expect &&
	sed -e "s/+00:00\$/Z/" when >when.z &&
	test_cmp expect when.z
'

test_expect_success 'pipeline: every row and column agree with the oracle' '
	in_store big &&
	oracle pipeline &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW pipeline --min-rows 20 actual.csv &&
	# the moved deals are fresh, the others long stale: both kinds counted
	python3 - actual.csv <<-\EOF
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1])))
	assert any(int(r["stale"]) < int(r["deals"]) for r in rows), rows
	assert any(int(r["stale"]) > 0 for r in rows), rows
	EOF
'

test_expect_success 'forecast 2025 (no simulation): every row agrees with the oracle' '
	in_store big &&
	oracle forecast --period 2025 --simulations 0 &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW forecast --period 2025 --min-rows 4 actual.csv &&
	oracle forecast --period 2025 --simulations 0 --by rep &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW forecast --period 2025 --by rep \
		--min-rows 20 actual.csv
'

test_expect_success 'winloss 2025 by rep: every row agrees with the oracle' '
	in_store big &&
	oracle winloss --period 2025 --by rep &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW winloss --period 2025 --by rep \
		--min-rows 20 actual.csv
'

test_expect_success 'funnel 2026: the moves, counted as the oracle counts them' '
	in_store big &&
	oracle funnel --period 2026 &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW funnel --period 2026 --min-rows 4 actual.csv &&
	# entries of 2026 only: the 6 deals moved to qualification entered it once
	grep "^sales,qualification," actual.csv >row &&
	test_grep "^sales,qualification,6," row
'

cat >rates.json <<'EOF'
{"base":"EUR","rates":{"USD":"1.0850","BGN":"1.95583","CNY":"7.7423"}}
EOF

test_expect_success 'pipeline --currency EUR: amounts converted per currency sum' '
	in_store big &&
	sfa config set rates "$tmp/rates.json" &&
	oracle pipeline --currency EUR &&
	test_grep ! -e ",USD," -e ",BGN," -e ",CNY," actual.csv &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW pipeline --currency EUR \
		--rates "$tmp/rates.json" --ignore weighted --min-rows 5 actual.csv
'

# Converted weighted sums: each currency's exact sum converted once, half-even.
test_expect_success 'pipeline --currency EUR: weighted converted once per currency sum' '
	in_store big &&
	oracle pipeline --currency EUR &&
	python3 "$ORACLE" records.json "$PIPELINES" $REPORT_NOW pipeline --currency EUR \
		--rates "$tmp/rates.json" --min-rows 5 actual.csv
'

test_expect_success 'forecast: the simulation is reproducible and ordered' '
	in_store big &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 2000 --seed 7 --format csv >s7 &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 2000 --seed 7 --format csv >s7b &&
	test_cmp s7 s7b &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 2000 --seed 8 --format csv >s8 &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 2000 --seed 9 --format csv >s9 &&
	! { cmp -s s7 s8 && cmp -s s7 s9; } &&
	python3 - s7 <<-\EOF
	import csv, sys
	from decimal import Decimal as D
	rows = list(csv.DictReader(open(sys.argv[1])))
	assert len(rows) == 4, rows
	spread = 0
	for r in rows:
	    won, p10, p50, p90 = (D(r[k]) for k in ("won", "p10", "p50", "p90"))
	    assert won <= p10 <= p50 <= p90, r
	    spread += p90 > p10
	assert spread, rows
	EOF
	head -n 1 s7 >hdr7 &&
	echo currency,won,commit,best_case,pipeline,weighted,p10,p50,p90,quota,attainment >expect &&
	test_cmp expect hdr7
'

test_expect_success 'forecast: with many runs the small deals drawn together keep the centre and spread' '
	in_store big &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 5000 --format csv >few &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 2000000 --format csv >many &&
	python3 - few many <<-\EOF
	import csv, sys
	from decimal import Decimal as D
	few, many = ([r for r in csv.DictReader(open(f))] for f in sys.argv[1:])
	assert [r["currency"] for r in few] == [r["currency"] for r in many], (few, many)
	for a, b in zip(few, many):
	    spread = D(a["p90"]) - D(a["p10"])
	    assert spread > 0, a
	    assert abs(D(a["p50"]) - D(b["p50"])) <= spread / 10, (a, b)
	    assert abs((D(b["p90"]) - D(b["p10"])) / spread - 1) <= D("0.15"), (a, b)
	EOF
'

test_expect_success 'forecast --simulations 0: no percentile columns' '
	in_store big &&
	at $REPORT_NOW sfa-report forecast --period 2026-Q2 --simulations 0 --format csv >s0 &&
	head -n 1 s0 >hdr &&
	echo currency,won,commit,best_case,pipeline,weighted,quota,attainment >expect &&
	test_cmp expect hdr &&
	test_line_count = 5 s0
'

test_expect_success 'svg is well-formed XML naming the stages; html has a table and a chart' '
	in_store big &&
	at $REPORT_NOW sfa-report pipeline --format svg >out.svg &&
	python3 - out.svg <<-\EOF &&
	import sys, xml.dom.minidom
	doc = xml.dom.minidom.parse(sys.argv[1])
	assert doc.documentElement.tagName == "svg", doc.documentElement.tagName
	text = open(sys.argv[1], encoding="utf-8").read()
	for s in ("prospecting", "qualification", "needs-analysis", "proposal", "negotiation"):
	    assert s in text, s
	EOF
	at $REPORT_NOW sfa-report pipeline --format html >out.html &&
	test_grep "<table" out.html &&
	test_grep "<svg" out.html &&
	test_grep "negotiation" out.html
'

# ---------------------------------------------------------------------------
# Bad input.

test_expect_success 'bad --by, --period, --as-of and --currency are usage errors' '
	in_store big &&
	test_must_fail --exit=2 sfa-report pipeline --by colour --format csv >out 2>err &&
	test_grep "colour" err &&
	test_must_fail --exit=2 sfa-report forecast --period 2026-13 2>err &&
	test_grep -e "--period" err &&
	test_must_fail --exit=2 sfa-report pipeline --as-of 2000-01-01 2>err &&
	test_grep "before the store" err &&
	test_must_fail --exit=2 sfa-report pipeline --currency XYZ 2>err &&
	test_grep "XYZ" err
'

test_expect_success 'a missing rate is bad configuration naming the pair' '
	in_store big &&
	echo "{\"base\":\"EUR\",\"rates\":{\"BGN\":\"1.95583\",\"CNY\":\"7.7423\"}}" >norate.json &&
	sfa config set rates norate.json &&
	test_must_fail --exit=3 sfa-report pipeline --currency EUR --format csv 2>err &&
	test_grep -F "USD -> EUR" err &&
	sfa config set rates "$tmp/rates.json"
'

test_expect_success 'quotas naming an unknown rep are refused, nothing committed' '
	in_store big &&
	before=$(store_git rev-parse main) &&
	echo "{\"currency\":\"EUR\",\"reps\":{\"nobody\":{\"2026-Q2\":\"1000\"}}}" >quotas.json &&
	test_must_fail --exit=3 sfa config set quotas quotas.json 2>err &&
	test_grep "nobody" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'an empty store: the header only, exit 1' '
	in_store empty &&
	sfa init -q &&
	test_expect_code 1 sfa-report pipeline --format csv >out &&
	echo pipeline,stage,currency,deals,amount,weighted,avg_age_days,stale >expect &&
	test_cmp expect out
'

# ---------------------------------------------------------------------------
# As of: a small store changed step by step; each step's reports saved as
# they were then, and asked for again later by date and by commit.

# step N TIME cmd...: cmd at TIME, then the reports as they are now saved as
# step-N.* (at the end of that day, and at the moment of the commit).
step () {
	_st_n=$1 _st_at=$2
	shift 2
	at "$_st_at" "$@" || return 1
	store_git rev-parse main >"step-$_st_n.commit" &&
	_st_ct=$(store_git log -1 --format=%ct main) &&
	_st_ctime=$(date -u -d "@$_st_ct" +%Y-%m-%dT%H:%M:%SZ) &&
	_st_eod=$(printf %s "$_st_at" | cut -c1-10)T23:59:59Z &&
	at "$_st_eod" sfa-report pipeline --format csv >"step-$_st_n.date" &&
	at "$_st_eod" sfa-report forecast --period 2026-Q2 --simulations 0 --format csv \
		>"step-$_st_n.fdate" &&
	at "$_st_ctime" sfa-report pipeline --format csv >"step-$_st_n.at-commit" &&
	at "$_st_ctime" sfa-report forecast --period 2026-Q2 --simulations 0 --format csv \
		>"step-$_st_n.fat-commit"
}

test_expect_success 'setup: a small store changed over five dates' '
	in_store asof &&
	at 2026-04-01T09:00:00Z sfa init -q &&
	at 2026-04-02T10:00:00Z sfa-stage add name=A "amount=1000 EUR" stage=prospecting \
		close_date=2026-06-30 owner=ana >id-A &&
	at 2026-04-02T10:00:00Z sfa-stage add name=B "amount=2000 EUR" stage=qualification \
		close_date=2026-05-15 owner=bo >id-B &&
	at 2026-04-02T10:00:00Z sfa-stage add name=C "amount=3000 EUR" stage=prospecting \
		close_date=2026-06-01 owner=ana >id-C &&
	at 2026-04-02T10:00:00Z sfa-stage add name=F "amount=500 EUR" stage=negotiation \
		close_date=2026-06-10 owner=bo >id-F &&
	step 1 2026-04-02T10:00:00Z sfa-stage add name=E "amount=4000 USD" stage=proposal \
		close_date=2026-06-20 owner=ana >id-E &&
	step 2 2026-04-05T10:00:00Z sfa-stage move "$(cat id-A)" proposal &&
	step 3 2026-04-09T10:00:00Z sfa-stage set "$(cat id-B)" "amount=5000 EUR" &&
	step 4 2026-04-12T10:00:00Z sfa-stage delete "$(cat id-C)" &&
	at 2026-04-15T10:00:00Z sfa-stage won "$(cat id-A)" &&
	at 2026-04-15T10:00:00Z sfa-stage lost --reason price "$(cat id-F)" &&
	at 2026-04-15T10:00:00Z sfa-stage set "$(cat id-E)" close_date=2026-08-15 &&
	step 5 2026-04-15T10:00:00Z sfa-stage add name=G "amount=700 EUR" stage=prospecting \
		close_date=2026-06-25 owner=bo >id-G &&
	# the saved reports differ from step to step: the checks below can fail
	! cmp -s step-1.date step-2.date && ! cmp -s step-2.date step-3.date &&
	! cmp -s step-3.date step-4.date && ! cmp -s step-4.date step-5.date &&
	test_eq "$(cat step-3.commit)" "$(store_git rev-parse main~5)"
'

# as_of_commits: every step's reports again, as of its commit.
as_of_commits () {
	for n in 1 2 3 4 5; do
		c=$(cat step-$n.commit) &&
		at 2026-05-01T00:00:00Z sfa-report pipeline --as-of "$c" --format csv >got &&
		test_cmp step-$n.at-commit got &&
		at 2026-05-01T00:00:00Z sfa-report forecast --period 2026-Q2 --simulations 0 \
			--as-of "$c" --format csv >got &&
		test_cmp step-$n.fat-commit got || return 1
	done
}

# as_of_dates: every step's reports again, as of the day of the step (the
# next step is on a later day).
as_of_dates () {
	for nd in 1:2026-04-02 2:2026-04-05 3:2026-04-09 4:2026-04-12 5:2026-04-15; do
		n=${nd%%:*} d=${nd#*:} &&
		at 2026-05-01T00:00:00Z sfa-report pipeline --as-of "$d" --format csv >got &&
		test_cmp step-$n.date got &&
		at 2026-05-01T00:00:00Z sfa-report forecast --period 2026-Q2 --simulations 0 \
			--as-of "$d" --format csv >got &&
		test_cmp step-$n.fdate got || return 1
	done
}

test_expect_success 'as of each commit: the reports as they were then' '
	in_store asof &&
	as_of_commits
'

test_expect_success 'as of each day: the reports as they were then' '
	in_store asof &&
	as_of_dates
'

test_expect_success 'after a reindex, as of each commit: the same' '
	in_store asof &&
	sfa reindex &&
	as_of_commits
'

test_expect_success 'after a reindex, as of each day: the same' '
	in_store asof &&
	as_of_dates
'

test_expect_success 'changes between two commits: each kind of change, and the identity' '
	in_store asof &&
	at 2026-05-01T00:00:00Z sfa-report changes --from "$(cat step-1.commit)" \
		--to "$(cat step-5.commit)" --period 2026-Q2 --format csv >out &&
	cat >expect <<-\EOF &&
	change,currency,deals,amount
	start,EUR,4,6500.00
	start,USD,1,4000.00
	new,EUR,1,700.00
	increased,EUR,1,3000.00
	pushed_out,USD,1,-4000.00
	won,EUR,1,-1000.00
	lost,EUR,1,-500.00
	deleted,EUR,1,-3000.00
	end,EUR,2,5700.00
	end,USD,0,0.00
	EOF
	test_cmp expect out &&
	at 2026-05-01T00:00:00Z sfa-report changes --from "$(cat step-2.commit)" \
		--to "$(cat step-4.commit)" --period 2026-Q2 --format csv >out2 &&
	python3 - out2 <<-\EOF
	import csv, sys
	from decimal import Decimal as D
	rows = list(csv.DictReader(open(sys.argv[1])))
	kinds = [r["change"] for r in rows]
	assert "increased" in kinds and "deleted" in kinds, kinds
	for cur in {r["currency"] for r in rows}:
	    mine = [r for r in rows if r["currency"] == cur]
	    start = sum(D(r["amount"]) for r in mine if r["change"] == "start")
	    end = sum(D(r["amount"]) for r in mine if r["change"] == "end")
	    other = sum(D(r["amount"]) for r in mine if r["change"] not in ("start", "end"))
	    assert end == start + other, (cur, start, other, end)
	EOF
'

# A filter makes a report read the records' bodies; without one it reads the
# index's table of deals. A filter every deal meets must change nothing.
same_both_ways () {
	at "$REPORT_NOW" sfa-report "$@" --format csv >by-table.csv &&
	at "$REPORT_NOW" sfa-report "$@" --where "stage!=no-such-stage" --format csv >by-body.csv &&
	test_cmp by-body.csv by-table.csv &&
	test "$(wc -l <by-table.csv)" -gt 1
}

test_expect_success 'the table of deals and the records give every report the same' '
	in_store big &&
	same_both_ways pipeline --by rep &&
	same_both_ways forecast --period 2026-Q2 --simulations 2000 --seed 3 --by rep &&
	same_both_ways forecast --period 2025 --simulations 0 &&
	same_both_ways funnel --period 2026 &&
	same_both_ways winloss --period 2025 --by rep &&
	same_both_ways accuracy --period 2026-Q1 &&
	in_store asof &&
	for c in step-1 step-3 step-5; do
		same_both_ways pipeline --as-of "$(cat $c.commit)" &&
		same_both_ways forecast --period 2026-Q2 --simulations 500 --as-of "$(cat $c.commit)" || return 1
	done &&
	same_both_ways changes --from "$(cat step-1.commit)" --to "$(cat step-5.commit)" --period 2026-Q2
'

test_done
