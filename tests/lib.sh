# tests/lib.sh - TAP helpers for the shell scenario tests (after git's t/).
#
# Each tests/tNNNN-<command>-<what>.sh starts with
#	. "$(dirname "$0")/lib.sh"
# runs its tests with test_expect_success and ends with test_done.
#
# Environment:
#	SFA_BUILD	build directory holding bin/ (default: build), relative
#			to the repository root unless absolute
#	SFA_SHARED	directory holding bench/gen-data (default: ../shared
#			relative to the repository root)
#	SFA_TEST_KEEP=1	keep the temporary directory even when all tests pass
#	SFA_TEST_VERBOSE=1  print the output of passing tests too
#
# Every test script gets a fresh temporary directory (its path contains a
# space on purpose, to catch unquoted paths) and runs its tests there, with
# SFA_STORE="$tmp/store" (not yet created: most scripts start with sfa init).

test_count=0
test_failure=0
test_done_called=
test_name=$(basename "$0" .sh)

TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd) || exit 1
SFA_ROOT=$(cd "$TEST_DIRECTORY/.." && pwd) || exit 1

SFA_BUILD=${SFA_BUILD:-build}
case $SFA_BUILD in
/*) ;;
*) SFA_BUILD=$SFA_ROOT/$SFA_BUILD ;;
esac
SFA_SHARED=${SFA_SHARED:-$SFA_ROOT/../shared}
case $SFA_SHARED in
/*) ;;
*) SFA_SHARED=$(cd "$SFA_SHARED" 2>/dev/null && pwd) || SFA_SHARED=$SFA_ROOT/../shared ;;
esac
SFA_GEN_DATA=$SFA_SHARED/bench/gen-data
export SFA_ROOT SFA_BUILD SFA_SHARED SFA_GEN_DATA

if ! [ -d "$SFA_BUILD/bin" ]; then
	echo "Bail out! no binaries in $SFA_BUILD/bin (run make)"
	exit 1
fi
PATH=$SFA_BUILD/bin:$PATH
export PATH

# Nothing from the caller's environment may reach the commands under test.
unset SFA_STORE SFA_USER SFA_EMAIL SFA_LOCK_TIMEOUT SFA_EXEC_PATH \
	XDG_DATA_HOME XDG_CONFIG_HOME \
	GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG GIT_CONFIG_GLOBAL \
	GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE \
	LANG LANGUAGE CDPATH
GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_NOSYSTEM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sfa test $test_name.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory"
	exit 1
}
mkdir "$tmp/home" || exit 1

SFA_STORE=$tmp/store
SFA_USER="Test User <test@example.com>"
HOME=$tmp/home
LC_ALL=C.UTF-8
# Not UTC, so that a date written in local time instead of UTC shows.
TZ=XST-5:30
export tmp SFA_STORE SFA_USER HOME LC_ALL TZ

# A sanitizer finding is an exit code no sfa command uses (they use 0-5).
ASAN_OPTIONS=abort_on_error=0:exitcode=86
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
# fontconfig keeps its configuration for the life of the process (PDF quotes)
LSAN_OPTIONS="suppressions=$SFA_ROOT/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

test_cleanup_ () {
	cd / || return
	if [ "$test_failure" -eq 0 ] && [ -n "$test_done_called" ] &&
		[ -z "${SFA_TEST_KEEP:-}" ]; then
		rm -rf "$tmp"
	else
		echo "# test files kept in $tmp"
	fi
}
trap test_cleanup_ EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$tmp" || exit 1

# Print a file (or stdin) with every line prefixed by "# ".
test_comment_ () {
	sed -e 's/^/# /' "$@"
}

# test_expect_success 'description' 'commands'
# Runs the commands with set -e in a subshell in $tmp, stdin /dev/null.
test_expect_success () {
	if [ $# -ne 2 ]; then
		echo "Bail out! test_expect_success needs 2 arguments"
		exit 1
	fi
	test_count=$((test_count + 1))
	_tes_out=$tmp/.test-output
	(
		cd "$tmp" || exit 1
		set -e
		eval "$2"
	) >"$_tes_out" 2>&1 4>&1 </dev/null
	_tes_rc=$?
	if [ $_tes_rc -eq 0 ]; then
		echo "ok $test_count - $1"
		if [ -n "${SFA_TEST_VERBOSE:-}" ] && [ -s "$_tes_out" ]; then
			test_comment_ "$_tes_out"
		fi
	else
		test_failure=$((test_failure + 1))
		echo "not ok $test_count - $1"
		printf "%s\n" "$2" | test_comment_
		echo "# exit status $_tes_rc; output:"
		head -n 400 "$_tes_out" | test_comment_
	fi
	rm -f "$_tes_out"
	return 0
}

# Diagnostics of the helpers go to fd 4, the test's own output, so that
# they show even when the caller redirected stderr (cmd 2>err).
say_ () {
	printf '%s\n' "$*" >&4
}

# Run "$@" with its stderr passed through; set _rc to its exit code and
# _crash to a reason when it crashed (signal, sanitizer, not runnable).
test_run_checked_ () {
	_trc_err=$(mktemp "$tmp/.stderr.XXXXXX") || return 1
	_rc=0
	"$@" 2>"$_trc_err" || _rc=$?
	cat "$_trc_err" >&2
	_crash=
	if grep -q -e 'AddressSanitizer' -e 'LeakSanitizer' \
		-e 'runtime error:' -e 'UndefinedBehaviorSanitizer' "$_trc_err"; then
		_crash="a sanitizer report"
	elif [ $_rc -eq 86 ] || [ $_rc -eq 87 ]; then
		_crash="sanitizer exit code $_rc"
	elif [ $_rc -eq 126 ] || [ $_rc -eq 127 ]; then
		_crash="exit code $_rc (not found or not executable)"
	elif [ $_rc -gt 128 ]; then
		_crash="exit code $_rc (signal $((_rc - 128)))"
	fi
	rm -f "$_trc_err"
	return 0
}

# test_must_fail [--exit=N] cmd [args...]
# Passes when cmd exits with a normal non-zero code (exactly N if given);
# a crash (signal, abort, sanitizer report) never counts as failing well.
test_must_fail () {
	_tmf_want=
	case ${1-} in
	--exit=*) _tmf_want=${1#--exit=}; shift ;;
	esac
	test_run_checked_ "$@" || return 1
	if [ -n "$_crash" ]; then
		say_ "test_must_fail: crashed with $_crash: $*"
		return 1
	fi
	if [ $_rc -eq 0 ]; then
		say_ "test_must_fail: command succeeded: $*"
		return 1
	fi
	if [ -n "$_tmf_want" ] && [ "$_rc" -ne "$_tmf_want" ]; then
		say_ "test_must_fail: exit code $_rc, expected $_tmf_want: $*"
		return 1
	fi
	return 0
}

# test_expect_code N cmd [args...]: cmd must exit with exactly N, no crash.
test_expect_code () {
	_tec_want=$1
	shift
	test_run_checked_ "$@" || return 1
	if [ -n "$_crash" ]; then
		say_ "test_expect_code: crashed with $_crash: $*"
		return 1
	fi
	if [ "$_rc" -ne "$_tec_want" ]; then
		say_ "test_expect_code: exit code $_rc, expected $_tec_want: $*"
		return 1
	fi
	return 0
}

# test_cmp expected actual
test_cmp () {
	diff -u "$@" >&4
}

# test_grep [!] [grep options] pattern file
test_grep () {
	_tg_neg=
	if [ "${1-}" = "!" ]; then
		_tg_neg=1
		shift
	fi
	if [ $# -lt 2 ]; then
		say_ "test_grep: needs a pattern and a file"
		return 1
	fi
	eval "_tg_file=\${$#}"
	if ! [ -f "$_tg_file" ]; then
		say_ "test_grep: no file '$_tg_file'"
		return 1
	fi
	if [ -n "$_tg_neg" ]; then
		grep "$@" >/dev/null || return 0
		say_ "test_grep: found unexpected '$*' in:"
	else
		grep "$@" >/dev/null && return 0
		say_ "test_grep: did not find '$*' in:"
	fi
	head -n 100 "$_tg_file" >&4
	return 1
}

# test_line_count OP N file: compare the number of lines of file with N.
test_line_count () {
	if [ $# -ne 3 ]; then
		say_ "test_line_count: needs OP N file"
		return 1
	fi
	_tlc_n=$(wc -l <"$3")
	if ! test "$_tlc_n" "$1" "$2"; then
		say_ "test_line_count: $3 has $_tlc_n lines, expected $1 $2:"
		head -n 50 "$3" >&4
		return 1
	fi
}

# test_eq A B: a string comparison that says what differed.
test_eq () {
	if [ "$1" != "$2" ]; then
		say_ "test_eq: expected '$1', got '$2'"
		return 1
	fi
}

test_done () {
	test_done_called=1
	echo "1..$test_count"
	if [ "$test_failure" -ne 0 ]; then
		echo "# failed $test_failure among $test_count test(s)"
		exit 1
	fi
	exit 0
}

# gen_leads N [--seed S] [--format csv|ndjson]: deterministic sample leads.
gen_leads () {
	"$SFA_GEN_DATA" leads "$@"
}

# git on the store.
store_git () {
	git --git-dir="$SFA_STORE" "$@"
}

# The number of lead files on main, counted by git (not by the index).
lead_count_git () {
	store_git ls-tree -r --name-only main >"$tmp/.ls-tree" || return 1
	grep -c '^leads/' "$tmp/.ls-tree" || :
}

commit_count () {
	store_git rev-list --count main
}

# is_id STRING: a 12-character id in the lowercase Crockford alphabet.
is_id () {
	printf '%s\n' "$1" | grep -qx '[0-9abcdefghjkmnpqrstvwxyz]\{12\}'
}

# The path of a lead's record file in the store's tree.
lead_path () {
	printf 'leads/%s/%s.json\n' "$(printf '%s' "$1" | cut -c1-2)" "$1"
}

# store_write_raw MESSAGE PATH FILE [PATH FILE...]: commit files to main
# with plain git (as another git tool would), no sfa involved. FILE "-"
# removes PATH.
store_write_raw () {
	_swr_msg=$1
	shift
	_swr_idx=$tmp/.raw-index
	rm -f "$_swr_idx"
	GIT_INDEX_FILE=$_swr_idx store_git read-tree main || return 1
	while [ $# -ge 2 ]; do
		if [ "$2" = "-" ]; then
			printf '0 %s\t%s\n' 0000000000000000000000000000000000000000 "$1" |
			GIT_INDEX_FILE=$_swr_idx store_git update-index --index-info || return 1
		else
			_swr_blob=$(store_git hash-object -w -- "$2") || return 1
			GIT_INDEX_FILE=$_swr_idx store_git update-index --add \
				--cacheinfo "100644,$_swr_blob,$1" || return 1
		fi
		shift 2
	done
	_swr_tree=$(GIT_INDEX_FILE=$_swr_idx store_git write-tree) || return 1
	_swr_commit=$(GIT_AUTHOR_NAME="Raw Git" GIT_AUTHOR_EMAIL=raw@example.com \
		GIT_COMMITTER_NAME="Raw Git" GIT_COMMITTER_EMAIL=raw@example.com \
		store_git commit-tree -p main -m "$_swr_msg" "$_swr_tree") || return 1
	rm -f "$_swr_idx"
	store_git update-ref refs/heads/main "$_swr_commit"
}
