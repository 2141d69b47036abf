#!/bin/bash
# tests/bench/run.sh BUILD - time sfa against plain git and SQLite.
#
# BUILD is the build directory holding bin/ (relative to the repository
# root unless absolute; `make bench` passes build). The script generates N
# leads with bench/gen-data and measures, on a warm page cache:
#   (a) sfa-lead import of the CSV into a fresh store, against git
#       fast-import of the same records as one JSON file each (byte for
#       byte the files sfa writes) and sqlite3 .import of the CSV;
#   (b) the median of 21 single `sfa-lead add` runs on that store, against
#       21 single-row INSERTs, each its own sqlite3 process;
#   (c) sfa reindex, against git cat-file --batch reading every object;
#   (d) sfa-lead list, against sqlite3 select;
#   (e) lead queries on that store: list --where and search (time to the
#       first row and to the last), against the same query in the sqlite3
#       shell; dupes over every lead, against an exact-email GROUP BY;
#       score --all, against one UPDATE with the same rules as CASE terms;
#       assign --rules of 10,000 new leads, against an UPDATE dealing them
#       out by rowid.
# It prints a Markdown table on stdout and writes it to DIR/results.md;
# progress goes to stderr.
#
# Environment:
#	SFA_BENCH_N	number of leads (default 1000000)
#	SFA_BENCH_FI_N	records for the git fast-import run with glibc's
#			default malloc settings (default min(N, 200000)); on
#			some virtual machines it spends nearly all its time
#			growing and trimming the heap, so a smaller run is
#			projected linearly to N. A second fast-import run with
#			heap trimming off always covers all N records.
#	SFA_BENCH_DIR	work directory (default /tmp/sfa-bench); generated
#			data is kept there between runs, stores are rebuilt
#	SFA_SHARED	directory holding bench/gen-data (default ../shared
#			relative to the repository root)

set -eu
set -o pipefail

. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: tests/bench/run.sh [BUILD]"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bin
SHARED=${SFA_SHARED:-$ROOT/../shared}
case $SHARED in /*) ;; *) SHARED=$ROOT/$SHARED ;; esac
GEN=$SHARED/bench/gen-data
N=${SFA_BENCH_N:-1000000}
FI_N=${SFA_BENCH_FI_N:-200000}
DIR=${SFA_BENCH_DIR:-/tmp/sfa-bench}
REPEAT=21

case $N in '' | *[!0-9]* | 0) die "SFA_BENCH_N must be a positive number: '$N'" ;; esac
case $FI_N in '' | *[!0-9]* | 0) die "SFA_BENCH_FI_N must be a positive number: '$FI_N'" ;; esac
[ "$FI_N" -le "$N" ] || FI_N=$N
if ! [ -x "$BIN/sfa" ] || ! [ -x "$BIN/sfa-lead" ]; then
	die "no sfa binaries in $BIN (run make)"
fi
[ -x "$GEN" ] || die "no data generator at $GEN (set SFA_SHARED)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
for tool in git sqlite3 python3; do
	command -v $tool >/dev/null || die "$tool is missing"
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$DIR" != / ] || die "SFA_BENCH_DIR must not be /"
STORE=$DIR/store
FI_GIT=$DIR/fast-import.git
FI_FULL_GIT=$DIR/fast-import-full.git
DB=$DIR/leads.db
LOGS=$DIR/logs
RESULTS=$DIR/results.md

# The measured commands see the same environment on every run.
export LC_ALL=C SFA_USER=Bench SFA_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
unset SFA_STORE SFA_EXEC_PATH SFA_LOCK_TIMEOUT GIT_DIR GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ \
	MALLOC_ARENA_MAX GLIBC_TUNABLES

# Each run starts from nothing but the cached input files.
rm -rf "$STORE" "$FI_GIT" "$FI_FULL_GIT" "$DB" "$DB-journal" "$LOGS" \
	"$DIR/blob-ids" "$RESULTS"
mkdir -p "$LOGS"

# Input data, regenerated only when N or the generator changed.
CSV=$DIR/leads-$N.csv
generate leads "$N" "$CSV"
CSV_BYTES=$(stat -c %s "$CSV")

# fast-import streams of the first FI_N and of all N records.
stream() {
	STREAM=$DIR/fast-import-$1-of-$N.stream
	made "$STREAM" "$1 $(cat "$CSV.stamp") $(sha256sum <"$BENCH/fast-import-stream.py")" \
		"the fast-import stream of $1 records" python3 "$BENCH/fast-import-stream.py" "$CSV" "$1"
}
stream "$FI_N"
FI_STREAM=$STREAM
stream "$N"
FULL_STREAM=$STREAM



# median_ms COUNT CMD...: run CMD COUNT times, each a new process, and
# print the median wall time in milliseconds. Any exit status but 0 is fatal.
median_ms() {
	python3 -c '
import statistics, subprocess, sys, time
count, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(count):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
    if p.returncode != 0:
        sys.exit("bench: error: exit status %d: %s" % (p.returncode, " ".join(cmd)))
print("%.1f" % (statistics.median(times) * 1000))
' "$@"
}

# first_last NAME CMD...: run CMD once; record the time to its first line
# of output in FIRST[NAME] and to its end in WALL[NAME] (ms), and the
# number of lines in LINES[NAME].
declare -A FIRST LINES
first_last() {
	local name=$1 out
	shift
	say "timing $name"
	out=$(python3 -c '
import subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
first = None
n = 0
for line in p.stdout:
    if first is None:
        first = time.perf_counter() - t
    n += 1
rc = p.wait()
last = time.perf_counter() - t
if rc not in (0, 1):
    sys.exit("bench: error: exit status %d: %s" % (rc, " ".join(sys.argv[1:])))
print("%d %d %d" % ((first if first is not None else last) * 1000, last * 1000, n))
' "$@") || die "$name failed"
	read -r FIRST[$name] WALL[$name] LINES[$name] <<<"$out"
	say "$name: first row $(s "${FIRST[$name]}"), all ${LINES[$name]} rows $(s "${WALL[$name]}")"
}

# expect WHAT GOT WANTED
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)

# (a) Import.
say "(a) import of $N leads"
"$BIN/sfa" init -q "$STORE"
measure sfa-import /dev/null /dev/null "$BIN/sfa-lead" import --store "$STORE" "$CSV"
expect "sfa store commits" "$(git --git-dir="$STORE" rev-list --count main)" 2
# The fast-import streams hold the files sfa writes, byte for byte: with
# sfa's ids, the first records must come out as the blobs in sfa's tree.
say "checking the fast-import records against the sfa store"
"$BIN/sfa-lead" list --store "$STORE" --fields id,external_id --format ndjson >"$LOGS/ids.ndjson"
python3 "$BENCH/fast-import-stream.py" "$CSV" $((N < 1000 ? N : 1000)) \
	--ids "$LOGS/ids.ndjson" --oids >"$LOGS/oids.expected"
sed 's/^[^	]*	/main:/' "$LOGS/oids.expected" |
	git --git-dir="$STORE" cat-file --batch-check='%(objectname)' >"$LOGS/oids.store"
cut -f 1 "$LOGS/oids.expected" | cmp -s - "$LOGS/oids.store" ||
	die "record files differ from sfa's (see $LOGS/oids.expected and oids.store)"

git init -q --bare "$FI_GIT"
measure fast-import "$FI_STREAM" /dev/null git --git-dir="$FI_GIT" fast-import --quiet
expect "fast-import tree entries" "$(git --git-dir="$FI_GIT" ls-tree -r main | wc -l)" $((FI_N + 1))

# Same run with glibc's heap trimming off: the cost of returning memory to
# the kernel after every record, not of git, is what the default run shows
# on virtual machines with free page reporting.
git init -q --bare "$FI_FULL_GIT"
measure fast-import-notrim "$FULL_STREAM" /dev/null \
	env MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 \
	git --git-dir="$FI_FULL_GIT" fast-import --quiet
expect "fast-import tree entries" "$(git --git-dir="$FI_FULL_GIT" ls-tree -r main | wc -l)" $((N + 1))

measure sqlite-import /dev/null /dev/null sqlite3 "$DB" ".mode csv" ".import '$CSV' leads"
expect "sqlite rows" "$(sqlite3 "$DB" "select count(*) from leads")" "$N"

# (b) One record at a time.
say "(b) $REPEAT single adds into the $N-lead store"
ADD_MS=$(median_ms $REPEAT "$BIN/sfa-lead" add --store "$STORE" \
	first_name=X last_name=Y email=x@y.example)
# (status: sfa gives new leads the schema's default, "new")
INSERT_MS=$(median_ms $REPEAT sqlite3 "$DB" \
	"INSERT INTO leads(first_name, last_name, email, status) VALUES('X', 'Y', 'x@y.example', 'new')")
NOW_N=$((N + REPEAT))
expect "sqlite rows after inserts" "$(sqlite3 "$DB" "select count(*) from leads")" "$NOW_N"

# (c) Rebuilding the index: reading every record back out of git.
say "(c) reindex of $NOW_N leads"
git --git-dir="$STORE" ls-tree -r main | awk '$2 == "blob" {print $3}' >"$DIR/blob-ids"
expect "blobs in the sfa store" "$(wc -l <"$DIR/blob-ids")" \
	$((NOW_N + $(git --git-dir="$STORE" ls-tree -r main config | wc -l)))
measure sfa-reindex /dev/null /dev/null "$BIN/sfa" reindex --store "$STORE" -q
measure cat-file-all /dev/null /dev/null \
	git --git-dir="$STORE" cat-file --batch-all-objects --batch
measure cat-file-blobs "$DIR/blob-ids" /dev/null git --git-dir="$STORE" cat-file --batch

# (d) Reading from the index.
say "(d) list of $NOW_N leads"
measure sfa-list /dev/null /dev/null "$BIN/sfa-lead" list --store "$STORE" --format csv
# shellcheck disable=SC2016 # expanded by the inner bash
measure sfa-list-where /dev/null "$LOGS/sfa-list-where.out" bash -c \
	'"$1" list --store "$2" --where status=new --format ids | wc -l' - "$BIN/sfa-lead" "$STORE"
measure sqlite-select /dev/null /dev/null sqlite3 "$DB" "select * from leads"
# shellcheck disable=SC2016
measure sqlite-select-where /dev/null "$LOGS/sqlite-select-where.out" bash -c \
	'sqlite3 "$1" "select external_id from leads where status = '\''new'\''" | wc -l' - "$DB"
NEW_SFA=$(cat "$LOGS/sfa-list-where.out")
NEW_SQL=$(cat "$LOGS/sqlite-select-where.out")
expect "leads with status new" "$NEW_SFA" "$NEW_SQL"

# (e) Lead queries, dupes, scoring and assignment.
say "(e) lead queries on $NOW_N leads"
first_last sfa-where "$BIN/sfa-lead" list --store "$STORE" --where 'employees>=1000' --where country=DE --format ids
first_last sqlite-where sqlite3 "$DB" "select external_id from leads where cast(employees as integer) >= 1000 and country = 'DE'"
expect "leads by employees and country" "${LINES[sfa-where]}" "${LINES[sqlite-where]}"
first_last sfa-contains "$BIN/sfa-lead" list --store "$STORE" --where 'company~nordic' --format ids
first_last sqlite-contains sqlite3 "$DB" "select external_id from leads where company like '%nordic%'"
expect "leads by company" "${LINES[sfa-contains]}" "${LINES[sqlite-contains]}"
first_last sfa-search "$BIN/sfa-lead" search --store "$STORE" 报价 --format ids
first_last sqlite-search sqlite3 "$DB" "select external_id from leads where notes like '%报价%'"
expect "leads whose notes say 报价" "${LINES[sfa-search]}" "${LINES[sqlite-search]}"
first_last sfa-search-name "$BIN/sfa-lead" search --store "$STORE" иван --format ids
first_last sfa-dupes "$BIN/sfa-lead" dupes --store "$STORE" --format csv
first_last sqlite-dupes sqlite3 "$DB" "select lower(email), count(*) from leads where email <> '' group by 1 having count(*) > 1"

SCORING=$DIR/scoring.json
cat >"$SCORING" <<-'EOF2'
{"lead": {"rules": [
  {"field": "source", "in": ["referral", "partner", "trade-show"], "points": 15},
  {"field": "employees", "min": 1000, "points": 20},
  {"field": "title", "contains": ["ceo", "director"], "points": 20},
  {"field": "phone", "present": true, "points": 5}],
 "grades": [{"grade": "A", "min": 40}, {"grade": "B", "min": 20}, {"grade": "C", "min": null}]}}
EOF2
"$BIN/sfa" config --store "$STORE" set scoring "$SCORING"
measure sfa-score /dev/null /dev/null "$BIN/sfa-lead" score --store "$STORE" --all
measure sqlite-score /dev/null /dev/null sqlite3 "$DB" "
	alter table leads add column score integer;
	update leads set score = (case when source in ('referral', 'partner', 'trade-show') then 15 else 0 end)
		+ (case when cast(employees as integer) >= 1000 then 20 else 0 end)
		+ (case when lower(title) like '%ceo%' or lower(title) like '%director%' then 20 else 0 end)
		+ (case when phone <> '' then 5 else 0 end)"
SCORED_SFA=$("$BIN/sfa-lead" list --store "$STORE" --where 'score>=40' --where 'external_id~L' --format ids | wc -l)
SCORED_SQL=$(sqlite3 "$DB" "select count(*) from leads where score >= 40")
expect "leads scored 40 or more" "$SCORED_SFA" "$SCORED_SQL"

say "(e) assign 10000 new leads"
NEW_CSV=$DIR/new-leads.csv
"$GEN" leads 10000 --seed 77 | python3 -c '
import csv, sys
r = csv.DictReader(sys.stdin)
fields = [f for f in r.fieldnames if f != "owner"]
w = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
w.writeheader()
for row in r:
    row["external_id"] = "N" + row["external_id"][1:]
    row["status"] = "new"
    w.writerow(row)
' >"$NEW_CSV"
"$BIN/sfa-lead" import --store "$STORE" -q "$NEW_CSV"
# 40 reps (gen-data's owners) in 6 teams by region, round-robin; 2 on leave.
python3 - "$DIR" <<-'EOF2'
import json, sys
reps = ["rep%02d" % i for i in range(1, 41)]
teams = {"na": (["US"], reps[0:8]), "emea-north": (["DE", "GB"], reps[8:15]),
         "emea-south": (["FR", "BG"], reps[15:21]), "apac": (["CN", "JP", "TW", "IN"], reps[21:33]),
         "latam": (["BR"], reps[33:37]), "inside": ([], reps[37:40])}
users = {r: {"name": r, "role": "rep", "capacity": 100000} for r in reps}
users["rep05"]["away"] = users["rep30"]["away"] = [{"from": "2000-01-01", "until": "2999-12-31"}]
rules = {"teams": {t: {"method": "round-robin", "reps": rs} for t, (c, rs) in teams.items()},
         "territories": [{"name": t, "team": t, "match": {"country": c} if c else {}} for t, (c, rs) in teams.items()]}
json.dump(users, open(sys.argv[1] + "/users.json", "w"), indent=1)
json.dump(rules, open(sys.argv[1] + "/assignment.json", "w"), indent=1)
EOF2
"$BIN/sfa" config --store "$STORE" set users "$DIR/users.json"
"$BIN/sfa" config --store "$STORE" set assignment "$DIR/assignment.json"
measure sfa-assign /dev/null "$LOGS/assign.out" "$BIN/sfa-lead" assign --store "$STORE" --rules --format csv
# the 10,000 new ones and any older open lead without an owner
ASSIGNED=$(($(wc -l <"$LOGS/assign.out") - 1))
[ "$ASSIGNED" -ge 10000 ] || die "assign: $ASSIGNED leads reported, expected at least 10000"
sqlite3 "$DB" ".mode csv" ".import '$NEW_CSV' newleads" "alter table newleads add column owner text"
measure sqlite-assign /dev/null /dev/null sqlite3 "$DB" \
	"update newleads set owner = 'rep0' || (rowid % 4 + 1) where owner is null or owner = ''"

# Report.
say "writing $RESULTS"

# row OPERATION SFA ALTERNATIVE SFA_NUMBER ALTERNATIVE_NUMBER
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(ratio "$4" "$5")"; }
# wall NAME / rss NAME: a measurement, formatted
wall() { s "${WALL[$1]}"; }
rss() { mib "${RSS[$1]}"; }

fi_ms=${WALL[fast-import]}
fi_text=$(s "$fi_ms")
if [ "$FI_N" -lt "$N" ]; then
	fi_ms=$((fi_ms * N / FI_N))
	fi_text="$(s "$fi_ms") **extrapolated** ($fi_text measured for $FI_N records, × $N/$FI_N)"
fi
fi_sum=$((fi_ms + WALL[sqlite-import]))
notrim_sum=$((WALL[fast-import-notrim] + WALL[sqlite-import]))
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
imp=${WALL[sfa-import]}
rei=${WALL[sfa-reindex]}

{
	printf '# sfa benchmark\n\n'
	printf 'Machine: %s CPUs, %s, %s RAM, %s, %s  \n' "$(nproc)" "${cpu:-unknown CPU}" "$ram" \
		"$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Load average (1, 5, 15 min) at start %s, at end %s  \n' "$LOAD_START" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'N = %s leads, data %s MB (CSV from gen-data, %s bytes)  \n' "$N" \
		"$(awk -v b="$CSV_BYTES" 'BEGIN {printf "%.1f", b / 1e6}')" "$CSV_BYTES"
	printf 'sfa %s, %s, SQLite %s; warm page cache; ratio = sfa ÷ alternative (below 1: sfa is faster or smaller)\n\n' \
		"$("$BIN/sfa" --version | awk '{print $NF}')" "$(git --version)" "$(sqlite3 --version | awk '{print $1}')"
	printf '| operation | sfa | alternative | ratio |\n'
	printf '|---|---|---|---|\n'
	row "import $N leads, wall" "$(s "$imp")" \
		"git fast-import, one JSON file per record: $fi_text" "$imp" "$fi_ms"
	row "import, wall" "$(s "$imp")" \
		"git fast-import, heap trimming off, all $N records: $(wall fast-import-notrim)" \
		"$imp" "${WALL[fast-import-notrim]}"
	row "import, wall" "$(s "$imp")" \
		"sqlite3 .import of the CSV: $(wall sqlite-import)" "$imp" "${WALL[sqlite-import]}"
	row "import, wall" "$(s "$imp")" \
		"git fast-import + sqlite3 .import: $(s "$fi_sum")$([ "$FI_N" -eq "$N" ] || echo ' (extrapolated)')" \
		"$imp" "$fi_sum"
	row "import, wall" "$(s "$imp")" \
		"git fast-import (heap trimming off) + sqlite3 .import: $(s "$notrim_sum")" "$imp" "$notrim_sum"
	row "import, peak RSS" "$(rss sfa-import)" \
		"git fast-import, heap trimming off, $N records: $(rss fast-import-notrim) (default, $FI_N records: $(rss fast-import))" \
		"${RSS[sfa-import]}" "${RSS[fast-import-notrim]}"
	row "import, peak RSS" "$(rss sfa-import)" "sqlite3 .import: $(rss sqlite-import)" \
		"${RSS[sfa-import]}" "${RSS[sqlite-import]}"
	row "add 1 lead to $N, median of $REPEAT" "$ADD_MS ms" \
		"sqlite3 INSERT of 1 row, one process each: $INSERT_MS ms" "$ADD_MS" "$INSERT_MS"
	row "reindex $NOW_N leads, wall" "$(s "$rei")" \
		"git cat-file --batch-all-objects --batch: $(wall cat-file-all)" "$rei" "${WALL[cat-file-all]}"
	row "reindex, wall" "$(s "$rei")" \
		"git cat-file --batch of the $(wc -l <"$DIR/blob-ids") blob ids from ls-tree -r main: $(wall cat-file-blobs)" \
		"$rei" "${WALL[cat-file-blobs]}"
	row "reindex, peak RSS" "$(rss sfa-reindex)" \
		"git cat-file --batch-all-objects --batch: $(rss cat-file-all)" \
		"${RSS[sfa-reindex]}" "${RSS[cat-file-all]}"
	row "list --format csv, $NOW_N leads, wall" "$(wall sfa-list)" \
		"sqlite3 \"select * from leads\": $(wall sqlite-select)" "${WALL[sfa-list]}" "${WALL[sqlite-select]}"
	row "list --where status=new --format ids \\| wc -l ($NEW_SFA), wall" "$(wall sfa-list-where)" \
		"sqlite3 \"select * from leads\": $(wall sqlite-select)" \
		"${WALL[sfa-list-where]}" "${WALL[sqlite-select]}"
	row "list --where status=new, wall" "$(wall sfa-list-where)" \
		"sqlite3 \"select external_id ... where status = 'new'\" \\| wc -l: $(wall sqlite-select-where)" \
		"${WALL[sfa-list-where]}" "${WALL[sqlite-select-where]}"
	row "list --where 'employees>=1000' --where country=DE (${LINES[sfa-where]} rows), first row" \
		"$(s "${FIRST[sfa-where]}")" "same query in the sqlite3 shell: $(s "${FIRST[sqlite-where]}")" \
		"${FIRST[sfa-where]}" "${FIRST[sqlite-where]}"
	row "list --where ..., all rows" "$(wall sfa-where)" "sqlite3: $(wall sqlite-where)" \
		"${WALL[sfa-where]}" "${WALL[sqlite-where]}"
	row "list --where 'company~nordic' (${LINES[sfa-contains]} rows), first row" "$(s "${FIRST[sfa-contains]}")" \
		"sqlite3 like '%nordic%': $(s "${FIRST[sqlite-contains]}")" "${FIRST[sfa-contains]}" "${FIRST[sqlite-contains]}"
	row "list --where 'company~nordic', all rows" "$(wall sfa-contains)" "sqlite3: $(wall sqlite-contains)" \
		"${WALL[sfa-contains]}" "${WALL[sqlite-contains]}"
	row "search 报价 (${LINES[sfa-search]} rows), first row" "$(s "${FIRST[sfa-search]}")" \
		"sqlite3 notes like '%报价%': $(s "${FIRST[sqlite-search]}")" "${FIRST[sfa-search]}" "${FIRST[sqlite-search]}"
	row "search 报价, all rows" "$(wall sfa-search)" "sqlite3: $(wall sqlite-search)" \
		"${WALL[sfa-search]}" "${WALL[sqlite-search]}"
	row "search иван (${LINES[sfa-search-name]} rows; prefix, any case), all rows" "$(wall sfa-search-name)" "-" 0 0
	row "dupes over $NOW_N leads (${LINES[sfa-dupes]} lines: email, phone, name+company)" "$(wall sfa-dupes)" \
		"sqlite3 GROUP BY lower(email) (${LINES[sqlite-dupes]} groups, exact email only): $(wall sqlite-dupes)" \
		"${WALL[sfa-dupes]}" "${WALL[sqlite-dupes]}"
	row "score --all ($NOW_N leads, stored in one commit)" "$(wall sfa-score)" \
		"sqlite3 UPDATE with the rules as CASE terms: $(wall sqlite-score)" "${WALL[sfa-score]}" "${WALL[sqlite-score]}"
	row "score --all, peak RSS" "$(rss sfa-score)" "sqlite3: $(rss sqlite-score)" "${RSS[sfa-score]}" "${RSS[sqlite-score]}"
	row "assign --rules, 10000 new leads ($ASSIGNED unassigned open leads in all)" "$(wall sfa-assign)" \
		"sqlite3 UPDATE dealing them out by rowid: $(wall sqlite-assign)" "${WALL[sfa-assign]}" "${WALL[sqlite-assign]}"
	printf '\nOn disk: sfa store %s (pack, index and git files; sfa-index.sqlite with its WAL %s), ' \
		"$(du_mb "$STORE")" "$(du_mb "$STORE"/sfa-index.sqlite*)"
	printf 'fast-import repository %s, SQLite table %s.\n' "$(du_mb "$FI_FULL_GIT")" "$(du_mb "$DB")"
	printf 'Heap trimming off: MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 in the environment.\n'
} >"$RESULTS"
cat "$RESULTS"
