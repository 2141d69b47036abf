/* The filter language: --where expressions and friends into an index query. */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sfa/access.h"
#include "sfa/error.h"
#include "sfa/query.h"
#include "sfa/record.h"
#include "sfa/schema.h"
#include "sfa/stream.h"
#include "sfa/banned.h"

void sfa_filter_init(struct sfa_filter *f, struct sfa_store *s, const struct sfa_type *t)
{
	memset(f, 0, sizeof(*f));
	f->store = s;
	f->q.type = t;
	f->q.limit = -1;
}

void sfa_filter_or_begin(struct sfa_filter *f)
{
	f->in_or = 1;
	f->alt = 0;
}

void sfa_filter_or_next(struct sfa_filter *f)
{
	f->alt++;
}

void sfa_filter_or_end(struct sfa_filter *f)
{
	f->in_or = 0;
	f->q.or_block = 1;
}

static void cond_release(struct sfa_cond *c)
{
	for (size_t i = 0; i < c->nvalues; i++)
		free(c->values[i]);
	free(c->values);
	free(c->field);
}

void sfa_filter_release(struct sfa_filter *f)
{
	for (size_t i = 0; i < f->nconds; i++)
		cond_release(&f->conds[i]);
	free(f->conds);
	for (size_t i = 0; i < f->nsort; i++)
		free(f->sort[i].field);
	free(f->sort);
	free(f->reader);
	free(f->reader_territory);
	memset(f, 0, sizeof(*f));
}

int sfa_filter_readable(struct sfa_filter *f)
{
	struct sfa_access *a = NULL;
	struct sfa_buf me = SFA_BUF_INIT;
	const char *territory;
	int err = sfa_access_open(&a, f->store);

	if (err < 0)
		return err;
	sfa_store_me(f->store, &me);
	if (sfa_access_read_scope(a, me.buf, f->q.type, &territory)) {
		free(f->reader);
		free(f->reader_territory);
		f->q.reader = f->reader = sfa_xstrdup(me.buf);
		f->q.reader_territory = f->reader_territory = territory ? sfa_xstrdup(territory) : NULL;
	}
	sfa_buf_release(&me);
	sfa_access_free(a);
	return 0;
}

/* The field must be one records of this type can have. */
static int known_field(struct sfa_filter *f, const char *name, const struct sfa_field **decl)
{
	const struct sfa_schema *sc;
	int err;

	*decl = NULL;
	if ((err = sfa_field_name_check(name)) < 0)
		return SFA_EUSAGE;
	if ((err = sfa_store_schema(f->store, &sc)) < 0)
		return err;
	if ((*decl = sfa_schema_field(sc, f->q.type, name)) ||
	    sfa_index_field_known(sfa_store_index(f->store), f->q.type, name))
		return 0;
	return sfa_error_set(SFA_EUSAGE, "unknown field '%s' (no %s has it; see the schema, 'sfa config show schema')",
			     name, f->q.type->name);
}

/* The stored JSON of `value` for the field, as its type has it. */
static int stored_value(struct sfa_filter *f, const struct sfa_field *decl, const char *field,
			const char *value, char **out)
{
	struct sfa_schema_opts so = { NULL, f->store };
	const struct sfa_schema *sc;
	json_t *probe = json_object();
	int err;

	json_object_set_new(probe, field, json_string(value));
	if (decl && (err = sfa_store_schema(f->store, &sc)) == 0)
		err = sfa_schema_normalize(sc, f->q.type, probe, &so);
	else
		err = 0;
	if (!err && !strcmp(field, "created_at")) {
		time_t t;
		char iso[21];
		if ((err = sfa_time_parse(&t, value)) == 0) {
			sfa_time_iso(iso, t);
			json_object_set_new(probe, field, json_string(iso));
		}
	}
	if (err < 0) {
		json_decref(probe);
		return sfa_error_prefix(SFA_EUSAGE, "--where: ");
	}
	/* The bytes the index compares with: the encoder of stored records, UTF-8 unescaped. */
	{
		struct sfa_buf enc = SFA_BUF_INIT;
		sfa_value_json(&enc, json_object_get(probe, field));
		*out = sfa_buf_detach(&enc, NULL);
	}
	json_decref(probe);
	return 0;
}

static struct sfa_cond *new_cond(struct sfa_filter *f, const char *field, size_t flen, enum sfa_op op)
{
	struct sfa_cond *c;
	SFA_ALLOC_GROW(f->conds, f->nconds + 1, f->alloc);
	c = &f->conds[f->nconds++];
	memset(c, 0, sizeof(*c));
	c->alt = f->in_or ? f->alt : 0;
	c->field = sfa_xstrndup(field, flen);
	c->op = op;
	f->q.conds = f->conds;
	f->q.nconds = f->nconds;
	return c;
}

static void add_value(struct sfa_cond *c, char *v)
{
	c->values = sfa_xrealloc(c->values, (c->nvalues + 1) * sizeof(*c->values));
	c->values[c->nvalues++] = v;
}

static enum sfa_cmp cmp_of(const struct sfa_field *decl)
{
	if (decl && decl->type == SFA_FT_INTEGER)
		return SFA_CMP_NUMBER;
	if (decl && decl->type == SFA_FT_MONEY)
		return SFA_CMP_MONEY;
	return SFA_CMP_TEXT;
}

/* Values for <, >: a number, an amount's number, or the normalized text. */
static int order_value(struct sfa_filter *f, const struct sfa_field *decl, const char *field,
		       const char *value, char **out)
{
	char *json;
	json_t *v;
	int err;

	if (decl && decl->type == SFA_FT_MONEY) {
		char *end;
		strtod(value, &end);
		if (end == value)
			return sfa_error_set(SFA_EUSAGE, "--where: field '%s': not an amount: '%s'", field, value);
		*out = sfa_xstrndup(value, (size_t)(end - value));
		return 0;
	}
	if ((err = stored_value(f, decl, field, value, &json)) < 0)
		return err;
	v = json_loads(json, JSON_DECODE_ANY, NULL);
	if (json_is_string(v))
		*out = sfa_xstrdup(json_string_value(v));
	else
		*out = sfa_xstrdup(json);
	free(json);
	json_decref(v);
	return 0;
}

int sfa_filter_where(struct sfa_filter *f, const char *expr)
{
	static const struct { const char *tok; enum sfa_op op; } ops[] = {
		{ "!=", SFA_OP_NE }, { "<=", SFA_OP_LE }, { ">=", SFA_OP_GE }, { "=", SFA_OP_EQ },
		{ "<", SFA_OP_LT }, { ">", SFA_OP_GT }, { "~", SFA_OP_CONTAINS },
	};
	const struct sfa_field *decl;
	const char *p = expr, *value;
	size_t flen;
	enum sfa_op op = SFA_OP_EQ;
	int found = 0, err;
	char field[SFA_FIELD_NAME_MAX + 1];

	while (*p == ' ')
		p++;
	flen = 0;
	while (p[flen] && ((unsigned char)p[flen] >= 0x80 || isalnum((unsigned char)p[flen]) ||
			   p[flen] == '_' || p[flen] == '-'))
		flen++;
	if (!flen || flen > SFA_FIELD_NAME_MAX)
		return sfa_error_set(SFA_EUSAGE, "--where '%s': expected FIELD OP VALUE (OP one of = != < <= > >= ~ in)", expr);
	memcpy(field, p, flen);
	field[flen] = '\0';
	value = p + flen;
	while (*value == ' ')
		value++;
	if (!strncmp(value, "in ", 3)) {
		op = SFA_OP_IN;
		value += 3;
		found = 1;
	}
	for (size_t i = 0; !found && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(value, ops[i].tok, strlen(ops[i].tok))) {
			op = ops[i].op;
			value += strlen(ops[i].tok);
			found = 1;
		}
	if (!found)
		return sfa_error_set(SFA_EUSAGE, "--where '%s': no operator after '%s' (one of = != < <= > >= ~ in)",
				     expr, field);
	if ((err = known_field(f, field, &decl)) < 0)
		return sfa_error_prefix(SFA_EUSAGE, "--where '%s': ", expr);
	while (*value == ' ')
		value++;
	if (!*value && (op == SFA_OP_EQ || op == SFA_OP_NE)) {
		new_cond(f, field, flen, op == SFA_OP_EQ ? SFA_OP_EMPTY : SFA_OP_NOT_EMPTY);
		return 0;
	}
	if (!*value)
		return sfa_error_set(SFA_EUSAGE, "--where '%s': no value", expr);
	if (op == SFA_OP_IN)
		return sfa_filter_in(f, field, value);
	char *v;
	if (op == SFA_OP_EQ || op == SFA_OP_NE)
		err = stored_value(f, decl, field, value, &v);
	else if (op == SFA_OP_CONTAINS)
		v = sfa_xstrdup(value), err = 0;
	else
		err = order_value(f, decl, field, value, &v);
	if (err < 0)
		return err;
	struct sfa_cond *c = new_cond(f, field, flen, op);
	c->cmp = cmp_of(decl);
	add_value(c, v);
	return 0;
}

int sfa_filter_in(struct sfa_filter *f, const char *field, const char *values)
{
	const struct sfa_field *decl;
	struct sfa_cond *c;
	const char *p = values;
	int err;

	if ((err = known_field(f, field, &decl)) < 0)
		return err;
	c = new_cond(f, field, strlen(field), SFA_OP_IN);
	c->cmp = cmp_of(decl);
	while (*p) {
		size_t n = strcspn(p, ",");
		char *one = sfa_xstrndup(p, n), *v;
		err = stored_value(f, decl, field, one, &v);
		free(one);
		if (err < 0)
			return err;
		add_value(c, v);
		p += n + (p[n] == ',');
	}
	if (!c->nvalues)
		return sfa_error_set(SFA_EUSAGE, "no values for '%s'", field);
	return 0;
}

/* 0001-01-01T00:00:00Z */
#define YEAR_1 ((time_t)-62135596800LL)

static int when_too_far(const char *s)
{
	return sfa_error_set(SFA_EUSAGE, "'%s': further back than the year 1", s);
}

int sfa_when_parse(time_t *out, const char *s, time_t now)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end != s && n >= 0 && end[0] && !end[1] && strchr("hdwmy", end[0])) {
		/*
		 * Nothing is dated before the year 1, and a time that far back
		 * has no ISO 8601 text of 20 characters: refuse it before the
		 * arithmetic overflows.
		 */
		if (n > 100000000L)
			return when_too_far(s);
		if (end[0] == 'm' || end[0] == 'y') {
			/* calendar months and years: "3m" on May 31 is Feb 28 or 29 */
			struct tm tm;
			int mday;
			gmtime_r(&now, &tm);
			if (end[0] == 'm')
				tm.tm_mon -= (int)n;
			else
				tm.tm_year -= (int)n;
			mday = tm.tm_mday;
			tm.tm_mday = 1;
			*out = timegm(&tm);	/* normalizes the month */
			gmtime_r(out, &tm);
			int max = sfa_days_in_month(tm.tm_year + 1900, tm.tm_mon + 1);
			tm.tm_mday = mday < max ? mday : max;
			*out = timegm(&tm);
		} else {
			long secs = end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 7 * 86400;
			*out = now - n * secs;
		}
		return *out < YEAR_1 ? when_too_far(s) : 0;
	}
	if (sfa_time_parse(out, s) < 0)
		return sfa_error_set(SFA_EUSAGE, "'%s' is not a date (2024-03-05), a date-time or a time back (7d, 2w, 3m, 1y, 12h)", s);
	return 0;
}

int sfa_filter_time(struct sfa_filter *f, const char *field, int since, const char *when, time_t now)
{
	const struct sfa_field *decl;
	struct sfa_cond *c;
	char iso[21];
	time_t t;
	int err;

	if ((err = sfa_when_parse(&t, when, now)) < 0)
		return sfa_error_prefix(SFA_EUSAGE, "%s: ", since ? "--since" : "--until");
	if ((err = known_field(f, field, &decl)) < 0)
		return err;
	sfa_time_iso(iso, t);
	if (decl && decl->type == SFA_FT_DATE)
		iso[10] = '\0';
	c = new_cond(f, field, strlen(field), since ? SFA_OP_GE : SFA_OP_LT);
	add_value(c, sfa_xstrdup(iso));
	return 0;
}

int sfa_filter_sort(struct sfa_filter *f, const char *spec)
{
	const char *p = spec;
	const struct sfa_field *decl;
	int err;

	while (*p) {
		size_t n = strcspn(p, ",");
		int desc = *p == '-';
		char *name = sfa_xstrndup(p + desc, n - (size_t)desc);
		if ((err = known_field(f, name, &decl)) < 0) {
			free(name);
			return sfa_error_prefix(SFA_EUSAGE, "--sort: ");
		}
		f->sort = sfa_xrealloc(f->sort, (f->nsort + 1) * sizeof(*f->sort));
		f->sort[f->nsort].field = name;
		f->sort[f->nsort++].desc = desc;
		p += n + (p[n] == ',');
	}
	f->q.sort = f->sort;
	f->q.nsort = f->nsort;
	return 0;
}

int sfa_filter_option(struct sfa_filter *f, const char *name, const char *arg)
{
	if (!strcmp(name, "where"))
		return sfa_filter_where(f, arg);
	if (!strcmp(name, "status") || !strcmp(name, "owner") || !strcmp(name, "source"))
		return sfa_filter_in(f, name, arg);
	if (!strcmp(name, "since") || !strcmp(name, "until"))
		return sfa_filter_time(f, "created_at", name[1] == 'i', arg, sfa_now());
	if (!strcmp(name, "sort"))
		return sfa_filter_sort(f, arg);
	return sfa_error_set(SFA_EUSAGE, "--%s is not a filter", name);
}

/* A quarter "2026-Q4", a month "2026-11" or a year "2026": its first and last day. */
static int named_period(const char *spec, char from[11], char to[11])
{
	int y, m, n = 0;
	char q;
	if (sscanf(spec, "%4d-%c%1d%n", &y, &q, &m, &n) == 3 && (q == 'Q' || q == 'q') && !spec[n] && m >= 1 && m <= 4 &&
	    y >= 0 && y <= 9999) {
		snprintf(from, 11, "%04d-%02d-01", y, 3 * m - 2);
		snprintf(to, 11, "%04d-%02d-%02d", y, 3 * m, sfa_days_in_month(y, 3 * m));
		return 0;
	}
	if (sscanf(spec, "%4d-%2d%n", &y, &m, &n) == 2 && n == 7 && !spec[n] && m >= 1 && m <= 12 && y >= 0 && y <= 9999) {
		snprintf(from, 11, "%04d-%02d-01", y, m);
		snprintf(to, 11, "%04d-%02d-%02d", y, m, sfa_days_in_month(y, m));
		return 0;
	}
	if (sscanf(spec, "%4d%n", &y, &n) == 1 && n == 4 && !spec[n] && y >= 1000 && y <= 9999) {
		snprintf(from, 11, "%04d-01-01", y);
		snprintf(to, 11, "%04d-12-31", y);
		return 0;
	}
	return SFA_ENOTFOUND;
}

int sfa_period_parse(const char *spec, time_t now, char from[11], char to[11])
{
	static const char *const when[] = { "last", "this", "next" };
	static const char usage[] = "not a period: '%s' (this-month, next-quarter, last-year, 2026-Q4, 2026-11, "
				    "2026, 2026-01-01..2026-03-31)";
	struct tm tm;
	int y, m, span = 0, shift = -2, y2, m2;
	const char *dash = strchr(spec, '-');
	const char *dots = strstr(spec, "..");

	if (named_period(spec, from, to) == 0)
		return 0;
	if (dots) {	/* DATE..DATE */
		int a, b, c, d, e, g;
		if (dots - spec != 10 || strlen(dots + 2) != 10 || sscanf(spec, "%4d-%2d-%2d", &a, &b, &c) != 3 ||
		    sscanf(dots + 2, "%4d-%2d-%2d", &d, &e, &g) != 3 || b < 1 || b > 12 || e < 1 || e > 12 ||
		    c < 1 || c > sfa_days_in_month(a, b) || g < 1 || g > sfa_days_in_month(d, e))
			return sfa_error_set(SFA_EUSAGE, usage, spec);
		memcpy(from, spec, 10);
		from[10] = '\0';
		memcpy(to, dots + 2, 11);
		if (strcmp(from, to) > 0)
			return sfa_error_set(SFA_EUSAGE, "the period '%s' ends before it starts", spec);
		return 0;
	}
	for (int i = 0; dash && i < 3; i++)
		if ((size_t)(dash - spec) == strlen(when[i]) && !strncasecmp(spec, when[i], strlen(when[i])))
			shift = i - 1;
	if (dash && !strcasecmp(dash + 1, "month"))
		span = 1;
	else if (dash && !strcasecmp(dash + 1, "quarter"))
		span = 3;
	else if (dash && !strcasecmp(dash + 1, "year"))
		span = 12;
	if (shift == -2 || !span)
		return sfa_error_set(SFA_EUSAGE, usage, spec);
	gmtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon - tm.tm_mon % span + shift * span;	/* first month of the period, 0-based */
	while (m < 0) {
		m += 12;
		y--;
	}
	y += m / 12;
	m %= 12;
	y2 = y + (m + span - 1) / 12;
	m2 = (m + span - 1) % 12;
	snprintf(from, 11, "%04d-%02d-01", y, m + 1);
	snprintf(to, 11, "%04d-%02d-%02d", y2, m2 + 1, sfa_days_in_month(y2, m2 + 1));
	return 0;
}
