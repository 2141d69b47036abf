#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfa/activity.h"
#include "sfa/error.h"
#include "sfa/money.h"
#include "unit.h"
#include "sfa/banned.h"

/*
 * What sfa_when_local makes of `s` at `now`, as "YYYY-MM-DDTHH:MM:SSZ",
 * or "(refused)" when it refuses with SFA_EINPUT (valid until the next call).
 */
static const char *when(const char *s, time_t now)
{
	static char iso[64];
	time_t t = (time_t)-12345;
	struct tm tm;
	int err = sfa_when_local(&t, s, now);

	if (err == SFA_EINPUT)
		return "(refused)";
	if (err < 0)
		return "(refused, not SFA_EINPUT)";
	if (!gmtime_r(&t, &tm))
		return "(out of range)";
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return iso;
}

/* Instants in UTC, worked out by hand from 2026-01-01T00:00:00Z = 1767225600. */
#define NOV24_2230 ((time_t)1795559400)	/* 2026-11-24T22:30:00Z, 00:30 on the 25th in Sofia */
#define MAR28_1200 ((time_t)1774699200)	/* 2026-03-28T12:00:00Z, the day before summer time */
#define NOV30_1000 ((time_t)1796032800)	/* 2026-11-30T10:00:00Z */

static void test_when(void)
{
	time_t now = NOV24_2230;

	setenv("TZ", "Europe/Sofia", 1);
	tzset();

	/* without a zone: local time, summer or winter as the date says */
	CHECK_STR(when("2026-11-24 14:00", now), "2026-11-24T12:00:00Z");
	CHECK_STR(when("2026-11-24T14:00", now), "2026-11-24T12:00:00Z");
	CHECK_STR(when("2026-07-01T10:00", now), "2026-07-01T07:00:00Z");
	CHECK_STR(when("2026-07-01 10:00:30", now), "2026-07-01T07:00:30Z");
	CHECK_STR(when("2026-11-24", now), "2026-11-23T22:00:00Z");
	CHECK_STR(when("2026-07-01", now), "2026-06-30T21:00:00Z");
	CHECK_STR(when("2028-02-29 12:00", now), "2028-02-29T10:00:00Z");
	CHECK_STR(when("2026-12-31 23:59", now), "2026-12-31T21:59:00Z");
	/* with a zone: as written */
	CHECK_STR(when("2026-11-24T14:00:00Z", now), "2026-11-24T14:00:00Z");
	CHECK_STR(when("2026-07-01T14:00:00Z", now), "2026-07-01T14:00:00Z");
	CHECK_STR(when("2026-11-24T14:00+02:00", now), "2026-11-24T12:00:00Z");
	CHECK_STR(when("2026-07-01T14:00:00+02:00", now), "2026-07-01T12:00:00Z");
	CHECK_STR(when("2026-11-24T14:00:00-05:00", now), "2026-11-24T19:00:00Z");
	CHECK_STR(when("2026-11-24T14:00+0530", now), "2026-11-24T08:30:00Z");
	CHECK_STR(when("2026-11-24 23:30-02:00", now), "2026-11-25T01:30:00Z");

	/* relative to now, which is already the 25th in Sofia */
	CHECK_STR(when("now", now), "2026-11-24T22:30:00Z");
	CHECK_STR(when("today", now), "2026-11-24T22:00:00Z");
	CHECK_STR(when("today 14:00", now), "2026-11-25T12:00:00Z");
	CHECK_STR(when("tomorrow", now), "2026-11-25T22:00:00Z");
	CHECK_STR(when("tomorrow 9:00", now), "2026-11-26T07:00:00Z");
	CHECK_STR(when("tomorrow 09:00", now), "2026-11-26T07:00:00Z");
	CHECK_STR(when("tomorrow T17:45", now), "(refused)");
	CHECK_STR(when("tomorrow 17:45", now), "2026-11-26T15:45:00Z");
	/* the night summer time starts: midnight is still winter, 9:00 is summer */
	CHECK_STR(when("tomorrow", MAR28_1200), "2026-03-28T22:00:00Z");
	CHECK_STR(when("tomorrow 9:00", MAR28_1200), "2026-03-29T06:00:00Z");
	CHECK_STR(when("today 9:00", MAR28_1200), "2026-03-28T07:00:00Z");
	/* into the next month */
	CHECK_STR(when("tomorrow 08:15", NOV30_1000), "2026-12-01T06:15:00Z");

	CHECK_STR(when("+30m", now), "2026-11-24T23:00:00Z");
	CHECK_STR(when("+2h", now), "2026-11-25T00:30:00Z");
	CHECK_STR(when("+3d", now), "2026-11-27T22:30:00Z");
	CHECK_STR(when("+1w", now), "2026-12-01T22:30:00Z");
	CHECK_STR(when("+0m", now), "2026-11-24T22:30:00Z");
	CHECK_STR(when("+90m", now), "2026-11-25T00:00:00Z");

	/* refused */
	CHECK_STR(when("2026-02-30", now), "(refused)");
	CHECK_STR(when("2026-02-29 10:00", now), "(refused)");
	CHECK_STR(when("2026-13-01", now), "(refused)");
	CHECK_STR(when("2026-00-10", now), "(refused)");
	CHECK_STR(when("2026-11-31", now), "(refused)");
	CHECK_STR(when("2026-11-24 25:00", now), "(refused)");
	CHECK_STR(when("2026-11-24 24:00", now), "(refused)");
	CHECK_STR(when("2026-11-24 14:60", now), "(refused)");
	CHECK_STR(when("2026-11-24 14", now), "(refused)");
	CHECK_STR(when("2026-11-24 14:00 please", now), "(refused)");
	CHECK_STR(when("2026-11-24T14:00:00Q", now), "(refused)");
	CHECK_STR(when("2026-11-24T14:00+25:00", now), "(refused)");
	CHECK_STR(when("2026-11-24x", now), "(refused)");
	CHECK_STR(when("+5x", now), "(refused)");
	CHECK_STR(sfa_error_last(), "not a time: '+5x' (+30m, +2h, +3d, +1w)");
	CHECK_STR(when("+", now), "(refused)");
	CHECK_STR(when("+m", now), "(refused)");
	CHECK_STR(when("+-5m", now), "(refused)");
	CHECK_STR(when("+5", now), "(refused)");
	CHECK_STR(when("+5mm", now), "(refused)");
	CHECK_STR(when("+5 m", now), "(refused)");
	CHECK_STR(when("+ 5m", now), "(refused)");
	CHECK_STR(when("++5m", now), "(refused)");
	CHECK_STR(when("-5m", now), "(refused)");
	CHECK_STR(when("", now), "(refused)");
	CHECK_STR(when("soon", now), "(refused)");
	CHECK_STR(when("next week", now), "(refused)");
	CHECK_STR(when("todayish", now), "(refused)");
	CHECK_STR(when("tomorrow 9", now), "(refused)");
	CHECK_STR(when("tomorrow 25:00", now), "(refused)");
	CHECK_STR(when("24.11.2026", now), "(refused)");
	CHECK_STR(when("11/24/2026", now), "(refused)");
	CHECK_STR(when("2026-11-24 14:00", now), "2026-11-24T12:00:00Z");	/* still itself after refusals */
}

/* The minutes in `s`, or -1 when refused with SFA_EINPUT (-2 otherwise). */
static long minutes(const char *s)
{
	long m = -777;
	int err = sfa_duration_parse(&m, s);
	return err == SFA_EINPUT ? -1 : err < 0 ? -2 : m;
}

static void test_duration(void)
{
	CHECK_INT(minutes("90"), 90);
	CHECK_INT(minutes("90m"), 90);
	CHECK_INT(minutes("1h"), 60);
	CHECK_INT(minutes("1h30m"), 90);
	CHECK_INT(minutes("1h30"), 90);
	CHECK_INT(minutes("2h5m"), 125);
	CHECK_INT(minutes("2h05"), 125);
	CHECK_INT(minutes("1h59m"), 119);
	CHECK_INT(minutes("0h45"), 45);
	CHECK_INT(minutes("15"), 15);
	CHECK_INT(minutes("0"), 0);
	CHECK_INT(minutes("150m"), 150);
	CHECK_INT(minutes("1666h40m"), 100000);	/* the schema's maximum */
	CHECK_INT(minutes("1666h41m"), -1);
	CHECK_INT(minutes("100001"), -1);

	CHECK_INT(minutes(""), -1);
	CHECK_STR(sfa_error_last(), "not a duration: '' (90, 90m, 1h30m; at most 100000 minutes)");
	CHECK_INT(minutes("h"), -1);
	CHECK_INT(minutes("m"), -1);
	CHECK_INT(minutes("1h75"), -1);
	CHECK_INT(minutes("1h60m"), -1);
	CHECK_INT(minutes("-5"), -1);
	CHECK_INT(minutes("-1h"), -1);
	CHECK_INT(minutes("abc"), -1);
	CHECK_INT(minutes("90x"), -1);
	CHECK_INT(minutes("90mm"), -1);
	CHECK_INT(minutes("1h30x"), -1);
	CHECK_INT(minutes("1h30mm"), -1);
	CHECK_INT(minutes("1hm"), -1);
	CHECK_INT(minutes("1.5h"), -1);
	CHECK_INT(minutes("1h+5"), -1);
	CHECK_INT(minutes("1h-0"), -1);
	CHECK_INT(minutes("h30"), -1);
	CHECK_INT(minutes("10001h"), -1);
	/* more than a long holds is not the most a long holds */
	CHECK_INT(minutes("99999999999999999999"), -1);
}

static void test_currency(void)
{
	struct sfa_money m = { 0, "", -1 };

	CHECK_INT(sfa_money_currency_known("EUR"), 1);
	CHECK_INT(sfa_money_currency_known("USD"), 1);
	CHECK_INT(sfa_money_currency_known("JPY"), 1);
	CHECK_INT(sfa_money_currency_known("BGN"), 1);
	CHECK_INT(sfa_money_currency_known("CNY"), 1);
	CHECK_INT(sfa_money_currency_known("AED"), 1);	/* first of the table */
	CHECK_INT(sfa_money_currency_known("ZWL"), 1);	/* last */
	CHECK_INT(sfa_money_currency_known("CLF"), 1);
	CHECK_INT(sfa_money_currency_known("XYZ"), 0);
	CHECK_INT(sfa_money_currency_known("EURO"), 0);
	CHECK_INT(sfa_money_currency_known("EU"), 0);
	CHECK_INT(sfa_money_currency_known("eur"), 0);
	CHECK_INT(sfa_money_currency_known("Eur"), 0);
	CHECK_INT(sfa_money_currency_known(""), 0);
	/* three letters across two codes of the table ("AED AFN") */
	CHECK_INT(sfa_money_currency_known("D A"), 0);
	CHECK_INT(sfa_money_currency_known("EDA"), 0);
	CHECK_INT(sfa_money_currency_known("URF"), 0);
	CHECK_INT(sfa_money_currency_known("ED "), 0);

	CHECK_INT(sfa_money_parse(&m, "100 XYZ", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "amount '100 XYZ': unknown currency 'XYZ' (an ISO 4217 code like EUR)");
	CHECK_INT(sfa_money_parse(&m, "100", "XYZ"), SFA_EINPUT);
	CHECK_INT(sfa_money_parse(&m, "1.5 CLF", NULL), 0);
	CHECK_INT(m.exponent, 4);
	CHECK_INT(m.minor, 15000);
	CHECK_STR(m.currency, "CLF");
	CHECK_INT(sfa_money_parse(&m, "1.00005 CLF", NULL), SFA_EINPUT);
	CHECK_INT(sfa_money_parse(&m, "12.50 BGN", NULL), 0);
	CHECK_INT(m.exponent, 2);
	CHECK_INT(m.minor, 1250);
	CHECK_INT(sfa_money_parse(&m, "1500 JPY", NULL), 0);
	CHECK_INT(m.exponent, 0);
	CHECK_INT(m.minor, 1500);
}

/* Last: a count far beyond any date is refused, not taken or overflowed. */
static void test_when_huge(void)
{
	CHECK_STR(when("+99999999999999d", NOV24_2230), "(refused)");
	CHECK_STR(when("+9223372036854775807w", NOV24_2230), "(refused)");
}

void unit_tests(void)
{
	test_when();
	test_duration();
	test_currency();
	test_when_huge();
	unsetenv("TZ");
	tzset();
}
