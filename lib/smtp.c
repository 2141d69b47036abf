/* SMTP delivery through libcurl (see include/sfa/smtp.h). */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sfa/error.h"
#include "sfa/smtp.h"
#include "sfa/banned.h"

struct sfa_smtp {
	CURL *curl;
	struct sfa_buf url, user, password;
	int has_user, has_password;
	/* the message being sent */
	const char *msg;
	size_t len, off;
	int done;		/* the read callback has handed over every byte */
	struct sfa_buf last;	/* the server's last reply line, or its first refusal */
	int refused;		/* last holds a 4xx or 5xx reply: what follows (221 Bye) is not the reason */
	char errbuf[CURL_ERROR_SIZE];
};

static size_t read_msg(char *buf, size_t size, size_t n, void *data)
{
	struct sfa_smtp *s = data;
	size_t want = size * n, left = s->len - s->off;
	if (want > left)
		want = left;
	memcpy(buf, s->msg + s->off, want);
	s->off += want;
	if (!want)
		s->done = 1;
	return want;
}

/* Keeps the line the server answered with, for the report ("550 5.1.1 no such user"). */
static int trace(CURL *curl, curl_infotype type, char *data, size_t size, void *user)
{
	struct sfa_smtp *s = user;
	(void)curl;
	if (type != CURLINFO_HEADER_IN || s->refused)
		return 0;
	s->refused = size && (data[0] == '4' || data[0] == '5');
	while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	sfa_buf_reset(&s->last);
	for (size_t i = 0; i < size && i < 512; i++)	/* printable only: it goes into reports */
		sfa_buf_addch(&s->last, (unsigned char)data[i] >= 0x20 && data[i] != 0x7f ? data[i] : ' ');
	return 0;
}

int sfa_smtp_open(struct sfa_smtp **out, const struct sfa_smtp_opts *o)
{
	static int inited;
	struct sfa_smtp *s;
	long timeout = o->timeout > 0 ? o->timeout : 30;

	*out = NULL;
	if (!o->url || (strncmp(o->url, "smtp://", 7) && strncmp(o->url, "smtps://", 8)))
		return sfa_error_set(SFA_EUSAGE, "SMTP server '%s': expected smtp://host[:port] or smtps://host[:port]",
				     o->url ? o->url : "");
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return sfa_error_set(SFA_ESTORE, "cannot start libcurl");
		inited = 1;
	}
	s = sfa_xcalloc(1, sizeof(*s));
	if (!(s->curl = curl_easy_init())) {
		free(s);
		return sfa_error_set(SFA_ESTORE, "cannot start libcurl");
	}
	sfa_buf_addstr(&s->url, o->url);
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url.buf);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_msg);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, trace);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 1L);	/* feeds trace(); nothing is printed */
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(s->curl, CURLOPT_USE_SSL,
			 o->tls == SFA_SMTP_TLS_REQUIRED ? (long)CURLUSESSL_ALL :
			 o->tls == SFA_SMTP_TLS_TRY ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE);
	if (o->user) {
		sfa_buf_addstr(&s->user, o->user);
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, s->user.buf);
	}
	if (o->password) {
		sfa_buf_addstr(&s->password, o->password);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->password.buf);
	} else {
		curl_easy_setopt(s->curl, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	}
	*out = s;
	return 0;
}

void sfa_smtp_free(struct sfa_smtp *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	sfa_buf_release(&s->url);
	sfa_buf_release(&s->user);
	if (s->password.buf)
		explicit_bzero(s->password.buf, s->password.len);
	sfa_buf_release(&s->password);
	sfa_buf_release(&s->last);
	free(s);
}

int sfa_smtp_send(struct sfa_smtp *s, const char *from, const char *rcpt, const char *msg, size_t len,
		  enum sfa_smtp_outcome *outcome, struct sfa_buf *reply)
{
	struct curl_slist *to = NULL;
	struct sfa_buf f = SFA_BUF_INIT, r = SFA_BUF_INIT;
	long code = 0;
	CURLcode rc;
	int err = 0;

	sfa_buf_addf(&f, "<%s>", from);
	sfa_buf_addf(&r, "<%s>", rcpt);
	to = curl_slist_append(NULL, r.buf);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, f.buf);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, to);
	s->msg = msg;
	s->len = len;
	s->off = 0;
	s->done = 0;
	s->errbuf[0] = 0;
	sfa_buf_reset(&s->last);
	s->refused = 0;
	rc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (reply) {
		sfa_buf_reset(reply);
		sfa_buf_add(reply, s->last.buf ? s->last.buf : "", s->last.len);
	}
	switch (rc) {
	case CURLE_OK:
		*outcome = SFA_SMTP_SENT;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_LOGIN_DENIED:
	case CURLE_UNSUPPORTED_PROTOCOL:
		err = sfa_error_set(SFA_EBUSY, "SMTP server %s: %s%s%s", s->url.buf,
				    s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc),
				    s->last.len ? ": " : "", s->last.len ? s->last.buf : "");
		break;
	default:
		/*
		 * The reply code says what the server decided; with none (or the
		 * "354 go ahead" before the data) the line broke: before the
		 * message was complete it cannot have been taken, after the final
		 * dot nobody knows.
		 */
		if (code >= 400 && code < 500)
			*outcome = SFA_SMTP_DEFERRED;
		else if (code >= 500 && code < 600)
			*outcome = SFA_SMTP_FAILED;
		else if (s->done)
			*outcome = SFA_SMTP_UNKNOWN;
		else if (rc == CURLE_OPERATION_TIMEDOUT && code == 0)
			err = sfa_error_set(SFA_EBUSY, "SMTP server %s: %s", s->url.buf,
					    s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		else
			*outcome = SFA_SMTP_DEFERRED;
		if (reply && !reply->len)
			sfa_buf_addstr(reply, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
	}
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(to);
	sfa_buf_release(&f);
	sfa_buf_release(&r);
	return err;
}
