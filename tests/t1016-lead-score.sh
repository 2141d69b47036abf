#!/bin/sh
# sfa-lead score: points of each kind of rule, grades at their thresholds,
# decay at a fixed now, stored score and grade, dry runs, --explain, the
# learned score (naive Bayes) against the formula of sfa/score.h, and
# scoring configs refused at `sfa config set`.

. "$(dirname "$0")/lib.sh"

SFA_NOW=2026-03-01T12:00:00Z
export SFA_NOW

# by_ext.py LIST.json: "external_id id" per lead of `list --format json`.
cat >by_ext.py <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1], encoding="utf-8")):
    print(r.get("external_id", "-"), r["id"])
EOF

# id_of EXT: the id of the lead with that external_id.
id_of () {
	sfa-lead list --where "external_id=$1" --format ids
}

# field ID NAME: a field of a lead as JSON text ("" when it has none).
field () {
	sfa-lead show --format json "$1" >"$tmp/.show" || return 1
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))[0]
print(json.dumps(r[sys.argv[2]], ensure_ascii=False) if sys.argv[2] in r else "")
' "$tmp/.show" "$2"
}

tree () {
	store_git rev-parse "main^{tree}"
}

cat >scoring.json <<'EOF'
{
  "lead": {
    "rules": [
      {"name": "big", "field": "employees", "min": 1000, "points": 30},
      {"name": "mid", "field": "employees", "min": 100, "max": 999, "points": 10},
      {"name": "german", "field": "country", "equals": "de", "points": 7},
      {"name": "warm", "field": "source", "in": ["referral", "partner"], "points": 15},
      {"name": "quote", "field": "notes", "contains": ["quote", "pricing"], "points": 11},
      {"name": "phone", "field": "phone", "present": true, "points": 3},
      {"name": "no email", "field": "email", "present": false, "points": -5},
      {"name": "fresh", "field": "created_at", "within_days": 30, "points": 20}
    ],
    "grades": [
      {"grade": "A", "min": 50},
      {"grade": "B", "min": 25},
      {"grade": "C", "min": 0}
    ],
    "decay": {"field": "last_activity_at", "fallback": "created_at", "after_days": 60,
              "points_per_30_days": 4}
  }
}
EOF

# The leads, and what the rules above give each one as of SFA_NOW:
# external_id,score,grade. Dates: 45 days before now unless said.
cat >leads.csv <<'EOF'
external_id,email,employees,country,source,notes,phone,created_at,last_activity_at
R01,a@x.example,5000,,,,,2026-01-15T12:00:00Z,
R02,a@x.example,100,,,,,2026-01-15T12:00:00Z,
R03,a@x.example,999,,,,,2026-01-15T12:00:00Z,
R04,a@x.example,99,,,,,2026-01-15T12:00:00Z,
R05,a@x.example,1000,,,,,2026-01-15T12:00:00Z,
R06,a@x.example,,de,,,,2026-01-15T12:00:00Z,
R07,a@x.example,,DEU,,,,2026-01-15T12:00:00Z,
R08,a@x.example,,,Partner,,,2026-01-15T12:00:00Z,
R09,a@x.example,,,web,,,2026-01-15T12:00:00Z,
R10,a@x.example,,,,Send PRICING please,,2026-01-15T12:00:00Z,
R11,a@x.example,,,,prices?,,2026-01-15T12:00:00Z,
R12,a@x.example,,,,,+49 30 1234567,2026-01-15T12:00:00Z,
R13,,,,,,,2026-01-15T12:00:00Z,
R14,a@x.example,,,,,,2026-02-19T12:00:00Z,
R15,a@x.example,,,,,,2026-01-29T11:00:00Z,
R16,a@x.example,,,,,,2026-03-05T00:00:00Z,
G50,a@x.example,5000,,,,,2026-02-19T12:00:00Z,
G49,a@x.example,,,referral,a quote,+1 212 555 0100,2026-02-19T12:00:00Z,
G25,,1000,,,,,2026-01-15T12:00:00Z,
G24,a@x.example,100,,,quote,+1 212 555 0100,2026-01-15T12:00:00Z,
D1,a@x.example,5000,,,,,2025-10-01T12:00:00Z,
D2,a@x.example,5000,,,,,2025-10-01T12:00:00Z,2026-01-15T12:00:00Z
D3,a@x.example,5000,,,,,2025-12-01T12:00:00Z,
D4,a@x.example,5000,,,,,2025-12-01T13:00:00Z,
D5,a@x.example,100,,,,,2025-01-25T12:00:00Z,
EOF

cat >expect-scores <<'EOF'
D1,18,C
D2,30,B
D3,26,B
D4,30,B
D5,0,C
G24,24,C
G25,25,B
G49,49,B
G50,50,A
R01,30,B
R02,10,C
R03,10,C
R04,0,C
R05,30,B
R06,7,C
R07,0,C
R08,15,C
R09,0,C
R10,11,C
R11,0,C
R12,3,C
R13,0,C
R14,20,C
R15,0,C
R16,0,C
EOF

test_expect_success 'setup: a store with a small scoring config' '
	sfa init -q &&
	before=$(commit_count) &&
	sfa config set scoring scoring.json 2>err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git show main:config/scoring.json >stored &&
	test_cmp scoring.json stored &&
	sfa-lead import -q leads.csv &&
	sfa-lead list --format json >all.json &&
	python3 by_ext.py all.json | sort >ids &&
	test_line_count = 25 ids
'

test_expect_success 'score ID: prints id,score,grade and stores both, one commit' '
	R01=$(id_of R01) &&
	before=$(commit_count) &&
	sfa-lead score "$R01" >out 2>err &&
	printf "id,score,grade\n%s,30,B\n" "$R01" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	test_eq $((before + 1)) "$(commit_count)" &&
	test_eq 30 "$(field "$R01" score)" &&
	test_eq "\"B\"" "$(field "$R01" grade)" &&
	store_git log -1 --format=%s main >msg &&
	test_grep "score 1 lead" msg &&
	store_git show "main:$(lead_path "$R01")" >record &&
	test_grep -Fx "  \"score\": 30," record &&
	store_git diff-tree -r --name-status --no-commit-id main >changes &&
	printf "M\t%s\n" "$(lead_path "$R01")" >expect &&
	test_cmp expect changes
'

test_expect_success 'score ID ID: several named leads in one commit' '
	before=$(commit_count) &&
	sfa-lead score "$(id_of R02)" "$(id_of R06)" >out &&
	test_line_count = 3 out &&
	test_eq $((before + 1)) "$(commit_count)" &&
	test_eq 10 "$(field "$(id_of R02)" score)" &&
	test_eq 7 "$(field "$(id_of R06)" score)"
'

test_expect_success 'score --dry-run: the same output, nothing written' '
	before=$(commit_count) && t=$(tree) &&
	sfa-lead score --all --dry-run >dry.csv 2>err &&
	sfa-lead score -n "$(id_of D1)" >dry1.csv &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)" &&
	test_line_count = 26 dry.csv &&
	test_grep -F "$(id_of D1),18,C" dry1.csv &&
	test_eq "" "$(field "$(id_of D1)" score)"
'

test_expect_success 'score --all: every lead scored as the rules say, one commit' '
	before=$(commit_count) &&
	sfa-lead score --all >all.csv 2>err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	test_grep "score 25 leads" msg &&
	tr -d "\r" <dry.csv >dry.lf && tr -d "\r" <all.csv >all.lf &&
	test_cmp dry.lf all.lf &&
	sfa-lead list --fields external_id,score,grade --format csv >stored.csv &&
	tr -d "\r" <stored.csv | sed 1d | sort >stored.lf &&
	test_cmp expect-scores stored.lf
'

test_expect_success 'the stored score is an integer, the grade a string' '
	sfa-lead list --format json >all.json &&
	python3 - all.json <<-\EOF
	import json, sys
	for r in json.load(open(sys.argv[1], encoding="utf-8")):
	    assert type(r["score"]) is int, r
	    assert r["grade"] in ("A", "B", "C"), r
	EOF
'

test_expect_success 'scoring again with nothing changed writes nothing' '
	before=$(commit_count) && t=$(tree) &&
	sfa-lead score --all >out &&
	test_line_count = 26 out &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'a changed lead gets a new score on the next run' '
	R09=$(id_of R09) &&
	sfa-lead set "$R09" source=referral 2>err &&
	before=$(commit_count) &&
	sfa-lead score --all >out &&
	test_eq $((before + 1)) "$(commit_count)" &&
	test_eq 15 "$(field "$R09" score)" &&
	store_git diff-tree -r --name-status --no-commit-id main >changes &&
	test_line_count = 1 changes
'

test_expect_success '--explain: the rules that applied, with their points' '
	before=$(commit_count) &&
	sfa-lead score --explain "$(id_of G49)" >out 2>err &&
	test_eq "$before" "$(commit_count)" &&
	test_grep -F "score 49, grade B" out &&
	test_grep -E "^ +\+15 +warm \(source = .referral.\)$" out &&
	test_grep -E "^ +\+11 +quote \(notes = .a quote.\)$" out &&
	test_grep -E "^ +\+3 +phone \(phone = .\+1 212 555 0100.\)$" out &&
	test_grep -E "^ +\+20 +fresh \(created_at = .2026-02-19T12:00:00Z.\)$" out &&
	test_grep ! -e big -e mid -e german -e "no email" -e decay out &&
	test_line_count = 5 out
'

test_expect_success '--explain: negative points and the decay' '
	sfa-lead score --explain "$(id_of G25)" >out &&
	test_grep -E "^ +-5 +no email \(email = ..\)$" out &&
	test_grep -F "score 25, grade B" out &&
	sfa-lead score --explain "$(id_of D1)" >out &&
	test_grep -F "score 18, grade C" out &&
	test_grep -E "^ +\+30 +big " out &&
	test_grep -E "^ +-12 +decay: idle 151 days$" out &&
	sfa-lead score --explain "$(id_of D3)" >out &&
	test_grep -E "^ +-4 +decay: idle 90 days$" out &&
	sfa-lead score --explain "$(id_of D4)" >out &&
	test_grep ! decay out &&
	sfa-lead score --explain "$(id_of D2)" >out &&
	test_grep ! decay out
'

test_expect_success 'the decay follows SFA_NOW' '
	D2=$(id_of D2) &&
	SFA_NOW=2026-04-15T11:59:59Z sfa-lead score -n "$D2" >out &&
	test_grep -F "$D2,30,B" out &&
	SFA_NOW=2026-04-15T12:00:00Z sfa-lead score -n "$D2" >out &&
	test_grep -F "$D2,26,B" out &&
	SFA_NOW=2026-05-15T12:00:00Z sfa-lead score -n "$D2" >out &&
	test_grep -F "$D2,22,C" out &&
	SFA_NOW=2027-03-01T12:00:00Z sfa-lead score -n "$D2" >out &&
	test_grep -F "$D2,0,C" out
'

test_expect_success 'score: bad ids and options, nothing written' '
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=3 sfa-lead score 0000000000zz >out 2>err &&
	test_grep 0000000000zz err &&
	test_must_fail --exit=3 sfa-lead score "$(id_of R01)" 0000000000zz >out 2>err &&
	test_must_fail --exit=3 sfa-lead score --explain 0000000000zz >out 2>err &&
	test_must_fail --exit=2 sfa-lead score >out 2>err &&
	test_must_fail --exit=2 sfa-lead score --all "$(id_of R01)" >out 2>err &&
	test_must_fail --exit=2 sfa-lead score --threshold 0.5 --all >out 2>err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'an invalid scoring config is refused at set with file:line, exit 3' '
	before=$(commit_count) && t=$(tree) &&
	cat >bad.json <<-\EOF &&
	{
	  "lead": {
	    "rules": [
	      {"name": "big", "field": "employees", "min": 1000, "points": 30},
	      {"name": "mid", "field": "employees", "min": 100,
	       "points": "ten"}
	    ]
	  }
	}
	EOF
	test_must_fail --exit=3 sfa config set scoring bad.json >out 2>err &&
	test_grep -F "config/scoring.json:6: lead.rules[1].points" err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)" &&
	store_git show main:config/scoring.json >stored &&
	test_cmp scoring.json stored
'

test_expect_success 'more refusals: no condition, grades out of order, broken JSON' '
	before=$(commit_count) && t=$(tree) &&
	printf "{\"lead\": {\n \"rules\": [\n  {\"field\": \"x\", \"points\": 1}\n ]}}\n" >nocond.json &&
	test_must_fail --exit=3 sfa config set scoring nocond.json 2>err &&
	test_grep -F "config/scoring.json:3: lead.rules[0]" err &&
	test_grep "no condition" err &&
	printf "{\"lead\": {\"grades\": [\n {\"grade\": \"A\", \"min\": 10},\n {\"grade\": \"B\", \"min\": 20}]}}\n" >grades.json &&
	test_must_fail --exit=3 sfa config set scoring <grades.json 2>err &&
	test_grep -F "config/scoring.json:3: lead.grades[1].min" err &&
	printf "{\"lead\": {\n" >broken.json &&
	test_must_fail --exit=3 sfa config set scoring broken.json 2>err &&
	test_grep -F "config/scoring.json:" err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'a scoring config broken by plain git: score refuses with file:line, exit 4' '
	printf "{\"lead\": {\"rules\": [\n{\"field\": \"x\", \"min\": 5, \"points\": 1.5}]}}\n" >raw.json &&
	store_write_raw "hand edit" config/scoring.json raw.json &&
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=4 sfa-lead score --all >out 2>err &&
	test_grep -F "config/scoring.json:2: lead.rules[0].points" err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

# --- the learned score --------------------------------------------------------

SFA_STORE=$tmp/learn-store

# Training leads (status converted: positive, disqualified: negative, any
# other: left out) and two to predict.
cat >train.csv <<'EOF'
external_id,status,source,country,industry
T1,converted,referral,DE,retail
T2,converted,referral,US,retail
T3,converted,partner,DE,energy
T4,disqualified,web,US,retail
T5,disqualified,web,DE,energy
T6,disqualified,Referral,FR,
T7,disqualified,ads,,energy
T8,qualified,referral,DE,retail
N1,new,referral,de,retail
N2,new,web,GB,finance
EOF

# nb.py TRAIN.csv EXT [explain]: the naive Bayes of sfa/score.h computed
# here, for the lead EXT: its probability as stored ("0.695"), or with
# "explain" the lines --explain prints for it.
cat >nb.py <<'EOF'
import csv, math, sys
FIELDS = ["source", "country", "industry"]
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
def val(r, f):
    v = (r.get(f) or "").strip().lower()
    return v if v else "(none)"
pos = [r for r in rows if r["status"] == "converted"]
neg = [r for r in rows if r["status"] == "disqualified"]
train = pos + neg
x = [r for r in rows if r["external_id"] == sys.argv[2]][0]
prior = math.log((len(pos) + 1) / (len(train) + 2)) - math.log((len(neg) + 1) / (len(train) + 2))
factors = []
for f in FIELDS:
    V = len({val(r, f) for r in train}) + 1
    v = val(x, f)
    pp = (sum(val(r, f) == v for r in pos) + 1) / (len(pos) + V)
    pn = (sum(val(r, f) == v for r in neg) + 1) / (len(neg) + V)
    factors.append((f, v, math.log(pp / pn)))
odds = prior + sum(l for f, v, l in factors)
p = 1 / (1 + math.exp(-odds))
if len(sys.argv) > 3:
    print("learned: conversion probability %.3f (naive Bayes over %d converted and %d disqualified leads)"
          % (p, len(pos), len(neg)))
    print("  %+.3f  prior log odds" % prior)
    order = sorted(range(len(factors)), key=lambda i: (-abs(factors[i][2]), i))
    for i in order:
        print("  %+.3f  %s = '%s'" % (factors[i][2], factors[i][0], factors[i][1]))
else:
    print("%.3f" % p)
EOF

test_expect_success 'setup: a store with a learned part and no history' '
	sfa init -q &&
	cat >learned.json <<-\EOF &&
	{"lead": {
	  "rules": [{"name": "warm", "field": "source", "equals": "referral", "points": 10}],
	  "learned": {"fields": ["source", "country", "industry"],
	              "positive": {"status": ["converted"]},
	              "negative": {"status": ["disqualified"]}}
	}}
	EOF
	sfa config set scoring learned.json &&
	sfa-lead add first_name=Nobody source=web >n0
'

test_expect_success '--learned without history: a clear message, exit 1, nothing written' '
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=1 sfa-lead score --learned "$(cat n0)" >out 2>err &&
	test_grep "not enough history: 0 converted, 0 disqualified leads" err &&
	test_must_fail --exit=1 sfa-lead score --learned --all >out 2>err &&
	test_must_fail --exit=1 sfa-lead score --learned --explain "$(cat n0)" >out 2>err &&
	test_grep "not enough history" err &&
	sfa-lead add first_name=Won status=converted >/dev/null &&
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=1 sfa-lead score --learned --all >out 2>err &&
	test_grep "not enough history: 1 converted, 0 disqualified leads" err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)" &&
	test_eq "" "$(field "$(cat n0)" conversion_probability)"
'

test_expect_success 'setup: past converted and disqualified leads' '
	sfa-lead list --format ids | sfa-lead delete 2>err &&
	sfa-lead import -q train.csv &&
	test_eq 10 "$(sfa-lead list --format ids | wc -l)"
'

test_expect_success '--learned: the stored probability is the naive Bayes of the formula' '
	N1=$(id_of N1) &&
	want=$(python3 nb.py train.csv N1) &&
	# by hand: prior log(4/5); source, country: log((3/8)/(2/9)) each;
	# industry: log((3/7)/(2/8)); 1 / (1 + exp(-1.362)) = 0.796
	test_eq 0.796 "$want" &&
	before=$(commit_count) &&
	sfa-lead score --learned "$N1" >out 2>err &&
	printf "id,score,grade,conversion_probability\n%s,10,,%s\n" "$N1" "$want" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	test_eq $((before + 1)) "$(commit_count)" &&
	test_eq "\"$want\"" "$(field "$N1" conversion_probability)" &&
	test_eq 10 "$(field "$N1" score)"
'

test_expect_success '--learned --all: every lead, values never seen included' '
	before=$(commit_count) &&
	sfa-lead score --learned --all >out 2>err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	for e in T1 T2 T3 T4 T5 T6 T7 T8 N1 N2; do
		want=$(python3 nb.py train.csv $e) &&
		test_eq "\"$want\"" "$(field "$(id_of $e)" conversion_probability)" || return 1
	done &&
	test "$(python3 nb.py train.csv N2)" != "$(python3 nb.py train.csv N1)"
'

test_expect_success '--learned --explain: the prior and the factors, strongest first' '
	before=$(commit_count) &&
	for e in N1 N2 T6; do
		sfa-lead score --learned --explain "$(id_of $e)" >out 2>err &&
		sed -n "/^learned:/,\$p" out >learned &&
		python3 nb.py train.csv $e explain >expect &&
		test_cmp expect learned || return 1
	done &&
	test_grep -E "^ +\+10 +warm" out &&
	test_eq "$before" "$(commit_count)"
'

test_expect_success '--learned with no learned part in the config: refused' '
	sfa config set scoring scoring.json &&
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=4 sfa-lead score --learned --all >out 2>err &&
	test_grep learned err &&
	test_eq "$t" "$(tree)"
'

test_done
