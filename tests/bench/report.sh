#!/bin/bash
# tests/bench/report.sh BUILD - time sfa-report against the sqlite3 shell
# and Miller, on opportunities with a year of stage history.
#
# BUILD is the build directory holding bin/ (relative to the repository
# root unless absolute). The script generates N opportunities with
# bench/gen-data, gives them a stage history with report-history.py and
# builds a store from them as a year of commits: the deals created by
# then in one import 13 months before SFA_BENCH_REPORT_NOW, then every
# month an import of the deals created since and of changed amounts and
# close dates, and sfa-stage move, won and lost of about 2% of the deals
# (see report-history.py). Then it measures, at SFA_BENCH_REPORT_NOW, on
# a warm page cache, each command run SFA_BENCH_RUNS times (the median
# wall time, the largest peak RSS):
#   (a) sfa-report pipeline --format csv, against the same rows from SQL
#       typed into the sqlite3 shell on the store's index (sfa-index.sqlite)
#       and from Miller (mlr) on a CSV export of the deals;
#   (b) sfa-report forecast --simulations 0 --format csv (this quarter),
#       against the same in sqlite3 and in Miller;
#   (c) forecast --simulations 0, forecast --simulations 10000 and
#       pipeline as of a year back, against the same now.
# Before timing anything it checks that the three agree: the deals per
# stage and currency must be equal (else it stops), the amounts are
# compared and any difference is reported.
# It prints a Markdown table on stdout and writes it to
# DIR/report-results.md; progress goes to stderr.
#
# Environment:
#	SFA_BENCH_N	number of opportunities (default 1000000)
#	SFA_BENCH_REPORT_NOW
#			the time the reports run at (default
#			2026-01-05T00:00:00Z; gen-data's deals are created
#			up to 2025-12-31, so no earlier than 2026-01-02)
#	SFA_BENCH_RUNS	runs of each measured command (default 3)
#	SFA_BENCH_DIR	work directory (default /tmp/sfa-bench); generated
#			data and the built store are kept there between
#			runs, made again when their inputs or `sfa --version`
#			change (remove DIR/report-store-N to force it)
#	SFA_SHARED	directory holding bench/gen-data (default ../shared
#			relative to the repository root)

set -eu
set -o pipefail

. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: tests/bench/report.sh [BUILD]"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bin
SHARED=${SFA_SHARED:-$ROOT/../shared}
case $SHARED in /*) ;; *) SHARED=$ROOT/$SHARED ;; esac
GEN=$SHARED/bench/gen-data
N=${SFA_BENCH_N:-1000000}
NOW=${SFA_BENCH_REPORT_NOW:-2026-01-05T00:00:00Z}
RUNS=${SFA_BENCH_RUNS:-3}
DIR=${SFA_BENCH_DIR:-/tmp/sfa-bench}
SIMS=10000

case $N in '' | *[!0-9]* | 0) die "SFA_BENCH_N must be a positive number: '$N'" ;; esac
case $RUNS in '' | *[!0-9]* | 0) die "SFA_BENCH_RUNS must be a positive number: '$RUNS'" ;; esac
[[ $NOW =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
	die "SFA_BENCH_REPORT_NOW must be a UTC time like 2026-01-05T00:00:00Z: '$NOW'"
for cmd in sfa sfa-stage sfa-report; do
	[ -x "$BIN/$cmd" ] || die "no $cmd in $BIN (run make)"
done
[ -x "$GEN" ] || die "no data generator at $GEN (set SFA_SHARED)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
for tool in git sqlite3 python3; do
	command -v $tool >/dev/null || die "$tool is missing"
done
command -v mlr >/dev/null || die "mlr is missing (Debian package 'miller')"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$DIR" != / ] || die "SFA_BENCH_DIR must not be /"
# Names apart from run.sh's and pipeline.sh's, which may share the directory.
HIST=$DIR/report-history-$N
STORE=$DIR/report-store-$N
EXPORT=$DIR/report-opportunities-$N.csv
LOGS=$DIR/report-logs
RESULTS=$DIR/report-results.md

# The measured commands see the same environment on every run. SFA_NOW
# is the time of each write while the store is built, then the time the
# reports run at.
export LC_ALL=C TZ=UTC SFA_USER=Bench SFA_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
unset SFA_NOW SFA_STORE SFA_EXEC_PATH SFA_LOCK_TIMEOUT GIT_DIR GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ \
	MALLOC_ARENA_MAX GLIBC_TUNABLES

rm -rf "$LOGS" "$RESULTS"
mkdir -p "$LOGS" "$HIST"

# expect WHAT GOT WANTED
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }
# sql TEXT: TEXT quoted as an SQL string literal.
sql() { printf "'%s'" "${1//\'/\'\'}"; }
# store_git ARGS...: git in the store being built or measured.
store_git() { git --git-dir="$1" "${@:2}"; }

OPP_CSV=$DIR/opportunities-$N.csv
generate opportunities "$N" "$OPP_CSV"

# The pipelines a new store has: the history follows them, and so do the
# SQL and Miller programs below.
"$BIN/sfa" init -q "$LOGS/config-store"
PIPELINES=$LOGS/pipelines.json
store_git "$LOGS/config-store" show main:config/pipelines.json >"$PIPELINES"
"$BIN/sfa-stage" stages --store "$LOGS/config-store" --format csv >"$LOGS/stages.csv"
DEFAULT_PIPELINE=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["default"])' "$PIPELINES")

# The commits' inputs and their plan (see report-history.py).
PLAN=$HIST/plan.tsv
made "$PLAN" "$(cat "$OPP_CSV.stamp") $(sha256sum <"$PIPELINES") $NOW $(sha256sum \
	<"$BENCH/report-history.py")" "a year of history for $N opportunities" \
	python3 "$BENCH/report-history.py" "$OPP_CSV" "$PIPELINES" "$NOW" "$HIST"

# redate STORE LIST: give the commits of STORE's branch the times of LIST
# ("COMMIT<TAB>TIME" lines, oldest first), then rebuild its index. The
# commits must carry SFA_NOW as their time for --as-of DATE to find them;
# sfa-stage writes them with the clock's time (see the TODO in
# tests/t1400-report.sh), so until it does they are rewritten here:
# the same trees and messages, one parent each, the planned times.
redate() {
	local store=$1 list=$2 oid at epoch parent='' new
	say "dating the commits of $store as planned"
	while IFS=$'\t' read -r oid at; do
		epoch=$(date -u -d "$at" +%s)
		new=$(store_git "$store" cat-file commit "$oid" | awk -v parent="$parent" -v t="$epoch" '
			!body && /^parent / { if (n++ == 0 && parent != "") print "parent " parent; next }
			!body && /^(author|committer) / { sub(/ [0-9]+ [-+][0-9][0-9][0-9][0-9]$/, " " t " +0000") }
			/^$/ { body = 1 }
			{ print }' | store_git "$store" hash-object -t commit -w --stdin)
		parent=$new
	done <"$list"
	store_git "$store" update-ref refs/heads/main "$parent"
	"$BIN/sfa" reindex -q --store "$store"
}

# dated STORE LIST: the commits of STORE's branch have the times in LIST.
dated() {
	store_git "$1" log --first-parent --reverse --format=%ct main | while read -r t; do
		date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ
	done | cmp -s - <(cut -f 2 "$2")
}

# The store: every step of the plan one commit at its time.
build_store() {
	local new=$STORE.new at cmd arg file before after steps=0
	rm -rf "$STORE" "$STORE.stamp" "$EXPORT" "$EXPORT.stamp" "$new"
	: >"$LOGS/commits.tsv"
	before=''
	while IFS=$'\t' read -r at cmd arg file; do
		steps=$((steps + 1))
		case $cmd in
		init) SFA_NOW=$at "$BIN/sfa" init -q "$new" ;;
		import) SFA_NOW=$at "$BIN/sfa-stage" import -q --store "$new" "$HIST/$file" ;;
		move) SFA_NOW=$at "$BIN/sfa-stage" move --store "$new" "$arg" <"$HIST/$file" ;;
		won) SFA_NOW=$at "$BIN/sfa-stage" won --store "$new" <"$HIST/$file" ;;
		lost) SFA_NOW=$at "$BIN/sfa-stage" lost --store "$new" --reason "$arg" <"$HIST/$file" ;;
		*) die "$PLAN: unknown step '$cmd'" ;;
		esac 2>>"$LOGS/build.err" || die "$cmd $arg $file at $at failed (see $LOGS/build.err)"
		after=$(store_git "$new" rev-parse main)
		[ "$after" != "$before" ] || die "$cmd $arg $file at $at made no commit"
		printf '%s\t%s\n' "$after" "$at" >>"$LOGS/commits.tsv"
		before=$after
		[ $((steps % 20)) -ne 0 ] || say "$steps of $(wc -l <"$PLAN") commits"
	done <"$PLAN"
	dated "$new" "$LOGS/commits.tsv" || redate "$new" "$LOGS/commits.tsv"
	dated "$new" "$LOGS/commits.tsv" || die "the commits of $new do not carry their planned times"
	mv "$new" "$STORE"
}

STORE_STAMP="$(cat "$PLAN.stamp") $(sha256sum <"$PLAN") $("$BIN/sfa" --version)"
if [ -d "$STORE" ] && [ -f "$STORE.stamp" ] && [ "$(cat "$STORE.stamp")" = "$STORE_STAMP" ]; then
	say "using cached $STORE"
else
	say "building $STORE from $(wc -l <"$PLAN") commits"
	t0=$(date +%s)
	build_store
	printf '%s\n' "$STORE_STAMP" >"$STORE.stamp"
	say "built $STORE in $(($(date +%s) - t0)) s"
fi

# The CSV Miller reads: the deals now, every field but stage_history.
FIELDS=id,external_id,name,account_name,pipeline,stage,amount,currency,probability,close_date,owner
FIELDS=$FIELDS,territory,source,created_at,stage_entered_at,last_activity_at,closed_at,lost_reason
made "$EXPORT" "$STORE_STAMP $FIELDS" "the deals as CSV" \
	env SFA_NOW="$NOW" "$BIN/sfa-stage" list --store "$STORE" --fields "$FIELDS" --format csv
INDEX=$STORE/sfa-index.sqlite
[ -f "$INDEX" ] || die "no index at $INDEX"

# The clock of the reports from here on.
export SFA_NOW=$NOW
# This quarter (forecast's default period) and the day a year back.
read -r Q_FROM Q_TO YEAR_BACK NOW_EPOCH < <(python3 -c '
import datetime as dt, sys
now = dt.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
q = (now.month - 1) // 3 * 3 + 1
start = now.replace(month=q, day=1)
end = (start.replace(year=start.year + 1, month=1) if q == 10 else start.replace(month=q + 3)) - dt.timedelta(days=1)
back = now.replace(year=now.year - 1) if (now.month, now.day) != (2, 29) else now.replace(year=now.year - 1, day=28)
print(start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"), back.strftime("%Y-%m-%d"), int(now.timestamp()))
' "$NOW")

# --- the SQL and Miller programs -----------------------------------------------

# The stages as SQL rows and as Miller maps, keyed "pipeline/stage":
# position, probability, category, how it closes (won, lost or "") and
# rot_days (0: never stale).
STAGE_ROWS=$(python3 -c '
import csv, sys
q = lambda s: "\x27" + s.replace("\x27", "\x27\x27") + "\x27"
print(", ".join("(%s, %s, %d, %d, %s, %s, %d)" % (q(r["pipeline"]), q(r["stage"]), int(r["position"]),
      int(r["probability"]), q(r["category"]), q(r["closes"]), int(r["rot_days"] or 0))
      for r in csv.DictReader(open(sys.argv[1], newline=""))))
' "$LOGS/stages.csv")
STAGE_MAPS=$(python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
key = lambda r: r["pipeline"] + "/" + r["stage"]
for name, f in (("pos", lambda r: int(r["position"])), ("prob", lambda r: int(r["probability"])),
                ("cat", lambda r: r["category"]), ("closes", lambda r: r["closes"]),
                ("rot", lambda r: int(r["rot_days"] or 0))):
    print("@%s = %s;" % (name, json.dumps({key(r): f(r) for r in rows})))
' "$LOGS/stages.csv")

# Shared by the SQL: each deal's pipeline, stage, currency, amount in minor
# units (sfa writes "1234.50 EUR"; every currency here has two decimals)
# and probability (its own, else its stage's), joined to its stage.
SQL_DEALS="st(pipeline, stage, pos, prob, cat, closes, rot) AS (VALUES $STAGE_ROWS),
d AS (
	SELECT coalesce(body ->> '\$.pipeline', $(sql "$DEFAULT_PIPELINE")) AS pipeline,
		body ->> '\$.stage' AS stage, body ->> '\$.amount' AS amount, body ->> '\$.currency' AS cur,
		body ->> '\$.probability' AS prob, body ->> '\$.close_date' AS close_date,
		body ->> '\$.created_at' AS created, body ->> '\$.stage_entered_at' AS entered,
		body ->> '\$.last_activity_at' AS touched
	FROM records WHERE type = 'opportunity'),
o AS (
	SELECT d.pipeline, d.stage, st.pos, st.cat, st.closes, st.rot, d.close_date, d.created, d.entered, d.touched,
		CASE WHEN instr(d.amount, ' ') THEN substr(d.amount, instr(d.amount, ' ') + 1)
			ELSE coalesce(d.cur, '') END AS currency,
		CASE WHEN instr(d.amount, ' ')
			THEN CAST(replace(substr(d.amount, 1, instr(d.amount, ' ') - 1), '.', '') AS INTEGER)
			ELSE 0 END AS minor,
		coalesce(d.prob, st.prob) AS prob
	FROM d JOIN st ON st.pipeline = d.pipeline AND st.stage = d.stage)"
# money(X): minor units as a decimal; half_even(X): X / 100 rounded half to even.
money() { printf "printf('%%d.%%02d', %s / 100, %s %% 100)" "$1" "$1"; }
half_even() { printf "(%s / 100 + (%s %% 100 > 50 OR (%s %% 100 = 50 AND %s / 100 %% 2 = 1)))" "$1" "$1" "$1" "$1"; }

PIPELINE_SQL="WITH $SQL_DEALS,
g AS (
	SELECT pipeline, pos, stage, currency, count(*) AS deals, sum(minor) AS m, sum(minor * prob) AS w,
		printf('%.1f', avg(($NOW_EPOCH - coalesce(unixepoch(entered), unixepoch(created), 0)) / 86400.0))
			AS avg_age_days,
		sum(rot > 0 AND coalesce(unixepoch(touched), unixepoch(entered), unixepoch(created), 0)
			< $NOW_EPOCH - rot * 86400) AS stale
	FROM o WHERE closes = '' GROUP BY pipeline, pos, stage, currency)
SELECT pipeline, stage, currency, deals, $(money m) AS amount, $(money "$(half_even w)") AS weighted,
	avg_age_days, stale
FROM g ORDER BY pipeline, pos, currency;"

FORECAST_SQL="WITH $SQL_DEALS,
g AS (
	SELECT currency,
		coalesce(sum(minor) FILTER (WHERE closes = 'won'), 0) AS won,
		coalesce(sum(minor) FILTER (WHERE closes = '' AND cat = 'commit'), 0) AS cmt,
		coalesce(sum(minor) FILTER (WHERE closes = '' AND cat = 'best-case'), 0) AS best,
		coalesce(sum(minor) FILTER (WHERE closes = '' AND cat = 'pipeline'), 0) AS pipe,
		coalesce(sum(minor * prob) FILTER (WHERE closes = ''), 0) AS w
	FROM o WHERE substr(close_date, 1, 10) BETWEEN '$Q_FROM' AND '$Q_TO' GROUP BY currency)
SELECT currency, $(money won) AS won, $(money cmt) AS 'commit', $(money best) AS best_case,
	$(money pipe) AS pipeline, $(money "$(half_even w)") AS weighted, NULL AS quota, NULL AS attainment
FROM g ORDER BY currency;"
printf '%s\n' "$PIPELINE_SQL" >"$LOGS/pipeline.sql"
printf '%s\n' "$FORECAST_SQL" >"$LOGS/forecast.sql"

# Miller: the same per deal, from the CSV; the stage maps keyed pipeline/stage.
MLR_DEAL="begin {
	$STAGE_MAPS
}
p = is_not_empty(\$pipeline) ? \$pipeline : \"$DEFAULT_PIPELINE\";
k = p . \"/\" . \$stage;
a = splitax(\$amount, \" \");
minor = length(a) == 2 ? int(round(float(a[1]) * 100)) : 0;
cur = length(a) == 2 ? a[2] : \$currency;
prob = is_not_empty(\$probability) ? int(\$probability) : @prob[k];"
# money(X) and half_even(X) in Miller
mlr_money() { printf 'fmtnum(%s // 100, "%%d") . "." . fmtnum(%s %% 100, "%%02d")' "$1" "$1"; }
mlr_half_even() { printf '(%s // 100 + ((%s %% 100 > 50 || (%s %% 100 == 50 && (%s // 100) %% 2 == 1)) ? 1 : 0))' \
	"$1" "$1" "$1" "$1"; }
# shellcheck disable=SC2016,SC2054 # Miller's own $fields, lists with commas
MLR_PIPELINE=(--icsv --ocsv --from "$EXPORT"
	put "$MLR_DEAL
filter haskey(@closes, k) && @closes[k] == \"\";
iso = \"%Y-%m-%dT%H:%M:%SZ\";
entered = is_not_empty(\$stage_entered_at) ? \$stage_entered_at : \$created_at;
touched = is_not_empty(\$last_activity_at) ? \$last_activity_at : entered;
\$pipeline = p;
\$pos = @pos[k];
\$currency = cur;
\$minor = minor;
\$w = minor * prob;
\$age = ($NOW_EPOCH - strptime(entered, iso)) / 86400;
\$stale = @rot[k] > 0 && strptime(touched, iso) < $NOW_EPOCH - @rot[k] * 86400 ? 1 : 0;"
	'then' stats1 -a count,sum,mean -f minor,w,age,stale -g pipeline,pos,stage,currency
	'then' put "\$deals = \$minor_count;
\$amount = $(mlr_money '$minor_sum');
\$weighted = $(mlr_money "$(mlr_half_even '$w_sum')");
\$avg_age_days = fmtnum(\$age_mean, \"%.1f\");
\$stale = \$stale_sum;"
	'then' sort -f pipeline -nf pos -f currency
	'then' cut -o -f pipeline,stage,currency,deals,amount,weighted,avg_age_days,stale)
# shellcheck disable=SC2016,SC2054
MLR_FORECAST=(--icsv --ocsv --from "$EXPORT"
	put "$MLR_DEAL
c = substr1(\$close_date, 1, 10);
filter haskey(@closes, k) && c >= \"$Q_FROM\" && c <= \"$Q_TO\";
open = @closes[k] == \"\";
\$currency = cur;
\$f_won = @closes[k] == \"won\" ? minor : 0;
\$f_commit = open && @cat[k] == \"commit\" ? minor : 0;
\$f_best = open && @cat[k] == \"best-case\" ? minor : 0;
\$f_pipe = open && @cat[k] == \"pipeline\" ? minor : 0;
\$f_w = open ? minor * prob : 0;"
	'then' stats1 -a sum -f f_won,f_commit,f_best,f_pipe,f_w -g currency
	'then' put "\$won = $(mlr_money '$f_won_sum');
\$commit = $(mlr_money '$f_commit_sum');
\$best_case = $(mlr_money '$f_best_sum');
\$pipeline = $(mlr_money '$f_pipe_sum');
\$weighted = $(mlr_money "$(mlr_half_even '$f_w_sum')");
\$quota = \"\";
\$attainment = \"\";"
	'then' sort -f currency
	'then' cut -o -f currency,won,commit,best_case,pipeline,weighted,quota,attainment)
printf '%q ' mlr "${MLR_PIPELINE[@]}" >"$LOGS/pipeline-mlr.sh"
printf '%q ' mlr "${MLR_FORECAST[@]}" >"$LOGS/forecast-mlr.sh"

# --- measuring ------------------------------------------------------------------

# bench NAME OUT CMD...: measure CMD $RUNS times (stdin /dev/null, stdout
# OUT); WALL[NAME] becomes the median wall time, RSS[NAME] the largest
# peak RSS.
bench() {
	local name=$1 out=$2 i walls=() rss=0
	shift 2
	for ((i = 1; i <= RUNS; i++)); do
		measure "$name" /dev/null "$out" "$@"
		walls+=("${WALL[$name]}")
		[ "${RSS[$name]}" -le "$rss" ] || rss=${RSS[$name]}
	done
	WALL[$name]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	RSS[$name]=$rss
	say "$name: median of $RUNS $(ms "${WALL[$name]}"), largest peak RSS $(mib "$rss")"
}

# agree WHAT KEYS COLUMNS A B...: the CSV files A, B... have the same rows,
# compared by the KEYS columns: print "agree", or the first difference of
# COLUMNS.
agree() {
	python3 -c '
import csv, sys
keys, cols, files = sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3:]
def rows(f):
    with open(f, newline="") as fh:
        return {tuple(r[k] for k in keys): r for r in csv.DictReader(fh)}
def same(c, a, b):
    if c == "avg_age_days":     # one decimal, rounded from floating point
        return abs(float(a or "nan") - float(b or "nan")) < 0.051
    return a == b
base = rows(files[0])
for f in files[1:]:
    other = rows(f)
    if set(base) != set(other):
        print("rows differ: %s has %s, %s has %s" % (files[0], sorted(set(base) - set(other))[:3],
              f, sorted(set(other) - set(base))[:3]))
        sys.exit(0)
    for k in sorted(base):
        for c in cols:
            if not same(c, base[k][c], other[k][c]):
                print("%s differs at %s: %s in %s, %s in %s" % (c, "/".join(k), base[k][c], files[0],
                      other[k][c], f))
                sys.exit(0)
print("agree")
' "$@"
}

# total CSV COLUMN: the sum of COLUMN over the rows of CSV.
total() { python3 -c 'import csv, sys; print(sum(int(r[sys.argv[2]]) for r in csv.DictReader(open(sys.argv[1]))))' "$@"; }

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
R=(--store "$STORE" --format csv)

# Correctness first, untimed: sfa, sqlite3 and Miller give the same rows.
say "checking sfa-report against sqlite3 and mlr"
"$BIN/sfa-report" pipeline "${R[@]}" >"$LOGS/check-sfa-pipeline.csv"
sqlite3 -csv -header "$INDEX" "$PIPELINE_SQL" >"$LOGS/check-sqlite-pipeline.csv"
mlr "${MLR_PIPELINE[@]}" >"$LOGS/check-mlr-pipeline.csv"
COUNTS=$(agree pipeline,stage,currency deals "$LOGS/check-sfa-pipeline.csv" "$LOGS/check-sqlite-pipeline.csv" \
	"$LOGS/check-mlr-pipeline.csv")
expect "deals per stage and currency (sfa, sqlite3, mlr)" "$COUNTS" agree
PIPELINE_AGREE=$(agree pipeline,stage,currency amount,weighted,stale,avg_age_days "$LOGS/check-sfa-pipeline.csv" \
	"$LOGS/check-sqlite-pipeline.csv" "$LOGS/check-mlr-pipeline.csv")
"$BIN/sfa-report" forecast --simulations 0 "${R[@]}" >"$LOGS/check-sfa-forecast.csv"
sqlite3 -csv -header "$INDEX" "$FORECAST_SQL" >"$LOGS/check-sqlite-forecast.csv"
mlr "${MLR_FORECAST[@]}" >"$LOGS/check-mlr-forecast.csv"
FORECAST_AGREE=$(agree currency won,commit,best_case,pipeline,weighted "$LOGS/check-sfa-forecast.csv" \
	"$LOGS/check-sqlite-forecast.csv" "$LOGS/check-mlr-forecast.csv")
[ "$PIPELINE_AGREE" = agree ] || say "warning: pipeline: $PIPELINE_AGREE"
[ "$FORECAST_AGREE" = agree ] || say "warning: forecast: $FORECAST_AGREE"
OPEN_NOW=$(total "$LOGS/check-sfa-pipeline.csv" deals)
ROWS_NOW=$(($(wc -l <"$LOGS/check-sfa-pipeline.csv") - 1))
FROWS=$(($(wc -l <"$LOGS/check-sfa-forecast.csv") - 1))

# (a) pipeline
say "(a) pipeline of $N deals"
bench sfa-pipeline "$LOGS/sfa-pipeline.csv" "$BIN/sfa-report" pipeline "${R[@]}"
bench sqlite-pipeline "$LOGS/sqlite-pipeline.csv" sqlite3 -csv -header "$INDEX" "$PIPELINE_SQL"
bench mlr-pipeline "$LOGS/mlr-pipeline.csv" mlr "${MLR_PIPELINE[@]}"

# (b) forecast, no simulation
say "(b) forecast --simulations 0, $Q_FROM..$Q_TO"
bench sfa-forecast0 "$LOGS/sfa-forecast0.csv" "$BIN/sfa-report" forecast --simulations 0 "${R[@]}"
bench sqlite-forecast0 "$LOGS/sqlite-forecast0.csv" sqlite3 -csv -header "$INDEX" "$FORECAST_SQL"
bench mlr-forecast0 "$LOGS/mlr-forecast0.csv" mlr "${MLR_FORECAST[@]}"

# (c) now and a year back
say "(c) forecast and pipeline now and as of $YEAR_BACK"
bench sfa-forecast "$LOGS/sfa-forecast.csv" "$BIN/sfa-report" forecast --simulations $SIMS "${R[@]}"
bench sfa-forecast-asof "$LOGS/sfa-forecast-asof.csv" \
	"$BIN/sfa-report" forecast --simulations $SIMS --as-of "$YEAR_BACK" "${R[@]}"
bench sfa-forecast0-asof "$LOGS/sfa-forecast0-asof.csv" \
	"$BIN/sfa-report" forecast --simulations 0 --as-of "$YEAR_BACK" "${R[@]}"
bench sfa-pipeline-asof "$LOGS/sfa-pipeline-asof.csv" "$BIN/sfa-report" pipeline --as-of "$YEAR_BACK" "${R[@]}"
OPEN_THEN=$(total "$LOGS/sfa-pipeline-asof.csv" deals)
[ "$OPEN_THEN" != "$OPEN_NOW" ] || die "the pipeline as of $YEAR_BACK is the one now: the history is missing"

# Report.
say "writing $RESULTS"

wall() { ms "${WALL[$1]}"; }
rss() { mib "${RSS[$1]}"; }
# met A B LIMIT: "yes" when A / B <= LIMIT, else "no"
met() { awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN {print (b > 0 && a / b <= l) ? "yes" : "no"}'; }
# row WHAT SFA SQLITE MLR: sfa against sqlite3 (aim <= 1.2x) and mlr (aim >= 5x faster)
row() {
	local s=${WALL[$2]} q=${WALL[$3]} m=${WALL[$4]}
	printf '| %s | %s, %s | %s, %s | %s (%s) | %s, %s | %s (%s) |\n' "$1" "$(wall "$2")" "$(rss "$2")" \
		"$(wall "$3")" "$(rss "$3")" "$(ratio "$s" "$q")" "$(met "$s" "$q" 1.2)" \
		"$(wall "$4")" "$(rss "$4")" "$(ratio "$m" "$s")" "$(met 5 "$(ratio "$m" "$s")" 1)"
}
# asof WHAT NOW THEN LIMIT: now against a year back
asof() {
	printf '| %s | %s, %s | %s, %s | %s (%s) |\n' "$1" "$(wall "$2")" "$(rss "$2")" "$(wall "$3")" "$(rss "$3")" \
		"$(ratio "${WALL[$3]}" "${WALL[$2]}")" "$4"
}

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
commits=$(store_git "$STORE" rev-list --count main)
versions=$(sqlite3 "$INDEX" "select count(*) from versions where type = 'opportunity'")
moves=$(sqlite3 "$INDEX" "select sum(json_array_length(body, '\$.stage_history')) from records
	where type = 'opportunity'")
sims_ms=${WALL[sfa-forecast]}

{
	printf '# sfa report benchmark\n\n'
	printf 'Machine: %s CPUs, %s, %s RAM, %s, %s  \n' "$(nproc)" "${cpu:-unknown CPU}" "$ram" \
		"$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Load average (1, 5, 15 min) at start %s, at end %s  \n' "$LOAD_START" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'N = %s opportunities from gen-data with a stage history (report-history.py): %s commits over ' \
		"$N" "$commits"
	printf '13 months, %s stage history entries in the deals now, %s older versions of deals kept for --as-of; ' \
		"$moves" "$versions"
	printf 'SFA_NOW=%s, TZ=UTC; forecast period this quarter (%s..%s), a year back = --as-of %s  \n' \
		"$NOW" "$Q_FROM" "$Q_TO" "$YEAR_BACK"
	printf 'Open deals now %s (%s pipeline rows), a year back %s; %s forecast rows now  \n' \
		"$OPEN_NOW" "$ROWS_NOW" "$OPEN_THEN" "$FROWS"
	printf 'sfa %s, SQLite %s, %s; warm page cache; each figure the median wall time of %s runs ' \
		"$("$BIN/sfa" --version | awk '{print $NF}')" "$(sqlite3 --version | awk '{print $1}')" \
		"$(mlr --version)" "$RUNS"
	printf 'and the largest peak RSS\n\n'
	printf '| report (--format csv) | sfa-report | sqlite3 shell, SQL on sfa-index.sqlite | '
	printf 'sfa ÷ sqlite3 (aim ≤ 1.2) | mlr on the CSV export | mlr ÷ sfa (aim ≥ 5) |\n'
	printf '|---|---|---|---|---|---|\n'
	row "pipeline" sfa-pipeline sqlite-pipeline mlr-pipeline
	row "forecast --simulations 0" sfa-forecast0 sqlite-forecast0 mlr-forecast0
	printf '\n| sfa-report | now | as of %s | then ÷ now |\n' "$YEAR_BACK"
	printf '|---|---|---|---|\n'
	asof "forecast --simulations 0" sfa-forecast0 sfa-forecast0-asof \
		"aim ≤ 3: $(met "${WALL[sfa-forecast0-asof]}" "${WALL[sfa-forecast0]}" 3)"
	asof "forecast --simulations $SIMS" sfa-forecast sfa-forecast-asof \
		"aim ≤ 3: $(met "${WALL[sfa-forecast-asof]}" "${WALL[sfa-forecast]}" 3)"
	asof "pipeline" sfa-pipeline sfa-pipeline-asof "-"
	printf '\nforecast --simulations %s (the statistical forecast): %s, peak RSS %s (aim < 2 s: %s)  \n' \
		"$SIMS" "$(wall sfa-forecast)" "$(rss sfa-forecast)" "$(met "$sims_ms" 1999 1)"
	printf 'Same rows from all three (untimed check): deals per stage and currency agree; '
	printf 'pipeline amount, weighted, stale, avg_age_days: %s; ' "$PIPELINE_AGREE"
	printf 'forecast won, commit, best_case, pipeline, weighted: %s.  \n' "$FORECAST_AGREE"
	printf 'The SQL and Miller programs: %s/pipeline.sql, forecast.sql, pipeline-mlr.sh, forecast-mlr.sh. ' "$LOGS"
	printf 'The CSV export holds every field but stage_history (%s MB); ' \
		"$(awk -v b="$(stat -c %s "$EXPORT")" 'BEGIN {printf "%.1f", b / 1e6}')"
	printf 'on disk: store %s (index with its WAL %s).\n' "$(du_mb "$STORE")" "$(du_mb "$INDEX"*)"
} >"$RESULTS"
cat "$RESULTS"
