#!/bin/sh
# sfa sync, clone, remote, status and conflicts against a bare remote on a
# local path, with several clones: the first sync into an empty remote,
# clones that list what the remote holds, remotes added and removed, ahead
# and behind; reps editing the same account or deal offline (different
# fields kept, the later change of a field winning, the loser logged,
# --rule ours/theirs, conflicts resolved by hand or kept); a delete against
# an edit; stage histories merged as unions; fast-forwards that update the
# index; --dry-run and --no-push; remotes that cannot be reached, that are
# no sfa store or that hold trees no sfa command writes (made with plain
# git); two syncs at once; syncs killed at random moments while they fetch
# and push a thousand leads; and three clones doing 200 random changes
# each until their syncs settle on one commit that accounts for every
# change (tests/sync-random.py).

. "$(dirname "$0")/lib.sh"

unset SFA_NOW SFA_REP

PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# LeakSanitizer matches the leaks tests/lsan.supp suppresses (libgit2's,
# in every command that reads the remotes) by symbolizing their stacks,
# which starts llvm-symbolizer in each of those commands and more than
# doubles the time this script takes. Without it a report still names the
# module and offset of each frame; run the command again by hand with
# symbolize=1 for the names.
ASAN_OPTIONS=$ASAN_OPTIONS:symbolize=0
export ASAN_OPTIONS

# Every store of this script is $tmp/NAME and is worked on by its own rep.
REMOTE=$tmp/remote.git

# on NAME CMD...: CMD on store NAME as that store's rep.
on () {
	(
		SFA_STORE=$tmp/$1
		case $1 in
		a) SFA_USER="Ann Rep <ann@example.com>" ;;
		b) SFA_USER="Bob Rep <bob@example.com>" ;;
		c) SFA_USER="Cid Rep <cid@example.com>" ;;
		esac
		export SFA_STORE SFA_USER
		shift
		"$@"
	)
}

# at TIME CMD...: CMD with the clock (and so the commits) at TIME.
at () {
	(
		SFA_NOW=$1
		export SFA_NOW
		shift
		"$@"
	)
}

# git on store NAME (or on any repository given by its path).
sgit () {
	case $1 in
	/*) _sg=$1 ;;
	*) _sg=$tmp/$1 ;;
	esac
	shift
	git --git-dir="$_sg" "$@"
}

head_of () {
	sgit "$1" rev-parse --verify -q main
}

# rec_path TYPE-PLURAL ID: the path of a record file in the tree.
rec_path () {
	printf '%s/%s/%s.json\n' "$1" "$(printf '%s' "$2" | cut -c1-2)" "$2"
}

# j.py: JSON checks.
#	rec FILE CHECK...	FILE is one record (or a list of exactly one)
#	one FILE SEL... -- CHECK...	exactly one entry of FILE (a list, or an
#				object of objects by id, the id as "conflict")
#				matches every SEL, and it passes every CHECK
#	count FILE SEL...	prints how many entries match
#	get FILE FIELD SEL...	prints FIELD of the one entry that matches
# SEL and CHECK: FIELD=TEXT, FIELD:=JSON, FIELD=- (absent).
cat >j.py <<'EOF'
import json, sys

def load(path):
    v = json.load(open(path, encoding="utf-8"))
    if isinstance(v, dict) and all(isinstance(e, dict) for e in v.values()) and "id" not in v:
        return [dict(e, conflict=k) for k, e in v.items()]
    return v if isinstance(v, list) else [v]

def test(rec, arg):
    if ":=" in arg and arg.index(":=") < arg.find("=") + 1:
        k, v = arg.split(":=", 1)
        return k in rec and rec[k] == json.loads(v) and type(rec[k]) == type(json.loads(v)), k
    k, v = arg.split("=", 1)
    if v == "-":
        return k not in rec, k
    return rec.get(k) == v, k

def check(rec, checks):
    for c in checks:
        ok, k = test(rec, c)
        assert ok, "%s: expected %s, got %r in %s" % (k, c, rec.get(k, "(absent)"),
                                                    json.dumps(rec, ensure_ascii=False))

cmd, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
entries = load(path)
if cmd == "rec":
    assert len(entries) == 1, "expected one record, got %d" % len(entries)
    check(entries[0], args)
    sys.exit(0)
field = args.pop(0) if cmd == "get" else None
sel = args[:args.index("--")] if "--" in args else args
checks = args[args.index("--") + 1:] if "--" in args else []
hits = [e for e in entries if all(test(e, s)[0] for s in sel)]
if cmd == "get":
    assert len(hits) == 1, "%d entries match %s" % (len(hits), sel)
    print(hits[0][field])
elif cmd == "count":
    print(len(hits))
else:
    assert len(hits) == 1, "%d entries match %s in %s" % (len(hits), sel,
                                                         json.dumps(entries, ensure_ascii=False))
    check(hits[0], checks)
EOF

# cmd_of TYPE: the command of a record type.
cmd_of () {
	case $1 in
	opportunity) echo sfa-stage ;;
	*) echo "sfa-$1" ;;
	esac
}

# show NAME TYPE ID FILE: the record as the type's show command gives it, into FILE.
show () {
	on "$1" "$(cmd_of "$2")" show --format json "$3" >"$4"
}

# git_rec NAME PLURAL ID FILE: the record file on main of store NAME.
git_rec () {
	sgit "$1" show "main:$(rec_path "$2" "$3")" >"$4"
}

# same_lists NAME1 NAME2: every type lists the same on both stores.
same_lists () {
	for _sl in account lead opportunity; do
		_sl_rc=0
		on "$1" "$(cmd_of $_sl)" list --format csv >"$tmp/.list1" || _sl_rc=$?
		[ $_sl_rc -le 1 ] || return 1
		_sl_rc=0
		on "$2" "$(cmd_of $_sl)" list --format csv >"$tmp/.list2" || _sl_rc=$?
		[ $_sl_rc -le 1 ] || return 1
		test_cmp "$tmp/.list1" "$tmp/.list2" || return 1
	done
}

# rows_cmp EXPECT OUT: the same header line and the same rows in any order.
rows_cmp () {
	sed -n 1p "$1" >"$tmp/.rows1" &&
	sed 1d "$1" | sort >>"$tmp/.rows1" &&
	sed -n 1p "$2" >"$tmp/.rows2" &&
	sed 1d "$2" | sort >>"$tmp/.rows2" &&
	test_cmp "$tmp/.rows1" "$tmp/.rows2"
}

# --- remotes, the first sync, clone, status ------------------------------------------------

test_expect_success 'setup: a store with accounts, a lead and a deal; an empty bare remote' '
	git init -q --bare -b main "$REMOTE" &&
	on a sfa init -q &&
	at 2026-05-01T08:00:00Z on a sfa-account add name=Acme city=Berlin industry=manufacturing \
		employees=40 >acme &&
	at 2026-05-01T08:01:00Z on a sfa-account add name=Globex city=Lyon >globex &&
	at 2026-05-01T08:02:00Z on a sfa-account add name=Initech city=Austin >initech &&
	at 2026-05-01T08:03:00Z on a sfa-lead add first_name=Li last_name=Wang company=Initech \
		city=Pune >lead1 &&
	at 2026-05-01T08:04:00Z on a sfa-lead add first_name=Olga last_name=Petrova company=Hooli >lead2 &&
	at 2026-05-01T08:05:00Z on a sfa-stage add name="Pumps for Berlin" owner=rep01 \
		account="$(cat acme)" >deal &&
	for f in acme globex initech lead1 lead2 deal; do is_id "$(cat $f)" || exit 1; done
'

test_expect_success 'remote add, list, remove: bad names, duplicates, unknown names' '
	on a sfa remote list >out &&
	echo name,url >expect &&
	test_cmp expect out &&
	test_expect_code 2 on a sfa remote add "bad name" "$REMOTE" 2>err &&
	test_grep -F "'"'"'bad name'"'"' is not a remote name" err &&
	test_expect_code 2 on a sfa remote add "" "$REMOTE" 2>err &&
	test_expect_code 2 on a sfa remote add "x..y" "$REMOTE" 2>err &&
	test_expect_code 2 on a sfa remote add backup "" 2>err &&
	test_grep -F "no url" err &&
	test_expect_code 2 on a sfa remote add origin 2>err &&
	test_expect_code 2 on a sfa remote frob 2>err &&
	on a sfa remote add origin "$REMOTE" &&
	test_expect_code 2 on a sfa remote add origin "$tmp/other.git" 2>err &&
	test_grep -F "remote '"'"'origin'"'"' exists" err &&
	on a sfa remote add backup "$tmp/backup.git" &&
	on a sfa remote list >out &&
	printf "name,url\nbackup,%s\norigin,%s\n" "$tmp/backup.git" "$REMOTE" >expect &&
	test_cmp expect out &&
	on a sfa remote list --format json >out.json &&
	$PYTHON j.py one out.json name=origin -- "url=$REMOTE" &&
	test_expect_code 1 on a sfa remote remove nowhere 2>err &&
	test_grep -F "no remote '"'"'nowhere'"'"'" err &&
	test_expect_code 2 on a sfa remote remove "bad name" 2>err &&
	on a sfa remote remove backup &&
	on a sfa remote list >out &&
	printf "name,url\norigin,%s\n" "$REMOTE" >expect &&
	test_cmp expect out &&
	sgit a config --get remote.origin.fetch >spec &&
	echo "+refs/heads/main:refs/remotes/origin/main" >expect &&
	test_cmp expect spec &&
	test_expect_code 2 on a sfa sync nowhere 2>err &&
	test_grep -F "no remote '"'"'nowhere'"'"'" err &&
	test_expect_code 2 on a sfa status nowhere 2>err
'

test_expect_success 'status before the first fetch: no ahead or behind' '
	on a sfa status --format json >st.json &&
	$PYTHON j.py rec st.json remote=origin "url=$REMOTE" "head=$(head_of a)" \
		"fetched:=null" "ahead:=null" "behind:=null" "conflicts:=0"
'

test_expect_success 'the first sync fills the empty remote with the store' '
	before=$(head_of a) &&
	test_expect_code 0 on a sfa sync >out 2>err &&
	test ! -s out &&
	echo "sfa sync: origin: the remote was empty and now holds this store" >expect &&
	test_cmp expect err &&
	test_eq "$before" "$(head_of a)" &&
	test_eq "$before" "$(sgit "$REMOTE" rev-parse main)" &&
	sgit "$REMOTE" for-each-ref --format="%(refname)" >refs &&
	echo refs/heads/main >expect &&
	test_cmp expect refs &&
	sgit "$REMOTE" fsck --no-dangling &&
	on a sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "fetched=$before" "ahead:=0" "behind:=0" &&
	test_expect_code 0 on a sfa sync >out 2>err &&
	test ! -s out &&
	echo "sfa sync: origin: 0 records in, 0 merged, 0 conflicts (later), 0 out; up to date" >expect &&
	test_cmp expect err &&
	test_eq "$before" "$(head_of a)"
'

test_expect_success 'clone: the same main, an index that lists every record, origin set' '
	test_expect_code 0 sfa clone "$REMOTE" "$tmp/b" 2>err &&
	echo "sfa clone: cloned '"'"'$REMOTE'"'"' into '"'"'$tmp/b'"'"'" >expect &&
	test_cmp expect err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	same_lists a b &&
	on b sfa-account list --format ids | sort >ids &&
	sort acme globex initech >expect &&
	test_cmp expect ids &&
	show a account "$(cat acme)" one.json &&
	show b account "$(cat acme)" two.json &&
	test_cmp one.json two.json &&
	$PYTHON j.py rec two.json name=Acme city=Berlin "employees:=40" &&
	on b sfa-lead show --format json "$(cat lead1)" >lead.json &&
	$PYTHON j.py rec lead.json first_name=Li city=Pune &&
	on b sfa-stage list --format ids >deals &&
	test_cmp deal deals &&
	on b sfa remote list >out &&
	printf "name,url\norigin,%s\n" "$REMOTE" >expect &&
	test_cmp expect out &&
	on b sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "fetched=$(head_of a)" "ahead:=0" "behind:=0" "conflicts:=0"
'

test_expect_success 'clone: --store and $SFA_STORE name the folder; an existing one is refused' '
	sfa clone --store "$tmp/c" "$REMOTE" 2>err &&
	test_eq "$(head_of a)" "$(head_of c)" &&
	same_lists a c &&
	SFA_STORE=$tmp/d sfa clone "$REMOTE" 2>err &&
	test_eq "$(head_of a)" "$(head_of d)" &&
	mkdir taken &&
	echo keep >taken/file &&
	test_expect_code 2 sfa clone "$REMOTE" taken 2>err &&
	test_grep -F "exists" err &&
	ls taken >files &&
	echo file >expect &&
	test_cmp expect files &&
	test_expect_code 2 sfa clone 2>err &&
	test_expect_code 2 sfa clone "$REMOTE" x y 2>err &&
	rm -rf "$tmp/d"
'

test_expect_success 'status counts commits ahead and behind as of the last fetch' '
	at 2026-05-02T09:00:00Z on a sfa-account set "$(cat acme)" phone="+49 30 1234567" &&
	at 2026-05-02T09:10:00Z on a sfa-account add name=Umbrella city=Osaka >umbrella &&
	at 2026-05-02T09:20:00Z on a sfa-lead delete "$(cat lead2)" &&
	on a sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "ahead:=3" "behind:=0" &&
	test_expect_code 0 at 2026-05-02T10:00:00Z on a sfa sync >out 2>err &&
	printf "change,type,id,field,kept,lost,conflict\n" >expect &&
	{
		printf "out,account,%s,,,,\n" "$(cat acme)" "$(cat umbrella)"
		printf "out,lead,%s,,,,\n" "$(cat lead2)"
	} >>expect &&
	rows_cmp expect out &&
	echo "sfa sync: origin: 0 records in, 0 merged, 0 conflicts (later), 3 out; pushed" >expect &&
	test_cmp expect err &&
	test_eq "$(head_of a)" "$(sgit "$REMOTE" rev-parse main)" &&
	on a sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "ahead:=0" "behind:=0" "fetched=$(head_of a)" &&
	on b sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "ahead:=0" "behind:=0"
'

test_expect_success '--dry-run on a store behind: the rows and summary, nothing changed' '
	before=$(head_of b) &&
	remote_before=$(sgit "$REMOTE" rev-parse main) &&
	test_expect_code 0 on b sfa sync --dry-run >out 2>err &&
	printf "change,type,id,field,kept,lost,conflict\n" >expect &&
	{
		printf "in,account,%s,,,,\n" "$(cat acme)" "$(cat umbrella)"
		printf "in,lead,%s,,,,\n" "$(cat lead2)"
	} >>expect &&
	rows_cmp expect out &&
	echo "sfa sync: dry run, nothing changed: origin: 3 records in, 0 merged, 0 conflicts (later), 0 out; nothing to push" >expect &&
	test_cmp expect err &&
	test_eq "$before" "$(head_of b)" &&
	test_eq "$remote_before" "$(sgit "$REMOTE" rev-parse main)" &&
	test_expect_code 1 on b sfa-account show "$(cat umbrella)" 2>err &&
	on b sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "ahead:=0" "behind:=3" "fetched=$remote_before" &&
	on b sfa sync -n --format json >out.json 2>err &&
	$PYTHON j.py count out.json change=in >n &&
	echo 3 >expect &&
	test_cmp expect n
'

test_expect_success 'fast-forward: main moves, the index follows (list, show, search, reindex)' '
	test_expect_code 0 on b sfa sync >out 2>err &&
	echo "sfa sync: origin: 3 records in, 0 merged, 0 conflicts (later), 0 out; up to date" >expect &&
	test_cmp expect err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	sgit b rev-list --merges main >merges &&
	test ! -s merges &&
	same_lists a b &&
	show b account "$(cat umbrella)" u.json &&
	$PYTHON j.py rec u.json name=Umbrella city=Osaka &&
	show b account "$(cat acme)" acme.json &&
	$PYTHON j.py rec acme.json "phone=+49 30 1234567" &&
	test_expect_code 1 on b sfa-lead show "$(cat lead2)" 2>err &&
	on b sfa-lead list --format ids >leads &&
	test_cmp lead1 leads &&
	on b sfa-account list --where city=Osaka --format ids >hit &&
	test_cmp umbrella hit &&
	for t in account lead opportunity; do
		on b $(cmd_of $t) list --format csv >"before.$t" || exit 1
	done &&
	on b sfa reindex -q &&
	for t in account lead opportunity; do
		on b $(cmd_of $t) list --format csv >"after.$t" || exit 1
		test_cmp "before.$t" "after.$t" || exit 1
	done &&
	on c sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of c)" &&
	same_lists a c
'

test_expect_success '--no-push merges and keeps the commits here' '
	at 2026-05-03T09:00:00Z on c sfa-account set "$(cat initech)" industry=software &&
	mine=$(head_of c) &&
	remote_before=$(sgit "$REMOTE" rev-parse main) &&
	test_expect_code 0 on c sfa sync --no-push >out 2>err &&
	echo "sfa sync: origin: 0 records in, 0 merged, 0 conflicts (later), 1 out; not pushed" >expect &&
	test_cmp expect err &&
	printf "change,type,id,field,kept,lost,conflict\nout,account,%s,,,,\n" "$(cat initech)" >expect &&
	test_cmp expect out &&
	test_eq "$mine" "$(head_of c)" &&
	test_eq "$remote_before" "$(sgit "$REMOTE" rev-parse main)" &&
	on c sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "ahead:=1" "behind:=0" &&
	on c sfa sync 2>err &&
	test_eq "$mine" "$(sgit "$REMOTE" rev-parse main)" &&
	on a sfa sync 2>err && on b sfa sync 2>err &&
	test_eq "$mine" "$(head_of a)" &&
	test_eq "$mine" "$(head_of b)"
'

# --- two reps, one record, offline ------------------------------------------------------------

test_expect_success 'different fields of one account: both kept on both clones, no conflict' '
	id=$(cat acme) &&
	at 2026-05-04T09:00:00Z on a sfa-account set "$id" website=acme.example &&
	at 2026-05-04T10:00:00Z on b sfa-account set "$id" employees=45 region=EMEA &&
	on a sfa sync 2>err &&
	test_expect_code 0 at 2026-05-04T12:00:00Z on b sfa sync >out 2>err &&
	printf "change,type,id,field,kept,lost,conflict\nmerged,account,%s,,,,\nout,account,%s,,,,\n" \
		"$id" "$id" >expect &&
	test_cmp expect out &&
	echo "sfa sync: origin: 0 records in, 1 merged, 0 conflicts (later), 1 out; pushed" >expect &&
	test_cmp expect err &&
	sgit b log -1 --format="%an|%P|%s" main >msg &&
	printf "Bob Rep|%s %s|sfa sync: merge origin/main: 0 records from there, 1 merged field by field, 0 conflicts settled (later)\n" \
		"$(sgit b rev-parse main^1)" "$(sgit a rev-parse main)" >expect &&
	test_cmp expect msg &&
	on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	for s in a b; do
		show $s account "$id" rec.json &&
		$PYTHON j.py rec rec.json name=Acme website=acme.example "employees:=45" region=EMEA \
			city=Berlin industry=manufacturing "phone=+49 30 1234567" || exit 1
		test_expect_code 1 on $s sfa conflicts >out || exit 1
	done &&
	test_must_fail sgit a cat-file -e main:state/conflicts.json
'

test_expect_success 'one field on both clones: the later change wins, the loser is logged' '
	id=$(cat acme) &&
	at 2026-05-05T10:00:00Z on a sfa-account set "$id" city=Oslo employees=50 &&
	at 2026-05-05T11:00:00Z on b sfa-account set "$id" city=Lima employees=70 &&
	on b sfa sync 2>err &&
	before=$(head_of a) &&
	remote_before=$(sgit "$REMOTE" rev-parse main) &&
	test_expect_code 0 at 2026-05-05T12:00:00Z on a sfa sync --dry-run >out 2>err &&
	echo "sfa sync: dry run, nothing changed: origin: 0 records in, 1 merged, 2 conflicts (later wins; see '"'"'sfa conflicts'"'"'), 1 out; would push" >expect &&
	test_cmp expect err &&
	printf "change,type,id,field,kept,lost,conflict\nmerged,account,%s,,,,\nout,account,%s,,,,\n" \
		"$id" "$id" >expect &&
	grep -v "^conflict," out >got &&
	test_cmp expect got &&
	grep "^conflict,account,$id,city,Lima,Oslo,[0-9a-f]\{12\}\$" out &&
	grep "^conflict,account,$id,employees,70,50,[0-9a-f]\{12\}\$" out &&
	test_eq "$before" "$(head_of a)" &&
	test_eq "$remote_before" "$(sgit "$REMOTE" rev-parse main)" &&
	test_must_fail sgit a cat-file -e main:state/conflicts.json &&
	test_expect_code 1 on a sfa conflicts >out &&
	test_expect_code 0 at 2026-05-05T12:00:00Z on a sfa sync --format json >out.json 2>err &&
	echo "sfa sync: origin: 0 records in, 1 merged, 2 conflicts (later wins; see '"'"'sfa conflicts'"'"'), 0 out; pushed" >expect &&
	test_cmp expect err &&
	$PYTHON j.py one out.json change=conflict field=city -- type=account "id=$id" kept=Lima lost=Oslo &&
	$PYTHON j.py one out.json change=conflict field=employees -- "kept:=70" "lost:=50" &&
	$PYTHON j.py one out.json change=merged "id=$id" &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Lima "employees:=70" website=acme.example &&
	on a sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json field=city -- type=account "record=$id" kind=both-changed kept=Lima \
		lost=Oslo "kept_by=Bob Rep" "lost_by=Ann Rep" kept_at=2026-05-05T11:00:00Z \
		lost_at=2026-05-05T10:00:00Z rule=later merged_at=2026-05-05T12:00:00Z resolved_at=- &&
	cid=$($PYTHON j.py get c.json conflict field=city) &&
	$PYTHON j.py one out.json field=city -- "conflict=$cid" &&
	sgit a show main:state/conflicts.json >log.json &&
	$PYTHON j.py one log.json "conflict=$cid" -- base=Berlin kept=Lima lost=Oslo remote=origin \
		record="$id" type=account field=city rule=later &&
	$PYTHON j.py one log.json field=employees -- "base:=45" "kept:=70" "lost:=50" &&
	on b sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	on b sfa conflicts --format json >c2.json &&
	test_cmp c.json c2.json &&
	show b account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Lima "employees:=70"
'

test_expect_success 'the later change wins whoever merges: ours when ours is later' '
	id=$(cat acme) &&
	at 2026-05-06T12:00:00Z on a sfa-account set "$id" industry=energy &&
	at 2026-05-06T11:30:00Z on b sfa-account set "$id" industry=retail &&
	on b sfa sync 2>err &&
	at 2026-05-06T13:00:00Z on a sfa sync >out 2>err &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json industry=energy &&
	on a sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json field=industry -- kept=energy lost=retail "kept_by=Ann Rep" \
		"lost_by=Bob Rep" kept_at=2026-05-06T12:00:00Z lost_at=2026-05-06T11:30:00Z &&
	on b sfa sync 2>err &&
	show b account "$id" rec.json &&
	$PYTHON j.py rec rec.json industry=energy
'

test_expect_success 'a tie in time: the greater value wins on either clone' '
	id=$(cat globex) &&
	at 2026-05-07T09:00:00Z on a sfa-account set "$id" notes="Zeta note" &&
	at 2026-05-07T09:00:00Z on b sfa-account set "$id" notes="Alpha note" &&
	on a sfa sync 2>err &&
	at 2026-05-07T10:00:00Z on b sfa sync 2>err &&
	show b account "$id" rec.json &&
	$PYTHON j.py rec rec.json "notes=Zeta note" &&
	on b sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json field=notes -- "kept=Zeta note" "lost=Alpha note" &&
	on a sfa sync 2>err &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json "notes=Zeta note"
'

test_expect_success '--rule theirs and --rule ours override the times' '
	id=$(cat acme) &&
	at 2026-05-08T13:00:00Z on a sfa-account set "$id" city=Ours1 &&
	at 2026-05-08T12:00:00Z on b sfa-account set "$id" city=Theirs1 &&
	on b sfa sync 2>err &&
	test_expect_code 0 at 2026-05-08T14:00:00Z on a sfa sync --rule theirs >out 2>err &&
	echo "sfa sync: origin: 0 records in, 1 merged, 1 conflict (theirs wins; see '"'"'sfa conflicts'"'"'), 0 out; pushed" >expect &&
	test_cmp expect err &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Theirs1 &&
	sgit a log -1 --format=%s main >msg &&
	echo "sfa sync: merge origin/main: 0 records from there, 1 merged field by field, 1 conflict settled (theirs)" >expect &&
	test_cmp expect msg &&
	on a sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json lost=Ours1 -- kept=Theirs1 rule=theirs &&
	on b sfa sync 2>err &&
	at 2026-05-08T15:00:00Z on a sfa-account set "$id" city=Mine &&
	at 2026-05-08T16:00:00Z on b sfa-account set "$id" city=Yours &&
	on b sfa sync 2>err &&
	at 2026-05-08T17:00:00Z on a sfa sync --rule ours 2>err &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Mine &&
	on a sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json lost=Yours -- kept=Mine rule=ours "kept_by=Ann Rep" "lost_by=Bob Rep" &&
	test_expect_code 2 on a sfa sync --rule newest 2>err &&
	test_grep -F "newest" err &&
	on b sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)"
'

test_expect_success 'conflicts resolve: a value typed by the schema, one commit, gone from the list' '
	id=$(cat acme) &&
	on a sfa conflicts --format json >open.json &&
	$PYTHON j.py count open.json field=city >n &&
	echo 3 >expect &&
	test_cmp expect n &&
	before=$(head_of a) &&
	test_expect_code 3 on a sfa conflicts resolve "$id" employees lots 2>err &&
	test_eq "$before" "$(head_of a)" &&
	test_expect_code 1 on a sfa conflicts resolve "$id" phone "+1 555 0100" 2>err &&
	test_grep -F "no open conflict on field '"'"'phone'"'"'" err &&
	test_expect_code 1 on a sfa conflicts resolve zzzzzzzzzzzz city Quito 2>err &&
	test_expect_code 2 on a sfa conflicts resolve "$id" city 2>err &&
	test_expect_code 2 on a sfa conflicts resolve --keep "$id" city Quito 2>err &&
	test_expect_code 2 on a sfa conflicts frob 2>err &&
	test_eq "$before" "$(head_of a)" &&
	prefix=$(printf %s "$id" | cut -c1-6) &&
	test_expect_code 0 at 2026-05-09T09:00:00Z on a sfa conflicts resolve "$prefix" city Quito &&
	test_eq "$before" "$(sgit a rev-parse main^)" &&
	sgit a log -1 --format="%an|%s" main >msg &&
	echo "Ann Rep|sfa conflicts: resolve city of account $id" >expect &&
	test_cmp expect msg &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Quito &&
	on a sfa conflicts --format json >open.json &&
	$PYTHON j.py count open.json field=city >n &&
	echo 0 >expect &&
	test_cmp expect n &&
	on a sfa conflicts --all --format json >all.json &&
	$PYTHON j.py count all.json field=city resolved_at=2026-05-09T09:00:00Z >n &&
	echo 3 >expect &&
	test_cmp expect n &&
	sgit a show main:state/conflicts.json >log.json &&
	$PYTHON j.py one log.json field=city lost=Oslo -- "resolved_by=Ann Rep" resolved_to=Quito &&
	at 2026-05-09T09:05:00Z on a sfa conflicts resolve "$id" employees 60 &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json "employees:=60"
'

test_expect_success 'conflicts resolve --keep keeps the rule'"'"'s value; "" removes the field' '
	id=$(cat acme) &&
	before=$(head_of a) &&
	at 2026-05-09T09:10:00Z on a sfa conflicts resolve --keep "$id" industry &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json industry=energy &&
	sgit a diff --name-only "$before" main >changed &&
	echo state/conflicts.json >expect &&
	test_cmp expect changed &&
	sgit a show main:state/conflicts.json >log.json &&
	$PYTHON j.py one log.json field=industry -- resolved_at=2026-05-09T09:10:00Z resolved_to=- &&
	at 2026-05-09T09:20:00Z on a sfa conflicts resolve "$(cat globex)" notes "" &&
	show a account "$(cat globex)" rec.json &&
	$PYTHON j.py rec rec.json notes=- &&
	test_expect_code 1 on a sfa conflicts >out &&
	on a sfa conflicts --all --format json >all.json &&
	$PYTHON j.py count all.json resolved_at=- >n &&
	echo 0 >expect &&
	test_cmp expect n &&
	on a sfa sync 2>err &&
	on b sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	test_expect_code 1 on b sfa conflicts >out &&
	on b sfa status --format json >st.json &&
	$PYTHON j.py rec st.json "conflicts:=0" "ahead:=0" "behind:=0"
'

test_expect_success 'one deletes while the other edits: the edited record kept, delete-edit logged' '
	id=$(cat globex) &&
	at 2026-05-10T09:00:00Z on a sfa-account delete "$id" &&
	at 2026-05-10T10:00:00Z on b sfa-account set "$id" city=Paris &&
	on a sfa sync 2>err &&
	test_expect_code 0 at 2026-05-10T11:00:00Z on b sfa sync >out 2>err &&
	printf "kept,account,%s,,edited,deleted," "$id" >want &&
	grep "^kept," out >got &&
	tr -d "\n" <got | sed -e "s/[0-9a-f]\{12\}\$//" >got.trim &&
	test_cmp want got.trim &&
	show b account "$id" rec.json &&
	$PYTHON j.py rec rec.json name=Globex city=Paris &&
	on b sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json "record=$id" -- type=account kind=delete-edit "field:=null" \
		kept=edited lost=deleted "kept_by=Bob Rep" "lost_by=Ann Rep" \
		kept_at=2026-05-10T10:00:00Z lost_at=2026-05-10T09:00:00Z &&
	on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Paris &&
	on a sfa-account list --where city=Paris --format ids >hit &&
	test_cmp globex hit
'

test_expect_success 'a delete-edit conflict is resolved by its own id' '
	id=$(cat globex) &&
	on a sfa conflicts --format json >c.json &&
	cid=$($PYTHON j.py get c.json conflict kind=delete-edit) &&
	test_expect_code 2 on a sfa conflicts resolve --keep "$cid" 2>err &&
	test_expect_code 1 on a sfa conflicts resolve 000000000000 2>err &&
	before=$(head_of a) &&
	at 2026-05-10T12:00:00Z on a sfa conflicts resolve "$cid" &&
	test_eq "$before" "$(sgit a rev-parse main^)" &&
	sgit a diff --name-only "$before" main >changed &&
	echo state/conflicts.json >expect &&
	test_cmp expect changed &&
	test_expect_code 1 on a sfa conflicts >out &&
	on a sfa conflicts --all --format json >all.json &&
	$PYTHON j.py one all.json "conflict=$cid" -- kind=delete-edit resolved_at=2026-05-10T12:00:00Z &&
	show a account "$id" rec.json &&
	$PYTHON j.py rec rec.json city=Paris &&
	on a sfa sync 2>err &&
	on b sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)"
'

test_expect_success 'the deleter merges an edit: the record comes back, in the index too' '
	id=$(cat lead1) &&
	at 2026-05-11T09:00:00Z on a sfa-lead set "$id" title=CTO &&
	at 2026-05-11T10:00:00Z on b sfa-lead delete "$id" &&
	on a sfa sync 2>err &&
	at 2026-05-11T11:00:00Z on b sfa sync >out 2>err &&
	show b lead "$id" rec.json &&
	$PYTHON j.py rec rec.json first_name=Li title=CTO &&
	on b sfa-lead list --format ids >ids &&
	test_cmp lead1 ids &&
	on b sfa conflicts --format json >c.json &&
	$PYTHON j.py one c.json "record=$id" -- kind=delete-edit kept=edited lost=deleted \
		"kept_by=Ann Rep" "lost_by=Bob Rep" &&
	on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)"
'

test_expect_success 'a delete not edited elsewhere: gone on both clones, nothing logged' '
	id=$(cat initech) &&
	on a sfa conflicts --all --format json >before.json &&
	at 2026-05-12T09:00:00Z on a sfa-account delete "$id" &&
	at 2026-05-12T10:00:00Z on b sfa-account set "$(cat umbrella)" city=Kyoto &&
	on a sfa sync 2>err &&
	on b sfa sync 2>err &&
	on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	for s in a b; do
		test_expect_code 1 on $s sfa-account show "$id" 2>err || exit 1
		on $s sfa conflicts --all --format json >after.json || exit 1
		test_cmp before.json after.json || exit 1
	done &&
	test_must_fail sgit a cat-file -e "main:$(rec_path accounts "$id")"
'

test_expect_success 'a record two clones kept against one delete: the fields each changed both stay' '
	id=$(cat umbrella) &&
	on a sfa sync 2>err && on b sfa sync 2>err && on c sfa sync 2>err && on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of c)" &&
	at 2026-05-12T12:00:00Z on c sfa-account delete "$id" &&
	at 2026-05-12T13:00:00Z on a sfa-account set "$id" city=Nagoya &&
	at 2026-05-12T14:00:00Z on b sfa-account set "$id" industry=logistics &&
	at 2026-05-12T15:00:00Z on c sfa sync 2>err &&
	at 2026-05-12T15:10:00Z on b sfa sync --no-push 2>err &&
	at 2026-05-12T15:20:00Z on a sfa sync 2>err &&
	at 2026-05-12T15:30:00Z on b sfa sync >out 2>err &&
	on b sfa conflicts --format json >c.json &&
	$PYTHON j.py count c.json "record=$id" kind=delete-edit >n &&
	echo 2 >expect &&
	test_cmp expect n &&
	show b account "$id" rec.json &&
	$PYTHON j.py rec rec.json name=Umbrella city=Nagoya industry=logistics &&
	$PYTHON j.py count c.json "record=$id" kind=both-changed >n &&
	echo 0 >expect &&
	test_cmp expect n
'

test_expect_success 'stage history: two reps move one deal offline, the history is the union in time order' '
	id=$(cat deal) &&
	on b sfa sync 2>err &&
	at 2026-05-13T09:00:00Z on a sfa-stage move "$id" qualification &&
	at 2026-05-13T15:00:00Z on a sfa-stage set "$id" next_step="send the brochure" &&
	at 2026-05-13T12:00:00Z on b sfa-stage set "$id" amount="18000 EUR" close_date=2026-09-30 &&
	at 2026-05-13T12:30:00Z on b sfa-stage move "$id" needs-analysis &&
	at 2026-05-14T10:00:00Z on b sfa-stage move "$id" proposal &&
	on a sfa sync 2>err &&
	at 2026-05-14T12:00:00Z on b sfa sync 2>err &&
	on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of b)" &&
	git_rec b opportunities "$id" rec.json &&
	$PYTHON - rec.json <<-\EOF &&
	import json, sys
	rec = json.load(open(sys.argv[1]))
	want = [
	    {"at": "2026-05-01T08:05:00Z", "by": "Ann Rep", "to": "prospecting"},
	    {"at": "2026-05-13T09:00:00Z", "by": "Ann Rep", "from": "prospecting", "to": "qualification"},
	    {"at": "2026-05-13T12:30:00Z", "by": "Bob Rep", "from": "prospecting", "to": "needs-analysis"},
	    {"at": "2026-05-14T10:00:00Z", "by": "Bob Rep", "from": "needs-analysis", "to": "proposal"},
	]
	assert rec["stage_history"] == want, json.dumps(rec["stage_history"], indent=1)
	assert rec["next_step"] == "send the brochure", rec
	assert rec["amount"] == "18000.00 EUR" and rec["close_date"] == "2026-09-30", rec
	# Bob changed the deal last (2026-05-14T10:00), so his stage stands
	assert rec["stage"] == "proposal" and rec["stage_entered_at"] == "2026-05-14T10:00:00Z", rec
	EOF
	show a opportunity "$id" shown.json &&
	$PYTHON j.py rec shown.json stage=proposal "next_step=send the brochure" &&
	on a sfa-stage list --stage proposal --format ids >ids &&
	test_cmp deal ids &&
	on a sfa conflicts --format json >c.json &&
	$PYTHON j.py count c.json "record=$id" field=stage_history >n &&
	echo 0 >expect &&
	test_cmp expect n &&
	$PYTHON j.py one c.json "record=$id" field=stage -- kept=proposal lost=qualification
'

# --- remotes that cannot be reached, that are no sfa store, or that hold what sfa never writes --

test_expect_success 'an unreachable remote (a missing path): exit 5, nothing changed here' '
	on a sfa sync 2>err &&
	at 2026-05-20T09:00:00Z on a sfa-account set "$(cat acme)" notes="offline note" &&
	before=$(head_of a) &&
	on a sfa remote add gone "$tmp/nowhere.git" &&
	on a sfa remote add gone2 "file://$tmp/nowhere.git" &&
	for r in gone gone2; do
		test_expect_code 5 on a sfa sync $r >out 2>err || exit 1
		test ! -s out || exit 1
		test_grep -F "cannot reach remote '"'"'$r'"'"'" err || exit 1
		test_expect_code 5 on a sfa sync --dry-run $r 2>err || exit 1
		test_eq "$before" "$(head_of a)" || exit 1
		test_must_fail sgit a rev-parse --verify -q "refs/remotes/$r/main" || exit 1
		on a sfa status --format json $r >st.json || exit 1
		$PYTHON j.py rec st.json "fetched:=null" "head=$before" || exit 1
	done &&
	test ! -e "$tmp/nowhere.git" &&
	test_expect_code 5 sfa clone "$tmp/nowhere.git" "$tmp/e" 2>err &&
	test ! -e "$tmp/e" &&
	on a sfa remote remove gone &&
	on a sfa remote remove gone2
'

test_expect_success 'setup: remotes that are no sfa store' '
	git init -q -b main pw &&
	echo "just a readme" >pw/README &&
	git -C pw add README &&
	git -C pw -c user.name=Someone -c user.email=someone@example.com commit -q -m readme &&
	git init -q --bare -b main "$tmp/plain.git" &&
	git -C pw push -q "$tmp/plain.git" main &&
	git init -q --bare -b master "$tmp/master.git" &&
	git -C pw push -q "$tmp/master.git" main:master &&
	sgit "$tmp/master.git" for-each-ref --format="%(refname)" >refs &&
	echo refs/heads/master >expect &&
	test_cmp expect refs &&
	SFA_STORE=$tmp/stranger sfa init -q
'

while IFS='|' read -r name url message; do
	case $name in '#'*|'') continue ;; esac
	name=$(echo $name) url=$(echo $url) message=$(echo $message)
	test_expect_success "sync and clone refuse a remote that is no sfa store ($name): exit 3" '
		before=$(head_of a) &&
		on a sfa-account list --format csv >list.before &&
		on a sfa remote add '"$name"' "$tmp/'"$url"'" &&
		test_expect_code 3 on a sfa sync '"$name"' >out 2>err &&
		test ! -s out &&
		test_grep -F "remote '"'"''"$name"''"'"'" err &&
		test_grep -F "'"$message"'" err &&
		test_expect_code 3 on a sfa sync --dry-run '"$name"' 2>err &&
		test_eq "$before" "$(head_of a)" &&
		on a sfa-account list --format csv >list.after &&
		test_cmp list.before list.after &&
		on a sfa remote remove '"$name"' &&
		test_expect_code 3 sfa clone "$tmp/'"$url"'" "$tmp/cl-'"$name"'" 2>err &&
		test_grep -F "not an sfa store" err &&
		test ! -e "$tmp/cl-'"$name"'"
	'
done <<'EOF'
# name | remote | what the sync says
plain | plain.git | no common commit
master | master.git | it has no branch 'main'
EOF

test_expect_success 'sync refuses another store'"'"'s history: exit 3; clone takes it' '
	before=$(head_of a) &&
	on a sfa remote add stranger "$tmp/stranger" &&
	test_expect_code 3 on a sfa sync stranger 2>err &&
	test_grep -F "remote '"'"'stranger'"'"' has another store'"'"'s history" err &&
	test_eq "$before" "$(head_of a)" &&
	sgit a rev-parse --verify -q refs/remotes/stranger/main >/dev/null &&
	on a sfa remote remove stranger &&
	test_must_fail sgit a rev-parse --verify -q refs/remotes/stranger/main &&
	sfa clone "$tmp/stranger" "$tmp/cl-stranger" 2>err &&
	test_eq "$(head_of stranger)" "$(head_of cl-stranger)" &&
	rm -rf "$tmp/cl-stranger"
'

# tree_put REPO TREE PATH MODE TYPE OID: TREE ("" for none) with the entry
# PATH (made of folders as needed) set to MODE TYPE OID, or removed when
# MODE is "-"; prints the new tree. Plain ls-tree and mktree: no name is
# refused, as another git tool would not refuse it.
tree_put () {
	_tp_first=${3%%/*}
	if [ "$_tp_first" = "$3" ]; then
		{
			if [ -n "$2" ]; then
				git --git-dir="$1" ls-tree "$2" | awk -F '\t' -v n="$_tp_first" '$2 != n'
			fi
			if [ "$4" != - ]; then
				printf '%s %s %s\t%s\n' "$4" "$5" "$6" "$_tp_first"
			fi
		} | git --git-dir="$1" mktree
		return
	fi
	_tp_sub=
	if [ -n "$2" ]; then
		_tp_sub=$(git --git-dir="$1" ls-tree "$2" |
			awk -F '\t' -v n="$_tp_first" '$2 == n { split($1, f, " "); print f[3] }')
	fi
	# a subshell: the call below reuses the _tp_ variables
	_tp_new=$(tree_put "$1" "$_tp_sub" "${3#*/}" "$4" "$5" "$6") || return 1
	tree_put "$1" "$2" "$_tp_first" 040000 tree "$_tp_new"
}

# blob_of REPO: stdin as a blob of REPO; prints its id.
blob_of () {
	git --git-dir="$1" hash-object -w --stdin
}

# hostile CASE: $tmp/CASE.git holds the remote's main and on top of it one
# commit made with plain git in a clone of the remote (hash-object, mktree,
# commit-tree, update-ref) and pushed there with git push, whose tree
# holds what CASE names.
hostile () {
	_h=$tmp/work-$1.git
	rm -rf "$_h" "$tmp/$1.git"
	git clone -q --bare "$REMOTE" "$_h" || return 1
	_h_tree=$(sgit "$_h" rev-parse "main^{tree}") || return 1
	_h_cfg=$(sgit "$_h" rev-parse "main^{tree}:config") || return 1
	_h_id=abcdefghjkmn
	_h_rec=accounts/ab/$_h_id.json
	_h_good="{\"id\": \"$_h_id\", \"name\": \"X\"}"
	case $1 in
	dotdot)	_h_new=$(tree_put "$_h" "$_h_tree" accounts/.. 040000 tree "$_h_cfg") ;;
	dotgit)	_h_new=$(tree_put "$_h" "$_h_tree" leads/.git 040000 tree "$_h_cfg") ;;
	top)	_h_new=$(tree_put "$_h" "$_h_tree" evil/x.json 100644 blob "$(echo "{}" | blob_of "$_h")") ;;
	nostore) _h_new=$(tree_put "$_h" "$_h_tree" config/store.json - - -) ;;
	notjson) _h_new=$(tree_put "$_h" "$_h_tree" "$_h_rec" 100644 blob "$(echo "not json" | blob_of "$_h")") ;;
	array)	_h_new=$(tree_put "$_h" "$_h_tree" "$_h_rec" 100644 blob "$(echo "[$_h_good]" | blob_of "$_h")") ;;
	otherid) _h_new=$(tree_put "$_h" "$_h_tree" "$_h_rec" 100644 blob \
		"$(echo "{\"id\": \"abcdefghjkmp\", \"name\": \"X\"}" | blob_of "$_h")") ;;
	noid)	_h_new=$(tree_put "$_h" "$_h_tree" "$_h_rec" 100644 blob "$(echo "{\"name\": \"X\"}" | blob_of "$_h")") ;;
	huge)	_h_new=$(tree_put "$_h" "$_h_tree" "$_h_rec" 100644 blob "$($PYTHON -c '
import json, sys
print(json.dumps({"id": sys.argv[1], "name": "X", "notes": "x" * (2 << 20)}))' "$_h_id" | blob_of "$_h")") ;;
	filename) _h_new=$(tree_put "$_h" "$_h_tree" accounts/ab/evil.json 100644 blob "$(echo "$_h_good" | blob_of "$_h")") ;;
	shard)	_h_new=$(tree_put "$_h" "$_h_tree" "accounts/zz/$_h_id.json" 100644 blob "$(echo "$_h_good" | blob_of "$_h")") ;;
	notfolder) _h_new=$(tree_put "$_h" "$_h_tree" accounts 100644 blob "$(echo "$_h_good" | blob_of "$_h")") ;;
	cfgdot)	_h_new=$(tree_put "$_h" "$_h_tree" config/.hidden 100644 blob "$(echo "{}" | blob_of "$_h")") ;;
	cfglink) _h_new=$(tree_put "$_h" "$_h_tree" config/pricebooks.json 120000 blob "$(printf /etc/passwd | blob_of "$_h")") ;;
	cfgbig)	_h_new=$(tree_put "$_h" "$_h_tree" config/notes.json 100644 blob "$($PYTHON -c '
import json
print(json.dumps({"a": "x" * (17 << 20)}))' | blob_of "$_h")") ;;
	*)	return 1 ;;
	esac
	[ -n "$_h_new" ] || return 1
	_h_commit=$(echo "sfa-account: add account $_h_id" |
		GIT_AUTHOR_NAME=Mallory GIT_AUTHOR_EMAIL=mallory@example.com \
		GIT_COMMITTER_NAME=Mallory GIT_COMMITTER_EMAIL=mallory@example.com \
		sgit "$_h" commit-tree -p main "$_h_new") || return 1
	sgit "$_h" update-ref refs/heads/main "$_h_commit" &&
	git init -q --bare -b main "$tmp/$1.git" &&
	sgit "$_h" push -q "$tmp/$1.git" main 2>/dev/null &&
	test_eq "$_h_commit" "$(sgit "$tmp/$1.git" rev-parse main)" &&
	rm -rf "$_h"
}

test_expect_success 'setup: a level with the remote, c with a commit of its own' '
	on a sfa sync 2>err &&
	on c sfa sync 2>err &&
	test_eq "$(head_of a)" "$(sgit "$REMOTE" rev-parse main)" &&
	test_eq "$(head_of c)" "$(head_of a)" &&
	at 2026-05-21T09:00:00Z on c sfa-account set "$(cat acme)" notes="only on c" &&
	on a sfa-account list --format csv >list.a
'

# Each case synced by a (the remote's main is ahead: a fast-forward), by c
# when the table says so (both changed: a merge), and cloned when it says
# so. The remote is added with git remote, as sfa sync takes any remote of
# the store.
while IFS='|' read -r name stores clone message; do
	case $name in '#'*|'') continue ;; esac
	name=$(echo $name) stores=$(echo $stores) clone=$(echo $clone) message=$(echo $message)
	test_expect_success "a hostile remote ($name): sync exits 3, nothing merged; clone refuses it" '
		hostile '"$name"' &&
		for s in '"$stores"'; do
			before=$(head_of $s) &&
			sgit $s remote add hostile "$tmp/'"$name"'.git" &&
			test_expect_code 3 on $s sfa sync hostile >out 2>err &&
			test ! -s out &&
			test_grep -F "remote '"'"'hostile'"'"'" err &&
			test_grep -F "'"$message"'" err &&
			test_eq "$before" "$(head_of $s)" &&
			test_eq "$(sgit "$tmp/'"$name"'.git" rev-parse main)" \
				"$(sgit $s rev-parse refs/remotes/hostile/main)" &&
			sgit $s remote remove hostile || exit 1
		done &&
		on a sfa-account list --format csv >list.after &&
		test_cmp list.a list.after &&
		if [ '"$clone"' = yes ]; then
			test_expect_code 3 sfa clone "$tmp/'"$name"'.git" "$tmp/cl-'"$name"'" 2>err &&
			test ! -e "$tmp/cl-'"$name"'"
		fi &&
		rm -rf "$tmp/'"$name"'.git"
	'
done <<'EOF'
# case | synced by | cloned | what the sync says
dotdot | a c | yes | unsafe path name '..'
dotgit | a | no | unsafe path name '.git'
top | a | yes | 'evil': not a folder of an sfa store
nostore | a c | yes | no config/store.json
notjson | a c | yes | not a record (a JSON object)
array | a | no | not a record (a JSON object)
otherid | a c | yes | its id is 'abcdefghjkmp'
noid | a | yes | its id is ''
huge | a c | yes | larger than a record can be
filename | a | yes | evil.json
shard | a | no | accounts/zz
notfolder | a | no | accounts
cfgdot | a | no | config/.hidden: not a plain file name
cfglink | a | no | config/pricebooks.json: not a plain file name
cfgbig | a c | yes | config/notes.json: larger than 16 MiB
EOF

test_expect_success 'after the hostile remotes, syncs with origin go on as before' '
	on a sfa sync 2>err &&
	on c sfa sync 2>err &&
	on a sfa sync 2>err &&
	test_eq "$(head_of a)" "$(head_of c)" &&
	show a account "$(cat acme)" rec.json &&
	$PYTHON j.py rec rec.json "notes=only on c" &&
	sgit a fsck --no-dangling 2>fsck.err &&
	sgit "$REMOTE" fsck --no-dangling 2>fsck.err
'

test_expect_success 'two syncs of one store at once: the second exits 5, nothing changed' '
	at 2026-05-22T09:00:00Z on a sfa-account set "$(cat acme)" notes="while locked" &&
	before=$(head_of a) &&
	remote_before=$(sgit "$REMOTE" rev-parse main) &&
	exec 9>>"$tmp/a/sfa-sync.lock" &&
	flock -n 9 &&
	rc=0 &&
	{ test_expect_code 5 on a sfa sync >out 2>err 9>&- || rc=1; } &&
	flock -u 9 &&
	exec 9>&- &&
	test $rc -eq 0 &&
	test ! -s out &&
	test_grep -F "another sync of store" err &&
	test_eq "$before" "$(head_of a)" &&
	test_eq "$remote_before" "$(sgit "$REMOTE" rev-parse main)" &&
	on a sfa sync 2>err &&
	test_eq "$before" "$(sgit "$REMOTE" rev-parse main)"
'

# --- a network cut: syncs killed at random moments -------------------------------------------

# The seed of every random choice below; set SFA_SYNC_SEED to replay a failure.
SEED=${SFA_SYNC_SEED:-1700}
echo "# random seed $SEED (SFA_SYNC_SEED)"

# relabel.py PREFIX: leads CSV from gen-data on stdin, with external ids that
# start with PREFIX instead of L (so that they are new leads, not updates).
cat >relabel.py <<'EOF'
import csv, sys
r = csv.reader(sys.stdin)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(next(r))
for row in r:
    row[0] = sys.argv[1] + row[0][1:]
    w.writerow(row)
EOF

# now: the time in seconds, to the nanosecond.
now () {
	date +%s.%N
}

test_expect_success 'setup: a remote with 1000 leads, two stores of it with 150 new leads and edits each' '
	gen_leads 1000 --seed 11 >base.csv &&
	on kx sfa init -q &&
	at 2026-06-01T08:00:00Z on kx sfa-lead import -q --dedupe off base.csv &&
	git init -q --bare -b main "$tmp/big.git" &&
	on kx sfa remote add origin "$tmp/big.git" &&
	on kx sfa sync 2>err &&
	cp -R "$tmp/kx" "$tmp/ky" &&
	on kx sfa-lead list --fields id,external_id --format csv >idext.csv &&
	sed 1d idext.csv | cut -d, -f1 >shared &&
	test_line_count = 1000 shared &&
	sed -n 62,81p idext.csv | cut -d, -f2 >deleted.ext &&
	gen_leads 150 --seed 12 | $PYTHON relabel.py X >x.csv &&
	gen_leads 150 --seed 13 | $PYTHON relabel.py Y >y.csv &&
	at 2026-06-02T09:00:00Z on kx sfa-lead import -q --dedupe off x.csv &&
	at 2026-06-02T09:30:00Z on ky sfa-lead import -q --dedupe off y.csv &&
	at 2026-06-02T10:00:00Z on kx sfa-lead set $(sed -n 1,40p shared) city=Sofia &&
	at 2026-06-02T10:30:00Z on ky sfa-lead set $(sed -n 21,60p shared) city=Plovdiv title=Buyer &&
	at 2026-06-02T11:00:00Z on ky sfa-lead delete $(sed -n 61,80p shared) &&
	test_eq 1150 "$(SFA_STORE=$tmp/kx lead_count_git)" &&
	test_eq 1130 "$(SFA_STORE=$tmp/ky lead_count_git)"
'

# kill_check NAME: the store NAME as a killed sync left it: git finds
# nothing wrong with it or the remote, main is a commit, and the index
# lists the leads of main.
kill_check () {
	sgit "$1" fsck --no-dangling --no-progress 2>"$tmp/.fsck" || {
		say_ "fsck of $1:"; cat "$tmp/.fsck" >&4; return 1
	}
	sgit "$tmp/big.git" fsck --no-dangling --no-progress 2>"$tmp/.fsck" || {
		say_ "fsck of the remote:"; cat "$tmp/.fsck" >&4; return 1
	}
	sgit "$1" rev-parse --verify -q "main^{commit}" >/dev/null || return 1
	on "$1" sfa-lead list --format ids >"$tmp/.ids" || return 1
	test_eq "$(SFA_STORE=$tmp/$1 lead_count_git)" "$(wc -l <"$tmp/.ids" | tr -d " ")"
}

# Each of the 20 kills starts from the stores and the remote as the setup
# left them (copies in p-*), so that every kill hits a sync with all of
# its work ahead of it: half of them after the other store pushed its
# leads (a fetch and a merge before the push), half before (a push). The
# delay is a random share of how long that sync took when it ran whole.
# After each kill the store is checked, and the next sync must complete.
test_expect_success 'syncs killed (SIGKILL) at 20 random moments while they fetch, merge and push' '
	for d in big.git kx ky; do cp -R "$tmp/$d" "$tmp/p-$d" || exit 1; done &&
	restore () {
		for d in big.git kx ky; do
			rm -rf "$tmp/$d" && cp -R "$tmp/p-$d" "$tmp/$d" || return 1
		done
	} &&
	t0=$(now) && { on kx sfa-sync >out 2>err && t1=$(now) && on ky sfa-sync >out 2>err || { cat err; false; }; } &&
	t2=$(now) &&
	$PYTHON - "$SEED" "$t0" "$t1" "$t2" >schedule <<-\EOF &&
	import random, sys
	seed, t0, t1, t2 = int(sys.argv[1]), *map(float, sys.argv[2:])
	r = random.Random(seed)
	print("# kx pushed in %.2fs, then ky fetched, merged and pushed in %.2fs" % (t1 - t0, t2 - t1),
	      file=sys.stderr)
	for i in range(20):
	    after = r.random() < 0.5
	    print(r.choice("xy"), int(after), "%.3f" % ((t2 - t1 if after else t1 - t0) * r.uniform(0.05, 0.9)))
	EOF
	killed=0 &&
	while read side after delay; do
		restore || exit 1
		other=x && [ $side = y ] || other=y
		if [ $after = 1 ]; then
			on k$other sfa-sync >/dev/null 2>err || { cat err; exit 1; }
		fi
		rc=0
		on k$side timeout -s KILL "$delay" sfa-sync >/dev/null 2>kill.err </dev/null || rc=$?
		echo "kill k$side after ${delay}s (k$other synced first: $after): exit $rc"
		case $rc in
		0) ;;
		137) killed=$((killed + 1)) ;;
		*) cat kill.err; exit 1 ;;
		esac
		if grep -e Sanitizer -e "runtime error" kill.err; then exit 1; fi
		kill_check k$side || exit 1
		on k$side sfa-sync >/dev/null 2>err </dev/null || { cat err; exit 1; }
		kill_check k$side || exit 1
	done <schedule &&
	echo "killed $killed of 20" &&
	test $killed -ge 12
'

test_expect_success 'after the kills: syncs complete, both clones end at one commit with every lead' '
	for i in 1 2 3; do
		on kx sfa sync >out 2>err || { cat err; exit 1; }
		on ky sfa sync >out 2>err || { cat err; exit 1; }
		if [ "$(head_of kx)" = "$(head_of ky)" ]; then break; fi
	done &&
	on kx sfa sync >out 2>err &&
	test_grep "; up to date\$" err &&
	test_eq "$(head_of kx)" "$(head_of ky)" &&
	test_eq "$(head_of kx)" "$(sgit "$tmp/big.git" rev-parse main)" &&
	test_eq "$(sgit kx rev-parse "main^{tree}")" "$(sgit ky rev-parse "main^{tree}")" &&
	for s in kx ky; do
		kill_check $s || exit 1
		test_eq 1280 "$(SFA_STORE=$tmp/$s lead_count_git)" || exit 1
		on $s sfa-lead list --fields external_id --format csv >ext.$s || exit 1
	done &&
	test_cmp ext.kx ext.ky &&
	{
		sed 1d idext.csv | cut -d, -f2 | grep -vxFf deleted.ext
		$PYTHON -c "import csv, sys; [print(r[0]) for f in sys.argv[1:] for r in list(csv.reader(open(f, encoding=\"utf-8\")))[1:]]" \
			x.csv y.csv
	} | sort >expect &&
	test_line_count = 1280 expect &&
	sed 1d ext.kx | sort >got &&
	test_cmp expect got &&
	find "$tmp/kx" "$tmp/ky" "$tmp/big.git" -name "*.lock" ! -name sfa-sync.lock ! -name sfa.lock >locks &&
	test_line_count = 0 locks
'

# --- convergence: three clones, 200 random changes each ----------------------------------------

test_expect_success 'setup: a remote with 30 accounts and 30 leads, three clones' '
	{
		echo name,city,industry
		i=1; while [ $i -le 30 ]; do echo "Account $i,City $i,industry $i"; i=$((i + 1)); done
	} >accounts.csv &&
	{
		echo first_name,last_name,company,city
		i=1; while [ $i -le 30 ]; do echo "First$i,Last$i,Company $i,Town $i"; i=$((i + 1)); done
	} >leads.csv &&
	on r sfa init -q &&
	at 2026-07-01T00:00:00Z on r sfa-account import -q accounts.csv &&
	at 2026-07-01T00:00:00Z on r sfa-lead import -q --dedupe off leads.csv &&
	git init -q --bare -b main "$tmp/r.git" &&
	on r sfa remote add origin "$tmp/r.git" &&
	on r sfa sync 2>err &&
	for s in ra rb rc; do sfa clone "$tmp/r.git" "$tmp/$s" 2>err || exit 1; done &&
	on ra sfa-account list --format ids >ids &&
	test_line_count = 30 ids
'

# Round 1 syncs one clone at a time, as the seed says: the same seed makes
# the same changes and syncs. Round 2 starts with the three syncs at once,
# their pushes racing for the remote.
test_expect_success 'convergence, round 1: 100 random changes on each of 3 clones, synced in turn until quiet' '
	$PYTHON "$TEST_DIRECTORY/sync-random.py" --seed "$SEED" --round 1 --ops 100 \
		--remote "$tmp/r.git" "$tmp/ra" "$tmp/rb" "$tmp/rc"
'

test_expect_success 'convergence, round 2: 100 more on each, the first syncs at once, then in turn until quiet' '
	$PYTHON "$TEST_DIRECTORY/sync-random.py" --seed "$SEED" --round 2 --ops 100 --race \
		--remote "$tmp/r.git" "$tmp/ra" "$tmp/rb" "$tmp/rc"
'

test_done
