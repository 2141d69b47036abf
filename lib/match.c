#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "sfa/buf.h"
#include "sfa/match.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int ascii_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int ascii_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int ascii_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], s, n))
			return 1;
	return 0;
}

/* Labels of letters, digits and inner hyphens (or UTF-8), and a top-level domain. */
static int domain_valid(const char *s, size_t n)
{
	size_t label = 0, labels = 0, digits = 0;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (!label || label > 63 || s[i - 1] == '-')
				return 0;
			labels++;
			if (i == n && (label < 2 || digits == label))
				return 0;	/* a top-level domain has letters */
			label = digits = 0;
			continue;
		}
		if (c == '-' && !label)
			return 0;
		if (!ascii_alpha(c) && !ascii_digit(c) && c != '-' && c < 0x80)
			return 0;
		digits += ascii_digit(c);
		label++;
	}
	return labels >= 2;
}

static int local_valid(const char *s, size_t n)
{
	if (!n || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' && s[i + 1] == '.')
			return 0;
		/* the atext of RFC 5322, and UTF-8 for internationalized addresses */
		if (!ascii_alpha(c) && !ascii_digit(c) && c < 0x80 && !strchr("!#$%&'*+-/=?^_`{|}~.", c))
			return 0;
	}
	return 1;
}

static locale_t lower_loc;
static pthread_once_t lower_loc_once = PTHREAD_ONCE_INIT;

/* Kept for the life of the process; (locale_t)0 when C.UTF-8 is missing. */
static void lower_loc_init(void)
{
	lower_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/*
 * Appends the valid UTF-8 `s` in lowercase: "JOSÉ" and "josé" are one
 * mailbox as surely as "JOSE" and "jose" (ASCII only without C.UTF-8).
 */
static void add_lower(struct sfa_buf *out, const char *s, size_t len)
{
	size_t i = 0;

	pthread_once(&lower_loc_once, lower_loc_init);
	while (i < len) {
		unsigned cp;
		size_t n;

		if ((unsigned char)s[i] < 0x80) {
			sfa_buf_addch(out, ascii_lower((unsigned char)s[i++]));
			continue;
		}
		n = sfa_utf8_decode(s + i, len - i, &cp);
		if (!n) {	/* not reached: the address was checked */
			sfa_buf_addch(out, s[i++]);
			continue;
		}
		if (lower_loc)
			cp = (unsigned)towlower_l((wint_t)cp, lower_loc);
		sfa_utf8_put(out, cp);
		i += n;
	}
}

/*
 * Puts the trimmed, lowercased address in `out` and the offset of its '@'
 * in `*at`; 0 (and `out` empty) unless it is local@domain.tld.
 */
static int email_parse(struct sfa_buf *out, const char *email, size_t *at)
{
	const char *s = email, *e, *sign;

	sfa_buf_reset(out);
	if (!email)
		return 0;
	while (ascii_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && ascii_space(e[-1]))
		e--;
	if (e - s > 254 || !sfa_utf8_valid(s, (size_t)(e - s), NULL))
		return 0;
	sign = memchr(s, '@', (size_t)(e - s));
	if (!sign || memchr(sign + 1, '@', (size_t)(e - sign - 1)) ||
	    !local_valid(s, (size_t)(sign - s)) || !domain_valid(sign + 1, (size_t)(e - sign - 1)))
		return 0;
	add_lower(out, s, (size_t)(sign - s));
	*at = out->len;
	add_lower(out, sign, (size_t)(e - sign));
	return 1;
}

/* Providers that deliver local+tag to local, so the tag never tells people apart. */
static const char *const plus_providers[] = {
	"gmail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com",
	"fastmail.com", "protonmail.com", "proton.me",
};

int sfa_match_email_key(struct sfa_buf *out, const char *email)
{
	size_t at, w = 0;
	const char *domain;
	int plus, gmail;

	if (!email_parse(out, email, &at))
		return 0;
	if (!strcmp(out->buf + at + 1, "googlemail.com")) {
		sfa_buf_setlen(out, at + 1);
		sfa_buf_addstr(out, "gmail.com");
	}
	domain = out->buf + at + 1;
	gmail = !strcmp(domain, "gmail.com");
	plus = in_list(domain, strlen(domain), plus_providers, ARRAY_SIZE(plus_providers));
	if (!gmail && !plus)
		return 1;
	for (size_t r = 0; r < at; r++) {
		char c = out->buf[r];
		if (plus && c == '+')
			break;
		if (gmail && c == '.')
			continue;
		out->buf[w++] = c;
	}
	if (!w) {
		sfa_buf_reset(out);	/* "+tag@gmail.com" names no mailbox */
		return 0;
	}
	memmove(out->buf + w, out->buf + at, out->len - at);
	sfa_buf_setlen(out, w + out->len - at);
	return 1;
}

static const char *const free_mail[] = {
	"126.com", "163.com", "abv.bg", "aol.com", "bk.ru", "fastmail.com", "gmail.com",
	"gmx.at", "gmx.ch", "gmx.com", "gmx.de", "gmx.net", "googlemail.com", "icloud.com",
	"inbox.ru", "list.ru", "mac.com", "mail.bg", "mail.ru", "me.com", "msn.com",
	"proton.me", "protonmail.com", "qq.com", "web.de", "ya.ru", "yandex.com", "yandex.ru",
	"ymail.com",
};

/* Providers with a domain per country: yahoo.de, hotmail.co.uk, outlook.com.br. */
static const char *const free_mail_any_tld[] = { "hotmail", "live", "outlook", "yahoo" };

static int is_free_mail(const char *domain)
{
	const char *dot = strchr(domain, '.'), *rest;

	if (in_list(domain, strlen(domain), free_mail, ARRAY_SIZE(free_mail)))
		return 1;
	if (!in_list(domain, (size_t)(dot - domain), free_mail_any_tld, ARRAY_SIZE(free_mail_any_tld)))
		return 0;
	/* only a country suffix may follow: live.example.com is a company's */
	rest = dot + 1;
	if (!strncmp(rest, "co.", 3))
		rest += 3;
	else if (!strncmp(rest, "com.", 4))
		rest += 4;
	return !strchr(rest, '.');
}

int sfa_match_email_domain(struct sfa_buf *out, const char *email)
{
	size_t at, n;

	if (!email_parse(out, email, &at))
		return 0;
	if (is_free_mail(out->buf + at + 1)) {
		sfa_buf_reset(out);
		return 0;
	}
	n = out->len - at - 1;
	memmove(out->buf, out->buf + at + 1, n);
	sfa_buf_setlen(out, n);
	return 1;
}

/*
 * Calling codes and trunk prefixes. `trunk` is the digit dialled before a
 * national number inside the country (none in Italy, where the 0 belongs
 * to the number); with `trunk_digits` it is only a trunk prefix when the
 * number has that many digits, as the 1 of 1-555-010-2000 or the 8 of
 * 8 495 123-45-67.
 */
static const struct calling_code {
	char country[3];
	char code[4];
	char trunk;
	unsigned char trunk_digits;
} calling_codes[] = {
	{ "AE", "971", '0', 0 }, { "AT", "43", '0', 0 }, { "AU", "61", '0', 0 },
	{ "BE", "32", '0', 0 }, { "BG", "359", '0', 0 }, { "BR", "55", '0', 0 },
	{ "CA", "1", '1', 11 }, { "CH", "41", '0', 0 }, { "CN", "86", '0', 0 },
	{ "CZ", "420", 0, 0 }, { "DE", "49", '0', 0 }, { "DK", "45", 0, 0 },
	{ "ES", "34", 0, 0 }, { "FI", "358", '0', 0 }, { "FR", "33", '0', 0 },
	{ "GB", "44", '0', 0 }, { "GR", "30", 0, 0 }, { "HK", "852", 0, 0 },
	{ "IE", "353", '0', 0 }, { "IL", "972", '0', 0 }, { "IN", "91", '0', 0 },
	{ "IT", "39", 0, 0 }, { "JP", "81", '0', 0 }, { "KR", "82", '0', 0 },
	{ "KZ", "7", '8', 11 }, { "MX", "52", 0, 0 }, { "NL", "31", '0', 0 },
	{ "NO", "47", 0, 0 }, { "NZ", "64", '0', 0 }, { "PL", "48", 0, 0 },
	{ "PT", "351", 0, 0 }, { "RO", "40", '0', 0 }, { "RU", "7", '8', 11 },
	{ "SE", "46", '0', 0 }, { "SG", "65", 0, 0 }, { "TR", "90", '0', 0 },
	{ "TW", "886", '0', 0 }, { "UA", "380", '0', 0 }, { "UK", "44", '0', 0 },
	{ "US", "1", '1', 11 }, { "ZA", "27", '0', 0 },
};

static const struct calling_code *code_of_country(const char *country)
{
	if (!country || !ascii_alpha(country[0]) || !ascii_alpha(country[1]) || country[2])
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(calling_codes); i++) {
		const struct calling_code *c = &calling_codes[i];
		if (ascii_lower(c->country[0]) == ascii_lower(country[0]) &&
		    ascii_lower(c->country[1]) == ascii_lower(country[1]))
			return c;
	}
	return NULL;
}

/* The known calling code the international number `d` starts with. */
static const struct calling_code *code_of_number(const char *d, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(calling_codes); i++) {
		const struct calling_code *c = &calling_codes[i];
		size_t len = strlen(c->code);
		if (len < n && !memcmp(d, c->code, len))
			return c;	/* no code in the table is a prefix of another */
	}
	return NULL;
}

int sfa_match_phone_key(struct sfa_buf *out, const char *phone, const char *country)
{
	struct sfa_buf folded = SFA_BUF_INIT;
	const struct calling_code *cc = code_of_country(country), *known;
	char d[32];
	size_t n = 0, skip = 0, significant;
	int intl = 0, ok = 0;

	sfa_buf_reset(out);
	if (!phone)
		return 0;
	/* fullwidth digits and "EXT" become ASCII */
	sfa_utf8_fold(&folded, phone, strlen(phone));
	for (const char *p = folded.buf; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (ascii_digit(c)) {
			if (n == sizeof(d))
				goto done;
			d[n++] = (char)c;
		} else if (!n) {
			intl |= c == '+';	/* labels such as "tel:" are skipped */
		} else if (ascii_alpha(c) || c >= 0x80 || c == '#' || c == ',' || c == ';') {
			break;	/* an extension, a pause, or a note follows the number */
		}
	}
	if (!intl && n >= 2 && d[0] == '0' && d[1] == '0')
		intl = 1, skip = 2;
	else if (!intl && cc && !strcmp(cc->code, "1") && n >= 3 && !memcmp(d, "011", 3))
		intl = 1, skip = 3;
	if (intl) {
		char *num = d + skip;
		size_t len = n - skip, code_len;

		known = code_of_number(num, len);
		code_len = known ? strlen(known->code) : 0;
		/* "+44 (0)20 ...": the trunk 0 is not dialled from abroad */
		if (known && known->trunk == '0' && num[code_len] == '0') {
			memmove(num + code_len, num + code_len + 1, len - code_len - 1);
			len--;
		}
		significant = len - code_len;
		if (len > 15)
			goto done;
		sfa_buf_addch(out, '+');
		sfa_buf_add(out, num, len);
	} else {
		if (cc && cc->trunk && n && d[0] == cc->trunk && (!cc->trunk_digits || n == cc->trunk_digits))
			skip = 1;
		else if (!cc && n && d[0] == '0')
			skip = 1;
		significant = n - skip;
		if ((cc ? strlen(cc->code) : 0) + significant > 15)
			goto done;
		if (cc) {
			sfa_buf_addch(out, '+');
			sfa_buf_addstr(out, cc->code);
		}
		sfa_buf_add(out, d + skip, significant);
	}
	ok = significant >= 7;
done:
	sfa_buf_release(&folded);
	if (!ok)
		sfa_buf_reset(out);
	return ok;
}

enum char_class { CH_WORD, CH_SPACE, CH_DROP };

/*
 * Dots and apostrophes join what they separate ("O'Brien", "S.A."), as do
 * invisible characters inside a word (soft hyphen, zero-width joiners, the
 * Catalan middle dot); other punctuation separates words.
 */
static enum char_class char_class(unsigned cp)
{
	if (cp == '.' || cp == '\'' || cp == '`' || cp == 0xAD || cp == 0xB4 || cp == 0xB7 ||
	    cp == 0x2BC || cp == 0x2018 || cp == 0x2019 || (cp >= 0x200B && cp <= 0x200D) ||
	    cp == 0x2060 || cp == 0xFEFF)
		return CH_DROP;
	return sfa_utf8_is_separator(cp) ? CH_SPACE : CH_WORD;
}

/* Appends the words of the folded text `s` to `out`, one space apart. */
static void add_words(struct sfa_buf *out, const char *s, size_t len)
{
	size_t start = out->len, i = 0;
	int space = 0;

	while (i < len) {
		unsigned cp;
		size_t n = sfa_utf8_decode(s + i, len - i, &cp);

		if (!n) {
			cp = 0xFFFD;
			n = 1;
		}
		switch (char_class(cp)) {
		case CH_WORD:
			if (space && out->len > start)
				sfa_buf_addch(out, ' ');
			space = 0;
			sfa_utf8_put(out, cp);
			break;
		case CH_SPACE:
			space = 1;
			break;
		case CH_DROP:
			break;
		}
		i += n;
	}
}

/* Legal forms as words of a company key, at its end. */
static const char *const legal_words[] = {
	"a s", "ab", "ag", "aps", "as", "asa", "b v", "bv", "co", "company", "corp",
	"corporation", "doo", "ead", "eood", "gmbh", "inc", "incorporated", "kg", "kgaa", "kk",
	"limited", "llc", "llp", "lp", "ltd", "ltda", "n v", "nv", "ohg", "ood", "oy", "oyj",
	"plc", "pte", "pty", "s a", "s a s", "s l", "s r l", "sa", "sarl", "sas", "se", "sl",
	"sp z oo", "spa", "sro", "srl", "ug", "株",
	"ад", "ао", "еад", "еоод", "зао", "нао", "оао", "оод", "ооо", "пао",
};

/* Legal forms written before the name: ООО «Ромашка», (株)トヨタ. */
static const char *const legal_words_first[] = {
	"ао", "зао", "ип", "нао", "оао", "ооо", "пао", "株",
};

/* Legal forms written without a space; longer ones first, as they end in shorter ones. */
static const char *const legal_suffixes[] = {
	"股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "公司",
	"株式会社", "有限会社", "合同会社", "주식회사", "㈱",
};

static const char *const legal_prefixes[] = {
	"株式会社", "有限会社", "合同会社", "주식회사", "㈱",
};

static void trim_spaces(struct sfa_buf *k)
{
	size_t s = 0, e = k->len;

	while (s < e && k->buf[s] == ' ')
		s++;
	while (e > s && k->buf[e - 1] == ' ')
		e--;
	memmove(k->buf, k->buf + s, e - s);
	sfa_buf_setlen(k, e - s);
}

/* Removes one legal form from either end of `k`; 0 when there is none. */
static int strip_legal_form(struct sfa_buf *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(legal_words); i++) {
		size_t n = strlen(legal_words[i]);
		if (k->len >= n && !memcmp(k->buf + k->len - n, legal_words[i], n) &&
		    (k->len == n || k->buf[k->len - n - 1] == ' ')) {
			sfa_buf_setlen(k, k->len == n ? 0 : k->len - n - 1);
			return 1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(legal_suffixes); i++) {
		size_t n = strlen(legal_suffixes[i]);
		if (k->len >= n && !memcmp(k->buf + k->len - n, legal_suffixes[i], n)) {
			sfa_buf_setlen(k, k->len - n);
			trim_spaces(k);
			return 1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(legal_words_first); i++) {
		size_t n = strlen(legal_words_first[i]);
		if (k->len >= n && !memcmp(k->buf, legal_words_first[i], n) &&
		    (k->len == n || k->buf[n] == ' ')) {
			memmove(k->buf, k->buf + n, k->len - n);
			sfa_buf_setlen(k, k->len - n);
			trim_spaces(k);
			return 1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(legal_prefixes); i++) {
		size_t n = strlen(legal_prefixes[i]);
		if (k->len >= n && !memcmp(k->buf, legal_prefixes[i], n)) {
			memmove(k->buf, k->buf + n, k->len - n);
			sfa_buf_setlen(k, k->len - n);
			trim_spaces(k);
			return 1;
		}
	}
	return 0;
}

int sfa_match_company_key(struct sfa_buf *out, const char *company)
{
	struct sfa_buf folded = SFA_BUF_INIT;

	sfa_buf_reset(out);
	if (!company)
		return 0;
	sfa_utf8_fold(&folded, company, strlen(company));
	add_words(out, folded.buf, folded.len);
	sfa_buf_release(&folded);
	while (strip_legal_form(out))
		;
	return out->len > 0;
}

int sfa_match_name_key(struct sfa_buf *out, const char *first, const char *last)
{
	struct sfa_buf folded = SFA_BUF_INIT;

	sfa_buf_reset(out);
	if (first)
		sfa_utf8_fold(&folded, first, strlen(first));
	sfa_buf_addch(&folded, ' ');
	if (last)
		sfa_utf8_fold(&folded, last, strlen(last));
	add_words(out, folded.buf, folded.len);
	sfa_buf_release(&folded);
	return out->len > 0;
}

/* Appends the first code point of the name key of `part`; 0 when it has none. */
static int add_initial(struct sfa_buf *out, struct sfa_buf *tmp, const char *part)
{
	unsigned cp;
	size_t n;

	if (!sfa_match_name_key(tmp, part, NULL))
		return 0;
	n = sfa_utf8_decode(tmp->buf, tmp->len, &cp);
	sfa_buf_add(out, tmp->buf, n);
	return 1;
}

int sfa_match_block_key(struct sfa_buf *out, const char *first, const char *last,
			const char *company)
{
	struct sfa_buf tmp = SFA_BUF_INIT;
	int names;

	if (!sfa_match_company_key(out, company))
		return 0;
	sfa_buf_addch(out, '|');
	names = add_initial(out, &tmp, first);
	names += add_initial(out, &tmp, last);
	sfa_buf_release(&tmp);
	if (!names)
		sfa_buf_reset(out);
	return names > 0;
}

/* Code points of a string; short ones, the usual case, need no allocation. */
struct cps {
	unsigned *cp;
	size_t n;
	unsigned small[64];
};

static void cps_init(struct cps *c, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;

	c->cp = len <= ARRAY_SIZE(c->small) ? c->small : sfa_xcalloc(len, sizeof(*c->cp));
	c->n = 0;
	while (i < len) {
		size_t n = sfa_utf8_decode(s + i, len - i, &c->cp[c->n]);

		if (!n) {
			c->cp[c->n] = 0xFFFD;
			n = 1;
		}
		c->n++;
		i += n;
	}
}

static void cps_release(struct cps *c)
{
	if (c->cp != c->small)
		free(c->cp);
}

/* Jaro-Winkler of `a` and `b`, both non-empty, `a` not longer than `b`. */
static double jaro_winkler(const unsigned *a, size_t na, const unsigned *b, size_t nb)
{
	char small[128], *flags = na + nb <= sizeof(small) ? small : sfa_xmalloc(na + nb);
	char *ma = flags, *mb = flags + na;
	size_t window = nb / 2 ? nb / 2 - 1 : 0, m = 0, t = 0, k = 0, prefix = 0;
	double jaro = 0.0;

	memset(flags, 0, na + nb);
	for (size_t i = 0; i < na; i++) {
		size_t lo = i > window ? i - window : 0;
		size_t hi = i + window + 1 < nb ? i + window + 1 : nb;
		for (size_t j = lo; j < hi; j++) {
			if (!mb[j] && a[i] == b[j]) {
				ma[i] = mb[j] = 1;
				m++;
				break;
			}
		}
	}
	if (!m)
		goto done;
	for (size_t i = 0; i < na; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		t += a[i] != b[k];
		k++;
	}
	jaro = ((double)m / (double)na + (double)m / (double)nb +
		((double)m - (double)t / 2.0) / (double)m) / 3.0;
	while (prefix < 4 && prefix < na && a[prefix] == b[prefix])
		prefix++;
	jaro += (double)prefix * 0.1 * (1.0 - jaro);
done:
	if (flags != small)
		free(flags);
	return jaro;
}

double sfa_match_similarity(const char *a, const char *b)
{
	struct cps x, y, *p = &x, *q = &y;
	double sim;

	if (!strcmp(a ? a : "", b ? b : ""))
		return 1.0;
	cps_init(&x, a);
	cps_init(&y, b);
	/*
	 * The greedy matching depends on which string is scanned: a fixed order
	 * makes similarity(a, b) == similarity(b, a) exactly.
	 */
	if (x.n > y.n || (x.n == y.n && memcmp(x.cp, y.cp, x.n * sizeof(*x.cp)) > 0)) {
		p = &y;
		q = &x;
	}
	sim = p->n ? jaro_winkler(p->cp, p->n, q->cp, q->n) : 0.0;
	cps_release(&x);
	cps_release(&y);
	return sim;
}
