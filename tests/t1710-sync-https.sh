#!/bin/sh
# sfa clone and sfa sync over https, against a real server on loopback
# (git http-backend behind TLS and HTTP Basic authentication, with sfa
# verify as the remote's pre-receive hook): a clone with a password and
# the test certificate trusted; a rep's own deal pushed, the login naming
# the pusher to the hook; another rep's deal refused (exit 7, the hook's
# reason shown, the commit kept here) and accepted with the manager's
# password; a wrong password and an untrusted certificate giving exit 5
# and changing nothing, a clone leaving no folder; two clones changing
# two fields of one deal offline both keeping both.

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"
. "$TEST_DIRECTORY/lib-remote.sh"

unset SFA_REP GL_USER REMOTE_USER SFA_GIT_USER SFA_GIT_PASSWORD SSL_CERT_FILE SSL_CERT_DIR

if ! httpd_available; then
	test_count=$((test_count + 1))
	echo "ok $test_count # skip https sync: no $HTTPD_PYTHON with ssl, or no openssl"
	test_done
fi

REMOTE=$HTTPD_ROOT/sales.git

# The passwords of the server's users.
pw_ana='ana:s3cret pw'
pw_mia=mia-pw-2
pw_zed=zed-pw-3

# login USER PASSWORD command...: a command that logs in to the server as
# USER with PASSWORD.
login () {
	_l_user=$1
	_l_pw=$2
	shift 2
	SFA_GIT_USER=$_l_user SFA_GIT_PASSWORD=$_l_pw "$@"
}

# https_sfa USER PASSWORD command...: the same, trusting the server's certificate.
https_sfa () {
	SSL_CERT_FILE=$HTTPD_DIR/cert.pem login "$@"
}

# trusting FILE command...: a command that trusts the certificates of FILE.
trusting () {
	_t_file=$1
	shift
	SSL_CERT_FILE=$_t_file "$@"
}

# refs NAME: every reference of NAME's store, for "nothing changed".
refs () {
	laptop_git "$1" for-each-ref --format='%(refname) %(objectname)'
}

# The number of requests the server took (past TLS and the login).
requests_served () {
	grep -c ' as [a-z]*$' "$HTTPD_DIR/httpd.log" || :
}

test_expect_success 'setup: a store with rules and deals of two reps, served over https with the hook' '
	rules_store &&
	httpd_start &&
	git clone -q --bare "$SFA_STORE" "$REMOTE" &&
	install_hook "$REMOTE" &&
	httpd_add_user ana "$pw_ana" &&
	httpd_add_user mia "$pw_mia" &&
	httpd_add_user zed "$pw_zed" &&
	is_id "$(cat ana.id)" && is_id "$(cat ben.id)" &&
	test_eq "https://127.0.0.1:$(httpd_port)/sales.git" "$(httpd_url "$REMOTE")"
'
A=$(cat ana.id)
B=$(cat ben.id)

test_expect_success 'sfa clone over https with a password: main, the deals, origin the https URL' '
	url=$(httpd_url "$REMOTE") &&
	https_sfa ana "$pw_ana" sfa clone "$url" "$tmp/ana.git" 2>err &&
	test_grep -F "cloned '\''$url'\''" err &&
	test_eq "$(remote_main)" "$(laptop_git ana rev-parse main)" &&
	test_eq "$url" "$(laptop_git ana config remote.origin.url)" &&
	work ana ana sfa-stage list --format ids | sort >got &&
	printf "%s\n%s\n" "$A" "$B" | sort >expect &&
	test_cmp expect got &&
	test_grep "GET /sales.git/info/refs?service=git-upload-pack as ana\$" "$HTTPD_DIR/httpd.log"
'

test_expect_success 'sfa sync pushes the rep'\''s new deal; the hook ran for REMOTE_USER=ana' '
	work ana ana sfa-stage add name=Gears owner=ana amount="1400 EUR" >gears.id &&
	https_sfa ana "$pw_ana" work ana ana sfa sync >out 2>err &&
	test_grep "pushed\$" err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "REMOTE_USER=ana SFA_USER= GL_USER=" "$(hook_env)" &&
	test_grep "POST /sales.git/git-receive-pack (chunked) as ana\$" "$HTTPD_DIR/httpd.log" &&
	test_eq "$(laptop_git ana rev-parse main)" "$(remote_main)" &&
	test_eq "$(remote_main)" "$(laptop_git ana rev-parse refs/remotes/origin/main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$(cat gears.id)")" >deal &&
	test_grep "\"name\": \"Gears\"" deal
'

test_expect_success 'sfa sync of another rep'\''s deal: exit 7, the hook'\''s reason shown, the commit kept here' '
	before=$(remote_main) &&
	work ana zed sfa-stage set "$B" amount="1 EUR" &&
	mine=$(laptop_git ana rev-parse main) &&
	: the client claiming to be the admin changes nothing: the login decides &&
	test_expect_code 7 https_sfa ana "$pw_ana" work ana zed env SFA_USER=zed sfa sync >out 2>err &&
	test_eq 7 "$(hook_rc)" &&
	test_eq "REMOTE_USER=ana SFA_USER= GL_USER=" "$(hook_env)" &&
	test_grep "remote '\''origin'\'' refused the push (" err &&
	test_grep -F "'\''ana'\'' (rep) may not change opportunity '\''$B'\'': it belongs to '\''ben'\''" err &&
	test_grep "the commits stay here" err &&
	test_eq "$before" "$(remote_main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$B")" >deal &&
	test_grep "\"amount\": \"2000.00 EUR\"" deal &&
	test_eq "$mine" "$(laptop_git ana rev-parse main)" &&
	work ana ana sfa status --format json >st &&
	test_grep "\"ahead\":1," st
'

test_expect_success 'the same commit synced with the manager'\''s password: accepted' '
	https_sfa mia "$pw_mia" work ana mia sfa sync >out 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_eq "REMOTE_USER=mia SFA_USER= GL_USER=" "$(hook_env)" &&
	test_eq "$(laptop_git ana rev-parse main)" "$(remote_main)" &&
	git --git-dir="$REMOTE" show main:"$(deal_path "$B")" >deal &&
	test_grep "\"amount\": \"1.00 EUR\"" deal &&
	work ana ana sfa status --format json >st &&
	test_grep "\"ahead\":0," st
'

test_expect_success 'a wrong password: exit 5, the store and the remote unchanged' '
	work ana ana sfa-stage set "$A" amount="1500 EUR" &&
	refs ana >before &&
	remote_before=$(remote_main) &&
	test_expect_code 5 https_sfa ana "not $pw_ana" work ana ana sfa sync >out 2>err &&
	test_grep "cannot reach remote '\''origin'\'': authentication failed: the server refused user '\''ana'\''" err &&
	refs ana >after &&
	test_cmp before after &&
	test_eq "$remote_before" "$(remote_main)" &&
	test_expect_code 5 https_sfa nobody "$pw_ana" work ana ana sfa sync >out 2>err &&
	test_grep "authentication failed" err &&
	refs ana >after &&
	test_cmp before after
'

test_expect_success 'a certificate not trusted: exit 5, named; a clone leaves no folder' '
	refs ana >before &&
	served=$(requests_served) &&
	test_expect_code 5 login ana "$pw_ana" work ana ana sfa sync >out 2>err &&
	test_grep "cannot reach remote '\''origin'\'': the SSL certificate is invalid" err &&
	refs ana >after &&
	test_cmp before after &&
	: another certificate for 127.0.0.1 trusted, not the one the server has &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=DNS:127.0.0.1,IP:127.0.0.1 \
		-keyout other-key.pem -out other-cert.pem 2>/dev/null &&
	test_expect_code 5 trusting "$tmp/other-cert.pem" login ana "$pw_ana" work ana ana sfa sync >out 2>err &&
	test_grep "certificate" err &&
	refs ana >after &&
	test_cmp before after &&
	test_expect_code 5 login ana "$pw_ana" sfa clone "$(httpd_url "$REMOTE")" "$tmp/nowhere.git" 2>err &&
	test_grep "certificate" err &&
	test ! -e "$tmp/nowhere.git" &&
	: no request reached the server: the password was never sent &&
	test_eq "$served" "$(requests_served)"
'

test_expect_success 'two clones change two fields of one deal offline; both synced over https keep both' '
	https_sfa mia "$pw_mia" sfa clone "$(httpd_url "$REMOTE")" "$tmp/mia.git" 2>err &&
	work ana ana sfa-stage set "$A" amount="1700 EUR" &&
	work mia mia sfa-stage set "$A" notes="call back in May" &&
	https_sfa ana "$pw_ana" work ana ana sfa sync >out 2>err &&
	test_eq 0 "$(hook_rc)" &&
	https_sfa mia "$pw_mia" work mia mia sfa sync >out 2>err &&
	test_eq 0 "$(hook_rc)" &&
	test_grep "^merged,opportunity,$A," out &&
	https_sfa ana "$pw_ana" work ana ana sfa sync >out 2>err &&
	test_eq "$(remote_main)" "$(laptop_git ana rev-parse main)" &&
	test_eq "$(remote_main)" "$(laptop_git mia rev-parse main)" &&
	for who in ana mia; do
		work $who $who sfa-stage show --format json "$A" >$who.json &&
		test_grep "\"amount\": *\"1700.00 EUR\"" $who.json &&
		test_grep "\"notes\": *\"call back in May\"" $who.json || exit 1
	done
'

test_done
