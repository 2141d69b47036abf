#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/schema.h"
#include "unit.h"
#include "sfa/banned.h"

/* The canonical encoding of `json` (free() it). */
static char *encode(const char *json)
{
	struct sfa_buf b = SFA_BUF_INIT;
	json_t *rec = unit_json(json);
	if (!rec)
		return NULL;
	sfa_record_encode(&b, rec);
	json_decref(rec);
	return sfa_buf_detach(&b, NULL);
}

#define CHECK_ENC(json, expected) do { \
	char *out_ = encode(json); \
	CHECK_STR(out_, (expected)); \
	free(out_); \
} while (0)

static void test_encode(void)
{
	CHECK_ENC("{}", "{\n}\n");
	CHECK_ENC("{\"a\":\"x\"}", "{\n  \"a\": \"x\"\n}\n");

	/* keys in byte order: capitals first, a prefix before its longer key, UTF-8 last */
	CHECK_ENC("{\"b\":1,\"\xc3\xa9t\xc3\xa9\":\"\xc3\xa9\",\"big\":2,\"a\":\"x\",\"Z\":true,\"_\":false,\"a1\":null}",
		  "{\n"
		  "  \"Z\": true,\n"
		  "  \"_\": false,\n"
		  "  \"a\": \"x\",\n"
		  "  \"a1\": null,\n"
		  "  \"b\": 1,\n"
		  "  \"big\": 2,\n"
		  "  \"\xc3\xa9t\xc3\xa9\": \"\xc3\xa9\"\n"
		  "}\n");

	/* UTF-8 raw, control characters escaped, quotes and backslashes escaped, DEL kept */
	CHECK_ENC("{\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f \xf0\x9f\x98\x80 Jos\xc3\xa9\","
		  "\"ctl\":\"\\u0001\\b\\f\\n\\r\\t\\u001f\\u007f\\\"\\\\/\"}",
		  "{\n"
		  "  \"ctl\": \"\\u0001\\b\\f\\n\\r\\t\\u001f\x7f\\\"\\\\/\",\n"
		  "  \"name\": \"\xe5\xbc\xa0\xe4\xbc\x9f \xf0\x9f\x98\x80 Jos\xc3\xa9\"\n"
		  "}\n");

	/* a NUL inside a value is kept as an escape, not cut off */
	{
		struct sfa_buf b = SFA_BUF_INIT;
		json_t *rec = json_object();
		json_object_set_new(rec, "n", json_stringn("a\0b", 3));
		sfa_record_encode(&b, rec);
		CHECK_STR(b.buf, "{\n  \"n\": \"a\\u0000b\"\n}\n");
		CHECK_INT(b.len, strlen("{\n  \"n\": \"a\\u0000b\"\n}\n"));
		json_decref(rec);
		sfa_buf_release(&b);
	}

	/* numbers and literals as compact JSON */
	CHECK_ENC("{\"i\":42,\"neg\":-7,\"zero\":0,\"max\":9223372036854775807,"
		  "\"r\":2.5,\"whole\":2.0,\"tiny\":-0.25,\"t\":true,\"f\":false,\"z\":null}",
		  "{\n"
		  "  \"f\": false,\n"
		  "  \"i\": 42,\n"
		  "  \"max\": 9223372036854775807,\n"
		  "  \"neg\": -7,\n"
		  "  \"r\": 2.5,\n"
		  "  \"t\": true,\n"
		  "  \"tiny\": -0.25,\n"
		  "  \"whole\": 2.0,\n"
		  "  \"z\": null,\n"
		  "  \"zero\": 0\n"
		  "}\n");

	/* nested values (only in stored files written by others) are compact with sorted keys */
	CHECK_ENC("{\"o\":{\"z\":1,\"a\":[1,\"\xc3\xa9\",{\"y\":null,\"b\":\"\\n\"}]},\"e\":[],\"f\":{}}",
		  "{\n"
		  "  \"e\": [],\n"
		  "  \"f\": {},\n"
		  "  \"o\": {\"a\":[1,\"\xc3\xa9\",{\"b\":\"\\n\",\"y\":null}],\"z\":1}\n"
		  "}\n");

	/* the same record however its keys were inserted */
	{
		char *a = encode("{\"x\":1,\"y\":2,\"z\":3}"), *b = encode("{\"z\":3,\"x\":1,\"y\":2}");
		CHECK(a && b && !strcmp(a, b));
		free(a);
		free(b);
	}

	/* more than 64 fields */
	{
		struct sfa_buf want = SFA_BUF_INIT, got = SFA_BUF_INIT;
		json_t *rec = json_object();
		for (int i = 99; i >= 0; i--) {
			char k[8];
			snprintf(k, sizeof(k), "f%02d", i);
			json_object_set_new(rec, k, json_integer(i));
		}
		sfa_buf_addstr(&want, "{\n");
		for (int i = 0; i < 100; i++)
			sfa_buf_addf(&want, "  \"f%02d\": %d%s\n", i, i, i < 99 ? "," : "");
		sfa_buf_addstr(&want, "}\n");
		sfa_record_encode(&got, rec);
		CHECK_STR(got.buf, want.buf);
		json_decref(rec);
		sfa_buf_release(&want);
		sfa_buf_release(&got);
	}

	/* appends to what the buffer holds */
	{
		struct sfa_buf b = SFA_BUF_INIT;
		json_t *rec = unit_json("{\"k\":\"v\"}");
		sfa_buf_addstr(&b, "prefix\n");
		sfa_record_encode(&b, rec);
		CHECK_STR(b.buf, "prefix\n{\n  \"k\": \"v\"\n}\n");
		CHECK_INT(b.len, strlen("prefix\n{\n  \"k\": \"v\"\n}\n"));
		json_decref(rec);
		sfa_buf_release(&b);
	}

	/*
	 * A real is written in its shortest form that reads back the same, as
	 * the output writer does: 0.1 rather than 0.10000000000000001.
	 */
	CHECK_ENC("{\"score\":0.1}", "{\n  \"score\": 0.1\n}\n");
	CHECK_ENC("{\"p\":3.14}", "{\n  \"p\": 3.14\n}\n");
}

static void test_decode(void)
{
	static const char *const recs[] = {
		"{}",
		"{\"id\":\"0123456789ab\",\"first_name\":\"Jos\xc3\xa9\",\"n\":3,\"r\":2.5,\"ok\":true,\"x\":null}",
		"{\"ctl\":\"\\u0001\\t\\n\\\"\\\\\",\"\xe5\xbc\xa0\":\"\xe4\xbc\x9f\",\"w\":2.0,\"v\":0.1}",
		"{\"nested\":{\"b\":[1,2],\"a\":{}}}",
	};
	json_t *rec = NULL;
	int err;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		json_t *want = unit_json(recs[i]), *got = NULL;
		struct sfa_buf b = SFA_BUF_INIT, again = SFA_BUF_INIT;

		sfa_record_encode(&b, want);
		CHECK_INT(sfa_record_decode(&got, b.buf, b.len), 0);
		if (!CHECK(got && json_equal(want, got)))
			printf("#   for %s\n", recs[i]);
		/* encoding what was decoded gives the same bytes */
		if (got)
			sfa_record_encode(&again, got);
		CHECK_STR(again.buf, b.buf);
		json_decref(want);
		json_decref(got);
		sfa_buf_release(&b);
		sfa_buf_release(&again);
	}

	/* the length bounds the data: no NUL needed */
	{
		const char data[] = "{\"a\":1}garbage";
		CHECK_INT(sfa_record_decode(&rec, data, 7), 0);
		CHECK(json_integer_value(json_object_get(rec, "a")) == 1);
		json_decref(rec);
		rec = NULL;
		CHECK_INT(sfa_record_decode(&rec, data, sizeof(data) - 1), SFA_ESTORE);
		CHECK(rec == NULL);
	}

	err = sfa_record_decode(&rec, "[1,2]", 5);
	CHECK_INT(err, SFA_ESTORE);
	CHECK_STR(sfa_error_last(), "not a JSON object");
	CHECK(rec == NULL);
	CHECK_INT(sfa_record_decode(&rec, "\"x\"", 3), SFA_ESTORE);
	CHECK_INT(sfa_record_decode(&rec, "", 0), SFA_ESTORE);
	err = sfa_record_decode(&rec, "{\n  \"a\": 1,\n", 12);
	CHECK_INT(err, SFA_ESTORE);
	CHECK(!strncmp(sfa_error_last(), "line ", 5));
	/* two values for one field is not a record */
	CHECK_INT(sfa_record_decode(&rec, "{\"a\":1,\"a\":2}", 13), SFA_ESTORE);
	CHECK(rec == NULL);
}

static void test_field_names(void)
{
	char long64[SFA_FIELD_NAME_MAX + 1], long65[SFA_FIELD_NAME_MAX + 2];

	memset(long64, 'a', SFA_FIELD_NAME_MAX);
	long64[SFA_FIELD_NAME_MAX] = '\0';
	memset(long65, 'b', SFA_FIELD_NAME_MAX + 1);
	long65[SFA_FIELD_NAME_MAX + 1] = '\0';

	CHECK_INT(sfa_field_name_check("email"), 0);
	CHECK_INT(sfa_field_name_check("first_name"), 0);
	CHECK_INT(sfa_field_name_check("x-score-2"), 0);
	CHECK_INT(sfa_field_name_check("a_"), 0);
	CHECK_INT(sfa_field_name_check("9"), 0);
	CHECK_INT(sfa_field_name_check("r\xc3\xa9gion"), 0);
	CHECK_INT(sfa_field_name_check("\xe5\x9f\x8e\xe5\xb8\x82"), 0);
	CHECK_INT(sfa_field_name_check(long64), 0);

	CHECK_INT(sfa_field_name_check(""), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "empty field name");
	CHECK_INT(sfa_field_name_check(long65), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "longer than 64 bytes") != NULL);
	CHECK_INT(sfa_field_name_check("_id"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field name '_id': must not start with '_'");
	CHECK_INT(sfa_field_name_check("-x"), SFA_EINPUT);
	CHECK_INT(sfa_field_name_check("Email"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field name 'Email': character 'E' not allowed (use a-z, 0-9, '_', '-')");
	CHECK_INT(sfa_field_name_check("first name"), SFA_EINPUT);
	CHECK_INT(sfa_field_name_check("a.b"), SFA_EINPUT);
	CHECK_INT(sfa_field_name_check("a\"b"), SFA_EINPUT);
	CHECK_INT(sfa_field_name_check("a$"), SFA_EINPUT);
	CHECK_INT(sfa_field_name_check("a/b"), SFA_EINPUT);
	CHECK_INT(sfa_field_name_check("tab\there"), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "character '?'") != NULL);
	CHECK_INT(sfa_field_name_check("bad\xff"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field name: invalid UTF-8");
	/* an overlong '/' is not a way around the rules */
	CHECK_INT(sfa_field_name_check("a\xc0\xaf"), SFA_EINPUT);
}

/* Runs sfa_record_check on `json`; returns the code and the record (decref it). */
static int check_rec(const char *json, json_t **out)
{
	json_t *rec = unit_json(json);
	int err;
	if (!rec)
		return -100;
	err = sfa_record_check(rec);
	if (out)
		*out = rec;
	else
		json_decref(rec);
	return err;
}

/* The shipped default schema, parsed once (freed by test_record_check). */
static struct sfa_schema *schema;

/*
 * What adding a lead does to `json` before storing it: the general
 * checks, then the declared fields against the shipped schema.
 */
static int check_lead(const char *json, json_t **out)
{
	json_t *rec = unit_json(json);
	struct sfa_schema_opts opts = { NULL, NULL };
	int err;
	if (!rec || !schema) {
		json_decref(rec);
		return -100;
	}
	if ((err = sfa_record_check(rec)) == 0)
		err = sfa_schema_normalize(schema, &sfa_type_lead, rec, &opts);
	if (out)
		*out = rec;
	else
		json_decref(rec);
	return err;
}

static void test_record_check(void)
{
	json_t *rec = NULL, *cfg;
	char *enc;

	cfg = json_loads(sfa_config_default("config/schema.json"), 0, NULL);
	if (!CHECK(cfg != NULL) || !CHECK_INT(sfa_schema_parse(&schema, cfg), 0)) {
		json_decref(cfg);
		return;
	}
	json_decref(cfg);

	/* a good lead goes through and is normalized */
	CHECK_INT(check_lead("{\"id\":\"0123456789ab\",\"first_name\":\"Ann\",\"last_name\":\"\","
			    "\"email\":\"ann@example.com\",\"created_at\":\"2024-03-05T10:00:00+02:00\","
			    "\"employees\":50,\"vip\":true,\"notes\":null}", &rec), 0);
	enc = NULL;
	if (rec) {
		struct sfa_buf b = SFA_BUF_INIT;
		sfa_record_encode(&b, rec);
		enc = sfa_buf_detach(&b, NULL);
	}
	CHECK_STR(enc, "{\n"
		  "  \"created_at\": \"2024-03-05T08:00:00Z\",\n"
		  "  \"email\": \"ann@example.com\",\n"
		  "  \"employees\": 50,\n"
		  "  \"first_name\": \"Ann\",\n"
		  "  \"id\": \"0123456789ab\",\n"
		  "  \"last_name\": null,\n"
		  "  \"notes\": null,\n"
		  "  \"vip\": true\n"
		  "}\n");
	free(enc);
	json_decref(rec);
	rec = NULL;

	/* created_at in UTC with a Z, from a date, a negative offset, a fraction */
	CHECK_INT(check_rec("{\"created_at\":\"2024-02-29\"}", &rec), 0);
	CHECK_STR(json_string_value(json_object_get(rec, "created_at")), "2024-02-29T00:00:00Z");
	json_decref(rec);
	CHECK_INT(check_rec("{\"created_at\":\"2023-12-31T20:30:15.75-05:30\"}", &rec), 0);
	CHECK_STR(json_string_value(json_object_get(rec, "created_at")), "2024-01-01T02:00:15Z");
	json_decref(rec);
	CHECK_INT(check_rec("{\"created_at\":\"\"}", &rec), 0);
	CHECK(json_is_null(json_object_get(rec, "created_at")));
	json_decref(rec);

	/* every empty text becomes null, other values stay */
	CHECK_INT(check_rec("{\"city\":\"\",\"email\":\"\",\"n\":0,\"b\":false,\"s\":\" \"}", &rec), 0);
	CHECK(json_is_null(json_object_get(rec, "city")));
	CHECK(json_is_null(json_object_get(rec, "email")));
	CHECK_INT(json_object_size(rec), 5);
	CHECK(json_is_integer(json_object_get(rec, "n")));
	CHECK(json_is_false(json_object_get(rec, "b")));
	CHECK_STR(json_string_value(json_object_get(rec, "s")), " ");
	json_decref(rec);

	/* email: the schema's business, with the same message form */
	CHECK_INT(check_lead("{\"email\":\"bob@\"}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'email': not an address: 'bob@'");
	CHECK_INT(check_lead("{\"email\":\"bob example.com\"}", NULL), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "field 'email'") != NULL);
	CHECK_INT(check_lead("{\"email\":\"@example.com\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":\"bob@@example.com\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":\"bob@example\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":\"bob@.com\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":\"bob@example.com.\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":\"a@b.c,d@e.f\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":\"Ann <ann@example.com>\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_lead("{\"email\":42}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'email': not an address: '42'");
	CHECK_INT(check_lead("{\"email\":true}", NULL), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "field 'email'") != NULL);
	CHECK_INT(check_lead("{\"email\":\"a@b.c\"}", NULL), 0);
	CHECK_INT(check_lead("{\"email\":\"J\xc3\xb6rg.M\xc3\xbcller@m\xc3\xbcller.de\"}", NULL), 0);
	CHECK_INT(check_lead("{\"email\":null}", NULL), 0);
	CHECK_INT(check_lead("{\"email\":\"\"}", &rec), 0);
	CHECK(json_is_null(json_object_get(rec, "email")));
	json_decref(rec);
	/* blanks around an address are no part of it */
	CHECK_INT(check_lead("{\"email\":\" ann@example.com\\t\"}", &rec), 0);
	CHECK_STR(json_string_value(json_object_get(rec, "email")), "ann@example.com");
	json_decref(rec);
	/* only declared email fields are judged */
	CHECK_INT(check_lead("{\"x-email\":\"bob@\"}", NULL), 0);

	/* a declared integer is stored as a JSON number, whatever the input wrote */
	CHECK_INT(check_lead("{\"employees\":\"20\"}", &rec), 0);
	CHECK(json_is_integer(json_object_get(rec, "employees")));
	CHECK_INT(json_integer_value(json_object_get(rec, "employees")), 20);
	json_decref(rec);
	CHECK_INT(check_lead("{\"employees\":\"many\"}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'employees': not a whole number: 'many'");
	/* an undeclared field keeps its text */
	CHECK_INT(check_lead("{\"x-employees\":\"20\"}", &rec), 0);
	CHECK_STR(json_string_value(json_object_get(rec, "x-employees")), "20");
	json_decref(rec);

	/* nested values */
	CHECK_INT(check_rec("{\"address\":{\"city\":\"Oslo\"}}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'address': a nested object is not a field value");
	/* the one nested value: a list of flat objects (a stage history) */
	CHECK_INT(check_rec("{\"tags\":[\"a\"]}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'tags': entry 1: a list holds objects");
	CHECK_INT(check_rec("{\"tags\":[]}", NULL), 0);
	CHECK_INT(check_rec("{\"h\":[{\"to\":\"a\"},{\"to\":\"b\",\"n\":2}]}", NULL), 0);
	CHECK_INT(check_rec("{\"h\":[{\"to\":\"a\"},{\"to\":{\"x\":1}}]}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'h': entry 2: 'to' is nested");

	/* field names */
	CHECK_INT(check_rec("{\"First Name\":\"Ann\"}", NULL), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "'First Name'") != NULL);
	CHECK_INT(check_rec("{\"_rev\":1}", NULL), SFA_EINPUT);

	/* ids */
	CHECK_INT(check_rec("{\"id\":\"xyz\"}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'id': not an id: 'xyz'");
	CHECK_INT(check_rec("{\"id\":\"0123456789AB\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_rec("{\"id\":\"0123456789abc\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_rec("{\"id\":\"u123456789ab\"}", NULL), SFA_EINPUT);
	CHECK_INT(check_rec("{\"id\":12}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'id': not an id: '(not text)'");
	CHECK_INT(check_rec("{\"id\":null}", NULL), 0);
	CHECK_INT(check_rec("{\"id\":\"\"}", NULL), 0);	/* empty text is no value */

	/* created_at that is no date-time */
	CHECK_INT(check_rec("{\"created_at\":\"yesterday\"}", NULL), SFA_EINPUT);
	CHECK_STR(sfa_error_last(),
		  "field 'created_at': not an ISO 8601 date or date-time with a zone: 'yesterday'");
	CHECK_INT(check_rec("{\"created_at\":\"2024-03-05T10:00:00\"}", NULL), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "field 'created_at'") != NULL);
	CHECK_INT(check_rec("{\"created_at\":\"2023-02-29\"}", NULL), SFA_EINPUT);

	/*
	 * created_at that is not text: the message says so, rather than
	 * repeating whatever an earlier failure left behind.
	 */
	sfa_error_set(SFA_EINPUT, "an earlier, unrelated message");
	CHECK_INT(check_rec("{\"created_at\":1709625600}", NULL), SFA_EINPUT);
	CHECK(!strncmp(sfa_error_last(), "field 'created_at': ", 20));
	CHECK(strstr(sfa_error_last(), "earlier") == NULL);
	CHECK(strlen(sfa_error_last()) > strlen("field 'created_at': "));

	/* without the schema, an email field is text like any other */
	{
		json_t *r = unit_json("{\"email\":\"not-an-address\",\"x\":\"\"}");
		CHECK_INT(sfa_record_check(r), 0);
		CHECK_STR(json_string_value(json_object_get(r, "email")), "not-an-address");
		CHECK(json_is_null(json_object_get(r, "x")));
		json_decref(r);
	}
	sfa_schema_free(schema);
	schema = NULL;
}

static void test_merge(void)
{
	json_t *rec = unit_json("{\"a\":1,\"b\":\"two\",\"c\":true}");
	json_t *changes = unit_json("{\"b\":null,\"c\":false,\"d\":\"new\",\"zz\":null}");
	json_t *want = unit_json("{\"a\":1,\"c\":false,\"d\":\"new\"}");
	json_t *changes_copy = json_deep_copy(changes);

	sfa_record_merge(rec, changes);
	CHECK(json_equal(rec, want));
	CHECK_INT(json_object_size(rec), 3);
	CHECK(json_object_get(rec, "b") == NULL);
	CHECK(json_object_get(rec, "zz") == NULL);
	/* the changes are left as they were */
	CHECK(json_equal(changes, changes_copy));

	/* no changes, no change */
	{
		json_t *empty = json_object(), *before = json_deep_copy(rec);
		sfa_record_merge(rec, empty);
		CHECK(json_equal(rec, before));
		json_decref(empty);
		json_decref(before);
	}

	/* the record owns its values: dropping the changes leaves it intact */
	json_decref(changes);
	CHECK_STR(json_string_value(json_object_get(rec, "d")), "new");

	json_decref(rec);
	json_decref(want);
	json_decref(changes_copy);
}

/* Parses `s`; returns the time or a marker for failure. */
#define BAD ((time_t)-123456789)
static time_t tp(const char *s)
{
	time_t t = 0;
	return sfa_time_parse(&t, s) < 0 ? BAD : t;
}

static const char *iso(time_t t)
{
	static char out[21];
	sfa_time_iso(out, t);
	return out;
}

/* Every 7 h 13 s from 1900 to 2100, against the C library's calendar. */
static void test_time_calendar(void)
{
	long bad = 0, n = 0;

	for (long long t = -2208988800LL; t < 4102444800LL; t += 7 * 3600 + 13, n++) {
		time_t want = (time_t)t, got = 0;
		struct tm tm;
		char text[32];
		gmtime_r(&want, &tm);
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (sfa_time_parse(&got, text) < 0 || got != want)
			bad++;
	}
	CHECK(n > 250000);
	CHECK_INT(bad, 0);
	/* a leap second is the first second of the next minute, as timegm has it */
	CHECK_INT(tp("2016-12-31T23:59:60Z"), 1483228800);
	CHECK_INT(tp("0001-01-01"), -62135596800LL);
	CHECK_INT(tp("9999-12-31T23:59:59Z"), 253402300799LL);
}

static void test_time(void)
{
	/* dates */
	CHECK_INT(tp("1970-01-01"), 0);
	CHECK_INT(tp("2024-02-29"), 1709164800);
	CHECK_INT(tp("2000-02-29"), 951782400);
	CHECK_INT(tp("2038-01-19T03:14:08Z"), 2147483648LL);
	CHECK_INT(tp("1969-12-31T23:59:59Z"), -1);

	/* zones and offsets */
	CHECK_INT(tp("2024-03-05T08:00:00Z"), 1709625600);
	CHECK_INT(tp("2024-03-05T08:00:00z"), 1709625600);
	CHECK_INT(tp("2024-03-05 08:00:00Z"), 1709625600);
	CHECK_INT(tp("2024-03-05T10:00:00+02:00"), 1709625600);
	CHECK_INT(tp("2024-03-05T10:00:00+0200"), 1709625600);
	CHECK_INT(tp("2024-03-05T02:30:00-05:30"), 1709625600);
	CHECK_INT(tp("2024-03-05T08:00:00+00:00"), 1709625600);
	CHECK_INT(tp("2024-03-05T08:00:00-00:00"), 1709625600);
	CHECK_INT(tp("2024-03-05T10:00:00-0530"), 1709652600);
	CHECK_INT(tp("2024-01-01T00:30:00+01:00"), 1704065400);
	/* seconds and fractions optional; a fraction is dropped */
	CHECK_INT(tp("2024-03-05T08:00Z"), 1709625600);
	CHECK_INT(tp("2024-03-05T08:00:00.999999Z"), 1709625600);
	CHECK_INT(tp("2024-03-05T10:00:00,5+02:00"), 1709625600);
	/* a leap second reads as the next second */
	CHECK_INT(tp("2016-12-31T23:59:60Z"), 1483228800);

	/* refused */
	CHECK_INT(tp(""), BAD);
	CHECK_INT(tp("2024"), BAD);
	CHECK_INT(tp("2024-03"), BAD);
	CHECK_INT(tp("2024-3-05"), BAD);
	CHECK_INT(tp("24-03-05"), BAD);
	CHECK_INT(tp("2024/03/05"), BAD);
	CHECK_INT(tp("20240305"), BAD);
	CHECK_INT(tp("2023-02-29"), BAD);
	CHECK_INT(tp("1900-02-29"), BAD);
	CHECK_INT(tp("2024-02-30"), BAD);
	CHECK_INT(tp("2024-04-31"), BAD);
	CHECK_INT(tp("2024-06-31"), BAD);
	CHECK_INT(tp("2024-00-10"), BAD);
	CHECK_INT(tp("2024-13-01"), BAD);
	CHECK_INT(tp("2024-01-00"), BAD);
	CHECK_INT(tp("2024-01-32"), BAD);
	CHECK_INT(tp("2024-03-05Z"), BAD);
	CHECK_INT(tp("2024-03-05T"), BAD);
	CHECK_INT(tp("2024-03-05T10"), BAD);
	CHECK_INT(tp("2024-03-05T10Z"), BAD);
	CHECK_INT(tp("2024-03-05T24:00:00Z"), BAD);
	CHECK_INT(tp("2024-03-05T10:60:00Z"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:61Z"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00.Z"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:0Z"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00+24:00"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00+02:60"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00+2"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00+02:"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00Z "), BAD);
	CHECK_INT(tp(" 2024-03-05"), BAD);
	CHECK_INT(tp("2024-03-05T10:00:00UTC"), BAD);
	/* a time without a zone is ambiguous */
	CHECK_INT(tp("2024-03-05T10:00:00"), BAD);
	CHECK_INT(tp("2024-03-05T10:00"), BAD);
	CHECK_INT(tp("2024-03-05 10:00:00.5"), BAD);
	CHECK_STR(sfa_error_last(), "not an ISO 8601 date or date-time with a zone: '2024-03-05 10:00:00.5'");
	{
		time_t t = 77;
		CHECK_INT(sfa_time_parse(&t, "2024-03-05T10:00:00"), SFA_EINPUT);
		CHECK_INT(t, 77);
	}

	/* formatting */
	CHECK_STR(iso(0), "1970-01-01T00:00:00Z");
	CHECK_STR(iso(951782400), "2000-02-29T00:00:00Z");
	CHECK_STR(iso(1709164800 + 86399), "2024-02-29T23:59:59Z");
	CHECK_STR(iso(1709625600), "2024-03-05T08:00:00Z");
	CHECK_STR(iso(-1), "1969-12-31T23:59:59Z");
	CHECK_STR(iso(2147483648LL), "2038-01-19T03:14:08Z");
	/* four-digit years, so that the texts sort as the times */
	CHECK_STR(iso(-62135596800LL), "0001-01-01T00:00:00Z");
	CHECK_STR(iso(-32535216000LL + 86399), "0939-01-01T23:59:59Z");
	CHECK_STR(iso(253402300799LL), "9999-12-31T23:59:59Z");
	/* past the year 9999: cut to the 20 characters there is room for */
	{
		char out[21];
		memset(out, 'x', sizeof(out));
		sfa_time_iso(out, 253402300800LL * 3);
		CHECK_INT(strlen(out), 20);
		CHECK(!strncmp(out, "2", 1));
	}

	/* parse(iso(t)) == t over many years */
	{
		size_t bad = 0;
		for (time_t t = -86400LL * 365 * 10; t < 86400LL * 365 * 120; t += 86400 * 7 + 3601)
			if (tp(iso(t)) != t)
				bad++;
		CHECK_INT(bad, 0);
	}
}

void unit_tests(void)
{
	test_encode();
	test_decode();
	test_field_names();
	test_record_check();
	test_merge();
	test_time();
	test_time_calendar();
}
