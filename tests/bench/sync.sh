#!/bin/bash
# tests/bench/sync.sh BUILD - time sfa sync pulling a batch of changed
# records into a large store, against plain git fetch and a full reindex.
#
# BUILD is the build directory holding bin/ (relative to the repository
# root unless absolute). The script imports N gen-data leads into a store
# (kept between runs), pushes it to an empty bare repository (`sfa sync`),
# clones that twice (`sfa clone`: A and B) and changes CHANGES leads in A
# in one command (`sfa-lead set title=... <ids`), which A pushes (`sfa
# sync`). The leads changed are spread over the whole tree: every k-th id
# in id order, k = N / CHANGES. Then it measures, on a warm page cache,
# each command run SFA_BENCH_RUNS times on a fresh copy (cp -a) of what it
# changes (the median wall time, the largest peak RSS):
#   (a) `sfa sync` in B: fetch, fast-forward, index updated by tree diff;
#       B's main must then be A's, its rows CHANGES records in, and its
#       index must list CHANGES leads with the new title;
#   (b) the index part alone: in a copy of B moved to A's commit by `git
#       fetch` and `git update-ref`, the first sfa command to open the
#       store (`sfa-lead list --where ... | head -1`) catches the index up;
#       the same command once the index is current is given as context;
#   (c) `sfa reindex` of the same store, the whole index rebuilt;
#   (d) the transfer alone the git way: `git fetch origin main` and `git
#       update-ref refs/heads/main FETCH_HEAD` in a copy of B (its index
#       left behind);
#   (e) a diverged sync: B changed CHANGES other leads first (another
#       title), so `sfa sync` merges CHANGES records from there with
#       CHANGES of its own in one merge commit, without conflicts, and
#       pushes it (each run to a fresh copy of the remote).
# As context, once each: the first push to the empty remote and the two
# clones, against `git push` to an empty bare repository and `git clone
# --bare --no-local`; A's change and its push. It prints a Markdown table
# on stdout and writes it to DIR/sync-results.md; progress goes to stderr.
#
# Environment:
#	SFA_BENCH_N	number of leads (default 1000000)
#	SFA_BENCH_CHANGES
#			leads changed in A, and in B for (e) (default
#			10000; at most N / 2)
#	SFA_BENCH_RUNS	runs of each measured command (default 3)
#	SFA_BENCH_DIR	work directory (default /tmp/sfa-bench); generated
#			data and the imported store are kept there between
#			runs, made again when their inputs or `sfa --version`
#			change (remove DIR/sync-store-N to force it); the
#			remote and the clones are made again on every run
#	SFA_SHARED	directory holding bench/gen-data (default ../shared
#			relative to the repository root)

set -eu
set -o pipefail

. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: tests/bench/sync.sh [BUILD]"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bin
SHARED=${SFA_SHARED:-$ROOT/../shared}
case $SHARED in /*) ;; *) SHARED=$ROOT/$SHARED ;; esac
GEN=$SHARED/bench/gen-data
N=${SFA_BENCH_N:-1000000}
CHANGES=${SFA_BENCH_CHANGES:-10000}
RUNS=${SFA_BENCH_RUNS:-3}
DIR=${SFA_BENCH_DIR:-/tmp/sfa-bench}
TITLE_A="sync bench A"
TITLE_B="sync bench B"

case $N in '' | *[!0-9]* | 0) die "SFA_BENCH_N must be a positive number: '$N'" ;; esac
case $CHANGES in '' | *[!0-9]* | 0) die "SFA_BENCH_CHANGES must be a positive number: '$CHANGES'" ;; esac
case $RUNS in '' | *[!0-9]* | 0) die "SFA_BENCH_RUNS must be a positive number: '$RUNS'" ;; esac
[ $((2 * CHANGES)) -le "$N" ] || die "SFA_BENCH_CHANGES must be at most N / 2 ($((N / 2))): '$CHANGES'"
for cmd in sfa sfa-lead sfa-sync sfa-clone sfa-remote; do
	[ -x "$BIN/$cmd" ] || die "no $cmd in $BIN (run make)"
done
[ -x "$GEN" ] || die "no data generator at $GEN (set SFA_SHARED)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
for tool in git sqlite3 python3; do
	command -v $tool >/dev/null || die "$tool is missing"
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$DIR" != / ] || die "SFA_BENCH_DIR must not be /"
# Names apart from the other benchmarks', which may share the directory.
STORE=$DIR/sync-store-$N	# the imported store, kept; its remote "origin" is REMOTE
REMOTE=$DIR/sync-remote.git	# the shared remote: the store, then A's change
CLONE_A=$DIR/sync-a
CLONE_B=$DIR/sync-b
DIVERGED=$DIR/sync-b-diverged	# B with its own change, for (e)
WORK=$DIR/sync-run		# the copy a run changes
WORK_REMOTE=$DIR/sync-run-remote.git
GIT_PUSHED=$DIR/sync-git-push.git
GIT_CLONE=$DIR/sync-git-clone.git
LOGS=$DIR/sync-logs
RESULTS=$DIR/sync-results.md

# The measured commands see the same environment on every run.
export LC_ALL=C TZ=UTC SFA_USER=Bench SFA_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
unset SFA_NOW SFA_STORE SFA_EXEC_PATH SFA_LOCK_TIMEOUT SFA_SSH_KEY SFA_GIT_USER SFA_GIT_PASSWORD \
	GIT_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES MALLOC_TRIM_THRESHOLD_ \
	MALLOC_TOP_PAD_ MALLOC_ARENA_MAX GLIBC_TUNABLES

rm -rf "$REMOTE" "$CLONE_A" "$CLONE_B" "$DIVERGED" "$WORK" "$WORK_REMOTE" "$GIT_PUSHED" "$GIT_CLONE" \
	"$LOGS" "$RESULTS"
mkdir -p "$LOGS"
T0=$(date +%s)

# expect WHAT GOT WANTED
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }
g() { git --git-dir="$1" "${@:2}"; }
head_of() { g "$1" rev-parse --verify -q refs/heads/main; }
# titled STORE TITLE: the leads the store's index lists with that title.
titled() { "$BIN/sfa-lead" list --store "$1" --where "title=$2" --format ids | wc -l; }
# indexed STORE: the commit the store's index is at.
indexed() { sqlite3 "$1/sfa-index.sqlite" "select value from meta where key = 'commit'"; }
# changes CSV: the rows of sfa sync counted by change, as "in:10000 out:3".
changes() {
	python3 -c '
import collections, csv, sys
c = collections.Counter(r["change"] for r in csv.DictReader(open(sys.argv[1], newline="")))
print(" ".join("%s:%d" % kv for kv in sorted(c.items())) or "none")' "$1"
}
# fresh COPY FROM: COPY is a new copy of FROM, written out to disk so that
# no writeback of the copy runs during the measured command.
fresh() {
	rm -rf "$1"
	cp -a "$2" "$1"
	sync -f "$1"
}
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'; }

# runs NAME FUNC: FUNC I, for I from 1 to $RUNS, measures NAME once (run
# I); WALL[NAME] becomes the median wall time, RSS[NAME] the largest peak
# RSS.
runs() {
	local name=$1 fn=$2 i walls=() rss=0
	for ((i = 1; i <= RUNS; i++)); do
		$fn "$i"
		walls+=("${WALL[$name]}")
		[ "${RSS[$name]}" -le "$rss" ] || rss=${RSS[$name]}
	done
	WALL[$name]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	RSS[$name]=$rss
	[ "$RUNS" -eq 1 ] || say "$name: median of $RUNS $(ms "${WALL[$name]}"), largest peak RSS $(mib "$rss")"
}

CSV=$DIR/leads-$N.csv
generate leads "$N" "$CSV"

# --- the store, the remote, the clones ------------------------------------------

# The imported store, with its remote "origin" set to REMOTE (which each
# run makes anew). Only refs/remotes/origin/main changes in it afterwards.
STORE_STAMP="$(cat "$CSV.stamp") $("$BIN/sfa" --version) remote $REMOTE"
if [ -d "$STORE" ] && [ -f "$STORE.stamp" ] && [ "$(cat "$STORE.stamp")" = "$STORE_STAMP" ]; then
	say "using cached $STORE"
else
	say "importing $N leads into $STORE"
	rm -rf "$STORE" "$STORE.stamp" "$STORE.new"
	"$BIN/sfa" init -q "$STORE.new"
	measure import /dev/null /dev/null "$BIN/sfa-lead" import --store "$STORE.new" -q "$CSV"
	"$BIN/sfa" --store "$STORE.new" remote add origin "$REMOTE"
	mv "$STORE.new" "$STORE"
	printf '%s\n' "$STORE_STAMP" >"$STORE.stamp"
fi
BASE_HEAD=$(head_of "$STORE")
# The ids in id order; A changes every k-th from the first, B (for (e))
# every k-th from the second, so both spread over every folder of leads/.
IDS=$DIR/sync-ids-$N
# shellcheck disable=SC2016 # expanded by the inner bash
made "$IDS" "$STORE_STAMP $BASE_HEAD" "the ids of the $N leads" \
	bash -c 'set -o pipefail; "$1" list --store "$2" --format ids | sort' - "$BIN/sfa-lead" "$STORE"
expect "leads in the store" "$(wc -l <"$IDS")" "$N"
STEP=$((N / CHANGES))
awk -v k="$STEP" -v n="$CHANGES" 'NR % k == 1 % k && ++c <= n' "$IDS" >"$LOGS/ids-a"
awk -v k="$STEP" -v n="$CHANGES" 'NR % k == 2 % k && ++c <= n' "$IDS" >"$LOGS/ids-b"
expect "ids changed in A" "$(wc -l <"$LOGS/ids-a")" "$CHANGES"
expect "ids changed in B" "$(wc -l <"$LOGS/ids-b")" "$CHANGES"
expect "ids changed in both" "$(sort "$LOGS/ids-a" "$LOGS/ids-b" | uniq -d | wc -l)" 0

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
STORE_DU=$(du_mb "$STORE")

say "pushing the store to the empty remote $REMOTE"
git init -q --bare "$REMOTE"
# The previous run's push left refs/remotes/origin/main in the store; with
# it sfa sync would take the new, empty remote for one holding main and
# send it nothing.
g "$STORE" update-ref -d refs/remotes/origin/main
measure push /dev/null "$LOGS/push.csv" "$BIN/sfa" --store "$STORE" sync --format csv
expect "the remote's main after the first push" "$(head_of "$REMOTE")" "$BASE_HEAD"
git init -q --bare "$GIT_PUSHED"
measure git-push /dev/null /dev/null git --git-dir="$STORE" push -q "$GIT_PUSHED" main
expect "main pushed by git" "$(head_of "$GIT_PUSHED")" "$BASE_HEAD"
rm -rf "$GIT_PUSHED"
REMOTE_DU=$(du_mb "$REMOTE")

say "cloning the remote twice"
measure clone-a /dev/null /dev/null "$BIN/sfa" clone "$REMOTE" "$CLONE_A"
measure clone-b /dev/null /dev/null "$BIN/sfa" clone "$REMOTE" "$CLONE_B"
for c in "$CLONE_A" "$CLONE_B"; do
	expect "main of $c" "$(head_of "$c")" "$BASE_HEAD"
	expect "the index of $c" "$(indexed "$c")" "$BASE_HEAD"
done
measure git-clone /dev/null /dev/null git clone -q --bare --no-local "$REMOTE" "$GIT_CLONE"
expect "main cloned by git" "$(head_of "$GIT_CLONE")" "$BASE_HEAD"
rm -rf "$GIT_CLONE"
CLONE_DU=$(du_mb "$CLONE_B")
expect "leads titled '$TITLE_A' before the change" "$(titled "$CLONE_B" "$TITLE_A")" 0

say "changing $CHANGES leads in A and pushing them"
measure set-a "$LOGS/ids-a" /dev/null "$BIN/sfa-lead" set --store "$CLONE_A" "title=$TITLE_A"
A_HEAD=$(head_of "$CLONE_A")
expect "commits A made" "$(g "$CLONE_A" rev-list --count "$BASE_HEAD..$A_HEAD")" 1
expect "files A changed" "$(g "$CLONE_A" diff --name-only "$BASE_HEAD" "$A_HEAD" | wc -l)" "$CHANGES"
expect "leads titled '$TITLE_A' in A" "$(titled "$CLONE_A" "$TITLE_A")" "$CHANGES"
measure push-a /dev/null "$LOGS/push-a.csv" "$BIN/sfa" --store "$CLONE_A" sync --format csv
expect "rows of A's sync" "$(changes "$LOGS/push-a.csv")" "out:$CHANGES"
expect "the remote's main after A's push" "$(head_of "$REMOTE")" "$A_HEAD"
# What a pull of A's change brings: the objects new since the store as
# imported, and their size as the remote stores them.
PULL_OBJECTS=$(g "$REMOTE" rev-list --objects "$BASE_HEAD..$A_HEAD" | wc -l)
PULL_BYTES=$(g "$REMOTE" rev-list --objects --disk-usage "$BASE_HEAD..$A_HEAD")

say "changing $CHANGES other leads in a copy of B, for (e)"
fresh "$DIVERGED" "$CLONE_B"
measure set-b "$LOGS/ids-b" /dev/null "$BIN/sfa-lead" set --store "$DIVERGED" "title=$TITLE_B"
B_HEAD=$(head_of "$DIVERGED")
expect "leads titled '$TITLE_B' in B" "$(titled "$DIVERGED" "$TITLE_B")" "$CHANGES"

# --- measuring ------------------------------------------------------------------

# (a) sfa sync: fetch, fast-forward, index.
say "(a) sfa sync of $CHANGES changed leads into B"
run_sync() {
	fresh "$WORK" "$CLONE_B"
	measure sync /dev/null "$LOGS/sync.csv" "$BIN/sfa" --store "$WORK" sync --format csv
	expect "(a) run $1: rows" "$(changes "$LOGS/sync.csv")" "in:$CHANGES"
	expect "(a) run $1: B's main" "$(head_of "$WORK")" "$A_HEAD"
	expect "(a) run $1: B's index" "$(indexed "$WORK")" "$A_HEAD"
	expect "(a) run $1: leads titled '$TITLE_A'" "$(titled "$WORK" "$TITLE_A")" "$CHANGES"
}
runs sync run_sync
SYNC_SUMMARY=$(tail -n 1 "$LOGS/sync.err")
expect "the remote's main after (a)" "$(head_of "$REMOTE")" "$A_HEAD"

# (b) The index caught up by the first command, after git moved main.
# shellcheck disable=SC2016
FIRST_CMD=(bash -c '"$1" list --store "$2" --where "title=$3" --format ids | head -n 1'
	- "$BIN/sfa-lead" "$WORK" "$TITLE_A")
say "(b) the first sfa-lead list after git fetch and update-ref"
run_catch_up() {
	fresh "$WORK" "$CLONE_B"
	g "$WORK" fetch -q origin main
	g "$WORK" update-ref refs/heads/main FETCH_HEAD
	expect "(b) run $1: the index before" "$(indexed "$WORK")" "$BASE_HEAD"
	measure catch-up /dev/null "$LOGS/catch-up.out" "${FIRST_CMD[@]}"
	expect "(b) run $1: the index after" "$(indexed "$WORK")" "$A_HEAD"
	grep -qxFf "$LOGS/ids-a" "$LOGS/catch-up.out" || die "(b) run $1: the first row is not a lead A changed"
	expect "(b) run $1: leads titled '$TITLE_A'" "$(titled "$WORK" "$TITLE_A")" "$CHANGES"
}
runs catch-up run_catch_up
# The same command on the store whose index is now current: the query
# alone.
bench_current() { measure list-current /dev/null /dev/null "${FIRST_CMD[@]}"; }
runs list-current bench_current

# (c) The whole index rebuilt, on the store of (b).
say "(c) sfa reindex of the same store"
run_reindex() {
	measure reindex /dev/null /dev/null "$BIN/sfa" reindex --store "$WORK" -q
	expect "(c) run $1: the index" "$(indexed "$WORK")" "$A_HEAD"
}
runs reindex run_reindex
expect "(c) leads titled '$TITLE_A'" "$(titled "$WORK" "$TITLE_A")" "$CHANGES"

# (d) git alone.
say "(d) git fetch and update-ref in a copy of B"
run_git_fetch() {
	fresh "$WORK" "$CLONE_B"
	# shellcheck disable=SC2016 # expanded by the inner bash
	measure git-fetch /dev/null /dev/null bash -c \
		'git --git-dir="$1" fetch -q origin main && git --git-dir="$1" update-ref refs/heads/main FETCH_HEAD' \
		- "$WORK"
	expect "(d) run $1: B's main" "$(head_of "$WORK")" "$A_HEAD"
	expect "(d) run $1: B's index (left as it was)" "$(indexed "$WORK")" "$BASE_HEAD"
}
runs git-fetch run_git_fetch
# The same with glibc's heap trimming off: on some virtual machines git's
# index-pack spends most of its time growing and trimming the heap (see
# run.sh).
NOTRIM=(MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864)
run_git_fetch_notrim() {
	fresh "$WORK" "$CLONE_B"
	# shellcheck disable=SC2016
	measure git-fetch-notrim /dev/null /dev/null env "${NOTRIM[@]}" bash -c \
		'git --git-dir="$1" fetch -q origin main && git --git-dir="$1" update-ref refs/heads/main FETCH_HEAD' \
		- "$WORK"
	expect "(d) run $1, heap trimming off: B's main" "$(head_of "$WORK")" "$A_HEAD"
}
runs git-fetch-notrim run_git_fetch_notrim

# (e) The diverged sync, pushed to a fresh copy of the remote each run.
say "(e) sfa sync of B with $CHANGES changes of its own"
run_diverged() {
	fresh "$WORK_REMOTE" "$REMOTE"
	fresh "$WORK" "$DIVERGED"
	g "$WORK" config remote.origin.url "$WORK_REMOTE"
	measure diverged /dev/null "$LOGS/diverged.csv" "$BIN/sfa" --store "$WORK" sync --format csv
	expect "(e) run $1: rows" "$(changes "$LOGS/diverged.csv")" "in:$CHANGES out:$CHANGES"
	local head
	head=$(head_of "$WORK")
	expect "(e) run $1: the merge's parents" "$(g "$WORK" log -1 --format=%P "$head")" "$B_HEAD $A_HEAD"
	expect "(e) run $1: the remote's main" "$(head_of "$WORK_REMOTE")" "$head"
	expect "(e) run $1: the index" "$(indexed "$WORK")" "$head"
	expect "(e) run $1: files the merge changed from B" \
		"$(g "$WORK" diff --name-only "$B_HEAD" "$head" | wc -l)" "$CHANGES"
	expect "(e) run $1: files the merge changed from A" \
		"$(g "$WORK" diff --name-only "$A_HEAD" "$head" | wc -l)" "$CHANGES"
	expect "(e) run $1: leads titled '$TITLE_A'" "$(titled "$WORK" "$TITLE_A")" "$CHANGES"
	expect "(e) run $1: leads titled '$TITLE_B'" "$(titled "$WORK" "$TITLE_B")" "$CHANGES"
}
runs diverged run_diverged
MERGE_MESSAGE=$(g "$WORK" log -1 --format=%s main)
DIVERGED_SUMMARY=$(tail -n 1 "$LOGS/diverged.err")
rm -rf "$WORK" "$WORK_REMOTE"

say "writing $RESULTS"

# --- report ---------------------------------------------------------------------

wall() { ms "${WALL[$1]}"; }
rss() { mib "${RSS[$1]}"; }
# row OPERATION DATA COMMAND NAME CHECKED
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(wall "$4")" "$(rss "$4")" "$5"; }
# vs WHAT SFA SFA_MS ALTERNATIVE ALTERNATIVE_MS
vs() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$4" "$(ratio "$3" "$5")"; }

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
fetch_ms=${WALL[git-fetch]} reindex_ms=${WALL[reindex]} catch_up_ms=${WALL[catch-up]}
fetch_reindex=$((fetch_ms + reindex_ms))
fetch_catch_up=$((fetch_ms + catch_up_ms))
elapsed=$(($(date +%s) - T0))
c=$CHANGES

# shellcheck disable=SC2016 # backquotes: Markdown code spans
{
	printf '# sfa sync benchmark\n\n'
	printf 'Machine: %s CPUs, %s, %s RAM, %s, %s  \n' "$(nproc)" "${cpu:-unknown CPU}" "$ram" \
		"$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Load average (1, 5, 15 min) at start %s, at end %s  \n' "$LOAD_START" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'N = %s leads from gen-data (CSV %s) in one `sfa-lead import`; store %s on disk, ' \
		"$N" "$(mb "$(stat -c %s "$CSV")")" "$STORE_DU"
	printf 'the bare remote (a local path) %s, a clone %s  \n' "$REMOTE_DU" "$CLONE_DU"
	printf 'A changed %s leads, every %sth in id order (all of leads/'\''s folders), ' "$c" "$STEP"
	printf 'in one commit: `sfa-lead set title="%s" <ids` (%s objects new, %s as the remote stores them)  \n' \
		"$TITLE_A" "$PULL_OBJECTS" "$(mb "$PULL_BYTES")"
	printf 'sfa %s, %s, SQLite %s; warm page cache; (a) to (e) the median wall time of %s runs, ' \
		"$("$BIN/sfa" --version | awk '{print $NF}')" "$(git --version)" "$(sqlite3 --version | awk '{print $1}')" \
		"$RUNS"
	printf 'each on a fresh `cp -a` copy of B (and in (e) of the remote), and the largest peak RSS; '
	printf 'the rest one run each\n\n'
	printf '| operation | data | command | wall | peak RSS | checked |\n'
	printf '|---|---|---|---|---|---|\n'
	row "(a) pull into B: fetch, fast-forward, index by tree diff" "$c changed of $N records, 1 commit" \
		'`sfa sync`' sync "rows in:$c; B's main = A's; the index at A's commit; $c leads listed with the new title"
	row "(b) the index alone: first command after \`git fetch\` + \`git update-ref\`" "$c of $N records" \
		"\`sfa-lead list --where 'title=$TITLE_A' --format ids \\| head -n 1\`" catch-up \
		"the index moved from the old commit to A's; the first row a lead A changed; $c listed"
	row "context: the same command, index current" "$c of $N" "same" list-current "-"
	row "(c) the whole index rebuilt, same store" "$N records" '`sfa reindex -q`' reindex \
		"the index at A's commit; $c listed"
	row "(d) the transfer the git way, index left behind" "$c of $N records, 1 commit" \
		'`git fetch -q origin main && git update-ref refs/heads/main FETCH_HEAD`' git-fetch \
		"B's main = A's; the index still at the old commit"
	row "context: (d) with glibc's heap trimming off" "same" "\`env ${NOTRIM[*]} bash -c '...'\`" \
		git-fetch-notrim "B's main = A's"
	row "(e) diverged sync in B: merge and push" "$c records in, $c of B's out, no conflicts" \
		'`sfa sync`' diverged \
		"rows $(changes "$LOGS/diverged.csv"); one merge commit, parents B's and A's; pushed; $c + $c listed"
	if [ -n "${WALL[import]:-}" ]; then
		printf '| context: the store imported (this run; cached for the next) | %s records | ' "$N"
		printf '`sfa-lead import -q leads.csv` | %s | %s | - |\n' "$(wall import)" "$(rss import)"
	fi
	printf '| context: first push to the empty bare remote | %s records | `sfa sync` | %s | %s | ' \
		"$N" "$(wall push)" "$(rss push)"
	printf 'the remote'\''s main = the store'\''s |\n'
	printf '| context: the same the git way | %s records | `git push -q EMPTY main` | %s | %s | - |\n' \
		"$N" "$(wall git-push)" "$(rss git-push)"
	printf '| context: clone A, with its index | %s records | `sfa clone REMOTE DIR` | %s | %s | ' \
		"$N" "$(wall clone-a)" "$(rss clone-a)"
	printf 'main and index at the remote'\''s commit |\n'
	printf '| context: clone B, with its index | %s records | `sfa clone REMOTE DIR` | %s | %s | same |\n' \
		"$N" "$(wall clone-b)" "$(rss clone-b)"
	printf '| context: the same the git way, no index | %s records | `git clone -q --bare --no-local` | %s | %s | - |\n' \
		"$N" "$(wall git-clone)" "$(rss git-clone)"
	printf '| context: A'\''s change | %s records | `sfa-lead set title="%s" <ids` | %s | %s | 1 commit, %s files |\n' \
		"$c" "$TITLE_A" "$(wall set-a)" "$(rss set-a)" "$c"
	printf '| context: A'\''s push | %s records | `sfa sync` | %s | %s | rows out:%s |\n' \
		"$c" "$(wall push-a)" "$(rss push-a)" "$c"
	printf '\n| comparison | sfa | alternative | ratio (sfa ÷ alternative) |\n'
	printf '|---|---|---|---|\n'
	vs "pull $c changed records" "(a) sfa sync: $(wall sync)" "${WALL[sync]}" \
		"(d) git fetch + update-ref, no index: $(wall git-fetch)" "${WALL[git-fetch]}"
	vs "pull $c changed records" "(a) sfa sync: $(wall sync)" "${WALL[sync]}" \
		"(d) with heap trimming off: $(wall git-fetch-notrim)" "${WALL[git-fetch-notrim]}"
	vs "pull with an index of the new commit" "(a) sfa sync: $(wall sync)" "${WALL[sync]}" \
		"(d) + (c) git fetch + update-ref + sfa reindex: $(ms "$fetch_reindex")" "$fetch_reindex"
	vs "pull, the same steps one by one" "(a) sfa sync: $(wall sync)" "${WALL[sync]}" \
		"(d) + (b) git fetch + update-ref + the first command: $(ms "$fetch_catch_up")" "$fetch_catch_up"
	vs "bring the index to the new commit" "(b) tree diff: $(wall catch-up)" "${WALL[catch-up]}" \
		"(c) sfa reindex: $(wall reindex)" "${WALL[reindex]}"
	vs "diverged against fast-forward" "(e) merge + push: $(wall diverged)" "${WALL[diverged]}" \
		"(a) fast-forward: $(wall sync)" "${WALL[sync]}"
	vs "first push of $N records" "sfa sync: $(wall push)" "${WALL[push]}" \
		"git push: $(wall git-push)" "${WALL[git-push]}"
	vs "clone $N records" "sfa clone (B): $(wall clone-b)" "${WALL[clone-b]}" \
		"git clone --bare --no-local: $(wall git-clone)" "${WALL[git-clone]}"
	printf '\n(a) said: `%s`  \n' "$SYNC_SUMMARY"
	printf '(e) said: `%s`; its commit: "%s"  \n' "$DIVERGED_SUMMARY" "$MERGE_MESSAGE"
	printf 'B'\''s own change for (e): `sfa-lead set title="%s" <ids`, %s other leads (%s). ' \
		"$TITLE_B" "$c" "$(wall set-b)"
	printf 'Peak RSS of a shell pipeline or of git is the largest of its processes'\''. '
	printf 'Whole benchmark: %s s.\n' "$elapsed"
} >"$RESULTS"
cat "$RESULTS"
