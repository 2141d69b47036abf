/*
 * Mail merge: the mail configuration, the templates kept in the store,
 * the data a template is filled from, and the journal that makes a
 * campaign send each message at most once. Building the message is
 * mime.h's, handing it to a server smtp.h's; cmd/sfa-mail.c puts them
 * together.
 */
#ifndef SFA_MAIL_H
#define SFA_MAIL_H

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/smtp.h"
#include "sfa/store.h"
#include "sfa/template.h"

/* --- configuration (config/mail.json) ------------------------------------ */

struct sfa_mail_config {
	char *from_name, *from_addr;	/* the sender; from_name may be NULL */
	char *reply_name, *reply_addr;	/* Reply-To, or NULL */
	char *domain;			/* of Message-IDs */
	char *smtp_url, *smtp_user, *password_command;
	enum sfa_smtp_tls tls;
	long timeout;			/* seconds */
	char *unsubscribe;		/* a template: "mailto:..." or "https://...", or NULL */
	long batch;			/* sends per commit */
	int retries;			/* of a 4xx */
	long retry_wait;		/* seconds before the first retry; doubles */
};

/*
 * Reads config/mail.json (all keys optional): without a sender there,
 * the commit author's name and email send. SFA_EINPUT naming the key for
 * a bad value.
 */
int sfa_mail_config_load(struct sfa_store *s, struct sfa_mail_config *out);
void sfa_mail_config_release(struct sfa_mail_config *c);
/* The checker of config/mail.json for `sfa config set`. */
int sfa_mail_check_config(struct sfa_store *s, const json_t *cfg);

/*
 * Splits "Name <addr>" or a bare "addr" into its parts (new strings;
 * *name NULL when there is none). SFA_EINPUT when the address is no
 * sfa_mime_addr_valid() address.
 */
int sfa_mail_address_parse(const char *text, char **name, char **addr);

/*
 * The SMTP password: $SFA_SMTP_PASSWORD, else the first line printed by
 * the configured password command, else NULL (libcurl then reads
 * ~/.netrc). Never from the store. A new string in *out.
 */
int sfa_mail_password(const struct sfa_mail_config *c, char **out);

/* --- templates (config/mail-NAME[.LANG].txt and .html) ---------------------- */

/* A template name: 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit. */
int sfa_mail_name_check(const char *name);
/* A language tag: "de", "bg", "zh", "pt-BR", "zh-Hant" (2-3 letters, then -XX..); "" is the default. */
int sfa_mail_lang_check(const char *lang);
/* "config/mail-NAME.txt", "config/mail-NAME.de.html" */
void sfa_mail_template_path(struct sfa_buf *out, const char *name, const char *lang, int html);

struct sfa_mail_template {
	char *name, *lang;		/* lang "" for the default variant */
	char *txt_path, *html_path;	/* html_path NULL when there is no HTML body */
	struct sfa_template *subject, *from, *reply_to, *text, *html;	/* from, reply_to, html may be NULL */
};

/*
 * Parses a template's files: the .txt is a header block (Subject:
 * required, From: and Reply-To: optional; each a template too), a blank
 * line, the text body; the .html (may be NULL) an HTML body. Messages
 * name the file and its line ("config/mail-offer.txt:4: ...").
 */
int sfa_mail_template_parse(struct sfa_mail_template **out, const char *name, const char *lang,
			    const char *txt, size_t txt_len, const char *html, size_t html_len);
/*
 * Reads template `name` from the store in the variant for `lang` (NULL or
 * "": the default): the exact language, then its part before '-', then
 * the default. SFA_ENOTFOUND when the template does not exist.
 */
int sfa_mail_template_load(struct sfa_store *s, const char *name, const char *lang,
			   struct sfa_mail_template **out);
/* Reads exactly the variant for `lang` ("": the default); SFA_ENOTFOUND when it does not exist. */
int sfa_mail_template_variant(struct sfa_store *s, const char *name, const char *lang,
			      struct sfa_mail_template **out);
void sfa_mail_template_free(struct sfa_mail_template *t);

/*
 * Checks every field the template uses against what a merge of records of
 * `types` (NULL-ended names; NULL: lead and contact) can give: their
 * schema fields and custom fields seen in the index, the records they
 * link to, `owner` (users.json), `quote`, the built-ins (see
 * sfa_mail_merge), and the keys of `extra` (borrowed, may be NULL: the
 * fields of records that are not in the store). SFA_EINPUT
 * "FILE:LINE: unknown field 'x'".
 */
int sfa_mail_template_check(struct sfa_store *s, const struct sfa_mail_template *t, const char *const *types,
			    const json_t *extra);

/*
 * The templates in the store, as an array (new reference) of
 * {"name", "languages": ["", "de", ...], "html": true|false}, by name.
 */
int sfa_mail_template_list(struct sfa_store *s, json_t **out);

/* --- the merge ---------------------------------------------------------- */

/*
 * The data a template is filled from for record `rec` (borrowed) of type
 * `t` (NULL for a record not in the store): its fields; each reference
 * replaced by the record it names as an object ("account": {"id", "name",
 * ...}); "owner" by the user from config/users.json ({"id", "name",
 * "email", ...}); "quote", when `with_quote`, by the record's primary
 * quote as a document (number, lines, totals, customer ...; absent when
 * there is none); and the built-ins "campaign", "today", "now",
 * "sender" {"name", "email"}. New reference in `out`.
 */
int sfa_mail_merge(struct sfa_store *s, const struct sfa_type *t, const json_t *rec, const char *campaign,
		   const struct sfa_mail_config *c, int with_quote, json_t **out);

/*
 * The quote a mail to `rec` is about (new reference, or NULL when none):
 * the record itself when it is a quote; else the newest primary quote
 * (not superseded or declined) that refers to it, else to the deal, the
 * contact or the account it names (a converted lead's).
 */
int sfa_mail_quote_of(struct sfa_store *s, const struct sfa_type *t, const json_t *rec, json_t **out);

/*
 * The quote `quote` (borrowed) as templates see it under "quote": its
 * document's quote part with lines, totals, customer, company, owner and
 * opportunity in it. New reference in `out`.
 */
int sfa_mail_quote_data(struct sfa_store *s, const json_t *quote, json_t **out);

/* The value at dotted `path` of `data` as text ("" when missing), appended to `out`. */
void sfa_mail_lookup(struct sfa_buf *out, const json_t *data, const char *path);

/*
 * The Message-ID (without brackets) of campaign `campaign`'s message for
 * `key` (record id and address): the same for every run, so a resent
 * message is recognisably the same one.
 */
void sfa_mail_message_id(struct sfa_buf *out, const char *campaign, const char *key, const char *domain);

/* --- the journal ---------------------------------------------------------- */

/*
 * What a campaign did, for the never-twice rule. Each send is journaled
 * (appended and synced to STORE/sfa-mail/CAMPAIGN.journal, outside git)
 * before it starts and again when its outcome is known; the outcomes
 * become activities in the store in batches, after which the journal is
 * emptied. Open holds a lock on the journal for as long as it is open:
 * two runs of one campaign wait for nothing, the second is refused.
 */
struct sfa_mail_journal;

enum sfa_mail_state {
	SFA_MAIL_NONE,		/* never tried */
	SFA_MAIL_SENT,
	SFA_MAIL_FAILED,	/* refused for good (5xx) */
	SFA_MAIL_UNKNOWN,	/* no answer after the whole message went */
	SFA_MAIL_PENDING,	/* journaled as starting, nothing after: a run was cut off mid-send */
};

/* What one send was; the strings are borrowed. */
struct sfa_mail_entry {
	const char *message_id, *record_id, *record_type, *to, *from, *subject, *reply, *account, *owner;
	enum sfa_mail_state state;
	time_t at;
};

int sfa_mail_journal_open(struct sfa_mail_journal **out, struct sfa_store *s, const char *campaign);
/*
 * Closes the journal: outcomes not yet recorded stay in it for the next
 * run to record.
 */
void sfa_mail_journal_free(struct sfa_mail_journal *j);

/* The state of `message_id` in this campaign: the store's activities, then the journal. */
enum sfa_mail_state sfa_mail_journal_state(struct sfa_mail_journal *j, const char *message_id);

/* Journals that a send starts (synced before it returns). */
int sfa_mail_journal_begin(struct sfa_mail_journal *j, const struct sfa_mail_entry *e);
/*
 * Journals the outcome of the send begun for e->message_id: SENT, FAILED
 * or UNKNOWN; NONE for a send that certainly did not happen (deferred).
 */
int sfa_mail_journal_end(struct sfa_mail_journal *j, const struct sfa_mail_entry *e);
/* Outcomes journaled and not yet in the store. */
size_t sfa_mail_journal_unrecorded(const struct sfa_mail_journal *j);
/*
 * Records every journaled outcome (and every begun send without one, as
 * UNKNOWN) as an email activity in one commit, then empties the journal.
 * Returns the number recorded.
 */
int sfa_mail_journal_record(struct sfa_mail_journal *j, const char *command);

#endif
