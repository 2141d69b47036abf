/* Mail merge: configuration, templates, merge data, the never-twice journal (see include/sfa/mail.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/mail.h"
#include "sfa/mime.h"
#include "sfa/query.h"
#include "sfa/quote.h"
#include "sfa/schema.h"
#include "sfa/banned.h"

static int load_variant(struct sfa_store *s, const char *name, const char *lang, struct sfa_mail_template **out);

/* --- configuration ------------------------------------------------------------ */

int sfa_mail_address_parse(const char *text, char **name, char **addr)
{
	const char *lt = strrchr(text, '<');
	struct sfa_buf n = SFA_BUF_INIT, a = SFA_BUF_INIT;

	*name = *addr = NULL;
	if (lt) {
		const char *gt = strchr(lt, '>'), *e = lt;
		if (!gt || gt[1])
			return sfa_error_set(SFA_EINPUT, "not an address: '%s'", text);
		while (*text == ' ' || *text == '\t')
			text++;
		while (e > text && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		/* a quoted display name loses its quotes */
		if (e - text >= 2 && *text == '"' && e[-1] == '"') {
			text++;
			e--;
		}
		if (e > text)
			sfa_buf_add(&n, text, (size_t)(e - text));
		sfa_buf_add(&a, lt + 1, (size_t)(gt - lt - 1));
	} else {
		while (*text == ' ' || *text == '\t')
			text++;
		sfa_buf_addstr(&a, text);
		while (a.len && (a.buf[a.len - 1] == ' ' || a.buf[a.len - 1] == '\t'))
			sfa_buf_setlen(&a, a.len - 1);
	}
	if (!a.buf || !sfa_mime_addr_valid(a.buf)) {
		int err = sfa_error_set(SFA_EINPUT, "not an address: '%s'", a.buf ? a.buf : "");
		sfa_buf_release(&n);
		sfa_buf_release(&a);
		return err;
	}
	*name = n.buf ? sfa_buf_detach(&n, NULL) : NULL;
	*addr = sfa_buf_detach(&a, NULL);
	return 0;
}

static const char *const config_keys[] = { "from", "reply_to", "domain", "smtp", "unsubscribe", "batch",
					    "retries", "retry_wait", NULL };
static const char *const smtp_keys[] = { "url", "user", "tls", "password_command", "timeout", NULL };

static int bad(struct sfa_buf *path, const char *key, const char *what)
{
	size_t len = sfa_config_path_key(path, key);
	int err = sfa_error_set(SFA_EINPUT, "%s: %s", path->buf, what);
	sfa_buf_setlen(path, len);
	return err;
}

static const char *text_of(const json_t *obj, const char *key, struct sfa_buf *path, int *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || !*json_string_value(v)) {
		*err = bad(path, key, "expected a text");
		return NULL;
	}
	return json_string_value(v);
}

static long number_of(const json_t *obj, const char *key, long def, long min, long max, struct sfa_buf *path,
		      int *err)
{
	const json_t *v = json_object_get(obj, key);
	struct sfa_buf what = SFA_BUF_INIT;
	if (!v || json_is_null(v))
		return def;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		sfa_buf_addf(&what, "expected a whole number from %ld to %ld", min, max);
		*err = bad(path, key, what.buf);
		sfa_buf_release(&what);
		return def;
	}
	return (long)json_integer_value(v);
}

/* Parses `cfg` (NULL: none) into `c`; the checker and the loader are one. */
static int parse_config(struct sfa_store *s, const json_t *cfg, struct sfa_mail_config *c)
{
	struct sfa_buf path = SFA_BUF_INIT;
	const json_t *smtp;
	const char *v;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->tls = SFA_SMTP_TLS_TRY;
	c->timeout = 30;
	c->batch = 200;
	c->retries = 3;
	c->retry_wait = 2;
	if (cfg && !json_is_object(cfg)) {
		err = sfa_error_set(SFA_EINPUT, "expected an object");
		goto done;
	}
	if (cfg && (err = sfa_config_check_keys(&path, cfg, config_keys)) < 0)
		goto done;
	if ((v = text_of(cfg, "from", &path, &err)) && sfa_mail_address_parse(v, &c->from_name, &c->from_addr) < 0)
		err = bad(&path, "from", sfa_error_last());
	if (err == 0 && (v = text_of(cfg, "reply_to", &path, &err)) &&
	    sfa_mail_address_parse(v, &c->reply_name, &c->reply_addr) < 0)
		err = bad(&path, "reply_to", sfa_error_last());
	if (err == 0 && (v = text_of(cfg, "domain", &path, &err))) {
		struct sfa_buf probe = SFA_BUF_INIT;
		sfa_buf_addf(&probe, "x@%s", v);
		if (!sfa_mime_addr_valid(probe.buf))
			err = bad(&path, "domain", "not a domain name");
		else
			c->domain = sfa_xstrdup(v);
		sfa_buf_release(&probe);
	}
	if (err == 0 && (v = text_of(cfg, "unsubscribe", &path, &err))) {
		struct sfa_template *t = NULL;
		if (strncmp(v, "mailto:", 7) && strncmp(v, "https://", 8) && strncmp(v, "http://", 7))
			err = bad(&path, "unsubscribe", "expected a mailto: or http(s):// link");
		else if (sfa_template_parse(&t, "unsubscribe", v, strlen(v)) < 0)
			err = bad(&path, "unsubscribe", sfa_error_last());
		else
			c->unsubscribe = sfa_xstrdup(v);
		sfa_template_free(t);
	}
	if (err == 0)
		c->batch = number_of(cfg, "batch", c->batch, 1, 100000, &path, &err);
	if (err == 0)
		c->retries = (int)number_of(cfg, "retries", c->retries, 0, 20, &path, &err);
	if (err == 0)
		c->retry_wait = number_of(cfg, "retry_wait", c->retry_wait, 0, 3600, &path, &err);
	smtp = json_object_get(cfg, "smtp");
	if (err == 0 && smtp && !json_is_object(smtp))
		err = bad(&path, "smtp", "expected an object");
	if (err == 0 && smtp) {
		size_t len = sfa_config_path_key(&path, "smtp");
		if ((err = sfa_config_check_keys(&path, smtp, smtp_keys)) == 0 &&
		    (v = text_of(smtp, "url", &path, &err))) {
			if (strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8))
				err = bad(&path, "url", "expected smtp://host[:port] or smtps://host[:port]");
			else
				c->smtp_url = sfa_xstrdup(v);
		}
		if (err == 0 && (v = text_of(smtp, "user", &path, &err)))
			c->smtp_user = sfa_xstrdup(v);
		if (err == 0 && (v = text_of(smtp, "password_command", &path, &err)))
			c->password_command = sfa_xstrdup(v);
		if (err == 0 && (v = text_of(smtp, "tls", &path, &err))) {
			if (!strcmp(v, "required"))
				c->tls = SFA_SMTP_TLS_REQUIRED;
			else if (!strcmp(v, "try"))
				c->tls = SFA_SMTP_TLS_TRY;
			else if (!strcmp(v, "none"))
				c->tls = SFA_SMTP_TLS_NONE;
			else
				err = bad(&path, "tls", "expected required, try or none");
		} else if (err == 0 && c->smtp_user) {
			c->tls = SFA_SMTP_TLS_REQUIRED;	/* a password is not sent in the clear unless asked */
		}
		if (err == 0)
			c->timeout = number_of(smtp, "timeout", c->timeout, 1, 3600, &path, &err);
		sfa_buf_setlen(&path, len);
	}
	if (err == 0 && !c->from_addr && s) {
		/* no sender configured: the one running the command */
		git_signature *sig = NULL;
		if (sfa_store_signature(s, &sig) == 0 && sig->email && sfa_mime_addr_valid(sig->email)) {
			c->from_addr = sfa_xstrdup(sig->email);
			c->from_name = sig->name && *sig->name ? sfa_xstrdup(sig->name) : NULL;
		}
		git_signature_free(sig);
	}
	if (err == 0 && !c->domain && c->from_addr)
		c->domain = sfa_xstrdup(strrchr(c->from_addr, '@') + 1);
	if (err == 0 && !c->smtp_url)
		c->smtp_url = sfa_xstrdup("smtp://localhost:25");
done:
	sfa_buf_release(&path);
	if (err < 0)
		sfa_mail_config_release(c);
	return err;
}

int sfa_mail_check_config(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_mail_config c;
	int err = parse_config(NULL, cfg, &c);
	(void)s;
	if (err == 0)
		sfa_mail_config_release(&c);
	return err;
}

int sfa_mail_config_load(struct sfa_store *s, struct sfa_mail_config *out)
{
	struct sfa_buf text = SFA_BUF_INIT;
	json_t *cfg = NULL;
	int err = sfa_store_read_file(s, "config/mail.json", &text);

	if (err == 0) {
		json_error_t je;
		if (!(cfg = json_loadb(text.buf, text.len, 0, &je)))
			err = sfa_error_set(SFA_EINPUT, "config/mail.json:%d: %s", je.line, je.text);
	} else if (err == SFA_ENOTFOUND) {
		err = 0;
	}
	if (err == 0 && (err = parse_config(s, cfg, out)) < 0)
		sfa_error_prefix(err, "config/mail.json: ");
	json_decref(cfg);
	sfa_buf_release(&text);
	return err;
}

void sfa_mail_config_release(struct sfa_mail_config *c)
{
	char **all[] = { &c->from_name, &c->from_addr, &c->reply_name, &c->reply_addr, &c->domain, &c->smtp_url,
			 &c->smtp_user, &c->password_command, &c->unsubscribe };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		free(*all[i]);
		*all[i] = NULL;
	}
}

int sfa_mail_password(const struct sfa_mail_config *c, char **out)
{
	const char *env = getenv("SFA_SMTP_PASSWORD");
	struct sfa_buf b = SFA_BUF_INIT;
	char chunk[256];
	size_t n;
	FILE *p;
	int status;

	*out = NULL;
	if (env && *env) {
		*out = sfa_xstrdup(env);
		return 0;
	}
	if (!c->password_command)
		return 0;
	if (!(p = popen(c->password_command, "r")))
		return sfa_error_set(SFA_EUSAGE, "password command '%s': %s", c->password_command, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		sfa_buf_add(&b, chunk, n);
	status = pclose(p);
	explicit_bzero(chunk, sizeof(chunk));
	if (status != 0 || !b.len) {
		if (b.buf)
			explicit_bzero(b.buf, b.len);
		sfa_buf_release(&b);
		return sfa_error_set(SFA_EUSAGE, "password command '%s' failed or printed nothing", c->password_command);
	}
	b.len = strcspn(b.buf, "\r\n");
	b.buf[b.len] = 0;
	*out = sfa_buf_detach(&b, NULL);
	return 0;
}

/* --- templates ------------------------------------------------------------------ */

int sfa_mail_name_check(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 64 || *name == '-' || *name == '_')
		return sfa_error_set(SFA_EUSAGE, "template name '%s': 1-64 of a-z, 0-9, '-' and '_'", name);
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
		      name[i] == '_'))
			return sfa_error_set(SFA_EUSAGE, "template name '%s': 1-64 of a-z, 0-9, '-' and '_'", name);
	return 0;
}

int sfa_mail_lang_check(const char *lang)
{
	size_t i = 0, part = 0;
	if (!*lang)
		return 0;
	for (; (lang[i] >= 'a' && lang[i] <= 'z') || (lang[i] >= 'A' && lang[i] <= 'Z'); i++)
		;
	if (i < 2 || i > 3)
		goto fail;
	while (lang[i] == '-') {
		for (part = 0, i++; (lang[i] >= 'a' && lang[i] <= 'z') || (lang[i] >= 'A' && lang[i] <= 'Z') ||
				    (lang[i] >= '0' && lang[i] <= '9'); i++, part++)
			;
		if (part < 2 || part > 8)
			goto fail;
	}
	if (!lang[i] && i <= 35)
		return 0;
fail:
	return sfa_error_set(SFA_EUSAGE, "language '%s': expected a tag such as de, zh, bg or pt-BR", lang);
}

void sfa_mail_template_path(struct sfa_buf *out, const char *name, const char *lang, int html)
{
	sfa_buf_addf(out, "config/mail-%s%s%s.%s", name, lang && *lang ? "." : "", lang ? lang : "",
		     html ? "html" : "txt");
}

void sfa_mail_template_free(struct sfa_mail_template *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->lang);
	free(t->txt_path);
	free(t->html_path);
	sfa_template_free(t->subject);
	sfa_template_free(t->from);
	sfa_template_free(t->reply_to);
	sfa_template_free(t->text);
	sfa_template_free(t->html);
	free(t);
}

int sfa_mail_template_parse(struct sfa_mail_template **out, const char *name, const char *lang,
			    const char *txt, size_t txt_len, const char *html, size_t html_len)
{
	struct sfa_mail_template *t = sfa_xcalloc(1, sizeof(*t));
	struct sfa_buf path = SFA_BUF_INIT;
	const char *p = txt, *end = txt + txt_len;
	size_t line = 1;
	int err = 0;

	*out = NULL;
	t->name = sfa_xstrdup(name);
	t->lang = sfa_xstrdup(lang ? lang : "");
	sfa_mail_template_path(&path, name, lang, 0);
	t->txt_path = sfa_buf_detach(&path, NULL);
	/* the header block: "Name: value" lines up to the first blank line */
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *colon;
		struct sfa_template **slot = NULL;
		size_t vlen;
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p) {
			if (!nl && !t->subject)
				break;
			p = nl ? nl + 1 : end;
			line++;
			break;
		}
		colon = memchr(p, ':', (size_t)(e - p));
		if (colon && (size_t)(colon - p) == 7 && !strncasecmp(p, "subject", 7))
			slot = &t->subject;
		else if (colon && (size_t)(colon - p) == 4 && !strncasecmp(p, "from", 4))
			slot = &t->from;
		else if (colon && (size_t)(colon - p) == 8 && !strncasecmp(p, "reply-to", 8))
			slot = &t->reply_to;
		if (!slot) {
			err = sfa_error_set(SFA_EINPUT, "%s:%zu: expected a header (Subject:, From: or Reply-To:) "
					    "and, after a blank line, the text", t->txt_path, line);
			goto done;
		}
		if (*slot) {
			err = sfa_error_set(SFA_EINPUT, "%s:%zu: '%.*s' given twice", t->txt_path, line,
					    (int)(colon - p), p);
			goto done;
		}
		for (colon++; colon < e && (*colon == ' ' || *colon == '\t'); colon++)
			;
		vlen = (size_t)(e - colon);
		if ((err = sfa_template_parse_at(slot, t->txt_path, line, colon, vlen)) < 0)
			goto done;
		if (!nl) {
			p = end;
			break;
		}
		p = nl + 1;
		line++;
	}
	if (!t->subject) {
		err = sfa_error_set(SFA_EINPUT, "%s:1: no 'Subject:' line", t->txt_path);
		goto done;
	}
	if ((err = sfa_template_parse_at(&t->text, t->txt_path, line, p, (size_t)(end - p))) < 0)
		goto done;
	if (html) {
		sfa_mail_template_path(&path, name, lang, 1);
		t->html_path = sfa_buf_detach(&path, NULL);
		if ((err = sfa_template_parse(&t->html, t->html_path, html, html_len)) < 0)
			goto done;
	}
	*out = t;
	t = NULL;
done:
	sfa_mail_template_free(t);
	sfa_buf_release(&path);
	return err;
}

int sfa_mail_template_variant(struct sfa_store *s, const char *name, const char *lang,
			      struct sfa_mail_template **out)
{
	int err;
	*out = NULL;
	if ((err = sfa_mail_name_check(name)) < 0 || (err = sfa_mail_lang_check(lang ? lang : "")) < 0)
		return err;
	return load_variant(s, name, lang ? lang : "", out);
}

/* Reads one variant; SFA_ENOTFOUND when its .txt is not in the store. */
static int load_variant(struct sfa_store *s, const char *name, const char *lang, struct sfa_mail_template **out)
{
	struct sfa_buf path = SFA_BUF_INIT, txt = SFA_BUF_INIT, html = SFA_BUF_INIT;
	int err, has_html;

	sfa_mail_template_path(&path, name, lang, 0);
	if ((err = sfa_store_read_file(s, path.buf, &txt)) < 0)
		goto done;
	sfa_buf_reset(&path);
	sfa_mail_template_path(&path, name, lang, 1);
	err = sfa_store_read_file(s, path.buf, &html);
	if (err < 0 && err != SFA_ENOTFOUND)
		goto done;
	has_html = err == 0;
	err = sfa_mail_template_parse(out, name, lang, txt.buf ? txt.buf : "", txt.len,
				      has_html ? (html.buf ? html.buf : "") : NULL, html.len);
done:
	sfa_buf_release(&path);
	sfa_buf_release(&txt);
	sfa_buf_release(&html);
	return err;
}

int sfa_mail_template_load(struct sfa_store *s, const char *name, const char *lang,
			   struct sfa_mail_template **out)
{
	int err = SFA_ENOTFOUND;

	*out = NULL;
	if ((err = sfa_mail_name_check(name)) < 0)
		return err;
	if (lang && *lang && sfa_mail_lang_check(lang) == 0) {
		char base[16];
		size_t n = strcspn(lang, "-");
		if ((err = load_variant(s, name, lang, out)) != SFA_ENOTFOUND)
			return err;
		if (lang[n] && n < sizeof(base)) {
			memcpy(base, lang, n);
			base[n] = 0;
			if ((err = load_variant(s, name, base, out)) != SFA_ENOTFOUND)
				return err;
		}
	}
	sfa_error_clear();
	if ((err = load_variant(s, name, "", out)) == SFA_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "no mail template '%s' (sfa-mail template add %s FILE)", name, name);
	return err;
}

/* The files of the head's config/ folder whose names start with "mail-", in byte order. */
static int config_files(struct sfa_store *s, int (*fn)(const char *file, void *data), void *data)
{
	git_repository *repo = sfa_store_repo(s);
	git_commit *commit = NULL;
	git_tree *tree = NULL, *config = NULL;
	git_tree_entry *entry = NULL;
	git_oid head;
	int err;

	if ((err = sfa_store_head(s, &head)) < 0)
		return err == SFA_ENOTFOUND ? 0 : err;
	if (git_commit_lookup(&commit, repo, &head) < 0 || git_commit_tree(&tree, commit) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot read the head commit");
		goto done;
	}
	if (git_tree_entry_bypath(&entry, tree, "config") < 0) {
		err = 0;
		goto done;
	}
	if (git_tree_lookup(&config, repo, git_tree_entry_id(entry)) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot read config/");
		goto done;
	}
	for (size_t i = 0; i < git_tree_entrycount(config) && err == 0; i++) {
		const char *file = git_tree_entry_name(git_tree_entry_byindex(config, i));
		if (!strncmp(file, "mail-", 5))
			err = fn(file, data);
	}
done:
	git_tree_entry_free(entry);
	git_tree_free(config);
	git_tree_free(tree);
	git_commit_free(commit);
	return err;
}

static int list_one(const char *file, void *data)
{
	json_t *list = data, *last = json_array_get(list, json_array_size(list) - 1);
	const char *name = file + 5, *ext = strrchr(file, '.'), *dot;
	struct sfa_buf n = SFA_BUF_INIT, lang = SFA_BUF_INIT;
	int html;

	if (!ext || (strcmp(ext, ".txt") && strcmp(ext, ".html")))
		return 0;
	html = !strcmp(ext, ".html");
	/* "offer.pt-BR" -> offer, pt-BR: names hold no dots, so the first one starts the language */
	dot = memchr(name, '.', (size_t)(ext - name));
	sfa_buf_add(&n, name, (size_t)((dot ? dot : ext) - name));
	if (dot)
		sfa_buf_add(&lang, dot + 1, (size_t)(ext - dot - 1));
	if (!last || strcmp(json_string_value(json_object_get(last, "name")), n.buf)) {
		last = json_pack("{s:s, s:[], s:b}", "name", n.buf, "languages", "html", 0);
		json_array_append_new(list, last);
	}
	if (html) {
		json_object_set_new(last, "html", json_true());
	} else {
		json_t *langs = json_object_get(last, "languages");
		json_array_append_new(langs, json_string(lang.buf ? lang.buf : ""));
	}
	sfa_buf_release(&n);
	sfa_buf_release(&lang);
	return 0;
}

int sfa_mail_template_list(struct sfa_store *s, json_t **out)
{
	json_t *list = json_array();
	int err = config_files(s, list_one, list);
	if (err < 0) {
		json_decref(list);
		return err;
	}
	*out = list;
	return 0;
}

/* --- the merge -------------------------------------------------------------------- */

/* Users by key from config/users.json (new reference; an empty object when none). */
static json_t *users_of(struct sfa_store *s)
{
	struct sfa_buf text = SFA_BUF_INIT;
	json_t *users = NULL;
	if (sfa_store_read_file(s, "config/users.json", &text) == 0)
		users = json_loadb(text.buf, text.len, 0, NULL);
	sfa_buf_release(&text);
	if (!json_is_object(users)) {
		json_decref(users);
		users = json_object();
	}
	return users;
}

static json_t *user_object(const json_t *users, const char *key)
{
	const json_t *u = json_object_get(users, key);
	json_t *o = json_is_object(u) ? json_deep_copy(u) : json_object();
	json_object_set_new(o, "id", json_string(key));
	if (!json_object_get(o, "name"))
		json_object_set_new(o, "name", json_string(key));
	return o;
}

struct newest_quote {
	json_t *best;
	const char *exclude_status[3];
};

static int take_quote(const struct sfa_type *t, const json_t *rec, void *data)
{
	struct newest_quote *n = data;
	const char *status = sfa_record_text(rec, "status"), *at = sfa_record_text(rec, "created_at");
	if (t != &sfa_type_quote || !json_is_true(json_object_get(rec, "primary")))
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (status && n->exclude_status[i] && !strcmp(status, n->exclude_status[i]))
			return 0;
	if (!n->best || (at && strcmp(at, sfa_record_text(n->best, "created_at") ?: "") > 0)) {
		json_decref(n->best);
		n->best = json_deep_copy(rec);
	}
	return 0;
}

int sfa_mail_quote_of(struct sfa_store *s, const struct sfa_type *t, const json_t *rec, json_t **out)
{
	/* a record without quotes of its own may lead to one: a converted lead to its deal and contact */
	static const char *const via[] = { "opportunity", "contact", "account" };
	struct newest_quote n = { NULL, { "superseded", "declined", NULL } };
	const char *id = sfa_record_text(rec, "id");
	long got;

	*out = NULL;
	if (t == &sfa_type_quote) {
		*out = json_deep_copy(rec);
		return 0;
	}
	if (!t || !id)
		return 0;
	if ((got = sfa_index_referrers(sfa_store_index(s), id, take_quote, &n)) < 0)
		return (int)got;
	for (size_t i = 0; !n.best && i < sizeof(via) / sizeof(via[0]); i++) {
		const char *link = sfa_record_text(rec, via[i]);
		if (link && strcmp(link, id) && (got = sfa_index_referrers(sfa_store_index(s), link, take_quote, &n)) < 0)
			return (int)got;
	}
	*out = n.best;
	return 0;
}

/* The quote as a template sees it: the document's quote part with lines, totals, customer and company in it. */
static json_t *quote_view(const json_t *doc)
{
	json_t *q = json_deep_copy(json_object_get(doc, "quote"));
	static const char *const parts[] = { "lines", "totals", "customer", "company", "owner", "opportunity" };
	if (!json_is_object(q)) {
		json_decref(q);
		q = json_object();
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (json_object_get(doc, parts[i]))
			json_object_set(q, parts[i], json_object_get(doc, parts[i]));
	return q;
}

int sfa_mail_quote_data(struct sfa_store *s, const json_t *quote, json_t **out)
{
	json_t *doc = NULL;
	int err = sfa_quote_document(&doc, s, quote);
	*out = NULL;
	if (err < 0)
		return err;
	*out = quote_view(doc);
	json_object_set(*out, "id", json_object_get(quote, "id"));
	json_decref(doc);
	return 0;
}

int sfa_mail_merge(struct sfa_store *s, const struct sfa_type *t, const json_t *rec, const char *campaign,
		   const struct sfa_mail_config *c, int with_quote, json_t **out)
{
	const struct sfa_schema *sc = NULL;
	json_t *data = json_deep_copy(rec), *users = users_of(s), *sender;
	const char *k;
	json_t *v;
	char now[21];
	int err = 0;

	*out = NULL;
	if (t && (err = sfa_store_schema(s, &sc)) < 0)
		goto done;
	/* links: what a reference names, one level deep */
	json_object_foreach((json_t *)rec, k, v) {
		const struct sfa_field *f = t ? sfa_schema_field(sc, t, k) : NULL;
		const struct sfa_type *to = NULL;
		json_t *linked = NULL;
		char id[SFA_ID_LEN + 1];
		if (!f || f->type != SFA_FT_REF || !json_is_string(v))
			continue;
		if (sfa_store_find(s, f->to_any ? NULL : f->to, json_string_value(v), &to, id) < 0) {
			sfa_error_clear();
			continue;
		}
		if (sfa_index_get(sfa_store_index(s), to, id, &linked) == 0) {
			if (json_is_string(json_object_get(linked, "owner")))	/* a link's owner is a user too */
				json_object_set_new(linked, "owner", user_object(users, sfa_record_text(linked, "owner")));
			json_object_set_new(data, k, linked);
		}
	}
	if (json_is_string(json_object_get(rec, "owner")))
		json_object_set_new(data, "owner", user_object(users, sfa_record_text(rec, "owner")));
	if (with_quote) {
		json_t *quote = NULL, *view = NULL;
		if ((err = sfa_mail_quote_of(s, t, rec, &quote)) == 0 && quote &&
		    (err = sfa_mail_quote_data(s, quote, &view)) == 0)
			json_object_set_new(data, "quote", view);
		json_decref(quote);
		if (err < 0)
			goto done;
	}
	sfa_time_iso(now, sfa_now());
	json_object_set_new(data, "campaign", json_string(campaign ? campaign : ""));
	json_object_set_new(data, "now", json_string(now));
	json_object_set_new(data, "today", json_stringn(now, 10));
	sender = json_object();
	if (c && c->from_name)
		json_object_set_new(sender, "name", json_string(c->from_name));
	if (c && c->from_addr)
		json_object_set_new(sender, "email", json_string(c->from_addr));
	json_object_set_new(data, "sender", sender);
	*out = data;
	data = NULL;
done:
	json_decref(data);
	json_decref(users);
	return err;
}

void sfa_mail_lookup(struct sfa_buf *out, const json_t *data, const char *path)
{
	const json_t *v = data;
	while (v && *path) {
		size_t n = strcspn(path, ".");
		char key[SFA_FIELD_NAME_MAX + 1];
		if (n > SFA_FIELD_NAME_MAX)
			return;
		memcpy(key, path, n);
		key[n] = 0;
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
		path += n + (path[n] == '.');
	}
	if (json_is_string(v))
		sfa_buf_addstr(out, json_string_value(v));
}

/* --- checking a template ---------------------------------------------------------- */

/* The fields a record of type `t` may have: the schema's and the custom ones the index has seen. */
static void type_shape(struct sfa_store *s, const struct sfa_type *t, json_t *shape, int links, const json_t *users)
{
	const struct sfa_schema *sc = NULL;
	const struct sfa_field *f;
	json_t *seen = NULL;
	size_t n = 0;

	json_object_set_new(shape, "id", json_integer(0));
	json_object_set_new(shape, "created_at", json_integer(0));
	if (sfa_store_schema(s, &sc) == 0 && (f = sfa_schema_fields(sc, t, &n)))
		for (size_t i = 0; i < n; i++) {
			json_t *sub;
			if (links && f[i].type == SFA_FT_REF && f[i].to && f[i].to != t) {
				sub = json_object();
				type_shape(s, f[i].to, sub, 0, users);
				json_object_set_new(shape, f[i].name, sub);
			} else if (!json_object_get(shape, f[i].name)) {
				json_object_set_new(shape, f[i].name, json_integer(0));
			}
		}
	if (sfa_index_fields(sfa_store_index(s), t, &seen) == 0) {
		size_t i;
		json_t *name;
		json_array_foreach(seen, i, name)
			if (json_is_string(name) && !json_object_get(shape, json_string_value(name)))
				json_object_set_new(shape, json_string_value(name), json_integer(0));
	}
	json_decref(seen);
	/* an owner is a user: every key any user has */
	{
		json_t *owner = json_object(), *u, *x;
		const char *k, *uk;
		json_object_set_new(owner, "id", json_integer(0));
		json_object_set_new(owner, "name", json_integer(0));
		json_object_set_new(owner, "email", json_integer(0));
		json_object_foreach((json_t *)users, uk, u)
			json_object_foreach(u, k, x)
				json_object_set_new(owner, k, json_integer(0));
		json_object_set_new(shape, "owner", owner);
	}
}

/* The quote part of the shape, from a document's shape (see quote_view). */
static json_t *quote_shape(void)
{
	json_t *doc = json_loads(sfa_quote_document_shape(), 0, NULL), *q = quote_view(doc);
	json_object_set_new(q, "id", json_integer(0));
	json_decref(doc);
	return q;
}

static int check_one(const struct sfa_template *t, const json_t *shape)
{
	return t ? sfa_template_check(t, shape) : 0;
}

int sfa_mail_template_check(struct sfa_store *s, const struct sfa_mail_template *t, const char *const *types,
			    const json_t *extra)
{
	static const char *const def[] = { "lead", "contact", NULL };
	json_t *shape = json_object(), *users = users_of(s), *sender;
	int err = 0;

	for (const char *const *n = types ? types : def; *n; n++) {
		const struct sfa_type *ty = sfa_type_find(*n);
		if (!ty) {
			err = sfa_error_set(SFA_EUSAGE, "no record type '%s'", *n);
			goto done;
		}
		type_shape(s, ty, shape, 1, users);
	}
	if (extra) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)extra, k, v)
			if (!json_object_get(shape, k))
				json_object_set(shape, k, v);
	}
	json_object_set_new(shape, "quote", quote_shape());
	json_object_set_new(shape, "campaign", json_integer(0));
	json_object_set_new(shape, "today", json_integer(0));
	json_object_set_new(shape, "now", json_integer(0));
	json_object_set_new(shape, "unsubscribe", json_integer(0));
	json_object_set_new(shape, "tracking", json_integer(0));
	sender = json_pack("{s:i, s:i}", "name", 0, "email", 0);
	json_object_set_new(shape, "sender", sender);
	json_object_set_new(shape, "to", json_pack("{s:i, s:i}", "name", 0, "email", 0));
	if ((err = check_one(t->subject, shape)) < 0 || (err = check_one(t->from, shape)) < 0 ||
	    (err = check_one(t->reply_to, shape)) < 0 || (err = check_one(t->text, shape)) < 0 ||
	    (err = check_one(t->html, shape)) < 0)
		goto done;
done:
	json_decref(shape);
	json_decref(users);
	return err;
}

/* --- Message-IDs ---------------------------------------------------------------- */

/* FNV-1a, 64 bits: stable across machines and versions, which is all an id needs here. */
static unsigned long long fnv(const char *a, const char *b)
{
	unsigned long long h = 1469598103934665603ULL;
	for (const char *p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;	/* so ("ab", "c") and ("a", "bc") differ */
	for (const char *p = b; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

void sfa_mail_message_id(struct sfa_buf *out, const char *campaign, const char *key, const char *domain)
{
	/* two halves from differently seeded hashes: 128 bits, no collision in any real campaign */
	unsigned long long a = fnv(campaign, key), b = fnv(key, campaign);
	sfa_buf_addf(out, "%016llx%016llx.%s@%s", a, b, campaign, domain && *domain ? domain : "sfa.invalid");
}

/* --- the journal -------------------------------------------------------------------- */

struct entry {
	char *message_id, *record_id, *record_type, *to, *from, *subject, *reply, *account, *owner;
	enum sfa_mail_state state;
	time_t at;
	int ended;		/* the journal has its outcome */
};

struct stored {
	char *message_id, *activity;	/* the activity that recorded it */
	enum sfa_mail_state state;
};

struct sfa_mail_journal {
	struct sfa_store *s;
	char *campaign, *path;
	int fd;
	struct entry *v;	/* journaled, not yet in the store */
	size_t n, alloc;
	struct stored *st;	/* in the store, sorted by message_id */
	size_t nst, ast;
};

static const char *const state_names[] = {
	[SFA_MAIL_NONE] = "none", [SFA_MAIL_SENT] = "sent", [SFA_MAIL_FAILED] = "failed",
	[SFA_MAIL_UNKNOWN] = "unknown", [SFA_MAIL_PENDING] = "pending",
};

static void entry_release(struct entry *e)
{
	free(e->message_id);
	free(e->record_id);
	free(e->record_type);
	free(e->to);
	free(e->from);
	free(e->subject);
	free(e->reply);
	free(e->account);
	free(e->owner);
}

static char *dup_or_null(const char *s)
{
	return s ? sfa_xstrdup(s) : NULL;
}

static struct entry *find_entry(struct sfa_mail_journal *j, const char *id)
{
	for (size_t i = j->n; i-- > 0;)
		if (!strcmp(j->v[i].message_id, id))
			return &j->v[i];
	return NULL;
}

static int cmp_stored(const void *a, const void *b)
{
	return strcmp(((const struct stored *)a)->message_id, ((const struct stored *)b)->message_id);
}

static struct stored *find_stored(struct sfa_mail_journal *j, const char *id)
{
	struct stored key = { (char *)id, NULL, SFA_MAIL_NONE };
	return j->nst ? bsearch(&key, j->st, j->nst, sizeof(*j->st), cmp_stored) : NULL;
}

static enum sfa_mail_state state_of_outcome(const char *outcome)
{
	if (!outcome || !strncmp(outcome, "sent", 4))
		return SFA_MAIL_SENT;
	if (!strncmp(outcome, "failed", 6))
		return SFA_MAIL_FAILED;
	return SFA_MAIL_UNKNOWN;
}

static int take_stored(const char *const *f, void *data)
{
	struct sfa_mail_journal *j = data;
	if (!f[1])
		return 0;
	SFA_ALLOC_GROW(j->st, j->nst + 1, j->ast);
	j->st[j->nst].activity = sfa_xstrdup(f[0]);
	j->st[j->nst].message_id = sfa_xstrdup(f[1]);
	j->st[j->nst++].state = state_of_outcome(f[2]);
	return 0;
}

/* What the store has recorded of this campaign: its email activities by Message-ID. */
static int load_stored(struct sfa_mail_journal *j)
{
	static const char *const fields[] = { "id", "message_id", "outcome", NULL };
	struct sfa_filter f;
	long n;
	int err;

	for (size_t i = 0; i < j->nst; i++) {
		free(j->st[i].message_id);
		free(j->st[i].activity);
	}
	j->nst = 0;
	sfa_filter_init(&f, j->s, &sfa_type_activity);
	err = sfa_filter_in(&f, "campaign", j->campaign);
	if (err == SFA_EUSAGE) {	/* a store whose activities never had a campaign: none of this one */
		sfa_error_clear();
		sfa_filter_release(&f);
		return 0;
	}
	if (err == 0 && (err = sfa_filter_in(&f, "direction", "out")) == SFA_EUSAGE) {
		sfa_error_clear();
		sfa_filter_release(&f);
		return 0;
	}
	if (err == 0) {
		f.q.unordered = 1;
		n = sfa_index_rows(sfa_store_index(j->s), &f.q, fields, take_stored, j);
		err = n < 0 ? (int)n : 0;
	}
	sfa_filter_release(&f);
	if (j->nst)
		qsort(j->st, j->nst, sizeof(*j->st), cmp_stored);
	return err;
}

static const char *jtext(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Reads what an earlier run journaled; a line cut short by a crash is the last and is dropped. */
static void load_journal(struct sfa_mail_journal *j, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_t *o;
		if (!nl)
			break;
		o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		p = nl + 1;
		if (!json_is_object(o) || !jtext(o, "message_id") || !jtext(o, "op")) {
			json_decref(o);
			continue;
		}
		if (!strcmp(jtext(o, "op"), "begin")) {
			struct entry *e;
			SFA_ALLOC_GROW(j->v, j->n + 1, j->alloc);
			e = &j->v[j->n++];
			memset(e, 0, sizeof(*e));
			e->message_id = sfa_xstrdup(jtext(o, "message_id"));
			e->record_id = dup_or_null(jtext(o, "record_id"));
			e->record_type = dup_or_null(jtext(o, "record_type"));
			e->to = dup_or_null(jtext(o, "to"));
			e->from = dup_or_null(jtext(o, "from"));
			e->subject = dup_or_null(jtext(o, "subject"));
			e->account = dup_or_null(jtext(o, "account"));
			e->owner = dup_or_null(jtext(o, "owner"));
			e->at = (time_t)json_integer_value(json_object_get(o, "at"));
			e->state = SFA_MAIL_PENDING;
		} else if (!strcmp(jtext(o, "op"), "end")) {
			struct entry *e = find_entry(j, jtext(o, "message_id"));
			const char *state = jtext(o, "state");
			if (e && state) {
				for (size_t k = 0; k < sizeof(state_names) / sizeof(state_names[0]); k++)
					if (!strcmp(state, state_names[k]))
						e->state = (enum sfa_mail_state)k;
				free(e->reply);
				e->reply = dup_or_null(jtext(o, "reply"));
				e->ended = 1;
			}
		}
		json_decref(o);
	}
}

static int campaign_check(const char *c)
{
	size_t n = strlen(c);
	if (!n || n > 100 || *c == '.' || *c == '-')
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '0' && c[i] <= '9') ||
		      c[i] == '-' || c[i] == '_' || c[i] == '.'))
			goto fail;
	return 0;
fail:
	return sfa_error_set(SFA_EUSAGE, "campaign '%s': 1-100 letters, digits, '.', '-' and '_', "
			     "not starting with '.' or '-'", c);
}

int sfa_mail_journal_open(struct sfa_mail_journal **out, struct sfa_store *s, const char *campaign)
{
	struct sfa_mail_journal *j;
	struct sfa_buf dir = SFA_BUF_INIT, text = SFA_BUF_INIT;
	char chunk[65536];
	ssize_t got;
	int err;

	*out = NULL;
	if ((err = campaign_check(campaign)) < 0)
		return err;
	j = sfa_xcalloc(1, sizeof(*j));
	j->s = s;
	j->fd = -1;
	j->campaign = sfa_xstrdup(campaign);
	sfa_buf_addf(&dir, "%s/sfa-mail", sfa_store_path(s));
	if (mkdir(dir.buf, 0700) < 0 && errno != EEXIST) {
		err = sfa_error_set(SFA_ESTORE, "cannot make '%s': %s", dir.buf, strerror(errno));
		goto fail;
	}
	sfa_buf_addf(&dir, "/%s.journal", campaign);
	j->path = sfa_buf_detach(&dir, NULL);
	if ((j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot open '%s': %s", j->path, strerror(errno));
		goto fail;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		err = errno == EWOULDBLOCK ?
			sfa_error_set(SFA_EBUSY, "campaign '%s' is being sent by another run", campaign) :
			sfa_error_set(SFA_ESTORE, "cannot lock '%s': %s", j->path, strerror(errno));
		goto fail;
	}
	while ((got = pread(j->fd, chunk, sizeof(chunk), (off_t)text.len)) > 0)
		sfa_buf_add(&text, chunk, (size_t)got);
	if (got < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot read '%s': %s", j->path, strerror(errno));
		goto fail;
	}
	load_journal(j, text.buf ? text.buf : "", text.len);
	/* a torn last line would glue onto the next one written: end it */
	if (text.len && text.buf[text.len - 1] != '\n' && write(j->fd, "\n", 1) != 1) {
		err = sfa_error_set(SFA_ESTORE, "cannot write '%s': %s", j->path, strerror(errno));
		goto fail;
	}
	if ((err = load_stored(j)) < 0)
		goto fail;
	sfa_buf_release(&text);
	*out = j;
	return 0;
fail:
	sfa_buf_release(&dir);
	sfa_buf_release(&text);
	sfa_mail_journal_free(j);
	return err;
}

void sfa_mail_journal_free(struct sfa_mail_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);	/* and the lock with it */
	for (size_t i = 0; i < j->n; i++)
		entry_release(&j->v[i]);
	free(j->v);
	for (size_t i = 0; i < j->nst; i++) {
		free(j->st[i].message_id);
		free(j->st[i].activity);
	}
	free(j->st);
	free(j->campaign);
	free(j->path);
	free(j);
}

enum sfa_mail_state sfa_mail_journal_state(struct sfa_mail_journal *j, const char *message_id)
{
	struct entry *e = find_entry(j, message_id);
	struct stored *st;
	if (e)
		return e->state == SFA_MAIL_PENDING ? SFA_MAIL_UNKNOWN : e->state;
	st = find_stored(j, message_id);
	return st ? st->state : SFA_MAIL_NONE;
}

/* Appends one line and makes it durable before going on. */
static int append(struct sfa_mail_journal *j, json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	struct sfa_buf b = SFA_BUF_INIT;
	int err = 0;

	sfa_buf_addf(&b, "%s\n", line);
	free(line);
	if (write(j->fd, b.buf, b.len) != (ssize_t)b.len || fdatasync(j->fd) < 0)
		err = sfa_error_set(SFA_ESTORE, "cannot write '%s': %s", j->path, strerror(errno));
	sfa_buf_release(&b);
	json_decref(o);
	return err;
}

static void set_text(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

int sfa_mail_journal_begin(struct sfa_mail_journal *j, const struct sfa_mail_entry *in)
{
	json_t *o = json_object();
	struct entry *e;
	int err;

	json_object_set_new(o, "op", json_string("begin"));
	set_text(o, "message_id", in->message_id);
	set_text(o, "record_id", in->record_id);
	set_text(o, "record_type", in->record_type);
	set_text(o, "to", in->to);
	set_text(o, "from", in->from);
	set_text(o, "subject", in->subject);
	set_text(o, "account", in->account);
	set_text(o, "owner", in->owner);
	json_object_set_new(o, "at", json_integer((json_int_t)in->at));
	if ((err = append(j, o)) < 0)
		return err;
	SFA_ALLOC_GROW(j->v, j->n + 1, j->alloc);
	e = &j->v[j->n++];
	memset(e, 0, sizeof(*e));
	e->message_id = sfa_xstrdup(in->message_id);
	e->record_id = dup_or_null(in->record_id);
	e->record_type = dup_or_null(in->record_type);
	e->to = dup_or_null(in->to);
	e->from = dup_or_null(in->from);
	e->subject = dup_or_null(in->subject);
	e->account = dup_or_null(in->account);
	e->owner = dup_or_null(in->owner);
	e->at = in->at;
	e->state = SFA_MAIL_PENDING;
	return 0;
}

int sfa_mail_journal_end(struct sfa_mail_journal *j, const struct sfa_mail_entry *in)
{
	struct entry *e = find_entry(j, in->message_id);
	json_t *o = json_object();
	int err;

	json_object_set_new(o, "op", json_string("end"));
	set_text(o, "message_id", in->message_id);
	json_object_set_new(o, "state", json_string(state_names[in->state]));
	set_text(o, "reply", in->reply);
	if ((err = append(j, o)) < 0)
		return err;
	if (e) {
		e->state = in->state;
		e->ended = 1;
		free(e->reply);
		e->reply = dup_or_null(in->reply);
	}
	return 0;
}

size_t sfa_mail_journal_unrecorded(const struct sfa_mail_journal *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->n; i++)
		n += j->v[i].state != SFA_MAIL_NONE;
	return n;
}

/* The activity that records send `e`. */
static json_t *activity_of(const struct sfa_mail_journal *j, const struct entry *e, enum sfa_mail_state state)
{
	json_t *a = json_object();
	struct sfa_buf outcome = SFA_BUF_INIT;
	char at[21];

	sfa_time_iso(at, e->at);
	json_object_set_new(a, "type", json_string("email"));
	json_object_set_new(a, "direction", json_string("out"));
	json_object_set_new(a, "subject", json_string(e->subject && *e->subject ? e->subject : "(no subject)"));
	json_object_set_new(a, "campaign", json_string(j->campaign));
	json_object_set_new(a, "message_id", json_string(e->message_id));
	set_text(a, "mail_to", e->to);
	set_text(a, "mail_from", e->from);
	set_text(a, "related_to", e->record_id);
	set_text(a, "account", e->account);
	set_text(a, "owner", e->owner);
	json_object_set_new(a, "done", json_boolean(state == SFA_MAIL_SENT));
	if (state == SFA_MAIL_SENT)
		json_object_set_new(a, "done_at", json_string(at));
	else
		json_object_set_new(a, "due_at", json_string(at));
	sfa_buf_addstr(&outcome, state == SFA_MAIL_SENT ? "sent" : state == SFA_MAIL_FAILED ? "failed" : "unknown");
	if (state != SFA_MAIL_SENT && e->reply && *e->reply)
		sfa_buf_addf(&outcome, ": %s", e->reply);
	json_object_set_new(a, "outcome", json_string(outcome.buf));
	sfa_buf_release(&outcome);
	return a;
}

int sfa_mail_journal_record(struct sfa_mail_journal *j, const char *command)
{
	struct sfa_schema_opts so = { NULL, j->s };
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	size_t counts[5] = { 0 }, recorded = 0;
	int err;

	if (!j->n)
		return 0;
	if ((err = sfa_txn_begin(&txn, j->s, 0)) < 0)
		return err;
	/* another run may have recorded some of these meanwhile (after a crash between commit and truncate) */
	if ((err = load_stored(j)) < 0)
		goto done;
	for (size_t i = 0; i < j->n; i++) {
		struct entry *e = &j->v[i];
		enum sfa_mail_state state = e->state == SFA_MAIL_PENDING ? SFA_MAIL_UNKNOWN : e->state;
		struct stored *st = find_stored(j, e->message_id);
		json_t *a;
		char id[SFA_ID_LEN + 1];
		if (state == SFA_MAIL_NONE || (st && st->state == state))
			continue;
		a = activity_of(j, e, state);
		if (st) {	/* resent after an unknown outcome: the same activity says how it ended */
			int changed;
			err = sfa_update_txn(j->s, txn, &sfa_type_activity, st->activity, a, &so, 0, &changed);
		} else {
			/* the record mailed may be gone by now; the mail stays in the history all the same */
			if (e->record_id && sfa_store_find(j->s, NULL, e->record_id, NULL, id) < 0) {
				sfa_error_clear();
				json_object_del(a, "related_to");
			}
			err = sfa_add_txn(j->s, txn, &sfa_type_activity, a, &so, id);
		}
		json_decref(a);
		if (err < 0) {
			sfa_error_prefix(err, "recording the mail to %s: ", e->to ? e->to : e->message_id);
			goto done;
		}
		counts[state]++;
		recorded++;
	}
	sfa_buf_addf(&msg, "%s: campaign %s: %zu sent", command, j->campaign, counts[SFA_MAIL_SENT]);
	if (counts[SFA_MAIL_FAILED])
		sfa_buf_addf(&msg, ", %zu failed", counts[SFA_MAIL_FAILED]);
	if (counts[SFA_MAIL_UNKNOWN])
		sfa_buf_addf(&msg, ", %zu unknown", counts[SFA_MAIL_UNKNOWN]);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
	if (err < 0)
		goto done;
	/* in the store now: the journal starts over */
	if (ftruncate(j->fd, 0) < 0 || fdatasync(j->fd) < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot empty '%s': %s", j->path, strerror(errno));
		goto done;
	}
	for (size_t i = 0; i < j->n; i++)
		entry_release(&j->v[i]);
	j->n = 0;
	err = load_stored(j);
done:
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	return err < 0 ? err : (int)recorded;
}
