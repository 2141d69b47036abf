/* iCalendar output (RFC 5545). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfa/error.h"
#include "sfa/ics.h"
#include "sfa/record.h"
#include "sfa/banned.h"

static char *saved_tz;	/* $TZ before a calendar in a named zone set it */
static int tz_set;

void sfa_ics_line(struct sfa_buf *out, const char *line, size_t len)
{
	size_t col = 0;

	for (size_t i = 0; i < len;) {
		size_t n = 1;
		/* a UTF-8 character (at most 4 bytes) is never split across lines */
		while (n < 4 && i + n < len && ((unsigned char)line[i + n] & 0xc0) == 0x80)
			n++;
		if (col + n > 75) {
			sfa_buf_addstr(out, "\r\n ");
			col = 1;
		}
		sfa_buf_add(out, line + i, n);
		col += n;
		i += n;
	}
	sfa_buf_addstr(out, "\r\n");
}

void sfa_ics_text(struct sfa_buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': sfa_buf_addstr(out, "\\\\"); break;
		case ';': sfa_buf_addstr(out, "\\;"); break;
		case ',': sfa_buf_addstr(out, "\\,"); break;
		case '\n': sfa_buf_addstr(out, "\\n"); break;
		case '\r': break;	/* CRLF in the value: the LF says it */
		default:
			/* other control characters are not allowed in TEXT */
			if ((unsigned char)*s < 0x20 && *s != '\t')
				sfa_buf_addch(out, ' ');
			else
				sfa_buf_addch(out, *s);
		}
	}
}

/* A parameter value: quoted when it holds ':', ';' or ','; a '"' cannot appear in one. */
static void param_value(struct sfa_buf *out, const char *s)
{
	int quote = strpbrk(s, ":;,") != NULL;
	if (quote)
		sfa_buf_addch(out, '"');
	for (; *s; s++)
		sfa_buf_addch(out, *s == '"' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s);
	if (quote)
		sfa_buf_addch(out, '"');
}

static void put(struct sfa_ics *ics, struct sfa_buf *line)
{
	sfa_ics_line(ics->out, line->buf, line->len);
	sfa_buf_reset(line);
}

/* "20261124T130000Z", or the local time in the calendar's zone. */
static void ics_time(struct sfa_buf *out, const struct sfa_ics *ics, time_t t)
{
	struct tm tm;
	char s[32];
	if (ics->tz)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	strftime(s, sizeof(s), ics->tz ? "%Y%m%dT%H%M%S" : "%Y%m%dT%H%M%SZ", &tm);
	sfa_buf_addstr(out, s);
}

static void offset(struct sfa_buf *out, long gmtoff)
{
	long a = gmtoff < 0 ? -gmtoff : gmtoff;
	sfa_buf_addf(out, "%c%02ld%02ld", gmtoff < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	if (a % 60)
		sfa_buf_addf(out, "%02ld", a % 60);
}

/* One observance: from `t` on, the zone is `to` (was `from`). */
static void observance(struct sfa_ics *ics, time_t t, long from)
{
	struct sfa_buf line = SFA_BUF_INIT;
	struct tm tm;
	time_t before = t + from;	/* DTSTART is local time in the offset before the change */
	char s[32];

	localtime_r(&t, &tm);
	sfa_buf_addstr(&line, tm.tm_isdst > 0 ? "BEGIN:DAYLIGHT" : "BEGIN:STANDARD");
	put(ics, &line);
	{
		struct tm u;
		gmtime_r(&before, &u);
		strftime(s, sizeof(s), "%Y%m%dT%H%M%S", &u);
	}
	sfa_buf_addf(&line, "DTSTART:%s", s);
	put(ics, &line);
	sfa_buf_addstr(&line, "TZOFFSETFROM:");
	offset(&line, from);
	put(ics, &line);
	sfa_buf_addstr(&line, "TZOFFSETTO:");
	offset(&line, tm.tm_gmtoff);
	put(ics, &line);
	if (tm.tm_zone && *tm.tm_zone) {
		sfa_buf_addstr(&line, "TZNAME:");
		sfa_ics_text(&line, tm.tm_zone);
		put(ics, &line);
	}
	sfa_buf_addstr(&line, tm.tm_isdst > 0 ? "END:DAYLIGHT" : "END:STANDARD");
	put(ics, &line);
	sfa_buf_release(&line);
}

static long gmtoff_at(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

/*
 * The zone's offsets from `from` to `to` as read from the system's rules:
 * the one in effect at the start, then each change, found day by day and
 * then to the second.
 */
static void vtimezone(struct sfa_ics *ics, time_t from, time_t to)
{
	struct sfa_buf line = SFA_BUF_INIT;
	long cur = gmtoff_at(from);

	sfa_buf_addstr(&line, "BEGIN:VTIMEZONE");
	put(ics, &line);
	sfa_buf_addstr(&line, "TZID:");
	param_value(&line, ics->tz);
	put(ics, &line);
	observance(ics, from, cur);
	for (time_t day = from; day < to; day += 86400) {
		time_t lo = day, hi = day + 86400;
		if (gmtoff_at(hi) == cur)
			continue;
		while (hi - lo > 1) {	/* the first second of the new offset */
			time_t mid = lo + (hi - lo) / 2;
			if (gmtoff_at(mid) == cur)
				lo = mid;
			else
				hi = mid;
		}
		observance(ics, hi, cur);
		cur = gmtoff_at(hi);
	}
	sfa_buf_addstr(&line, "END:VTIMEZONE");
	put(ics, &line);
	sfa_buf_release(&line);
}

/* A zone the system has rules for: a compiled zone file (it starts "TZif"), not a folder or a table. */
static int zone_known(const char *tz)
{
	const char *dir = getenv("TZDIR");
	struct sfa_buf path = SFA_BUF_INIT;
	char magic[4];
	FILE *fp;
	int ok = 0;

	if (!*tz || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	sfa_buf_addf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if ((fp = fopen(path.buf, "rb"))) {
		ok = fread(magic, 1, 4, fp) == 4 && !memcmp(magic, "TZif", 4);
		fclose(fp);
	}
	sfa_buf_release(&path);
	return ok;
}

int sfa_ics_begin(struct sfa_ics *ics, time_t from, time_t to)
{
	struct sfa_buf line = SFA_BUF_INIT;

	if (ics->tz) {
		const char *old = getenv("TZ");
		if (!zone_known(ics->tz))
			return sfa_error_set(SFA_EINPUT, "unknown time zone '%s' (a name like Europe/Sofia)", ics->tz);
		free(saved_tz);
		saved_tz = old ? sfa_xstrdup(old) : NULL;
		tz_set = 1;
		setenv("TZ", ics->tz, 1);
		tzset();
	}
	sfa_buf_addstr(&line, "BEGIN:VCALENDAR");
	put(ics, &line);
	sfa_buf_addstr(&line, "VERSION:2.0");
	put(ics, &line);
	sfa_buf_addstr(&line, "PRODID:-//sfa//sfa-activity " SFA_VERSION "//EN");
	put(ics, &line);
	sfa_buf_addstr(&line, "CALSCALE:GREGORIAN");
	put(ics, &line);
	sfa_buf_addstr(&line, "METHOD:PUBLISH");
	put(ics, &line);
	sfa_buf_release(&line);
	if (ics->tz)	/* whole days around the span, so the first observance starts at a round time */
		vtimezone(ics, from - from % 86400 - 86400, to + 86400);
	return 0;
}

/* "ATTENDEE;CN=Name:mailto:a@b" for each "Name <a@b>" or "a@b" in a comma list. */
static void attendees(struct sfa_ics *ics, const char *list)
{
	struct sfa_buf line = SFA_BUF_INIT, item = SFA_BUF_INIT;

	while (*list) {
		size_t n = strcspn(list, ",;");
		char *lt, *gt;
		sfa_buf_reset(&item);
		sfa_buf_add(&item, list, n);
		list += n + (list[n] != '\0');
		lt = strchr(item.buf, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt && memchr(lt, '@', (size_t)(gt - lt))) {
			char *name = item.buf;
			*gt = '\0';
			*lt = '\0';
			while (*name == ' ')
				name++;
			for (char *e = lt; e > name && e[-1] == ' ';)
				*--e = '\0';
			sfa_buf_addstr(&line, "ATTENDEE");
			if (*name) {
				sfa_buf_addstr(&line, ";CN=");
				param_value(&line, name);
			}
			sfa_buf_addf(&line, ":mailto:%s", lt + 1);
			put(ics, &line);
		} else if (strchr(item.buf, '@')) {
			char *a = item.buf;
			while (*a == ' ')
				a++;
			for (char *e = a + strlen(a); e > a && e[-1] == ' ';)
				*--e = '\0';
			sfa_buf_addf(&line, "ATTENDEE:mailto:%s", a);
			put(ics, &line);
		}
	}
	sfa_buf_release(&line);
	sfa_buf_release(&item);
}

int sfa_ics_activity(struct sfa_ics *ics, const json_t *act, const char *about)
{
	const char *type = sfa_record_text(act, "type"), *due = sfa_record_text(act, "due_at");
	const char *id = sfa_record_text(act, "id"), *s;
	int task = type && !strcmp(type, "task"), done = json_is_true(json_object_get(act, "done"));
	struct sfa_buf line = SFA_BUF_INIT, desc = SFA_BUF_INIT;
	const json_t *dur = json_object_get(act, "duration"), *seq = json_object_get(act, "sequence");
	time_t start;

	if (!due || !id || sfa_time_parse(&start, due) < 0)
		return 0;
	sfa_buf_addstr(&line, task ? "BEGIN:VTODO" : "BEGIN:VEVENT");
	put(ics, &line);
	sfa_buf_addf(&line, "UID:%s@sfa", id);
	put(ics, &line);
	sfa_buf_addstr(&line, "DTSTAMP:");
	{
		struct sfa_ics utc = *ics;
		utc.tz = NULL;
		ics_time(&line, &utc, ics->stamp);
	}
	put(ics, &line);
	if (ics->tz) {
		sfa_buf_addstr(&line, task ? "DUE;TZID=" : "DTSTART;TZID=");
		param_value(&line, ics->tz);
		sfa_buf_addch(&line, ':');
	} else {
		sfa_buf_addstr(&line, task ? "DUE:" : "DTSTART:");
	}
	ics_time(&line, ics, start);
	put(ics, &line);
	if (!task) {
		/* an event needs an end: its duration, else half an hour */
		sfa_buf_addf(&line, "DURATION:PT%lldM", json_is_integer(dur) ? (long long)json_integer_value(dur) : 30LL);
		put(ics, &line);
	}
	sfa_buf_addstr(&line, "SUMMARY:");
	sfa_ics_text(&line, (s = sfa_record_text(act, "subject")) ? s : type ? type : "activity");
	put(ics, &line);
	if ((s = sfa_record_text(act, "notes")))
		sfa_buf_addstr(&desc, s);
	if (about)
		sfa_buf_addf(&desc, "%s%s", desc.len ? "\n\n" : "", about);
	if (desc.len) {
		sfa_buf_addstr(&line, "DESCRIPTION:");
		sfa_ics_text(&line, desc.buf);
		put(ics, &line);
	}
	if ((s = sfa_record_text(act, "location"))) {
		sfa_buf_addstr(&line, "LOCATION:");
		sfa_ics_text(&line, s);
		put(ics, &line);
	}
	if (type) {
		sfa_buf_addstr(&line, "CATEGORIES:");
		sfa_ics_text(&line, type);
		put(ics, &line);
	}
	if (task) {
		sfa_buf_addstr(&line, done ? "STATUS:COMPLETED" : "STATUS:NEEDS-ACTION");
		put(ics, &line);
	}
	if (json_is_integer(seq)) {
		sfa_buf_addf(&line, "SEQUENCE:%lld", (long long)json_integer_value(seq));
		put(ics, &line);
	}
	if ((s = sfa_record_text(act, "attendees")))
		attendees(ics, s);
	sfa_buf_addstr(&line, task ? "END:VTODO" : "END:VEVENT");
	put(ics, &line);
	sfa_buf_release(&line);
	sfa_buf_release(&desc);
	return 1;
}

void sfa_ics_end(struct sfa_ics *ics)
{
	sfa_buf_addstr(ics->out, "END:VCALENDAR\r\n");
	if (tz_set) {
		if (saved_tz)
			setenv("TZ", saved_tz, 1);
		else
			unsetenv("TZ");
		tzset();
		free(saved_tz);
		saved_tz = NULL;
		tz_set = 0;
	}
}
