# tests/lib-remote.sh - a shared remote guarded by sfa verify, for the
# scripts that push to it (t1710 over https, t1720 with git and over ssh),
# sourced after tests/lib.sh, with $REMOTE the bare repository:
#
#	rules_store		a store (the default $SFA_STORE) with users ana
#				and ben (reps of mia's team), mia (manager) and
#				zed (admin), the access rules on, and a deal of
#				each rep: ids in $tmp/ana.id and $tmp/ben.id
#	install_hook REPO	sfa verify as REPO's pre-receive hook
#	hook_rc, hook_env	the exit code of its last run, and the users the
#				server named to it then
#	remote_main		the remote's main
#	laptop_git NAME ...	git on NAME's store, $tmp/NAME.git
#	work NAME WHO cmd...	an sfa command on NAME's store as user WHO
#	deal_path ID		a deal's file in the tree

# sq STRING: STRING quoted for sh.
sq () {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

rules_store () {
	cat >"$tmp/users.json" <<-\EOF_USERS &&
	{
	  "ana": {"name": "Ana Silva", "role": "rep", "team": "emea", "manager": "mia"},
	  "ben": {"name": "Ben Okafor", "role": "rep", "team": "emea", "manager": "mia"},
	  "mia": {"name": "Mia Berg", "role": "manager", "team": "emea"},
	  "zed": {"name": "Zed Admin", "role": "admin"}
	}
	EOF_USERS
	echo "{\"read\": \"all\"}" >"$tmp/access.json" &&
	sfa init -q &&
	SFA_REP=zed sfa config set users "$tmp/users.json" &&
	SFA_REP=zed sfa config set access "$tmp/access.json" &&
	SFA_REP=zed sfa-stage add name=Pumps owner=ana amount="1000 EUR" >"$tmp/ana.id" &&
	SFA_REP=zed sfa-stage add name=Valves owner=ben amount="2000 EUR" >"$tmp/ben.id"
}

# The hook: the built sfa verify, its exit code kept in $tmp/hook.rc and
# the users the server named in $tmp/hook.env. The sanitizers' settings
# are written out because neither ssh nor the web server passes them.
install_hook () {
	cat >"$1/hooks/pre-receive" <<EOF_HOOK
#!/bin/sh
ASAN_OPTIONS=$(sq "$ASAN_OPTIONS") UBSAN_OPTIONS=$(sq "$UBSAN_OPTIONS") LSAN_OPTIONS=$(sq "$LSAN_OPTIONS")
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
echo "REMOTE_USER=\${REMOTE_USER-} SFA_USER=\${SFA_USER-} GL_USER=\${GL_USER-}" >>$(sq "$tmp/hook.env")
$(sq "$SFA_BUILD/bin/sfa-verify")
rc=\$?
echo \$rc >>$(sq "$tmp/hook.rc")
exit \$rc
EOF_HOOK
	chmod +x "$1/hooks/pre-receive"
}

hook_rc () {
	tail -n 1 "$tmp/hook.rc"
}

hook_env () {
	tail -n 1 "$tmp/hook.env"
}

remote_main () {
	git --git-dir="$REMOTE" rev-parse main
}

laptop_git () {
	_lg=$1
	shift
	git --git-dir="$tmp/$_lg.git" "$@"
}

# Whoever holds a clone can claim to be anyone there; the remote knows better.
work () {
	_w=$1
	_who=$2
	shift 2
	SFA_STORE=$tmp/$_w.git SFA_REP=$_who "$@"
}

deal_path () {
	printf 'opportunities/%s/%s.json\n' "$(printf '%s' "$1" | cut -c1-2)" "$1"
}
