/* Lead scoring: rule points, grades, staleness decay, naive Bayes. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/money.h"
#include "sfa/record.h"
#include "sfa/score.h"
#include "sfa/stream.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

#define DAY 86400
#define STR_(x) #x
#define STR(x) STR_(x)

enum cond { COND_EQUALS, COND_IN, COND_CONTAINS, COND_RANGE, COND_PRESENT, COND_WITHIN };

/* A value of equals, in, contains or a class: folded text, or a number when `text` is NULL. */
struct operand {
	char *text;
	size_t len;
	double num;
};

struct rule {
	char *name;
	char *field;
	enum cond cond;
	long points;
	struct operand *ops;
	size_t nops;
	double min, max;
	int has_min, has_max;
	int present;
	long days;
};

struct grade {
	char *name;
	long min;
	int open;		/* "min": null, reached by every score */
};

/* The record is of the class when `field` holds one of `values`. */
struct class_cond {
	char *field;
	struct operand *values;
	size_t nvalues;
};

enum { POS, NEG };

struct sfa_score_rules {
	struct rule *rules;
	size_t nrules;
	struct grade *grades;
	size_t ngrades;

	int has_decay;
	char *decay_field;
	char *decay_fallback;	/* NULL when not set */
	long after_days;
	long per_30_days;

	int has_learned;
	char **fields;
	size_t nfields;
	struct class_cond *cls[2];
	size_t ncls[2];
	char *label[2];		/* "converted", the class in messages */
};

static const char cond_list[] = "equals, in, contains, min, max, present, within_days";

/* Config checking */

/* Like sfa_config_bad(), with `key` of the object at `path` as the place. */
__attribute__((format(printf, 3, 4)))
static int bad_at(struct sfa_buf *path, const char *key, const char *fmt, ...)
{
	struct sfa_buf msg = SFA_BUF_INIT;
	size_t old = sfa_config_path_key(path, key);
	va_list ap;

	va_start(ap, fmt);
	sfa_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	sfa_config_bad(path, "%s", msg.buf);
	sfa_buf_release(&msg);
	sfa_buf_setlen(path, old);
	return SFA_EINPUT;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* The folded, trimmed text of `s`, kept in `b` (reset first). */
static const char *fold(struct sfa_buf *b, const char *s, size_t len, size_t *out_len)
{
	const char *p;

	sfa_buf_reset(b);
	sfa_utf8_fold(b, s, len);
	p = b->buf;
	*out_len = b->len;
	trim(&p, out_len);
	return p;
}

/*
 * The text conditions match: strings folded and trimmed, other values as
 * written ("250", "true"), which folding would leave as they are.
 */
static const char *value_key(struct sfa_buf *b, const json_t *v, size_t *len)
{
	if (json_is_string(v))
		return fold(b, json_string_value(v), json_string_length(v), len);
	sfa_buf_reset(b);
	sfa_value_text(b, v);
	*len = b->len;
	return b->buf;
}

static int parse_field(char **out, const json_t *v, struct sfa_buf *path)
{
	if (!json_is_string(v))
		return sfa_config_bad(path, "expected a field name");
	if (sfa_field_name_check(json_string_value(v)) < 0)
		return sfa_config_bad(path, "%s", sfa_error_last());
	*out = sfa_xstrdup(json_string_value(v));
	return 0;
}

static int parse_operand(struct operand *op, const json_t *v, struct sfa_buf *path,
			 struct sfa_buf *scratch, int numbers)
{
	const char *t;
	size_t n;

	if (numbers && json_is_number(v)) {
		op->num = json_number_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return sfa_config_bad(path, numbers ? "expected text or a number" : "expected text");
	t = fold(scratch, json_string_value(v), json_string_length(v), &n);
	if (!n)
		return sfa_config_bad(path, "empty text");
	op->text = sfa_xstrndup(t, n);
	op->len = n;
	return 0;
}

enum shape { ONE, LIST, ONE_OR_LIST };

static int parse_operands(struct operand **out, size_t *nout, const json_t *v, struct sfa_buf *path,
			  struct sfa_buf *scratch, int numbers, enum shape shape)
{
	size_t i, n;

	if (!json_is_array(v)) {
		if (shape == LIST)
			return sfa_config_bad(path, "expected an array");
		*out = sfa_xcalloc(1, sizeof(**out));
		*nout = 1;
		return parse_operand(*out, v, path, scratch, numbers);
	}
	if (shape == ONE)
		return sfa_config_bad(path, "expected text or a number ('in' takes a list)");
	if (!(n = json_array_size(v)))
		return sfa_config_bad(path, "empty list");
	*out = sfa_xcalloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		size_t old = sfa_config_path_index(path, i);
		int err = parse_operand(&(*out)[i], json_array_get(v, i), path, scratch, numbers);

		*nout = i + 1;
		if (err < 0)
			return err;
		sfa_buf_setlen(path, old);
	}
	return 0;
}

static void free_operands(struct operand *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ops[i].text);
	free(ops);
}

/* An integer from `lo` to `hi`; `what` says what is expected otherwise. */
static int parse_int(long *out, const json_t *v, long lo, long hi, struct sfa_buf *path, const char *what)
{
	json_int_t x;

	if (!json_is_integer(v) || (x = json_integer_value(v)) < lo || x > hi)
		return sfa_config_bad(path, "expected %s", what);
	*out = (long)x;
	return 0;
}

/* The condition `key` (one of cond_list) with its value `v`. */
static int parse_cond(struct rule *r, const char *key, const json_t *v, struct sfa_buf *path,
		      struct sfa_buf *scratch)
{
	if (!strcmp(key, "equals")) {
		r->cond = COND_EQUALS;
		return parse_operands(&r->ops, &r->nops, v, path, scratch, 1, ONE);
	}
	if (!strcmp(key, "in")) {
		r->cond = COND_IN;
		return parse_operands(&r->ops, &r->nops, v, path, scratch, 1, LIST);
	}
	if (!strcmp(key, "contains")) {
		r->cond = COND_CONTAINS;
		return parse_operands(&r->ops, &r->nops, v, path, scratch, 0, ONE_OR_LIST);
	}
	if (!strcmp(key, "min") || !strcmp(key, "max")) {
		r->cond = COND_RANGE;
		if (!json_is_number(v))
			return sfa_config_bad(path, "expected a number");
		if (key[1] == 'i') {
			r->has_min = 1;
			r->min = json_number_value(v);
		} else {
			r->has_max = 1;
			r->max = json_number_value(v);
		}
		return 0;
	}
	if (!strcmp(key, "present")) {
		r->cond = COND_PRESENT;
		if (!json_is_boolean(v))
			return sfa_config_bad(path, "expected true or false");
		r->present = json_is_true(v);
		return 0;
	}
	r->cond = COND_WITHIN;
	return parse_int(&r->days, v, 1, SFA_SCORE_DAYS_MAX, path,
			 "a positive whole number of days (at most " STR(SFA_SCORE_DAYS_MAX) ")");
}

static int is_cond(const char *k)
{
	static const char *const conds[] = { "equals", "in", "contains", "min", "max", "present", "within_days" };

	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		if (!strcmp(k, conds[i]))
			return 1;
	return 0;
}

static int parse_rule(struct rule *r, const json_t *obj, struct sfa_buf *path, struct sfa_buf *scratch)
{
	static const char *const keys[] = {
		"name", "field", "equals", "in", "contains", "min", "max", "present", "within_days",
		"points", NULL
	};
	const char *k, *cond = NULL;
	json_t *v;
	size_t old;
	int err;

	if (!json_is_object(obj))
		return sfa_config_bad(path, "expected an object");
	if ((err = sfa_config_check_keys(path, obj, keys)) < 0)
		return err;

	if (!(v = json_object_get(obj, "field")))
		return sfa_config_bad(path, "no 'field'");
	old = sfa_config_path_key(path, "field");
	if ((err = parse_field(&r->field, v, path)) < 0)
		return err;
	sfa_buf_setlen(path, old);

	json_object_foreach((json_t *)obj, k, v) {
		if (!is_cond(k))
			continue;
		/* min and max together are one condition, a range */
		if (cond && !(r->cond == COND_RANGE && (!strcmp(k, "min") || !strcmp(k, "max"))))
			return bad_at(path, k, "a second condition besides '%s' (a rule has one)", cond);
		old = sfa_config_path_key(path, k);
		if ((err = parse_cond(r, k, v, path, scratch)) < 0)
			return err;
		sfa_buf_setlen(path, old);
		if (!cond)
			cond = k;
	}
	if (!cond)
		return sfa_config_bad(path, "no condition (expected one of: %s)", cond_list);
	if (r->has_min && r->has_max && r->min > r->max)
		return bad_at(path, "max", "lower than min (%g)", r->min);

	if (!(v = json_object_get(obj, "points")))
		return sfa_config_bad(path, "no 'points'");
	old = sfa_config_path_key(path, "points");
	if ((err = parse_int(&r->points, v, -SFA_SCORE_POINTS_MAX, SFA_SCORE_POINTS_MAX, path,
			     "an integer from -" STR(SFA_SCORE_POINTS_MAX) " to "
			     STR(SFA_SCORE_POINTS_MAX))) < 0)
		return err;
	sfa_buf_setlen(path, old);

	if ((v = json_object_get(obj, "name"))) {
		const char *s;
		size_t n;

		if (!json_is_string(v))
			return bad_at(path, "name", "expected text");
		s = json_string_value(v);
		n = json_string_length(v);
		trim(&s, &n);
		if (!n)
			return bad_at(path, "name", "empty text");
		r->name = sfa_xstrndup(s, n);
	} else {
		struct sfa_buf name = SFA_BUF_INIT;
		sfa_buf_addf(&name, "%s %s", r->field, r->has_min && r->has_max ? "range" : cond);
		r->name = sfa_buf_detach(&name, NULL);
	}
	return 0;
}

static int parse_rules(struct sfa_score_rules *r, const json_t *v, struct sfa_buf *path,
		       struct sfa_buf *scratch)
{
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return sfa_config_bad(path, "expected an array");
	r->rules = sfa_xcalloc(n, sizeof(*r->rules));
	for (size_t i = 0; i < n; i++) {
		size_t old = sfa_config_path_index(path, i);
		int err;

		r->nrules = i + 1;
		if ((err = parse_rule(&r->rules[i], json_array_get(v, i), path, scratch)) < 0)
			return err;
		sfa_buf_setlen(path, old);
	}
	return 0;
}

static int parse_grade(struct sfa_score_rules *r, size_t i, size_t n, const json_t *obj,
		       struct sfa_buf *path)
{
	static const char *const keys[] = { "grade", "min", NULL };
	struct grade *g = &r->grades[i];
	const char *s;
	json_t *v;
	size_t len;
	int err;

	if (!json_is_object(obj))
		return sfa_config_bad(path, "expected an object");
	if ((err = sfa_config_check_keys(path, obj, keys)) < 0)
		return err;
	if (!(v = json_object_get(obj, "grade")))
		return sfa_config_bad(path, "no 'grade'");
	if (!json_is_string(v))
		return bad_at(path, "grade", "expected text");
	s = json_string_value(v);
	len = json_string_length(v);
	trim(&s, &len);
	if (!len)
		return bad_at(path, "grade", "empty text");
	g->name = sfa_xstrndup(s, len);
	for (size_t j = 0; j < i; j++)
		if (!strcmp(r->grades[j].name, g->name))
			return bad_at(path, "grade", "'%s' given twice", g->name);

	if (!(v = json_object_get(obj, "min")))
		return sfa_config_bad(path, "no 'min' (null for every score)");
	if (json_is_null(v)) {
		if (i + 1 < n)
			return bad_at(path, "min", "null before the last grade (null reaches every score)");
		g->open = 1;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < LONG_MIN || json_integer_value(v) > LONG_MAX)
		return bad_at(path, "min", "expected an integer or null");
	g->min = (long)json_integer_value(v);
	if (i && g->min >= r->grades[i - 1].min)
		return bad_at(path, "min", "not lower than the min of grades[%zu] (%ld)", i - 1,
			      r->grades[i - 1].min);
	return 0;
}

static int parse_grades(struct sfa_score_rules *r, const json_t *v, struct sfa_buf *path)
{
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return sfa_config_bad(path, "expected an array");
	if (!n)
		return sfa_config_bad(path, "empty (leave 'grades' out for no grades)");
	r->grades = sfa_xcalloc(n, sizeof(*r->grades));
	for (size_t i = 0; i < n; i++) {
		size_t old = sfa_config_path_index(path, i);
		int err;

		r->ngrades = i + 1;
		if ((err = parse_grade(r, i, n, json_array_get(v, i), path)) < 0)
			return err;
		sfa_buf_setlen(path, old);
	}
	return 0;
}

static int parse_decay(struct sfa_score_rules *r, const json_t *obj, struct sfa_buf *path)
{
	static const char *const keys[] = { "field", "fallback", "after_days", "points_per_30_days", NULL };
	json_t *v;
	size_t old;
	int err;

	if (!json_is_object(obj))
		return sfa_config_bad(path, "expected an object");
	if ((err = sfa_config_check_keys(path, obj, keys)) < 0)
		return err;
	if (!(v = json_object_get(obj, "field")))
		return sfa_config_bad(path, "no 'field'");
	old = sfa_config_path_key(path, "field");
	if ((err = parse_field(&r->decay_field, v, path)) < 0)
		return err;
	sfa_buf_setlen(path, old);
	if ((v = json_object_get(obj, "fallback"))) {
		old = sfa_config_path_key(path, "fallback");
		if ((err = parse_field(&r->decay_fallback, v, path)) < 0)
			return err;
		sfa_buf_setlen(path, old);
	}

	if (!(v = json_object_get(obj, "after_days")))
		return sfa_config_bad(path, "no 'after_days'");
	old = sfa_config_path_key(path, "after_days");
	if ((err = parse_int(&r->after_days, v, 0, SFA_SCORE_DAYS_MAX, path,
			     "a whole number of days from 0 to " STR(SFA_SCORE_DAYS_MAX))) < 0)
		return err;
	sfa_buf_setlen(path, old);

	if (!(v = json_object_get(obj, "points_per_30_days")))
		return sfa_config_bad(path, "no 'points_per_30_days'");
	old = sfa_config_path_key(path, "points_per_30_days");
	if ((err = parse_int(&r->per_30_days, v, 0, SFA_SCORE_POINTS_MAX, path,
			     "an integer from 0 to " STR(SFA_SCORE_POINTS_MAX))) < 0)
		return err;
	sfa_buf_setlen(path, old);
	r->has_decay = 1;
	return 0;
}

/* "positive" or "negative": {FIELD: VALUE or [VALUE...]}. */
static int parse_class(struct sfa_score_rules *r, int c, const json_t *obj, struct sfa_buf *path,
		       struct sfa_buf *scratch)
{
	struct sfa_buf label = SFA_BUF_INIT;
	size_t n = json_object_size(obj), i = 0;
	const char *k;
	json_t *v;
	int err = 0;

	if (!json_is_object(obj))
		return sfa_config_bad(path, "expected an object (fields and their values)");
	if (!n)
		return sfa_config_bad(path, "empty (expected fields and their values)");
	r->cls[c] = sfa_xcalloc(n, sizeof(*r->cls[c]));
	json_object_foreach((json_t *)obj, k, v) {
		struct class_cond *cc = &r->cls[c][i];
		size_t old;

		r->ncls[c] = ++i;
		if (sfa_field_name_check(k) < 0) {
			err = sfa_config_bad(path, "%s", sfa_error_last());
			goto done;
		}
		cc->field = sfa_xstrdup(k);
		old = sfa_config_path_key(path, k);
		if ((err = parse_operands(&cc->values, &cc->nvalues, v, path, scratch, 0, ONE_OR_LIST)) < 0)
			goto done;
		for (size_t j = 0; j < cc->nvalues; j++) {
			const json_t *text = json_is_array(v) ? json_array_get(v, j) : v;
			const char *s = json_string_value(text);
			size_t len = json_string_length(text);

			trim(&s, &len);
			if (label.len)
				sfa_buf_addstr(&label, " or ");
			/* the first field's values alone read as a status: "converted" */
			if (i > 1)
				sfa_buf_addf(&label, "%s=", k);
			sfa_buf_add(&label, s, len);
			if (c != NEG)
				continue;
			/* a value both ways would make the record's class depend on the order */
			for (size_t p = 0; p < r->ncls[POS]; p++) {
				const struct class_cond *pc = &r->cls[POS][p];
				if (strcmp(pc->field, cc->field))
					continue;
				for (size_t q = 0; q < pc->nvalues; q++) {
					if (pc->values[q].len != cc->values[j].len ||
					    memcmp(pc->values[q].text, cc->values[j].text, pc->values[q].len))
						continue;
					if (json_is_array(v))
						sfa_config_path_index(path, j);
					err = sfa_config_bad(path, "'%.*s' is also a positive value", (int)len, s);
					goto done;
				}
			}
		}
		sfa_buf_setlen(path, old);
	}
	r->label[c] = sfa_buf_detach(&label, NULL);
done:
	sfa_buf_release(&label);
	return err;
}

static int parse_learned(struct sfa_score_rules *r, const json_t *obj, struct sfa_buf *path,
			 struct sfa_buf *scratch)
{
	static const char *const keys[] = { "fields", "positive", "negative", NULL };
	static const char *const class_key[] = { "positive", "negative" };
	json_t *v;
	size_t n, old;
	int err;

	if (!json_is_object(obj))
		return sfa_config_bad(path, "expected an object");
	if ((err = sfa_config_check_keys(path, obj, keys)) < 0)
		return err;

	if (!(v = json_object_get(obj, "fields")))
		return sfa_config_bad(path, "no 'fields'");
	if (!json_is_array(v))
		return bad_at(path, "fields", "expected an array of field names");
	if (!(n = json_array_size(v)))
		return bad_at(path, "fields", "empty (name the fields to learn from)");
	r->fields = sfa_xcalloc(n, sizeof(*r->fields));
	old = sfa_config_path_key(path, "fields");
	for (size_t i = 0; i < n; i++) {
		size_t o = sfa_config_path_index(path, i);

		r->nfields = i + 1;
		if ((err = parse_field(&r->fields[i], json_array_get(v, i), path)) < 0)
			return err;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->fields[j], r->fields[i]))
				return sfa_config_bad(path, "'%s' given twice", r->fields[i]);
		sfa_buf_setlen(path, o);
	}
	sfa_buf_setlen(path, old);

	for (int c = POS; c <= NEG; c++) {
		if (!(v = json_object_get(obj, class_key[c])))
			return sfa_config_bad(path, "no '%s'", class_key[c]);
		old = sfa_config_path_key(path, class_key[c]);
		if ((err = parse_class(r, c, v, path, scratch)) < 0)
			return err;
		sfa_buf_setlen(path, old);
	}

	for (size_t i = 0; i < r->nfields; i++)
		for (int c = POS; c <= NEG; c++)
			for (size_t j = 0; j < r->ncls[c]; j++) {
				if (strcmp(r->fields[i], r->cls[c][j].field))
					continue;
				sfa_config_path_key(path, "fields");
				sfa_config_path_index(path, i);
				return sfa_config_bad(path, "'%s' decides the class (%s), it cannot also be learned from",
					   r->fields[i], class_key[c]);
			}
	r->has_learned = 1;
	return 0;
}

int sfa_score_parse(struct sfa_score_rules **out, const json_t *config)
{
	static const char *const keys[] = { "rules", "grades", "decay", "learned", NULL };
	struct sfa_buf path = SFA_BUF_INIT, scratch = SFA_BUF_INIT;
	struct sfa_score_rules *r;
	json_t *v;
	int err;

	if (!json_is_object(config))
		return sfa_error_set(SFA_EINPUT, "lead scoring: expected an object");
	r = sfa_xcalloc(1, sizeof(*r));
	if ((err = sfa_config_check_keys(&path, config, keys)) < 0)
		goto done;
	if ((v = json_object_get(config, "rules"))) {
		sfa_config_path_key(&path, "rules");
		if ((err = parse_rules(r, v, &path, &scratch)) < 0)
			goto done;
		sfa_buf_reset(&path);
	}
	if ((v = json_object_get(config, "grades"))) {
		sfa_config_path_key(&path, "grades");
		if ((err = parse_grades(r, v, &path)) < 0)
			goto done;
		sfa_buf_reset(&path);
	}
	if ((v = json_object_get(config, "decay"))) {
		sfa_config_path_key(&path, "decay");
		if ((err = parse_decay(r, v, &path)) < 0)
			goto done;
		sfa_buf_reset(&path);
	}
	if ((v = json_object_get(config, "learned"))) {
		sfa_config_path_key(&path, "learned");
		if ((err = parse_learned(r, v, &path, &scratch)) < 0)
			goto done;
		sfa_buf_reset(&path);
	}
done:
	sfa_buf_release(&path);
	sfa_buf_release(&scratch);
	if (err < 0) {
		sfa_score_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void sfa_score_free(struct sfa_score_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].name);
		free(r->rules[i].field);
		free_operands(r->rules[i].ops, r->rules[i].nops);
	}
	free(r->rules);
	for (size_t i = 0; i < r->ngrades; i++)
		free(r->grades[i].name);
	free(r->grades);
	free(r->decay_field);
	free(r->decay_fallback);
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	free(r->fields);
	for (int c = POS; c <= NEG; c++) {
		for (size_t i = 0; i < r->ncls[c]; i++) {
			free(r->cls[c][i].field);
			free_operands(r->cls[c][i].values, r->cls[c][i].nvalues);
		}
		free(r->cls[c]);
		free(r->label[c]);
	}
	free(r);
}

/* Evaluation */

static int has_value(const json_t *v)
{
	const char *s;
	size_t n;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return 1;
	s = json_string_value(v);
	n = json_string_length(v);
	trim(&s, &n);
	return n > 0;
}

/* A decimal number ("-12.5") and nothing else but white space around it. */
static int plain_number(const char *s, size_t len, double *out)
{
	const char *p, *end;

	trim(&s, &len);
	p = s;
	end = s + len;
	if (p < end && (*p == '-' || *p == '+'))
		p++;
	if (p == end || !isdigit((unsigned char)*p))
		return 0;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	if (p < end && *p == '.') {
		if (++p == end || !isdigit((unsigned char)*p))
			return 0;
		while (p < end && isdigit((unsigned char)*p))
			p++;
	}
	if (p != end)
		return 0;
	/* the grammar above is strtod's, and it stops where the checked text ends */
	*out = strtod(s, NULL);
	return 1;
}

static int value_number(const json_t *v, double *out)
{
	struct sfa_money m;
	double unit = 1;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 1;
	}
	if (!json_is_string(v))
		return 0;
	if (plain_number(json_string_value(v), json_string_length(v), out))
		return 1;
	if (sfa_money_parse(&m, json_string_value(v), NULL) < 0)
		return 0;
	for (int i = 0; i < m.exponent; i++)
		unit *= 10;
	*out = (double)m.minor / unit;
	return 1;
}

static int value_time(const json_t *v, time_t *out)
{
	return json_is_string(v) && sfa_time_parse(out, json_string_value(v)) == 0;
}

static int rule_applies(const struct rule *ru, const json_t *v, time_t now, struct sfa_buf *scratch)
{
	const char *t = NULL;
	size_t n = 0;
	int numeric = -1;
	double x = 0;
	time_t when;

	if (ru->cond == COND_PRESENT)
		return has_value(v) == ru->present;
	if (!v || json_is_null(v))
		return 0;
	switch (ru->cond) {
	case COND_EQUALS:
	case COND_IN:
		for (size_t i = 0; i < ru->nops; i++) {
			const struct operand *op = &ru->ops[i];
			if (op->text) {
				if (!t)
					t = value_key(scratch, v, &n);
				if (n == op->len && !memcmp(t, op->text, n))
					return 1;
			} else {
				if (numeric < 0)
					numeric = value_number(v, &x);
				if (numeric && x == op->num)
					return 1;
			}
		}
		return 0;
	case COND_CONTAINS:
		t = value_key(scratch, v, &n);
		for (size_t i = 0; i < ru->nops; i++)
			if (memmem(t, n, ru->ops[i].text, ru->ops[i].len))
				return 1;
		return 0;
	case COND_RANGE:
		return value_number(v, &x) && (!ru->has_min || x >= ru->min) && (!ru->has_max || x <= ru->max);
	case COND_WITHIN:
		return value_time(v, &when) && when <= now && now - when <= (time_t)ru->days * DAY;
	case COND_PRESENT:
		break;
	}
	return 0;
}

int sfa_score_eval(struct sfa_score_result *out, const struct sfa_score_rules *r,
		   const json_t *rec, time_t now)
{
	const char *p;
	time_t when;

	if (!json_is_object(rec))
		return sfa_error_set(SFA_EINPUT, "lead scoring: the record is not an object");
	out->score = out->points = out->decay = 0;
	out->idle_days = -1;
	out->grade = NULL;
	out->nhits = 0;
	sfa_buf_reset(&out->text);

	for (size_t i = 0; i < r->nrules; i++) {
		const struct rule *ru = &r->rules[i];
		const json_t *v = json_object_get(rec, ru->field);
		struct sfa_score_hit *h;

		if (!rule_applies(ru, v, now, &out->scratch))
			continue;
		SFA_ALLOC_GROW(out->hits, out->nhits + 1, out->hits_alloc);
		h = &out->hits[out->nhits++];
		h->rule = ru->name;
		h->field = ru->field;
		h->points = ru->points;
		sfa_value_text(&out->text, v);
		sfa_buf_addch(&out->text, '\0');
		out->points += ru->points;
	}
	/* the texts are NUL-separated in hit order; the buffer has stopped moving */
	p = out->text.buf;
	for (size_t i = 0; i < out->nhits; i++) {
		out->hits[i].value = p;
		p += strlen(p) + 1;
	}

	if (r->has_decay &&
	    (value_time(json_object_get(rec, r->decay_field), &when) ||
	     (r->decay_fallback && value_time(json_object_get(rec, r->decay_fallback), &when)))) {
		out->idle_days = now > when ? (long)((now - when) / DAY) : 0;
		if (out->idle_days > r->after_days) {
			long periods = (out->idle_days - r->after_days) / 30;
			out->decay = r->per_30_days && periods > LONG_MAX / r->per_30_days ?
				     LONG_MAX : periods * r->per_30_days;
		}
	}
	out->score = out->points > out->decay ? out->points - out->decay : 0;

	for (size_t i = 0; i < r->ngrades; i++)
		if (r->grades[i].open || r->grades[i].min <= out->score) {
			out->grade = r->grades[i].name;
			break;
		}
	return 0;
}

void sfa_score_result_release(struct sfa_score_result *res)
{
	free(res->hits);
	sfa_buf_release(&res->text);
	sfa_buf_release(&res->scratch);
	*res = (struct sfa_score_result)SFA_SCORE_RESULT_INIT;
}

/* The learned score */

/* A feature value and how many training records of each class hold it. */
struct entry {
	char *value;		/* folded text, "" for none; NULL marks a free slot */
	size_t len;
	size_t count[2];
};

/* Open addressing with linear probing; `cap` is a power of two. */
struct vocab {
	struct entry *slots;
	size_t cap;
	size_t n;
};

struct sfa_score_model {
	const struct sfa_score_rules *r;
	struct vocab *vocab;	/* one per learned field */
	size_t n[2];
	struct sfa_buf scratch;
};

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* The slot of `s`, or the free slot where it would go. */
static struct entry *vocab_slot(const struct vocab *vc, const char *s, size_t len)
{
	size_t i = (size_t)hash(s, len) & (vc->cap - 1);

	while (vc->slots[i].value &&
	       (vc->slots[i].len != len || memcmp(vc->slots[i].value, s, len)))
		i = (i + 1) & (vc->cap - 1);
	return &vc->slots[i];
}

static const struct entry *vocab_find(const struct vocab *vc, const char *s, size_t len)
{
	const struct entry *e;

	if (!vc->cap)
		return NULL;
	e = vocab_slot(vc, s, len);
	return e->value ? e : NULL;
}

static struct entry *vocab_add(struct vocab *vc, const char *s, size_t len)
{
	struct entry *e;

	/* at most three quarters full, so probes stay short and always end */
	if ((vc->n + 1) * 4 > vc->cap * 3) {
		struct vocab bigger = { NULL, vc->cap ? vc->cap * 2 : 16, vc->n };

		bigger.slots = sfa_xcalloc(bigger.cap, sizeof(*bigger.slots));
		for (size_t i = 0; i < vc->cap; i++)
			if (vc->slots[i].value)
				*vocab_slot(&bigger, vc->slots[i].value, vc->slots[i].len) = vc->slots[i];
		free(vc->slots);
		*vc = bigger;
	}
	e = vocab_slot(vc, s, len);
	if (!e->value) {
		e->value = sfa_xstrndup(s, len);
		e->len = len;
		vc->n++;
	}
	return e;
}

/* The feature text of `field`: folded and trimmed, "" for none. */
static const char *feature(struct sfa_buf *b, const json_t *rec, const char *field, size_t *len)
{
	const json_t *v = json_object_get(rec, field);

	if (!v || json_is_null(v)) {
		*len = 0;
		return "";
	}
	return value_key(b, v, len);
}

static int class_match(const struct class_cond *cc, const json_t *rec, struct sfa_buf *b)
{
	const json_t *v = json_object_get(rec, cc->field);
	const char *t;
	size_t n;

	if (!v || json_is_null(v))
		return 0;
	t = value_key(b, v, &n);
	for (size_t i = 0; i < cc->nvalues; i++)
		if (cc->values[i].len == n && !memcmp(cc->values[i].text, t, n))
			return 1;
	return 0;
}

/* POS, NEG, or -1 for a record that is neither or both. */
static int record_class(const struct sfa_score_rules *r, const json_t *rec, struct sfa_buf *b)
{
	int in[2] = { 0, 0 };

	for (int c = POS; c <= NEG; c++)
		for (size_t i = 0; i < r->ncls[c] && !in[c]; i++)
			in[c] = class_match(&r->cls[c][i], rec, b);
	if (in[POS] == in[NEG])
		return -1;
	return in[POS] ? POS : NEG;
}

int sfa_score_model_new(struct sfa_score_model **out, const struct sfa_score_rules *r)
{
	struct sfa_score_model *m;

	if (!r->has_learned)
		return sfa_error_set(SFA_ENOTFOUND, "lead scoring: no 'learned' part in the config");
	m = sfa_xcalloc(1, sizeof(*m));
	m->r = r;
	m->vocab = sfa_xcalloc(r->nfields, sizeof(*m->vocab));
	sfa_buf_init(&m->scratch, 0);
	*out = m;
	return 0;
}

int sfa_score_learn(struct sfa_score_model *m, const json_t *rec)
{
	const struct sfa_score_rules *r = m->r;
	int c;

	if (!json_is_object(rec))
		return sfa_error_set(SFA_EINPUT, "lead scoring: the record is not an object");
	if ((c = record_class(r, rec, &m->scratch)) < 0)
		return 0;
	m->n[c]++;
	for (size_t f = 0; f < r->nfields; f++) {
		size_t len;
		const char *key = feature(&m->scratch, rec, r->fields[f], &len);

		vocab_add(&m->vocab[f], key, len)->count[c]++;
	}
	return 1;
}

void sfa_score_model_counts(const struct sfa_score_model *m, size_t *positive, size_t *negative)
{
	*positive = m->n[POS];
	*negative = m->n[NEG];
}

void sfa_score_model_free(struct sfa_score_model *m)
{
	if (!m)
		return;
	for (size_t f = 0; f < m->r->nfields; f++) {
		for (size_t i = 0; i < m->vocab[f].cap; i++)
			free(m->vocab[f].slots[i].value);
		free(m->vocab[f].slots);
	}
	free(m->vocab);
	sfa_buf_release(&m->scratch);
	free(m);
}

int sfa_score_predict(struct sfa_score_prediction *out, const struct sfa_score_model *m,
		      const json_t *rec)
{
	const struct sfa_score_rules *r = m->r;
	double log_odds;
	const char *p;

	if (!json_is_object(rec))
		return sfa_error_set(SFA_EINPUT, "lead scoring: the record is not an object");
	if (!m->n[POS] || !m->n[NEG])
		return sfa_error_set(SFA_ENOTFOUND, "not enough history: %zu %s, %zu %s leads",
				     m->n[POS], r->label[POS], m->n[NEG], r->label[NEG]);
	out->nfactors = 0;
	sfa_buf_reset(&out->text);
	SFA_ALLOC_GROW(out->factors, r->nfields, out->factors_alloc);

	/* the smoothed priors share their denominator N_pos + N_neg + 2 */
	log_odds = out->prior_llr = log((double)(m->n[POS] + 1) / (double)(m->n[NEG] + 1));
	for (size_t f = 0; f < r->nfields; f++) {
		const struct vocab *vc = &m->vocab[f];
		struct sfa_score_factor *fa = &out->factors[out->nfactors++];
		size_t len;
		const char *key = feature(&out->scratch, rec, r->fields[f], &len);
		const struct entry *e = vocab_find(vc, key, len);
		double values = (double)vc->n + 1;
		double pos = ((e ? (double)e->count[POS] : 0) + 1) / ((double)m->n[POS] + values);
		double neg = ((e ? (double)e->count[NEG] : 0) + 1) / ((double)m->n[NEG] + values);

		fa->field = r->fields[f];
		fa->llr = log(pos / neg);
		log_odds += fa->llr;
		if (len)
			sfa_buf_add(&out->text, key, len);
		else
			sfa_buf_addstr(&out->text, "(none)");
		sfa_buf_addch(&out->text, '\0');
	}
	p = out->text.buf;
	for (size_t i = 0; i < out->nfactors; i++) {
		out->factors[i].value = p;
		p += strlen(p) + 1;
	}
	/* insertion sort: stable, so equal strengths keep the order of the fields */
	for (size_t i = 1; i < out->nfactors; i++) {
		struct sfa_score_factor fa = out->factors[i];
		size_t j = i;

		for (; j && fabs(out->factors[j - 1].llr) < fabs(fa.llr); j--)
			out->factors[j] = out->factors[j - 1];
		out->factors[j] = fa;
	}
	/* the form whose exp() cannot overflow */
	out->prob = log_odds >= 0 ? 1 / (1 + exp(-log_odds)) : exp(log_odds) / (1 + exp(log_odds));
	return 0;
}

void sfa_score_prediction_release(struct sfa_score_prediction *p)
{
	free(p->factors);
	sfa_buf_release(&p->text);
	sfa_buf_release(&p->scratch);
	*p = (struct sfa_score_prediction)SFA_SCORE_PREDICTION_INIT;
}
