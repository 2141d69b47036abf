#!/bin/sh
# sfa log: the store's history newest first, one record's history with its
# field changes, machine-readable formats, limits.

. "$(dirname "$0")/lib.sh"

# The 12-digit abbreviation of main~N.
abbrev () {
	store_git rev-parse "main~$1" | cut -c1-12
}

# in_order FILE STRING...: each STRING occurs in FILE, each first on a
# later line than the one before.
in_order () {
	_io_file=$1
	shift
	_io_last=0
	for _io_s; do
		_io_n=$(grep -n -F -e "$_io_s" "$_io_file" | head -n 1 | cut -d: -f1)
		if [ -z "$_io_n" ]; then
			echo "in_order: '$_io_s' not found in $_io_file" >&2
			cat "$_io_file" >&2
			return 1
		fi
		if [ "$_io_n" -le "$_io_last" ]; then
			echo "in_order: '$_io_s' on line $_io_n, not after line $_io_last" >&2
			cat "$_io_file" >&2
			return 1
		fi
		_io_last=$_io_n
	done
}

# check-rows.py FILE FORMAT N: FILE is sfa log output in FORMAT (csv, json,
# ndjson) with N rows, each with exactly the documented columns, the first
# row's commit a prefix of main.
cat >check-rows.py <<'EOF'
import csv, json, sys
path, fmt, n, head = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
cols = ["commit", "date", "author", "message", "type", "id", "field", "old", "new"]
if fmt == "csv":
    f = open(path, newline="", encoding="utf-8")
    r = csv.reader(f)
    assert next(r) == cols
    f.seek(0)
    rows = list(csv.DictReader(f))
elif fmt == "json":
    rows = json.load(open(path, encoding="utf-8"))
else:
    rows = [json.loads(l) for l in open(path, encoding="utf-8")]
assert len(rows) == n, "%d rows, expected %d: %r" % (len(rows), n, rows)
for row in rows:
    assert sorted(row) == sorted(cols), row
assert len(rows[0]["commit"]) >= 12 and head.startswith(rows[0]["commit"]), rows[0]
EOF

# find-row.py FILE FORMAT KEY=VALUE...: some row has all these values (an
# empty VALUE also matches null).
cat >find-row.py <<'EOF'
import csv, json, sys
path, fmt = sys.argv[1], sys.argv[2]
if fmt == "csv":
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
elif fmt == "json":
    rows = json.load(open(path, encoding="utf-8"))
else:
    rows = [json.loads(l) for l in open(path, encoding="utf-8")]
want = dict(a.split("=", 1) for a in sys.argv[3:])
def match(row):
    return all((row.get(k) or "").strip() == v for k, v in want.items())
assert any(match(r) for r in rows), "no row with %r in %r" % (want, rows)
EOF

test_expect_success 'setup: init, add, import, re-import with a change' '
	sfa init -q
	sfa-lead add first_name=Ada status=new email=ada@example.com >id.A
	printf "external_id,first_name,status,email\nE1,Bob,new,bob@example.com\nE2,Cy,new,cy@example.com\nE3,Di,new,di@example.com\n" >log1.csv
	sfa-lead import -q log1.csv
	sed "s/^E2,Cy,new,/E2,Cy,working,/" log1.csv >log2.csv
	sfa-lead import -q log2.csv
	printf "external_id,phone\nE3,+1 555 0100\n" >log3.csv
	sfa-lead import -q log3.csv
	for e in E1 E2 E3; do
		sfa-lead list --where external_id=$e --format ids >id.$e
	done
	test_eq 5 "$(commit_count)"
'

test_expect_success 'sfa log lists all commits newest first' '
	sfa log >out 2>err
	in_order out "$(abbrev 0)" "$(abbrev 1)" "$(abbrev 2)" "$(abbrev 3)" "$(abbrev 4)"
	store_git log --format=%s main >subjects
	while read -r s; do
		test_grep -F -e "$s" out
	done <subjects
	in_order out "sfa-lead: import" "sfa-lead: add lead $(cat id.A)" "sfa init"
'

test_expect_success 'sfa log shows the author and the date in ISO 8601 UTC' '
	sfa log >out
	test_grep "Test User" out
	date=$(TZ=UTC store_git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%ad main~4)
	test_grep -F "$date" out
'

test_expect_success 'sfa log -n and --limit' '
	sfa log -n 2 >out
	test_grep -F "$(abbrev 0)" out
	test_grep -F "$(abbrev 1)" out
	test_grep ! -F "$(abbrev 2)" out
	test_grep ! -F "$(abbrev 4)" out
	sfa log --limit 1 >out
	test_grep -F "$(abbrev 0)" out
	test_grep ! -F "$(abbrev 1)" out
	sfa log -n 100 >out
	test_grep -F "$(abbrev 4)" out
'

test_expect_success 'sfa log ID shows only the commits that changed the record' '
	sfa log "$(cat id.E2)" >out 2>err
	test_grep -F "$(abbrev 1)" out
	test_grep -F "$(abbrev 2)" out
	test_grep ! -F "$(abbrev 0)" out
	test_grep ! -F "$(abbrev 3)" out
	test_grep ! -F "$(abbrev 4)" out
	in_order out "$(abbrev 1)" "$(abbrev 2)"
'

test_expect_success 'sfa log ID shows the changed fields' '
	sfa log "$(cat id.E2)" >out
	test_grep -x " *status: new -> working" out
	test_grep -x " *+first_name: Cy" out
	test_grep -x " *+email: cy@example.com" out
	in_order out "$(abbrev 1)" "  status: new -> working" "$(abbrev 2)" "  +first_name: Cy"
	sfa log "$(cat id.E3)" >out
	test_grep -x " *+phone: +1 555 0100" out
	test_grep ! "status: new -> working" out
'

test_expect_success 'sfa log with a unique prefix of the id' '
	sfa log "$(cat id.E2)" >expect
	sfa log "$(cut -c1-4 id.E2)" >out
	test_cmp expect out
	sfa log "$(cut -c1-7 id.E2 | tr a-z A-Z)" >out
	test_cmp expect out
'

test_expect_success 'sfa log ID of an added lead shows its one commit' '
	sfa log "$(cat id.A)" >out
	test_grep -F "$(abbrev 3)" out
	test_grep ! -F "$(abbrev 2)" out
	test_grep ! -F "$(abbrev 4)" out
	test_grep -x " *+first_name: Ada" out
'

test_expect_success 'sfa log of an unknown id exits 1' '
	test_must_fail --exit=1 sfa log zzzzzzzzzzzz >out 2>err
	test_grep zzzzzzzzzzzz err
'

test_expect_success 'sfa log --format json' '
	sfa log --format json >out.json
	python3 -m json.tool out.json >/dev/null
	python3 check-rows.py out.json json 5 "$(store_git rev-parse main)"
	python3 find-row.py out.json json message="sfa init: create store" type= id= field= old= new=
'

test_expect_success 'sfa log --format csv and ndjson' '
	sfa log --format csv >out.csv
	python3 check-rows.py out.csv csv 5 "$(store_git rev-parse main)"
	sfa log --format ndjson >out.ndjson
	test_line_count = 5 out.ndjson
	python3 check-rows.py out.ndjson ndjson 5 "$(store_git rev-parse main)"
	sfa log --format json -n 2 >out.json
	python3 check-rows.py out.json json 2 "$(store_git rev-parse main)"
'

test_expect_success 'sfa log --format json ID has one row per field change' '
	sfa log --format json "$(cat id.E2)" >out.json
	python3 find-row.py out.json json type=lead id="$(cat id.E2)" field=status old=new new=working
	python3 find-row.py out.json json type=lead id="$(cat id.E2)" field=first_name old= new=Cy
	python3 find-row.py out.json json field=status message="$(store_git log -1 --format=%s main~1)"
	python3 -c "
import json, sys
rows = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert all(\"Test User\" in r[\"author\"] for r in rows), rows
" out.json
	sfa log --format csv "$(cat id.E2)" >out.csv
	python3 find-row.py out.csv csv type=lead id="$(cat id.E2)" field=status old=new new=working
'

test_expect_success 'sfa log -p shows the field changes of every record' '
	sfa log -p >out
	test_grep "status: new -> working\$" out
	test_grep "+phone: +1 555 0100\$" out
	test_grep "+first_name: Bob\$" out
	test_grep "+first_name: Ada\$" out
	in_order out "$(abbrev 0)" "+phone: +1 555 0100" "$(abbrev 1)" "status: new -> working" "$(abbrev 2)" "+first_name: Bob"
	sfa log --patch --format csv >out.csv
	python3 find-row.py out.csv csv type=lead id="$(cat id.E3)" field=phone old= new="+1 555 0100"
	python3 find-row.py out.csv csv type=lead id="$(cat id.E1)" field=first_name old= new=Bob
'

test_expect_success 'sfa log shows another author' '
	SFA_USER="Other Person <other@example.com>" sfa-lead add first_name=Eve >id.B
	sfa log -n 1 >out
	test_grep "Other Person" out
	test_grep -F "$(cat id.B)" out
'

test_expect_success 'sfa log: bad options are usage errors' '
	test_must_fail --exit=2 sfa log --format xml >out 2>err
	test_grep format err
	test_must_fail --exit=2 sfa log --frobnicate >out 2>err
	test_grep frobnicate err
'

test_done
