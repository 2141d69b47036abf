#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/price.h"
#include "unit.h"
#include "sfa/banned.h"

/* The hundredths of a percent `s` reads as, or the refusal's message (SFA_EINPUT only). */
static const char *percent(const char *s, const char *what)
{
	static char msg[256];
	int bp = -12345, err = sfa_percent_parse(&bp, s, what);

	if (err == 0)
		snprintf(msg, sizeof(msg), "%d", bp);
	else
		snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

static const char *percent_text(int bp)
{
	static struct sfa_buf b = SFA_BUF_INIT;

	sfa_buf_reset(&b);
	sfa_percent_format(&b, bp);
	return b.buf;
}

static void test_percent(void)
{
	CHECK_STR(percent("15", "discount"), "1500");
	CHECK_STR(percent("12.5", "discount"), "1250");
	CHECK_STR(percent("7.25", "discount"), "725");
	CHECK_STR(percent("12.5%", "discount"), "1250");
	CHECK_STR(percent(" 12.5 % ", "discount"), "1250");
	CHECK_STR(percent("0", "discount"), "0");
	CHECK_STR(percent("0.01", "discount"), "1");
	CHECK_STR(percent("100", "discount"), "10000");
	CHECK_STR(percent("100.00%", "discount"), "10000");
	/* zeros past the second decimal say nothing more */
	CHECK_STR(percent("7.2500", "discount"), "725");
	CHECK_STR(percent("007", "discount"), "700");

	CHECK_STR(percent("120%", "discount"), "discount '120%': over 100%");
	CHECK_STR(percent("100.01", "discount"), "discount '100.01': over 100%");
	CHECK_STR(percent("99999999999999999999999", "discount"), "discount '99999999999999999999999': over 100%");
	CHECK_STR(percent("-5", "discount"), "discount '-5': negative");
	CHECK_STR(percent("-0.5%", "discount"), "discount '-0.5%': negative");
	CHECK_STR(percent("7.125", "discount"), "discount '7.125': more than two decimals");
	CHECK_STR(percent("7.001", "tax rate"), "tax rate '7.001': more than two decimals");
	CHECK_STR(percent("abc", "discount"), "discount 'abc': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("", "discount"), "discount '': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("12,5", "discount"), "discount '12,5': not a percent (write '15' or '12.5')");
	CHECK_STR(percent(".5", "discount"), "discount '.5': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("5.", "discount"), "discount '5.': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("1e2", "discount"), "discount '1e2': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("+5", "discount"), "discount '+5': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("5%%", "discount"), "discount '5%%': not a percent (write '15' or '12.5')");
	CHECK_STR(percent("120", NULL), "'120': over 100%");

	CHECK_STR(percent_text(1250), "12.5");
	CHECK_STR(percent_text(1900), "19");
	CHECK_STR(percent_text(725), "7.25");
	CHECK_STR(percent_text(705), "7.05");
	CHECK_STR(percent_text(10000), "100");
	CHECK_STR(percent_text(1), "0.01");
	CHECK_STR(percent_text(0), "0");
	/* what the format writes reads back the same */
	for (int bp = 0; bp <= 10000; bp += 7) {
		int back = -1;
		if (sfa_percent_parse(&back, percent_text(bp), NULL) != 0 || back != bp) {
			CHECK_INT(back, bp);
			break;
		}
	}
}

static void test_names(void)
{
	enum sfa_rounding r = SFA_ROUND_HALF_UP;
	enum sfa_rounding_per per = SFA_ROUND_PER_TOTAL;
	enum sfa_price_tiers t = SFA_TIERS_GRADUATED;

	CHECK_INT(sfa_rounding_parse(&r, "half-even"), 0);
	CHECK_INT(r, SFA_ROUND_HALF_EVEN);
	CHECK_INT(sfa_rounding_parse(&r, "half-up"), 0);
	CHECK_INT(r, SFA_ROUND_HALF_UP);
	CHECK_INT(sfa_rounding_parse(&r, "half-down"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'half-down': expected half-even or half-up");
	CHECK_INT(sfa_rounding_parse(&r, "Half-Even"), SFA_EINPUT);
	CHECK_INT(sfa_rounding_per_parse(&per, "line"), 0);
	CHECK_INT(per, SFA_ROUND_PER_LINE);
	CHECK_INT(sfa_rounding_per_parse(&per, "total"), 0);
	CHECK_INT(per, SFA_ROUND_PER_TOTAL);
	CHECK_INT(sfa_rounding_per_parse(&per, "quote"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'quote': expected line or total");
	CHECK_INT(sfa_price_tiers_parse(&t, "volume"), 0);
	CHECK_INT(t, SFA_TIERS_VOLUME);
	CHECK_INT(sfa_price_tiers_parse(&t, "graduated"), 0);
	CHECK_INT(t, SFA_TIERS_GRADUATED);
	CHECK_INT(sfa_price_tiers_parse(&t, "tiered"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'tiered': expected volume or graduated");
}

/* --- picking prices --- */

static const struct sfa_price_source std_volume[] = { { "standard", SFA_TIERS_VOLUME } };
static const struct sfa_price_source std_graduated[] = { { "standard", SFA_TIERS_GRADUATED } };
static const struct sfa_price_source gov_only[] = { { "gov", SFA_TIERS_VOLUME } };
static const struct sfa_price_source gov_then_std[] = { { "gov", SFA_TIERS_VOLUME }, { "standard", SFA_TIERS_VOLUME } };

#define BOOKS(b) b, sizeof(b) / sizeof(b[0])

static struct sfa_price last;

/* The gross of `qty` units (`last` holds the rest), or -1 with the error's message in `why`. */
static long long gross(const json_t *prices, const char *sku, const struct sfa_price_source *books, size_t nbooks,
		       const char *currency, long long qty, const char *date)
{
	struct sfa_price_query q = { sku, books, nbooks, currency, qty, date };

	memset(&last, 0, sizeof(last));
	if (sfa_price_pick(&last, prices, &q) < 0)
		return -1;
	return last.gross;
}

/* The message of a refused pick, "(accepted)", or "(code N) message" when the code is not `code`. */
static const char *refusal(const json_t *prices, const char *sku, const struct sfa_price_source *books,
			   size_t nbooks, const char *currency, long long qty, const char *date, int code)
{
	static char msg[512];
	struct sfa_price_query q = { sku, books, nbooks, currency, qty, date };
	struct sfa_price p;
	int err = sfa_price_pick(&p, prices, &q);

	if (err == 0)
		return "(accepted)";
	snprintf(msg, sizeof(msg), "%s%s", err == code ? "" : "(other code) ", sfa_error_last());
	return msg;
}

/* A product with one price entry `entry` (a JSON object literal) for checking how entries are read. */
static const char *entry_refusal(const char *entry)
{
	static char msg[512];
	struct sfa_buf text = SFA_BUF_INIT;
	json_t *prices;

	sfa_buf_addf(&text, "[%s]", entry);
	prices = unit_json(text.buf);
	sfa_buf_release(&text);
	if (!prices)
		return "(bad test JSON)";
	snprintf(msg, sizeof(msg), "%s", refusal(prices, "X-1", BOOKS(std_volume), "EUR", 1, "2026-03-01",
						 SFA_EINPUT));
	json_decref(prices);
	return msg;
}

static const char widget_prices[] =
	"["
	"{\"book\": \"standard\", \"currency\": \"EUR\", \"price\": \"100.00\", \"valid_until\": \"2026-12-31\"},"
	"{\"book\": \"standard\", \"currency\": \"EUR\", \"price\": \"90.00\", \"min_qty\": 10},"
	"{\"book\": \"standard\", \"currency\": \"EUR\", \"price\": \"80\", \"min_qty\": 50},"
	"{\"book\": \"standard\", \"currency\": \"USD\", \"price\": \"110.00\"},"
	"{\"book\": \"standard\", \"currency\": \"EUR\", \"price\": \"95.00\", \"valid_from\": \"2027-01-01\"},"
	"{\"book\": \"gov\", \"currency\": \"EUR\", \"price\": \"85.00\", \"valid_from\": \"2026-01-01\","
	" \"valid_until\": \"2026-06-30\"},"
	"{\"book\": \"standard\", \"currency\": \"JPY\", \"price\": \"15000\"},"
	"{\"book\": \"standard\", \"currency\": \"BHD\", \"price\": \"37.625\"}"
	"]";

static void test_pick_volume(void)
{
	json_t *p = unit_json(widget_prices);

	if (!CHECK(p != NULL))
		return;
	/* EUR in 2026: band 1 at 100.00 (prices[0]), band 10 at 90.00, band 50 at 80.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 1, "2026-03-01"), 10000);
	CHECK_STR(last.book, "standard");
	CHECK_INT(last.unit, 10000);
	CHECK_INT(last.entry, 0);
	CHECK_INT(last.tiers, SFA_TIERS_VOLUME);
	/* 9 x 100.00 = 900.00: the last unit below the band of 10 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 9, "2026-03-01"), 90000);
	/* 10 x 90.00 = 900.00: every unit at the band's price */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 10, "2026-03-01"), 90000);
	CHECK_INT(last.unit, 9000);
	CHECK_INT(last.entry, 1);
	/* 49 x 90.00 = 4410.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 49, "2026-03-01"), 441000);
	/* 50 x 80.00 = 4000.00, less than 49 units cost */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 50, "2026-03-01"), 400000);
	CHECK_INT(last.unit, 8000);
	CHECK_INT(last.entry, 2);
	/* the currency picks the entries: 3 x 110.00 USD */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "USD", 3, "2026-03-01"), 33000);
	CHECK_INT(last.entry, 3);
	/* JPY has no decimals: 3 x 15000 = 45000 yen */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "JPY", 3, "2026-03-01"), 45000);
	/* BHD has three: 3 x 37.625 = 112.875 BHD = 112875 fils */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "BHD", 3, "2026-03-01"), 112875);
	json_decref(p);
}

static void test_pick_graduated(void)
{
	json_t *p = unit_json(widget_prices);

	if (!CHECK(p != NULL))
		return;
	/* 9 units, all in band 1: 9 x 100.00 = 900.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 9, "2026-03-01"), 90000);
	CHECK_INT(last.tiers, SFA_TIERS_GRADUATED);
	/* 10: 9 x 100.00 + 1 x 90.00 = 990.00; the top band reached is 10's */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 10, "2026-03-01"), 99000);
	CHECK_INT(last.unit, 9000);
	CHECK_INT(last.entry, 1);
	/* 49: 900.00 + 40 x 90.00 = 4500.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 49, "2026-03-01"), 450000);
	/* 50: 900.00 + 3600.00 + 1 x 80.00 = 4580.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 50, "2026-03-01"), 458000);
	CHECK_INT(last.unit, 8000);
	CHECK_INT(last.entry, 2);
	/* 100: 900.00 + 3600.00 + 51 x 80.00 = 8580.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 100, "2026-03-01"), 858000);
	/* 2027: band 1 is prices[4] at 95.00; 10 units: 9 x 95.00 + 90.00 = 945.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 10, "2027-01-01"), 94500);
	json_decref(p);
}

static void test_pick_dates_and_fallback(void)
{
	json_t *p = unit_json(widget_prices);

	if (!CHECK(p != NULL))
		return;
	/* valid_until is inclusive: prices[0] on its last day, prices[4] from the next */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 1, "2026-12-31"), 10000);
	CHECK_INT(last.entry, 0);
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 1, "2027-01-01"), 9500);
	CHECK_INT(last.entry, 4);
	/* the band of 10 has no dates: valid whenever */
	CHECK_INT(gross(p, "WID-100", BOOKS(std_volume), "EUR", 10, "2031-05-05"), 90000);

	/* gov first: 10 x 85.00 while its price is valid, though standard has a band of 10 */
	CHECK_INT(gross(p, "WID-100", BOOKS(gov_then_std), "EUR", 10, "2026-06-30"), 85000);
	CHECK_STR(last.book, "gov");
	CHECK_INT(last.entry, 5);
	/* valid_from is inclusive too */
	CHECK_INT(gross(p, "WID-100", BOOKS(gov_then_std), "EUR", 1, "2026-01-01"), 8500);
	/* outside gov's dates the fallback prices it: 10 x 90.00 */
	CHECK_INT(gross(p, "WID-100", BOOKS(gov_then_std), "EUR", 10, "2026-07-01"), 90000);
	CHECK_STR(last.book, "standard");
	CHECK_INT(gross(p, "WID-100", BOOKS(gov_then_std), "EUR", 1, "2025-12-31"), 10000);
	/* gov has no USD: the fallback's */
	CHECK_INT(gross(p, "WID-100", BOOKS(gov_then_std), "USD", 1, "2026-03-01"), 11000);
	CHECK_STR(last.book, "standard");
	json_decref(p);
}

static void test_pick_none(void)
{
	json_t *p = unit_json(widget_prices);
	json_t *pump = unit_json("[{\"book\": \"standard\", \"currency\": \"EUR\", \"price\": \"500.00\", "
				 "\"min_qty\": 10}]");
	json_t *empty = unit_json("[]");

	if (!CHECK(p && pump && empty))
		return;
	CHECK_STR(refusal(p, "WID-100", BOOKS(std_volume), "CHF", 1, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'WID-100' in book 'standard' in CHF");
	CHECK_STR(refusal(p, "WID-100", BOOKS(gov_then_std), "CHF", 1, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'WID-100' in books 'gov', 'standard' in CHF");
	CHECK_STR(refusal(p, "WID-100", BOOKS(gov_only), "EUR", 1, "2026-07-01", SFA_ENOTFOUND),
		  "no price for 'WID-100' in book 'gov' in EUR on 2026-07-01");
	/* no book of that name in the list */
	CHECK_STR(refusal(p, "WID-100", (const struct sfa_price_source[]){ { "partner", SFA_TIERS_VOLUME } }, 1,
			  "EUR", 1, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'WID-100' in book 'partner' in EUR");
	/* volume: the lowest band is 10 */
	CHECK_STR(refusal(pump, "PUMP-XL", BOOKS(std_volume), "EUR", 5, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'PUMP-XL' in book 'standard' in EUR for qty 5");
	CHECK_INT(gross(pump, "PUMP-XL", BOOKS(std_volume), "EUR", 10, "2026-03-01"), 500000);
	/* graduated: units 1-9 have no band, whatever the quantity */
	CHECK_STR(refusal(pump, "PUMP-XL", BOOKS(std_graduated), "EUR", 15, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'PUMP-XL' in book 'standard' in EUR for qty 15");
	CHECK_STR(refusal(empty, "SVC-1", BOOKS(std_volume), "EUR", 1, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'SVC-1' in book 'standard' in EUR");
	CHECK_STR(refusal(NULL, "SVC-1", BOOKS(std_volume), "EUR", 1, "2026-03-01", SFA_ENOTFOUND),
		  "no price for 'SVC-1' in book 'standard' in EUR");

	/* bad queries */
	CHECK_STR(refusal(p, "WID-100", BOOKS(std_volume), "EUR", 1, "2026-3-1", SFA_EINPUT),
		  "not a date (YYYY-MM-DD): '2026-3-1'");
	CHECK_STR(refusal(p, "WID-100", BOOKS(std_volume), "EUR", 1, "2026-02-29", SFA_EINPUT),
		  "not a date (YYYY-MM-DD): '2026-02-29'");
	CHECK_STR(refusal(p, "WID-100", BOOKS(std_volume), "EUR", 0, "2026-03-01", SFA_EINPUT),
		  "product 'WID-100': qty 0: expected 1 or more");
	CHECK_STR(refusal(p, "WID-100", std_volume, 0, "EUR", 1, "2026-03-01", SFA_EUSAGE),
		  "no price book to look 'WID-100' up in");
	json_decref(p);
	json_decref(pump);
	json_decref(empty);
}

#define ENTRY(extra) "{\"book\": \"standard\", \"currency\": \"EUR\"" extra "}"

static void test_pick_bad_entries(void)
{
	json_t *big = unit_json("[{\"book\": \"standard\", \"currency\": \"EUR\", \"price\": \"90000000000000.00\"}]");

	/* a well-formed entry, for contrast */
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.50\"")), "(accepted)");
	/* trailing zeros past the currency's decimals are the same amount */
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.5000\"")), "(accepted)");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.345\"")),
		  "product 'X-1': prices[0].price: amount '12.345': EUR has 2 decimals");
	CHECK_STR(entry_refusal("{\"book\": \"x\", \"currency\": \"JPY\", \"price\": \"15000.5\"}"),
		  "product 'X-1': prices[0].price: amount '15000.5': JPY has 0 decimals");
	CHECK_STR(entry_refusal("{\"book\": \"x\", \"currency\": \"KWD\", \"price\": \"1.2345\"}"),
		  "product 'X-1': prices[0].price: amount '1.2345': KWD has 3 decimals");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"1,200.00\"")),
		  "product 'X-1': prices[0].price: not an amount: '1,200.00' (no thousands separators; "
		  "write '1200.50 EUR')");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"-1.00\"")), "product 'X-1': prices[0].price: '-1.00' is negative");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.00 USD\"")),
		  "product 'X-1': prices[0].price: '12.00 USD' is not in EUR");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": 12")), "product 'X-1': prices[0].price: expected text");
	CHECK_STR(entry_refusal("{\"book\": \"standard\", \"price\": \"12.00\"}"),
		  "product 'X-1': prices[0]: needs \"book\", \"currency\" and \"price\"");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.00\", \"min_qty\": 0")),
		  "product 'X-1': prices[0].min_qty: expected a whole number from 1");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.00\", \"min_qty\": \"10\"")),
		  "product 'X-1': prices[0].min_qty: expected a whole number from 1");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.00\", \"valid_from\": \"2026-02-30\"")),
		  "product 'X-1': prices[0].valid_from: not a date (YYYY-MM-DD): '2026-02-30'");
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.00\", \"valid_until\": \"31.12.2026\"")),
		  "product 'X-1': prices[0].valid_until: not a date (YYYY-MM-DD): '31.12.2026'");
	/* a misspelt key would otherwise leave the price valid for ever */
	CHECK_STR(entry_refusal(ENTRY(", \"price\": \"12.00\", \"valid_untill\": \"2026-12-31\"")),
		  "product 'X-1': prices[0]: 'valid_untill' is not a price setting (book, currency, price, "
		  "min_qty, valid_from, valid_until)");
	CHECK_STR(entry_refusal("\"12.00\""), "product 'X-1': prices[0]: expected an object like {\"book\": "
		  "\"standard\", \"currency\": \"EUR\", \"price\": \"1200.00\"}");
	/* a bad entry of another book still counts: the list is wrong */
	CHECK_STR(entry_refusal("{\"book\": \"other\", \"currency\": \"EUR\", \"price\": \"1.001\"}"),
		  "product 'X-1': prices[0].price: amount '1.001': EUR has 2 decimals");
	/* two prices for the same band on the same day cannot both hold */
	{
		json_t *two = unit_json("[" ENTRY(", \"price\": \"10.00\"") "," ENTRY(", \"price\": \"11.00\", "
					"\"valid_from\": \"2026-01-01\"") "]");
		CHECK_STR(refusal(two, "X-1", BOOKS(std_volume), "EUR", 1, "2026-03-01", SFA_EINPUT),
			  "product 'X-1': prices[0] and prices[1]: two prices in book 'standard' in EUR from qty 1 "
			  "on 2026-03-01");
		/* before the second starts, the first alone holds */
		CHECK_INT(gross(two, "X-1", BOOKS(std_volume), "EUR", 1, "2025-12-31"), 1000);
		json_decref(two);
	}
	/* 9e15 cents x 10000 is past a long long */
	CHECK_STR(refusal(big, "X-1", BOOKS(std_volume), "EUR", 10000, "2026-03-01", SFA_EINPUT),
		  "product 'X-1': the price of 10000 units is too large");
	CHECK_INT(gross(big, "X-1", BOOKS(std_volume), "EUR", 1000, "2026-03-01"), 9000000000000000000LL);
	CHECK_STR(refusal(big, "X-1", BOOKS(std_graduated), "EUR", 10000, "2026-03-01", SFA_EINPUT),
		  "product 'X-1': the price of 10000 units is too large");
	json_decref(big);
}

/* --- totals --- */

static struct sfa_price_totals tot = SFA_PRICE_TOTALS_INIT;

static int compute(const struct sfa_price_line *lines, size_t n, int discount, enum sfa_rounding mode,
		   enum sfa_rounding_per per)
{
	struct sfa_price_opts o = SFA_PRICE_OPTS_INIT;
	long long taxes = 0;
	int err;

	o.discount = discount;
	o.rounding = mode;
	o.per = per;
	sfa_price_totals_release(&tot);
	err = sfa_price_compute(&tot, lines, n, &o);
	if (err < 0)
		return err;
	/* what must hold of every result */
	for (size_t i = 0; i < tot.ntaxes; i++) {
		taxes += tot.taxes[i].tax;
		if (i)
			CHECK(tot.taxes[i - 1].rate < tot.taxes[i].rate);
	}
	CHECK_INT(tot.tax_total, taxes);
	CHECK_INT(tot.total, tot.subtotal - tot.discount_total + tot.tax_total);
	CHECK_INT(tot.nlines, n);
	return err;
}

#define HE SFA_ROUND_HALF_EVEN
#define HU SFA_ROUND_HALF_UP
#define LINE SFA_ROUND_PER_LINE
#define TOTAL SFA_ROUND_PER_TOTAL

static void check_figures(long long subtotal, long long discount_total, long long tax_total, long long total,
			  int discount)
{
	CHECK_INT(tot.subtotal, subtotal);
	CHECK_INT(tot.discount_total, discount_total);
	CHECK_INT(tot.tax_total, tax_total);
	CHECK_INT(tot.total, total);
	CHECK_INT(tot.discount, discount);
}

static void check_tax(size_t i, int rate, long long base, long long tax)
{
	if (!CHECK(i < tot.ntaxes))
		return;
	CHECK_INT(tot.taxes[i].rate, rate);
	CHECK_INT(tot.taxes[i].base, base);
	CHECK_INT(tot.taxes[i].tax, tax);
}

static void test_totals_simple(void)
{
	/*
	 * EUR: 3 x 100.00 less 10% = 270.00 at 19%; 2 x 12.50 = 25.00 at 7%.
	 * subtotal 325.00, discount 30.00; tax 7% of 25.00 = 1.75, 19% of
	 * 270.00 = 51.30: 53.05; total 295.00 + 53.05 = 348.05. Discount
	 * 30/325 = 9.2307...% -> 924 rounded up. No halves: all four ways agree.
	 */
	static const struct sfa_price_line lines[] = {
		{ 10000, 3, 0, 1000, 1900 },
		{ 1250, 2, 0, 0, 700 },
	};
	static const enum sfa_rounding modes[] = { HE, HU };
	static const enum sfa_rounding_per pers[] = { LINE, TOTAL };

	for (int m = 0; m < 2; m++)
		for (int p = 0; p < 2; p++) {
			if (!CHECK_INT(compute(lines, 2, 0, modes[m], pers[p]), 0))
				continue;
			check_figures(32500, 3000, 5305, 34805, 924);
			CHECK_INT(tot.ntaxes, 2);
			check_tax(0, 700, 2500, 175);
			check_tax(1, 1900, 27000, 5130);
			CHECK_INT(tot.lines[0].gross, 30000);
			CHECK_INT(tot.lines[0].amount, 27000);
			CHECK_INT(tot.lines[0].net, 27000);
			CHECK_INT(tot.lines[1].gross, 2500);
		}
}

static void test_totals_rounding(void)
{
	/*
	 * EUR, all 10% off at 19%, gross 1.05, 0.05, 0.25, 0.10: exact
	 * amounts 0.945, 0.045, 0.225, 0.09, sum 1.305; subtotal 1.45.
	 *
	 * per line, half-even: 0.94 + 0.04 + 0.22 + 0.09 = 1.29, discount
	 *   0.16; tax 19% of 1.29 = 0.2451 -> 0.25; total 1.54;
	 *   16/145 = 11.034% -> 1104
	 * per line, half-up: 0.95 + 0.05 + 0.23 + 0.09 = 1.32, discount
	 *   0.13; tax 0.2508 -> 0.25; total 1.57; 13/145 = 8.965% -> 897
	 * per total, half-even: 1.305 -> 1.30 (0 is even), discount 0.15;
	 *   tax 19% of 1.305 = 0.24795 -> 0.25; total 1.55; 15/145 -> 1035
	 * per total, half-up: 1.305 -> 1.31, discount 0.14; tax 0.25;
	 *   total 1.56; 14/145 = 9.655% -> 966
	 */
	static const struct sfa_price_line lines[] = {
		{ 105, 1, 0, 1000, 1900 },
		{ 5, 1, 0, 1000, 1900 },
		{ 25, 1, 0, 1000, 1900 },
		{ 10, 1, 0, 1000, 1900 },
	};

	if (CHECK_INT(compute(lines, 4, 0, HE, LINE), 0)) {
		check_figures(145, 16, 25, 154, 1104);
		check_tax(0, 1900, 129, 25);
		CHECK_INT(tot.lines[0].amount, 94);
		CHECK_INT(tot.lines[1].amount, 4);
		CHECK_INT(tot.lines[2].amount, 22);
		CHECK_INT(tot.lines[2].net, 22);
	}
	if (CHECK_INT(compute(lines, 4, 0, HU, LINE), 0)) {
		check_figures(145, 13, 25, 157, 897);
		check_tax(0, 1900, 132, 25);
		CHECK_INT(tot.lines[0].amount, 95);
		CHECK_INT(tot.lines[1].amount, 5);
		CHECK_INT(tot.lines[2].amount, 23);
	}
	if (CHECK_INT(compute(lines, 4, 0, HE, TOTAL), 0)) {
		check_figures(145, 15, 25, 155, 1035);
		check_tax(0, 1900, 130, 25);
		/* the lines' own figures are rounded for showing only */
		CHECK_INT(tot.lines[0].amount, 94);
		CHECK_INT(tot.lines[0].net, 94);
	}
	if (CHECK_INT(compute(lines, 4, 0, HU, TOTAL), 0)) {
		check_figures(145, 14, 25, 156, 966);
		check_tax(0, 1900, 131, 25);
		CHECK_INT(tot.lines[0].net, 95);
	}

	/* a tax of exactly half a cent: 11% of 1.50 = 0.165 -> 0.16 half-even, 0.17 half-up */
	{
		static const struct sfa_price_line one[] = { { 150, 1, 0, 0, 1100 } };
		if (CHECK_INT(compute(one, 1, 0, HE, LINE), 0))
			check_figures(150, 0, 16, 166, 0);
		if (CHECK_INT(compute(one, 1, 0, HU, LINE), 0))
			check_figures(150, 0, 17, 167, 0);
		if (CHECK_INT(compute(one, 1, 0, HE, TOTAL), 0))
			check_figures(150, 0, 16, 166, 0);
	}
}

static void test_totals_quote_discount(void)
{
	/*
	 * EUR, quote discount 5%, rates 19, 7 and 0:
	 *   1: 3 x 19.99 = 59.97 less 10% = 53.973 -> 53.97; less 5%: 51.2715 -> 51.27
	 *      (exact 51.27435)
	 *   2: 7 x 4.15 = 29.05; less 5%: 27.5975 -> 27.60 (exact the same)
	 *   3: 12.35 less 12.5% = 10.80625 -> 10.81; less 5%: 10.2695 -> 10.27
	 *      (exact 10.2659375)
	 *   4: 2 x 8.05 = 16.10 at 0%; less 5%: 15.295 -> 15.30 (exact the same)
	 * subtotal 117.47.
	 * per line: nets 51.27 + 27.60 + 10.27 + 15.30 = 104.44, discount
	 *   13.03; tax 0% of 15.30 = 0; 7% of 27.60 = 1.932 -> 1.93; 19% of
	 *   61.54 = 11.6926 -> 11.69; taxes 13.62; total 118.06;
	 *   13.03/117.47 = 11.0922% -> 1110
	 * per total: net 104.4327875 -> 104.43, discount 13.04; bases 15.295
	 *   -> 15.30, 27.5975 -> 27.60, 61.5402875 -> 61.54; taxes 0,
	 *   1.931825 -> 1.93, 11.692654625 -> 11.69; total 104.43 + 13.62 =
	 *   118.05; 13.04/117.47 = 11.1007% -> 1111
	 * No exact halves, so the mode does not matter here; per does.
	 */
	static const struct sfa_price_line lines[] = {
		{ 1999, 3, 0, 1000, 1900 },
		{ 415, 7, 0, 0, 700 },
		{ 1235, 1, 0, 1250, 1900 },
		{ 805, 2, 0, 0, 0 },
	};

	for (int m = 0; m < 2; m++) {
		if (CHECK_INT(compute(lines, 4, 500, m ? HU : HE, LINE), 0)) {
			check_figures(11747, 1303, 1362, 11806, 1110);
			CHECK_INT(tot.ntaxes, 3);
			check_tax(0, 0, 1530, 0);
			check_tax(1, 700, 2760, 193);
			check_tax(2, 1900, 6154, 1169);
			CHECK_INT(tot.lines[0].amount, 5397);
			CHECK_INT(tot.lines[0].net, 5127);
			CHECK_INT(tot.lines[2].amount, 1081);
			CHECK_INT(tot.lines[2].net, 1027);
			CHECK_INT(tot.lines[3].net, 1530);
		}
		if (CHECK_INT(compute(lines, 4, 500, m ? HU : HE, TOTAL), 0)) {
			check_figures(11747, 1304, 1362, 11805, 1111);
			check_tax(0, 0, 1530, 0);
			check_tax(1, 700, 2760, 193);
			check_tax(2, 1900, 6154, 1169);
		}
	}
	/* 100% off: nothing to pay, no tax */
	if (CHECK_INT(compute(lines, 4, 10000, HE, LINE), 0))
		check_figures(11747, 11747, 0, 0, 10000);
}

static void test_totals_currencies(void)
{
	/*
	 * JPY (no decimals), 10%: 3 x 1000 yen less 15% = 2550; 105 yen less
	 * 10% = 94.5. subtotal 3105.
	 * per line, half-even: 2550 + 94 = 2644, discount 461; tax 264.4 ->
	 *   264; total 2908; 461/3105 = 14.847% -> 1485
	 * per line, half-up: 2550 + 95 = 2645, discount 460; tax 264.5 ->
	 *   265; total 2910; 460/3105 = 14.815% -> 1482
	 * per total, half-up: 2644.5 -> 2645, discount 460; tax 10% of
	 *   the exact 2644.5 = 264.45 -> 264 (not 265: rounded once);
	 *   total 2909
	 */
	static const struct sfa_price_line yen[] = {
		{ 1000, 3, 0, 1500, 1000 },
		{ 105, 1, 0, 1000, 1000 },
	};
	/*
	 * BHD (three decimals), quote discount 2.5%: 2 x 12.345 = 24.690
	 * less 12.5% = 21.60375 -> 21.604 at 10%, less 2.5%: 21.0639 ->
	 * 21.064; 1.999 at 5%, less 2.5%: 1.949025 -> 1.949. subtotal 26.689,
	 * nets 23.013, discount 3.676; tax 5% of 1.949 = 0.09745 -> 0.097,
	 * 10% of 21.064 = 2.1064 -> 2.106; taxes 2.203; total 25.216;
	 * 3.676/26.689 = 13.7734% -> 1378
	 */
	static const struct sfa_price_line dinar[] = {
		{ 12345, 2, 0, 1250, 1000 },
		{ 1999, 1, 0, 0, 500 },
	};

	if (CHECK_INT(compute(yen, 2, 0, HE, LINE), 0)) {
		check_figures(3105, 461, 264, 2908, 1485);
		check_tax(0, 1000, 2644, 264);
	}
	if (CHECK_INT(compute(yen, 2, 0, HU, LINE), 0)) {
		check_figures(3105, 460, 265, 2910, 1482);
		check_tax(0, 1000, 2645, 265);
	}
	if (CHECK_INT(compute(yen, 2, 0, HU, TOTAL), 0)) {
		check_figures(3105, 460, 264, 2909, 1482);
		check_tax(0, 1000, 2645, 264);
	}
	if (CHECK_INT(compute(dinar, 2, 250, HE, LINE), 0)) {
		check_figures(26689, 3676, 2203, 25216, 1378);
		check_tax(0, 500, 1949, 97);
		check_tax(1, 1000, 21064, 2106);
		CHECK_INT(tot.lines[0].amount, 21604);
		CHECK_INT(tot.lines[0].net, 21064);
	}
}

static void test_totals_gross_given(void)
{
	json_t *p = unit_json(widget_prices);
	struct sfa_price_line line = { 0, 0, 0, 1000, 1900 };

	if (!CHECK(p != NULL))
		return;
	/* graduated 50 units: 4580.00, less 10% = 4122.00, 19% = 783.18 */
	if (CHECK_INT(gross(p, "WID-100", BOOKS(std_graduated), "EUR", 50, "2026-03-01"), 458000)) {
		line.gross = last.gross;
		if (CHECK_INT(compute(&line, 1, 0, HE, LINE), 0)) {
			check_figures(458000, 45800, 78318, 490518, 1000);
			CHECK_INT(tot.lines[0].gross, 458000);
		}
	}
	json_decref(p);
	/* no lines: all zero */
	if (CHECK_INT(compute(NULL, 0, 1000, HE, LINE), 0)) {
		check_figures(0, 0, 0, 0, 0);
		CHECK_INT(tot.ntaxes, 0);
	}
}

static const char *compute_refusal(const struct sfa_price_line *lines, size_t n, int discount)
{
	static char msg[256];
	int err = compute(lines, n, discount, HE, LINE);

	if (err == 0)
		return "(accepted)";
	if (!CHECK(tot.lines == NULL && tot.taxes == NULL && tot.total == 0))
		return "(refused but handed out figures)";
	snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

static void test_totals_refused(void)
{
	const struct sfa_price_line huge[] = { { LLONG_MAX, 2, 0, 0, 0 } };
	const struct sfa_price_line halves[] = { { LLONG_MAX / 2 + 1, 1, 0, 0, 0 }, { LLONG_MAX / 2 + 1, 1, 0, 0, 0 } };
	const struct sfa_price_line taxed[] = { { LLONG_MAX - 10, 1, 0, 0, 1900 } };
	const struct sfa_price_line fits[] = { { LLONG_MAX / 2, 1, 0, 0, 0 }, { LLONG_MAX / 2, 1, 0, 0, 0 } };
	const struct sfa_price_line neg[] = { { 100, 1, 0, 0, 0 }, { -100, 1, 0, 0, 0 } };
	const struct sfa_price_line neg_gross[] = { { 0, 0, -5, 0, 0 } };
	const struct sfa_price_line neg_qty[] = { { 100, -1, 0, 0, 0 } };
	const struct sfa_price_line disc[] = { { 100, 1, 0, 10001, 0 } };
	const struct sfa_price_line rate[] = { { 100, 1, 0, 0, -1 } };
	const struct sfa_price_line ok[] = { { 100, 1, 0, 0, 0 } };

	CHECK_STR(compute_refusal(huge, 1, 0), "line 1: too large");
	CHECK_STR(compute_refusal(halves, 2, 0), "subtotal: too large");
	/* the sum fits, the tax on top does not */
	CHECK_STR(compute_refusal(taxed, 1, 0), "total: too large");
	CHECK_STR(compute_refusal(fits, 2, 0), "(accepted)");
	CHECK_INT(tot.total, LLONG_MAX - 1);
	CHECK_STR(compute_refusal(neg, 2, 0), "line 2: negative price");
	CHECK_STR(compute_refusal(neg_gross, 1, 0), "line 1: negative price");
	CHECK_STR(compute_refusal(neg_qty, 1, 0), "line 1: qty -1: negative");
	CHECK_STR(compute_refusal(disc, 1, 0), "line 1: discount 10001: expected 0-10000 hundredths of a percent");
	CHECK_STR(compute_refusal(rate, 1, 0), "line 1: tax rate -1: expected 0-10000 hundredths of a percent");
	CHECK_STR(compute_refusal(ok, 1, -1), "quote discount -1: expected 0-10000 hundredths of a percent");
	CHECK_STR(compute_refusal(ok, 1, 10001), "quote discount 10001: expected 0-10000 hundredths of a percent");
	sfa_price_totals_release(&tot);
}

void unit_tests(void)
{
	test_percent();
	test_names();
	test_pick_volume();
	test_pick_graduated();
	test_pick_dates_and_fallback();
	test_pick_none();
	test_pick_bad_entries();
	test_totals_simple();
	test_totals_rounding();
	test_totals_quote_discount();
	test_totals_currencies();
	test_totals_gross_given();
	test_totals_refused();
}
