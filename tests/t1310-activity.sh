#!/bin/sh
# sfa-activity: log calls, meetings, emails, notes and tasks against leads,
# contacts, accounts and opportunities; the "last touched" time they move;
# times typed in local time; done and reschedule; a rep's agenda and its
# SLA view; import; the iCalendar export.

. "$(dirname "$0")/lib.sh"

# The rep comes from here unless a test says otherwise.
unset SFA_REP
# A Friday, 12:00 in Sofia (EET, UTC+2; EEST, UTC+3, in summer).
SFA_NOW=2026-11-20T10:00:00Z
TZ=Europe/Sofia
export SFA_NOW TZ

# test_skip_ 'description' 'reason': a test that cannot run here.
test_skip_ () {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# rec.py FILE CHECK...: FILE is one JSON record. CHECK is FIELD=TEXT (a
# string), FIELD:=JSON (a value of that JSON type) or FIELD=- (absent).
cat >rec.py <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1], encoding="utf-8"))
for arg in sys.argv[2:]:
    k, v = arg.split("=", 1)
    if k.endswith(":"):
        k, want = k[:-1], json.loads(v)
        got = rec.get(k)
        assert k in rec and type(got) is type(want) and got == want, \
            "%s: expected %r, got %r" % (k, want, got)
    elif v == "-":
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

# check DIR ID CHECK...: the record on main passes rec.py's checks.
check () {
	_ck_dir=$1
	_ck_id=$2
	shift 2
	store_git show "main:$(rec_path "$_ck_dir" "$_ck_id")" >"$tmp/.rec" || return 1
	python3 "$tmp/rec.py" "$tmp/.rec" "$@"
}

# field DIR ID NAME: one field of a record on main, as text.
field () {
	store_git show "main:$(rec_path "$1" "$2")" |
	python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$3"
}

# changes: what the last commit on main changed, as "M\tpath" lines.
changes () {
	store_git diff-tree -r --name-status --no-commit-id main
}

# due_for ZONE WHEN: log a task due WHEN, typed in time zone ZONE, and
# print the due_at stored.
due_for () {
	_df_id=$(TZ=$1 sfa-activity log --owner tz-probe --due "$2" task) || return 1
	field activities "$_df_id" due_at
}

lf () {
	tr -d '\r' <"$1"
}

# --- logging ----------------------------------------------------------------------------

test_expect_success 'setup: an account, a contact, a lead and two deals' '
	sfa init -q
	export SFA_NOW=2026-09-01T10:00:00Z
	sfa-account add name="Acme Inc." domain=acme.example >acc
	sfa-contact add first_name=Bo last_name=Berg account="$(cat acc)" >con
	sfa-lead add first_name=Ada last_name=Lovelace company=Initech >lead
	sfa-stage add name="Pumps for Acme" account="$(cat acc)" external_id=OPP-7 >opp
	SFA_NOW=2026-11-01T10:00:00Z sfa-stage add name=Valves >opp2
	for f in acc con lead opp opp2; do
		is_id "$(cat $f)" || exit 1
	done
	check opportunities "$(cat opp)" last_activity_at=2026-09-01T10:00:00Z stage=prospecting
'

test_expect_success 'a deal untouched for longer than its stage rot_days is stale' '
	# prospecting rots after 30 days (share/config/pipelines.json)
	sfa-stage list --stale --format ids >stale
	cat opp >expect
	test_cmp expect stale
'

test_expect_success 'log call --on EXTERNAL_ID --at: done then, the deal account derived, one commit' '
	before=$(commit_count)
	sfa-activity log --on OPP-7 --at "2026-11-19 15:30" --note "Talked to Bo about pumps" \
		call >call1 2>err
	is_id "$(cat call1)"
	test_eq $((before + 1)) "$(commit_count)"
	check activities "$(cat call1)" type=call subject="Talked to Bo about pumps" \
		notes="Talked to Bo about pumps" related_to="$(cat opp)" related_type=opportunity \
		account="$(cat acc)" due_at=2026-11-19T13:30:00Z done:=true \
		done_at=2026-11-19T13:30:00Z owner="Test User" created_at=2026-11-20T10:00:00Z \
		sequence=- sla_due_at=-
	changes >out
	printf "M\t%s\nA\t%s\nM\t%s\n" "$(rec_path accounts "$(cat acc)")" \
		"$(rec_path activities "$(cat call1)")" "$(rec_path opportunities "$(cat opp)")" >expect
	test_cmp expect out
	store_git log -1 --format=%s main >msg
	test_grep "^sfa-activity: log call $(cat call1)" msg
'

test_expect_success 'the commit of log says what the activity is on, by id' '
	store_git log --format=%s main >msgs
	test_grep -Fx "sfa-activity: log call $(cat call1) on opportunity $(cat opp)" msgs
'

test_expect_success 'the call moved last_activity_at of the deal and its account: no longer stale' '
	check opportunities "$(cat opp)" last_activity_at=2026-11-19T13:30:00Z \
		stage=prospecting stage_entered_at=2026-09-01T10:00:00Z
	check accounts "$(cat acc)" last_activity_at=2026-11-19T13:30:00Z
	test_must_fail --exit=1 sfa-stage list --stale --format ids >stale
	test_must_fail --exit=1 sfa-stage list --stale --where "id=$(cat opp)"
'

test_expect_success 'log on a contact by id prefix: its account, subject from the first note line, due now' '
	printf "Asked for a demo\nnext week, with the CFO" >note.txt
	sfa-activity log --on "$(cut -c1-6 con)" --note "$(cat note.txt)" call >call2
	check activities "$(cat call2)" type=call subject="Asked for a demo" \
		notes="$(cat note.txt)" related_to="$(cat con)" related_type=contact \
		account="$(cat acc)" due_at=2026-11-20T10:00:00Z done:=true \
		done_at=2026-11-20T10:00:00Z owner="Test User"
	check contacts "$(cat con)" last_activity_at=2026-11-20T10:00:00Z
	check accounts "$(cat acc)" last_activity_at=2026-11-20T10:00:00Z
	# the deal was not what this call was about
	check opportunities "$(cat opp)" last_activity_at=2026-11-19T13:30:00Z
'

test_expect_success 'the activities show on the account timeline' '
	sfa-account show --timeline "$(cat acc)" >out
	lf out >out.lf
	test_grep -F ",activity,$(cat call1),account,Talked to Bo about pumps" out.lf
	test_grep -F ",activity,$(cat call2),account,Asked for a demo" out.lf
	test_grep -F ",opportunity,$(cat opp),account," out.lf
'

test_expect_success 'log email on a lead: no account, the lead touched' '
	before=$(commit_count)
	sfa-activity log --on "$(cat lead)" --subject "Intro mail" email >mail1
	test_eq $((before + 1)) "$(commit_count)"
	check activities "$(cat mail1)" type=email subject="Intro mail" notes=- \
		related_to="$(cat lead)" related_type=lead account=- done:=true \
		due_at=2026-11-20T10:00:00Z
	check leads "$(cat lead)" last_activity_at=2026-11-20T10:00:00Z
	changes >out
	printf "A\t%s\nM\t%s\n" "$(rec_path activities "$(cat mail1)")" \
		"$(lead_path "$(cat lead)")" >expect
	test_cmp expect out
'

test_expect_success 'log note on an account: the account is itself; no subject: the type' '
	sfa-activity log --on "$(cat acc)" note >note1
	check activities "$(cat note1)" type=note subject=Note related_to="$(cat acc)" \
		related_type=account account="$(cat acc)" done:=true
	# touched at the same second already: nothing to change there
	changes >out
	printf "A\t%s\n" "$(rec_path activities "$(cat note1)")" >expect
	test_cmp expect out
'

test_expect_success 'a long first note line: the subject is 80 bytes at most, whole characters' '
	long="重要客户需要报价重要客户需要报价重要客户需要报价重要客户需要报价重要客户需要报价"
	sfa-activity log --note "$long
second line" note >note2
	# 26 characters of 3 bytes: 78 bytes, the 27th would not fit
	check activities "$(cat note2)" subject="重要客户需要报价重要客户需要报价重要客户需要报价重要" \
		related_to=- related_type=- account=-
'

test_expect_success 'a task without --due is open and touches nothing' '
	before=$(commit_count)
	sfa-activity log --on "$(cat opp2)" --subject "Send the price list" task >task1
	test_eq $((before + 1)) "$(commit_count)"
	check activities "$(cat task1)" type=task done:=false due_at=- done_at=- \
		related_type=opportunity account=-
	check opportunities "$(cat opp2)" last_activity_at=2026-11-01T10:00:00Z
	changes >out
	printf "A\t%s\n" "$(rec_path activities "$(cat task1)")" >expect
	test_cmp expect out
'

test_expect_success 'done on the task: done_at, outcome, and the deal touched then' '
	before=$(commit_count)
	SFA_NOW=2026-11-21T08:00:00Z sfa-activity done --outcome "sent by mail" "$(cat task1)" 2>err
	test_eq $((before + 1)) "$(commit_count)"
	test_grep "changed 1 activity" err
	check activities "$(cat task1)" done:=true done_at=2026-11-21T08:00:00Z \
		outcome="sent by mail" subject="Send the price list"
	check opportunities "$(cat opp2)" last_activity_at=2026-11-21T08:00:00Z
	changes >out
	printf "M\t%s\nM\t%s\n" "$(rec_path activities "$(cat task1)")" \
		"$(rec_path opportunities "$(cat opp2)")" >expect
	test_cmp expect out
	store_git log -1 --format=%s main >msg
	test_grep "done on" msg
'

test_expect_success '--due plans it: not done, nothing touched; duration in minutes' '
	before=$(store_git rev-parse main)
	sfa-activity log --on "$(cat opp2)" --due "2026-11-24 14:00" --duration 1h30 \
		--location "Plant 2, Ruse" --attendees "Bo Berg <bo@acme.example>" \
		--subject "Site visit" meeting >meet1
	check activities "$(cat meet1)" type=meeting done:=false done_at=- \
		due_at=2026-11-24T12:00:00Z duration:=90 location="Plant 2, Ruse" \
		attendees="Bo Berg <bo@acme.example>" related_type=opportunity
	sfa-activity log --due "+2h" --duration 45 call >call3
	check activities "$(cat call3)" done:=false due_at=2026-11-20T12:00:00Z duration:=45
	sfa-activity log --due +1d --duration 1h email >mail2
	check activities "$(cat mail2)" done:=false duration:=60
	check opportunities "$(cat opp2)" last_activity_at=2026-11-21T08:00:00Z
'

test_expect_success 'log: bad arguments are refused, nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=2 sfa-activity log 2>err
	test_grep "which type" err
	test_must_fail --exit=2 sfa-activity log --due +1h --at +1h call 2>err
	test_must_fail --exit=2 sfa-activity log --nonsense call 2>err
	for d in abc 1h75 -5 90x h 1h30x ""; do
		test_must_fail --exit=2 sfa-activity log --duration "$d" call 2>err || exit 1
		test_grep -e "--duration" err || exit 1
	done
	test_must_fail --exit=3 sfa-activity log visit 2>err
	test_grep "type" err
	test_must_fail --exit=3 sfa-activity log --on 0000000000zz call 2>err
	test_grep "related_to" err
	test_grep 0000000000zz err
	test_must_fail --exit=3 sfa-activity log --on NO-SUCH-EXT call 2>err
	test_must_fail --exit=3 sfa-activity log --sla 0 task 2>err
	test_grep sla_hours err
	test_must_fail --exit=3 sfa-activity log --sla many task 2>err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'an activity is about a lead, contact, account or deal, not another activity' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-activity log --on "$(cat call1)" call 2>err
	test_grep "related_to" err
	test_eq "$before" "$(store_git rev-parse main)"
'

# --- times ------------------------------------------------------------------------------

test_expect_success 'a time without a zone is local time ($TZ)' '
	test_eq 2026-11-24T12:00:00Z "$(due_for Europe/Sofia "2026-11-24 14:00")"
	test_eq 2026-11-24T12:00:00Z "$(due_for Europe/Sofia "2026-11-24T14:00")"
	test_eq 2026-11-24T14:00:00Z "$(due_for UTC "2026-11-24 14:00")"
	test_eq 2026-11-24T08:30:00Z "$(due_for XST-5:30 "2026-11-24 14:00")"
	# summer time: EEST, UTC+3
	test_eq 2026-07-01T09:00:00Z "$(due_for Europe/Sofia "2026-07-01 12:00")"
	test_eq 2026-07-01T09:00:15Z "$(due_for Europe/Sofia "2026-07-01 12:00:15")"
	# a date alone: local midnight
	test_eq 2026-11-23T22:00:00Z "$(due_for Europe/Sofia 2026-11-24)"
	test_eq 2026-11-24T00:00:00Z "$(due_for UTC 2026-11-24)"
'

test_expect_success 'a time with Z or an offset is kept exact, whatever $TZ' '
	for z in Europe/Sofia UTC; do
		test_eq 2026-11-24T14:00:00Z "$(due_for $z 2026-11-24T14:00:00Z)" || exit 1
		test_eq 2026-11-24T08:30:00Z "$(due_for $z 2026-11-24T14:00:00+05:30)" || exit 1
		test_eq 2026-11-24T22:00:00Z "$(due_for $z 2026-11-24T14:00:00-08:00)" || exit 1
		test_eq 2026-07-01T10:00:00Z "$(due_for $z 2026-07-01T13:00:00+03:00)" || exit 1
	done
'

test_expect_success 'now, today, tomorrow and +N count from SFA_NOW in local time' '
	test_eq 2026-11-20T10:00:00Z "$(due_for Europe/Sofia now)"
	test_eq 2026-11-21T07:00:00Z "$(due_for Europe/Sofia "tomorrow 9:00")"
	test_eq 2026-11-21T09:00:00Z "$(due_for UTC "tomorrow 9:00")"
	test_eq 2026-11-20T22:00:00Z "$(due_for Europe/Sofia tomorrow)"
	test_eq 2026-11-20T16:00:00Z "$(due_for Europe/Sofia "today 18:00")"
	test_eq 2026-11-19T22:00:00Z "$(due_for Europe/Sofia today)"
	test_eq 2026-11-20T12:00:00Z "$(due_for Europe/Sofia +2h)"
	test_eq 2026-11-20T10:30:00Z "$(due_for Europe/Sofia +30m)"
	test_eq 2026-11-23T10:00:00Z "$(due_for Europe/Sofia +3d)"
	test_eq 2026-11-27T10:00:00Z "$(due_for Europe/Sofia +1w)"
	# tomorrow is the night the clocks go back: 9:00 is EET then
	test_eq 2026-10-25T07:00:00Z \
		"$(SFA_NOW=2026-10-24T10:00:00Z due_for Europe/Sofia "tomorrow 9:00")"
	# late in the evening in Sofia it is already tomorrow there
	test_eq 2026-11-21T07:00:00Z \
		"$(SFA_NOW=2026-11-19T23:30:00Z due_for Europe/Sofia "tomorrow 9:00")"
'

test_expect_success 'a bad time: exit 2 (usage), nothing written' '
	before=$(store_git rev-parse main)
	for w in 2026-13-01 25:00 yesterdayish 2026-02-30 "2026-11-24 24:00" \
		"2026-11-24 14:60" "tomorrow 9" "tomorrow 09:00x" +2x +h -2h "" 24-11-2026 \
		"2026-11-24 2pm"; do
		test_must_fail --exit=2 sfa-activity log --due "$w" task 2>err || exit 1
		test_grep -e "--due" err || exit 1
		test_must_fail --exit=2 sfa-activity log --at "$w" call 2>err || exit 1
		test_grep -e "--at" err || exit 1
		test_must_fail --exit=2 sfa-activity reschedule "$(cat meet1)" "$w" 2>err || exit 1
	done
	test_eq "$before" "$(store_git rev-parse main)"
	check activities "$(cat meet1)" due_at=2026-11-24T12:00:00Z sequence=-
'

# --- done and reschedule ----------------------------------------------------------------

test_expect_success 'reschedule: due_at moves, sequence counts up, done back to false' '
	meet1=$(cat meet1)
	before=$(commit_count)
	sfa-activity reschedule "$meet1" "2026-11-26 10:00" 2>err
	test_eq $((before + 1)) "$(commit_count)"
	check activities "$meet1" due_at=2026-11-26T08:00:00Z sequence:=1 done:=false
	store_git log -1 --format=%s main >msg
	test_grep -F "reschedule to 2026-11-26T08:00:00Z" msg
	sfa-activity reschedule "$meet1" "tomorrow 16:00"
	check activities "$meet1" due_at=2026-11-21T14:00:00Z sequence:=2
	# a done call planned again is open again
	sfa-activity log --subject "Quick call" call >call4
	check activities "$(cat call4)" done:=true done_at=2026-11-20T10:00:00Z
	sfa-activity reschedule "$(cat call4)" +1d
	check activities "$(cat call4)" done:=false done_at=- due_at=2026-11-21T10:00:00Z \
		sequence:=1
'

test_expect_success 'done and reschedule by pipe from the agenda, each in one commit' '
	export SFA_REP=zed
	sfa-activity log --due "2026-11-18 09:00" --subject "Late one" call >z1
	sfa-activity log --due "2026-11-19 09:00" --subject "Late two" call >z2
	sfa-activity log --due "2026-11-20 08:00" --subject "Late three" call >z3
	sfa-activity log --due "2026-11-22 09:00" --subject "Sunday" call >z4
	check activities "$(cat z1)" owner=zed
	sfa-activity agenda --overdue --format ids >ids
	cat z1 z2 z3 >expect
	test_cmp expect ids
	before=$(commit_count)
	sfa-activity agenda --overdue --format ids | sfa-activity done --outcome reached 2>err
	test_eq $((before + 1)) "$(commit_count)"
	test_grep "changed 3 activities" err
	changes >out
	for z in z1 z2 z3; do
		printf "M\t%s\n" "$(rec_path activities "$(cat $z)")"
	done | sort >expect
	test_cmp expect out
	for z in z1 z2 z3; do
		check activities "$(cat $z)" done:=true outcome=reached || exit 1
	done
	test_must_fail --exit=1 sfa-activity agenda --overdue
	sfa-activity agenda --week --format ids >ids
	test_cmp z4 ids
	sfa-activity agenda --week --format ids | sfa-activity reschedule "2026-12-01 09:00"
	check activities "$(cat z4)" due_at=2026-12-01T07:00:00Z sequence:=1 done:=false
	test_must_fail --exit=1 sfa-activity agenda --week
'

test_expect_success 'done, reschedule: unknown ids and bad arguments, nothing written' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-activity done 0000000000zz 2>err
	test_grep 0000000000zz err
	test_must_fail --exit=3 sfa-activity done "$(cat call3)" 0000000000zz 2>err
	test_must_fail --exit=3 sfa-activity reschedule 0000000000zz +1d 2>err
	test_must_fail --exit=2 sfa-activity done 2>err </dev/null
	test_must_fail --exit=2 sfa-activity reschedule 2>err
	test_must_fail --exit=2 sfa-activity reschedule --outcome x "$(cat call3)" +1d 2>err
	test_grep -e "--outcome" err
	test_eq "$before" "$(store_git rev-parse main)"
	check activities "$(cat call3)" done:=false outcome=-
'

test_expect_success 'setup: a deal with a task overdue since September' '
	SFA_NOW=2026-09-01T10:00:00Z sfa-stage add name="Old compressor deal" >opp3
	SFA_NOW=2026-09-02T10:00:00Z sfa-activity log --on "$(cat opp3)" \
		--due "2026-09-10 10:00" --subject "Send the offer" task >task2
	sfa-stage list --stale --format ids >stale
	test_cmp opp3 stale
'

test_expect_success 'done on an overdue task: done_at is when it was marked, the deal touched now' '
	sfa-activity done "$(cat task2)"
	check activities "$(cat task2)" done:=true done_at=2026-11-20T10:00:00Z \
		due_at=2026-09-10T07:00:00Z
	check opportunities "$(cat opp3)" last_activity_at=2026-11-20T10:00:00Z
	test_must_fail --exit=1 sfa-stage list --stale
'

# --- agenda -----------------------------------------------------------------------------

in_store agenda-store

test_expect_success 'setup: an agenda store, activities logged out of order' '
	sfa init -q
	sfa-stage add name="Pumps, Valves" >pv
	sfa-activity log --owner ana --due "2026-11-26 23:59" --subject "Week end" meeting >a5
	sfa-activity log --owner ana --due "2026-11-20 23:30" --subject "Late today" call >a3
	sfa-activity log --owner ana --on "$(cat pv)" --due "2026-11-18 09:00" \
		--subject "Call back" call >a1
	sfa-activity log --owner ana --due "2026-11-27 00:00" --subject "Next week" meeting >a6
	sfa-activity log --owner ana --due "2026-11-21 00:30" --subject "Early tomorrow" call >a4
	sfa-activity log --owner ana --due "2026-11-20 11:00" --duration 1h --location "Room 1" \
		--subject "Stand-up" meeting >a2
	sfa-activity log --owner ana --due "2026-11-19 10:00" --subject "Done already" task >a7
	sfa-activity done "$(cat a7)"
	sfa-activity log --owner ana --subject "Some day" task >a8
	sfa-activity log --owner ben --due "2026-11-20 10:00" --subject "Ben call" call >b1
	check activities "$(cat a4)" due_at=2026-11-20T22:30:00Z
'

test_expect_success 'agenda --rep: what is due today and what is late, sorted by due_at' '
	sfa-activity agenda --rep ana >out
	cat >expect <<-EOF
	due_at,type,subject,about,related_type,owner,duration,location,id
	2026-11-18T07:00:00Z,call,Call back,"Pumps, Valves",opportunity,ana,,,$(cat a1)
	2026-11-20T09:00:00Z,meeting,Stand-up,,,ana,60,Room 1,$(cat a2)
	2026-11-20T21:30:00Z,call,Late today,,,ana,,,$(cat a3)
	EOF
	lf out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'agenda --today: 23:30 local today is in, 00:30 tomorrow is not' '
	sfa-activity agenda --rep ana --today --format ids >out
	cat a2 a3 >expect
	test_cmp expect out
	# in UTC, 22:30Z is still today
	TZ=UTC sfa-activity agenda --rep ana --today --format ids >out
	cat a2 a3 a4 >expect
	test_cmp expect out
	# Sofia, late in the evening: the next day is already today there
	SFA_NOW=2026-11-20T22:15:00Z sfa-activity agenda --rep ana --today --format ids >out
	cat a4 >expect
	test_cmp expect out
'

test_expect_success 'agenda --week: today and the six days after; --overdue: before now' '
	sfa-activity agenda --rep ana --week --format ids >out
	cat a2 a3 a4 a5 >expect
	test_cmp expect out
	sfa-activity agenda --rep ana --overdue --format ids >out
	cat a1 a2 >expect
	test_cmp expect out
	SFA_NOW=2026-11-20T08:59:59Z sfa-activity agenda --rep ana --overdue --format ids >out
	test_cmp a1 out
'

test_expect_success 'agenda --format json and --fields' '
	sfa-activity agenda --rep ana --today --format json >out
	cat >expect <<-EOF
	[
	{"due_at":"2026-11-20T09:00:00Z","type":"meeting","subject":"Stand-up","owner":"ana","duration":60,"location":"Room 1","id":"$(cat a2)"},
	{"due_at":"2026-11-20T21:30:00Z","type":"call","subject":"Late today","owner":"ana","id":"$(cat a3)"}
	]
	EOF
	test_cmp expect out
	sfa-activity agenda --rep ana --overdue --fields subject,about,due_at --format csv >out
	cat >expect <<-\EOF
	subject,about,due_at
	Call back,"Pumps, Valves",2026-11-18T07:00:00Z
	Stand-up,,2026-11-20T09:00:00Z
	EOF
	lf out >out.lf
	test_cmp expect out.lf
'

test_expect_success 'agenda --all, a list of reps; done items and tasks without a date never listed' '
	sfa-activity agenda --all --format ids >out
	cat a1 b1 a2 a3 >expect
	test_cmp expect out
	sfa-activity agenda --rep ana,ben --today --format ids >out
	cat b1 a2 a3 >expect
	test_cmp expect out
	sfa-activity agenda --all --week --format csv >out
	test_grep ! -e "Done already" -e "Some day" -e "Next week" out
	sfa-activity agenda --rep ana --overdue --format ids >out
	test_grep ! -F "$(cat a7)" out
'

test_expect_success 'agenda with no rep: SFA_REP, else the signature name' '
	SFA_REP=ben sfa-activity agenda --format ids >out
	test_cmp b1 out
	SFA_REP=ana sfa-activity agenda --today --format ids >out
	cat a2 a3 >expect
	test_cmp expect out
	# nobody is called "Test User" here
	test_must_fail --exit=1 sfa-activity agenda --format ids >out
	test_must_fail --exit=1 sfa-activity agenda --rep nobody >out
	lf out >out.lf
	echo due_at,type,subject,about,related_type,owner,duration,location,id >expect
	test_cmp expect out.lf
'

test_expect_success 'agenda with no rep: the user of config/users.json with the same email' '
	cat >users.json <<-\EOF
	{
	  "ana": {"name": "Ana Silva", "email": "ana.silva@example.com", "role": "rep"},
	  "ben": {"name": "Ben Ode", "email": "ben@example.com", "role": "rep"}
	}
	EOF
	export SFA_USER="A. Silva <Ana.Silva@Example.COM>"
	test_must_fail --exit=1 sfa-activity agenda --format ids
	sfa config set users users.json
	sfa-activity agenda --format ids >out
	cat a1 a2 a3 >expect
	test_cmp expect out
	SFA_REP=ben sfa-activity agenda --format ids >out
	test_cmp b1 out
	SFA_USER="Ben <ben@example.com>" sfa-activity agenda --format ids >out
	test_cmp b1 out
	# and log gives the activity to that user
	sfa-activity log --due +30d --subject "Plan Q1" meeting >a9
	check activities "$(cat a9)" owner=ana
'

test_expect_success 'agenda: bad arguments exit 2' '
	test_must_fail --exit=2 sfa-activity agenda --rep ana --all 2>err
	test_must_fail --exit=2 sfa-activity agenda --today --week 2>err
	test_must_fail --exit=2 sfa-activity agenda --overdue --today 2>err
	test_must_fail --exit=2 sfa-activity agenda --format xml 2>err
	test_must_fail --exit=2 sfa-activity agenda --ics 2>err
	test_must_fail --exit=2 sfa-activity agenda --from +1d 2>err
	test_must_fail --exit=2 sfa-activity agenda --tz UTC 2>err
	test_must_fail --exit=2 sfa-activity agenda ana 2>err
'

test_expect_success 'setup: tasks with an SLA' '
	SFA_NOW=2026-11-20T04:00:00Z sfa-activity log --owner cy --sla 4 --subject "Answer ticket 1" task >s1
	SFA_NOW=2026-11-20T07:00:00Z sfa-activity log --owner cy --sla 4 --subject "Answer ticket 2" task >s2
	SFA_NOW=2026-11-18T10:00:00Z sfa-activity log --owner cy --sla 24 --subject Answered task >s3
	sfa-activity done "$(cat s3)"
	SFA_NOW=2026-11-20T05:00:00Z sfa-activity log --owner cy --sla 2 --due "2026-11-25 10:00" \
		--subject Quote task >s4
	check activities "$(cat s1)" sla_hours:=4 sla_due_at=2026-11-20T08:00:00Z \
		created_at=2026-11-20T04:00:00Z due_at=- done:=false
	check activities "$(cat s4)" sla_hours:=2 sla_due_at=2026-11-20T07:00:00Z \
		due_at=2026-11-25T08:00:00Z
	check activities "$(cat s3)" sla_due_at=2026-11-19T10:00:00Z done:=true
'

test_expect_success 'agenda --overdue --sla: open tasks past their SLA, by sla_due_at' '
	sfa-activity agenda --rep cy --overdue --sla >out
	cat >expect <<-EOF
	sla_due_at,due_at,type,subject,about,owner,sla_hours,id
	2026-11-20T07:00:00Z,2026-11-25T08:00:00Z,task,Quote,,cy,2,$(cat s4)
	2026-11-20T08:00:00Z,,task,Answer ticket 1,,cy,4,$(cat s1)
	EOF
	lf out >out.lf
	test_cmp expect out.lf
	# none of them is late by its due date
	test_must_fail --exit=1 sfa-activity agenda --rep cy --overdue
	SFA_NOW=2026-11-20T11:00:01Z sfa-activity agenda --rep cy --overdue --sla --format ids >out
	cat s4 s1 s2 >expect
	test_cmp expect out
	SFA_NOW=2026-11-20T06:59:59Z test_must_fail --exit=1 sfa-activity agenda --rep cy --overdue --sla
'

test_expect_success 'agenda --sla (today and late) holds what --overdue --sla holds' '
	sfa-activity agenda --rep cy --sla --format ids >out
	cat s4 s1 s2 >expect
	test_cmp expect out
'

# --- import -----------------------------------------------------------------------------

# drop-column.py IN OUT NAME: the CSV without one column.
cat >drop-column.py <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
i = rows[0].index(sys.argv[3])
w = csv.writer(open(sys.argv[2], "w", newline="", encoding="utf-8"), lineterminator="\n")
for r in rows:
    w.writerow(r[:i] + r[i + 1:])
EOF

# check-import.py ACTS.csv OPPS.csv ACTIVITIES.json OPPORTUNITIES.json NOW:
# every row stored as written, about the deal its related_to names, and
# each deal last touched by its latest done activity (or its creation).
cat >check-import.py <<'EOF'
import csv, json, sys
acts = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
opps = list(csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8")))
stored = {r["external_id"]: r for r in json.load(open(sys.argv[3], encoding="utf-8"))}
deals = {r["external_id"]: r for r in json.load(open(sys.argv[4], encoding="utf-8"))}
now = sys.argv[5]
assert len(stored) == len(acts), (len(stored), len(acts))
last = {o["external_id"]: o["created_at"] for o in opps}
for a in acts:
    s = stored[a["external_id"]]
    for k in ("type", "subject", "owner", "due_at"):
        assert s[k] == a[k], (k, s[k], a[k])
    assert s["done"] is (a["done"] == "true"), s
    assert s["related_to"] == deals[a["related_to"]]["id"], s
    assert s["related_type"] == "opportunity", s
    if s["done"]:
        when = a["due_at"] if a["due_at"] <= now else now
        assert s["done_at"] == when, s
        last[a["related_to"]] = max(last[a["related_to"]], when)
    else:
        assert "done_at" not in s, s
assert any(s["done"] for s in stored.values()) and not all(s["done"] for s in stored.values())
assert any("\n" in a["subject"] for a in acts)
for ext, d in deals.items():
    assert d["last_activity_at"] == last[ext], (ext, d["last_activity_at"], last[ext])
EOF

in_store import-store

test_expect_success 'setup: deals imported with sfa-stage' '
	sfa init -q
	"$SFA_GEN_DATA" opportunities 10 >opps-all.csv
	# the accounts they name are not in this store
	python3 drop-column.py opps-all.csv opps.csv account
	sfa-stage import opps.csv 2>err
	test_eq 10 "$(sfa-stage list --format ids | wc -l)"
'

test_expect_success 'import activities: related_to by external_id, deals touched, one commit' '
	"$SFA_GEN_DATA" activities 30 >acts.csv
	before=$(commit_count)
	sfa-activity import acts.csv 2>err
	test_grep "30 added" err
	test_eq $((before + 1)) "$(commit_count)"
	sfa-activity list --format json >acts.json
	sfa-stage list --format json >deals.json
	python3 check-import.py acts.csv opps.csv acts.json deals.json "$SFA_NOW"
	changes >out
	test_eq 30 "$(grep -c "^A.activities/" out)"
	test_grep "^M.opportunities/" out
'

test_expect_success 'importing the same file again changes nothing' '
	before=$(store_git rev-parse main)
	sfa-activity import acts.csv 2>err
	test_grep "30 unchanged" err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'import: an unknown related_to is exit 3 with file:line and field, nothing written' '
	before=$(store_git rev-parse main)
	cat >bad.csv <<-\EOF
	external_id,type,subject,related_to,owner,due_at,done
	B1,call,"two
	lines",O0000001,rep1,2025-01-01T10:00:00Z,true
	B2,call,Ring,NO-SUCH-DEAL,rep1,2025-01-01T10:00:00Z,true
	EOF
	test_must_fail --exit=3 sfa-activity import bad.csv 2>err
	test_grep -F "bad.csv:4: field '\''related_to'\''" err
	test_grep -F NO-SUCH-DEAL err
	test_eq "$before" "$(store_git rev-parse main)"
	test_must_fail --exit=1 sfa-activity list --where external_id=B1
'

test_expect_success 'import: a type not in the enum is exit 3, nothing written' '
	before=$(store_git rev-parse main)
	cat >bad2.csv <<-\EOF
	external_id,type,subject,related_to,owner,due_at,done
	C1,call,Ring,O0000001,rep1,2025-01-01T10:00:00Z,true
	C2,visit,Drop by,O0000001,rep1,2025-01-01T10:00:00Z,true
	EOF
	test_must_fail --exit=3 sfa-activity import bad2.csv 2>err
	test_grep -F "bad2.csv:3: field '\''type'\''" err
	test_grep visit err
	printf "external_id,type,subject,due_at\nD1,call,Ring,2025-13-01T10:00:00Z\n" >bad3.csv
	test_must_fail --exit=3 sfa-activity import bad3.csv 2>err
	test_grep -F "bad3.csv:2: field '\''due_at'\''" err
	test_eq "$before" "$(store_git rev-parse main)"
'

# --- iCalendar export -------------------------------------------------------------------

# ics-lines.py FILE: the physical lines of an iCalendar file: each ends
# with CRLF, holds at most 75 octets and whole UTF-8 characters; with
# "folded", some line was folded early so as not to split a character.
cat >ics-lines.py <<'EOF'
import sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n"), raw[:40]
lines = raw.split(b"\r\n")
assert lines[-1] == b""
lines = lines[:-1]
early = folds = 0
for i, l in enumerate(lines):
    assert b"\r" not in l and b"\n" not in l, "bare CR or LF in line %d: %r" % (i + 1, l)
    assert len(l) <= 75, "line %d has %d octets: %r" % (i + 1, len(l), l)
    l.decode("utf-8")  # strict: a split character fails here
    if i + 1 < len(lines) and lines[i + 1].startswith(b" "):
        folds += 1
        if len(l) < 75:
            early += 1
            # the character after the fold would not have fitted
            nxt = lines[i + 1][1:]
            first = len(nxt.decode("utf-8")[0].encode("utf-8"))
            assert len(l) + first > 75, "line %d folded early for no reason" % (i + 1)
if len(sys.argv) > 2 and sys.argv[2] == "folded":
    assert folds > 0 and early > 0, (folds, early)
EOF

# ics-check.py FILE RECORDS.json NAMES.json IDS ZONE NOW: the calendar
# holds exactly the activities IDS (a file, one id a line) of RECORDS, each
# as it is stored; ZONE "-" for UTC times. NAMES maps ids of what they are
# about to names. Read twice: by a strict parser here, and by icalendar.
cat >ics-check.py <<'EOF'
import datetime, json, re, sys
import icalendar

path, recs, names, ids, zone, now = sys.argv[1:7]
zone = None if zone == "-" else zone
recs = {r["id"]: r for r in json.load(open(recs, encoding="utf-8"))}
names = json.load(open(names, encoding="utf-8"))
want = [l.strip() for l in open(ids) if l.strip()]
raw = open(path, "rb").read()
UTC = datetime.timezone.utc

def compact(iso):
    return iso.replace("-", "").replace(":", "")

def instant(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

def unescape(v):
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\":
            n = v[i + 1]
            assert n in "\\;,nN", "bad escape in %r" % v
            out.append("\n" if n in "nN" else n)
            i += 2
        else:
            assert c not in ",;", "unescaped %r in %r" % (c, v)
            out.append(c)
            i += 1
    return "".join(out)

def description(r):
    about = names.get(r.get("related_to", ""))
    about = "%s: %s" % (r["related_type"], about) if about else ""
    notes = r.get("notes", "")
    return notes + ("\n\n" if notes and about else "") + about

# strict: unfold, split into components, name;params:value
text = raw.decode("utf-8").replace("\r\n ", "")
lines = text.split("\r\n")[:-1]
comps, cur = {}, None
kinds = []
for l in lines:
    m = re.match(r'([A-Z-]+)((?:;[A-Z-]+=(?:"[^"]*"|[^";:,]*))*):(.*)$', l)
    assert m, "not a content line: %r" % l
    name, params, value = m.groups()
    if name == "BEGIN" and value in ("VEVENT", "VTODO"):
        cur = {"_kind": value}
    elif name == "END" and value in ("VEVENT", "VTODO"):
        uid = cur["UID"][1]
        assert uid.endswith("@sfa"), uid
        comps[uid[:-4]] = cur
        cur = None
    elif cur is not None:
        cur.setdefault(name + "*", []).append((params, value))
        cur[name] = (params, value)
    elif name == "BEGIN":
        kinds.append(value)
assert sorted(comps) == sorted(want), (sorted(comps), sorted(want))
assert ("VTIMEZONE" in kinds) == bool(zone), kinds

for id_ in want:
    r, c = recs[id_], comps[id_]
    task = r["type"] == "task"
    assert c["_kind"] == ("VTODO" if task else "VEVENT"), (id_, c["_kind"])
    assert c["DTSTAMP"] == ("", compact(now)), c["DTSTAMP"]
    params, value = c["DUE" if task else "DTSTART"]
    if zone:
        assert params == ";TZID=" + zone, params
        assert not value.endswith("Z"), value
    else:
        assert params == "" and value == compact(r["due_at"]), (params, value)
    assert unescape(c["SUMMARY"][1]) == r["subject"], (c["SUMMARY"], r["subject"])
    assert unescape(c.get("DESCRIPTION", ("", ""))[1]) == description(r), c.get("DESCRIPTION")
    assert unescape(c.get("LOCATION", ("", ""))[1]) == r.get("location", ""), c.get("LOCATION")
    assert c["CATEGORIES"][1] == r["type"]
    if task:
        assert c["STATUS"][1] == ("COMPLETED" if r["done"] else "NEEDS-ACTION"), c["STATUS"]
        assert "DURATION" not in c
    else:
        assert "STATUS" not in c
        assert c["DURATION"][1] == "PT%dM" % r.get("duration", 30), c["DURATION"]
    if "sequence" in r:
        assert c["SEQUENCE"][1] == str(r["sequence"]), c.get("SEQUENCE")
    else:
        assert "SEQUENCE" not in c

# icalendar: the same values, and the times as instants
cal = icalendar.Calendar.from_ical(raw)
tzs = [c for c in cal.walk() if c.name == "VTIMEZONE"]
vtz = None
if zone:
    assert len(tzs) == 1 and str(tzs[0]["TZID"]) == zone, tzs
    vtz = tzs[0].to_tz()
else:
    assert not tzs
# icalendar 4 unescapes in the wrong order: a backslash before \ , ; or n
# comes back wrong there, so such text is left to the strict reading.
tricky = re.compile(r"\\[\\,;nN]")
offsets = set()
seen = 0
for c in cal.walk():
    if c.name not in ("VEVENT", "VTODO"):
        continue
    seen += 1
    r = recs[str(c["UID"])[:-4]]
    due = instant(r["due_at"])
    dt = (c["DUE"] if r["type"] == "task" else c["DTSTART"]).dt
    assert dt.tzinfo is not None and dt == due, (dt, due)
    if zone:
        # what the VTIMEZONE written says, not what icalendar knows of the zone
        local = vtz.localize(dt.replace(tzinfo=None))
        assert local.astimezone(UTC) == due, (local, due)
        offsets.add(local.utcoffset())
    else:
        assert dt.utcoffset() == datetime.timedelta(0), dt
    for prop, val in (("SUMMARY", r["subject"]), ("DESCRIPTION", description(r)),
                      ("LOCATION", r.get("location", ""))):
        if not tricky.search(val):
            assert str(c.get(prop, "")) == val, (prop, str(c.get(prop, "")), val)
    if "attendees" in r:
        got = c.get("ATTENDEE")
        got = [got] if not isinstance(got, list) else got
        exp = []
        for a in r["attendees"].split(","):
            m = re.match(r"\s*(.*?)\s*<(.*)>\s*$", a)
            exp.append(("mailto:" + m.group(2), m.group(1)) if m else ("mailto:" + a.strip(), None))
        assert [(str(a), a.params.get("CN")) for a in got] == exp, (got, exp)
assert seen == len(want)
if zone:
    print("offsets: " + " ".join(sorted(str(o) for o in offsets)))
EOF

# make-long.py: activities whose texts make lines fold at every position
# inside 2-, 3- and 4-byte characters.
cat >make-long.py <<'EOF'
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["external_id", "type", "subject", "notes", "owner", "due_at", "done"])
n = 0
for chars in ("Пловдив", "重要客户需要报价", "🚀📈"):
    for pad in range(4):
        n += 1
        w.writerow(["L%d" % n, "meeting", "x" * pad + chars * 12,
                    "y" * pad + (chars + ", ") * 9 + "\n" + chars * 10,
                    "ana", "2026-08-%02dT08:00:00Z" % n, "false"])
EOF

if /usr/bin/python3 -c 'import icalendar' 2>/dev/null; then
	have_icalendar=1
else
	have_icalendar=
fi

in_store ics-store

test_expect_success 'setup: a calendar to export' '
	sfa init -q
	sfa-stage add name="Pumps for Sofia" external_id=D-1 >d1
	printf "Agenda: prices, delivery; terms\nПоръчка за помпи — 重要客户，需要报价\nFiles in C:\\\\temp\\\\plans ok\n" >e1-notes
	test_grep -F "C:\\temp\\plans" e1-notes
	sfa-activity log --owner ana --due "2026-07-15 10:00" --duration 1h30 \
		--subject "Q3 review; pumps, valves & sensors" --note "$(cat e1-notes)" \
		--location "Sofia, bul. Vitosha 1; floor 3" \
		--attendees "Ana Silva <ana@example.com>, Бойко Борисов <boyko@example.bg>, plain@example.com" \
		meeting >e1
	sfa-activity log --owner ana --on D-1 --due "2026-12-01 09:30" --subject "Follow-up call" call >e2
	sfa-activity reschedule "$(cat e2)" "2026-12-01 10:30"
	sfa-activity log --owner ana --due "2026-12-03 17:00" --subject "Send quote" task >t1
	sfa-activity log --owner ana --due "2026-11-19 12:00" --subject "Book room" task >t2
	sfa-activity done "$(cat t2)"
	sfa-activity log --owner ana --subject "No date" task >t3
	sfa-activity log --owner ben --due "2026-11-25 10:00" --subject "Ben call" call >b1
	printf "%s" "a\\,b \\;c \\n d \\\\ e\\" >tricky
	sfa-activity log --owner ana --due "2026-08-20 10:00" --subject "$(cat tricky)" \
		--note "$(cat tricky)" --location "$(cat tricky)" meeting >e3
	python3 make-long.py >long.csv
	sfa-activity import long.csv 2>err
	test_grep "12 added" err
	sfa-activity list --format json >recs.json
	sfa-stage list --format json | python3 -c "import json, sys; print(json.dumps({r[\"id\"]: r[\"name\"] for r in json.load(sys.stdin)}))" >names.json
	sfa-activity list --where owner=ana --where "due_at!=" --format ids | sort >ana-ids
	test_eq 17 "$(wc -l <ana-ids)"
	test_grep ! -F "$(cat t3)" ana-ids
'

test_expect_success 'export --ics: CRLF lines of at most 75 octets, folded between characters' '
	sfa-activity export --ics --rep ana >ana.ics
	python3 ics-lines.py ana.ics folded
	sfa-activity export --ics --rep ana --tz Europe/Sofia >ana-tz.ics
	python3 ics-lines.py ana-tz.ics folded
'

if [ -n "$have_icalendar" ]; then
	test_expect_success 'export --ics: UTC times, VEVENT and VTODO with STATUS, text exact' '
		sfa-activity export --ics --rep ana >ana.ics
		/usr/bin/python3 ics-check.py ana.ics recs.json names.json ana-ids - "$SFA_NOW"
		lf ana.ics >ana.lf
		test_grep -Fx "UID:$(cat e2)@sfa" ana.lf
		test_grep -Fx "DTSTART:20260715T070000Z" ana.lf
		test_grep -Fx "DTSTART:20261201T083000Z" ana.lf
		test_grep -Fx "SEQUENCE:1" ana.lf
		test_grep -Fx "STATUS:COMPLETED" ana.lf
		test_grep -Fx "STATUS:NEEDS-ACTION" ana.lf
		test_grep -Fx "SUMMARY:Q3 review\\; pumps\\, valves & sensors" ana.lf
		test_grep -Fx "ATTENDEE;CN=Ana Silva:mailto:ana@example.com" ana.lf
		test_grep -Fx "ATTENDEE:mailto:plain@example.com" ana.lf
		test_grep -Fx "DESCRIPTION:opportunity: Pumps for Sofia" ana.lf
		test_grep ! TZID ana.lf
	'

	test_expect_success 'export --ics --tz Europe/Sofia: TZID, a VTIMEZONE that gives the stored instants' '
		TZ=UTC sfa-activity export --ics --rep ana --tz Europe/Sofia >ana-tz.ics
		/usr/bin/python3 ics-check.py ana-tz.ics recs.json names.json ana-ids Europe/Sofia \
			"$SFA_NOW" >offsets
		# one event in summer time, others in winter time
		echo "offsets: 2:00:00 3:00:00" >expect
		test_cmp expect offsets
		lf ana-tz.ics >tz.lf
		test_grep -Fx "DTSTART;TZID=Europe/Sofia:20260715T100000" tz.lf
		test_grep -Fx "DTSTART;TZID=Europe/Sofia:20261201T103000" tz.lf
		test_grep -Fx "DUE;TZID=Europe/Sofia:20261203T170000" tz.lf
		test_grep -Fx "TZOFFSETTO:+0300" tz.lf
		test_grep -Fx "TZOFFSETTO:+0200" tz.lf
		test_grep -Fx "TZNAME:EEST" tz.lf
		test_grep -Fx "TZNAME:EET" tz.lf
		# the clocks went back at 04:00 EEST on the last Sunday of October
		sed -n "/^BEGIN:STANDARD/,/^END:STANDARD/p" tz.lf >std
		test_grep -Fx "DTSTART:20261025T040000" std
		test_grep -Fx "TZOFFSETFROM:+0300" std
		# the same calendar whatever the local zone
		TZ=America/New_York sfa-activity export --ics --rep ana --tz Europe/Sofia >again.ics
		test_cmp ana-tz.ics again.ics
	'

	test_expect_success 'export --ics --tz: a zone without summer time, and UTC' '
		sfa-activity export --ics --rep ana --tz Asia/Tokyo >tokyo.ics
		/usr/bin/python3 ics-check.py tokyo.ics recs.json names.json ana-ids Asia/Tokyo \
			"$SFA_NOW" >offsets
		echo "offsets: 9:00:00" >expect
		test_cmp expect offsets
		lf tokyo.ics >tokyo.lf
		test_grep -Fx "DTSTART;TZID=Asia/Tokyo:20260715T160000" tokyo.lf
		test_grep ! DAYLIGHT tokyo.lf
		sfa-activity export --ics --rep ana --tz UTC >utc.ics
		/usr/bin/python3 ics-check.py utc.ics recs.json names.json ana-ids UTC \
			"$SFA_NOW" >offsets
		echo "offsets: 0:00:00" >expect
		test_cmp expect offsets
		lf utc.ics >utc.lf
		test_grep -Fx "DTSTART;TZID=UTC:20260715T070000" utc.lf
	'
else
	test_skip_ 'export --ics: UTC times, VEVENT and VTODO with STATUS, text exact' \
		'/usr/bin/python3 has no icalendar module: apt-get install python3-icalendar'
	test_skip_ 'export --ics --tz Europe/Sofia: TZID, a VTIMEZONE that gives the stored instants' \
		'/usr/bin/python3 has no icalendar module: apt-get install python3-icalendar'
	test_skip_ 'export --ics --tz: a zone without summer time, and UTC' \
		'/usr/bin/python3 has no icalendar module: apt-get install python3-icalendar'
fi

test_expect_success 'export: --rep, --all, --from and --to choose the activities' '
	sfa-activity export --ics --all >all.ics
	grep "^UID:" all.ics | tr -d "\r" | sed "s/^UID://; s/@sfa\$//" | sort >got
	{ cat ana-ids b1; } | sort >expect
	test_cmp expect got
	sfa-activity export --ics --rep ben >ben.ics
	grep "^UID:" ben.ics | tr -d "\r" >got
	echo "UID:$(cat b1)@sfa" >expect
	test_cmp expect got
	# --from and --to are local times too; --to is not included
	sfa-activity export --ics --all --from "2026-11-19 12:00" --to "2026-12-01 10:30" >win.ics
	grep "^UID:" win.ics | tr -d "\r" | sed "s/^UID://; s/@sfa\$//" | sort >got
	cat t2 b1 | sort >expect
	test_cmp expect got
	SFA_REP=ana sfa-activity export --ics --from 2026-12-01 >mine.ics
	grep "^UID:" mine.ics | tr -d "\r" | sed "s/^UID://; s/@sfa\$//" | sort >got
	cat e2 t1 | sort >expect
	test_cmp expect got
'

test_expect_success 'export of nothing: an empty calendar, exit 0' '
	sfa-activity export --ics --rep nobody >none.ics
	printf "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nCALSCALE:GREGORIAN\nMETHOD:PUBLISH\nEND:VCALENDAR\n" >expect
	lf none.ics | sed "s/^PRODID:.*/PRODID:x/" >got
	test_cmp expect got
	python3 ics-lines.py none.ics
'

test_expect_success 'export: an unknown --tz is exit 3 with nothing written; no --ics is exit 2' '
	test_must_fail --exit=3 sfa-activity export --ics --rep ana --tz Mars/Olympus_Mons >out 2>err
	test_grep "Mars/Olympus_Mons" err
	test_must_be_empty_ () { ! [ -s "$1" ]; }
	test_must_be_empty_ out
	test_must_fail --exit=3 sfa-activity export --ics --rep ana --tz ../../etc/passwd >out 2>err
	test_must_be_empty_ out
	test_must_fail --exit=3 sfa-activity export --ics --rep ana --tz "" >out 2>err
	test_must_fail --exit=2 sfa-activity export --rep ana >out 2>err
	test_grep -e "--ics" err
	test_must_be_empty_ out
	test_must_fail --exit=2 sfa-activity export --ics --today 2>err
	test_must_fail --exit=2 sfa-activity export --ics --sla 2>err
	test_must_fail --exit=2 sfa-activity export --ics --format json 2>err
	test_must_fail --exit=2 sfa-activity export --ics --rep ana --all 2>err
	test_must_fail --exit=2 sfa-activity export --ics --from someday 2>err
'

test_expect_success 'export: a --tz that is a folder of zones or a table, not a zone, is exit 3' '
	test_must_fail --exit=3 sfa-activity export --ics --rep ana --tz Europe >out 2>err
	test_grep "unknown time zone .Europe." err
	test ! -s out
	if [ -f /usr/share/zoneinfo/zone.tab ]; then
		test_must_fail --exit=3 sfa-activity export --ics --rep ana --tz zone.tab >out 2>err
		test ! -s out
	fi
'

test_expect_success 'every store passes git fsck' '
	for st in store agenda-store import-store ics-store; do
		git --git-dir="$tmp/$st" fsck --strict --no-dangling || exit 1
	done
'

test_done
