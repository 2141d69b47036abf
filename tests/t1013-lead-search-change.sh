#!/bin/sh
# sfa-lead search (full text in any script, prefixes, with filters) and the
# verbs that change stored leads: set (ids as arguments, ids or records on
# stdin), delete, qualify, disqualify; all-or-nothing on bad ids and values.

. "$(dirname "$0")/lib.sh"

cat >people.csv <<'EOF'
external_id,first_name,last_name,company,email,status,city,employees,notes
S1,Иван,Петров,Софтуер ООД,ivan.petrov@softuer.example,new,София,20,Иска оферта до петък
S2,José,García,"Acme, Inc.",jose.garcia@acme.example,working,Madrid,200,Wants a demo
S3,伟,张,华为 有限公司,wei@huawei.example,new,上海,5000,重要客户，需要报价
S4,Dmitri,Ivanov,Globex,dmitri@globex.example,qualified,Москва,50,Call back after 3pm
S5,Anna,Smith,Initech,anna@initech.example,new,Austin,5,Asked for a quote about pumps
S6,Jose,Silva,Hooli,js@hooli.example,new,Lisboa,1000,
S7,Zoë,Dubois,Umbrella,zoe@umbrella.example,converted,Lyon,20,Prefers email; no calls
S8,Dmitry,Smirnov,Kestrel,dsmirnov@kestrel.example,new,Oslo,50,Met Иван at the fair
S9,Hélène,Durand,Orchid,helene@orchid.example,working,Paris,200,Budget approved
EOF

# ext ID...: the external_ids of the leads with these ids (or of the ids
# on stdin when none are given), one a line, in the order given.
ext () {
	if [ $# -eq 0 ]; then
		set -- $(cat)
	fi
	for _id in "$@"; do
		sfa-lead list --where "id=$_id" --fields external_id | sed -n 2p | tr -d "\r" || return 1
	done
}

# id EXTERNAL_ID: the id of that lead.
id () {
	sfa-lead list --where "external_id=$1" --format ids
}

# unchanged BEFORE: main still points at BEFORE
unchanged () {
	test_eq "$1" "$(store_git rev-parse main)"
}

# record ID: the stored file of the lead on main.
record () {
	store_git show "main:$(lead_path "$1")"
}

test_expect_success 'setup' '
	sfa init -q &&
	sfa-lead import -q people.csv &&
	test_eq 9 "$(lead_count_git)"
'

# Each row: search words (and options), and the external_ids found, in
# any order; or "exit N".
while IFS='|' read -r desc words want; do
	case $desc in
	'#'* | '') continue ;;
	esac
	desc=$(echo $desc)
	words=$(echo "$words" | sed -e 's/^ //' -e 's/ $//')
	want=$(echo $want)
	test_expect_success "search $desc: $words -> $want" '
		rc=0 &&
		eval "sfa-lead search $words --fields external_id" >out 2>err || rc=$? &&
		cat err &&
		case "$want" in
		exit*)
			test_eq "${want#exit }" "$rc" ;;
		*)
			test_eq 0 "$rc" &&
			tail -n +2 out | tr -d "\r" | sort >got &&
			printf "%s\n" $want | sort >expect &&
			test_cmp expect got ;;
		esac
	'
done <<'EOF'
# description | words and options | external_ids, or exit N
in Cyrillic, names and notes, any case | иВАН | S1 S8
in CJK, inside a run of characters | 报价 | S3
without the accent | jose | S2 S6
a prefix | Dmit | S4 S8
an email | dsmirnov | S8
all words must match | jose garcia | S2
with --where | Dmit --where status=qualified | S4
with --status and --where | jose --status new,working --where 'employees>=1000' | S6
a field not searched (city) | Москва | exit 1
no hit | Pinguin | exit 1
no words | | exit 2
only punctuation | '!!!' | exit 2
EOF

test_expect_success 'search --sort orders as asked; --format ids' '
	sfa-lead search Dmit --sort -first_name --fields external_id,first_name >out &&
	printf "external_id,first_name\nS8,Dmitry\nS4,Dmitri\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	sfa-lead search Dmit --sort first_name --format ids >ids &&
	ext <ids >got &&
	printf "S4\nS8\n" >expect &&
	test_cmp expect got
'

test_expect_success 'set ID PREFIX field=value: both leads, one commit naming it' '
	before=$(commit_count) &&
	s1=$(id S1) && s2=$(id S2) &&
	sfa-lead set "$s1" "$(printf %s "$s2" | cut -c1-6)" owner=rep07 employees=75 2>err &&
	test_grep "changed 2 leads" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-lead: set owner=rep07, employees=75 on 2 leads" >expect &&
	test_cmp expect msg &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	printf "%s\n%s\n" "$(lead_path "$s1")" "$(lead_path "$s2")" | sort >expect &&
	test_cmp expect changed &&
	record "$s1" >rec &&
	test_grep -Ex "  \"employees\": 75,?" rec &&
	test_grep -Ex "  \"owner\": \"rep07\",?" rec
'

test_expect_success 'list --format ids | set status=working: every listed lead, one commit' '
	sfa-lead list --status new --format ids >new-ids &&
	n=$(wc -l <new-ids) &&
	test "$n" -ge 3 &&
	sfa-lead list --where "status!=new" --fields external_id,status >others.before &&
	before=$(commit_count) &&
	sfa-lead list --status new --format ids | sfa-lead set status=working 2>err &&
	test_grep "changed $n leads" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-lead: set status=working on $n leads" >expect &&
	test_cmp expect msg &&
	store_git diff-tree -r --name-only --no-commit-id main >changed &&
	test_line_count = "$n" changed &&
	test_must_fail --exit=1 sfa-lead list --status new >out &&
	for i in $(cat new-ids); do
		record "$i" >rec &&
		test_grep -Ex "  \"status\": \"working\",?" rec || exit 1
	done &&
	test_must_fail --exit=1 sfa-lead list --where "id in $(paste -sd, new-ids)" --where "status!=working"
'

test_expect_success 'set with CSV records on stdin: each lead its own values' '
	s3=$(id S3) && s4=$(id S4) &&
	before=$(commit_count) &&
	printf "id,owner,employees\n%s,rep01,10\n%s,rep02,20\n" "$s3" "$s4" | sfa-lead set 2>err &&
	test_grep "changed 2 leads" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-lead: set fields from stdin on 2 leads" >expect &&
	test_cmp expect msg &&
	sfa-lead list --where "external_id in S3,S4" --sort external_id --fields external_id,owner,employees >out &&
	printf "external_id,owner,employees\nS3,rep01,10\nS4,rep02,20\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf
'

test_expect_success 'set with NDJSON on stdin: null removes a field' '
	s3=$(id S3) &&
	printf "{\"id\": \"%s\", \"employees\": null, \"title\": \"CTO\"}\n" "$s3" | sfa-lead set &&
	record "$s3" >rec &&
	test_grep ! "\"employees\"" rec &&
	test_grep -Ex "  \"title\": \"CTO\",?" rec
'

test_expect_success 'set field=: the field is removed; message says so' '
	s1=$(id S1) &&
	sfa-lead set "$s1" owner= 2>err &&
	test_grep "changed 1 lead" err &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-lead: set owner= on 1 lead" >expect &&
	test_cmp expect msg &&
	record "$s1" >rec &&
	test_grep ! "\"owner\"" rec &&
	test_grep -Ex "  \"employees\": 75,?" rec
'

test_expect_success 'set that changes nothing makes no commit' '
	s1=$(id S1) &&
	before=$(store_git rev-parse main) &&
	sfa-lead set "$s1" first_name=Иван 2>err &&
	test_grep "changed 0 leads" err &&
	unchanged "$before"
'

test_expect_success 'search sees changes made by set' '
	s5=$(id S5) &&
	sfa-lead set "$s5" notes="Needs 报价 by Friday" &&
	sfa-lead search 报价 --fields external_id >out &&
	tail -n +2 out | tr -d "\r" | sort >got &&
	printf "S3\nS5\n" >expect &&
	test_cmp expect got &&
	test_must_fail --exit=1 sfa-lead search pumps
'

test_expect_success 'qualify: status qualified, one commit' '
	s8=$(id S8) && s9=$(id S9) &&
	before=$(commit_count) &&
	sfa-lead qualify "$s8" "$s9" 2>err &&
	test_grep "qualified 2 leads" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-lead: qualify 2 leads" >expect &&
	test_cmp expect msg &&
	sfa-lead list --where "external_id in S8,S9" --fields status >out &&
	tail -n +2 out | tr -d "\r" | sort -u >got &&
	echo qualified >expect &&
	test_cmp expect got
'

test_expect_success 'disqualify --reason: status and reason stored; qualify drops the reason' '
	s8=$(id S8) &&
	sfa-lead disqualify --reason "no budget, maybe 2027" "$s8" 2>err &&
	test_grep "disqualified 1 lead" err &&
	store_git log -1 --format=%s main >msg &&
	test_grep -F "no budget, maybe 2027" msg &&
	test_grep -F "1 lead" msg &&
	sfa-lead list --where external_id=S8 --fields status,disqualified_reason >out &&
	printf "status,disqualified_reason\ndisqualified,\"no budget, maybe 2027\"\n" >expect &&
	tr -d "\r" <out >out.lf &&
	test_cmp expect out.lf &&
	sfa-lead qualify "$s8" &&
	record "$s8" >rec &&
	test_grep -Ex "  \"status\": \"qualified\",?" rec &&
	test_grep ! disqualified_reason rec
'

test_expect_success 'disqualify without a reason: exit 2, nothing written' '
	s9=$(id S9) &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=2 sfa-lead disqualify "$s9" 2>err &&
	test_grep -e "--reason" err &&
	test_must_fail --exit=2 sfa-lead disqualify --reason "" "$s9" 2>err &&
	test_grep -e "--reason" err &&
	unchanged "$before"
'

test_expect_success 'a converted lead is refused by qualify and disqualify, with the others' '
	s7=$(id S7) && s9=$(id S9) &&
	before=$(store_git rev-parse main) &&
	test_must_fail --exit=3 sfa-lead disqualify --reason spam "$s9" "$s7" 2>err &&
	test_grep "$s7" err &&
	test_grep converted err &&
	test_must_fail --exit=3 sfa-lead qualify "$s7" 2>err &&
	test_grep converted err &&
	unchanged "$before" &&
	record "$s9" >rec &&
	test_grep -Ex "  \"status\": \"qualified\",?" rec
'

test_expect_success 'delete: gone from list, show, search and the tree, one commit' '
	s6=$(id S6) &&
	echo "$s6" >deleted-id &&
	path=$(lead_path "$s6") &&
	before=$(commit_count) &&
	sfa-lead delete "$s6" 2>err &&
	test_grep "deleted 1 lead" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%s main >msg &&
	echo "sfa-lead: delete 1 lead" >expect &&
	test_cmp expect msg &&
	store_git diff-tree -r --name-status --no-commit-id main >changed &&
	printf "D\t%s\n" "$path" >expect &&
	test_cmp expect changed &&
	test_must_fail --exit=1 sfa-lead list --where external_id=S6 &&
	test_must_fail sfa-lead show "$s6" &&
	sfa-lead search jose --fields external_id >out &&
	tail -n +2 out | tr -d "\r" >got &&
	echo S2 >expect &&
	test_cmp expect got &&
	test_eq 8 "$(lead_count_git)"
'

test_expect_success 'a deleted lead stays in history: git and sfa log ID' '
	s6=$(cat deleted-id) &&
	path=$(lead_path "$s6") &&
	store_git log --format=%s main -- "$path" >hist &&
	test_line_count = 3 hist &&
	test_grep "delete 1 lead" hist &&
	test_grep "set status=working" hist &&
	test_grep "import 9 leads" hist &&
	store_git show "main~1:$path" >old &&
	test_grep -Ex "  \"first_name\": \"Jose\",?" old &&
	sfa log "$s6" >log &&
	test_grep "delete 1 lead" log &&
	test_grep "import 9 leads" log &&
	test_grep -F "+first_name: Jose" log &&
	test_grep -F "removed" log
'

test_expect_success 'delete with ids on stdin' '
	s5=$(id S5) && s9=$(id S9) &&
	printf "%s\n%s\n" "$s5" "$s9" | sfa-lead delete 2>err &&
	test_grep "deleted 2 leads" err &&
	test_eq 6 "$(lead_count_git)" &&
	test_must_fail --exit=1 sfa-lead list --where "external_id in S5,S9"
'

test_expect_success 'setup: two leads whose ids share a prefix (written with plain git)' '
	printf "{\n  \"first_name\": \"Twin\",\n  \"id\": \"abcd00000001\",\n  \"status\": \"new\"\n}\n" >t1.json &&
	printf "{\n  \"first_name\": \"Twain\",\n  \"id\": \"abcd00000002\",\n  \"status\": \"new\"\n}\n" >t2.json &&
	store_write_raw "two twins" "$(lead_path abcd00000001)" t1.json "$(lead_path abcd00000002)" t2.json &&
	sfa-lead list --where "first_name~tw" --format ids >ids &&
	printf "abcd00000001\nabcd00000002\n" >expect &&
	sort ids >got &&
	test_cmp expect got
'

# Refused changes: each row runs sfa-lead with the arguments (stdin from
# the file "in" the row writes with printf, $ID... expanded); exit 3 and
# nothing written, though every other lead named was good.
while IFS='|' read -r desc input args re; do
	case $desc in
	'#'* | '') continue ;;
	esac
	desc=$(echo $desc)
	input=$(echo "$input" | sed -e 's/^ //' -e 's/ $//')
	args=$(echo "$args" | sed -e 's/^ //' -e 's/ $//')
	re=$(echo "$re" | sed -e 's/^ //')
	test_expect_success "refused: $desc -> exit 3, nothing written" '
		S1=$(id S1) && S2=$(id S2) && S3=$(id S3) && S4=$(id S4) && S7=$(id S7) && S8=$(id S8) &&
		ALL=$(sfa-lead list --format ids | tr "\n" " ") &&
		printf "$(printf %s "$input" | sed -e "s/\$S1/$S1/g" -e "s/\$S2/$S2/g" -e "s/\$S3/$S3/g" \
			-e "s/\$S4/$S4/g" -e "s/\$S8/$S8/g")" >in &&
		before=$(store_git rev-parse main) &&
		tree=$(store_git rev-parse "main^{tree}") &&
		rc=0 &&
		eval "sfa-lead $args" <in >out 2>err || rc=$? &&
		cat err &&
		test_grep ! -e AddressSanitizer -e "runtime error:" err &&
		test_eq 3 "$rc" &&
		test_grep -E -e "$re" err &&
		test ! -s out &&
		unchanged "$before" &&
		test_eq "$tree" "$(store_git rev-parse "main^{tree}")"
	'
done <<'EOF'
# description | stdin (printf format) | sfa-lead arguments | stderr ERE
set: an unknown id after good ones | | set $ALL 0000000000zz owner=rep09 | no lead '0000000000zz'
set: an unknown id on the last stdin line | $S1\n$S2\n$S3\n0000000000zz\n | set owner=rep09 | stdin:4:.*0000000000zz
set: an ambiguous prefix | | set $S1 abcd owner=rep09 | prefix 'abcd' is ambiguous
delete: an ambiguous prefix after good ids | | delete $S1 $S2 abcd0 | 'abcd0' is ambiguous
qualify: an unknown id | | qualify $S2 zzzzzzzzzzzz | zzzzzzzzzzzz
set: a bad value for every lead | | set $ALL employees=many | field 'employees': not a whole number: 'many'
set: the last of many CSV records bad | id,employees\n$S1,1\n$S2,2\n$S3,3\n$S4,4\n$S8,lots\n | set | stdin:6:.*field 'employees'.*lots
set: the last NDJSON record bad | {"id": "$S1", "email": "a@example.com"}\n{"id": "$S2", "email": "b@"}\n | set | stdin:2:.*field 'email'
set: a record without an id | id,owner\n$S1,rep01\n,rep02\n | set | stdin:3
EOF

test_expect_success 'set without fields or without ids is a usage error' '
	before=$(store_git rev-parse main) &&
	s1=$(id S1) &&
	test_must_fail --exit=2 sfa-lead set "$s1" 2>err &&
	test_grep "nothing to set" err &&
	test_must_fail --exit=2 sfa-lead set status=new </dev/null 2>err &&
	test_grep "no leads given" err &&
	test_must_fail --exit=2 sfa-lead delete </dev/null 2>err &&
	unchanged "$before"
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
