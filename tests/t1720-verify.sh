#!/bin/sh
# sfa verify as the pre-receive hook of a shared remote: pushes made with
# plain git from stores worked on with the sfa commands; a rep's own deal
# accepted, another rep's deal and the configuration refused (the reason
# shown by git push as "remote: ..."), a manager's change to a team
# member's deal accepted; records that break the schema, records under
# another id and bad names refused whoever pushes; force pushes, other
# branches, deleting main and a push without a user refused; the
# remote unchanged by what it refused. Then the same over a real sshd on
# loopback, where the key fixes who pushes.

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"
. "$TEST_DIRECTORY/lib-remote.sh"

unset SFA_REP GL_USER REMOTE_USER

REMOTE=$tmp/remote.git

# push NAME [git push options]: NAME pushes main of their store to the remote.
push () {
	_p=$1
	shift
	SFA_USER=$_p laptop_git "$_p" push "$@" "$REMOTE" main
}

# reset_to_remote NAME: NAME's main back to the remote's, after a refused push.
reset_to_remote () {
	laptop_git "$1" fetch -q "$REMOTE" main &&
	laptop_git "$1" update-ref refs/heads/main "$(laptop_git "$1" rev-parse FETCH_HEAD)"
}

# raw_commit NAME MESSAGE PATH FILE ...: a commit made with plain git on
# NAME's store (hash-object, a tree, commit-tree), no sfa involved.
raw_commit () {
	_rc=$1
	shift
	SFA_STORE=$tmp/$_rc.git store_write_raw "$@"
}

# refused_with CODE TEXT: the push whose stderr is in `err` was refused by
# the hook with exit CODE and a line "remote: sfa verify: TEXT...".
refused_with () {
	test_eq "$1" "$(hook_rc)" &&
	test_grep -F "remote: sfa verify: $2" err &&
	test_grep "pre-receive hook declined" err
}

test_expect_success 'setup: a store with rules and deals of two reps, a bare remote with the hook, clones' '
	rules_store &&
	git clone -q --bare "$SFA_STORE" "$REMOTE" &&
	install_hook "$REMOTE" &&
	git clone -q --mirror "$REMOTE" ana.git &&
	for u in mia zed; do git clone -q --bare "$REMOTE" $u.git || exit 1; done &&
	is_id "$(cat ana.id)" && is_id "$(cat ben.id)"
'
A=$(cat ana.id)
B=$(cat ben.id)

test_expect_success 'a rep pushes a change to their own deal: accepted' '
	work ana ana sfa-stage set "$A" amount="1200 EUR" &&
	push ana 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git ana rev-parse main)" "$(remote_main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$A")" >deal &&
	test_grep "\"amount\": \"1200.00 EUR\"" deal &&
	test ! -e "$REMOTE/sfa-index.sqlite"
'

test_expect_success 'a rep pushes a change to another rep'\''s deal: refused, the reason shown, exit 7' '
	before=$(remote_main) &&
	work ana zed sfa-stage set "$B" amount="1 EUR" &&
	test_must_fail push ana 2>err &&
	refused_with 7 "'\''ana'\'' (rep) may not change opportunity '\''$B'\'': it belongs to '\''ben'\''" &&
	test_eq "$before" "$(remote_main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$B")" >deal &&
	test_grep "\"amount\": \"2000.00 EUR\"" deal
'

test_expect_success 'the manager of the team pushes the same change: accepted' '
	reset_to_remote mia &&
	work mia mia sfa-stage set "$B" amount="1 EUR" &&
	push mia 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git mia rev-parse main)" "$(remote_main)"
'

test_expect_success 'a rep gives their deal to another rep: refused' '
	reset_to_remote ana &&
	before=$(remote_main) &&
	work ana zed sfa-stage set "$A" owner=ben &&
	test_must_fail push ana 2>err &&
	refused_with 7 "'\''ana'\'' (rep) may not give opportunity '\''$A'\'' to '\''ben'\''" &&
	test_eq "$before" "$(remote_main)"
'

test_expect_success 'a rep changes the configuration: refused; the admin: accepted' '
	reset_to_remote ana &&
	before=$(remote_main) &&
	echo "{\"read\": \"territory\"}" >territory.json &&
	work ana zed sfa config set access territory.json &&
	test_must_fail push ana 2>err &&
	refused_with 7 "'\''ana'\'' (rep) may not change config/access.json: only admins change the configuration" &&
	test_eq "$before" "$(remote_main)" &&
	reset_to_remote zed &&
	work zed zed sfa config set access territory.json &&
	push zed 2>err &&
	test_eq 0 "$(hook_rc)" &&
	git --git-dir="$REMOTE" show main:config/access.json >got &&
	test_cmp territory.json got
'

cat >bad.json <<'EOF'
{
  "amount": "lots",
  "created_at": "2026-11-20T10:00:00Z",
  "id": "x0x0x0x0x0x0",
  "name": "Bad",
  "owner": "zed"
}
EOF

test_expect_success 'a record breaking the schema, made with plain git: refused, exit 3' '
	reset_to_remote zed &&
	before=$(remote_main) &&
	raw_commit zed "bad amount" "$(deal_path x0x0x0x0x0x0)" bad.json &&
	test_must_fail push zed 2>err &&
	refused_with 3 "$(deal_path x0x0x0x0x0x0): field '\''amount'\'': " &&
	test_eq "$before" "$(remote_main)"
'

test_expect_success 'a record whose id is not its file name: refused' '
	reset_to_remote zed &&
	sed "s/x0x0x0x0x0x0/y0y0y0y0y0y0/; s/\"lots\"/\"5 EUR\"/" bad.json >other.json &&
	raw_commit zed "moved record" "$(deal_path z0z0z0z0z0z0)" other.json &&
	test_must_fail push zed 2>err &&
	refused_with 3 "$(deal_path z0z0z0z0z0z0): its id is '\''y0y0y0y0y0y0'\''"
'

test_expect_success 'bad names: a file where no record can be, a folder sfa does not know' '
	reset_to_remote zed &&
	echo "{}" >empty.json &&
	raw_commit zed "names" leads/ab/evil.json empty.json hooks/pre-receive empty.json &&
	test_must_fail push zed 2>err &&
	refused_with 3 "'\''hooks'\'': not a folder of an sfa store" &&
	test_grep -F "not a record file: '\''evil.json'\''" err
'

test_expect_success 'many refusals: 20 lines and the count of the rest' '
	reset_to_remote zed &&
	echo "[]" >list.json &&
	set -- &&
	for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f g h j k m n; do
		set -- "$@" "leads/0$i/0${i}0000000000.json" list.json
	done &&
	raw_commit zed "22 bad leads" "$@" &&
	test_must_fail push zed 2>err &&
	refused_with 3 "leads/00/000000000000.json: not a record (a JSON object)" &&
	grep "^remote: sfa verify: leads/" err >lines &&
	test_line_count = 20 lines &&
	test_grep "^remote: sfa verify: and 2 more" err
'

test_expect_success 'a force push that drops commits: refused' '
	reset_to_remote zed &&
	before=$(remote_main) &&
	laptop_git zed update-ref refs/heads/main "$(laptop_git zed rev-parse main~1)" &&
	work zed zed sfa-stage set "$A" notes="another past" &&
	test_must_fail push zed --force 2>err &&
	refused_with 7 "sync first: the push would drop commits of '\''main'\''" &&
	test_eq "$before" "$(remote_main)"
'

test_expect_success 'a push to another branch, and deleting main: refused' '
	reset_to_remote zed &&
	work zed zed sfa-stage set "$A" notes="on a branch" &&
	test_must_fail env SFA_USER=zed git --git-dir="$tmp/zed.git" push "$REMOTE" main:refs/heads/topic 2>err &&
	refused_with 7 "refs/heads/topic: only branch '\''main'\'' is pushed to an sfa store" &&
	test_must_fail git --git-dir="$REMOTE" rev-parse --verify -q refs/heads/topic &&
	test_must_fail env SFA_USER=zed git --git-dir="$tmp/zed.git" push "$REMOTE" :main 2>err &&
	refused_with 7 "branch '\''main'\'' may not be deleted" &&
	git --git-dir="$REMOTE" rev-parse --verify -q main
'

test_expect_success 'an empty remote: only an admin of the pushed users creates main' '
	git init -q --bare empty.git &&
	install_hook empty.git &&
	test_must_fail env SFA_USER=ana git --git-dir="$tmp/zed.git" push "$tmp/empty.git" main 2>err &&
	refused_with 7 "only an admin of the pushed config/users.json may create branch '\''main'\'' ('\''ana'\'' is not)" &&
	test_must_fail git --git-dir=empty.git rev-parse --verify -q main &&
	SFA_USER=zed git --git-dir="$tmp/zed.git" push "$tmp/empty.git" main 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git zed rev-parse main)" "$(git --git-dir=empty.git rev-parse main)"
'

test_expect_success 'a push without a user in the environment: refused; GL_USER and REMOTE_USER name one' '
	reset_to_remote zed &&
	before=$(remote_main) &&
	work zed zed sfa-stage set "$A" notes="who am I" &&
	test_must_fail env -u SFA_USER git --git-dir="$tmp/zed.git" push "$REMOTE" main 2>err &&
	refused_with 7 "push refused: no user (the server sets SFA_USER, GL_USER or REMOTE_USER" &&
	test_eq "$before" "$(remote_main)" &&
	test_must_fail env -u SFA_USER GL_USER=ben git --git-dir="$tmp/zed.git" push "$REMOTE" main 2>err &&
	refused_with 7 "'\''ben'\'' (rep) may not change opportunity '\''$A'\''" &&
	env -u SFA_USER REMOTE_USER=zed git --git-dir="$tmp/zed.git" push "$REMOTE" main 2>err &&
	test_eq 0 "$(hook_rc)"
'

test_expect_success 'sfa verify by hand: a range, --user, the exit codes' '
	reset_to_remote ana &&
	work ana zed sfa-stage set "$B" notes="by hand" &&
	old=$(remote_main) && new=$(laptop_git ana rev-parse main) &&
	git --git-dir="$REMOTE" fetch -q "$tmp/ana.git" main &&
	test_expect_code 7 sfa verify --store "$REMOTE" --user ana "$old" "$new" 2>err &&
	test_grep -F "sfa verify: '\''ana'\'' (rep) may not change opportunity '\''$B'\''" err &&
	(cd "$REMOTE" && SFA_USER=mia sfa verify "$old" "$new") &&
	test_expect_code 2 sfa verify --store "$REMOTE" --user ana "$old" nosuch 2>err &&
	test_grep "nosuch" err &&
	echo garbage | test_expect_code 2 sfa verify --store "$REMOTE" --user ana 2>err &&
	test_grep "OLD NEW REFNAME" err &&
	sfa verify --help >out &&
	test_grep "usage: sfa verify" out &&
	test ! -e "$REMOTE/sfa-index.sqlite"
'

# --- the same over ssh -----------------------------------------------------------------------

if ! sshd_available; then
	test_count=$((test_count + 1))
	echo "ok $test_count # skip ssh pushes: no $SSHD (Debian openssh-server)"
	test_done
fi

test_expect_success 'ssh setup: sshd on loopback, keys that fix the user' '
	sshd_start &&
	sshd_add_key ana "SFA_USER=ana git-shell -c \"\$SSH_ORIGINAL_COMMAND\"" &&
	sshd_add_key mia "SFA_USER=mia git-shell -c \"\$SSH_ORIGINAL_COMMAND\"" &&
	test_grep -F "restrict,command=\"SFA_USER=ana git-shell -c \\\"\$SSH_ORIGINAL_COMMAND\\\"\" ssh-ed25519 " \
		"$SSHD_DIR/authorized_keys" &&
	GIT_SSH_COMMAND=$(sshd_git_ssh ana) git ls-remote "$(sshd_url "$REMOTE")" main >out &&
	test_grep "refs/heads/main" out
'

# ssh_push NAME KEY: NAME's store pushed over ssh with KEY, with SFA_USER=mia
# on the client to show that the key decides who pushes.
ssh_push () {
	SFA_USER=mia GIT_SSH_COMMAND=$(sshd_git_ssh "$2") laptop_git "$1" push "$(sshd_url "$REMOTE")" main
}

test_expect_success 'ssh: the rep'\''s push of another rep'\''s deal is refused, the reason shown' '
	reset_to_remote ana &&
	before=$(remote_main) &&
	work ana zed sfa-stage set "$B" amount="5 EUR" &&
	test_must_fail ssh_push ana ana 2>err &&
	refused_with 7 "'\''ana'\'' (rep) may not change opportunity '\''$B'\'': it belongs to '\''ben'\''" &&
	test_eq "$before" "$(remote_main)"
'

test_expect_success 'ssh: the rep'\''s push of their own deal is accepted' '
	reset_to_remote ana &&
	work ana ana sfa-stage set "$A" amount="1300 EUR" &&
	ssh_push ana ana 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git ana rev-parse main)" "$(remote_main)"
'

test_expect_success 'ssh: the manager'\''s key pushes a team member'\''s deal handed on' '
	reset_to_remote mia &&
	work mia mia sfa-stage set "$A" owner=ben &&
	ssh_push mia mia 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git mia rev-parse main)" "$(remote_main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$A")" >deal &&
	test_grep "\"owner\": \"ben\"" deal
'

# --- sfa clone and sfa sync over ssh: libgit2's transport, not git's ------------------------

# ssh_sfa KEY sfa-command...: an sfa command that logs in with key KEY.
# libgit2's ssh transport leaks (tests/lsan-ssh.supp says what); the
# suppression names a frame that only the slow unwinder finds, libgit2
# being built without frame pointers.
ssh_sfa () {
	_ss_key=$1
	shift
	SFA_SSH_KEY=$SSHD_DIR/$_ss_key ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0" \
	LSAN_OPTIONS="suppressions=$SFA_ROOT/tests/lsan-ssh.supp:print_suppressions=0" "$@"
}

test_expect_success 'ssh: sfa clone takes the remote with its index; origin is the ssh URL' '
	url=$(sshd_url "$REMOTE") &&
	ssh_sfa ana sfa clone "$url" "$tmp/anas.git" 2>err &&
	test_eq "$(remote_main)" "$(laptop_git anas rev-parse main)" &&
	test_eq "$url" "$(laptop_git anas config remote.origin.url)" &&
	work anas ana sfa-stage list --format ids | sort >got &&
	printf "%s\n%s\n" "$A" "$B" | sort >expect &&
	test_cmp expect got
'

test_expect_success 'ssh: sfa sync pushes the rep'\''s new deal; the hook ran' '
	: >"$tmp/hook.rc" &&
	work anas ana sfa-stage add name=Gears owner=ana amount="1400 EUR" >gears.id &&
	ssh_sfa ana work anas ana sfa sync >out 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git anas rev-parse main)" "$(remote_main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$(cat gears.id)")" >deal &&
	test_grep "\"name\": \"Gears\"" deal
'

test_expect_success 'ssh: sfa sync of another rep'\''s deal: exit 7, the hook'\''s reason shown, the commit kept here' '
	before=$(remote_main) &&
	work anas zed sfa-stage set "$A" amount="5 EUR" &&
	mine=$(laptop_git anas rev-parse main) &&
	test_expect_code 7 ssh_sfa ana work anas ana sfa sync >out 2>err &&
	test_eq 7 "$(hook_rc)" &&
	test_grep "refused the push" err &&
	test_grep -F "'\''ana'\'' (rep) may not change opportunity '\''$A'\''" err &&
	test_grep "the commits stay here" err &&
	test_eq "$before" "$(remote_main)" &&
	test_eq "$mine" "$(laptop_git anas rev-parse main)" &&
	work anas ana sfa status --format json >st &&
	test_grep "\"ahead\":1," st
'

test_expect_success 'ssh: the same commits synced with the manager'\''s key: accepted, both at one commit' '
	ssh_sfa mia work anas mia sfa sync >out 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "$(laptop_git anas rev-parse main)" "$(remote_main)"
'

test_expect_success 'ssh: a key the server does not know: exit 5, nothing changed here' '
	sshd_add_key stranger &&
	sed -i "\$d" "$SSHD_DIR/authorized_keys" &&
	mine=$(laptop_git anas rev-parse main) &&
	test_expect_code 5 ssh_sfa stranger work anas ana sfa sync >out 2>err &&
	test_grep -i "auth\|key" err &&
	test_eq "$mine" "$(laptop_git anas rev-parse main)"
'

test_expect_success 'ssh: a server whose host key is not the known one: exit 5, the reason named' '
	ssh-keygen -q -t ed25519 -N "" -f "$tmp/other_host" &&
	printf "[127.0.0.1]:%s %s\n" "$(sshd_port)" "$(cut -d" " -f1,2 "$tmp/other_host.pub")" >kh &&
	SFA_SSH_KNOWN_HOSTS=$tmp/kh &&
	export SFA_SSH_KNOWN_HOSTS &&
	test_expect_code 5 ssh_sfa ana work anas ana sfa sync >out 2>err &&
	test_grep -F "host key of [127.0.0.1]:$(sshd_port) is not in $tmp/kh" err &&
	rm -rf "$tmp/nowhere.git" &&
	test_expect_code 5 ssh_sfa ana sfa clone "$(sshd_url "$REMOTE")" "$tmp/nowhere.git" 2>err &&
	test ! -e "$tmp/nowhere.git"
'

test_expect_success 'ssh: a key with a forced command runs nothing else' '
	ssh -F /dev/null -i "$SSHD_DIR/ana" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
		-o UserKnownHostsFile="$SSHD_DIR/known_hosts" -p "$(sshd_port)" "$SSHD_USER@127.0.0.1" \
		"touch \"$tmp/ssh-ran\"" </dev/null >out 2>&1 || : &&
	test ! -e "$tmp/ssh-ran"
'

test_done
