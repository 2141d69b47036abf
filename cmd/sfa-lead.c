/* sfa-lead: leads from first contact to conversion. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/cli.h"
#include "sfa/dupes.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/lead.h"
#include "sfa/progress.h"
#include "sfa/query.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-lead add [--store dir] [field=value ...]\n"
	"       sfa-lead import [--store dir] [-n | --dry-run] [--skip-invalid] [--rejects file]\n"
	"                [--map map | --map-file file] [--strict] [--date-format format]\n"
	"                [--dedupe skip|merge|flag|off] [-m msg | --message msg] [-q | --quiet] [file]\n"
	"       sfa-lead show [--store dir] [--format format] [id ...]\n"
	"       sfa-lead list [--store dir] [--where expr]... [--status s] [--owner o] [--source s]\n"
	"                [--since when] [--until when] [--sort fields] [--limit n]\n"
	"                [--fields field[,field ...]] [--format format]\n"
	"       sfa-lead search [--store dir] [list options] text ...\n"
	"       sfa-lead set [--store dir] [id ...] field=value ...\n"
	"       sfa-lead delete [--store dir] [id ...]\n"
	"       sfa-lead qualify [--store dir] [id ...]\n"
	"       sfa-lead disqualify [--store dir] --reason reason [id ...]\n"
	"       sfa-lead dupes [--store dir] [--threshold t] [--format format]\n"
	"       sfa-lead merge [--store dir] survivor other ...\n"
	"       sfa-lead score [--store dir] [-n | --dry-run] [--learned] [--format format]\n"
	"                [--all | id ...]\n"
	"       sfa-lead score [--store dir] [--learned] --explain id\n"
	"       sfa-lead assign [--store dir] [-n | --dry-run] [--format format] --rules [id ...]\n"
	"       sfa-lead assign [--store dir] [--format format] --to rep [id ...]\n"
	"       sfa-lead convert [--store dir] [--opportunity name [--amount amount]\n"
	"                [--close-date date]] id\n"
	"       sfa-lead -h | --help\n"
	"       sfa-lead --version\n";

enum { OPT_STORE = 256, OPT_REASON, OPT_THRESHOLD, OPT_FORMAT, OPT_ALL, OPT_EXPLAIN, OPT_LEARNED,
       OPT_RULES, OPT_TO, OPT_OPPORTUNITY, OPT_AMOUNT, OPT_CLOSE_DATE };

/* Options every changing verb takes; the rest are the verb's own. */
struct common {
	const char *store;
	const char *reason;
	const char *to;
	int dry_run, all, learned, rules;
	const char *explain;
	const char *opportunity, *amount, *close_date;
	double threshold;
	enum sfa_format fmt;
};

static int parse(const struct sfa_verb *v, int argc, char **argv, const char *accept, struct common *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "amount", required_argument, NULL, OPT_AMOUNT },
		{ "close-date", required_argument, NULL, OPT_CLOSE_DATE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "learned", no_argument, NULL, OPT_LEARNED },
		{ "opportunity", required_argument, NULL, OPT_OPPORTUNITY },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "rules", no_argument, NULL, OPT_RULES },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "to", required_argument, NULL, OPT_TO },
		{ NULL, 0, NULL, 0 }
	};
	int c, idx;
	char *end;

	memset(o, 0, sizeof(*o));
	o->threshold = SFA_DUPES_THRESHOLD;
	o->fmt = SFA_FORMAT_AUTO;
	while ((c = getopt_long(argc, argv, "hn", longopts, &idx)) != -1) {
		if (c == 'h')
			return sfa_cli_help(v->usage) + 100;
		if (c == '?')
			return sfa_cli_usage(v->usage);
		/* only the options of this verb */
		const char *name = c == 'n' ? "dry-run" : longopts[idx].name;
		if (!strstr(accept, name))
			return sfa_cli_bad_usage(v->usage, "--%s: not an option of this command", name);
		switch (c) {
		case 'n': o->dry_run = 1; break;
		case OPT_ALL: o->all = 1; break;
		case OPT_AMOUNT: o->amount = optarg; break;
		case OPT_CLOSE_DATE: o->close_date = optarg; break;
		case OPT_EXPLAIN: o->explain = optarg; break;
		case OPT_FORMAT:
			if (sfa_format_parse(&o->fmt, optarg) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_LEARNED: o->learned = 1; break;
		case OPT_OPPORTUNITY: o->opportunity = optarg; break;
		case OPT_REASON: o->reason = optarg; break;
		case OPT_RULES: o->rules = 1; break;
		case OPT_STORE: o->store = optarg; break;
		case OPT_THRESHOLD:
			o->threshold = strtod(optarg, &end);
			if (*end || end == optarg || o->threshold <= 0 || o->threshold > 1)
				return sfa_cli_bad_usage(v->usage, "--threshold: not a similarity from 0 to 1: '%s'", optarg);
			break;
		case OPT_TO: o->to = optarg; break;
		}
	}
	return -1;
}

/* Ends a verb: usage errors with the usage, others as their exit code. */
static int finish(const struct sfa_verb *v, struct sfa_store *s, int err)
{
	sfa_store_free(s);
	return sfa_verb_exit(v, err);
}

/*
 * The ids a query selects, gathered before any is changed: rows must not
 * change under a running SELECT on the same index.
 */
static int collect_id(const json_t *rec, void *data)
{
	json_array_append(data, json_object_get(rec, "id"));
	return 0;
}

static long query_ids(struct sfa_store *s, struct sfa_query *q, json_t **out)
{
	long n;
	*out = json_array();
	q->ids_only = 1;
	n = sfa_index_list(sfa_store_index(s), q, collect_id, *out);
	q->ids_only = 0;
	return n;
}

/* --- qualify, disqualify ------------------------------------------------------------ */

struct qualify {
	struct sfa_store *s;
	const char *status, *reason;
};

static int qualify_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct qualify *q = data;
	return sfa_lead_qualify(q->s, txn, id, q->status, q->reason);
}

static int qualify_verb(const struct sfa_verb *v, int argc, char **argv, int yes)
{
	struct common o;
	struct qualify q;
	struct sfa_each e = { 0 };
	struct sfa_buf what = SFA_BUF_INIT;
	int rc = parse(v, argc, argv, yes ? "store" : "store reason", &o), err;

	if (rc >= 0)
		return rc >= 100 ? rc - 100 : rc;
	if (!yes && (!o.reason || !*o.reason))
		return sfa_cli_bad_usage(v->usage, "disqualify needs --reason");
	if ((err = sfa_cli_open_store(&e.store, o.store)) < 0)
		return finish(v, NULL, err);
	q.s = e.store;
	q.status = yes ? "qualified" : "disqualified";
	q.reason = yes ? NULL : o.reason;
	if (yes)
		sfa_buf_addstr(&what, "qualify");
	else
		sfa_buf_addf(&what, "disqualify (%s)", o.reason);
	e.verb = v;
	e.fn = qualify_fn;
	e.data = &q;
	e.what = what.buf;
	err = sfa_verb_each(&e, argc - optind, argv + optind);
	if (!err)
		sfa_cli_warn("%s %zu %s", q.status, e.changed, e.changed == 1 ? "lead" : "leads");
	sfa_buf_release(&what);
	return finish(v, e.store, err);
}

static int cmd_qualify(const struct sfa_verb *v, int argc, char **argv)
{
	return qualify_verb(v, argc, argv, 1);
}

static int cmd_disqualify(const struct sfa_verb *v, int argc, char **argv)
{
	return qualify_verb(v, argc, argv, 0);
}

/* --- dupes, merge ---------------------------------------------------------------- */

struct dupes_out {
	struct sfa_store *s;
	struct sfa_writer *w;
};

static int dupes_row(const struct sfa_dupes_group *g, void *data)
{
	struct dupes_out *d = data;
	struct sfa_buf why = SFA_BUF_INIT;
	char score[16];
	int err = 0;

	if (g->reasons & SFA_DUPE_EMAIL)
		sfa_buf_addstr(&why, "email");
	if (g->reasons & SFA_DUPE_PHONE)
		sfa_buf_addf(&why, "%sphone", why.len ? "+" : "");
	if (g->reasons & SFA_DUPE_NAME)
		sfa_buf_addf(&why, "%sname+company", why.len ? "+" : "");
	snprintf(score, sizeof(score), "%.2f", g->score);
	for (size_t i = 0; i < g->n && !err; i++) {
		json_t *rec = NULL, *row;
		if ((err = sfa_index_get(sfa_store_index(d->s), &sfa_type_lead, g->ids[i], &rec)) < 0)
			break;
		row = json_pack("{sIssss}", "group", (json_int_t)g->number, "score", score, "reason", why.buf);
		json_object_update_missing(row, rec);
		err = sfa_writer_write(d->w, row);
		json_decref(row);
		json_decref(rec);
	}
	sfa_buf_release(&why);
	return err;
}

static int cmd_dupes(const struct sfa_verb *v, int argc, char **argv)
{
	static const char *const cols[] = { "group", "score", "reason", "id", "first_name", "last_name",
					    "company", "email", "phone", "created_at", NULL };
	struct common o;
	struct dupes_out d = { NULL, NULL };
	long n = 0;
	int rc = parse(v, argc, argv, "store threshold format", &o), err;

	if (rc >= 0)
		return rc >= 100 ? rc - 100 : rc;
	if (optind < argc)
		return sfa_cli_bad_usage(v->usage, "unexpected argument '%s'", argv[optind]);
	if ((err = sfa_cli_open_store(&d.s, o.store)) < 0 ||
	    (err = sfa_writer_open(&d.w, stdout, sfa_cli_format(o.fmt),
				   o.fmt == SFA_FORMAT_JSON || o.fmt == SFA_FORMAT_NDJSON ? NULL : cols)) < 0)
		goto done;
	if ((n = sfa_dupes_find(d.s, &sfa_type_lead, o.threshold, dupes_row, &d)) < 0) {
		err = (int)n;
		goto done;
	}
	err = sfa_writer_close(d.w);
	d.w = NULL;
done:
	sfa_writer_free(d.w);
	if (!err && !n) {
		sfa_store_free(d.s);
		return sfa_cli_exit(SFA_EXIT_NOMATCH);
	}
	return finish(v, d.s, err);
}

/* A named lead that is not there is bad input, as for set and delete. */
static int resolve_given(struct sfa_store *s, const char *given, char id[SFA_ID_LEN + 1])
{
	int err = sfa_store_resolve(s, &sfa_type_lead, given, id);
	return err == SFA_ENOTFOUND || err == SFA_EAMBIGUOUS ? SFA_EINPUT : err;
}

static int cmd_merge(const struct sfa_verb *v, int argc, char **argv)
{
	struct common o;
	struct sfa_store *s = NULL;
	struct sfa_txn *txn = NULL;
	struct sfa_buf conflicts = SFA_BUF_INIT, msg = SFA_BUF_INIT;
	char survivor[SFA_ID_LEN + 1];
	char **others = NULL;
	int n, rc = parse(v, argc, argv, "store", &o), err;

	if (rc >= 0)
		return rc >= 100 ? rc - 100 : rc;
	n = argc - optind - 1;
	if (n < 1)
		return sfa_cli_bad_usage(v->usage, "merge needs a survivor and at least one other lead");
	others = sfa_xcalloc((size_t)n, sizeof(*others));
	if ((err = sfa_cli_open_store(&s, o.store)) < 0 ||
	    (err = resolve_given(s, argv[optind], survivor)) < 0)
		goto done;
	for (int i = 0; i < n; i++) {
		others[i] = sfa_xmalloc(SFA_ID_LEN + 1);
		if ((err = resolve_given(s, argv[optind + 1 + i], others[i])) < 0)
			goto done;
	}
	if ((err = sfa_txn_begin(&txn, s, 0)) < 0 ||
	    (err = sfa_lead_merge(s, txn, survivor, others, (size_t)n, &conflicts)) < 0)
		goto done;
	sfa_buf_addf(&msg, "sfa-lead: merge %d lead%s into %s", n, n == 1 ? "" : "s", survivor);
	for (int i = 0; i < n; i++)
		sfa_buf_addf(&msg, "%s%s", i ? ", " : " (", others[i]);
	sfa_buf_addstr(&msg, ")");
	if (conflicts.len)
		sfa_buf_addf(&msg, "\n\nConflicting values:\n%s", conflicts.buf);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
	if (!err) {
		printf("%s\n", survivor);
		if (conflicts.len)
			fprintf(stderr, "%s", conflicts.buf);
	}
done:
	sfa_txn_free(txn);
	for (int i = 0; i < n; i++)
		free(others[i]);
	free(others);
	sfa_buf_release(&conflicts);
	sfa_buf_release(&msg);
	return finish(v, s, err);
}

/* --- score ----------------------------------------------------------------------- */

struct scoring {
	struct sfa_store *s;
	struct sfa_txn *txn;
	struct sfa_score_rules *rules;
	struct sfa_score_model *model;
	struct sfa_score_result res;
	struct sfa_score_prediction pred;
	struct sfa_writer *w;
	time_t now;
	size_t scored, changed;
};

static int learn_one(const json_t *rec, void *data)
{
	return sfa_score_learn(data, rec) < 0 ? SFA_ESTORE : 0;
}

/* Scores one lead: stored score and grade (and probability), one output row. */
static int score_one(struct scoring *sc, const char *id, const json_t *rec)
{
	json_t *changes, *row;
	int err, changed = 0;

	if ((err = sfa_score_eval(&sc->res, sc->rules, rec, sc->now)) < 0)
		return err;
	changes = json_pack("{sIss?}", "score", (json_int_t)sc->res.score, "grade", sc->res.grade);
	if (!sc->res.grade)
		json_object_set_new(changes, "grade", json_null());
	row = json_pack("{sssIss?}", "id", id, "score", (json_int_t)sc->res.score, "grade", sc->res.grade);
	if (sc->model) {
		char p[16];
		if ((err = sfa_score_predict(&sc->pred, sc->model, rec)) < 0) {
			json_decref(changes);
			json_decref(row);
			return err;
		}
		snprintf(p, sizeof(p), "%.3f", sc->pred.prob);
		json_object_set_new(changes, "conversion_probability", json_string(p));
		json_object_set_new(row, "conversion_probability", json_string(p));
	}
	if (sc->txn)
		err = sfa_update_txn(sc->s, sc->txn, &sfa_type_lead, id, changes, NULL, 0, &changed);
	if (!err) {
		sc->scored++;
		sc->changed += (size_t)changed;
		err = sfa_writer_write(sc->w, row);
	}
	json_decref(changes);
	json_decref(row);
	return err;
}

/* --explain: which rules gave which points (and the learned factors). */
static int explain(struct scoring *sc, const char *id, const json_t *rec)
{
	int err;

	if ((err = sfa_score_eval(&sc->res, sc->rules, rec, sc->now)) < 0)
		return err;
	printf("lead %s: score %ld, grade %s\n", id, sc->res.score, sc->res.grade ? sc->res.grade : "-");
	for (size_t i = 0; i < sc->res.nhits; i++)
		printf("  %+5ld  %s (%s = '%s')\n", sc->res.hits[i].points, sc->res.hits[i].rule,
		       sc->res.hits[i].field, sc->res.hits[i].value);
	if (sc->res.decay)
		printf("  %+5ld  decay: idle %ld days\n", -sc->res.decay, sc->res.idle_days);
	if (sc->model) {
		size_t pos, neg;
		if ((err = sfa_score_predict(&sc->pred, sc->model, rec)) < 0)
			return err;
		sfa_score_model_counts(sc->model, &pos, &neg);
		printf("learned: conversion probability %.3f (naive Bayes over %zu converted and %zu disqualified leads)\n",
		       sc->pred.prob, pos, neg);
		printf("  %+.3f  prior log odds\n", sc->pred.prior_llr);
		for (size_t i = 0; i < sc->pred.nfactors; i++)
			printf("  %+.3f  %s = '%s'\n", sc->pred.factors[i].llr, sc->pred.factors[i].field,
			       sc->pred.factors[i].value);
	}
	return 0;
}

static int cmd_score(const struct sfa_verb *v, int argc, char **argv)
{
	static const char *const cols[] = { "id", "score", "grade", "conversion_probability", NULL };
	struct common o;
	struct scoring sc = { 0 };
	struct sfa_score_result init = SFA_SCORE_RESULT_INIT;
	struct sfa_score_prediction pinit = SFA_SCORE_PREDICTION_INIT;
	struct sfa_buf msg = SFA_BUF_INIT;
	char id[SFA_ID_LEN + 1];
	int rc = parse(v, argc, argv, "store dry-run learned all explain format", &o), err;

	if (rc >= 0)
		return rc >= 100 ? rc - 100 : rc;
	if (!o.explain && !o.all && optind == argc)
		return sfa_cli_bad_usage(v->usage, "score: give ids, --all or --explain id");
	if ((o.all || o.explain) && optind < argc)
		return sfa_cli_bad_usage(v->usage, "score: ids or --all or --explain, not together");
	sc.res = init;
	sc.pred = pinit;
	sc.now = sfa_now();
	if ((err = sfa_cli_open_store(&sc.s, o.store)) < 0 || (err = sfa_lead_scoring(sc.s, &sc.rules)) < 0)
		goto done;
	if (o.learned) {
		struct sfa_query q = { 0 };
		q.type = &sfa_type_lead;
		q.limit = -1;
		if ((err = sfa_score_model_new(&sc.model, sc.rules)) < 0) {
			if (err == SFA_ENOTFOUND)
				err = sfa_error_set(SFA_ESTORE, "config/scoring.json: no \"learned\" part for --learned");
			goto done;
		}
		long n = sfa_index_list(sfa_store_index(sc.s), &q, learn_one, sc.model);
		json_t *probe = json_object();
		if (n < 0) {
			err = (int)n;
		} else {
			/* no history of one class: say so before printing anything */
			err = sfa_score_predict(&sc.pred, sc.model, probe);
		}
		json_decref(probe);
		if (err < 0)
			goto done;
	}
	if (o.explain) {
		json_t *rec = NULL;
		if ((err = resolve_given(sc.s, o.explain, id)) == 0 &&
		    (err = sfa_index_get(sfa_store_index(sc.s), &sfa_type_lead, id, &rec)) == 0)
			err = explain(&sc, id, rec);
		json_decref(rec);
		goto done;
	}
	if ((err = sfa_writer_open(&sc.w, stdout, sfa_cli_format(o.fmt), sc.model ? cols : (const char *const[]){ "id", "score", "grade", NULL })) < 0)
		goto done;
	if (!o.dry_run && (err = sfa_txn_begin(&sc.txn, sc.s, o.all ? SFA_TXN_BULK : 0)) < 0)
		goto done;
	if (o.all) {
		struct sfa_query q = { 0 };
		json_t *ids = NULL;
		q.type = &sfa_type_lead;
		q.limit = -1;
		long n = query_ids(sc.s, &q, &ids);
		if (n < 0)
			err = (int)n;
		for (size_t i = 0; !err && i < json_array_size(ids); i++) {
			const char *one = json_string_value(json_array_get(ids, i));
			json_t *rec = NULL;
			if ((err = sfa_index_get(sfa_store_index(sc.s), &sfa_type_lead, one, &rec)) == 0)
				err = score_one(&sc, one, rec);
			json_decref(rec);
			if ((i + 1) % 1000 == 0)
				sfa_progress("scoring", i + 1, json_array_size(ids));
		}
		if (json_array_size(ids) >= 1000)
			sfa_progress(NULL, json_array_size(ids), json_array_size(ids));
		json_decref(ids);
	} else {
		for (int i = optind; i < argc && !err; i++) {
			json_t *rec = NULL;
			if ((err = resolve_given(sc.s, argv[i], id)) == 0 &&
			    (err = sfa_index_get(sfa_store_index(sc.s), &sfa_type_lead, id, &rec)) == 0)
				err = score_one(&sc, id, rec);
			json_decref(rec);
		}
	}
	if (err < 0 || (err = sfa_writer_close(sc.w)) < 0)
		goto done;
	sc.w = NULL;
	if (sc.txn) {
		sfa_buf_addf(&msg, "sfa-lead: score %zu lead%s (%zu changed)", sc.scored, sc.scored == 1 ? "" : "s",
			     sc.changed);
		err = sfa_txn_commit(sc.txn, msg.buf, NULL);
		sc.txn = NULL;
	}
done:
	sfa_txn_free(sc.txn);
	sfa_writer_free(sc.w);
	sfa_score_result_release(&sc.res);
	sfa_score_prediction_release(&sc.pred);
	sfa_score_model_free(sc.model);
	sfa_score_free(sc.rules);
	sfa_buf_release(&msg);
	return finish(v, sc.s, err);
}

/* --- assign ---------------------------------------------------------------------- */

struct assigning {
	struct sfa_store *s;
	struct sfa_txn *txn;
	struct sfa_assign *a;
	struct sfa_writer *w;
	const char *to;
	time_t now;
	size_t assigned, left;
	int given;		/* ids were named: reassign them even if owned */
};

static int assign_one(struct assigning *as, const char *id, const json_t *rec)
{
	struct sfa_assign_pick pick = { NULL, NULL, NULL, "assigned by hand" };
	const char *owner = json_string_value(json_object_get(rec, "owner"));
	json_t *row;
	int err = 0;

	if (!as->given && owner && *owner)
		return 0;
	if (as->to) {
		pick.rep = as->to;
	} else if ((err = sfa_assign_pick(as->a, rec, as->now, &pick)) < 0) {
		return err;
	}
	if (pick.rep && as->txn) {
		json_t *changes = json_pack("{ss}", "owner", pick.rep);
		err = sfa_update_txn(as->s, as->txn, &sfa_type_lead, id, changes, NULL, 0, NULL);
		json_decref(changes);
	}
	if (pick.rep)
		as->assigned++;
	else
		as->left++;
	row = json_pack("{ssss?ss?ss?ss}", "id", id, "owner", pick.rep, "territory", pick.territory, "team", pick.team,
			"reason", pick.reason);
	if (!err)
		err = sfa_writer_write(as->w, row);
	json_decref(row);
	return err;
}

static int cmd_assign(const struct sfa_verb *v, int argc, char **argv)
{
	static const char *const cols[] = { "id", "owner", "territory", "team", "reason", NULL };
	struct common o;
	struct assigning as = { 0 };
	struct sfa_buf msg = SFA_BUF_INIT;
	char id[SFA_ID_LEN + 1];
	int rc = parse(v, argc, argv, "store dry-run rules to format", &o), err;
	json_t *state = NULL;

	if (rc >= 0)
		return rc >= 100 ? rc - 100 : rc;
	if (!o.rules == !o.to)
		return sfa_cli_bad_usage(v->usage, "assign: --rules or --to rep");
	if (o.to && optind == argc)
		return sfa_cli_bad_usage(v->usage, "assign --to: name the leads");
	as.to = o.to;
	as.now = sfa_now();
	as.given = optind < argc;
	if ((err = sfa_cli_open_store(&as.s, o.store)) < 0 || (err = sfa_lead_assigner(as.s, &as.a)) < 0)
		goto done;
	if (o.to && !sfa_assign_user_known(as.a, o.to)) {
		err = sfa_error_set(SFA_EINPUT, "unknown rep '%s' (not in config/users.json)", o.to);
		goto done;
	}
	if ((err = sfa_writer_open(&as.w, stdout, sfa_cli_format(o.fmt), cols)) < 0)
		goto done;
	/* by rules, thousands may come at once: one pack, not loose objects */
	if (!o.dry_run && (err = sfa_txn_begin(&as.txn, as.s, as.given ? 0 : SFA_TXN_BULK)) < 0)
		goto done;
	if (as.given) {
		for (int i = optind; i < argc && !err; i++) {
			json_t *rec = NULL;
			/* a named lead that is not there is bad input, as for set and delete */
			if ((err = sfa_store_resolve(as.s, &sfa_type_lead, argv[i], id)) == SFA_ENOTFOUND ||
			    err == SFA_EAMBIGUOUS)
				err = SFA_EINPUT;
			if (!err && (err = sfa_index_get(sfa_store_index(as.s), &sfa_type_lead, id, &rec)) == 0)
				err = assign_one(&as, id, rec);
			json_decref(rec);
		}
	} else {
		/* unassigned open leads, oldest first, so the rotation follows arrival */
		struct sfa_filter f;
		sfa_filter_init(&f, as.s, &sfa_type_lead);
		json_t *ids = NULL;
		if ((err = sfa_filter_where(&f, "owner=")) == 0 && (err = sfa_filter_in(&f, "status", "new,working")) == 0) {
			long n = query_ids(as.s, &f.q, &ids);
			if (n < 0)
				err = (int)n;
		}
		for (size_t i = 0; !err && i < json_array_size(ids); i++) {
			const char *one = json_string_value(json_array_get(ids, i));
			json_t *rec = NULL;
			if ((err = sfa_index_get(sfa_store_index(as.s), &sfa_type_lead, one, &rec)) == 0)
				err = assign_one(&as, one, rec);
			json_decref(rec);
		}
		json_decref(ids);
		sfa_filter_release(&f);
	}
	if (err < 0 || (err = sfa_writer_close(as.w)) < 0)
		goto done;
	as.w = NULL;
	/* nothing assigned: no commit, the rotation has not moved either */
	if (as.txn && as.assigned) {
		if (!as.to) {
			char *dump;
			state = sfa_assign_state(as.a);
			dump = json_dumps(state, JSON_INDENT(2) | JSON_SORT_KEYS);
			sfa_buf_addf(&msg, "%s\n", dump);
			free(dump);
			if ((err = sfa_txn_put_file(as.txn, "state/assignment.json", msg.buf, msg.len)) < 0)
				goto done;
			sfa_buf_reset(&msg);
		}
		if (as.to)
			sfa_buf_addf(&msg, "sfa-lead: assign %zu lead%s to %s by hand", as.assigned,
				     as.assigned == 1 ? "" : "s", as.to);
		else
			sfa_buf_addf(&msg, "sfa-lead: assign %zu lead%s by rules (%zu left unassigned)", as.assigned,
				     as.assigned == 1 ? "" : "s", as.left);
		err = sfa_txn_commit(as.txn, msg.buf, NULL);
		as.txn = NULL;
	}
	if (!err)
		sfa_cli_warn("%s%zu assigned, %zu left unassigned", o.dry_run ? "dry run: " : "", as.assigned, as.left);
done:
	json_decref(state);
	sfa_txn_free(as.txn);
	sfa_writer_free(as.w);
	sfa_assign_free(as.a);
	sfa_buf_release(&msg);
	return finish(v, as.s, err);
}

/* --- convert --------------------------------------------------------------------- */

static int cmd_convert(const struct sfa_verb *v, int argc, char **argv)
{
	struct common o;
	struct sfa_store *s = NULL;
	struct sfa_txn *txn = NULL;
	struct sfa_convert c;
	struct sfa_buf msg = SFA_BUF_INIT;
	char id[SFA_ID_LEN + 1];
	int rc = parse(v, argc, argv, "store opportunity amount close-date", &o), err;

	if (rc >= 0)
		return rc >= 100 ? rc - 100 : rc;
	if (argc - optind != 1)
		return sfa_cli_bad_usage(v->usage, "convert takes one lead");
	if ((o.amount || o.close_date) && !o.opportunity)
		return sfa_cli_bad_usage(v->usage, "--amount and --close-date go with --opportunity");
	memset(&c, 0, sizeof(c));
	c.opportunity = o.opportunity;
	c.amount = o.amount;
	c.close_date = o.close_date;
	if ((err = sfa_cli_open_store(&s, o.store)) < 0)
		goto done;
	/* a named lead that is not there is bad input, as for set and delete */
	if ((err = sfa_store_resolve(s, &sfa_type_lead, argv[optind], id)) == SFA_ENOTFOUND ||
	    err == SFA_EAMBIGUOUS)
		err = SFA_EINPUT;
	if (err < 0 || (err = sfa_txn_begin(&txn, s, 0)) < 0)
		goto done;
	if ((err = sfa_lead_convert(s, txn, id, &c)) < 0) {
		sfa_error_prefix(err, "lead %s: ", id);
		goto done;
	}
	sfa_buf_addf(&msg, "sfa-lead: convert lead %s: %s account %s, %s contact %s", id,
		     c.account_new ? "new" : "existing", c.account, c.contact_new ? "new" : "existing", c.contact);
	if (c.opp[0])
		sfa_buf_addf(&msg, ", opportunity %s", c.opp);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
	if (!err) {
		json_t *row = json_pack("{ssssss}", "lead", id, "account", c.account, "contact", c.contact);
		struct sfa_writer *w = NULL;
		static const char *const cols[] = { "lead", "account", "contact", "opportunity", NULL };
		if (c.opp[0])
			json_object_set_new(row, "opportunity", json_string(c.opp));
		if ((err = sfa_writer_open(&w, stdout, sfa_cli_format(SFA_FORMAT_AUTO), cols)) == 0 &&
		    (err = sfa_writer_write(w, row)) == 0) {
			err = sfa_writer_close(w);
			w = NULL;
		}
		sfa_writer_free(w);
		json_decref(row);
	}
done:
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	return finish(v, s, err);
}

int main(int argc, char **argv)
{
	static const struct sfa_verb verb = { &sfa_type_lead, "sfa-lead", usage, NULL, NULL };
	static const struct sfa_verb_entry verbs[] = {
		{ "add", sfa_verb_add },
		{ "assign", cmd_assign },
		{ "convert", cmd_convert },
		{ "delete", sfa_verb_delete },
		{ "disqualify", cmd_disqualify },
		{ "dupes", cmd_dupes },
		{ "import", sfa_verb_import },
		{ "list", sfa_verb_list },
		{ "merge", cmd_merge },
		{ "qualify", cmd_qualify },
		{ "score", cmd_score },
		{ "search", sfa_verb_search },
		{ "set", sfa_verb_set },
		{ "show", sfa_verb_show },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
