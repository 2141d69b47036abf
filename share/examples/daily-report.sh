#!/bin/sh
# The daily sales report job, for cron or the systemd timer beside it:
# bring the store up to date with the shared remote, print the forecast,
# pipeline and last week's changes as dated files, and mail the HTML pages
# to the managers.
#
#   SFA_STORE=/srv/sfa/store SFA_REPORT_DIR=/srv/sfa/reports daily-report.sh
#
# A rerun the same day (after a failure, or by hand) writes the files again
# and mails only the managers who have not had that day's mail.
#
# Files land in $SFA_REPORT_DIR/YYYY-MM-DD/ (CSV for scripts and
# spreadsheets, HTML with the chart for people). A report with no rows is
# not a failure (exit 1 means "nothing matched"); anything else stops the job
# with the command's message on stderr, which cron mails to its owner.
set -eu

: "${SFA_STORE:?set SFA_STORE to the store}"
OUT=${SFA_REPORT_DIR:-$HOME/sfa-reports}
CURRENCY=${SFA_REPORT_CURRENCY:-EUR}
# the report's day: SFA_NOW when set (reruns of a past day), else today (UTC)
DAY=$(printf '%s\n' "${SFA_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}" | cut -c1-10)
DIR=$OUT/$DAY
mkdir -p "$DIR"

# Sync first when the store has a shared remote. A remote out of reach
# (exit 5) does not stop the job: the reports are then of the store as it
# is, and the warning goes to cron's mail.
if sfa remote list --format csv 2>/dev/null | sed 1d | grep -q .; then
	sfa sync >/dev/null || echo "daily-report: sfa sync failed (exit $?): reporting on the store as it is" >&2
fi

# report NAME FILE ARGS...: one report into FILE; "no rows" is fine.
report() {
	name=$1 file=$2
	shift 2
	sfa-report "$name" "$@" > "$DIR/$file.tmp" || [ $? -eq 1 ]
	mv "$DIR/$file.tmp" "$DIR/$file"
}

report forecast forecast-by-rep.csv --by rep --currency "$CURRENCY" --format csv
report forecast forecast-by-rep.html --by rep --currency "$CURRENCY" --format html
report forecast forecast-by-team.csv --by team --currency "$CURRENCY" --format csv
report pipeline pipeline.csv --format csv
report pipeline pipeline.html --currency "$CURRENCY" --format html
report changes changes.html --currency "$CURRENCY" --format html
report activity activity.csv --format csv

echo "reports for $DAY in $DIR:"
ls "$DIR"

# Mail the pages to the managers (the users whose role is manager in
# config/users.json), once a day however often the job runs: the campaign
# is the day. The store needs the template the first time; the shipped
# one is added then. SFA_MAIL_OPTS picks the delivery when the store's
# config/mail.json does not say (e.g. "--maildir /srv/sfa/outbox" to
# review first, or "--sendmail"). "Some mail failed for good" (exit 6)
# does not stop the job; the rows on stdout say who.
EXAMPLES=$(dirname "$0")
if ! sfa-mail template show daily-report >/dev/null 2>&1; then
	sfa-mail template add -m "sfa-mail: the daily report mail" daily-report \
		"$EXAMPLES/mail-daily-report.txt" "$EXAMPLES/mail-daily-report.html"
fi
# shellcheck disable=SC2086 # SFA_MAIL_OPTS holds options
sfa-mail send --users manager --template daily-report --campaign "daily-report-$DAY" \
	--attach "$DIR/forecast-by-rep.html" --attach "$DIR/pipeline.html" --attach "$DIR/changes.html" \
	${SFA_MAIL_OPTS:-} || [ $? -eq 6 ]
