/*
 * Money: an amount in integer minor units of its currency (cents for EUR,
 * yen for JPY), never binary floating point. Text form "1200.50 EUR".
 */
#ifndef SFA_MONEY_H
#define SFA_MONEY_H

#include "sfa/buf.h"

struct sfa_money {
	long long minor;	/* amount in minor units */
	char currency[4];	/* ISO 4217 code, upper case */
	int exponent;		/* digits after the decimal point: 2 for EUR, 0 for JPY */
};

/* Digits after the decimal point for an ISO 4217 code (2 unless known otherwise). */
int sfa_money_exponent(const char *currency);
/* 1 when `code` (upper case) is an ISO 4217 currency in use. */
int sfa_money_currency_known(const char *code);

/*
 * Parses "1200.50 EUR", "EUR 1200.50", "-3 USD" or, when `currency` is
 * given, a bare "1200.5". More decimals than the currency has (other than
 * trailing zeros), thousands separators, or no currency: SFA_EINPUT with
 * a message saying which.
 */
int sfa_money_parse(struct sfa_money *out, const char *s, const char *currency);

/*
 * Appends `minor` as a decimal with `exponent` digits after the point:
 * "1234.50", or "1,234.50" when `group` (for documents people read).
 */
void sfa_money_decimal(struct sfa_buf *out, long long minor, int exponent, int group);

/* Appends "1200.50 EUR". */
void sfa_money_format(struct sfa_buf *out, const struct sfa_money *m);

#endif
