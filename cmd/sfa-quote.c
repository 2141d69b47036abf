/* sfa-quote: products, quotes the customer receives, and the orders they become. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfa/cli.h"
#include "sfa/document.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/query.h"
#include "sfa/quote.h"
#include "sfa/quoting.h"
#include "sfa/store.h"
#include "sfa/stream.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-quote new [--store dir] --opportunity id [--price-book book] [--currency code]\n"
	"                     [--contact id] [--discount percent] [--valid-until date] [field=value ...]\n"
	"       sfa-quote add-line [--store dir] [--discount percent] [--in line] [--optional] id sku qty\n"
	"       sfa-quote remove-line [--store dir] id line\n"
	"       sfa-quote set [--store dir] [id ...] field=value ...\n"
	"       sfa-quote show [--store dir] [--format format] [id ...]\n"
	"       sfa-quote list [--store dir] [filters] [--fields list] [--format format]\n"
	"       sfa-quote search [--store dir] [filters] [--format format] text ...\n"
	"       sfa-quote check [--store dir] [id ...]\n"
	"       sfa-quote revise [--store dir] id\n"
	"       sfa-quote approve [--store dir] [id ...]\n"
	"       sfa-quote reject [--store dir] --reason text [id ...]\n"
	"       sfa-quote send [--store dir] [id ...]\n"
	"       sfa-quote accept [--store dir] [--expected-ship date] id\n"
	"       sfa-quote decline [--store dir] [--reason text] [id ...]\n"
	"       sfa-quote primary [--store dir] id\n"
	"       sfa-quote render [--store dir] [--format html|pdf|text|json] [-o file] id\n"
	"       sfa-quote product add|import|list|search|show|set|delete [options] ...\n"
	"       sfa-quote order list|search|show|set [options] ...\n"
	"       sfa-quote order set-status [--store dir] [--tracking text] [--expected-ship date]\n"
	"                     [id ...] status\n"
	"       sfa-quote -h | --help\n"
	"       sfa-quote --version\n";

enum {
	OPT_STORE = 256, OPT_OPPORTUNITY, OPT_PRICE_BOOK, OPT_CURRENCY, OPT_CONTACT, OPT_DISCOUNT,
	OPT_VALID_UNTIL, OPT_IN, OPT_OPTIONAL, OPT_REASON, OPT_EXPECTED_SHIP, OPT_FORMAT, OPT_TRACKING
};
enum { OPT_L_LATE = SFA_VERB_OPT };

static const struct sfa_verb verb = { &sfa_type_quote, "sfa-quote", usage, NULL, NULL };
static const struct sfa_verb product_verb = { &sfa_type_product, "sfa-quote product", usage, NULL, NULL };

/* --- orders: --late ---------------------------------------------------------------------- */

static int order_filter(struct sfa_filter *f, int opt, const char *arg)
{
	char expr[64], day[11];
	time_t now = sfa_now();
	struct tm tm;
	int err;

	if (opt != OPT_L_LATE)
		return SFA_EUSAGE;
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	snprintf(expr, sizeof(expr), "expected_ship<%s", day);
	if ((err = sfa_filter_where(f, expr)) < 0)
		return err;
	return sfa_filter_in(f, "status", "confirmed");
}

static const struct option order_opts[] = {
	{ "late", no_argument, NULL, OPT_L_LATE },
	{ NULL, 0, NULL, 0 }
};

static const struct sfa_verb order_verb = { &sfa_type_order, "sfa-quote order", usage, order_opts, order_filter };

/* --- new ------------------------------------------------------------------------------------ */

static int new_quote(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "contact", required_argument, NULL, OPT_CONTACT },
		{ "currency", required_argument, NULL, OPT_CURRENCY },
		{ "discount", required_argument, NULL, OPT_DISCOUNT },
		{ "help", no_argument, NULL, 'h' },
		{ "opportunity", required_argument, NULL, OPT_OPPORTUNITY },
		{ "price-book", required_argument, NULL, OPT_PRICE_BOOK },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "valid-until", required_argument, NULL, OPT_VALID_UNTIL },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL, *opp = NULL;
	struct sfa_store *s = NULL;
	json_t *rec = json_object(), *fields = NULL;
	char id[SFA_ID_LEN + 1];
	int c, err;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			json_decref(rec);
			return sfa_cli_help(v->usage);
		case OPT_CONTACT:
			json_object_set_new(rec, "contact", json_string(optarg));
			break;
		case OPT_CURRENCY:
			json_object_set_new(rec, "currency", json_string(optarg));
			break;
		case OPT_DISCOUNT:
			json_object_set_new(rec, "discount", json_string(optarg));
			break;
		case OPT_OPPORTUNITY:
			opp = optarg;
			break;
		case OPT_PRICE_BOOK:
			json_object_set_new(rec, "price_book", json_string(optarg));
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_VALID_UNTIL:
			json_object_set_new(rec, "valid_until", json_string(optarg));
			break;
		default:
			json_decref(rec);
			return sfa_cli_usage(v->usage);
		}
	}
	if (!opp) {
		json_decref(rec);
		return sfa_cli_bad_usage(v->usage, "new: which deal? (--opportunity id)");
	}
	if (optind < argc) {
		if ((err = sfa_verb_fields(&fields, argc - optind, argv + optind)) < 0) {
			json_decref(rec);
			return err == SFA_EUSAGE ? sfa_cli_bad_usage(v->usage, "%s", sfa_error_last()) : sfa_cli_fail(err);
		}
		json_object_update(rec, fields);
		json_decref(fields);
	}
	json_object_set_new(rec, "opportunity", json_string(opp));
	if ((err = sfa_cli_open_store(&s, store)) == 0 && (err = sfa_add(s, &sfa_type_quote, rec, "sfa-quote", id)) == 0)
		printf("%s\n", id);
	json_decref(rec);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* --- add-line, remove-line -------------------------------------------------------------------- */

struct line_edit {
	struct sfa_store *s;
	const char *sku, *discount;
	long long qty;
	int in, optional;	/* add: the bundle line it goes under, optional */
	int remove;		/* remove: the line number */
};

static int add_line_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct line_edit *e = data;
	const struct sfa_quoting *q;
	json_t *quote = NULL, *lines = NULL, *l, *changes = NULL, *bundle;
	int err, at;

	if ((err = sfa_store_quoting(e->s, &q, NULL)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(e->s), &sfa_type_quote, id, &quote)) < 0)
		goto done;
	lines = sfa_quote_lines(quote);
	if (e->in < 0 || e->in > (int)json_array_size(lines)) {
		err = sfa_error_set(SFA_EINPUT, "--in %d: the quote has no such line", e->in);
		goto done;
	}
	l = json_pack("{sssI}", "sku", e->sku, "qty", (json_int_t)e->qty);
	if (e->discount)
		json_object_set_new(l, "discount", json_string(e->discount));
	if (e->in)
		json_object_set_new(l, "bundle", json_integer(e->in));
	if (e->optional)
		json_object_set_new(l, "optional", json_true());
	json_array_append_new(lines, l);
	at = (int)json_array_size(lines);
	/* a bundle comes with its fixed components */
	bundle = json_object_get(json_object_get(q->cfg, "bundles"), e->sku);
	if (bundle) {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(bundle, "components"), i, c) {
			long long n = json_integer_value(json_object_get(c, "qty")) ?: 1;
			if (json_is_true(json_object_get(c, "optional")))
				continue;
			json_array_append_new(lines, json_pack("{sOsIsi}", "sku", json_object_get(c, "sku"), "qty",
							       (json_int_t)(n * e->qty), "bundle", at));
		}
	}
	changes = json_pack("{sO}", "lines", lines);
	err = sfa_update_txn(e->s, txn, &sfa_type_quote, id, changes, NULL, 0, NULL);
done:
	json_decref(quote);
	json_decref(lines);
	json_decref(changes);
	(void)input;
	return err;
}

/* How many of the lines above line `b` go when line `removed` and its components do. */
static int gone_before(const json_t *lines, int b, int removed)
{
	int n = 0;
	for (int k = 1; k < b; k++)
		n += k == removed || json_integer_value(json_object_get(json_array_get(lines, (size_t)k - 1), "bundle")) ==
						removed;
	return n;
}

static int remove_line_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct line_edit *e = data;
	json_t *quote = NULL, *lines = NULL, *kept = json_array(), *changes = NULL, *l;
	size_t i;
	int err, gone = 0;

	if ((err = sfa_index_get(sfa_store_index(e->s), &sfa_type_quote, id, &quote)) < 0)
		goto done;
	lines = sfa_quote_lines(quote);
	if (e->remove < 1 || e->remove > (int)json_array_size(lines)) {
		err = sfa_error_set(SFA_EINPUT, "line %d: the quote has %zu lines", e->remove, json_array_size(lines));
		goto done;
	}
	/* the line, its components with it; the numbers of the bundles below move up */
	json_array_foreach(lines, i, l) {
		int n = (int)i + 1, b = (int)json_integer_value(json_object_get(l, "bundle"));
		if (n == e->remove || b == e->remove) {
			gone++;
			continue;
		}
		if (b > e->remove)
			json_object_set_new(l, "bundle", json_integer(b - gone_before(lines, b, e->remove)));
		json_array_append(kept, l);
	}
	changes = json_pack("{sO}", "lines", kept);
	err = sfa_update_txn(e->s, txn, &sfa_type_quote, id, changes, NULL, 0, NULL);
done:
	json_decref(quote);
	json_decref(lines);
	json_decref(kept);
	json_decref(changes);
	(void)input;
	return err;
}

/*
 * Runs `fn` in one commit on the records named by `ids` (or by stdin when
 * there are none); the number changed in `*changed` (may be NULL).
 */
static int each(const struct sfa_verb *v, struct sfa_store *s, int nids, char **ids, const char *what,
		int (*fn)(struct sfa_txn *, const char *, json_t *, void *), void *data, size_t *changed)
{
	struct sfa_each e = { 0 };
	int err;

	e.verb = v;
	e.store = s;
	e.fn = fn;
	e.data = data;
	e.what = what;
	err = sfa_verb_each(&e, nids, ids);
	if (changed)
		*changed = e.changed;
	return err;
}

static int line_verb(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "discount", required_argument, NULL, OPT_DISCOUNT },
		{ "help", no_argument, NULL, 'h' },
		{ "in", required_argument, NULL, OPT_IN },
		{ "optional", no_argument, NULL, OPT_OPTIONAL },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct line_edit e = { 0 };
	struct sfa_buf what = SFA_BUF_INIT;
	const char *store = NULL;
	int add = !strcmp(sfa_verb_name(argv[0]), "add-line"), c, err;
	char *end;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_DISCOUNT:
			e.discount = optarg;
			break;
		case OPT_IN:
			e.in = (int)strtol(optarg, &end, 10);
			if (*end || e.in < 1)
				return sfa_cli_bad_usage(v->usage, "--in: the number of a bundle line, not '%s'", optarg);
			break;
		case OPT_OPTIONAL:
			e.optional = 1;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	if (!add && (e.discount || e.in || e.optional))
		return sfa_cli_bad_usage(v->usage, "remove-line takes a quote and a line number");
	if (argc - optind != (add ? 3 : 2))
		return sfa_cli_bad_usage(v->usage, add ? "add-line: quote, sku and quantity" : "remove-line: quote and line");
	if (add) {
		e.sku = argv[optind + 1];
		e.qty = strtoll(argv[optind + 2], &end, 10);
		if (*end || end == argv[optind + 2])
			return sfa_cli_fail(sfa_error_set(SFA_EINPUT, "quantity '%s': not a whole number",
							  argv[optind + 2]));
		if (e.qty < 1)
			return sfa_cli_fail(sfa_error_set(SFA_EINPUT, "quantity %lld: must be 1 or more", e.qty));
		sfa_buf_addf(&what, "add %lld x %s to", e.qty, e.sku);
	} else {
		e.remove = (int)strtol(argv[optind + 1], &end, 10);
		if (*end || e.remove < 1)
			return sfa_cli_bad_usage(v->usage, "remove-line: a line number, not '%s'", argv[optind + 1]);
		sfa_buf_addf(&what, "remove line %d from", e.remove);
	}
	if ((err = sfa_cli_open_store(&e.s, store)) == 0)
		err = each(v, e.s, 1, argv + optind, what.buf, add ? add_line_fn : remove_line_fn, &e, NULL);
	sfa_store_free(e.s);
	sfa_buf_release(&what);
	return sfa_verb_exit(v, err);
}

/* --- approve, reject, send, accept, decline, primary ------------------------------------------ */

struct status {
	struct sfa_store *s;
	const char *to, *reason, *expected_ship;
};

static int status_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct status *st = data;
	json_t *changes = json_object();
	int err;

	if (!strcmp(st->to, "primary")) {
		json_object_set_new(changes, "primary", json_true());
	} else {
		json_object_set_new(changes, "status", json_string(st->to));
		if (st->reason)
			json_object_set_new(changes, !strcmp(st->to, "declined") ? "declined_reason" : "rejected_reason",
					    json_string(st->reason));
		if (st->expected_ship)
			json_object_set_new(changes, "expected_ship", json_string(st->expected_ship));
	}
	err = sfa_update_txn(st->s, txn, &sfa_type_quote, id, changes, NULL, 0, NULL);
	json_decref(changes);
	(void)input;
	return err;
}

static int status_verb(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expected-ship", required_argument, NULL, OPT_EXPECTED_SHIP },
		{ "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const to[][2] = {
		{ "approve", "approved" }, { "reject", "rejected" }, { "send", "sent" }, { "accept", "accepted" },
		{ "decline", "declined" }, { "primary", "primary" },
	};
	const char *name = sfa_verb_name(argv[0]), *store = NULL;
	struct status st = { 0 };
	size_t changed;
	int c, err;

	for (size_t i = 0; i < sizeof(to) / sizeof(to[0]); i++)
		if (!strcmp(to[i][0], name))
			st.to = to[i][1];
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_EXPECTED_SHIP:
			if (strcmp(name, "accept"))
				return sfa_cli_bad_usage(v->usage, "--expected-ship is for accept");
			st.expected_ship = optarg;
			break;
		case OPT_REASON:
			if (strcmp(name, "reject") && strcmp(name, "decline"))
				return sfa_cli_bad_usage(v->usage, "--reason is for reject and decline");
			st.reason = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	if (!strcmp(name, "reject") && !st.reason)
		return sfa_cli_bad_usage(v->usage, "reject needs --reason");
	if ((!strcmp(name, "accept") || !strcmp(name, "primary")) && argc - optind != 1)
		return sfa_cli_bad_usage(v->usage, "%s takes one quote", name);
	if ((err = sfa_cli_open_store(&st.s, store)) < 0)
		goto done;
	if ((err = each(v, st.s, argc - optind, argv + optind, name, status_fn, &st, &changed)) == 0)
		sfa_cli_warn("%s: %zu %s", name, changed, changed == 1 ? "quote" : "quotes");
done:
	sfa_store_free(st.s);
	return sfa_verb_exit(v, err);
}

/* --- revise ---------------------------------------------------------------------------------------- */

struct revise {
	struct sfa_store *s;
	char id[SFA_ID_LEN + 1];	/* out: the new version */
};

static int revise_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	static const char *const carried[] = { "opportunity", "account", "contact", "owner", "currency", "price_book",
					       "discount", "terms", "notes", "language", NULL };
	struct revise *r = data;
	json_t *old = NULL, *rec = json_object(), *changes = NULL;
	int err;

	if ((err = sfa_index_get(sfa_store_index(r->s), &sfa_type_quote, id, &old)) < 0)
		goto done;
	if (!strcmp(sfa_record_text(old, "status") ?: "", "accepted") ||
	    !strcmp(sfa_record_text(old, "status") ?: "", "superseded")) {
		err = sfa_error_set(SFA_EINPUT, "quote %s version %lld is %s: there is nothing to revise",
				    sfa_record_text(old, "number"), (long long)json_integer_value(json_object_get(old, "version")),
				    sfa_record_text(old, "status"));
		goto done;
	}
	for (size_t i = 0; carried[i]; i++)
		if (json_object_get(old, carried[i]))
			json_object_set(rec, carried[i], json_object_get(old, carried[i]));
	json_object_set_new(rec, "lines", sfa_quote_lines(old));
	json_object_set_new(rec, "revises", json_string(id));
	if ((err = sfa_add_txn(r->s, txn, &sfa_type_quote, rec, NULL, r->id)) < 0)
		goto done;
	/* the customer may have seen the old one: it stays as it was, marked as replaced */
	changes = json_pack("{ss}", "status", "superseded");
	err = sfa_update_txn(r->s, txn, &sfa_type_quote, id, changes, NULL, 0, NULL);
done:
	json_decref(old);
	json_decref(rec);
	json_decref(changes);
	(void)input;
	return err;
}

static int revise(const struct sfa_verb *v, int argc, char **argv)
{
	struct revise r = { 0 };
	const char *store;
	int err;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, NULL)) >= 0)
		return err;
	if (argc - optind != 1)
		return sfa_cli_bad_usage(v->usage, "revise takes one quote");
	if ((err = sfa_cli_open_store(&r.s, store)) == 0 &&
	    (err = each(v, r.s, 1, argv + optind, "revise", revise_fn, &r, NULL)) == 0)
		printf("%s\n", r.id);
	sfa_store_free(r.s);
	return sfa_verb_exit(v, err);
}

/* --- check ------------------------------------------------------------------------------------------ */

static int check_one(struct sfa_store *s, const char *given, int *bad)
{
	char id[SFA_ID_LEN + 1];
	json_t *quote = NULL;
	int err;

	if ((err = sfa_store_resolve(s, &sfa_type_quote, given, id)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), &sfa_type_quote, id, &quote)) < 0)
		return err;
	if (sfa_quote_check(s, quote) < 0) {
		sfa_cli_warn("quote %s version %lld: %s", sfa_record_text(quote, "number"),
			     (long long)json_integer_value(json_object_get(quote, "version")), sfa_error_last());
		*bad = 1;
	} else {
		printf("%s\tok\n", id);
	}
	json_decref(quote);
	return 0;
}

static int check(const struct sfa_verb *v, int argc, char **argv)
{
	struct sfa_store *s = NULL;
	const char *store;
	int err, bad = 0;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, NULL)) >= 0)
		return err;
	if ((err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	if (optind < argc) {
		for (int i = optind; i < argc && !err; i++)
			err = check_one(s, argv[i], &bad);
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while (!err && (n = getline(&line, &cap, stdin)) > 0) {
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
				line[--n] = '\0';
			if (n)
				err = check_one(s, line, &bad);
		}
		free(line);
	}
done:
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(bad ? SFA_EXIT_DATA : 0);
}

/* --- show ------------------------------------------------------------------------------------------ */

/* Prints `rows` (an array of objects) as a table with `cols`. */
static int table(const char *const *cols, const json_t *rows)
{
	struct sfa_writer *w = NULL;
	size_t i;
	json_t *r;
	int err = sfa_writer_open(&w, stdout, SFA_FORMAT_TABLE, cols);

	json_array_foreach(rows, i, r)
		if (!err)
			err = sfa_writer_write(w, r);
	if (!err) {
		err = sfa_writer_close(w);
		w = NULL;
	}
	sfa_writer_free(w);
	return err;
}

/* A quote for people: what it is, its lines, its totals by tax rate. */
static int show_quote(struct sfa_store *s, const char *given)
{
	static const char *const head_cols[] = { "number", "version", "status", "approval_role", "currency",
						 "price_book", "discount", "valid_until", "primary", "id", NULL };
	static const char *const line_cols[] = { "line", "sku", "name", "qty", "unit", "list_price", "discount",
						 "amount", "tax_rate", "bundle", "optional", NULL };
	static const char *const total_cols[] = { "total", "amount", NULL };
	char id[SFA_ID_LEN + 1];
	json_t *q = NULL, *rows = NULL, *e;
	size_t i;
	int err;

	if ((err = sfa_store_resolve(s, &sfa_type_quote, given, id)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), &sfa_type_quote, id, &q)) < 0)
		return err;
	rows = json_pack("[O]", q);
	if ((err = table(head_cols, rows)) < 0)
		goto done;
	putchar('\n');
	if ((err = table(line_cols, json_object_get(q, "lines") ?: json_array())) < 0)
		goto done;
	putchar('\n');
	json_decref(rows);
	rows = json_array();
	json_array_append_new(rows, json_pack("{ssso}", "total", "subtotal", "amount",
					      json_string(sfa_record_text(q, "subtotal") ?: "")));
	json_array_append_new(rows, json_pack("{ssso}", "total", "discount", "amount",
					      json_string(sfa_record_text(q, "discount_total") ?: "")));
	json_array_foreach(json_object_get(q, "taxes"), i, e) {
		struct sfa_buf what = SFA_BUF_INIT;
		sfa_buf_addf(&what, "tax %s%% on %s", sfa_record_text(e, "rate"), sfa_record_text(e, "base"));
		json_array_append_new(rows, json_pack("{ssss}", "total", what.buf, "amount", sfa_record_text(e, "tax")));
		sfa_buf_release(&what);
	}
	json_array_append_new(rows, json_pack("{ssso}", "total", "total", "amount",
					      json_string(sfa_record_text(q, "total") ?: "")));
	err = table(total_cols, rows);
done:
	json_decref(rows);
	json_decref(q);
	return err;
}

static int show(const struct sfa_verb *v, int argc, char **argv)
{
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_store *s = NULL;
	const char *store;
	int err;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, &fmt)) >= 0)
		return err;
	/* records for programs; for people, the lines and totals laid out */
	if (sfa_cli_format(fmt) != SFA_FORMAT_TABLE || argc - optind != 1) {
		optind = 0;	/* GNU getopt starts afresh */
		return sfa_verb_show(v, argc, argv);
	}
	if ((err = sfa_cli_open_store(&s, store)) == 0)
		err = show_quote(s, argv[optind]);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* --- render ------------------------------------------------------------------------------------------ */

static int render(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL, *format = "html", *file = NULL;
	struct sfa_store *s = NULL;
	struct sfa_buf out = SFA_BUF_INIT;
	json_t *quote = NULL, *doc = NULL;
	char id[SFA_ID_LEN + 1];
	FILE *fp = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case 'o':
			file = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	if (strcmp(format, "html") && strcmp(format, "pdf") && strcmp(format, "text") && strcmp(format, "json"))
		return sfa_cli_bad_usage(v->usage, "render: --format html, pdf, text or json, not '%s'", format);
	if (argc - optind != 1)
		return sfa_cli_bad_usage(v->usage, "render takes one quote");
	if (!file && !strcmp(format, "pdf") && isatty(STDOUT_FILENO))
		return sfa_cli_bad_usage(v->usage, "render: a PDF goes to a file (-o file) or a pipe, not a terminal");
	if ((err = sfa_cli_open_store(&s, store)) < 0 ||
	    (err = sfa_store_resolve(s, &sfa_type_quote, argv[optind], id)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), &sfa_type_quote, id, &quote)) < 0 ||
	    (err = sfa_quote_document(&doc, s, quote)) < 0)
		goto done;
	if (!strcmp(format, "json")) {
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
		sfa_buf_addf(&out, "%s\n", text);
		free(text);
	} else if (!strcmp(format, "html")) {
		err = sfa_quote_html(&out, s, doc);
	} else if (!strcmp(format, "text")) {
		err = sfa_document_text(&out, doc);
	} else {
		err = sfa_document_pdf(&out, doc);
	}
	if (err < 0)
		goto done;
	err = 0;
	if (file) {
		/* written beside and renamed: a reader never sees half a document */
		struct sfa_buf tmp = SFA_BUF_INIT;
		sfa_buf_addf(&tmp, "%s.tmp%ld", file, (long)getpid());
		if (!(fp = fopen(tmp.buf, "wb")) || fwrite(out.buf, 1, out.len, fp) != out.len || fclose(fp) != 0 ||
		    rename(tmp.buf, file) < 0) {
			err = sfa_error_set(SFA_EINPUT, "'%s': %s", file, strerror(errno));
			unlink(tmp.buf);
		}
		fp = NULL;
		sfa_buf_release(&tmp);
	} else if (fwrite(out.buf, 1, out.len, stdout) != out.len) {
		err = sfa_error_set(SFA_ESTORE, "stdout: %s", strerror(errno));
	}
done:
	json_decref(quote);
	json_decref(doc);
	sfa_buf_release(&out);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* --- products and orders ---------------------------------------------------------------------------------- */

static int product(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "add", sfa_verb_add }, { "delete", sfa_verb_delete }, { "import", sfa_verb_import },
		{ "list", sfa_verb_list }, { "search", sfa_verb_search }, { "set", sfa_verb_set },
		{ "show", sfa_verb_show }, { NULL, NULL }
	};
	(void)v;
	return sfa_verb_main(&product_verb, verbs, argc, argv);
}

struct order_status {
	struct sfa_store *s;
	const char *status, *tracking, *expected_ship;
};

static int order_status_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct order_status *o = data;
	json_t *changes = json_object();
	int err;

	json_object_set_new(changes, "status", json_string(o->status));
	if (o->tracking)
		json_object_set_new(changes, "tracking", json_string(o->tracking));
	if (o->expected_ship)
		json_object_set_new(changes, "expected_ship", json_string(o->expected_ship));
	err = sfa_update_txn(o->s, txn, &sfa_type_order, id, changes, NULL, 0, NULL);
	json_decref(changes);
	(void)input;
	return err;
}

static int order_set_status(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expected-ship", required_argument, NULL, OPT_EXPECTED_SHIP },
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "tracking", required_argument, NULL, OPT_TRACKING },
		{ NULL, 0, NULL, 0 }
	};
	struct order_status o = { 0 };
	struct sfa_buf what = SFA_BUF_INIT;
	size_t changed;
	const char *store = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_EXPECTED_SHIP:
			o.expected_ship = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_TRACKING:
			o.tracking = optarg;
			break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	if (optind >= argc)
		return sfa_cli_bad_usage(v->usage, "set-status: which status?");
	o.status = argv[--argc];
	if ((err = sfa_cli_open_store(&o.s, store)) < 0)
		goto done;
	sfa_buf_addf(&what, "set status %s on", o.status);
	if ((err = each(v, o.s, argc - optind, argv + optind, what.buf, order_status_fn, &o, &changed)) == 0)
		sfa_cli_warn("%zu %s %s", changed, changed == 1 ? "order" : "orders", o.status);
done:
	sfa_store_free(o.s);
	sfa_buf_release(&what);
	return sfa_verb_exit(v, err);
}

static int order(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "list", sfa_verb_list }, { "search", sfa_verb_search }, { "set", sfa_verb_set },
		{ "set-status", order_set_status }, { "show", sfa_verb_show }, { NULL, NULL }
	};
	(void)v;
	return sfa_verb_main(&order_verb, verbs, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "accept", status_verb },
		{ "add-line", line_verb },
		{ "approve", status_verb },
		{ "check", check },
		{ "decline", status_verb },
		{ "list", sfa_verb_list },
		{ "new", new_quote },
		{ "order", order },
		{ "primary", status_verb },
		{ "product", product },
		{ "reject", status_verb },
		{ "remove-line", line_verb },
		{ "render", render },
		{ "revise", revise },
		{ "search", sfa_verb_search },
		{ "send", status_verb },
		{ "set", sfa_verb_set },
		{ "show", show },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
