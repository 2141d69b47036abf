#!/bin/sh
# sfa-stage: pipelines as configuration (stages, probabilities, forecast
# categories, required fields, allowed moves), refused pipeline files at
# their line, opportunities added and moved with their stage history, won
# deals with their follow-ups, lost and reopened deals, list filters
# (--stage, --pipeline, --closing, --stale), history that survives a
# reindex and agrees with git, references by external id.

. "$(dirname "$0")/lib.sh"

# check.py FILE FIELD=VALUE...: FILE is one JSON record (a record file from
# git) with exactly these values; "-" means absent, "json:TEXT" a JSON value
# (a number, a list), anything else a text.
cat >check.py <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1], encoding="utf-8"))
for arg in sys.argv[2:]:
    k, v = arg.split("=", 1)
    if v == "-":
        assert k not in rec, "%s: expected no value, got %r" % (k, rec[k])
        continue
    want = json.loads(v[5:]) if v.startswith("json:") else v
    assert k in rec, "%s: expected %r, got nothing" % (k, want)
    assert rec[k] == want and type(rec[k]) == type(want), \
        "%s: expected %r, got %r" % (k, want, rec[k])
EOF

# pipelines.py BASE KIND OUT: writes to OUT the pipelines file BASE with one
# fault KIND, pretty-printed one key a line, and prints the line (1-based)
# of OUT that holds the fault.
cat >pipelines.py <<'EOF'
import json, sys
base, kind, out = sys.argv[1:4]
c = json.load(open(base, encoding="utf-8"))
sales = c["pipelines"]["sales"]
services = c["pipelines"]["services"]
faults = {
    # kind: (change, text on the line the error is to name, its occurrence)
    "twice": (lambda: sales["stages"][2].update(name="qualification"), '"name": "qualification"', 2),
    "probability": (lambda: sales["stages"][3].update(probability=150), '"probability": 150', 1),
    "category": (lambda: services["stages"][1].update(category="maybe"), '"maybe"', 1),
    "to": (lambda: sales["stages"][0].update(to=["qualification", "demo"]), '"demo"', 1),
    "no-won": (lambda: services["stages"][3].update(won=False), '"stages": [', 2),
    "default": (lambda: c.update(default="retail"), '"default": "retail"', 1),
    "key": (lambda: c.update(currency="EUR"), '"currency": "EUR"', 1),
    "stage-key": (lambda: sales["stages"][1].update(color="red"), '"color": "red"', 1),
    "lost-category": (lambda: sales["stages"][6].update(category="pipeline"), '"category": "pipeline"', 4),
    "on-won": (lambda: sales["on_won"][0].update(type="visit"), '"visit"', 1),
    "reasons": (lambda: c["lost_reasons"].insert(1, 5), '    5,', 1),
}
change, needle, nth = faults[kind]
change()
text = json.dumps(c, indent=2, ensure_ascii=False) + "\n"
open(out, "w", encoding="utf-8").write(text)
lines = [n for n, l in enumerate(text.split("\n"), 1) if needle in l]
assert len(lines) >= nth, (kind, lines)
print(lines[nth - 1])
EOF

# gitpath.py FILE: the stage history of the record FILE as "stage,at,by"
# rows, as sfa-stage history is to print them (stage, entered, by).
cat >gitpath.py <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1], encoding="utf-8"))
for e in rec["stage_history"]:
    print("%s,%s,%s" % (e["to"], e["at"], e.get("by", "")))
EOF

in_store () {
	SFA_STORE=$tmp/$1
	export SFA_STORE
}

# opp_path ID: the path of an opportunity's record file in the store's tree.
opp_path () {
	printf 'opportunities/%s/%s.json\n' "$(printf '%s' "$1" | cut -c1-2)" "$1"
}

# show_opp ID FILE: the opportunity's record file from main into FILE.
show_opp () {
	store_git show "main:$(opp_path "$1")" >"$2"
}

# activities FILE: the paths of the activity records on main, into FILE.
activities () {
	store_git ls-tree -r --name-only main >"$tmp/.ls-tree" || return 1
	grep '^activities/' "$tmp/.ls-tree" >"$1" || :
}

# ids_of NAME...: the ids of the opportunities with these names, sorted.
ids_of () {
	for _n in "$@"; do
		sfa-stage list --where "name=$_n" --format ids || return 1
	done | sort
}

# list_names [list options]: the names of the opportunities listed, sorted,
# into "names"; a list that matches nothing leaves it empty.
list_names () {
	_ln_rc=0
	sfa-stage list "$@" --fields name --format csv >"$tmp/.names" || _ln_rc=$?
	[ $_ln_rc -eq 0 ] || [ $_ln_rc -eq 1 ] || return 1
	sed 1d "$tmp/.names" | sort >names
}

# list_names_at TIME [list options]: list_names as at TIME (SFA_NOW).
list_names_at () {
	(
		SFA_NOW=$1
		export SFA_NOW
		shift
		list_names "$@"
	)
}

test_expect_success 'setup: init writes the shipped pipelines' '
	sfa init -q &&
	sfa config list >out &&
	test_grep -E "^config/pipelines\.json +sales processes" out &&
	store_git show main:config/pipelines.json >stored &&
	test_cmp "$SFA_ROOT/share/config/pipelines.json" stored
'

test_expect_success 'stages: every pipeline, its stages in order (csv)' '
	sfa-stage stages --format csv >out &&
	cat >expect <<-\EOF &&
	pipeline,position,stage,probability,category,closes,rot_days,required,to
	sales,1,prospecting,10,pipeline,,30,,
	sales,2,qualification,20,pipeline,,21,,
	sales,3,needs-analysis,40,pipeline,,21,,
	sales,4,proposal,60,best-case,,14,"amount,close_date",
	sales,5,negotiation,80,commit,,10,"amount,close_date",
	sales,6,closed-won,100,closed,won,,"amount,close_date",
	sales,7,closed-lost,0,omitted,lost,,,
	services,1,scoping,20,pipeline,,21,,
	services,2,proposal,50,best-case,,14,"amount,close_date",
	services,3,contract,85,commit,,10,"amount,close_date,contact",
	services,4,closed-won,100,closed,won,,"amount,close_date",
	services,5,closed-lost,0,omitted,lost,,,
	EOF
	test_cmp expect out &&
	sfa-stage stages >out2 &&
	test_cmp out out2
'

test_expect_success 'stages PIPELINE: one pipeline, as a table and as JSON' '
	sfa-stage stages --format table services >out &&
	sed -e "s/ *\$//" out >out.trim &&
	cat >expect <<-\EOF &&
	pipeline  position  stage        probability  category   closes  rot_days  required                   to
	services  1         scoping      20           pipeline           21
	services  2         proposal     50           best-case          14        amount,close_date
	services  3         contract     85           commit             10        amount,close_date,contact
	services  4         closed-won   100          closed     won               amount,close_date
	services  5         closed-lost  0            omitted    lost
	EOF
	test_cmp expect out.trim &&
	sfa-stage stages --format json sales >out.json &&
	python3 - out.json <<-\EOF
	import json, sys
	rows = json.load(open(sys.argv[1]))
	assert [r["stage"] for r in rows] == ["prospecting", "qualification", "needs-analysis",
	    "proposal", "negotiation", "closed-won", "closed-lost"], rows
	assert [r["position"] for r in rows] == list(range(1, 8)), rows
	assert [r["probability"] for r in rows] == [10, 20, 40, 60, 80, 100, 0], rows
	assert [r["category"] for r in rows] == ["pipeline"] * 3 + ["best-case", "commit",
	    "closed", "omitted"], rows
	assert [r.get("closes") for r in rows] == [None] * 5 + ["won", "lost"], rows
	assert [r.get("rot_days") for r in rows] == [30, 21, 21, 14, 10, None, None], rows
	assert rows[3]["required"] == "amount,close_date" and "required" not in rows[0], rows
	assert all(r["pipeline"] == "sales" for r in rows), rows
	EOF
'

test_expect_success 'stages: an unknown pipeline is exit 3, two are a usage error' '
	test_must_fail --exit=3 sfa-stage stages retail >out 2>err &&
	test ! -s out &&
	test_grep -F "no pipeline '"'"'retail'"'"' (pipelines: sales, services)" err &&
	test_must_fail --exit=2 sfa-stage stages sales services 2>err &&
	test_grep "one pipeline" err &&
	test_must_fail --exit=2 sfa-stage stages --format yaml 2>err
'

while IFS='|' read -r kind path reason; do
	case $kind in '#'*|'') continue ;; esac
	kind=$(echo $kind) path=$(echo $path) reason=$(echo $reason)
	test_expect_success "config set refuses pipelines ($kind) at its line, exit 3" '
		before=$(store_git rev-parse main) &&
		line=$(python3 pipelines.py "$SFA_ROOT/share/config/pipelines.json" '"$kind"' bad.json) &&
		test "$line" -gt 1 &&
		test_must_fail --exit=3 sfa config set pipelines bad.json 2>err &&
		test_grep -F "config/pipelines.json:$line: $path: $reason" err &&
		test_must_fail --exit=3 sfa config check pipelines bad.json 2>err2 &&
		test_cmp err err2 &&
		test_eq "$before" "$(store_git rev-parse main)" &&
		store_git show main:config/pipelines.json >stored &&
		test_cmp "$SFA_ROOT/share/config/pipelines.json" stored
	'
done <<'EOF'
# kind | path | start of the reason
twice | pipelines.sales.stages[2].name | stage 'qualification' twice
probability | pipelines.sales.stages[3].probability | expected a whole number from 0 to 100
category | pipelines.services.stages[1].category | expected one of: pipeline, best-case, commit, closed, omitted
to | pipelines.sales.stages[0].to[1] | no stage 'demo' in pipeline 'sales'
no-won | pipelines.services.stages | no stage with "won": true
default | default | no pipeline 'retail'
key | currency | not a setting (default, lost_reasons, pipelines)
stage-key | pipelines.sales.stages[1].color | not a stage setting
lost-category | pipelines.sales.stages[6].category | a lost stage is "closed" or "omitted"
on-won | pipelines.sales.on_won[0].type | expected one of: call, meeting, email, note, task
reasons | lost_reasons[1] | expected a reason name
EOF

# --- add ------------------------------------------------------------------

test_expect_success 'add: the default pipeline, its first stage, one history entry' '
	before=$(commit_count) &&
	SFA_NOW=2026-01-01T00:00:00Z sfa-stage add name="Pumps for Berlin" owner=rep01 >pumps 2>err &&
	id=$(cat pumps) &&
	is_id "$id" &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git diff-tree -r --name-status --no-commit-id main >changes &&
	printf "A\t%s\n" "$(opp_path "$id")" >expect &&
	test_cmp expect changes &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-stage: add opportunity $id" >expect &&
	test_cmp expect msg &&
	show_opp "$id" rec &&
	python3 check.py rec name="Pumps for Berlin" pipeline=sales stage=prospecting \
		owner=rep01 created_at=2026-01-01T00:00:00Z \
		stage_entered_at=2026-01-01T00:00:00Z last_activity_at=2026-01-01T00:00:00Z \
		closed_at=- lost_reason=- probability=- \
		stage_history="json:[{\"at\": \"2026-01-01T00:00:00Z\", \"by\": \"Test User\", \"to\": \"prospecting\"}]"
'

test_expect_success 'add: pipeline=services starts in its own first stage' '
	SFA_NOW=2026-01-02T00:00:00Z sfa-stage add name="Audit" pipeline=services >audit &&
	show_opp "$(cat audit)" rec &&
	python3 check.py rec pipeline=services stage=scoping stage_entered_at=2026-01-02T00:00:00Z
'

test_expect_success 'add into a stage that needs fields lists the missing ones, exit 3' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage add name=Quick stage=proposal >out 2>err &&
	test ! -s out &&
	test_grep -F "stage '"'"'proposal'"'"' needs amount, close_date first" err &&
	test_must_fail --exit=3 sfa-stage add name=Quick stage=proposal amount="100 EUR" 2>err &&
	test_grep -F "stage '"'"'proposal'"'"' needs close_date first" err &&
	test_must_fail --exit=3 sfa-stage add name=Quick pipeline=services stage=contract \
		amount="100 EUR" close_date=2026-05-01 2>err &&
	test_grep -F "stage '"'"'contract'"'"' needs contact first" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'add with an unknown stage or pipeline: exit 3, the stages listed' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage add name=Quick stage=demo 2>err &&
	test_grep -F "field '"'"'stage'"'"': no stage '"'"'demo'"'"' in pipeline '"'"'sales'"'"' (stages: prospecting, qualification, needs-analysis, proposal, negotiation, closed-won, closed-lost)" err &&
	test_must_fail --exit=3 sfa-stage add name=Quick pipeline=services stage=negotiation 2>err &&
	test_grep -F "(stages: scoping, proposal, contract, closed-won, closed-lost)" err &&
	test_must_fail --exit=3 sfa-stage add name=Quick pipeline=retail 2>err &&
	test_grep -F "field '"'"'pipeline'"'"': no pipeline '"'"'retail'"'"'" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

while IFS='|' read -r amount reason; do
	case $amount in '#'*|'') continue ;; esac
	amount=$(echo $amount) reason=$(echo $reason)
	test_expect_success "add amount=\"$amount\": exit 3, nothing written" '
		before=$(store_git rev-parse main) &&
		test_must_fail --exit=3 sfa-stage add name=Bad amount="'"$amount"'" >out 2>err &&
		test ! -s out &&
		test_grep -F "field '"'"'amount'"'"': $reason" err &&
		test_eq "$before" "$(store_git rev-parse main)" &&
		test_must_fail --exit=1 sfa-stage list --where name=Bad
	'
done <<'EOF'
# amount | start of the reason
12,000 EUR | not an amount: '12,000 EUR' (no thousands separators
-5 EUR | amount '-5 EUR' is below the minimum 0
100 XYZ | amount '100 XYZ': unknown currency 'XYZ'
abc | not an amount: 'abc'
100 | amount '100' has no currency
EOF

test_expect_success 'add with a bad close_date: exit 3, nothing written' '
	before=$(store_git rev-parse main) &&
	for d in 31/02/2026 2026-02-30 2026-13-01 tomorrow; do
		test_must_fail --exit=3 sfa-stage add name=Bad close_date="$d" 2>err || exit 1
		test_grep -F "field '"'"'close_date'"'"': not a date: '"'"'$d'"'"'" err || exit 1
	done &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'import: an amount and its currency in two columns' '
	cat >deals.csv <<-\EOF &&
	external_id,name,amount,currency,close_date,stage
	D-1,Imported deal,1200.5,EUR,2026-03-15,proposal
	D-2,Yen deal,1200,JPY,2026-05-20,
	EOF
	before=$(commit_count) &&
	SFA_NOW=2026-01-02T00:00:00Z sfa-stage import deals.csv 2>err &&
	test_grep "2 added" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	sfa-stage list --where external_id=D-1 --format ids >d1 &&
	is_id "$(cat d1)" &&
	show_opp "$(cat d1)" rec &&
	python3 check.py rec amount="1200.50 EUR" close_date=2026-03-15 stage=proposal \
		pipeline=sales stage_entered_at=2026-01-02T00:00:00Z \
		stage_history="json:[{\"at\": \"2026-01-02T00:00:00Z\", \"by\": \"Test User\", \"to\": \"proposal\"}]" &&
	show_opp "$(sfa-stage list --where external_id=D-2 --format ids)" rec &&
	python3 check.py rec amount="1200 JPY" stage=prospecting
'

test_expect_success 'import: a bad amount names file and line, nothing written' '
	printf "name,amount,currency\nGood,10,EUR\nBad,\"1,5\",EUR\n" >bad.csv &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage import bad.csv 2>err &&
	test_grep -F "bad.csv:3" err &&
	test_grep -F "field '"'"'amount'"'"'" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	test_must_fail --exit=1 sfa-stage list --where name=Good
'

# --- move -----------------------------------------------------------------

test_expect_success 'move: the fields the stage needs are listed, nothing written' '
	id=$(cat pumps) &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage move "$id" proposal 2>err &&
	test_grep -F "opportunity $id: stage '"'"'proposal'"'"' needs amount, close_date first" err &&
	test_must_fail --exit=3 sfa-stage move "$id" closed-won 2>err &&
	test_grep -F "needs amount, close_date first" err &&
	test_must_fail --exit=3 sfa-stage move "$id" closed-lost 2>err &&
	test_grep -F "stage '"'"'closed-lost'"'"' needs a lost_reason" err &&
	test_must_fail --exit=3 sfa-stage move "$id" demo 2>err &&
	test_grep -F "no stage '"'"'demo'"'"'" err &&
	test_must_fail --exit=2 sfa-stage move 2>err &&
	test_must_fail --exit=2 sfa-stage move --stage proposal "$id" proposal 2>err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'move: each move recorded with from, to, by and at' '
	id=$(cat pumps) &&
	before=$(commit_count) &&
	SFA_USER="Rita Rep <rita@example.com>" SFA_NOW=2026-01-11T00:00:00Z \
		sfa-stage move "$id" qualification 2>err &&
	test_grep "moved 1 opportunity" err &&
	SFA_NOW=2026-01-12T09:00:00Z sfa-stage set "$id" amount="12000 EUR" close_date=2026-03-31 &&
	SFA_USER="Bob Boss <bob@example.com>" SFA_NOW=2026-01-14T12:00:00Z \
		sfa-stage move "$(printf %s "$id" | cut -c1-6)" proposal &&
	test_eq $((before + 3)) "$(commit_count)" &&
	store_git log -1 --format="%an|%s" main >msg &&
	echo "Bob Boss|sfa-stage: move to proposal on 1 opportunity" >expect &&
	test_cmp expect msg &&
	show_opp "$id" rec &&
	python3 check.py rec stage=proposal stage_entered_at=2026-01-14T12:00:00Z \
		last_activity_at=2026-01-14T12:00:00Z amount="12000.00 EUR" closed_at=- \
		stage_history="json:[
			{\"at\": \"2026-01-01T00:00:00Z\", \"by\": \"Test User\", \"to\": \"prospecting\"},
			{\"at\": \"2026-01-11T00:00:00Z\", \"by\": \"Rita Rep\", \"from\": \"prospecting\", \"to\": \"qualification\"},
			{\"at\": \"2026-01-14T12:00:00Z\", \"by\": \"Bob Boss\", \"from\": \"qualification\", \"to\": \"proposal\"}]"
'

test_expect_success 'history: days in each stage, exact with SFA_NOW' '
	SFA_NOW=2026-01-20T00:00:00Z sfa-stage history --format csv "$(cat pumps)" >out &&
	cat >expect <<-\EOF &&
	stage,entered,left,days,by,reason
	prospecting,2026-01-01T00:00:00Z,2026-01-11T00:00:00Z,10.0,Test User,
	qualification,2026-01-11T00:00:00Z,2026-01-14T12:00:00Z,3.5,Rita Rep,
	proposal,2026-01-14T12:00:00Z,,5.5,Bob Boss,
	EOF
	test_cmp expect out &&
	SFA_NOW=2026-01-20T00:00:00Z sfa-stage history --format json "$(cat pumps)" >out.json &&
	python3 - out.json <<-\EOF &&
	import json, sys
	rows = json.load(open(sys.argv[1]))
	assert [r["days"] for r in rows] == ["10.0", "3.5", "5.5"], rows
	assert "left" not in rows[2] and rows[0]["left"] == rows[1]["entered"], rows
	EOF
	test_must_fail --exit=2 sfa-stage history 2>err &&
	test_must_fail --exit=2 sfa-stage history "$(cat pumps)" "$(cat d1)" 2>err &&
	test_must_fail --exit=1 sfa-stage history 0000000000zz 2>err &&
	test_grep 0000000000zz err
'

test_expect_success 'move by pipe: every id read from stdin, one commit for all' '
	sfa-stage list --stage proposal --format ids | sort >ids &&
	{ cat pumps d1; } | sort >expect &&
	test_cmp expect ids &&
	before=$(commit_count) &&
	sfa-stage list --stage proposal --format ids |
	SFA_NOW=2026-01-21T00:00:00Z sfa-stage move negotiation 2>err &&
	test_grep "moved 2 opportunities" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-stage: move to negotiation on 2 opportunities" >expect &&
	test_cmp expect msg &&
	store_git diff-tree -r --name-only --no-commit-id main | sort >changes &&
	for id in $(cat ids); do opp_path "$id"; done | sort >expect &&
	test_cmp expect changes &&
	for id in $(cat ids); do
		show_opp "$id" rec || exit 1
		python3 check.py rec stage=negotiation stage_entered_at=2026-01-21T00:00:00Z || exit 1
	done &&
	test_must_fail --exit=1 sfa-stage list --stage proposal
'

test_expect_success 'move by pipe: one refused move writes nothing' '
	SFA_NOW=2026-01-21T00:00:00Z sfa-stage add name="No amount yet" >noamount &&
	before=$(store_git rev-parse main) &&
	cat d1 noamount >both &&
	test_must_fail --exit=3 sfa-stage move proposal <both 2>err &&
	test_grep -F "$(cat noamount)" err &&
	test_grep "needs amount, close_date first" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

# --- won, lost, reopen ----------------------------------------------------

test_expect_success 'won: closed, and the pipeline'"'"'s follow-ups created in the same commit' '
	id=$(cat pumps) &&
	activities before-acts &&
	test_line_count = 0 before-acts &&
	before=$(commit_count) &&
	SFA_NOW=2026-01-25T00:00:00Z sfa-stage won "$id" 2>err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-stage: won on 1 opportunity" >expect &&
	test_cmp expect msg &&
	show_opp "$id" rec &&
	python3 check.py rec stage=closed-won closed_at=2026-01-25T00:00:00Z \
		stage_entered_at=2026-01-25T00:00:00Z lost_reason=- &&
	python3 -c "
import json, sys
h = json.load(open(\"rec\"))[\"stage_history\"]
assert h[-1] == {\"at\": \"2026-01-25T00:00:00Z\", \"by\": \"Test User\",
                 \"from\": \"negotiation\", \"to\": \"closed-won\"}, h
" &&
	activities acts &&
	test_line_count = 2 acts &&
	store_git diff-tree -r --name-status --no-commit-id main >changes &&
	cut -f1 changes | sort >kinds &&
	printf "A\nA\nM\n" >expect &&
	test_cmp expect kinds &&
	grep "^M" changes | cut -f2 >modified &&
	opp_path "$id" >expect &&
	test_cmp expect modified &&
	grep "^A" changes | cut -f2 >added &&
	test_cmp acts added &&
	for f in $(cat acts); do
		store_git show "main:$f" >act || exit 1
		python3 check.py act related_to="$id" related_type=opportunity done=json:false \
			owner=rep01 created_at=2026-01-25T00:00:00Z || exit 1
		python3 -c "import json; a = json.load(open(\"act\")); print(a[\"type\"], a[\"subject\"], a[\"due_at\"], a[\"duration\"])" >>got || exit 1
	done &&
	sort got >got.sorted &&
	cat >expect <<-\EOF &&
	call Onboarding call 2026-01-28T00:00:00Z 30
	meeting Training 2026-02-08T00:00:00Z 120
	EOF
	test_cmp expect got.sorted
'

test_expect_success 'won again: nothing moves, no second set of follow-ups' '
	before=$(store_git rev-parse main) &&
	sfa-stage won "$(cat pumps)" 2>err &&
	test_grep "moved 0 opportunities" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	activities acts &&
	test_line_count = 2 acts
'

test_expect_success 'won without the fields the won stage needs: exit 3, no follow-ups' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage won "$(cat noamount)" 2>err &&
	test_grep -F "stage '"'"'closed-won'"'"' needs amount, close_date first" err &&
	test_must_fail --exit=2 sfa-stage won --reason price "$(cat noamount)" 2>err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	activities acts &&
	test_line_count = 2 acts
'

test_expect_success 'lost needs --reason (exit 2), one of lost_reasons (exit 3)' '
	id=$(cat d1) &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=2 sfa-stage lost "$id" 2>err &&
	test_grep "lost needs --reason" err &&
	test_must_fail --exit=3 sfa-stage lost --reason cheap "$id" 2>err &&
	test_grep -F "field '"'"'lost_reason'"'"': '"'"'cheap'"'"' is not one of: price, competitor, no-budget, no-decision, timing, product-fit, went-dark, other" err &&
	test_must_fail --exit=3 sfa-stage set "$id" lost_reason=price 2>err &&
	test_grep -F "the deal is not lost" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'lost: the reason kept in the record and in the history' '
	id=$(cat d1) &&
	SFA_NOW=2026-02-01T00:00:00Z sfa-stage lost --reason price --competitor Globex "$id" 2>err &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-stage: lost for price on 1 opportunity" >expect &&
	test_cmp expect msg &&
	show_opp "$id" rec &&
	python3 check.py rec stage=closed-lost lost_reason=price competitor=Globex \
		closed_at=2026-02-01T00:00:00Z &&
	SFA_NOW=2026-02-05T00:00:00Z sfa-stage history --format csv D-1 >out &&
	cat >expect <<-\EOF &&
	stage,entered,left,days,by,reason
	proposal,2026-01-02T00:00:00Z,2026-01-21T00:00:00Z,19.0,Test User,
	negotiation,2026-01-21T00:00:00Z,2026-02-01T00:00:00Z,11.0,Test User,
	closed-lost,2026-02-01T00:00:00Z,,4.0,Test User,price
	EOF
	test_cmp expect out &&
	activities acts &&
	test_line_count = 2 acts
'

test_expect_success 'reopen: back to the stage before closing, reason and closed_at gone' '
	id=$(cat d1) &&
	before=$(commit_count) &&
	SFA_NOW=2026-02-10T00:00:00Z sfa-stage reopen "$id" 2>err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=negotiation lost_reason=- closed_at=- competitor=Globex \
		stage_entered_at=2026-02-10T00:00:00Z &&
	SFA_NOW=2026-02-12T00:00:00Z sfa-stage history --format csv "$id" >out &&
	cat >expect <<-\EOF &&
	stage,entered,left,days,by,reason
	proposal,2026-01-02T00:00:00Z,2026-01-21T00:00:00Z,19.0,Test User,
	negotiation,2026-01-21T00:00:00Z,2026-02-01T00:00:00Z,11.0,Test User,
	closed-lost,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,9.0,Test User,price
	negotiation,2026-02-10T00:00:00Z,,2.0,Test User,
	EOF
	test_cmp expect out &&
	python3 -c "
import json
h = json.load(open(\"rec\"))[\"stage_history\"]
assert h[-1] == {\"at\": \"2026-02-10T00:00:00Z\", \"by\": \"Test User\",
                 \"from\": \"closed-lost\", \"to\": \"negotiation\"}, h
assert h[-2][\"reason\"] == \"price\", h
"
'

test_expect_success 'reopen an open deal, or into a closing stage: exit 3' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage reopen "$(cat d1)" 2>err &&
	test_grep -F "not closed: it is in '"'"'negotiation'"'"'" err &&
	test_must_fail --exit=3 sfa-stage reopen --stage closed-lost "$(cat pumps)" 2>err &&
	test_grep -F "reopen moves to an open stage, not '"'"'closed-lost'"'"'" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'reopen --stage: a won deal back to a stage named' '
	id=$(cat pumps) &&
	SFA_NOW=2026-02-15T00:00:00Z sfa-stage reopen --stage proposal "$id" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=proposal closed_at=- stage_entered_at=2026-02-15T00:00:00Z &&
	test_eq "prospecting qualification proposal negotiation closed-won proposal" \
		"$(python3 gitpath.py rec | cut -d, -f1 | paste -sd" " -)" &&
	activities acts &&
	test_line_count = 2 acts
'

test_expect_success 'lost for any of lost_reasons, not only the first' '
	id=$(cat noamount) &&
	before=$(commit_count) &&
	{ SFA_NOW=2026-02-16T00:00:00Z sfa-stage lost --reason no-decision "$id" 2>err ||
		{ cat err; exit 1; }; } &&
	test_grep "moved 1 opportunity" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=closed-lost lost_reason=no-decision closed_at=2026-02-16T00:00:00Z
'

# --- fields kept by sfa-stage, probability --------------------------------

test_expect_success 'stage_history is not set by hand (exit 3)' '
	id=$(cat pumps) &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage set "$id" stage_history= 2>err &&
	test_grep -F "field '"'"'stage_history'"'"': kept by sfa-stage, not set by hand" err &&
	test_must_fail --exit=3 sfa-stage set "$id" "stage_history=[]" 2>err &&
	test_grep -F "kept by sfa-stage" err &&
	printf "{\"id\": \"%s\", \"stage_history\": []}\n" "$id" >h.json &&
	test_must_fail --exit=3 sfa-stage set <h.json 2>err &&
	test_grep -F "kept by sfa-stage" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'probability: a deal'"'"'s own, kept apart from its stage'"'"'s default' '
	id=$(cat d1) &&
	sfa-stage set "$id" probability=70 &&
	show_opp "$id" rec &&
	python3 check.py rec probability=json:70 stage=negotiation &&
	sfa-stage stages --format csv sales >out &&
	test_grep -x "sales,5,negotiation,80,commit,,10,\"amount,close_date\"," out &&
	sfa-stage list --where probability=70 --format ids >ids &&
	test_cmp d1 ids &&
	SFA_NOW=2026-02-20T00:00:00Z sfa-stage move "$id" proposal &&
	show_opp "$id" rec &&
	python3 check.py rec probability=json:70 stage=proposal &&
	sfa-stage stages --format csv sales >out2 &&
	test_cmp out out2 &&
	sfa-stage set "$id" probability= &&
	show_opp "$id" rec &&
	python3 check.py rec probability=-
'

test_expect_success 'probability outside 0-100 or not a number: exit 3' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage set "$(cat d1)" probability=150 2>err &&
	test_grep -F "field '"'"'probability'"'"': 150 is above the maximum 100" err &&
	test_must_fail --exit=3 sfa-stage set "$(cat d1)" probability=-1 2>err &&
	test_must_fail --exit=3 sfa-stage set "$(cat d1)" probability=high 2>err &&
	test_must_fail --exit=3 sfa-stage add name=Sure probability=150 2>err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

# --- history, git and the index -------------------------------------------

test_expect_success 'the stage history is what git holds, and sfa log shows the moves' '
	id=$(cat pumps) &&
	show_opp "$id" rec &&
	python3 gitpath.py rec >from-git &&
	SFA_NOW=2026-03-01T00:00:00Z sfa-stage history --format csv "$id" >out &&
	sed 1d out | cut -d, -f1,2,5 >from-history &&
	test_cmp from-git from-history &&
	test_line_count = 6 from-history &&
	sfa log --format csv "$id" >log.csv &&
	python3 - log.csv <<-\EOF >moves &&
	import csv, sys
	for r in csv.DictReader(open(sys.argv[1], newline="")):
	    if r["field"] == "stage":
	        print("%s|%s|%s|%s" % (r["author"].split(" <")[0], r["message"], r["old"], r["new"]))
	EOF
	cat >expect <<-\EOF &&
	Test User|sfa-stage: reopen to proposal on 1 opportunity|closed-won|proposal
	Test User|sfa-stage: won on 1 opportunity|negotiation|closed-won
	Test User|sfa-stage: move to negotiation on 2 opportunities|proposal|negotiation
	Bob Boss|sfa-stage: move to proposal on 1 opportunity|qualification|proposal
	Rita Rep|sfa-stage: move to qualification on 1 opportunity|prospecting|qualification
	EOF
	echo "Test User|sfa-stage: add opportunity $id||prospecting" >>expect &&
	test_cmp expect moves
'

test_expect_success 'the stage history survives sfa reindex' '
	for id in $(cat pumps d1); do
		SFA_NOW=2026-03-01T00:00:00Z sfa-stage history --format csv "$id" >"before.$id" || exit 1
	done &&
	fields=id,name,pipeline,stage,stage_entered_at,closed_at,lost_reason,last_activity_at &&
	sfa-stage list --fields "$fields" --format csv >list.before &&
	sfa reindex -q &&
	for id in $(cat pumps d1); do
		SFA_NOW=2026-03-01T00:00:00Z sfa-stage history --format csv "$id" >"after.$id" || exit 1
		test_cmp "before.$id" "after.$id" || exit 1
	done &&
	sfa-stage list --fields "$fields" --format csv >list.after &&
	test_cmp list.before list.after &&
	sfa-stage list --stage proposal --format ids | sort >ids &&
	{ cat pumps d1; } | sort >expect &&
	test_cmp expect ids
'

# --- references by external id --------------------------------------------

test_expect_success 'an external id names a deal: show, history, move' '
	printf "external_id,name,amount,close_date\nCRM-0042,Valves for Lyon,800 EUR,2026-04-30\n" >ext.csv &&
	SFA_NOW=2026-02-01T00:00:00Z sfa-stage import ext.csv 2>err &&
	id=$(sfa-stage list --where external_id=CRM-0042 --format ids) &&
	is_id "$id" &&
	sfa-stage show --format ids CRM-0042 >out &&
	echo "$id" >expect &&
	test_cmp expect out &&
	sfa-stage show --format json CRM-0042 >out.json &&
	python3 -c "
import json
r = json.load(open(\"out.json\"))
assert len(r) == 1 and r[0][\"name\"] == \"Valves for Lyon\" and r[0][\"stage\"] == \"prospecting\", r
" &&
	SFA_NOW=2026-02-03T00:00:00Z sfa-stage move CRM-0042 needs-analysis &&
	SFA_NOW=2026-02-04T00:00:00Z sfa-stage history --format csv CRM-0042 >out &&
	cat >expect <<-\EOF &&
	stage,entered,left,days,by,reason
	prospecting,2026-02-01T00:00:00Z,2026-02-03T00:00:00Z,2.0,Test User,
	needs-analysis,2026-02-03T00:00:00Z,,1.0,Test User,
	EOF
	test_cmp expect out &&
	test_must_fail --exit=1 sfa-stage show CRM-9999 2>err
'

test_expect_success 'a re-import with another stage is a move, recorded' '
	printf "external_id,stage\nCRM-0042,proposal\n" >ext2.csv &&
	SFA_NOW=2026-02-06T00:00:00Z sfa-stage import ext2.csv 2>err &&
	test_grep "1 updated" err &&
	show_opp "$(sfa-stage list --where external_id=CRM-0042 --format ids)" rec &&
	python3 check.py rec stage=proposal stage_entered_at=2026-02-06T00:00:00Z name="Valves for Lyon" &&
	python3 -c "
import json
h = json.load(open(\"rec\"))[\"stage_history\"]
assert h[-1] == {\"at\": \"2026-02-06T00:00:00Z\", \"by\": \"Test User\",
                 \"from\": \"needs-analysis\", \"to\": \"proposal\"}, h
"
'

# --- list filters -----------------------------------------------------------

test_expect_success 'setup: deals to list' '
	in_store lists &&
	sfa init -q &&
	SFA_NOW=2026-01-01T00:00:00Z sfa-stage add name=A close_date=2026-01-20 &&
	SFA_NOW=2026-01-01T00:00:00Z sfa-stage add name=B stage=proposal amount="5 EUR" close_date=2026-02-10 &&
	SFA_NOW=2026-01-10T00:00:00Z sfa-stage add name=C pipeline=services close_date=2026-03-31 &&
	SFA_NOW=2026-01-10T00:00:00Z sfa-stage add name=D stage=negotiation amount="5 EUR" close_date=2026-04-15 &&
	SFA_NOW=2026-01-20T00:00:00Z sfa-stage add name=E close_date=2025-12-31 &&
	SFA_NOW=2026-01-20T00:00:00Z sfa-stage add name=F pipeline=services stage=proposal amount="5 EUR" close_date=2026-06-30 &&
	SFA_NOW=2026-01-01T00:00:00Z sfa-stage add name=G stage=proposal amount="5 EUR" close_date=2026-02-11 &&
	SFA_NOW=2026-01-02T00:00:00Z sfa-stage won "$(ids_of G)" &&
	test_eq 7 "$(sfa-stage list --format ids | wc -l)"
'

test_expect_success 'list --stage and --pipeline, alone, as lists and together' '
	in_store lists &&
	list_names --stage proposal && printf "B\nF\n" >expect && test_cmp expect names &&
	list_names --stage proposal,negotiation && printf "B\nD\nF\n" >expect && test_cmp expect names &&
	list_names --pipeline services && printf "C\nF\n" >expect && test_cmp expect names &&
	list_names --stage proposal --pipeline sales && echo B >expect && test_cmp expect names &&
	list_names --stage closed-won && echo G >expect && test_cmp expect names &&
	test_must_fail --exit=1 sfa-stage list --stage contract >out &&
	test_must_fail --exit=1 sfa-stage list --stage scoping --pipeline sales >out
'

while IFS='|' read -r now period names; do
	case $now in '#'*|'') continue ;; esac
	now=$(echo $now) period=$(echo $period) names=$(echo $names)
	test_expect_success "list --closing $period at $now" '
		in_store lists &&
		list_names_at '"$now"' --closing '"$period"' &&
		for n in '"$names"'; do echo $n; done >expect &&
		test_cmp expect names
	'
done <<'EOF'
# now | period | names, sorted
2026-02-15T00:00:00Z | this-month | B G
2026-02-15T00:00:00Z | last-month | A
2026-02-15T00:00:00Z | next-month | C
2026-02-15T00:00:00Z | this-quarter | A B C G
2026-02-15T00:00:00Z | next-quarter | D F
2026-02-15T00:00:00Z | last-quarter | E
2026-02-15T00:00:00Z | this-year | A B C D F G
2026-02-15T00:00:00Z | last-year | E
2026-02-15T00:00:00Z | 2026-01-01..2026-03-31 | A B C G
2026-02-15T00:00:00Z | 2026-02-11..2026-03-31 | C G
2026-01-31T20:00:00Z | this-month | A
2026-03-31T22:00:00Z | this-month | C
2025-11-15T00:00:00Z | next-quarter | A B C G
2026-01-15T00:00:00Z | last-month | E
2025-12-15T00:00:00Z | next-month | A
EOF

test_expect_success 'list --closing: a period that matches nothing is exit 1' '
	in_store lists &&
	test_must_fail --exit=1 sfa-stage list --closing 2027-01-01..2027-12-31 &&
	test_must_fail --exit=1 env SFA_NOW=2026-02-15T00:00:00Z sfa-stage list --closing next-year &&
	test_must_fail --exit=1 env SFA_NOW=2026-02-15T00:00:00Z sfa-stage list --stage negotiation --closing this-month
'

test_expect_success 'list --closing: not a period is a usage error (exit 2)' '
	in_store lists &&
	for p in bogus this-week next 2026-01-01.. ..2026-03-31 2026-1-1..2026-3-31 2026-01-01-2026-03-31; do
		test_must_fail --exit=2 sfa-stage list --closing "$p" >out 2>err || exit 1
		test ! -s out || exit 1
		test_grep -e "--closing: not a period: '"'"'$p'"'"'" err || exit 1
	done &&
	test_must_fail --exit=2 sfa-stage list --closing 2>err
'

test_expect_success 'list --stale: untouched longer than the rot_days of the stage' '
	in_store lists &&
	list_names_at 2026-01-25T00:00:00Z --stale &&
	printf "B\nD\n" >expect &&
	test_cmp expect names &&
	list_names_at 2026-01-25T00:00:00Z --stale --stage proposal &&
	echo B >expect &&
	test_cmp expect names &&
	test_must_fail --exit=1 env SFA_NOW=2026-01-12T00:00:00Z sfa-stage list --stale
'

test_expect_success 'list --stale: exactly rot_days old is not stale yet, a second later it is' '
	in_store lists &&
	list_names_at 2026-01-31T00:00:00Z --stale --pipeline sales --stage prospecting &&
	test_line_count = 0 names &&
	list_names_at 2026-01-31T00:00:01Z --stale --pipeline sales --stage prospecting &&
	echo A >expect &&
	test_cmp expect names
'

test_expect_success 'list --stale: closed deals never are' '
	in_store lists &&
	list_names_at 2030-01-01T00:00:00Z --stale &&
	printf "A\nB\nC\nD\nE\nF\n" >expect &&
	test_cmp expect names
'

test_expect_success 'a move makes a stale deal fresh' '
	in_store lists &&
	SFA_NOW=2026-01-24T00:00:00Z sfa-stage move "$(ids_of D)" proposal &&
	show_opp "$(ids_of D)" rec &&
	python3 check.py rec last_activity_at=2026-01-24T00:00:00Z &&
	list_names_at 2026-01-25T00:00:00Z --stale &&
	echo B >expect &&
	test_cmp expect names
'

test_expect_success 'stale proposals to another rep: exactly those change' '
	in_store lists &&
	SFA_NOW=2026-01-25T00:00:00Z sfa-stage list --stage proposal --stale --format ids >stale &&
	ids_of B >expect &&
	test_cmp expect stale &&
	n=$(commit_count) &&
	SFA_NOW=2026-01-25T00:00:00Z sfa-stage list --stage proposal --stale --format ids |
	sfa-stage set owner=rep07 2>err &&
	test_grep "changed 1 opportunity" err &&
	test_eq $((n + 1)) "$(commit_count)" &&
	store_git diff-tree -r --name-only --no-commit-id main >changes &&
	opp_path "$(cat stale)" >expect &&
	test_cmp expect changes &&
	sfa-stage list --where owner=rep07 --format ids >owned &&
	test_cmp stale owned &&
	show_opp "$(cat stale)" rec &&
	python3 check.py rec owner=rep07 stage=proposal
'

# --- a company's own pipelines ----------------------------------------------

test_expect_success 'config set: a company pipeline file is taken as given' '
	in_store custom &&
	sfa init -q &&
	cat >custom.json <<-\EOF &&
	{
	  "default": "deals",
	  "lost_reasons": ["price", "timing"],
	  "pipelines": {
	    "deals": {
	      "about": "a short process with fixed moves",
	      "stages": [
	        {"name": "lead-in", "probability": 5, "category": "pipeline", "rot_days": 7, "to": ["demo", "lost"]},
	        {"name": "demo", "probability": 30, "category": "best-case", "required": ["amount"], "to": ["signing", "lost"]},
	        {"name": "signing", "probability": 90, "category": "commit", "required": ["amount", "close_date"]},
	        {"name": "won", "probability": 100, "category": "closed", "won": true},
	        {"name": "lost", "probability": 0, "category": "omitted", "lost": true}
	      ],
	      "on_won": [{"type": "task", "subject": "Send invoice", "due_days": 1}]
	    },
	    "renewals": {
	      "stages": [
	        {"name": "due", "probability": 70, "category": "commit"},
	        {"name": "renewed", "probability": 100, "category": "closed", "won": true},
	        {"name": "churned", "probability": 0, "category": "omitted", "lost": true}
	      ]
	    }
	  }
	}
	EOF
	before=$(commit_count) &&
	sfa config set pipelines custom.json &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git show main:config/pipelines.json >stored &&
	test_cmp custom.json stored &&
	sfa-stage stages --format csv >out &&
	cat >expect <<-\EOF &&
	pipeline,position,stage,probability,category,closes,rot_days,required,to
	deals,1,lead-in,5,pipeline,,7,,"demo,lost"
	deals,2,demo,30,best-case,,,amount,"signing,lost"
	deals,3,signing,90,commit,,,"amount,close_date",
	deals,4,won,100,closed,won,,,
	deals,5,lost,0,omitted,lost,,,
	renewals,1,due,70,commit,,,,
	renewals,2,renewed,100,closed,won,,,
	renewals,3,churned,0,omitted,lost,,,
	EOF
	test_cmp expect out
'

test_expect_success 'a company pipeline: deals start in the default one' '
	in_store custom &&
	SFA_NOW=2026-03-01T00:00:00Z sfa-stage add name=Widget >widget &&
	show_opp "$(cat widget)" rec &&
	python3 check.py rec pipeline=deals stage=lead-in &&
	sfa-stage add name=Renewal pipeline=renewals >renewal &&
	show_opp "$(cat renewal)" rec &&
	python3 check.py rec pipeline=renewals stage=due &&
	test_must_fail --exit=3 sfa-stage add name=Old pipeline=sales 2>err &&
	test_grep -F "no pipeline '"'"'sales'"'"' (pipelines: deals, renewals)" err
'

test_expect_success 'a move "to" does not allow: exit 3 naming the allowed stages, store unchanged' '
	in_store custom &&
	id=$(cat widget) &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage move "$id" signing 2>err &&
	test_grep -F "opportunity $id: field '"'"'stage'"'"': a deal in '"'"'lead-in'"'"' cannot move to '"'"'signing'"'"' (it moves to: demo, lost)" err &&
	test_must_fail --exit=3 sfa-stage won "$id" 2>err &&
	test_grep -F "cannot move to '"'"'won'"'"' (it moves to: demo, lost)" err &&
	test_must_fail --exit=3 sfa-stage set "$id" stage=signing amount="9 EUR" close_date=2026-06-01 2>err &&
	test_grep -F "(it moves to: demo, lost)" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=lead-in amount=-
'

test_expect_success 'allowed moves go through, with the fields they need' '
	in_store custom &&
	id=$(cat widget) &&
	test_must_fail --exit=3 sfa-stage move "$id" demo 2>err &&
	test_grep -F "stage '"'"'demo'"'"' needs amount first" err &&
	SFA_NOW=2026-03-02T00:00:00Z sfa-stage set "$id" amount="900 EUR" &&
	SFA_NOW=2026-03-03T00:00:00Z sfa-stage move "$id" demo &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage move "$id" lead-in 2>err &&
	test_grep -F "a deal in '"'"'demo'"'"' cannot move to '"'"'lead-in'"'"' (it moves to: signing, lost)" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	test_must_fail --exit=3 sfa-stage lost --reason went-dark "$id" 2>err &&
	test_grep -F "is not one of: price, timing" err &&
	SFA_NOW=2026-03-04T00:00:00Z sfa-stage set "$id" close_date=2026-04-30 &&
	SFA_NOW=2026-03-05T00:00:00Z sfa-stage move "$id" signing &&
	SFA_NOW=2026-03-06T00:00:00Z sfa-stage won "$id" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=won closed_at=2026-03-06T00:00:00Z &&
	test_eq "lead-in demo signing won" "$(python3 gitpath.py rec | cut -d, -f1 | paste -sd" " -)" &&
	activities acts &&
	test_line_count = 1 acts &&
	store_git show "main:$(cat acts)" >act &&
	python3 check.py act type=task subject="Send invoice" related_to="$id" \
		due_at=2026-03-07T00:00:00Z done=json:false
'

test_expect_success 'a reopened deal goes back past the "to" of the closing stage' '
	in_store custom &&
	id=$(cat widget) &&
	SFA_NOW=2026-03-08T00:00:00Z sfa-stage reopen "$id" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=signing closed_at=- &&
	SFA_NOW=2026-03-09T00:00:00Z sfa-stage lost --reason timing "$id" &&
	SFA_NOW=2026-03-10T00:00:00Z sfa-stage reopen --stage lead-in "$id" &&
	show_opp "$id" rec &&
	python3 check.py rec stage=lead-in closed_at=- lost_reason=-
'

test_expect_success 'a store whose pipelines file is broken: exit 4 naming the file' '
	in_store custom &&
	printf "{\"default\": \"deals\", \"pipelines\": {}}\n" >broken.json &&
	store_write_raw "broken pipelines" config/pipelines.json broken.json &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=4 sfa-stage stages 2>err &&
	test_grep -F "config/pipelines.json" err &&
	test_must_fail --exit=4 sfa-stage add name=Any 2>err &&
	test_grep -F "config/pipelines.json" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

# --- deals imported with the history of another system ----------------------

test_expect_success 'import with its own stage history: kept as given' '
	in_store imported &&
	sfa init -q &&
	cat >hist.ndjson <<-\EOF &&
	{"external_id": "H-1", "name": "From the old CRM", "stage": "qualification", "created_at": "2026-01-01T00:00:00Z", "stage_history": [{"at": "2026-01-01T00:00:00Z", "by": "Old CRM", "to": "prospecting"}, {"at": "2026-01-05T12:00:00Z", "by": "Old CRM", "from": "prospecting", "to": "qualification"}]}
	EOF
	SFA_NOW=2026-01-10T00:00:00Z sfa-stage import hist.ndjson &&
	SFA_NOW=2026-01-10T00:00:00Z sfa-stage history --format csv H-1 >out &&
	cat >expect <<-\EOF &&
	stage,entered,left,days,by,reason
	prospecting,2026-01-01T00:00:00Z,2026-01-05T12:00:00Z,4.5,Old CRM,
	qualification,2026-01-05T12:00:00Z,,4.5,Old CRM,
	EOF
	test_cmp expect out
'

test_expect_success 'import with its own stage history: stage_entered_at and last_activity_at from it' '
	in_store imported &&
	show_opp "$(sfa-stage list --where external_id=H-1 --format ids)" rec &&
	python3 check.py rec stage=qualification stage_entered_at=2026-01-05T12:00:00Z \
		last_activity_at=2026-01-05T12:00:00Z
'

test_expect_success 'import with a stage history out of order: exit 3, nothing written' '
	in_store imported &&
	cat >disorder.ndjson <<-\EOF &&
	{"external_id": "H-2", "name": "Disorder", "stage": "qualification", "stage_history": [{"at": "2026-01-05T12:00:00Z", "to": "prospecting"}, {"at": "2026-01-04T00:00:00Z", "to": "qualification"}]}
	EOF
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage import disorder.ndjson 2>err &&
	test_grep -F "stage_history" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'an amount in one currency with another in the currency column: exit 3' '
	in_store imported &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-stage add name=Mixed amount="100 EUR" currency=USD 2>err &&
	test_grep -F "currency" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'every store passes git fsck' '
	for st in store lists custom imported; do
		git --git-dir="$tmp/$st" fsck --strict --no-dangling || exit 1
	done
'

test_done
