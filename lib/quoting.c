/* Price books and the rules of quoting: config checks and what quotes ask of them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/money.h"
#include "sfa/price.h"
#include "sfa/quoting.h"
#include "sfa/record.h"
#include "sfa/banned.h"

/* Quantities in bundles and rules: bounded so that products with line quantities stay in 128 bits. */
#define QTY_MAX 1000000

/* --- JSON paths for messages ------------------------------------------------------ */

/* `obj`[`key`] when it is text (non-empty), NULL when absent; SFA_EINPUT at its path otherwise. */
static int get_text(const char **out, struct sfa_buf *path, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	size_t old;

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v) || !json_string_length(v)) {
		old = sfa_config_path_key(path, key);
		sfa_config_bad(path, "expected text");
		sfa_buf_setlen(path, old);
		return SFA_EINPUT;
	}
	*out = json_string_value(v);
	return 0;
}

/* `v` as a whole number from `min` to `max`, or SFA_EINPUT at `path`. */
static int get_count(long long *out, struct sfa_buf *path, const json_t *v, long long min, long long max)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return sfa_config_bad(path, "expected a whole number from %lld to %lld", min, max);
	*out = json_integer_value(v);
	return 0;
}

static int get_bool(int *out, struct sfa_buf *path, const json_t *v)
{
	if (!json_is_boolean(v))
		return sfa_config_bad(path, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

/* A percentage in the config: text or a whole number; the message without a path. */
static int percent_of(int *out, const json_t *v)
{
	char num[32];
	const char *s = json_string_value(v);

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
	}
	if (!s)
		return sfa_error_set(SFA_EINPUT, "expected a percent like \"15\" or \"12.5\"");
	return sfa_percent_parse(out, s, NULL);
}

static int get_percent(int *out, struct sfa_buf *path, const json_t *v)
{
	if (percent_of(out, v) < 0)
		return sfa_error_prefix(SFA_EINPUT, "%s: ", path->buf);
	return 0;
}

/* A name that stands in lists and messages: no blanks or commas. */
static int check_name(struct sfa_buf *path, const char *name, const char *what)
{
	if (!*name || strpbrk(name, ", \t\n"))
		return sfa_config_bad(path, "a %s name is not empty and has no blanks or commas", what);
	return 0;
}

/* --- config/pricebooks.json -------------------------------------------------------- */

void sfa_pricebooks_free(struct sfa_pricebooks *pb)
{
	if (!pb)
		return;
	free(pb->books);
	json_decref(pb->cfg);
	free(pb);
}

static int parse_tiers(enum sfa_price_tiers *out, struct sfa_buf *path, const json_t *obj)
{
	json_t *v = json_object_get(obj, "tiers");
	size_t old;
	int err = 0;

	if (!v)
		return 0;
	old = sfa_config_path_key(path, "tiers");
	if (!json_is_string(v))
		err = sfa_config_bad(path, "expected volume or graduated");
	else if (sfa_price_tiers_parse(out, json_string_value(v)) < 0)
		err = sfa_error_prefix(SFA_EINPUT, "%s: ", path->buf);
	sfa_buf_setlen(path, old);
	return err;
}

static int parse_book(struct sfa_pricebook *b, struct sfa_buf *path, const json_t *def)
{
	static const char *const keys[] = { "about", "currency", "region", "segment", "fallback", "tiers", NULL };
	size_t old;
	int err;

	if (!json_is_object(def))
		return sfa_config_bad(path, "expected an object like {\"about\": \"List prices\", \"currency\": \"EUR\"}");
	if ((err = sfa_config_check_keys(path, def, keys)) < 0 || (err = get_text(&b->about, path, def, "about")) < 0 ||
	    (err = get_text(&b->currency, path, def, "currency")) < 0 ||
	    (err = get_text(&b->region, path, def, "region")) < 0 ||
	    (err = get_text(&b->segment, path, def, "segment")) < 0 || (err = parse_tiers(&b->tiers, path, def)) < 0)
		return err;
	if (b->currency && !sfa_money_currency_known(b->currency)) {
		old = sfa_config_path_key(path, "currency");
		sfa_config_bad(path, "'%s': expected an ISO 4217 code in capitals like EUR", b->currency);
		sfa_buf_setlen(path, old);
		return SFA_EINPUT;
	}
	return 0;
}

/* Points book `i` at the book its "fallback" names. */
static int link_fallback(struct sfa_pricebooks *pb, size_t i, struct sfa_buf *path)
{
	const json_t *def = json_object_get(json_object_get(pb->cfg, "books"), pb->books[i].name);
	const char *name;
	int err;

	if ((err = get_text(&name, path, def, "fallback")) < 0 || !name)
		return err;
	for (size_t j = 0; j < pb->n; j++)
		if (!strcmp(pb->books[j].name, name))
			pb->books[i].fallback = &pb->books[j];
	if (!pb->books[i].fallback) {
		sfa_config_path_key(path, "fallback");
		return sfa_config_bad(path, "no book '%s'", name);
	}
	return 0;
}

/* Refuses a fallback of book `i` that leads back to it. */
static int check_cycle(const struct sfa_pricebooks *pb, size_t i, struct sfa_buf *path)
{
	const struct sfa_pricebook *start = &pb->books[i], *b;
	struct sfa_buf chain = SFA_BUF_INIT;
	size_t steps;
	int err = 0;

	/* a walk of n steps that has not come back never will: a cycle further on is its own books' error */
	sfa_buf_addstr(&chain, start->name);
	for (b = start->fallback, steps = 0; b && steps < pb->n; b = b->fallback, steps++) {
		sfa_buf_addf(&chain, " -> %s", b->name);
		if (b == start) {
			sfa_config_path_key(path, "fallback");
			err = sfa_config_bad(path, "fallback cycle: %s", chain.buf);
			break;
		}
	}
	sfa_buf_release(&chain);
	return err;
}

int sfa_pricebooks_parse(struct sfa_pricebooks **out, const json_t *cfg)
{
	static const char *const keys[] = { "default", "tiers", "books", NULL };
	struct sfa_pricebooks *pb = sfa_xcalloc(1, sizeof(*pb));
	struct sfa_buf path = SFA_BUF_INIT;
	enum sfa_price_tiers tiers = SFA_TIERS_VOLUME;
	const json_t *books = json_object_get(cfg, "books");
	const char *k, *def;
	json_t *v;
	int err;

	*out = NULL;
	pb->cfg = json_incref((json_t *)cfg);
	if (!json_is_object(cfg)) {
		err = sfa_error_set(SFA_EINPUT, "expected a JSON object");
		goto done;
	}
	if ((err = sfa_config_check_keys(&path, cfg, keys)) < 0 || (err = parse_tiers(&tiers, &path, cfg)) < 0)
		goto done;
	if (!json_is_object(books) || !json_object_size(books)) {
		sfa_buf_addstr(&path, "books");
		err = sfa_config_bad(&path, "expected an object of books by name, like {\"standard\": {\"currency\": \"EUR\"}}");
		goto done;
	}
	pb->books = sfa_xcalloc(json_object_size(books), sizeof(*pb->books));
	json_object_foreach((json_t *)books, k, v) {
		struct sfa_pricebook *b = &pb->books[pb->n++];
		sfa_buf_reset(&path);
		sfa_config_path_key(&path, "books");
		sfa_config_path_key(&path, k);
		b->name = k;
		b->tiers = tiers;
		if ((err = check_name(&path, k, "book")) < 0 || (err = parse_book(b, &path, v)) < 0)
			goto done;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < pb->n; i++) {
			sfa_buf_reset(&path);
			sfa_config_path_key(&path, "books");
			sfa_config_path_key(&path, pb->books[i].name);
			err = pass ? check_cycle(pb, i, &path) : link_fallback(pb, i, &path);
			if (err < 0)
				goto done;
		}
	sfa_buf_reset(&path);
	if ((err = get_text(&def, &path, cfg, "default")) < 0)
		goto done;
	if (def && !(pb->def = sfa_pricebooks_find(pb, def))) {
		sfa_buf_addstr(&path, "default");
		err = sfa_error_prefix(SFA_EINPUT, "%s: ", path.buf);
		goto done;
	}
	if (!def && pb->n == 1)
		pb->def = &pb->books[0];
	if (!pb->def) {
		sfa_buf_addstr(&path, "default");
		err = sfa_config_bad(&path, "several books, so say which one quotes use by default (\"default\": \"%s\")",
			  pb->books[0].name);
	}
done:
	sfa_buf_release(&path);
	if (err < 0) {
		sfa_pricebooks_free(pb);
		return err;
	}
	*out = pb;
	return 0;
}

int sfa_pricebooks_check_config(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_pricebooks *pb = NULL;
	int err = sfa_pricebooks_parse(&pb, cfg);

	sfa_pricebooks_free(pb);
	(void)s;
	return err;
}

const struct sfa_pricebook *sfa_pricebooks_find(const struct sfa_pricebooks *pb, const char *name)
{
	struct sfa_buf names = SFA_BUF_INIT;

	if (!name)
		return pb->def;
	for (size_t i = 0; i < pb->n; i++)
		if (!strcmp(pb->books[i].name, name))
			return &pb->books[i];
	for (size_t i = 0; i < pb->n; i++)
		sfa_buf_addf(&names, "%s%s", i ? ", " : "", pb->books[i].name);
	sfa_error_set(SFA_EINPUT, "no price book '%s' (books: %s)", name, names.buf);
	sfa_buf_release(&names);
	return NULL;
}

size_t sfa_pricebook_chain(struct sfa_price_source **out, const struct sfa_pricebook *b)
{
	size_t n = 0;

	for (const struct sfa_pricebook *x = b; x; x = x->fallback)
		n++;
	*out = sfa_xcalloc(n, sizeof(**out));
	for (size_t i = 0; i < n; i++, b = b->fallback) {
		(*out)[i].book = b->name;
		(*out)[i].tiers = b->tiers;
	}
	return n;
}

/* --- config/quoting.json: checks --------------------------------------------------- */

void sfa_quoting_free(struct sfa_quoting *q)
{
	if (!q)
		return;
	free(q->approval);
	json_decref(q->cfg);
	free(q);
}

static const char *const role_names[] = { "rep", "manager", "director", "admin", NULL };

int sfa_quoting_role_rank(const char *role)
{
	for (int i = 0; role && role_names[i]; i++)
		if (!strcmp(role, role_names[i]))
			return i;
	return -1;
}

static int parse_company(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	static const char *const keys[] = { "name", "address", "email", "phone", "vat_id", "website", NULL };
	const char *s;
	int err;

	if (!json_is_object(v))
		return sfa_config_bad(path, "expected an object like {\"name\": \"Acme GmbH\", \"address\": \"...\"}");
	if ((err = sfa_config_check_keys(path, v, keys)) < 0)
		return err;
	for (size_t i = 0; keys[i]; i++)
		if ((err = get_text(&s, path, v, keys[i])) < 0)
			return err;
	q->company = v;
	return 0;
}

static int parse_rounding(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	static const char *const keys[] = { "mode", "per", NULL };
	const char *mode, *per;
	int err;

	if (!json_is_object(v))
		return sfa_config_bad(path, "expected an object like {\"mode\": \"half-even\", \"per\": \"line\"}");
	if ((err = sfa_config_check_keys(path, v, keys)) < 0 || (err = get_text(&mode, path, v, "mode")) < 0 ||
	    (err = get_text(&per, path, v, "per")) < 0)
		return err;
	if (mode && sfa_rounding_parse(&q->rounding, mode) < 0) {
		sfa_config_path_key(path, "mode");
		return sfa_error_prefix(SFA_EINPUT, "%s: ", path->buf);
	}
	if (per && sfa_rounding_per_parse(&q->per, per) < 0) {
		sfa_config_path_key(path, "per");
		return sfa_error_prefix(SFA_EINPUT, "%s: ", path->buf);
	}
	return 0;
}

static int parse_validity(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	long long days = 0;
	int err = get_count(&days, path, v, 1, 3650);

	if (err < 0)
		return err;
	q->validity_days = (int)days;
	return 0;
}

static int parse_terms(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	if (!json_is_string(v))
		return sfa_config_bad(path, "expected text");
	q->terms = json_string_value(v);
	return 0;
}

static int parse_tax(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	static const char *const keys[] = { "default_region", "regions", NULL };
	const json_t *regions = json_object_get(v, "regions");
	const char *region, *cls, *def;
	json_t *rates, *rate;
	int bp, err;

	if (!json_is_object(v))
		return sfa_config_bad(path, "expected an object like {\"default_region\": \"DE\", \"regions\": {...}}");
	if ((err = sfa_config_check_keys(path, v, keys)) < 0 || (err = get_text(&def, path, v, "default_region")) < 0)
		return err;
	if (def && !json_object_get(regions, def)) {
		sfa_config_path_key(path, "default_region");
		return sfa_config_bad(path, "no region '%s' in tax.regions", def);
	}
	sfa_config_path_key(path, "regions");
	if (!json_is_object(regions))
		return sfa_config_bad(path, "expected an object of regions, like {\"DE\": {\"standard\": \"19\"}}");
	json_object_foreach((json_t *)regions, region, rates) {
		size_t r = sfa_config_path_key(path, region);
		if ((err = check_name(path, region, "region")) < 0)
			return err;
		if (!json_is_object(rates) || !json_object_size(rates))
			return sfa_config_bad(path, "expected the rates of tax classes, like {\"standard\": \"19\", \"reduced\": \"7\"}");
		json_object_foreach(rates, cls, rate) {
			size_t c = sfa_config_path_key(path, cls);
			if ((err = check_name(path, cls, "tax class")) < 0 || (err = get_percent(&bp, path, rate)) < 0)
				return err;
			sfa_buf_setlen(path, c);
		}
		sfa_buf_setlen(path, r);
	}
	return 0;
}

static int parse_discounts(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	static const char *const keys[] = { "family", "min_qty", "percent", NULL };
	const char *name, *family;
	json_t *list, *e, *x;
	long long n;
	int bp, err;

	if (!json_is_object(v))
		return sfa_config_bad(path, "expected an object of schedules, like {\"gold\": [{\"percent\": \"5\"}]}");
	json_object_foreach((json_t *)v, name, list) {
		size_t s = sfa_config_path_key(path, name), i;
		if ((err = check_name(path, name, "schedule")) < 0)
			return err;
		if (!json_is_array(list) || !json_array_size(list))
			return sfa_config_bad(path, "expected a list like [{\"family\": \"software\", \"percent\": \"10\"}]");
		json_array_foreach(list, i, e) {
			size_t at = sfa_config_path_index(path, i), k;
			if (!json_is_object(e))
				return sfa_config_bad(path, "expected an object like {\"percent\": \"5\"}");
			if ((err = sfa_config_check_keys(path, e, keys)) < 0 || (err = get_text(&family, path, e, "family")) < 0)
				return err;
			if (!json_object_get(e, "percent"))
				return sfa_config_bad(path, "no \"percent\"");
			if ((x = json_object_get(e, "min_qty"))) {
				k = sfa_config_path_key(path, "min_qty");
				if ((err = get_count(&n, path, x, 1, QTY_MAX)) < 0)
					return err;
				sfa_buf_setlen(path, k);
			}
			sfa_config_path_key(path, "percent");
			if ((err = get_percent(&bp, path, json_object_get(e, "percent"))) < 0)
				return err;
			sfa_buf_setlen(path, at);
		}
		sfa_buf_setlen(path, s);
	}
	return 0;
}

static int parse_approval_rule(struct sfa_approval_rule *a, struct sfa_buf *path, const json_t *r)
{
	static const char *const keys[] = { "line_discount_over", "total_discount_over", "role", NULL };
	int *bound[] = { &a->line_over, &a->total_over };
	json_t *x;
	int err;

	a->line_over = a->total_over = -1;
	if (!json_is_object(r))
		return sfa_config_bad(path, "expected an object like {\"total_discount_over\": \"10\", \"role\": \"manager\"}");
	if ((err = sfa_config_check_keys(path, r, keys)) < 0 || (err = get_text(&a->role, path, r, "role")) < 0)
		return err;
	for (size_t k = 0; k < 2; k++)
		if ((x = json_object_get(r, keys[k]))) {
			size_t old = sfa_config_path_key(path, keys[k]);
			if ((err = get_percent(bound[k], path, x)) < 0)
				return err;
			sfa_buf_setlen(path, old);
		}
	if ((a->line_over < 0) == (a->total_over < 0))
		return sfa_config_bad(path, "needs one of \"line_discount_over\" and \"total_discount_over\"%s",
			   a->line_over < 0 ? "" : ", not both (write two rules)");
	if (!a->role)
		return sfa_config_bad(path, "no \"role\" (rep, manager, director or admin)");
	if (sfa_quoting_role_rank(a->role) < 0) {
		sfa_config_path_key(path, "role");
		return sfa_config_bad(path, "'%s': expected rep, manager, director or admin", a->role);
	}
	return 0;
}

static int parse_approval(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	static const char *const keys[] = { "self_approve", "rules", NULL };
	const json_t *rules = json_object_get(v, "rules");
	json_t *r, *x;
	size_t i;
	int err;

	if (!json_is_object(v))
		return sfa_config_bad(path, "expected an object like {\"self_approve\": false, \"rules\": [...]}");
	if ((err = sfa_config_check_keys(path, v, keys)) < 0)
		return err;
	if ((x = json_object_get(v, "self_approve"))) {
		size_t old = sfa_config_path_key(path, "self_approve");
		if ((err = get_bool(&q->self_approve, path, x)) < 0)
			return err;
		sfa_buf_setlen(path, old);
	}
	if (!rules)
		return 0;
	sfa_config_path_key(path, "rules");
	if (!json_is_array(rules))
		return sfa_config_bad(path, "expected a list like [{\"line_discount_over\": \"15\", \"role\": \"manager\"}]");
	q->approval = sfa_xcalloc(json_array_size(rules) ? json_array_size(rules) : 1, sizeof(*q->approval));
	json_array_foreach(rules, i, r) {
		size_t at = sfa_config_path_index(path, i);
		if ((err = parse_approval_rule(&q->approval[q->napproval++], path, r)) < 0)
			return err;
		sfa_buf_setlen(path, at);
	}
	return 0;
}

/* A list of skus: non-empty texts, none twice, not `self`. */
static int parse_skus(struct sfa_buf *path, const json_t *v, const char *self)
{
	size_t i, j;
	json_t *e;

	if (!json_is_array(v) || !json_array_size(v))
		return sfa_config_bad(path, "expected a list of skus, like [\"MOUNT-XL\"]");
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		size_t at = sfa_config_path_index(path, i);
		if (!s || !*s)
			return sfa_config_bad(path, "expected a sku");
		if (!strcmp(s, self))
			return sfa_config_bad(path, "'%s' is the rule's own sku", s);
		for (j = 0; j < i; j++)
			if (!strcmp(json_string_value(json_array_get(v, j)), s))
				return sfa_config_bad(path, "'%s' twice", s);
		sfa_buf_setlen(path, at);
	}
	return 0;
}

static int parse_component(struct sfa_buf *path, const json_t *comps, size_t i, const char *bundle)
{
	static const char *const keys[] = { "sku", "qty", "optional", NULL };
	const json_t *c = json_array_get(comps, i), *x;
	const char *sku;
	long long n;
	int opt, err;

	if (!json_is_object(c))
		return sfa_config_bad(path, "expected an object like {\"sku\": \"WID-100\", \"qty\": 2}");
	if ((err = sfa_config_check_keys(path, c, keys)) < 0 || (err = get_text(&sku, path, c, "sku")) < 0)
		return err;
	if (!sku)
		return sfa_config_bad(path, "no \"sku\"");
	if (!strcmp(sku, bundle)) {
		sfa_config_path_key(path, "sku");
		return sfa_config_bad(path, "'%s' cannot be a component of itself", sku);
	}
	for (size_t j = 0; j < i; j++)
		if (!strcmp(sfa_record_text(json_array_get(comps, j), "sku"), sku)) {
			sfa_config_path_key(path, "sku");
			return sfa_config_bad(path, "'%s' twice in bundle '%s'", sku, bundle);
		}
	if ((x = json_object_get(c, "qty"))) {
		size_t old = sfa_config_path_key(path, "qty");
		if ((err = get_count(&n, path, x, 1, QTY_MAX)) < 0)
			return err;
		sfa_buf_setlen(path, old);
	}
	if ((x = json_object_get(c, "optional"))) {
		sfa_config_path_key(path, "optional");
		return get_bool(&opt, path, x);
	}
	return 0;
}

static int parse_bundles(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	static const char *const keys[] = { "components", NULL };
	const char *sku;
	json_t *def, *comps;
	size_t i;
	int err;

	if (!json_is_object(v))
		return sfa_config_bad(path, "expected an object of bundles by sku, like {\"KIT\": {\"components\": [...]}}");
	json_object_foreach((json_t *)v, sku, def) {
		size_t b = sfa_config_path_key(path, sku);
		if (!*sku)
			return sfa_config_bad(path, "a bundle's sku is not empty");
		if (!json_is_object(def))
			return sfa_config_bad(path, "expected an object like {\"components\": [{\"sku\": \"WID-100\", \"qty\": 2}]}");
		if ((err = sfa_config_check_keys(path, def, keys)) < 0)
			return err;
		sfa_config_path_key(path, "components");
		comps = json_object_get(def, "components");
		if (!json_is_array(comps) || !json_array_size(comps))
			return sfa_config_bad(path, "expected a list like [{\"sku\": \"WID-100\", \"qty\": 2}]");
		for (i = 0; i < json_array_size(comps); i++) {
			size_t at = sfa_config_path_index(path, i);
			if ((err = parse_component(path, comps, i, sku)) < 0)
				return err;
			sfa_buf_setlen(path, at);
		}
		sfa_buf_setlen(path, b);
	}
	return 0;
}

static int parse_rule(struct sfa_buf *path, const json_t *r)
{
	static const char *const keys[] = { "sku", "requires", "excludes", "min_qty", "max_qty", NULL };
	long long bounds[2] = { 1, QTY_MAX };
	const char *sku;
	json_t *x;
	size_t old;
	int err;

	if (!json_is_object(r))
		return sfa_config_bad(path, "expected an object like {\"sku\": \"PUMP-XL\", \"requires\": [\"MOUNT-XL\"]}");
	if ((err = sfa_config_check_keys(path, r, keys)) < 0 || (err = get_text(&sku, path, r, "sku")) < 0)
		return err;
	if (!sku)
		return sfa_config_bad(path, "no \"sku\"");
	if (json_object_size(r) == 1)
		return sfa_config_bad(path, "no condition (requires, excludes, min_qty, max_qty)");
	for (size_t k = 1; k <= 4; k++) {
		if (!(x = json_object_get(r, keys[k])))
			continue;
		old = sfa_config_path_key(path, keys[k]);
		if (k <= 2)
			err = parse_skus(path, x, sku);
		else
			err = get_count(&bounds[k - 3], path, x, 1, QTY_MAX);
		if (err < 0)
			return err;
		sfa_buf_setlen(path, old);
	}
	if (bounds[0] > bounds[1]) {
		sfa_config_path_key(path, "max_qty");
		return sfa_config_bad(path, "%lld is below min_qty %lld", bounds[1], bounds[0]);
	}
	return 0;
}

static int parse_rules(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v)
{
	size_t i;
	json_t *r;
	int err;

	if (!json_is_array(v))
		return sfa_config_bad(path, "expected a list like [{\"sku\": \"PUMP-XL\", \"requires\": [\"MOUNT-XL\"]}]");
	json_array_foreach(v, i, r) {
		size_t at = sfa_config_path_index(path, i);
		if ((err = parse_rule(path, r)) < 0)
			return err;
		sfa_buf_setlen(path, at);
	}
	return 0;
}

/* The parts of config/quoting.json, each checked (and kept in `q` where it has a field) by its parser. */
static const struct {
	const char *key;
	int (*parse)(struct sfa_quoting *q, struct sfa_buf *path, const json_t *v);
} parts[] = {
	{ "company", parse_company },
	{ "rounding", parse_rounding },
	{ "validity_days", parse_validity },
	{ "terms", parse_terms },
	{ "tax", parse_tax },
	{ "discounts", parse_discounts },
	{ "approval", parse_approval },
	{ "bundles", parse_bundles },
	{ "rules", parse_rules },
};

int sfa_quoting_parse(struct sfa_quoting **out, const json_t *cfg)
{
	const char *keys[sizeof(parts) / sizeof(parts[0]) + 1];
	struct sfa_quoting *q = sfa_xcalloc(1, sizeof(*q));
	struct sfa_buf path = SFA_BUF_INIT;
	size_t i;
	json_t *v;
	int err;

	*out = NULL;
	q->cfg = json_incref((json_t *)cfg);
	q->rounding = SFA_ROUND_HALF_EVEN;
	q->per = SFA_ROUND_PER_LINE;
	q->validity_days = 30;
	if (!json_is_object(cfg)) {
		err = sfa_error_set(SFA_EINPUT, "expected a JSON object");
		goto done;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		keys[i] = parts[i].key;
	keys[i] = NULL;
	if ((err = sfa_config_check_keys(&path, cfg, keys)) < 0)
		goto done;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!(v = json_object_get(cfg, parts[i].key)))
			continue;
		sfa_buf_reset(&path);
		sfa_config_path_key(&path, parts[i].key);
		if ((err = parts[i].parse(q, &path, v)) < 0)
			goto done;
	}
done:
	sfa_buf_release(&path);
	if (err < 0) {
		sfa_quoting_free(q);
		return err;
	}
	*out = q;
	return 0;
}

int sfa_quoting_check_config(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_quoting *q = NULL;
	int err = sfa_quoting_parse(&q, cfg);

	sfa_quoting_free(q);
	(void)s;
	return err;
}

/* --- what quotes ask of it -------------------------------------------------------- */

const char *sfa_quoting_tax_region(const struct sfa_quoting *q, const char *country)
{
	const json_t *tax = json_object_get(q->cfg, "tax");
	const char *region;
	json_t *rates;

	json_object_foreach(json_object_get(tax, "regions"), region, rates)
		if (country && !strcasecmp(region, country))
			return region;
	return sfa_record_text(tax, "default_region");
}

int sfa_quoting_tax_rate(int *out, const struct sfa_quoting *q, const char *region, const char *tax_class)
{
	const json_t *regions = json_object_get(json_object_get(q->cfg, "tax"), "regions");
	const json_t *rate;

	if (!tax_class)
		tax_class = "standard";
	if (!region)
		return sfa_error_set(SFA_ENOTFOUND, "no tax region for class '%s' (the account's country is not "
				     "in tax.regions and there is no tax.default_region)", tax_class);
	rate = json_object_get(json_object_get(regions, region), tax_class);
	if (!rate)
		return sfa_error_set(SFA_ENOTFOUND, "no tax rate for class '%s' in region '%s'", tax_class, region);
	return percent_of(out, rate);
}

int sfa_quoting_discount(int *out, const struct sfa_quoting *q, const char *schedule, const char *family,
			 long long qty)
{
	const json_t *list, *e;
	size_t i;

	*out = 0;
	if (!schedule)
		return 0;
	if (!(list = json_object_get(json_object_get(q->cfg, "discounts"), schedule)))
		return sfa_error_set(SFA_ENOTFOUND, "no discount schedule '%s' in config/quoting.json", schedule);
	json_array_foreach(list, i, e) {
		const char *fam = sfa_record_text(e, "family");
		const json_t *min = json_object_get(e, "min_qty");
		if (fam && (!family || strcmp(fam, family)))
			continue;
		if (min && qty < json_integer_value(min))
			continue;
		return percent_of(out, json_object_get(e, "percent"));
	}
	return 0;
}

const char *sfa_quoting_approval_role(const struct sfa_quoting *q, int line_discount, int total_discount)
{
	const char *role = NULL;

	for (size_t i = 0; i < q->napproval; i++) {
		const struct sfa_approval_rule *a = &q->approval[i];
		if (!((a->line_over >= 0 && line_discount > a->line_over) ||
		      (a->total_over >= 0 && total_discount > a->total_over)))
			continue;
		if (sfa_quoting_role_rank(a->role) > sfa_quoting_role_rank(role))
			role = a->role;
	}
	return role;
}

int sfa_quoting_may_approve(const char *role, const char *needed)
{
	int have = sfa_quoting_role_rank(role);

	if (!needed)
		return 1;
	return have >= 0 && have >= sfa_quoting_role_rank(needed);
}

/* The quantity of `sku` on the lines (under bundle line `bundle` when that is not 0); -1 when none is. */
static __int128 qty_of(const struct sfa_quoting_line *lines, size_t n, const char *sku, int bundle)
{
	__int128 sum = 0;
	int seen = 0;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(lines[i].sku, sku) && (!bundle || lines[i].bundle == bundle)) {
			sum += lines[i].qty;
			seen = 1;
		}
	return seen ? sum : -1;
}

static const struct sfa_quoting_line *line_no(const struct sfa_quoting_line *lines, size_t n, int no)
{
	for (size_t i = 0; i < n; i++)
		if (lines[i].line == no)
			return &lines[i];
	return NULL;
}

/* The component `sku` of bundle definition `def`, or NULL. */
static const json_t *component(const json_t *def, const char *sku)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(def, "components"), i, c)
		if (!strcmp(sfa_record_text(c, "sku"), sku))
			return c;
	return NULL;
}

static int check_bundles(const json_t *bundles, const struct sfa_quoting_line *lines, size_t n)
{
	const json_t *def, *c;
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct sfa_quoting_line *l = &lines[i], *parent;
		if (l->line < 1)
			return sfa_error_set(SFA_EINPUT, "line %d: lines are numbered from 1", l->line);
		for (j = 0; j < i; j++)
			if (lines[j].line == l->line)
				return sfa_error_set(SFA_EINPUT, "line %d: two lines with that number", l->line);
		if (!l->bundle)
			continue;
		if (!(parent = line_no(lines, n, l->bundle)))
			return sfa_error_set(SFA_EINPUT, "line %d: bundle line %d is not on the quote", l->line,
					     l->bundle);
		if (!(def = json_object_get(bundles, parent->sku)))
			return sfa_error_set(SFA_EINPUT, "line %d: line %d ('%s') is not a bundle", l->line,
					     parent->line, parent->sku);
		if (!component(def, l->sku))
			return sfa_error_set(SFA_EINPUT, "line %d: '%s' is not a component of bundle '%s' (line %d)",
					     l->line, l->sku, parent->sku, parent->line);
	}
	for (i = 0; i < n; i++) {
		if (!(def = json_object_get(bundles, lines[i].sku)))
			continue;
		json_array_foreach(json_object_get(def, "components"), j, c) {
			const json_t *qty = json_object_get(c, "qty");
			const char *sku = sfa_record_text(c, "sku");
			__int128 need = (__int128)(qty ? json_integer_value(qty) : 1) * lines[i].qty;
			__int128 have = qty_of(lines, n, sku, lines[i].line);
			if (json_is_true(json_object_get(c, "optional")) || have >= need)
				continue;
			return sfa_error_set(SFA_EINPUT, "bundle '%s' (line %d): needs %lld '%s' under it, has %lld",
					     lines[i].sku, lines[i].line, (long long)need, sku,
					     have < 0 ? 0LL : (long long)have);
		}
	}
	return 0;
}

int sfa_quoting_check_lines(const struct sfa_quoting *q, const struct sfa_quoting_line *lines, size_t n)
{
	const json_t *rules = json_object_get(q->cfg, "rules"), *r, *s;
	size_t i, j;
	int err;

	if ((err = check_bundles(json_object_get(q->cfg, "bundles"), lines, n)) < 0)
		return err;
	json_array_foreach(rules, i, r) {
		const char *sku = sfa_record_text(r, "sku");
		const json_t *min = json_object_get(r, "min_qty"), *max = json_object_get(r, "max_qty");
		__int128 qty = qty_of(lines, n, sku, 0);
		if (qty < 0)
			continue;
		json_array_foreach(json_object_get(r, "requires"), j, s)
			if (qty_of(lines, n, json_string_value(s), 0) < 0)
				return sfa_error_set(SFA_EINPUT, "rule %zu: '%s' requires '%s'", i + 1, sku,
						     json_string_value(s));
		json_array_foreach(json_object_get(r, "excludes"), j, s)
			if (qty_of(lines, n, json_string_value(s), 0) >= 0)
				return sfa_error_set(SFA_EINPUT, "rule %zu: '%s' excludes '%s'", i + 1, sku,
						     json_string_value(s));
		if (min && qty < json_integer_value(min))
			return sfa_error_set(SFA_EINPUT, "rule %zu: '%s' qty %lld is below the minimum %lld", i + 1,
					     sku, (long long)qty, (long long)json_integer_value(min));
		if (max && qty > json_integer_value(max))
			return sfa_error_set(SFA_EINPUT, "rule %zu: '%s' qty %lld is over the maximum %lld", i + 1,
					     sku, (long long)qty, (long long)json_integer_value(max));
	}
	return 0;
}
