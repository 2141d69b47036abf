/*
 * Prices and the arithmetic of a quote, exact: amounts are integers in
 * minor units of their currency (see sfa/money.h), percentages integers
 * in hundredths of a percent ("12.5" is 1250, 100% is 10000). Pure
 * functions: no store, no configuration files (sfa/quoting.h reads
 * those), nothing printed.
 */
#ifndef SFA_PRICE_H
#define SFA_PRICE_H

#include <stddef.h>
#include <jansson.h>

#include "sfa/buf.h"

/* --- percentages and rounding ------------------------------------------------ */

/*
 * Parses a percentage, "15", "12.5", "7.25" or "12.5%" (blanks around it
 * and before the '%' allowed), into hundredths of a percent. SFA_EINPUT
 * for a negative one, more than two decimals (trailing zeros aside), over
 * 100%, or no number; the message names the value as `what`:
 * "discount '120%': over 100%" (without `what`: "'120%': over 100%").
 */
int sfa_percent_parse(int *out, const char *s, const char *what);

/* Appends hundredths of a percent as the shortest decimal: 1250 "12.5", 1900 "19", 725 "7.25". */
void sfa_percent_format(struct sfa_buf *out, int bp);

enum sfa_rounding {
	SFA_ROUND_HALF_EVEN,	/* "half-even": an exact half goes to the even neighbour */
	SFA_ROUND_HALF_UP,	/* "half-up": an exact half goes away from zero */
};

/* Where a quote rounds to minor units (config/quoting.json "rounding.per"). */
enum sfa_rounding_per {
	SFA_ROUND_PER_LINE,	/* "line": each line's amounts, then each tax on its rounded base */
	SFA_ROUND_PER_TOTAL,	/* "total": exact through the sums, each total rounded once */
};

/*
 * The names above to their values; SFA_EINPUT otherwise, the message
 * "'half-down': expected half-even or half-up" (a caller puts where the
 * name came from before it).
 */
int sfa_rounding_parse(enum sfa_rounding *out, const char *s);
int sfa_rounding_per_parse(enum sfa_rounding_per *out, const char *s);

/* --- a product's price from its price list ------------------------------------ */

/*
 * How a book's quantity bands (entries with a `min_qty`) price a quantity:
 * "volume", every unit at the price of the band the whole quantity falls
 * in (the highest min_qty <= qty); "graduated", each unit at the price of
 * the band it falls in (units 1-9 of band 1, 10-49 of band 10, ...), so a
 * book needs a band from 1.
 */
enum sfa_price_tiers { SFA_TIERS_VOLUME, SFA_TIERS_GRADUATED };

/* "volume" or "graduated"; SFA_EINPUT "'X': expected volume or graduated" otherwise. */
int sfa_price_tiers_parse(enum sfa_price_tiers *out, const char *s);

/* A book to look prices up in, and how its bands are read. */
struct sfa_price_source {
	const char *book;
	enum sfa_price_tiers tiers;
};

struct sfa_price_query {
	const char *sku;			/* names the product in messages */
	const struct sfa_price_source *books;	/* tried in order: a book, then its fallbacks */
	size_t nbooks;
	const char *currency;			/* ISO 4217, "EUR" */
	long long qty;				/* >= 1 */
	const char *date;			/* "2026-03-01": prices valid on that day */
};

struct sfa_price {
	const char *book;		/* the book whose prices were used (the query's text) */
	enum sfa_price_tiers tiers;	/* how its bands were read */
	long long unit;			/* the unit price of the band qty reaches, minor units */
	long long gross;		/* the price of qty units: unit x qty for volume tiers */
	size_t entry;			/* the position in `prices` of the band of `unit` */
};

/*
 * Picks the price of `q->qty` units from a product's `prices` list
 * (borrowed; NULL or empty for none), entries like {"book": "standard",
 * "currency": "EUR", "price": "1200.00", "min_qty": 10, "valid_from":
 * "2026-01-01", "valid_until": "2026-12-31"}: price in major units with
 * at most the currency's decimals, not negative; min_qty >= 1, default 1;
 * the dates optional and inclusive. The first book of `q->books` with a
 * price in the currency, valid on the date, for the quantity wins.
 *
 * SFA_ENOTFOUND when no book has one: "no price for 'WID-100' in book
 * 'standard' in JPY", with " on DATE" when there are prices but none
 * valid then, " for qty N" when none of the valid ones covers N.
 * SFA_EINPUT for a malformed entry, whichever book it is in ("product
 * 'WID-100': prices[2].price: ..."), two bands of a book from the same
 * min_qty valid on the same day, a gross beyond a long long, or a bad
 * query (date, qty).
 */
int sfa_price_pick(struct sfa_price *out, const json_t *prices, const struct sfa_price_query *q);

/* --- the totals of a quote ---------------------------------------------------- */

struct sfa_price_line {
	long long unit;		/* list price per unit, minor units, >= 0 */
	long long qty;		/* > 0: gross = unit x qty; 0: `gross` as given (graduated tiers) */
	long long gross;	/* read only when qty is 0; >= 0 */
	int discount;		/* the line's discount, 0-10000 */
	int tax_rate;		/* 0-10000 */
};

struct sfa_price_opts {
	int discount;			/* the quote's discount, 0-10000, on each line after its own */
	enum sfa_rounding rounding;
	enum sfa_rounding_per per;
};
#define SFA_PRICE_OPTS_INIT { 0, SFA_ROUND_HALF_EVEN, SFA_ROUND_PER_LINE }

/* One line's figures, in minor units. */
struct sfa_price_amounts {
	long long gross;	/* list price x qty */
	long long amount;	/* after the line's discount */
	long long net;		/* after the quote's discount too */
};

/* The tax of one rate. */
struct sfa_price_tax {
	int rate;
	long long base;		/* the lines' net at this rate */
	long long tax;
};

/*
 * The figures of a quote. Always total = subtotal - discount_total +
 * tax_total and tax_total = the sum of the taxes' `tax`. Arrays malloc'ed,
 * freed by sfa_price_totals_release.
 */
struct sfa_price_totals {
	struct sfa_price_amounts *lines;	/* one per line, in their order */
	size_t nlines;
	struct sfa_price_tax *taxes;		/* one per rate present, lowest rate first */
	size_t ntaxes;
	long long subtotal;			/* sum of the gross */
	long long discount_total;		/* subtotal - the net total */
	long long tax_total;
	long long total;
	/*
	 * discount_total / subtotal in hundredths of a percent, rounded up
	 * so that "over 15%" holds of it exactly when it holds of the
	 * quotient; 0 when the subtotal is 0. For approvals.
	 */
	int discount;
};
#define SFA_PRICE_TOTALS_INIT { NULL, 0, NULL, 0, 0, 0, 0, 0, 0 }

/*
 * Computes a quote's figures from its `n` lines (borrowed) into `out`
 * (overwritten; empty on error). Each line: amount = gross x (10000 -
 * line discount) / 10000, net = amount x (10000 - quote discount) /
 * 10000; each rate's tax = base x rate / 10000.
 *
 * Per line: amount rounded, net rounded from the rounded amount, the
 * base the sum of the rounded nets, its tax rounded once; the net total
 * is the sum of the nets. Per total: the sums are exact, and the net
 * total, each base and each tax are rounded once (the lines' amount and
 * net are rounded only for showing). Either way discount_total =
 * subtotal - net total and total = net total + tax_total.
 *
 * SFA_EINPUT "line 2: ..." for a negative price, a discount or rate out
 * of 0-10000, and for any figure beyond a long long.
 */
int sfa_price_compute(struct sfa_price_totals *out, const struct sfa_price_line *lines, size_t n,
		      const struct sfa_price_opts *opts);
void sfa_price_totals_release(struct sfa_price_totals *t);

#endif
