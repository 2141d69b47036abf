#!/bin/sh
# sfa-lead list and show: fields, filters, limits, order, output formats,
# table alignment with wide characters, id prefixes, exit codes, closed
# and full stdout.

. "$(dirname "$0")/lib.sh"

cat >people.csv <<'EOF'
external_id,first_name,last_name,company,email,status,country,city,created_at
E1,Ada,Lovelace,Analytical Engines,ada@example.com,new,GB,London,2024-01-01T00:00:00Z
E2,伟,张,华为 有限公司,wei@example.cn,working,CN,上海,2024-01-02T00:00:00Z
E3,Мария,Петрова,Софтуер ООД,maria@example.bg,new,BG,София,2024-01-03T00:00:00Z
E4,José,García,"Acme, Inc.",jose@example.es,qualified,ES,Madrid,2024-01-04T00:00:00Z
E5,Zoë,O'Brien,Globex,zoe@example.ie,new,GB,Dublin,2024-01-05T00:00:00Z
E6,Chen,Wang,Hooli,chen@example.com,new,CN,Shenzhen,2024-01-03T00:00:00Z
E7,芳,李,"上海 ""大"" 公司",fang@example.cn,new,CN,上海,2024-01-06T00:00:00Z
EOF

# aligned.py TABLE: in sfa-lead list --format table output of the fields
# external_id,first_name,last_name,city, every column starts at the same
# display column (wide characters count 2) on the header and every row.
cat >aligned.py <<'EOF'
import csv, sys, unicodedata
people = {}
for r in csv.DictReader(open("people.csv", newline="", encoding="utf-8")):
    people[r["external_id"]] = (r["external_id"], r["first_name"], r["last_name"], r["city"])

def width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w

def starts(line, values, fold=False):
    hay = line.lower() if fold else line
    pos, cols = 0, []
    for v in values:
        i = hay.find(v, pos)
        if i < 0:
            return None
        cols.append(width(line[:i]))
        pos = i + len(v)
    return cols

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
header = None
rows = {}
for line in lines:
    if header is None:
        header = starts(line, ("external_id", "first_name", "last_name", "city"), fold=True)
        if header is not None:
            continue
    for e, vals in people.items():
        if e + " " in line or e + "|" in line or line.rstrip().endswith(e):
            c = starts(line, vals)
            if c is not None:
                rows[e] = c
assert header is not None, "no header line in:\n" + "\n".join(lines)
assert sorted(rows) == sorted(people), "rows found: %s" % sorted(rows)
for e, c in rows.items():
    assert c == header, "%s: columns start at %s, header at %s\n%s" % (e, c, header, "\n".join(lines))
EOF

# same-records.py A B: two JSON arrays hold the same records (any order).
cat >same-records.py <<'EOF'
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
key = lambda r: r["id"]
assert sorted(a, key=key) == sorted(b, key=key), (a, b)
EOF

strip_cr () {
	tr -d '\r' <"$1"
}

test_expect_success 'setup' '
	sfa init -q
	sfa-lead import -q people.csv
	for e in E1 E2 E3 E4 E5 E6 E7; do
		sfa-lead list --where external_id=$e --format ids >id.$e
		is_id "$(cat id.$e)"
	done
	# E3 and E6 were created at the same time: the id breaks the tie.
	if [ "$(cat id.E3)" \< "$(cat id.E6)" ]; then
		echo "E3 E6" >tie
	else
		echo "E6 E3" >tie
	fi
'

test_expect_success 'list sorts by created_at, then id' '
	set -- $(cat tie)
	sfa-lead list --fields external_id >out
	printf "%s\n" external_id E1 E2 $1 $2 E4 E5 E7 >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'list --fields picks and orders the columns' '
	sfa-lead list --fields email,external_id,first_name --limit 2 >out
	cat >expect <<-\EOF
	email,external_id,first_name
	ada@example.com,E1,Ada
	wei@example.cn,E2,伟
	EOF
	strip_cr out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'CSV output quotes commas and quotes' '
	sfa-lead list --fields external_id,company --where country=ES >out
	printf "external_id,company\nE4,\"Acme, Inc.\"\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
	sfa-lead list --fields company,external_id --where external_id=E7 >out
	printf "company,external_id\n\"上海 \"\"大\"\" 公司\",E7\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'list --where with one condition' '
	set -- $(cat tie)
	sfa-lead list --where status=new --fields external_id >out
	printf "%s\n" external_id E1 $1 $2 E5 E7 >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'list --where repeated: all must match' '
	sfa-lead list --where status=new --where country=GB --fields external_id,city >out
	printf "external_id,city\nE1,London\nE5,Dublin\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
	sfa-lead list --where country=CN --where status=working --where city=上海 --fields external_id >out
	printf "external_id\nE2\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'list --where matches UTF-8 values exactly' '
	sfa-lead list --where city=上海 --fields external_id >out
	printf "external_id\nE2\nE7\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
	test_expect_code 1 sfa-lead list --where city=上 --fields external_id >out
	test_expect_code 1 sfa-lead list --where first_name=ada --fields external_id >out
	test_expect_code 1 sfa-lead list --where "first_name=Ada " --fields external_id >out
'

test_expect_success 'list --limit' '
	sfa-lead list --limit 2 --fields external_id >out
	printf "external_id\nE1\nE2\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
	set -- $(cat tie)
	sfa-lead list --where status=new --limit 2 --fields external_id >out
	printf "external_id\nE1\n%s\n" $1 >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
	sfa-lead list --limit 2 --format ids >out
	test_line_count = 2 out
'

test_expect_success 'list output is the same on every run' '
	sfa-lead list >run1
	sfa-lead list >run2
	sfa-lead list --format json >run3
	sfa-lead list --format json >run4
	test_cmp run1 run2
	test_cmp run3 run4
'

test_expect_success 'list --format csv (the default in a pipe)' '
	sfa-lead list --format csv >out.csv
	sfa-lead list >default.csv
	test_cmp out.csv default.csv
	python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline=\"\", encoding=\"utf-8\")))
assert [r[\"external_id\"] for r in rows][:2] == [\"E1\", \"E2\"], rows
assert len(rows) == 7, rows
assert rows[1][\"company\"] == \"华为 有限公司\", rows
" out.csv
'

test_expect_success 'list --format json is one valid array' '
	sfa-lead list --format json >out.json
	python3 -m json.tool out.json >/dev/null
	python3 -c "
import json, sys
rows = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert isinstance(rows, list) and len(rows) == 7, rows
assert rows[0][\"external_id\"] == \"E1\" and rows[0][\"first_name\"] == \"Ada\", rows
e7 = [r for r in rows if r[\"external_id\"] == \"E7\"][0]
assert e7[\"company\"] == \"上海 \\\"大\\\" 公司\", e7
" out.json
'

test_expect_success 'list --format ndjson is one object per line' '
	sfa-lead list --format ndjson >out.ndjson
	test_line_count = 7 out.ndjson
	python3 -c "
import json, sys
for line in open(sys.argv[1], encoding=\"utf-8\"):
    assert isinstance(json.loads(line), dict), line
" out.ndjson
'

test_expect_success 'list --format ids matches the id column, in order' '
	sfa-lead list --format ids >ids
	test_line_count = 7 ids
	sfa-lead list --fields id >out
	strip_cr out | sed 1d >expect
	test_cmp expect ids
	while read -r id; do is_id "$id"; done <ids
'

test_expect_success 'list --format table aligns columns after wide characters' '
	sfa-lead list --fields external_id,first_name,last_name,city --format table >table
	python3 aligned.py table
'

test_expect_success 'show reads ids from stdin' '
	sfa-lead list --format ids | sfa-lead show --format json >shown.json
	sfa-lead list --format json >listed.json
	python3 same-records.py listed.json shown.json
	sfa-lead list --format ids | sfa-lead show --format ids >shown.ids
	sort ids >expect
	sort shown.ids >actual
	test_cmp expect actual
'

test_expect_success 'show several ids given as arguments' '
	sfa-lead show --format ids "$(cat id.E5)" "$(cat id.E1)" >out
	sort id.E5 id.E1 >expect
	sort out >actual
	test_cmp expect actual
'

test_expect_success 'show: an unknown id exits 1, the others are still printed' '
	test_must_fail --exit=1 sfa-lead show zzzzzzzzzzzz >out 2>err
	test_grep zzzzzzzzzzzz err
	test_must_fail --exit=1 sfa-lead show zzzz 2>err
	test_grep zzzz err
	test_must_fail --exit=1 sfa-lead show --format ids "$(cat id.E1)" zzzz "$(cat id.E2)" >out 2>err
	test_grep zzzz err
	cat id.E1 id.E2 | sort >expect
	sort out >actual
	test_cmp expect actual
	printf "%s\nzzzzzzzzzzzz\n" "$(cat id.E3)" |
	test_must_fail --exit=1 sfa-lead show --format ids >out 2>err
	test_cmp id.E3 out
'

test_expect_success 'setup: two leads whose ids share a prefix, written with plain git' '
	for n in 1 2; do
		cat >rec$n <<-EOF
		{
		  "created_at": "2023-06-0${n}T00:00:00Z",
		  "external_id": "P$n",
		  "first_name": "Prefix$n",
		  "id": "abcd0000000$n"
		}
		EOF
	done
	store_write_raw "two leads" leads/ab/abcd00000001.json rec1 leads/ab/abcd00000002.json rec2
	store_git fsck --no-dangling
'

test_expect_success 'show: an ambiguous prefix exits 3' '
	sfa-lead list --format ids >ids
	test_line_count = 9 ids
	test_must_fail --exit=3 sfa-lead show abcd >out 2>err
	test_grep abcd err
	test_must_fail --exit=3 sfa-lead show ABCD0000 >out 2>err
	sfa-lead show --format ids abcd00000001 >out
	echo abcd00000001 >expect
	test_cmp expect out
	sfa-lead show --format ids abcd00000002 >out
	echo abcd00000002 >expect
	test_cmp expect out
	sfa-lead list --limit 2 --fields external_id >out
	printf "external_id\nP1\nP2\n" >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'list with no match exits 1 and prints only the CSV header' '
	test_expect_code 1 sfa-lead list --where status=converted --fields external_id,status >out 2>err
	echo external_id,status >expect
	strip_cr out >out.lf
	test_cmp expect out.lf
	test_expect_code 1 sfa-lead list --where status=converted --format ids >out 2>err
	test ! -s out
	test_expect_code 1 sfa-lead list --where country=XX --format ids >out 2>err
	test ! -s out
'

test_expect_success 'a status the schema does not declare is a usage error (exit 2)' '
	test_expect_code 2 sfa-lead list --where status=nonesuch --fields external_id,status >out 2>err
	test_grep "status" err
	test_grep "nonesuch" err
	test ! -s out
'

test_expect_success '--since far back lists every lead; before the year 1 is a usage error' '
	sfa-lead list --format ids | sort >all.ids
	test_line_count -gt 6 all.ids
	SFA_NOW=2026-01-01T00:00:00Z sfa-lead list --since 400000d --format ids | sort >far.ids
	test_cmp all.ids far.ids
	SFA_NOW=2026-01-01T00:00:00Z sfa-lead list --since 2025y --format ids | sort >far.ids
	test_cmp all.ids far.ids
	for w in 2026y 10000y 3000000000m 9223372036854775807d 99999999999999999999h; do
		test_expect_code 2 env SFA_NOW=2026-01-01T00:00:00Z sfa-lead list --since $w --format ids >out 2>err
		test_grep "year 1" err
		test ! -s out
	done
'

test_expect_success 'setup: enough leads to fill a pipe' '
	gen_leads 3000 >many.csv
	sfa-lead import -q many.csv
	test_eq 3009 "$(sfa-lead list --format ids | wc -l)"
'

test_expect_success 'sfa-lead list | head -1 works' '
	{ rc=0; sfa-lead list 2>err || rc=$?; echo $rc >rc; } | head -n 1 >out
	case $(cat rc) in
	0 | 4 | 141) ;;
	*) echo "sfa-lead list exited $(cat rc)"; false ;;
	esac
	test_grep ! -e AddressSanitizer -e "runtime error:" -e LeakSanitizer err
	strip_cr out >out.lf
	head -n 1 out.lf | grep "^id,first_name,last_name,"
	{ rc=0; sfa lead list --format json 2>err || rc=$?; echo $rc >rc; } | head -n 1 >out
	case $(cat rc) in
	0 | 4 | 141) ;;
	*) echo "sfa lead list exited $(cat rc)"; false ;;
	esac
	test_grep ! -e AddressSanitizer -e "runtime error:" -e LeakSanitizer err
'

test_expect_success 'output to a full disk fails with exit 4' '
	test_must_fail --exit=4 sfa-lead list >/dev/full 2>err
	test -s err
	test_must_fail --exit=4 sfa-lead list --format json >/dev/full 2>err
	test_must_fail --exit=4 sfa-lead list --format ids >/dev/full 2>err
	test_must_fail --exit=4 sfa-lead list --limit 1 --fields id >/dev/full 2>err
	test -s err
	test_must_fail --exit=4 sfa-lead show "$(cat id.E1)" >/dev/full 2>err
	test -s err
	test_must_fail --exit=4 sfa log >/dev/full 2>err
	test -s err
	test_must_fail --exit=4 sfa-lead add first_name=Full >/dev/full 2>err
	test -s err
'

test_done
