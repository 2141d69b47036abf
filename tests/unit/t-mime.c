#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/mime.h"
#include "sfa/utf8.h"
#include "unit.h"
#include "sfa/banned.h"

#define NOV23 ((time_t)1795435200)	/* Mon, 23 Nov 2026 12:00:00 UTC */

static const struct sfa_mime_addr greta = { "Greta Lindqvist", "greta@nordicpumps.example" };
static const struct sfa_mime_addr ivan = { NULL, "ivan@example.ru" };

static struct sfa_mime_draft draft(void)
{
	return (struct sfa_mime_draft){
		.date = NOV23, .from = greta, .to = &ivan, .nto = 1, .subject = "Pumps",
		.message_id = "m1@nordicpumps.example", .text = "Hello\n",
	};
}

/* The built message, or NULL when refused (valid until the next call). */
static const char *build(const struct sfa_mime_draft *d)
{
	static struct sfa_buf b = SFA_BUF_INIT;

	sfa_buf_reset(&b);
	return sfa_mime_build(&b, d) < 0 ? NULL : b.buf;
}

static const char *body_of(const char *msg)
{
	const char *p = msg ? strstr(msg, "\r\n\r\n") : NULL;
	return p ? p + 4 : "(no body)";
}

/* The longest line of `s`, or SIZE_MAX when a line end is not CRLF. */
static size_t longest_line(const char *s)
{
	size_t longest = 0, len = 0;

	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n') {
			if (len > longest)
				longest = len;
			len = 0;
			s++;
		} else if (*s == '\r' || *s == '\n') {
			return SIZE_MAX;
		} else {
			len++;
		}
	}
	return len > longest ? len : longest;
}

static struct sfa_mime_msg *parse(const char *s)
{
	struct sfa_mime_msg *m = NULL;

	if (sfa_mime_parse(&m, "test", s, strlen(s)) < 0)
		return NULL;
	return m;
}

/* Replaces each "@B@" of `tmpl` with `b` (valid until the next call). */
static const char *with_boundary(const char *tmpl, const char *b)
{
	static struct sfa_buf out = SFA_BUF_INIT;
	const char *at;

	sfa_buf_reset(&out);
	while ((at = strstr(tmpl, "@B@"))) {
		sfa_buf_add(&out, tmpl, (size_t)(at - tmpl));
		sfa_buf_addstr(&out, b);
		tmpl = at + 3;
	}
	sfa_buf_addstr(&out, tmpl);
	return out.buf;
}

/* The boundary parameter of the first Content-Type, or "". */
static const char *boundary_of(const char *msg)
{
	static char b[80];
	const char *p = msg ? strstr(msg, "boundary=\"") : NULL;
	size_t n;

	b[0] = '\0';
	if (!p)
		return b;
	p += 10;
	n = strcspn(p, "\"");
	if (n < sizeof(b))
		snprintf(b, sizeof(b), "%.*s", (int)n, p);
	return b;
}

static void test_exact(void)
{
	struct sfa_mime_header xh[] = { { "X-Sfa-Campaign", "c-42" } };
	struct sfa_mime_addr to[] = { { "Ivan Petrov", "ivan@example.ru" }, { "O'Neil, Pat", "pat@example.ie" } };
	struct sfa_mime_addr reply = { NULL, "sales@nordicpumps.example" };
	struct sfa_mime_draft d = draft();
	const char *msg, *b;

	d.subject = "Pumps for Nordic";
	d.headers = xh;
	d.nheaders = 1;
	d.text = "Hello Ivan,\n\nthe offer is attached.\n";
	CHECK_STR(build(&d),
		  "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
		  "From: Greta Lindqvist <greta@nordicpumps.example>\r\n"
		  "To: ivan@example.ru\r\n"
		  "Subject: Pumps for Nordic\r\n"
		  "Message-ID: <m1@nordicpumps.example>\r\n"
		  "X-Sfa-Campaign: c-42\r\n"
		  "MIME-Version: 1.0\r\n"
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: 7bit\r\n"
		  "\r\n"
		  "Hello Ivan,\r\n"
		  "\r\n"
		  "the offer is attached.\r\n");

	/* every optional header, in order; text and HTML as alternatives */
	d = draft();
	d.to = to;
	d.nto = 2;
	d.reply_to = &reply;
	d.subject = "Re: Pumps";
	d.in_reply_to = "<q1@example.ru>";
	d.references = "q0@example.ru <q1@example.ru>";
	d.unsubscribe_url = "https://nordicpumps.example/u/42";
	d.unsubscribe_mailto = "mailto:u+42@nordicpumps.example";
	d.text = "Gr\xc3\xbc\xc3\x9f" "e";
	d.html = "<p>Gr\xc3\xbc\xc3\x9f" "e</p>";
	msg = build(&d);
	b = boundary_of(msg);
	CHECK(!strncmp(b, "=_", 2));
	CHECK_STR(msg, with_boundary(
		  "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
		  "From: Greta Lindqvist <greta@nordicpumps.example>\r\n"
		  "To: Ivan Petrov <ivan@example.ru>, \"O'Neil, Pat\" <pat@example.ie>\r\n"
		  "Reply-To: sales@nordicpumps.example\r\n"
		  "Subject: Re: Pumps\r\n"
		  "Message-ID: <m1@nordicpumps.example>\r\n"
		  "In-Reply-To: <q1@example.ru>\r\n"
		  "References: <q0@example.ru> <q1@example.ru>\r\n"
		  "List-Unsubscribe: <mailto:u+42@nordicpumps.example>,\r\n"
		  " <https://nordicpumps.example/u/42>\r\n"
		  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
		  "MIME-Version: 1.0\r\n"
		  "Content-Type: multipart/alternative; boundary=\"@B@\"\r\n"
		  "Content-Transfer-Encoding: 7bit\r\n"
		  "\r\n"
		  "--@B@\r\n"
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n"
		  "\r\n"
		  "Gr=C3=BC=C3=9Fe\r\n"
		  "\r\n"
		  "--@B@\r\n"
		  "Content-Type: text/html; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n"
		  "\r\n"
		  "<p>Gr=C3=BC=C3=9Fe</p>\r\n"
		  "\r\n"
		  "--@B@--\r\n", b));

	/* a mailto alone: no one-click header, which needs an https URL */
	d = draft();
	d.unsubscribe_mailto = "mailto:u@nordicpumps.example";
	msg = build(&d);
	CHECK(msg && strstr(msg, "\r\nList-Unsubscribe: <mailto:u@nordicpumps.example>\r\n"));
	CHECK(msg && !strstr(msg, "List-Unsubscribe-Post"));
}

static void test_deterministic(void)
{
	struct sfa_mime_attachment a = { "a.bin", NULL, "xyz", 3 };
	struct sfa_mime_draft d = draft();
	char *first, b1[80];

	d.html = "<p>Hello</p>";
	d.attachments = &a;
	d.nattachments = 1;
	first = sfa_xstrdup(build(&d));
	CHECK_STR(build(&d), first);
	snprintf(b1, sizeof(b1), "%s", boundary_of(first));
	d.message_id = "m2@nordicpumps.example";
	CHECK(strcmp(boundary_of(build(&d)), b1) != 0);
	/* the mixed and the alternative boundary differ, neither a prefix of the other */
	CHECK(strstr(first, "multipart/mixed; boundary=\"=_sfa-mixed-"));
	CHECK(strstr(first, "multipart/alternative; boundary=\"=_sfa-alt-"));
	CHECK(strstr(first, "Content-Type: application/octet-stream\r\n"));
	free(first);
}

/*
 * Each "=?...?=" of `msg` is at most 75 octets, on a line of at most 76,
 * and decodes alone without U+FFFD: no word ends inside a character.
 */
static int encoded_words_ok(const char *msg)
{
	struct sfa_buf one = SFA_BUF_INIT;
	const char *p = msg, *e, *bol, *eol;
	int ok = 1;

	while (ok && (p = strstr(p, "=?"))) {
		struct sfa_mime_msg *m;

		/* past "=?UTF-8?B?": the next "?=" ends the word */
		e = strlen(p) > 10 ? strstr(p + 10, "?=") : NULL;
		if (!e || e + 2 - p > 75)
			return 0;
		for (bol = p; bol > msg && bol[-1] != '\n'; bol--)
			;
		eol = strstr(p, "\r\n");
		if (!eol || eol - bol > 76)
			return 0;
		sfa_buf_reset(&one);
		sfa_buf_addf(&one, "Subject: %.*s\r\n\r\n", (int)(e + 2 - p), p);
		m = parse(one.buf);
		ok = m && m->subject && !strstr(m->subject, "\xef\xbf\xbd") &&
		     strncmp(m->subject, p, (size_t)(e + 2 - p));	/* decoded, not kept raw */
		sfa_mime_free(m);
		p = e + 2;
	}
	sfa_buf_release(&one);
	return ok;
}

static void roundtrip(const char *s, int name_too)
{
	struct sfa_mime_addr from = { s, "x@example.org" };
	struct sfa_mime_draft d = draft();
	struct sfa_mime_msg *m;
	const char *msg;

	d.subject = s;
	d.from = from;
	msg = build(&d);
	CHECK(msg && strstr(msg, "Subject: =?UTF-8?B?"));
	CHECK(msg && encoded_words_ok(msg));
	m = msg ? parse(msg) : NULL;
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(m->subject, s);
	if (name_too)
		CHECK_STR(m->from_name, s);
	CHECK_STR(m->from_addr, "x@example.org");
	sfa_mime_free(m);
}

static void test_encoded_words(void)
{
	/* 株式会社 山田 見積書の件について、ご確認ください */
	roundtrip("\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe \xe5\xb1\xb1\xe7\x94\xb0 "
		  "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8\xe3\x81\xae\xe4\xbb\xb6\xe3\x81\xab\xe3\x81\xa4"
		  "\xe3\x81\x84\xe3\x81\xa6\xe3\x80\x81\xe3\x81\x94\xe7\xa2\xba\xe8\xaa\x8d\xe3\x81\x8f"
		  "\xe3\x81\xa0\xe3\x81\x95\xe3\x81\x84", 1);
	/* Коммерческое предложение Ивану Петрову */
	roundtrip("\xd0\x9a\xd0\xbe\xd0\xbc\xd0\xbc\xd0\xb5\xd1\x80\xd1\x87\xd0\xb5\xd1\x81\xd0\xba"
		  "\xd0\xbe\xd0\xb5 \xd0\xbf\xd1\x80\xd0\xb5\xd0\xb4\xd0\xbb\xd0\xbe\xd0\xb6\xd0\xb5\xd0"
		  "\xbd\xd0\xb8\xd0\xb5 \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd1\x83 \xd0\x9f\xd0\xb5\xd1\x82"
		  "\xd1\x80\xd0\xbe\xd0\xb2\xd1\x83", 1);
	/* Оферта за помпи – срок до петък */
	roundtrip("\xd0\x9e\xd1\x84\xd0\xb5\xd1\x80\xd1\x82\xd0\xb0 \xd0\xb7\xd0\xb0 \xd0\xbf\xd0\xbe"
		  "\xd0\xbc\xd0\xbf\xd0\xb8 \xe2\x80\x93 \xd1\x81\xd1\x80\xd0\xbe\xd0\xba \xd0\xb4\xd0\xbe "
		  "\xd0\xbf\xd0\xb5\xd1\x82\xd1\x8a\xd0\xba", 1);
	roundtrip("Gr\xc3\xb6\xc3\x9f" "en\xc3\xa4nderung f\xc3\xbcr \xc3\x9c" "bergr\xc3\xb6\xc3\x9f"
		  "en, Stra\xc3\x9f" "e 5", 1);	/* Größenänderung für Übergrößen, Straße 5 */
	roundtrip("\xf0\x9f\x9a\x80 Launch \xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89 "
		  "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd done", 1);	/* emoji, one with a skin tone */
	/* ASCII that would read back as an encoded-word is encoded too */
	roundtrip("=?UTF-8?B?SGk=?=", 1);
	/* control characters other than line breaks travel encoded (a name's blanks read as one space) */
	roundtrip("tab\there\x1b[0m", 0);

	/* long: several words, each cut between characters, none over 75 */
	struct sfa_buf s = SFA_BUF_INIT;
	for (int i = 0; i < 60; i++)
		sfa_buf_addstr(&s, "\xe5\xb1\xb1\xe7\x94\xb0\xf0\x9f\x9a\x80");
	roundtrip(s.buf, 1);
	sfa_buf_release(&s);
}

static void test_folding(void)
{
	struct sfa_mime_draft d = draft();
	struct sfa_buf s = SFA_BUF_INIT;
	const char *msg;

	/* "Subject:" and seven " abcdefghi" make 78: the eighth goes on the next line */
	d.subject = "abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi "
		    "abcdefghi abcdefghi abcdefghi";
	msg = build(&d);
	CHECK(msg && strstr(msg, "\r\nSubject: abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi "
			    "abcdefghi\r\n abcdefghi abcdefghi abcdefghi\r\nMessage-ID:"));
	/* a run of blanks stays whole, the fold before its last blank */
	d.subject = "abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi   x";
	msg = build(&d);
	CHECK(msg && strstr(msg, "\r\nSubject: abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi "
			    "abcdefghi  \r\n x\r\n"));
	/* a word longer than a line is not cut: it gets a line of its own */
	for (int i = 0; i < 100; i++)
		sfa_buf_addch(&s, 'a' + i % 26);
	sfa_buf_addstr(&s, " end");
	d.subject = s.buf;
	msg = build(&d);
	CHECK(msg && strstr(msg, "\r\nSubject: abcdefghijklmnopqrstuvwxyzabcdef"));
	CHECK(msg && strstr(msg, "uv\r\n end\r\n"));
	CHECK_INT(longest_line(msg), 109);
	/* when a line of its own is enough, the word goes there */
	sfa_buf_setlen(&s, 60);
	d.subject = s.buf;
	d.headers = &(struct sfa_mime_header){ "X-A-Rather-Long-Header-Name", s.buf };
	d.nheaders = 1;
	msg = build(&d);
	CHECK(msg && strstr(msg, "\r\nX-A-Rather-Long-Header-Name:\r\n abcdefghijklmnopqrstuvwxyzabcdef"));
	CHECK(msg && strstr(msg, "\r\nSubject: abcdefghijklmnopqrstuvwxyzabcdef"));
	/* address lists fold after the comma */
	struct sfa_mime_addr to[4] = {
		{ "Anna Andersson", "anna.andersson@example.se" }, { "Bertil Berg", "bertil.berg@example.se" },
		{ "Cecilia Carlsson", "cecilia@example.se" }, { NULL, "d@example.se" },
	};
	d = draft();
	d.to = to;
	d.nto = 4;
	msg = build(&d);
	/* the second line is 78 octets exactly: it still fits */
	CHECK(msg && strstr(msg, "\r\nTo: Anna Andersson <anna.andersson@example.se>, Bertil Berg\r\n"
			    " <bertil.berg@example.se>, Cecilia Carlsson <cecilia@example.se>, d@example.se\r\n"));
	CHECK_INT(longest_line(msg), 78);
	to[3].addr = "dd@example.se";
	msg = build(&d);
	CHECK(msg && strstr(msg, "<cecilia@example.se>,\r\n dd@example.se\r\n"));
	sfa_buf_release(&s);
}

/* The body of a text-only message with `text`; its transfer encoding in `*cte`. */
static const char *text_body(const char *text, const char **cte)
{
	struct sfa_mime_draft d = draft();
	const char *msg;

	d.text = text;
	msg = build(&d);
	*cte = !msg ? "(refused)" : strstr(msg, "Transfer-Encoding: 7bit\r\n") ? "7bit" :
	       strstr(msg, "Transfer-Encoding: quoted-printable\r\n") ? "qp" : "?";
	return body_of(msg);
}

static void test_qp(void)
{
	struct sfa_buf s = SFA_BUF_INIT, want = SFA_BUF_INIT;
	const char *cte, *body;
	char x76[77], x77[78];

	memset(x76, 'x', 76);
	x76[76] = '\0';
	memset(x77, 'x', 77);
	x77[77] = '\0';

	/* ASCII lines of 76: 7bit; 77: quoted-printable, cut after 75 and the '=' */
	sfa_buf_addf(&s, "%s\n", x76);
	CHECK_STR(text_body(s.buf, &cte), with_boundary("@B@\r\n", x76));
	CHECK_STR(cte, "7bit");
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "%s\n", x77);
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "%.75s=\r\nxx\r\n", x77);
	CHECK_STR(text_body(s.buf, &cte), want.buf);
	CHECK_STR(cte, "qp");
	/* a line of exactly 76 in a quoted-printable body stays whole */
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "\xc3\xa9\n%s\n", x76);
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "=C3=A9\r\n%s\r\n", x76);
	CHECK_STR(text_body(s.buf, &cte), want.buf);
	/* an escape is never cut: é then 76 x: 6 + 69 on the first line */
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "\xc3\xa9%s", x76);
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "=C3=A9%.69s=\r\nxxxxxxx\r\n", x76);
	CHECK_STR(text_body(s.buf, &cte), want.buf);
	/* in quoted-printable (é makes it so): '=' anywhere, blanks at a line end, a lone CR */
	CHECK_STR(text_body("\xc3\xa9\na=\nb=c\n", &cte), "=C3=A9\r\na=3D\r\nb=3Dc\r\n");
	CHECK_STR(cte, "qp");
	CHECK_STR(text_body("\xc3\xa9\nab  \ntab\t\n \na b\n", &cte), "=C3=A9\r\nab =20\r\ntab=09\r\n=20\r\na b\r\n");
	CHECK_STR(cte, "qp");
	CHECK_STR(text_body("a\rb\n", &cte), "a=0Db\r\n");
	CHECK_STR(cte, "qp");
	/* in 7bit they stay as they are */
	CHECK_STR(text_body("a=\nab  \n", &cte), "a=\r\nab  \r\n");
	CHECK_STR(cte, "7bit");
	/* a blank right before a soft break is not at the line's end: it stays literal */
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "\xc3\xa9%.68s x%s", x76, x76);
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "=C3=A9%.68s =\r\nx%.74s=\r\nxx\r\n", x76, x76);
	CHECK_STR(text_body(s.buf, &cte), want.buf);
	/* CRLF kept, a bare LF is a line end too, the last line gets one */
	CHECK_STR(text_body("one\r\ntwo\nthree", &cte), "one\r\ntwo\r\nthree\r\n");
	CHECK_STR(cte, "7bit");
	CHECK_STR(text_body("\xc3\xa9\r\n\r\nx\n", &cte), "=C3=A9\r\n\r\nx\r\n");
	CHECK_STR(text_body("", &cte), "");
	/* "=_", which starts every boundary, never appears in a 7bit part */
	CHECK_STR(text_body("a=_b\n", &cte), "a=3D_b\r\n");
	CHECK_STR(cte, "qp");
	/* 200 octets of é: twelve whole =C3=A9 a line, never one cut in two */
	sfa_buf_reset(&s);
	for (int i = 0; i < 100; i++)
		sfa_buf_addstr(&s, "\xc3\xa9");
	sfa_buf_reset(&want);
	for (int line = 0; line < 8; line++) {
		for (int i = 0; i < 12; i++)
			sfa_buf_addstr(&want, "=C3=A9");
		sfa_buf_addstr(&want, "=\r\n");
	}
	sfa_buf_addstr(&want, "=C3=A9=C3=A9=C3=A9=C3=A9\r\n");
	body = text_body(s.buf, &cte);
	CHECK_STR(body, want.buf);
	CHECK_INT(longest_line(body), 73);
	/* 4-byte characters are whole too */
	sfa_buf_reset(&s);
	for (int i = 0; i < 50; i++)
		sfa_buf_addstr(&s, "a\xf0\x9f\x9a\x80");
	body = text_body(s.buf, &cte);
	CHECK(longest_line(body) <= 76);
	for (const char *p = body; (p = strstr(p, "=\r\n")); p += 3)
		CHECK(p[3] == 'a' || !strncmp(p + 3, "=F0", 3));
	sfa_buf_release(&s);
	sfa_buf_release(&want);
}

static void test_multipart_roundtrip(void)
{
	unsigned char all[256], big[1000];
	struct sfa_mime_attachment at[3] = {
		{ "all-bytes.bin", NULL, all, sizeof(all) },
		{ "Preisliste f\xc3\xbcr 2027.pdf", "application/pdf", big, sizeof(big) },
		{ "empty.txt", "text/plain", NULL, 0 },
	};
	struct sfa_mime_draft d = draft();
	struct sfa_mime_msg *m;
	const char *msg;

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	d.text = "Hello Ivan,\r\nsee the \xc3\xa9 attachments.\r\n";
	d.html = "<p>Hello Ivan,<br>see the &eacute; attachments.</p>\n";
	d.attachments = at;
	d.nattachments = 3;
	msg = build(&d);
	CHECK(msg != NULL);
	CHECK(longest_line(msg) <= 78);
	m = msg ? parse(msg) : NULL;
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(m->text, "Hello Ivan,\nsee the \xc3\xa9 attachments.\n");
	CHECK_STR(m->html, "<p>Hello Ivan,<br>see the &eacute; attachments.</p>\n");
	CHECK_INT(m->nattachments, 3);
	if (m->nattachments == 3) {
		CHECK_STR(m->attachments[0].filename, "all-bytes.bin");
		CHECK_STR(m->attachments[0].content_type, "application/octet-stream");
		CHECK_INT(m->attachments[0].len, 256);
		CHECK(m->attachments[0].len == 256 && !memcmp(m->attachments[0].data, all, 256));
		CHECK_STR(m->attachments[1].filename, "Preisliste f\xc3\xbcr 2027.pdf");
		CHECK_STR(m->attachments[1].content_type, "application/pdf");
		CHECK(m->attachments[1].len == sizeof(big) && !memcmp(m->attachments[1].data, big, sizeof(big)));
		CHECK_STR(m->attachments[2].filename, "empty.txt");
		CHECK_INT(m->attachments[2].len, 0);
	}
	sfa_mime_free(m);

	/* a long non-ASCII file name goes in RFC 2231 sections and reads back whole */
	struct sfa_buf name = SFA_BUF_INIT;
	for (int i = 0; i < 40; i++)
		sfa_buf_addstr(&name, "\xc3\xbc\xe5\xb1\xb1");
	sfa_buf_addstr(&name, ".pdf");
	at[0].filename = name.buf;
	d.nattachments = 1;
	d.html = NULL;
	msg = build(&d);
	CHECK(msg && strstr(msg, "filename*0*=UTF-8''%C3%BC%E5%B1%B1"));
	CHECK(msg && strstr(msg, " filename*1*="));
	CHECK(msg && longest_line(msg) <= 78);
	m = msg ? parse(msg) : NULL;
	CHECK(m && m->nattachments == 1 && m->attachments[0].filename &&
	      !strcmp(m->attachments[0].filename, name.buf));
	CHECK(m && !strcmp(m->text, "Hello Ivan,\nsee the \xc3\xa9 attachments.\n"));
	sfa_mime_free(m);
	sfa_buf_release(&name);
}

static void test_refusals(void)
{
	static const char *const breaks[] = { "evil\r\nBcc: x@example.org", "evil\nBcc: x@example.org",
					      "evil\rBcc: x@example.org" };
	static const char *const expect[] = {
		"from name: contains a line break", "from: contains a line break",
		"to name: contains a line break", "to: contains a line break",
		"reply-to name: contains a line break", "reply-to: contains a line break",
		"subject: contains a line break", "message-id: contains a line break",
		"in-reply-to: contains a line break", "references: contains a line break",
		"unsubscribe url: contains a line break", "unsubscribe mailto: contains a line break",
		"header 1: name has character '?'", "header 'X-Sfa-Campaign': contains a line break",
		"attachment 1 file name: contains a line break", "attachment 1: not a content type",
	};
	struct sfa_buf out = SFA_BUF_INIT;

	for (size_t b = 0; b < 3; b++) {
		for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
			struct sfa_mime_addr from = greta, to = ivan, reply = { "Sales", "sales@nordicpumps.example" };
			struct sfa_mime_header xh = { "X-Sfa-Campaign", "c-42" };
			struct sfa_mime_attachment at = { "a.pdf", "application/pdf", "x", 1 };
			struct sfa_mime_draft d = draft();
			char ctype[80];
			const char *bad = breaks[b];
			int err;

			snprintf(ctype, sizeof(ctype), "text/plain%s", bad + 4);
			d.from = from;
			d.to = &to;
			d.reply_to = &reply;
			d.headers = &xh;
			d.nheaders = 1;
			d.attachments = &at;
			d.nattachments = 1;
			d.in_reply_to = "q@example.ru";
			d.references = "q@example.ru";
			switch (k) {
			case 0: from.name = bad; break;
			case 1: from.addr = bad; break;
			case 2: to.name = bad; break;
			case 3: to.addr = bad; break;
			case 4: reply.name = bad; break;
			case 5: reply.addr = bad; break;
			case 6: d.subject = bad; break;
			case 7: d.message_id = bad; break;
			case 8: d.in_reply_to = bad; break;
			case 9: d.references = bad; break;
			case 10: d.unsubscribe_url = "https://x.example/\r\nBcc: x@example.org"; break;
			case 11: d.unsubscribe_mailto = "mailto:x@example.org\nBcc: y@example.org"; break;
			case 12: xh.name = b == 0 ? "X-A\r\nBcc" : b == 1 ? "X-A\nBcc" : "X-A\rBcc"; break;
			case 13: xh.value = bad; break;
			case 14: at.filename = bad; break;
			case 15: at.content_type = ctype; break;
			}
			d.from = from;
			sfa_buf_reset(&out);
			sfa_buf_addstr(&out, "kept");
			err = sfa_mime_build(&out, &d);
			CHECK_INT(err, SFA_EINPUT);
			CHECK(!strncmp(sfa_error_last(), expect[k], strlen(expect[k])));
			if (strncmp(sfa_error_last(), expect[k], strlen(expect[k])))
				printf("#   %s\n", sfa_error_last());
			CHECK_STR(out.buf, "kept");
		}
	}

	struct sfa_mime_draft d = draft();
	struct sfa_mime_header xh = { "X-Ok", "v" };
	struct sfa_mime_addr bob = { NULL, "bob@" };
	static const char *const own[] = { "Subject", "content-type", "Content-Disposition", "MIME-Version",
					   "List-Unsubscribe-Post", "message-id", "DATE", "Reply-To" };
	static const char *const bad_names[] = { "", "X Space", "X:Colon", "X-\xc3\xa9", "X-\x7f" };

	d.headers = &xh;
	d.nheaders = 1;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		xh.name = own[i];
		CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
		CHECK(strstr(sfa_error_last(), "written by the builder"));
	}
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		xh.name = bad_names[i];
		CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
		CHECK(!strncmp(sfa_error_last(), "header 1:", 9));
	}
	char longname[78];
	memset(longname, 'a', 77);
	memcpy(longname, "X-", 2);
	longname[77] = '\0';
	xh.name = longname;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);	/* 77 octets */
	CHECK_STR(sfa_error_last(), "header 1: name longer than 76 octets");
	longname[76] = '\0';
	xh.value = "\xc3\xa9t\xc3\xa9";
	CHECK(build(&d) && strstr(build(&d), "aaa:\r\n =?UTF-8?B?w6l0w6k=?=\r\n"));
	CHECK(build(&d) && longest_line(build(&d)) == 77);
	xh.name = "Bcc";	/* not the builder's: allowed */
	xh.value = "audit@nordicpumps.example";
	CHECK(build(&d) && strstr(build(&d), "\r\nBcc: audit@nordicpumps.example\r\nMIME-Version"));

	d = draft();
	d.subject = "Gr\xfc\xdf" "e";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "subject: invalid UTF-8");
	d = draft();
	d.from.name = "\xed\xa0\x80";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "from name: invalid UTF-8");
	d = draft();
	d.text = "caf\xe9";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "text: invalid UTF-8");
	d = draft();
	d.html = "\xff";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "html: invalid UTF-8");
	d = draft();
	d.text = NULL;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "text: missing");
	d = draft();
	d.message_id = NULL;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "message-id: missing");
	d = draft();
	d.message_id = "no-at-sign";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "message-id: not a message id: 'no-at-sign'");
	d = draft();
	d.references = "a@b.example <c d@e.example>";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	d = draft();
	d.nto = 0;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "to: no recipient");
	d = draft();
	d.from = bob;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "from: not an address: 'bob@'");
	d = draft();
	struct sfa_mime_addr two[2] = { { NULL, "a@example.org" }, { NULL, "a@b@example.org" } };
	d.to = two;
	d.nto = 2;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "to 2: not an address: 'a@b@example.org'");
	d = draft();
	d.unsubscribe_url = "javascript:alert(1)";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK(!strncmp(sfa_error_last(), "unsubscribe url: not a http(s) URI", 34));
	d.unsubscribe_url = "https://x.example/a>b";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	d.unsubscribe_url = "https://x.example/a b";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	d = draft();
	d.date = (time_t)253402300800;	/* the year 10000 */
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "date: out of range");
	d = draft();
	struct sfa_mime_attachment at = { "a.bin", "application/octet-stream; name=x", "x", 1 };
	d.attachments = &at;
	d.nattachments = 1;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	at.content_type = "application/pdf";
	at.filename = "";
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "attachment 1: missing file name");
	char fname[257];
	memset(fname, 'f', 256);
	fname[256] = '\0';
	at.filename = fname;
	CHECK_INT(sfa_mime_build(&out, &d), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "attachment 1: file name longer than 255 octets");
	/* the longest name, each octet percent-encoded: 15 sections, read back whole */
	memset(fname, '%', 255);
	fname[255] = '\0';
	struct sfa_mime_msg *m = parse(build(&d));
	CHECK(m && m->nattachments == 1 && m->attachments[0].filename &&
	      !strcmp(m->attachments[0].filename, fname));
	sfa_mime_free(m);
	/* references of blanks only: no header */
	d = draft();
	d.references = " \t ";
	CHECK(build(&d) && !strstr(build(&d), "References"));
	sfa_buf_release(&out);
}

static void test_addr_valid(void)
{
	static const char *const good[] = {
		"a@b.c", "greta.lindqvist@nordicpumps.example", "o'neil+tag@example.co.uk", "user@[192.0.2.1]",
		"x@localhost", "a!#$%&'*+-/=?^_`{|}~@x.org", "1@2.3", "a@xn--bcher-kva.example", "a@b-c.example",
		"user@[0.0.0.0]", "user@[255.255.255.255]",
	};
	static const char *const bad[] = {
		"", "@x.org", "a@", "a", "a@@b.org", "a.@b.org", ".a@b.org", "a..b@c.org", "\"a b\"@c.org",
		"a b@c.org", "a@-b.org", "a@b-.org", "a@b..org", "a@.b.org", "a@b.org.", "a@b_c.org",
		"a@[256.0.0.1]", "a@[1.2.3]", "a@[01.2.3.4]", "a@[1.2.3.4", "a@[1.2.3.4.5]", "a@[1.2.3.4x]",
		"\xc3\xbc@x.org", "a@b\303\274cher.de", "a@b.org\n", "a@b.org ", "<a@b.org>", "a(b)@c.org",
		"a@[IPv6:::1]", "a@b,c.org",
	};
	struct sfa_buf s = SFA_BUF_INIT;
	char l64[65], l63[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!CHECK(sfa_mime_addr_valid(good[i])))
			printf("#   '%s'\n", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK(!sfa_mime_addr_valid(bad[i])))
			printf("#   '%s'\n", bad[i]);
	CHECK(!sfa_mime_addr_valid(NULL));
	memset(l64, 'l', 64);
	l64[64] = '\0';
	memset(l63, 'd', 63);
	l63[63] = '\0';
	/* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
	sfa_buf_addf(&s, "%s@%s.%s.%.61s", l64, l63, l63, l63);
	CHECK_INT(s.len, 254);
	CHECK(sfa_mime_addr_valid(s.buf));
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "%s@%s.%s.%.62s", l64, l63, l63, l63);
	CHECK(!sfa_mime_addr_valid(s.buf));	/* 255 */
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "%sx@example.org", l64);
	CHECK(!sfa_mime_addr_valid(s.buf));	/* local part of 65 */
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "a@%sd.org", l63);
	CHECK(!sfa_mime_addr_valid(s.buf));	/* label of 64 */
	sfa_buf_reset(&s);
	sfa_buf_addf(&s, "a@%s.org", l63);
	CHECK(sfa_mime_addr_valid(s.buf));
	sfa_buf_release(&s);
}

static void test_mbox(void)
{
	static const char msg[] = "From: a@b.example\r\nSubject: x\r\n\r\nFrom here\r\n>From there\r\n"
				  ">>From everywhere\r\nFromage\r\n From x\r\n>From\r\nlast";
	struct sfa_buf out = SFA_BUF_INIT;

	CHECK_INT(sfa_mime_mbox_append(&out, msg, strlen(msg), "greta@nordicpumps.example", NOV23), 0);
	CHECK_STR(out.buf, "From greta@nordicpumps.example Mon Nov 23 12:00:00 2026\n"
		  "From: a@b.example\nSubject: x\n\n>From here\n>>From there\n>>>From everywhere\n"
		  "Fromage\n From x\n>From\nlast\n\n");
	/* a second entry follows the blank line; a day below 10 is padded with a space */
	CHECK_INT(sfa_mime_mbox_append(&out, "A: b\n\nFrom me\n", 14, NULL, NOV23 - 20 * 86400), 0);
	CHECK(strstr(out.buf, "last\n\nFrom MAILER-DAEMON Tue Nov  3 12:00:00 2026\nA: b\n\n>From me\n\n"));
	sfa_buf_reset(&out);
	sfa_buf_addstr(&out, "kept");
	CHECK_INT(sfa_mime_mbox_append(&out, "x", 1, "a b@c", NOV23), SFA_EINPUT);
	CHECK_INT(sfa_mime_mbox_append(&out, "x", 1, "a@c\n", NOV23), SFA_EINPUT);
	CHECK_STR(out.buf, "kept");
	sfa_buf_release(&out);
}

static void test_parse_outlook(void)
{
	struct sfa_mime_msg *m = parse(
		"Received: from PC01 ([10.0.0.8]) by mx.example.de\r\n"
		"From: =?windows-1252?Q?J=FCrgen_M=FCller?= <jm@example.de>\r\n"
		"To: \"Sales\" <sales@nordicpumps.example>, other@example.de\r\n"
		"Subject: =?windows-1252?Q?AW:_Angebot_=96_Pumpen?=\r\n"
		"Date: Mon, 23 Nov 2026 13:00:00 +0100\r\n"
		"Message-ID: <000001d9abcd$12345678$0a00a8c0@PC01>\r\n"
		"In-Reply-To: <m1@nordicpumps.example>\r\n"
		"References: <m0@nordicpumps.example>\r\n"
		"\t<m1@nordicpumps.example>\r\n"
		"X-Mailer: Microsoft Outlook 16.0\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain;\r\n\tcharset=\"Windows-1252\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"Gr=FC=DFe =96 5 =80 und =84Anf=FChrungszeichen=93=\r\n"
		" weiter\r\n"
		"Zeile zwei   \r\n");

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(m->from_name, "J\xc3\xbcrgen M\xc3\xbcller");
	CHECK_STR(m->from_addr, "jm@example.de");
	CHECK_STR(m->to_addr, "sales@nordicpumps.example");
	CHECK_STR(m->to, "\"Sales\" <sales@nordicpumps.example>, other@example.de");
	CHECK_STR(m->subject, "AW: Angebot \xe2\x80\x93 Pumpen");
	CHECK_STR(m->date, "2026-11-23T12:00:00Z");
	CHECK_STR(m->message_id, "000001d9abcd$12345678$0a00a8c0@PC01");
	CHECK_STR(m->in_reply_to, "m1@nordicpumps.example");
	CHECK_STR(m->references, "m0@nordicpumps.example m1@nordicpumps.example");
	CHECK_STR(m->text, "Gr\xc3\xbc\xc3\x9f" "e \xe2\x80\x93 5 \xe2\x82\xac und \xe2\x80\x9e" "Anf\xc3\xbc"
		  "hrungszeichen\xe2\x80\x9c weiter\nZeile zwei\n");
	CHECK(m->html == NULL);
	CHECK_INT(m->nattachments, 0);
	CHECK_STR(sfa_mime_header(m, "x-mailer"), "Microsoft Outlook 16.0");
	CHECK_STR(sfa_mime_header(m, "CONTENT-TYPE"), "text/plain;\tcharset=\"Windows-1252\"");
	CHECK_STR(sfa_mime_header(m, "references"), "<m0@nordicpumps.example>\t<m1@nordicpumps.example>");
	CHECK(sfa_mime_header(m, "cc") == NULL);
	CHECK_INT(m->nfields, 12);
	sfa_mime_free(m);
}

static void test_parse_cjk(void)
{
	/* Thunderbird: ISO-2022-JP subject and body, the subject in two words cut at an escape */
	struct sfa_mime_msg *m = parse(
		"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\n"
		"To: sales@nordicpumps.example\n"
		"Subject: =?ISO-2022-JP?B?GyRCOCtAUT1xJE43byRLGyhC?=\n"
		" =?ISO-2022-JP?B?GyRCJEQkJCRGGyhC?=\n"
		"Date: Mon, 23 Nov 2026 21:00:00 +0900\n"
		"Content-Type: text/plain; charset=ISO-2022-JP; format=flowed\n"
		"Content-Transfer-Encoding: 7bit\n"
		"\n"
		"\x1b$B8+@Q=q$N7o$K$D$$$F\x1b(B\n");

	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->from_name, "\xe5\xb1\xb1\xe7\x94\xb0");	/* 山田 */
		CHECK_STR(m->subject, "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8\xe3\x81\xae\xe4\xbb\xb6\xe3\x81\xab"
			  "\xe3\x81\xa4\xe3\x81\x84\xe3\x81\xa6");	/* 見積書の件について */
		CHECK_STR(m->text, "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8\xe3\x81\xae\xe4\xbb\xb6\xe3\x81\xab"
			  "\xe3\x81\xa4\xe3\x81\x84\xe3\x81\xa6\n");
		CHECK_STR(m->date, "2026-11-23T12:00:00Z");
		sfa_mime_free(m);
	}

	/* Foxmail: GB2312 in base64, and GBK beyond GB2312 under that label */
	m = parse("From: =?gb2312?B?1cXOsA==?= <zhang@example.cn>\r\n"
		  "Subject: =?GB2312?B?sai824jS?= =?GB2312?B?sai8?=\r\n"
		  "Content-Type: text/plain;\r\n\tcharset=\"gb2312\"\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\n"
		  "xPq6w6Os1eLKx7GovNu1paGj\r\nCtC70LujoQo=\r\n");
	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->from_name, "\xe5\xbc\xa0\xe4\xbc\x9f");	/* 张伟 */
		CHECK_STR(m->text, "\xe6\x82\xa8\xe5\xa5\xbd\xef\xbc\x8c\xe8\xbf\x99\xe6\x98\xaf\xe6\x8a\xa5"
			  "\xe4\xbb\xb7\xe5\x8d\x95\xe3\x80\x82\n\xe8\xb0\xa2\xe8\xb0\xa2\xef\xbc\x81\n");
		/* 报价堃 (堃 is GBK, not GB2312), then 报 and half a character: U+FFFD */
		CHECK_STR(m->subject, "\xe6\x8a\xa5\xe4\xbb\xb7\xe5\xa0\x83\xe6\x8a\xa5\xef\xbf\xbd");
		sfa_mime_free(m);
	}

	/* KOI8-R, Big5, Shift_JIS, EUC-KR */
	m = parse("Subject: =?koi8-r?Q?=F0=D2=C9=D7=C5=D4?= =?big5?B?s/i7+bPm?= =?shift_jis?Q?=8C=A9=90=CF?="
		  " =?euc-kr?B?sN/A+7yt?=\n\nx\n");
	CHECK(m && m->subject &&
	      !strcmp(m->subject, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\xe5\xa0\xb1\xe5\x83\xb9"
		      "\xe5\x96\xae\xe8\xa6\x8b\xe7\xa9\x8d\xea\xb2\xac\xec\xa0\x81\xec\x84\x9c"));
	sfa_mime_free(m);
}

static void test_parse_words(void)
{
	static const struct {
		const char *raw, *want;
	} cases[] = {
		/* blanks between encoded-words go, others stay */
		{ "=?UTF-8?Q?a?= =?UTF-8?Q?b?=\t =?utf-8?q?c?= d =?UTF-8?Q?e?=", "abc d e" },
		/* a character cut across two words, even across charset spellings */
		{ "=?UTF-8?Q?caf=C3?= =?utf-8?Q?=A9?=", "caf\xc3\xa9" },
		/* unknown charset, broken base64, broken Q: kept as they are */
		{ "=?x-no-such-cs?Q?Hi?= there", "=?x-no-such-cs?Q?Hi?= there" },
		{ "=?UTF-8?B?SGk*?=", "=?UTF-8?B?SGk*?=" },
		{ "=?UTF-8?Q?a=ZZ?=", "=?UTF-8?Q?a=ZZ?=" },
		{ "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=" },
		{ "=?UTF-8//TRANSLIT?Q?x?=", "=?UTF-8//TRANSLIT?Q?x?=" },
		/* an RFC 2231 language; underscores are spaces in Q */
		{ "=?UTF-8*de?Q?Gr=C3=BC=C3=9Fe_dich?=", "Gr\xc3\xbc\xc3\x9f" "e dich" },
		/* bytes not valid in the charset read as U+FFFD */
		{ "=?UTF-8?B?Yf9i?=", "a\xef\xbf\xbd" "b" },
		{ "=?ISO-8859-7?Q?=C1=E8=DE=ED=E1?=", "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1" },
		/* more charsets than converters kept: each word still in its own */
		{ "=?iso-8859-2?Q?a?= =?iso-8859-3?Q?b?= =?iso-8859-4?Q?c?= =?iso-8859-5?Q?d?= "
		  "=?iso-8859-6?Q?e?= =?iso-8859-7?Q?f?= =?iso-8859-8?Q?g?= =?iso-8859-9?Q?=DD?= "
		  "=?iso-8859-10?Q?=DD?= =?koi8-r?Q?=F0?= =?iso-8859-2?Q?=A3?=",
		  "abcdefg\xc4\xb0\xc3\x9d\xd0\x9f\xc5\x81" },
		/* raw 8-bit: UTF-8 when it is, else windows-1252 */
		{ "Gr\xc3\xbc\xc3\x9f" "e", "Gr\xc3\xbc\xc3\x9f" "e" },
		{ "Gr\xfc\xdf" "e \x80", "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac" },
		/* a decoded line break or NUL cannot come out of a header */
		{ "=?UTF-8?Q?a=0D=0Ab=00c?=", "a  b c" },
		{ "=?UTF-8?B?" "?=x", "x" },
		{ "=?", "=?" },
		{ "a =?UTF-8?Q?", "a =?UTF-8?Q?" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sfa_buf s = SFA_BUF_INIT;
		struct sfa_mime_msg *m;

		sfa_buf_addf(&s, "Subject: %s\r\n\r\n", cases[i].raw);
		m = parse(s.buf);
		if (!CHECK(m && m->subject && !strcmp(m->subject, cases[i].want)))
			printf("#   %s -> '%s'\n", cases[i].raw, m && m->subject ? m->subject : "(null)");
		sfa_mime_free(m);
		sfa_buf_release(&s);
	}
}

static void test_header_lookup(void)
{
	struct sfa_mime_msg *m = parse("x-custom: =?UTF-8?Q?caf=C3=A9?=\r\n =?UTF-8?Q?_au_lait?=\r\n"
				       "X-Custom: second\r\nX-Empty:\r\nX-Folded: one\r\n\ttwo\r\n\r\n");

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(sfa_mime_header(m, "X-CUSTOM"), "caf\xc3\xa9 au lait");
	CHECK_STR(sfa_mime_header(m, "x-empty"), "");
	CHECK_STR(sfa_mime_header(m, "X-Folded"), "one\ttwo");
	CHECK(sfa_mime_header(m, "X-Custo") == NULL);
	CHECK_INT(m->nfields, 4);
	CHECK_STR(m->fields[1].value, "second");
	sfa_mime_free(m);
}

static void test_parse_addresses(void)
{
	static const struct {
		const char *raw, *name, *addr;
	} cases[] = {
		{ "Greta Lindqvist <greta@example.se>", "Greta Lindqvist", "greta@example.se" },
		{ "\"Lindqvist, Greta\" <greta@example.se>", "Lindqvist, Greta", "greta@example.se" },
		{ "\"O\\\"Neil \\\\ Co\" <o@example.ie>", "O\"Neil \\ Co", "o@example.ie" },
		{ "greta@example.se (Greta  Lindqvist)", "Greta Lindqvist", "greta@example.se" },
		{ "greta@example.se", NULL, "greta@example.se" },
		{ "<greta@example.se>", NULL, "greta@example.se" },
		{ "\"=?UTF-8?B?0JjQstCw0L0=?=\" <ivan@example.ru>", "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd",
		  "ivan@example.ru" },
		{ "=?UTF-8?Q?Jos=C3=A9?= =?UTF-8?Q?_Garc=C3=ADa?= <jg@example.es>", "Jos\xc3\xa9 Garc\xc3\xad" "a",
		  "jg@example.es" },
		{ "undisclosed-recipients:;", NULL, NULL },
		{ "team: a@example.org, b@example.org;", NULL, "a@example.org" },
		{ "<@relay.example:old@example.org>", NULL, "old@example.org" },
		{ ", , late@example.org", NULL, "late@example.org" },
		{ "Broken <unclosed@example.org", "Broken", "unclosed@example.org" },
		{ "(comment (nested)) a@example.org", "comment (nested)", "a@example.org" },
		{ "", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sfa_buf s = SFA_BUF_INIT;
		struct sfa_mime_msg *m;

		sfa_buf_addf(&s, "From: %s\nTo: %s\n\n", cases[i].raw, cases[i].raw);
		m = parse(s.buf);
		CHECK(m != NULL);
		if (!m)
			continue;
		if (!CHECK((cases[i].name ? m->from_name && !strcmp(m->from_name, cases[i].name) : !m->from_name) &&
			   (cases[i].addr ? m->from_addr && !strcmp(m->from_addr, cases[i].addr) : !m->from_addr)))
			printf("#   %s -> '%s' '%s'\n", cases[i].raw, m->from_name ? m->from_name : "(null)",
			       m->from_addr ? m->from_addr : "(null)");
		CHECK(cases[i].addr ? m->to_addr && !strcmp(m->to_addr, cases[i].addr) : !m->to_addr);
		sfa_mime_free(m);
		sfa_buf_release(&s);
	}
}

static void test_parse_dates(void)
{
	static const struct {
		const char *raw, *iso;
	} cases[] = {
		{ "Mon, 23 Nov 2026 12:00:00 +0000", "2026-11-23T12:00:00Z" },
		{ "23 Nov 2026 12:00:00 +0000", "2026-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 26 12:00 GMT", "2026-11-23T12:00:00Z" },
		{ "Sun, 1 Mar 98 1:02:03 -0130", "1998-03-01T02:32:03Z" },
		{ "Mon, 23 Nov 049 12:00:00 +0000", "1949-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 2026 07:00:00 EST", "2026-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 2026 04:00:00 PDT", "2026-11-23T11:00:00Z" },
		{ "Mon, 23 Nov 2026 06:00:00 cdt", "2026-11-23T11:00:00Z" },
		{ "Mon, 23 Nov 2026 12:00:00 UT", "2026-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 2026 12:00:00", "2026-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 2026 12:00:00 +0000 (UTC)", "2026-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 2026 12:00:00 CEST", "2026-11-23T12:00:00Z" },
		{ "Mon,23 Nov 2026 12:00:00 +0000", "2026-11-23T12:00:00Z" },
		{ "Tue, 1 Jan 2030 00:30:00 +0100", "2029-12-31T23:30:00Z" },
		{ "Thu, 29 Feb 2024 10:00:00 +0000", "2024-02-29T10:00:00Z" },
		{ "23 November 2026 12:00 +0000", "2026-11-23T12:00:00Z" },
		{ "Mon, 23 Nov 2026 12 : 00 : 00 +0000", "2026-11-23T12:00:00Z" },
		{ "Thu, 30 Feb 2024 10:00:00 +0000", NULL },
		{ "Mon, 23 Foo 2026 12:00:00 +0000", NULL },
		{ "Mon, 23 Nov 2026 25:00:00 +0000", NULL },
		{ "Mon, 23 Nov 2026 12:60:00 +0000", NULL },
		{ "Mon, 23 Nov 2026 12:00:00 +0099", NULL },
		{ "Mon, 23 Nov 12026 12:00:00 +0000", NULL },
		{ "Mon, 0 Nov 2026 12:00:00 +0000", NULL },
		{ "2026-11-23T12:00:00Z", NULL },
		{ "yesterday", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sfa_buf s = SFA_BUF_INIT;
		struct sfa_mime_msg *m;

		sfa_buf_addf(&s, "Date: %s\n\nx\n", cases[i].raw);
		m = parse(s.buf);
		if (!CHECK(m && (cases[i].iso ? m->date && !strcmp(m->date, cases[i].iso) : !m->date)))
			printf("#   %s -> %s\n", cases[i].raw, m && m->date ? m->date : "(null)");
		sfa_mime_free(m);
		sfa_buf_release(&s);
	}
}

static void test_parse_structure(void)
{
	/* mixed > alternative > text/plain + text/html, then a Thunderbird attachment and an inline image */
	struct sfa_mime_msg *m = parse(
		"From nobody Mon Nov 23 12:00:00 2026\n"
		"From: a@example.org\n"
		"Content-Type: multipart/mixed; boundary=\"outer\"\n"
		"\n"
		"This is a multi-part message in MIME format.\n"
		"--outer\n"
		"Content-Type: multipart/alternative;\n boundary=inner\n"
		"\n"
		"--inner\n"
		"Content-Type: text/plain; charset=UTF-8\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"Line one=\n"
		" continued =C3=A9\n"
		"--outer-not-a-boundary\n"
		"--inner\n"
		"Content-Type: text/html; charset=UTF-8\n"
		"\n"
		"<p>Line one continued &eacute;</p>\n"
		"--inner--\n"
		"\n"
		"--outer\n"
		"Content-Type: application/pdf;\n name=\"=?UTF-8?B?UHJlaXNsaXN0ZS5wZGY=?=\"\n"
		"Content-Transfer-Encoding: base64\n"
		"Content-Disposition: attachment;\n"
		" filename*0*=UTF-8''Preisliste%20f%C3%BC;\n"
		" filename*1*=r%202027;\n"
		" filename*2=\".pdf\"\n"
		"\n"
		"JVBER i0x\n!!LjQK\n"
		"--outer\n"
		"Content-Type: image/png; name=\"logo.png\"\n"
		"Content-Disposition: inline; filename=\"logo.png\"\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"iVBORw0KGgo=\n"
		"--outer--\n"
		"epilogue\n");

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(m->from_addr, "a@example.org");
	CHECK_STR(m->text, "Line one continued \xc3\xa9\n--outer-not-a-boundary");
	CHECK_STR(m->html, "<p>Line one continued &eacute;</p>");
	CHECK_INT(m->nattachments, 2);
	if (m->nattachments == 2) {
		CHECK_STR(m->attachments[0].filename, "Preisliste f\xc3\xbcr 2027.pdf");
		CHECK_STR(m->attachments[0].content_type, "application/pdf");
		CHECK_INT(m->attachments[0].len, 9);
		CHECK(m->attachments[0].len == 9 && !memcmp(m->attachments[0].data, "%PDF-1.4\n", 9));
		CHECK_STR(m->attachments[1].filename, "logo.png");
		CHECK_INT(m->attachments[1].len, 8);
		CHECK(m->attachments[1].len == 8 && !memcmp(m->attachments[1].data, "\x89PNG\r\n\x1a\n", 8));
	}
	sfa_mime_free(m);

	/* Outlook's encoded-word in a quoted name parameter; a message/rfc822 part is not descended */
	m = parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		  "--b\r\nContent-Type: text/plain\r\n\r\nouter text\r\n"
		  "--b\r\nContent-Type: message/rfc822\r\n\r\n"
		  "Subject: inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
		  "--b\r\nContent-Type: application/octet-stream;\r\n\tname=\"=?utf-8?B?w6kucGRm?=\"\r\n\r\nraw\r\n"
		  "--b--\r\n");
	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->text, "outer text");
		CHECK_INT(m->nattachments, 2);
		if (m->nattachments == 2) {
			CHECK_STR(m->attachments[0].content_type, "message/rfc822");
			CHECK(m->attachments[0].filename == NULL);
			CHECK(strstr(m->attachments[0].data, "inner text") != NULL);
			CHECK_STR(m->attachments[1].filename, "\xc3\xa9.pdf");
			CHECK_STR(m->attachments[1].data, "raw");
		}
		CHECK(m->subject == NULL);
		sfa_mime_free(m);
	}

	/* a multipart cut short: no close delimiter, the last part runs to the end */
	m = parse("Content-Type: multipart/alternative; boundary=\"q\"\n\n--q\nContent-Type: text/html\n\n"
		  "<b>cut</b> short");
	CHECK(m && !strcmp(m->text, "cut short\n") && !strcmp(m->html, "<b>cut</b> short"));
	sfa_mime_free(m);

	/* digest parts default to message/rfc822; a multipart without boundary reads as text */
	m = parse("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\nbody\n--d--\n");
	CHECK(m && m->nattachments == 1 && !strcmp(m->attachments[0].content_type, "message/rfc822"));
	CHECK(m && !strcmp(m->text, ""));
	sfa_mime_free(m);
	m = parse("Content-Type: multipart/mixed\n\nplain after all\n");
	CHECK(m && !strcmp(m->text, "plain after all\n"));
	sfa_mime_free(m);

	/* a part with no type is text/plain in US-ASCII; 8-bit in it is taken as UTF-8 when it is */
	m = parse("Subject: s\n\nno header \xc3\xa9\r\nline\rmac\n");
	CHECK(m && !strcmp(m->text, "no header \xc3\xa9\nline\nmac\n"));
	sfa_mime_free(m);
	m = parse("Content-Type: text/plain; charset=\"x-no-such\"\n\ncaf\xe9\n");
	CHECK(m && !strcmp(m->text, "caf\xc3\xa9\n"));
	sfa_mime_free(m);
	m = parse("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nYQBi/2M=\n");
	CHECK(m && !strcmp(m->text, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c"));
	sfa_mime_free(m);
	/* junk inside base64 is skipped; what follows the padding is not data */
	m = parse("Content-Transfer-Encoding: base64\n\nSGVs!bG8g\n\t=d29y*bGQ=\n--\nList footer\n");
	CHECK(m && !strcmp(m->text, "Hello world"));
	sfa_mime_free(m);
	m = parse("Content-Transfer-Encoding: base64\n\nYWI=\nYWI=\n");
	CHECK(m && !strcmp(m->text, "ab"));
	sfa_mime_free(m);
	/* no body at all, no header at all */
	m = parse("Subject: only a header");
	CHECK(m && !strcmp(m->subject, "only a header") && !strcmp(m->text, ""));
	sfa_mime_free(m);
	m = parse("\nbody only\n");
	CHECK(m && m->nfields == 0 && !strcmp(m->text, "body only\n") && !m->from_addr);
	sfa_mime_free(m);
}

static void test_parse_html(void)
{
	struct sfa_mime_msg *m = parse(
		"From: news@example.com\r\n"
		"Content-Type: text/html; charset=\"utf-8\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		"<html><head><title>Ignored</title><style>p{color:red}</style>=\r\n"
		"<script>var x=3D\"<p>\";</script></head>\r\n"
		"<body><p class=3D\"a>b\">Hello&nbsp;<b>Greta</b>,</p><p>price: 5&euro; &lt;net&gt;"
		" &#8364;&#x20AC; &amp; more &unknown; &#0; &#150;</p>line1<br>line2<br/><br>line4\r\n"
		"<!-- comment <p> --><div>a    b\r\nc</div><table><tr><td>x</td><td>y</td></tr></table>"
		"1 < 2 & 3</body></html>\r\n");

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(m->text, "Hello\xc2\xa0Greta,\n\nprice: 5\xe2\x82\xac <net> \xe2\x82\xac\xe2\x82\xac & more "
		  "&unknown; \xef\xbf\xbd \xe2\x80\x93\n\nline1\nline2\n\nline4\na b c\n\nx y\n\n1 < 2 & 3\n");
	CHECK(m->html && strstr(m->html, "<title>Ignored</title>"));
	CHECK_INT(m->nattachments, 0);
	sfa_mime_free(m);
}

static void test_limits(void)
{
	struct sfa_buf s = SFA_BUF_INIT;
	struct sfa_mime_msg *m = (struct sfa_mime_msg *)&s;
	char *big;

	/* 1000 parts pass (the root and 999), one more is refused */
	sfa_buf_addstr(&s, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < 999; i++)
		sfa_buf_addstr(&s, "--b\n\nx\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), 0);
	CHECK(m && !strcmp(m->text, "x"));
	sfa_mime_free(m);
	sfa_buf_addstr(&s, "--b\n\nx\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "in: more than 1000 parts");
	CHECK(m == NULL);

	/* a header section of 1 MiB passes, one octet more is refused; in a part too */
	sfa_buf_reset(&s);
	while (s.len < SFA_MIME_HEADER_MAX - 100)
		sfa_buf_addstr(&s, "X-Filler: 0123456789012345678901234567890123456789\n");
	while (s.len < SFA_MIME_HEADER_MAX)
		sfa_buf_addch(&s, s.len + 1 == SFA_MIME_HEADER_MAX ? '\n' : 'x');
	sfa_buf_addstr(&s, "\nbody\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), 0);
	CHECK(m && !strcmp(m->text, "body\n"));
	sfa_mime_free(m);
	sfa_buf_setlen(&s, SFA_MIME_HEADER_MAX - 1);
	sfa_buf_addstr(&s, "y\n\nbody\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "in: header section larger than 1 MiB");
	sfa_buf_reset(&s);
	sfa_buf_addstr(&s, "Content-Type: multipart/mixed; boundary=b\n\n--b\n");
	for (size_t i = 0; i < SFA_MIME_HEADER_MAX / 8 + 1; i++)
		sfa_buf_addstr(&s, "X: 1234\n");
	sfa_buf_addstr(&s, "\nx\n--b--\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), SFA_EINPUT);

	/* 64 MiB pass, one octet more is refused */
	static const char head[] = "Subject: big\nContent-Type: application/octet-stream\n\n";
	big = sfa_xcalloc(1, SFA_MIME_INPUT_MAX + 1);
	memcpy(big, head, sizeof(head) - 1);
	CHECK_INT(sfa_mime_parse(&m, "in", big, SFA_MIME_INPUT_MAX), 0);
	CHECK(m && !strcmp(m->subject, "big") && m->nattachments == 1 &&
	      m->attachments[0].len == SFA_MIME_INPUT_MAX - (sizeof(head) - 1));
	sfa_mime_free(m);
	CHECK_INT(sfa_mime_parse(&m, "in", big, SFA_MIME_INPUT_MAX + 1), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "in: message larger than 64 MiB");
	free(big);

	/* multiparts nested 20 deep: the 16 outer ones are read, the text deeper down is not */
	sfa_buf_reset(&s);
	for (int i = 0; i < 20; i++)
		sfa_buf_addf(&s, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	sfa_buf_addstr(&s, "Content-Type: text/plain\n\ndeep\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), 0);
	CHECK(m && !strcmp(m->text, "") && m->nattachments == 0);
	sfa_mime_free(m);
	sfa_buf_reset(&s);
	for (int i = 0; i < 16; i++)
		sfa_buf_addf(&s, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	sfa_buf_addstr(&s, "Content-Type: text/plain\n\ndeep\n");
	CHECK_INT(sfa_mime_parse(&m, "in", s.buf, s.len), 0);
	CHECK(m && !strcmp(m->text, "deep\n"));
	sfa_mime_free(m);
	sfa_buf_release(&s);
}

static void test_hostile_build(void)
{
	struct sfa_buf subject = SFA_BUF_INIT, words = SFA_BUF_INIT, text = SFA_BUF_INIT, quotes = SFA_BUF_INIT;
	struct sfa_buf blanks = SFA_BUF_INIT;
	struct sfa_mime_addr from = { NULL, "x@example.org" };
	struct sfa_mime_draft d = draft();
	struct sfa_mime_msg *m;
	const char *msg;

	for (int i = 0; i < 5000; i++)
		sfa_buf_addch(&subject, 'a' + i % 26);
	for (int i = 0; i < 1000; i++)
		sfa_buf_addstr(&words, "word ");
	for (int i = 0; i < 10000; i++)
		sfa_buf_addch(&text, i % 100 == 99 ? ' ' : 'a' + i % 26);
	sfa_buf_addch(&text, '\n');
	for (int i = 0; i < 3000; i++)
		sfa_buf_addstr(&quotes, i % 2 ? "\"" : "\\");
	sfa_buf_addstr(&blanks, "a");
	for (int i = 0; i < 3000; i++)
		sfa_buf_addch(&blanks, i % 3 ? ' ' : '\t');
	sfa_buf_addstr(&blanks, "b");

	const char *subjects[] = { subject.buf, words.buf, blanks.buf, quotes.buf };
	for (size_t i = 0; i < 4; i++) {
		d = draft();
		d.subject = subjects[i];
		from.name = subjects[3 - i];
		d.from = from;
		d.text = text.buf;
		msg = build(&d);
		CHECK(msg != NULL);
		CHECK(msg && longest_line(msg) <= 78);
		m = msg ? parse(msg) : NULL;
		CHECK(m && m->subject && !strncmp(m->subject, subjects[i], strlen(m->subject)) &&
		      strlen(m->subject) + (i == 1) == strlen(subjects[i]));	/* "word " loses its last blank */
		CHECK(m && m->text && !strcmp(m->text, text.buf));
		CHECK(m && m->from_addr && !strcmp(m->from_addr, "x@example.org"));
		sfa_mime_free(m);
	}
	/* the name full of quotes and backslashes comes back whole */
	d = draft();
	from.name = quotes.buf;
	d.from = from;
	m = parse(build(&d));
	CHECK(m && m->from_name && !strcmp(m->from_name, quotes.buf));
	sfa_mime_free(m);
	/* a short one is quoted and escaped */
	from.name = "a \"b\" \\c";
	d.from = from;
	msg = build(&d);
	CHECK(msg && strstr(msg, "\r\nFrom: \"a \\\"b\\\" \\\\c\" <x@example.org>\r\n"));
	m = parse(msg);
	CHECK(m && m->from_name && !strcmp(m->from_name, "a \"b\" \\c"));
	sfa_mime_free(m);
	sfa_buf_release(&subject);
	sfa_buf_release(&words);
	sfa_buf_release(&text);
	sfa_buf_release(&quotes);
	sfa_buf_release(&blanks);
}

void unit_tests(void)
{
	test_exact();
	test_deterministic();
	test_encoded_words();
	test_folding();
	test_qp();
	test_multipart_roundtrip();
	test_refusals();
	test_addr_valid();
	test_mbox();
	test_parse_outlook();
	test_parse_cjk();
	test_parse_words();
	test_header_lookup();
	test_parse_addresses();
	test_parse_dates();
	test_parse_structure();
	test_parse_html();
	test_limits();
	test_hostile_build();
}
