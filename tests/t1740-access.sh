#!/bin/sh
# The access rules on one machine: config/users.json and config/access.json
# set by the admin; a rep's command refuses another rep's deal (exit 7, the
# reason named) and leaves the store as it was, a manager changes the deals
# of the team, only the admin the configuration. With "read": "territory"
# a rep's list, search, show, agenda and reports hold their own records,
# those of their territory and those without one; managers and "read":
# "all" see everything.

. "$(dirname "$0")/lib.sh"

unset SFA_REP

cat >users.json <<'EOF'
{
  "ana": {"name": "Ana Silva", "role": "rep", "team": "emea", "territory": "north", "manager": "mia"},
  "ben": {"name": "Ben Okafor", "role": "rep", "team": "emea", "territory": "south", "manager": "mia"},
  "mia": {"name": "Mia Berg", "role": "manager", "team": "emea"},
  "zed": {"name": "Zed Admin", "role": "admin"}
}
EOF

# as WHO command...: a command run as user WHO of users.json.
as () {
	_as=$1
	shift
	SFA_REP=$_as "$@"
}

head_commit () {
	git --git-dir="$SFA_STORE" rev-parse main
}

test_expect_success 'setup: users, then the rules, by the admin; deals in two territories and none' '
	sfa init -q &&
	as zed sfa config set users users.json &&
	echo "{\"read\": \"territory\"}" >access.json &&
	as zed sfa config set access access.json &&
	as zed sfa-stage add name="North Pumps" owner=ana territory=north amount="1000 EUR" stage=qualification >n1 &&
	as zed sfa-stage add name="North Valves" owner=ben territory=north amount="2000 EUR" stage=qualification >n2 &&
	as zed sfa-stage add name="South Gears" owner=ben territory=south amount="4000 EUR" stage=qualification >s1 &&
	as zed sfa-stage add name="South Belts" owner=ana territory=south amount="8000 EUR" stage=qualification >s2 &&
	as zed sfa-stage add name="Open Seals" owner=ben amount="16000 EUR" stage=qualification >o1 &&
	as zed sfa-stage list --format ids >all &&
	test_line_count = 5 all
'

test_expect_success 'a rep changes their own deal' '
	as ana sfa-stage set "$(cat n1)" amount="1100 EUR" &&
	as ana sfa-stage show --format json "$(cat n1)" >rec &&
	test_grep "\"amount\":\"1100.00 EUR\"" rec
'

test_expect_success 'a rep may not change another rep'\''s deal: exit 7, the reason, nothing written' '
	before=$(head_commit) &&
	test_expect_code 7 as ana sfa-stage set "$(cat s1)" amount="1 EUR" 2>err &&
	test_grep -F "'\''ana'\'' (rep) may not change opportunity '\''$(cat s1)'\'': it belongs to '\''ben'\''" err &&
	test_eq "$before" "$(head_commit)"
'

test_expect_success 'a rep may not give their deal away, nor change the configuration' '
	before=$(head_commit) &&
	test_expect_code 7 as ana sfa-stage set "$(cat n1)" owner=ben 2>err &&
	test_grep "may not give opportunity '\''$(cat n1)'\'' to '\''ben'\''" err &&
	test_expect_code 7 as ana sfa config set access access.json 2>err &&
	test_grep "only admins change the configuration" err &&
	test_eq "$before" "$(head_commit)"
'

test_expect_success 'the manager of the team changes a rep'\''s deal' '
	as mia sfa-stage set "$(cat s1)" amount="4100 EUR" &&
	as mia sfa-stage show --format json "$(cat s1)" >rec &&
	test_grep "\"amount\":\"4100.00 EUR\"" rec
'

test_expect_success 'read territory: a rep lists their own deals, their territory'\''s and those without one' '
	cat n1 n2 s2 o1 | sort >expect &&
	as ana sfa-stage list --format ids | sort >got &&
	test_cmp expect got &&
	cat n2 s1 s2 o1 | sort >expect &&
	as ben sfa-stage list --format ids | sort >got &&
	test_cmp expect got
'

test_expect_success 'read territory: filters and --limit count only what the rep reads' '
	as ana sfa-stage list --where "amount>1500 EUR" --format ids | sort >got &&
	cat n2 s2 o1 | sort >expect &&
	test_cmp expect got &&
	as ben sfa-stage list --limit 2 --format ids >got &&
	test_line_count = 2 got &&
	test_must_fail grep -x -F -f n1 got
'

test_expect_success 'read territory: search finds no deal the rep may not read' '
	test_expect_code 1 as ana sfa-stage search gears --format ids >got &&
	test_line_count = 0 got &&
	as ben sfa-stage search gears --format ids >got &&
	test_cmp s1 got
'

test_expect_success 'read territory: show of a deal in another territory: exit 7, the others still shown' '
	test_expect_code 7 as ben sfa-stage show --format ids "$(cat n1)" "$(cat n2)" >got 2>err &&
	test_grep -F "'\''ben'\'' may not read opportunity '\''$(cat n1)'\'': its territory is '\''north'\''" err &&
	test_cmp n2 got
'

test_expect_success 'read territory: the pipeline report adds up what the rep reads' '
	as ana sfa-report pipeline --format csv >ana.csv &&
	test_grep "27100.00" ana.csv &&
	as mia sfa-report pipeline --format csv >mia.csv &&
	test_grep "31200.00" mia.csv
'

test_expect_success 'managers and admins read everything' '
	as mia sfa-stage list --format ids | sort >got &&
	sort all >expect &&
	test_cmp expect got &&
	as zed sfa-stage list --format ids | sort >got &&
	test_cmp expect got
'

test_expect_success 'read all: every rep lists every deal' '
	echo "{\"read\": \"all\"}" >access.json &&
	as zed sfa config set access access.json &&
	as ben sfa-stage list --format ids | sort >got &&
	sort all >expect &&
	test_cmp expect got &&
	as ben sfa-stage show --format ids "$(cat n1)" >got &&
	test_cmp n1 got
'

test_done
