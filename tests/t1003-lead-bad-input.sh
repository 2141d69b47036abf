#!/bin/sh
# Refused and odd input, as a table: each row writes a file "input", runs
# sfa-lead with the arguments, and checks the exit code and that stderr
# matches the extended regular expression. Rows that fail must write
# nothing and print nothing on stdout.
#
# Columns, separated by " | ":
#   description | input | sfa-lead arguments | exit code | stderr ERE
# input is a printf(1) format (octal escapes such as \377 for bytes), or
# "py:CODE" for python3 -c CODE writing the input on stdout. The arguments
# are evaluated by the shell in the test directory. The ERE is the rest of
# the line, so it may contain "|".

. "$(dirname "$0")/lib.sh"

trim () {
	_t=${1#"${1%%[! ]*}"}
	printf '%s' "${_t%"${_t##*[! ]}"}"
}

test_expect_success 'setup' '
	sfa init -q
	mkdir emptydir
	printf "first_name,email\nSeed,seed@example.com\n" >seed.csv
	sfa-lead import -q seed.csv
'

while IFS='|' read -r desc input args code re; do
	case $desc in
	'#'* | '') continue ;;
	esac
	desc=$(trim "$desc")
	input=$(trim "$input")
	args=$(trim "$args")
	code=$(trim "$code")
	re=$(trim "$re")
	test_expect_success "$desc: sfa-lead $args -> exit $code" '
		case $input in
		py:*) python3 -c "${input#py:}" >input ;;
		*) printf "$input" >input ;;
		esac
		before=$(commit_count)
		tree=$(store_git rev-parse "main^{tree}")
		rc=0
		eval "sfa-lead $args" >out 2>err || rc=$?
		cat err
		test_grep ! -e AddressSanitizer -e "runtime error:" -e LeakSanitizer err
		test_eq "$code" "$rc"
		test_grep -E -e "$re" err
		if [ "$code" -ne 0 ]; then
			test_eq "$before" "$(commit_count)"
			test_eq "$tree" "$(store_git rev-parse "main^{tree}")"
			test ! -s out
		fi
	'
done <<'EOF'
# description | input | args | code | stderr ERE
unterminated quote | first_name,email\nAnn,"ann@example.com\n | import input | 3 | input:2
ragged row (16 vs 17 fields) | external_id,first_name,last_name,company,email,phone,title,source,status,country,city,industry,employees,interest,owner,created_at,notes\nR1,Ann,Lee,Acme,ann@example.com,+1 555 0100,CEO,web,new,US,Austin,retail,5,pump-s,rep01,2024-01-01T00:00:00Z\n | import input | 3 | input:2
more fields than the header | first_name,email\nAnn,ann@example.com,extra\n | import input | 3 | input:2
ragged row after good rows | first_name,email\nAnn,ann@example.com\nBob\nCid,cid@example.com\n | import input | 3 | input:3
invalid UTF-8 byte | first_name,email\nA\377n,ann@example.com\n | import input | 3 | input:2:.*first_name
truncated UTF-8 sequence | first_name,email\nAnn\343\201,ann@example.com\n | import input | 3 | input:2:.*first_name
overlong UTF-8 encoding | first_name,email\nA\300\257n,ann@example.com\n | import input | 3 | input:2:.*first_name
invalid UTF-8 in the header | first_n\377me,email\nAnn,ann@example.com\n | import input | 3 | input:1
NUL byte in a value | first_name,email\nA\000n,ann@example.com\n | import input | 3 | input:2:.*first_name
empty column name | first_name,,email\nAnn,x,ann@example.com\n | import input | 3 | input:1:.*column 2: empty name
column name of punctuation only | first_name,?!,email\nAnn,x,ann@example.com\n | import input | 3 | input:1:.*column 2: empty name
field name starting with '-' in the header | email,-secret\nann@example.com,x\n | import input | 3 | input:1:.*column 2:.*'-secret'
field name starting with '-' in a header-only file | email,-secret\n | import input | 3 | input:1:.*column 2:.*'-secret'
duplicate column | email,email\na@example.com,b@example.com\n | import input | 3 | input:1:.*email
two columns that fold to one field | First Name,first_name\nAnn,Bob\n | import input | 3 | input:1:.*duplicate column 'first_name'
a column and a synonym of it | email,E-mail Address\na@example.com,b@example.com\n | import input | 3 | input:1:.*duplicate column 'email'
punctuation in the header is folded, not refused | First.Name,bad name!,_under,9lives\nDot,x,y,z\n | import input | 0 | (^|[^0-9])1 added
bad email | first_name,email\nAnn,ann@\n | import input | 3 | input:2:.*email
bad email on stdin | first_name,email\nAnn,ann@\n | import <input | 3 | :2:.*email
bad created_at | first_name,created_at\nAnn,22/11/2026\n | import input | 3 | input:2:.*created_at
broken JSON | [{"first_name": "Ann"},\n | import input | 3 | input:[0-9]
JSON array containing a number | [{"first_name": "Ann"}, 42]\n | import input | 3 | input:1
JSON duplicate key | {"first_name": "Ann", "first_name": "Bob"}\n | import input | 3 | input:1:.*first_name
JSON bad field name | {"-secret": "Ann"}\n | import input | 3 | input:1:.*-secret
JSON key of punctuation only | {"first_name": "Ann", "?!": "x"}\n | import input | 3 | input:1:.*[?]!
JSON two keys that fold to one field | {"First Name": "Ann", "first_name": "Bob"}\n | import input | 3 | input:1:.*first_name
JSON invalid UTF-8 | {"first_name": "A\377n"}\n | import input | 3 | input:1
NDJSON broken third line | {"first_name": "A"}\n{"first_name": "B"}\n{"first_name": \n | import input | 3 | input:3
NDJSON bad email on line 2 | {"first_name": "A"}\n{"email": "b@"}\n | import input | 3 | input:2:.*email
empty input |  | import input | 3 | input
only a header | first_name,email\n | import input | 0 | (^|[^0-9])0 added
UTF-8 BOM and CRLF | \357\273\277first_name,email\r\nBom,bom@example.com\r\n | import input | 0 | (^|[^0-9])1 added
a 2 MB field | py:import sys; sys.stdout.write("first_name,notes\nAnn," + "x" * 2097152 + "\n") | import input | 3 | input:2
unknown field in list --where |  | list --where nosuchfield=x | 2 | unknown field 'nosuchfield'
unknown field in a second --where |  | list --where first_name=Seed --where nosuchfield=x | 2 | unknown field 'nosuchfield'
unknown --format |  | list --format xml | 2 | xml
unknown --format for show |  | show --format xml 0000 | 2 | xml
unknown option |  | list --frobnicate | 2 | frobnicate
unknown option for import |  | import --frobnicate input | 2 | frobnicate
--limit that is not a number |  | list --limit many | 2 | many
missing store |  | list --store nowhere | 4 | nowhere
import into a missing store | first_name\nAnn\n | import --store nowhere input | 4 | nowhere
not-initialised directory |  | list --store emptydir | 4 | emptydir
add to a not-initialised directory |  | add --store emptydir first_name=Ann | 4 | emptydir
EOF

test_expect_success 'the BOM and the CRLF are not part of the field names or values' '
	sfa-lead list --where first_name=Bom --format json >out
	python3 -c "
import json, sys
r = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert len(r) == 1, r
assert r[0][\"email\"] == \"bom@example.com\", r
assert not any(k.startswith(\"\ufeff\") for k in r[0]), r
" out
'

test_expect_success 'folded header names are the field names' '
	sfa-lead list --where first_name=Dot --fields first_name,bad_name,under,9lives >out
	printf "first_name,bad_name,under,9lives\nDot,x,y,z\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'refused commands left no store behind' '
	test ! -e nowhere
	test_eq "" "$(ls emptydir)"
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
