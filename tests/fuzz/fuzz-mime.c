/*
 * Fuzzes mail reading and building. The input is parsed as a message: it
 * parses, or is refused with SFA_EINPUT and a message naming it; every
 * string of a parsed message is UTF-8 without NUL, header values without
 * line breaks. The input is written as an mboxrd entry: no line of it but
 * the first starts with "From ". Then the input, split at NUL bytes into
 * subject, display name, text, HTML and file name (the whole input is the
 * attachment), is built into a message: a refusal leaves the output as it
 * was; a built message is 7-bit with CRLF line ends and no line over 998
 * octets, and parses back to the same subject, name, text (line ends and
 * trailing ones aside), HTML and attachment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/mime.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

static void check_string(const char *s, int header)
{
	if (!s)
		return;
	if (!sfa_utf8_valid(s, strlen(s), NULL) || (header && strpbrk(s, "\r\n")))
		abort();
}

static void check_parsed(const struct sfa_mime_msg *m)
{
	const char *header[] = { m->from_name, m->from_addr, m->to, m->to_addr, m->subject, m->date,
				 m->message_id, m->in_reply_to, m->references };

	for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
		check_string(header[i], 1);
	if (!m->text || (m->date && strlen(m->date) != 20))
		abort();
	check_string(m->text, 0);
	check_string(m->html, 0);
	for (size_t i = 0; i < m->nfields; i++) {
		check_string(m->fields[i].name, 1);
		check_string(m->fields[i].value, 1);
	}
	for (size_t i = 0; i < m->nattachments; i++) {
		check_string(m->attachments[i].filename, 1);
		check_string(m->attachments[i].content_type, 1);
		if (!m->attachments[i].content_type || m->attachments[i].data[m->attachments[i].len])
			abort();
	}
}

static void check_mbox(const uint8_t *in, size_t size)
{
	struct sfa_buf out = SFA_BUF_INIT;
	const char *p;

	if (sfa_mime_mbox_append(&out, (const char *)in, size, "fuzz@example.org", 1795435200) < 0)
		abort();
	if (out.len < 2 || strncmp(out.buf, "From fuzz@example.org ", 22) || out.buf[out.len - 1] != '\n' ||
	    out.buf[out.len - 2] != '\n')
		abort();
	for (p = memchr(out.buf, '\n', out.len); p && p + 1 < out.buf + out.len;
	     p = memchr(p + 1, '\n', (size_t)(out.buf + out.len - p - 1)))
		if (!strncmp(p + 1, "From ", 5))
			abort();
	sfa_buf_release(&out);
}

/* Blanks at both ends dropped. */
static char *trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return sfa_xstrndup(s, n);
}

/* A display name as it reads back: blank runs as one space, none at the ends; NULL for none. */
static char *squeezed(const char *s)
{
	struct sfa_buf b = SFA_BUF_INIT;

	for (; s && *s; s++) {
		if (*s == ' ' || *s == '\t') {
			if (b.len && b.buf[b.len - 1] != ' ')
				sfa_buf_addch(&b, ' ');
		} else {
			sfa_buf_addch(&b, *s);
		}
	}
	if (b.len && b.buf[b.len - 1] == ' ')
		sfa_buf_setlen(&b, b.len - 1);
	if (!b.len) {
		sfa_buf_release(&b);
		return NULL;
	}
	return sfa_buf_detach(&b, NULL);
}

/* LF line ends (CRLF and a lone CR alike), no line ends at the end. */
static char *normalised(const char *s)
{
	struct sfa_buf b = SFA_BUF_INIT;

	for (; *s; s++) {
		if (*s == '\r') {
			sfa_buf_addch(&b, '\n');
			if (s[1] == '\n')
				s++;
		} else {
			sfa_buf_addch(&b, *s);
		}
	}
	while (b.len && b.buf[b.len - 1] == '\n')
		sfa_buf_setlen(&b, b.len - 1);
	return sfa_buf_detach(&b, NULL);
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void check_built(const char *msg, size_t len, const struct sfa_mime_draft *d)
{
	struct sfa_mime_msg *m;
	size_t line = 0;
	char *want, *got;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];
		if (!c || c >= 0x80 || (c == '\r') != (i + 1 < len && msg[i + 1] == '\n') ||
		    (c == '\n' && (!i || msg[i - 1] != '\r')))
			abort();
		line = c == '\r' || c == '\n' ? 0 : line + 1;
		if (line > 998)
			abort();
	}
	if (sfa_mime_parse(&m, "built", msg, len) < 0)
		abort();
	check_parsed(m);

	want = trimmed(d->subject);
	got = trimmed(m->subject ? m->subject : "");
	if (strcmp(want, got))
		abort();
	free(want);
	free(got);

	want = squeezed(d->from.name);
	if (!same(want, m->from_name) || !same(m->from_addr, d->from.addr))
		abort();
	free(want);

	want = normalised(d->text);
	got = normalised(m->text);
	if (strcmp(want, got))
		abort();
	free(want);
	free(got);

	if (d->html) {
		want = normalised(d->html);
		got = m->html ? normalised(m->html) : NULL;
		if (!got || strcmp(want, got))
			abort();
		free(want);
		free(got);
	}
	if (m->nattachments != d->nattachments)
		abort();
	if (d->nattachments &&
	    (!same(m->attachments[0].filename, d->attachments[0].filename) ||
	     m->attachments[0].len != d->attachments[0].len ||
	     memcmp(m->attachments[0].data, d->attachments[0].data, d->attachments[0].len)))
		abort();
	sfa_mime_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct sfa_mime_addr to = { NULL, "to@example.org" };
	struct sfa_mime_attachment file = { NULL, NULL, in, size };
	struct sfa_mime_draft d = {
		.date = 1795435200, .from.addr = "from@example.org", .to = &to, .nto = 1,
		.message_id = "fuzz@example.org",
	};
	struct sfa_buf out = SFA_BUF_INIT;
	struct sfa_mime_msg *m;
	const char *piece[5] = { NULL };
	char *copy;
	size_t k = 0;
	int err;

	err = sfa_mime_parse(&m, "fuzz", (const char *)in, size);
	if (err < 0) {
		if (err != SFA_EINPUT || m || strncmp(sfa_error_last(), "fuzz: ", 6))
			abort();
	} else {
		if (err || !m)
			abort();
		check_parsed(m);
		sfa_mime_free(m);
	}
	check_mbox(in, size);

	/* the pieces between NUL bytes; a missing one is NULL */
	copy = sfa_xmalloc(size + 1);
	memcpy(copy, in, size);
	copy[size] = '\0';
	for (size_t i = 0; k < 5 && i <= size; k++) {
		piece[k] = copy + i;
		i += strlen(copy + i) + 1;
	}
	d.subject = piece[0];
	d.from.name = piece[1];
	d.text = piece[2] ? piece[2] : "";
	d.html = piece[3];
	if (piece[4] && *piece[4]) {
		file.filename = piece[4];
		d.attachments = &file;
		d.nattachments = 1;
	}
	sfa_buf_addstr(&out, "kept");
	err = sfa_mime_build(&out, &d);
	if (err < 0) {
		if (err != SFA_EINPUT || strcmp(out.buf, "kept"))
			abort();
	} else {
		if (err)
			abort();
		check_built(out.buf + 4, out.len - 4, &d);
	}
	sfa_buf_release(&out);
	free(copy);
	sfa_error_clear();
	return 0;
}
