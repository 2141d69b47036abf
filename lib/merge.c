#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/merge.h"
#include "sfa/record.h"
#include "sfa/stream.h"
#include "sfa/banned.h"

static const char *const rule_names[] = { "later", "ours", "theirs", NULL };

int sfa_merge_rule_parse(enum sfa_merge_rule *out, const char *s)
{
	for (int i = 0; rule_names[i]; i++) {
		if (s && !strcmp(s, rule_names[i])) {
			*out = (enum sfa_merge_rule)i;
			return 0;
		}
	}
	return sfa_error_set(SFA_EINPUT, "'%s': expected later, ours or theirs", s ? s : "");
}

const char *sfa_merge_rule_name(enum sfa_merge_rule rule)
{
	return rule_names[rule];
}

/* NULL stands for an absent field or record. */
static int same(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return a == b;
	return json_equal(a, b);
}

/* A sort key for values: their compact JSON, which does not depend on the jansson version. */
struct key {
	char *buf;
	size_t len;
};

static void key_of(struct key *k, const json_t *v)
{
	struct sfa_buf b = SFA_BUF_INIT;

	sfa_value_json(&b, v);
	k->buf = sfa_buf_detach(&b, &k->len);
}

static int key_cmp(const struct key *a, const struct key *b)
{
	int c = memcmp(a->buf, b->buf, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* Which of two different values wins a tie: the greater compact JSON, any value over none. */
static int ours_wins_tie(const json_t *o, const json_t *t)
{
	struct key ko, kt;
	int c;

	if (!o || !t)
		return !t;
	key_of(&ko, o);
	key_of(&kt, t);
	c = key_cmp(&ko, &kt);
	free(ko.buf);
	free(kt.buf);
	return c > 0;
}

static int ours_wins(enum sfa_merge_rule rule, const struct sfa_merge_side *ours,
		     const struct sfa_merge_side *theirs, const json_t *o, const json_t *t)
{
	switch (rule) {
	case SFA_MERGE_OURS:
		return 1;
	case SFA_MERGE_THEIRS:
		return 0;
	case SFA_MERGE_LATER:
		break;
	}
	if (ours->time != theirs->time)
		return ours->time > theirs->time;
	return ours_wins_tie(o, t);
}

/* A list of events: an array of objects that all have an "at" text. */
static int is_events(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, e)
		if (!json_is_string(json_object_get(e, "at")))
			return 0;
	return 1;
}

/* Whether array `list` (NULL: none) holds an entry equal to `e`. */
static int holds(const json_t *list, const json_t *e)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), e))
			return 1;
	return 0;
}

struct event {
	const json_t *v;
	const char *at;
	struct key key;
};

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	int c = strcmp(x->at, y->at);

	return c ? c : key_cmp(&x->key, &y->key);
}

/*
 * The union of two event lists changed on both sides. An entry of `base`
 * missing on one side was removed there and stays removed; an edited
 * entry is a removal plus an addition, so both sides' edits survive.
 * Sorting on the whole entry, not just on "at", makes the order the same
 * whichever side is ours.
 */
static json_t *merge_events(const json_t *base, const json_t *o, const json_t *t)
{
	const json_t *sides[2] = { o, t };
	struct event *ev = NULL;
	size_t n = 0, alloc = 0;
	json_t *out = json_array();

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < json_array_size(sides[s]); i++) {
			const json_t *e = json_array_get(sides[s], i);
			size_t j;

			if (holds(base, e) && !(holds(o, e) && holds(t, e)))
				continue;
			for (j = 0; j < n && !json_equal(ev[j].v, e); j++)
				;
			if (j < n)
				continue;
			SFA_ALLOC_GROW(ev, n + 1, alloc);
			ev[n].v = e;
			ev[n].at = json_string_value(json_object_get(e, "at"));
			key_of(&ev[n].key, e);
			n++;
		}
	}
	if (n)
		qsort(ev, n, sizeof(*ev), event_cmp);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(out, json_deep_copy(ev[i].v));
		free(ev[i].key.buf);
	}
	free(ev);
	return out;
}

/* Text that is not UTF-8 cannot be a JSON string; the log says null then. */
static json_t *text_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	return v ? v : json_null();
}

/* Appends a log entry to `log`; returns it (borrowed) for the caller to complete. */
static json_t *log_add(json_t *log, const char *field, const char *kind)
{
	json_t *e = json_object();

	json_object_set_new(e, "field", field ? json_string(field) : json_null());
	json_object_set_new(e, "kind", json_string(kind));
	json_array_append_new(log, e);
	return e;
}

/* Who made the change kept and the one lost, and when. */
static void log_sides(json_t *e, const struct sfa_merge_side *winner, const struct sfa_merge_side *loser)
{
	json_object_set_new(e, "kept_by", text_or_null(winner->who));
	json_object_set_new(e, "lost_by", text_or_null(loser->who));
	json_object_set_new(e, "kept_at", json_integer(winner->time));
	json_object_set_new(e, "lost_at", json_integer(loser->time));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The field names of the records (NULL: none), each once, in byte order; free() the array. */
static const char **field_names(const json_t *const recs[3], size_t *count)
{
	size_t n = 0, k = 0;
	const char **names, *name;
	json_t *v;

	for (int r = 0; r < 3; r++)
		n += json_object_size(recs[r]);
	names = sfa_xcalloc(n ? n : 1, sizeof(*names));
	for (int r = 0; r < 3; r++)
		if (recs[r])
			json_object_foreach((json_t *)recs[r], name, v)
				names[k++] = name;
	qsort(names, n, sizeof(*names), cmp_names);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || strcmp(names[i], names[k - 1]))
			names[k++] = names[i];
	*count = k;
	return names;
}

/* Merges one field into `out`; a conflict that loses a value goes to `log`. */
static void merge_field(json_t *out, json_t *log, const char *name, const json_t *b,
			const struct sfa_merge_side *ours, const struct sfa_merge_side *theirs,
			enum sfa_merge_rule rule)
{
	const json_t *o = json_object_get(ours->rec, name), *t = json_object_get(theirs->rec, name);
	const json_t *kept, *lost;
	json_t *e;
	int we_win;

	if (same(o, b) || same(o, t)) {
		kept = t;
	} else if (same(t, b)) {
		kept = o;
	} else if (is_events(o) && is_events(t)) {
		json_object_set_new(out, name, merge_events(b, o, t));
		return;
	} else if (!strcmp(name, "updated_at") && json_is_string(o) && json_is_string(t)) {
		/* bookkeeping: the latest stamp is right whoever's change it was */
		kept = strcmp(json_string_value(o), json_string_value(t)) > 0 ? o : t;
	} else {
		we_win = ours_wins(rule, ours, theirs, o, t);
		kept = we_win ? o : t;
		lost = we_win ? t : o;
		e = log_add(log, name, "both-changed");
		if (b)
			json_object_set_new(e, "base", json_deep_copy(b));
		if (kept)
			json_object_set_new(e, "kept", json_deep_copy(kept));
		if (lost)
			json_object_set_new(e, "lost", json_deep_copy(lost));
		log_sides(e, we_win ? ours : theirs, we_win ? theirs : ours);
		json_object_set_new(e, "rule", json_string(sfa_merge_rule_name(rule)));
	}
	if (kept)
		json_object_set_new(out, name, json_deep_copy(kept));
}

/*
 * The record missing on `gone`'s side: kept as `other` has it when it
 * changed it there, or added it (then nothing was deleted, nor logged).
 */
static json_t *merge_deleted(json_t *log, const json_t *base, const struct sfa_merge_side *gone,
			     const struct sfa_merge_side *other, const char *other_name)
{
	json_t *e;

	if (!other->rec || same(other->rec, base))
		return NULL;
	if (base) {
		e = log_add(log, NULL, "delete-edit");
		json_object_set_new(e, "kept", json_string(other_name));
		log_sides(e, other, gone);
	}
	return json_deep_copy(other->rec);
}

int sfa_merge_record(json_t **out, json_t **log, const json_t *base,
		     const struct sfa_merge_side *ours, const struct sfa_merge_side *theirs,
		     enum sfa_merge_rule rule)
{
	const json_t *const recs[3] = { base, ours->rec, theirs->rec };
	static const char *const what[3] = { "base", "ours", "theirs" };
	json_t *merged, *conflicts;
	const char **names;
	size_t n;

	*out = NULL;
	if (log)
		*log = NULL;
	for (int r = 0; r < 3; r++)
		if (recs[r] && !json_is_object(recs[r]))
			return sfa_error_set(SFA_EINPUT, "'%s': the record is not a JSON object", what[r]);

	conflicts = json_array();
	if (!ours->rec) {
		merged = merge_deleted(conflicts, base, ours, theirs, "theirs");
	} else if (!theirs->rec) {
		merged = merge_deleted(conflicts, base, theirs, ours, "ours");
	} else {
		merged = json_object();
		names = field_names(recs, &n);
		for (size_t i = 0; i < n; i++)
			merge_field(merged, conflicts, names[i], json_object_get(base, names[i]),
				    ours, theirs, rule);
		free(names);
	}
	*out = merged;
	if (log)
		*log = conflicts;
	else
		json_decref(conflicts);
	return 0;
}

int sfa_merge_resolve(json_t *rec, const char *field, const json_t *value)
{
	int err;

	if (!json_is_object(rec))
		return sfa_error_set(SFA_EINPUT, "field '%s': the record is not a JSON object", field);
	if ((err = sfa_field_name_check(field)) < 0)
		return err;
	if (!strcmp(field, "id"))
		return sfa_error_set(SFA_EINPUT, "field 'id': a record's id cannot be changed");
	if (value)
		json_object_set_new(rec, field, json_deep_copy(value));
	else
		json_object_del(rec, field);
	return 0;
}
