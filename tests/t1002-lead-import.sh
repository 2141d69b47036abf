#!/bin/sh
# sfa-lead import: CSV/NDJSON/JSON, exact round trip, one commit in a pack,
# upsert by external_id and id, dry runs, refused rows and rejects files.

. "$(dirname "$0")/lib.sh"

# compare.py INPUT OUTPUT: every record of INPUT (CSV, or NDJSON/JSON when
# the name ends in .ndjson/.json) is in OUTPUT (sfa-lead list output: JSON
# array, NDJSON or CSV, by extension), matched by external_id, with every
# non-empty value byte-identical in its text form; an empty input cell may
# come out absent, empty or null. Integer fields of the schema (employees,
# score) must come out of JSON output as JSON numbers ("20" in CSV).
# OUTPUT may hold other records when --subset is given.
cat >compare.py <<'EOF'
import csv, json, sys

INTEGERS = ("employees", "score")

def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return v

def load(path):
    if path.endswith(".ndjson"):
        return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    if path.endswith(".json"):
        d = json.load(open(path, encoding="utf-8"))
        return d if isinstance(d, list) else [d]
    return list(csv.DictReader(open(path, newline="", encoding="utf-8")))

args = sys.argv[1:]
subset = "--subset" in args
args = [a for a in args if a != "--subset"]
inp, out = load(args[0]), load(args[1])
by_ext = {}
for r in out:
    assert r.get("external_id") not in by_ext, "duplicate %r" % r.get("external_id")
    by_ext[r.get("external_id")] = r
if not subset:
    assert len(inp) == len(out), "%d records in, %d out" % (len(inp), len(out))
for r in inp:
    o = by_ext.get(r["external_id"])
    assert o is not None, "missing %r" % r["external_id"]
    for k, v in r.items():
        if v == "":
            assert o.get(k) in (None, ""), "%s %s: %r" % (r["external_id"], k, o.get(k))
        else:
            assert text(o.get(k)) == text(v), "%s %s: expected %r, got %r" % (r["external_id"], k, v, o.get(k))
            if k in INTEGERS and not args[1].endswith(".csv"):
                assert type(o[k]) is int, "%s %s: not a JSON number: %r" % (r["external_id"], k, o[k])
            elif type(v) is str and k not in INTEGERS:
                assert o.get(k) == v, "%s %s: expected text %r, got %r" % (r["external_id"], k, v, o.get(k))
    assert len(o.get("id", "")) == 12, o
print("%d records compared" % len(inp))
EOF

# reid.awk: rewrite the external_id (first column) of gen-data CSV from
# L... to PREFIX...; records end in CRLF, embedded newlines are bare LF.
cat >reid.awk <<'EOF'
BEGIN { RS = "\r\n"; ORS = "\r\n" }
NR > 1 { sub(/^L/, prefix) }
{ print }
EOF

# setfield.py IN OUT ROW FIELD VALUE [FIELD VALUE...]: copy gen-data CSV,
# changing fields of data row ROW (1-based); prints the line ROW starts on.
cat >setfield.py <<'EOF'
import csv, sys
src, dst, row = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(src, newline="", encoding="utf-8")))
sets = sys.argv[4:]
for k, v in zip(sets[0::2], sets[1::2]):
    rows[row - 1][k] = v
with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
parts = open(dst, "rb").read().split(b"\r\n")
print(1 + sum(p.count(b"\n") + 1 for p in parts[:row]))
EOF

# rejects.py INPUT REJECTS ROW: REJECTS is INPUT's header line and data row
# ROW, the row byte-identical (line ends may be CRLF or LF).
cat >rejects.py <<'EOF'
import sys
inp = open(sys.argv[1], "rb").read().split(b"\r\n")
rej = open(sys.argv[2], "rb").read()
row = int(sys.argv[3])
header, bad = inp[0], inp[row]
ok = [header + e1 + bad + e2 for e1 in (b"\r\n", b"\n") for e2 in (b"\r\n", b"\n")]
assert rej in ok, "rejects file:\n%r\nexpected:\n%r" % (rej, ok[0])
EOF

count_leads () {
	sfa-lead list --format ids >"$tmp/.ids"
	wc -l <"$tmp/.ids"
}

test_expect_success 'setup' '
	sfa init -q
	gen_leads 200 >leads.csv
'

test_expect_success 'import 200 leads from a CSV file' '
	before=$(commit_count)
	sfa-lead import leads.csv >out 2>err
	test ! -s out
	test_grep "200 added" err
	test_eq $((before + 1)) "$(commit_count)"
'

test_expect_success 'all 200 are listed and in git' '
	test_eq 200 "$(count_leads)"
	test_eq 200 "$(lead_count_git)"
'

test_expect_success 'the import is one commit naming the count and the file' '
	store_git log -1 --format=%B main >msg
	test_grep "import 200 leads" msg
	test_grep leads.csv msg
	test_grep "200 added" msg
	store_git diff-tree -r --name-status --no-commit-id main >changes
	test_eq 200 "$(grep -c "^A	leads/" changes)"
	test_line_count = 200 changes
'

test_expect_success 'values with commas, quotes, newlines and UTF-8 round-trip exactly (json)' '
	sfa-lead list --format json >out.json
	python3 -m json.tool out.json >/dev/null
	python3 compare.py leads.csv out.json
'

test_expect_success 'values round-trip exactly (csv and ndjson output)' '
	sfa-lead list --format csv >out.csv
	python3 compare.py leads.csv out.csv
	sfa-lead list >out2.csv
	test_cmp out.csv out2.csv
	sfa-lead list --format ndjson >out.ndjson
	python3 compare.py leads.csv out.ndjson
'

test_expect_success 'the record files are written as one pack, few loose objects' '
	store_git count-objects -v >counts
	in_pack=$(sed -n "s/^in-pack: //p" counts)
	loose=$(sed -n "s/^count: //p" counts)
	test "$in_pack" -ge 200
	test "$loose" -le 10
	ls "$SFA_STORE/objects/pack/" >packs
	test_eq 1 "$(grep -c "\.pack\$" packs)"
	test_eq 1 "$(grep -c "\.idx\$" packs)"
'

test_expect_success 'the store passes git fsck after the import' '
	store_git fsck --strict --no-dangling
'

test_expect_success 're-importing the same file changes nothing' '
	tree=$(store_git rev-parse "main^{tree}")
	sfa-lead import leads.csv 2>err
	test_grep -E "(^|[^0-9])0 added" err
	test_grep -E "(^|[^0-9])0 updated" err
	test_grep "200 unchanged" err
	test_eq "$tree" "$(store_git rev-parse "main^{tree}")"
	test_eq 200 "$(count_leads)"
'

test_expect_success 'a modified file updates by external_id and adds new ones' '
	before=$(commit_count)
	python3 - leads.csv >changed.csv <<-\EOF
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
	for i in (5, 10, 20):
	    rows[i]["city"] = "Changed City, %d" % i
	new = []
	for n in ("L9000000", "L9000001"):
	    r = dict(rows[0]); r["external_id"] = n; r["email"] = n.lower() + "@example.com"
	    new.append(r)
	w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\r\n")
	w.writeheader(); w.writerows(rows + new)
	EOF
	sfa-lead import changed.csv 2>err
	test_grep -E "(^|[^0-9])2 added" err
	test_grep -E "(^|[^0-9])3 updated" err
	test_grep "197 unchanged" err
	test_eq $((before + 1)) "$(commit_count)"
	test_eq 202 "$(count_leads)"
	store_git diff-tree -r --name-status --no-commit-id main >changes
	test_eq 2 "$(grep -c "^A	leads/" changes)"
	test_eq 3 "$(grep -c "^M	leads/" changes)"
	test_line_count = 5 changes
	sfa-lead list --where external_id=L0000010 --fields external_id,city >out
	printf "external_id,city\nL0000010,\"Changed City, 10\"\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	sfa-lead list --format json >all.json
	python3 compare.py changed.csv all.json
'

test_expect_success 'an update merges: given fields overwrite, the others stay' '
	sfa-lead list --where external_id=L0000007 --format json >before.json
	printf "external_id,title\r\nL0000007,Chief Pump Officer\r\n" >partial.csv
	sfa-lead import partial.csv 2>err
	test_grep -E "(^|[^0-9])1 updated" err
	sfa-lead list --where external_id=L0000007 --format json >after.json
	python3 -c "
import json, sys
b, a = (json.load(open(p, encoding=\"utf-8\"))[0] for p in sys.argv[1:3])
assert a[\"title\"] == \"Chief Pump Officer\", a
b[\"title\"] = a[\"title\"]
assert a == b, (a, b)
" before.json after.json
'

test_expect_success 'a record with an id field updates that lead' '
	id=$(sfa-lead list --where external_id=L0000008 --format ids)
	is_id "$id"
	printf "id,status\n%s,qualified\n" "$id" >byid.csv
	sfa-lead import byid.csv 2>err
	test_grep -E "(^|[^0-9])1 updated" err
	sfa-lead list --where external_id=L0000008 --fields id,status >out
	printf "id,status\n%s,qualified\n" "$id" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	test_eq 202 "$(count_leads)"
'

test_expect_success 'an id that does not exist is refused with exit 3' '
	before=$(commit_count)
	printf "id,status\n0000000000zz,qualified\n" >noid.csv
	test_must_fail --exit=3 sfa-lead import noid.csv 2>err
	test_grep "noid.csv:2" err
	test_grep 0000000000zz err
	test_eq "$before" "$(commit_count)"
'

test_expect_success 'import NDJSON' '
	before=$(commit_count)
	gen_leads 5 --seed 7 --format ndjson |
	sed "s/\"external_id\": \"L/\"external_id\": \"N/" >n.ndjson
	sfa-lead import n.ndjson 2>err
	test_grep "5 added" err
	test_eq $((before + 1)) "$(commit_count)"
	sfa-lead list --format json >all.json
	python3 compare.py --subset n.ndjson all.json
'

test_expect_success 'import a JSON array' '
	gen_leads 5 --seed 8 --format ndjson |
	sed "s/\"external_id\": \"L/\"external_id\": \"J/" |
	python3 -c "
import json, sys
print(json.dumps([json.loads(l) for l in sys.stdin], ensure_ascii=False, indent=2))
" >j.json
	sfa-lead import j.json 2>err
	test_grep "5 added" err
	sfa-lead list --format json >all.json
	python3 compare.py --subset j.json all.json
'

test_expect_success 'import a single JSON object' '
	printf "{\"external_id\": \"O1\", \"first_name\": \"Olga\", \"city\": \"Москва\"}\n" >o.json
	sfa-lead import o.json 2>err
	test_grep "1 added" err
	sfa-lead list --format json >all.json
	python3 compare.py --subset o.json all.json
	test_eq 213 "$(count_leads)"
'

test_expect_success 'import from stdin' '
	gen_leads 3 --seed 9 | awk -v prefix=S -f reid.awk >s.csv
	sfa-lead import <s.csv 2>err
	test_grep "3 added" err
	store_git log -1 --format=%B main >msg
	test_grep stdin msg
	sfa-lead list --format json >all.json
	python3 compare.py --subset s.csv all.json
'

test_expect_success '--dry-run validates and counts but writes nothing' '
	gen_leads 10 --seed 10 | awk -v prefix=D -f reid.awk >d.csv
	before=$(commit_count)
	tree=$(store_git rev-parse "main^{tree}")
	sfa-lead import --dry-run d.csv >out 2>err
	test_grep "10 added" err
	sfa-lead import -n d.csv 2>err
	test_grep "10 added" err
	test_eq "$before" "$(commit_count)"
	test_eq "$tree" "$(store_git rev-parse "main^{tree}")"
	test_must_fail --exit=1 sfa-lead list --where external_id=D0000000 >out
	test_eq 216 "$(count_leads)"
'

test_expect_success '--dry-run of bad input still fails with exit 3' '
	printf "external_id,email\nD1,bob@\n" >dbad.csv
	test_must_fail --exit=3 sfa-lead import --dry-run dbad.csv 2>err
	test_grep "dbad.csv:2" err
	test_grep email err
'

test_expect_success '-m sets the commit message; -q prints no summary' '
	gen_leads 2 --seed 11 | awk -v prefix=M -f reid.awk >m.csv
	sfa-lead import -q -m "nightly web leads" m.csv >out 2>err
	test ! -s out
	test ! -s err
	store_git log -1 --format=%B main >msg
	test_grep "nightly web leads" msg
	test_eq 218 "$(count_leads)"
'

test_expect_success 'setup: a file with a bad email in row 17' '
	gen_leads 30 --seed 3 | awk -v prefix=B -f reid.awk >b.csv
	python3 setfield.py b.csv bad.csv 17 email bob@ \
		notes="Met at fair; wants demo
follow up in Q3, \"urgent\"" >line
	test "$(cat line)" -ge 18
'

test_expect_success 'one bad row: exit 3, file:line and field named, nothing written' '
	before=$(commit_count)
	tree=$(store_git rev-parse "main^{tree}")
	test_must_fail --exit=3 sfa-lead import bad.csv >out 2>err
	test_grep -F "bad.csv:$(cat line):" err
	test_grep email err
	test_grep -F "bob@" err
	test_eq "$before" "$(commit_count)"
	test_eq "$tree" "$(store_git rev-parse "main^{tree}")"
	test_must_fail --exit=1 sfa-lead list --where external_id=B0000000 >out
	test_eq 218 "$(count_leads)"
'

test_expect_success '--skip-invalid --rejects: good rows in, bad row out intact, exit 3' '
	before=$(commit_count)
	test_must_fail --exit=3 sfa-lead import --skip-invalid --rejects rej.csv bad.csv 2>err
	test_grep -F "bad.csv:$(cat line):" err
	test_grep email err
	test_eq $((before + 1)) "$(commit_count)"
	test_eq 247 "$(count_leads)"
	test_must_fail --exit=1 sfa-lead list --where external_id=B0000016 >out
	sfa-lead list --where external_id=B0000015 --format ids >out
	is_id "$(cat out)"
	python3 rejects.py bad.csv rej.csv 17
'

test_expect_success 'the fixed rejects file imports' '
	sed "s/,bob@,/,bob@example.com,/" rej.csv >fixed.csv
	sfa-lead import fixed.csv 2>err
	test_grep "1 added" err
	test_eq 248 "$(count_leads)"
	sfa-lead list --where external_id=B0000016 --fields email >out
	test_grep -x "bob@example.com.\{0,1\}" out
	sfa-lead list --format json >all.json
	python3 compare.py --subset fixed.csv all.json
'

test_expect_success '--skip-invalid with NDJSON writes the bad line unchanged' '
	printf "%s\n" "{\"external_id\": \"K1\", \"first_name\": \"Kim\"}" \
		"{\"external_id\": \"K2\", \"email\":   \"nobody@\"}" \
		"{\"external_id\": \"K3\", \"first_name\": \"Kai\"}" >k.ndjson
	test_must_fail --exit=3 sfa-lead import --skip-invalid --rejects krej.ndjson k.ndjson 2>err
	test_grep "k.ndjson:2" err
	test_grep email err
	sed -n 2p k.ndjson >expect
	test_cmp expect krej.ndjson
	test_eq 250 "$(count_leads)"
'

test_expect_success 'custom fields are kept and listed' '
	printf "external_id,first_name,favourite_color,trade-show\nC1,Zed,\"teal, dark\",Hannover Messe\nC2,Yara,red,\n" >c.csv
	sfa-lead import c.csv 2>err
	test_grep "2 added" err
	sfa-lead list --where external_id=C1 --fields external_id,favourite_color >out
	printf "external_id,favourite_color\nC1,\"teal, dark\"\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	sfa-lead list --where favourite_color=red --fields first_name >out
	printf "first_name\nYara\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	sfa-lead list --where external_id=C1 --fields first_name,trade-show >out
	printf "first_name,trade-show\nZed,Hannover Messe\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	id=$(sfa-lead list --where external_id=C1 --format ids)
	store_git show "main:$(lead_path "$id")" >record
	test_grep -Fx "  \"trade-show\": \"Hannover Messe\"" record
'

test_expect_success 'custom fields come after the default columns, alphabetically' '
	printf "external_id,zeta_score,alpha_code\nC3,9,x\n" >c3.csv
	sfa-lead import c3.csv 2>err
	sfa-lead list --limit 1 >out
	head -n 1 out | tr -d "\r" >header
	echo id,first_name,last_name,company,email,phone,title,source,status,owner,country,city,industry,employees,interest,score,grade,external_id,created_at,notes,alpha_code,favourite_color,trade-show,zeta_score >expect
	test_cmp expect header
'

test_expect_success 'the store passes git fsck at the end' '
	store_git fsck --strict --no-dangling
	find "$SFA_STORE" -name "*.lock" ! -name sfa.lock >locks
	test ! -s locks
'

test_done
