#!/bin/sh
# sfa-lead add: ids, record files in git, one commit per add, stdin input,
# UTF-8, refused input.

. "$(dirname "$0")/lib.sh"

# check-json.py FILE FIELD=VALUE...: FILE holds a JSON array of exactly one
# object (sfa-lead show --format json) with these fields.
cat >check-json.py <<'EOF'
import json, sys
recs = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(recs, list) and len(recs) == 1, recs
rec = recs[0]
for arg in sys.argv[2:]:
    k, v = arg.split("=", 1)
    assert rec.get(k) == v, "%s: expected %r, got %r" % (k, v, rec.get(k))
EOF

# check-created.py VALUE: an ISO 8601 UTC time within ten minutes of now.
cat >check-created.py <<'EOF'
import datetime, sys
v = sys.argv[1]
t = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
now = datetime.datetime.now(datetime.timezone.utc)
assert abs((now - t).total_seconds()) < 600, "created_at %s is not now (%s)" % (v, now)
EOF

test_expect_success 'setup' '
	sfa init -q
'

test_expect_success 'add FIELD=VALUE prints one 12-character id' '
	sfa-lead add first_name=Ada last_name=Lovelace email=ada@example.com \
		company="Analytical Engines, Ltd." >id 2>err
	test_line_count = 1 id
	is_id "$(cat id)"
'

test_expect_success 'the add made exactly one commit, by the user, naming the id' '
	id=$(cat id)
	test_eq 2 "$(commit_count)"
	test_eq "Test User <test@example.com>" "$(store_git log -1 --format="%an <%ae>" main)"
	test_eq "Test User <test@example.com>" "$(store_git log -1 --format="%cn <%ce>" main)"
	store_git log -1 --format=%B main >msg
	test_grep -F "$id" msg
	store_git diff-tree -r --name-status --no-commit-id main >changes
	printf "A\t%s\n" "$(lead_path "$id")" >expect
	test_cmp expect changes
'

test_expect_success 'the record file is leads/XX/ID.json, keys sorted, one per line' '
	id=$(cat id)
	store_git show "main:$(lead_path "$id")" >record
	ca=$(sed -n "s/^  \"created_at\": \"\(.*\)\",\$/\1/p" record)
	python3 check-created.py "$ca"
	cat >expect <<-EOF
	{
	  "company": "Analytical Engines, Ltd.",
	  "created_at": "$ca",
	  "email": "ada@example.com",
	  "first_name": "Ada",
	  "id": "$id",
	  "last_name": "Lovelace",
	  "status": "new"
	}
	EOF
	test_cmp expect record
'

test_expect_success 'show by full id' '
	id=$(cat id)
	sfa-lead show --format json "$id" >out
	python3 check-json.py out id="$id" first_name=Ada last_name=Lovelace \
		email=ada@example.com company="Analytical Engines, Ltd."
'

test_expect_success 'show in a pipe prints CSV with a header' '
	id=$(cat id)
	sfa-lead show "$id" >out.csv
	python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline=\"\", encoding=\"utf-8\")))
assert len(rows) == 1, rows
assert rows[0][\"id\"] == sys.argv[2], rows
assert rows[0][\"company\"] == \"Analytical Engines, Ltd.\", rows
" out.csv "$id"
'

test_expect_success 'show by a unique prefix of 4 or more characters, any case' '
	id=$(cat id)
	sfa-lead show --format json "$id" >expect
	for n in 4 5 8 11; do
		sfa-lead show --format json "$(printf %s "$id" | cut -c1-$n)" >out
		test_cmp expect out
	done
	sfa-lead show --format json "$(printf %s "$id" | tr a-z A-Z)" >out
	test_cmp expect out
	sfa-lead show --format json "$(printf %s "$id" | cut -c1-6 | tr a-z A-Z)" >out
	test_cmp expect out
'

test_expect_success 'a prefix shorter than 4 characters is refused' '
	id=$(cat id)
	test_must_fail sfa-lead show "$(printf %s "$id" | cut -c1-3)" >out 2>err
	test -s err
'

test_expect_success 'each add is one more commit and a new id' '
	sfa-lead add first_name=Second >id2
	sfa-lead add first_name=Third >id3
	test_eq 4 "$(commit_count)"
	test "$(cat id2)" != "$(cat id3)"
	test "$(cat id)" != "$(cat id2)"
	store_git log -1 --format=%s main >msg
	test_grep -F "$(cat id3)" msg
	store_git log -1 --format=%s main~1 >msg
	test_grep -F "$(cat id2)" msg
	test_eq 3 "$(lead_count_git)"
'

test_expect_success 'a given created_at is kept; a value may contain "="' '
	sfa-lead add first_name=Old created_at=2020-02-03T04:05:06Z notes="a=b, c" >id
	store_git show "main:$(lead_path "$(cat id)")" >record
	test_grep -Fx "  \"created_at\": \"2020-02-03T04:05:06Z\"," record
	test_grep -Fx "  \"notes\": \"a=b, c\"," record
	test_grep -Fx "  \"status\": \"new\"" record
'

test_expect_success 'a given status is kept in its declared spelling, an undeclared one refused' '
	sfa-lead add first_name=Busy status=Working >id
	store_git show "main:$(lead_path "$(cat id)")" >record
	test_grep -Fx "  \"status\": \"working\"" record
	before=$(commit_count)
	test_must_fail --exit=3 sfa-lead add first_name=Idle status=sleeping >out 2>err
	test_grep "field .status.: .sleeping. is not one of: new, working" err
	test ! -s out
	test_eq "$before" "$(commit_count)"
'

test_expect_success 'add one record from CSV on stdin' '
	before=$(commit_count)
	printf "first_name,last_name,email,notes\nBob,Builder,bob@example.com,\"can we fix it?\nyes, \"\"we\"\" can\"\n" |
	sfa-lead add >id
	is_id "$(cat id)"
	test_eq $((before + 1)) "$(commit_count)"
	sfa-lead show --format json "$(cat id)" >out
	python3 check-json.py out first_name=Bob last_name=Builder email=bob@example.com \
		"notes=can we fix it?
yes, \"we\" can"
'

test_expect_success 'add one record from JSON on stdin' '
	before=$(commit_count)
	printf "{\"first_name\": \"Carol\", \"email\": \"carol@example.com\", \"city\": \"Zürich\"}\n" |
	sfa-lead add >id
	is_id "$(cat id)"
	test_eq $((before + 1)) "$(commit_count)"
	sfa-lead show --format json "$(cat id)" >out
	python3 check-json.py out first_name=Carol email=carol@example.com city=Zürich
'

test_expect_success 'UTF-8 values round-trip: 张伟, Мария, José' '
	sfa-lead add first_name=伟 last_name=张 city=上海 company="华为 有限公司" >id1
	sfa-lead add first_name=Мария last_name=Петрова city=София >id2
	sfa-lead add first_name=José last_name=García city="São Paulo" email=josé@example.es >id3
	sfa-lead show --format json "$(cat id1)" >out
	python3 check-json.py out first_name=伟 last_name=张 city=上海 company="华为 有限公司"
	sfa-lead show --format json "$(cat id2)" >out
	python3 check-json.py out first_name=Мария last_name=Петрова city=София
	sfa-lead show --format json "$(cat id3)" >out
	python3 check-json.py out first_name=José last_name=García city="São Paulo" email=josé@example.es
	sfa-lead list --where first_name=Мария --format ids >ids
	test_cmp id2 ids
'

test_expect_success 'UTF-8 is stored as UTF-8 in the record file, not escaped' '
	store_git show "main:$(lead_path "$(cat id1)")" >record
	test_grep -Fx "  \"first_name\": \"伟\"," record
	test_grep -Fx "  \"city\": \"上海\"," record
	store_git show "main:$(lead_path "$(cat id3)")" >record
	test_grep -Fx "  \"last_name\": \"García\"," record
'

test_expect_success 'a bad field name is refused with exit 3, naming the field' '
	before=$(commit_count)
	test_must_fail --exit=3 sfa-lead add first_name=A "bad field=x" >out 2>err
	test_grep "bad field" err
	test ! -s out
	test_must_fail --exit=3 sfa-lead add first_name=A _private=x 2>err
	test_grep _private err
	long=$(printf "%065d" 0 | tr 0 f)
	test_must_fail --exit=3 sfa-lead add first_name=A "$long=x" 2>err
	test_grep "$(printf %s "$long" | cut -c1-16)" err
	test_must_fail --exit=3 sfa-lead add "first/name=A" 2>err
	test_grep "first/name" err
	test_eq "$before" "$(commit_count)"
'

test_expect_success 'an invalid email is refused with exit 3, naming the field' '
	before=$(commit_count)
	test_must_fail --exit=3 sfa-lead add first_name=Bob email=bob@ >out 2>err
	test_grep "field .email.: not an address: .bob@.\$" err
	test ! -s out
	test_must_fail --exit=3 sfa-lead add first_name=Bob email=not-an-address 2>err
	test_grep email err
	printf "first_name,email\nBob,bob@\n" >bad.csv
	test_must_fail --exit=3 sfa-lead add <bad.csv 2>err
	test_grep email err
	test_eq "$before" "$(commit_count)"
'

test_expect_success 'a created_at that is not ISO 8601 UTC is refused with exit 3' '
	before=$(commit_count)
	test_must_fail --exit=3 sfa-lead add first_name=Bob created_at=yesterday 2>err
	test_grep created_at err
	test_eq "$before" "$(commit_count)"
'

test_expect_success 'add with no arguments and empty stdin fails with exit 3' '
	before=$(commit_count)
	test_must_fail --exit=3 sfa-lead add </dev/null >out 2>err
	test -s err
	test ! -s out
	test_eq "$before" "$(commit_count)"
'

test_expect_success 'SFA_USER "Name" with SFA_EMAIL sets the author' '
	SFA_USER="Solo Name" SFA_EMAIL=solo@example.com sfa-lead add first_name=Solo >id
	test_eq "Solo Name <solo@example.com>" "$(store_git log -1 --format="%an <%ae>" main)"
'

test_expect_success 'without SFA_USER the store config user.name/email is the author' '
	store_git config user.name "Config Name"
	store_git config user.email config@example.com
	(
		unset SFA_USER
		sfa-lead add first_name=Configured >id
	)
	test_eq "Config Name <config@example.com>" "$(store_git log -1 --format="%an <%ae>" main)"
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
