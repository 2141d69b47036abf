#!/bin/sh
# sfa-lead import of other systems' exports: their column names recognized,
# maps given inline or kept in the store by name, unmapped columns kept or
# (--strict) refused, dates in the export's own form (--date-format).

. "$(dirname "$0")/lib.sh"

# fields.py EXTERNAL_ID: the stored lead with that external_id, from
# sfa-lead list --format json on stdin, as one compact JSON object with
# keys sorted and id/created_at/status left out.
cat >fields.py <<'EOF'
import json, sys
recs = [r for r in json.load(sys.stdin) if r.get("external_id") == sys.argv[1]]
assert len(recs) == 1, recs
r = recs[0]
for k in ("id", "created_at", "status"):
    r.pop(k, None)
print(json.dumps(r, sort_keys=True, ensure_ascii=False))
EOF

# show EXTERNAL_ID: that lead through fields.py
show () {
	sfa-lead list --format json >"$tmp/.all.json" &&
	python3 "$tmp/fields.py" "$1" <"$tmp/.all.json"
}

# unchanged BEFORE: main still points at BEFORE
unchanged () {
	test_eq "$1" "$(store_git rev-parse main)"
}

test_expect_success 'setup: a store whose schema has a date field of its own' '
	sfa init -q &&
	sfa config show schema >schema.json &&
	python3 - schema.json >company.json <<-\EOF &&
	import json, sys
	s = json.load(open(sys.argv[1], encoding="utf-8"))
	s["lead"]["fields"]["contract_end"] = {"type": "date"}
	print(json.dumps(s, indent=2))
	EOF
	sfa config set schema company.json
'

test_expect_success 'the column names of a real export are recognized without a map' '
	cat >export.csv <<-\EOF &&
	Lead ID,First Name,Last Name,E-mail Address,Mobile Phone,Lead Source,Zip/Postal Code,Company Name,Job Title,No. of Employees
	X1,Ada,Lovelace,ada@example.com,+44 20 7946 0000,web,EC1A 1BB,Analytical Engines,CEO,12
	X2,Иван,Петров,ivan@example.bg,+359 2 123 4567,referral,1000,Софтуер ООД,CTO,250
	EOF
	sfa-lead import export.csv 2>err &&
	test_grep "2 added" err &&
	show X1 >got &&
	show X2 >>got &&
	cat >expect <<-\EOF &&
	{"company": "Analytical Engines", "email": "ada@example.com", "employees": 12, "external_id": "X1", "first_name": "Ada", "last_name": "Lovelace", "mobile": "+44 20 7946 0000", "postcode": "EC1A 1BB", "source": "web", "title": "CEO"}
	{"company": "Софтуер ООД", "email": "ivan@example.bg", "employees": 250, "external_id": "X2", "first_name": "Иван", "last_name": "Петров", "mobile": "+359 2 123 4567", "postcode": "1000", "source": "referral", "title": "CTO"}
	EOF
	test_cmp expect got
'

test_expect_success 'names are folded first: case, blanks and punctuation do not matter' '
	printf "%s\n" " LEAD  ID ,FIRST_NAME,last name,EMAIL_ADDRESS,zip code,Web Site,Company name" \
		"X3,Cy,Young,cy@example.com,10115,cy.example,Young & Co" >folded.csv &&
	sfa-lead import folded.csv 2>err &&
	test_grep "1 added" err &&
	show X3 >got &&
	echo "{\"company\": \"Young & Co\", \"email\": \"cy@example.com\", \"external_id\": \"X3\", \"first_name\": \"Cy\", \"last_name\": \"Young\", \"postcode\": \"10115\", \"website\": \"cy.example\"}" >expect &&
	test_cmp expect got
'

test_expect_success 'columns nothing maps are kept as custom fields, by their folded name' '
	printf "%s\n" "Lead ID,First Name,Favourite Colour,Trade-Show Name,Budget (EUR)" \
		"X4,Dee,\"teal, dark\",CeBIT,5000" >custom.csv &&
	sfa-lead import custom.csv 2>err &&
	show X4 >got &&
	echo "{\"budget_eur\": \"5000\", \"external_id\": \"X4\", \"favourite_colour\": \"teal, dark\", \"first_name\": \"Dee\", \"trade-show_name\": \"CeBIT\"}" >expect &&
	test_cmp expect got &&
	sfa-lead list --where external_id=X4 --fields favourite_colour,trade-show_name >out &&
	printf "favourite_colour,trade-show_name\n\"teal, dark\",CeBIT\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf
'

test_expect_success '--strict refuses an unmapped column: exit 3, line and field named, nothing written' '
	before=$(store_git rev-parse main) &&
	printf "%s\n" "Lead ID,First Name,Favourite Colour" "S1,Sam," "S2,Sue,red" >strict.csv &&
	test_must_fail --exit=3 sfa-lead import --strict strict.csv >out 2>err &&
	test ! -s out &&
	test_grep -F "strict.csv:3: field '\''favourite_colour'\''" err &&
	test_grep -e "--strict" err &&
	unchanged "$before" &&
	test_must_fail --exit=1 sfa-lead list --where external_id=S1 >out
'

test_expect_success '--strict passes when every column is declared (own date field too)' '
	printf "%s\n" "Lead ID,First Name,E-mail Address,Contract End" \
		"S3,Sol,sol@example.com,2027-03-31" >strict-ok.csv &&
	sfa-lead import --strict strict-ok.csv 2>err &&
	test_grep "1 added" err &&
	show S3 >got &&
	echo "{\"contract_end\": \"2027-03-31\", \"email\": \"sol@example.com\", \"external_id\": \"S3\", \"first_name\": \"Sol\"}" >expect &&
	test_cmp expect got
'

test_expect_success '--map inline: columns mapped by their names; the map is not kept' '
	printf "%s\n" "Kennung,Vorname,Nachname,Firma,Kampagne" \
		"M1,Jürgen,Klopp,Pumpen AG,Frühjahr" >de.csv &&
	sfa-lead import --map "Kennung=external_id, Vorname = first_name,Nachname=last_name,Firma=company" de.csv 2>err &&
	test_grep "1 added" err &&
	show M1 >got &&
	echo "{\"company\": \"Pumpen AG\", \"external_id\": \"M1\", \"first_name\": \"Jürgen\", \"kampagne\": \"Frühjahr\", \"last_name\": \"Klopp\"}" >expect &&
	test_cmp expect got &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	test_grep ! config/ changed &&
	test_must_fail --exit=1 sfa config show maps
'

test_expect_success '--map wins over the usual spelling, and --strict checks the mapped names' '
	printf "%s\n" "Lead ID,First Name,Lead Source" "M2,Max,Spring fair" >src.csv &&
	sfa-lead import --map "Lead Source=campaign" src.csv &&
	show M2 >got &&
	echo "{\"campaign\": \"Spring fair\", \"external_id\": \"M2\", \"first_name\": \"Max\"}" >expect &&
	test_cmp expect got &&
	before=$(store_git rev-parse main) &&
	printf "%s\n" "Lead ID,First Name,Lead Source" "M3,Mo,fair" >src3.csv &&
	test_must_fail --exit=3 sfa-lead import --strict --map "Lead Source=campaign" src3.csv 2>err &&
	test_grep -F "src3.csv:2: field '\''campaign'\''" err &&
	unchanged "$before"
'

test_expect_success 'setup: a map file with comments and blank lines' '
	cat >oldcrm.map <<-\EOF
	# Export of the old CRM
	Kennung = external_id

	Vorname=first_name
	  Nachname=last_name
	Firma=company
	Vertragsende=contract_end
	# Kampagne stays a custom field
	EOF
'

test_expect_success '--map-file: used, and kept in config/maps.json in the import commit' '
	before=$(commit_count) &&
	printf "%s\n" "Kennung,Vorname,Nachname,Firma,Vertragsende,Kampagne" \
		"F1,Heike,Brandt,Brandt KG,2026-12-31,Herbst" >f1.csv &&
	sfa-lead import --map-file oldcrm.map f1.csv 2>err &&
	test_grep "1 added" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	test_grep -x config/maps.json changed &&
	test_eq 1 "$(grep -c "^leads/" changed)" &&
	show F1 >got &&
	echo "{\"company\": \"Brandt KG\", \"contract_end\": \"2026-12-31\", \"external_id\": \"F1\", \"first_name\": \"Heike\", \"kampagne\": \"Herbst\", \"last_name\": \"Brandt\"}" >expect &&
	test_cmp expect got &&
	sfa config show maps >maps.json &&
	python3 -c "
import json, sys
m = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert m == {\"oldcrm\": {\"Kennung\": \"external_id\", \"Vorname\": \"first_name\", \"Nachname\": \"last_name\",
                        \"Firma\": \"company\", \"Vertragsende\": \"contract_end\"}}, m
" maps.json &&
	sfa config check maps maps.json
'

test_expect_success '--map NAME: a later import reuses the kept map, which stays as it was' '
	printf "%s\n" "Kennung,Vorname,Nachname,Firma,Vertragsende" \
		"F2,Lars,Berg,Berg AB,2027-06-30" >f2.csv &&
	store_git rev-parse main:config/maps.json >blob.before &&
	sfa-lead import --map oldcrm f2.csv 2>err &&
	test_grep "1 added" err &&
	show F2 >got &&
	echo "{\"company\": \"Berg AB\", \"contract_end\": \"2027-06-30\", \"external_id\": \"F2\", \"first_name\": \"Lars\", \"last_name\": \"Berg\"}" >expect &&
	test_cmp expect got &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	test_grep ! config/ changed &&
	store_git rev-parse main:config/maps.json >blob.after &&
	test_cmp blob.before blob.after
'

test_expect_success 'a second map file is kept beside the first' '
	mkdir -p maps &&
	printf "Nom=last_name\nPrénom=first_name\nSociété=company\n" >maps/fr-crm.map &&
	printf "Prénom,Nom,Société\nHélène,Dubois,Orchid SA\n" >fr.csv &&
	sfa-lead import --map-file maps/fr-crm.map fr.csv 2>err &&
	test_grep "1 added" err &&
	sfa-lead list --where "last_name=Dubois" --fields first_name,company >out &&
	printf "first_name,company\nHélène,Orchid SA\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	sfa config show maps >maps.json &&
	python3 -c "
import json, sys
m = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert sorted(m) == [\"fr-crm\", \"oldcrm\"], m
assert m[\"fr-crm\"] == {\"Nom\": \"last_name\", \"Prénom\": \"first_name\", \"Société\": \"company\"}, m
assert m[\"oldcrm\"][\"Vorname\"] == \"first_name\", m
" maps.json
'

test_expect_success '--dry-run with --map-file keeps nothing' '
	before=$(store_git rev-parse main) &&
	printf "Vorname=first_name\n" >dry.map &&
	printf "Vorname\nDora\n" >dry.csv &&
	sfa-lead import -n --map-file dry.map dry.csv 2>err &&
	test_grep "1 added" err &&
	unchanged "$before" &&
	sfa config show maps >maps.json &&
	test_grep ! "\"dry\"" maps.json
'

# Bad maps are usage errors: exit 2, nothing written.
while IFS='|' read -r desc args re; do
	case $desc in
	'#'* | '') continue ;;
	esac
	desc=$(echo $desc)
	args=$(echo "$args" | sed -e 's/^ //' -e 's/ $//')
	re=$(echo "$re" | sed -e 's/^ //')
	test_expect_success "bad map: $desc -> exit 2" '
		before=$(store_git rev-parse main) &&
		printf "Vorname,Firma\nBad,Map KG\n" >bm.csv &&
		printf "Vorname=first_name\nFirma\n" >noeq.map &&
		printf "Vorname=First Name\n" >badfield.map &&
		printf "Vorname=first_name\n" >Old.CRM.map &&
		rc=0 &&
		eval "sfa-lead import $args bm.csv" >out 2>err || rc=$? &&
		cat err &&
		test_eq 2 "$rc" &&
		test_grep -E -e "$re" err &&
		test ! -s out &&
		unchanged "$before"
	'
done <<'EOF'
# description | import arguments | stderr ERE
no '=' | --map Vorname | no map 'Vorname'
no column name | --map =first_name | '=first_name'
a field name with a blank | --map 'Vorname=first name' | field name 'first name'
a field name starting with '_' | --map 'Vorname=_secret' | _secret
an empty entry | --map 'Vorname=first_name,,Firma=company' | expected 'Column Name=field'
a kept map that does not exist | --map nosuch | no map 'nosuch'
both --map and --map-file | --map Vorname=first_name --map-file oldcrm.map | not both
map file line without '=' | --map-file noeq.map | noeq.map:2:
map file with a bad field name | --map-file badfield.map | badfield.map:1:.*First Name
missing map file | --map-file nowhere.map | nowhere.map
a map file that cannot name a map | --map-file Old.CRM.map | 'Old' cannot name a map
EOF

test_expect_success 'setup: a date field and created_at written as US dates' '
	cat >us.csv <<-\EOF
	Lead ID,First Name,Contract End,Created Date,Notes
	U1,Al,12/31/2026,03/05/2024 14:30,due 12/31/2026
	U2,Bo,1/5/2027,03/05/2024,
	U3,Cy,2027-02-28,2024-03-05T10:00:00+02:00,
	EOF
'

test_expect_success '--date-format MM/DD/YYYY: dates stored ISO, date-times UTC, text untouched' '
	sfa-lead import --date-format MM/DD/YYYY us.csv 2>err &&
	test_grep "3 added" err &&
	sfa-lead list --where "external_id in U1,U2,U3" --sort external_id \
		--fields external_id,contract_end,created_at,notes >out &&
	cat >expect <<-\EOF &&
	external_id,contract_end,created_at,notes
	U1,2026-12-31,2024-03-05T14:30:00Z,due 12/31/2026
	U2,2027-01-05,2024-03-05T00:00:00Z,
	U3,2027-02-28,2024-03-05T08:00:00Z,
	EOF
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf
'

test_expect_success '--date-format DD.MM.YYYY with seconds; offsets normalized to UTC' '
	cat >de-dates.csv <<-\EOF &&
	Lead ID,First Name,Contract End,Created Date
	D1,Udo,31.12.2026,05.03.2024 14:30:15
	D2,Uta,5.1.2027,2024-03-05T10:00:00-01:30
	D3,Ute,29.02.2028,2024-03-05T23:30:00.5-05:00
	EOF
	sfa-lead import --date-format DD.MM.YYYY de-dates.csv 2>err &&
	test_grep "3 added" err &&
	sfa-lead list --where "external_id in D1,D2,D3" --sort external_id \
		--fields external_id,contract_end,created_at >out &&
	cat >expect <<-\EOF &&
	external_id,contract_end,created_at
	D1,2026-12-31,2024-03-05T14:30:15Z
	D2,2027-01-05,2024-03-05T11:30:00Z
	D3,2028-02-29,2024-03-06T04:30:00Z
	EOF
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	store_git ls-tree -r --name-only main >files &&
	for e in D1 D2 D3; do
		id=$(sfa-lead list --where external_id=$e --format ids) &&
		store_git show "main:$(lead_path "$id")" >rec &&
		test_grep -E "^  \"created_at\": \"2024-03-0[56]T[0-9:]{8}Z\",?$" rec || exit 1
	done
'

test_expect_success 'without --date-format an export date is refused; ISO with an offset is not' '
	before=$(store_git rev-parse main) &&
	printf "Lead ID,Contract End\nI0,12/31/2026\n" >us-date.csv &&
	test_must_fail --exit=3 sfa-lead import us-date.csv 2>err &&
	test_grep -F "us-date.csv:2: field '\''contract_end'\'': not a date: '\''12/31/2026'\''" err &&
	test_must_fail --exit=3 sfa-lead import us.csv 2>err &&
	test_grep -F "us.csv:2: field '\''created_at'\''" err &&
	unchanged "$before" &&
	printf "Lead ID,Created Date\nI1,2024-03-05T10:00:00+05:30\n" >iso.csv &&
	sfa-lead import iso.csv &&
	sfa-lead list --where external_id=I1 --fields created_at >out &&
	printf "created_at\n2024-03-05T04:30:00Z\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf
'

# Each row: a CSV whose third record (on line LINE, after a record with
# a value over two lines) holds a bad date; exit 3, LINE and field named.
while IFS='|' read -r format column field value line; do
	case $format in
	'#'* | '') continue ;;
	esac
	format=$(echo $format)
	column=$(echo $column)
	field=$(echo $field)
	value=$(echo "$value" | sed -e 's/^ //' -e 's/ $//')
	line=$(echo $line)
	test_expect_success "--date-format $format refuses $column '$value' at line $line" '
		before=$(store_git rev-parse main) &&
		printf "Lead ID,First Name,Notes,%s\nB1,Bea,\"two\nlines\",\nB2,Ben,,\"%s\"\n" \
			"$column" "$value" >bad-date.csv &&
		test_must_fail --exit=3 sfa-lead import --date-format "$format" bad-date.csv >out 2>err &&
		test ! -s out &&
		test_grep -F "bad-date.csv:$line: field '\''$field'\''" err &&
		test_grep -F "$value" err &&
		unchanged "$before" &&
		test_must_fail --exit=1 sfa-lead list --where external_id=B1 >out
	'
done <<'EOF'
# format | column | field | value | line
MM/DD/YYYY | Contract End | contract_end | 13/01/2026 | 4
MM/DD/YYYY | Contract End | contract_end | 31.12.2026 | 4
DD.MM.YYYY | Contract End | contract_end | 29.02.2027 | 4
MM/DD/YYYY | Created Date | created_at | 12/31/2026 25:00 | 4
DD.MM.YYYY | Created Date | created_at | 05.03.2024 14 | 4
EOF

test_expect_success '--date-format without a year, month and day is a usage error' '
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=2 sfa-lead import --date-format DD.MM us.csv 2>err &&
	test_grep DD.MM err &&
	unchanged "$before"
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
