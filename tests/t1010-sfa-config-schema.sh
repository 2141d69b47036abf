#!/bin/sh
# sfa config list/show/check/set, and the schema in the store: a company's
# own typed fields, values normalized or refused against them, refused
# schema files reported at the right line, records older than the schema.

. "$(dirname "$0")/lib.sh"

# schema.py BASE KIND OUT: writes to OUT the schema BASE (JSON) with one
# fault KIND, pretty-printed one key a line, and prints the line (1-based)
# of OUT that holds the fault.
cat >schema.py <<'EOF'
import json, sys
base, kind, out = sys.argv[1:4]
s = json.load(open(base, encoding="utf-8"))
f = s["lead"]["fields"]
faults = {
    # kind: (change, text on the line the error is to name)
    "type": (lambda: f["budget"].update(type="monye"), '"monye"'),
    "values-empty": (lambda: f["segment"].update(values=[]), '"values": []'),
    "values-item": (lambda: f["segment"].update(values=["SMB", 424242, "X"]), "424242"),
    "currency": (lambda: f["budget"].update(currency="euro"), '"euro"'),
    "ref-to": (lambda: f["partner"].update(to="partner_org"), '"partner_org"'),
    "min-max": (lambda: f["seats"].update(min=10, max=5), '"min": 10'),
    "default": (lambda: f["segment"].update(default="Huge"), '"Huge"'),
    "required": (lambda: f["seats"].update(required="yes"), '"required": "yes"'),
    "setting": (lambda: f["seats"].update(currency="USD"), '"USD"'),
    "own-field": (lambda: f.update(id={"type": "text"}), '"id": {'),
    "record-type": (lambda: s.update(prospect={"fields": {}}), '"prospect": {'),
    "no-type": (lambda: f.update(nda={"required": True}), '"nda": {'),
    "field-name": (lambda: f.update(Budget2={"type": "text"}), '"Budget2"'),
}
change, needle = faults[kind]
change()
text = json.dumps(s, indent=2, ensure_ascii=False) + "\n"
open(out, "w", encoding="utf-8").write(text)
lines = [n for n, l in enumerate(text.split("\n"), 1) if needle in l]
assert len(lines) == 1, (kind, lines)
print(lines[0])
EOF

# leadjson.py EXTERNAL_ID: the stored lead with that external_id, from
# sfa-lead list --format json on stdin, as one compact JSON object with
# keys sorted and id/created_at left out.
cat >leadjson.py <<'EOF'
import json, sys
recs = [r for r in json.load(sys.stdin) if r.get("external_id") == sys.argv[1]]
assert len(recs) == 1, recs
r = recs[0]
for k in ("id", "created_at"):
    r.pop(k, None)
print(json.dumps(r, sort_keys=True, ensure_ascii=False))
EOF

test_expect_success 'setup: init writes the shipped schema, scoring and pipelines' '
	sfa init -q &&
	sfa config list >out &&
	test_line_count = 14 out &&
	for f in access assignment mail maps quotas rates sync users; do
		test_grep -E "^config/$f\.json +\(none\)" out || exit 1
	done &&
	for f in pipelines.json pricebooks.json quote.html quoting.json schema.json scoring.json; do
		test_grep -E "^config/$f " out &&
		test_grep ! -E "^config/$f +\(none\)" out || exit 1
	done &&
	store_git show main:config/schema.json >stored &&
	test_cmp "$SFA_ROOT/share/config/schema.json" stored
'

test_expect_success 'config show: a file by any of its names; missing exits 1, unknown 2' '
	sfa config show schema >a &&
	sfa config show schema.json >b &&
	sfa config show config/schema.json >c &&
	test_cmp "$SFA_ROOT/share/config/schema.json" a &&
	test_cmp a b &&
	test_cmp a c &&
	test_must_fail --exit=1 sfa config show users >out 2>err &&
	test ! -s out &&
	test_grep users.json err &&
	test_must_fail --exit=2 sfa config show nosuch 2>err &&
	test_grep nosuch err &&
	test_must_fail --exit=2 sfa config frobnicate schema 2>err &&
	test_grep frobnicate err
'

test_expect_success 'config check: a company schema with its own fields passes, no commit' '
	python3 - "$SFA_ROOT/share/config/schema.json" >company.json <<-\EOF &&
	import json, sys
	s = json.load(open(sys.argv[1], encoding="utf-8"))
	s["lead"]["fields"].update({
	    "budget": {"type": "money", "currency": "EUR"},
	    "segment": {"type": "enum", "values": ["SMB", "Mid-Market", "Enterprise"]},
	    "contract_end": {"type": "date"},
	    "partner": {"type": "ref", "to": "account"},
	    "seats": {"type": "integer", "min": 1, "max": 1000},
	    "nda": {"type": "boolean"},
	    "next_call": {"type": "datetime"},
	})
	print(json.dumps(s, indent=2, ensure_ascii=False))
	EOF
	python3 -m json.tool company.json >/dev/null &&
	before=$(store_git rev-parse main) &&
	sfa config check schema company.json >out 2>err &&
	test ! -s out &&
	sfa config check schema <company.json &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	store_git show main:config/schema.json >stored &&
	test_cmp "$SFA_ROOT/share/config/schema.json" stored
'

test_expect_success 'config set: one commit holding the file as given; again: none' '
	before=$(commit_count) &&
	sfa config set -m "schema: company fields" schema.json <company.json &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "schema: company fields" >expect &&
	test_cmp expect msg &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	echo config/schema.json >expect &&
	test_cmp expect changed &&
	store_git show main:config/schema.json >stored &&
	test_cmp company.json stored &&
	sfa config show schema >shown &&
	test_cmp company.json shown &&
	sfa config set schema company.json &&
	test_eq $((before + 1)) "$(commit_count)"
'

test_expect_success 'sfa-lead add: values of the new fields normalized' '
	aid=$(sfa-account add name="Partner GmbH") &&
	is_id "$aid" &&
	echo "$aid" >partner-id &&
	prefix=$(printf %s "$aid" | cut -c1-5) &&
	id=$(sfa-lead add external_id=N1 first_name=Nia budget=1200.5 segment=enterprise \
		contract_end=2026-12-31 partner="$prefix" seats=12 nda=yes \
		next_call=2026-03-05T10:00:00+02:00) &&
	is_id "$id" &&
	sfa-lead list --format json | python3 leadjson.py N1 >got &&
	cat >expect <<-EOF &&
	{"budget": "1200.50 EUR", "contract_end": "2026-12-31", "external_id": "N1", "first_name": "Nia", "nda": true, "next_call": "2026-03-05T08:00:00Z", "partner": "$aid", "seats": 12, "segment": "Enterprise", "status": "new"}
	EOF
	test_cmp expect got &&
	store_git show "main:$(lead_path "$id")" >record &&
	test_grep -Fx "  \"seats\": 12," record &&
	test_grep -Fx "  \"nda\": true," record &&
	test_grep -Fx "  \"budget\": \"1200.50 EUR\"," record
'

test_expect_success 'import: spellings of good values come out in one stored form' '
	aid=$(cat partner-id) &&
	cat >good.csv <<-EOF &&
	external_id,budget,segment,contract_end,partner,seats,nda,next_call
	G1,1200,smb,2026-01-05,$aid,1,TRUE,2026-03-05T10:00:00Z
	G2,1200.5 EUR,MID-MARKET,2024-02-29,$aid,1000,no,2026-03-05T10:00:00.250+05:30
	G3,EUR 99.99,Enterprise,2026-12-31T23:30:00Z,$aid,7,0,2026-03-05T00:30:00-01:00
	G4,12 USD,mid-market,2026-1-5,$aid,0042,off,2026-03-05
	EOF
	sfa-lead import good.csv 2>err &&
	test_grep "4 added" err &&
	sfa-lead list --format json >all.json &&
	for e in G1 G2 G3 G4; do
		python3 leadjson.py $e <all.json || exit 1
	done >got &&
	cat >expect <<-EOF &&
	{"budget": "1200.00 EUR", "contract_end": "2026-01-05", "external_id": "G1", "nda": true, "next_call": "2026-03-05T10:00:00Z", "partner": "$aid", "seats": 1, "segment": "SMB", "status": "new"}
	{"budget": "1200.50 EUR", "contract_end": "2024-02-29", "external_id": "G2", "nda": false, "next_call": "2026-03-05T04:30:00Z", "partner": "$aid", "seats": 1000, "segment": "Mid-Market", "status": "new"}
	{"budget": "99.99 EUR", "contract_end": "2026-12-31", "external_id": "G3", "nda": false, "next_call": "2026-03-05T01:30:00Z", "partner": "$aid", "seats": 7, "segment": "Enterprise", "status": "new"}
	{"budget": "12.00 USD", "contract_end": "2026-01-05", "external_id": "G4", "nda": false, "next_call": "2026-03-05T00:00:00Z", "partner": "$aid", "seats": 42, "segment": "Mid-Market", "status": "new"}
	EOF
	test_cmp expect got
'

# Each row: a field and a bad value, put in the third data row (line 4)
# of a CSV on stdin after two good rows; the import must name stdin:4
# and the field, exit 3, and write nothing at all.
while IFS='|' read -r field value reason; do
	case $field in
	'#'* | '') continue ;;
	esac
	field=$(echo $field)
	value=$(echo "$value" | sed -e 's/^ //' -e 's/ $//')
	reason=$(echo "$reason" | sed -e 's/^ //')
	test_expect_success "refused: $field='$value' -> exit 3, stdin:4, nothing written" '
		before=$(store_git rev-parse main) &&
		tree=$(store_git rev-parse "main^{tree}") &&
		printf "external_id,first_name,%s\nR1,Rob,\nR2,Ria,\nR3,Rex,\"%s\"\n" "$field" "$value" >in.csv &&
		test_must_fail --exit=3 sfa-lead import <in.csv >out 2>err &&
		test ! -s out &&
		test_grep -F "stdin:4: field '\''$field'\'': $reason" err &&
		test_eq "$before" "$(store_git rev-parse main)" &&
		test_eq "$tree" "$(store_git rev-parse "main^{tree}")" &&
		test_must_fail --exit=1 sfa-lead list --where external_id=R1 >out
	'
done <<'EOF'
# field | value | start of the reason
budget | 1.234 | amount '1.234': EUR has 2 decimals
budget | 1,200.00 | not an amount: '1,200.00'
segment | Huge | 'Huge' is not one of: SMB, Mid-Market, Enterprise
contract_end | 2023-02-29 | not a date: '2023-02-29'
contract_end | 31/12/2026 | not a date: '31/12/2026'
partner | 0000000000zz | no account '0000000000zz'
seats | 0 | 0 is below the minimum 1
seats | 1001 | 1001 is above the maximum 1000
seats | many | not a whole number: 'many'
nda | maybe | not true or false: 'maybe'
next_call | 2026-03-05 10:00 | not a date-time: '2026-03-05 10:00'
email | bob@ | not an address: 'bob@'
EOF

test_expect_success 'sfa-lead add and set refuse a bad value the same way, exit 3' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-lead add first_name=Al seats=many 2>err &&
	test_grep -F "field '\''seats'\'': not a whole number: '\''many'\''" err &&
	id=$(sfa-lead list --where external_id=N1 --format ids) &&
	test_must_fail --exit=3 sfa-lead set "$id" segment=huge 2>err &&
	test_grep -F "field '\''segment'\''" err &&
	test_must_fail --exit=3 sfa-lead set "$id" partner="$id" 2>err &&
	test_grep -F "no account '\''$id'\''" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

# Each row: a fault written into the company schema by schema.py, and the
# JSON path and reason the refusal must give at the line of the fault.
while IFS='|' read -r kind path reason; do
	case $kind in
	'#'* | '') continue ;;
	esac
	kind=$(echo $kind)
	path=$(echo $path)
	reason=$(echo "$reason" | sed -e 's/^ //')
	test_expect_success "config set refuses a schema ($kind) at its line, exit 3" '
		before=$(store_git rev-parse main) &&
		line=$(python3 schema.py company.json '"$kind"' bad.json) &&
		test "$line" -gt 1 &&
		test_must_fail --exit=3 sfa config set schema bad.json 2>err &&
		test_grep -F "config/schema.json:$line: $path: $reason" err &&
		test_must_fail --exit=3 sfa config check schema bad.json 2>err2 &&
		test_cmp err err2 &&
		test_eq "$before" "$(store_git rev-parse main)" &&
		store_git show main:config/schema.json >stored &&
		test_cmp company.json stored
	'
done <<'EOF'
# kind | path | start of the reason
type | lead.fields.budget.type | unknown type 'monye'
values-item | lead.fields.segment.values[1] | expected text
currency | lead.fields.budget.currency | expected an ISO 4217 code
ref-to | lead.fields.partner.to | unknown record type 'partner_org'
min-max | lead.fields.seats.min | greater than max
default | lead.fields.segment.default | field 'segment': 'Huge' is not one of
required | lead.fields.seats.required | expected true or false
setting | lead.fields.seats.currency | not a setting of
own-field | lead.fields.id | kept by sfa itself
record-type | prospect | unknown record type 'prospect'
no-type | lead.fields.nda | no "type"
field-name | lead.fields.Budget2 | field name 'Budget2'
EOF

test_expect_success 'config set: JSON errors name the line of the file given' '
	before=$(store_git rev-parse main) &&
	shipped=$SFA_ROOT/share/config/schema.json &&
	line=$(grep -n "\"contact\": {\"type\": \"ref\", \"to\": \"contact\"}" "$shipped" | head -n 1 | cut -d: -f1) &&
	test "$line" -gt 1 &&
	sed "${line}s/\"to\": \"contact\"/\"to\": contact/" "$shipped" >syntax.json &&
	test_must_fail --exit=3 sfa config set schema syntax.json 2>err &&
	test_grep -F "config/schema.json:$line: invalid token" err &&
	lead=$(grep -n "^  \"lead\": {" "$shipped" | cut -d: -f1) &&
	sed "$((lead + 2))i\\
      \"website\": {\"type\": \"text\"}," "$shipped" >dup.json &&
	second=$(grep -n "\"website\"" dup.json | awk -F: -v l=$lead "\$1 > l + 3 { print \$1 }") &&
	test "$second" -gt $((lead + 3)) &&
	test_must_fail --exit=3 sfa config set schema dup.json 2>err &&
	test_grep -F "config/schema.json:$second: duplicate object key" err &&
	echo "[1, 2]" >array.json &&
	test_must_fail --exit=3 sfa config set schema array.json 2>err &&
	test_grep -F "config/schema.json:1: expected a JSON object" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'config set: a field of the same name in another type is told apart' '
	before=$(store_git rev-parse main) &&
	shipped=$SFA_ROOT/share/config/schema.json &&
	test_eq 4 "$(grep -c "\"status\": {\"type\": \"enum\"" "$shipped")" &&
	line=$(grep -n "\"status\": {.*\"converted\"" "$shipped" | cut -d: -f1) &&
	sed "${line}s/\"default\": \"new\"/\"default\": \"open\"/" "$shipped" >status.json &&
	! cmp -s "$shipped" status.json &&
	test_must_fail --exit=3 sfa config set schema status.json 2>err &&
	test_grep -F "config/schema.json:$line: lead.fields.status.default:" err &&
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'setup: leads written before the next schema change' '
	cat >older.csv <<-\EOF &&
	external_id,first_name,tier,score_note,region
	O1,Olga,gold,"high, hot",EMEA
	O2,Omar,silver,,APAC
	O3,Otto,many,cold,EMEA
	EOF
	sfa-lead import older.csv 2>err &&
	test_grep "3 added" err
'

test_expect_success 'records the new schema refuses still list and show, unchanged' '
	python3 - company.json >stricter.json <<-\EOF &&
	import json, sys
	s = json.load(open(sys.argv[1], encoding="utf-8"))
	s["lead"]["fields"]["tier"] = {"type": "integer"}
	s["lead"]["fields"]["region"] = {"type": "enum", "values": ["NA", "LATAM"]}
	print(json.dumps(s, indent=2))
	EOF
	sfa config set schema stricter.json &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa config: set config/schema.json" >expect &&
	test_cmp expect msg &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	echo config/schema.json >expect &&
	test_cmp expect changed &&
	sfa-lead list --where "external_id~O" --sort external_id --fields external_id,tier,region >out &&
	printf "external_id,tier,region\nO1,gold,EMEA\nO2,silver,APAC\nO3,many,EMEA\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	id=$(sfa-lead list --where external_id=O1 --format ids) &&
	sfa-lead show --format json "$id" >shown &&
	python3 -c "
import json, sys
r = json.load(open(sys.argv[1], encoding=\"utf-8\"))
r = r[0] if isinstance(r, list) else r
assert r[\"tier\"] == \"gold\" and r[\"region\"] == \"EMEA\", r
" shown &&
	store_git show "main:$(lead_path "$id")" >record &&
	test_grep -Ex "  \"tier\": \"gold\",?" record
'

test_expect_success 'such a record takes other changes; its field takes only good values' '
	id=$(sfa-lead list --where external_id=O1 --format ids) &&
	sfa-lead set "$id" first_name=Olya 2>err &&
	store_git show "main:$(lead_path "$id")" >record &&
	test_grep -Ex "  \"tier\": \"gold\",?" record &&
	test_grep -Fx "  \"first_name\": \"Olya\"," record &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-lead set "$id" tier=platinum 2>err &&
	test_grep -F "field '\''tier'\'': not a whole number" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	sfa-lead set "$id" tier=3 region=latam &&
	store_git show "main:$(lead_path "$id")" >record &&
	test_grep -Ex "  \"tier\": 3,?" record &&
	test_grep -Fx "  \"region\": \"LATAM\"," record
'

test_expect_success 'undeclared fields are kept and listed (--fields and the default columns)' '
	sfa-lead list --where external_id=O1 --fields external_id,score_note >out &&
	printf "external_id,score_note\nO1,\"high, hot\"\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	sfa-lead list --limit 1 >out &&
	head -n 1 out | tr -d "\r" | tr , "\n" >columns &&
	test_grep -x score_note columns &&
	test_grep -x budget columns &&
	test_must_fail --exit=2 sfa-lead list --fields external_id,no_such_field 2>err &&
	test_grep no_such_field err
'

test_expect_success 'a required field: an account without a name is refused, exit 3' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-account add domain=example.org 2>err &&
	test_grep -F "field '\''name'\'': required for an account" err &&
	printf "domain,city\nexample.org,Paris\n" >acc.csv &&
	test_must_fail --exit=3 sfa-account import <acc.csv 2>err &&
	test_grep -F "stdin:2: field '\''name'\'': required" err &&
	aid=$(cat partner-id) &&
	test_must_fail --exit=3 sfa-account set "$aid" name= 2>err &&
	test_grep -F "field '\''name'\'': required" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	sfa-account show --format json "$aid" >shown &&
	test_grep "Partner GmbH" shown
'

test_expect_success 'a field the company makes required is refused when missing' '
	python3 - stricter.json >required.json <<-\EOF &&
	import json, sys
	s = json.load(open(sys.argv[1], encoding="utf-8"))
	s["lead"]["fields"]["company"]["required"] = True
	print(json.dumps(s, indent=2))
	EOF
	sfa config set schema required.json &&
	before=$(store_git rev-parse main) &&
	printf "first_name,company\nAl,Acme\nBo,\n" >req.csv &&
	test_must_fail --exit=3 sfa-lead import req.csv 2>err &&
	test_grep -F "req.csv:3: field '\''company'\'': required for a lead" err &&
	test_eq "$before" "$(store_git rev-parse main)" &&
	printf "first_name,company\nAl,Acme\n" >req.csv &&
	sfa-lead import req.csv 2>err &&
	test_grep "1 added" err
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
