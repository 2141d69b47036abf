#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/stream.h"
#include "unit.h"
#include "sfa/banned.h"

static int last_error;

/*
 * Writes the records of the JSON array `records` in `fmt` and returns the
 * output (free() it), or NULL when opening, a write or closing failed,
 * with the code in last_error.
 */
static char *render(enum sfa_format fmt, const char *const *columns, const char *records)
{
	struct sfa_writer *w = NULL;
	json_error_t jerr;
	json_t *recs = json_loads(records, 0, &jerr);
	char *out = NULL;
	size_t outlen = 0, i;
	FILE *fp = open_memstream(&out, &outlen);
	int error;

	if (!recs || !fp) {
		printf("# bad test setup: %s\n", recs ? "open_memstream" : jerr.text);
		error = -100;
		goto done;
	}
	if ((error = sfa_writer_open(&w, fp, fmt, columns)) < 0)
		goto done;
	for (i = 0; i < json_array_size(recs); i++)
		if ((error = sfa_writer_write(w, json_array_get(recs, i))) < 0)
			goto done;
	error = sfa_writer_close(w);
	w = NULL;
done:
	sfa_writer_free(w);
	if (fp)
		fclose(fp);
	json_decref(recs);
	last_error = error;
	if (error < 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Checks that rendering gives exactly `expected`; frees the output. */
#define CHECK_OUT(fmt, cols, records, expected) do { \
	char *out_ = render((fmt), (cols), (records)); \
	CHECK_STR(out_, (expected)); \
	free(out_); \
} while (0)

static const char *const name_cols[] = { "id", "name", "city", NULL };

static void test_format_parse(void)
{
	enum sfa_format f = SFA_FORMAT_AUTO;

	CHECK_INT(sfa_format_parse(&f, "csv"), 0);
	CHECK_INT(f, SFA_FORMAT_CSV);
	CHECK_INT(sfa_format_parse(&f, "json"), 0);
	CHECK_INT(f, SFA_FORMAT_JSON);
	CHECK_INT(sfa_format_parse(&f, "ndjson"), 0);
	CHECK_INT(f, SFA_FORMAT_NDJSON);
	CHECK_INT(sfa_format_parse(&f, "table"), 0);
	CHECK_INT(f, SFA_FORMAT_TABLE);
	CHECK_INT(sfa_format_parse(&f, "ids"), 0);
	CHECK_INT(f, SFA_FORMAT_IDS);

	f = SFA_FORMAT_JSON;
	CHECK_INT(sfa_format_parse(&f, "xml"), SFA_EUSAGE);
	CHECK_STR(sfa_error_last(), "unknown format 'xml' (expected csv, json, ndjson, table or ids)");
	CHECK_INT(f, SFA_FORMAT_JSON);
	CHECK_INT(sfa_format_parse(&f, "CSV"), SFA_EUSAGE);
	CHECK_INT(sfa_format_parse(&f, ""), SFA_EUSAGE);
	CHECK_INT(sfa_format_parse(&f, "auto"), SFA_EUSAGE);

	CHECK_STR(sfa_format_name(SFA_FORMAT_CSV), "csv");
	CHECK_STR(sfa_format_name(SFA_FORMAT_NDJSON), "ndjson");
	CHECK_STR(sfa_format_name(SFA_FORMAT_IDS), "ids");
	CHECK_STR(sfa_format_name(SFA_FORMAT_AUTO), "auto");
}

static void test_value_text(void)
{
	static const struct {
		const char *json;
		const char *text;
	} cases[] = {
		{ "\"Jos\xc3\xa9\"", "Jos\xc3\xa9" },
		{ "\"\"", "" },
		{ "\"a,\\\"b\\\"\\n\"", "a,\"b\"\n" },
		{ "42", "42" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "0.1", "0.1" },
		{ "1.5", "1.5" },
		{ "2.0", "2" },
		{ "-0.25", "-0.25" },
		{ "1e300", "1e+300" },
		{ "0.30000000000000004", "0.30000000000000004" },
		{ "3.141592653589793", "3.141592653589793" },
		{ "true", "true" },
		{ "false", "false" },
		{ "null", "" },
		{ "{\"b\":1,\"a\":[true,null,\"x\"],\"c\":{\"z\":0.5,\"y\":2.0}}",
		  "{\"a\":[true,null,\"x\"],\"b\":1,\"c\":{\"y\":2.0,\"z\":0.5}}" },
		{ "[]", "[]" },
		{ "{}", "{}" },
		{ "[\"\xe5\xbc\xa0\\t\\u0001\"]", "[\"\xe5\xbc\xa0\\t\\u0001\"]" },
	};
	struct sfa_buf b = SFA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);

		sfa_buf_reset(&b);
		sfa_value_text(&b, v);
		if (!CHECK_STR(b.buf, cases[i].text))
			printf("#   for %s\n", cases[i].json);
		json_decref(v);
	}

	/* appends rather than replaces */
	{
		json_t *v = json_integer(7);
		sfa_buf_reset(&b);
		sfa_buf_addstr(&b, "n=");
		sfa_value_text(&b, v);
		CHECK_STR(b.buf, "n=7");
		json_decref(v);
	}
	sfa_buf_release(&b);
}

static void test_csv(void)
{
	static const char *const one[] = { "note", NULL };
	static const char *const odd_header[] = { "a,b", "say \"hi\"", NULL };

	/* an empty result is still a CSV file with its header */
	CHECK_OUT(SFA_FORMAT_CSV, name_cols, "[]", "id,name,city\n");

	CHECK_OUT(SFA_FORMAT_CSV, name_cols,
		  "[{\"id\":\"L1\",\"name\":\"Ann\",\"city\":\"Oslo\"},"
		  " {\"city\":\"Paris\",\"id\":\"L2\",\"name\":\"Bob\",\"extra\":\"x\"}]",
		  "id,name,city\nL1,Ann,Oslo\nL2,Bob,Paris\n");

	/* missing and null fields are empty cells */
	CHECK_OUT(SFA_FORMAT_CSV, name_cols,
		  "[{\"id\":\"L1\"}, {\"name\":null,\"city\":\"\"}]",
		  "id,name,city\nL1,,\n,,\n");

	/* quoting */
	CHECK_OUT(SFA_FORMAT_CSV, name_cols,
		  "[{\"id\":\"a,b\",\"name\":\"say \\\"hi\\\"\",\"city\":\"two\\nlines\"},"
		  " {\"id\":\"cr\\rhere\",\"name\":\"\\\"\",\"city\":\"plain text\"},"
		  " {\"id\":\" lead\",\"name\":\"trail\\t\",\"city\":\"in side\"}]",
		  "id,name,city\n"
		  "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
		  "\"cr\rhere\",\"\"\"\",plain text\n"
		  "\" lead\",\"trail\t\",in side\n");

	/* non-strings as text, UTF-8 untouched */
	CHECK_OUT(SFA_FORMAT_CSV, name_cols,
		  "[{\"id\":7,\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f\",\"city\":[1,2]},"
		  " {\"id\":1.25,\"name\":true,\"city\":{\"k\":\"v\"}}]",
		  "id,name,city\n"
		  "7,\xe5\xbc\xa0\xe4\xbc\x9f,\"[1,2]\"\n"
		  "1.25,true,\"{\"\"k\"\":\"\"v\"\"}\"\n");

	/* a lone empty field must not look like a blank line */
	CHECK_OUT(SFA_FORMAT_CSV, one, "[{\"note\":\"x\"},{}]", "note\nx\n\"\"\n");

	/* the header is quoted like any row */
	CHECK_OUT(SFA_FORMAT_CSV, odd_header, "[]", "\"a,b\",\"say \"\"hi\"\"\"\n");

	/* columns are required */
	{
		static const char *const none[] = { NULL };
		CHECK(render(SFA_FORMAT_CSV, NULL, "[]") == NULL);
		CHECK_INT(last_error, SFA_EUSAGE);
		CHECK_STR(sfa_error_last(), "format 'csv' needs at least one column");
		CHECK(render(SFA_FORMAT_CSV, none, "[]") == NULL);
		CHECK_INT(last_error, SFA_EUSAGE);
	}

	/* a record must be an object */
	CHECK(render(SFA_FORMAT_CSV, name_cols, "[1]") == NULL);
	CHECK_INT(last_error, SFA_EINPUT);
}

static void test_json(void)
{
	static const char *const sub[] = { "name", "id", "missing", "name", NULL };

	CHECK_OUT(SFA_FORMAT_JSON, NULL, "[]", "[]\n");
	CHECK_OUT(SFA_FORMAT_JSON, name_cols, "[]", "[]\n");

	CHECK_OUT(SFA_FORMAT_JSON, NULL,
		  "[{\"name\":\"Ann\",\"id\":\"L1\"}]",
		  "[\n{\"id\":\"L1\",\"name\":\"Ann\"}\n]\n");

	/* keys in byte order without columns, values kept as they are */
	CHECK_OUT(SFA_FORMAT_JSON, NULL,
		  "[{\"name\":\"Ann\",\"id\":\"L1\",\"Zeta\":1,\"score\":2.0},"
		  " {\"id\":\"L2\",\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f \\\"\\\\ \\n\",\"tags\":[\"a\"],\"x\":null,\"ok\":false}]",
		  "[\n"
		  "{\"Zeta\":1,\"id\":\"L1\",\"name\":\"Ann\",\"score\":2.0},\n"
		  "{\"id\":\"L2\",\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f \\\"\\\\ \\n\",\"ok\":false,\"tags\":[\"a\"],\"x\":null}\n"
		  "]\n");

	/* with columns: only those, in their order, missing ones left out */
	CHECK_OUT(SFA_FORMAT_JSON, sub,
		  "[{\"id\":\"L1\",\"name\":\"Ann\",\"city\":\"Oslo\"}, {\"city\":\"Rome\"}]",
		  "[\n{\"name\":\"Ann\",\"id\":\"L1\"},\n{}\n]\n");

	/* the output reads back as the same records */
	{
		const char *in = "[{\"a\":\"\\u0001\\t\\\"x\\\"\",\"b\":0.1,\"c\":3.0,\"d\":-5,"
				 "\"e\":{\"z\":[1,{\"y\":null}]}},{\"\xc3\xa9\":\"\xf0\x9f\x98\x80\"}]";
		char *out = render(SFA_FORMAT_JSON, NULL, in);
		json_t *a = json_loads(in, 0, NULL), *b = out ? json_loads(out, 0, NULL) : NULL;
		CHECK(b != NULL);
		CHECK(a && b && json_equal(a, b));
		json_decref(a);
		json_decref(b);
		free(out);
	}
}

static void test_ndjson(void)
{
	static const char *const sub[] = { "city", "id", NULL };

	CHECK_OUT(SFA_FORMAT_NDJSON, NULL, "[]", "");
	CHECK_OUT(SFA_FORMAT_NDJSON, NULL,
		  "[{\"name\":\"Ann\",\"id\":\"L1\"},{\"id\":\"L2\",\"n\":[1,2.5]}]",
		  "{\"id\":\"L1\",\"name\":\"Ann\"}\n{\"id\":\"L2\",\"n\":[1,2.5]}\n");
	CHECK_OUT(SFA_FORMAT_NDJSON, sub,
		  "[{\"name\":\"Ann\",\"id\":\"L1\",\"city\":\"Oslo\"},{\"id\":\"L2\"}]",
		  "{\"city\":\"Oslo\",\"id\":\"L1\"}\n{\"id\":\"L2\"}\n");
}

static void test_ids(void)
{
	CHECK_OUT(SFA_FORMAT_IDS, NULL, "[]", "");
	CHECK_OUT(SFA_FORMAT_IDS, name_cols,
		  "[{\"id\":\"L1\",\"name\":\"Ann\"},{\"id\":\"L2\"},{\"id\":17}]",
		  "L1\nL2\n17\n");

	CHECK(render(SFA_FORMAT_IDS, NULL, "[{\"id\":\"L1\"},{\"name\":\"Ann\"}]") == NULL);
	CHECK_INT(last_error, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "record has no 'id'");
	CHECK(render(SFA_FORMAT_IDS, NULL, "[{\"id\":null}]") == NULL);
	CHECK_INT(last_error, SFA_EINPUT);
	CHECK(render(SFA_FORMAT_IDS, NULL, "[{\"id\":\"\"}]") == NULL);
	CHECK_INT(last_error, SFA_EINPUT);
}

static void test_table(void)
{
	static const char *const cols[] = { "id", "first_name", "city", NULL };
	static const char *const two[] = { "name", "note", NULL };

	/* no rows, no output at all */
	CHECK_OUT(SFA_FORMAT_TABLE, cols, "[]", "");

	/* aligned by display width: 张伟 takes four columns, Иван four, José four */
	CHECK_OUT(SFA_FORMAT_TABLE, cols,
		  "[{\"id\":\"L1\",\"first_name\":\"\xe5\xbc\xa0\xe4\xbc\x9f\",\"city\":\"\xe5\x8c\x97\xe4\xba\xac\"},"
		  " {\"id\":\"L22\",\"first_name\":\"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\",\"city\":\"Moscow\"},"
		  " {\"id\":\"L333\",\"first_name\":\"Jos\xc3\xa9\",\"city\":\"M\xc3\xa1laga\"},"
		  " {\"id\":\"L4\",\"first_name\":\"Zo\xc3\xab Anne-Marie\"}]",
		  "id    first_name      city\n"
		  "L1    \xe5\xbc\xa0\xe4\xbc\x9f            \xe5\x8c\x97\xe4\xba\xac\n"
		  "L22   \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd            Moscow\n"
		  "L333  Jos\xc3\xa9            M\xc3\xa1laga\n"
		  "L4    Zo\xc3\xab Anne-Marie\n");

	/* values wider than the header; non-strings; empty last cells leave no trailing spaces */
	CHECK_OUT(SFA_FORMAT_TABLE, two,
		  "[{\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f\xe5\xbc\xa0\xe4\xbc\x9f\",\"note\":12},"
		  " {\"name\":\"x\",\"note\":true}, {\"name\":\"y \"}, {\"note\":null}]",
		  "name      note\n"
		  "\xe5\xbc\xa0\xe4\xbc\x9f\xe5\xbc\xa0\xe4\xbc\x9f  12\n"
		  "x         true\n"
		  "y\n"
		  "\n");

	/* newlines as the return symbol, tabs, CRs and escapes as spaces */
	CHECK_OUT(SFA_FORMAT_TABLE, two,
		  "[{\"name\":\"a\\nb\",\"note\":\"c\\td\\re\\u001b[31m\"}]",
		  "name  note\n"
		  "a\xe2\x8f\x8e" "b   c d e [31m\n");

	/* cut to 39 columns and an ellipsis; 40 columns still fit */
	{
		const char *a40 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
		const char *b39 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
		struct sfa_buf in = SFA_BUF_INIT, want = SFA_BUF_INIT;
		char *out;

		sfa_buf_addf(&in, "[{\"name\":\"%s\",\"note\":\"%sbb\"}]", a40, b39);
		sfa_buf_addf(&want, "name%36s  note\n%s  %s\xe2\x80\xa6\n", "", a40, b39);
		out = render(SFA_FORMAT_TABLE, two, in.buf);
		CHECK_STR(out, want.buf);
		free(out);

		/*
		 * 20 wide characters are exactly 40 columns; 21 are cut after
		 * 19 (38 columns) since the 20th would straddle the limit
		 */
		sfa_buf_reset(&in);
		sfa_buf_reset(&want);
		sfa_buf_addstr(&in, "[{\"name\":\"");
		for (int i = 0; i < 21; i++)
			sfa_buf_addstr(&in, "\xe5\xbc\xa0");
		sfa_buf_addstr(&in, "\",\"note\":\"");
		for (int i = 0; i < 20; i++)
			sfa_buf_addstr(&in, "\xe4\xbc\x9f");
		sfa_buf_addstr(&in, "\"}]");
		sfa_buf_addf(&want, "name%35s  note\n", "");
		for (int i = 0; i < 19; i++)
			sfa_buf_addstr(&want, "\xe5\xbc\xa0");
		sfa_buf_addstr(&want, "\xe2\x80\xa6  ");
		for (int i = 0; i < 20; i++)
			sfa_buf_addstr(&want, "\xe4\xbc\x9f");
		sfa_buf_addch(&want, '\n');
		out = render(SFA_FORMAT_TABLE, two, in.buf);
		CHECK_STR(out, want.buf);
		free(out);

		/* a combining mark stays with its letter at the cut */
		sfa_buf_reset(&in);
		sfa_buf_reset(&want);
		sfa_buf_addf(&in, "[{\"name\":\"%.38se\xcc\x81xyz\"}]", a40);
		sfa_buf_addf(&want, "name%36s  note\n%.38se\xcc\x81\xe2\x80\xa6\n", "", a40);
		out = render(SFA_FORMAT_TABLE, two, in.buf);
		CHECK_STR(out, want.buf);
		free(out);

		sfa_buf_release(&in);
		sfa_buf_release(&want);
	}

	CHECK(render(SFA_FORMAT_TABLE, NULL, "[{\"id\":\"L1\"}]") == NULL);
	CHECK_INT(last_error, SFA_EUSAGE);
	CHECK_STR(sfa_error_last(), "format 'table' needs at least one column");
}

static void test_open_errors(void)
{
	struct sfa_writer *w = (struct sfa_writer *)1;

	CHECK_INT(sfa_writer_open(&w, stdout, SFA_FORMAT_AUTO, name_cols), SFA_EUSAGE);
	CHECK(w == NULL);
	sfa_writer_free(NULL);
	CHECK_INT(sfa_writer_close(NULL), 0);
}

/* The writer copies the columns it is given. */
static void test_columns_copied(void)
{
	struct sfa_writer *w = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	char c0[] = "id", c1[] = "name";
	const char *cols[] = { c0, c1, NULL };
	json_t *rec = json_pack("{s:s, s:s}", "id", "L1", "name", "Ann");

	CHECK_INT(sfa_writer_open(&w, fp, SFA_FORMAT_NDJSON, cols), 0);
	c0[0] = 'X';
	cols[1] = NULL;
	CHECK_INT(sfa_writer_write(w, rec), 0);
	CHECK_INT(sfa_writer_close(w), 0);
	CHECK_STR(out, "{\"id\":\"L1\",\"name\":\"Ann\"}\n");
	fclose(fp);
	free(out);
	json_decref(rec);
}

static void test_write_error(void)
{
	static const enum sfa_format formats[] = {
		SFA_FORMAT_CSV, SFA_FORMAT_JSON, SFA_FORMAT_NDJSON, SFA_FORMAT_TABLE, SFA_FORMAT_IDS,
	};
	json_t *rec = json_pack("{s:s, s:s, s:s}", "id", "L1", "name", "Ann", "city", "Oslo");
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		FILE *fp = fopen("/dev/full", "w");
		struct sfa_writer *w = NULL;
		int error;

		if (!CHECK(fp != NULL))
			continue;
		CHECK_INT(sfa_writer_open(&w, fp, formats[i], name_cols), 0);
		CHECK_INT(sfa_writer_write(w, rec), 0);
		error = sfa_writer_close(w);
		CHECK_INT(error, SFA_ESTORE);
		CHECK_STR(sfa_error_last(), "cannot write output: No space left on device");
		/* the caller's FILE is still open */
		CHECK(fileno(fp) >= 0);
		fclose(fp);
	}

	/* a failure while streaming is reported by the write itself */
	{
		FILE *fp = fopen("/dev/full", "w");
		struct sfa_writer *w = NULL;
		int error = 0, n;

		if (CHECK(fp != NULL)) {
			CHECK_INT(sfa_writer_open(&w, fp, SFA_FORMAT_NDJSON, NULL), 0);
			for (n = 0; n < 100000 && !error; n++)
				error = sfa_writer_write(w, rec);
			CHECK_INT(error, SFA_ESTORE);
			CHECK(n < 100000);
			CHECK_STR(sfa_error_last(), "cannot write output: No space left on device");
			CHECK_INT(sfa_writer_close(w), SFA_ESTORE);
			fclose(fp);
		}
	}
	json_decref(rec);
}

void unit_tests(void)
{
	test_format_parse();
	test_value_text();
	test_csv();
	test_json();
	test_ndjson();
	test_ids();
	test_table();
	test_open_errors();
	test_columns_copied();
	test_write_error();
}
