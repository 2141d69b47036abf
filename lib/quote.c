/* Products, quotes and orders: the rules every write of them keeps. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/money.h"
#include "sfa/pipeline.h"
#include "sfa/price.h"
#include "sfa/quote.h"
#include "sfa/quoting.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "sfa/template.h"
#include "sfa/banned.h"

/* --- small helpers --------------------------------------------------------------- */

static int text_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void today(char out[11], time_t now)
{
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A whole number from JSON or from text (CSV gives text); -1 when it is neither. */
static long long whole(const json_t *v)
{
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (!(s = json_string_value(v)))
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : n;
}

/* "1200.50" in the currency's minor units. */
static json_t *decimal_json(long long minor, int exponent)
{
	struct sfa_buf b = SFA_BUF_INIT;
	json_t *v;
	sfa_money_decimal(&b, minor, exponent, 0);
	v = json_string(b.buf);
	sfa_buf_release(&b);
	return v;
}

/* "1200.50 EUR", the money fields of records. */
static json_t *money_json(long long minor, const char *currency)
{
	struct sfa_money m = { minor, "", sfa_money_exponent(currency) };
	struct sfa_buf b = SFA_BUF_INIT;
	json_t *v;
	snprintf(m.currency, sizeof(m.currency), "%s", currency);
	sfa_money_format(&b, &m);
	v = json_string(b.buf);
	sfa_buf_release(&b);
	return v;
}

static json_t *percent_json(int bp)
{
	struct sfa_buf b = SFA_BUF_INIT;
	json_t *v;
	sfa_percent_format(&b, bp);
	v = json_string(b.buf);
	sfa_buf_release(&b);
	return v;
}

/* The product with this sku, or SFA_EINPUT naming it. New reference. */
static int product_by_sku(struct sfa_store *s, const char *sku, json_t **out)
{
	char id[SFA_ID_LEN + 1];
	int err = sfa_index_by_external(sfa_store_index(s), &sfa_type_product, sku, id);
	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_EINPUT, "no product with sku '%s'", sku);
	if (err < 0)
		return err;
	return sfa_index_get(sfa_store_index(s), &sfa_type_product, id, out);
}

static int in_list(const char *const *list, const char *k)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], k))
			return 1;
	return 0;
}

/* The first of `fields` (NULL-ended) whose value differs between `old` and `rec`, or NULL. */
static const char *first_changed(const json_t *old, const json_t *rec, const char *const *fields)
{
	for (size_t i = 0; fields[i]; i++)
		if (!json_equal(json_object_get(old, fields[i]) ?: json_null(), json_object_get(rec, fields[i]) ?: json_null()))
			return fields[i];
	return NULL;
}

/* The role of user `who` in config/users.json, or NULL (borrowed from `users`). */
static const char *user_role(const json_t *users, const char *who)
{
	return sfa_record_text(json_object_get(users, who), "role");
}

/* --- products ---------------------------------------------------------------------- */

static const char *const price_keys[] = { "book", "currency", "price", "min_qty", "valid_from", "valid_until",
					  NULL };

static int check_date(const json_t *v, const char *what, size_t entry)
{
	const char *d = json_string_value(v);
	struct tm tm = { 0 };
	const char *end;
	if (!v || json_is_null(v))
		return 0;
	if (!d || !(end = strptime(d, "%Y-%m-%d", &tm)) || *end || strlen(d) != 10)
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: %s: expected a date like 2026-12-31",
				     entry, what);
	return 0;
}

/* One entry of a product's price list, checked and written the one way it is kept. */
static int price_entry(const struct sfa_pricebooks *pb, json_t *e, size_t n)
{
	const struct sfa_pricebook *b;
	const char *k, *cur = json_string_value(json_object_get(e, "currency"));
	const char *book = json_string_value(json_object_get(e, "book"));
	json_t *v;
	struct sfa_money m;
	long long q;
	int err;

	json_object_foreach(e, k, v)
		if (!in_list(price_keys, k))
			return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: unknown key '%s' (known: book, "
					     "currency, price, min_qty, valid_from, valid_until)", n, k);
	if (!book || !(b = sfa_pricebooks_find(pb, book)))
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: no price book '%s' in "
				     "config/pricebooks.json", n, book ? book : "");
	if (!cur && b->currency)
		json_object_set_new(e, "currency", json_string(cur = b->currency));
	if (!cur || !sfa_money_currency_known(cur))
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: currency: '%s' is not an ISO 4217 "
				     "currency code", n, cur ? cur : "");
	if (b->currency && strcmp(b->currency, cur))
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: book '%s' holds %s prices, not %s", n,
				     b->name, b->currency, cur);
	v = json_object_get(e, "price");
	if (json_is_number(v)) {
		err = sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: price: write it as text, \"12.50\"", n);
		return err;
	}
	if ((err = sfa_money_parse(&m, json_string_value(v) ?: "", cur)) < 0)
		return sfa_error_prefix(err, "field 'prices': entry %zu: price: ", n);
	if (strcmp(m.currency, cur))
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: price in %s, the entry is in %s", n,
				     m.currency, cur);
	if (m.minor < 0)
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: price: negative", n);
	json_object_set_new(e, "price", decimal_json(m.minor, m.exponent));
	v = json_object_get(e, "min_qty");
	q = v && !json_is_null(v) ? whole(v) : 1;
	if (q < 1)
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: min_qty: expected a whole number of 1 "
				     "or more", n);
	json_object_set_new(e, "min_qty", json_integer(q));
	if ((err = check_date(json_object_get(e, "valid_from"), "valid_from", n)) < 0 ||
	    (err = check_date(json_object_get(e, "valid_until"), "valid_until", n)) < 0)
		return err;
	if (json_is_null(json_object_get(e, "valid_from")))
		json_object_del(e, "valid_from");
	if (json_is_null(json_object_get(e, "valid_until")))
		json_object_del(e, "valid_until");
	if (json_string_value(json_object_get(e, "valid_from")) && json_string_value(json_object_get(e, "valid_until")) &&
	    strcmp(json_string_value(json_object_get(e, "valid_from")),
		   json_string_value(json_object_get(e, "valid_until"))) > 0)
		return sfa_error_set(SFA_EINPUT, "field 'prices': entry %zu: valid_until is before valid_from", n);
	return 0;
}

/* Entries that a new one replaces: the same book, currency, band and start. */
static int same_band(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "book", "currency", "valid_from", NULL };
	for (size_t i = 0; keys[i]; i++)
		if (!text_eq(sfa_record_text(a, keys[i]), sfa_record_text(b, keys[i])))
			return 0;
	return json_integer_value(json_object_get(a, "min_qty")) == json_integer_value(json_object_get(b, "min_qty"));
}

static int cmp_entry(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	static const char *const keys[] = { "book", "currency", NULL };
	long long qa, qb;
	int c;
	for (size_t i = 0; keys[i]; i++)
		if ((c = strcmp(sfa_record_text(a, keys[i]) ?: "", sfa_record_text(b, keys[i]) ?: "")))
			return c;
	qa = json_integer_value(json_object_get(a, "min_qty"));
	qb = json_integer_value(json_object_get(b, "min_qty"));
	if (qa != qb)
		return qa < qb ? -1 : 1;
	return strcmp(sfa_record_text(a, "valid_from") ?: "", sfa_record_text(b, "valid_from") ?: "");
}

/* The flat price fields an import row or `set` may carry, as one entry of the list. */
static const char *const flat_price[] = { "price", "price_book", "min_qty", "valid_from", "valid_until", NULL };

static int take_flat_price(const struct sfa_pricebooks *pb, json_t *rec, json_t **entry)
{
	const char *price = sfa_record_text(rec, "price"), *cur = sfa_record_text(rec, "currency");
	struct sfa_money m;
	int err;

	*entry = NULL;
	if (!json_object_get(rec, "price") || json_is_null(json_object_get(rec, "price"))) {
		for (size_t i = 0; flat_price[i]; i++)
			if (json_object_get(rec, flat_price[i]) && !json_is_null(json_object_get(rec, flat_price[i])))
				return sfa_error_set(SFA_EINPUT, "field '%s': only with a price", flat_price[i]);
		return 0;
	}
	if (!price)
		return sfa_error_set(SFA_EINPUT, "field 'price': write it as text, \"12.50 EUR\"");
	if ((err = sfa_money_parse(&m, price, cur)) < 0)
		return sfa_error_prefix(err, "field 'price': ");
	*entry = json_object();
	json_object_set_new(*entry, "book",
			    json_string(sfa_record_text(rec, "price_book") ?: pb->def ? pb->def->name : "standard"));
	json_object_set_new(*entry, "currency", json_string(m.currency));
	json_object_set_new(*entry, "price", decimal_json(m.minor, m.exponent));
	for (size_t i = 2; flat_price[i]; i++)
		if (json_object_get(rec, flat_price[i]) && !json_is_null(json_object_get(rec, flat_price[i])))
			json_object_set(*entry, flat_price[i], json_object_get(rec, flat_price[i]));
	for (size_t i = 0; flat_price[i]; i++)
		json_object_del(rec, flat_price[i]);
	json_object_del(rec, "currency");
	return 0;
}

int sfa_product_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec)
{
	const struct sfa_pricebooks *pb;
	const char *sku = sfa_record_text(rec, "sku"), *ext = sfa_record_text(rec, "external_id");
	const char *id = sfa_record_text(rec, "id");
	char other[SFA_ID_LEN + 1];
	json_t *prices, *add = NULL, *list;
	size_t n, i;
	int err;

	if ((err = sfa_store_quoting(s, NULL, &pb)) < 0)
		return err;
	if (!sku)
		return sfa_error_set(SFA_EINPUT, "field 'sku': required for a product");
	for (const unsigned char *p = (const unsigned char *)sku; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return sfa_error_set(SFA_EINPUT, "field 'sku': '%s': no blanks or control characters", sku);
	if (strlen(sku) > 64)
		return sfa_error_set(SFA_EINPUT, "field 'sku': longer than 64 bytes");
	/* the sku is the product's external id: an old one may only follow a changed sku */
	if (ext && strcmp(ext, sku) && !(old && text_eq(ext, sfa_record_text(old, "external_id"))))
		return sfa_error_set(SFA_EINPUT, "field 'external_id': a product's external id is its sku ('%s')", sku);
	json_object_set_new(rec, "external_id", json_string(sku));
	err = sfa_index_by_external(sfa_store_index(s), &sfa_type_product, sku, other);
	if (err == 0 && id && strcmp(other, id))
		return sfa_error_set(SFA_EINPUT, "field 'sku': '%s' is product %s already", sku, other);
	if (err < 0 && err != SFA_ENOTFOUND)
		return err;

	if ((err = take_flat_price(pb, rec, &add)) < 0)
		return err;
	prices = json_object_get(rec, "prices");
	if (prices && !json_is_null(prices) && !json_is_array(prices))
		return sfa_error_set(SFA_EINPUT, "field 'prices': expected a list of prices");
	list = json_array();
	for (i = 0; i < json_array_size(prices); i++)
		json_array_append_new(list, json_deep_copy(json_array_get(prices, i)));
	if (add)
		json_array_append_new(list, add);
	n = json_array_size(list);
	for (i = 0; i < n; i++)
		if ((err = price_entry(pb, json_array_get(list, i), i + 1)) < 0)
			goto done;
	/* a new price for a band replaces the old one (the last given wins) */
	for (i = n; i-- > 0;)
		for (size_t j = 0; j < i; j++)
			if (same_band(json_array_get(list, j), json_array_get(list, i))) {
				json_array_remove(list, j);
				i--;
				j--;
			}
	n = json_array_size(list);
	if (n) {
		json_t **v = sfa_xmalloc(n * sizeof(*v));
		for (i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(list, i));
		qsort(v, n, sizeof(*v), cmp_entry);
		json_array_clear(list);
		for (i = 0; i < n; i++)
			json_array_append_new(list, v[i]);
		free(v);
		json_object_set(rec, "prices", list);
	} else {
		json_object_del(rec, "prices");
	}
done:
	json_decref(list);
	(void)txn;
	return err;
}

/* --- quotes: pricing ----------------------------------------------------------------- */

/* What a rep gives a line; the rest of it is made when it is priced. */
static const char *const line_input[] = { "sku", "qty", "discount", "bundle", "optional", NULL };
static const char *const line_made[] = { "line", "name", "unit", "list_price", "amount", "tax_class", "tax_rate",
					 "discount_from", NULL };

/* The fields whose change re-prices a quote; a sent quote keeps them as the customer saw them. */
static const char *const content[] = { "lines", "discount", "currency", "price_book", "price_date", "account",
				       "valid_until", "terms", "notes", "contact", "opportunity", "language", NULL };

struct pricing {
	struct sfa_store *s;
	const struct sfa_quoting *q;
	const struct sfa_pricebooks *pb;
	json_t *rec;
	const char *role;	/* out: the approval it needs, or NULL */
};

json_t *sfa_quote_lines(const json_t *quote)
{
	json_t *out = json_array(), *l;
	size_t i;

	json_array_foreach(json_object_get(quote, "lines"), i, l) {
		json_t *o = json_object();
		for (size_t k = 0; line_input[k]; k++)
			if (json_object_get(l, line_input[k]))
				json_object_set(o, line_input[k], json_object_get(l, line_input[k]));
		/* a discount the customer's schedule gave is given again by it */
		if (json_object_get(l, "discount_from"))
			json_object_del(o, "discount");
		json_array_append_new(out, o);
	}
	return out;
}

/* Prices every line of the quote and writes its totals and taxes. */
static int price_quote(struct pricing *P)
{
	json_t *rec = P->rec, *in = json_object_get(rec, "lines"), *out = NULL, *account = NULL, *products = NULL;
	const char *cur = sfa_record_text(rec, "currency"), *date = sfa_record_text(rec, "price_date");
	const char *schedule = NULL, *region;
	const struct sfa_pricebook *book;
	struct sfa_price_source *chain = NULL;
	struct sfa_price_line *pl = NULL;
	struct sfa_quoting_line *ql = NULL;
	struct sfa_price_totals t = SFA_PRICE_TOTALS_INIT;
	struct sfa_price_opts opts = SFA_PRICE_OPTS_INIT;
	size_t n = json_array_size(in), nchain;
	int exponent = sfa_money_exponent(cur), maxline = 0, err = 0;

	if (in && !json_is_null(in) && !json_is_array(in))
		return sfa_error_set(SFA_EINPUT, "field 'lines': expected a list of lines");
	if (!(book = sfa_pricebooks_find(P->pb, sfa_record_text(rec, "price_book"))))
		return sfa_error_prefix(SFA_EINPUT, "field 'price_book': ");
	if (book->currency && strcmp(book->currency, cur))
		return sfa_error_set(SFA_EINPUT, "field 'currency': price book '%s' holds %s prices, not %s",
				     book->name, book->currency, cur);
	if (sfa_record_text(rec, "discount") &&
	    (err = sfa_percent_parse(&opts.discount, sfa_record_text(rec, "discount"), "discount")) < 0)
		return sfa_error_prefix(err, "field 'discount': ");
	opts.rounding = P->q->rounding;
	opts.per = P->q->per;
	if (sfa_record_text(rec, "account") &&
	    (err = sfa_index_get(sfa_store_index(P->s), &sfa_type_account, sfa_record_text(rec, "account"),
				 &account)) < 0)
		return err;
	schedule = sfa_record_text(account, "discount_schedule");
	region = sfa_quoting_tax_region(P->q, sfa_record_text(account, "country"));
	nchain = sfa_pricebook_chain(&chain, book);
	pl = sfa_xcalloc(n + 1, sizeof(*pl));
	ql = sfa_xcalloc(n + 1, sizeof(*ql));
	out = json_array();
	products = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *l = json_array_get(in, i), *p = NULL, *nl;
		const char *sku = sfa_record_text(l, "sku"), *k, *given;
		struct sfa_price pr;
		struct sfa_price_query pq = { sku, chain, nchain, cur, 0, date };
		long long qty, bundle;
		json_t *v;
		if (!json_is_object(l)) {
			err = sfa_error_set(SFA_EINPUT, "line %zu: not a line", i + 1);
			goto done;
		}
		json_object_foreach(l, k, v)
			if (!in_list(line_input, k) && !in_list(line_made, k)) {
				err = sfa_error_set(SFA_EINPUT, "line %zu: unknown key '%s'", i + 1, k);
				goto done;
			}
		if (!sku) {
			err = sfa_error_set(SFA_EINPUT, "line %zu: no sku", i + 1);
			goto done;
		}
		if ((err = product_by_sku(P->s, sku, &p)) < 0) {
			err = sfa_error_prefix(err, "line %zu: ", i + 1);
			goto done;
		}
		json_array_append_new(products, p);
		if (json_is_false(json_object_get(p, "active"))) {
			err = sfa_error_set(SFA_EINPUT, "line %zu: product '%s' is inactive", i + 1, sku);
			goto done;
		}
		qty = whole(json_object_get(l, "qty"));
		if (qty < 1) {
			v = json_object_get(l, "qty");
			err = sfa_error_set(SFA_EINPUT, "line %zu: qty of '%s': expected a whole number of 1 or more%s",
					    i + 1, sku, json_is_integer(v) || (json_string_value(v) && *json_string_value(v) == '-') ?
					    ", not zero or less" : "");
			goto done;
		}
		pq.qty = qty;
		bundle = json_object_get(l, "bundle") ? whole(json_object_get(l, "bundle")) : 0;
		if (bundle < 0 || bundle > (long long)i) {
			err = sfa_error_set(SFA_EINPUT, "line %zu: bundle: expected the number of a line above it", i + 1);
			goto done;
		}
		nl = json_object();
		json_object_set_new(nl, "line", json_integer((json_int_t)i + 1));
		json_object_set_new(nl, "sku", json_string(sku));
		json_object_set(nl, "name", json_object_get(p, "name"));
		json_object_set(nl, "unit", json_object_get(p, "unit"));
		json_object_set_new(nl, "qty", json_integer(qty));
		json_array_append_new(out, nl);
		if (bundle)
			json_object_set_new(nl, "bundle", json_integer(bundle));
		if (json_is_true(json_object_get(l, "optional")) ||
		    !strcmp(sfa_record_text(l, "optional") ?: "", "true"))
			json_object_set_new(nl, "optional", json_true());
		/* the rep's discount, else the customer's schedule */
		given = sfa_record_text(l, "discount");
		if (json_is_number(json_object_get(l, "discount"))) {
			err = sfa_error_set(SFA_EINPUT, "line %zu: discount: write it as text, \"10\"", i + 1);
			goto done;
		}
		if (given && !sfa_record_text(l, "discount_from")) {
			if ((err = sfa_percent_parse(&pl[i].discount, given, "discount")) < 0) {
				err = sfa_error_prefix(err, "line %zu: ", i + 1);
				goto done;
			}
		} else if (schedule) {
			err = sfa_quoting_discount(&pl[i].discount, P->q, schedule, sfa_record_text(p, "family"), qty);
			if (err < 0) {
				err = sfa_error_prefix(SFA_EINPUT, "account: discount_schedule: ");
				goto done;
			}
			if (pl[i].discount)
				json_object_set_new(nl, "discount_from", json_string(schedule));
		}
		/* a discount the rep gave is kept even when 0: the schedule must not come back */
		if (pl[i].discount || (given && !sfa_record_text(l, "discount_from")))
			json_object_set_new(nl, "discount", percent_json(pl[i].discount));
		if (pl[i].discount > maxline)
			maxline = pl[i].discount;
		if ((err = sfa_price_pick(&pr, json_object_get(p, "prices"), &pq)) < 0) {
			err = sfa_error_prefix(SFA_EINPUT, "line %zu: ", i + 1);
			goto done;
		}
		pl[i].unit = pr.unit;
		pl[i].qty = pr.tiers == SFA_TIERS_GRADUATED ? 0 : qty;
		pl[i].gross = pr.gross;
		json_object_set_new(nl, "list_price", decimal_json(pr.unit, exponent));
		json_object_set_new(nl, "tax_class", json_string(sfa_record_text(p, "tax_class") ?: "standard"));
		if (!region) {
			err = sfa_error_set(SFA_EINPUT, "no tax region: config/quoting.json has no tax.default_region "
					    "and no region for the account's country");
			goto done;
		}
		if ((err = sfa_quoting_tax_rate(&pl[i].tax_rate, P->q, region, sfa_record_text(p, "tax_class"))) < 0) {
			err = sfa_error_prefix(SFA_EINPUT, "line %zu: ", i + 1);
			goto done;
		}
		json_object_set_new(nl, "tax_rate", percent_json(pl[i].tax_rate));
		ql[i] = (struct sfa_quoting_line){ (int)i + 1, sfa_record_text(p, "sku"), qty, (int)bundle };
	}
	if ((err = sfa_quoting_check_lines(P->q, ql, n)) < 0 || (err = sfa_price_compute(&t, pl, n, &opts)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		json_object_set_new(json_array_get(out, i), "amount", decimal_json(t.lines[i].amount, exponent));
	if (n)
		json_object_set(rec, "lines", out);
	else
		json_object_del(rec, "lines");
	json_object_set_new(rec, "subtotal", money_json(t.subtotal, cur));
	json_object_set_new(rec, "discount_total", money_json(t.discount_total, cur));
	json_object_set_new(rec, "tax_total", money_json(t.tax_total, cur));
	json_object_set_new(rec, "total", money_json(t.total, cur));
	if (t.ntaxes) {
		json_t *taxes = json_array();
		for (size_t i = 0; i < t.ntaxes; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "rate", percent_json(t.taxes[i].rate));
			json_object_set_new(e, "base", decimal_json(t.taxes[i].base, exponent));
			json_object_set_new(e, "tax", decimal_json(t.taxes[i].tax, exponent));
			json_array_append_new(taxes, e);
		}
		json_object_set_new(rec, "taxes", taxes);
	} else {
		json_object_del(rec, "taxes");
	}
	if (opts.discount)
		json_object_set_new(rec, "discount", percent_json(opts.discount));
	P->role = sfa_quoting_approval_role(P->q, maxline, t.discount);
done:
	sfa_price_totals_release(&t);
	free(chain);
	free(pl);
	free(ql);
	json_decref(out);
	json_decref(products);
	json_decref(account);
	return err;
}

/* --- quotes: the rules of every write -------------------------------------------------- */

/* Statuses in which the customer has the quote: its content stays as they saw it. */
static int frozen(const char *status)
{
	return status && (!strcmp(status, "sent") || !strcmp(status, "accepted") || !strcmp(status, "declined") ||
			  !strcmp(status, "superseded"));
}

/* The quotes of `opportunity` marked primary, other than `id`: unmarked. */
struct unmark {
	struct sfa_store *s;
	struct sfa_txn *txn;
	const char *id;
	int err;
};

static int unmark_one(const json_t *q, void *data)
{
	struct unmark *u = data;
	const char *id = sfa_record_text(q, "id");
	json_t *changes;
	if (!strcmp(id, u->id) || !json_is_true(json_object_get(q, "primary")))
		return 0;
	changes = json_pack("{sb}", "primary", 0);
	u->err = sfa_update_txn(u->s, u->txn, &sfa_type_quote, id, changes, NULL, 0, NULL);
	json_decref(changes);
	return u->err;
}

static int quotes_of(struct sfa_store *s, const char *opportunity, int (*fn)(const json_t *, void *), void *data)
{
	struct sfa_buf value = SFA_BUF_INIT;
	char *values[1];
	struct sfa_cond c = { "opportunity", SFA_OP_EQ, SFA_CMP_TEXT, values, 1, 0 };
	struct sfa_query q = { 0 };
	long n;

	sfa_buf_addf(&value, "\"%s\"", opportunity);
	values[0] = value.buf;
	q.type = &sfa_type_quote;
	q.conds = &c;
	q.nconds = 1;
	q.limit = -1;
	n = sfa_index_list(sfa_store_index(s), &q, fn, data);
	sfa_buf_release(&value);
	return n < 0 ? (int)n : 0;
}

static int count_primary(const json_t *q, void *data)
{
	*(int *)data += json_is_true(json_object_get(q, "primary"));
	return 0;
}

/*
 * The price book of a new quote that names none: the first book for the
 * customer's segment, else for its country, else for the quote's
 * currency (or the deal's), else the default book. A book that fixes a currency other
 * than the one the quote asks for is passed over.
 */
static int choose_book(struct sfa_store *s, const struct sfa_pricebooks *pb, json_t *rec, const char *deal_cur)
{
	const char *cur = sfa_record_text(rec, "currency"), *acc_id = sfa_record_text(rec, "account");
	const struct sfa_pricebook *pick = NULL;
	json_t *acc = NULL;
	int err = 0;

	if (acc_id && (err = sfa_index_get(sfa_store_index(s), &sfa_type_account, acc_id, &acc)) < 0)
		return err;
	for (int pass = 0; pass < 3 && !pick; pass++)
		for (size_t i = 0; i < pb->n && !pick; i++) {
			const struct sfa_pricebook *b = &pb->books[i];
			const char *want = pass == 0 ? sfa_record_text(acc, "segment") :
					   pass == 1 ? sfa_record_text(acc, "country") : cur ? cur : deal_cur;
			const char *has = pass == 0 ? b->segment : pass == 1 ? b->region : b->currency;
			if (want && has && !strcasecmp(want, has) && (!cur || !b->currency || !strcmp(cur, b->currency)))
				pick = b;
		}
	if (!pick)
		pick = sfa_pricebooks_find(pb, NULL);
	json_object_set_new(rec, "price_book", json_string(pick->name));
	json_decref(acc);
	return 0;
}

/* A new quote: what it is about, its number and version, its currency, book and dates. */
static int fill_new(struct sfa_store *s, const struct sfa_quoting *q, const struct sfa_pricebooks *pb, json_t *rec,
		    time_t now)
{
	const char *opp_id = sfa_record_text(rec, "opportunity"), *revises = sfa_record_text(rec, "revises");
	const char *id = sfa_record_text(rec, "id");
	json_t *opp = NULL, *prev = NULL;
	const char *deal_cur;
	struct sfa_money m;
	char day[11], number[32];
	int err, primaries = 0;

	if (!opp_id)
		return sfa_error_set(SFA_EINPUT, "field 'opportunity': required for a quote");
	if ((err = sfa_index_get(sfa_store_index(s), &sfa_type_opportunity, opp_id, &opp)) < 0)
		return err;
	if (revises) {
		if ((err = sfa_index_get(sfa_store_index(s), &sfa_type_quote, revises, &prev)) < 0)
			goto done;
		json_object_set_new(rec, "version",
				    json_integer(json_integer_value(json_object_get(prev, "version")) + 1));
		json_object_set(rec, "number", json_object_get(prev, "number"));
	} else {
		json_object_set_new(rec, "version", json_integer(1));
		today(day, now);
		snprintf(number, sizeof(number), "Q-%.4s-%.6s", sfa_record_text(rec, "created_at") ?: day, id ? id : "");
		for (char *p = number; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		json_object_set_new(rec, "number", json_string(number));
	}
	if (!sfa_record_text(rec, "account") && sfa_record_text(opp, "account"))
		json_object_set(rec, "account", json_object_get(opp, "account"));
	if (!sfa_record_text(rec, "owner") && sfa_record_text(opp, "owner"))
		json_object_set(rec, "owner", json_object_get(opp, "owner"));
	deal_cur = sfa_record_text(opp, "currency");
	if (!deal_cur && sfa_record_text(opp, "amount") && sfa_money_parse(&m, sfa_record_text(opp, "amount"), NULL) == 0)
		deal_cur = m.currency;
	if (!sfa_record_text(rec, "price_book") && (err = choose_book(s, pb, rec, deal_cur)) < 0)
		goto done;
	if (!sfa_record_text(rec, "currency")) {
		const struct sfa_pricebook *b = sfa_pricebooks_find(pb, sfa_record_text(rec, "price_book"));
		const char *c = b && b->currency ? b->currency : deal_cur;
		if (!c) {
			err = sfa_error_set(SFA_EINPUT, "field 'currency': the deal has none; give the quote one");
			goto done;
		}
		json_object_set_new(rec, "currency", json_string(c));
	}
	if (!sfa_money_currency_known(sfa_record_text(rec, "currency"))) {
		err = sfa_error_set(SFA_EINPUT, "field 'currency': '%s' is not an ISO 4217 currency code",
				    sfa_record_text(rec, "currency"));
		goto done;
	}
	today(day, now);
	if (!sfa_record_text(rec, "price_date"))
		json_object_set_new(rec, "price_date", json_string(day));
	if (!sfa_record_text(rec, "valid_until")) {
		time_t until = now + (time_t)q->validity_days * 86400;
		today(day, until);
		json_object_set_new(rec, "valid_until", json_string(day));
	}
	if (!sfa_record_text(rec, "terms") && q->terms)
		json_object_set_new(rec, "terms", json_string(q->terms));
	/* the first quote of a deal is its primary one */
	if (!revises && !json_is_true(json_object_get(rec, "primary"))) {
		if ((err = quotes_of(s, opp_id, count_primary, &primaries)) < 0)
			goto done;
		json_object_set_new(rec, "primary", json_boolean(!primaries));
	}
	if (prev)
		json_object_set(rec, "primary", json_object_get(prev, "primary"));
done:
	json_decref(opp);
	json_decref(prev);
	return err;
}

/* Who may approve or reject: the role the quote needs, not its owner unless allowed. */
static int may_decide(struct sfa_store *s, const struct sfa_quoting *q, const json_t *rec, const char *verb)
{
	const char *needed = sfa_record_text(rec, "approval_role"), *role;
	struct sfa_buf me = SFA_BUF_INIT;
	json_t *users = NULL;
	int err = sfa_config_read(s, "config/users.json", &users, NULL);

	if (err == SFA_ENOTFOUND)
		err = sfa_error_set(SFA_EINPUT, "no config/users.json: nobody has the role '%s' to %s it", needed, verb);
	if (err < 0)
		goto done;
	sfa_store_me(s, &me);
	role = user_role(users, me.buf);
	if (!sfa_quoting_may_approve(role, needed)) {
		err = sfa_error_set(SFA_EINPUT, "'%s' (%s) may not %s it: it needs a %s", me.buf, role ? role : "no role",
				    verb, needed);
		goto done;
	}
	if (!q->self_approve && text_eq(me.buf, sfa_record_text(rec, "owner"))) {
		err = sfa_error_set(SFA_EINPUT, "'%s' owns the quote and may not %s it (approval.self_approve is "
				    "false): it needs another %s", me.buf, verb, needed);
		goto done;
	}
	json_object_set_new((json_t *)rec, !strcmp(verb, "approve") ? "approved_by" : "rejected_by", json_string(me.buf));
done:
	sfa_buf_release(&me);
	json_decref(users);
	return err;
}

/* The quote accepted: its order, the deal won with the quote's total. */
static int accept(struct sfa_store *s, struct sfa_txn *txn, json_t *rec, const char *now_iso)
{
	const char *opp_id = sfa_record_text(rec, "opportunity"), *cur = sfa_record_text(rec, "currency");
	static const char *const copied[] = { "opportunity", "account", "owner", "currency", "lines", "taxes",
					      "subtotal", "discount_total", "tax_total", "total", "expected_ship",
					      NULL };
	const struct sfa_pipelines *ps;
	const struct sfa_pipeline *p;
	const struct sfa_stage *st;
	json_t *order = json_object(), *opp = NULL, *changes = json_object();
	char id[SFA_ID_LEN + 1];
	struct sfa_buf number = SFA_BUF_INIT;
	int err;

	for (size_t i = 0; copied[i]; i++)
		if (json_object_get(rec, copied[i]))
			json_object_set(order, copied[i], json_object_get(rec, copied[i]));
	json_object_del(rec, "expected_ship");
	sfa_buf_addf(&number, "O-%s", sfa_record_text(rec, "number") + 2);
	json_object_set_new(order, "number", json_string(number.buf));
	json_object_set(order, "quote", json_object_get(rec, "id"));
	json_object_set_new(order, "status", json_string("confirmed"));
	json_object_set_new(order, "ordered_at", json_string(now_iso));
	if ((err = sfa_add_txn(s, txn, &sfa_type_order, order, NULL, id)) < 0)
		goto done;
	json_object_set_new(rec, "order", json_string(id));
	json_object_set_new(rec, "accepted_at", json_string(now_iso));
	json_object_set_new(rec, "primary", json_true());
	/* the deal is won at the accepted total, through its pipeline's rules */
	if ((err = sfa_store_pipelines(s, &ps)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), &sfa_type_opportunity, opp_id, &opp)) < 0)
		goto done;
	if (!(p = sfa_pipeline_find(ps, sfa_record_text(opp, "pipeline")))) {
		err = sfa_error_prefix(SFA_EINPUT, "opportunity %s: ", opp_id);
		goto done;
	}
	st = sfa_pipeline_stage(p, sfa_record_text(opp, "stage"));
	json_object_set(changes, "amount", json_object_get(rec, "total"));
	json_object_set_new(changes, "currency", json_string(cur));
	if (!st || !st->won)
		json_object_set_new(changes, "stage", json_string(sfa_pipeline_closing(p, 1)->name));
	if ((err = sfa_update_txn(s, txn, &sfa_type_opportunity, opp_id, changes, NULL, 0, NULL)) < 0)
		err = sfa_error_prefix(err, "opportunity %s: ", opp_id);
done:
	sfa_buf_release(&number);
	json_decref(order);
	json_decref(opp);
	json_decref(changes);
	return err;
}

/* The allowed moves of a quote's status, by hand or by a verb. */
static int status_move(const char *from, const char *to)
{
	static const char *const moves[][2] = {
		{ "pending-approval", "approved" }, { "pending-approval", "rejected" }, { "approved", "rejected" },
		{ "draft", "sent" }, { "approved", "sent" },
		{ "draft", "accepted" }, { "approved", "accepted" }, { "sent", "accepted" },
		{ "sent", "declined" }, { "draft", "declined" }, { "approved", "declined" },
		{ "draft", "superseded" }, { "pending-approval", "superseded" }, { "approved", "superseded" },
		{ "rejected", "superseded" }, { "sent", "superseded" }, { "declined", "superseded" },
	};
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		if (!strcmp(moves[i][0], from) && !strcmp(moves[i][1], to))
			return 1;
	return 0;
}

int sfa_quote_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec)
{
	const struct sfa_quoting *q;
	const struct sfa_pricebooks *pb;
	const char *was = old ? sfa_record_text(old, "status") ?: "draft" : NULL, *status, *k;
	struct pricing P = { s, NULL, NULL, rec, NULL };
	char now_iso[21];
	time_t now = sfa_now();
	int err, changed = !old, repriced = 0;

	sfa_time_iso(now_iso, now);
	if ((err = sfa_store_quoting(s, &q, &pb)) < 0)
		return err;
	P.q = q;
	P.pb = pb;
	if (!old && (err = fill_new(s, q, pb, rec, now)) < 0)
		return err;
	if (old && first_changed(old, rec, content))
		changed = 1;
	/* kept by sfa-quote: a change by hand would only be overwritten or lie */
	static const char *const kept[] = { "number", "version", "revises", "order", "approved_by", "approved_at",
					    "rejected_by", "sent_at", "accepted_at", "subtotal", "discount_total",
					    "tax_total", "total", "taxes", "approval_role", NULL };
	if (old && (k = first_changed(old, rec, kept)))
		return sfa_error_set(SFA_EINPUT, "field '%s': kept by sfa-quote, not set by hand", k);
	if (old && !strcmp(was, "accepted") && !json_equal(old, rec))
		return sfa_error_set(SFA_EINPUT, "quote %s version %lld is accepted: it cannot change",
				     sfa_record_text(old, "number"), (long long)json_integer_value(json_object_get(old, "version")));
	if (old && !strcmp(was, "superseded") && !json_equal(old, rec))
		return sfa_error_set(SFA_EINPUT, "quote %s version %lld is superseded by a later version: it cannot change",
				     sfa_record_text(old, "number"), (long long)json_integer_value(json_object_get(old, "version")));
	if (changed && old && frozen(was))
		return sfa_error_set(SFA_EINPUT, "quote %s version %lld is %s: the customer has it as it is; "
				     "`sfa-quote revise` makes a new version", sfa_record_text(old, "number"),
				     (long long)json_integer_value(json_object_get(old, "version")), was);

	status = sfa_record_text(rec, "status") ?: "draft";
	if (changed) {
		if ((err = price_quote(&P)) < 0)
			return err;
		repriced = 1;
		if (old && strcmp(status, was))
			return sfa_error_set(SFA_EINPUT, "field 'status': change the quote or its status, not both");
		if (P.role)
			json_object_set_new(rec, "approval_role", json_string(P.role));
		else
			json_object_del(rec, "approval_role");
		/* a change needs a new approval: what was approved is not this */
		status = P.role ? "pending-approval" : "draft";
		json_object_set_new(rec, "status", json_string(status));
		json_object_del(rec, "approved_by");
		json_object_del(rec, "approved_at");
		json_object_del(rec, "rejected_by");
		json_object_del(rec, "rejected_reason");
	} else if (strcmp(status, was)) {
		if (!status_move(was, status))
			return sfa_error_set(SFA_EINPUT, "field 'status': a quote that is %s cannot become %s", was, status);
		if (!strcmp(status, "approved") || !strcmp(status, "rejected")) {
			if (!sfa_record_text(rec, "approval_role"))
				return sfa_error_set(SFA_EINPUT, "quote %s needs no approval", sfa_record_text(rec, "number"));
			if ((err = may_decide(s, q, rec, !strcmp(status, "approved") ? "approve" : "reject")) < 0)
				return err;
			if (!strcmp(status, "approved")) {
				json_object_set_new(rec, "approved_at", json_string(now_iso));
			} else if (!sfa_record_text(rec, "rejected_reason")) {
				return sfa_error_set(SFA_EINPUT, "a rejection needs a reason (--reason)");
			} else {
				/* an approval taken back is no approval */
				json_object_del(rec, "approved_by");
				json_object_del(rec, "approved_at");
			}
		}
		if ((!strcmp(status, "sent") || !strcmp(status, "accepted")) && !json_array_size(json_object_get(rec, "lines")))
			return sfa_error_set(SFA_EINPUT, "quote %s has no lines", sfa_record_text(rec, "number"));
		if (!strcmp(status, "sent")) {
			char day[11];
			today(day, now);
			if (strcmp(sfa_record_text(rec, "valid_until") ?: "9999", day) < 0)
				return sfa_error_set(SFA_EINPUT, "quote %s was valid until %s: set a new valid_until first",
						     sfa_record_text(rec, "number"), sfa_record_text(rec, "valid_until"));
			json_object_set_new(rec, "sent_at", json_string(now_iso));
		}
		if (!strcmp(status, "accepted") && (err = accept(s, txn, rec, now_iso)) < 0)
			return err;
	}
	if (json_object_get(rec, "expected_ship"))
		return sfa_error_set(SFA_EINPUT, "field 'expected_ship': belongs to the order an accepted quote makes");
	if (!strcmp(status, "superseded"))
		json_object_set_new(rec, "primary", json_false());	/* its new version is */

	/* the primary quote's total is its deal's amount; one primary per deal */
	if (json_is_true(json_object_get(rec, "primary")) &&
	    (repriced || !old || !json_is_true(json_object_get(old, "primary")))) {
		struct unmark u = { s, txn, sfa_record_text(rec, "id"), 0 };
		json_t *changes;
		const char *opp = sfa_record_text(rec, "opportunity");
		if ((err = quotes_of(s, opp, unmark_one, &u)) < 0)
			return u.err < 0 ? u.err : err;
		if (strcmp(status, "accepted") && json_array_size(json_object_get(rec, "lines"))) {
			changes = json_object();
			json_object_set(changes, "amount", json_object_get(rec, "total"));
			json_object_set(changes, "currency", json_object_get(rec, "currency"));
			err = sfa_update_txn(s, txn, &sfa_type_opportunity, opp, changes, NULL, 0, NULL);
			json_decref(changes);
			if (err < 0)
				return sfa_error_prefix(err, "opportunity %s: ", opp);
		}
	}
	return 0;
}

int sfa_quote_check(struct sfa_store *s, const json_t *quote)
{
	struct pricing P = { s, NULL, NULL, json_deep_copy(quote), NULL };
	int err = sfa_store_quoting(s, &P.q, &P.pb);
	if (!err)
		err = price_quote(&P);
	json_decref(P.rec);
	return err;
}

/* --- orders ------------------------------------------------------------------------------ */

/* A shipped or delivered order: a task for its rep to tell the customer, due tomorrow. */
static int follow_up(struct sfa_store *s, struct sfa_txn *txn, const json_t *order, const char *status)
{
	struct sfa_buf subject = SFA_BUF_INIT;
	char due[21], id[SFA_ID_LEN + 1];
	json_t *task;
	int err;

	if (strcmp(status, "shipped") && strcmp(status, "delivered"))
		return 0;
	sfa_buf_addf(&subject, "Order %s %s", sfa_record_text(order, "number"), status);
	if (!strcmp(status, "shipped") && sfa_record_text(order, "tracking"))
		sfa_buf_addf(&subject, " (tracking %s)", sfa_record_text(order, "tracking"));
	sfa_buf_addstr(&subject, !strcmp(status, "shipped") ? ": tell the customer" : ": check the customer is content");
	sfa_time_iso(due, sfa_now() + 86400);
	task = json_pack("{sssssssO}", "type", "task", "subject", subject.buf, "due_at", due,
			 "related_to", json_object_get(order, "id"));
	if (sfa_record_text(order, "owner"))
		json_object_set(task, "owner", json_object_get(order, "owner"));
	err = sfa_add_txn(s, txn, &sfa_type_activity, task, NULL, id);
	json_decref(task);
	sfa_buf_release(&subject);
	return err;
}

int sfa_order_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec)
{
	static const char *const order[] = { "confirmed", "shipped", "delivered", "invoiced", NULL };
	static const char *const stamp[] = { "ordered_at", "shipped_at", "delivered_at", "invoiced_at", NULL };
	static const char *const frozen_fields[] = { "quote", "opportunity", "account", "currency", "lines", "taxes",
						     "subtotal", "discount_total", "tax_total", "total", "number",
						     "ordered_at", NULL };
	const char *was = old ? sfa_record_text(old, "status") ?: "confirmed" : NULL;
	const char *status = sfa_record_text(rec, "status") ?: "confirmed", *changed;
	char now_iso[21];
	int from = -1, to = -1;

	if (!old) {
		if (!sfa_record_text(rec, "quote"))
			return sfa_error_set(SFA_EINPUT, "an order is made by accepting a quote (sfa-quote accept)");
		return 0;
	}
	if ((changed = first_changed(old, rec, frozen_fields)))
		return sfa_error_set(SFA_EINPUT, "field '%s': an order keeps what the customer accepted", changed);
	if (text_eq(was, status))
		return 0;
	if (!strcmp(was, "cancelled") || !strcmp(was, "invoiced"))
		return sfa_error_set(SFA_EINPUT, "order %s is %s: its status stays", sfa_record_text(old, "number"), was);
	if (!strcmp(status, "cancelled"))
		return 0;
	for (int i = 0; order[i]; i++) {
		if (!strcmp(order[i], was))
			from = i;
		if (!strcmp(order[i], status))
			to = i;
	}
	if (to <= from)
		return sfa_error_set(SFA_EINPUT, "field 'status': order %s is %s; it goes forward (confirmed, shipped, "
				     "delivered, invoiced), not back to %s", sfa_record_text(old, "number"), was, status);
	sfa_time_iso(now_iso, sfa_now());
	/* the steps skipped happened now too: an invoiced order was shipped */
	for (int i = from + 1; i <= to; i++)
		if (!sfa_record_text(rec, stamp[i]))
			json_object_set_new(rec, stamp[i], json_string(now_iso));
	return follow_up(s, txn, rec, status);
}

/* --- the document ---------------------------------------------------------------------- */

/* Money as people read it: "1200.50 EUR", or "1200.50" of `currency`, as "1,200.50". */
static json_t *display(const char *money, const char *currency)
{
	struct sfa_money m;
	struct sfa_buf b = SFA_BUF_INIT;
	json_t *v;
	if (!money || sfa_money_parse(&m, money, currency) < 0)
		return json_string(money ? money : "");
	sfa_money_decimal(&b, m.minor, m.exponent, 1);
	v = json_string(b.buf);
	sfa_buf_release(&b);
	return v;
}

static void set_text(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* "Street 1\nCity" from the parts of an address a record holds. */
static void address(json_t *o, const json_t *rec)
{
	struct sfa_buf b = SFA_BUF_INIT;
	const char *street = sfa_record_text(rec, "billing_address") ?: sfa_record_text(rec, "address");
	const char *pc = sfa_record_text(rec, "postcode"), *city = sfa_record_text(rec, "city");
	const char *country = sfa_record_text(rec, "country");
	if (street)
		sfa_buf_addf(&b, "%s", street);
	if (pc || city)
		sfa_buf_addf(&b, "%s%s%s%s", b.len ? "\n" : "", pc ? pc : "", pc && city ? " " : "", city ? city : "");
	if (country)
		sfa_buf_addf(&b, "%s%s", b.len ? "\n" : "", country);
	set_text(o, "address", b.buf);
	sfa_buf_release(&b);
}

int sfa_quote_document(json_t **out, struct sfa_store *s, const json_t *quote)
{
	static const char *const quote_keys[] = { "number", "version", "status", "currency", "valid_until", "terms",
						  "notes", "language", "price_book", NULL };
	const struct sfa_quoting *q;
	const char *cur = sfa_record_text(quote, "currency") ?: "";
	json_t *doc = json_object(), *qd = json_object(), *customer = json_object(), *owner = json_object();
	json_t *lines = json_array(), *totals = json_object(), *taxes = json_array();
	json_t *acc = NULL, *con = NULL, *opp = NULL, *users = NULL, *e;
	char day[11];
	size_t i;
	int err;

	*out = NULL;
	if ((err = sfa_store_quoting(s, &q, NULL)) < 0)
		goto done;
	if (q->company)
		json_object_set(doc, "company", (json_t *)q->company);
	for (i = 0; quote_keys[i]; i++)
		if (json_object_get(quote, quote_keys[i]))
			json_object_set(qd, quote_keys[i], json_object_get(quote, quote_keys[i]));
	snprintf(day, sizeof(day), "%.10s", sfa_record_text(quote, "sent_at") ?: sfa_record_text(quote, "created_at") ?: "");
	set_text(qd, "date", day);
	json_object_set_new(doc, "quote", qd);
	if (sfa_record_text(quote, "account") &&
	    sfa_index_get(sfa_store_index(s), &sfa_type_account, sfa_record_text(quote, "account"), &acc) == 0) {
		set_text(customer, "name", sfa_record_text(acc, "name"));
		address(customer, acc);
	}
	if (sfa_record_text(quote, "contact") &&
	    sfa_index_get(sfa_store_index(s), &sfa_type_contact, sfa_record_text(quote, "contact"), &con) == 0) {
		struct sfa_buf name = SFA_BUF_INIT;
		sfa_buf_addf(&name, "%s%s%s", sfa_record_text(con, "first_name") ?: "",
			     sfa_record_text(con, "first_name") && sfa_record_text(con, "last_name") ? " " : "",
			     sfa_record_text(con, "last_name") ?: "");
		set_text(customer, "contact", name.buf);
		set_text(customer, "email", sfa_record_text(con, "email"));
		sfa_buf_release(&name);
	}
	json_object_set_new(doc, "customer", customer);
	customer = NULL;
	if (sfa_index_get(sfa_store_index(s), &sfa_type_opportunity, sfa_record_text(quote, "opportunity") ?: "", &opp) == 0) {
		json_t *o = json_object();
		set_text(o, "name", sfa_record_text(opp, "name"));
		json_object_set_new(doc, "opportunity", o);
	}
	if (sfa_record_text(quote, "owner")) {
		const json_t *u = NULL;
		if (sfa_config_read(s, "config/users.json", &users, NULL) == 0)
			u = json_object_get(users, sfa_record_text(quote, "owner"));
		set_text(owner, "name", sfa_record_text(u, "name") ?: sfa_record_text(quote, "owner"));
		set_text(owner, "email", sfa_record_text(u, "email"));
	}
	json_object_set_new(doc, "owner", owner);
	owner = NULL;
	json_array_foreach(json_object_get(quote, "lines"), i, e) {
		json_t *l = json_object(), *p = NULL;
		json_object_set(l, "line", json_object_get(e, "line"));
		json_object_set(l, "sku", json_object_get(e, "sku"));
		json_object_set(l, "name", json_object_get(e, "name"));
		if (product_by_sku(s, sfa_record_text(e, "sku") ?: "", &p) == 0 && sfa_record_text(p, "description"))
			json_object_set(l, "description", json_object_get(p, "description"));
		json_decref(p);
		json_object_set(l, "qty", json_object_get(e, "qty"));
		json_object_set(l, "unit", json_object_get(e, "unit"));
		json_object_set_new(l, "list_price", display(sfa_record_text(e, "list_price") ?: "0", cur));
		set_text(l, "discount", sfa_record_text(e, "discount"));
		json_object_set_new(l, "amount", display(sfa_record_text(e, "amount") ?: "0", cur));
		set_text(l, "tax_rate", sfa_record_text(e, "tax_rate"));
		json_object_set_new(l, "bundle", json_integer(json_integer_value(json_object_get(e, "bundle"))));
		json_object_set_new(l, "optional", json_boolean(json_is_true(json_object_get(e, "optional"))));
		json_array_append_new(lines, l);
	}
	json_object_set_new(doc, "lines", lines);
	lines = NULL;
	json_object_set_new(totals, "subtotal", display(sfa_record_text(quote, "subtotal"), cur));
	json_object_set_new(totals, "discount_total", display(sfa_record_text(quote, "discount_total"), cur));
	set_text(totals, "discount", sfa_record_text(quote, "discount"));
	json_array_foreach(json_object_get(quote, "taxes"), i, e) {
		json_t *t = json_object();
		json_object_set(t, "rate", json_object_get(e, "rate"));
		json_object_set_new(t, "base", display(sfa_record_text(e, "base") ?: "0", cur));
		json_object_set_new(t, "tax", display(sfa_record_text(e, "tax") ?: "0", cur));
		json_array_append_new(taxes, t);
	}
	json_object_set_new(totals, "taxes", taxes);
	taxes = NULL;
	json_object_set_new(totals, "tax_total", display(sfa_record_text(quote, "tax_total"), cur));
	json_object_set_new(totals, "total", display(sfa_record_text(quote, "total"), cur));
	set_text(totals, "currency", cur);
	json_object_set_new(doc, "totals", totals);
	totals = NULL;
	*out = doc;
	doc = NULL;
done:
	json_decref(doc);
	json_decref(customer);
	json_decref(owner);
	json_decref(lines);
	json_decref(totals);
	json_decref(taxes);
	json_decref(acc);
	json_decref(con);
	json_decref(opp);
	json_decref(users);
	return err;
}

/* Every field a quote document may have, for checking templates whatever the quote holds. */
static const char document_shape[] =
	"{\"company\": {\"name\": 0, \"address\": 0, \"email\": 0, \"phone\": 0, \"vat_id\": 0, \"website\": 0},"
	" \"quote\": {\"number\": 0, \"version\": 0, \"date\": 0, \"valid_until\": 0, \"status\": 0, \"currency\": 0,"
	" \"terms\": 0, \"notes\": 0, \"language\": 0, \"price_book\": 0},"
	" \"owner\": {\"name\": 0, \"email\": 0},"
	" \"customer\": {\"name\": 0, \"address\": 0, \"contact\": 0, \"email\": 0},"
	" \"opportunity\": {\"name\": 0},"
	" \"lines\": [{\"line\": 0, \"sku\": 0, \"name\": 0, \"description\": 0, \"qty\": 0, \"unit\": 0,"
	" \"list_price\": 0, \"discount\": 0, \"amount\": 0, \"tax_rate\": 0, \"bundle\": 0, \"optional\": 0}],"
	" \"totals\": {\"subtotal\": 0, \"discount_total\": 0, \"discount\": 0, \"tax_total\": 0, \"total\": 0,"
	" \"currency\": 0, \"taxes\": [{\"rate\": 0, \"base\": 0, \"tax\": 0}]}}";

const char *sfa_quote_document_shape(void)
{
	return document_shape;
}

/* The template parsed and checked against every field a quote document may have. */
static int quote_template(struct sfa_template **out, const char *text, size_t len)
{
	json_t *shape = json_loads(document_shape, 0, NULL);
	int err;

	if ((err = sfa_template_parse(out, "config/quote.html", text, len)) == 0 &&
	    (err = sfa_template_check(*out, shape)) < 0) {
		sfa_template_free(*out);
		*out = NULL;
	}
	json_decref(shape);
	return err;
}

int sfa_quote_template_check(struct sfa_store *s, const char *text, size_t len)
{
	struct sfa_template *t = NULL;
	int err = quote_template(&t, text, len);

	sfa_template_free(t);
	(void)s;
	return err;
}

int sfa_quote_html(struct sfa_buf *out, struct sfa_store *s, const json_t *doc)
{
	struct sfa_buf text = SFA_BUF_INIT;
	struct sfa_template *t = NULL;
	int err = sfa_store_read_file(s, "config/quote.html", &text);

	if (err == SFA_ENOTFOUND) {
		sfa_buf_addstr(&text, sfa_config_default("config/quote.html"));
		err = 0;
	}
	if (err == 0 && (err = quote_template(&t, text.buf, text.len)) == 0)
		err = sfa_template_render(out, t, doc, SFA_TEMPLATE_HTML);
	sfa_template_free(t);
	sfa_buf_release(&text);
	return err;
}
