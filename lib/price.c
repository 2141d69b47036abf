/* Percentages, prices from a product's price list, and the exact totals of a quote. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/money.h"
#include "sfa/price.h"
#include "sfa/record.h"
#include "sfa/banned.h"

/*
 * Products of amounts and two percentages reach about 2^63 x 10^12:
 * beyond a long long, well within 128 bits.
 */
typedef __int128 wide;

#define BP 10000	/* 100% in hundredths of a percent */

static int percent_refused(const char *s, const char *what, const char *why)
{
	if (what)
		return sfa_error_set(SFA_EINPUT, "%s '%s': %s", what, s, why);
	return sfa_error_set(SFA_EINPUT, "'%s': %s", s, why);
}

int sfa_percent_parse(int *out, const char *s, const char *what)
{
	const char *p = s;
	long long whole = 0;
	int neg = 0, frac = 0, ndec = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return percent_refused(s, what, "not a percent (write '15' or '12.5')");
	for (; isdigit((unsigned char)*p); p++)
		if (whole <= BP)	/* past 100 already: only "over 100%" is left to say */
			whole = whole * 10 + (*p - '0');
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return percent_refused(s, what, "not a percent (write '15' or '12.5')");
		for (; isdigit((unsigned char)*p); p++) {
			if (ndec == 2) {
				if (*p != '0')
					return percent_refused(s, what, "more than two decimals");
				continue;
			}
			frac = frac * 10 + (*p - '0');
			ndec++;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '%')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return percent_refused(s, what, "not a percent (write '15' or '12.5')");
	if (neg)
		return percent_refused(s, what, "negative");
	for (; ndec < 2; ndec++)
		frac *= 10;
	if (whole * 100 + frac > BP)
		return percent_refused(s, what, "over 100%");
	*out = (int)(whole * 100 + frac);
	return 0;
}

void sfa_percent_format(struct sfa_buf *out, int bp)
{
	unsigned a = bp < 0 ? 0U - (unsigned)bp : (unsigned)bp;

	sfa_buf_addf(out, "%s%u", bp < 0 ? "-" : "", a / 100);
	if (a % 10)
		sfa_buf_addf(out, ".%02u", a % 100);
	else if (a % 100)
		sfa_buf_addf(out, ".%u", a % 100 / 10);
}

/* The position of `s` in the NULL-ended `names`, or SFA_EINPUT "'s': expected A or B". */
static int pick_name(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (s && !strcmp(s, names[i]))
			return i;
	return sfa_error_set(SFA_EINPUT, "'%s': expected %s or %s", s ? s : "", names[0], names[1]);
}

int sfa_rounding_parse(enum sfa_rounding *out, const char *s)
{
	static const char *const names[] = { "half-even", "half-up", NULL };
	int i = pick_name(s, names);

	if (i < 0)
		return i;
	*out = (enum sfa_rounding)i;
	return 0;
}

int sfa_rounding_per_parse(enum sfa_rounding_per *out, const char *s)
{
	static const char *const names[] = { "line", "total", NULL };
	int i = pick_name(s, names);

	if (i < 0)
		return i;
	*out = (enum sfa_rounding_per)i;
	return 0;
}

int sfa_price_tiers_parse(enum sfa_price_tiers *out, const char *s)
{
	static const char *const names[] = { "volume", "graduated", NULL };
	int i = pick_name(s, names);

	if (i < 0)
		return i;
	*out = (enum sfa_price_tiers)i;
	return 0;
}

/* --- price lists ---------------------------------------------------------------- */

/* One entry of a price list, checked. */
struct entry {
	const char *book, *currency;
	const char *from, *until;	/* NULL: open */
	long long min_qty, price;
	size_t pos;			/* in the list */
};

/* "2026-03-01" exactly, a day that exists; such dates compare as strings. */
static int is_date(const char *s)
{
	time_t t;

	return strlen(s) == 10 && sfa_time_parse(&t, s) == 0;
}

static int read_entry(struct entry *e, const json_t *v, size_t pos, const char *sku)
{
	static const char *const keys[] = { "book", "currency", "price", "valid_from", "valid_until", NULL };
	struct sfa_money m;
	const char *k, *price;
	json_t *x;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->pos = pos;
	e->min_qty = 1;
	if (!json_is_object(v))
		return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu]: expected an object like {\"book\": "
				     "\"standard\", \"currency\": \"EUR\", \"price\": \"1200.00\"}", sku, pos);
	json_object_foreach((json_t *)v, k, x) {
		if (!strcmp(k, "min_qty")) {
			if (!json_is_integer(x) || json_integer_value(x) < 1)
				return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu].min_qty: expected a whole "
						     "number from 1", sku, pos);
			e->min_qty = json_integer_value(x);
			continue;
		}
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i])
			return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu]: '%s' is not a price setting "
					     "(book, currency, price, min_qty, valid_from, valid_until)", sku, pos, k);
		if (!json_is_string(x))
			return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu].%s: expected text", sku, pos, k);
	}
	e->book = sfa_record_text(v, "book");
	e->currency = sfa_record_text(v, "currency");
	price = sfa_record_text(v, "price");
	e->from = sfa_record_text(v, "valid_from");
	e->until = sfa_record_text(v, "valid_until");
	if (!e->book || !e->currency || !price)
		return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu]: needs \"book\", \"currency\" and "
				     "\"price\"", sku, pos);
	if (sfa_money_parse(&m, price, e->currency) < 0)
		return sfa_error_prefix(SFA_EINPUT, "product '%s': prices[%zu].price: ", sku, pos);
	if (strcasecmp(m.currency, e->currency))
		return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu].price: '%s' is not in %s", sku, pos,
				     price, e->currency);
	if (m.minor < 0)
		return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu].price: '%s' is negative", sku, pos,
				     price);
	e->price = m.minor;
	if (e->from && !is_date(e->from))
		return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu].valid_from: not a date "
				     "(YYYY-MM-DD): '%s'", sku, pos, e->from);
	if (e->until && !is_date(e->until))
		return sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu].valid_until: not a date "
				     "(YYYY-MM-DD): '%s'", sku, pos, e->until);
	return 0;
}

static int by_min_qty(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return (x->min_qty > y->min_qty) - (x->min_qty < y->min_qty);
}

/*
 * The price of q->qty units from `bands` (one book's, sorted by min_qty);
 * 0 when they do not cover the quantity.
 */
static int price_bands(struct sfa_price *out, const struct entry *bands, size_t n,
		       const struct sfa_price_query *q, enum sfa_price_tiers tiers)
{
	size_t top = n;
	wide gross = 0;

	for (size_t i = 0; i < n && bands[i].min_qty <= q->qty; i++)
		top = i;
	if (top == n || (tiers == SFA_TIERS_GRADUATED && bands[0].min_qty != 1))
		return 0;
	if (tiers == SFA_TIERS_VOLUME) {
		gross = (wide)bands[top].price * q->qty;
	} else {
		for (size_t i = 0; i <= top; i++) {
			long long last = i < top ? bands[i + 1].min_qty - 1 : q->qty;
			gross += (wide)bands[i].price * (last - bands[i].min_qty + 1);
		}
	}
	if (gross > LLONG_MAX)
		return sfa_error_set(SFA_EINPUT, "product '%s': the price of %lld units is too large", q->sku,
				     q->qty);
	out->tiers = tiers;
	out->unit = bands[top].price;
	out->gross = (long long)gross;
	out->entry = bands[top].pos;
	return 1;
}

static int no_price(const struct sfa_price_query *q, int any_currency, int any_dated)
{
	struct sfa_buf msg = SFA_BUF_INIT;

	sfa_buf_addf(&msg, "no price for '%s' in book%s ", q->sku, q->nbooks > 1 ? "s" : "");
	for (size_t i = 0; i < q->nbooks; i++)
		sfa_buf_addf(&msg, "%s'%s'", i ? ", " : "", q->books[i].book);
	sfa_buf_addf(&msg, " in %s", q->currency);
	if (any_dated)
		sfa_buf_addf(&msg, " for qty %lld", q->qty);
	else if (any_currency)
		sfa_buf_addf(&msg, " on %s", q->date);
	sfa_error_set(SFA_ENOTFOUND, "%s", msg.buf);
	sfa_buf_release(&msg);
	return SFA_ENOTFOUND;
}

int sfa_price_pick(struct sfa_price *out, const json_t *prices, const struct sfa_price_query *q)
{
	size_t n = json_array_size(prices), nb;
	struct entry *all, *bands;
	int err = 0, any_currency = 0, any_dated = 0;
	json_t *v;
	size_t i;

	if (!q->nbooks)
		return sfa_error_set(SFA_EUSAGE, "no price book to look '%s' up in", q->sku);
	if (!q->date || !is_date(q->date))
		return sfa_error_set(SFA_EINPUT, "not a date (YYYY-MM-DD): '%s'", q->date ? q->date : "");
	if (q->qty < 1)
		return sfa_error_set(SFA_EINPUT, "product '%s': qty %lld: expected 1 or more", q->sku, q->qty);
	if (prices && !json_is_array(prices))
		return sfa_error_set(SFA_EINPUT, "product '%s': prices: expected a list", q->sku);
	all = sfa_xcalloc(n ? n : 1, sizeof(*all));
	bands = sfa_xcalloc(n ? n : 1, sizeof(*bands));
	json_array_foreach(prices, i, v)
		if ((err = read_entry(&all[i], v, i, q->sku)) < 0)
			goto done;
	for (size_t b = 0; b < q->nbooks; b++) {
		nb = 0;
		for (i = 0; i < n; i++) {
			const struct entry *e = &all[i];
			if (strcmp(e->book, q->books[b].book) || strcasecmp(e->currency, q->currency))
				continue;
			any_currency = 1;
			if ((e->from && strcmp(e->from, q->date) > 0) || (e->until && strcmp(e->until, q->date) < 0))
				continue;
			any_dated = 1;
			bands[nb++] = *e;
		}
		qsort(bands, nb, sizeof(*bands), by_min_qty);
		for (i = 1; i < nb; i++)
			if (bands[i].min_qty == bands[i - 1].min_qty) {
				err = sfa_error_set(SFA_EINPUT, "product '%s': prices[%zu] and prices[%zu]: two prices "
						    "in book '%s' in %s from qty %lld on %s", q->sku,
						    bands[i - 1].pos, bands[i].pos, q->books[b].book, q->currency,
						    bands[i].min_qty, q->date);
				goto done;
			}
		if ((err = price_bands(out, bands, nb, q, q->books[b].tiers)) != 0) {
			if (err > 0) {
				out->book = q->books[b].book;
				err = 0;
			}
			goto done;
		}
	}
	err = no_price(q, any_currency, any_dated);
done:
	free(all);
	free(bands);
	return err;
}

/* --- totals --------------------------------------------------------------------- */

/* num / den (den > 0) rounded to a whole number by `mode`. */
static wide round_div(wide num, wide den, enum sfa_rounding mode)
{
	wide q = num / den, r = num % den, twice = 2 * (r < 0 ? -r : r);

	if (twice > den || (twice == den && (mode == SFA_ROUND_HALF_UP || q % 2 != 0)))
		q += num < 0 ? -1 : 1;
	return q;
}

/* Stores `v` in `*out` when it fits a long long; SFA_EINPUT naming `what` otherwise. */
static int narrow(long long *out, wide v, const char *what)
{
	if (v > LLONG_MAX || v < LLONG_MIN)
		return sfa_error_set(SFA_EINPUT, "%s: too large", what);
	*out = (long long)v;
	return 0;
}

/* The sum of the lines' nets at one rate, scaled as the running net total. */
struct rate_sum {
	int rate;
	wide base;
};

static int by_rate(const void *a, const void *b)
{
	const struct rate_sum *x = a, *y = b;
	return (x->rate > y->rate) - (x->rate < y->rate);
}

static int check_line(const struct sfa_price_line *l, size_t no)
{
	if (l->qty < 0)
		return sfa_error_set(SFA_EINPUT, "line %zu: qty %lld: negative", no, l->qty);
	if ((l->qty ? l->unit : l->gross) < 0)
		return sfa_error_set(SFA_EINPUT, "line %zu: negative price", no);
	if (l->discount < 0 || l->discount > BP)
		return sfa_error_set(SFA_EINPUT, "line %zu: discount %d: expected 0-10000 hundredths of a percent",
				     no, l->discount);
	if (l->tax_rate < 0 || l->tax_rate > BP)
		return sfa_error_set(SFA_EINPUT, "line %zu: tax rate %d: expected 0-10000 hundredths of a percent",
				     no, l->tax_rate);
	return 0;
}

int sfa_price_compute(struct sfa_price_totals *out, const struct sfa_price_line *lines, size_t n,
		      const struct sfa_price_opts *opts)
{
	struct sfa_price_totals t = SFA_PRICE_TOTALS_INIT;
	struct rate_sum *sums = sfa_xcalloc(n ? n : 1, sizeof(*sums));
	enum sfa_rounding mode = opts->rounding;
	int per_line = opts->per == SFA_ROUND_PER_LINE, err = 0;
	/* per line the sums are of rounded nets, per total of exact nets scaled by BP * BP */
	wide scale = per_line ? 1 : (wide)BP * BP, subtotal = 0, net_total = 0, tax_total = 0;
	size_t i, j, nrates = 0;
	long long net;

	if (opts->discount < 0 || opts->discount > BP) {
		err = sfa_error_set(SFA_EINPUT, "quote discount %d: expected 0-10000 hundredths of a percent",
				    opts->discount);
		goto done;
	}
	t.lines = sfa_xcalloc(n ? n : 1, sizeof(*t.lines));
	t.nlines = n;
	for (i = 0; i < n; i++) {
		const struct sfa_price_line *l = &lines[i];
		struct sfa_price_amounts *a = &t.lines[i];
		wide gross, exact;	/* exact: the net scaled by BP * BP */
		char what[40];

		if ((err = check_line(l, i + 1)) < 0)
			goto done;
		snprintf(what, sizeof(what), "line %zu", i + 1);
		gross = l->qty ? (wide)l->unit * l->qty : l->gross;
		if ((err = narrow(&a->gross, gross, what)) < 0)
			goto done;
		exact = gross * (BP - l->discount) * (BP - opts->discount);
		a->amount = (long long)round_div(gross * (BP - l->discount), BP, mode);
		if (per_line)
			a->net = (long long)round_div((wide)a->amount * (BP - opts->discount), BP, mode);
		else
			a->net = (long long)round_div(exact, (wide)BP * BP, mode);
		/* every term is at most its gross, so bounding the subtotal bounds all sums */
		subtotal += gross;
		if ((err = narrow(&t.subtotal, subtotal, "subtotal")) < 0)
			goto done;
		for (j = 0; j < nrates && sums[j].rate != l->tax_rate; j++)
			;
		if (j == nrates)
			sums[nrates++].rate = l->tax_rate;
		sums[j].base += per_line ? a->net : exact;
		net_total += per_line ? a->net : exact;
	}
	qsort(sums, nrates, sizeof(*sums), by_rate);
	t.taxes = sfa_xcalloc(nrates ? nrates : 1, sizeof(*t.taxes));
	t.ntaxes = nrates;
	for (j = 0; j < nrates; j++) {
		struct sfa_price_tax *x = &t.taxes[j];
		x->rate = sums[j].rate;
		x->base = (long long)round_div(sums[j].base, scale, mode);
		x->tax = (long long)round_div(sums[j].base * x->rate, scale * BP, mode);
		tax_total += x->tax;
	}
	net = (long long)round_div(net_total, scale, mode);
	t.discount_total = t.subtotal - net;
	if ((err = narrow(&t.tax_total, tax_total, "tax total")) < 0)
		goto done;
	if ((err = narrow(&t.total, (wide)net + tax_total, "total")) < 0)
		goto done;
	if (t.subtotal > 0)
		t.discount = (int)(((wide)t.discount_total * BP + t.subtotal - 1) / t.subtotal);
done:
	free(sums);
	if (err < 0)
		sfa_price_totals_release(&t);
	*out = t;
	return err;
}

void sfa_price_totals_release(struct sfa_price_totals *t)
{
	free(t->lines);
	free(t->taxes);
	*t = (struct sfa_price_totals)SFA_PRICE_TOTALS_INIT;
}
