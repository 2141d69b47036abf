/* sfa-stage: opportunities and their way through the sales process. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/pipeline.h"
#include "sfa/query.h"
#include "sfa/verbs.h"
#include "sfa/stream.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-stage stages [--store dir] [--format format] [pipeline]\n"
	"       sfa-stage add [--store dir] [field=value ...]\n"
	"       sfa-stage import [--store dir] [options] [file]\n"
	"       sfa-stage list [--store dir] [filters] [--stage list] [--pipeline list]\n"
	"                      [--closing period] [--stale] [--fields list] [--format format]\n"
	"       sfa-stage search [--store dir] [filters] [--format format] text ...\n"
	"       sfa-stage show [--store dir] [--format format] [id ...]\n"
	"       sfa-stage set [--store dir] [id ...] field=value ...\n"
	"       sfa-stage move [--store dir] [--reason reason] [--competitor name] [id ...] stage\n"
	"       sfa-stage won [--store dir] [id ...]\n"
	"       sfa-stage lost [--store dir] --reason reason [--competitor name] [id ...]\n"
	"       sfa-stage reopen [--store dir] [--stage stage] [id ...]\n"
	"       sfa-stage history [--store dir] [--format format] id\n"
	"       sfa-stage delete [--store dir] [id ...]\n"
	"       sfa-stage -h | --help\n"
	"       sfa-stage --version\n";

enum { OPT_STORE = 256, OPT_REASON, OPT_COMPETITOR, OPT_STAGE };
enum { OPT_L_STAGE = SFA_VERB_OPT, OPT_L_PIPELINE, OPT_L_CLOSING, OPT_L_STALE };

/* --- list filters: --stage, --pipeline, --closing, --stale ---------------------------- */

static int list_filter(struct sfa_filter *f, int opt, const char *arg)
{
	const struct sfa_pipelines *ps;
	char from[11], to[11], expr[64];
	int err;

	switch (opt) {
	case OPT_L_STAGE:
		return sfa_filter_in(f, "stage", arg);
	case OPT_L_PIPELINE:
		return sfa_filter_in(f, "pipeline", arg);
	case OPT_L_CLOSING:
		if ((err = sfa_period_parse(arg, sfa_now(), from, to)) < 0)
			return sfa_error_prefix(err, "--closing: ");
		snprintf(expr, sizeof(expr), "close_date>=%s", from);
		if ((err = sfa_filter_where(f, expr)) < 0)
			return err;
		snprintf(expr, sizeof(expr), "close_date<=%s", to);
		return sfa_filter_where(f, expr);
	case OPT_L_STALE:
		if ((err = sfa_store_pipelines(f->store, &ps)) < 0)
			return err;
		return sfa_pipeline_stale_filter(f, ps, sfa_now());
	}
	return SFA_EUSAGE;
}

static const struct option list_opts[] = {
	{ "closing", required_argument, NULL, OPT_L_CLOSING },
	{ "pipeline", required_argument, NULL, OPT_L_PIPELINE },
	{ "stage", required_argument, NULL, OPT_L_STAGE },
	{ "stale", no_argument, NULL, OPT_L_STALE },
	{ NULL, 0, NULL, 0 }
};

static const struct sfa_verb verb = { &sfa_type_opportunity, "sfa-stage", usage, list_opts, list_filter };

/* --- stages ---------------------------------------------------------------------------- */

static int stages(const struct sfa_verb *v, int argc, char **argv)
{
	static const char *const cols[] = { "pipeline", "position", "stage", "probability", "category",
					    "closes", "rot_days", "required", "to", NULL };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	const char *store;
	const struct sfa_pipelines *ps;
	const struct sfa_pipeline *only = NULL;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	int err;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, &fmt)) >= 0)
		return err;
	if (argc - optind > 1)
		return sfa_cli_bad_usage(v->usage, "stages shows one pipeline or all");
	if ((err = sfa_cli_open_store(&s, store)) < 0 || (err = sfa_store_pipelines(s, &ps)) < 0)
		goto done;
	if (optind < argc && !(only = sfa_pipeline_find(ps, argv[optind]))) {
		err = SFA_EINPUT;
		goto done;
	}
	if ((err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), cols)) < 0)
		goto done;
	for (size_t i = 0; i < ps->n && !err; i++) {
		const struct sfa_pipeline *p = &ps->list[i];
		if (only && p != only)
			continue;
		for (size_t j = 0; j < p->nstages && !err; j++) {
			const struct sfa_stage *st = &p->stages[j];
			json_t *row = json_object(), *e;
			struct sfa_buf req = SFA_BUF_INIT, to = SFA_BUF_INIT;
			size_t k;
			json_array_foreach(st->required, k, e)
				sfa_buf_addf(&req, "%s%s", k ? "," : "", json_string_value(e));
			json_array_foreach(st->to, k, e)
				sfa_buf_addf(&to, "%s%s", k ? "," : "", json_string_value(e));
			json_object_set_new(row, "pipeline", json_string(p->name));
			json_object_set_new(row, "position", json_integer((json_int_t)j + 1));
			json_object_set_new(row, "stage", json_string(st->name));
			json_object_set_new(row, "probability", json_integer(st->probability));
			json_object_set_new(row, "category", json_string(sfa_category_name(st->category)));
			if (st->won || st->lost)
				json_object_set_new(row, "closes", json_string(st->won ? "won" : "lost"));
			if (st->rot_days)
				json_object_set_new(row, "rot_days", json_integer(st->rot_days));
			if (req.len)
				json_object_set_new(row, "required", json_string(req.buf));
			if (to.len)
				json_object_set_new(row, "to", json_string(to.buf));
			err = sfa_writer_write(w, row);
			json_decref(row);
			sfa_buf_release(&req);
			sfa_buf_release(&to);
		}
	}
	if (!err) {
		err = sfa_writer_close(w);
		w = NULL;
	}
done:
	sfa_writer_free(w);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* --- move, won, lost, reopen ----------------------------------------------------------- */

struct move {
	struct sfa_store *s;
	const char *stage;	/* NULL: by `kind` */
	enum { MOVE_TO, MOVE_WON, MOVE_LOST, MOVE_REOPEN } kind;
	const char *reason, *competitor;
};

/* The open stage a closed deal was in before it closed, from its history. */
static const char *stage_before_close(const struct sfa_pipeline *p, const json_t *rec)
{
	const json_t *h = json_object_get(rec, "stage_history");
	for (size_t i = json_array_size(h); i-- > 0;) {
		const struct sfa_stage *st = sfa_pipeline_stage(p, sfa_record_text(json_array_get(h, i), "to"));
		if (st && !st->won && !st->lost)
			return st->name;
	}
	return p->stages[0].name;
}

static int move_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct move *m = data;
	struct sfa_schema_opts so = { NULL, m->s };
	const struct sfa_pipelines *ps;
	const struct sfa_pipeline *p;
	const struct sfa_stage *st;
	json_t *rec = NULL, *changes = json_object();
	const char *target = m->stage;
	int err, changed;

	if ((err = sfa_store_pipelines(m->s, &ps)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(m->s), &sfa_type_opportunity, id, &rec)) < 0)
		goto done;
	if (!(p = sfa_pipeline_find(ps, sfa_record_text(rec, "pipeline")))) {
		err = SFA_EINPUT;
		goto done;
	}
	if (m->kind == MOVE_WON || m->kind == MOVE_LOST) {
		target = sfa_pipeline_closing(p, m->kind == MOVE_WON)->name;
	} else if (m->kind == MOVE_REOPEN && !target) {
		target = stage_before_close(p, rec);
	}
	if (m->kind == MOVE_REOPEN) {
		st = sfa_pipeline_stage(p, sfa_record_text(rec, "stage"));
		if (st && !st->won && !st->lost) {
			err = sfa_error_set(SFA_EINPUT, "not closed: it is in '%s'", st->name);
			goto done;
		}
		st = sfa_pipeline_stage(p, target);
		if (st && (st->won || st->lost)) {
			err = sfa_error_set(SFA_EINPUT, "reopen moves to an open stage, not '%s'", st->name);
			goto done;
		}
	}
	json_object_set_new(changes, "stage", json_string(target));
	if (m->reason)
		json_object_set_new(changes, "lost_reason", json_string(m->reason));
	if (m->competitor)
		json_object_set_new(changes, "competitor", json_string(m->competitor));
	err = sfa_update_txn(m->s, txn, &sfa_type_opportunity, id, changes, &so, 0, &changed);
done:
	json_decref(rec);
	json_decref(changes);
	return err;
}

static int move_verb(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "competitor", required_argument, NULL, OPT_COMPETITOR },
		{ "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "stage", required_argument, NULL, OPT_STAGE },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct move m = { NULL, NULL, MOVE_TO, NULL, NULL };
	struct sfa_each e = { 0 };
	struct sfa_buf what = SFA_BUF_INIT;
	const char *store = NULL, *name = sfa_verb_name(argv[0]);
	int c, err, nids;

	if (!strcmp(name, "won"))
		m.kind = MOVE_WON;
	else if (!strcmp(name, "lost"))
		m.kind = MOVE_LOST;
	else if (!strcmp(name, "reopen"))
		m.kind = MOVE_REOPEN;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_COMPETITOR:
			m.competitor = optarg;
			break;
		case OPT_REASON:
			m.reason = optarg;
			break;
		case OPT_STAGE:
			if (m.kind != MOVE_REOPEN)
				return sfa_cli_bad_usage(v->usage, "--stage is for reopen");
			m.stage = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	nids = argc - optind;
	if (m.kind == MOVE_TO) {
		if (!nids)
			return sfa_cli_bad_usage(v->usage, "move: which stage?");
		m.stage = argv[argc - 1];
		nids--;
	}
	if (m.kind == MOVE_LOST && !m.reason)
		return sfa_cli_bad_usage(v->usage, "lost needs --reason");
	if (m.kind == MOVE_WON && m.reason)
		return sfa_cli_bad_usage(v->usage, "a won deal has no --reason");
	if ((err = sfa_cli_open_store(&m.s, store)) < 0)
		goto done;
	if (m.kind == MOVE_TO || (m.kind == MOVE_REOPEN && m.stage))
		sfa_buf_addf(&what, "%s to %s on", name, m.stage);
	else
		sfa_buf_addf(&what, "%s%s%s on", name, m.reason ? " for " : "", m.reason ? m.reason : "");
	e.verb = v;
	e.store = m.s;
	e.fn = move_fn;
	e.data = &m;
	e.what = what.buf;
	if ((err = sfa_verb_each(&e, nids, argv + optind)) == 0)
		sfa_cli_warn("moved %zu %s", e.changed, e.changed == 1 ? "opportunity" : "opportunities");
done:
	sfa_store_free(m.s);
	sfa_buf_release(&what);
	return sfa_verb_exit(v, err);
}

/* --- history --------------------------------------------------------------------------- */

static int history(const struct sfa_verb *v, int argc, char **argv)
{
	static const char *const cols[] = { "stage", "entered", "left", "days", "by", "reason", NULL };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	const char *store;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	struct sfa_stage_visit *path = NULL;
	json_t *rec = NULL;
	char id[SFA_ID_LEN + 1];
	size_t n = 0;
	int err;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, &fmt)) >= 0)
		return err;
	if (argc - optind != 1)
		return sfa_cli_bad_usage(v->usage, "history shows one opportunity");
	if ((err = sfa_cli_open_store(&s, store)) < 0 ||
	    (err = sfa_store_resolve(s, &sfa_type_opportunity, argv[optind], id)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), &sfa_type_opportunity, id, &rec)) < 0 ||
	    (err = sfa_opportunity_path(&path, &n, rec, sfa_now())) < 0 ||
	    (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), cols)) < 0)
		goto done;
	for (size_t i = 0; i < n && !err; i++) {
		json_t *row = json_object();
		char iso[21];
		json_object_set_new(row, "stage", json_string(path[i].stage));
		sfa_time_iso(iso, path[i].entered);
		json_object_set_new(row, "entered", json_string(iso));
		if (i + 1 < n) {	/* the stage it is in has not been left */
			sfa_time_iso(iso, path[i].left);
			json_object_set_new(row, "left", json_string(iso));
		}
		/* whole days and tenths: "2.5" */
		{
			long tenths = path[i].left > path[i].entered ? (long)((path[i].left - path[i].entered) / 8640) : 0;
			char days[32];
			snprintf(days, sizeof(days), "%ld.%ld", tenths / 10, tenths % 10);
			json_object_set_new(row, "days", json_string(days));
		}
		if (path[i].by)
			json_object_set_new(row, "by", json_string(path[i].by));
		if (path[i].reason)
			json_object_set_new(row, "reason", json_string(path[i].reason));
		err = sfa_writer_write(w, row);
		json_decref(row);
	}
	if (!err) {
		err = sfa_writer_close(w);
		w = NULL;
	}
done:
	free(path);
	json_decref(rec);
	sfa_writer_free(w);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(n ? 0 : SFA_EXIT_NOMATCH);
}

int main(int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "add", sfa_verb_add },
		{ "delete", sfa_verb_delete },
		{ "history", history },
		{ "import", sfa_verb_import },
		{ "list", sfa_verb_list },
		{ "lost", move_verb },
		{ "move", move_verb },
		{ "reopen", move_verb },
		{ "search", sfa_verb_search },
		{ "set", sfa_verb_set },
		{ "show", sfa_verb_show },
		{ "stages", stages },
		{ "won", move_verb },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
