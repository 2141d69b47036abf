#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/score.h"
#include "unit.h"
#include "sfa/banned.h"

#define DAY 86400

static time_t now;

/* "YYYY-MM-DDTHH:MM:SSZ" of `days` before `now` (valid until the next call). */
static const char *ago(double days)
{
	static char iso[21];
	sfa_time_iso(iso, now - (time_t)(days * DAY));
	return iso;
}

static struct sfa_score_rules *parse(const char *config)
{
	struct sfa_score_rules *r = NULL;
	json_t *c = unit_json(config);

	if (c && sfa_score_parse(&r, c) < 0)
		printf("# config refused: %s\n", sfa_error_last());
	json_decref(c);
	return r;
}

/* The score of `rec` under `r`, -1 when it cannot be had. */
static long score(const struct sfa_score_rules *r, struct sfa_score_result *res, const char *rec)
{
	json_t *v = unit_json(rec);
	int err;

	if (!r || !v)
		return -1;
	err = sfa_score_eval(res, r, v, now);
	json_decref(v);
	return err < 0 ? -1 : res->score;
}

/* 1 when the single rule of `r` applies to `rec`. */
static int applies(const struct sfa_score_rules *r, const char *rec)
{
	struct sfa_score_result res = SFA_SCORE_RESULT_INIT;
	long s = score(r, &res, rec);
	int hit = s < 0 ? -1 : res.nhits == 1;

	sfa_score_result_release(&res);
	return hit;
}

#define CHECK_APPLIES(r, rec, expected) unit_check(applies((r), (rec)) == (expected), \
	#expected ": " rec, __FILE__, __LINE__)

/* The message of the error parsing `config` gives, or "(accepted)". */
static const char *refusal(const char *config)
{
	static char msg[512];
	struct sfa_score_rules *r = NULL;
	json_t *c = unit_json(config);
	int err;

	if (!c)
		return "(bad test JSON)";
	err = sfa_score_parse(&r, c);
	json_decref(c);
	if (err >= 0) {
		sfa_score_free(r);
		return "(accepted)";
	}
	snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

#define CHECK_REFUSED(config, expected) CHECK_STR(refusal(config), expected)

#define RULE(cond) "{\"rules\": [{\"field\": \"f\", " cond ", \"points\": 1}]}"

static void test_equals_in(void)
{
	struct sfa_score_rules *r;

	r = parse(RULE("\"equals\": \"de\""));
	CHECK_APPLIES(r, "{\"f\": \"DE\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \" De \"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"DEU\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"d\"}", 0);
	CHECK_APPLIES(r, "{\"f\": null}", 0);
	CHECK_APPLIES(r, "{\"g\": \"de\"}", 0);
	CHECK_APPLIES(r, "{}", 0);
	sfa_score_free(r);

	/* accents fold away both ways, Cyrillic has case too */
	r = parse(RULE("\"equals\": \"M\xc3\xbcller\""));
	CHECK_APPLIES(r, "{\"f\": \"M\xc3\x9cLLER\"}", 1);		/* MÜLLER */
	CHECK_APPLIES(r, "{\"f\": \"muller\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"Mueller\"}", 0);
	sfa_score_free(r);
	r = parse(RULE("\"equals\": \"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0\""));	/* Москва */
	CHECK_APPLIES(r, "{\"f\": \"\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90\"}", 1);	/* МОСКВА */
	CHECK_APPLIES(r, "{\"f\": \"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb0\"}", 0);		/* Моска */
	sfa_score_free(r);

	/* a number compares with numbers and numeric text */
	r = parse(RULE("\"equals\": 50"));
	CHECK_APPLIES(r, "{\"f\": 50}", 1);
	CHECK_APPLIES(r, "{\"f\": 50.0}", 1);
	CHECK_APPLIES(r, "{\"f\": \"50\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \" 50.00 \"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"50 EUR\"}", 1);
	CHECK_APPLIES(r, "{\"f\": 51}", 0);
	CHECK_APPLIES(r, "{\"f\": \"fifty\"}", 0);
	CHECK_APPLIES(r, "{\"f\": true}", 0);
	sfa_score_free(r);

	/* text equals the text of other values */
	r = parse(RULE("\"equals\": \"TRUE\""));
	CHECK_APPLIES(r, "{\"f\": true}", 1);
	CHECK_APPLIES(r, "{\"f\": false}", 0);
	sfa_score_free(r);
	r = parse(RULE("\"equals\": \"7\""));
	CHECK_APPLIES(r, "{\"f\": 7}", 1);
	CHECK_APPLIES(r, "{\"f\": \"7.0\"}", 0);
	sfa_score_free(r);

	r = parse(RULE("\"in\": [\"referral\", \"Trade-Show\", 7, \"\xc3\x89v\xc3\xa9nement\"]"));
	CHECK_APPLIES(r, "{\"f\": \"Referral\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"TRADE-SHOW\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"evenement\"}", 1);
	CHECK_APPLIES(r, "{\"f\": 7}", 1);
	CHECK_APPLIES(r, "{\"f\": \"7\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"web\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"trade\"}", 0);
	CHECK_APPLIES(r, "{\"f\": 8}", 0);
	CHECK_APPLIES(r, "{}", 0);
	sfa_score_free(r);
}

static void test_contains(void)
{
	struct sfa_score_rules *r;

	r = parse(RULE("\"contains\": [\"ceo\", \"director\", \"head of\", "
		       "\"\xd0\xb4\xd0\xb8\xd1\x80\xd0\xb5\xd0\xba\xd1\x82\xd0\xbe\xd1\x80\", "	/* директор */
		       "\"g\xc3\xa9n\xc3\xa9ral\"]"));						/* général */
	CHECK_APPLIES(r, "{\"f\": \"CEO\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"Head of Sales\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"Sales Director EMEA\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"\xd0\x93\xd0\xb5\xd0\xbd\xd0\xb5\xd1\x80\xd0\xb0\xd0\xbb\xd1\x8c\xd0\xbd\xd1\x8b\xd0\xb9 "
		       "\xd0\x94\xd0\x98\xd0\xa0\xd0\x95\xd0\x9a\xd0\xa2\xd0\x9e\xd0\xa0\"}", 1);	/* Генеральный ДИРЕКТОР */
	CHECK_APPLIES(r, "{\"f\": \"Directeur GENERAL\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"Sales Manager\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"head\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"\"}", 0);
	CHECK_APPLIES(r, "{\"f\": null}", 0);
	CHECK_APPLIES(r, "{}", 0);
	sfa_score_free(r);

	/* a single text, matched inside the text of a number */
	r = parse(RULE("\"contains\": \"00\""));
	CHECK_APPLIES(r, "{\"f\": 1200}", 1);
	CHECK_APPLIES(r, "{\"f\": 1020}", 0);
	sfa_score_free(r);
}

static void test_range(void)
{
	struct sfa_score_rules *r;

	r = parse(RULE("\"min\": 200"));
	CHECK_APPLIES(r, "{\"f\": 200}", 1);
	CHECK_APPLIES(r, "{\"f\": 199}", 0);
	CHECK_APPLIES(r, "{\"f\": 199.99}", 0);
	CHECK_APPLIES(r, "{\"f\": 5000000}", 1);
	CHECK_APPLIES(r, "{\"f\": \"250\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"  250 \"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"+250\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"-250\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"about 250\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"250+\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"1,200\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"200-500\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"0x1000\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"1e9\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"250.\"}", 0);
	CHECK_APPLIES(r, "{\"f\": true}", 0);
	CHECK_APPLIES(r, "{\"f\": null}", 0);
	CHECK_APPLIES(r, "{}", 0);
	sfa_score_free(r);

	/* money text reads as its amount */
	r = parse(RULE("\"min\": 1000.5"));
	CHECK_APPLIES(r, "{\"f\": \"1200.50 EUR\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"EUR 1000.50\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"1000.49 EUR\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"1001 JPY\"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"1.000 KWD\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \"1200.50 EURO\"}", 0);
	sfa_score_free(r);

	/* both bounds inclusive */
	r = parse(RULE("\"min\": 50, \"max\": 199"));
	CHECK_APPLIES(r, "{\"f\": 50}", 1);
	CHECK_APPLIES(r, "{\"f\": 199}", 1);
	CHECK_APPLIES(r, "{\"f\": \"120\"}", 1);
	CHECK_APPLIES(r, "{\"f\": 49}", 0);
	CHECK_APPLIES(r, "{\"f\": 199.5}", 0);
	sfa_score_free(r);

	r = parse(RULE("\"max\": -1"));
	CHECK_APPLIES(r, "{\"f\": -1}", 1);
	CHECK_APPLIES(r, "{\"f\": \"-3.5\"}", 1);
	CHECK_APPLIES(r, "{\"f\": 0}", 0);
	sfa_score_free(r);
}

static void test_present(void)
{
	struct sfa_score_rules *r;

	r = parse(RULE("\"present\": true"));
	CHECK_APPLIES(r, "{\"f\": \"+49 30 1234\"}", 1);
	CHECK_APPLIES(r, "{\"f\": 0}", 1);
	CHECK_APPLIES(r, "{\"f\": false}", 1);
	CHECK_APPLIES(r, "{\"f\": \"\"}", 0);
	CHECK_APPLIES(r, "{\"f\": \" \\t \"}", 0);
	CHECK_APPLIES(r, "{\"f\": null}", 0);
	CHECK_APPLIES(r, "{}", 0);
	sfa_score_free(r);

	r = parse(RULE("\"present\": false"));
	CHECK_APPLIES(r, "{}", 1);
	CHECK_APPLIES(r, "{\"f\": null}", 1);
	CHECK_APPLIES(r, "{\"f\": \"  \"}", 1);
	CHECK_APPLIES(r, "{\"f\": \"x\"}", 0);
	CHECK_APPLIES(r, "{\"f\": 0}", 0);
	sfa_score_free(r);
}

static void test_within_days(void)
{
	struct sfa_score_rules *r = parse(RULE("\"within_days\": 30"));
	char rec[128];

#define WITHIN(value, expected) do { \
	snprintf(rec, sizeof(rec), "{\"f\": \"%s\"}", (value)); \
	unit_check(applies(r, rec) == (expected), rec, __FILE__, __LINE__); \
} while (0)
	WITHIN(ago(0), 1);
	WITHIN(ago(29.5), 1);
	WITHIN(ago(30), 1);
	WITHIN(ago(30.0001), 0);
	WITHIN(ago(400), 0);
	WITHIN(ago(-1), 0);	/* tomorrow is not within the last days */
	WITHIN("2026-02-20", 1);
	WITHIN("2026-01-20", 0);
	WITHIN("2026-02-20T09:00:00+02:00", 1);
	WITHIN("2026-01-30T11:00:00Z", 0);	/* 30 days and an hour */
	WITHIN("2026-01-30T14:00:00+02:00", 1);	/* exactly 30 days, written at +02:00 */
	WITHIN("last week", 0);
	WITHIN("2026-02-20T09:00:00", 0);	/* no zone */
#undef WITHIN
	CHECK_APPLIES(r, "{\"f\": 20260220}", 0);
	CHECK_APPLIES(r, "{\"f\": null}", 0);
	CHECK_APPLIES(r, "{}", 0);
	sfa_score_free(r);
}

static const char example[] =
	"{\"rules\": ["
	"{\"name\": \"decision maker\", \"field\": \"title\", \"contains\": [\"ceo\", \"director\", \"vp\", \"head of\"], \"points\": 20},"
	"{\"name\": \"big company\", \"field\": \"employees\", \"min\": 200, \"points\": 15},"
	"{\"name\": \"mid company\", \"field\": \"employees\", \"min\": 50, \"max\": 199, \"points\": 8},"
	"{\"name\": \"warm source\", \"field\": \"source\", \"in\": [\"referral\", \"trade-show\", \"partner\"], \"points\": 10},"
	"{\"field\": \"country\", \"equals\": \"DE\", \"points\": 5},"
	"{\"name\": \"has phone\", \"field\": \"phone\", \"present\": true, \"points\": 5},"
	"{\"name\": \"no email\", \"field\": \"email\", \"present\": false, \"points\": -10},"
	"{\"name\": \"recent\", \"field\": \"created_at\", \"within_days\": 30, \"points\": 10}"
	"],"
	"\"grades\": [{\"grade\": \"A\", \"min\": 60}, {\"grade\": \"B\", \"min\": 40}, {\"grade\": \"C\", \"min\": 20}, {\"grade\": \"D\", \"min\": null}],"
	"\"decay\": {\"field\": \"last_activity_at\", \"fallback\": \"created_at\", \"after_days\": 30, \"points_per_30_days\": 5},"
	"\"learned\": {\"fields\": [\"source\", \"industry\", \"country\", \"title\"], \"positive\": {\"status\": [\"converted\"]}, \"negative\": {\"status\": [\"disqualified\"]}}"
	"}";

static void test_eval(void)
{
	struct sfa_score_rules *r = parse(example);
	struct sfa_score_result res = SFA_SCORE_RESULT_INIT;
	char rec[512];
	size_t hits_alloc, text_alloc;
	long bad = 0;

	if (!CHECK(r))
		return;

	/* every rule but "no email" and the mid-size one; no decay (created today) */
	snprintf(rec, sizeof(rec),
		 "{\"title\": \"VP Sales\", \"employees\": \"250\", \"source\": \"Referral\", \"country\": \"de\","
		 " \"phone\": \"+49 30 1\", \"email\": \"a@b.de\", \"created_at\": \"%s\", \"status\": \"new\"}", ago(0));
	CHECK_INT(score(r, &res, rec), 65);
	CHECK_INT(res.points, 65);
	CHECK_INT(res.decay, 0);
	CHECK_INT(res.idle_days, 0);
	CHECK_STR(res.grade, "A");
	if (CHECK_INT(res.nhits, 6)) {
		CHECK_STR(res.hits[0].rule, "decision maker");
		CHECK_STR(res.hits[0].field, "title");
		CHECK_STR(res.hits[0].value, "VP Sales");
		CHECK_INT(res.hits[0].points, 20);
		CHECK_STR(res.hits[1].rule, "big company");
		CHECK_STR(res.hits[1].value, "250");
		CHECK_STR(res.hits[2].rule, "warm source");
		CHECK_STR(res.hits[2].value, "Referral");
		CHECK_STR(res.hits[3].rule, "country equals");	/* the default name */
		CHECK_STR(res.hits[3].field, "country");
		CHECK_STR(res.hits[3].value, "de");
		CHECK_INT(res.hits[3].points, 5);
		CHECK_STR(res.hits[4].rule, "has phone");
		CHECK_STR(res.hits[5].rule, "recent");
		CHECK_STR(res.hits[5].value, ago(0));
	}

	/* values of other types as text; a missing value as "" */
	CHECK_INT(score(r, &res, "{\"employees\": 120, \"phone\": 301234}"), 3);
	CHECK_INT(res.points, 3);
	if (CHECK_INT(res.nhits, 3)) {
		CHECK_STR(res.hits[0].rule, "mid company");
		CHECK_STR(res.hits[0].value, "120");
		CHECK_STR(res.hits[1].value, "301234");
		CHECK_STR(res.hits[2].rule, "no email");
		CHECK_STR(res.hits[2].field, "email");
		CHECK_STR(res.hits[2].value, "");
		CHECK_INT(res.hits[2].points, -10);
	}
	CHECK_INT(res.idle_days, -1);
	CHECK_STR(res.grade, "D");

	/* negative points: the score stops at 0, the points say why */
	CHECK_INT(score(r, &res, "{\"title\": \"intern\"}"), 0);
	CHECK_INT(res.points, -10);
	CHECK_INT(res.decay, 0);
	CHECK_INT(res.nhits, 1);
	CHECK_STR(res.grade, "D");

	CHECK_INT(sfa_score_eval(&res, r, json_null(), now), SFA_EINPUT);

	/* a million records reuse the same memory: look at a thousand */
	snprintf(rec, sizeof(rec),
		 "{\"title\": \"CEO\", \"employees\": 80, \"source\": \"partner\", \"country\": \"DE\","
		 " \"phone\": \"1\", \"created_at\": \"%s\", \"notes\": \"a longer text than any value\"}", ago(1));
	{
		json_t *v = unit_json(rec), *w = unit_json("{\"title\": \"CTO\"}");
		sfa_score_eval(&res, r, v, now);
		hits_alloc = res.hits_alloc;
		text_alloc = res.text.alloc;
		for (int i = 0; i < 1000; i++) {
			sfa_score_eval(&res, r, i % 2 ? v : w, now);
			bad += res.hits_alloc != hits_alloc || res.text.alloc != text_alloc;
		}
		CHECK_INT(bad, 0);
		CHECK_INT(res.nhits, 7);
		CHECK_INT(res.score, 48);	/* 20 + 8 + 10 + 5 + 5 - 10 + 10 */
		json_decref(v);
		json_decref(w);
	}
	sfa_score_result_release(&res);
	CHECK(res.hits == NULL && res.text.len == 0);
	sfa_score_free(r);

	/* an empty config scores 0 without a grade */
	r = parse("{}");
	CHECK_INT(score(r, &res, "{\"title\": \"CEO\"}"), 0);
	CHECK(res.grade == NULL);
	CHECK_INT(res.nhits, 0);
	sfa_score_free(r);
	sfa_score_result_release(&res);
}

static void test_decay(void)
{
	struct sfa_score_rules *r = parse(
		"{\"rules\": [{\"field\": \"title\", \"present\": true, \"points\": 30}],"
		" \"decay\": {\"field\": \"last_activity_at\", \"fallback\": \"created_at\","
		"             \"after_days\": 30, \"points_per_30_days\": 5}}");
	struct sfa_score_result res = SFA_SCORE_RESULT_INIT;
	char rec[256];

#define DECAY(field, days, expected_idle, expected_decay) do { \
	snprintf(rec, sizeof(rec), "{\"title\": \"x\", \"%s\": \"%s\"}", (field), ago(days)); \
	unit_check(score(r, &res, rec) == 30 - (expected_decay) && res.idle_days == (expected_idle) && \
		   res.decay == (expected_decay), rec, __FILE__, __LINE__); \
} while (0)
	/* floor((idle - 30) / 30) periods of 5 points */
	DECAY("last_activity_at", 0, 0, 0);
	DECAY("last_activity_at", 30, 30, 0);
	DECAY("last_activity_at", 31, 31, 0);
	DECAY("last_activity_at", 59.9, 59, 0);
	DECAY("last_activity_at", 60, 60, 5);
	DECAY("last_activity_at", 89, 89, 5);
	DECAY("last_activity_at", 90, 90, 10);
	DECAY("last_activity_at", 150, 150, 20);
	DECAY("last_activity_at", -3, 0, 0);	/* in the future: not idle */
	/* the fallback when the field is missing */
	DECAY("created_at", 95, 95, 10);
#undef DECAY

	/* the field wins over the fallback; the fallback stands in for a field that is not a date */
	snprintf(rec, sizeof(rec), "{\"title\": \"x\", \"created_at\": \"2020-01-01\", \"last_activity_at\": \"%s\"}", ago(61));
	CHECK_INT(score(r, &res, rec), 25);
	CHECK_INT(res.idle_days, 61);
	snprintf(rec, sizeof(rec), "{\"title\": \"x\", \"created_at\": \"%s\", \"last_activity_at\": \"soon\"}", ago(61));
	CHECK_INT(score(r, &res, rec), 25);
	snprintf(rec, sizeof(rec), "{\"title\": \"x\", \"created_at\": \"%s\", \"last_activity_at\": null}", ago(61));
	CHECK_INT(score(r, &res, rec), 25);

	/* no date, no decay */
	CHECK_INT(score(r, &res, "{\"title\": \"x\"}"), 30);
	CHECK_INT(res.idle_days, -1);
	CHECK_INT(res.decay, 0);

	/* decay takes the score to 0, not below; the decay itself is reported whole */
	snprintf(rec, sizeof(rec), "{\"title\": \"x\", \"last_activity_at\": \"%s\"}", ago(400));
	CHECK_INT(score(r, &res, rec), 0);
	CHECK_INT(res.points, 30);
	CHECK_INT(res.decay, 60);
	CHECK_INT(res.idle_days, 400);

	/* an old date-only value, day count in UTC */
	CHECK_INT(score(r, &res, "{\"title\": \"x\", \"created_at\": \"2025-12-01\"}"), 20);
	CHECK_INT(res.idle_days, 90);
	sfa_score_free(r);

	/* without a fallback, a missing field is no decay */
	r = parse("{\"rules\": [{\"field\": \"t\", \"present\": true, \"points\": 7}],"
		  " \"decay\": {\"field\": \"d\", \"after_days\": 0, \"points_per_30_days\": 1}}");
	snprintf(rec, sizeof(rec), "{\"t\": 1, \"created_at\": \"%s\"}", ago(300));
	CHECK_INT(score(r, &res, rec), 7);
	snprintf(rec, sizeof(rec), "{\"t\": 1, \"d\": \"%s\"}", ago(300));
	CHECK_INT(score(r, &res, rec), 0);
	CHECK_INT(res.decay, 10);
	snprintf(rec, sizeof(rec), "{\"t\": 1, \"d\": \"%s\"}", ago(29));
	CHECK_INT(score(r, &res, rec), 7);
	snprintf(rec, sizeof(rec), "{\"t\": 1, \"d\": \"%s\"}", ago(30));
	CHECK_INT(score(r, &res, rec), 6);
	sfa_score_free(r);
	sfa_score_result_release(&res);
}

static void test_grades(void)
{
	struct sfa_score_rules *r = parse(
		"{\"rules\": [{\"field\": \"n\", \"min\": 1, \"points\": 60},"
		"             {\"field\": \"n\", \"min\": 2, \"points\": -1},"
		"             {\"field\": \"n\", \"min\": 3, \"points\": -19},"
		"             {\"field\": \"n\", \"min\": 4, \"points\": -20},"
		"             {\"field\": \"n\", \"min\": 5, \"points\": -1},"
		"             {\"field\": \"n\", \"min\": 6, \"points\": -19}],"
		" \"grades\": [{\"grade\": \"A\", \"min\": 60}, {\"grade\": \"B\", \"min\": 40},"
		"              {\"grade\": \"C\", \"min\": 20}, {\"grade\": \"D\", \"min\": null}]}");
	struct sfa_score_result res = SFA_SCORE_RESULT_INIT;

	CHECK_INT(score(r, &res, "{\"n\": 1}"), 60);
	CHECK_STR(res.grade, "A");
	CHECK_INT(score(r, &res, "{\"n\": 2}"), 59);
	CHECK_STR(res.grade, "B");
	CHECK_INT(score(r, &res, "{\"n\": 3}"), 40);
	CHECK_STR(res.grade, "B");
	CHECK_INT(score(r, &res, "{\"n\": 4}"), 20);
	CHECK_STR(res.grade, "C");
	CHECK_INT(score(r, &res, "{\"n\": 5}"), 19);
	CHECK_STR(res.grade, "D");
	CHECK_INT(score(r, &res, "{\"n\": 6}"), 0);
	CHECK_STR(res.grade, "D");
	CHECK_INT(score(r, &res, "{}"), 0);
	CHECK_STR(res.grade, "D");
	sfa_score_free(r);

	/* below the last min: no grade */
	r = parse("{\"rules\": [{\"field\": \"n\", \"present\": true, \"points\": 9}],"
		  " \"grades\": [{\"grade\": \"hot\", \"min\": 10}, {\"grade\": \"warm\", \"min\": 9}]}");
	CHECK_INT(score(r, &res, "{\"n\": 1}"), 9);
	CHECK_STR(res.grade, "warm");
	CHECK_INT(score(r, &res, "{}"), 0);
	CHECK(res.grade == NULL);
	sfa_score_free(r);
	sfa_score_result_release(&res);
}

static void test_refusals(void)
{
	static const char rule_keys[] = "name, field, equals, in, contains, min, max, present, within_days, points";
	char expect[256];

	CHECK_REFUSED("[]", "lead scoring: expected an object");
	CHECK_REFUSED("{\"rule\": []}", "rule: unknown key (expected one of: rules, grades, decay, learned)");
	CHECK_REFUSED("{\"rules\": {}}", "rules: expected an array");
	CHECK_REFUSED("{\"rules\": null}", "rules: expected an array");
	CHECK_REFUSED("{\"rules\": [5]}", "rules[0]: expected an object");

	snprintf(expect, sizeof(expect), "rules[0].contain: unknown key (expected one of: %s)", rule_keys);
	CHECK_REFUSED("{\"rules\": [{\"field\": \"title\", \"contain\": \"ceo\", \"points\": 20}]}", expect);
	snprintf(expect, sizeof(expect), "rules[1]: unknown key 'a b' (expected one of: %s)", rule_keys);
	CHECK_REFUSED("{\"rules\": [" "{\"field\": \"a\", \"present\": true, \"points\": 1},"
		      "{\"field\": \"a\", \"present\": true, \"points\": 1, \"a b\": 1}]}", expect);

	CHECK_REFUSED("{\"rules\": [{\"equals\": \"x\", \"points\": 1}]}", "rules[0]: no 'field'");
	CHECK_REFUSED("{\"rules\": [{\"field\": 5, \"equals\": \"x\", \"points\": 1}]}",
		      "rules[0].field: expected a field name");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"Title\", \"equals\": \"x\", \"points\": 1}]}",
		      "rules[0].field: field name 'Title': character 'T' not allowed (use a-z, 0-9, '_', '-')");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"\", \"equals\": \"x\", \"points\": 1}]}",
		      "rules[0].field: empty field name");

	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"points\": 1}]}",
		      "rules[0]: no condition (expected one of: equals, in, contains, min, max, present, within_days)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": \"x\", \"in\": [\"y\"], \"points\": 1}]}",
		      "rules[0].in: a second condition besides 'equals' (a rule has one)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"present\": true, \"points\": 1},"
		      "{\"field\": \"a\", \"min\": 1, \"max\": 2, \"present\": true, \"points\": 1}]}",
		      "rules[1].present: a second condition besides 'min' (a rule has one)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"max\": 2, \"within_days\": 3, \"points\": 1}]}",
		      "rules[0].within_days: a second condition besides 'max' (a rule has one)");

	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": \"x\"}]}", "rules[0]: no 'points'");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": \"x\", \"points\": 1.5}]}",
		      "rules[0].points: expected an integer from -1000000 to 1000000");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": \"x\", \"points\": \"5\"}]}",
		      "rules[0].points: expected an integer from -1000000 to 1000000");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": \"x\", \"points\": 1000001}]}",
		      "rules[0].points: expected an integer from -1000000 to 1000000");
	CHECK_STR(refusal("{\"rules\": [{\"field\": \"a\", \"equals\": \"x\", \"points\": -1000000}]}"), "(accepted)");

	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": [\"x\"], \"points\": 1}]}",
		      "rules[0].equals: expected text or a number ('in' takes a list)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": true, \"points\": 1}]}",
		      "rules[0].equals: expected text or a number");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"equals\": \"  \", \"points\": 1}]}",
		      "rules[0].equals: empty text");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"in\": \"x\", \"points\": 1}]}",
		      "rules[0].in: expected an array");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"in\": [], \"points\": 1}]}", "rules[0].in: empty list");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"in\": [\"x\", null], \"points\": 1}]}",
		      "rules[0].in[1]: expected text or a number");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"contains\": 5, \"points\": 1}]}",
		      "rules[0].contains: expected text");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"contains\": [\"x\", \"y\", \"\"], \"points\": 1}]}",
		      "rules[0].contains[2]: empty text");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"contains\": [], \"points\": 1}]}",
		      "rules[0].contains: empty list");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"min\": \"200\", \"points\": 1}]}",
		      "rules[0].min: expected a number");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"min\": 200, \"max\": 199.5, \"points\": 1}]}",
		      "rules[0].max: lower than min (200)");
	CHECK_STR(refusal("{\"rules\": [{\"field\": \"a\", \"min\": 5, \"max\": 5, \"points\": 1}]}"), "(accepted)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"present\": \"yes\", \"points\": 1}]}",
		      "rules[0].present: expected true or false");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"within_days\": 0, \"points\": 1}]}",
		      "rules[0].within_days: expected a positive whole number of days (at most 100000)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"within_days\": 7.5, \"points\": 1}]}",
		      "rules[0].within_days: expected a positive whole number of days (at most 100000)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"within_days\": 100001, \"points\": 1}]}",
		      "rules[0].within_days: expected a positive whole number of days (at most 100000)");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"present\": true, \"points\": 1, \"name\": 5}]}",
		      "rules[0].name: expected text");
	CHECK_REFUSED("{\"rules\": [{\"field\": \"a\", \"present\": true, \"points\": 1, \"name\": \" \"}]}",
		      "rules[0].name: empty text");

	CHECK_REFUSED("{\"grades\": {}}", "grades: expected an array");
	CHECK_REFUSED("{\"grades\": []}", "grades: empty (leave 'grades' out for no grades)");
	CHECK_REFUSED("{\"grades\": [\"A\"]}", "grades[0]: expected an object");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": 5}, {\"grade\": \"B\", \"mn\": 1}]}",
		      "grades[1].mn: unknown key (expected one of: grade, min)");
	CHECK_REFUSED("{\"grades\": [{\"min\": 5}]}", "grades[0]: no 'grade'");
	CHECK_REFUSED("{\"grades\": [{\"grade\": 1, \"min\": 5}]}", "grades[0].grade: expected text");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"\", \"min\": 5}]}", "grades[0].grade: empty text");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": 5}, {\"grade\": \"A\", \"min\": 1}]}",
		      "grades[1].grade: 'A' given twice");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\"}]}", "grades[0]: no 'min' (null for every score)");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": \"10\"}]}",
		      "grades[0].min: expected an integer or null");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": 10.5}]}",
		      "grades[0].min: expected an integer or null");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": null}, {\"grade\": \"B\", \"min\": 1}]}",
		      "grades[0].min: null before the last grade (null reaches every score)");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": 60}, {\"grade\": \"B\", \"min\": 40},"
		      " {\"grade\": \"C\", \"min\": 40}]}",
		      "grades[2].min: not lower than the min of grades[1] (40)");
	CHECK_REFUSED("{\"grades\": [{\"grade\": \"A\", \"min\": 40}, {\"grade\": \"B\", \"min\": 60}]}",
		      "grades[1].min: not lower than the min of grades[0] (40)");
	CHECK_STR(refusal("{\"grades\": [{\"grade\": \"A\", \"min\": 0}, {\"grade\": \"B\", \"min\": -5}]}"),
		  "(accepted)");

	CHECK_REFUSED("{\"decay\": []}", "decay: expected an object");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"after\": 30, \"points_per_30_days\": 5}}",
		      "decay.after: unknown key (expected one of: field, fallback, after_days, points_per_30_days)");
	CHECK_REFUSED("{\"decay\": {\"after_days\": 30, \"points_per_30_days\": 5}}", "decay: no 'field'");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"fallback\": \"Created\", \"after_days\": 30, \"points_per_30_days\": 5}}",
		      "decay.fallback: field name 'Created': character 'C' not allowed (use a-z, 0-9, '_', '-')");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"points_per_30_days\": 5}}", "decay: no 'after_days'");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"after_days\": -1, \"points_per_30_days\": 5}}",
		      "decay.after_days: expected a whole number of days from 0 to 100000");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"after_days\": 30}}", "decay: no 'points_per_30_days'");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"after_days\": 30, \"points_per_30_days\": 2.5}}",
		      "decay.points_per_30_days: expected an integer from 0 to 1000000");
	CHECK_REFUSED("{\"decay\": {\"field\": \"d\", \"after_days\": 30, \"points_per_30_days\": -5}}",
		      "decay.points_per_30_days: expected an integer from 0 to 1000000");

#define LEARNED(body) "{\"learned\": {" body "}}"
#define CLASSES "\"positive\": {\"status\": \"converted\"}, \"negative\": {\"status\": [\"disqualified\"]}"
	CHECK_REFUSED("{\"learned\": 1}", "learned: expected an object");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"alpha\": 1, " CLASSES),
		      "learned.alpha: unknown key (expected one of: fields, positive, negative)");
	CHECK_REFUSED(LEARNED(CLASSES), "learned: no 'fields'");
	CHECK_REFUSED(LEARNED("\"fields\": \"a\", " CLASSES), "learned.fields: expected an array of field names");
	CHECK_REFUSED(LEARNED("\"fields\": [], " CLASSES), "learned.fields: empty (name the fields to learn from)");
	CHECK_REFUSED(LEARNED("\"fields\": [\"source\", 5], " CLASSES), "learned.fields[1]: expected a field name");
	CHECK_REFUSED(LEARNED("\"fields\": [\"source\", \"_x\"], " CLASSES),
		      "learned.fields[1]: field name '_x': must not start with '_'");
	CHECK_REFUSED(LEARNED("\"fields\": [\"source\", \"country\", \"source\"], " CLASSES),
		      "learned.fields[2]: 'source' given twice");
	CHECK_REFUSED(LEARNED("\"fields\": [\"source\", \"status\"], " CLASSES),
		      "learned.fields[1]: 'status' decides the class (positive), it cannot also be learned from");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"negative\": {\"status\": \"lost\"}"), "learned: no 'positive'");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {\"status\": \"won\"}"), "learned: no 'negative'");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": [\"won\"], \"negative\": {\"status\": \"lost\"}"),
		      "learned.positive: expected an object (fields and their values)");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {}, \"negative\": {\"status\": \"lost\"}"),
		      "learned.positive: empty (expected fields and their values)");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {\"Status\": \"won\"}, \"negative\": {\"status\": \"lost\"}"),
		      "learned.positive: field name 'Status': character 'S' not allowed (use a-z, 0-9, '_', '-')");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {\"status\": []}, \"negative\": {\"status\": \"lost\"}"),
		      "learned.positive.status: empty list");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {\"status\": \"won\"}, \"negative\": {\"status\": [\"lost\", 5]}"),
		      "learned.negative.status[1]: expected text");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {\"status\": [\"won\", \"converted\"]},"
			      " \"negative\": {\"stage\": \"x\", \"status\": [\"lost\", \" Converted \"]}"),
		      "learned.negative.status[1]: 'Converted' is also a positive value");
	CHECK_REFUSED(LEARNED("\"fields\": [\"a\"], \"positive\": {\"status\": \"won\"}, \"negative\": {\"status\": \"WON\"}"),
		      "learned.negative.status: 'WON' is also a positive value");
	/* the same value in different fields is no conflict */
	CHECK_STR(refusal(LEARNED("\"fields\": [\"a\"], \"positive\": {\"status\": \"won\"}, \"negative\": {\"stage\": \"won\"}")),
		  "(accepted)");
#undef LEARNED
#undef CLASSES

	CHECK_STR(refusal(example), "(accepted)");
}

static int learn(struct sfa_score_model *m, const char *rec)
{
	json_t *v = unit_json(rec);
	int n = v ? sfa_score_learn(m, v) : -100;

	json_decref(v);
	return n;
}

static int predict(struct sfa_score_prediction *p, const struct sfa_score_model *m, const char *rec)
{
	json_t *v = unit_json(rec);
	int err = v ? sfa_score_predict(p, m, v) : -100;

	json_decref(v);
	return err;
}

#define CHECK_NEAR(a, b) unit_check(fabs((a) - (b)) < 1e-9, #a " ~ " #b, __FILE__, __LINE__)

static void test_learned(void)
{
	struct sfa_score_rules *r = parse(
		"{\"learned\": {\"fields\": [\"source\", \"country\"],"
		" \"positive\": {\"status\": [\"converted\"]},"
		" \"negative\": {\"status\": [\"disqualified\", \"lost\"], \"do_not_contact\": \"true\"}}}");
	struct sfa_score_prediction p = SFA_SCORE_PREDICTION_INIT;
	struct sfa_score_model *m = NULL;
	size_t npos, nneg;

	if (!CHECK(r) || !CHECK_INT(sfa_score_model_new(&m, r), 0))
		return;

	/*
	 * Training: 3 positive, 2 negative.
	 *   source:  referral 2 pos 0 neg, web 1 pos 2 neg          V = 2 + 1 = 3
	 *   country: de 2 pos 1 neg, fr 1 pos 0 neg, none 0 pos 1 neg  V = 3 + 1 = 4
	 */
	CHECK_INT(learn(m, "{\"status\": \"CONVERTED\", \"source\": \"Referral\", \"country\": \"DE\"}"), 1);
	CHECK_INT(learn(m, "{\"status\": \"converted\", \"source\": \" referral\", \"country\": \"fr\"}"), 1);
	CHECK_INT(learn(m, "{\"status\": \"converted\", \"source\": \"web\", \"country\": \"de\"}"), 1);

	/* no history of one class yet */
	CHECK_INT(predict(&p, m, "{\"source\": \"web\"}"), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "not enough history: 3 converted, 0 disqualified or lost or do_not_contact=true leads");

	CHECK_INT(learn(m, "{\"status\": \"Disqualified\", \"source\": \"WEB\", \"country\": \"De\"}"), 1);
	CHECK_INT(learn(m, "{\"status\": \"new\", \"do_not_contact\": true, \"source\": \"Web\", \"country\": null}"), 1);
	/* left out: neither class, or both */
	CHECK_INT(learn(m, "{\"status\": \"new\", \"source\": \"referral\", \"country\": \"DE\"}"), 0);
	CHECK_INT(learn(m, "{\"source\": \"referral\", \"country\": \"DE\"}"), 0);
	CHECK_INT(learn(m, "{\"status\": \"converted\", \"do_not_contact\": true, \"source\": \"referral\"}"), 0);
	CHECK_INT(learn(m, "{\"status\": \"converted\", \"do_not_contact\": false, \"source\": \"web\", \"country\": \"de\"}") , 1);
	sfa_score_model_counts(m, &npos, &nneg);
	CHECK_INT(npos, 4);
	CHECK_INT(nneg, 2);
	sfa_score_model_free(m);

	/* the hand-computed set, counted again without the fourth positive */
	if (!CHECK_INT(sfa_score_model_new(&m, r), 0))
		return;
	learn(m, "{\"status\": \"CONVERTED\", \"source\": \"Referral\", \"country\": \"DE\"}");
	learn(m, "{\"status\": \"converted\", \"source\": \" referral\", \"country\": \"fr\"}");
	learn(m, "{\"status\": \"converted\", \"source\": \"web\", \"country\": \"de\"}");
	learn(m, "{\"status\": \"Disqualified\", \"source\": \"WEB\", \"country\": \"De\"}");
	learn(m, "{\"status\": \"lost\", \"source\": \"Web\", \"country\": \"  \"}");
	sfa_score_model_counts(m, &npos, &nneg);
	CHECK_INT(npos, 3);
	CHECK_INT(nneg, 2);

	/*
	 * prior: (3+1)/(2+1) = 4/3
	 * {referral, DE}: source (2+1)/(3+3) over (0+1)/(2+3) = (1/2)/(1/5) = 5/2;
	 * country (2+1)/(3+4) over (1+1)/(2+4) = (3/7)/(1/3) = 9/7;
	 * odds 4/3 * 5/2 * 9/7 = 30/7, P = 30/37
	 */
	if (CHECK_INT(predict(&p, m, "{\"source\": \"REFERRAL\", \"country\": \"de\", \"status\": \"new\"}"), 0)) {
		CHECK_NEAR(p.prob, 30.0 / 37.0);
		CHECK_NEAR(p.prior_llr, log(4.0 / 3.0));
		if (CHECK_INT(p.nfactors, 2)) {
			CHECK_STR(p.factors[0].field, "source");
			CHECK_STR(p.factors[0].value, "referral");
			CHECK_NEAR(p.factors[0].llr, log(5.0 / 2.0));
			CHECK_STR(p.factors[1].field, "country");
			CHECK_STR(p.factors[1].value, "de");
			CHECK_NEAR(p.factors[1].llr, log(9.0 / 7.0));
		}
	}

	/*
	 * {trade-show (never seen), no country}:
	 * source (0+1)/(3+3) over (0+1)/(2+3) = 5/6;
	 * country (0+1)/(3+4) over (1+1)/(2+4) = 3/7;
	 * odds 4/3 * 5/6 * 3/7 = 10/21, P = 10/31; the country is the stronger factor
	 */
	if (CHECK_INT(predict(&p, m, "{\"source\": \"Trade-Show\"}"), 0)) {
		CHECK_NEAR(p.prob, 10.0 / 31.0);
		if (CHECK_INT(p.nfactors, 2)) {
			CHECK_STR(p.factors[0].field, "country");
			CHECK_STR(p.factors[0].value, "(none)");
			CHECK_NEAR(p.factors[0].llr, log(3.0 / 7.0));
			CHECK_STR(p.factors[1].field, "source");
			CHECK_STR(p.factors[1].value, "trade-show");
			CHECK_NEAR(p.factors[1].llr, log(5.0 / 6.0));
		}
	}

	/*
	 * {web, FR}: source (1+1)/6 over (2+1)/5 = 5/9; country (1+1)/7 over (0+1)/6 = 12/7;
	 * odds 4/3 * 5/9 * 12/7 = 80/63, P = 80/143; |log 5/9| > |log 12/7|
	 */
	if (CHECK_INT(predict(&p, m, "{\"source\": \"web\", \"country\": \"FR\"}"), 0)) {
		CHECK_NEAR(p.prob, 80.0 / 143.0);
		if (CHECK_INT(p.nfactors, 2)) {
			CHECK_STR(p.factors[0].field, "source");
			CHECK_NEAR(p.factors[0].llr, log(5.0 / 9.0));
			CHECK_STR(p.factors[1].field, "country");
			CHECK_NEAR(p.factors[1].llr, log(12.0 / 7.0));
		}
	}

	/* a null, a blank text and a missing field are all "(none)" */
	if (CHECK_INT(predict(&p, m, "{\"source\": null, \"country\": \" \"}"), 0)) {
		CHECK_NEAR(p.prob, (4.0 / 3.0 * 5.0 / 6.0 * 3.0 / 7.0) / (1 + 4.0 / 3.0 * 5.0 / 6.0 * 3.0 / 7.0));
		CHECK_STR(p.factors[1].value, "(none)");
	}
	CHECK_INT(predict(&p, m, "[]"), SFA_EINPUT);

	sfa_score_model_free(m);
	sfa_score_prediction_release(&p);
	CHECK(p.factors == NULL);
	sfa_score_free(r);

	/* equal strengths keep the order of the fields; extreme odds stay within [0, 1] */
	r = parse("{\"learned\": {\"fields\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\"],"
		  " \"positive\": {\"s\": \"y\"}, \"negative\": {\"s\": \"n\"}}}");
	if (CHECK(r) && CHECK_INT(sfa_score_model_new(&m, r), 0)) {
		const char *yes = "{\"s\": \"y\", \"a\": 1, \"b\": 1, \"c\": 1, \"d\": 1, \"e\": 1, \"f\": 1, \"g\": 1, \"h\": 1}";
		const char *no = "{\"s\": \"n\", \"a\": 0, \"b\": 0, \"c\": 0, \"d\": 0, \"e\": 0, \"f\": 0, \"g\": 0, \"h\": 0}";
		double prev = 0;
		int ok = 1;

		for (int i = 0; i < 2000; i++)
			learn(m, yes);
		learn(m, no);
		if (CHECK_INT(predict(&p, m, yes), 0)) {
			CHECK(p.prob > 0.999999 && p.prob <= 1);
			for (size_t i = 0; i < p.nfactors; i++)
				ok &= p.factors[i].field[0] == "abcdefgh"[i] && !strcmp(p.factors[i].value, "1");
			CHECK(ok);
		}
		if (CHECK_INT(predict(&p, m, no), 0)) {
			CHECK(p.prob >= 0 && p.prob < 1e-6);
			prev = p.prob;
		}
		/* more evidence against moves it further down */
		learn(m, no);
		if (CHECK_INT(predict(&p, m, no), 0))
			CHECK(p.prob < prev);
		sfa_score_model_free(m);
	}
	sfa_score_free(r);
	sfa_score_prediction_release(&p);

	/* a config without the learned part */
	r = parse("{}");
	m = NULL;
	CHECK_INT(sfa_score_model_new(&m, r), SFA_ENOTFOUND);
	CHECK(m == NULL);
	sfa_score_free(r);
}

void unit_tests(void)
{
	CHECK_INT(sfa_time_parse(&now, "2026-03-01T12:00:00Z"), 0);
	test_equals_in();
	test_contains();
	test_range();
	test_present();
	test_within_days();
	test_eval();
	test_decay();
	test_grades();
	test_refusals();
	test_learned();
}
