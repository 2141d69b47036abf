# tests/lib-httpd.sh - a git server over HTTPS on loopback for the scenario
# tests (tests/git-https.py, git http-backend behind TLS and HTTP Basic
# authentication), sourced after tests/lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TEST_DIRECTORY/lib-httpd.sh"
#	httpd_available || skip the https tests
#	httpd_start
#	httpd_add_user ana secret
#	git clone --bare "$SFA_STORE" "$HTTPD_ROOT/sales.git"
#	SSL_CERT_FILE=$HTTPD_DIR/cert.pem SFA_GIT_USER=ana SFA_GIT_PASSWORD=secret \
#		sfa clone "$(httpd_url sales.git)" "$tmp/ana.git"
#
# The server serves the repositories under $HTTPD_ROOT ($tmp/srv) on a free
# port of 127.0.0.1, with a new self-signed certificate for 127.0.0.1 (an
# EC P-256 key, both in $HTTPD_DIR/cert.pem and key.pem): clients trust it
# with SSL_CERT_FILE=$HTTPD_DIR/cert.pem, and refuse it without. Pushes
# run the repositories' hooks with REMOTE_USER set to the user who logged
# in, from $HTTPD_DIR/users (lines user:password). $HTTPD_DIR is a folder
# without blanks (unlike $tmp); the server's pid is in $tmp/httpd.pid, and
# it is stopped when the script exits. What the functions know is in
# files, so they work inside test_expect_success (a subshell) as well as
# outside it.
#
# HTTPD_DIR and HTTPD_ROOT are set on sourcing this file; httpd_port prints
# the port once the server started.

HTTPD_PYTHON=${HTTPD_PYTHON:-/usr/bin/python3}
HTTPD_ROOT=$tmp/srv
HTTPD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sfa-httpd.XXXXXX") || {
	echo "Bail out! cannot create a folder for the https server"
	exit 1
}

httpd_port () {
	cat "$HTTPD_DIR/port"
}

# httpd_available: are there a python3 and an openssl to run the server with?
httpd_available () {
	[ -x "$HTTPD_PYTHON" ] && command -v openssl >/dev/null 2>&1 && command -v git >/dev/null 2>&1 &&
	"$HTTPD_PYTHON" -c 'import ssl, http.server; http.server.ThreadingHTTPServer' 2>/dev/null
}

# httpd_start: starts the server; fails, saying why, when it cannot.
httpd_start () {
	if ! [ -f "$HTTPD_DIR/cert.pem" ]; then
		# mbedTLS (libgit2's TLS on Debian) matches the host against the
		# DNS names of subjectAltName only: 127.0.0.1 is given as both.
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj /CN=127.0.0.1 -addext subjectAltName=DNS:127.0.0.1,IP:127.0.0.1 \
			-keyout "$HTTPD_DIR/key.pem" -out "$HTTPD_DIR/cert.pem" \
			>"$HTTPD_DIR/openssl.log" 2>&1 || {
			say_ "httpd_start: openssl could not make a certificate:"
			cat "$HTTPD_DIR/openssl.log" >&4
			return 1
		}
		: >>"$HTTPD_DIR/users"
	fi
	mkdir -p "$HTTPD_ROOT" || return 1
	rm -f "$HTTPD_DIR/port"
	# No user of this shell reaches the hooks but the one who logs in.
	env -u SFA_USER -u SFA_REP -u GL_USER -u REMOTE_USER \
		"$HTTPD_PYTHON" "$TEST_DIRECTORY/git-https.py" --root "$HTTPD_ROOT" \
		--cert "$HTTPD_DIR/cert.pem" --key "$HTTPD_DIR/key.pem" --users "$HTTPD_DIR/users" \
		--port-file "$HTTPD_DIR/port" --log "$HTTPD_DIR/httpd.log" \
		</dev/null >>"$HTTPD_DIR/httpd.log" 2>&1 4>&- &
	echo $! >"$tmp/httpd.pid"
	_hs_n=0
	while ! [ -s "$HTTPD_DIR/port" ]; do
		if ! kill -0 "$(cat "$tmp/httpd.pid")" 2>/dev/null; then
			wait "$(cat "$tmp/httpd.pid")" 2>/dev/null
			rm -f "$tmp/httpd.pid"
			say_ "httpd_start: the server exited:"
			cat "$HTTPD_DIR/httpd.log" >&4
			return 1
		fi
		_hs_n=$((_hs_n + 1))
		if [ $_hs_n -gt 100 ]; then
			say_ "httpd_start: not listening after 10 s:"
			cat "$HTTPD_DIR/httpd.log" >&4
			httpd_stop
			return 1
		fi
		sleep 0.1
	done
}

# httpd_add_user NAME PASSWORD: NAME may log in with PASSWORD (the server
# reads the file on every request).
httpd_add_user () {
	case $1 in
	'' | *:*)
		say_ "httpd_add_user: bad user name '$1'"
		return 1
		;;
	esac
	printf '%s:%s\n' "$1" "$2" >>"$HTTPD_DIR/users"
}

# httpd_url PATH: the https:// URL of PATH, a path under $HTTPD_ROOT or
# relative to it.
httpd_url () {
	_hu_port=$(httpd_port) || return 1
	_hu_path=${1#"$HTTPD_ROOT"/}
	_hu_path=$(printf '%s' "$_hu_path" | sed 's/%/%25/g; s/ /%20/g')
	printf 'https://127.0.0.1:%s/%s\n' "$_hu_port" "$_hu_path"
}

# httpd_log: what the server did, for a failing test.
httpd_log () {
	cat "$HTTPD_DIR/httpd.log"
}

# httpd_stop: stops the server (httpd_start starts it again, with the same
# certificate and users).
httpd_stop () {
	if [ -f "$tmp/httpd.pid" ]; then
		_hst_pid=$(cat "$tmp/httpd.pid")
		kill "$_hst_pid" 2>/dev/null || :
		wait "$_hst_pid" 2>/dev/null || :
		_hst_n=0
		while kill -0 "$_hst_pid" 2>/dev/null && [ $_hst_n -lt 50 ]; do
			_hst_n=$((_hst_n + 1))
			sleep 0.1
		done
		rm -f "$tmp/httpd.pid"
	fi
}

trap 'httpd_stop; rm -rf "$HTTPD_DIR"; test_cleanup_' EXIT
