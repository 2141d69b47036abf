/* Money parsing and formatting in exact minor units. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sfa/error.h"
#include "sfa/money.h"
#include "sfa/banned.h"

/* ISO 4217 codes of currencies in use (funds and precious metals left out). */
static const char iso4217[] =
	"AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN "
	"BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB "
	"EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK "
	"JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD "
	"MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR "
	"PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP "
	"SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UYW UZS VED VES VND VUV WST XAF "
	"XCD XOF XPF YER ZAR ZMW ZWL";

int sfa_money_currency_known(const char *code)
{
	const char *p;
	if (strlen(code) != 3)
		return 0;
	for (p = strstr(iso4217, code); p; p = strstr(p + 1, code))
		if ((p - iso4217) % 4 == 0)
			return 1;
	return 0;
}

int sfa_money_exponent(const char *currency)
{
	/* ISO 4217 currencies whose minor unit is not the usual hundredth */
	static const char zero[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
	static const char three[] = "BHD IQD JOD KWD LYD OMR TND";
	static const char four[] = "CLF UYW";

	if (strlen(currency) != 3)
		return 2;
	if (strstr(zero, currency))
		return 0;
	if (strstr(three, currency))
		return 3;
	if (strstr(four, currency))
		return 4;
	return 2;
}

static int is_code(const char *s, size_t n)
{
	if (n != 3)
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (!isalpha((unsigned char)s[i]))
			return 0;
	return 1;
}

int sfa_money_parse(struct sfa_money *out, const char *s, const char *currency)
{
	const char *num, *p = s;
	size_t nlen = 0;
	char cur[4] = "";
	int neg = 0, frac = 0, exp;
	long long v = 0;

	while (*p == ' ')
		p++;
	/* "EUR 12.00" or "12.00 EUR" */
	if (isalpha((unsigned char)*p)) {
		size_t k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (!is_code(p, k))
			return sfa_error_set(SFA_EINPUT, "not an amount: '%s' (write '1200.50 EUR')", s);
		memcpy(cur, p, 3);
		p += 3;
		while (*p == ' ')
			p++;
	}
	num = p;
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	nlen = (size_t)(p - num);
	while (*p == ' ')
		p++;
	if (*p && !cur[0]) {
		size_t k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (is_code(p, k)) {
			memcpy(cur, p, 3);
			p += 3;
			while (*p == ' ')
				p++;
		}
	}
	if (*p == ',' || (*p && strchr("0123456789", *p)))
		return sfa_error_set(SFA_EINPUT, "not an amount: '%s' (no thousands separators; write '1200.50 EUR')", s);
	if (*p || !nlen)
		return sfa_error_set(SFA_EINPUT, "not an amount: '%s' (write '1200.50 EUR')", s);
	if (!cur[0]) {
		if (!currency || !*currency)
			return sfa_error_set(SFA_EINPUT, "amount '%s' has no currency (write '%s EUR')", s, s);
		if (strlen(currency) != 3)
			return sfa_error_set(SFA_EINPUT, "'%s' is not a currency code", currency);
		memcpy(cur, currency, 3);
	}
	for (int i = 0; i < 3; i++)
		cur[i] = (char)toupper((unsigned char)cur[i]);
	if (!sfa_money_currency_known(cur))
		return sfa_error_set(SFA_EINPUT, "amount '%s': unknown currency '%s' (an ISO 4217 code like EUR)", s, cur);
	exp = sfa_money_exponent(cur);
	p = num;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return sfa_error_set(SFA_EINPUT, "not an amount: '%s'", s);
	int seen_dot = 0, digits = 0;
	for (; p < num + nlen; p++) {
		if (*p == '.') {
			if (seen_dot)
				return sfa_error_set(SFA_EINPUT, "not an amount: '%s'", s);
			seen_dot = 1;
			continue;
		}
		if (seen_dot && frac >= exp) {
			if (*p != '0')
				return sfa_error_set(SFA_EINPUT, "amount '%s': %s has %d decimal%s", s, cur, exp,
						     exp == 1 ? "" : "s");
			continue;
		}
		if (v > (LLONG_MAX - 9) / 10 || ++digits > 17)
			return sfa_error_set(SFA_EINPUT, "amount '%s': too large", s);
		v = v * 10 + (*p - '0');
		if (seen_dot)
			frac++;
	}
	/* The limit is on the minor units, so "1.5" counts as "1.50" does. */
	for (; frac < exp; frac++) {
		if (v > LLONG_MAX / 10 || ++digits > 17)
			return sfa_error_set(SFA_EINPUT, "amount '%s': too large", s);
		v *= 10;
	}
	out->minor = neg ? -v : v;
	memcpy(out->currency, cur, 4);
	out->exponent = exp;
	return 0;
}

void sfa_money_decimal(struct sfa_buf *out, long long minor, int exponent, int group)
{
	unsigned long long a = minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
	unsigned long long unit = 1;
	char digits[24];
	int n;

	for (int i = 0; i < exponent; i++)
		unit *= 10;
	n = snprintf(digits, sizeof(digits), "%llu", a / unit);
	if (minor < 0)
		sfa_buf_addch(out, '-');
	for (int i = 0; i < n; i++) {
		if (group && i && (n - i) % 3 == 0)
			sfa_buf_addch(out, ',');
		sfa_buf_addch(out, digits[i]);
	}
	if (exponent)
		sfa_buf_addf(out, ".%0*llu", exponent, a % unit);
}

void sfa_money_format(struct sfa_buf *out, const struct sfa_money *m)
{
	sfa_money_decimal(out, m->minor, m->exponent, 0);
	sfa_buf_addf(out, " %s", m->currency);
}
