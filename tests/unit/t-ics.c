#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/ics.h"
#include "unit.h"
#include "sfa/banned.h"

/* `s` as an escaped TEXT value (valid until the next call). */
static const char *text(const char *s)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	sfa_buf_reset(&b);
	sfa_ics_text(&b, s);
	return b.buf;
}

/* `s` as a folded content line (valid until the next call). */
static const char *folded(const char *s)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	sfa_buf_reset(&b);
	sfa_ics_line(&b, s, strlen(s));
	return b.buf;
}

/*
 * Checks the folding of `s` by the rules: CRLF line ends, no line over
 * 75 octets (the leading space of a continuation counted), no line
 * starting inside a UTF-8 character, and unfolding gives `s` back.
 * Returns the number of lines, or -1.
 */
static int fold_ok(const char *s)
{
	const char *f = folded(s), *p = f;
	struct sfa_buf unfolded = SFA_BUF_INIT;
	int lines = 0, ok = 1;

	while (*p) {
		const char *crlf = strstr(p, "\r\n");
		if (!crlf) {
			ok = 0;
			break;
		}
		if (crlf - p > 75)
			ok = 0;
		if (lines) {
			if (*p != ' ' || ((unsigned char)p[1] & 0xc0) == 0x80)
				ok = 0;
			sfa_buf_add(&unfolded, p + 1, (size_t)(crlf - p - 1));
		} else {
			sfa_buf_add(&unfolded, p, (size_t)(crlf - p));
		}
		/* a line is not cut short before it has to be */
		if (crlf[2] && crlf - p < 75 - 3)
			ok = 0;
		lines++;
		p = crlf + 2;
	}
	if (strcmp(unfolded.buf, s))
		ok = 0;
	sfa_buf_release(&unfolded);
	return ok ? lines : -1;
}

/* `n` copies of `s` after `head` (valid until the next call: one at a time in an argument list). */
static const char *repeat(const char *head, const char *s, int n)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	sfa_buf_reset(&b);
	sfa_buf_addstr(&b, head);
	while (n-- > 0)
		sfa_buf_addstr(&b, s);
	return b.buf;
}

static void test_text(void)
{
	CHECK_STR(text(""), "");
	CHECK_STR(text("plain words"), "plain words");
	CHECK_STR(text("a\\b"), "a\\\\b");
	CHECK_STR(text("a;b"), "a\\;b");
	CHECK_STR(text("a,b"), "a\\,b");
	CHECK_STR(text("a\nb"), "a\\nb");
	CHECK_STR(text("a\r\nb"), "a\\nb");
	CHECK_STR(text("a\rb"), "ab");
	CHECK_STR(text("Acme, Inc.; \"Sofia\"\\HQ\r\nfloor 2"), "Acme\\, Inc.\\; \"Sofia\"\\\\HQ\\nfloor 2");
	CHECK_STR(text(":colon stays"), ":colon stays");
	CHECK_STR(text("tab\there"), "tab\there");
	CHECK_STR(text("bell\a"), "bell ");
	CHECK_STR(text("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd, \xe5\xbc\xa0\xe4\xbc\x9f"),
		  "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\\, \xe5\xbc\xa0\xe4\xbc\x9f");	/* Иван, 张伟 */
}

static void test_fold(void)
{
	const char *s;

	CHECK_STR(folded("SUMMARY:hi"), "SUMMARY:hi\r\n");
	CHECK_STR(folded(""), "\r\n");
	/* 75 octets fit, the 76th starts a continuation */
	s = repeat("SUMMARY:", "x", 67);
	CHECK_INT(strlen(s), 75);
	CHECK_INT(strlen(folded(s)), 77);
	CHECK(!strcmp(folded(s) + 75, "\r\n"));
	{
		char want[100];
		snprintf(want, sizeof(want), "%s\r\n x\r\n", repeat("SUMMARY:", "x", 67));
		CHECK_STR(folded(repeat("SUMMARY:", "x", 68)), want);
	}
	/* 200 octets: 75, then a space and 74, then a space and the last 51 */
	s = repeat("", "0123456789", 20);
	{
		const char *f = folded(s);
		CHECK_INT(strlen(f), 200 + 3 * 2 + 2);
		CHECK(!strncmp(f, s, 75));
		CHECK(!strncmp(f + 75, "\r\n 56789", 8));
		CHECK(!strncmp(f + 75 + 3 + 74, "\r\n 9", 4));
		CHECK_STR(f + 75 + 3 + 74 + 3 + 51, "\r\n");
	}
	CHECK_INT(fold_ok(s), 3);
	CHECK_INT(fold_ok(repeat("DESCRIPTION:", "a", 1000)), 14);

	/* 8 + 23 x 3 octets: 22 characters fit on the first line (74), the 23rd does not */
	{
		char want[200];
		snprintf(want, sizeof(want), "%s\r\n \xe5\xbc\xa0\r\n",
			 repeat("SUMMARY:", "\xe5\xbc\xa0", 22));	/* 张 */
		CHECK_STR(folded(repeat("SUMMARY:", "\xe5\xbc\xa0", 23)), want);
	}
	/* Cyrillic, two octets: "X:" and 36 fit (74); then a space and 37 (75) */
	{
		struct sfa_buf want = SFA_BUF_INIT;
		sfa_buf_addf(&want, "%s\r\n", repeat("X:", "\xd0\x98", 36));	/* И */
		sfa_buf_addf(&want, "%s\r\n", repeat(" ", "\xd0\x98", 37));
		sfa_buf_addf(&want, "%s\r\n", repeat(" ", "\xd0\x98", 7));
		CHECK_STR(folded(repeat("X:", "\xd0\x98", 80)), want.buf);
		sfa_buf_release(&want);
	}
	/* the boundary falls inside a character at every offset */
	CHECK(fold_ok(repeat("SUMMARY:", "\xe5\xbc\xa0\xe4\xbc\x9f", 60)) > 1);
	CHECK(fold_ok(repeat("SUMMARY:x", "\xe5\xbc\xa0\xe4\xbc\x9f", 60)) > 1);
	CHECK(fold_ok(repeat("SUMMARY:xy", "\xe5\xbc\xa0\xe4\xbc\x9f", 60)) > 1);
	CHECK(fold_ok(repeat("SUMMARY:", "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 ", 40)) > 1);
	CHECK(fold_ok(repeat("SUMMARY:x", "\xf0\x9f\x98\x80", 50)) > 1);	/* U+1F600 */
	CHECK(fold_ok(repeat("SUMMARY:", "a\xc3\xa9\xe5\xbc\xa0\xf0\x9f\x98\x80", 30)) > 1);
}

#define NOV20 "DTSTAMP:20261120T080000Z\r\n"

/* What sfa_ics_activity writes for `act` (and its return in `*ret`), in UTC. */
static const char *written(struct sfa_ics *ics, const char *act, const char *about, int *ret)
{
	json_t *a = unit_json(act);

	sfa_buf_reset(ics->out);
	*ret = a ? sfa_ics_activity(ics, a, about) : -99;
	json_decref(a);
	return ics->out->buf;
}

static void test_utc(void)
{
	struct sfa_buf out = SFA_BUF_INIT;
	/* 2026-11-20T08:00:00Z */
	struct sfa_ics ics = { &out, NULL, (time_t)1795161600 };
	int ret = -99;

	CHECK_INT(sfa_ics_begin(&ics, 0, 0), 0);
	CHECK(!strncmp(out.buf, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 37));
	CHECK(strstr(out.buf, "\r\nCALSCALE:GREGORIAN\r\n") != NULL);
	CHECK(strstr(out.buf, "VTIMEZONE") == NULL);

	CHECK_STR(written(&ics, "{\"id\": \"t1a2b3\", \"type\": \"task\", \"subject\": \"Send quote, v2\", "
			  "\"due_at\": \"2026-11-24T14:00:00Z\", \"done\": false, \"notes\": \"line1\\nline2\"}",
			  "Acme; Corp", &ret),
		  "BEGIN:VTODO\r\n"
		  "UID:t1a2b3@sfa\r\n"
		  NOV20
		  "DUE:20261124T140000Z\r\n"
		  "SUMMARY:Send quote\\, v2\r\n"
		  "DESCRIPTION:line1\\nline2\\n\\nAcme\\; Corp\r\n"
		  "CATEGORIES:task\r\n"
		  "STATUS:NEEDS-ACTION\r\n"
		  "END:VTODO\r\n");
	CHECK_INT(ret, 1);
	CHECK_STR(written(&ics, "{\"id\": \"t2\", \"type\": \"task\", \"subject\": \"Done\", "
			  "\"due_at\": \"2026-11-24T16:00:00+02:00\", \"done\": true}", NULL, &ret),
		  "BEGIN:VTODO\r\n"
		  "UID:t2@sfa\r\n"
		  NOV20
		  "DUE:20261124T140000Z\r\n"
		  "SUMMARY:Done\r\n"
		  "CATEGORIES:task\r\n"
		  "STATUS:COMPLETED\r\n"
		  "END:VTODO\r\n");
	CHECK_INT(ret, 1);

	/* an event needs an end: half an hour when it has no duration */
	CHECK_STR(written(&ics, "{\"id\": \"c1\", \"type\": \"call\", \"subject\": \"Intro\", "
			  "\"due_at\": \"2026-11-24T14:00:00Z\"}", NULL, &ret),
		  "BEGIN:VEVENT\r\n"
		  "UID:c1@sfa\r\n"
		  NOV20
		  "DTSTART:20261124T140000Z\r\n"
		  "DURATION:PT30M\r\n"
		  "SUMMARY:Intro\r\n"
		  "CATEGORIES:call\r\n"
		  "END:VEVENT\r\n");
	CHECK_INT(ret, 1);
	CHECK_STR(written(&ics, "{\"id\": \"m1\", \"type\": \"meeting\", \"subject\": \"Demo\", "
			  "\"due_at\": \"2026-07-01T07:30:00Z\", \"duration\": 90, \"location\": \"Room 2, Sofia\", "
			  "\"sequence\": 2, \"attendees\": \"Ann Lee <ann@example.com>, bob@example.org, nobody\"}",
			  "Opportunity: Big deal", &ret),
		  "BEGIN:VEVENT\r\n"
		  "UID:m1@sfa\r\n"
		  NOV20
		  "DTSTART:20260701T073000Z\r\n"
		  "DURATION:PT90M\r\n"
		  "SUMMARY:Demo\r\n"
		  "DESCRIPTION:Opportunity: Big deal\r\n"
		  "LOCATION:Room 2\\, Sofia\r\n"
		  "CATEGORIES:meeting\r\n"
		  "SEQUENCE:2\r\n"
		  "ATTENDEE;CN=Ann Lee:mailto:ann@example.com\r\n"
		  "ATTENDEE:mailto:bob@example.org\r\n"
		  "END:VEVENT\r\n");
	CHECK_INT(ret, 1);

	/* nothing to put in a calendar without a time */
	out.len = 0;
	CHECK_STR(written(&ics, "{\"id\": \"n1\", \"type\": \"note\", \"subject\": \"Thoughts\"}", NULL, &ret), "");
	CHECK_INT(ret, 0);
	CHECK_INT(out.len, 0);
	CHECK_STR(written(&ics, "{\"id\": \"n2\", \"type\": \"call\", \"due_at\": null}", NULL, &ret), "");
	CHECK_INT(ret, 0);

	sfa_buf_reset(&out);
	sfa_ics_end(&ics);
	CHECK_STR(out.buf, "END:VCALENDAR\r\n");
	sfa_buf_release(&out);
}

/* The value of TZ, or "(unset)" (valid until the next call). */
static const char *tz_now(void)
{
	static char v[128];
	const char *tz = getenv("TZ");
	snprintf(v, sizeof(v), "%s", tz ? tz : "(unset)");
	return v;
}

static void test_zone(void)
{
	struct sfa_buf out = SFA_BUF_INIT;
	struct sfa_ics ics = { &out, "Europe/Sofia", (time_t)1795161600 };
	/* 2026-01-15T00:00:00Z and 2026-12-15T00:00:00Z */
	time_t from = 1768435200, to = 1797292800;
	int ret = -99;
	char local[32];
	struct tm tm;
	time_t noon = 1782907200;	/* 2026-07-01T12:00:00Z */

	setenv("TZ", "America/New_York", 1);
	tzset();
	CHECK_INT(sfa_ics_begin(&ics, from, to), 0);
	/* the local time of the process is the calendar's while it is written */
	localtime_r(&noon, &tm);
	CHECK_INT(tm.tm_hour, 15);
	CHECK(strstr(out.buf,
		     "BEGIN:VTIMEZONE\r\n"
		     "TZID:Europe/Sofia\r\n"
		     "BEGIN:STANDARD\r\n"
		     "DTSTART:20260114T020000\r\n"
		     "TZOFFSETFROM:+0200\r\n"
		     "TZOFFSETTO:+0200\r\n"
		     "TZNAME:EET\r\n"
		     "END:STANDARD\r\n"
		     "BEGIN:DAYLIGHT\r\n"
		     "DTSTART:20260329T030000\r\n"
		     "TZOFFSETFROM:+0200\r\n"
		     "TZOFFSETTO:+0300\r\n"
		     "TZNAME:EEST\r\n"
		     "END:DAYLIGHT\r\n"
		     "BEGIN:STANDARD\r\n"
		     "DTSTART:20261025T040000\r\n"
		     "TZOFFSETFROM:+0300\r\n"
		     "TZOFFSETTO:+0200\r\n"
		     "TZNAME:EET\r\n"
		     "END:STANDARD\r\n"
		     "END:VTIMEZONE\r\n") != NULL);
	if (!strstr(out.buf, "BEGIN:VTIMEZONE"))
		printf("# no VTIMEZONE in:\n%s", out.buf);
	/* 2027 is outside the span */
	CHECK(strstr(out.buf, "DTSTART:2027") == NULL);

	/* summer: UTC+3; winter: UTC+2 */
	CHECK_STR(written(&ics, "{\"id\": \"c2\", \"type\": \"call\", \"subject\": \"Summer\", "
			  "\"due_at\": \"2026-07-01T07:00:00Z\", \"duration\": 15}", NULL, &ret),
		  "BEGIN:VEVENT\r\n"
		  "UID:c2@sfa\r\n"
		  NOV20
		  "DTSTART;TZID=Europe/Sofia:20260701T100000\r\n"
		  "DURATION:PT15M\r\n"
		  "SUMMARY:Summer\r\n"
		  "CATEGORIES:call\r\n"
		  "END:VEVENT\r\n");
	CHECK_INT(ret, 1);
	CHECK_STR(written(&ics, "{\"id\": \"t3\", \"type\": \"task\", \"subject\": \"Winter\", "
			  "\"due_at\": \"2026-11-24T12:00:00Z\"}", NULL, &ret),
		  "BEGIN:VTODO\r\n"
		  "UID:t3@sfa\r\n"
		  NOV20
		  "DUE;TZID=Europe/Sofia:20261124T140000\r\n"
		  "SUMMARY:Winter\r\n"
		  "CATEGORIES:task\r\n"
		  "STATUS:NEEDS-ACTION\r\n"
		  "END:VTODO\r\n");
	CHECK_INT(ret, 1);
	/* the hour after the change back is 03:00 local, not the first 03:00 */
	CHECK_STR(written(&ics, "{\"id\": \"c3\", \"type\": \"call\", \"due_at\": \"2026-10-25T01:30:00Z\"}",
			  NULL, &ret),
		  "BEGIN:VEVENT\r\n"
		  "UID:c3@sfa\r\n"
		  NOV20
		  "DTSTART;TZID=Europe/Sofia:20261025T033000\r\n"
		  "DURATION:PT30M\r\n"
		  "SUMMARY:call\r\n"
		  "CATEGORIES:call\r\n"
		  "END:VEVENT\r\n");

	sfa_buf_reset(&out);
	sfa_ics_end(&ics);
	CHECK_STR(out.buf, "END:VCALENDAR\r\n");
	CHECK_STR(tz_now(), "America/New_York");
	localtime_r(&noon, &tm);
	CHECK_INT(tm.tm_hour, 8);
	strftime(local, sizeof(local), "%H:%M %Z", &tm);
	CHECK_STR(local, "08:00 EDT");

	/* a short span inside summer time: one observance */
	sfa_buf_reset(&out);
	CHECK_INT(sfa_ics_begin(&ics, noon, noon + 86400 * 7), 0);
	CHECK(strstr(out.buf,
		     "BEGIN:VTIMEZONE\r\n"
		     "TZID:Europe/Sofia\r\n"
		     "BEGIN:DAYLIGHT\r\n"
		     "DTSTART:20260630T030000\r\n"
		     "TZOFFSETFROM:+0300\r\n"
		     "TZOFFSETTO:+0300\r\n"
		     "TZNAME:EEST\r\n"
		     "END:DAYLIGHT\r\n"
		     "END:VTIMEZONE\r\n") != NULL);
	CHECK(strstr(out.buf, "STANDARD") == NULL);
	sfa_ics_end(&ics);

	/* no TZ before: none after */
	unsetenv("TZ");
	tzset();
	sfa_buf_reset(&out);
	CHECK_INT(sfa_ics_begin(&ics, from, to), 0);
	CHECK_STR(tz_now(), "Europe/Sofia");
	sfa_ics_end(&ics);
	CHECK_STR(tz_now(), "(unset)");

	/* zones the system does not have */
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	sfa_buf_reset(&out);
	ics.tz = "Mars/Olympus_Mons";
	CHECK_INT(sfa_ics_begin(&ics, from, to), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "unknown time zone 'Mars/Olympus_Mons' (a name like Europe/Sofia)");
	CHECK_INT(out.len, 0);
	CHECK_STR(tz_now(), "Asia/Tokyo");
	ics.tz = "";
	CHECK_INT(sfa_ics_begin(&ics, from, to), SFA_EINPUT);
	ics.tz = "../../../etc/passwd";
	CHECK_INT(sfa_ics_begin(&ics, from, to), SFA_EINPUT);
	ics.tz = "/etc/passwd";
	CHECK_INT(sfa_ics_begin(&ics, from, to), SFA_EINPUT);
	/* a directory of zones, or the table of them, is not a zone */
	ics.tz = "Europe";
	if (CHECK_INT(sfa_ics_begin(&ics, from, to), SFA_EINPUT) == 0)
		sfa_ics_end(&ics);
	ics.tz = "zone.tab";
	if (CHECK_INT(sfa_ics_begin(&ics, from, to), SFA_EINPUT) == 0)
		sfa_ics_end(&ics);
	CHECK_STR(tz_now(), "Asia/Tokyo");
	unsetenv("TZ");
	tzset();
	sfa_buf_release(&out);
}

void unit_tests(void)
{
	test_text();
	test_fold();
	test_utc();
	test_zone();
}
