/*
 * Internet mail (RFC 5322) with MIME (RFC 2045-2047, 2231): building the
 * campaign mail sfa-mail sends, reading the mail it receives, and the
 * mboxrd form it logs mail in.
 *
 * Building writes CRLF line ends, 7-bit only (headers as RFC 2047
 * encoded-words, bodies as quoted-printable or base64 when needed), no
 * line over 998 octets, the same bytes for the same draft. Nothing a
 * caller passes can add a header: every string bound for a header is
 * NUL-terminated and one holding CR or LF is refused.
 *
 * Reading takes mail from anyone: it accepts what real mailers send,
 * refuses only what is too big, and gives every text as UTF-8.
 */
#ifndef SFA_MIME_H
#define SFA_MIME_H

#include <stddef.h>
#include <time.h>

#include "sfa/buf.h"

/*
 * Every string of a draft is borrowed and UTF-8. A display name goes as
 * it is when it is atoms one space apart, as a quoted-string when it is
 * other printable ASCII, else as encoded-words; NULL or "" writes the
 * bare address, without angle brackets.
 */
struct sfa_mime_addr {
	const char *name;
	const char *addr;	/* see sfa_mime_addr_valid() */
};

struct sfa_mime_header {
	const char *name;	/* printable ASCII without ':' and space, at most 76 octets */
	const char *value;
};

struct sfa_mime_attachment {
	const char *filename;		/* required, at most 255 octets */
	const char *content_type;	/* "type/subtype", or NULL: application/octet-stream */
	const void *data;
	size_t len;
};

/*
 * One message to build. Message ids are given as "left@right", with or
 * without their angle brackets (they are written with one pair);
 * references is a list of them separated by blanks. Header values are
 * folded at blanks to lines of 78 octets where they can be, and go as
 * "=?UTF-8?B?...?=" encoded-words when they are not printable ASCII.
 * Bodies go as 7bit when they are ASCII in lines of at most 76 octets,
 * else as quoted-printable; attachments as base64.
 */
struct sfa_mime_draft {
	time_t date;
	struct sfa_mime_addr from;
	const struct sfa_mime_addr *to;		/* at least one */
	size_t nto;
	const struct sfa_mime_addr *reply_to;	/* or NULL */
	const char *subject;			/* or NULL: empty */
	const char *message_id;			/* required; also seeds the boundaries */
	const char *in_reply_to;		/* or NULL */
	const char *references;			/* or NULL */
	/*
	 * List-Unsubscribe (RFC 2369) from either or both; with an http(s)
	 * URL also List-Unsubscribe-Post for one-click unsubscription
	 * (RFC 8058). NULL for none.
	 */
	const char *unsubscribe_url;		/* "https://..." */
	const char *unsubscribe_mailto;		/* "mailto:..." */
	/* Written after the builder's own, which they may not repeat nor any Content-*. */
	const struct sfa_mime_header *headers;
	size_t nheaders;
	const char *text;			/* required */
	const char *html;			/* or NULL */
	const struct sfa_mime_attachment *attachments;
	size_t nattachments;
};

/*
 * Appends the message `draft` describes to `out`. SFA_EINPUT, naming the
 * field ("subject: contains a line break", "to 2: not an address: 'x@'"),
 * for a missing required field, a line break or invalid UTF-8 in anything
 * bound for a header, a bad address, id, URL, header name or content
 * type, invalid UTF-8 in a body, or a date out of the years 1900-9999;
 * `out` is then left as it was.
 */
int sfa_mime_build(struct sfa_buf *out, const struct sfa_mime_draft *draft);

/*
 * 1 when `addr` is an addr-spec we send to: a dot-atom local part of at
 * most 64 octets, '@', and a domain of dot-separated labels (letters,
 * digits, inner hyphens, at most 63 octets each; one label is enough)
 * or an IPv4 address literal "[192.0.2.1]"; ASCII, at most 254 octets.
 * Quoted local parts are refused on purpose. Else 0.
 */
int sfa_mime_addr_valid(const char *addr);

/*
 * Appends `msg` (`len` bytes, CRLF or LF line ends) to `out` as an
 * mboxrd entry: "From SENDER Mon Nov 23 12:00:00 2026" (`when` in UTC),
 * the message with LF line ends and '>' put before every line matching
 * ^>*From , and a blank line. `envelope_from` NULL or "" gives
 * MAILER-DAEMON; one holding a space or control character is refused
 * with SFA_EINPUT.
 */
int sfa_mime_mbox_append(struct sfa_buf *out, const char *msg, size_t len,
			 const char *envelope_from, time_t when);

/* A header field of a parsed message: unfolded, encoded-words decoded. */
struct sfa_mime_field {
	char *name;
	char *value;
};

/* A leaf part that is not the body text: its bytes after the transfer encoding. */
struct sfa_mime_file {
	char *filename;		/* or NULL */
	char *content_type;	/* lowercase "type/subtype" */
	char *data;		/* `len` bytes, NUL-terminated for convenience */
	size_t len;
};

/*
 * A parsed message. It owns every string; all are UTF-8 with no NUL,
 * and header values hold no CR or LF (those read as spaces).
 */
struct sfa_mime_msg {
	char *from_name;	/* or NULL */
	char *from_addr;	/* NULL when there is no From: the caller decides */
	char *to;		/* the whole To field, decoded, or NULL */
	char *to_addr;		/* its first address, or NULL */
	char *subject;		/* or NULL */
	/*
	 * The Date in UTC, "2026-11-23T12:00:00Z", or NULL when missing or
	 * unreadable. The obsolete forms read too (no weekday, two-digit
	 * years, no seconds, zone names); no zone or an unknown one is UTC.
	 */
	char *date;
	char *message_id;	/* without angle brackets, or NULL */
	char *in_reply_to;	/* the first id there, without brackets, or NULL */
	char *references;	/* the ids without brackets, one space apart, or NULL */
	/*
	 * The first text/plain part that is no attachment, else the first
	 * such text/html part as plain text; "" when neither exists. Line
	 * ends are LF.
	 */
	char *text;
	char *html;		/* that first text/html part as it is, or NULL */
	struct sfa_mime_file *attachments;
	size_t nattachments;
	struct sfa_mime_field *fields;	/* the top-level header, in order */
	size_t nfields;
};

/* Limits of sfa_mime_parse(); past them the input is refused. */
#define SFA_MIME_INPUT_MAX	((size_t)64 << 20)
#define SFA_MIME_HEADER_MAX	((size_t)1 << 20)	/* one header section */
#define SFA_MIME_PARTS_MAX	1000
#define SFA_MIME_DEPTH_MAX	16	/* deeper multiparts are skipped */

/*
 * Parses one message (`len` bytes of `data`, CRLF or LF line ends; a
 * leading mbox "From " line is skipped) into a new `*out` for
 * sfa_mime_free(). Refuses only input over the limits above, with
 * SFA_EINPUT and "NAME: ..." (`name` says where the input came from).
 * Leaf parts count as attachments when their disposition says so, when
 * they carry a file name, or when they are neither text/plain nor
 * text/html; a message/rfc822 part is one, not descended into.
 */
int sfa_mime_parse(struct sfa_mime_msg **out, const char *name, const char *data, size_t len);

/* The value of the first header field called `name` (any case), or NULL. */
const char *sfa_mime_header(const struct sfa_mime_msg *msg, const char *name);

void sfa_mime_free(struct sfa_mime_msg *msg);

#endif
