/* Pipelines and stages, and how an opportunity moves through them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/pipeline.h"
#include "sfa/query.h"
#include "sfa/store.h"
#include "sfa/banned.h"

static const char *const category_names[] = { "pipeline", "best-case", "commit", "closed", "omitted" };

const char *sfa_category_name(enum sfa_category c)
{
	return category_names[c];
}

void sfa_pipelines_free(struct sfa_pipelines *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		free(ps->list[i].stages);
	free(ps->list);
	json_decref(ps->cfg);
	free(ps);
}

static int is_count(const json_t *v, long long min, long long max)
{
	return json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max;
}

/* A list of field or stage names; `what` says which for the message. */
static int parse_names(const json_t *v, const char *path, const char *what)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return sfa_error_set(SFA_EINPUT, "%s: expected a list of %s names", path, what);
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || !json_string_length(e))
			return sfa_error_set(SFA_EINPUT, "%s[%zu]: expected a %s name", path, i, what);
	return 0;
}

static int parse_stage(struct sfa_stage *st, const char *pname, size_t idx, const json_t *def)
{
	char path[256];
	const char *k;
	json_t *v;
	int has_prob = 0, has_cat = 0;

	snprintf(path, sizeof(path), "pipelines.%s.stages[%zu]", pname, idx);
	if (!json_is_object(def))
		return sfa_error_set(SFA_EINPUT, "%s: expected an object like {\"name\": \"proposal\", ...}", path);
	json_object_foreach((json_t *)def, k, v) {
		if (!strcmp(k, "name")) {
			const char *n = json_string_value(v);
			if (!n || !*n || strlen(n) > 64 || strpbrk(n, ", \t\n"))
				return sfa_error_set(SFA_EINPUT, "%s.name: expected a name of 1-64 characters "
						     "without blanks or commas", path);
			st->name = n;
		} else if (!strcmp(k, "probability")) {
			if (!is_count(v, 0, 100))
				return sfa_error_set(SFA_EINPUT, "%s.probability: expected a whole number from 0 to 100",
						     path);
			st->probability = (int)json_integer_value(v);
			has_prob = 1;
		} else if (!strcmp(k, "category")) {
			size_t c;
			for (c = 0; c < sizeof(category_names) / sizeof(category_names[0]); c++)
				if (json_is_string(v) && !strcmp(json_string_value(v), category_names[c]))
					break;
			if (c == sizeof(category_names) / sizeof(category_names[0]))
				return sfa_error_set(SFA_EINPUT, "%s.category: expected one of: pipeline, best-case, "
						     "commit, closed, omitted", path);
			st->category = (enum sfa_category)c;
			has_cat = 1;
		} else if (!strcmp(k, "required")) {
			char sub[300];
			size_t i;
			json_t *e;
			snprintf(sub, sizeof(sub), "%s.required", path);
			if (parse_names(v, sub, "field") < 0)
				return SFA_EINPUT;
			json_array_foreach(v, i, e)
				if (sfa_field_name_check(json_string_value(e)) < 0)
					return sfa_error_prefix(SFA_EINPUT, "%s.required[%zu]: ", path, i);
			st->required = v;
		} else if (!strcmp(k, "to")) {
			char sub[300];
			snprintf(sub, sizeof(sub), "%s.to", path);
			if (parse_names(v, sub, "stage") < 0)
				return SFA_EINPUT;
			st->to = v;
		} else if (!strcmp(k, "won") || !strcmp(k, "lost")) {
			if (!json_is_boolean(v))
				return sfa_error_set(SFA_EINPUT, "%s.%s: expected true or false", path, k);
			*(k[0] == 'w' ? &st->won : &st->lost) = json_is_true(v);
		} else if (!strcmp(k, "rot_days")) {
			if (!is_count(v, 0, 36500))
				return sfa_error_set(SFA_EINPUT, "%s.rot_days: expected a number of days (0: never stale)",
						     path);
			st->rot_days = (int)json_integer_value(v);
		} else {
			return sfa_error_set(SFA_EINPUT, "%s.%s: not a stage setting (name, probability, category, "
					     "required, to, won, lost, rot_days)", path, k);
		}
	}
	if (!st->name)
		return sfa_error_set(SFA_EINPUT, "%s: no \"name\"", path);
	if (!has_prob)
		return sfa_error_set(SFA_EINPUT, "%s: stage '%s' has no \"probability\"", path, st->name);
	if (!has_cat)
		return sfa_error_set(SFA_EINPUT, "%s: stage '%s' has no \"category\"", path, st->name);
	if (st->won && st->lost)
		return sfa_error_set(SFA_EINPUT, "%s: stage '%s' cannot be both won and lost", path, st->name);
	if ((st->won || st->lost) && st->category != SFA_CAT_CLOSED && st->category != SFA_CAT_OMITTED)
		return sfa_error_set(SFA_EINPUT, "%s.category: a %s stage is \"closed\" or \"omitted\"", path,
				     st->won ? "won" : "lost");
	return 0;
}

/* The activities a won deal gets: [{"type": "call", "subject": ..., "due_days": 3, "duration": 30}] */
static int parse_on_won(const json_t *v, const char *pname)
{
	static const char *const types[] = { "call", "meeting", "email", "note", "task", NULL };
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won: expected a list of activities", pname);
	json_array_foreach(v, i, e) {
		const char *k, *t;
		json_t *x;
		size_t j;
		if (!json_is_object(e))
			return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won[%zu]: expected an object like "
					     "{\"type\": \"task\", \"subject\": \"Onboarding call\", \"due_days\": 3}",
					     pname, i);
		json_object_foreach(e, k, x) {
			if (!strcmp(k, "type")) {
				t = json_string_value(x);
				for (j = 0; types[j] && (!t || strcmp(types[j], t)); j++)
					;
				if (!types[j])
					return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won[%zu].type: expected one of: "
							     "call, meeting, email, note, task", pname, i);
			} else if (!strcmp(k, "subject")) {
				if (!json_is_string(x) || !json_string_length(x))
					return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won[%zu].subject: expected text",
							     pname, i);
			} else if (!strcmp(k, "due_days") || !strcmp(k, "duration")) {
				if (!is_count(x, 0, 100000))
					return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won[%zu].%s: expected a whole "
							     "number%s", pname, i, k, k[0] == 'd' && k[1] == 'u' &&
							     k[2] == 'e' ? " of days" : " of minutes");
			} else {
				return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won[%zu].%s: not an activity setting "
						     "(type, subject, due_days, duration)", pname, i, k);
			}
		}
		if (!json_object_get(e, "type") || !json_object_get(e, "subject"))
			return sfa_error_set(SFA_EINPUT, "pipelines.%s.on_won[%zu]: needs \"type\" and \"subject\"",
					     pname, i);
	}
	return 0;
}

static int parse_pipeline(struct sfa_pipeline *p, const char *name, const json_t *def)
{
	const json_t *stages = json_object_get(def, "stages");
	const char *k;
	json_t *v;
	size_t i;
	int err, won = 0, lost = 0;

	p->name = name;
	if (!json_is_object(def))
		return sfa_error_set(SFA_EINPUT, "pipelines.%s: expected an object with \"stages\"", name);
	json_object_foreach((json_t *)def, k, v)
		if (strcmp(k, "stages") && strcmp(k, "about") && strcmp(k, "on_won"))
			return sfa_error_set(SFA_EINPUT, "pipelines.%s.%s: not a pipeline setting (about, stages, "
					     "on_won)", name, k);
	if ((v = json_object_get(def, "about"))) {
		if (!json_is_string(v))
			return sfa_error_set(SFA_EINPUT, "pipelines.%s.about: expected text", name);
		p->about = json_string_value(v);
	}
	if ((v = json_object_get(def, "on_won"))) {
		if ((err = parse_on_won(v, name)) < 0)
			return err;
		p->on_won = v;
	}
	if (!json_is_array(stages) || !json_array_size(stages))
		return sfa_error_set(SFA_EINPUT, "pipelines.%s.stages: expected a list of stages", name);
	p->nstages = json_array_size(stages);
	p->stages = sfa_xcalloc(p->nstages, sizeof(*p->stages));
	json_array_foreach(stages, i, v) {
		if ((err = parse_stage(&p->stages[i], name, i, v)) < 0)
			return err;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->stages[j].name, p->stages[i].name))
				return sfa_error_set(SFA_EINPUT, "pipelines.%s.stages[%zu].name: stage '%s' twice",
						     name, i, p->stages[i].name);
		won |= p->stages[i].won;
		lost |= p->stages[i].lost;
	}
	for (i = 0; i < p->nstages; i++) {
		size_t j;
		json_t *to;
		json_array_foreach(p->stages[i].to, j, to)
			if (!sfa_pipeline_stage(p, json_string_value(to)))
				return sfa_error_set(SFA_EINPUT, "pipelines.%s.stages[%zu].to[%zu]: no stage '%s' in "
						     "pipeline '%s'", name, i, j, json_string_value(to), name);
	}
	if (!won || !lost)
		return sfa_error_set(SFA_EINPUT, "pipelines.%s.stages: no stage with \"%s\": true (a deal must be "
				     "able to close won and lost)", name, won ? "lost" : "won");
	if (p->stages[0].won || p->stages[0].lost)
		return sfa_error_set(SFA_EINPUT, "pipelines.%s.stages[0]: the first stage, where deals start, "
				     "cannot close them", name);
	return 0;
}

int sfa_pipelines_parse(struct sfa_pipelines **out, const json_t *cfg)
{
	struct sfa_pipelines *ps = sfa_xcalloc(1, sizeof(*ps));
	const json_t *list = json_object_get(cfg, "pipelines"), *def = json_object_get(cfg, "default");
	const char *k;
	json_t *v;
	int err = 0;

	ps->cfg = json_incref((json_t *)cfg);
	json_object_foreach((json_t *)cfg, k, v)
		if (strcmp(k, "pipelines") && strcmp(k, "default") && strcmp(k, "lost_reasons")) {
			err = sfa_error_set(SFA_EINPUT, "%s: not a setting (default, lost_reasons, pipelines)", k);
			goto done;
		}
	if (!json_is_object(list) || !json_object_size(list)) {
		err = sfa_error_set(SFA_EINPUT, "pipelines: expected an object of pipelines by name");
		goto done;
	}
	ps->list = sfa_xcalloc(json_object_size(list), sizeof(*ps->list));
	json_object_foreach((json_t *)list, k, v) {
		if (strpbrk(k, ", \t\n") || !*k) {
			err = sfa_error_set(SFA_EINPUT, "pipelines[\"%s\"]: a pipeline name has no blanks or commas", k);
			goto done;
		}
		if ((err = parse_pipeline(&ps->list[ps->n++], k, v)) < 0)
			goto done;
	}
	if ((v = json_object_get(cfg, "lost_reasons"))) {
		if ((err = parse_names(v, "lost_reasons", "reason")) < 0)
			goto done;
		ps->lost_reasons = v;
	}
	if (def) {
		if (!json_is_string(def) || !(ps->def = sfa_pipeline_find(ps, json_string_value(def)))) {
			err = sfa_error_set(SFA_EINPUT, "default: no pipeline '%s'", json_is_string(def) ?
					    json_string_value(def) : "(not text)");
			goto done;
		}
	} else if (ps->n == 1) {
		ps->def = &ps->list[0];
	} else {
		err = sfa_error_set(SFA_EINPUT, "default: several pipelines, so say which one deals go to by default");
		goto done;
	}
done:
	if (err < 0) {
		sfa_pipelines_free(ps);
		return err;
	}
	*out = ps;
	return 0;
}

int sfa_pipelines_check_config(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_pipelines *ps = NULL;
	int err = sfa_pipelines_parse(&ps, cfg);
	sfa_pipelines_free(ps);
	(void)s;
	return err;
}

const struct sfa_pipeline *sfa_pipeline_find(const struct sfa_pipelines *ps, const char *name)
{
	struct sfa_buf names = SFA_BUF_INIT;

	if (!name)
		return ps->def;
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->list[i].name, name))
			return &ps->list[i];
	for (size_t i = 0; i < ps->n; i++)
		sfa_buf_addf(&names, "%s%s", i ? ", " : "", ps->list[i].name);
	sfa_error_set(SFA_EINPUT, "no pipeline '%s' (pipelines: %s)", name, names.buf);
	sfa_buf_release(&names);
	return NULL;
}

const struct sfa_stage *sfa_pipeline_stage(const struct sfa_pipeline *p, const char *name)
{
	for (size_t i = 0; name && i < p->nstages; i++)
		if (!strcmp(p->stages[i].name, name))
			return &p->stages[i];
	return NULL;
}

const struct sfa_stage *sfa_pipeline_closing(const struct sfa_pipeline *p, int won)
{
	for (size_t i = 0; i < p->nstages; i++)
		if (won ? p->stages[i].won : p->stages[i].lost)
			return &p->stages[i];
	return NULL;
}

static int no_stage(const struct sfa_pipeline *p, const char *name)
{
	struct sfa_buf names = SFA_BUF_INIT;
	for (size_t i = 0; i < p->nstages; i++)
		sfa_buf_addf(&names, "%s%s", i ? ", " : "", p->stages[i].name);
	sfa_error_set(SFA_EINPUT, "field 'stage': no stage '%s' in pipeline '%s' (stages: %s)", name, p->name,
		      names.buf);
	sfa_buf_release(&names);
	return SFA_EINPUT;
}

/* The move from `from` to `to` is allowed: any, unless `from` lists where it goes. */
static int move_allowed(const struct sfa_stage *from, const struct sfa_stage *to)
{
	size_t i;
	json_t *e;

	if (!from || !from->to)
		return 1;
	json_array_foreach(from->to, i, e)
		if (!strcmp(json_string_value(e), to->name))
			return 1;
	return 0;
}

/* The fields `st` requires that `rec` lacks, listed; 0 when none. */
static int check_required(const struct sfa_stage *st, const json_t *rec)
{
	struct sfa_buf missing = SFA_BUF_INIT;
	size_t i;
	json_t *e;
	int err = 0;

	json_array_foreach(st->required, i, e) {
		json_t *v = json_object_get(rec, json_string_value(e));
		if (!v || json_is_null(v))
			sfa_buf_addf(&missing, "%s%s", missing.len ? ", " : "", json_string_value(e));
	}
	if (missing.len)
		err = sfa_error_set(SFA_EINPUT, "stage '%s' needs %s first", st->name, missing.buf);
	sfa_buf_release(&missing);
	return err;
}

static int check_reason(const struct sfa_pipelines *ps, const char *reason)
{
	struct sfa_buf list = SFA_BUF_INIT;
	size_t i;
	json_t *e;
	int err;

	if (!ps->lost_reasons)
		return 0;
	json_array_foreach(ps->lost_reasons, i, e)
		if (!strcmp(json_string_value(e), reason))
			return 0;
	json_array_foreach(ps->lost_reasons, i, e)
		sfa_buf_addf(&list, "%s%s", i ? ", " : "", json_string_value(e));
	err = sfa_error_set(SFA_EINPUT, "field 'lost_reason': '%s' is not one of: %s", reason, list.buf);
	sfa_buf_release(&list);
	return err;
}

/* Checks a given history of a new record (an import from another system): moves in time order. */
static int check_history(const json_t *h, const char **last, const char **last_at)
{
	size_t i;
	json_t *e;
	time_t t, prev = 0;

	*last = *last_at = NULL;
	if (!json_is_array(h))
		return sfa_error_set(SFA_EINPUT, "field 'stage_history': expected a list of moves");
	json_array_foreach(h, i, e) {
		const char *at = sfa_record_text(e, "at"), *to = sfa_record_text(e, "to");
		if (!at || sfa_time_parse(&t, at) < 0 || !to)
			return sfa_error_set(SFA_EINPUT, "field 'stage_history': entry %zu: needs \"at\" (a date-time) "
					     "and \"to\" (a stage)", i + 1);
		if (i && t < prev)
			return sfa_error_set(SFA_EINPUT, "field 'stage_history': entry %zu: at %s is before the "
					     "move above it", i + 1, at);
		prev = t;
		*last = to;
		*last_at = at;
	}
	return 0;
}

/* 1 when the history holds a move to a won stage of `p` (the follow-ups were made then). */
static int was_won(const struct sfa_pipeline *p, const json_t *h)
{
	size_t i;
	json_t *e;
	json_array_foreach(h, i, e) {
		const struct sfa_stage *st = sfa_pipeline_stage(p, sfa_record_text(e, "to"));
		if (st && st->won)
			return 1;
	}
	return 0;
}

/* What entering `st` at `at` sets: when, the last touch, and closed_at for a closing stage. */
static void entered(json_t *rec, const struct sfa_stage *st, const char *at)
{
	const char *last = sfa_record_text(rec, "last_activity_at");

	json_object_set_new(rec, "stage_entered_at", json_string(at));
	if (!last || strcmp(last, at) < 0)
		json_object_set_new(rec, "last_activity_at", json_string(at));
	if (st->won || st->lost) {
		json_object_set_new(rec, "closed_at", json_string(at));
	} else {
		json_object_del(rec, "closed_at");
		json_object_del(rec, "lost_reason");	/* reopened: the reason stays in the history */
	}
}

/* The pipeline's follow-up activities for a deal just won. */
static int create_follow_ups(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_pipeline *p,
			     const json_t *rec, time_t now)
{
	struct sfa_schema_opts so = { NULL, s };
	size_t i;
	json_t *e;
	int err = 0;

	json_array_foreach(p->on_won, i, e) {
		json_t *act = json_object();
		char iso[21], id[SFA_ID_LEN + 1];
		json_t *d = json_object_get(e, "due_days");
		sfa_time_iso(iso, now + (json_is_integer(d) ? (time_t)json_integer_value(d) * 86400 : 0));
		json_object_set(act, "type", json_object_get(e, "type"));
		json_object_set(act, "subject", json_object_get(e, "subject"));
		if (json_object_get(e, "duration"))
			json_object_set(act, "duration", json_object_get(e, "duration"));
		json_object_set_new(act, "due_at", json_string(iso));
		json_object_set_new(act, "done", json_false());
		json_object_set(act, "related_to", json_object_get(rec, "id"));
		if (json_is_string(json_object_get(rec, "owner")))
			json_object_set(act, "owner", json_object_get(rec, "owner"));
		err = sfa_add_txn(s, txn, &sfa_type_activity, act, &so, id);
		json_decref(act);
		if (err < 0)
			return sfa_error_prefix(err, "follow-up '%s': ", sfa_record_text(e, "subject"));
	}
	return 0;
}

int sfa_opportunity_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec)
{
	const struct sfa_pipelines *ps;
	const struct sfa_pipeline *p;
	const struct sfa_stage *st, *from = NULL;
	const char *pname = sfa_record_text(rec, "pipeline"), *sname = sfa_record_text(rec, "stage");
	const char *given_last = NULL, *given_at = NULL, *oldstage = old ? sfa_record_text(old, "stage") : NULL;
	json_t *hist = json_object_get(rec, "stage_history"), *entry;
	char at[21];
	time_t now = sfa_now();
	int err;

	if ((err = sfa_store_pipelines(s, &ps)) < 0)
		return err;
	if (!(p = sfa_pipeline_find(ps, pname)))
		return sfa_error_prefix(SFA_EINPUT, "field 'pipeline': ");
	json_object_set_new(rec, "pipeline", json_string(p->name));
	if (!sname)
		sname = p->stages[0].name;
	if (!(st = sfa_pipeline_stage(p, sname)))
		return no_stage(p, sname);
	json_object_set_new(rec, "stage", json_string(st->name));
	sname = st->name;

	if (old) {
		/* the history is written by moves, never by hand */
		if (!json_equal(hist, json_object_get(old, "stage_history")) &&
		    (hist || json_object_get(old, "stage_history")))
			return sfa_error_set(SFA_EINPUT, "field 'stage_history': kept by sfa-stage, not set by hand");
		const struct sfa_pipeline *op = sfa_pipeline_find(ps, sfa_record_text(old, "pipeline"));
		if (op == p)
			from = sfa_pipeline_stage(p, oldstage);
		if (op == p && oldstage && !strcmp(oldstage, sname))
			goto unchanged;
	} else if (hist && (err = check_history(hist, &given_last, &given_at)) < 0) {
		return err;
	}
	if (given_last && !strcmp(given_last, sname)) {	/* imported with its own history */
		entered(rec, st, given_at);
		goto unchanged;
	}

	/* a move (or the first stage of a new deal) */
	if (from && !from->won && !from->lost && !move_allowed(from, st)) {
		struct sfa_buf allowed = SFA_BUF_INIT;
		size_t i;
		json_t *e;
		json_array_foreach(from->to, i, e)
			sfa_buf_addf(&allowed, "%s%s", i ? ", " : "", json_string_value(e));
		err = sfa_error_set(SFA_EINPUT, "field 'stage': a deal in '%s' cannot move to '%s' (it moves to: %s)",
				    from->name, st->name, allowed.buf);
		sfa_buf_release(&allowed);
		return err;
	}
	if ((err = check_required(st, rec)) < 0)
		return err;
	/* a deal imported as already lost may come without one; a rep closing one says why */
	if (st->lost && old && !sfa_record_text(rec, "lost_reason"))
		return sfa_error_set(SFA_EINPUT, "stage '%s' needs a lost_reason (lost --reason R)", st->name);
	/* a new record enters its first stage when it was created; a move happens now */
	if (!old && sfa_record_text(rec, "created_at"))
		snprintf(at, sizeof(at), "%s", sfa_record_text(rec, "created_at"));
	else
		sfa_time_iso(at, now);
	entry = json_object();
	json_object_set_new(entry, "at", json_string(at));
	json_object_set_new(entry, "by", json_string(sfa_store_user(s)));
	if (oldstage)
		json_object_set_new(entry, "from", json_string(oldstage));
	json_object_set_new(entry, "to", json_string(sname));
	if (st->lost)
		json_object_set(entry, "reason", json_object_get(rec, "lost_reason"));
	/* won again after a reopen: the follow-ups of the first win are there */
	int first_win = st->won && !was_won(p, hist);
	hist = hist ? json_deep_copy(hist) : json_array();
	json_array_append_new(hist, entry);
	json_object_set_new(rec, "stage_history", hist);
	entered(rec, st, at);
	if (old && first_win && p->on_won && (err = create_follow_ups(s, txn, p, rec, now)) < 0)
		return err;
unchanged:
	if (sfa_record_text(rec, "lost_reason")) {
		if (!st->lost)
			return sfa_error_set(SFA_EINPUT, "field 'lost_reason': the deal is not lost (stage '%s')", sname);
		if ((err = check_reason(ps, sfa_record_text(rec, "lost_reason"))) < 0)
			return err;
	}
	if (!json_object_get(rec, "last_activity_at") && sfa_record_text(rec, "created_at"))
		json_object_set(rec, "last_activity_at", json_object_get(rec, "created_at"));
	return 0;
}

int sfa_opportunity_probability(const struct sfa_pipelines *ps, const json_t *rec)
{
	const json_t *own = json_object_get(rec, "probability");
	const struct sfa_pipeline *p;
	const struct sfa_stage *st;

	if (json_is_integer(own))
		return (int)json_integer_value(own);
	if (!(p = sfa_pipeline_find(ps, sfa_record_text(rec, "pipeline"))) ||
	    !(st = sfa_pipeline_stage(p, sfa_record_text(rec, "stage"))))
		return -1;
	return st->probability;
}

int sfa_opportunity_path(struct sfa_stage_visit **out, size_t *n, const json_t *rec, time_t now)
{
	const json_t *h = json_object_get(rec, "stage_history");
	struct sfa_stage_visit *v;
	size_t i;
	json_t *e;

	*out = NULL;
	*n = 0;
	if (!h)
		return 0;
	if (!json_is_array(h))
		return sfa_error_set(SFA_EINPUT, "field 'stage_history': not a list");
	v = sfa_xcalloc(json_array_size(h) + 1, sizeof(*v));
	json_array_foreach(h, i, e) {
		const char *at = sfa_record_text(e, "at");
		if (!at || !sfa_record_text(e, "to") || sfa_time_parse(&v[i].entered, at) < 0) {
			free(v);
			return sfa_error_set(SFA_EINPUT, "field 'stage_history': entry %zu is malformed", i + 1);
		}
		v[i].stage = sfa_record_text(e, "to");
		v[i].by = sfa_record_text(e, "by");
		v[i].reason = sfa_record_text(e, "reason");
		if (i)
			v[i - 1].left = v[i].entered;
	}
	if (i)
		v[i - 1].left = now > v[i - 1].entered ? now : v[i - 1].entered;
	*out = v;
	*n = i;
	return 0;
}

int sfa_pipeline_stale_filter(struct sfa_filter *f, const struct sfa_pipelines *ps, time_t now)
{
	struct sfa_buf expr = SFA_BUF_INIT, names = SFA_BUF_INIT;
	int err = 0;

	/* the stages that can be stale, as one condition the stage index answers */
	for (size_t i = 0; i < ps->n; i++)
		for (size_t j = 0; j < ps->list[i].nstages; j++) {
			const struct sfa_stage *st = &ps->list[i].stages[j];
			if (st->rot_days && !st->won && !st->lost)
				sfa_buf_addf(&names, "%s%s", names.len ? "," : "", st->name);
		}
	if (names.len && (err = sfa_filter_in(f, "stage", names.buf)) < 0) {
		sfa_buf_release(&names);
		return err;
	}
	sfa_buf_release(&names);
	sfa_filter_or_begin(f);
	for (size_t i = 0; i < ps->n && !err; i++) {
		const struct sfa_pipeline *p = &ps->list[i];
		for (size_t j = 0; j < p->nstages && !err; j++) {
			const struct sfa_stage *st = &p->stages[j];
			char cutoff[21];
			if (!st->rot_days || st->won || st->lost)
				continue;
			sfa_time_iso(cutoff, now - (time_t)st->rot_days * 86400);
			sfa_filter_or_next(f);
			sfa_buf_reset(&expr);
			sfa_buf_addf(&expr, "pipeline=%s", p->name);
			if ((err = sfa_filter_where(f, expr.buf)) < 0)
				break;
			sfa_buf_reset(&expr);
			sfa_buf_addf(&expr, "stage=%s", st->name);
			if ((err = sfa_filter_where(f, expr.buf)) < 0)
				break;
			sfa_buf_reset(&expr);
			sfa_buf_addf(&expr, "last_activity_at<%s", cutoff);
			err = sfa_filter_where(f, expr.buf);
		}
	}
	sfa_filter_or_end(f);
	sfa_buf_release(&expr);
	return err;
}
