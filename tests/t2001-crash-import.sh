#!/bin/sh
# Crash safety: sfa-lead import killed with SIGKILL at a pseudo-random
# moment, again and again. After every kill the store holds either all of
# that import or none of it, git fsck is clean, the index catches up, and a
# stale git lock is reported (exit 5) and cleared by sfa unlock.
#
# Every round imports SFA_CRASH_ROWS leads (default 50000) and is killed
# after a delay drawn between 0.05 s and 1.1 times the time one whole
# import took here (measured first), so kills land everywhere: while
# reading, while writing the pack, around the branch move, and after the
# end. Each round starts from a copy of the same small store, so every
# check looks at one import. SFA_CRASH_ROUNDS (default 20) sets the number
# of rounds; SFA_CRASH_BUILD names a build to run instead of SFA_BUILD
# (make check uses the optimized one: this test is about what a kill
# leaves behind, and the sanitizers only slow the import it measures).

. "$(dirname "$0")/lib.sh"

if [ -n "${SFA_CRASH_BUILD:-}" ]; then
	case $SFA_CRASH_BUILD in /*) ;; *) SFA_CRASH_BUILD=$SFA_ROOT/$SFA_CRASH_BUILD ;; esac
	PATH=$SFA_CRASH_BUILD/bin:$PATH
fi

rounds=${SFA_CRASH_ROUNDS:-20}
rows=${SFA_CRASH_ROWS:-50000}

# round.awk: the first n records of gen-data CSV with external_id L...
# renamed to prefix...; records end in CRLF, embedded newlines are LF.
cat >round.awk <<'EOF'
BEGIN { RS = "\r\n"; ORS = "\r\n" }
NR > n + 1 { exit }
NR > 1 { sub(/^L/, prefix) }
{ print }
EOF

# plan.awk: per round the size and the delay before the kill, from a fixed
# seed so every run draws the same fractions of the measured import time.
cat >plan.awk <<'EOF'
BEGIN {
	srand(2001)
	for (r = 1; r <= rounds; r++)
		printf "%d %d %.2f\n", r, rows, 0.05 + rand() * 1.1 * (end - start)
}
EOF

no_sanitizer_report () {
	test_grep ! -e AddressSanitizer -e "runtime error:" -e LeakSanitizer "$1"
}

# Stale lock files a killed command may leave (sfa.lock is the flock(2)
# file and always there).
stale_locks () {
	find "$SFA_STORE" -name "*.lock" ! -name sfa.lock
}

# A fresh copy of the starting store, 1000 leads in it.
fresh_store () {
	rm -rf "$SFA_STORE" &&
	cp -a base-store "$SFA_STORE"
}

test_expect_success 'setup: a starting store and one whole import, timed' '
	sfa init -q
	gen_leads "$rows" >base.csv
	awk -v n=1000 -v prefix=S- -f round.awk base.csv >start.csv
	awk -v n=1000 -v prefix=F- -f round.awk base.csv >final.csv
	sfa-lead import -q start.csv
	cp -a "$SFA_STORE" base-store
	awk -v n="$rows" -v prefix=C- -f round.awk base.csv >calibrate.csv
	start=$(date +%s.%N)
	sfa-lead import -q calibrate.csv
	end=$(date +%s.%N)
	awk -v rounds="$rounds" -v rows="$rows" -v start="$start" -v end="$end" -f plan.awk >plan
	cat plan
	fresh_store
	lead_count_git >count
	: >killed-before
	: >killed-after
	: >completed
	: >stale
'

while read -r round size delay; do
	test_expect_success "round $round: import $size leads, kill -9 after ${delay}s" '
		fresh_store
		prev=$(cat count)
		awk -v n="$size" -v prefix="R$round-" -f round.awk base.csv >round.csv
		rc=0
		sfa-lead import -q round.csv >import.out 2>import.err &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || :
		wait "$pid" || rc=$?
		now=$(lead_count_git)
		cat import.err
		no_sanitizer_report import.err
		case $rc in
		0)
			echo "$round" >>completed
			test_eq $((prev + size)) "$now"
			;;
		137)
			if [ "$now" -eq "$prev" ]; then
				echo "$round" >>killed-before
			else
				echo "$round" >>killed-after
			fi
			if [ "$now" -ne "$prev" ] && [ "$now" -ne $((prev + size)) ]; then
				echo "after the kill: $now leads, expected $prev or $((prev + size))"
				false
			fi
			;;
		*)
			echo "sfa-lead import exited $rc"
			false
			;;
		esac
		store_git fsck --no-dangling
		stale_locks >locks
		if [ -s locks ]; then
			echo "$round: $(cat locks)" >>stale
			test_must_fail --exit=5 sfa-lead add first_name=Probe >out 2>err
			test_grep "sfa unlock" err
			sfa unlock
			stale_locks >locks
			test ! -s locks
		fi
		test_eq "$now" "$(lead_count_git)"
		lrc=0
		sfa-lead list --format ids >ids 2>list.err || lrc=$?
		cat list.err
		no_sanitizer_report list.err
		# list exits 1 when there is no lead at all
		test_eq "$([ "$now" -eq 0 ] && echo 1 || echo 0)" "$lrc"
		test_eq "$now" "$(wc -l <ids)"
	'
done <plan

echo "# rounds completed: $(wc -l <completed); killed before the commit: $(wc -l <killed-before); killed after it: $(wc -l <killed-after); stale locks: $(wc -l <stale)"

test_expect_success 'sfa unlock with nothing to clear exits 0' '
	sfa unlock >out 2>err
	stale_locks >locks
	test ! -s locks
'

test_expect_success 'a stale refs/heads/main.lock is reported with exit 5' '
	commit_count >before
	store_git rev-parse main >"$SFA_STORE/refs/heads/main.lock"
	test_must_fail --exit=5 sfa-lead add first_name=Stale >out 2>err
	test_grep "sfa unlock" err
	test ! -s out
	test_must_fail --exit=5 sfa-lead import -q final.csv 2>err
	test_grep "sfa unlock" err
	test_eq "$(cat before)" "$(commit_count)"
'

test_expect_success 'sfa unlock removes the stale lock and temporary files' '
	mkdir -p "$SFA_STORE/sfa-tmp"
	echo junk >"$SFA_STORE/sfa-tmp/pack-stale.pack"
	sfa unlock
	test ! -e "$SFA_STORE/refs/heads/main.lock"
	test ! -e "$SFA_STORE/sfa-tmp/pack-stale.pack"
	sfa-lead add first_name=Unlocked >id
	test_eq $(($(cat before) + 1)) "$(commit_count)"
'

test_expect_success 'an import after the crashes completes and cleans up' '
	prev=$(lead_count_git)
	sfa-lead import -q final.csv
	test_eq $((prev + 1000)) "$(lead_count_git)"
	test_eq $((prev + 1000)) "$(sfa-lead list --format ids | wc -l)"
	if [ -d "$SFA_STORE/sfa-tmp" ]; then
		find "$SFA_STORE/sfa-tmp" -type f >tmpfiles
		test ! -s tmpfiles
	fi
	stale_locks >locks
	test ! -s locks
	store_git count-objects -v >counts
	test_grep -x "garbage: 0" counts
'

test_expect_success 'the store passes a full git fsck at the end' '
	store_git fsck --strict --no-dangling
'

test_expect_success 'the index agrees with git record by record' '
	sfa-lead list --format ids | sort >listed
	store_git ls-tree -r --name-only main |
	sed -n "s|^leads/../\([0-9a-z]*\)\.json\$|\1|p" | sort >expect
	test_cmp expect listed
'

test_done
