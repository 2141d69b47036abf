/*
 * Fuzzes the small parsers of values and configuration: money, dates in
 * an import's format, relative times, JSON paths to file lines, import
 * maps, search text, folding and the duplicate-matching keys, the times
 * and durations of activities, pipelines, iCalendar text. The first byte
 * picks the parser; each checks a property that must always hold.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/activity.h"
#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/fts.h"
#include "sfa/ics.h"
#include "sfa/import.h"
#include "sfa/match.h"
#include "sfa/money.h"
#include "sfa/pipeline.h"
#include "sfa/query.h"
#include "sfa/schema.h"
#include "sfa/utf8.h"

static void money(const char *s)
{
	struct sfa_money m, again;
	struct sfa_buf b = SFA_BUF_INIT;

	if (sfa_money_parse(&m, s, "EUR") == 0) {
		/* what is printed reads back as the same amount */
		sfa_money_format(&b, &m);
		if (sfa_money_parse(&again, b.buf, NULL) != 0 || again.minor != m.minor ||
		    strcmp(again.currency, m.currency))
			abort();
	}
	sfa_buf_release(&b);
}

static void date(const char *s)
{
	static const char *const formats[] = { "YYYY-MM-DD", "MM/DD/YYYY", "DD.MM.YYYY", "D/M/YYYY" };
	const char *rest;
	int y, m, d;

	for (size_t i = 0; i < 4; i++)
		if (sfa_date_parse_format(&y, &m, &d, &rest, s, formats[i]) == 0 &&
		    (m < 1 || m > 12 || d < 1 || d > 31 || rest < s || rest > s + strlen(s)))
			abort();
}

static void config_line(const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len);
	char path[128];
	size_t n = nl ? (size_t)(nl - s) : len, lines = 1;

	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, s, n);
	path[n] = '\0';
	for (size_t i = 0; i < len; i++)
		lines += s[i] == '\n';
	/* a line of the text, or 0 */
	if (sfa_config_line(s, len, path) > lines)
		abort();
}

static void map(const char *s, int sep)
{
	json_t *m = NULL, *names = NULL;
	if (sfa_import_map_parse(&m, s, sep, "fuzz") == 0) {
		const char *k;
		json_t *v;
		json_object_foreach(m, k, v)
			if (!json_is_string(v) || sfa_field_name_check(json_string_value(v)) < 0)
				abort();
		sfa_import_names(&names, &sfa_type_lead, m);
		json_decref(names);
	}
	json_decref(m);
}

static void search(const char *s)
{
	struct sfa_buf q = SFA_BUF_INIT;
	int n = sfa_fts_query(&q, s);
	/* no terms, no expression; terms are quoted phrases */
	if (n < 0 || (n == 0) != (q.len == 0) || (n && q.buf[0] != '"'))
		abort();
	sfa_buf_release(&q);
}

static void keys(const char *s, size_t len)
{
	struct sfa_buf a = SFA_BUF_INIT, b = SFA_BUF_INIT;
	const char *half = s + len / 2;
	double x, y;

	sfa_utf8_fold(&a, s, len);
	if (!sfa_utf8_valid(a.buf, a.len, NULL))
		abort();
	sfa_match_email_key(&a, s);
	sfa_match_email_domain(&a, s);
	sfa_match_phone_key(&a, s, "DE");
	sfa_match_company_key(&a, s);
	sfa_match_name_key(&a, s, half);
	sfa_match_block_key(&a, s, half, s);
	x = sfa_match_similarity(s, half);
	y = sfa_match_similarity(half, s);
	if (isnan(x) || x < 0 || x > 1 || x != y)
		abort();
	sfa_buf_release(&a);
	sfa_buf_release(&b);
}

static void when(const char *s)
{
	time_t t;
	sfa_when_parse(&t, s, 1767225600);
}

/* A user's time and a duration: within the documented bounds when accepted. */
static void local_time(const char *s)
{
	time_t t, now = 1767225600;
	long minutes;
	if (sfa_when_local(&t, s, now) == 0 && s[0] == '+' && (t < now || t > now + 3660L * 86400))
		abort();
	if (sfa_duration_parse(&minutes, s) == 0 && (minutes < 0 || minutes > 100000))
		abort();
}

/* A pipelines file: parsed or refused; a parsed one has a default with stages. */
static void pipelines(const char *s)
{
	struct sfa_pipelines *ps = NULL;
	json_t *cfg = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(cfg) && sfa_pipelines_parse(&ps, cfg) == 0 &&
	    (!ps->def || !ps->def->nstages || !sfa_pipeline_closing(ps->def, 1) || !sfa_pipeline_closing(ps->def, 0)))
		abort();
	sfa_pipelines_free(ps);
	json_decref(cfg);
}

/* iCalendar text: escaped, folded lines of at most 75 octets, whole UTF-8 characters. */
static void ics_text(const char *s)
{
	struct sfa_buf v = SFA_BUF_INIT, out = SFA_BUF_INIT;
	size_t col = 0;
	int valid = sfa_utf8_valid(s, strlen(s), NULL);

	sfa_buf_addstr(&v, "SUMMARY:");
	sfa_ics_text(&v, s);
	sfa_ics_line(&out, v.buf, v.len);
	for (size_t i = 0; i < out.len; i++) {
		if (out.buf[i] == '\r') {
			if (out.buf[i + 1] != '\n')
				abort();
			col = 0;
			i++;
			continue;
		}
		if (out.buf[i] == '\n' || ++col > 75)
			abort();
		/* a continuation line never starts inside a character (of valid UTF-8) */
		if (valid && col == 2 && out.buf[i - 1] == ' ' && ((unsigned char)out.buf[i] & 0xc0) == 0x80 &&
		    i >= 3 && out.buf[i - 2] == '\n')
			abort();
	}
	sfa_buf_release(&v);
	sfa_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	/* the parsers take NUL-terminated text */
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	/* bytes 0xf0-0xff pick the later parsers, so the older seeds keep theirs */
	switch (data[0] < 0xf0 ? data[0] % 8 : 8 + (data[0] - 0xf0) % 3) {
	case 0: money(s); break;
	case 1: date(s); break;
	case 2: config_line(s, strlen(s)); break;
	case 3: map(s, ','); break;
	case 4: map(s, '\n'); break;
	case 5: search(s); break;
	case 6: keys(s, strlen(s)); break;
	case 7: when(s); break;
	case 8: local_time(s); break;
	case 9: pipelines(s); break;
	case 10: ics_text(s); break;
	}
	sfa_error_clear();
	free(s);
	return 0;
}
