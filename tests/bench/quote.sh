#!/bin/bash
# tests/bench/quote.sh BUILD - time sfa-quote: a catalog import against
# plain git and SQLite, and the work on one large quote.
#
# BUILD is the build directory holding bin/ (relative to the repository
# root unless absolute). The script makes N products from bench/gen-data
# (quote-data.py adds units, descriptions and Bulgarian and Chinese names)
# and measures, on a warm page cache, each command run SFA_BENCH_RUNS
# times (the median wall time, the largest peak RSS):
#   (a) sfa-quote product import of the CSV (sku, name, family, unit,
#       description, price) into a fresh store, against git fast-import of
#       the same records as one JSON file each (byte for byte the files sfa
#       writes) and sqlite3 .import of the CSV into a fresh database;
#   (b) in the store of the last import, with share/examples/quoting.json
#       (taxes, discount schedules, approval rules) and a German customer
#       on the silver discount schedule, a quote of 500 lines:
#       building it with one `sfa-quote set` reading {"id", "lines"} on
#       stdin (every line priced from the catalog, totals and taxes, one
#       commit; each run a new deal and quote), computing it again with
#       `sfa-quote check` (re-prices every line, writes nothing), and
#       `sfa-quote render` as PDF (pages and bytes reported), HTML and
#       text. No other PDF writer is installed to compare with; the time
#       pdftotext takes to read the PDF back is given as context.
# Before reporting, it checks that every line's sku is in each rendered
# document. All of it runs at a fixed time, SFA_NOW. It prints a Markdown
# table on stdout and writes it to DIR/quote-results.md; progress goes to
# stderr.
#
# Environment:
#	SFA_BENCH_N	number of products (default 100000)
#	SFA_BENCH_RUNS	runs of each measured command (default 3)
#	SFA_BENCH_FI_N	records for the git fast-import run with glibc's
#			default malloc settings (default min(N, 10000)),
#			projected linearly to N; a second run with heap
#			trimming off covers all N (see run.sh)
#	SFA_BENCH_NOW	the time the commands run at (default
#			2026-01-05T00:00:00Z): the products' created_at,
#			the quote's date and the day its prices are from
#	SFA_BENCH_DIR	work directory (default /tmp/sfa-bench); generated
#			data is kept there between runs, stores are rebuilt
#	SFA_SHARED	directory holding bench/gen-data (default ../shared
#			relative to the repository root)

set -eu
set -o pipefail

. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: tests/bench/quote.sh [BUILD]"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bin
SHARED=${SFA_SHARED:-$ROOT/../shared}
case $SHARED in /*) ;; *) SHARED=$ROOT/$SHARED ;; esac
GEN=$SHARED/bench/gen-data
N=${SFA_BENCH_N:-100000}
RUNS=${SFA_BENCH_RUNS:-3}
FI_N=${SFA_BENCH_FI_N:-10000}
NOW=${SFA_BENCH_NOW:-2026-01-05T00:00:00Z}
DIR=${SFA_BENCH_DIR:-/tmp/sfa-bench}
NLINES=500
QUOTING=$ROOT/share/examples/quoting.json

case $N in '' | *[!0-9]* | 0) die "SFA_BENCH_N must be a positive number: '$N'" ;; esac
case $RUNS in '' | *[!0-9]* | 0) die "SFA_BENCH_RUNS must be a positive number: '$RUNS'" ;; esac
case $FI_N in '' | *[!0-9]* | 0) die "SFA_BENCH_FI_N must be a positive number: '$FI_N'" ;; esac
[ "$FI_N" -le "$N" ] || FI_N=$N
[[ $NOW =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
	die "SFA_BENCH_NOW must be a UTC time like 2026-01-05T00:00:00Z: '$NOW'"
for cmd in sfa sfa-account sfa-stage sfa-quote; do
	[ -x "$BIN/$cmd" ] || die "no $cmd in $BIN (run make)"
done
[ -x "$GEN" ] || die "no data generator at $GEN (set SFA_SHARED)"
[ -f "$QUOTING" ] || die "no quoting example at $QUOTING"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
for tool in git sqlite3 python3; do
	command -v $tool >/dev/null || die "$tool is missing"
done
for tool in pdfinfo pdftotext; do
	command -v $tool >/dev/null || die "$tool is missing (Debian package 'poppler-utils')"
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$DIR" != / ] || die "SFA_BENCH_DIR must not be /"
# Names apart from the other benchmarks', which may share the directory.
STORE=$DIR/quote-store
FI_GIT=$DIR/quote-fast-import.git
FI_FULL_GIT=$DIR/quote-fast-import-full.git
DB=$DIR/quote-products.db
LOGS=$DIR/quote-logs
RESULTS=$DIR/quote-results.md

# The measured commands see the same environment on every run, and the
# same clock: the quote's price date and validity come from SFA_NOW.
export LC_ALL=C TZ=UTC SFA_NOW=$NOW SFA_USER=Bench SFA_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
unset SFA_STORE SFA_EXEC_PATH SFA_LOCK_TIMEOUT SFA_REP GIT_DIR GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ \
	MALLOC_ARENA_MAX GLIBC_TUNABLES

# Each run starts from nothing but the cached input files.
rm -rf "$STORE" "$FI_GIT" "$FI_FULL_GIT" "$DB" "$DB-journal" "$LOGS" "$RESULTS"
mkdir -p "$LOGS"

# The catalog, made again only when N, gen-data or quote-data.py changed.
CSV=$DIR/quote-products-$N.csv
made "$CSV" "quote-data products $N $(cat "$GEN" "$BENCH/quote-data.py" | sha256sum)" \
	"$N products" python3 "$BENCH/quote-data.py" products "$GEN" "$N"
CSV_BYTES=$(stat -c %s "$CSV")

# The price books of a new store: the fast-import records' prices go
# into its default book.
"$BIN/sfa" init -q "$LOGS/config-store"
PRICEBOOKS=$LOGS/pricebooks.json
git --git-dir="$LOGS/config-store" show main:config/pricebooks.json >"$PRICEBOOKS"

# fast-import streams of the first FI_N and of all N records.
stream() {
	STREAM=$DIR/quote-fast-import-$1-of-$N.stream
	made "$STREAM" "$1 $(cat "$CSV.stamp") $(sha256sum <"$PRICEBOOKS") $NOW $(cat \
		"$BENCH/quote-data.py" "$BENCH/fast-import-stream.py" | sha256sum)" \
		"the fast-import stream of $1 products" \
		python3 "$BENCH/quote-data.py" stream "$CSV" "$1" "$PRICEBOOKS" "$NOW"
}
stream "$FI_N"
FI_STREAM=$STREAM
stream "$N"
FULL_STREAM=$STREAM

# The quote's lines (a JSON list), and the same skus one a line.
QLINES=$DIR/quote-lines-$NLINES-of-$N.json
made "$QLINES" "$NLINES $(cat "$CSV.stamp") $(sha256sum <"$BENCH/quote-data.py")" \
	"a quote of $NLINES lines" python3 "$BENCH/quote-data.py" lines "$CSV" "$NLINES"
python3 -c 'import json, sys; print("\n".join(l["sku"] for l in json.load(open(sys.argv[1]))))' \
	"$QLINES" >"$LOGS/skus"

# bench NAME IN OUT PREP CMD...: measure CMD $RUNS times, each after PREP
# (a command, not timed), stdin IN, stdout OUT; WALL[NAME] becomes the
# median wall time, RSS[NAME] the largest peak RSS.
bench() {
	local name=$1 in=$2 out=$3 prep=$4 i walls=() rss=0
	shift 4
	for ((i = 1; i <= RUNS; i++)); do
		$prep
		measure "$name" "$in" "$out" "$@"
		walls+=("${WALL[$name]}")
		[ "${RSS[$name]}" -le "$rss" ] || rss=${RSS[$name]}
	done
	WALL[$name]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	RSS[$name]=$rss
	say "$name: median of $RUNS $(ms "${WALL[$name]}"), largest peak RSS $(mib "$rss")"
}

# expect WHAT GOT WANTED
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }

# The fresh places each import run writes to.
fresh_store() { rm -rf "$STORE" && "$BIN/sfa" init -q "$STORE"; }
fresh_fi() { rm -rf "$FI_GIT" && git init -q --bare "$FI_GIT"; }
fresh_fi_full() { rm -rf "$FI_FULL_GIT" && git init -q --bare "$FI_FULL_GIT"; }
fresh_db() { rm -f "$DB" "$DB-journal"; }

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)

# (a) Import of the catalog.
say "(a) import of $N products"
bench sfa-import /dev/null /dev/null fresh_store "$BIN/sfa-quote" product import --store "$STORE" "$CSV"
expect "sfa store commits" "$(git --git-dir="$STORE" rev-list --count main)" 2
"$BIN/sfa-quote" product list --store "$STORE" --fields id,external_id --format ndjson >"$LOGS/ids.ndjson"
expect "sfa products" "$(wc -l <"$LOGS/ids.ndjson")" "$N"
# The fast-import streams hold the files sfa writes, byte for byte: with
# sfa's ids, the first records must come out as the blobs in sfa's tree.
say "checking the fast-import records against the sfa store"
python3 "$BENCH/quote-data.py" stream "$CSV" $((N < 1000 ? N : 1000)) "$PRICEBOOKS" "$NOW" \
	--ids "$LOGS/ids.ndjson" --oids >"$LOGS/oids.expected"
sed 's/^[^	]*	/main:/' "$LOGS/oids.expected" |
	git --git-dir="$STORE" cat-file --batch-check='%(objectname)' >"$LOGS/oids.store"
cut -f 1 "$LOGS/oids.expected" | cmp -s - "$LOGS/oids.store" ||
	die "record files differ from sfa's (see $LOGS/oids.expected and oids.store)"

bench fast-import "$FI_STREAM" /dev/null fresh_fi git --git-dir="$FI_GIT" fast-import --quiet
expect "fast-import tree entries" "$(git --git-dir="$FI_GIT" ls-tree -r main | wc -l)" $((FI_N + 1))
# Same with glibc's heap trimming off (see run.sh), all N records.
bench fast-import-notrim "$FULL_STREAM" /dev/null fresh_fi_full \
	env MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 \
	git --git-dir="$FI_FULL_GIT" fast-import --quiet
expect "fast-import tree entries" "$(git --git-dir="$FI_FULL_GIT" ls-tree -r main | wc -l)" $((N + 1))

bench sqlite-import /dev/null /dev/null fresh_db sqlite3 "$DB" ".mode csv" ".import '$CSV' products"
expect "sqlite products" "$(sqlite3 "$DB" "select count(*) from products")" "$N"

# (b) One large quote in the catalog's store.
say "(b) a quote of $NLINES lines from $N products"
Q=(--store "$STORE")
"$BIN/sfa" config "${Q[@]}" set quoting "$QUOTING"
ACCOUNT=$("$BIN/sfa-account" add "${Q[@]}" name="Hafenwerke Nord GmbH" country=DE city=Hamburg \
	discount_schedule=silver)

# new_quote: a new deal and an empty quote on it, and the record that
# gives the quote its lines ($LOGS/lines.json); QUOTE is its id.
DEALS=0
new_quote() {
	local deal
	DEALS=$((DEALS + 1))
	deal=$("$BIN/sfa-stage" add "${Q[@]}" name="Harbour pumps $DEALS" account="$ACCOUNT" \
		amount="1000.00 USD" close_date=2026-03-31)
	QUOTE=$("$BIN/sfa-quote" new "${Q[@]}" --opportunity "$deal")
	{ printf '{"id": "%s", "lines": ' "$QUOTE"; cat "$QLINES"; printf '}\n'; } >"$LOGS/lines.json"
}
bench sfa-set "$LOGS/lines.json" /dev/null new_quote "$BIN/sfa-quote" set "${Q[@]}"
"$BIN/sfa-quote" show "${Q[@]}" --format json "$QUOTE" >"$LOGS/quote.json"
IFS=$'\t' read -r LINES_GOT STATUS SUBTOTAL DISCOUNT TAX TOTAL < <(python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))[0]
print("\t".join([str(len(q.get("lines", []))), q["status"]] +
                [q[k] for k in ("subtotal", "discount_total", "tax_total", "total")]))
' "$LOGS/quote.json")
expect "quote lines" "$LINES_GOT" "$NLINES"

bench sfa-check /dev/null "$LOGS/check.out" : "$BIN/sfa-quote" check "${Q[@]}" "$QUOTE"
expect "check" "$(cat "$LOGS/check.out")" "$QUOTE"$'\t'ok
PDF=$LOGS/quote.pdf HTML=$LOGS/quote.html TEXT=$LOGS/quote.txt
bench render-pdf /dev/null /dev/null : "$BIN/sfa-quote" render "${Q[@]}" --format pdf -o "$PDF" "$QUOTE"
bench render-html /dev/null /dev/null : "$BIN/sfa-quote" render "${Q[@]}" --format html -o "$HTML" "$QUOTE"
bench render-text /dev/null /dev/null : "$BIN/sfa-quote" render "${Q[@]}" --format text -o "$TEXT" "$QUOTE"
bench pdftotext /dev/null /dev/null : pdftotext -enc UTF-8 "$PDF" "$LOGS/quote.pdf.txt"
PAGES=$(pdfinfo "$PDF" | awk '/^Pages:/ {print $2}')

# Every line's sku is in each document.
say "checking the rendered documents"
for doc in "$LOGS/quote.pdf.txt" "$HTML" "$TEXT"; do
	missing=$({ grep -o 'SKU-[0-9]*' "$doc" || true; } | sort -u | comm -13 - <(sort -u "$LOGS/skus") | wc -l)
	expect "skus of the quote missing from $doc" "$missing" 0
done

# Report.
say "writing $RESULTS"

# row OPERATION SFA ALTERNATIVE SFA_NUMBER ALTERNATIVE_NUMBER
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(ratio "$4" "$5")"; }
# one OPERATION NAME OUTPUT: a measurement of (b)
one() { printf '| %s | %s | %s | %s |\n' "$1" "$(wall "$2")" "$(rss "$2")" "$3"; }
# wall NAME / rss NAME: a measurement, formatted
wall() { ms "${WALL[$1]}"; }
rss() { mib "${RSS[$1]}"; }
# bytes FILE: its size
bytes() { stat -c '%s bytes' "$1"; }

fi_ms=${WALL[fast-import]}
fi_text=$(wall fast-import)
if [ "$FI_N" -lt "$N" ]; then
	fi_ms=$((fi_ms * N / FI_N))
	fi_text="$(ms "$fi_ms") **extrapolated** ($fi_text measured for $FI_N records, × $N/$FI_N)"
fi
notrim_sum=$((${WALL[fast-import-notrim]} + ${WALL[sqlite-import]}))
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
imp=${WALL[sfa-import]}

{
	printf '# sfa quoting benchmark\n\n'
	printf 'Machine: %s CPUs, %s, %s RAM, %s, %s  \n' "$(nproc)" "${cpu:-unknown CPU}" "$ram" \
		"$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Load average (1, 5, 15 min) at start %s, at end %s  \n' "$LOAD_START" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'N = %s products (CSV from gen-data and quote-data.py, %s MB); SFA_NOW=%s, TZ=UTC  \n' \
		"$N" "$(awk -v b="$CSV_BYTES" 'BEGIN {printf "%.1f", b / 1e6}')" "$NOW"
	printf 'sfa %s, %s, SQLite %s, pdftotext %s; warm page cache; each figure the median wall time of %s runs ' \
		"$("$BIN/sfa" --version | awk '{print $NF}')" "$(git --version)" "$(sqlite3 --version | awk '{print $1}')" \
		"$(pdftotext -v 2>&1 | awk 'NR == 1 {print $NF}')" "$RUNS"
	printf 'and the largest peak RSS; ratio = sfa ÷ alternative (below 1: sfa is faster or smaller)\n\n'
	printf '| operation | sfa | alternative | ratio |\n'
	printf '|---|---|---|---|\n'
	row "sfa-quote product import, $N products into a new store, wall" "$(wall sfa-import)" \
		"git fast-import, one JSON file per record: $fi_text" "$imp" "$fi_ms"
	row "import, wall" "$(wall sfa-import)" \
		"git fast-import, heap trimming off, all $N records: $(wall fast-import-notrim)" \
		"$imp" "${WALL[fast-import-notrim]}"
	row "import, wall" "$(wall sfa-import)" \
		"sqlite3 .import of the CSV into a new database: $(wall sqlite-import)" "$imp" "${WALL[sqlite-import]}"
	row "import, wall" "$(wall sfa-import)" \
		"git fast-import (heap trimming off) + sqlite3 .import: $(ms "$notrim_sum")" "$imp" "$notrim_sum"
	row "import, peak RSS" "$(rss sfa-import)" \
		"git fast-import, heap trimming off, $N records: $(rss fast-import-notrim) (default, $FI_N records: $(rss fast-import))" \
		"${RSS[sfa-import]}" "${RSS[fast-import-notrim]}"
	row "import, peak RSS" "$(rss sfa-import)" "sqlite3 .import: $(rss sqlite-import)" \
		"${RSS[sfa-import]}" "${RSS[sqlite-import]}"
	printf '\nA quote of %s lines (%s; subtotal %s, discount %s, tax %s, total %s), ' \
		"$NLINES" "$STATUS" "$SUBTOTAL" "$DISCOUNT" "$TAX" "$TOTAL"
	printf 'in the store of %s products:\n\n' "$N"
	printf '| operation | wall | peak RSS | output |\n'
	printf '|---|---|---|---|\n'
	one "set ID with {\"id\", \"lines\"} on stdin: price $NLINES lines, totals, one commit" sfa-set \
		"the quote, and the deal's amount (primary quote)"
	one "check ID: price every line again, write nothing" sfa-check "\"ID ok\""
	one "render --format pdf -o FILE" render-pdf "$PAGES pages, $(bytes "$PDF")"
	one "render --format html -o FILE" render-html "$(bytes "$HTML")"
	one "render --format text -o FILE" render-text "$(bytes "$TEXT"), $(wc -l <"$TEXT") lines"
	one "context: pdftotext of that PDF (reading it back, not an alternative)" pdftotext \
		"$(bytes "$LOGS/quote.pdf.txt")"
	printf '\nOn disk: sfa store %s (pack, index and git files; sfa-index.sqlite with its WAL %s), ' \
		"$(du_mb "$STORE")" "$(du_mb "$STORE"/sfa-index.sqlite*)"
	printf 'fast-import repository %s, SQLite database %s.  \n' "$(du_mb "$FI_FULL_GIT")" "$(du_mb "$DB")"
	printf 'The quote: config/quoting.json from share/examples (tax DE 19%%), a customer in DE on the silver '
	printf 'schedule (5%%), about one line in four with a discount of its own (up to 12.5%%), some optional; '
	printf 'no other PDF writer installed to compare with.  \n'
	printf 'Heap trimming off: MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 in the environment.\n'
} >"$RESULTS"
cat "$RESULTS"
