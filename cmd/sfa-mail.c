/* sfa-mail: templates in the store, mail merge sent at most once per campaign and person, incoming mail. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sfa/cli.h"
#include "sfa/document.h"
#include "sfa/error.h"
#include "sfa/index.h"
#include "sfa/mail.h"
#include "sfa/mailin.h"
#include "sfa/mime.h"
#include "sfa/progress.h"
#include "sfa/quote.h"
#include "sfa/smtp.h"
#include "sfa/store.h"
#include "sfa/stream.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-mail send [--store dir] --template name --campaign name [--to field] [--users who]\n"
	"                     [--smtp url | --sendmail[=command] | --mbox file | --maildir dir]\n"
	"                     [--dry-run] [--rate n/min] [--attach file]... [--attach-quote]\n"
	"                     [--per-record] [--resend-unknown] [--format format] [file]\n"
	"       sfa-mail ingest [--store dir] [--create-leads] [--ack template] [--owner rep]\n"
	"                     [--smtp url | --sendmail[=command] | --mbox file | --maildir dir]\n"
	"                     [--format format] [file | maildir ...]\n"
	"       sfa-mail template add [--store dir] [--lang lang] [--type types] [-m message] name text-file\n"
	"                     [html-file]\n"
	"       sfa-mail template list [--store dir] [--format format]\n"
	"       sfa-mail template show [--store dir] [--lang lang] [--html] name\n"
	"       sfa-mail template check [--store dir] [--type type] [name ...]\n"
	"       sfa-mail -h | --help\n"
	"       sfa-mail --version\n";

enum {
	OPT_STORE = 256, OPT_TEMPLATE, OPT_CAMPAIGN, OPT_TO, OPT_USERS, OPT_SMTP, OPT_SENDMAIL, OPT_MBOX,
	OPT_MAILDIR, OPT_DRY_RUN, OPT_RATE, OPT_ATTACH, OPT_ATTACH_QUOTE, OPT_RESEND_UNKNOWN, OPT_FORMAT,
	OPT_LANG, OPT_HTML, OPT_TYPE, OPT_CREATE_LEADS, OPT_ACK, OPT_OWNER, OPT_PER_RECORD
};

static const struct sfa_verb verb = { &sfa_type_activity, "sfa-mail", usage, NULL, NULL };

/* --- delivery ----------------------------------------------------------------------------------- */

/* Where messages go: exactly one of these. */
struct delivery {
	const char *smtp_url, *sendmail, *mbox, *maildir;
	struct sfa_smtp *smtp;
	const struct sfa_mail_config *cfg;
	int mbox_fd;
	unsigned long counter;
};

static void to_lf(struct sfa_buf *out, const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!(msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
			sfa_buf_addch(out, msg[i]);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int deliver_sendmail(struct delivery *d, const char *msg, size_t len, enum sfa_smtp_outcome *outcome,
			    struct sfa_buf *reply)
{
	struct sfa_buf lf = SFA_BUF_INIT;
	FILE *p = popen(d->sendmail, "w");
	int status;

	if (!p)
		return sfa_error_set(SFA_EBUSY, "cannot run '%s': %s", d->sendmail, strerror(errno));
	to_lf(&lf, msg, len);
	fwrite(lf.buf, 1, lf.len, p);
	sfa_buf_release(&lf);
	status = pclose(p);
	sfa_buf_reset(reply);
	if (status == 0) {
		*outcome = SFA_SMTP_SENT;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 75) {	/* EX_TEMPFAIL */
		*outcome = SFA_SMTP_DEFERRED;
		sfa_buf_addf(reply, "'%s' exited with 75 (try again later)", d->sendmail);
	} else {
		*outcome = SFA_SMTP_FAILED;
		sfa_buf_addf(reply, "'%s' exited with %d", d->sendmail, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return 0;
}

static int deliver_maildir(struct delivery *d, const char *msg, size_t len)
{
	static const char *const sub[] = { "", "/tmp", "/new", "/cur" };
	struct sfa_buf path = SFA_BUF_INIT, tmp = SFA_BUF_INIT, lf = SFA_BUF_INIT;
	char host[64] = "localhost";
	int fd = -1, err = 0;

	for (size_t i = 0; i < 4; i++) {
		sfa_buf_reset(&path);
		sfa_buf_addf(&path, "%s%s", d->maildir, sub[i]);
		if (mkdir(path.buf, 0700) < 0 && errno != EEXIST) {
			err = sfa_error_set(SFA_EUSAGE, "cannot make '%s': %s", path.buf, strerror(errno));
			goto done;
		}
	}
	gethostname(host, sizeof(host) - 1);
	host[strcspn(host, "/:")] = 0;
	sfa_buf_addf(&tmp, "%s/tmp/%lld.P%ldQ%lu.%s", d->maildir, (long long)time(NULL), (long)getpid(),
		     ++d->counter, host);
	sfa_buf_reset(&path);
	sfa_buf_addf(&path, "%s/new/%s", d->maildir, strrchr(tmp.buf, '/') + 1);
	to_lf(&lf, msg, len);
	/* written in tmp/ and moved to new/ once complete: a reader never sees half a message */
	if ((fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    write_all(fd, lf.buf, lf.len) < 0 || fsync(fd) < 0 || close(fd) < 0 || (fd = -1, 0) ||
	    rename(tmp.buf, path.buf) < 0)
		err = sfa_error_set(SFA_EUSAGE, "cannot write '%s': %s", tmp.buf, strerror(errno));
	if (fd >= 0)
		close(fd);
done:
	sfa_buf_release(&path);
	sfa_buf_release(&tmp);
	sfa_buf_release(&lf);
	return err;
}

static int deliver_mbox(struct delivery *d, const char *from, const char *msg, size_t len)
{
	struct sfa_buf entry = SFA_BUF_INIT;
	int err;

	if (d->mbox_fd < 0 && (d->mbox_fd = open(d->mbox, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return sfa_error_set(SFA_EUSAGE, "cannot open '%s': %s", d->mbox, strerror(errno));
	if ((err = sfa_mime_mbox_append(&entry, msg, len, from, sfa_now())) == 0) {
		/* mail readers lock an mbox with flock too */
		if (flock(d->mbox_fd, LOCK_EX) < 0 || write_all(d->mbox_fd, entry.buf, entry.len) < 0 ||
		    fsync(d->mbox_fd) < 0)
			err = sfa_error_set(SFA_EUSAGE, "cannot write '%s': %s", d->mbox, strerror(errno));
		flock(d->mbox_fd, LOCK_UN);
	}
	sfa_buf_release(&entry);
	return err;
}

/*
 * Hands one message over. SMTP 4xx answers are retried here, waiting
 * retry_wait seconds, then twice as long, and so on. Returns 0 with the
 * outcome, or SFA_EBUSY when nothing can go out now (server unreachable).
 */
static int deliver(struct delivery *d, const char *from, const char *to, const char *msg, size_t len,
		   enum sfa_smtp_outcome *outcome, struct sfa_buf *reply)
{
	int err = 0;

	sfa_buf_reset(reply);
	if (d->sendmail)
		return deliver_sendmail(d, msg, len, outcome, reply);
	if (d->maildir || d->mbox) {
		err = d->maildir ? deliver_maildir(d, msg, len) : deliver_mbox(d, from, msg, len);
		*outcome = SFA_SMTP_SENT;
		return err;
	}
	if (!d->smtp) {
		struct sfa_smtp_opts o = { d->smtp_url, d->cfg->smtp_user, NULL, d->cfg->tls, d->cfg->timeout };
		char *password = NULL;
		if ((err = sfa_mail_password(d->cfg, &password)) < 0)
			return err;
		o.password = password;
		err = sfa_smtp_open(&d->smtp, &o);
		if (password) {
			explicit_bzero(password, strlen(password));
			free(password);
		}
		if (err < 0)
			return err;
	}
	for (int attempt = 0;; attempt++) {
		if ((err = sfa_smtp_send(d->smtp, from, to, msg, len, outcome, reply)) < 0)
			return err;
		if (*outcome != SFA_SMTP_DEFERRED || attempt >= d->cfg->retries)
			return 0;
		sleep((unsigned)(d->cfg->retry_wait << attempt));
	}
}

static void delivery_close(struct delivery *d)
{
	sfa_smtp_free(d->smtp);
	d->smtp = NULL;
	if (d->mbox_fd >= 0)
		close(d->mbox_fd);
	d->mbox_fd = -1;
}

/* --- send ------------------------------------------------------------------------------------ */

struct recipient {
	json_t *rec;			/* the record: from the store when it is there */
	const struct sfa_type *type;	/* NULL: not a record of the store */
	/* for acknowledgements: what is sent once (else record and address), the mail answered, more data */
	const char *key, *in_reply_to;
	json_t *extra;
};

struct send {
	struct sfa_store *s;
	struct sfa_mail_config cfg;
	const char *template, *campaign, *to_path;
	int dry_run, resend_unknown, attach_quote, with_quote, per_record;
	double rate;			/* messages per minute, 0: no limit */
	struct sfa_mime_attachment *files;
	size_t nfiles;
	struct sfa_mail_template **variants;	/* loaded for the language asked[i] */
	char **asked;
	size_t nvariants;
	struct sfa_mail_journal *journal;
	struct delivery d;
	struct sfa_writer *w;
	size_t counts[8];
	int stop;			/* the server is gone: the rest waits for the next run */
	int last;			/* the status of the last one */
};

enum { ST_SENT, ST_WOULD, ST_SKIPPED, ST_FAILED, ST_DEFERRED, ST_UNKNOWN, ST_ALREADY };
static const char *const status_names[] = { "sent", "would-send", "skipped", "failed", "deferred", "unknown",
					     "skipped" };

static int row(struct send *x, int status, const struct recipient *r, const char *email, const char *reason,
	       const char *message_id, const char *subject)
{
	json_t *o;
	int err;
	x->counts[status]++;
	x->last = status;
	if (!x->w)
		return 0;
	o = json_object();
	json_object_set(o, "id", json_object_get(r->rec, "id") ?: json_null());
	json_object_set_new(o, "email", email && *email ? json_string(email) : json_null());
	json_object_set_new(o, "status", json_string(status_names[status]));
	json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
	json_object_set_new(o, "message_id", message_id ? json_string(message_id) : json_null());
	json_object_set_new(o, "subject", subject ? json_string(subject) : json_null());
	err = sfa_writer_write(x->w, o);
	json_decref(o);
	return err;
}

/* The template in the recipient's language (loaded once per language asked for). */
static int variant(struct send *x, const char *lang, const struct sfa_mail_template **out)
{
	struct sfa_mail_template *t;
	int err;
	for (size_t i = 0; i < x->nvariants; i++)
		if (!strcmp(x->asked[i], lang)) {
			*out = x->variants[i];
			return 0;
		}
	if ((err = sfa_mail_template_load(x->s, x->template, lang, &t)) < 0)
		return err;
	x->variants = sfa_xrealloc(x->variants, (x->nvariants + 1) * sizeof(*x->variants));
	x->asked = sfa_xrealloc(x->asked, (x->nvariants + 1) * sizeof(*x->asked));
	x->asked[x->nvariants] = sfa_xstrdup(lang);
	x->variants[x->nvariants++] = t;
	*out = t;
	return 0;
}

static int truthy(const json_t *v)
{
	const char *s = json_string_value(v);
	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v)) ||
	       (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")));
}

/* The object holding the field at dotted `path` (the record itself for a plain name). */
static const json_t *holder(const json_t *data, const char *path, const char **leaf)
{
	const json_t *v = data;
	const char *dot;
	while ((dot = strchr(path, '.'))) {
		char key[SFA_FIELD_NAME_MAX + 1];
		size_t n = (size_t)(dot - path);
		if (n > SFA_FIELD_NAME_MAX)
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		v = json_object_get(v, key);
		if (!json_is_object(v))
			return NULL;
		path = dot + 1;
	}
	*leaf = path;
	return v;
}

/* A field that is an id, or a linked record in its place (the merge data's links): the id. */
static const char *text_or_id(const json_t *o, const char *field)
{
	const json_t *v = json_object_get(o, field);
	return json_is_object(v) ? sfa_record_text(v, "id") : json_string_value(v);
}

/* A person's name for the To line: name, else first and last name. */
static void person_name(struct sfa_buf *out, const json_t *o)
{
	const char *name = sfa_record_text(o, "name"), *first = sfa_record_text(o, "first_name"),
		   *last = sfa_record_text(o, "last_name");
	if (first || last)
		sfa_buf_addf(out, "%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
	else if (name)
		sfa_buf_addstr(out, name);
}

/* Text bound for a header as one line: a line break in a field's value becomes a space. */
static void one_line(struct sfa_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->buf[i] == '\r' || b->buf[i] == '\n' || b->buf[i] == '\t')
			b->buf[i] = ' ';
}

static int render_into(struct sfa_buf *out, const struct sfa_template *t, const json_t *data, unsigned flags)
{
	sfa_buf_reset(out);
	return t ? sfa_template_render(out, t, data, flags) : 0;
}

static int send_one(struct send *x, const struct recipient *r)
{
	struct sfa_buf email = SFA_BUF_INIT, name = SFA_BUF_INIT, key = SFA_BUF_INIT, mid = SFA_BUF_INIT,
		       subject = SFA_BUF_INIT, text = SFA_BUF_INIT, html = SFA_BUF_INIT, from = SFA_BUF_INIT,
		       reply_to = SFA_BUF_INIT, unsub = SFA_BUF_INIT, msg = SFA_BUF_INIT, reply = SFA_BUF_INIT,
		       pdfname = SFA_BUF_INIT, pdf = SFA_BUF_INIT, lang = SFA_BUF_INIT;
	json_t *data = NULL, *quote = NULL, *doc = NULL;
	const json_t *who;
	const struct sfa_mail_template *t;
	const char *leaf = NULL, *id = sfa_record_text(r->rec, "id"), *reason = NULL, *person_id = NULL;
	const json_t *person = NULL;
	const struct sfa_type *person_type = NULL;
	struct sfa_mime_addr to = { NULL, NULL }, fromaddr, replyaddr;
	struct sfa_mime_attachment *att = NULL;
	struct sfa_mail_entry e = { 0 };
	char *fname = NULL, *faddr = NULL, *rname = NULL, *raddr = NULL;
	enum sfa_smtp_outcome outcome;
	enum sfa_mail_state state;
	size_t natt = 0;
	int status = -1, err = 0;

	if ((err = sfa_mail_merge(x->s, r->type, r->rec, x->campaign, &x->cfg, 0, &data)) < 0)
		goto done;
	if (r->extra)
		json_object_update(data, r->extra);
	sfa_mail_lookup(&email, data, x->to_path);
	who = holder(data, x->to_path, &leaf);
	/* the one written to: a linked record (--to contact.email) or the record itself */
	if (who && who != data && sfa_record_text(who, "id")) {
		char full[SFA_ID_LEN + 1];
		person_id = sfa_record_text(who, "id");
		if (sfa_store_find(x->s, NULL, person_id, &person_type, full) < 0) {
			sfa_error_clear();
			person_type = NULL;
		} else {
			person = who;
		}
	}
	if (!person) {
		person = r->rec;
		person_type = r->type;
	}
	/* the quote: the one of whoever is written to */
	if (x->with_quote) {
		if ((err = sfa_mail_quote_of(x->s, person_type, person, &quote)) < 0)
			goto done;
		if (quote) {
			json_t *view = NULL;
			if ((err = sfa_mail_quote_data(x->s, quote, &view)) < 0)
				goto done;
			json_object_set_new(data, "quote", view);
		}
	}
	if (!email.len) {
		status = ST_SKIPPED, reason = "no-address";
		goto out;
	}
	if (!sfa_mime_addr_valid(email.buf)) {
		status = ST_SKIPPED, reason = "bad-address";
		goto out;
	}
	if (truthy(json_object_get(who, "do_not_contact")) || truthy(json_object_get(who, "opt_out")) ||
	    truthy(json_object_get(data, "do_not_contact")) || truthy(json_object_get(data, "opt_out"))) {
		status = ST_SKIPPED, reason = "opted-out";
		goto out;
	}
	/* never twice: the same campaign, record and address give the same Message-ID */
	/* once per person (the one written to), or with --per-record once per record */
	if (r->key)
		sfa_buf_addstr(&key, r->key);
	else
		sfa_buf_addf(&key, "%s|%s", x->per_record || !person_id ? (id ? id : "") : person_id, email.buf);
	sfa_mail_message_id(&mid, x->campaign, key.buf, x->cfg.domain);
	state = x->journal ? sfa_mail_journal_state(x->journal, mid.buf) : SFA_MAIL_NONE;
	if (state == SFA_MAIL_SENT || state == SFA_MAIL_FAILED) {
		status = ST_ALREADY, reason = state == SFA_MAIL_SENT ? "already-sent" : "failed-before";
		goto out;
	}
	if (state == SFA_MAIL_UNKNOWN && !x->resend_unknown) {
		status = ST_UNKNOWN, reason = "unknown (an earlier run's outcome; --resend-unknown sends it again)";
		goto out;
	}
	/* the language of the one written to, else of the record */
	if (sfa_record_text(who, "language"))
		sfa_buf_addstr(&lang, sfa_record_text(who, "language"));
	else if (sfa_record_text(data, "language"))
		sfa_buf_addstr(&lang, sfa_record_text(data, "language"));
	if ((err = variant(x, lang.buf && sfa_mail_lang_check(lang.buf) == 0 ? lang.buf : "", &t)) < 0) {
		sfa_error_clear();
		err = variant(x, "", &t);
		if (err < 0)
			goto done;
	}
	person_name(&name, who);
	one_line(&name);
	json_object_set_new(data, "to", json_pack("{s:s, s:s}", "email", email.buf, "name", name.buf ? name.buf : ""));
	if (x->cfg.unsubscribe) {
		struct sfa_template *ut = NULL;
		if ((err = sfa_template_parse(&ut, "unsubscribe", x->cfg.unsubscribe, strlen(x->cfg.unsubscribe))) == 0)
			err = sfa_template_render(&unsub, ut, data, 0);
		sfa_template_free(ut);
		if (err < 0)
			goto done;
		one_line(&unsub);
		json_object_set_new(data, "unsubscribe", json_string(unsub.buf ? unsub.buf : ""));
	}
	if ((err = render_into(&subject, t->subject, data, 0)) < 0 || (err = render_into(&text, t->text, data, 0)) < 0 ||
	    (t->html && (err = render_into(&html, t->html, data, SFA_TEMPLATE_HTML)) < 0) ||
	    (err = render_into(&from, t->from, data, 0)) < 0 || (err = render_into(&reply_to, t->reply_to, data, 0)) < 0)
		goto done;
	one_line(&subject);
	/* the sender: the template's From, else the configuration's */
	if (from.len) {
		if (sfa_mail_address_parse(from.buf, &fname, &faddr) < 0) {
			status = ST_FAILED, reason = sfa_error_last();
			goto out;
		}
	} else if (!x->cfg.from_addr) {
		err = sfa_error_set(SFA_EUSAGE, "no sender: set \"from\" in config/mail.json (sfa config set mail FILE)");
		goto done;
	}
	fromaddr = (struct sfa_mime_addr){ fname ? fname : from.len ? NULL : x->cfg.from_name,
					   faddr ? faddr : x->cfg.from_addr };
	if (reply_to.len && sfa_mail_address_parse(reply_to.buf, &rname, &raddr) < 0) {
		status = ST_FAILED, reason = sfa_error_last();
		goto out;
	}
	replyaddr = (struct sfa_mime_addr){ raddr ? rname : x->cfg.reply_name, raddr ? raddr : x->cfg.reply_addr };
	to.name = name.len ? name.buf : NULL;
	to.addr = email.buf;
	natt = x->nfiles;
	att = sfa_xcalloc(natt + 2, sizeof(*att));
	if (natt)
		memcpy(att, x->files, natt * sizeof(*att));
	if (x->attach_quote) {
		if (!quote) {
			status = ST_SKIPPED, reason = "no-quote";
			goto out;
		}
		if ((err = sfa_quote_document(&doc, x->s, quote)) < 0 || (err = sfa_document_pdf(&pdf, doc)) < 0)
			goto done;
		sfa_buf_addf(&pdfname, "Quote-%s.pdf", sfa_record_text(quote, "number") ?: sfa_record_text(quote, "id"));
		att[natt++] = (struct sfa_mime_attachment){ pdfname.buf, "application/pdf", pdf.buf, pdf.len };
	}
	{
		struct sfa_mime_draft dr = { 0 };
		dr.date = sfa_now();
		dr.from = fromaddr;
		dr.to = &to;
		dr.nto = 1;
		dr.reply_to = replyaddr.addr ? &replyaddr : NULL;
		dr.subject = subject.buf ? subject.buf : "";
		dr.message_id = mid.buf;
		dr.in_reply_to = r->in_reply_to;
		dr.references = r->in_reply_to;
		if (unsub.len && !strncmp(unsub.buf, "mailto:", 7))
			dr.unsubscribe_mailto = unsub.buf;
		else if (unsub.len)
			dr.unsubscribe_url = unsub.buf;
		dr.text = text.buf ? text.buf : "";
		dr.html = t->html ? (html.buf ? html.buf : "") : NULL;
		dr.attachments = att;
		dr.nattachments = natt;
		if (sfa_mime_build(&msg, &dr) < 0) {
			status = ST_FAILED, reason = sfa_error_last();
			goto out;
		}
	}
	if (x->dry_run) {
		status = ST_WOULD;
		goto out;
	}
	e.message_id = mid.buf;
	/* logged on the history of the one written to when that is a record of the store */
	e.record_id = person_type && person_id ? person_id : id;
	e.record_type = person_type ? person_type->name : r->type ? r->type->name : NULL;
	e.to = email.buf;
	e.from = fromaddr.addr;
	e.subject = subject.buf;
	e.account = person_type == &sfa_type_account ? sfa_record_text(person, "id") : text_or_id(person, "account");
	e.owner = text_or_id(person, "owner");
	e.at = sfa_now();
	if ((err = sfa_mail_journal_begin(x->journal, &e)) < 0)
		goto done;
	err = deliver(&x->d, fromaddr.addr, email.buf, msg.buf, msg.len, &outcome, &reply);
	if (err == SFA_EBUSY) {
		/* nothing went: the next run tries again */
		sfa_cli_warn("%s", sfa_error_last());
		x->stop = 1;
		e.state = SFA_MAIL_NONE;
		err = sfa_mail_journal_end(x->journal, &e);
		status = ST_DEFERRED, reason = "server unreachable";
		if (err < 0)
			goto done;
		goto out;
	}
	if (err < 0)
		goto done;
	e.reply = reply.buf;
	e.state = outcome == SFA_SMTP_SENT ? SFA_MAIL_SENT : outcome == SFA_SMTP_FAILED ? SFA_MAIL_FAILED :
		  outcome == SFA_SMTP_UNKNOWN ? SFA_MAIL_UNKNOWN : SFA_MAIL_NONE;
	if ((err = sfa_mail_journal_end(x->journal, &e)) < 0)
		goto done;
	status = outcome == SFA_SMTP_SENT ? ST_SENT : outcome == SFA_SMTP_FAILED ? ST_FAILED :
		 outcome == SFA_SMTP_UNKNOWN ? ST_UNKNOWN : ST_DEFERRED;
	reason = outcome == SFA_SMTP_SENT || !reply.len ? NULL : reply.buf;
	if (sfa_mail_journal_unrecorded(x->journal) >= (size_t)x->cfg.batch &&
	    (err = sfa_mail_journal_record(x->journal, "sfa-mail")) < 0)
		goto done;
out:
	err = row(x, status, r, email.buf, reason, status == ST_SKIPPED && reason && strcmp(reason, "no-quote") ?
		  NULL : mid.buf, subject.buf);
done:
	json_decref(data);
	json_decref(quote);
	json_decref(doc);
	free(att);
	free(fname);
	free(faddr);
	free(rname);
	free(raddr);
	struct sfa_buf *all[] = { &email, &name, &key, &mid, &subject, &text, &html, &from, &reply_to, &unsub,
				  &msg, &reply, &pdfname, &pdf, &lang };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sfa_buf_release(all[i]);
	return err;
}

/* The recipients: the records on stdin (or `file`), or the users --users names. */
static int read_recipients(struct send *x, const char *file, const char *users, struct recipient **out,
			   size_t *n)
{
	struct sfa_reader *rd = NULL;
	size_t alloc = 0;
	json_t *rec;
	int fd = 0, err = 0, rc;

	*out = NULL;
	*n = 0;
	if (users) {
		/* config/users.json: everyone, or those of a role or team, or one user by key */
		struct sfa_buf text = SFA_BUF_INIT;
		json_t *all = NULL, *u;
		const char *k;
		if ((err = sfa_store_read_file(x->s, "config/users.json", &text)) < 0 ||
		    !(all = json_loadb(text.buf, text.len, 0, NULL))) {
			sfa_buf_release(&text);
			return err < 0 && err != SFA_ENOTFOUND ? err :
				sfa_error_set(SFA_EINPUT, "--users: config/users.json is missing or not JSON");
		}
		sfa_buf_release(&text);
		json_object_foreach(all, k, u) {
			const char *role = sfa_record_text(u, "role"), *team = sfa_record_text(u, "team");
			if (strcmp(users, "all") && strcmp(users, k) && !(role && !strcmp(role, users)) &&
			    !(team && !strcmp(team, users)))
				continue;
			SFA_ALLOC_GROW(*out, *n + 1, alloc);
			memset(&(*out)[*n], 0, sizeof(**out));
			(*out)[*n].rec = json_deep_copy(u);
			json_object_set_new((*out)[*n].rec, "id", json_string(k));
			(*n)++;
		}
		json_decref(all);
		return 0;
	}
	if (file && strcmp(file, "-") && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return sfa_error_set(SFA_EUSAGE, "cannot open '%s': %s", file, strerror(errno));
	if ((err = sfa_reader_open(&rd, fd, file && strcmp(file, "-") ? file : "stdin")) < 0)
		goto done;
	while ((rc = sfa_reader_next(rd, &rec)) == 1) {
		const char *id = sfa_record_text(rec, "id");
		struct recipient r = { rec, NULL, NULL, NULL, NULL };
		char full[SFA_ID_LEN + 1];
		/* a record of the store: as stored, with the given extra fields */
		if (id && sfa_store_find(x->s, NULL, id, &r.type, full) == 0) {
			json_t *stored = NULL, *v;
			const char *k;
			if ((err = sfa_index_get(sfa_store_index(x->s), r.type, full, &stored)) < 0) {
				json_decref(rec);
				goto done;
			}
			json_object_foreach(rec, k, v)
				if (!json_object_get(stored, k))
					json_object_set(stored, k, v);
			json_decref(rec);
			r.rec = stored;
		} else {
			sfa_error_clear();
			r.type = NULL;
		}
		SFA_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = r;
	}
	if (rc < 0)
		err = rc;
done:
	sfa_reader_free(rd);
	if (fd > 0)
		close(fd);
	return err;
}

static int uses_quote(const struct sfa_template_field *f, void *data)
{
	(void)data;
	return !strncmp(f->name, "quote", 5) && (!f->name[5] || f->name[5] == '.') ? 1 : 0;
}

/* Whether some record of a list from outside the store is written to in language variant `lang`. */
static int variant_used(struct send *x, const struct recipient *r, size_t n, const char *lang)
{
	for (size_t i = 0; i < n; i++) {
		const struct sfa_mail_template *t;
		const char *want = sfa_record_text(r[i].rec, "language");
		if (variant(x, want && sfa_mail_lang_check(want) == 0 ? want : "", &t) < 0) {
			sfa_error_clear();
			if (variant(x, "", &t) < 0) {
				sfa_error_clear();
				continue;
			}
		}
		if (!strcmp(t->lang, lang))
			return 1;
	}
	return 0;
}

/* Every variant of the template, checked against the records it will be filled from. */
static int check_all_variants(struct send *x, const struct recipient *r, size_t n)
{
	static const char *const none[] = { NULL };
	const char *types[SFA_TYPES_MAX + 3];
	size_t nt = 0;
	json_t *list = NULL, *e, *langs, *l;
	size_t i, k;
	int err, adhoc = 0;

	for (i = 0; i < n; i++) {
		const char *name = r[i].type ? r[i].type->name : NULL;
		int seen = 0;
		if (!name) {
			adhoc = 1;
			continue;
		}
		for (k = 0; k < nt; k++)
			seen |= !strcmp(types[k], name);
		if (!seen && nt < SFA_TYPES_MAX)
			types[nt++] = name;
	}
	types[nt] = NULL;
	if ((err = sfa_mail_template_list(x->s, &list)) < 0)
		return err;
	json_array_foreach(list, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "name")), x->template))
			continue;
		langs = json_object_get(e, "languages");
		json_array_foreach(langs, k, l) {
			struct sfa_mail_template *t = NULL;
			json_t *extra;
			/* a list from outside the store has only its own fields: only the variants its people get */
			if (!nt && adhoc && !variant_used(x, r, n, json_string_value(l)))
				continue;
			extra = json_object();
			/* fields of records not in the store are whatever their input has */
			for (size_t m = 0; adhoc && m < n; m++)
				if (!r[m].type) {
					const char *f;
					json_t *v;
					json_object_foreach(r[m].rec, f, v)
						json_object_set_new(extra, f, json_integer(0));
				}
			if ((err = sfa_mail_template_variant(x->s, x->template, json_string_value(l), &t)) == 0)
				err = sfa_mail_template_check(x->s, t, nt || !adhoc ? (nt ? types : NULL) : none, extra);
			if (err == 0 && (sfa_template_fields(t->subject, uses_quote, NULL) ||
					 sfa_template_fields(t->text, uses_quote, NULL) ||
					 (t->html && sfa_template_fields(t->html, uses_quote, NULL))))
				x->with_quote = 1;
			json_decref(extra);
			sfa_mail_template_free(t);
			if (err < 0)
				goto done;
		}
	}
done:
	json_decref(list);
	return err;
}

/* A file for --attach: its bytes and a content type from its name. */
static int read_attachment(struct sfa_mime_attachment *a, const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".pdf", "application/pdf" }, { ".html", "text/html" }, { ".htm", "text/html" },
		{ ".csv", "text/csv" }, { ".txt", "text/plain" }, { ".json", "application/json" },
		{ ".svg", "image/svg+xml" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".ics", "text/calendar" }, { ".zip", "application/zip" },
	};
	struct sfa_buf b = SFA_BUF_INIT;
	const char *slash = strrchr(path, '/'), *dot;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sfa_error_set(SFA_EUSAGE, "--attach: cannot open '%s': %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sfa_buf_add(&b, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		sfa_buf_release(&b);
		return sfa_error_set(SFA_EUSAGE, "--attach: cannot read '%s': %s", path, strerror(errno));
	}
	a->filename = slash ? slash + 1 : path;
	a->content_type = "application/octet-stream";
	dot = strrchr(a->filename, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i].ext))
			a->content_type = types[i].type;
	a->len = b.len;
	a->data = b.len ? sfa_buf_detach(&b, NULL) : sfa_xstrdup("");
	return 0;
}

/* --rate N/min (or N/s, N/h) as messages per minute. */
static int parse_rate(const char *s, double *out)
{
	char *end;
	double n = strtod(s, &end);
	if (end == s || n <= 0 || n > 1e6)
		goto bad;
	if (!*end || !strcmp(end, "/min") || !strcmp(end, "/m"))
		*out = n;
	else if (!strcmp(end, "/s"))
		*out = n * 60;
	else if (!strcmp(end, "/h"))
		*out = n / 60;
	else
		goto bad;
	return 0;
bad:
	return sfa_error_set(SFA_EUSAGE, "--rate: expected messages per minute such as 120/min, not '%s'", s);
}

static void pace(struct send *x, const struct timespec *start, size_t sent)
{
	struct timespec now, want;
	double due;
	if (x->rate <= 0 || x->dry_run)
		return;
	due = (double)sent * 60.0 / x->rate;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double elapsed = (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
	if (elapsed >= due)
		return;
	want.tv_sec = (time_t)(due - elapsed);
	want.tv_nsec = (long)((due - elapsed - (double)want.tv_sec) * 1e9);
	while (nanosleep(&want, &want) < 0 && errno == EINTR)
		;
}

static int cmd_send(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "attach-quote", no_argument, NULL, OPT_ATTACH_QUOTE },
		{ "campaign", required_argument, NULL, OPT_CAMPAIGN },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "maildir", required_argument, NULL, OPT_MAILDIR },
		{ "mbox", required_argument, NULL, OPT_MBOX },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "per-record", no_argument, NULL, OPT_PER_RECORD },
		{ "resend-unknown", no_argument, NULL, OPT_RESEND_UNKNOWN },
		{ "sendmail", optional_argument, NULL, OPT_SENDMAIL },
		{ "smtp", required_argument, NULL, OPT_SMTP },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "template", required_argument, NULL, OPT_TEMPLATE },
		{ "to", required_argument, NULL, OPT_TO },
		{ "users", required_argument, NULL, OPT_USERS },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const columns[] = { "id", "email", "status", "reason", "message_id", "subject", NULL };
	struct send x = { 0 };
	struct recipient *r = NULL;
	const char *store = NULL, *users = NULL, *attach[64];
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct timespec start;
	size_t n = 0, nattach = 0, ways = 0;
	int c, err = 0, code;

	x.to_path = "email";
	x.d.mbox_fd = -1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_ATTACH:
			if (nattach == sizeof(attach) / sizeof(attach[0]))
				return sfa_cli_bad_usage(v->usage, "send: at most 64 --attach files");
			attach[nattach++] = optarg;
			break;
		case OPT_ATTACH_QUOTE: x.attach_quote = 1; break;
		case OPT_CAMPAIGN: x.campaign = optarg; break;
		case OPT_DRY_RUN: x.dry_run = 1; break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_MAILDIR: x.d.maildir = optarg; ways++; break;
		case OPT_MBOX: x.d.mbox = optarg; ways++; break;
		case OPT_RATE:
			if (parse_rate(optarg, &x.rate) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_RESEND_UNKNOWN: x.resend_unknown = 1; break;
		case OPT_PER_RECORD: x.per_record = 1; break;
		case OPT_SENDMAIL: x.d.sendmail = optarg ? optarg : "/usr/sbin/sendmail -t -oi"; ways++; break;
		case OPT_SMTP: x.d.smtp_url = optarg; ways++; break;
		case OPT_STORE: store = optarg; break;
		case OPT_TEMPLATE: x.template = optarg; break;
		case OPT_TO: x.to_path = optarg; break;
		case OPT_USERS: users = optarg; break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	if (!x.template || !x.campaign)
		return sfa_cli_bad_usage(v->usage, "send needs --template and --campaign");
	if (ways > 1)
		return sfa_cli_bad_usage(v->usage, "send: one of --smtp, --sendmail, --mbox and --maildir");
	if (argc - optind > 1 || (users && argc - optind))
		return sfa_cli_bad_usage(v->usage, "send reads one file or stdin (or --users)");
	if ((err = sfa_mail_name_check(x.template)) < 0)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	for (size_t i = 0; i < nattach; i++) {
		x.files = sfa_xrealloc(x.files, (x.nfiles + 1) * sizeof(*x.files));
		if ((err = read_attachment(&x.files[x.nfiles], attach[i])) < 0)
			goto done;
		x.nfiles++;
	}
	if ((err = sfa_cli_open_store(&x.s, store)) < 0 || (err = sfa_mail_config_load(x.s, &x.cfg)) < 0)
		goto done;
	x.d.cfg = &x.cfg;
	if (!x.d.smtp_url)
		x.d.smtp_url = x.cfg.smtp_url;
	if ((err = read_recipients(&x, optind < argc ? argv[optind] : NULL, users, &r, &n)) < 0)
		goto done;
	/* a bad template is refused before anything is sent */
	{
		const struct sfa_mail_template *t;
		if ((err = variant(&x, "", &t)) == SFA_ENOTFOUND)
			err = sfa_error_prefix(SFA_EINPUT, "%s", "");	/* nothing can be sent: not "nothing matched" */
		if (err < 0 || (err = check_all_variants(&x, r, n)) < 0)
			goto done;
	}
	x.with_quote |= x.attach_quote;
	/* a dry run sees what was sent too, and changes nothing */
	if ((err = sfa_mail_journal_open(&x.journal, x.s, x.campaign)) < 0)
		goto done;
	if (!x.dry_run) {
		/* what an interrupted run sent and did not record goes into the store first */
		if (sfa_mail_journal_unrecorded(x.journal)) {
			int got = sfa_mail_journal_record(x.journal, "sfa-mail");
			if (got < 0) {
				err = got;
				goto done;
			}
			sfa_cli_warn("recorded %d mail%s of an earlier run of campaign '%s'", got, got == 1 ? "" : "s",
				     x.campaign);
		}
	}
	if ((err = sfa_writer_open(&x.w, stdout, sfa_cli_format(fmt), columns)) < 0)
		goto done;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (size_t i = 0; i < n && err == 0; i++) {
		size_t before = x.counts[ST_SENT] + x.counts[ST_FAILED] + x.counts[ST_UNKNOWN];
		if (x.stop) {
			err = row(&x, ST_DEFERRED, &r[i], sfa_record_text(r[i].rec, "email"), "server unreachable", NULL, NULL);
			continue;
		}
		err = send_one(&x, &r[i]);
		if (x.counts[ST_SENT] + x.counts[ST_FAILED] + x.counts[ST_UNKNOWN] > before)
			pace(&x, &start, x.counts[ST_SENT] + x.counts[ST_FAILED] + x.counts[ST_UNKNOWN]);
		sfa_progress("sending", i + 1, n);
	}
	sfa_progress(NULL, 0, 0);
	/* whatever happened above, what went out is recorded */
	if (x.journal && !x.dry_run && sfa_mail_journal_unrecorded(x.journal)) {
		int got = sfa_mail_journal_record(x.journal, "sfa-mail");
		if (got < 0 && err == 0)
			err = got;
	}
	if (err == 0) {
		err = sfa_writer_close(x.w);
		x.w = NULL;
	}
done:
	sfa_writer_free(x.w);
	delivery_close(&x.d);
	sfa_mail_journal_free(x.journal);
	for (size_t i = 0; i < n; i++)
		json_decref(r[i].rec);
	free(r);
	for (size_t i = 0; i < x.nvariants; i++) {
		sfa_mail_template_free(x.variants[i]);
		free(x.asked[i]);
	}
	free(x.variants);
	free(x.asked);
	for (size_t i = 0; i < x.nfiles; i++)
		free((void *)x.files[i].data);
	free(x.files);
	sfa_mail_config_release(&x.cfg);
	sfa_store_free(x.s);
	if (err < 0)
		return sfa_verb_exit(v, err);
	code = x.counts[ST_DEFERRED] ? SFA_EXIT_TEMPFAIL :
	       x.counts[ST_FAILED] || (x.counts[ST_UNKNOWN] && !x.dry_run) ? SFA_EXIT_PARTIAL :
	       n == 0 ? SFA_EXIT_NOMATCH : SFA_EXIT_OK;
	if (x.counts[ST_SENT] || x.counts[ST_FAILED] || x.counts[ST_DEFERRED] || x.counts[ST_UNKNOWN])
		sfa_cli_warn("campaign '%s': %zu sent, %zu failed, %zu deferred, %zu unknown, %zu skipped", x.campaign,
			     x.counts[ST_SENT], x.counts[ST_FAILED], x.counts[ST_DEFERRED], x.counts[ST_UNKNOWN],
			     x.counts[ST_SKIPPED] + x.counts[ST_ALREADY]);
	return sfa_cli_exit(code);
}

/* --- template ------------------------------------------------------------------------------------ */

static int read_file(const char *path, struct sfa_buf *out)
{
	char chunk[65536];
	ssize_t n;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return sfa_error_set(SFA_EUSAGE, "cannot open '%s': %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sfa_buf_add(out, chunk, (size_t)n);
	if (fd > 0)
		close(fd);
	return n < 0 ? sfa_error_set(SFA_EUSAGE, "cannot read '%s': %s", path, strerror(errno)) : 0;
}

/* "lead,contact" as a NULL-ended list in `tv` (pointing into `copy`, which the caller frees). */
static void split_types(const char *types, char **copy, const char **tv, size_t max)
{
	char *save = NULL;
	size_t nt = 0;
	*copy = types ? sfa_xstrdup(types) : NULL;
	for (char *p = *copy ? strtok_r(*copy, ",", &save) : NULL; p && nt < max; p = strtok_r(NULL, ",", &save))
		tv[nt++] = p;
	tv[nt] = NULL;
}

static int template_add(const struct sfa_verb *v, int argc, char **argv, const char *store, const char *lang,
			const char *message, const char *types)
{
	const char *tv[SFA_TYPES_MAX + 1];
	char *copy = NULL;
	struct sfa_buf txt = SFA_BUF_INIT, html = SFA_BUF_INIT, path = SFA_BUF_INIT, msg = SFA_BUF_INIT;
	struct sfa_mail_template *t = NULL;
	struct sfa_store *s = NULL;
	struct sfa_txn *txn = NULL;
	const char *name;
	int err;

	if (argc < 2 || argc > 3)
		return sfa_cli_bad_usage(v->usage, "template add takes a name, a text file and maybe an HTML file");
	name = argv[0];
	if ((err = sfa_mail_name_check(name)) < 0 || (err = sfa_mail_lang_check(lang)) < 0)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	if ((err = read_file(argv[1], &txt)) < 0 || (argc == 3 && (err = read_file(argv[2], &html)) < 0) ||
	    (err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	/* checked as it will be used: a template that cannot be filled is refused now, not mid-campaign */
	if ((err = sfa_mail_template_parse(&t, name, lang, txt.buf ? txt.buf : "", txt.len,
					   argc == 3 ? (html.buf ? html.buf : "") : NULL, html.len)) < 0 ||
	    (split_types(types, &copy, tv, SFA_TYPES_MAX), (err = sfa_mail_template_check(s, t, copy ? tv : NULL, NULL)) < 0) ||
	    (err = sfa_txn_begin(&txn, s, 0)) < 0)
		goto done;
	sfa_mail_template_path(&path, name, lang, 0);
	if ((err = sfa_txn_put_file(txn, path.buf, txt.buf ? txt.buf : "", txt.len)) < 0)
		goto done;
	sfa_buf_reset(&path);
	sfa_mail_template_path(&path, name, lang, 1);
	/* a new version without HTML takes the old HTML away */
	if ((err = sfa_txn_put_file(txn, path.buf, argc == 3 ? (html.buf ? html.buf : "") : NULL, html.len)) < 0)
		goto done;
	if (message)
		sfa_buf_addstr(&msg, message);
	else
		sfa_buf_addf(&msg, "sfa-mail: template %s%s%s", name, *lang ? " in " : "", lang);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	free(copy);
	sfa_txn_free(txn);
	sfa_mail_template_free(t);
	sfa_store_free(s);
	sfa_buf_release(&txt);
	sfa_buf_release(&html);
	sfa_buf_release(&path);
	sfa_buf_release(&msg);
	return sfa_verb_exit(v, err);
}

static int template_list(const struct sfa_verb *v, const char *store, enum sfa_format fmt)
{
	static const char *const columns[] = { "name", "languages", "html", NULL };
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	json_t *list = NULL, *e;
	size_t i;
	int err;

	if ((err = sfa_cli_open_store(&s, store)) < 0 || (err = sfa_mail_template_list(s, &list)) < 0 ||
	    (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) < 0)
		goto done;
	json_array_foreach(list, i, e) {
		/* "default,de,zh": the default variant first, by that name */
		json_t *langs = json_object_get(e, "languages"), *l;
		struct sfa_buf b = SFA_BUF_INIT;
		size_t k;
		json_array_foreach(langs, k, l)
			if (!*json_string_value(l))
				sfa_buf_addstr(&b, "default");
		json_array_foreach(langs, k, l)
			if (*json_string_value(l))
				sfa_buf_addf(&b, "%s%s", b.len ? "," : "", json_string_value(l));
		json_object_set_new(e, "languages", json_string(b.buf ? b.buf : ""));
		sfa_buf_release(&b);
		if ((err = sfa_writer_write(w, e)) < 0)
			goto done;
	}
	err = sfa_writer_close(w);
	w = NULL;
	if (err == 0 && !json_array_size(list))
		err = sfa_error_set(SFA_ENOTFOUND, "no mail templates (sfa-mail template add NAME FILE)");
done:
	sfa_writer_free(w);
	json_decref(list);
	sfa_store_free(s);
	if (err == SFA_ENOTFOUND)
		return sfa_cli_exit(SFA_EXIT_NOMATCH);
	return sfa_verb_exit(v, err);
}

static int template_show(const struct sfa_verb *v, int argc, char **argv, const char *store, const char *lang,
			 int html)
{
	struct sfa_buf path = SFA_BUF_INIT, text = SFA_BUF_INIT;
	struct sfa_store *s = NULL;
	int err;

	if (argc != 1)
		return sfa_cli_bad_usage(v->usage, "template show takes one name");
	if ((err = sfa_mail_name_check(argv[0])) < 0 || (err = sfa_mail_lang_check(lang)) < 0)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	sfa_mail_template_path(&path, argv[0], lang, html);
	if ((err = sfa_cli_open_store(&s, store)) == 0 && (err = sfa_store_read_file(s, path.buf, &text)) == SFA_ENOTFOUND)
		err = sfa_error_set(SFA_ENOTFOUND, "no %s", path.buf);
	if (err == 0 && text.len && fwrite(text.buf, 1, text.len, stdout) != text.len)
		err = sfa_error_set(SFA_ESTORE, "stdout: %s", strerror(errno));
	sfa_store_free(s);
	sfa_buf_release(&path);
	sfa_buf_release(&text);
	return sfa_verb_exit(v, err);
}

/* Checks the named templates (all when none), every language. */
static int template_check(const struct sfa_verb *v, int argc, char **argv, const char *store, const char *types)
{
	struct sfa_store *s = NULL;
	json_t *list = NULL, *e, *l;
	const char *tv[SFA_TYPES_MAX + 1];
	char *copy = NULL;
	size_t i, k, checked = 0;
	int err, bad = 0;

	split_types(types, &copy, tv, SFA_TYPES_MAX);
	if ((err = sfa_cli_open_store(&s, store)) < 0 || (err = sfa_mail_template_list(s, &list)) < 0)
		goto done;
	for (int a = 0; a < argc; a++) {
		int found = 0;
		json_array_foreach(list, i, e)
			found |= !strcmp(json_string_value(json_object_get(e, "name")), argv[a]);
		if (!found) {
			err = sfa_error_set(SFA_ENOTFOUND, "no mail template '%s'", argv[a]);
			goto done;
		}
	}
	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		int wanted = !argc;
		for (int a = 0; a < argc; a++)
			wanted |= !strcmp(argv[a], name);
		if (!wanted)
			continue;
		json_array_foreach(json_object_get(e, "languages"), k, l) {
			struct sfa_mail_template *t = NULL;
			int one = sfa_mail_template_variant(s, name, json_string_value(l), &t);
			if (one == 0)
				one = sfa_mail_template_check(s, t, copy ? tv : NULL, NULL);
			if (one < 0) {
				if (one != SFA_EINPUT && one != SFA_EUSAGE) {
					err = one;
					sfa_mail_template_free(t);
					goto done;
				}
				sfa_cli_warn("%s", sfa_error_last());
				bad = 1;
			} else {
				printf("%s\tok\n", t->txt_path);
			}
			checked++;
			sfa_mail_template_free(t);
		}
	}
	if (bad)
		err = sfa_error_set(SFA_EINPUT, "some templates cannot be used");
	else if (!checked)
		err = sfa_error_set(SFA_ENOTFOUND, "no mail templates");
done:
	free(copy);
	json_decref(list);
	sfa_store_free(s);
	if (bad && err == SFA_EINPUT)
		return sfa_cli_exit(SFA_EXIT_DATA);
	return sfa_verb_exit(v, err);
}

static int cmd_template(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "html", no_argument, NULL, OPT_HTML },
		{ "lang", required_argument, NULL, OPT_LANG },
		{ "message", required_argument, NULL, 'm' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL, *lang = "", *message = NULL, *types = NULL, *what;
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	int c, html = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return argc < 2 ? sfa_cli_bad_usage(v->usage, "template: add, list, show or check") :
				  sfa_cli_help(v->usage);
	what = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return sfa_cli_help(v->usage);
		case 'm': message = optarg; break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_HTML: html = 1; break;
		case OPT_LANG: lang = optarg; break;
		case OPT_STORE: store = optarg; break;
		case OPT_TYPE: types = optarg; break;
		default: return sfa_cli_usage(v->usage);
		}
	}
	if (!strcmp(what, "add"))
		return template_add(v, argc - optind, argv + optind, store, lang, message, types);
	if (!strcmp(what, "list")) {
		if (argc > optind)
			return sfa_cli_bad_usage(v->usage, "template list takes no names");
		return template_list(v, store, fmt);
	}
	if (!strcmp(what, "show"))
		return template_show(v, argc - optind, argv + optind, store, lang, html);
	if (!strcmp(what, "check"))
		return template_check(v, argc - optind, argv + optind, store, types);
	return sfa_cli_bad_usage(v->usage, "template: add, list, show or check, not '%s'", what);
}

/* --- ingest ------------------------------------------------------------------------------------- */

/* One message to read: a file (or stdin), and where it goes once logged when it came from a maildir. */
struct inmsg {
	char *path, *done_path;
};

static int list_maildir(const char *dir, struct inmsg **v, size_t *n, size_t *alloc)
{
	struct sfa_buf path = SFA_BUF_INIT;
	struct dirent **names = NULL;
	int count;

	sfa_buf_addf(&path, "%s/new", dir);
	/* sorted: maildir names start with the time, so mail is logged in the order it came */
	if ((count = scandir(path.buf, &names, NULL, alphasort)) < 0) {
		int err = sfa_error_set(SFA_EUSAGE, "cannot read '%s': %s", path.buf, strerror(errno));
		sfa_buf_release(&path);
		return err;
	}
	for (int i = 0; i < count; i++) {
		if (names[i]->d_name[0] != '.') {
			struct sfa_buf p = SFA_BUF_INIT, d = SFA_BUF_INIT;
			sfa_buf_addf(&p, "%s/new/%s", dir, names[i]->d_name);
			sfa_buf_addf(&d, "%s/cur/%s%s", dir, names[i]->d_name, strchr(names[i]->d_name, ':') ? "" : ":2,S");
			SFA_ALLOC_GROW(*v, *n + 1, *alloc);
			(*v)[*n].path = sfa_buf_detach(&p, NULL);
			(*v)[(*n)++].done_path = sfa_buf_detach(&d, NULL);
		}
		free(names[i]);
	}
	free(names);
	sfa_buf_release(&path);
	return 0;
}

static int cmd_ingest(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ack", required_argument, NULL, OPT_ACK },
		{ "create-leads", no_argument, NULL, OPT_CREATE_LEADS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "maildir", required_argument, NULL, OPT_MAILDIR },
		{ "mbox", required_argument, NULL, OPT_MBOX },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "sendmail", optional_argument, NULL, OPT_SENDMAIL },
		{ "smtp", required_argument, NULL, OPT_SMTP },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const columns[] = { "message_id", "from", "status", "record", "tracking", "campaign",
					       "ack", NULL };
	struct sfa_mailin_opts o = { 0 };
	struct send x = { 0 };
	struct inmsg *in = NULL;
	struct sfa_txn *txn = NULL;
	struct sfa_writer *w = NULL;
	json_t **rows = NULL;
	struct sfa_buf campaign = SFA_BUF_INIT;
	const char *store = NULL, *ack = NULL;
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	size_t n = 0, alloc = 0, logged = 0, matched = 0, ways = 0;
	int c, err = 0;

	x.d.mbox_fd = -1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return sfa_cli_help(v->usage);
		case OPT_ACK: ack = optarg; break;
		case OPT_CREATE_LEADS: o.create_leads = 1; break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_MAILDIR: x.d.maildir = optarg; ways++; break;
		case OPT_MBOX: x.d.mbox = optarg; ways++; break;
		case OPT_OWNER: o.owner = optarg; break;
		case OPT_SENDMAIL: x.d.sendmail = optarg ? optarg : "/usr/sbin/sendmail -t -oi"; ways++; break;
		case OPT_SMTP: x.d.smtp_url = optarg; ways++; break;
		case OPT_STORE: store = optarg; break;
		default: return sfa_cli_usage(v->usage);
		}
	}
	if (ways > 1)
		return sfa_cli_bad_usage(v->usage, "ingest: one of --smtp, --sendmail, --mbox and --maildir");
	if (ack && sfa_mail_name_check(ack) < 0)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	if (optind == argc) {
		SFA_ALLOC_GROW(in, n + 1, alloc);
		in[n].path = sfa_xstrdup("-");
		in[n++].done_path = NULL;
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;
		struct sfa_buf newdir = SFA_BUF_INIT;
		sfa_buf_addf(&newdir, "%s/new", argv[i]);
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) && stat(newdir.buf, &st) == 0 && S_ISDIR(st.st_mode)) {
			err = list_maildir(argv[i], &in, &n, &alloc);
		} else if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			err = sfa_error_set(SFA_EUSAGE, "'%s' is a folder but no maildir (no new/ in it)", argv[i]);
		} else {
			SFA_ALLOC_GROW(in, n + 1, alloc);
			in[n].path = sfa_xstrdup(argv[i]);
			in[n++].done_path = NULL;
		}
		sfa_buf_release(&newdir);
		if (err < 0)
			goto done;
	}
	if ((err = sfa_cli_open_store(&x.s, store)) < 0 || (err = sfa_mail_config_load(x.s, &x.cfg)) < 0)
		goto done;
	x.d.cfg = &x.cfg;
	if (!x.d.smtp_url)
		x.d.smtp_url = x.cfg.smtp_url;
	if (ack) {
		const struct sfa_mail_template *t;
		x.template = ack;
		sfa_buf_addf(&campaign, "ack-%s", ack);
		x.campaign = campaign.buf;
		x.to_path = "email";
		if ((err = variant(&x, "", &t)) == SFA_ENOTFOUND)
			err = sfa_error_prefix(SFA_EINPUT, "%s", "");
		if (err < 0 || (err = check_all_variants(&x, NULL, 0)) < 0)
			goto done;
	}
	rows = sfa_xcalloc(n + 1, sizeof(*rows));
	/* all of it in one commit: a maildir is logged whole or not at all */
	if ((err = sfa_txn_begin(&txn, x.s, 0)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		struct sfa_buf text = SFA_BUF_INIT;
		struct sfa_mime_msg *m = NULL;
		const char *name = strcmp(in[i].path, "-") ? in[i].path : "stdin";
		if ((err = read_file(in[i].path, &text)) == 0 &&
		    (err = sfa_mime_parse(&m, name, text.buf ? text.buf : "", text.len)) == 0 &&
		    (err = sfa_mailin_log(x.s, txn, m, &o, &rows[i])) < 0)
			sfa_error_prefix(err, "%s: ", name);
		sfa_mime_free(m);
		sfa_buf_release(&text);
		if (err < 0)
			goto done;
		sfa_progress("reading mail", i + 1, n);
	}
	sfa_progress(NULL, 0, 0);
	for (size_t i = 0; i < n; i++) {
		const char *st = sfa_record_text(rows[i], "status");
		logged += st && (!strcmp(st, "logged") || !strcmp(st, "new-lead"));
		matched += st && strcmp(st, "unmatched");
	}
	{
		struct sfa_buf msg = SFA_BUF_INIT;
		sfa_buf_addf(&msg, "sfa-mail: ingest %zu message%s", logged, logged == 1 ? "" : "s");
		err = sfa_txn_commit(txn, msg.buf, NULL);
		txn = NULL;
		sfa_buf_release(&msg);
		if (err < 0)
			goto done;
	}
	/* logged: a maildir's message moves to cur/ (seen), the maildir way of saying done */
	for (size_t i = 0; i < n; i++)
		if (in[i].done_path && rename(in[i].path, in[i].done_path) < 0)
			sfa_cli_warn("cannot move '%s' to '%s': %s", in[i].path, in[i].done_path, strerror(errno));
	if (ack && (err = sfa_mail_journal_open(&x.journal, x.s, x.campaign)) == 0 &&
	    sfa_mail_journal_unrecorded(x.journal))
		err = sfa_mail_journal_record(x.journal, "sfa-mail") < 0 ? SFA_ESTORE : 0;
	if (err < 0)
		goto done;
	/* acknowledgements, once each: the key is the message answered */
	for (size_t i = 0; ack && i < n; i++) {
		const char *st = sfa_record_text(rows[i], "status"), *rid = sfa_record_text(rows[i], "record");
		const char *mid = sfa_record_text(rows[i], "message_id"), *tracking = sfa_record_text(rows[i], "tracking");
		struct recipient r = { 0 };
		json_t *logged_as = NULL;
		char full[SFA_ID_LEN + 1];
		/*
		 * A message seen before is acknowledged too unless it was: a run
		 * that stopped between logging and acknowledging is finished so.
		 */
		if (st && !strcmp(st, "duplicate") && sfa_record_text(rows[i], "activity") &&
		    sfa_index_get(sfa_store_index(x.s), &sfa_type_activity, sfa_record_text(rows[i], "activity"),
				  &logged_as) == 0) {
			rid = sfa_record_text(logged_as, "related_to");
			tracking = sfa_record_text(logged_as, "tracking");
		} else if (!st || (strcmp(st, "logged") && strcmp(st, "new-lead"))) {
			continue;
		}
		if (!rid || !mid) {
			json_decref(logged_as);
			continue;
		}
		if (x.stop) {
			json_object_set_new(rows[i], "ack", json_string("deferred"));
			json_decref(logged_as);
			continue;
		}
		if ((err = sfa_store_find(x.s, NULL, rid, &r.type, full)) < 0 ||
		    (err = sfa_index_get(sfa_store_index(x.s), r.type, full, &r.rec)) < 0) {
			json_decref(logged_as);
			goto done;
		}
		r.key = mid;
		r.in_reply_to = mid;
		r.extra = json_pack("{s:s?}", "tracking", tracking);
		err = send_one(&x, &r);
		json_decref(r.rec);
		json_decref(r.extra);
		json_decref(logged_as);
		if (err < 0)
			goto done;
		json_object_set_new(rows[i], "ack", json_string(status_names[x.last]));
	}
	if (x.journal && sfa_mail_journal_unrecorded(x.journal) && (err = sfa_mail_journal_record(x.journal, "sfa-mail")) > 0)
		err = 0;
	if (err < 0 || (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) < 0)
		goto done;
	for (size_t i = 0; i < n && err == 0; i++)
		err = sfa_writer_write(w, rows[i]);
	if (err == 0) {
		err = sfa_writer_close(w);
		w = NULL;
	}
done:
	sfa_txn_free(txn);
	sfa_writer_free(w);
	delivery_close(&x.d);
	sfa_mail_journal_free(x.journal);
	for (size_t i = 0; i < x.nvariants; i++) {
		sfa_mail_template_free(x.variants[i]);
		free(x.asked[i]);
	}
	free(x.variants);
	free(x.asked);
	for (size_t i = 0; i < n; i++) {
		free(in[i].path);
		free(in[i].done_path);
		if (rows)
			json_decref(rows[i]);
	}
	free(in);
	free(rows);
	sfa_buf_release(&campaign);
	sfa_mail_config_release(&x.cfg);
	sfa_store_free(x.s);
	if (err < 0)
		return sfa_verb_exit(v, err);
	return sfa_cli_exit(x.counts[ST_DEFERRED] ? SFA_EXIT_TEMPFAIL :
			    x.counts[ST_FAILED] ? SFA_EXIT_PARTIAL : matched ? SFA_EXIT_OK : SFA_EXIT_NOMATCH);
}

int main(int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "ingest", cmd_ingest },
		{ "send", cmd_send },
		{ "template", cmd_template },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
