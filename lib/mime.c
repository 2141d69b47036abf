/* Internet mail with MIME: building, mboxrd entries, reading. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/mime.h"
#include "sfa/record.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 5322 2.1.1: lines SHOULD stay within 78 octets; the 998 limit is met by construction. */
#define LINE_SOFT 78
/* RFC 2047 2: an encoded-word is at most 75 octets, a line holding one at most 76. */
#define EW_MAX 75
#define EW_LINE 76
#define EW_FRAME 12	/* "=?UTF-8?B?" and "?=" */
/*
 * The longest run of non-blanks, and of blanks, a header value may hold
 * and still go as it is. Folding happens only at blanks, so with these a
 * line stays far below 998 octets however the runs fall; a value with
 * longer runs goes as encoded-words, which can be cut anywhere.
 */
#define PLAIN_WORD_MAX 800
#define PLAIN_BLANK_MAX 50
#define ID_MAX 250
#define URI_MAX 900
#define CTYPE_MAX 100
#define FILENAME_MAX_LEN 255
/* Percent-encoded octets per RFC 2231 filename section: " filename*NN*=UTF-8''" and ';' fit too. */
#define SECTION_MAX 54

static const char hex[] = "0123456789ABCDEF";
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char day_names[] = "SunMonTueWedThuFriSat";
static const char month_names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext */
static int is_atext(int c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* RFC 2045 token characters: printable ASCII but space and tspecials */
static int is_token(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void b64_encode(struct sfa_buf *out, const unsigned char *p, size_t n)
{
	for (; n >= 3; p += 3, n -= 3) {
		char q[4] = { b64[p[0] >> 2], b64[(p[0] & 3) << 4 | p[1] >> 4],
			      b64[(p[1] & 15) << 2 | p[2] >> 6], b64[p[2] & 63] };
		sfa_buf_add(out, q, 4);
	}
	if (n) {
		char q[4] = { b64[p[0] >> 2], 0, '=', '=' };
		q[1] = b64[(p[0] & 3) << 4 | (n > 1 ? p[1] >> 4 : 0)];
		if (n > 1)
			q[2] = b64[(p[1] & 15) << 2];
		sfa_buf_add(out, q, 4);
	}
}

/* ---- checks of what goes into a header ---- */

/* A line break is the one way to add a header, so it is refused everywhere. */
static int check_text(const char *field, const char *s)
{
	if (strpbrk(s, "\r\n"))
		return sfa_error_set(SFA_EINPUT, "%s: contains a line break", field);
	if (!sfa_utf8_valid(s, strlen(s), NULL))
		return sfa_error_set(SFA_EINPUT, "%s: invalid UTF-8", field);
	return 0;
}

static int dot_atom(const char *s, size_t n)
{
	if (!n || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return 0;
	return 1;
}

static int ipv4_literal(const char *d, size_t n)
{
	size_t i = 1;

	if (n < 9 || d[n - 1] != ']')
		return 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t digits = 0;

		if (part && d[i++] != '.')
			return 0;
		while (i < n - 1 && d[i] >= '0' && d[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(d[i] - '0');
			digits++;
			i++;
		}
		if (!digits || digits > 3 || v > 255 || (digits > 1 && d[i - digits] == '0'))
			return 0;
	}
	return i == n - 1;
}

static int domain_valid(const char *d, size_t n)
{
	size_t label = 0;

	if (!n)
		return 0;
	if (d[0] == '[')
		return ipv4_literal(d, n);
	for (size_t i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (!label || label > 63 || d[i - 1] == '-' || d[i - label] == '-')
				return 0;
			label = 0;
		} else if (is_alnum((unsigned char)d[i]) || d[i] == '-') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

int sfa_mime_addr_valid(const char *addr)
{
	const char *at;
	size_t n, local;

	if (!addr || (n = strlen(addr)) > 254 || !(at = strrchr(addr, '@')))
		return 0;
	local = (size_t)(at - addr);
	if (local > 64 || !dot_atom(addr, local))
		return 0;
	return domain_valid(at + 1, n - local - 1);
}

/* RFC 5322 msg-id without its brackets: dot-atom-text "@" (dot-atom-text / "[" dtext "]") */
static int msg_id_valid(const char *s, size_t n)
{
	const char *at = memrchr(s, '@', n);
	size_t left, right;

	if (!at || n > ID_MAX)
		return 0;
	left = (size_t)(at - s);
	right = n - left - 1;
	if (!dot_atom(s, left))
		return 0;
	if (right >= 2 && at[1] == '[' && s[n - 1] == ']') {
		for (size_t i = left + 2; i < n - 1; i++)
			if (s[i] < 33 || s[i] > 126 || s[i] == '[' || s[i] == ']' || s[i] == '\\')
				return 0;
		return 1;
	}
	return dot_atom(at + 1, right);
}

/* An id as callers give it: with or without its angle brackets. */
static void id_unbracket(const char **s, size_t *n)
{
	if (*n >= 2 && (*s)[0] == '<' && (*s)[*n - 1] == '>') {
		(*s)++;
		*n -= 2;
	}
}

static int check_id(const char *field, const char *s)
{
	size_t n = strlen(s);
	int err;

	if ((err = check_text(field, s)) < 0)
		return err;
	id_unbracket(&s, &n);
	if (!msg_id_valid(s, n))
		return sfa_error_set(SFA_EINPUT, "%s: not a message id: '%.80s'", field, s);
	return 0;
}

static int check_references(const char *s)
{
	int err;

	if ((err = check_text("references", s)) < 0)
		return err;
	for (size_t i = 0; s[i];) {
		const char *id;
		size_t n = 0;

		while (is_wsp(s[i]))
			i++;
		id = s + i;
		while (s[i] && !is_wsp(s[i]))
			i++, n++;
		if (!n)
			break;
		id_unbracket(&id, &n);
		if (!msg_id_valid(id, n))
			return sfa_error_set(SFA_EINPUT, "references: not a message id: '%.*s'",
					     (int)(n > 80 ? 80 : n), id);
	}
	return 0;
}

/* URI characters only (RFC 3986), so the URI cannot leave its angle brackets. */
static int check_uri(const char *field, const char *s, const char *kind, const char *const *schemes)
{
	size_t n = strlen(s);
	int err, known = 0;

	if ((err = check_text(field, s)) < 0)
		return err;
	for (; *schemes; schemes++) {
		size_t k = strlen(*schemes);
		known |= n > k && !strncasecmp(s, *schemes, k);
	}
	if (!known)
		return sfa_error_set(SFA_EINPUT, "%s: not a %s URI: '%.80s'", field, kind, s);
	if (n > URI_MAX)
		return sfa_error_set(SFA_EINPUT, "%s: longer than %d octets", field, URI_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("<>\"{}|\\^`", c))
			return sfa_error_set(SFA_EINPUT, "%s: character '%c' not allowed in a URI",
					     field, c > 0x20 && c < 0x7f ? c : '?');
	}
	return 0;
}

static int check_addr(const char *field, const struct sfa_mime_addr *a)
{
	char what[48];
	int err;

	if (!a->addr || !*a->addr)
		return sfa_error_set(SFA_EINPUT, "%s: missing address", field);
	if ((err = check_text(field, a->addr)) < 0)
		return err;
	if (!sfa_mime_addr_valid(a->addr))
		return sfa_error_set(SFA_EINPUT, "%s: not an address: '%.80s'", field, a->addr);
	snprintf(what, sizeof(what), "%s name", field);
	return a->name ? check_text(what, a->name) : 0;
}

/* The fields the builder writes itself; Content-* too, as the MIME structure is its own. */
static const char *const own_headers[] = {
	"date", "from", "to", "reply-to", "subject", "message-id", "in-reply-to", "references",
	"list-unsubscribe", "list-unsubscribe-post", "mime-version",
};

static int check_header(size_t k, const struct sfa_mime_header *h)
{
	char what[120];
	size_t n;

	if (!h->name || !(n = strlen(h->name)))
		return sfa_error_set(SFA_EINPUT, "header %zu: missing name", k);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h->name[i];
		if (c <= 0x20 || c >= 0x7f || c == ':')
			return sfa_error_set(SFA_EINPUT, "header %zu: name has character '%c' "
					     "(use printable ASCII without ':' and space)", k,
					     c > 0x20 && c < 0x7f ? c : '?');
	}
	if (n > 76)
		return sfa_error_set(SFA_EINPUT, "header %zu: name longer than 76 octets", k);
	for (size_t i = 0; i < ARRAY_SIZE(own_headers); i++)
		if (!strcasecmp(h->name, own_headers[i]))
			return sfa_error_set(SFA_EINPUT, "header '%s': written by the builder", h->name);
	if (!strncasecmp(h->name, "content-", 8))
		return sfa_error_set(SFA_EINPUT, "header '%s': written by the builder", h->name);
	snprintf(what, sizeof(what), "header '%s'", h->name);
	return h->value ? check_text(what, h->value) : 0;
}

static int content_type_valid(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = strlen(s);

	if (!slash || slash == s || !slash[1] || n > CTYPE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s + i != slash && !is_token((unsigned char)s[i]))
			return 0;
	return 1;
}

static int check_attachment(size_t k, const struct sfa_mime_attachment *a)
{
	char what[64];
	int err;

	if (!a->filename || !*a->filename)
		return sfa_error_set(SFA_EINPUT, "attachment %zu: missing file name", k);
	snprintf(what, sizeof(what), "attachment %zu file name", k);
	if ((err = check_text(what, a->filename)) < 0)
		return err;
	/* no file system keeps a longer one, and the receiver saves it as a file */
	if (strlen(a->filename) > FILENAME_MAX_LEN)
		return sfa_error_set(SFA_EINPUT, "attachment %zu: file name longer than %d octets", k,
				     FILENAME_MAX_LEN);
	if (a->content_type && !content_type_valid(a->content_type))
		return sfa_error_set(SFA_EINPUT, "attachment %zu: not a content type (type/subtype)", k);
	if (!a->data && a->len)
		return sfa_error_set(SFA_EINPUT, "attachment %zu: no data", k);
	return 0;
}

static int check_draft(const struct sfa_mime_draft *d)
{
	static const char *const web[] = { "https://", "http://", NULL };
	static const char *const mailto[] = { "mailto:", NULL };
	struct tm tm;
	char what[32];
	int err;

	if (!gmtime_r(&d->date, &tm) || tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
		return sfa_error_set(SFA_EINPUT, "date: out of range");
	if ((err = check_addr("from", &d->from)) < 0)
		return err;
	if (!d->to || !d->nto)
		return sfa_error_set(SFA_EINPUT, "to: no recipient");
	for (size_t i = 0; i < d->nto; i++) {
		if (d->nto == 1)
			snprintf(what, sizeof(what), "to");
		else
			snprintf(what, sizeof(what), "to %zu", i + 1);
		if ((err = check_addr(what, &d->to[i])) < 0)
			return err;
	}
	if (d->reply_to && (err = check_addr("reply-to", d->reply_to)) < 0)
		return err;
	if (d->subject && (err = check_text("subject", d->subject)) < 0)
		return err;
	if (!d->message_id || !*d->message_id)
		return sfa_error_set(SFA_EINPUT, "message-id: missing");
	if ((err = check_id("message-id", d->message_id)) < 0)
		return err;
	if (d->in_reply_to && (err = check_id("in-reply-to", d->in_reply_to)) < 0)
		return err;
	if (d->references && (err = check_references(d->references)) < 0)
		return err;
	if (d->unsubscribe_url &&
	    (err = check_uri("unsubscribe url", d->unsubscribe_url, "http(s)", web)) < 0)
		return err;
	if (d->unsubscribe_mailto &&
	    (err = check_uri("unsubscribe mailto", d->unsubscribe_mailto, "mailto", mailto)) < 0)
		return err;
	if (d->nheaders && !d->headers)
		return sfa_error_set(SFA_EINPUT, "header 1: missing");
	for (size_t i = 0; i < d->nheaders; i++)
		if ((err = check_header(i + 1, &d->headers[i])) < 0)
			return err;
	if (!d->text)
		return sfa_error_set(SFA_EINPUT, "text: missing");
	if (!sfa_utf8_valid(d->text, strlen(d->text), NULL))
		return sfa_error_set(SFA_EINPUT, "text: invalid UTF-8");
	if (d->html && !sfa_utf8_valid(d->html, strlen(d->html), NULL))
		return sfa_error_set(SFA_EINPUT, "html: invalid UTF-8");
	if (d->nattachments && !d->attachments)
		return sfa_error_set(SFA_EINPUT, "attachment 1: missing");
	for (size_t i = 0; i < d->nattachments; i++)
		if ((err = check_attachment(i + 1, &d->attachments[i])) < 0)
			return err;
	return 0;
}

/* ---- header lines ---- */

struct hdr {
	struct sfa_buf *out;
	size_t col;	/* octets on the current line */
	int words;	/* words on it after the field name */
};

static void hdr_begin(struct hdr *h, struct sfa_buf *out, const char *name)
{
	h->out = out;
	sfa_buf_addstr(out, name);
	sfa_buf_addch(out, ':');
	h->col = strlen(name) + 1;
	h->words = 0;
}

static void hdr_end(struct hdr *h)
{
	sfa_buf_addstr(h->out, "\r\n");
}

/*
 * Appends `word` after `blank` (blanks, or nothing to glue it to what is
 * before), folding before the last blank when the line would pass
 * LINE_SOFT: after a word, or right after the field name when that makes
 * the word fit. A fold never leaves a line of blanks only.
 */
static void hdr_word(struct hdr *h, const char *blank, size_t nb, const char *word, size_t nw)
{
	if (nb && nw && h->col + nb + nw > LINE_SOFT && (h->words || 1 + nw <= LINE_SOFT)) {
		sfa_buf_add(h->out, blank, nb - 1);
		sfa_buf_addstr(h->out, "\r\n");
		blank += nb - 1;
		nb = 1;
		h->col = 0;
	}
	sfa_buf_add(h->out, blank, nb);
	sfa_buf_add(h->out, word, nw);
	h->col += nb + nw;
	h->words++;
}

/*
 * Whether `s` can go into a header as it is: printable ASCII, runs within
 * PLAIN_*, and no "=?", which a reader would take for an encoded-word.
 */
static int plain_ok(const char *s, size_t n)
{
	size_t word = 0, blank = 0;

	if (memmem(s, n, "=?", 2))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_wsp(c)) {
			word = 0;
			if (++blank > PLAIN_BLANK_MAX)
				return 0;
		} else if (c < 0x20 || c > 0x7e) {
			return 0;
		} else {
			blank = 0;
			if (++word > PLAIN_WORD_MAX)
				return 0;
		}
	}
	return 1;
}

/* Writes a plain_ok() value after one blank, word by word; its own blanks are kept. */
static void hdr_plain(struct hdr *h, const char *s, size_t n)
{
	char first[PLAIN_BLANK_MAX + 1] = " ";
	size_t i = 0;

	do {
		size_t b = i, w;

		while (i < n && is_wsp(s[i]))
			i++;
		w = i;
		while (i < n && !is_wsp(s[i]))
			i++;
		if (!b) {
			memcpy(first + 1, s, w);
			hdr_word(h, first, w + 1, s + w, i - w);
		} else {
			hdr_word(h, s + b, w - b, s + w, i - w);
		}
	} while (i < n);
}

/*
 * Writes `s` as "=?UTF-8?B?...?=" words one blank apart, each cut at a
 * character boundary and as long as its line allows (EW_LINE).
 */
static void hdr_encoded(struct hdr *h, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t room = h->col + 1 < EW_LINE ? EW_LINE - h->col - 1 : 0, cap, take = 0;

		if (room > EW_MAX)
			room = EW_MAX;
		cap = room > EW_FRAME ? (room - EW_FRAME) / 4 * 3 : 0;
		for (;;) {
			unsigned cp;
			size_t c = sfa_utf8_decode(s + i + take, n - i - take, &cp);
			if (!c)
				c = 1;	/* not reached: the text was checked */
			if (i + take >= n || take + c > cap)
				break;
			take += c;
		}
		if (!take) {
			/* not even one character fits after what is on this line */
			sfa_buf_addstr(h->out, "\r\n");
			h->col = 0;
			continue;
		}
		sfa_buf_addstr(h->out, " =?UTF-8?B?");
		b64_encode(h->out, (const unsigned char *)s + i, take);
		sfa_buf_addstr(h->out, "?=");
		h->col += 1 + EW_FRAME + (take + 2) / 3 * 4;
		h->words++;
		i += take;
	}
}

/* An unstructured value (RFC 5322 3.2.5): as it is when it can be, else encoded. */
static void hdr_text(struct hdr *h, const char *s)
{
	size_t n = strlen(s);

	if (plain_ok(s, n))
		hdr_plain(h, s, n);
	else
		hdr_encoded(h, s, n);
}

/* Atoms one space apart, which a phrase may hold unquoted. */
static int atom_phrase(const char *s)
{
	if (!*s || *s == ' ')
		return 0;
	for (; *s; s++)
		if (*s == ' ' ? (s[1] == ' ' || !s[1]) : !is_atext((unsigned char)*s))
			return 0;
	return 1;
}

static void hdr_mailbox(struct hdr *h, const struct sfa_mime_addr *a)
{
	struct sfa_buf q = SFA_BUF_INIT;
	const char *name = a->name;
	size_t n = name ? strlen(name) : 0;

	if (!n) {
		hdr_word(h, " ", 1, a->addr, strlen(a->addr));
		return;
	}
	if (plain_ok(name, n) && atom_phrase(name)) {
		hdr_plain(h, name, n);
	} else {
		sfa_buf_addch(&q, '"');
		for (size_t i = 0; i < n; i++) {
			if (name[i] == '"' || name[i] == '\\')
				sfa_buf_addch(&q, '\\');
			sfa_buf_addch(&q, name[i]);
		}
		sfa_buf_addch(&q, '"');
		if (plain_ok(name, n) && plain_ok(q.buf, q.len))
			hdr_plain(h, q.buf, q.len);
		else
			hdr_encoded(h, name, n);
	}
	sfa_buf_reset(&q);
	sfa_buf_addf(&q, "<%s>", a->addr);
	hdr_word(h, " ", 1, q.buf, q.len);
	sfa_buf_release(&q);
}

static void put_addrs(struct sfa_buf *out, const char *field, const struct sfa_mime_addr *a, size_t n)
{
	struct hdr h;

	hdr_begin(&h, out, field);
	for (size_t i = 0; i < n; i++) {
		if (i)
			hdr_word(&h, "", 0, ",", 1);
		hdr_mailbox(&h, &a[i]);
	}
	hdr_end(&h);
}

/* Message ids, each once in angle brackets, one blank apart. */
static void put_ids(struct sfa_buf *out, const char *field, const char *s)
{
	struct sfa_buf w = SFA_BUF_INIT;
	struct hdr h;

	hdr_begin(&h, out, field);
	for (size_t i = 0; s[i];) {
		const char *id;
		size_t n = 0;

		while (is_wsp(s[i]))
			i++;
		id = s + i;
		while (s[i] && !is_wsp(s[i]))
			i++, n++;
		if (!n)
			break;
		id_unbracket(&id, &n);
		sfa_buf_reset(&w);
		sfa_buf_addf(&w, "<%.*s>", (int)n, id);
		hdr_word(&h, " ", 1, w.buf, w.len);
	}
	hdr_end(&h);
	sfa_buf_release(&w);
}

/* Content-Disposition with the file name quoted, or in RFC 2231 sections when it must be. */
static void put_disposition(struct sfa_buf *out, const char *name)
{
	static const char attr_char[] = "!#$&+-.^_`|~";
	struct sfa_buf w = SFA_BUF_INIT;
	size_t n = strlen(name), i = 0, section = 0;
	int quoted = !memmem(name, n, "=?", 2) && n + 12 < LINE_SOFT;
	struct hdr h;

	for (size_t k = 0; k < n && quoted; k++)
		quoted = name[k] >= 0x20 && name[k] < 0x7f && name[k] != '"' && name[k] != '\\';
	hdr_begin(&h, out, "Content-Disposition");
	hdr_word(&h, " ", 1, "attachment;", 11);
	if (quoted) {
		sfa_buf_addf(&w, "filename=\"%s\"", name);
		hdr_word(&h, " ", 1, w.buf, w.len);
	}
	while (!quoted && i < n) {
		struct sfa_buf v = SFA_BUF_INIT;

		/* whole characters, so no section ends inside one */
		while (i < n) {
			unsigned cp;
			size_t c = sfa_utf8_decode(name + i, n - i, &cp), len = v.len;
			if (!c)
				c = 1;
			for (size_t k = 0; k < c; k++) {
				unsigned char b = (unsigned char)name[i + k];
				if (is_alnum(b) || (b && strchr(attr_char, b))) {
					sfa_buf_addch(&v, b);
				} else {
					sfa_buf_addch(&v, '%');
					sfa_buf_addch(&v, hex[b >> 4]);
					sfa_buf_addch(&v, hex[b & 15]);
				}
			}
			if (v.len > SECTION_MAX && len) {
				sfa_buf_setlen(&v, len);
				break;
			}
			i += c;
		}
		sfa_buf_reset(&w);
		if (!section && i == n)
			sfa_buf_addf(&w, "filename*=UTF-8''%s", v.buf);
		else
			sfa_buf_addf(&w, "filename*%zu*=%s%s%s", section, section ? "" : "UTF-8''", v.buf,
				     i < n ? ";" : "");
		hdr_word(&h, " ", 1, w.buf, w.len);
		section++;
		sfa_buf_release(&v);
	}
	hdr_end(&h);
	sfa_buf_release(&w);
}

/* ---- bodies ---- */

/*
 * 7bit is for ASCII with short lines and only CRLF or LF line ends; "=_"
 * is left to quoted-printable too, so a boundary (which starts with it)
 * can never appear in a part.
 */
static int seven_bit_ok(const char *s, size_t n)
{
	size_t col = 0;

	if (memmem(s, n, "=_", 2))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			col = 0;
		else if (c == '\r' ? i + 1 == n || s[i + 1] != '\n' : c >= 0x80 || ++col > 76)
			return 0;
	}
	return 1;
}

/* The lines of `s`: each without its line end (LF, or CRLF), the last one possibly without one. */
static int next_line(const char *s, size_t n, size_t *i, size_t *len)
{
	const char *nl;

	if (*i >= n)
		return 0;
	nl = memchr(s + *i, '\n', n - *i);
	*len = (nl ? (size_t)(nl - s) : n) - *i;
	if (nl && *len && nl[-1] == '\r')
		(*len)--;
	return 1;
}

static void skip_line(const char *s, size_t n, size_t *i)
{
	const char *nl = memchr(s + *i, '\n', n - *i);
	*i = nl ? (size_t)(nl - s) + 1 : n;
}

/*
 * One line as quoted-printable (RFC 2045 6.7): a character's escapes are
 * never split by a soft line break, and blanks at the end are escaped.
 */
static void qp_line(struct sfa_buf *out, const char *s, size_t n)
{
	size_t col = 0, i = 0;

	while (i < n) {
		char unit[12];
		size_t len = 1, u = 0;
		unsigned cp;

		if ((unsigned char)s[i] >= 0x80 && !(len = sfa_utf8_decode(s + i, n - i, &cp)))
			len = 1;
		for (size_t k = 0; k < len; k++) {
			unsigned char b = (unsigned char)s[i + k];
			if ((b >= 33 && b <= 126 && b != '=') || (is_wsp(b) && i + len < n)) {
				unit[u++] = (char)b;
			} else {
				unit[u++] = '=';
				unit[u++] = hex[b >> 4];
				unit[u++] = hex[b & 15];
			}
		}
		i += len;
		/* 76 octets a line, the soft break's '=' counted */
		if (col + u > (i < n ? 75u : 76u)) {
			sfa_buf_addstr(out, "=\r\n");
			col = 0;
		}
		sfa_buf_add(out, unit, u);
		col += u;
	}
}

static void put_text_entity(struct sfa_buf *out, const char *subtype, const char *s)
{
	size_t n = strlen(s), i = 0, len;
	int seven = seven_bit_ok(s, n);

	sfa_buf_addf(out, "Content-Type: text/%s; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n\r\n",
		     subtype, seven ? "7bit" : "quoted-printable");
	while (next_line(s, n, &i, &len)) {
		if (seven)
			sfa_buf_add(out, s + i, len);
		else
			qp_line(out, s + i, len);
		sfa_buf_addstr(out, "\r\n");
		skip_line(s, n, &i);
	}
}

static void put_attachment_entity(struct sfa_buf *out, const struct sfa_mime_attachment *a)
{
	const unsigned char *p = a->data;

	sfa_buf_addf(out, "Content-Type: %s\r\nContent-Transfer-Encoding: base64\r\n",
		     a->content_type ? a->content_type : "application/octet-stream");
	put_disposition(out, a->filename);
	sfa_buf_addstr(out, "\r\n");
	for (size_t i = 0; i < a->len; i += 57) {
		b64_encode(out, p + i, a->len - i < 57 ? a->len - i : 57);
		sfa_buf_addstr(out, "\r\n");
	}
}

/*
 * A boundary starts with "=_", which neither quoted-printable nor base64
 * can produce (and 7bit parts are kept free of), so it cannot occur in a
 * part; the hash of the message id only makes it look like its message's.
 */
static void make_boundary(char out[40], const char *kind, const char *id)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3u;
	}
	snprintf(out, 40, "=_sfa-%s-%016llx", kind, (unsigned long long)h);
}

static void put_alternative(struct sfa_buf *out, const struct sfa_mime_draft *d, const char *b)
{
	sfa_buf_addf(out, "--%s\r\n", b);
	put_text_entity(out, "plain", d->text);
	sfa_buf_addf(out, "\r\n--%s\r\n", b);
	put_text_entity(out, "html", d->html);
	sfa_buf_addf(out, "\r\n--%s--\r\n", b);
}

int sfa_mime_build(struct sfa_buf *out, const struct sfa_mime_draft *d)
{
	char mixed[40], alt[40];
	struct hdr h;
	struct tm tm;
	int err;

	if ((err = check_draft(d)) < 0)
		return err;
	gmtime_r(&d->date, &tm);
	sfa_buf_addf(out, "Date: %.3s, %02d %.3s %04d %02d:%02d:%02d +0000\r\n", day_names + 3 * tm.tm_wday,
		     tm.tm_mday, month_names + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		     tm.tm_sec);
	put_addrs(out, "From", &d->from, 1);
	put_addrs(out, "To", d->to, d->nto);
	if (d->reply_to)
		put_addrs(out, "Reply-To", d->reply_to, 1);
	hdr_begin(&h, out, "Subject");
	hdr_text(&h, d->subject ? d->subject : "");
	hdr_end(&h);
	put_ids(out, "Message-ID", d->message_id);
	if (d->in_reply_to)
		put_ids(out, "In-Reply-To", d->in_reply_to);
	if (d->references && d->references[strspn(d->references, " \t")])
		put_ids(out, "References", d->references);
	if (d->unsubscribe_url || d->unsubscribe_mailto) {
		struct sfa_buf w = SFA_BUF_INIT;

		hdr_begin(&h, out, "List-Unsubscribe");
		if (d->unsubscribe_mailto) {
			sfa_buf_addf(&w, "<%s>%s", d->unsubscribe_mailto, d->unsubscribe_url ? "," : "");
			hdr_word(&h, " ", 1, w.buf, w.len);
		}
		if (d->unsubscribe_url) {
			sfa_buf_reset(&w);
			sfa_buf_addf(&w, "<%s>", d->unsubscribe_url);
			hdr_word(&h, " ", 1, w.buf, w.len);
		}
		hdr_end(&h);
		sfa_buf_release(&w);
		if (d->unsubscribe_url)
			sfa_buf_addstr(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	}
	for (size_t i = 0; i < d->nheaders; i++) {
		hdr_begin(&h, out, d->headers[i].name);
		hdr_text(&h, d->headers[i].value ? d->headers[i].value : "");
		hdr_end(&h);
	}
	sfa_buf_addstr(out, "MIME-Version: 1.0\r\n");

	make_boundary(mixed, "mixed", d->message_id);
	make_boundary(alt, "alt", d->message_id);
	if (!d->nattachments && !d->html) {
		put_text_entity(out, "plain", d->text);
		return 0;
	}
	if (!d->nattachments) {
		sfa_buf_addf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
			     "Content-Transfer-Encoding: 7bit\r\n\r\n", alt);
		put_alternative(out, d, alt);
		return 0;
	}
	sfa_buf_addf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
		     "Content-Transfer-Encoding: 7bit\r\n\r\n--%s\r\n", mixed, mixed);
	if (d->html) {
		sfa_buf_addf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt);
		put_alternative(out, d, alt);
	} else {
		put_text_entity(out, "plain", d->text);
	}
	for (size_t i = 0; i < d->nattachments; i++) {
		sfa_buf_addf(out, "\r\n--%s\r\n", mixed);
		put_attachment_entity(out, &d->attachments[i]);
	}
	sfa_buf_addf(out, "\r\n--%s--\r\n", mixed);
	return 0;
}

/* ---- mboxrd ---- */

int sfa_mime_mbox_append(struct sfa_buf *out, const char *msg, size_t len,
			 const char *envelope_from, time_t when)
{
	const char *from = envelope_from && *envelope_from ? envelope_from : "MAILER-DAEMON";
	size_t i = 0, n;
	struct tm tm;

	for (const char *p = from; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return sfa_error_set(SFA_EINPUT,
					     "envelope sender: contains a space or control character");
	if (!gmtime_r(&when, &tm) || tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
		return sfa_error_set(SFA_EINPUT, "mbox date: out of range");
	sfa_buf_addf(out, "From %s %.3s %.3s %2d %02d:%02d:%02d %d\n", from, day_names + 3 * tm.tm_wday,
		     month_names + 3 * tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     tm.tm_year + 1900);
	while (next_line(msg, len, &i, &n)) {
		size_t q = 0;

		while (q < n && msg[i + q] == '>')
			q++;
		if (n - q >= 5 && !memcmp(msg + i + q, "From ", 5))
			sfa_buf_addch(out, '>');
		sfa_buf_add(out, msg + i, n);
		sfa_buf_addch(out, '\n');
		skip_line(msg, len, &i);
	}
	sfa_buf_addch(out, '\n');
	return 0;
}

/* ---- reading: charsets ---- */

#define CHARSET_MAX 40
#define CONV_CACHE 8

enum cs_kind { CS_UNKNOWN, CS_UTF8, CS_RAW, CS_1252, CS_ICONV };

struct conv {
	char name[CHARSET_MAX];
	enum cs_kind kind;
	iconv_t cd;
};

struct parse {
	const char *name;
	struct sfa_mime_msg *msg;
	size_t parts;
	size_t files_alloc, fields_alloc;
	int have_text;
	struct conv conv[CONV_CACHE];
	size_t nconv;
};

/* windows-1252 0x80..0x9F; the rest of its upper half is Latin-1 */
static const unsigned short cp1252_c1[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void from_1252(struct sfa_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			sfa_buf_addch(out, c);
		else
			sfa_utf8_put(out, c < 0xA0 ? cp1252_c1[c - 0x80] : c);
	}
}

/* UTF-8 with each byte that starts no valid sequence as U+FFFD. */
static void from_utf8(struct sfa_buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t bad = 0, run;

		if (sfa_utf8_valid(s + i, n - i, &bad)) {
			sfa_buf_add(out, s + i, n - i);
			return;
		}
		run = bad;
		sfa_buf_add(out, s + i, run);
		sfa_utf8_put(out, 0xFFFD);
		i += run + 1;
	}
}

/* Bytes of no declared charset: UTF-8 when they are, else what Windows mailers mostly mean. */
static void from_raw(struct sfa_buf *out, const char *s, size_t n)
{
	if (sfa_utf8_valid(s, n, NULL))
		sfa_buf_add(out, s, n);
	else
		from_1252(out, s, n);
}

/*
 * Mailers label text with the old standard and write the vendor's superset
 * of it (GBK as GB2312, Windows-31J as Shift_JIS): decode as the superset.
 */
static const struct {
	const char *label;
	enum cs_kind kind;
	const char *iconv;
} charsets[] = {
	{ "utf-8", CS_UTF8, NULL }, { "utf8", CS_UTF8, NULL },
	{ "us-ascii", CS_RAW, NULL }, { "ascii", CS_RAW, NULL }, { "ansi_x3.4-1968", CS_RAW, NULL },
	{ "unknown-8bit", CS_RAW, NULL }, { "x-unknown", CS_RAW, NULL }, { "default", CS_RAW, NULL },
	/* HTML5 reads these as windows-1252 too; Latin-1 in mail is mostly that */
	{ "iso-8859-1", CS_1252, NULL }, { "iso8859-1", CS_1252, NULL }, { "iso_8859-1", CS_1252, NULL },
	{ "latin1", CS_1252, NULL }, { "l1", CS_1252, NULL }, { "windows-1252", CS_1252, NULL },
	{ "cp1252", CS_1252, NULL }, { "x-cp1252", CS_1252, NULL },
	{ "gb2312", CS_ICONV, "GB18030" }, { "gbk", CS_ICONV, "GB18030" }, { "x-gbk", CS_ICONV, "GB18030" },
	{ "cp936", CS_ICONV, "GB18030" }, { "euc-cn", CS_ICONV, "GB18030" },
	{ "shift_jis", CS_ICONV, "WINDOWS-31J" }, { "shift-jis", CS_ICONV, "WINDOWS-31J" },
	{ "sjis", CS_ICONV, "WINDOWS-31J" }, { "x-sjis", CS_ICONV, "WINDOWS-31J" },
	{ "euc-kr", CS_ICONV, "CP949" }, { "ks_c_5601-1987", CS_ICONV, "CP949" },
	{ "big5", CS_ICONV, "CP950" },
};

/*
 * The name of charset `s` as the cache keeps it: lowercased, an RFC 2231
 * language ("utf-8*en") dropped; -1 for characters no charset name has
 * (iconv would read "//" as options).
 */
static int charset_name(const char *s, size_t n, char name[CHARSET_MAX])
{
	size_t k = 0;

	while (k < n && s[k] != '*') {
		int ch = lower((unsigned char)s[k]);
		if (k + 1 >= CHARSET_MAX || !(is_alnum(ch) || (ch && strchr("-_.:+()", ch))))
			return -1;
		name[k++] = (char)ch;
	}
	name[k] = '\0';
	return k ? 0 : -1;
}

/*
 * The converter of the charset `name` (see charset_name()), or NULL when
 * it is unknown. Converters are kept for the rest of the parse; when the
 * cache is full a new one takes the last slot, so a pointer from an
 * earlier call is good only until the next.
 */
static struct conv *charset_get(struct parse *p, const char *name)
{
	struct conv *c;

	for (size_t i = 0; i < p->nconv; i++)
		if (!strcmp(p->conv[i].name, name))
			return p->conv[i].kind == CS_UNKNOWN ? NULL : &p->conv[i];
	if (p->nconv < CONV_CACHE) {
		c = &p->conv[p->nconv++];
	} else {
		c = &p->conv[CONV_CACHE - 1];
		if (c->kind == CS_ICONV)
			iconv_close(c->cd);
	}
	memcpy(c->name, name, strlen(name) + 1);
	c->kind = CS_ICONV;
	c->cd = (iconv_t)-1;
	for (size_t i = 0; i < ARRAY_SIZE(charsets); i++) {
		if (strcmp(charsets[i].label, name))
			continue;
		c->kind = charsets[i].kind;
		if (charsets[i].iconv)
			c->cd = iconv_open("UTF-8", charsets[i].iconv);
		break;
	}
	if (c->kind == CS_ICONV && c->cd == (iconv_t)-1 && (c->cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		c->kind = CS_UNKNOWN;
	return c->kind == CS_UNKNOWN ? NULL : c;
}

static struct conv *charset(struct parse *p, const char *s, size_t n)
{
	char name[CHARSET_MAX];

	return charset_name(s, n, name) < 0 ? NULL : charset_get(p, name);
}

static void from_iconv(iconv_t cd, struct sfa_buf *out, const char *s, size_t n)
{
	size_t start = out->len, left = n, room, r;
	size_t want = (n < ((size_t)1 << 20) ? n : (size_t)1 << 20) * 2 + 64;
	char *in = (char *)s, *o;
	int e;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (left) {
		sfa_buf_grow(out, want);
		o = out->buf + out->len;
		room = out->alloc - out->len - 1;
		r = iconv(cd, &in, &left, &o, &room);
		e = errno;
		sfa_buf_setlen(out, (size_t)(o - out->buf));
		if (r != (size_t)-1)
			break;
		if (e == E2BIG) {
			want *= 2;	/* room for more, even if not one character fitted */
			continue;
		}
		sfa_utf8_put(out, 0xFFFD);
		if (e == EILSEQ) {
			in++;
			left--;
		} else {
			left = 0;	/* a sequence cut short at the end */
		}
	}
	/* the shift back to the initial state of ISO-2022 and the like */
	sfa_buf_grow(out, 64);
	o = out->buf + out->len;
	room = out->alloc - out->len - 1;
	iconv(cd, NULL, NULL, &o, &room);
	sfa_buf_setlen(out, (size_t)(o - out->buf));
	if (!sfa_utf8_valid(out->buf + start, out->len - start, NULL)) {
		char *copy = sfa_xstrndup(out->buf + start, out->len - start);
		size_t len = out->len - start;
		sfa_buf_setlen(out, start);
		from_utf8(out, copy, len);
		free(copy);
	}
}

/* `s` in charset `c` (NULL: unknown or none) as UTF-8; bytes not valid in it as U+FFFD. */
static void to_utf8(const struct conv *c, struct sfa_buf *out, const char *s, size_t n)
{
	switch (c ? c->kind : CS_RAW) {
	case CS_UTF8: from_utf8(out, s, n); break;
	case CS_1252: from_1252(out, s, n); break;
	case CS_ICONV: from_iconv(c->cd, out, s, n); break;
	default: from_raw(out, s, n); break;
	}
}

/* ---- reading: header values ---- */

static int b64_value(int c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Base64 skipping what is not of its alphabet, as line ends and junk; a
 * '=' that pads a group ends the data, so a footer a mailing list added
 * after it does not decode into garbage.
 */
static void b64_decode(struct sfa_buf *out, const char *s, size_t n)
{
	unsigned acc = 0;
	int bits = 0, group = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (s[i] == '=' && group >= 2)
			return;
		if (v < 0)
			continue;
		group = (group + 1) % 4;
		acc = (acc << 6 | (unsigned)v) & 0xFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sfa_buf_addch(out, (int)(acc >> bits & 0xFF));
		}
	}
}

/* The text of an encoded-word, or -1 when it is broken. */
static int ew_decode(struct sfa_buf *out, int enc, const char *s, size_t n)
{
	if (enc == 'b') {
		size_t data = n;

		while (data && s[data - 1] == '=')
			data--;
		if (data % 4 == 1 || n - data > 2)
			return -1;
		for (size_t i = 0; i < data; i++)
			if (b64_value((unsigned char)s[i]) < 0)
				return -1;
		b64_decode(out, s, data);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_') {
			sfa_buf_addch(out, ' ');
		} else if (s[i] == '=') {
			int hi = i + 2 < n ? hex_value((unsigned char)s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value((unsigned char)s[i + 2]) : -1;
			if (lo < 0)
				return -1;
			sfa_buf_addch(out, hi << 4 | lo);
			i += 2;
		} else {
			sfa_buf_addch(out, s[i]);
		}
	}
	return 0;
}

struct ew {
	const char *cs, *text;
	size_t cslen, tlen;
	int enc;
};

/* The end of the encoded-word "=?cs?e?text?=" at `i`, or 0. */
static size_t ew_scan(const char *s, size_t i, size_t n, struct ew *w)
{
	size_t j = i + 2, t;

	if (j > n || s[i] != '=' || s[i + 1] != '?')
		return 0;
	while (j < n && s[j] != '?' && !is_wsp(s[j]))
		j++;
	if (j + 3 >= n || s[j] != '?' || j == i + 2 || s[j + 2] != '?')
		return 0;
	w->cs = s + i + 2;
	w->cslen = j - i - 2;
	w->enc = lower((unsigned char)s[j + 1]);
	if (w->enc != 'b' && w->enc != 'q')
		return 0;
	t = j += 3;
	while (j < n && s[j] != '?' && !is_wsp(s[j]))
		j++;
	if (j + 1 >= n || s[j] != '?' || s[j + 1] != '=')
		return 0;
	w->text = s + t;
	w->tlen = j - t;
	return j + 2;
}

/*
 * Appends the text of a header value (unfolded): encoded-words decoded,
 * the blanks between two of them dropped (RFC 2047 6.2), adjacent ones in
 * one charset joined before decoding so a character cut in two still
 * reads; an unknown charset or a broken encoding leaves the word as it is.
 * Other bytes are UTF-8 when the whole value is, else windows-1252.
 */
static void decode_words(struct parse *p, struct sfa_buf *out, const char *s, size_t n)
{
	struct sfa_buf pend = SFA_BUF_INIT, word = SFA_BUF_INIT;
	char pend_name[CHARSET_MAX] = "", name[CHARSET_MAX];
	const struct conv *pend_cs = NULL, *c;
	int utf8 = sfa_utf8_valid(s, n, NULL), after_word = 0, blanks;
	size_t i = 0, lit = 0, end;
	struct ew w;

	while (i < n) {
		if (s[i] != '=' || !(end = ew_scan(s, i, n, &w)) || charset_name(w.cs, w.cslen, name) < 0) {
			i++;
			continue;
		}
		/* out before another charset is looked up: that may reuse its converter's slot */
		if (pend_cs && strcmp(name, pend_name)) {
			to_utf8(pend_cs, out, pend.buf, pend.len);
			sfa_buf_reset(&pend);
			pend_cs = NULL;
		}
		sfa_buf_reset(&word);
		if (!(c = charset_get(p, name)) || ew_decode(&word, w.enc, w.text, w.tlen) < 0) {
			i = end;
			continue;
		}
		/* the text before this word, unless it is only blanks after another */
		blanks = 1;
		for (size_t k = lit; k < i && blanks; k++)
			blanks = is_wsp(s[k]);
		if (!after_word || !blanks) {
			if (pend_cs)
				to_utf8(pend_cs, out, pend.buf, pend.len);
			sfa_buf_reset(&pend);
			if (utf8)
				sfa_buf_add(out, s + lit, i - lit);
			else
				from_1252(out, s + lit, i - lit);
		}
		pend_cs = c;
		memcpy(pend_name, name, sizeof(name));
		sfa_buf_add(&pend, word.buf, word.len);
		after_word = 1;
		i = lit = end;
	}
	if (pend_cs)
		to_utf8(pend_cs, out, pend.buf, pend.len);
	if (utf8)
		sfa_buf_add(out, s + lit, n - lit);
	else
		from_1252(out, s + lit, n - lit);
	sfa_buf_release(&pend);
	sfa_buf_release(&word);
}

/* A header value holds no line break and no NUL once decoded: they read as spaces. */
static char *header_string(struct sfa_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (!b->buf[i] || b->buf[i] == '\r' || b->buf[i] == '\n')
			b->buf[i] = ' ';
	return sfa_buf_detach(b, NULL);
}

/* Blank runs as one space, none at the ends. */
static void squeeze(struct sfa_buf *b)
{
	size_t k = 0;

	for (size_t i = 0; i < b->len; i++) {
		if (is_wsp(b->buf[i]) || b->buf[i] == '\r' || b->buf[i] == '\n') {
			if (k && b->buf[k - 1] != ' ')
				b->buf[k++] = ' ';
		} else {
			b->buf[k++] = b->buf[i];
		}
	}
	if (k && b->buf[k - 1] == ' ')
		k--;
	sfa_buf_setlen(b, k);
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_wsp(**s))
		(*s)++, (*n)--;
	while (*n && is_wsp((*s)[*n - 1]))
		(*n)--;
}

/* Skips a comment "(...)" at `i` (nested, with quoted pairs); appends its text to `text` when not NULL. */
static size_t skip_comment(const char *s, size_t i, size_t n, struct sfa_buf *text)
{
	int depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
		} else if (s[i] == '(') {
			if (depth++ == 0)
				continue;
		} else if (s[i] == ')') {
			if (--depth == 0)
				return i + 1;
		}
		if (text)
			sfa_buf_addch(text, s[i]);
	}
	return n;
}

/*
 * The first mailbox of an address list (unfolded): its display name,
 * decoded, and its address. Knows "Name <addr>", "\"Name\" <addr>",
 * "addr (Name)", a bare address, groups ("team: a@b, c@d;") and the
 * encoded-words in quotes that some mailers write.
 */
static void first_mailbox(struct parse *p, const char *s, size_t n, char **name, char **addr)
{
	struct sfa_buf phrase = SFA_BUF_INIT, bare = SFA_BUF_INIT, comment = SFA_BUF_INIT;
	struct sfa_buf out = SFA_BUF_INIT;
	const struct sfa_buf *shown;
	const char *angle = NULL;
	size_t alen = 0, i = 0;

	while (i < n) {
		char c = s[i];

		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				sfa_buf_addch(&phrase, s[i]);
			}
			i++;
		} else if (c == '(') {
			sfa_buf_addch(&comment, ' ');
			i = skip_comment(s, i, n, &comment);
		} else if (c == '<' && !angle) {
			const char *gt = memchr(s + i, '>', n - i);
			angle = s + i + 1;
			alen = (gt ? (size_t)(gt - s) : n) - i - 1;
			i = gt ? (size_t)(gt - s) + 1 : n;
		} else if (c == ',' || c == ';' || c == ':') {
			if (angle || (bare.len && c != ':'))
				break;
			/* an empty entry, or the name of a group */
			sfa_buf_reset(&phrase);
			sfa_buf_reset(&comment);
			sfa_buf_reset(&bare);
			i++;
		} else {
			sfa_buf_addch(&phrase, c);
			if (!is_wsp(c))
				sfa_buf_addch(&bare, c);
			i++;
		}
	}
	if (angle) {
		const char *colon = memrchr(angle, ':', alen);
		if (colon) {
			/* an obsolete source route "@a,@b:" before the address */
			alen -= (size_t)(colon + 1 - angle);
			angle = colon + 1;
		}
		sfa_buf_reset(&bare);
		for (size_t k = 0; k < alen; k++)
			if (!is_wsp(angle[k]))
				sfa_buf_addch(&bare, angle[k]);
	}
	from_raw(&out, bare.buf, bare.len);
	*addr = out.len ? header_string(&out) : NULL;
	sfa_buf_reset(&out);

	shown = angle && phrase.buf[strspn(phrase.buf, " \t")] ? &phrase : &comment;
	decode_words(p, &out, shown->buf, shown->len);
	squeeze(&out);
	*name = out.len ? header_string(&out) : NULL;
	sfa_buf_release(&out);
	sfa_buf_release(&phrase);
	sfa_buf_release(&comment);
	sfa_buf_release(&bare);
}

/* ---- reading: dates and ids ---- */

struct cursor {
	const char *s;
	size_t n, i;
};

/* Skips blanks and comments. */
static void skip_cfws(struct cursor *c)
{
	while (c->i < c->n) {
		if (is_wsp(c->s[c->i]))
			c->i++;
		else if (c->s[c->i] == '(')
			c->i = skip_comment(c->s, c->i, c->n, NULL);
		else
			break;
	}
}

/* Up to `max` digits; -1 when there are none or more. */
static long read_num(struct cursor *c, size_t max, size_t *digits)
{
	long v = 0;

	*digits = 0;
	skip_cfws(c);
	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		if (++*digits > max)
			return -1;
		v = v * 10 + (c->s[c->i++] - '0');
	}
	return *digits ? v : -1;
}

/* Letters, lowercased, cut to fit `out`. */
static size_t read_word(struct cursor *c, char *out, size_t size)
{
	size_t k = 0;

	skip_cfws(c);
	while (c->i < c->n && is_alnum((unsigned char)c->s[c->i]) &&
	       !(c->s[c->i] >= '0' && c->s[c->i] <= '9')) {
		if (k + 1 < size)
			out[k++] = (char)lower((unsigned char)c->s[c->i]);
		c->i++;
	}
	out[k] = '\0';
	return k;
}

static int take(struct cursor *c, char ch)
{
	skip_cfws(c);
	if (c->i < c->n && c->s[c->i] == ch) {
		c->i++;
		return 1;
	}
	return 0;
}

/*
 * RFC 5322 date-time with its obsolete forms (4.3): the day of the week
 * optional, two- and three-digit years, no seconds, named zones; an unknown
 * zone name is taken for UTC as the RFC says of military ones, as is a
 * missing zone. 0 and `iso` set, or -1.
 */
static int parse_date(const char *s, size_t n, char iso[21])
{
	static const struct { const char *name; int hours; } zones[] = {
		{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
		{ "est", -5 }, { "edt", -4 }, { "cst", -6 }, { "cdt", -5 },
		{ "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 },
	};
	struct cursor c = { s, n, 0 };
	struct tm tm = { 0 };
	char word[16];
	const char *m;
	long day, year, hour, min, sec = 0, zone = 0;
	int month;
	size_t digits;
	time_t t;

	if (read_word(&c, word, sizeof(word)))
		take(&c, ',');
	if ((day = read_num(&c, 2, &digits)) < 1)
		return -1;
	if (read_word(&c, word, sizeof(word)) < 3)
		return -1;
	word[3] = '\0';
	word[0] = (char)(word[0] - 32);
	if (!(m = strstr(month_names, word)) || (m - month_names) % 3)
		return -1;
	if ((year = read_num(&c, 4, &digits)) < 0)
		return -1;
	if (digits == 2)
		year += year < 50 ? 2000 : 1900;
	else if (digits == 3)
		year += 1900;
	if ((hour = read_num(&c, 2, &digits)) < 0 || !take(&c, ':') || (min = read_num(&c, 2, &digits)) < 0)
		return -1;
	if (take(&c, ':') && (sec = read_num(&c, 2, &digits)) < 0)
		return -1;
	skip_cfws(&c);
	if (c.i < n && (s[c.i] == '+' || s[c.i] == '-')) {
		int sign = s[c.i++] == '-' ? -1 : 1;
		long hhmm = read_num(&c, 4, &digits);
		if (digits != 4 || hhmm % 100 > 59 || hhmm / 100 > 23)
			return -1;
		zone = sign * (hhmm / 100 * 3600 + hhmm % 100 * 60);
	} else if (read_word(&c, word, sizeof(word))) {
		for (size_t i = 0; i < ARRAY_SIZE(zones); i++)
			if (!strcmp(word, zones[i].name))
				zone = zones[i].hours * 3600L;
	}
	month = (int)((m - month_names) / 3);
	if (year < 1900 || year > 9999 || day > sfa_days_in_month((int)year, month + 1) ||
	    hour > 23 || min > 59 || sec > 60)
		return -1;
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = month;
	tm.tm_mday = (int)day;
	tm.tm_hour = (int)hour;
	tm.tm_min = (int)min;
	tm.tm_sec = (int)sec;
	t = timegm(&tm) - zone;
	if (!gmtime_r(&t, &tm) || tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
		return -1;
	sfa_time_iso(iso, t);
	return 0;
}

/*
 * The ids of a Message-ID, In-Reply-To or References value, without
 * their brackets, one space apart (only the first unless `all`); the
 * words of a value that has no brackets. NULL when there are none.
 */
static char *message_ids(const char *s, size_t n, int all)
{
	struct sfa_buf ids = SFA_BUF_INIT, out = SFA_BUF_INIT;
	int angled = memchr(s, '<', n) != NULL;
	size_t i = 0;

	while (i < n) {
		size_t start, end;

		if (s[i] == '(') {
			i = skip_comment(s, i, n, NULL);
			continue;
		}
		if (angled ? s[i] != '<' : is_wsp(s[i])) {
			i++;
			continue;
		}
		start = i + angled;
		end = start;
		while (end < n && (angled ? s[end] != '>' : !is_wsp(s[end]) && s[end] != '('))
			end++;
		i = end + angled;
		size_t mark = ids.len;
		if (ids.len)
			sfa_buf_addch(&ids, ' ');
		for (size_t k = start; k < end; k++)
			if (!is_wsp(s[k]))
				sfa_buf_addch(&ids, s[k]);
		if (ids.len == mark + (mark > 0))
			sfa_buf_setlen(&ids, mark);
		else if (!all)
			break;
	}
	from_raw(&out, ids.buf, ids.len);
	sfa_buf_release(&ids);
	return out.len ? header_string(&out) : NULL;
}

/* ---- reading: MIME parameters ---- */

/* RFC 2231 sections of one parameter read; a 255-octet name percent-encoded needs 15 or so */
#define SECTIONS 64

/* The next "attr=value" after a ';' of a Content-* value, the value unquoted. */
static int next_param(struct cursor *c, const char **attr, size_t *alen, struct sfa_buf *val)
{
	const char *s = c->s;
	size_t n = c->n;

	while (c->i < n) {
		size_t i = c->i, a;

		/* past the main value, or what is left of a broken parameter */
		while (i < n && s[i] != ';') {
			if (s[i] == '"') {
				for (i++; i < n && s[i] != '"'; i++)
					if (s[i] == '\\')
						i++;
			}
			i++;
		}
		if (i >= n)
			break;
		i++;
		while (i < n && is_wsp(s[i]))
			i++;
		a = i;
		while (i < n && s[i] != '=' && s[i] != ';')
			i++;
		c->i = i;
		if (i >= n || s[i] == ';')
			continue;
		*attr = s + a;
		*alen = i - a;
		trim(attr, alen);
		sfa_buf_reset(val);
		for (i++; i < n && is_wsp(s[i]); i++)
			;
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				sfa_buf_addch(val, s[i]);
			}
			i++;
		} else {
			const char *v = s + i;
			size_t vlen;

			while (i < n && s[i] != ';')
				i++;
			vlen = (size_t)(s + i - v);
			trim(&v, &vlen);
			sfa_buf_add(val, v, vlen);
		}
		c->i = i < n ? i : n;
		if (*alen)
			return 1;
	}
	return 0;
}

/* Percent-decodes an RFC 2231 extended value. */
static void pct_decode(struct sfa_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			sfa_buf_addch(out, hi << 4 | lo);
			i += 2;
		} else {
			sfa_buf_addch(out, s[i]);
		}
	}
}

/*
 * The parameter `want` of a Content-* value as UTF-8: the RFC 2231 forms
 * (extended, in sections) before the plain one, whose encoded-words are
 * decoded as mailers write them there. Raw bytes when `raw`. NULL when
 * absent.
 */
static char *param(struct parse *p, const char *s, size_t n, const char *want, int raw)
{
	struct sfa_buf val = SFA_BUF_INIT, plain = SFA_BUF_INIT, bytes = SFA_BUF_INIT, out = SFA_BUF_INIT;
	struct sfa_buf sect[SECTIONS];
	int ext[SECTIONS] = { 0 }, have[SECTIONS] = { 0 }, have_plain = 0;
	struct cursor c = { s, n, 0 };
	size_t wlen = strlen(want), alen;
	const char *attr;
	char *result = NULL;

	for (size_t k = 0; k < SECTIONS; k++)
		sfa_buf_init(&sect[k], 0);
	while (next_param(&c, &attr, &alen, &val)) {
		const char *rest;
		size_t rlen, k = 0, d = 0;

		if (alen < wlen || strncasecmp(attr, want, wlen))
			continue;
		rest = attr + wlen;
		rlen = alen - wlen;
		if (!rlen) {
			if (!have_plain++)
				sfa_buf_add(&plain, val.buf, val.len);
			continue;
		}
		if (rest[0] != '*' || raw)
			continue;
		if (rlen > 1) {
			for (d = 1; d < rlen && d < 4 && rest[d] >= '0' && rest[d] <= '9'; d++)
				k = k * 10 + (size_t)(rest[d] - '0');
			if (d == 1 || k >= SECTIONS || !(d == rlen || (d + 1 == rlen && rest[d] == '*')))
				continue;
		}
		if (have[k]++)
			continue;
		ext[k] = rlen == 1 || rest[rlen - 1] == '*';
		sfa_buf_add(&sect[k], val.buf, val.len);
	}
	if (have[0]) {
		const struct conv *cs = NULL;

		for (size_t k = 0; k < SECTIONS && have[k]; k++) {
			const char *v = sect[k].buf;
			size_t vlen = sect[k].len;

			if (!k && ext[0]) {
				/* charset'language'value */
				const char *q1 = memchr(v, '\'', vlen), *q2;
				if (q1 && (q2 = memchr(q1 + 1, '\'', vlen - (size_t)(q1 + 1 - v)))) {
					cs = charset(p, v, (size_t)(q1 - v));
					vlen -= (size_t)(q2 + 1 - v);
					v = q2 + 1;
				}
			}
			if (ext[k])
				pct_decode(&bytes, v, vlen);
			else
				sfa_buf_add(&bytes, v, vlen);
		}
		to_utf8(cs, &out, bytes.buf, bytes.len);
		result = header_string(&out);
	} else if (have_plain && raw) {
		result = sfa_buf_detach(&plain, NULL);
	} else if (have_plain) {
		decode_words(p, &out, plain.buf, plain.len);
		result = header_string(&out);
	}
	for (size_t k = 0; k < SECTIONS; k++)
		sfa_buf_release(&sect[k]);
	sfa_buf_release(&val);
	sfa_buf_release(&plain);
	sfa_buf_release(&bytes);
	sfa_buf_release(&out);
	return result;
}

/* ---- reading: entities ---- */

static int name_is(const char *name, size_t n, const char *lit)
{
	return n == strlen(lit) && !strncasecmp(name, lit, n);
}

/* Where the header section at `s` ends (its empty line) and the body begins. */
static void split_header(const char *s, size_t n, size_t *hend, size_t *body)
{
	size_t i = 0, len;

	while (next_line(s, n, &i, &len)) {
		if (!len && (s[i] == '\n' || s[i] == '\r')) {
			*hend = i;
			skip_line(s, n, &i);
			*body = i;
			return;
		}
		skip_line(s, n, &i);
	}
	*hend = *body = n;
}

/*
 * The next field of a header section (`c` over it): its name and its
 * value unfolded and trimmed. Lines that are no field are passed over.
 */
static int next_field(struct cursor *c, const char **name, size_t *nlen, struct sfa_buf *val)
{
	const char *s = c->s;

	while (c->i < c->n) {
		size_t start = c->i, end, k;
		const char *colon, *v;
		int ok = 1;

		skip_line(s, c->n, &c->i);
		while (c->i < c->n && is_wsp(s[c->i]))
			skip_line(s, c->n, &c->i);
		end = c->i;
		if (!(colon = memchr(s + start, ':', end - start)))
			continue;
		*name = s + start;
		*nlen = (size_t)(colon - *name);
		while (*nlen && is_wsp((*name)[*nlen - 1]))
			(*nlen)--;
		for (k = 0; k < *nlen && ok; k++)
			ok = (*name)[k] > 0x20 && (*name)[k] < 0x7f;
		if (!*nlen || !ok)
			continue;
		sfa_buf_reset(val);
		for (k = (size_t)(colon + 1 - s); k < end; k++)
			if (s[k] != '\r' && s[k] != '\n')
				sfa_buf_addch(val, s[k]);
		v = val->buf;
		k = val->len;
		trim(&v, &k);
		memmove(val->buf, v, k);
		sfa_buf_setlen(val, k);
		return 1;
	}
	return 0;
}

/*
 * The lowercased value before any ';' (a content type, a disposition);
 * 0 when it is not a token pair (`pair`) or a token.
 */
static int main_value(const char *s, char *out, size_t size, int pair)
{
	size_t k = 0, slash = 0;

	if (!s)
		return 0;
	while (is_wsp(*s))
		s++;
	for (; *s && *s != ';' && !is_wsp(*s) && *s != '('; s++) {
		if (k + 1 >= size)
			return 0;
		if (*s == '/' && pair && !slash)
			slash = k;
		else if (!is_token((unsigned char)*s))
			return 0;
		out[k++] = (char)lower((unsigned char)*s);
	}
	out[k] = '\0';
	return pair ? slash && slash + 1 < k : k > 0;
}

static void qp_decode(struct sfa_buf *out, const char *s, size_t n)
{
	size_t i = 0, len;

	while (next_line(s, n, &i, &len)) {
		const char *l = s + i;
		int end = i + len < n, soft;

		/* blanks at the end of a line are transport padding (RFC 2045 6.7 (3)) */
		while (len && is_wsp(l[len - 1]))
			len--;
		if ((soft = len && l[len - 1] == '='))
			len--;
		for (size_t k = 0; k < len; k++) {
			int hi, lo;
			if (l[k] == '=' && k + 2 < len && (hi = hex_value((unsigned char)l[k + 1])) >= 0 &&
			    (lo = hex_value((unsigned char)l[k + 2])) >= 0) {
				sfa_buf_addch(out, hi << 4 | lo);
				k += 2;
			} else {
				sfa_buf_addch(out, l[k]);
			}
		}
		if (end && !soft)
			sfa_buf_addstr(out, "\r\n");
		skip_line(s, n, &i);
	}
}

/* LF line ends (CRLF and a lone CR alike), NUL as U+FFFD. */
static char *text_string(const char *s, size_t n)
{
	struct sfa_buf out;

	sfa_buf_init(&out, n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			sfa_buf_addch(&out, '\n');
			i += i + 1 < n && s[i + 1] == '\n';
		} else if (!s[i]) {
			sfa_utf8_put(&out, 0xFFFD);
		} else {
			sfa_buf_addch(&out, s[i]);
		}
	}
	return sfa_buf_detach(&out, NULL);
}

struct html {
	struct sfa_buf *out;
	int space;	/* a blank is due before the next text */
	int nl;		/* line ends at the end of the output */
};

static void html_put(struct html *h, const char *s, size_t n)
{
	if (h->space && h->out->len && !h->nl)
		sfa_buf_addch(h->out, ' ');
	h->space = 0;
	sfa_buf_add(h->out, s, n);
	h->nl = 0;
}

/* `want` line ends after a block; <br> (`want` 0) ends a line even when it is empty. */
static void html_break(struct html *h, int want)
{
	h->space = 0;
	if (!want) {
		if (h->nl < 2) {
			sfa_buf_addch(h->out, '\n');
			h->nl++;
		}
		return;
	}
	while (h->out->len && h->nl < want) {
		sfa_buf_addch(h->out, '\n');
		h->nl++;
	}
}

static const struct {
	const char *name;
	unsigned cp;
} entities[] = {
	{ "AElig", 0xC6 }, { "Aring", 0xC5 }, { "Auml", 0xC4 }, { "Eacute", 0xC9 }, { "Oslash", 0xD8 },
	{ "Ouml", 0xD6 }, { "Uuml", 0xDC }, { "aacute", 0xE1 }, { "acirc", 0xE2 }, { "aelig", 0xE6 },
	{ "agrave", 0xE0 }, { "amp", '&' }, { "apos", '\'' }, { "aring", 0xE5 }, { "auml", 0xE4 },
	{ "bdquo", 0x201E }, { "bull", 0x2022 }, { "ccedil", 0xE7 }, { "cent", 0xA2 }, { "copy", 0xA9 },
	{ "deg", 0xB0 }, { "divide", 0xF7 }, { "eacute", 0xE9 }, { "ecirc", 0xEA }, { "egrave", 0xE8 },
	{ "euro", 0x20AC }, { "gt", '>' }, { "hellip", 0x2026 }, { "iacute", 0xED }, { "laquo", 0xAB },
	{ "ldquo", 0x201C }, { "lsquo", 0x2018 }, { "lt", '<' }, { "mdash", 0x2014 }, { "middot", 0xB7 },
	{ "nbsp", 0xA0 }, { "ndash", 0x2013 }, { "ntilde", 0xF1 }, { "oacute", 0xF3 }, { "oslash", 0xF8 },
	{ "ouml", 0xF6 }, { "plusmn", 0xB1 }, { "pound", 0xA3 }, { "quot", '"' }, { "raquo", 0xBB },
	{ "rdquo", 0x201D }, { "reg", 0xAE }, { "rsquo", 0x2019 }, { "sbquo", 0x201A }, { "sect", 0xA7 },
	{ "shy", 0xAD }, { "szlig", 0xDF }, { "times", 0xD7 }, { "trade", 0x2122 }, { "uacute", 0xFA },
	{ "uuml", 0xFC }, { "yen", 0xA5 }, { "zwj", 0x200D }, { "zwnj", 0x200C },
};

/* The character reference at `s` ('&'): its length and code point, or 0 when it is none. */
static size_t entity(const char *s, size_t n, unsigned *cp)
{
	size_t j = 1;

	if (n > 2 && s[1] == '#') {
		int base = 10, digits = 0;
		unsigned v = 0;

		j = 2;
		if (s[j] == 'x' || s[j] == 'X') {
			base = 16;
			j++;
		}
		for (; j < n; j++) {
			int d = base == 16 ? hex_value((unsigned char)s[j]) :
				s[j] >= '0' && s[j] <= '9' ? s[j] - '0' : -1;
			if (d < 0)
				break;
			if (++digits <= 8)
				v = v * (unsigned)base + (unsigned)d;
		}
		if (!digits)
			return 0;
		if (j < n && s[j] == ';')
			j++;
		/* as HTML5: 0x80..0x9F mean windows-1252, and what no character is reads as U+FFFD */
		if (v >= 0x80 && v < 0xA0)
			v = cp1252_c1[v - 0x80];
		*cp = !v || digits > 8 || v > 0x10FFFF ? 0xFFFD : v;
		return j;
	}
	while (j < n && j < 10 && is_alnum((unsigned char)s[j]))
		j++;
	if (j >= n || s[j] != ';')
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(entities); k++) {
		if (strlen(entities[k].name) == j - 1 && !memcmp(entities[k].name, s + 1, j - 1)) {
			*cp = entities[k].cp;
			return j + 1;
		}
	}
	return 0;
}

/* Where "</tag" (any case) starts from `i`, or `n`. */
static size_t find_close(const char *s, size_t i, size_t n, const char *tag)
{
	size_t t = strlen(tag);
	const char *lt;

	while (i < n && (lt = memchr(s + i, '<', n - i))) {
		i = (size_t)(lt - s);
		if (n - i >= t + 2 && s[i + 1] == '/' && !strncasecmp(s + i + 2, tag, t))
			return i;
		i++;
	}
	return n;
}

static int tag_in(const char *tag, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(tag, *list))
			return 1;
	return 0;
}

/*
 * HTML as plain text for a mail without a text part: tags dropped, the
 * content of script, style and title too, references decoded, blanks
 * collapsed as a browser does, blocks and <br> as line ends.
 */
static char *html_to_text(const char *s, size_t n)
{
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
					    "ul", "ol", "pre", "hr", NULL };
	static const char *const line[] = { "div", "tr", "li", "dt", "dd", "section", "article", "header",
					    "footer", "address", "center", NULL };
	static const char *const cell[] = { "td", "th", NULL };
	static const char *const hidden[] = { "script", "style", "title", NULL };
	struct sfa_buf out = SFA_BUF_INIT;
	struct html h = { &out, 0, 0 };
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<') {
			size_t j = i + 1, t = 0;
			int close = 0, after_eq = 0;
			char tag[12];

			if (n - i >= 4 && !memcmp(s + i, "<!--", 4)) {
				const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);
				i = e ? (size_t)(e - s) + 3 : n;
				continue;
			}
			if (j < n && s[j] == '/') {
				close = 1;
				j++;
			}
			if (j >= n || !(is_alnum((unsigned char)s[j]) || s[j] == '!' || s[j] == '?') ||
			    (s[j] >= '0' && s[j] <= '9')) {
				html_put(&h, "<", 1);
				i++;
				continue;
			}
			for (; j < n && is_alnum((unsigned char)s[j]); j++)
				if (t + 1 < sizeof(tag))
					tag[t++] = (char)lower((unsigned char)s[j]);
			tag[t] = '\0';
			/* to the '>' that ends the tag: not one in a quoted attribute value */
			while (j < n && s[j] != '>') {
				if ((s[j] == '"' || s[j] == '\'') && after_eq) {
					const char *q = memchr(s + j + 1, s[j], n - j - 1);
					j = q ? (size_t)(q - s) + 1 : n;
					after_eq = 0;
					continue;
				}
				if (!is_wsp(s[j]) && s[j] != '\n' && s[j] != '\r')
					after_eq = s[j] == '=';
				j++;
			}
			i = j < n ? j + 1 : n;
			if (!close && tag_in(tag, hidden))
				i = find_close(s, i, n, tag);
			else if (!strcmp(tag, "br"))
				html_break(&h, 0);
			else if (tag_in(tag, para))
				html_break(&h, 2);
			else if (tag_in(tag, line))
				html_break(&h, 1);
			else if (tag_in(tag, cell))
				h.space = 1;
			continue;
		}
		if (c == '&') {
			unsigned cp;
			struct sfa_buf u = SFA_BUF_INIT;

			if (!(k = entity(s + i, n - i, &cp))) {
				html_put(&h, "&", 1);
				i++;
				continue;
			}
			sfa_utf8_put(&u, cp);
			html_put(&h, u.buf, u.len);
			sfa_buf_release(&u);
			i += k;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			h.space = 1;
			i++;
			continue;
		}
		for (k = i; k < n && s[k] != '<' && s[k] != '&' && s[k] != ' ' && s[k] != '\t' &&
			    s[k] != '\n' && s[k] != '\r' && s[k] != '\f'; k++)
			;
		html_put(&h, s + i, k - i);
		i = k;
	}
	k = out.len;
	while (k && (out.buf[k - 1] == '\n' || out.buf[k - 1] == ' '))
		k--;
	sfa_buf_setlen(&out, k);
	for (k = 0; k < out.len && out.buf[k] == '\n'; k++)
		;
	if (k == out.len) {
		sfa_buf_release(&out);
		return sfa_xstrdup("");
	}
	memmove(out.buf, out.buf + k, out.len - k);
	sfa_buf_setlen(&out, out.len - k);
	sfa_buf_addch(&out, '\n');
	return sfa_buf_detach(&out, NULL);
}

static void add_file(struct parse *p, char *filename, const char *type, struct sfa_buf *data)
{
	struct sfa_mime_msg *m = p->msg;
	struct sfa_mime_file *f;

	SFA_ALLOC_GROW(m->attachments, m->nattachments + 1, p->files_alloc);
	f = &m->attachments[m->nattachments++];
	f->filename = filename;
	f->content_type = sfa_xstrdup(type);
	f->data = sfa_buf_detach(data, &f->len);
}

/* A part that is no multipart: the body text, the HTML, or an attachment. */
static void leaf(struct parse *p, const char *type, const char *ctype, const char *cdisp, const char *cte,
		 const char *s, size_t n)
{
	struct sfa_buf data = SFA_BUF_INIT, text = SFA_BUF_INIT;
	int plain = !strcmp(type, "text/plain"), html = !strcmp(type, "text/html");
	char disp[32], enc[32], *filename = NULL, *cs;
	const struct conv *c = NULL;

	if (cdisp)
		filename = param(p, cdisp, strlen(cdisp), "filename", 0);
	if (!filename && ctype)
		filename = param(p, ctype, strlen(ctype), "name", 0);
	if (filename && !*filename) {
		free(filename);
		filename = NULL;
	}
	if (!main_value(cte, enc, sizeof(enc), 0))
		enc[0] = '\0';
	if (!strcmp(enc, "base64"))
		b64_decode(&data, s, n);
	else if (!strcmp(enc, "quoted-printable"))
		qp_decode(&data, s, n);
	else
		sfa_buf_add(&data, s, n);

	if ((main_value(cdisp, disp, sizeof(disp), 0) && !strcmp(disp, "attachment")) || filename ||
	    !(plain || html)) {
		add_file(p, filename, type, &data);
		return;
	}
	if ((plain && p->have_text) || (html && p->msg->html)) {
		sfa_buf_release(&data);
		return;
	}
	if (ctype && (cs = param(p, ctype, strlen(ctype), "charset", 0))) {
		c = charset(p, cs, strlen(cs));
		free(cs);
	}
	to_utf8(c, &text, data.buf, data.len);
	if (plain) {
		p->msg->text = text_string(text.buf, text.len);
		p->have_text = 1;
	} else {
		p->msg->html = text_string(text.buf, text.len);
	}
	sfa_buf_release(&text);
	sfa_buf_release(&data);
}

static int walk(struct parse *p, const char *s, size_t n, int depth, int digest);

/*
 * The parts of a multipart body between its delimiter lines (RFC 2046
 * 5.1.1); the line end before a delimiter belongs to it. A body cut
 * short before the close delimiter ends its last part.
 */
static int walk_parts(struct parse *p, const char *s, size_t n, const char *b, int depth, int digest)
{
	size_t blen = strlen(b), i = 0, part = SIZE_MAX, len;
	int err;

	while (next_line(s, n, &i, &len)) {
		if (len >= 2 + blen && s[i] == '-' && s[i + 1] == '-' && !memcmp(s + i + 2, b, blen)) {
			size_t k = i + 2 + blen;
			int close = k + 2 <= i + len && s[k] == '-' && s[k + 1] == '-';

			for (k += close ? 2 : 0; k < i + len && is_wsp(s[k]); k++)
				;
			if (k == i + len) {
				if (part != SIZE_MAX) {
					size_t e = i;
					if (e > part && s[e - 1] == '\n')
						e--;
					if (e > part && s[e - 1] == '\r')
						e--;
					if ((err = walk(p, s + part, e - part, depth, digest)) < 0)
						return err;
				}
				if (close)
					return 0;
				skip_line(s, n, &i);
				part = i;
				continue;
			}
		}
		skip_line(s, n, &i);
	}
	return part != SIZE_MAX ? walk(p, s + part, n - part, depth, digest) : 0;
}

/* One entity: its header, then its parts or its content. `depth` counts the multiparts around it. */
static int walk(struct parse *p, const char *s, size_t n, int depth, int digest)
{
	struct sfa_buf val = SFA_BUF_INIT;
	char *ctype = NULL, *cdisp = NULL, *cte = NULL, *boundary;
	char type[80];
	struct cursor c;
	size_t hend, body, nlen;
	const char *name;
	int err = 0;

	if (++p->parts > SFA_MIME_PARTS_MAX)
		return sfa_error_set(SFA_EINPUT, "%s: more than %d parts", p->name, SFA_MIME_PARTS_MAX);
	split_header(s, n, &hend, &body);
	if (hend > SFA_MIME_HEADER_MAX)
		return sfa_error_set(SFA_EINPUT, "%s: header section larger than 1 MiB", p->name);
	c = (struct cursor){ s, hend, 0 };
	while (next_field(&c, &name, &nlen, &val)) {
		char **slot = name_is(name, nlen, "content-type") ? &ctype :
			      name_is(name, nlen, "content-disposition") ? &cdisp :
			      name_is(name, nlen, "content-transfer-encoding") ? &cte : NULL;
		if (slot && !*slot)
			*slot = sfa_buf_detach(&val, NULL);
	}
	sfa_buf_release(&val);

	/* RFC 2045 5.2: no type, or one that does not parse, is text/plain */
	if (!main_value(ctype, type, sizeof(type), 1))
		snprintf(type, sizeof(type), "%s", ctype || !digest ? "text/plain" : "message/rfc822");
	if (!strncmp(type, "multipart/", 10)) {
		boundary = param(p, ctype, strlen(ctype), "boundary", 1);
		if (boundary && *boundary && strlen(boundary) <= 200) {
			if (depth < SFA_MIME_DEPTH_MAX)
				err = walk_parts(p, s + body, n - body, boundary, depth + 1,
						 !strcmp(type, "multipart/digest"));
			free(boundary);
			goto done;
		}
		free(boundary);
		snprintf(type, sizeof(type), "text/plain");
	}
	leaf(p, type, ctype, cdisp, cte, s + body, n - body);
done:
	free(ctype);
	free(cdisp);
	free(cte);
	return err;
}

enum { SEEN_FROM = 1, SEEN_TO = 2, SEEN_SUBJECT = 4, SEEN_DATE = 8, SEEN_ID = 16, SEEN_REPLY = 32,
       SEEN_REFS = 64 };

static int seen(unsigned *mask, unsigned bit)
{
	int was = !!(*mask & bit);
	*mask |= bit;
	return was;
}

/* A field of the message's header: kept decoded, and read when the message has its own member for it. */
static void top_field(struct parse *p, unsigned *mask, const char *name, size_t nlen,
		      const struct sfa_buf *raw)
{
	struct sfa_mime_msg *m = p->msg;
	struct sfa_buf val = SFA_BUF_INIT;
	struct sfa_mime_field *f;
	char iso[21], *ignored;

	decode_words(p, &val, raw->buf, raw->len);
	SFA_ALLOC_GROW(m->fields, m->nfields + 1, p->fields_alloc);
	f = &m->fields[m->nfields++];
	f->name = sfa_xstrndup(name, nlen);
	f->value = header_string(&val);
	if (name_is(name, nlen, "from") && !seen(mask, SEEN_FROM)) {
		first_mailbox(p, raw->buf, raw->len, &m->from_name, &m->from_addr);
	} else if (name_is(name, nlen, "to") && !seen(mask, SEEN_TO)) {
		m->to = sfa_xstrdup(f->value);
		first_mailbox(p, raw->buf, raw->len, &ignored, &m->to_addr);
		free(ignored);
	} else if (name_is(name, nlen, "subject") && !seen(mask, SEEN_SUBJECT)) {
		m->subject = sfa_xstrdup(f->value);
	} else if (name_is(name, nlen, "date") && !seen(mask, SEEN_DATE)) {
		if (!parse_date(raw->buf, raw->len, iso))
			m->date = sfa_xstrdup(iso);
	} else if (name_is(name, nlen, "message-id") && !seen(mask, SEEN_ID)) {
		m->message_id = message_ids(raw->buf, raw->len, 0);
	} else if (name_is(name, nlen, "in-reply-to") && !seen(mask, SEEN_REPLY)) {
		m->in_reply_to = message_ids(raw->buf, raw->len, 0);
	} else if (name_is(name, nlen, "references") && !seen(mask, SEEN_REFS)) {
		m->references = message_ids(raw->buf, raw->len, 1);
	}
}

int sfa_mime_parse(struct sfa_mime_msg **out, const char *name, const char *data, size_t len)
{
	struct sfa_buf raw = SFA_BUF_INIT;
	struct parse p;
	struct cursor c;
	size_t hend, body, nlen;
	const char *fname;
	unsigned mask = 0;
	int err;

	*out = NULL;
	if (!name)
		name = "message";
	if (len > SFA_MIME_INPUT_MAX)
		return sfa_error_set(SFA_EINPUT, "%s: message larger than 64 MiB", name);
	if (len >= 5 && !memcmp(data, "From ", 5)) {
		size_t i = 0;
		skip_line(data, len, &i);
		data += i;
		len -= i;
	}
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.msg = sfa_xcalloc(1, sizeof(*p.msg));
	split_header(data, len, &hend, &body);
	if (hend > SFA_MIME_HEADER_MAX) {
		err = sfa_error_set(SFA_EINPUT, "%s: header section larger than 1 MiB", name);
		goto done;
	}
	c = (struct cursor){ data, hend, 0 };
	while (next_field(&c, &fname, &nlen, &raw))
		top_field(&p, &mask, fname, nlen, &raw);
	if ((err = walk(&p, data, len, 0, 0)) < 0)
		goto done;
	if (!p.msg->text)
		p.msg->text = p.msg->html ? html_to_text(p.msg->html, strlen(p.msg->html)) : sfa_xstrdup("");
done:
	for (size_t i = 0; i < p.nconv; i++)
		if (p.conv[i].kind == CS_ICONV)
			iconv_close(p.conv[i].cd);
	sfa_buf_release(&raw);
	if (err < 0) {
		sfa_mime_free(p.msg);
		return err;
	}
	*out = p.msg;
	return 0;
}

const char *sfa_mime_header(const struct sfa_mime_msg *msg, const char *name)
{
	for (size_t i = 0; i < msg->nfields; i++)
		if (!strcasecmp(msg->fields[i].name, name))
			return msg->fields[i].value;
	return NULL;
}

void sfa_mime_free(struct sfa_mime_msg *msg)
{
	if (!msg)
		return;
	free(msg->from_name);
	free(msg->from_addr);
	free(msg->to);
	free(msg->to_addr);
	free(msg->subject);
	free(msg->date);
	free(msg->message_id);
	free(msg->in_reply_to);
	free(msg->references);
	free(msg->text);
	free(msg->html);
	for (size_t i = 0; i < msg->nattachments; i++) {
		free(msg->attachments[i].filename);
		free(msg->attachments[i].content_type);
		free(msg->attachments[i].data);
	}
	free(msg->attachments);
	for (size_t i = 0; i < msg->nfields; i++) {
		free(msg->fields[i].name);
		free(msg->fields[i].value);
	}
	free(msg->fields);
	free(msg);
}
