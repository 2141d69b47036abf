#!/bin/sh
# sfa-lead convert: account, contact and opportunity made or matched;
# sfa-account and sfa-contact: add, import, list, show, set, delete,
# parent accounts and the account timeline.

. "$(dirname "$0")/lib.sh"

SFA_NOW=2026-03-10T12:00:00Z
export SFA_NOW

# check-fields.py FILE FIELD=VALUE... FIELD=-: FILE is one JSON record (a
# record file from git) with exactly these values; "-" means absent.
cat >check-fields.py <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1], encoding="utf-8"))
for arg in sys.argv[2:]:
    k, v = arg.split("=", 1)
    if v == "-":
        assert k not in rec, "%s: expected no value, got %r" % (k, rec[k])
    else:
        assert rec.get(k) == v, "%s: expected %r, got %r" % (k, v, rec.get(k))
EOF

in_store () {
	SFA_STORE=$tmp/$1
	export SFA_STORE
}

# rec_path DIR ID: the path of a record file in the store's tree.
rec_path () {
	printf '%s/%s/%s.json\n' "$1" "$(printf '%s' "$2" | cut -c1-2)" "$2"
}

# show_rec DIR ID FILE: the record file from main into FILE.
show_rec () {
	store_git show "main:$(rec_path "$1" "$2")" >"$3"
}

# count_of CMD: the number of records `CMD list` prints (0 when none).
count_of () {
	"$1" list --format ids >"$tmp/.ids" || [ $? -eq 1 ]
	wc -l <"$tmp/.ids"
}

# col N FILE: column N of the one data row of CSV FILE (no quoted commas).
col () {
	tr -d "\r" <"$2" | sed -n 2p | cut -d, -f"$1"
}

ext_id () {
	sfa-lead list --where "external_id=$1" --format ids
}

test_expect_success 'setup' '
	sfa init -q
	SFA_NOW=2026-01-05T10:00:00Z sfa-lead add first_name=Ada last_name=Lovelace \
		company="Acme Inc." email=ada@acme.example phone="+49 30 1234567" \
		title=CTO industry=software country=DE >ada
	is_id "$(cat ada)"
'

test_expect_success 'convert makes an account and a contact, and marks the lead' '
	ada=$(cat ada)
	before=$(commit_count)
	SFA_NOW=2026-02-01T10:00:00Z sfa-lead convert "$ada" >out 2>err
	test_eq $((before + 1)) "$(commit_count)"
	tr -d "\r" <out | head -n 1 >header
	echo lead,account,contact,opportunity >expect
	test_cmp expect header
	test_eq "$ada" "$(col 1 out)"
	acc=$(col 2 out)
	con=$(col 3 out)
	is_id "$acc"
	is_id "$con"
	test_eq "" "$(col 4 out)"
	echo "$acc" >acme
	echo "$con" >ada-contact
	store_git diff-tree -r --name-status --no-commit-id main >changes
	printf "A\t%s\nA\t%s\nM\t%s\n" "$(rec_path accounts "$acc")" \
		"$(rec_path contacts "$con")" "$(lead_path "$ada")" >expect
	test_cmp expect changes
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa-lead: convert lead $ada: new account $acc, new contact $con" msg
'

test_expect_success 'the account takes its name from the company, its domain from the email' '
	acc=$(cat acme)
	show_rec accounts "$acc" rec
	python3 check-fields.py rec name="Acme Inc." domain=acme.example id="$acc" \
		industry=software country=DE lead="$(cat ada)" status=prospect \
		created_at=2026-02-01T10:00:00Z
'

test_expect_success 'the contact refers to the account and the lead' '
	show_rec contacts "$(cat ada-contact)" rec
	python3 check-fields.py rec account="$(cat acme)" lead="$(cat ada)" \
		first_name=Ada last_name=Lovelace email=ada@acme.example \
		phone="+49 30 1234567" title=CTO company=- industry=-
'

test_expect_success 'the lead is converted with references to both' '
	store_git show "main:$(lead_path "$(cat ada)")" >rec
	python3 check-fields.py rec status=converted account="$(cat acme)" \
		contact="$(cat ada-contact)" converted_at=2026-02-01T10:00:00Z \
		created_at=2026-01-05T10:00:00Z opportunity=- company="Acme Inc."
'

test_expect_success 'converting twice: exit 3, nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-lead convert "$(cat ada)" >out 2>err
	test_grep "already converted" err
	test_grep -F "$(cat acme)" err
	test_must_fail --exit=3 sfa-lead convert --opportunity Again "$(cat ada)" 2>err
	test_grep "already converted" err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'convert --opportunity: amount, close date, first stage' '
	SFA_NOW=2026-02-15T10:00:00Z sfa-lead add first_name=Bea last_name=Baker \
		company="ACME, Inc" email=bea@acme.example >bea
	bea=$(cat bea)
	acc=$(cat acme)
	SFA_NOW=2026-03-01T10:00:00Z sfa-lead convert --opportunity "Pumps for Acme" \
		--amount "12000 EUR" --close-date 2026-12-31 "$bea" >out
	test_eq "$acc" "$(col 2 out)"
	con=$(col 3 out)
	opp=$(col 4 out)
	is_id "$opp"
	echo "$con" >bea-contact
	echo "$opp" >opp
	show_rec opportunities "$opp" rec
	python3 check-fields.py rec name="Pumps for Acme" amount="12000.00 EUR" \
		close_date=2026-12-31 stage=prospecting account="$acc" contact="$con" lead="$bea"
	store_git show "main:$(lead_path "$bea")" >rec
	python3 check-fields.py rec status=converted account="$acc" contact="$con" opportunity="$opp"
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa-lead: convert lead $bea: existing account $acc, new contact $con, opportunity $opp" msg
	store_git diff-tree -r --name-status --no-commit-id main >changes
	test_line_count = 3 changes
	test_grep ! accounts/ changes
'

test_expect_success 'a bad amount or close date: exit 3, the lead stays as it was' '
	sfa-lead add first_name=Cy company=Hooli email=cy@hooli.example >cy
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-lead convert --opportunity Deal --amount "12,000 EUR" "$(cat cy)" 2>err
	test_grep "amount" err
	test_must_fail --exit=3 sfa-lead convert --opportunity Deal --close-date 2026-13-45 "$(cat cy)" 2>err
	test_grep "close_date" err
	test_eq "$before" "$(store_git rev-parse main)"
	sfa-lead list --where company=Hooli --fields status >out
	printf "status\nnew\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	test_must_fail --exit=1 sfa-account list --where name=Hooli
'

test_expect_success 'bad convert arguments' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=2 sfa-lead convert 2>err
	test_must_fail --exit=2 sfa-lead convert "$(cat cy)" "$(cat ada)" 2>err
	test_must_fail --exit=2 sfa-lead convert --amount "5 EUR" "$(cat cy)" 2>err
	test_grep -e "--opportunity" err
	test_must_fail --exit=3 sfa-lead convert 0000000000zz 2>err
	test_grep 0000000000zz err
	sfa-lead add first_name=Joe email=joe@gmail.com >joe
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-lead convert "$(cat joe)" 2>err
	test_grep "no company" err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'an existing contact with the same email is linked, not duplicated' '
	sfa-account add name="Umbrella Corp" domain=umbrella.example country=GB >umb
	umb=$(cat umb)
	short=$(printf "%s" "$umb" | cut -c1-6)
	sfa-contact add first_name=Una last_name=Ueda email=una@umbrella.example \
		account="$short" >una
	show_rec contacts "$(cat una)" rec
	python3 check-fields.py rec account="$umb"
	sfa-lead add first_name=Una last_name=Ueda email=UNA@Umbrella.example \
		company="Umbrella Corporation" >una-lead
	contacts=$(count_of sfa-contact)
	accounts=$(count_of sfa-account)
	sfa-lead convert "$(cat una-lead)" >out
	test_eq "$umb" "$(col 2 out)"
	test_eq "$(cat una)" "$(col 3 out)"
	test_eq "$contacts" "$(count_of sfa-contact)"
	test_eq "$accounts" "$(count_of sfa-account)"
	store_git diff-tree -r --name-status --no-commit-id main >changes
	printf "M\t%s\n" "$(lead_path "$(cat una-lead)")" >expect
	test_cmp expect changes
	store_git log -1 --format=%s main >msg
	test_grep "existing account $umb, existing contact $(cat una)" msg
'

# Ten leads of one company, written ten ways, one email domain.
test_expect_success 'ten leads of one company become one account' '
	in_store ten-store
	sfa init -q
	cat >acme.csv <<-\EOF
	external_id,first_name,last_name,company,email
	A1,Al,One,Acme Inc.,al@acme.example
	A2,Bo,Two,"ACME, Inc",bo@acme.example
	A3,Cy,Three,acme,cy@acme.example
	A4,Di,Four,Acme Inc,di@acme.example
	A5,Ed,Five,ACME INC.,ed@acme.example
	A6,Fi,Six,"Acme, Inc.",fi@acme.example
	A7,Gu,Seven,  acme inc  ,gu@acme.example
	A8,Hu,Eight,,hu@acme.example
	A9,Io,Nine,Acme Incorporated,io@acme.example
	A10,Jo,Ten,ACME,jo@Acme.Example
	EOF
	sfa-lead import acme.csv
	for n in 1 2 3 4 5 6 7 8 9 10; do
		sfa-lead convert "$(ext_id A$n)" >out || exit 1
		col 2 out >>accounts
		col 3 out >>contacts
	done
	sort -u accounts >one
	test_line_count = 1 one
	test_eq 1 "$(count_of sfa-account)"
	test_eq "$(cat one)" "$(sfa-account list --format ids)"
	sort -u contacts >ten
	test_line_count = 10 ten
	test_eq 10 "$(count_of sfa-contact)"
	sfa-contact list --where "account=$(cat one)" --format ids >at-acme
	test_line_count = 10 at-acme
	sfa-lead list --where "account=$(cat one)" --status converted --format ids >leads
	test_line_count = 10 leads
	show_rec accounts "$(cat one)" rec
	python3 check-fields.py rec name="Acme Inc." domain=acme.example
'

test_expect_success 'free-mail addresses never match an account by domain' '
	in_store ten-store
	cat >free.csv <<-\EOF
	external_id,first_name,company,email
	G1,Gina,Initech,gina@gmail.com
	G2,Hank,Globex,hank@gmail.com
	G3,Ivo,"ACME, INC.",ivo@gmail.com
	EOF
	sfa-lead import free.csv
	sfa-lead convert "$(ext_id G1)" >out
	initech=$(col 2 out)
	show_rec accounts "$initech" rec
	python3 check-fields.py rec name=Initech domain=-
	sfa-lead convert "$(ext_id G2)" >out
	globex=$(col 2 out)
	test "$globex" != "$initech"
	show_rec accounts "$globex" rec
	python3 check-fields.py rec name=Globex domain=-
	test_eq 3 "$(count_of sfa-account)"
	sfa-lead convert "$(ext_id G3)" >out
	test_eq "$(cat one)" "$(col 2 out)"
	test_eq 3 "$(count_of sfa-account)"
'

test_expect_success 'sfa-account add: one commit, the id printed' '
	before=$(commit_count)
	SFA_NOW=2026-04-01T10:00:00Z sfa-account add name="Acme Labs" \
		parent="$(cut -c1-5 acme)" >labs 2>err
	is_id "$(cat labs)"
	test_eq $((before + 1)) "$(commit_count)"
	store_git diff-tree -r --name-status --no-commit-id main >changes
	printf "A\t%s\n" "$(rec_path accounts "$(cat labs)")" >expect
	test_cmp expect changes
'

test_expect_success 'parent=PREFIX is stored as the full id of the parent' '
	show_rec accounts "$(cat labs)" rec
	python3 check-fields.py rec name="Acme Labs" parent="$(cat acme)" status=prospect
'

test_expect_success 'an unknown parent: exit 3, nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-account add name=Orphan parent=0000000000zz 2>err
	test_grep "parent" err
	test_grep 0000000000zz err
	test_must_fail --exit=3 sfa-account set "$(cat labs)" parent=zzzzzz 2>err
	test_grep "parent" err
	test_eq "$before" "$(store_git rev-parse main)"
	show_rec accounts "$(cat labs)" rec
	python3 check-fields.py rec parent="$(cat acme)"
'

test_expect_success 'an account without a name is refused (exit 3), nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-account add domain=noname.example 2>err
	test_grep "name" err
	test_grep "required" err
	test_must_fail --exit=3 sfa-account set "$(cat labs)" name= 2>err
	test_grep "required" err
	printf "name,country\nFoo,DE\n,FR\n" >noname.csv
	test_must_fail --exit=3 sfa-account import noname.csv 2>err
	test_grep "noname.csv:3" err
	test_grep "name" err
	test_eq "$before" "$(store_git rev-parse main)"
	test_must_fail --exit=1 sfa-account list --where name=Foo
'

test_expect_success 'sfa-account import: header synonyms, one commit' '
	printf "Company Name,Website,No. of Employees,Country\nInitrode,initrode.example,250,US\n\"Globo, Inc.\",globo.example,1200,US\n" >acc.csv
	before=$(commit_count)
	sfa-account import acc.csv 2>err
	test_grep "2 added" err
	test_eq $((before + 1)) "$(commit_count)"
	sfa-account list --where "employees>=1000" --fields name,website,employees >out
	printf "name,website,employees\n\"Globo, Inc.\",globo.example,1200\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	sfa-account list --where "country=US" --sort name --fields name >out
	printf "name\n\"Globo, Inc.\"\nInitrode\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'sfa-account list, show, search, set, delete' '
	sfa-account list --sort name --fields name >out
	printf "name\nAcme Inc.\nAcme Labs\n\"Globo, Inc.\"\nInitrode\nUmbrella Corp\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	g=$(sfa-account list --where "name=Globo, Inc." --format ids)
	is_id "$g"
	sfa-account show --format json "$g" >out.json
	python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1 and r[0][\"name\"] == \"Globo, Inc.\" and r[0][\"employees\"] == 1200, r
" out.json
	sfa-account search globo --format ids >found
	test_eq "$g" "$(cat found)"
	test_must_fail --exit=1 sfa-account search nosuchwordanywhere
	before=$(commit_count)
	sfa-account set "$g" industry=media status=customer 2>err
	test_eq $((before + 1)) "$(commit_count)"
	show_rec accounts "$g" rec
	python3 check-fields.py rec industry=media status=customer name="Globo, Inc."
	test_must_fail --exit=3 sfa-account set "$g" status=bankrupt 2>err
	test_grep status err
	sfa-account delete "$g" 2>err
	test_eq $((before + 2)) "$(commit_count)"
	test_must_fail --exit=1 sfa-account show "$g" >out
	store_git cat-file -e "main~1:$(rec_path accounts "$g")"
	test_must_fail store_git cat-file -e "main:$(rec_path accounts "$g")"
'

test_expect_success 'sfa-contact add, list, search, set' '
	before=$(commit_count)
	sfa-contact add first_name=Zoë last_name=Zapata email=zoe@initrode.example \
		account="$(sfa-account list --where name=Initrode --format ids)" >zoe
	is_id "$(cat zoe)"
	test_eq $((before + 1)) "$(commit_count)"
	sfa-contact list --where "email=zoe@initrode.example" --fields first_name,last_name >out
	printf "first_name,last_name\nZoë,Zapata\n" >expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
	sfa-contact search Zapa --format ids >found
	test_eq "$(cat zoe)" "$(cat found)"
	sfa-contact search zoe --format ids >found
	test_eq "$(cat zoe)" "$(cat found)"
	test_must_fail --exit=1 sfa-contact search nosuchwordanywhere
	sfa-contact set "$(cat zoe)" title=CFO
	test_eq $((before + 2)) "$(commit_count)"
	show_rec contacts "$(cat zoe)" rec
	python3 check-fields.py rec title=CFO first_name=Zoë
'

test_expect_success 'sfa-contact refuses a bad email or an unknown account (exit 3)' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-contact add first_name=Vic email=vic@ 2>err
	test_grep email err
	test_must_fail --exit=3 sfa-contact add first_name=Vic account=0000000000zz 2>err
	test_grep account err
	test_must_fail --exit=3 sfa-contact set "$(cat zoe)" account=nope 2>err
	test_must_fail --exit=3 sfa-contact set 0000000000zz title=CEO 2>err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'show --timeline: leads, contacts, opportunity, child account, newest first' '
	acc=$(cat acme)
	sfa-account show --timeline "$acc" >out
	echo date,type,id,via,summary >expect
	echo "2026-04-01T10:00:00Z,account,$(cat labs),parent,Acme Labs prospect" >>expect
	{
		echo "2026-03-01T10:00:00Z,contact,$(cat bea-contact),account,Bea Baker"
		echo "2026-03-01T10:00:00Z,opportunity,$(cat opp),account,Pumps for Acme prospecting 12000.00 EUR"
	} | sort -t, -k3,3 >>expect
	echo "2026-02-15T10:00:00Z,lead,$(cat bea),account,Bea Baker converted" >>expect
	echo "2026-02-01T10:00:00Z,contact,$(cat ada-contact),account,Ada Lovelace CTO" >>expect
	echo "2026-01-05T10:00:00Z,lead,$(cat ada),account,Ada Lovelace converted CTO" >>expect
	tr -d "\r" <out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'show --timeline takes an id prefix; an account with nothing is exit 1' '
	acc=$(cat acme)
	sfa-account show --timeline "$(printf "%s" "$acc" | cut -c1-6)" >out2
	test_cmp out out2
	test_must_fail --exit=1 sfa-account show --timeline "$(cat labs)" >out
	test_must_fail --exit=2 sfa-account show --timeline 2>err
	test_must_fail --exit=1 sfa-account show --timeline 0000000000zz 2>err
'

test_expect_success 'every store passes git fsck' '
	for st in store ten-store; do
		git --git-dir="$tmp/$st" fsck --strict --no-dangling || exit 1
	done
'

test_done
