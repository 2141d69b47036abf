/* sfa-activity: calls, meetings, emails, notes and tasks; a rep's agenda; calendar export. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sfa/activity.h"
#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/ics.h"
#include "sfa/import.h"
#include "sfa/query.h"
#include "sfa/stream.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-activity log [--store dir] [--on id] [--subject text] [--note text] [--due when]\n"
	"                        [--at when] [--duration time] [--location place] [--attendees list]\n"
	"                        [--owner rep] [--sla hours] type [field=value ...]\n"
	"       sfa-activity done [--store dir] [--outcome text] [id ...]\n"
	"       sfa-activity reschedule [--store dir] [id ...] when\n"
	"       sfa-activity agenda [--store dir] [--rep rep | --all] [--today | --week | --overdue]\n"
	"                           [--sla] [--fields list] [--format format]\n"
	"       sfa-activity export [--store dir] [--rep rep | --all] [--from when] [--to when]\n"
	"                           [--tz zone] --ics\n"
	"       sfa-activity add [--store dir] [field=value ...]\n"
	"       sfa-activity import [--store dir] [options] [file]\n"
	"       sfa-activity list [--store dir] [filters] [--fields list] [--format format]\n"
	"       sfa-activity search [--store dir] [filters] [--format format] text ...\n"
	"       sfa-activity show [--store dir] [--format format] [id ...]\n"
	"       sfa-activity set [--store dir] [id ...] field=value ...\n"
	"       sfa-activity delete [--store dir] [id ...]\n"
	"       sfa-activity -h | --help\n"
	"       sfa-activity --version\n";

static const struct sfa_verb verb = { &sfa_type_activity, "sfa-activity", usage, NULL, NULL };

enum {
	OPT_STORE = 256, OPT_FORMAT, OPT_FIELDS, OPT_ON, OPT_SUBJECT, OPT_NOTE, OPT_DUE, OPT_AT,
	OPT_DURATION, OPT_LOCATION, OPT_ATTENDEES, OPT_OWNER, OPT_SLA, OPT_OUTCOME, OPT_REP, OPT_ALL,
	OPT_TODAY, OPT_WEEK, OPT_OVERDUE, OPT_FROM, OPT_TO, OPT_TZ, OPT_ICS
};

/* A time from the user as stored: UTC ISO 8601. */
static int when_iso(char out[21], const char *opt, const char *s)
{
	time_t t;
	if (sfa_when_local(&t, s, sfa_now()) < 0)
		return sfa_error_prefix(SFA_EUSAGE, "%s: ", opt);
	sfa_time_iso(out, t);
	return 0;
}

/* --- log ------------------------------------------------------------------------------- */

/* One activity in one commit saying what and on what: "log call 5tz2... on opportunity 4vym...". */
static int log_add(struct sfa_store *s, json_t *rec, char id[SFA_ID_LEN + 1])
{
	struct sfa_schema_opts so = { NULL, s };
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	json_t *stored = NULL;
	int err;

	if ((err = sfa_txn_begin(&txn, s, 0)) < 0 || (err = sfa_add_txn(s, txn, &sfa_type_activity, rec, &so, id)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), &sfa_type_activity, id, &stored)) < 0)
		goto done;
	/* as stored: the type's spelling, the full id of what it is about */
	sfa_buf_addf(&msg, "sfa-activity: log %s %s", sfa_record_text(stored, "type"), id);
	if (sfa_record_text(stored, "related_type"))
		sfa_buf_addf(&msg, " on %s %s", sfa_record_text(stored, "related_type"),
			     sfa_record_text(stored, "related_to"));
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	json_decref(stored);
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	return err;
}

static int log_verb(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, OPT_AT },
		{ "attendees", required_argument, NULL, OPT_ATTENDEES },
		{ "due", required_argument, NULL, OPT_DUE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "help", no_argument, NULL, 'h' },
		{ "location", required_argument, NULL, OPT_LOCATION },
		{ "note", required_argument, NULL, OPT_NOTE },
		{ "on", required_argument, NULL, OPT_ON },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "sla", required_argument, NULL, OPT_SLA },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL, *due = NULL, *at = NULL, *type;
	struct sfa_store *s = NULL;
	struct sfa_buf me = SFA_BUF_INIT;
	json_t *rec = json_object(), *fields = NULL;
	char iso[21], id[SFA_ID_LEN + 1];
	long minutes;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			json_decref(rec);
			return sfa_cli_help(v->usage);
		case OPT_AT: at = optarg; break;
		case OPT_ATTENDEES: json_object_set_new(rec, "attendees", json_string(optarg)); break;
		case OPT_DUE: due = optarg; break;
		case OPT_DURATION:
			if (sfa_duration_parse(&minutes, optarg) < 0) {
				json_decref(rec);
				return sfa_cli_bad_usage(v->usage, "--duration: %s", sfa_error_last());
			}
			json_object_set_new(rec, "duration", json_integer(minutes));
			break;
		case OPT_LOCATION: json_object_set_new(rec, "location", json_string(optarg)); break;
		case OPT_NOTE: json_object_set_new(rec, "notes", json_string(optarg)); break;
		case OPT_ON: json_object_set_new(rec, "related_to", json_string(optarg)); break;
		case OPT_OWNER: json_object_set_new(rec, "owner", json_string(optarg)); break;
		case OPT_SLA: json_object_set_new(rec, "sla_hours", json_string(optarg)); break;
		case OPT_STORE: store = optarg; break;
		case OPT_SUBJECT: json_object_set_new(rec, "subject", json_string(optarg)); break;
		default:
			json_decref(rec);
			return sfa_cli_usage(v->usage);
		}
	}
	if (optind >= argc) {
		json_decref(rec);
		return sfa_cli_bad_usage(v->usage, "log: which type (call, meeting, email, note, task)?");
	}
	type = argv[optind++];
	if (due && at) {
		json_decref(rec);
		return sfa_cli_bad_usage(v->usage, "--due plans it, --at says when it happened: one of them");
	}
	if (at && !strcasecmp(type, "task")) {
		json_decref(rec);
		return sfa_cli_bad_usage(v->usage, "a task waits to be done (--due); 'done' marks it");
	}
	if ((err = sfa_verb_fields(&fields, argc - optind, argv + optind)) < 0)
		goto done;
	sfa_record_merge(rec, fields);
	json_object_set_new(rec, "type", json_string(type));
	/* --due plans it; otherwise it happened (at --at, or now), except a task, which waits to be done */
	if (due) {
		if ((err = when_iso(iso, "--due", due)) < 0)
			goto done;
		json_object_set_new(rec, "due_at", json_string(iso));
		json_object_set_new(rec, "done", json_false());
	} else if (!strcasecmp(type, "task")) {
		json_object_set_new(rec, "done", json_false());
	} else {
		sfa_time_iso(iso, sfa_now());
		if (at && (err = when_iso(iso, "--at", at)) < 0)
			goto done;
		json_object_set_new(rec, "due_at", json_string(iso));
		json_object_set_new(rec, "done", json_true());
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	if (!json_object_get(rec, "owner")) {
		sfa_store_me(s, &me);
		json_object_set_new(rec, "owner", json_string(me.buf));
	}
	if ((err = log_add(s, rec, id)) == 0)
		printf("%s\n", id);
done:
	json_decref(rec);
	json_decref(fields);
	sfa_buf_release(&me);
	sfa_store_free(s);
	return sfa_verb_exit(v, err);
}

/* --- done, reschedule ------------------------------------------------------------------ */

struct change {
	struct sfa_store *s;
	json_t *changes;
};

static int change_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct change *ch = data;
	struct sfa_schema_opts so = { NULL, ch->s };
	json_t *copy = json_deep_copy(ch->changes);	/* the schema normalizes in place */
	int changed, err = sfa_update_txn(ch->s, txn, &sfa_type_activity, id, copy, &so, 0, &changed);
	json_decref(copy);
	return err;
}

static int change_verb(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "outcome", required_argument, NULL, OPT_OUTCOME },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL, *name = sfa_verb_name(argv[0]);
	struct change ch = { NULL, json_object() };
	struct sfa_each e = { 0 };
	struct sfa_buf what = SFA_BUF_INIT;
	int c, err = 0, nids, done = !strcmp(name, "done");
	char iso[21];

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			json_decref(ch.changes);
			return sfa_cli_help(v->usage);
		case OPT_OUTCOME:
			if (!done) {
				json_decref(ch.changes);
				return sfa_cli_bad_usage(v->usage, "--outcome is for done");
			}
			json_object_set_new(ch.changes, "outcome", json_string(optarg));
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			json_decref(ch.changes);
			return sfa_cli_usage(v->usage);
		}
	}
	nids = argc - optind;
	if (done) {
		/* done now, whenever it was due: the record it is about was touched now */
		sfa_time_iso(iso, sfa_now());
		json_object_set_new(ch.changes, "done", json_true());
		json_object_set_new(ch.changes, "done_at", json_string(iso));
		sfa_buf_addstr(&what, "done on");
	} else {
		if (!nids) {
			json_decref(ch.changes);
			return sfa_cli_bad_usage(v->usage, "reschedule: to when?");
		}
		if ((err = when_iso(iso, "reschedule", argv[argc - 1])) < 0)
			goto done;
		nids--;
		json_object_set_new(ch.changes, "due_at", json_string(iso));
		json_object_set_new(ch.changes, "done", json_false());
		sfa_buf_addf(&what, "reschedule to %s on", iso);
	}
	if ((err = sfa_cli_open_store(&ch.s, store)) < 0)
		goto done;
	e.verb = v;
	e.store = ch.s;
	e.fn = change_fn;
	e.data = &ch;
	e.what = what.buf;
	if ((err = sfa_verb_each(&e, nids, argv + optind)) == 0)
		sfa_cli_warn("changed %zu %s", e.changed, e.changed == 1 ? "activity" : "activities");
done:
	json_decref(ch.changes);
	sfa_store_free(ch.s);
	sfa_buf_release(&what);
	return sfa_verb_exit(v, err);
}

/* --- agenda and export: one rep's activities in a time window ------------------------- */

/* Local midnight of the day `days` after today's. */
static time_t day_start(time_t now, int days)
{
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_mday += days;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static int add_time_cond(struct sfa_filter *f, const char *field, const char *op, time_t t)
{
	char iso[21], expr[64];
	sfa_time_iso(iso, t);
	snprintf(expr, sizeof(expr), "%s%s%s", field, op, iso);
	return sfa_filter_where(f, expr);
}

/* What an activity is about, in words: "opportunity Acme pumps (4vym0kw0azhv)". */
static void about_text(struct sfa_store *s, const json_t *act, struct sfa_buf *out)
{
	const char *rel = sfa_record_text(act, "related_to"), *rtype = sfa_record_text(act, "related_type");
	const struct sfa_type *t = rtype ? sfa_type_find(rtype) : NULL;
	json_t *r = NULL;

	if (!rel || !t || sfa_index_get(sfa_store_index(s), t, rel, &r) < 0)
		return;
	if (sfa_record_text(r, "name"))
		sfa_buf_addstr(out, sfa_record_text(r, "name"));
	else if (sfa_record_text(r, "number"))	/* a quote or an order */
		sfa_buf_addstr(out, sfa_record_text(r, "number"));
	else {
		const char *f = sfa_record_text(r, "first_name"), *l = sfa_record_text(r, "last_name");
		const char *co = sfa_record_text(r, "company");
		sfa_buf_addf(out, "%s%s%s", f ? f : "", f && l ? " " : "", l ? l : "");
		if (co)
			sfa_buf_addf(out, "%s%s", out->len ? ", " : "", co);
	}
	json_decref(r);
}

struct agenda {
	struct sfa_store *s;
	struct sfa_writer *w;
	struct sfa_ics *ics;
};

static int agenda_row(const json_t *rec, void *data)
{
	struct agenda *a = data;
	struct sfa_buf about = SFA_BUF_INIT;
	int err = 0;

	about_text(a->s, rec, &about);
	if (a->ics) {
		struct sfa_buf desc = SFA_BUF_INIT;
		if (about.len)
			sfa_buf_addf(&desc, "%s: %s", sfa_record_text(rec, "related_type"), about.buf);
		sfa_ics_activity(a->ics, rec, desc.len ? desc.buf : NULL);
		sfa_buf_release(&desc);
		/* stream: a year of a team's calendar need not sit in memory */
		if (a->ics->out->len > 65536) {
			if (fwrite(a->ics->out->buf, 1, a->ics->out->len, stdout) != a->ics->out->len)
				err = sfa_error_set(SFA_ESTORE, "cannot write the calendar");
			sfa_buf_reset(a->ics->out);
		}
	} else {
		json_t *row = json_copy((json_t *)rec);	/* shallow: one field added */
		if (about.len)
			json_object_set_new(row, "about", json_string(about.buf));
		err = sfa_writer_write(a->w, row);
		json_decref(row);
	}
	sfa_buf_release(&about);
	return err;
}

static int first_due(const json_t *rec, void *data)
{
	return sfa_time_parse(data, sfa_record_text(rec, "due_at"));
}

/* The due_at of the first and the last activity the query finds (now when none). */
static int due_range(struct sfa_filter *f, time_t *from, time_t *to)
{
	struct sfa_query q = f->q;
	struct sfa_sort asc = { (char *)"due_at", 0 }, desc = { (char *)"due_at", 1 };
	long n;

	*from = *to = sfa_now();
	q.limit = 1;
	q.sort = &asc;
	q.nsort = 1;
	if ((n = sfa_index_list(sfa_store_index(f->store), &q, first_due, from)) < 0)
		return (int)n;
	q.sort = &desc;
	q.nsort = 1;
	n = sfa_index_list(sfa_store_index(f->store), &q, first_due, to);
	return n < 0 ? (int)n : 0;
}

static int agenda_verb(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "fields", required_argument, NULL, OPT_FIELDS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ "ics", no_argument, NULL, OPT_ICS },
		{ "overdue", no_argument, NULL, OPT_OVERDUE },
		{ "rep", required_argument, NULL, OPT_REP },
		{ "sla", no_argument, NULL, OPT_SLA },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "to", required_argument, NULL, OPT_TO },
		{ "today", no_argument, NULL, OPT_TODAY },
		{ "tz", required_argument, NULL, OPT_TZ },
		{ "week", no_argument, NULL, OPT_WEEK },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const agenda_cols[] = { "due_at", "type", "subject", "about", "related_type", "owner",
						   "duration", "location", "id", NULL };
	static const char *const sla_cols[] = { "sla_due_at", "due_at", "type", "subject", "about", "owner",
						"sla_hours", "id", NULL };
	const char *name = sfa_verb_name(argv[0]);
	int export = !strcmp(name, "export");
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	const char *store = NULL, *rep = NULL, *fields = NULL, *from = NULL, *to = NULL, *tz = NULL;
	int all = 0, window = 0, sla = 0, ics_opt = 0, c, err = 0;
	struct agenda a = { NULL, NULL, NULL };
	struct sfa_filter f;
	struct sfa_buf me = SFA_BUF_INIT, out = SFA_BUF_INIT;
	struct sfa_ics ics = { &out, NULL, 0 };
	time_t now = sfa_now(), t_from = 0, t_to = 0;
	long n = 0;
	int filter_ready = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_ALL: all = 1; break;
		case OPT_FIELDS: fields = optarg; break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_FROM: from = optarg; break;
		case OPT_ICS: ics_opt = 1; break;
		case OPT_OVERDUE: case OPT_TODAY: case OPT_WEEK:
			if (window && window != c)
				return sfa_cli_bad_usage(v->usage, "one of --today, --week, --overdue");
			window = c;
			break;
		case OPT_REP: rep = optarg; break;
		case OPT_SLA: sla = 1; break;
		case OPT_STORE: store = optarg; break;
		case OPT_TO: to = optarg; break;
		case OPT_TZ: tz = optarg; break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	if (optind < argc)
		return sfa_cli_bad_usage(v->usage, "unexpected argument '%s'", argv[optind]);
	if (rep && all)
		return sfa_cli_bad_usage(v->usage, "--rep or --all, not both");
	if (export && !ics_opt)
		return sfa_cli_bad_usage(v->usage, "export: say the format (--ics)");
	if (export ? (window || sla || fields || fmt != SFA_FORMAT_AUTO) : (ics_opt || from || to || tz))
		return sfa_cli_bad_usage(v->usage, export ? "export takes --rep, --all, --from, --to, --tz"
							  : "agenda takes --rep, --all, --today, --week, --overdue, --sla");
	if ((from && (err = sfa_when_local(&t_from, from, now)) < 0) ||
	    (to && (err = sfa_when_local(&t_to, to, now)) < 0))
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	if ((err = sfa_cli_open_store(&a.s, store)) < 0)
		goto done;
	sfa_filter_init(&f, a.s, v->type);
	filter_ready = 1;
	if ((err = sfa_filter_readable(&f)) < 0)
		goto done;
	if (!all) {
		if (!rep) {
			sfa_store_me(a.s, &me);
			rep = me.buf;
		}
		if ((err = sfa_filter_in(&f, "owner", rep)) < 0)
			goto done;
	}
	if (export) {
		if ((err = sfa_filter_where(&f, "due_at!=")) < 0 ||
		    (from && (err = add_time_cond(&f, "due_at", ">=", t_from)) < 0) ||
		    (to && (err = add_time_cond(&f, "due_at", "<", t_to)) < 0))
			goto done;
	} else {
		if ((err = sfa_filter_where(&f, "done=false")) < 0)
			goto done;
		if (sla && (err = sfa_filter_where(&f, "sla_due_at!=")) < 0)
			goto done;
		/* what a rep does today: what is due today and what is late */
		/* with --sla the windows are of the promised response time */
		const char *when = sla ? "sla_due_at" : "due_at";
		switch (window) {
		case OPT_OVERDUE:
			err = add_time_cond(&f, when, "<", now);
			break;
		case OPT_TODAY:
			if ((err = add_time_cond(&f, when, ">=", day_start(now, 0))) == 0)
				err = add_time_cond(&f, when, "<", day_start(now, 1));
			break;
		case OPT_WEEK:
			if ((err = add_time_cond(&f, when, ">=", day_start(now, 0))) == 0)
				err = add_time_cond(&f, when, "<", day_start(now, 7));
			break;
		default:
			err = add_time_cond(&f, when, "<", day_start(now, 1));
		}
		if (err < 0)
			goto done;
	}
	if ((err = sfa_filter_sort(&f, sla && !export ? "sla_due_at,due_at" : "due_at")) < 0)
		goto done;
	if (export) {
		ics.tz = tz;
		ics.stamp = now;
		/* the zone's rules for the time the calendar spans: its first and last event */
		if (tz && (err = due_range(&f, &t_from, &t_to)) < 0)
			goto done;
		if ((err = sfa_ics_begin(&ics, t_from, t_to)) < 0)
			goto done;
		a.ics = &ics;
	} else {
		json_t *cols = NULL;
		const char **names = NULL;
		if (fields) {
			cols = json_array();
			for (const char *p = fields; *p;) {
				size_t k = strcspn(p, ",");
				json_array_append_new(cols, json_stringn(p, k));
				p += k + (p[k] == ',');
			}
			names = sfa_xcalloc(json_array_size(cols) + 1, sizeof(*names));
			for (size_t i = 0; i < json_array_size(cols); i++)
				names[i] = json_string_value(json_array_get(cols, i));
		}
		err = sfa_writer_open(&a.w, stdout, sfa_cli_format(fmt), names ? names : sla ? sla_cols : agenda_cols);
		free(names);
		json_decref(cols);
		if (err < 0)
			goto done;
	}
	if ((n = sfa_index_list(sfa_store_index(a.s), &f.q, agenda_row, &a)) < 0) {
		err = (int)n;
		goto done;
	}
	if (export) {
		sfa_ics_end(&ics);
		if (fwrite(out.buf, 1, out.len, stdout) != out.len)
			err = sfa_error_set(SFA_ESTORE, "cannot write the calendar");
	} else {
		err = sfa_writer_close(a.w);
		a.w = NULL;
	}
done:
	if (filter_ready)
		sfa_filter_release(&f);
	sfa_writer_free(a.w);
	sfa_store_free(a.s);
	sfa_buf_release(&me);
	sfa_buf_release(&out);
	if (err == SFA_EUSAGE)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	if (err < 0)
		return sfa_cli_fail(err);
	return sfa_cli_exit(n || export ? 0 : SFA_EXIT_NOMATCH);
}

int main(int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "add", sfa_verb_add },
		{ "agenda", agenda_verb },
		{ "delete", sfa_verb_delete },
		{ "done", change_verb },
		{ "export", agenda_verb },
		{ "import", sfa_verb_import },
		{ "list", sfa_verb_list },
		{ "log", log_verb },
		{ "reschedule", change_verb },
		{ "search", sfa_verb_search },
		{ "set", sfa_verb_set },
		{ "show", sfa_verb_show },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
