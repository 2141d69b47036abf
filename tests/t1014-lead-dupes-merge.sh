#!/bin/sh
# sfa-lead dupes: groups by email, phone and similar names at one company,
# never across different addresses; merge: the survivor keeps its values,
# fills its gaps, others deleted and references repointed, one commit;
# import --dedupe skip|merge|flag|off.

. "$(dirname "$0")/lib.sh"

# group.py DUPES ID...: the group numbers of the ids in `dupes --format csv`
# output, one per line ("-" for an id in no group).
cat >group.py <<'EOF'
import csv, sys
groups = {r["id"]: r["group"] for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))}
for i in sys.argv[2:]:
    print(groups.get(i, "-"))
EOF

# row.py DUPES ID FIELD: one field of an id's row in `dupes --format csv`.
cat >row.py <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    if r["id"] == sys.argv[2]:
        print(r[sys.argv[3]])
        break
else:
    sys.exit("no row for %s" % sys.argv[2])
EOF

# field ID NAME: a field of a lead (or, with a third argument, of a record
# of that command: sfa-contact), "" when it has none.
field () {
	"${3:-sfa-lead}" show --format json "$1" >"$tmp/.show" || return 1
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))[0].get(sys.argv[2], "")
print(v if not isinstance(v, bool) else str(v).lower())
' "$tmp/.show" "$2"
}

# same_group DUPES ID ID...: all in one group; apart DUPES ID ID: not together.
same_group () {
	_f=$1
	shift
	python3 group.py "$_f" "$@" | sort -u >"$tmp/.groups"
	if [ "$(wc -l <"$tmp/.groups")" -ne 1 ] || grep -qx -- - "$tmp/.groups"; then
		say_ "same_group: $* are in groups: $(tr "\n" " " <"$tmp/.groups")"
		return 1
	fi
}

apart () {
	_a=$(python3 group.py "$1" "$2")
	_b=$(python3 group.py "$1" "$3")
	if [ "$_a" != - ] && [ "$_a" = "$_b" ]; then
		say_ "apart: $2 and $3 are both in group $_a"
		return 1
	fi
}

tree () {
	store_git rev-parse "main^{tree}"
}

test_expect_success 'setup' '
	sfa init -q
'

test_expect_success 'no leads: dupes finds no groups, exit 1' '
	test_must_fail --exit=1 sfa-lead dupes >out 2>err
	test_grep ! "^1," out
'

test_expect_success 'different people: exit 1, header only' '
	sfa-lead add first_name=Ann last_name=Lee company="Initech Ltd" email=ann@initech.example >/dev/null &&
	sfa-lead add first_name=Bob last_name=Ray company="Hooli" email=bob@hooli.example \
		phone="+1 212 555 0100" country=US >/dev/null &&
	test_must_fail --exit=1 sfa-lead dupes --format csv >out &&
	test_line_count = 1 out &&
	test_grep "^group,score,reason,id," out
'

test_expect_success 'setup: duplicates by email, phone and name' '
	# email: case, gmail dots and plus tags, googlemail
	sfa-lead add first_name=Carla last_name=Diaz email=Carla.Diaz@Example.COM >e1 &&
	sfa-lead add first_name=C last_name=Diaz email=carla.diaz@example.com >e2 &&
	sfa-lead add first_name=Søren last_name=Müller email=Søren.Müller@Bücher.example >u1 &&
	sfa-lead add first_name=S last_name=M email=SØREN.MÜLLER@BÜCHER.EXAMPLE >u2 &&
	sfa-lead add first_name=Jane last_name=Doe email=j.doe+crm@gmail.com >g1 &&
	sfa-lead add first_name=Jane last_name=Doe email=jdoe@googlemail.com >g2 &&
	sfa-lead add first_name=J last_name=D email=J.D.O.E@GMAIL.COM >g3 &&
	# dots and tags that do tell mailboxes apart
	sfa-lead add first_name=Kim last_name=Ode email=k.ode@outlook.com >o1 &&
	sfa-lead add first_name=Kim last_name=Ode email=kode@outlook.com >o2 &&
	sfa-lead add first_name=Lu last_name=Pei email=lu+sales@initech.example >p1 &&
	sfa-lead add first_name=Lu last_name=Pei email=lu@initech.example >p2 &&
	# phone: +CC, 00CC and the national form in the country of the lead
	sfa-lead add first_name=Mo last_name=Ali phone="+44 20 7946 0001" country=GB >ph1 &&
	sfa-lead add first_name=Mohammed last_name=Ali-Khan phone="020 7946 0001" country=gb >ph2 &&
	sfa-lead add first_name=Nia last_name=Obi phone="(212) 555-0147" country=US >us1 &&
	sfa-lead add first_name=N last_name=O phone="+1 212-555-0147" >us2 &&
	sfa-lead add first_name=Nia last_name=Obi mobile="001 212 555 0147" country=DE >us3 &&
	# a national number of another country is another number
	sfa-lead add first_name=Otto last_name=Lenz phone="030 1234 5678" country=DE >de1 &&
	sfa-lead add first_name=Ole last_name=Lund phone="030 1234 5678" country=NO >no1 &&
	# similar names at one company, written differently
	sfa-lead add first_name=Jon last_name=Smith company="Acme Inc." >n1 &&
	sfa-lead add first_name=John last_name=Smith company="ACME, Inc" >n2 &&
	# same name elsewhere is someone else
	sfa-lead add first_name=John last_name=Smith company="Globex LLC" >n3
'

test_expect_success 'dupes: exit 0, one row per lead of a group' '
	sfa-lead dupes --format csv >dupes.csv 2>err &&
	test ! -s err &&
	head -n 1 dupes.csv | tr -d "\r" >header &&
	echo group,score,reason,id,first_name,last_name,company,email,phone,created_at >expect &&
	test_cmp expect header &&
	cut -d, -f4 dupes.csv | sed 1d | sort >ids &&
	sort -u ids >ids.u &&
	test_cmp ids ids.u
'

test_expect_success 'email: case, gmail dots, plus tags and googlemail are one mailbox' '
	same_group dupes.csv "$(cat e1)" "$(cat e2)" &&
	same_group dupes.csv "$(cat u1)" "$(cat u2)" &&
	same_group dupes.csv "$(cat g1)" "$(cat g2)" "$(cat g3)" &&
	apart dupes.csv "$(cat e1)" "$(cat g1)" &&
	test_eq email "$(python3 row.py dupes.csv "$(cat e1)" reason)" &&
	test_eq 1.00 "$(python3 row.py dupes.csv "$(cat g1)" score)"
'

test_expect_success 'email: dots at outlook.com and plus tags at a company tell people apart' '
	test_eq - "$(python3 group.py dupes.csv "$(cat o1)")" &&
	test_eq - "$(python3 group.py dupes.csv "$(cat o2)")" &&
	test_eq - "$(python3 group.py dupes.csv "$(cat p1)")" &&
	test_eq - "$(python3 group.py dupes.csv "$(cat p2)")"
'

test_expect_success 'phone: national and +CC forms of one number, in the country of the lead' '
	same_group dupes.csv "$(cat ph1)" "$(cat ph2)" &&
	test_eq phone "$(python3 row.py dupes.csv "$(cat ph1)" reason)" &&
	test_eq 0.90 "$(python3 row.py dupes.csv "$(cat ph1)" score)" &&
	same_group dupes.csv "$(cat us1)" "$(cat us2)" "$(cat us3)" &&
	apart dupes.csv "$(cat ph1)" "$(cat us1)"
'

test_expect_success 'phone: the same national digits in two countries are two numbers' '
	test_eq - "$(python3 group.py dupes.csv "$(cat de1)")" &&
	test_eq - "$(python3 group.py dupes.csv "$(cat no1)")"
'

test_expect_success 'name: Jon/John Smith at Acme Inc./ACME, Inc, not at Globex' '
	same_group dupes.csv "$(cat n1)" "$(cat n2)" &&
	test_eq name+company "$(python3 row.py dupes.csv "$(cat n1)" reason)" &&
	s=$(python3 row.py dupes.csv "$(cat n1)" score) &&
	python3 -c "import sys; assert 0.92 <= float(sys.argv[1]) < 1, sys.argv[1]" "$s" &&
	test_eq - "$(python3 group.py dupes.csv "$(cat n3)")"
'

test_expect_success 'groups are numbered from 1, strongest first' '
	python3 - dupes.csv <<-\EOF
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
	groups = []
	for r in rows:
	    g = int(r["group"])
	    if not groups or groups[-1][0] != g:
	        groups.append((g, float(r["score"])))
	assert [g for g, s in groups] == list(range(1, len(groups) + 1)), groups
	scores = [s for g, s in groups]
	assert scores == sorted(scores, reverse=True), scores
	assert len(groups) == 6, groups
	EOF
'

test_expect_success 'setup: colleagues with one name, one switchboard, other addresses' '
	sfa-lead add first_name=Maria last_name=Lopez company="Initech Ltd" \
		email=maria.lopez@initech.example >c1 &&
	sfa-lead add first_name=Maria last_name=Lopez company="INITECH" \
		email=m.lopez@initech.example >c2 &&
	sfa-lead add first_name=Tom last_name=Baker company=Hooli email=t.baker@hooli.example \
		phone="+44 20 7000 1000" country=GB >s1 &&
	sfa-lead add first_name=Sue last_name=Baker company=Hooli email=s.baker@hooli.example \
		phone="020 7000 1000" country=GB >s2
'

test_expect_success 'different emails: same name and company, or one phone, are not grouped' '
	sfa-lead dupes --format csv >dupes2.csv &&
	test_eq - "$(python3 group.py dupes2.csv "$(cat c1)")" &&
	test_eq - "$(python3 group.py dupes2.csv "$(cat c2)")" &&
	test_eq - "$(python3 group.py dupes2.csv "$(cat s1)")" &&
	test_eq - "$(python3 group.py dupes2.csv "$(cat s2)")"
'

test_expect_success 'a lead without email that fits both does not join them' '
	sfa-lead add first_name=Maria last_name=Lopez company="Initech, Ltd." >c3 &&
	sfa-lead add first_name=Reception company=Hooli phone="+44 (0)20 7000 1000" >s3 &&
	sfa-lead dupes --format csv >dupes3.csv &&
	apart dupes3.csv "$(cat c1)" "$(cat c2)" &&
	apart dupes3.csv "$(cat s1)" "$(cat s2)" &&
	python3 - dupes3.csv <<-\EOF
	import csv, sys
	from collections import defaultdict
	mails = defaultdict(set)
	for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
	    if r["email"] and "gmail" not in r["email"].lower():
	        mails[r["group"]].add(r["email"].lower())
	bad = {g: m for g, m in mails.items() if len(m) > 1}
	assert not bad, bad
	EOF
'

test_expect_success '--threshold: stricter leaves out similar names, not emails or phones' '
	sfa-lead dupes --threshold 0.99 --format csv >strict.csv &&
	test_eq - "$(python3 group.py strict.csv "$(cat n1)")" &&
	same_group strict.csv "$(cat e1)" "$(cat e2)" &&
	same_group strict.csv "$(cat ph1)" "$(cat ph2)" &&
	sfa-lead dupes --threshold 0.7 --format csv >loose.csv &&
	same_group loose.csv "$(cat n1)" "$(cat n2)" &&
	sfa-lead dupes --threshold 1 --format csv >exact.csv &&
	test_eq - "$(python3 group.py exact.csv "$(cat n1)")"
'

test_expect_success '--threshold out of range or not a number: exit 2' '
	test_must_fail --exit=2 sfa-lead dupes --threshold 0 2>err &&
	test_grep threshold err &&
	test_must_fail --exit=2 sfa-lead dupes --threshold 1.5 2>err &&
	test_must_fail --exit=2 sfa-lead dupes --threshold high 2>err &&
	test_must_fail --exit=2 sfa-lead dupes --threshold= 2>err &&
	test_must_fail --exit=2 sfa-lead dupes extra 2>err
'

test_expect_success 'dupes --format ndjson carries group, score and reason' '
	sfa-lead dupes --format ndjson >dupes.ndjson &&
	python3 - dupes.ndjson "$(cat ph2)" <<-\EOF
	import json, sys
	rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
	r = [r for r in rows if r["id"] == sys.argv[2]]
	assert len(r) == 1, r
	r = r[0]
	assert r["reason"] == "phone" and r["score"] == "0.90", r
	assert r["first_name"] == "Mohammed" and r["country"] == "gb", r
	assert isinstance(r["group"], int), r
	EOF
'

test_expect_success 'dupes writes nothing' '
	before=$(commit_count) && t=$(tree) &&
	sfa-lead dupes >out &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

# --- merge -------------------------------------------------------------------

SFA_STORE=$tmp/merge-store

test_expect_success 'setup: a person entered three times, referred to by others' '
	sfa init -q &&
	sfa-lead add first_name=John last_name=Smith company="Acme Inc." \
		email=john.smith@acme.example phone="+44 20 7946 0101" country=GB \
		title=CEO created_at=2025-01-02T03:04:05Z >S &&
	sfa-lead add first_name=Jon last_name=Smith company="ACME, Inc" phone="020 7946 0101" \
		country=GB city=London title=Buyer notes="met at fair" >O1 &&
	sfa-lead add first_name=John last_name=Smith email=JOHN.SMITH@ACME.EXAMPLE industry=retail \
		title="Chief Executive" employees=250 >O2 &&
	sfa-lead add first_name=Other last_name=Person email=other@globex.example >X &&
	sfa-contact add first_name=Jon last_name=Smith lead="$(cat O1)" >C &&
	sfa-account add name="Acme Inc." source_lead="$(cat O2)" >A &&
	sfa-lead dupes --format csv >before.csv &&
	same_group before.csv "$(cat S)" "$(cat O1)" "$(cat O2)"
'

test_expect_success 'merge into itself: exit 3, store unchanged' '
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" "$(cat S)" >out 2>err &&
	test_grep "itself" err &&
	test ! -s out &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)" &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" "$(cat O1)" "$(cat S)" 2>err &&
	test_grep "itself" err &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'merge with an unknown id: exit 3, store unchanged' '
	before=$(commit_count) && t=$(tree) &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" 0000000000zz 2>err &&
	test_grep 0000000000zz err &&
	test_must_fail --exit=3 sfa-lead merge 0000000000zz "$(cat S)" 2>err &&
	test_grep 0000000000zz err &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" "$(cat O1)" 0000000000zz 2>err &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" "$(cat C)" 2>err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'merge naming a lead twice: exit 3; no other: exit 2' '
	t=$(tree) &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" "$(cat O1)" "$(cat O1)" 2>err &&
	test_grep twice err &&
	test_must_fail --exit=2 sfa-lead merge "$(cat S)" 2>err &&
	test_must_fail --exit=2 sfa-lead merge 2>err &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'merge SURVIVOR OTHER...: one commit, survivor printed, conflicts on stderr' '
	before=$(commit_count) &&
	sfa-lead merge "$(cat S)" "$(cat O1)" "$(cat O2)" >out 2>err &&
	cat S >expect &&
	test_cmp expect out &&
	test_eq $((before + 1)) "$(commit_count)" &&
	test_grep -F "first_name: '\''John'\'' kept, '\''Jon'\'' ($(cat O1)) dropped" err &&
	test_grep -F "title: '\''CEO'\'' kept, '\''Buyer'\'' ($(cat O1)) dropped" err &&
	test_grep -F "title: '\''CEO'\'' kept, '\''Chief Executive'\'' ($(cat O2)) dropped" err &&
	test_grep -F "company: '\''Acme Inc.'\'' kept, '\''ACME, Inc'\'' ($(cat O1)) dropped" err &&
	test_grep ! "^city" err &&
	test_grep ! "^last_name" err
'

test_expect_success 'the commit message names the leads and lists the conflicts' '
	store_git log -1 --format=%B main >msg &&
	test_grep -F "merge 2 leads into $(cat S)" msg &&
	test_grep -F "$(cat O1)" msg &&
	test_grep -F "$(cat O2)" msg &&
	test_grep -F "title: '\''CEO'\'' kept, '\''Buyer'\'' ($(cat O1)) dropped" msg &&
	test_grep -F "phone: '\''+44 20 7946 0101'\'' kept, '\''020 7946 0101'\'' ($(cat O1)) dropped" msg &&
	test_grep -F "email: '\''john.smith@acme.example'\'' kept" msg
'

test_expect_success 'the survivor keeps its values and fills its empty fields' '
	S=$(cat S) &&
	test_eq John "$(field "$S" first_name)" &&
	test_eq CEO "$(field "$S" title)" &&
	test_eq "Acme Inc." "$(field "$S" company)" &&
	test_eq john.smith@acme.example "$(field "$S" email)" &&
	test_eq "+44 20 7946 0101" "$(field "$S" phone)" &&
	test_eq 2025-01-02T03:04:05Z "$(field "$S" created_at)" &&
	test_eq London "$(field "$S" city)" &&
	test_eq "met at fair" "$(field "$S" notes)" &&
	test_eq retail "$(field "$S" industry)" &&
	test_eq 250 "$(field "$S" employees)" &&
	test_eq "$(cat O1),$(cat O2)" "$(field "$S" merged_from)"
'

test_expect_success 'the others are gone from the list and the tree' '
	test_must_fail --exit=1 sfa-lead show "$(cat O1)" 2>err &&
	test_must_fail --exit=1 sfa-lead show "$(cat O2)" 2>err &&
	sfa-lead list --format ids | sort >ids &&
	sort S X >expect &&
	test_cmp expect ids &&
	test_eq 2 "$(lead_count_git)" &&
	test_must_fail git --git-dir="$SFA_STORE" cat-file -e "main:$(lead_path "$(cat O1)")" &&
	store_git cat-file -e "main~1:$(lead_path "$(cat O1)")"
'

test_expect_success 'records referring to a merged lead now refer to the survivor' '
	test_eq "$(cat S)" "$(field "$(cat C)" lead sfa-contact)" &&
	test_eq "$(cat S)" "$(field "$(cat A)" source_lead sfa-account)" &&
	store_git diff-tree -r --name-status --no-commit-id main | sort >changes &&
	{
		printf "D\t%s\n" "$(lead_path "$(cat O1)")" "$(lead_path "$(cat O2)")"
		printf "M\t%s\n" "$(lead_path "$(cat S)")"
		printf "M\taccounts/%s/%s.json\n" "$(cut -c1-2 A)" "$(cat A)"
		printf "M\tcontacts/%s/%s.json\n" "$(cut -c1-2 C)" "$(cat C)"
	} | sort >expect &&
	test_cmp expect changes
'

test_expect_success 'no duplicates left; merging a merged lead again: exit 3' '
	test_must_fail --exit=1 sfa-lead dupes >out &&
	t=$(tree) &&
	test_must_fail --exit=3 sfa-lead merge "$(cat S)" "$(cat O1)" 2>err &&
	test_eq "$t" "$(tree)"
'

test_expect_success 'merging one lead: merged_from is its id, kept as it is' '
	sfa-lead add first_name=Pat email=pat@initech.example >P1 &&
	sfa-lead add first_name=Patrick email=PAT@initech.example city=Rome >P2 &&
	sfa-lead merge "$(cat P1)" "$(cat P2)" >out 2>err &&
	test_eq "$(cat P2)" "$(field "$(cat P1)" merged_from)" &&
	test_eq Rome "$(field "$(cat P1)" city)" &&
	test_eq Pat "$(field "$(cat P1)" first_name)" &&
	store_git diff-tree -r --name-status --no-commit-id main >changes &&
	test_line_count = 2 changes
'

test_expect_success 'a later merge adds to merged_from' '
	sfa-lead add first_name=Johnny last_name=Smith email=john.smith@acme.example city=Leeds >O3 &&
	sfa-lead merge "$(cat S)" "$(cat O3)" >out 2>err &&
	test_eq "$(cat O3),$(cat O1),$(cat O2)" "$(field "$(cat S)" merged_from)" &&
	test_eq London "$(field "$(cat S)" city)" &&
	test_grep -F "city: '\''London'\'' kept, '\''Leeds'\'' ($(cat O3)) dropped" err
'

test_expect_success 'the merge store passes git fsck' '
	store_git fsck --strict --no-dangling
'

# --- import --dedupe -----------------------------------------------------------

SFA_STORE=$tmp/import-store

test_expect_success 'setup: four known people' '
	sfa init -q &&
	cat >known.csv <<-\EOF &&
	external_id,first_name,last_name,company,email,phone,country,city
	A1,John,Smith,Acme Inc.,john.smith@acme.example,+44 20 7946 0001,GB,
	A2,Maria,Garcia,Globex LLC,maria@globex.example,,ES,Madrid
	A3,Wei,Wang,Initech Ltd,,+86 21 5555 0101,CN,
	A4,Anna,Berg,Hooli,anna@hooli.example,,SE,Malmo
	EOF
	sfa-lead import known.csv 2>err &&
	test_grep "4 added" err &&
	for e in A1 A2 A3 A4; do
		sfa-lead list --where external_id=$e --format ids >$e.id || return 1
	done &&
	cp -R "$SFA_STORE" "$tmp/known-store" &&
	# known people again, one person twice, a namesake with another address
	cat >again.csv <<-\EOF
	external_id,first_name,last_name,company,email,phone,country,city,title
	B1,John,Smith,Acme Inc.,JOHN.SMITH@ACME.EXAMPLE,+44 20 7946 9999,GB,,CEO
	B2,Wei,Wang,Initech,,021 5555 0101,CN,Shanghai,
	B3,Marla,Garcia,GLOBEX,,,ES,Sevilla,Buyer
	B4,New,Person,Hooli,new@hooli.example,,US,,
	B5,New,Person,Hooli,NEW@hooli.example,,US,Austin,CTO
	B6,Anna,Berg,Hooli,anna.berg@hooli.example,,SE,,
	EOF
'

# fresh_store: the store as it was after the first import.
fresh_store () {
	rm -rf "$SFA_STORE" && cp -R "$tmp/known-store" "$SFA_STORE"
}

count_leads () {
	sfa-lead list --format ids | wc -l
}

test_expect_success '--dedupe=skip: known people and repeats are skipped, counted' '
	fresh_store &&
	before=$(commit_count) &&
	sfa-lead import --dedupe=skip again.csv 2>err &&
	test_grep "2 added" err &&
	test_grep "duplicates: 4 skipped, 0 merged, 0 flagged" err &&
	test_eq $((before + 1)) "$(commit_count)" &&
	store_git log -1 --format=%B main >msg &&
	test_grep "duplicates: 4 skipped, 0 merged, 0 flagged" msg &&
	test_eq 6 "$(count_leads)" &&
	sfa-lead list --where external_id=B4 --format ids >B4.id &&
	sfa-lead list --where external_id=B6 --format ids >B6.id &&
	for e in B1 B2 B3 B5; do
		test_must_fail --exit=1 sfa-lead list --where external_id=$e >out || return 1
	done &&
	test_eq "" "$(field "$(cat A1.id)" title)" &&
	test_eq "" "$(field "$(cat A3.id)" city)"
'

test_expect_success '--dedupe=merge: only the empty fields of the known record are filled' '
	fresh_store &&
	sfa-lead import --dedupe=merge again.csv 2>err &&
	test_grep "2 added" err &&
	test_grep "duplicates: 0 skipped, 4 merged, 0 flagged" err &&
	store_git log -1 --format=%B main >msg &&
	test_grep "duplicates: 0 skipped, 4 merged, 0 flagged" msg &&
	test_eq 6 "$(count_leads)" &&
	A1=$(cat A1.id) A2=$(cat A2.id) A3=$(cat A3.id) &&
	test_eq CEO "$(field "$A1" title)" &&
	test_eq "+44 20 7946 0001" "$(field "$A1" phone)" &&
	test_eq john.smith@acme.example "$(field "$A1" email)" &&
	test_eq A1 "$(field "$A1" external_id)" &&
	test_eq Shanghai "$(field "$A3" city)" &&
	test_eq "+86 21 5555 0101" "$(field "$A3" phone)" &&
	test_eq "Initech Ltd" "$(field "$A3" company)" &&
	test_eq Buyer "$(field "$A2" title)" &&
	test_eq Maria "$(field "$A2" first_name)" &&
	test_eq Madrid "$(field "$A2" city)" &&
	B4=$(sfa-lead list --where external_id=B4 --format ids) &&
	test_eq Austin "$(field "$B4" city)" &&
	test_eq CTO "$(field "$B4" title)" &&
	test_eq new@hooli.example "$(field "$B4" email)" &&
	sfa-lead list --where external_id=B6 --format ids >/dev/null &&
	test_eq "" "$(field "$(cat A4.id)" title)"
'

test_expect_success '--dedupe=flag: all added, duplicates point at what they repeat' '
	fresh_store &&
	sfa-lead import --dedupe=flag again.csv 2>err &&
	test_grep "6 added" err &&
	test_grep "duplicates: 0 skipped, 0 merged, 4 flagged" err &&
	test_eq 10 "$(count_leads)" &&
	for pair in B1:A1 B2:A3 B3:A2; do
		id=$(sfa-lead list --where external_id=${pair%:*} --format ids) &&
		test_eq "$(cat ${pair#*:}.id)" "$(field "$id" duplicate_of)" || return 1
	done &&
	B4=$(sfa-lead list --where external_id=B4 --format ids) &&
	B5=$(sfa-lead list --where external_id=B5 --format ids) &&
	B6=$(sfa-lead list --where external_id=B6 --format ids) &&
	test_eq "$B4" "$(field "$B5" duplicate_of)" &&
	test_eq "" "$(field "$B4" duplicate_of)" &&
	test_eq "" "$(field "$B6" duplicate_of)" &&
	test_eq "" "$(field "$(cat A1.id)" title)"
'

test_expect_success '--dedupe=off (the default): everything is added' '
	fresh_store &&
	sfa-lead import --dedupe=off again.csv 2>err &&
	test_grep "6 added" err &&
	test_grep ! duplicates err &&
	test_eq 10 "$(count_leads)" &&
	sfa-lead list --format json >all.json &&
	python3 -c "
import json, sys
assert not [r for r in json.load(open(sys.argv[1])) if \"duplicate_of\" in r]
" all.json &&
	fresh_store &&
	sfa-lead import again.csv 2>err &&
	test_grep "6 added" err &&
	test_eq 10 "$(count_leads)"
'

test_expect_success '--dedupe with a dry run counts and writes nothing' '
	fresh_store &&
	before=$(commit_count) && t=$(tree) &&
	sfa-lead import -n --dedupe=skip again.csv 2>err &&
	test_grep "duplicates: 4 skipped" err &&
	test_eq "$before" "$(commit_count)" &&
	test_eq "$t" "$(tree)"
'

test_expect_success '--dedupe with an unknown mode: exit 2, nothing written' '
	fresh_store &&
	t=$(tree) &&
	test_must_fail --exit=2 sfa-lead import --dedupe=maybe again.csv 2>err &&
	test_grep maybe err &&
	test_eq "$t" "$(tree)"
'

test_done
