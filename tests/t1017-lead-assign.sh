#!/bin/sh
# sfa-lead assign: territories, round-robin across runs, capacity, leave,
# least-open, dry runs, assignment by hand, refused rules and options.

. "$(dirname "$0")/lib.sh"

SFA_NOW=2026-03-10T12:00:00Z
export SFA_NOW

# Each scenario gets its own store under $tmp, so that the open leads of
# one do not count against the capacity of another.
in_store () {
	SFA_STORE=$tmp/$1
	export SFA_STORE
}

# leads_csv PREFIX N [COUNTRY]: N leads with external ids PREFIX1..PREFIXN,
# created one second apart in that order, which is the order a run without
# ids takes them in (oldest first).
leads_csv () {
	echo external_id,first_name,company,country,created_at
	i=1
	while [ "$i" -le "$2" ]; do
		printf "%s%d,Person %s%d,Company %s%d,%s,2026-03-01T00:%02d:%02dZ\n" \
			"$1" "$i" "$1" "$i" "$1" "$i" "${3:-DE}" $((i / 60)) $((i % 60))
		i=$((i + 1))
	done
}

# owner_counts: "OWNER COUNT" per owner of an open lead, by owner.
owner_counts () {
	sfa-lead list --status new,working --where "owner!=" --fields owner >"$tmp/.owners"
	tr -d "\r" <"$tmp/.owners" | sed 1d | sort | uniq -c | awk "{ print \$2, \$1 }"
}

# spread_ok FILE N: FILE (from owner_counts) names N owners whose counts
# differ by at most one.
spread_ok () {
	test_line_count = "$2" "$1" &&
	awk "NR == 1 { lo = hi = \$2 } \$2 < lo { lo = \$2 } \$2 > hi { hi = \$2 }
		END { if (hi - lo > 1) { print \"counts from \" lo \" to \" hi; exit 1 } }" "$1" >&4
}

# ext_id EXTERNAL_ID: the id of the lead with that external id.
ext_id () {
	sfa-lead list --where "external_id=$1" --format ids
}

# field_of EXTERNAL_ID FIELD: the stored value (empty when absent; a CSV
# row of one empty field is written "" so that it is not a blank line).
field_of () {
	sfa-lead list --where "external_id=$1" --fields "$2" >"$tmp/.field"
	tr -d "\r" <"$tmp/.field" | sed -e 1d -e "s/^\"\"\$//"
}

test_expect_success 'setup: assignment rules need users first' '
	sfa init -q
	cat >users.json <<-\EOF
	{
	  "ana": {"name": "Ana", "role": "rep", "email": "ana@example.com"},
	  "ben": {"name": "Ben", "role": "rep"},
	  "cho": {"name": "Cho", "role": "rep"},
	  "dan": {"name": "Dan", "role": "rep"},
	  "fay": {"name": "Fay", "role": "rep"},
	  "gus": {"name": "Gus", "role": "rep"},
	  "hal": {"name": "Hal", "role": "manager"}
	}
	EOF
	cat >assignment.json <<-\EOF
	{
	  "teams": {
	    "dach": {"method": "round-robin", "reps": ["ana", "ben", "cho"]},
	    "energy": {"method": "least-open", "reps": ["fay", "gus"]},
	    "enterprise": {"method": "round-robin", "reps": ["hal"]},
	    "london": {"method": "round-robin", "reps": ["gus"]},
	    "uk": {"method": "round-robin", "reps": ["dan"]}
	  },
	  "territories": [
	    {"name": "Enterprise", "team": "enterprise", "match": {"employees_min": 1000}},
	    {"name": "Energy", "team": "energy", "match": {"industry": ["energy", "utilities"]}},
	    {"name": "London", "team": "london",
	     "match": {"country": ["GB"], "postcode_prefix": ["EC", "WC", "SW1"]}},
	    {"name": "UK", "team": "uk", "match": {"country": ["GB", "IE"]}},
	    {"name": "DACH", "team": "dach", "match": {"country": ["DE", "AT", "CH"]}}
	  ]
	}
	EOF
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa config set assignment assignment.json 2>err
	test_grep "config/users.json" err
	test_eq "$before" "$(store_git rev-parse main)"
	sfa config set users users.json
	sfa config set assignment assignment.json
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa config: set config/assignment.json" msg
	store_git show main:config/assignment.json >stored
	test_cmp assignment.json stored
'

test_expect_success 'assign without rules or a rep is a usage error (exit 2)' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=2 sfa-lead assign 2>err
	test_grep -e "--rules or --to" err
	test_must_fail --exit=2 sfa-lead assign --rules --to ana 2>err
	test_must_fail --exit=2 sfa-lead assign --to ana 2>err
	test_grep "name the leads" err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'territories by employees, industry, postcode prefix and country' '
	cat >t.csv <<-\EOF
	external_id,first_name,country,postcode,industry,employees,created_at
	T1,Big,DE,10115,software,5000,2026-02-01T10:00:01Z
	T2,Almost,DE,10115,software,999,2026-02-01T10:00:02Z
	T3,Volt,GB,SW1A 1AA,Energy,10,2026-02-01T10:00:03Z
	T4,Lamp,US,,utilities,,2026-02-01T10:00:04Z
	T5,Whitehall,GB,sw1a 2aa,retail,20,2026-02-01T10:00:05Z
	T6,Manchester,GB,M1 1AE,retail,20,2026-02-01T10:00:06Z
	T7,Cork,ie,T12,retail,,2026-02-01T10:00:07Z
	T8,Vienna,AT,1010,retail,50,2026-02-01T10:00:08Z
	T9,Texas,US,73301,retail,50,2026-02-01T10:00:09Z
	T10,City,GB,EC1A 1BB,retail,,2026-02-01T10:00:10Z
	EOF
	sfa-lead import t.csv
	sfa-lead assign --rules >out 2>err
	test_grep "9 assigned, 1 left unassigned" err
	tr -d "\r" <out >out.lf
	head -n 1 out.lf >header
	echo id,owner,territory,team,reason >expect
	test_cmp expect header
	for want in "T1,hal,Enterprise,enterprise" "T2,ana,DACH,dach" \
		"T3,fay,Energy,energy" "T4,gus,Energy,energy" "T5,gus,London,london" \
		"T6,dan,UK,uk" "T7,dan,UK,uk" "T8,ben,DACH,dach" "T10,gus,London,london"
	do
		ext=${want%%,*}
		id=$(ext_id "$ext")
		grep "^$id," out.lf >line
		rest=${want#*,}
		case $(cat line) in
		"$id,$rest,"*) ;;
		*) echo "$ext: expected $rest, got $(cat line)"; false ;;
		esac
		test_eq "${rest%%,*}" "$(field_of "$ext" owner)"
	done
	id=$(ext_id T9)
	grep "^$id," out.lf >line
	test_grep -F "$id,,,,no territory matches" line
	test_eq "" "$(field_of T9 owner)"
'

test_expect_success 'the reason names the territory and the method' '
	id=$(ext_id T3)
	grep "^$id," out.lf >line
	test_grep -F "\"territory '"'"'Energy'"'"', least-open\"" line
	id=$(ext_id T8)
	grep "^$id," out.lf >line
	test_grep -F "territory '"'"'DACH'"'"', round-robin" line
'

test_expect_success 'the assignments and the rotation state are one commit' '
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa-lead: assign 9 leads by rules (1 left unassigned)" msg
	store_git diff-tree -r --name-only --no-commit-id main >changes
	test_grep -x "state/assignment.json" changes
	test_eq 9 "$(grep -c "^leads/" changes)"
	test_line_count = 10 changes
	store_git show main:state/assignment.json >state
	python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
assert s == {\"round_robin\": {\"dach\": \"ben\", \"enterprise\": \"hal\", \"london\": \"gus\", \"uk\": \"dan\"}}, s
" state
'

test_expect_success 'owned and closed leads are left alone by a run without ids' '
	printf "external_id,first_name,country,status\nQ1,Quinn,DE,qualified\nQ2,Rae,DE,new\n" >q.csv
	sfa-lead import q.csv
	sfa-lead assign --rules >out 2>err
	test_grep "1 assigned, 1 left unassigned" err
	tr -d "\r" <out | sed 1d >rows
	test_line_count = 2 rows
	test_grep "^$(ext_id Q2),cho,DACH,dach," rows
	test_grep "^$(ext_id T9),,,,no territory matches" rows
	test_eq "" "$(field_of Q1 owner)"
	test_eq hal "$(field_of T1 owner)"
'

test_expect_success '--dry-run prints the picks and writes nothing' '
	leads_csv D 4 AT >d.csv
	sfa-lead import d.csv
	before=$(store_git rev-parse main)
	state=$(store_git rev-parse main:state/assignment.json)
	sfa-lead assign --rules --dry-run >out 2>err
	test_grep "dry run: 4 assigned, 1 left unassigned" err
	tr -d "\r" <out | sed 1d >rows
	test_line_count = 5 rows
	test_grep "^$(ext_id D1),ana,DACH," rows
	test_grep "^$(ext_id D2),ben,DACH," rows
	sfa-lead assign --rules -n >out2 2>err
	test_cmp out out2
	test_eq "$before" "$(store_git rev-parse main)"
	test_eq "$state" "$(store_git rev-parse main:state/assignment.json)"
	test_eq "" "$(field_of D1 owner)"
	sfa-lead assign --rules >out3 2>err
	test_cmp out out3
	test_eq ana "$(field_of D1 owner)"
'

test_expect_success 'assign --to REP ID... by hand: one commit, owners changed, no state' '
	a=$(ext_id D1)
	b=$(ext_id D2)
	before=$(commit_count)
	state=$(store_git rev-parse main:state/assignment.json)
	short=$(printf "%s" "$b" | cut -c1-6)
	sfa-lead assign --to gus "$a" "$short" >out 2>err
	test_eq $((before + 1)) "$(commit_count)"
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa-lead: assign 2 leads to gus by hand" msg
	store_git diff-tree -r --name-only --no-commit-id main >changes
	printf "%s\n%s\n" "$(lead_path "$a")" "$(lead_path "$b")" | sort >expect
	sort changes >changes.sorted
	test_cmp expect changes.sorted
	test_eq "$state" "$(store_git rev-parse main:state/assignment.json)"
	test_eq gus "$(field_of D1 owner)"
	test_eq gus "$(field_of D2 owner)"
	tr -d "\r" <out >out.lf
	test_grep -Fx "$a,gus,,,assigned by hand" out.lf
'

test_expect_success 'sfa log -p shows the owner change' '
	a=$(ext_id D1)
	sfa log -p "$a" >log
	test_grep -F "owner: ana -> gus" log
	test_grep -F "+owner: ana" log
	test_grep -F "assign 2 leads to gus by hand" log
'

test_expect_success 'assign --to an unknown rep: exit 3, nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-lead assign --to nobody "$(ext_id D3)" >out 2>err
	test_grep -F "unknown rep '"'"'nobody'"'"'" err
	test_eq "$before" "$(store_git rev-parse main)"
	test_eq cho "$(field_of D3 owner)"
'

test_expect_success 'assign --to with an unknown lead: exit 3, nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-lead assign --to ana "$(ext_id D3)" 0000000000zz 2>err
	test_grep 0000000000zz err
	test_eq "$before" "$(store_git rev-parse main)"
	test_eq cho "$(field_of D3 owner)"
'

test_expect_success 'rules naming an unknown rep are refused at config set (exit 3, line named)' '
	cat >bad.json <<-\EOF
	{
	  "teams": {
	    "dach": {"method": "round-robin", "reps": ["ana", "ben", "cho"]},
	    "emea": {
	      "method": "least-open",
	      "reps": [
	        "ana",
	        "zed"
	      ]
	    }
	  },
	  "territories": [
	    {"name": "DACH", "team": "dach", "match": {"country": ["DE"]}}
	  ]
	}
	EOF
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa config set assignment bad.json 2>err
	test_grep -F "config/assignment.json:8: teams.emea.reps[1]: unknown rep" err
	test_grep -F "zed" err
	test_eq "$before" "$(store_git rev-parse main)"
	store_git show main:config/assignment.json >stored
	test_cmp assignment.json stored
	test_must_fail --exit=3 sfa config check assignment bad.json 2>err
	test_grep -F "config/assignment.json:8: teams.emea.reps[1]: unknown rep" err
'

test_expect_success 'a territory naming a team that does not exist is refused too' '
	sed "s/\"team\": \"dach\"/\"team\": \"dack\"/" assignment.json >bad2.json
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa config set assignment bad2.json 2>err
	test_grep -F "config/assignment.json:" err
	test_grep -F "territories[4].team: unknown team '"'"'dack'"'"'" err
	test_eq "$before" "$(store_git rev-parse main)"
'

# Round robin over several runs: one team, three reps, every lead matches.
test_expect_success 'setup: a store with one round-robin team of three' '
	in_store rr
	sfa init -q
	printf "{\"ana\": {}, \"ben\": {}, \"cho\": {}}\n" >rr-users.json
	cat >rr-rules.json <<-\EOF
	{
	  "teams": {"all": {"method": "round-robin", "reps": ["ana", "ben", "cho"]}},
	  "territories": [{"name": "Everywhere", "team": "all", "match": {}}]
	}
	EOF
	sfa config set users rr-users.json
	sfa config set assignment rr-rules.json
'

test_expect_success 'run 1: 10 leads spread 4/3/3' '
	in_store rr
	leads_csv A 10 >a.csv
	sfa-lead import a.csv
	sfa-lead assign --rules >out 2>err
	test_grep "10 assigned, 0 left unassigned" err
	owner_counts >counts
	spread_ok counts 3
	test_eq 10 "$(awk "{ n += \$2 } END { print n }" counts)"
'

test_expect_success 'run 2: 7 more, the rotation goes on where it stopped' '
	in_store rr
	store_git show main:state/assignment.json >state1
	leads_csv B 7 >b.csv
	sfa-lead import b.csv
	sfa-lead assign --rules >out 2>err
	test_grep "7 assigned, 0 left unassigned" err
	owner_counts >counts
	spread_ok counts 3
	test_eq 17 "$(awk "{ n += \$2 } END { print n }" counts)"
	store_git show main:state/assignment.json >state2
	! test_cmp state1 state2
'

test_expect_success 'run 2 wrote the state in the same commit as the 7 assignments' '
	in_store rr
	store_git diff-tree -r --name-only --no-commit-id main >changes
	test_grep -x "state/assignment.json" changes
	test_eq 7 "$(grep -c "^leads/" changes)"
	test_line_count = 8 changes
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa-lead: assign 7 leads by rules (0 left unassigned)" msg
	store_git log --format=%H main -- state/assignment.json >state-commits
	test_line_count = 2 state-commits
	store_git log --format=%s main -- state/assignment.json >state-msgs
	test_eq 2 "$(grep -c "^sfa-lead: assign .* by rules" state-msgs)"
'

test_expect_success 'run 3: 13 more, 10 each' '
	in_store rr
	leads_csv C 13 >c.csv
	sfa-lead import c.csv
	sfa-lead assign --rules 2>err
	test_grep "13 assigned, 0 left unassigned" err
	owner_counts >counts
	printf "ana 10\nben 10\ncho 10\n" >expect
	test_cmp expect counts
'

test_expect_success 'a state naming a rep no longer in the team starts afresh, no error' '
	in_store rr
	printf "{\n  \"round_robin\": {\n    \"all\": \"zed\",\n    \"gone\": \"ana\"\n  }\n}\n" >odd-state.json
	store_write_raw "odd state" state/assignment.json odd-state.json
	leads_csv E 3 >e.csv
	sfa-lead import e.csv
	sfa-lead assign --rules 2>err
	test_grep "3 assigned" err
	owner_counts >counts
	printf "ana 11\nben 11\ncho 11\n" >expect
	test_cmp expect counts
	store_git show main:state/assignment.json >state
	test_grep ! gone state
'

test_expect_success 'a bulk import of 300 leads, assigned in one run, spreads evenly' '
	in_store bulk
	sfa init -q
	sfa config set users rr-users.json
	sfa config set assignment rr-rules.json
	leads_csv K 300 >k.csv
	sfa-lead import k.csv
	before=$(commit_count)
	sfa-lead assign --rules >out 2>err
	test_grep "300 assigned, 0 left unassigned" err
	test_eq $((before + 1)) "$(commit_count)"
	owner_counts >counts
	printf "ana 100\nben 100\ncho 100\n" >expect
	test_cmp expect counts
	store_git diff-tree -r --name-only --no-commit-id main >changes
	test_eq 300 "$(grep -c "^leads/" changes)"
	test_grep -x "state/assignment.json" changes
'

# Capacity: ana may hold 2 open leads, ben 3 (one already his).
test_expect_success 'setup: a store with capacities' '
	in_store cap
	sfa init -q
	cat >cap-users.json <<-\EOF
	{
	  "ana": {"capacity": 2},
	  "ben": {"capacity": 3}
	}
	EOF
	cat >cap-rules.json <<-\EOF
	{
	  "teams": {"pair": {"method": "round-robin", "reps": ["ana", "ben"]}},
	  "territories": [{"name": "Everywhere", "team": "pair", "match": {}}]
	}
	EOF
	sfa config set users cap-users.json
	sfa config set assignment cap-rules.json
	printf "external_id,first_name,status\nH1,Held,working\nH2,Won,qualified\n" >h.csv
	sfa-lead import h.csv
	sfa-lead assign --to ben "$(ext_id H1)" "$(ext_id H2)"
'

test_expect_success 'capacity is respected; the rest stays unassigned with the reason' '
	in_store cap
	leads_csv F 8 >f.csv
	sfa-lead import f.csv
	sfa-lead assign --rules >out 2>err
	test_grep "4 assigned, 4 left unassigned" err
	owner_counts >counts
	printf "ana 2\nben 3\n" >expect
	test_cmp expect counts
	tr -d "\r" <out | sed 1d >rows
	test_eq 4 "$(grep -c ",,Everywhere,pair,team '"'"'pair'"'"': every rep at capacity\$" rows)"
	sfa-lead list --where "owner=" --format ids >unowned
	test_line_count = 4 unowned
	store_git log -1 --format=%s main >msg
	test_grep -Fx "sfa-lead: assign 4 leads by rules (4 left unassigned)" msg
'

test_expect_success 'a full team: the same reason, and no commit' '
	in_store cap
	before=$(store_git rev-parse main)
	sfa-lead assign --rules >out 2>err
	test_grep "0 assigned, 4 left unassigned" err
	tr -d "\r" <out | sed 1d >rows
	test_eq 4 "$(grep -c ",,Everywhere,pair,team '"'"'pair'"'"': every rep at capacity\$" rows)"
	test_eq "$before" "$(store_git rev-parse main)"
	owner_counts >counts
	test_cmp expect counts
'

test_expect_success 'a lead closed frees a place for one more' '
	in_store cap
	ana_lead=$(sfa-lead list --owner ana --format ids | head -n 1)
	sfa-lead qualify "$ana_lead"
	sfa-lead assign --rules 2>err
	test_grep "1 assigned, 3 left unassigned" err
	owner_counts >counts
	printf "ana 2\nben 3\n" >expect
	test_cmp expect counts
	sfa-lead list --owner ana --format ids >ana-all
	test_line_count = 3 ana-all
'

# Leave: ben is away from 1 to 15 March 2026 (UTC dates, both included).
test_expect_success 'setup: a store with a rep on leave and one inactive' '
	in_store away
	sfa init -q
	cat >away-users.json <<-\EOF
	{
	  "ana": {},
	  "ben": {"away": [{"from": "2026-03-01", "until": "2026-03-15"}]},
	  "cho": {},
	  "dan": {"active": false}
	}
	EOF
	cat >away-rules.json <<-\EOF
	{
	  "teams": {
	    "all": {"method": "round-robin", "reps": ["ana", "ben", "cho", "dan"]},
	    "solo": {"method": "round-robin", "reps": ["ben"]}
	  },
	  "territories": [
	    {"name": "France", "team": "solo", "match": {"country": ["FR"]}},
	    {"name": "Everywhere", "team": "all", "match": {}}
	  ]
	}
	EOF
	sfa config set users away-users.json
	sfa config set assignment away-rules.json
'

test_expect_success 'a rep on leave and an inactive rep get nothing' '
	in_store away
	leads_csv G 6 >g.csv
	sfa-lead import g.csv
	sfa-lead assign --rules 2>err
	test_grep "6 assigned, 0 left unassigned" err
	owner_counts >counts
	printf "ana 3\ncho 3\n" >expect
	test_cmp expect counts
'

test_expect_success 'a team whose only rep is on leave leaves the lead unassigned' '
	in_store away
	leads_csv P 1 FR >p.csv
	sfa-lead import p.csv
	sfa-lead assign --rules >out 2>err
	test_grep "0 assigned, 1 left unassigned" err
	tr -d "\r" <out >out.lf
	test_grep -Fx "$(ext_id P1),,France,solo,team '"'"'solo'"'"': every rep away" out.lf
'

test_expect_success 'the last day of leave counts in UTC, not local time' '
	in_store away
	leads_csv R 3 >r.csv
	sfa-lead import r.csv
	# 23:00 UTC on the 15th is already the 16th at +05:30 (TZ of the tests)
	SFA_NOW=2026-03-15T23:00:00Z sfa-lead assign --rules 2>err
	test_grep "3 assigned, 1 left unassigned" err
	owner_counts >counts
	test_grep ! "^ben " counts
	test_grep ! "^dan " counts
	test_eq "" "$(field_of P1 owner)"
'

test_expect_success 'after the leave the rep gets leads again' '
	in_store away
	leads_csv S 6 >s.csv
	sfa-lead import s.csv
	SFA_NOW=2026-03-16T09:00:00Z sfa-lead assign --rules 2>err
	test_grep "7 assigned, 0 left unassigned" err
	test_eq ben "$(field_of P1 owner)"
	sfa-lead list --owner ben --format ids >ben
	test_line_count = 3 ben
	owner_counts >counts
	test_grep ! "^dan " counts
'

# Least open: the rep with the fewest open (new/working) leads.
test_expect_success 'least-open gives to the rep with the fewest open leads' '
	in_store lo
	sfa init -q
	cat >lo-rules.json <<-\EOF
	{
	  "teams": {"all": {"method": "least-open", "reps": ["ana", "ben", "cho"]}},
	  "territories": [{"name": "Everywhere", "team": "all", "match": {}}]
	}
	EOF
	sfa config set users rr-users.json
	sfa config set assignment lo-rules.json
	printf "external_id,first_name,status\n" >pre.csv
	printf "W1,a,new\nW2,a,working\nW3,a,qualified\nW4,a,converted\nW5,a,disqualified\nW6,b,new\n" >>pre.csv
	sfa-lead import pre.csv
	sfa-lead assign --to ana $(ext_id W1) $(ext_id W2) $(ext_id W3) $(ext_id W4) $(ext_id W5)
	sfa-lead assign --to ben $(ext_id W6)
	leads_csv N 6 >n.csv
	sfa-lead import n.csv
	sfa-lead assign --rules >out 2>err
	test_grep "6 assigned, 0 left unassigned" err
	owner_counts >counts
	printf "ana 3\nben 3\ncho 3\n" >expect
	test_cmp expect counts
	tr -d "\r" <out >out.lf
	test_grep "^$(ext_id N1),cho,Everywhere,all,\"territory .Everywhere., least-open\"\$" out.lf
	store_git show main:state/assignment.json >state
	test_grep ! "\"all\"" state
'

test_expect_success 'every store passes git fsck' '
	for st in store rr bulk cap away lo; do
		git --git-dir="$tmp/$st" fsck --strict --no-dangling || exit 1
	done
'

test_done
