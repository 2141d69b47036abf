/* The schema: declared fields per record type, and checking values against it. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/error.h"
#include "sfa/money.h"
#include "sfa/schema.h"
#include "sfa/store.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

struct type_fields {
	struct sfa_field *v;
	size_t n;
};

struct sfa_schema {
	json_t *cfg;			/* holds the strings the fields point into */
	struct type_fields types[SFA_TYPES_MAX];	/* by position in sfa_types */
};

static const char *const ftype_names[] = {
	"text", "email", "phone", "date", "datetime", "money", "integer", "boolean", "enum", "ref"
};

const char *sfa_ftype_name(enum sfa_ftype t)
{
	return ftype_names[t];
}

static size_t type_pos(const struct sfa_type *t)
{
	size_t i = 0;
	while (sfa_types[i] && sfa_types[i] != t)
		i++;
	return i;
}

static int cmp_field(const void *a, const void *b)
{
	return strcmp(((const struct sfa_field *)a)->name, ((const struct sfa_field *)b)->name);
}

void sfa_schema_free(struct sfa_schema *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sizeof(sc->types) / sizeof(sc->types[0]); i++)
		free(sc->types[i].v);
	json_decref(sc->cfg);
	free(sc);
}

static int parse_field(struct sfa_field *f, const char *type, const char *name, json_t *def)
{
	const char *k;
	json_t *v;
	size_t t;

	if (sfa_field_name_check(name) < 0)
		return sfa_error_prefix(SFA_EINPUT, "%s.fields.%s: ", type, name);
	if (!json_is_object(def))
		return sfa_error_set(SFA_EINPUT, "%s.fields.%s: expected an object like {\"type\": \"text\"}", type, name);
	f->name = name;
	v = json_object_get(def, "type");
	if (!json_is_string(v))
		return sfa_error_set(SFA_EINPUT, "%s.fields.%s: no \"type\" (one of: text, email, phone, date, "
				     "datetime, money, integer, boolean, enum, ref)", type, name);
	for (t = 0; t < sizeof(ftype_names) / sizeof(ftype_names[0]); t++)
		if (!strcmp(ftype_names[t], json_string_value(v)))
			break;
	if (t == sizeof(ftype_names) / sizeof(ftype_names[0]))
		return sfa_error_set(SFA_EINPUT, "%s.fields.%s.type: unknown type '%s' (one of: text, email, phone, "
				     "date, datetime, money, integer, boolean, enum, ref)", type, name, json_string_value(v));
	f->type = (enum sfa_ftype)t;
	json_object_foreach(def, k, v) {
		if (!strcmp(k, "type"))
			continue;
		if (!strcmp(k, "required")) {
			if (!json_is_boolean(v))
				return sfa_error_set(SFA_EINPUT, "%s.fields.%s.required: expected true or false", type, name);
			f->required = json_is_true(v);
		} else if (!strcmp(k, "personal")) {
			if (!json_is_boolean(v))
				return sfa_error_set(SFA_EINPUT, "%s.fields.%s.personal: expected true or false", type, name);
			f->personal = json_is_true(v);
		} else if (!strcmp(k, "default")) {
			f->def = v;
		} else if (!strcmp(k, "values") && f->type == SFA_FT_ENUM) {
			size_t i;
			json_t *e;
			if (!json_is_array(v) || !json_array_size(v))
				return sfa_error_set(SFA_EINPUT, "%s.fields.%s.values: expected a list of text", type, name);
			json_array_foreach(v, i, e)
				if (!json_is_string(e) || !json_string_length(e))
					return sfa_error_set(SFA_EINPUT, "%s.fields.%s.values[%zu]: expected text", type, name, i);
			f->values = v;
		} else if (!strcmp(k, "to") && f->type == SFA_FT_REF) {
			/* "any": a lead, account, contact, opportunity... (what an activity is about) */
			if (json_is_string(v) && !strcmp(json_string_value(v), "any"))
				f->to_any = 1;
			else if (!json_is_string(v) || !(f->to = sfa_type_find(json_string_value(v))))
				return sfa_error_set(SFA_EINPUT, "%s.fields.%s.to: unknown record type '%s'", type, name,
						     json_is_string(v) ? json_string_value(v) : "(not text)");
		} else if (!strcmp(k, "currency") && f->type == SFA_FT_MONEY) {
			size_t n = json_string_length(v);
			const char *c = json_string_value(v);
			if (!json_is_string(v) || n != 3 || !isupper((unsigned char)c[0]) ||
			    !isupper((unsigned char)c[1]) || !isupper((unsigned char)c[2]))
				return sfa_error_set(SFA_EINPUT, "%s.fields.%s.currency: expected an ISO 4217 code like \"EUR\"",
						     type, name);
			f->currency = c;
		} else if ((!strcmp(k, "min") || !strcmp(k, "max")) &&
			   (f->type == SFA_FT_INTEGER || f->type == SFA_FT_MONEY)) {
			if (!json_is_integer(v))
				return sfa_error_set(SFA_EINPUT, "%s.fields.%s.%s: expected an integer", type, name, k);
			if (k[1] == 'i') {
				f->has_min = 1;
				f->min = json_integer_value(v);
			} else {
				f->has_max = 1;
				f->max = json_integer_value(v);
			}
		} else {
			return sfa_error_set(SFA_EINPUT, "%s.fields.%s.%s: not a setting of %s %s field", type, name, k,
					     strchr("aeiou", ftype_names[f->type][0]) ? "an" : "a", ftype_names[f->type]);
		}
	}
	if (f->type == SFA_FT_ENUM && !f->values)
		return sfa_error_set(SFA_EINPUT, "%s.fields.%s: an enum needs \"values\"", type, name);
	if (f->type == SFA_FT_REF && !f->to && !f->to_any)
		return sfa_error_set(SFA_EINPUT, "%s.fields.%s: a ref needs \"to\" (a record type or \"any\")", type, name);
	if (f->has_min && f->has_max && f->min > f->max)
		return sfa_error_set(SFA_EINPUT, "%s.fields.%s.min: greater than max", type, name);
	return 0;
}

int sfa_schema_parse(struct sfa_schema **out, const json_t *cfg)
{
	struct sfa_schema *sc = sfa_xcalloc(1, sizeof(*sc));
	const char *tname, *fname;
	json_t *tdef, *fdef;
	int err = 0;

	sc->cfg = json_incref((json_t *)cfg);
	json_object_foreach((json_t *)cfg, tname, tdef) {
		const struct sfa_type *t = sfa_type_find(tname);
		json_t *fields;
		const char *k;
		json_t *v;
		if (!t) {
			err = sfa_error_set(SFA_EINPUT, "%s: unknown record type '%s'", tname, tname);
			goto done;
		}
		if (!json_is_object(tdef)) {
			err = sfa_error_set(SFA_EINPUT, "%s: expected an object with \"fields\"", tname);
			goto done;
		}
		json_object_foreach(tdef, k, v)
			if (strcmp(k, "fields")) {
				err = sfa_error_set(SFA_EINPUT, "%s.%s: unknown key (expected \"fields\")", tname, k);
				goto done;
			}
		fields = json_object_get(tdef, "fields");
		if (!json_is_object(fields)) {
			err = sfa_error_set(SFA_EINPUT, "%s: expected an object with \"fields\"", tname);
			goto done;
		}
		struct type_fields *tf = &sc->types[type_pos(t)];
		tf->v = sfa_xcalloc(json_object_size(fields) + 1, sizeof(*tf->v));
		json_object_foreach(fields, fname, fdef) {
			struct sfa_field *f = &tf->v[tf->n];
			if (!strcmp(fname, "id") || !strcmp(fname, "created_at") || !strcmp(fname, "external_id")) {
				err = sfa_error_set(SFA_EINPUT, "%s.fields.%s: kept by sfa itself, not declared", tname, fname);
				goto done;
			}
			if ((err = parse_field(f, tname, fname, fdef)) < 0)
				goto done;
			tf->n++;
			if (f->def) {
				/* A default must itself be a valid value. */
				json_t *probe = json_object();
				json_object_set(probe, fname, f->def);
				struct sfa_schema tmp = { 0 };
				tmp.types[type_pos(t)].v = f;
				tmp.types[type_pos(t)].n = 1;
				err = sfa_schema_normalize(&tmp, t, probe, NULL);
				json_decref(probe);
				if (err < 0) {
					err = sfa_error_prefix(SFA_EINPUT, "%s.fields.%s.default: ", tname, fname);
					goto done;
				}
			}
		}
		qsort(tf->v, tf->n, sizeof(*tf->v), cmp_field);
	}
done:
	if (err < 0) {
		sfa_schema_free(sc);
		return err;
	}
	*out = sc;
	return 0;
}

const struct sfa_field *sfa_schema_fields(const struct sfa_schema *sc, const struct sfa_type *t, size_t *n)
{
	const struct type_fields *tf = &sc->types[type_pos(t)];
	*n = tf->n;
	return tf->v;
}

const struct sfa_field *sfa_schema_field(const struct sfa_schema *sc, const struct sfa_type *t,
					 const char *name)
{
	const struct type_fields *tf = &sc->types[type_pos(t)];
	struct sfa_field key = { 0 };
	key.name = name;
	return tf->n ? bsearch(&key, tf->v, tf->n, sizeof(*tf->v), cmp_field) : NULL;
}

/* --- values ------------------------------------------------------------------ */

/*
 * Loose on purpose: one '@', something on each side, a dot inside the
 * domain, no spaces. Whether mail arrives is for the mail server to say;
 * this catches the typos an import carries ("bob@", "bob example.com").
 */
static int email_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *dot;
	size_t dl;

	if (!at || at == s || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == ',' || s[i] == ';' || s[i] == '<' || s[i] == '>')
			return 0;
	dl = len - (size_t)(at - s) - 1;
	dot = memchr(at + 1, '.', dl);
	return dl >= 3 && dot && dot != at + 1 && at[dl] != '.';
}

/* Digits, spaces and the usual punctuation of written numbers, an extension at the end. */
static int phone_ok(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr(" +-()./", *p)) {
			/* "x123", "ext. 123", "#123" after the number */
			const char *e = p;
			if (*e == 'x' || *e == '#')
				e++;
			else if (!strncasecmp(e, "ext", 3))
				e += 3 + (e[3] == '.');
			else
				return 0;
			while (*e == ' ')
				e++;
			if (!*e || strspn(e, "0123456789") != strlen(e))
				return 0;
			break;
		}
	}
	return digits >= 3;
}

/* Reads up to `max` digits (at least `min`) into *v. */
static const char *digits(const char *s, int min, int max, int *v)
{
	int n = 0;
	*v = 0;
	while (n < max && isdigit((unsigned char)s[n]))
		*v = *v * 10 + (s[n++] - '0');
	return n >= min ? s + n : NULL;
}

int sfa_date_parse_format(int *y, int *m, int *d, const char **rest, const char *s, const char *format)
{
	const char *p = s, *f = format;

	*y = *m = *d = 0;
	while (*f) {
		if (!strncmp(f, "YYYY", 4)) {
			p = digits(p, 4, 4, y);
			f += 4;
		} else if (!strncmp(f, "MM", 2) || !strncmp(f, "DD", 2)) {
			p = digits(p, 1, 2, *f == 'M' ? m : d);
			f += 2;
		} else if (*f == 'M' || *f == 'D') {
			p = digits(p, 1, 2, *f == 'M' ? m : d);
			f++;
		} else {
			if (*p != *f)
				p = NULL;
			else
				p++;
			f++;
		}
		if (!p)
			return sfa_error_set(SFA_EINPUT, "not a date in the form %s: '%s'", format, s);
	}
	if (*m < 1 || *m > 12 || *d < 1 || *y < 1 || *d > sfa_days_in_month(*y, *m))
		return sfa_error_set(SFA_EINPUT, "no such date: '%s'", s);
	*rest = p;
	return 0;
}

/*
 * A date-time in the import's date format: the date, then optionally
 * " hh:mm[:ss]" taken as UTC.
 */
int sfa_datetime_parse_format(time_t *out, const char *s, const char *format)
{
	const char *rest;
	int y, m, d, hh = 0, mm = 0, ss = 0, err;

	if ((err = sfa_date_parse_format(&y, &m, &d, &rest, s, format)) < 0)
		return err;
	if (*rest == ' ' || *rest == 'T') {
		const char *p = digits(rest + 1, 1, 2, &hh);
		if (p && *p == ':')
			p = digits(p + 1, 2, 2, &mm);
		else
			p = NULL;
		if (p && *p == ':')
			p = digits(p + 1, 2, 2, &ss);
		if (!p || *p || hh > 23 || mm > 59 || ss > 60)
			return sfa_error_set(SFA_EINPUT, "not a date-time in the form %s hh:mm: '%s'", format, s);
	} else if (*rest) {
		return sfa_error_set(SFA_EINPUT, "not a date in the form %s: '%s'", format, s);
	}
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*out = timegm(&tm);
	return 0;
}

static int parse_when(time_t *out, const char *s, const struct sfa_schema_opts *opts)
{
	if (opts && opts->date_format && sfa_time_parse(out, s) < 0)
		return sfa_datetime_parse_format(out, s, opts->date_format);
	return sfa_time_parse(out, s);
}

/* The text of a scalar value as input gave it (numbers written out). */
static void value_text(struct sfa_buf *out, const json_t *v)
{
	if (json_is_string(v))
		sfa_buf_add(out, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		sfa_buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		sfa_buf_addf(out, "%.15g", json_real_value(v));
	else if (json_is_boolean(v))
		sfa_buf_addstr(out, json_is_true(v) ? "true" : "false");
}

static json_t *trimmed(const char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	return json_stringn(s, n);
}

/* One value of a declared field: a new reference to the stored form, or NULL with the error set. */
static json_t *normalize(const struct sfa_field *f, const json_t *v, const struct sfa_schema_opts *opts,
			 const char *currency)
{
	struct sfa_buf b = SFA_BUF_INIT;
	json_t *res = NULL;
	const char *s;

	value_text(&b, v);
	s = b.buf;
	switch (f->type) {
	case SFA_FT_TEXT:
		res = json_is_string(v) ? json_incref((json_t *)v) : json_string(s);
		break;
	case SFA_FT_EMAIL:
		res = trimmed(s);
		if (!json_is_string(v) || !email_ok(json_string_value(res), json_string_length(res))) {
			sfa_error_set(SFA_EINPUT, "not an address: '%s'", s);
			json_decref(res);
			res = NULL;
		}
		break;
	case SFA_FT_PHONE:
		res = trimmed(s);
		if (!phone_ok(json_string_value(res))) {
			sfa_error_set(SFA_EINPUT, "not a phone number: '%s'", s);
			json_decref(res);
			res = NULL;
		}
		break;
	case SFA_FT_DATE: {
		time_t t;
		char iso[21];
		/* A bare date is a day, not an instant: no time zone moves it. */
		int y, m, d;
		const char *rest;
		if (!json_is_string(v))
			sfa_error_set(SFA_EINPUT, "not a date: '%s'", s);
		else if (sfa_date_parse_format(&y, &m, &d, &rest, s, opts && opts->date_format ? opts->date_format : "YYYY-MM-DD") == 0 && !*rest) {
			snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
			res = json_string(iso);
		} else if (parse_when(&t, s, opts) == 0) {
			sfa_time_iso(iso, t);
			iso[10] = '\0';
			res = json_string(iso);
		} else {
			sfa_error_set(SFA_EINPUT, "not a date: '%s' (write 2024-03-05%s)", s,
				      opts && opts->date_format ? " or the --date-format" : "");
		}
		break;
	}
	case SFA_FT_DATETIME: {
		time_t t;
		char iso[21];
		if (json_is_string(v) && parse_when(&t, s, opts) == 0) {
			sfa_time_iso(iso, t);
			res = json_string(iso);
		} else {
			sfa_error_set(SFA_EINPUT, "not a date-time: '%s' (write 2024-03-05T10:00:00Z)", s);
		}
		break;
	}
	case SFA_FT_MONEY: {
		struct sfa_money m;
		if (json_is_boolean(v))
			sfa_error_set(SFA_EINPUT, "not an amount: '%s'", s);
		else if (sfa_money_parse(&m, s, currency ? currency : f->currency) == 0) {
			if (currency && strcasecmp(m.currency, currency)) {
				sfa_error_set(SFA_EINPUT, "amount '%s' is not in the record's currency '%s'", s, currency);
				break;
			}
			/* bounds are in whole units of any currency: "min": 0 refuses negative amounts */
			long long unit = 1;
			for (int i = 0; i < m.exponent; i++)
				unit *= 10;
			if ((f->has_min && m.minor < f->min * unit) || (f->has_max && m.minor > f->max * unit)) {
				sfa_error_set(SFA_EINPUT, "amount '%s' is %s %lld", s, f->has_min && m.minor < f->min * unit ?
					      "below the minimum" : "above the maximum",
					      f->has_min && m.minor < f->min * unit ? f->min : f->max);
				break;
			}
			sfa_buf_reset(&b);
			sfa_money_format(&b, &m);
			res = json_string(b.buf);
		}
		break;
	}
	case SFA_FT_INTEGER: {
		long long n;
		char *end;
		errno = 0;
		if (json_is_integer(v)) {
			n = json_integer_value(v);
		} else if (json_is_string(v) && *s) {
			n = strtoll(s, &end, 10);	/* blanks before it skipped, after it here */
			while (*end == ' ' || *end == '\t')
				end++;
			if (*end || errno || end == s) {
				sfa_error_set(SFA_EINPUT, "not a whole number: '%s'", s);
				break;
			}
		} else {
			sfa_error_set(SFA_EINPUT, "not a whole number: '%s'", s);
			break;
		}
		if ((f->has_min && n < f->min) || (f->has_max && n > f->max))
			sfa_error_set(SFA_EINPUT, "%lld is %s %lld", n, f->has_min && n < f->min ? "below the minimum" :
				      "above the maximum", f->has_min && n < f->min ? f->min : f->max);
		else
			res = json_integer(n);
		break;
	}
	case SFA_FT_BOOLEAN: {
		static const char *const yes[] = { "true", "yes", "y", "1", "on", NULL };
		static const char *const no[] = { "false", "no", "n", "0", "off", NULL };
		for (size_t i = 0; !res && yes[i]; i++)
			if (!strcasecmp(s, yes[i]))
				res = json_true();
		for (size_t i = 0; !res && no[i]; i++)
			if (!strcasecmp(s, no[i]))
				res = json_false();
		if (!res)
			sfa_error_set(SFA_EINPUT, "not true or false: '%s'", s);
		break;
	}
	case SFA_FT_ENUM: {
		size_t i;
		json_t *e;
		json_array_foreach(f->values, i, e)
			if (!strcasecmp(json_string_value(e), s)) {
				res = json_incref(e);
				break;
			}
		if (!res) {
			struct sfa_buf list = SFA_BUF_INIT;
			json_array_foreach(f->values, i, e)
				sfa_buf_addf(&list, "%s%s", i ? ", " : "", json_string_value(e));
			sfa_error_set(SFA_EINPUT, "'%s' is not one of: %s", s, list.buf);
			sfa_buf_release(&list);
		}
		break;
	}
	case SFA_FT_REF: {
		const char *what = f->to ? f->to->name : "record";
		char id[SFA_ID_LEN + 1], norm[SFA_ID_LEN + 1];
		int err;
		if (!json_is_string(v)) {
			sfa_error_set(SFA_EINPUT, "not a %s id: '%s'", what, s);
			break;
		}
		if (!opts || !opts->store) {
			if (sfa_id_normalize(norm, s) < 0 || strlen(norm) != SFA_ID_LEN)
				sfa_error_set(SFA_EINPUT, "not a full %s id: '%s'", what, s);
			else
				res = json_string(norm);
			break;
		}
		err = sfa_store_find(opts->store, f->to, s, NULL, id);
		if (err == 0)
			res = json_string(id);
		else if (err == SFA_ENOTFOUND)
			sfa_error_set(SFA_EINPUT, "no %s '%s'", what, s);
		else if (err != SFA_EAMBIGUOUS)
			sfa_error_set(err, "%s", sfa_error_last());
		break;
	}
	}
	sfa_buf_release(&b);
	return res;
}

int sfa_schema_normalize(const struct sfa_schema *sc, const struct sfa_type *t, json_t *rec,
			 const struct sfa_schema_opts *opts)
{
	/* an export often has the amount and its currency in two columns */
	const char *currency = sfa_record_text(rec, "currency");
	const char *k;
	json_t *v;

	json_object_foreach(rec, k, v) {
		const struct sfa_field *f = sfa_schema_field(sc, t, k);
		json_t *nv;
		if (!f || json_is_null(v))
			continue;
		if (!(nv = normalize(f, v, opts, currency))) {
			int code = SFA_EINPUT;
			if (strncmp(sfa_error_last(), "no ", 3) && strstr(sfa_error_last(), "index"))
				code = SFA_ESTORE;
			return sfa_error_prefix(code, "field '%s': ", k);
		}
		/* replacing the value of an existing key keeps the iteration valid */
		json_object_set_new(rec, k, nv);
	}
	return 0;
}

void sfa_schema_defaults(const struct sfa_schema *sc, const struct sfa_type *t, json_t *rec)
{
	size_t n;
	const struct sfa_field *f = sfa_schema_fields(sc, t, &n);

	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(rec, f[i].name);
		if (f[i].def && (!v || json_is_null(v)))
			json_object_set(rec, f[i].name, f[i].def);
	}
}

int sfa_schema_required(const struct sfa_schema *sc, const struct sfa_type *t, const json_t *rec)
{
	size_t n;
	const struct sfa_field *f = sfa_schema_fields(sc, t, &n);

	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(rec, f[i].name);
		if (f[i].required && (!v || json_is_null(v)))
			return sfa_error_set(SFA_EINPUT, "field '%s': required for %s %s", f[i].name,
					     strchr("aeiou", t->name[0]) ? "an" : "a", t->name);
	}
	return 0;
}

int sfa_schema_check_config(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_schema *sc = NULL;
	int err = sfa_schema_parse(&sc, cfg);
	sfa_schema_free(sc);
	(void)s;
	return err;
}
