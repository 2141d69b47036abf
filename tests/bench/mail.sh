#!/bin/bash
# tests/bench/mail.sh BUILD - time an sfa-mail campaign to an SMTP server
# on loopback, against sending the same messages one by one with curl and
# msmtp.
#
# BUILD is the build directory holding bin/ (relative to the repository
# root unless absolute). The script makes N contacts from bench/gen-data's
# leads (mail-data.py gives each an ASCII address of its own; the names
# keep their scripts) and imports them into a new store with
# config/users.json (their owners), config/mail.json (a from address and
# an unsubscribe link) and a template with a text and an HTML part filled
# in from the contact, its owner and the built-ins. It starts
# tests/smtp-sink.py (Debian's python3-aiosmtpd, run by /usr/bin/python3),
# which keeps every message it gets, and measures, on a warm page cache,
# each command run SFA_BENCH_RUNS times (the median wall time, the largest
# peak RSS):
#   (a) `sfa-contact list --format json | sfa-mail send --smtp URL`, the
#       template to the N contacts as a new campaign, each run on a fresh
#       copy of the store: the server must have got N messages, one to
#       each contact, each with a Message-ID of its own, and the store
#       must then hold N email activities of the campaign; the commits
#       and objects the campaign added are reported;
#   (b) the same command again, same campaign: it must send nothing;
#   (c) the first ONE_N of the messages the server got in (a) sent again
#       one by one with curl, a process and a connection each, as a shell
#       loop would, projected to N; the server must get them byte for byte;
#   (d) the same with msmtp, when it is installed;
#   (e) the campaign written with --mbox FILE instead (no network: the
#       merge, the journal and the commits without the server).
# As context: the same with --dry-run (merge and MIME alone: no journal,
# no commit), `sfa-contact list` and `sfa-contact import` alone, and the
# server's own pace (the ONE_N messages over one connection from Python's
# smtplib). All of it runs at a fixed time, SFA_NOW. It prints a Markdown
# table on stdout and writes it to DIR/mail-results.md; progress goes to
# stderr. At the defaults it takes about four minutes on two cores.
#
# Environment:
#	SFA_BENCH_N	number of contacts (default 10000)
#	SFA_BENCH_RUNS	runs of each measured command (default 1: at
#			N = 10000 one run of (a) takes over a minute)
#	SFA_BENCH_ONE_N	messages sent one by one in (c) and (d) (default
#			min(N, 500)), projected linearly to N
#	SFA_BENCH_NOW	the time the commands run at (default
#			2026-01-05T00:00:00Z): the letters' Date, the
#			activities' done_at
#	SFA_BENCH_DIR	work directory (default /tmp/sfa-bench); generated
#			data is kept there between runs, stores are rebuilt
#	SFA_SHARED	directory holding bench/gen-data (default ../shared
#			relative to the repository root)

set -eu
set -o pipefail

. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: tests/bench/mail.sh [BUILD]"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bin
SHARED=${SFA_SHARED:-$ROOT/../shared}
case $SHARED in /*) ;; *) SHARED=$ROOT/$SHARED ;; esac
GEN=$SHARED/bench/gen-data
SINK=$ROOT/tests/smtp-sink.py
N=${SFA_BENCH_N:-10000}
RUNS=${SFA_BENCH_RUNS:-1}
ONE_N=${SFA_BENCH_ONE_N:-500}
NOW=${SFA_BENCH_NOW:-2026-01-05T00:00:00Z}
DIR=${SFA_BENCH_DIR:-/tmp/sfa-bench}
FROM=sales@example.com
BATCH=200	# sfa-mail's default "batch": sends per commit

case $N in '' | *[!0-9]* | 0) die "SFA_BENCH_N must be a positive number: '$N'" ;; esac
case $RUNS in '' | *[!0-9]* | 0) die "SFA_BENCH_RUNS must be a positive number: '$RUNS'" ;; esac
case $ONE_N in '' | *[!0-9]* | 0) die "SFA_BENCH_ONE_N must be a positive number: '$ONE_N'" ;; esac
[ "$ONE_N" -le "$N" ] || ONE_N=$N
[[ $NOW =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
	die "SFA_BENCH_NOW must be a UTC time like 2026-01-05T00:00:00Z: '$NOW'"
for cmd in sfa sfa-contact sfa-activity sfa-mail; do
	[ -x "$BIN/$cmd" ] || die "no $cmd in $BIN (run make)"
done
[ -x "$GEN" ] || die "no data generator at $GEN (set SFA_SHARED)"
[ -f "$SINK" ] || die "no SMTP sink at $SINK"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
for tool in git python3; do
	command -v $tool >/dev/null || die "$tool is missing"
done
command -v curl >/dev/null || die "curl is missing (Debian package 'curl')"
# The python3 first on PATH may be another interpreter than Debian's, which
# is the one with python3-aiosmtpd.
SINK_PYTHON=python3
[ -x /usr/bin/python3 ] && SINK_PYTHON=/usr/bin/python3
"$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
	die "$SINK_PYTHON cannot import aiosmtpd (Debian package 'python3-aiosmtpd')"
MSMTP=$(command -v msmtp || true)

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$DIR" != / ] || die "SFA_BENCH_DIR must not be /"
# Names apart from the other benchmarks', which may share the directory.
BASE=$DIR/mail-store-base
STORE=$DIR/mail-store
LOGS=$DIR/mail-logs
RESULTS=$DIR/mail-results.md
SINK_DIR=$LOGS/sink	# what the server got, emptied before each measured command
SENT=$LOGS/sent		# the first ONE_N messages of (a), sent again in (c) and (d)
MBOX=$LOGS/campaign.mbox

# The measured commands see the same environment on every run, and the
# same clock.
export LC_ALL=C TZ=UTC SFA_NOW=$NOW SFA_USER=Bench SFA_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
unset SFA_STORE SFA_EXEC_PATH SFA_LOCK_TIMEOUT SFA_REP SFA_SMTP_PASSWORD GIT_DIR GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ MALLOC_ARENA_MAX \
	GLIBC_TUNABLES

# Each run starts from nothing but the cached input files.
rm -rf "$BASE" "$STORE" "$LOGS" "$RESULTS"
mkdir -p "$LOGS" "$SINK_DIR" "$SENT"
T0=$(date +%s)

LEADS=$DIR/leads-$N.csv
generate leads "$N" "$LEADS"
CONTACTS=$DIR/mail-contacts-$N.csv
made "$CONTACTS" "mail-data contacts $(cat "$LEADS.stamp") $(sha256sum <"$BENCH/mail-data.py")" \
	"$N contacts" python3 "$BENCH/mail-data.py" contacts "$LEADS"

# expect WHAT GOT WANTED
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }
# statuses CSV: the rows of sfa-mail's output counted by status and reason,
# as "skipped/already-sent:10000 sent:3".
statuses() {
	python3 -c '
import collections, csv, sys
c = collections.Counter((r["status"], r["reason"]) for r in csv.DictReader(open(sys.argv[1], newline="")))
print(" ".join("%s%s:%d" % (s, "/" + r if r else "", n) for (s, r), n in sorted(c.items())))' "$1"
}
# received: the number of messages the server has kept since it was emptied.
received() { find "$SINK_DIR" -maxdepth 1 -name '*.eml' | wc -l; }
empty_sink() { find "$SINK_DIR" -maxdepth 1 -type f -delete; }
# objects GITDIR: "LOOSE LOOSE_KIB PACKED PACK_KIB DATA_BYTES", the last the
# size of every object as stored (compressed).
objects() {
	git --git-dir="$1" count-objects -v | awk -F': ' '{v[$1] = $2}
		END {printf "%d %d %d %d ", v["count"], v["size"], v["in-pack"], v["size-pack"]}'
	git --git-dir="$1" cat-file --batch-all-objects --batch-check='%(objectsize:disk)' |
		awk '{s += $1} END {printf "%d\n", s}'
}

# --- the store ------------------------------------------------------------------

say "making the store: $N contacts, users, config/mail.json, the template"
python3 "$BENCH/mail-data.py" users >"$LOGS/users.json"
cat >"$LOGS/mail.json" <<EOF
{
  "from": "Nordic Sales <$FROM>",
  "domain": "example.com",
  "unsubscribe": "https://example.com/unsubscribe?id={{id}}"
}
EOF
cat >"$LOGS/offer.txt" <<'EOF'
Subject: Pumps for {{city|default:"your plant"}}, {{first_name|default:"there"}}

Dear {{first_name|default:"customer"}} {{last_name}},

the new pump-xl is in stock{{#if city}}, and we can deliver it to {{city}}
within a week{{/if}}.
{{#if owner}}
{{owner.name}}, your contact with us, will be glad to tell you more:
{{owner.email}}.
{{else}}
Just reply to this mail to know more.
{{/if}}

Kind regards,
{{sender.name}}

Campaign {{campaign}}, {{today|date:"%d %B %Y"}}.
To receive no more mail from us: {{unsubscribe}}
EOF
cat >"$LOGS/offer.html" <<'EOF'
<p>Dear {{first_name|default:"customer"}} {{last_name}},</p>
<p>the new <b>pump-xl</b> is in stock{{#if city}}, and we can deliver it to
{{city}} within a week{{/if}}.</p>
{{#if owner}}
<p>{{owner.name}}, your contact with us, will be glad to tell you more:
<a href="mailto:{{owner.email}}">{{owner.email}}</a>.</p>
{{/if}}
<p>Kind regards,<br>{{sender.name}}</p>
<p><small><a href="{{unsubscribe}}">Unsubscribe</a></small></p>
EOF
"$BIN/sfa" init -q "$BASE"
"$BIN/sfa" config --store "$BASE" set users "$LOGS/users.json"
"$BIN/sfa" config --store "$BASE" set mail "$LOGS/mail.json"
"$BIN/sfa-mail" template add --store "$BASE" --type contact -m "mail benchmark: template offer" \
	offer "$LOGS/offer.txt" "$LOGS/offer.html"
measure contact-import /dev/null /dev/null "$BIN/sfa-contact" import --store "$BASE" -q "$CONTACTS"
expect "contacts in the store" \
	"$("$BIN/sfa-contact" list --store "$BASE" --fields id --format csv | tail -n +2 | wc -l)" "$N"
read -r BASE_COMMITS < <(git --git-dir="$BASE" rev-list --count main)
BASE_HEAD=$(git --git-dir="$BASE" rev-parse main)
read -r B_LOOSE B_LOOSE_KIB B_PACKED _ B_DATA < <(objects "$BASE")
BASE_DU=$(du_mb "$BASE")

# A copy of the store as made, for each campaign run.
fresh_store() { rm -rf "$STORE" && cp -a "$BASE" "$STORE"; }

# --- the server -----------------------------------------------------------------

say "starting the SMTP sink"
"$SINK_PYTHON" "$SINK" --port-file "$LOGS/sink.port" --dir "$SINK_DIR" </dev/null >"$LOGS/sink.log" 2>&1 &
SINK_PID=$!
stop_sink() {
	[ -n "${SINK_PID:-}" ] || return 0
	kill "$SINK_PID" 2>/dev/null || :
	wait "$SINK_PID" 2>/dev/null || :
	SINK_PID=
}
trap stop_sink EXIT
for ((i = 0; ; i++)); do
	[ ! -s "$LOGS/sink.port" ] || break
	kill -0 "$SINK_PID" 2>/dev/null || { cat "$LOGS/sink.log" >&2; die "the SMTP sink exited"; }
	[ "$i" -lt 300 ] || die "the SMTP sink has no port after 30 s"
	sleep 0.1
done
PORT=$(cat "$LOGS/sink.port")
URL=smtp://127.0.0.1:$PORT

# --- measuring ------------------------------------------------------------------

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

# send NAME CAMPAIGN OPTION...: measure `sfa-contact list --format json |
# sfa-mail send --campaign CAMPAIGN OPTION...` on the store, its rows in
# $LOGS/NAME.csv; RSS[NAME] is the larger of the two processes',
# MAIL_RSS[NAME] the largest sfa-mail's of the runs so far.
declare -A MAIL_RSS
send() {
	local name=$1 campaign=$2 rss
	shift 2
	measure "$name" /dev/null "$LOGS/$name.csv" bash -c 'set -o pipefail
		"$1" list --store "$2" --format json |
			/usr/bin/time -f %M -o "$3" "$4" send --store "$2" --template offer --campaign "$5" \
				--format csv "${@:6}"' \
		send "$BIN/sfa-contact" "$STORE" "$LOGS/$name.mail-time" "$BIN/sfa-mail" "$campaign" "$@"
	rss=$(tail -n 1 "$LOGS/$name.mail-time")
	[ "$rss" -le "${MAIL_RSS[$name]:-0}" ] || MAIL_RSS[$name]=$rss
}

# one_by_one NAME TOOL: measure sending the messages of $SENT to the
# server with TOOL (curl or msmtp), a process each; SAME[NAME] says
# whether the server got them byte for byte.
declare -A SAME
one_by_one() {
	local name=$1 tool=$2
	empty_sink
	# curl -q: no .curlrc; msmtp -C /dev/null: no configuration file.
	measure "$name" /dev/null /dev/null bash -c '
		while read -r f from to; do
			case $1 in
			curl) curl -q -sS --mail-from "$from" --mail-rcpt "$to" --upload-file "$3/$f" \
				"smtp://127.0.0.1:$4" ;;
			msmtp) msmtp -C /dev/null --host=127.0.0.1 --port="$4" --auth=off --tls=off \
				--from="$from" -- "$to" <"$3/$f" ;;
			esac || exit 1
		done <"$2"' \
		one-by-one "$tool" "$LOGS/sent.list" "$SENT" "$PORT"
	expect "$name: messages the server got" "$(received)" "$ONE_N"
	SAME[$name]=$(python3 "$BENCH/mail-data.py" same "$SENT" "$SINK_DIR")
}

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)

# (a) The campaign.
say "(a) a campaign to $N contacts over SMTP"
run_smtp() {
	fresh_store
	empty_sink
	CAMPAIGN=bench-$1
	send smtp "$CAMPAIGN" --smtp "$URL"
	expect "(a) rows of sfa-mail" "$(statuses "$LOGS/smtp.csv")" "sent:$N"
	say "checking what the server got"
	SMTP_CHECK=$(python3 "$BENCH/mail-data.py" check "$SINK_DIR" "$N" "$FROM") ||
		die "(a) run $1: the server did not get the campaign"
}
runs smtp run_smtp
MSG_BYTES=$(awk '{print $(NF - 1)}' <<<"$SMTP_CHECK")

# What the last run left in the store.
say "checking the store after the campaign"
ACTIVITIES=$("$BIN/sfa-activity" list --store "$STORE" --where "campaign=$CAMPAIGN" --fields id --format csv |
	tail -n +2 | wc -l)
expect "email activities of campaign $CAMPAIGN" "$ACTIVITIES" "$N"
COMMITS=$(($(git --git-dir="$STORE" rev-list --count main) - BASE_COMMITS))
COMMITS_WANTED=$(((N + BATCH - 1) / BATCH))
[ "$COMMITS" -eq "$COMMITS_WANTED" ] ||
	say "warning: the campaign made $COMMITS commits, not $COMMITS_WANTED ($N sends, $BATCH a commit)"
read -r A_LOOSE A_LOOSE_KIB A_PACKED _ A_DATA < <(objects "$STORE")
# The files the campaign's commits added or changed, by folder: "10000 activities, ...".
CHANGED=$(git --git-dir="$STORE" diff --name-only "$BASE_HEAD" main | cut -d / -f 1 | sort | uniq -c |
	awk '{printf "%s%d %s", (NR > 1) ? ", " : "", $1, $2}')
STORE_DU=$(du_mb "$STORE")
JOURNAL_BYTES=$(cat "$STORE/sfa-mail/"* 2>/dev/null | wc -c)

# The first ONE_N messages the server got, for (c) and (d).
python3 "$BENCH/mail-data.py" envelopes "$SINK_DIR" "$ONE_N" >"$LOGS/sent.list"
cut -f 1 "$LOGS/sent.list" | sed 's/\.eml$//' |
	awk -v d="$SINK_DIR" '{print d "/" $1 ".eml"; print d "/" $1 ".env"}' | xargs cp -t "$SENT"

# (b) The same campaign again.
say "(b) the campaign $CAMPAIGN again"
run_rerun() {
	empty_sink
	send rerun "$CAMPAIGN" --smtp "$URL"
	expect "(b) rows of sfa-mail" "$(statuses "$LOGS/rerun.csv")" "skipped/already-sent:$N"
	expect "(b) messages the server got" "$(received)" 0
}
runs rerun run_rerun
expect "(b) commits made by the reruns" \
	"$(($(git --git-dir="$STORE" rev-list --count main) - BASE_COMMITS))" "$COMMITS"

# (c), (d) One by one.
say "(c) $ONE_N messages one by one with curl"
runs curl "one_by_one curl curl"
if [ -n "$MSMTP" ]; then
	say "(d) $ONE_N messages one by one with msmtp"
	runs msmtp "one_by_one msmtp msmtp"
else
	say "(d) msmtp is not installed (Debian package 'msmtp'): skipped"
fi
say "context: the server's pace, $ONE_N messages over one connection from smtplib"
run_pace() {
	empty_sink
	measure pace /dev/null /dev/null python3 "$BENCH/mail-data.py" blast "$PORT" "$LOGS/sent.list" "$SENT"
	expect "pace: messages the server got" "$(received)" "$ONE_N"
	SAME[pace]=$(python3 "$BENCH/mail-data.py" same "$SENT" "$SINK_DIR")
}
runs pace run_pace
empty_sink

# (e) The campaign into an mbox.
say "(e) the campaign to $N contacts into an mbox"
run_mbox() {
	fresh_store
	rm -f "$MBOX"
	send mbox "mbox-$1" --mbox "$MBOX"
	expect "(e) rows of sfa-mail" "$(statuses "$LOGS/mbox.csv")" "sent:$N"
	expect "(e) messages in the mbox" "$(python3 "$BENCH/mail-data.py" mbox-count "$MBOX")" "$N"
}
runs mbox run_mbox
MBOX_BYTES=$(stat -c %s "$MBOX")

say "context: --dry-run and sfa-contact list"
run_dry() {
	fresh_store
	send dry-run "dry-$1" --dry-run
	expect "dry run rows of sfa-mail" "$(statuses "$LOGS/dry-run.csv")" "would-send:$N"
	expect "dry run commits" "$(git --git-dir="$STORE" rev-list --count main)" "$BASE_COMMITS"
}
runs dry-run run_dry
run_list() {
	measure contact-list /dev/null "$LOGS/contacts.json" "$BIN/sfa-contact" list --store "$STORE" --format json
}
runs contact-list run_list

stop_sink
say "writing $RESULTS"

# --- report ---------------------------------------------------------------------

wall() { ms "${WALL[$1]}"; }
rss() { mib "${RSS[$1]}"; }
# per COUNT NAME: milliseconds a message; rate COUNT NAME: messages a second
per() { awk -v n="$1" -v ms="${WALL[$2]}" 'BEGIN {printf "%.2f ms", ms / n}'; }
rate() { awk -v n="$1" -v ms="${WALL[$2]}" 'BEGIN {printf "%.0f", (ms > 0) ? n * 1000 / ms : 0}'; }
# vs COUNT NAME: the time (a) takes a message ÷ the time NAME takes one
vs() { awk -v a="${WALL[smtp]}" -v n="$1" -v ms="${WALL[$2]}" -v na="$N" \
	'BEGIN {printf "%.2f", (ms > 0) ? (a / na) / (ms / n) : 0}'; }
# projected NAME: NAME's wall time for ONE_N messages, for N
projected() { ms $((WALL[$1] * N / ONE_N)); }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'; }
# row OPERATION MESSAGES COUNT NAME RSS RATIO CHECKED: NAME sent COUNT
# messages (0: none, no rate)
row() {
	local per=- rate=-
	[ "$3" -eq 0 ] || { per=$(per "$3" "$4"); rate=$(rate "$3" "$4"); }
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(wall "$4")" "$per" "$rate" "$5" "$6" "$7"
}
subset() {
	if [ "$ONE_N" -lt "$N" ]; then
		printf '%s of the %s, **projected** to %s: %s' "$ONE_N" "$N" "$N" "$(projected "$1")"
	else
		printf '%s' "$N"
	fi
}

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
msmtp_version=-
[ -z "$MSMTP" ] || msmtp_version=$(msmtp --version | awk 'NR == 1 {print $NF}')
loose_objects=$((A_LOOSE - B_LOOSE))
loose_kib=$((A_LOOSE_KIB - B_LOOSE_KIB))
packed_objects=$((A_PACKED - B_PACKED))
data_bytes=$((A_DATA - B_DATA))
elapsed=$(($(date +%s) - T0))

{
	printf '# sfa mail benchmark\n\n'
	printf 'Machine: %s CPUs, %s, %s RAM, %s, %s  \n' "$(nproc)" "${cpu:-unknown CPU}" "$ram" \
		"$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Load average (1, 5, 15 min) at start %s, at end %s  \n' "$LOAD_START" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'N = %s contacts (gen-data leads, ASCII addresses by mail-data.py; ' "$N"
	printf 'names in Latin, Cyrillic and CJK); '
	printf 'a template with a text and an HTML part (multipart/alternative, %s bytes a message on average), ' \
		"$((MSG_BYTES / N))"
	printf 'merged from the contact, its owner (config/users.json) and built-ins; SFA_NOW=%s, TZ=UTC  \n' "$NOW"
	printf 'Server: tests/smtp-sink.py on 127.0.0.1 (python3-aiosmtpd %s), which writes each message to a file ' \
		"$("$SINK_PYTHON" -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
	printf 'before it answers 250  \n'
	printf 'sfa %s, curl %s, msmtp %s, %s; warm page cache; each figure the median wall time of %s run(s) ' \
		"$("$BIN/sfa" --version | awk '{print $NF}')" "$(curl --version | awk 'NR == 1 {print $2}')" \
		"$msmtp_version" "$(git --version)" "$RUNS"
	printf 'and the largest peak RSS; ratio = the time (a) takes a message ÷ the time the row takes one '
	printf '(below 1: sfa-mail send --smtp is faster)\n\n'
	printf '| operation | messages | wall | per message | messages/s | peak RSS | ratio | checked |\n'
	printf '|---|---|---|---|---|---|---|---|\n'
	row "(a) \`sfa-contact list --format json \\| sfa-mail send --smtp URL\`, a new campaign" "$N" "$N" smtp \
		"sfa-mail $(mib "${MAIL_RSS[smtp]}"), sfa-contact list $(rss contact-list)" "1.00" \
		"the server got $N messages, one to each contact, $N Message-IDs; $ACTIVITIES activities, $COMMITS commits"
	row "(b) the same command again, same campaign" "$N records, none sent" 0 rerun \
		"sfa-mail $(mib "${MAIL_RSS[rerun]}")" "-" "$N rows skipped, already-sent; the server got 0; 0 commits"
	row "(c) curl, one process and one connection per message" "$(subset curl)" "$ONE_N" curl "$(rss curl)" \
		"$(vs "$ONE_N" curl)" "received byte for byte: ${SAME[curl]}"
	if [ -n "$MSMTP" ]; then
		row "(d) msmtp, one process and one connection per message" "$(subset msmtp)" "$ONE_N" msmtp "$(rss msmtp)" \
			"$(vs "$ONE_N" msmtp)" "received byte for byte: ${SAME[msmtp]}"
	else
		printf '| (d) msmtp | not installed (Debian package msmtp) | - | - | - | - | - | - |\n'
	fi
	row "(e) \`... \\| sfa-mail send --mbox FILE\`, a new campaign (no network)" "$N" "$N" mbox \
		"sfa-mail $(mib "${MAIL_RSS[mbox]}")" "$(vs "$N" mbox)" "$N messages in the mbox ($(mb "$MBOX_BYTES"))"
	row "context: \`... \\| sfa-mail send --dry-run\` (merge and MIME; no journal, no commit)" "$N" "$N" dry-run \
		"sfa-mail $(mib "${MAIL_RSS[dry-run]}")" "$(vs "$N" dry-run)" "$N rows would-send, 0 commits"
	row "context: the server's pace, one Python smtplib connection" "$ONE_N" "$ONE_N" pace "$(rss pace)" \
		"$(vs "$ONE_N" pace)" "received byte for byte: ${SAME[pace]}"
	printf '| context: `sfa-contact list --format json` alone | %s records | %s | - | - | %s | - | - |\n' \
		"$N" "$(wall contact-list)" "$(rss contact-list)"
	printf '| context: `sfa-contact import` of the %s contacts into the new store (once) ' "$N"
	printf '| %s records | %s | - | - | %s | - | - |\n' "$N" "$(wall contact-import)" "$(rss contact-import)"
	printf '\nThe campaign in the store: %s commits (%s sends a commit: %s expected) ' \
		"$COMMITS" "$BATCH" "$COMMITS_WANTED"
	printf 'adding or changing the files of '
	printf '%s; ' "$CHANGED"
	printf '%s new objects, %s of them loose (%s on disk by git count-objects, %s KiB a message), %s packed; ' \
		"$((loose_objects + packed_objects))" "$loose_objects" "$(mib "$loose_kib")" \
		"$(awk -v k="$loose_kib" -v n="$N" 'BEGIN {printf "%.1f", k / n}')" "$packed_objects"
	printf '%s of object data as stored (%s bytes a message); ' "$(mb "$data_bytes")" "$((data_bytes / N))"
	printf 'the store from %s to %s; the journal after the run: %s bytes. ' "$BASE_DU" "$STORE_DU" "$JOURNAL_BYTES"
	printf 'The rerun (b) made no commit.  \n'
	printf '(c) and (d) send the very files the server got in (a) (%s), with the envelope it got; ' "$(subset curl)"
	printf 'curl -q (no .curlrc), msmtp -C /dev/null --auth=off --tls=off; one by one as a shell loop would.  \n'
	printf 'Each campaign run starts from a copy of the store as imported; whole benchmark: %s s.\n' "$elapsed"
} >"$RESULTS"
cat "$RESULTS"
