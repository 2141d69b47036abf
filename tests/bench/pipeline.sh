#!/bin/bash
# tests/bench/pipeline.sh BUILD - time sfa-stage and sfa-activity against
# plain git and SQLite.
#
# BUILD is the build directory holding bin/ (relative to the repository
# root unless absolute). The script generates N opportunities and M
# activities with bench/gen-data and measures, in one fresh store, on a
# warm page cache:
#   (a) sfa-stage import --map account=account_name of the opportunities,
#       against git fast-import of the same records as one JSON file each
#       (byte for byte the files sfa writes) and sqlite3 .import of the CSV;
#   (b) the median of 21 `sfa-stage move ID negotiation`, each on another
#       deal in proposal, against 21 single-row UPDATEs, each its own
#       sqlite3 process;
#   (c) sfa-stage list --stale, against the same condition in SQL: a deal
#       in an open stage, last touched longer ago than the stage's rot_days;
#   (d) sfa-activity import of the activities (about the opportunities by
#       their external ids), against sqlite3 .import;
#   (e) one rep's agenda (--overdue, --week) and iCalendar export, against
#       the same rows from sqlite3, ordered by due_at.
# All of it runs at a fixed time, SFA_NOW, inside the generated dates, so
# that the stale deals and the agenda windows hold data. It prints a
# Markdown table on stdout and writes it to DIR/pipeline-results.md;
# progress goes to stderr.
#
# Environment:
#	SFA_BENCH_OPP_N	number of opportunities (default 1000000)
#	SFA_BENCH_ACT_N	number of activities (default 1000000); they refer
#			to the first third as many opportunities, so it
#			must be at most 3 × SFA_BENCH_OPP_N
#	SFA_BENCH_FI_N	records for the git fast-import run with glibc's
#			default malloc settings (default min(N, 200000)),
#			projected linearly to N; a second run with heap
#			trimming off covers all N (see run.sh)
#	SFA_BENCH_NOW	the time the commands run at (default
#			2025-06-01T00:00:00Z; gen-data's dates span 2024-2025)
#	SFA_BENCH_DIR	work directory (default /tmp/sfa-bench); generated
#			data is kept there between runs, stores are rebuilt
#	SFA_SHARED	directory holding bench/gen-data (default ../shared
#			relative to the repository root)

set -eu
set -o pipefail

. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: tests/bench/pipeline.sh [BUILD]"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bin
SHARED=${SFA_SHARED:-$ROOT/../shared}
case $SHARED in /*) ;; *) SHARED=$ROOT/$SHARED ;; esac
GEN=$SHARED/bench/gen-data
N=${SFA_BENCH_OPP_N:-1000000}
M=${SFA_BENCH_ACT_N:-1000000}
FI_N=${SFA_BENCH_FI_N:-200000}
NOW=${SFA_BENCH_NOW:-2025-06-01T00:00:00Z}
DIR=${SFA_BENCH_DIR:-/tmp/sfa-bench}
REPEAT=21
REP=rep07

case $N in '' | *[!0-9]* | 0) die "SFA_BENCH_OPP_N must be a positive number: '$N'" ;; esac
case $M in '' | *[!0-9]* | 0) die "SFA_BENCH_ACT_N must be a positive number: '$M'" ;; esac
case $FI_N in '' | *[!0-9]* | 0) die "SFA_BENCH_FI_N must be a positive number: '$FI_N'" ;; esac
[ "$FI_N" -le "$N" ] || FI_N=$N
# gen-data's activities are about opportunities O0000000 .. O(M/3 - 1)
[ $((M / 3)) -le "$N" ] ||
	die "SFA_BENCH_ACT_N=$M activities refer to $((M / 3)) opportunities, more than SFA_BENCH_OPP_N=$N"
[[ $NOW =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
	die "SFA_BENCH_NOW must be a UTC time like 2025-06-01T00:00:00Z: '$NOW'"
for cmd in sfa sfa-stage sfa-activity; do
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
# Names apart from run.sh's, which may share the directory.
STORE=$DIR/pipeline-store
FI_GIT=$DIR/pipeline-fast-import.git
FI_FULL_GIT=$DIR/pipeline-fast-import-full.git
DB=$DIR/pipeline.db
LOGS=$DIR/pipeline-logs
RESULTS=$DIR/pipeline-results.md

# The measured commands see the same environment on every run, and the
# same clock: agenda windows and stale deals are counted from SFA_NOW, in
# UTC days.
export LC_ALL=C TZ=UTC SFA_NOW=$NOW SFA_USER=Bench SFA_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
unset SFA_STORE SFA_EXEC_PATH SFA_LOCK_TIMEOUT GIT_DIR GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ \
	MALLOC_ARENA_MAX GLIBC_TUNABLES

# Each run starts from nothing but the cached input files.
rm -rf "$STORE" "$FI_GIT" "$FI_FULL_GIT" "$DB" "$DB-journal" "$LOGS" "$RESULTS"
mkdir -p "$LOGS"

OPP_CSV=$DIR/opportunities-$N.csv
ACT_CSV=$DIR/activities-$M.csv
generate opportunities "$N" "$OPP_CSV"
generate activities "$M" "$ACT_CSV"
OPP_BYTES=$(stat -c %s "$OPP_CSV")
ACT_BYTES=$(stat -c %s "$ACT_CSV")

# The store, and the pipelines it has: the fast-import records and the SQL
# stale condition follow them.
"$BIN/sfa" init -q "$STORE"
PIPELINES=$LOGS/pipelines.json
git --git-dir="$STORE" show main:config/pipelines.json >"$PIPELINES"

# fast-import streams of the first FI_N and of all N records.
stream() {
	STREAM=$DIR/fast-import-opps-$1-of-$N.stream
	made "$STREAM" "$1 $(cat "$OPP_CSV.stamp") $(sha256sum <"$PIPELINES") $SFA_USER $(cat \
		"$BENCH/fast-import-opps.py" "$BENCH/fast-import-stream.py" | sha256sum)" \
		"the fast-import stream of $1 opportunities" \
		python3 "$BENCH/fast-import-opps.py" "$OPP_CSV" "$1" "$PIPELINES"
}
stream "$FI_N"
FI_STREAM=$STREAM
stream "$N"
FULL_STREAM=$STREAM



# median_each NAME LIST CMD...: run CMD once for each line of LIST, each a
# new process, with {1}, {2}, ... in its words replaced by the line's
# comma-separated fields; print the median wall time in milliseconds. The
# runs' stderr goes to $LOGS/NAME.err. Any exit status but 0 is fatal.
median_each() {
	local name=$1
	shift
	say "timing $name"
	python3 -c '
import statistics, subprocess, sys, time
err, listfile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
times = []
with open(listfile) as f, open(err, "w") as log:
    for line in f:
        fields = line.rstrip("\n").split(",")
        argv = list(cmd)
        for k, v in enumerate(fields, 1):
            argv = [a.replace("{%d}" % k, v) for a in argv]
        t = time.perf_counter()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            sys.exit("bench: error: exit status %d: %s" % (p.returncode, " ".join(argv)))
print("%.1f" % (statistics.median(times) * 1000))
' "$LOGS/$name.err" "$@"
}

# csv_rows FILE: the number of CSV records in FILE after its header (cells
# may hold newlines, so not its lines).
csv_rows() {
	python3 -c '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    print(max(0, sum(1 for _ in csv.reader(f)) - 1))
' "$1"
}

# expect WHAT GOT WANTED
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }

# sql TEXT: TEXT quoted as an SQL string literal.
sql() { printf "'%s'" "${1//\'/\'\'}"; }

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)

# (a) Import of the opportunities.
say "(a) import of $N opportunities"
measure sfa-import /dev/null /dev/null \
	"$BIN/sfa-stage" import --store "$STORE" --map account=account_name "$OPP_CSV"
expect "sfa store commits" "$(git --git-dir="$STORE" rev-list --count main)" 2
# The fast-import streams hold the files sfa writes, byte for byte: with
# sfa's ids, the first records must come out as the blobs in sfa's tree.
say "checking the fast-import records against the sfa store"
"$BIN/sfa-stage" list --store "$STORE" --fields id,external_id --format ndjson >"$LOGS/ids.ndjson"
python3 "$BENCH/fast-import-opps.py" "$OPP_CSV" $((N < 1000 ? N : 1000)) "$PIPELINES" \
	--ids "$LOGS/ids.ndjson" --oids >"$LOGS/oids.expected"
sed 's/^[^	]*	/main:/' "$LOGS/oids.expected" |
	git --git-dir="$STORE" cat-file --batch-check='%(objectname)' >"$LOGS/oids.store"
cut -f 1 "$LOGS/oids.expected" | cmp -s - "$LOGS/oids.store" ||
	die "record files differ from sfa's (see $LOGS/oids.expected and oids.store)"

git init -q --bare "$FI_GIT"
measure fast-import "$FI_STREAM" /dev/null git --git-dir="$FI_GIT" fast-import --quiet
expect "fast-import tree entries" "$(git --git-dir="$FI_GIT" ls-tree -r main | wc -l)" $((FI_N + 1))
git init -q --bare "$FI_FULL_GIT"
measure fast-import-notrim "$FULL_STREAM" /dev/null \
	env MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 \
	git --git-dir="$FI_FULL_GIT" fast-import --quiet
expect "fast-import tree entries" "$(git --git-dir="$FI_FULL_GIT" ls-tree -r main | wc -l)" $((N + 1))

measure sqlite-import /dev/null /dev/null sqlite3 "$DB" ".mode csv" ".import '$OPP_CSV' opportunities"
expect "sqlite opportunities" "$(sqlite3 "$DB" "select count(*) from opportunities")" "$N"
# What sfa-stage gives a new deal and the queries below ask about: its
# pipeline (the default) and when it was last touched (when created).
DEFAULT_PIPELINE=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["default"])' "$PIPELINES")
measure sqlite-derive /dev/null /dev/null sqlite3 "$DB" "
	alter table opportunities add column pipeline text;
	alter table opportunities add column last_activity_at text;
	update opportunities set pipeline = $(sql "$DEFAULT_PIPELINE"), last_activity_at = created_at"

# (b) Moving one deal at a time.
say "(b) $REPEAT moves to negotiation in the $N-deal store"
"$BIN/sfa-stage" list --store "$STORE" --stage proposal --where 'amount!=' --where 'close_date!=' \
	--fields id,external_id --format csv >"$LOGS/proposal.csv"
sed -n "2,$((REPEAT + 1))p" "$LOGS/proposal.csv" >"$LOGS/moves.csv"
expect "deals in proposal to move" "$(wc -l <"$LOGS/moves.csv")" $REPEAT
NEGOTIATION_BEFORE=$(sqlite3 "$DB" "select count(*) from opportunities where stage = 'negotiation'")
MOVE_MS=$(median_each sfa-move "$LOGS/moves.csv" "$BIN/sfa-stage" move --store "$STORE" '{1}' negotiation)
# the same change as a row: a move touches the deal now
UPDATE_MS=$(median_each sqlite-update "$LOGS/moves.csv" sqlite3 "$DB" \
	"UPDATE opportunities SET stage = 'negotiation', last_activity_at = '$NOW' WHERE external_id = '{2}'")
say "sfa-move: median $MOVE_MS ms; sqlite-update: median $UPDATE_MS ms"
NEGOTIATION=$(sqlite3 "$DB" "select count(*) from opportunities where stage = 'negotiation'")
expect "sqlite deals in negotiation" "$NEGOTIATION" $((NEGOTIATION_BEFORE + REPEAT))
expect "sfa deals in negotiation" \
	"$("$BIN/sfa-stage" list --store "$STORE" --stage negotiation --format ids | wc -l)" "$NEGOTIATION"

# (c) Stale deals: in an open stage with rot_days, last touched before
# NOW - rot_days. The SQL condition is made from the store's stages.
say "(c) stale deals among $N"
"$BIN/sfa-stage" stages --store "$STORE" --format csv >"$LOGS/stages.csv"
STALE_CASE=$(python3 -c '
import csv, datetime as dt, sys
now = dt.datetime.strptime(sys.argv[2], "%Y-%m-%dT%H:%M:%SZ")
q = lambda s: "\x27" + s.replace("\x27", "\x27\x27") + "\x27"
terms = []
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["rot_days"] and not row["closes"]:
        cutoff = (now - dt.timedelta(days=int(row["rot_days"]))).strftime("%Y-%m-%dT%H:%M:%SZ")
        terms.append("when pipeline = %s and stage = %s then %s" % (q(row["pipeline"]), q(row["stage"]), q(cutoff)))
if not terms:
    sys.exit("bench: error: no stage with rot_days")
print("case " + " ".join(terms) + " end")
' "$LOGS/stages.csv" "$NOW")
printf '%s\n' "$STALE_CASE" >"$LOGS/stale-case.sql"
# shellcheck disable=SC2016 # expanded by the inner bash
measure sfa-stale /dev/null "$LOGS/sfa-stale.out" bash -c \
	'"$1" list --store "$2" --stale --format ids | wc -l' - "$BIN/sfa-stage" "$STORE"
# shellcheck disable=SC2016
measure sqlite-stale /dev/null "$LOGS/sqlite-stale.out" bash -c \
	'sqlite3 "$1" "select external_id from opportunities where last_activity_at < $2" | wc -l' \
	- "$DB" "$STALE_CASE"
STALE_SFA=$(cat "$LOGS/sfa-stale.out")
STALE_SQL=$(cat "$LOGS/sqlite-stale.out")
say "stale deals: sfa $STALE_SFA, sqlite $STALE_SQL"
expect "stale deals (sfa, then sqlite)" "$STALE_SFA" "$STALE_SQL"

# (d) Import of the activities, about the deals by external id.
say "(d) import of $M activities"
measure sfa-act-import /dev/null /dev/null "$BIN/sfa-activity" import --store "$STORE" "$ACT_CSV"
expect "sfa store commits" "$(git --git-dir="$STORE" rev-list --count main)" $((3 + REPEAT))
measure sqlite-act-import /dev/null /dev/null sqlite3 "$DB" ".mode csv" ".import '$ACT_CSV' activities"
expect "sqlite activities" "$(sqlite3 "$DB" "select count(*) from activities")" "$M"

# (e) One rep's agenda and calendar. The SQL gives agenda's columns, the
# deal's name as "about" from a join on its external id.
say "(e) agenda and export for $REP"
WEEK=$(python3 -c '
import datetime as dt, sys
d = dt.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ").replace(hour=0, minute=0, second=0)
print(d.strftime("%Y-%m-%dT%H:%M:%SZ"), (d + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"))
' "$NOW")
WEEK_FROM=${WEEK% *} WEEK_TO=${WEEK#* }
AGENDA_SQL="select a.due_at, a.type, a.subject, o.name as about, 'opportunity' as related_type,
	a.owner, null as duration, null as location, a.external_id as id
	from activities a left join opportunities o on o.external_id = a.related_to
	where a.owner = '$REP' and a.done = 'false'"
# agenda exits 1 when the window is empty
MEASURE_OK="0 1" measure sfa-overdue /dev/null "$LOGS/sfa-overdue.csv" \
	"$BIN/sfa-activity" agenda --store "$STORE" --rep $REP --overdue --format csv
measure sqlite-overdue /dev/null "$LOGS/sqlite-overdue.csv" sqlite3 -csv -header "$DB" \
	"$AGENDA_SQL and a.due_at < '$NOW' order by a.due_at"
OVERDUE=$(csv_rows "$LOGS/sfa-overdue.csv")
expect "$REP's overdue activities (sfa, then sqlite)" "$OVERDUE" "$(csv_rows "$LOGS/sqlite-overdue.csv")"
MEASURE_OK="0 1" measure sfa-week /dev/null "$LOGS/sfa-week.csv" \
	"$BIN/sfa-activity" agenda --store "$STORE" --rep $REP --week --format csv
measure sqlite-week /dev/null "$LOGS/sqlite-week.csv" sqlite3 -csv -header "$DB" \
	"$AGENDA_SQL and a.due_at >= '$WEEK_FROM' and a.due_at < '$WEEK_TO' order by a.due_at"
WEEK_ROWS=$(csv_rows "$LOGS/sfa-week.csv")
expect "$REP's activities this week (sfa, then sqlite)" "$WEEK_ROWS" "$(csv_rows "$LOGS/sqlite-week.csv")"
measure sfa-ics /dev/null "$LOGS/sfa.ics" "$BIN/sfa-activity" export --store "$STORE" --rep $REP --ics
measure sqlite-ics /dev/null "$LOGS/sqlite-ics.csv" sqlite3 -csv -header "$DB" \
	"select a.*, o.name as about from activities a left join opportunities o on o.external_id = a.related_to
	where a.owner = '$REP' and a.due_at <> '' order by a.due_at"
# tasks are to-dos (VTODO), the rest events
EVENTS=$(grep -c '^BEGIN:V\(EVENT\|TODO\)' "$LOGS/sfa.ics" || true)
expect "$REP's calendar entries (sfa, then sqlite)" "$EVENTS" "$(csv_rows "$LOGS/sqlite-ics.csv")"

# Report.
say "writing $RESULTS"

# row OPERATION SFA ALTERNATIVE SFA_NUMBER ALTERNATIVE_NUMBER
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(ratio "$4" "$5")"; }
# wall NAME / rss NAME: a measurement, formatted
wall() { ms "${WALL[$1]}"; }
rss() { mib "${RSS[$1]}"; }

fi_ms=${WALL[fast-import]}
fi_text=$(wall fast-import)
if [ "$FI_N" -lt "$N" ]; then
	fi_ms=$((fi_ms * N / FI_N))
	fi_text="$(ms "$fi_ms") **extrapolated** ($fi_text measured for $FI_N records, × $N/$FI_N)"
fi
notrim_sum=$((WALL[fast-import-notrim] + WALL[sqlite-import] + WALL[sqlite-derive]))
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
imp=${WALL[sfa-import]}
aimp=${WALL[sfa-act-import]}
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

{
	printf '# sfa pipeline benchmark\n\n'
	printf 'Machine: %s CPUs, %s, %s RAM, %s, %s  \n' "$(nproc)" "${cpu:-unknown CPU}" "$ram" \
		"$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Load average (1, 5, 15 min) at start %s, at end %s  \n' "$LOAD_START" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'N = %s opportunities (CSV %s MB), M = %s activities (CSV %s MB), from gen-data; ' \
		"$N" "$(mb "$OPP_BYTES")" "$M" "$(mb "$ACT_BYTES")"
	printf 'SFA_NOW=%s, TZ=UTC  \n' "$NOW"
	printf 'sfa %s, %s, SQLite %s; warm page cache; SQLite tables as .import makes them (text, no indexes); ' \
		"$("$BIN/sfa" --version | awk '{print $NF}')" "$(git --version)" "$(sqlite3 --version | awk '{print $1}')"
	printf 'ratio = sfa ÷ alternative (below 1: sfa is faster or smaller)\n\n'
	printf '| operation | sfa | alternative | ratio |\n'
	printf '|---|---|---|---|\n'
	row "sfa-stage import --map account=account_name, $N opportunities, wall" "$(s "$imp")" \
		"git fast-import, one JSON file per record: $fi_text" "$imp" "$fi_ms"
	row "import, wall" "$(s "$imp")" \
		"git fast-import, heap trimming off, all $N records: $(wall fast-import-notrim)" \
		"$imp" "${WALL[fast-import-notrim]}"
	row "import, wall" "$(s "$imp")" \
		"sqlite3 .import of the CSV: $(wall sqlite-import) (then an UPDATE adding pipeline and last_activity_at: $(wall sqlite-derive))" \
		"$imp" "${WALL[sqlite-import]}"
	row "import, wall" "$(s "$imp")" \
		"git fast-import (heap trimming off) + sqlite3 .import + UPDATE: $(ms "$notrim_sum")" "$imp" "$notrim_sum"
	row "import, peak RSS" "$(rss sfa-import)" \
		"git fast-import, heap trimming off, $N records: $(rss fast-import-notrim) (default, $FI_N records: $(rss fast-import))" \
		"${RSS[sfa-import]}" "${RSS[fast-import-notrim]}"
	row "import, peak RSS" "$(rss sfa-import)" "sqlite3 .import: $(rss sqlite-import)" \
		"${RSS[sfa-import]}" "${RSS[sqlite-import]}"
	row "move ID negotiation, a deal in proposal, median of $REPEAT" "$MOVE_MS ms" \
		"sqlite3 UPDATE of stage and last_activity_at WHERE external_id = ..., one process each: $UPDATE_MS ms" \
		"$MOVE_MS" "$UPDATE_MS"
	row "list --stale --format ids \\| wc -l ($STALE_SFA deals), wall" "$(wall sfa-stale)" \
		"sqlite3 select ... where last_activity_at < CASE on pipeline and stage \\| wc -l ($STALE_SQL deals): $(wall sqlite-stale)" \
		"${WALL[sfa-stale]}" "${WALL[sqlite-stale]}"
	row "sfa-activity import, $M activities, wall" "$(s "$aimp")" \
		"sqlite3 .import of the CSV: $(wall sqlite-act-import)" "$aimp" "${WALL[sqlite-act-import]}"
	row "activity import, peak RSS" "$(rss sfa-act-import)" "sqlite3 .import: $(rss sqlite-act-import)" \
		"${RSS[sfa-act-import]}" "${RSS[sqlite-act-import]}"
	row "agenda --rep $REP --overdue --format csv ($OVERDUE rows), wall" "$(wall sfa-overdue)" \
		"sqlite3 select, join for the deal's name, order by due_at: $(wall sqlite-overdue)" \
		"${WALL[sfa-overdue]}" "${WALL[sqlite-overdue]}"
	row "agenda --rep $REP --week --format csv ($WEEK_ROWS rows), wall" "$(wall sfa-week)" \
		"sqlite3 select, join, order by due_at: $(wall sqlite-week)" "${WALL[sfa-week]}" "${WALL[sqlite-week]}"
	row "export --ics --rep $REP ($EVENTS events and to-dos), wall" "$(wall sfa-ics)" \
		"sqlite3 select of the same rows (CSV, not iCalendar), join, order by due_at: $(wall sqlite-ics)" \
		"${WALL[sfa-ics]}" "${WALL[sqlite-ics]}"
	printf '\nOn disk: sfa store %s (pack, index and git files; sfa-index.sqlite with its WAL %s), ' \
		"$(du_mb "$STORE")" "$(du_mb "$STORE"/sfa-index.sqlite*)"
	printf 'fast-import repository %s, SQLite database %s.\n' "$(du_mb "$FI_FULL_GIT")" "$(du_mb "$DB")"
	printf 'Stale: a deal in a stage with rot_days (not won or lost) last touched before SFA_NOW - rot_days; '
	printf 'sfa-stage import sets last_activity_at to created_at, a move to the time of the move.  \n'
	printf 'Heap trimming off: MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 in the environment.\n'
} >"$RESULTS"
cat "$RESULTS"
