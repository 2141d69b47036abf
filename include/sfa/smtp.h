/*
 * Handing messages to an SMTP server (libcurl: STARTTLS, AUTH, one
 * connection kept open across messages). What matters to a campaign is
 * whether each message certainly arrived, certainly did not, or nobody
 * can know; the outcome says which.
 */
#ifndef SFA_SMTP_H
#define SFA_SMTP_H

#include <stddef.h>

#include "sfa/buf.h"

enum sfa_smtp_tls { SFA_SMTP_TLS_NONE, SFA_SMTP_TLS_TRY, SFA_SMTP_TLS_REQUIRED };

struct sfa_smtp_opts {
	const char *url;	/* smtp://host[:port] or smtps://host[:port] */
	const char *user;	/* NULL: no AUTH unless ~/.netrc has the host */
	const char *password;	/* NULL: from ~/.netrc when it has one */
	enum sfa_smtp_tls tls;	/* STARTTLS on smtp:// */
	long timeout;		/* seconds for connecting and for each message; 0: 30 */
};

enum sfa_smtp_outcome {
	SFA_SMTP_SENT,		/* the server took it (2xx after the final dot) */
	SFA_SMTP_DEFERRED,	/* a 4xx, or the connection broke before the message was complete */
	SFA_SMTP_FAILED,	/* a 5xx: the server will not take it */
	SFA_SMTP_UNKNOWN,	/* the whole message went, the answer never came */
};

struct sfa_smtp;

/* Sets up a session (nothing is connected until the first message). */
int sfa_smtp_open(struct sfa_smtp **out, const struct sfa_smtp_opts *o);
void sfa_smtp_free(struct sfa_smtp *s);

/*
 * Sends `msg` (a whole RFC 5322 message with CRLF line ends; the dot
 * stuffing is done here) from `from` to `rcpt` (bare addresses). Returns 0
 * with the outcome and the server's last reply line in `reply` (may be
 * NULL), or SFA_EBUSY when no message can go through this server now: it
 * cannot be reached or resolved, TLS or STARTTLS failed, or AUTH was
 * refused (the message says which).
 */
int sfa_smtp_send(struct sfa_smtp *s, const char *from, const char *rcpt, const char *msg, size_t len,
		  enum sfa_smtp_outcome *outcome, struct sfa_buf *reply);

#endif
