# tests/lib-sshd.sh - a real OpenSSH server on loopback for the scenario
# tests, sourced after tests/lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TEST_DIRECTORY/lib-sshd.sh"
#	sshd_available || skip the ssh tests
#	sshd_start
#	sshd_add_key ana 'SFA_USER=ana git-shell -c "$SSH_ORIGINAL_COMMAND"'
#	GIT_SSH_COMMAND=$(sshd_git_ssh ana) git push "$(sshd_url "$tmp/remote.git")" main
#
# The server runs as the current user (root or not) on a free port of
# 127.0.0.1, with its own host key, configuration and authorized_keys in
# $SSHD_DIR, a folder without blanks (unlike $tmp) so that sshd_config
# and URLs need no quoting; $SSHD_DIR/tmp is a link to $tmp. Its pid is in
# $tmp/sshd.pid, and it is stopped when the script exits. What the
# functions know is in files, so they work inside test_expect_success
# (a subshell) as well as outside it.
#
# Clients find the host key in $SSHD_DIR/known_hosts and in
# $HOME/.ssh/known_hosts (as "[127.0.0.1]:PORT ..."), so neither plain ssh
# nor libgit2 asks about it. A key made by sshd_add_key NAME is
# $SSHD_DIR/NAME (ed25519, no passphrase): plain ssh and git take it from
# sshd_git_ssh NAME, libgit2 (sfa sync) from SFA_SSH_KEY=$SSHD_DIR/NAME.
#
# SSHD_DIR and SSHD_USER (the login name) are set on sourcing this file;
# sshd_port prints the port once the server started.

SSHD=${SSHD:-/usr/sbin/sshd}
SSHD_USER=$(id -un)
SSHD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sfa-sshd.XXXXXX") || {
	echo "Bail out! cannot create a folder for sshd"
	exit 1
}
case $SSHD_DIR in
*[!A-Za-z0-9./_-]*)
	echo "Bail out! TMPDIR has characters sshd_config cannot take: $SSHD_DIR"
	rm -rf "$SSHD_DIR"
	exit 1
	;;
esac
ln -s "$tmp" "$SSHD_DIR/tmp" || exit 1

sshd_port () {
	cat "$SSHD_DIR/port"
}

# sshd_available: is there an sshd (and ssh-keygen) to run?
sshd_available () {
	[ -x "$SSHD" ] && command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1
}

# A port of 127.0.0.1 that nothing listens on just now.
sshd_free_port_ () {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# sshd_start: starts the server; fails, saying why, when it cannot.
sshd_start () {
	if ! [ -f "$SSHD_DIR/host_ed25519" ]; then
		ssh-keygen -q -t ed25519 -N '' -C sfa-test-host -f "$SSHD_DIR/host_ed25519" &&
		: >>"$SSHD_DIR/authorized_keys" &&
		chmod 600 "$SSHD_DIR/authorized_keys" || return 1
	fi
	# Root needs the privilege separation folder Debian's service makes at boot.
	if [ "$(id -u)" = 0 ] && ! [ -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd || return 1
	fi
	cat >"$SSHD_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
AllowUsers $SSHD_USER
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitUserEnvironment no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel VERBOSE
EOF
	_ssd_try=0
	while [ $_ssd_try -lt 5 ]; do
		_ssd_try=$((_ssd_try + 1))
		SSHD_PORT=$(sshd_free_port_) && echo "$SSHD_PORT" >"$SSHD_DIR/port" || return 1
		: >"$SSHD_DIR/sshd.log"
		"$SSHD" -D -e -f "$SSHD_DIR/sshd_config" -p "$SSHD_PORT" \
			</dev/null >>"$SSHD_DIR/sshd.log" 2>&1 4>&- &
		echo $! >"$tmp/sshd.pid"
		_ssd_n=0
		while ! grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" "$SSHD_DIR/sshd.log"; do
			if ! kill -0 "$(cat "$tmp/sshd.pid")" 2>/dev/null; then
				wait "$(cat "$tmp/sshd.pid")" 2>/dev/null
				rm -f "$tmp/sshd.pid"
				break
			fi
			_ssd_n=$((_ssd_n + 1))
			if [ $_ssd_n -gt 100 ]; then
				say_ "sshd_start: not listening after 10 s:"
				cat "$SSHD_DIR/sshd.log" >&4
				sshd_stop
				return 1
			fi
			sleep 0.1
		done
		[ -f "$tmp/sshd.pid" ] && break
		# the port was taken in between, or sshd refused to start: the log says
		grep -q "Address already in use" "$SSHD_DIR/sshd.log" && continue
		say_ "sshd_start: sshd exited:"
		cat "$SSHD_DIR/sshd.log" >&4
		return 1
	done
	if ! [ -f "$tmp/sshd.pid" ]; then
		say_ "sshd_start: no free port after $_ssd_try tries"
		return 1
	fi
	_ssd_hostkey=$(cat "$SSHD_DIR/host_ed25519.pub") || return 1
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "${_ssd_hostkey% *}" >"$SSHD_DIR/known_hosts"
	mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" &&
	cat "$SSHD_DIR/known_hosts" >>"$HOME/.ssh/known_hosts"
}

# sshd_add_key NAME [COMMAND]: a new key $SSHD_DIR/NAME, authorized with
# COMMAND as its forced command when given (and no forwarding, no pty).
sshd_add_key () {
	rm -f "$SSHD_DIR/$1" "$SSHD_DIR/$1.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$1@sfa-test" -f "$SSHD_DIR/$1" || return 1
	if [ $# -ge 2 ]; then
		# authorized_keys takes the command in double quotes, with \" inside
		_sak_cmd=$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g')
		printf 'restrict,command="%s" %s\n' "$_sak_cmd" "$(cat "$SSHD_DIR/$1.pub")" \
			>>"$SSHD_DIR/authorized_keys"
	else
		cat "$SSHD_DIR/$1.pub" >>"$SSHD_DIR/authorized_keys"
	fi
}

# sshd_url PATH: the ssh:// URL of PATH on the server; paths under $tmp go
# through $SSHD_DIR/tmp so the URL has no blanks.
sshd_url () {
	_su_port=$(sshd_port) || return 1
	case $1 in
	"$tmp"/*) printf 'ssh://%s@127.0.0.1:%s%s/tmp/%s\n' "$SSHD_USER" "$_su_port" "$SSHD_DIR" "${1#"$tmp"/}" ;;
	*) printf 'ssh://%s@127.0.0.1:%s%s\n' "$SSHD_USER" "$_su_port" "$1" ;;
	esac
}

# sshd_git_ssh NAME: a GIT_SSH_COMMAND that logs in with key NAME only,
# reads no ssh configuration of the user and asks nothing.
sshd_git_ssh () {
	printf 'ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes' \
		"$SSHD_DIR/$1"
	printf ' -o StrictHostKeyChecking=yes -o UserKnownHostsFile=%s\n' "$SSHD_DIR/known_hosts"
}

# sshd_log: what the server said, for a failing test.
sshd_log () {
	cat "$SSHD_DIR/sshd.log"
}

# sshd_stop: stops the server (sshd_start starts it again, with the same keys).
sshd_stop () {
	if [ -f "$tmp/sshd.pid" ]; then
		_ss_pid=$(cat "$tmp/sshd.pid")
		kill "$_ss_pid" 2>/dev/null || :
		wait "$_ss_pid" 2>/dev/null || :
		_ss_n=0
		while kill -0 "$_ss_pid" 2>/dev/null && [ $_ss_n -lt 50 ]; do
			_ss_n=$((_ss_n + 1))
			sleep 0.1
		done
		rm -f "$tmp/sshd.pid"
	fi
}

trap 'sshd_stop; rm -rf "$SSHD_DIR"; test_cleanup_' EXIT
