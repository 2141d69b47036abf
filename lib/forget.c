/* A person's right to erasure: the personal fields of a lead or contact and of what is about them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/forget.h"
#include "sfa/index.h"
#include "sfa/schema.h"
#include "sfa/store.h"
#include "sfa/sync.h"
#include "sfa/banned.h"

static int cmp_text(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* The names of the fields of `t` that `sc` marks personal, sorted (new reference). */
static json_t *marked(const struct sfa_schema *sc, const struct sfa_type *t)
{
	size_t n;
	const struct sfa_field *f = sfa_schema_fields(sc, t, &n);
	json_t *out = json_array();

	/* the schema keeps its fields in name order */
	for (size_t i = 0; i < n; i++)
		if (f[i].personal)
			json_array_append_new(out, json_string(f[i].name));
	return out;
}

int sfa_forget_fields(json_t **out, const struct sfa_schema *sc, const struct sfa_type *t)
{
	struct sfa_schema *shipped = NULL;
	json_t *cfg = NULL;
	const char *text;
	int err;

	*out = marked(sc, t);
	if (json_array_size(*out))
		return 0;
	json_decref(*out);
	*out = NULL;
	text = sfa_config_default("config/schema.json");
	if (!text || !(cfg = json_loads(text, 0, NULL)))
		return sfa_error_set(SFA_ESTORE, "the shipped schema cannot be read");
	err = sfa_schema_parse(&shipped, cfg);
	json_decref(cfg);
	if (err < 0)
		return sfa_error_prefix(SFA_ESTORE, "the shipped schema: ");
	*out = marked(shipped, t);
	sfa_schema_free(shipped);
	return 0;
}

int sfa_forget_record(json_t *rec, const struct sfa_type *t, const json_t *fields, const struct sfa_schema *sc,
		      json_t *removed)
{
	const json_t *name;
	size_t i;
	int n = 0;

	json_array_foreach((json_t *)fields, i, name) {
		const char *k = json_string_value(name);
		const struct sfa_field *f = k ? sfa_schema_field(sc, t, k) : NULL;
		json_t *v = k ? json_object_get(rec, k) : NULL;
		if (!v || json_is_null(v))
			continue;
		if (f && f->required && f->type == SFA_FT_TEXT) {
			/* a required text keeps a value, which says what happened */
			if (json_is_string(v) && !strcmp(json_string_value(v), SFA_FORGET_TEXT))
				continue;
			json_object_set_new(rec, k, json_string(SFA_FORGET_TEXT));
		} else {
			json_object_del(rec, k);
		}
		if (removed)
			json_array_append_new(removed, json_string(k));
		n++;
	}
	return n;
}

int sfa_forget_resolve(struct sfa_store *s, const char *given, const struct sfa_type **type,
		       char out[SFA_ID_LEN + 1])
{
	static const struct sfa_type *const people[] = { &sfa_type_lead, &sfa_type_contact };
	const struct sfa_type *found = NULL, *other;
	char id[SFA_ID_LEN + 1];
	int err;

	for (size_t i = 0; i < 2; i++) {
		err = sfa_store_resolve(s, people[i], given, id);
		if (err == SFA_ENOTFOUND)
			continue;
		if (err < 0)
			return err;
		if (found)
			return sfa_error_set(SFA_EAMBIGUOUS, "'%s' names both lead %s and contact %s", given, out, id);
		found = people[i];
		memcpy(out, id, sizeof(id));
	}
	if (found) {
		*type = found;
		sfa_error_clear();
		return 0;
	}
	err = sfa_store_find(s, NULL, given, &other, id);
	if (err == 0)
		return sfa_error_set(SFA_EINPUT, "'%s' is %s %s %s, not a lead or contact", given,
				     strchr("aeiou", other->name[0]) ? "an" : "a", other->name, id);
	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "no lead or contact '%s'", given);
	return err;
}

/* --- what to forget ---------------------------------------------------------------- */

enum kind {
	PERSON,		/* a lead or contact in the tree */
	ACTIVITY,	/* an activity about one */
	PAST,		/* gone from the tree (merged, deleted): its history only */
};

struct entry {
	enum kind kind;
	const struct sfa_type *type;
	char id[SFA_ID_LEN + 1];
};

struct plan {
	struct sfa_store *s;
	struct sfa_index *ix;
	const struct sfa_schema *sc;
	struct entry *v;
	size_t n, alloc;
	json_t *seen;				/* ids in v */
	json_t *emails;				/* the people's addresses, lower case */
	json_t *fields;				/* personal fields by type name, on demand */
};

static void plan_release(struct plan *p)
{
	free(p->v);
	json_decref(p->seen);
	json_decref(p->emails);
	json_decref(p->fields);
}

/* The personal fields of `t` (borrowed from the plan). */
static int fields_of(struct plan *p, const struct sfa_type *t, const json_t **out)
{
	json_t *f = json_object_get(p->fields, t->name);
	int err;
	if (!f) {
		if ((err = sfa_forget_fields(&f, p->sc, t)) < 0)
			return err;
		json_object_set_new(p->fields, t->name, f);
	}
	*out = f;
	return 0;
}

static void plan_add(struct plan *p, enum kind kind, const struct sfa_type *t, const char *id)
{
	struct entry *e;
	if (json_object_get(p->seen, id))
		return;
	json_object_set_new(p->seen, id, json_true());
	SFA_ALLOC_GROW(p->v, p->n + 1, p->alloc);
	e = &p->v[p->n++];
	e->kind = kind;
	e->type = t;
	memcpy(e->id, id, SFA_ID_LEN + 1);
}

/* A lead or contact the person is linked to: in the tree, or only in its history. */
static int add_linked(struct plan *p, const struct sfa_type *t, const char *id, size_t len)
{
	git_oid oid;
	char one[SFA_ID_LEN + 1];
	int err;

	if (!sfa_id_valid(id, len))
		return 0;
	memcpy(one, id, SFA_ID_LEN);
	one[SFA_ID_LEN] = '\0';
	err = sfa_index_oid(p->ix, t, one, &oid);
	if (err < 0 && err != SFA_ENOTFOUND)
		return err;
	plan_add(p, err == 0 ? PERSON : PAST, t, one);
	return 0;
}

struct referrer {
	struct plan *p;
	const char *id;
	int err;
};

/*
 * What refers to a person: activities about them, and the lead converted
 * into a contact (its "contact") or the contact made of a lead (its "lead").
 */
static int on_referrer(const struct sfa_type *t, const json_t *rec, void *data)
{
	struct referrer *r = data;
	const char *id = sfa_record_text(rec, "id");

	if (!id || !sfa_id_valid(id, strlen(id)))
		return 0;
	if (t == &sfa_type_activity)
		plan_add(r->p, ACTIVITY, t, id);
	else if ((t == &sfa_type_lead && sfa_record_text(rec, "contact") &&
		  !strcmp(sfa_record_text(rec, "contact"), r->id)) ||
		 (t == &sfa_type_contact && sfa_record_text(rec, "lead") &&
		  !strcmp(sfa_record_text(rec, "lead"), r->id)))
		plan_add(r->p, PERSON, t, id);
	return 0;
}

/* Notes the addresses of a person: the values of its personal email fields. */
static void add_emails(struct plan *p, const struct sfa_type *t, const json_t *rec, const json_t *fields)
{
	const json_t *name;
	size_t i;

	json_array_foreach((json_t *)fields, i, name) {
		const struct sfa_field *f = sfa_schema_field(p->sc, t, json_string_value(name));
		const char *v = sfa_record_text(rec, json_string_value(name));
		char *low;
		if (!v || !*v || !(f ? f->type == SFA_FT_EMAIL : !strcmp(json_string_value(name), "email")))
			continue;
		low = sfa_xstrdup(v);
		for (char *c = low; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		json_object_set_new(p->emails, low, json_true());
		free(low);
	}
}

/* Everything linked to person `e`: the other side of a conversion, merged leads, activities. */
static int expand(struct plan *p, const struct entry *e)
{
	struct referrer r = { p, e->id, 0 };
	const json_t *fields;
	json_t *rec = NULL;
	const char *link;
	long n;
	int err;

	if ((err = sfa_index_get(p->ix, e->type, e->id, &rec)) < 0 || (err = fields_of(p, e->type, &fields)) < 0)
		goto done;
	add_emails(p, e->type, rec, fields);
	if (e->type == &sfa_type_lead && (link = sfa_record_text(rec, "contact")) &&
	    (err = add_linked(p, &sfa_type_contact, link, strlen(link))) < 0)
		goto done;
	if (e->type == &sfa_type_contact && (link = sfa_record_text(rec, "lead")) &&
	    (err = add_linked(p, &sfa_type_lead, link, strlen(link))) < 0)
		goto done;
	/* "id,id,...": leads merged into this one, the same person */
	for (link = e->type == &sfa_type_lead ? sfa_record_text(rec, "merged_from") : NULL; link && *link;) {
		size_t len = strcspn(link, ",");
		if ((err = add_linked(p, &sfa_type_lead, link, len)) < 0)
			goto done;
		link += len + (link[len] == ',');
	}
	if ((n = sfa_index_referrers(p->ix, e->id, on_referrer, &r)) < 0)
		err = (int)n;
done:
	json_decref(rec);
	return err;
}

/* Activities from or to one of the people's addresses (mail logged by sfa-mail). */
static int mail_activities(struct plan *p)
{
	sqlite3 *db = sfa_index_db(p->ix);
	sqlite3_stmt *st = NULL;
	const char *addr;
	json_t *v;
	int rc, err = 0;

	if (!json_object_size(p->emails))
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT id FROM records WHERE type = 'activity' AND"
			       " (lower(body ->> '$.mail_from') = ?1 OR lower(body ->> '$.mail_to') = ?1)"
			       " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return sfa_error_set(SFA_ESTORE, "index: %s", sqlite3_errmsg(db));
	json_object_foreach(p->emails, addr, v) {
		sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			if (id && sfa_id_valid(id, strlen(id)))
				plan_add(p, ACTIVITY, &sfa_type_activity, id);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			err = sfa_error_set(SFA_ESTORE, "index: %s", sqlite3_errmsg(db));
			break;
		}
	}
	sqlite3_finalize(st);
	return err;
}

/* The people named, everyone linked to them, and what is about them. */
static int make_plan(struct plan *p, const char *const *given, size_t n)
{
	int err;

	for (size_t i = 0; i < n; i++) {
		const struct sfa_type *t;
		char id[SFA_ID_LEN + 1];
		if ((err = sfa_forget_resolve(p->s, given[i], &t, id)) < 0)
			return err;
		plan_add(p, PERSON, t, id);
	}
	/* expanding adds entries behind the one expanded, which are expanded in turn */
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == PERSON && (err = expand(p, &p->v[i])) < 0)
			return sfa_error_prefix(err, "%s %s: ", p->v[i].type->name, p->v[i].id);
	return mail_activities(p);
}

/* --- doing it ---------------------------------------------------------------------- */

/*
 * Erases one record of the plan (in `txn` unless dry run); appends its
 * row when it changes. The index forgets its past either way.
 */
static int forget_one(struct plan *p, struct sfa_txn *txn, const struct entry *e, const char *now, json_t *rows)
{
	const json_t *fields;
	json_t *rec = NULL, *removed = json_array();
	struct sfa_buf names = SFA_BUF_INIT;
	int n, changed, err;

	if ((err = fields_of(p, e->type, &fields)) < 0)
		goto done;
	if (txn && json_array_size(fields) && (err = sfa_index_forget(p->ix, e->type, e->id, fields)) < 0)
		goto done;
	if (e->kind == PAST)
		goto done;
	if ((err = sfa_index_get(p->ix, e->type, e->id, &rec)) < 0)
		goto done;
	n = sfa_forget_record(rec, e->type, fields, p->sc, removed);
	changed = n > 0;
	if (e->kind == PERSON && !sfa_record_text(rec, "forgotten_at")) {
		json_object_set_new(rec, "forgotten_at", json_string(now));
		changed = 1;
	}
	if (!changed)
		goto done;
	if (txn && (err = sfa_txn_put(txn, e->type, e->id, rec, NULL)) < 0)
		goto done;
	for (size_t i = 0; i < json_array_size(removed); i++)
		sfa_buf_addf(&names, "%s%s", i ? "," : "", json_string_value(json_array_get(removed, i)));
	json_array_append_new(rows, json_pack("{s:s, s:s, s:i, s:s}", "type", e->type->name, "id", e->id,
					      "removed", n, "fields", names.buf));
done:
	json_decref(rec);
	json_decref(removed);
	sfa_buf_release(&names);
	return err;
}

/* A state file as of the head (a new, empty object when there is none). */
static int read_state(struct sfa_store *s, const char *path, json_t **out)
{
	struct sfa_buf text = SFA_BUF_INIT;
	int err = sfa_store_read_file(s, path, &text);

	*out = NULL;
	if (err == SFA_ENOTFOUND) {
		sfa_error_clear();
		*out = json_object();
		err = 0;
	} else if (err == 0 && (!(*out = json_loadb(text.buf, text.len, 0, NULL)) || !json_is_object(*out))) {
		json_decref(*out);
		*out = NULL;
		err = sfa_error_set(SFA_ESTORE, "%s: not a JSON object", path);
	}
	sfa_buf_release(&text);
	return err;
}

/* Writes `obj` to `path` in the layout `sfa sync` writes state files in. */
static int write_state(struct sfa_txn *txn, const char *path, const json_t *obj)
{
	struct sfa_buf text = SFA_BUF_INIT;
	char *dump = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
	int err;

	sfa_buf_addstr(&text, dump);
	sfa_buf_addch(&text, '\n');
	free(dump);
	err = sfa_txn_put_file(txn, path, text.buf, text.len);
	sfa_buf_release(&text);
	return err;
}

/* `list` (an array of text) with the names of `add` it lacks, sorted: the file reads the same whoever wrote it. */
static void union_sorted(json_t *list, const json_t *add)
{
	const json_t *f;
	json_t **v;
	size_t i, n;

	json_array_foreach((json_t *)add, i, f) {
		size_t j;
		json_t *g;
		json_array_foreach(list, j, g)
			if (json_equal(f, g))
				break;
		if (j == json_array_size(list))
			json_array_append(list, (json_t *)f);
	}
	n = json_array_size(list);
	v = sfa_xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof(*v), cmp_text);
	json_array_clear(list);
	for (i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
}

/* SFA_FORGOTTEN_FILE with every record of the plan (a record forgotten before keeps its time). */
static int note_forgotten(struct plan *p, struct sfa_txn *txn, const char *now)
{
	json_t *all = NULL, *before = NULL;
	int err;

	if ((err = read_state(p->s, SFA_FORGOTTEN_FILE, &all)) < 0)
		return err;
	before = json_deep_copy(all);
	for (size_t i = 0; i < p->n && !err; i++) {
		const struct entry *e = &p->v[i];
		const json_t *fields;
		json_t *old = json_object_get(all, e->id);
		if ((err = fields_of(p, e->type, &fields)) < 0 || !json_array_size(fields))
			continue;
		if (!json_is_object(old) || !json_is_array(json_object_get(old, "fields")) ||
		    !json_is_string(json_object_get(old, "type"))) {
			old = json_pack("{s:s, s:s, s:[]}", "at", now, "type", e->type->name, "fields");
			json_object_set_new(all, e->id, old);
		}
		union_sorted(json_object_get(old, "fields"), fields);
	}
	if (!err && !json_equal(all, before))
		err = write_state(txn, SFA_FORGOTTEN_FILE, all);
	json_decref(all);
	json_decref(before);
	return err;
}

/* The conflict log of `sfa sync` keeps both values of a field: those of a forgotten field go. */
static int scrub_conflicts(struct plan *p, struct sfa_txn *txn)
{
	static const char *const values[] = { "base", "kept", "lost", "resolved_to", NULL };
	json_t *log = NULL, *c;
	const char *cid;
	int err, changed = 0;

	if ((err = read_state(p->s, SFA_CONFLICTS_FILE, &log)) < 0)
		return err;
	json_object_foreach(log, cid, c) {
		const char *rid = sfa_record_text(c, "record"), *field = sfa_record_text(c, "field");
		const struct sfa_type *t = NULL;
		const json_t *fields, *f;
		size_t i;
		if (!rid || !field || !json_object_get(p->seen, rid))
			continue;
		for (size_t k = 0; k < p->n && !t; k++)
			if (!strcmp(p->v[k].id, rid))
				t = p->v[k].type;
		if ((err = fields_of(p, t, &fields)) < 0)
			break;
		json_array_foreach((json_t *)fields, i, f) {
			if (strcmp(json_string_value(f), field))
				continue;
			for (size_t k = 0; values[k]; k++)
				if (json_object_get(c, values[k])) {
					json_object_del(c, values[k]);
					changed = 1;
				}
		}
	}
	if (!err && changed)
		err = write_state(txn, SFA_CONFLICTS_FILE, log);
	json_decref(log);
	return err;
}

/* "sfa forget: contact ID, lead ID; 3 activities" — ids only, never a name. */
static void message_of(struct sfa_buf *out, const json_t *rows)
{
	size_t people = 0, activities = 0, listed = 0;
	const json_t *r;
	size_t i;

	json_array_foreach((json_t *)rows, i, r) {
		if (strcmp(sfa_record_text(r, "type"), "activity"))
			people++;
		else
			activities++;
	}
	sfa_buf_addstr(out, "sfa forget: ");
	json_array_foreach((json_t *)rows, i, r) {
		if (!strcmp(sfa_record_text(r, "type"), "activity"))
			continue;
		if (listed == 4) {
			sfa_buf_addf(out, " and %zu more", people - listed);
			break;
		}
		sfa_buf_addf(out, "%s%s %s", listed++ ? ", " : "", sfa_record_text(r, "type"), sfa_record_text(r, "id"));
	}
	if (!people)
		sfa_buf_addstr(out, "history of forgotten records");
	if (activities)
		sfa_buf_addf(out, "; %zu %s", activities, activities == 1 ? "activity" : "activities");
}

int sfa_forget(struct sfa_store *s, const char *const *given, size_t n, const struct sfa_forget_opts *opts,
	       json_t **rows)
{
	struct plan p = { 0 };
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	json_t *out = json_array();
	char now[21];
	int err;

	if (rows)
		*rows = NULL;
	if (!n) {
		json_decref(out);
		return sfa_error_set(SFA_EUSAGE, "no lead or contact given");
	}
	p.s = s;
	p.ix = sfa_store_index(s);
	p.seen = json_object();
	p.emails = json_object();
	p.fields = json_object();
	sfa_time_iso(now, sfa_now());
	/* a dry run reads the index as the store opened it, and takes no lock */
	if ((!opts->dry_run && (err = sfa_txn_begin(&txn, s, 0)) < 0) || (err = sfa_store_schema(s, &p.sc)) < 0 ||
	    (err = make_plan(&p, given, n)) < 0)
		goto done;
	/* the people first in the rows, whatever order they were found in */
	for (int people = 1; people >= 0; people--)
		for (size_t i = 0; i < p.n && !err; i++)
			if ((p.v[i].kind == PERSON) == people)
				err = forget_one(&p, txn, &p.v[i], now, out);
	if (err < 0 || opts->dry_run)
		goto done;
	if ((err = note_forgotten(&p, txn, now)) < 0 || (err = scrub_conflicts(&p, txn)) < 0)
		goto done;
	if (opts->message)
		sfa_buf_addstr(&msg, opts->message);
	else
		message_of(&msg, out);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	plan_release(&p);
	sfa_buf_release(&msg);
	if (err < 0 || !rows)
		json_decref(out);
	else
		*rows = out;
	return err;
}

/* --- the history --------------------------------------------------------------- */

/*
 * The program sfa_forget_history_script writes, around the list. A record
 * file has one field per line, so its personal fields go line by line and
 * everything else stays byte for byte; a required text set to
 * SFA_FORGET_TEXT stays. The values removed are replaced where a commit
 * message quotes them: git fast-export gives a commit's blobs before it.
 */
static const char script_head[] =
	"#!/usr/bin/python3\n"
	"# Rewrites the history of the git repository it runs in (a fresh mirror\n"
	"# clone of an sfa store) so that no version of a record forgotten by\n"
	"# `sfa forget` keeps its personal fields: made by `sfa forget\n"
	"# --history-script`, run with git-filter-repo (Debian: git-filter-repo).\n"
	"# Arguments are passed on to git-filter-repo (for example --force).\n"
	"import json\n"
	"import re\n"
	"import sys\n"
	"\n"
	"try:\n"
	"    import git_filter_repo as fr\n"
	"except ImportError:  # a python3 other than Debian's\n"
	"    sys.path.append(\"/usr/lib/python3/dist-packages\")\n"
	"    import git_filter_repo as fr\n"
	"\n"
	"FORGOTTEN = json.loads(r\"\"\"";

static const char script_tail[] =
	"\"\"\")\n"
	"KEPT = \"" SFA_FORGET_TEXT "\"\n"
	"FIELD = re.compile(rb'^  (\"(?:[^\"\\\\]|\\\\.)*\"): (.*?),?$')\n"
	"ID = re.compile(rb'^  \"id\": \"([0-9a-z]{12})\",?$', re.M)\n"
	"removed = set()\n"
	"\n"
	"\n"
	"def scrub_record(data, fields):\n"
	"    out = []\n"
	"    for line in data.split(b\"\\n\"):\n"
	"        m = FIELD.match(line)\n"
	"        if m and json.loads(m.group(1)) in fields:\n"
	"            try:\n"
	"                value = json.loads(m.group(2))\n"
	"            except ValueError:\n"
	"                value = None\n"
	"            if value != KEPT:\n"
	"                if isinstance(value, str) and value:\n"
	"                    removed.add(value.encode())\n"
	"                continue\n"
	"        out.append(line)\n"
	"    # the last field before the closing brace has no comma\n"
	"    for i in range(len(out) - 1, 0, -1):\n"
	"        if out[i] == b\"}\":\n"
	"            out[i - 1] = out[i - 1].rstrip(b\",\")\n"
	"            break\n"
	"    return b\"\\n\".join(out)\n"
	"\n"
	"\n"
	"def scrub_conflicts(data):\n"
	"    try:\n"
	"        log = json.loads(data)\n"
	"    except ValueError:\n"
	"        return data\n"
	"    if not isinstance(log, dict):\n"
	"        return data\n"
	"    changed = False\n"
	"    for c in log.values():\n"
	"        if not isinstance(c, dict):\n"
	"            return data\n"
	"        e = FORGOTTEN.get(c.get(\"record\"))\n"
	"        if e and c.get(\"field\") in e[\"fields\"]:\n"
	"            for k in (\"base\", \"kept\", \"lost\", \"resolved_to\"):\n"
	"                if k in c:\n"
	"                    if isinstance(c[k], str) and c[k]:\n"
	"                        removed.add(c[k].encode())\n"
	"                    del c[k]\n"
	"                    changed = True\n"
	"    if not changed:\n"
	"        return data\n"
	"    return (json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + \"\\n\").encode()\n"
	"\n"
	"\n"
	"def blob_callback(blob, metadata):\n"
	"    m = ID.search(blob.data)\n"
	"    if m:\n"
	"        e = FORGOTTEN.get(m.group(1).decode())\n"
	"        if e:\n"
	"            blob.data = scrub_record(blob.data, e[\"fields\"])\n"
	"    elif b'\"record\": \"' in blob.data and b'\"merged_at\": \"' in blob.data:\n"
	"        blob.data = scrub_conflicts(blob.data)\n"
	"\n"
	"\n"
	"# a value quoted in a commit message (\"sfa-lead merge\" lists the values it dropped)\n"
	"def message_callback(message):\n"
	"    for v in removed:\n"
	"        message = message.replace(b\"'\" + v + b\"'\", b\"'\" + KEPT.encode() + b\"'\")\n"
	"    return message\n"
	"\n"
	"\n"
	"args = fr.FilteringOptions.parse_args(sys.argv[1:], error_on_empty=False)\n"
	"fr.RepoFilter(args, blob_callback=blob_callback, message_callback=message_callback).run()\n";

int sfa_forget_history_script(struct sfa_store *s, struct sfa_buf *out)
{
	json_t *all = NULL, *list = NULL, *e;
	const char *id;
	char *dump;
	int err;

	if ((err = read_state(s, SFA_FORGOTTEN_FILE, &all)) < 0)
		return err;
	if (!json_object_size(all)) {
		json_decref(all);
		return sfa_error_set(SFA_ENOTFOUND, "no one is forgotten in this store (no %s)", SFA_FORGOTTEN_FILE);
	}
	/* what the rewrite needs and nothing else: ids, types, field names */
	list = json_object();
	json_object_foreach(all, id, e)
		json_object_set_new(list, id, json_pack("{s:O?, s:O?}", "fields", json_object_get(e, "fields"),
							 "type", json_object_get(e, "type")));
	dump = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	sfa_buf_addstr(out, script_head);
	sfa_buf_addstr(out, dump);
	sfa_buf_addstr(out, script_tail);
	free(dump);
	json_decref(list);
	json_decref(all);
	return 0;
}
