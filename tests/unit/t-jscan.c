#include <string.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/jscan.h"
#include "unit.h"
#include "sfa/banned.h"

/* The text of field `name` of `json` as sfa_jscan_text gives it, "(none)" when missing, "(error)". */
static const char *field(const char *json, const char *name)
{
	static struct sfa_buf b;
	struct sfa_jspan v;
	const char *names[] = { name };

	if (sfa_jscan_object(json, strlen(json), names, 1, &v) < 0)
		return "(error)";
	if (v.kind == SFA_J_NONE)
		return "(none)";
	sfa_buf_reset(&b);
	sfa_jscan_text(&b, &v);
	sfa_buf_addch(&b, 0);
	return b.buf;
}

static void test_fields(void)
{
	/* a record as the store writes it: one field per line, keys sorted */
	const char *rec = "{\n  \"amount\": \"1200.50\",\n  \"done\": true,\n  \"lost\": false,\n"
			  "  \"note\": \"say \\\"hi\\\"\\n\\u00e9\\ud83d\\ude00\",\n  \"nothing\": null,\n"
			  "  \"probability\": 40,\n  \"ratio\": -1.5e3,\n"
			  "  \"stage_history\": [\n    {\"at\": \"2026-01-02T10:00:00Z\", \"to\": \"qual]ify\"},\n"
			  "    {\"at\": \"2026-02-02T10:00:00Z\", \"to\": \"won\", \"x\": {\"y\": [1, 2]}}\n  ],\n"
			  "  \"tail\": \"\\\\\"\n}\n";

	CHECK_STR(field(rec, "amount"), "1200.50");
	CHECK_STR(field(rec, "done"), "1");
	CHECK_STR(field(rec, "lost"), "0");
	CHECK_STR(field(rec, "note"), "say \"hi\"\n\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_STR(field(rec, "nothing"), "");
	CHECK_STR(field(rec, "probability"), "40");
	CHECK_STR(field(rec, "ratio"), "-1.5e3");
	CHECK_STR(field(rec, "stage_history"),
		  "[\n    {\"at\": \"2026-01-02T10:00:00Z\", \"to\": \"qual]ify\"},\n"
		  "    {\"at\": \"2026-02-02T10:00:00Z\", \"to\": \"won\", \"x\": {\"y\": [1, 2]}}\n  ]");
	CHECK_STR(field(rec, "tail"), "\\");
	CHECK_STR(field(rec, "missing"), "(none)");
	/* a key is matched whole, not as a prefix; nested keys are not top-level ones */
	CHECK_STR(field("{\"stage_x\": 1, \"y\": {\"stage\": 2}}", "stage"), "(none)");
	CHECK_STR(field("{}", "a"), "(none)");
	/* the empty key is a key like any other */
	CHECK_STR(field("{\"\": 1, \"a\": 2}", ""), "1");
	CHECK_STR(field(" { \"a\" : \"b\" } ", "a"), "b");
	/* a lone surrogate and a bad escape do not break the rest */
	CHECK_STR(field("{\"a\": \"x\\ud800y\"}", "a"), "x\xef\xbf\xbdy");
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"", "[]", "\"a\"", "{", "{\"a\"}", "{\"a\": }", "{\"a\": 1,}", "{\"a\": \"x}", "{\"a\": [1, 2}",
		"{\"a\": [1, 2]", "{\"a\" 1}", "{a: 1}", "{\"a\": nul}", "{\"a\": 1 \"b\": 2}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sfa_jspan v;
		const char *names[] = { "a" };
		int err = sfa_jscan_object(bad[i], strlen(bad[i]), names, 1, &v);
		if (!CHECK_INT(err, SFA_EINPUT))
			unit_check(0, bad[i], __FILE__, __LINE__);
	}
	/* the text ends where `len` says, whatever follows in memory */
	{
		const char *t = "{\"a\": \"bc\"}";
		struct sfa_jspan v;
		const char *names[] = { "a" };
		CHECK_INT(sfa_jscan_object(t, 8, names, 1, &v), SFA_EINPUT);
	}
}

static void test_array(void)
{
	const char *json = "{\"h\": [ {\"to\": \"a\"} , \"s\\\"]\", 3, [4, [5]], null ]}";
	const char *names[] = { "h" };
	struct sfa_jspan h, e;
	const char *pos, *end;
	struct sfa_buf all = SFA_BUF_INIT;
	int rc, count = 0;

	CHECK_INT(sfa_jscan_object(json, strlen(json), names, 1, &h), 0);
	CHECK_INT(h.kind, SFA_J_ARRAY);
	pos = h.p;
	end = h.p + h.len;
	while ((rc = sfa_jscan_next(&pos, end, &e)) == 1) {
		count++;
		sfa_jscan_text(&all, &e);
		sfa_buf_addch(&all, '|');
	}
	CHECK_INT(rc, 0);
	CHECK_INT(count, 5);
	sfa_buf_addch(&all, 0);
	CHECK_STR(all.buf, "{\"to\": \"a\"}|s\"]|3|[4, [5]]||");
	sfa_buf_release(&all);

	/* an empty list has no elements; a broken one is an error */
	pos = "[ ]";
	CHECK_INT(sfa_jscan_next(&pos, pos + 3, &e), 0);
	pos = "[1 2]";
	end = pos + 5;
	CHECK_INT(sfa_jscan_next(&pos, end, &e), 1);
	CHECK_INT(sfa_jscan_next(&pos, end, &e) < 0, 1);
}

void unit_tests(void)
{
	test_fields();
	test_malformed();
	test_array();
}
