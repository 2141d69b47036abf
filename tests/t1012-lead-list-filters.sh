#!/bin/sh
# sfa-lead list filters: every --where operator, the --status/--owner/
# --source/--since/--until shortcuts, --sort, --limit and every --format,
# each checked against an independent computation over the input CSV.

. "$(dirname "$0")/lib.sh"

# A fixed "now" for --since/--until with a time back.
SFA_NOW=2026-01-01T00:00:00Z
export SFA_NOW

# oracle.py [list options]: what sfa-lead list with these options must
# give for the leads of gen.csv and extra.csv: their external_ids, one a
# line, or with --sort the values of the sort fields (comma-joined) in
# order. Written from the documented rules, not from the code.
cat >oracle.py <<'EOF'
import calendar, csv, datetime as dt, os, sys, unicodedata

INTEGER = {"employees", "score"}
ENUM = {"status": ["new", "working", "qualified", "disqualified", "converted"]}
# Latin letters without a decomposition, reduced as documented
EXTRA = {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "Æ": "ae", "þ": "th", "đ": "d"}

def fold(s):
    s = "".join(EXTRA.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).lower()

def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def parse_time(s):
    if len(s) == 10:
        s += "T00:00:00Z"
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

def when(s, now):
    n, u = s[:-1], s[-1:]
    if n.isdigit() and u in "hdwmy":
        n = int(n)
        if u in "hdw":
            return now - n * {"h": 3600, "d": 86400, "w": 7 * 86400}[u]
        t = dt.datetime.fromtimestamp(now, dt.timezone.utc)
        y, m = (t.year, t.month - n) if u == "m" else (t.year - n, t.month)
        while m < 1:
            y, m = y - 1, m + 12
        return t.replace(year=y, month=m, day=min(t.day, calendar.monthrange(y, m)[1])).timestamp()
    return parse_time(s)

def norm(field, v):
    if field in INTEGER:
        return int(v)
    if field in ENUM:
        return next(e for e in ENUM[field] if e.lower() == v.lower())
    if field == "created_at":
        return iso(parse_time(v))
    return v

def value(rec, field):
    v = rec.get(field) or None
    return int(v) if v is not None and field in INTEGER else v

def cond(expr):
    n = 0
    while n < len(expr) and (expr[n].isalnum() or expr[n] in "_-"):
        n += 1
    field, expr = expr[:n], expr[n:]
    if expr.startswith(" in "):
        vals = [norm(field, x) for x in expr[4:].split(",")]
        return lambda r: value(r, field) in vals
    op = next(o for o in ("!=", "<=", ">=", "=", "<", ">", "~") if expr.startswith(o))
    arg = expr[len(op):]
    if arg == "":
        if op == "=":
            return lambda r: value(r, field) is None
        return lambda r: value(r, field) is not None
    if op == "~":
        return lambda r: value(r, field) is not None and fold(arg) in fold(str(value(r, field)))
    arg = norm(field, arg)
    if op == "=":
        return lambda r: value(r, field) == arg
    if op == "!=":
        return lambda r: value(r, field) != arg
    cmp = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
           ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[op]
    return lambda r: value(r, field) is not None and cmp(value(r, field), arg)

recs = []
for path in ("gen.csv", "extra.csv"):
    recs += list(csv.DictReader(open(path, newline="", encoding="utf-8")))
now = parse_time(os.environ["SFA_NOW"])
args, conds, sort, limit = sys.argv[1:], [], [], None
while args:
    opt, arg, args = args[0], args[1], args[2:]
    if opt == "--where":
        conds.append(cond(arg))
    elif opt in ("--status", "--owner", "--source"):
        conds.append(cond("%s in %s" % (opt[2:], arg)))
    elif opt == "--since":
        conds.append(cond("created_at>=" + iso(when(arg, now))))
    elif opt == "--until":
        conds.append(cond("created_at<" + iso(when(arg, now))))
    elif opt == "--sort":
        sort = arg.split(",")
    elif opt == "--limit":
        limit = int(arg)
out = [r for r in recs if all(c(r) for c in conds)]
# stable sorts from the last key to the first; missing values last either way
for key in reversed(sort):
    f = key.lstrip("-")
    have = sorted((r for r in out if value(r, f) is not None), key=lambda r: value(r, f),
                  reverse=key.startswith("-"))
    out = have + [r for r in out if value(r, f) is None]
if limit is not None:
    out = out[:limit]
cols = [k.lstrip("-") for k in sort] or ["external_id"]
for r in out:
    print(",".join(str(value(r, c)) if value(r, c) is not None else "" for c in cols))
EOF

# rows.py: the data rows of sfa-lead list CSV output, fields comma-joined
# as oracle.py prints them.
cat >rows.py <<'EOF'
import csv, sys
for r in list(csv.reader(sys.stdin))[1:]:
    print(",".join(r))
EOF

# check [list options]: sfa-lead list gives what oracle.py computes (as a
# set; in order with --sort), something but (unless sorted) not everything.
check () {
	python3 "$tmp/oracle.py" "$@" >"$tmp/.expect" || return 1
	_n=$(wc -l <"$tmp/.expect")
	case " $* " in
	*" --sort "*) _all=$((_n + 1)) ;;
	*) _all=$(cat "$tmp/total") ;;
	esac
	if [ "$_n" -eq 0 ] || [ "$_n" -ge "$_all" ]; then
		say_ "check: the oracle selects $_n of $(cat "$tmp/total") leads; pick a better filter"
		return 1
	fi
	_cols=external_id
	_sorted=
	_a=
	for _o in "$@"; do
		[ "$_a" = --sort ] && _cols=$(printf %s "$_o" | tr -d -) && _sorted=1
		_a=$_o
	done
	sfa-lead list "$@" --fields "$_cols" >"$tmp/.out" || return 1
	python3 "$tmp/rows.py" <"$tmp/.out" >"$tmp/.actual" || return 1
	if [ -z "$_sorted" ]; then
		sort "$tmp/.expect" >"$tmp/.e" && mv "$tmp/.e" "$tmp/.expect" &&
		sort "$tmp/.actual" >"$tmp/.a" && mv "$tmp/.a" "$tmp/.actual" || return 1
	fi
	test_cmp "$tmp/.expect" "$tmp/.actual"
}

test_expect_success 'setup: 300 generated leads and a few odd ones' '
	sfa init -q &&
	gen_leads 300 --seed 12 >gen.csv &&
	cat >extra.csv <<-\EOF &&
	external_id,first_name,last_name,company,email,status,owner,source,employees,city,country,title,created_at,notes
	X1,Иван,Иванов,Софтуер ООД,ivan@example.bg,new,,,,София,BG,,2025-01-01T00:00:00Z,Иска оферта
	X2,José,Núñez,"Acme, Inc.",jose@acme.example,working,rep01,web,,Zürich,CH,CEO,2024-12-31T23:59:59Z,Wants a quote
	X3,伟,张,华为 有限公司,wei@example.cn,qualified,rep02,partner,1000,上海,CN,CTO,2025-12-31T12:00:00Z,重要客户，需要报价
	X4,ZOË,ÅSTRÖM,Kestrel AB,zoe@kestrel.example,new,,ads,200,Malmö,SE,,2025-12-31T23:59:59Z,
	X5,,Nameless,,,disqualified,rep03,,5,,,,2024-01-01T00:00:00Z,
	X6,Фёдор,Smith,Stark,fedor@stark.example,working,rep03,referral,20,Москва,RU,CFO,2025-06-01T08:00:00Z,
	EOF
	sfa-lead import -q gen.csv &&
	sfa-lead import -q extra.csv &&
	python3 oracle.py >all &&
	wc -l <all | tr -d " " >total &&
	test_eq 306 "$(cat total)" &&
	test_eq 306 "$(lead_count_git)"
'

# Each row: list options (evaluated by the shell), checked with check().
while IFS='|' read -r desc opts; do
	case $desc in
	'#'* | '') continue ;;
	esac
	desc=$(echo $desc)
	opts=$(echo "$opts" | sed -e 's/^ //' -e 's/ $//')
	test_expect_success "$desc: $opts" "
		check $opts
	"
done <<'EOF'
# description | list options
= on text, exact | --where city=London
= on an enum, any case | --where status=QUALIFIED
= on an integer | --where employees=200
!= holds for leads without the field | --where owner!=rep01
> on an integer is numeric | --where 'employees>200'
>=, < and <= (on created_at with a date) | --where 'employees>=20' --where 'employees<1000' --where 'created_at<=2025-06-30'
~ ignores case and accents | --where 'first_name~JOSE'
~ in Cyrillic, any case, ё as е | --where 'first_name~федор'
~ in CJK | --where 'notes~报价'
in on an integer | --where 'employees in 5,5000'
empty | --where 'owner='
every kind at once | --where 'employees>100' --where 'status in new,WORKING' --where 'city~o' --where 'title!=' --where 'last_name<M'
--status, --owner and --source take lists | --status new,working --owner rep01,rep02,rep03 --source web,partner,ads,referral
--since a date includes its first second | --since 2025-01-01
--until a date-time with an offset excludes it | --until 2025-01-01T05:30:00+05:30 --where 'status!=new'
--since 3m, --until 2w back from SFA_NOW | --since 3m --until 2w
--since 1y, --until 30d back from SFA_NOW | --since 1y --until 30d --where status=new
EOF

test_expect_success '> on employees compares numbers, not text (1000 > 200 > 50)' '
	sfa-lead list --where "employees>200" --fields employees >out &&
	python3 rows.py <out | sort -u >got &&
	printf "1000\n5000\n" >expect &&
	test_cmp expect got &&
	sfa-lead list --where "employees<200" --fields employees >out &&
	python3 rows.py <out | sort -n -u >got &&
	printf "5\n20\n50\n" >expect &&
	test_cmp expect got
'

test_expect_success '--since 12h: from exactly twelve hours before SFA_NOW' '
	sfa-lead list --since 12h --fields external_id >out &&
	python3 rows.py <out | sort >got &&
	printf "X3\nX4\n" >expect &&
	test_cmp expect got &&
	SFA_NOW=2026-01-01T00:00:01Z sfa-lead list --since 12h --fields external_id >out &&
	python3 rows.py <out >got &&
	echo X4 >expect &&
	test_cmp expect got
'

test_expect_success '--sort ascending or descending, missing values last' '
	check --sort owner &&
	tail -n 1 .actual >last &&
	echo "" >expect &&
	test_cmp expect last &&
	check --sort -owner &&
	head -n 1 .actual >first &&
	test_grep -x "rep[0-9][0-9]" first &&
	tail -n 1 .actual >last &&
	test_cmp expect last
'

test_expect_success '--sort on several fields, an integer first (numeric order)' '
	check --sort employees,-created_at &&
	head -n 1 .actual >first &&
	test_grep "^5," first &&
	check --sort -employees,last_name,created_at --where "status!=converted"
'

test_expect_success '--limit after --sort takes the first N' '
	check --sort -created_at --limit 7 &&
	test_line_count = 7 .actual &&
	check --sort employees,created_at --limit 1 --where "country=US"
'

test_expect_success 'every --format gives the same leads' '
	set -- --where "employees>=1000" --where "status in new,working" --sort created_at &&
	sfa-lead list "$@" --format csv --fields id >out.csv &&
	python3 rows.py <out.csv >ids.csv &&
	test_line_count -gt 5 ids.csv &&
	sfa-lead list "$@" --format ids >ids &&
	test_cmp ids.csv ids &&
	sfa-lead list "$@" --format json >out.json &&
	python3 -c "import json, sys; [print(r[\"id\"]) for r in json.load(open(sys.argv[1]))]" out.json >ids.json &&
	test_cmp ids ids.json &&
	sfa-lead list "$@" --format ndjson >out.ndjson &&
	python3 -c "import json, sys; [print(json.loads(l)[\"id\"]) for l in open(sys.argv[1])]" out.ndjson >ids.ndjson &&
	test_cmp ids ids.ndjson &&
	sfa-lead list "$@" --format table --fields id,employees,status >out.table &&
	tail -n +2 out.table | awk "{ print \$1 }" >ids.table &&
	test_cmp ids ids.table &&
	head -n 1 out.table >header &&
	test_grep "id *employees *status" header
'

test_expect_success 'json carries every field; --fields picks them; ndjson one lead a line' '
	sfa-lead list --where external_id=X3 --format json >x3.json &&
	python3 -c "
import json, sys
r = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert len(r) == 1, r
r = r[0]
assert r[\"employees\"] == 1000 and r[\"notes\"] == \"重要客户，需要报价\", r
assert r[\"company\"] == \"华为 有限公司\" and len(r[\"id\"]) == 12, r
" x3.json &&
	sfa-lead list --where "external_id in X1,X2,X3" --format ndjson --fields external_id,city >out &&
	test_line_count = 3 out &&
	python3 -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding=\"utf-8\")]
assert sorted(rows, key=lambda r: r[\"external_id\"]) == [
    {\"external_id\": \"X1\", \"city\": \"София\"}, {\"external_id\": \"X2\", \"city\": \"Zürich\"},
    {\"external_id\": \"X3\", \"city\": \"上海\"}], rows
" out
'

# Refused filters: exit 2 and the message naming what is wrong; a filter
# that matches nothing: exit 1. Nothing on stdout either way.
while IFS='|' read -r desc opts code re; do
	case $desc in
	'#'* | '') continue ;;
	esac
	desc=$(echo $desc)
	opts=$(echo "$opts" | sed -e 's/^ //' -e 's/ $//')
	code=$(echo $code)
	re=$(echo "$re" | sed -e 's/^ //')
	test_expect_success "$desc: $opts -> exit $code" '
		before=$(store_git rev-parse main) &&
		rc=0 &&
		eval "sfa-lead list $opts" >out 2>err || rc=$? &&
		cat err &&
		test_grep ! -e AddressSanitizer -e "runtime error:" err &&
		test_eq "$code" "$rc" &&
		if [ "$re" = - ]; then test ! -s err; else test_grep -E -e "$re" err; fi &&
		if [ "$code" -eq 2 ]; then test ! -s out; fi &&
		test_eq "$before" "$(store_git rev-parse main)"
	'
done <<'EOF'
# description | list options | exit | stderr ERE, or - for none
unknown field | --where nosuch=1 | 2 | unknown field 'nosuch'
unknown field in --sort | --sort -nosuch | 2 | nosuch
bad operator | --where 'city^London' | 2 | no operator after 'city'
no operator | --where city | 2 | city
not a number for an integer | --where 'employees>many' | 2 | employees.*many
not a value of the enum | --where status=open | 2 | 'open' is not one of
not a date | --where 'created_at<yesterday' | 2 | yesterday
bad --since | --since tomorrow | 2 | --since.*tomorrow
bad --limit | --limit -3 | 2 | --limit
no match | --where city=Atlantis | 1 | -
no match from two filters that each match | --where city=London --where country=JP | 1 | -
EOF

test_done
