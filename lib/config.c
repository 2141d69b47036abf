/* Configuration files in the store: reading, checking, and errors with lines. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/access.h"
#include "sfa/assign.h"
#include "sfa/config.h"
#include "sfa/mail.h"
#include "sfa/lead.h"
#include "sfa/pipeline.h"
#include "sfa/quote.h"
#include "sfa/quoting.h"
#include "sfa/record.h"
#include "sfa/schema.h"
#include "sfa/sync.h"
#include "sfa/score.h"
#include "sfa/error.h"
#include "sfa/store.h"
#include "sfa/report.h"
#include "sfa/banned.h"

/* One part of a JSON path: a key or an array position. */
struct part {
	const char *key;	/* NULL for a position */
	size_t keylen;
	long pos;
};

#define PATH_MAX_PARTS 32

static size_t split_path(const char *path, struct part *parts)
{
	size_t n = 0;
	const char *p = path;

	while (*p && n < PATH_MAX_PARTS) {
		struct part *pt = &parts[n];
		if (*p == '.') {
			p++;
			continue;
		}
		if (p[0] == '[' && p[1] == '"') {
			const char *e = strstr(p + 2, "\"]");
			if (!e)
				break;
			pt->key = p + 2;
			pt->keylen = (size_t)(e - p - 2);
			p = e + 2;
		} else if (*p == '[') {
			char *end;
			pt->key = NULL;
			pt->pos = strtol(p + 1, &end, 10);
			if (*end != ']')
				break;
			p = end + 1;
		} else {
			size_t k = strcspn(p, ".[");
			pt->key = p;
			pt->keylen = k;
			p += k;
		}
		n++;
	}
	return n;
}

/* Where the scanner is: an object (with the key being read) or an array. */
struct frame {
	int array;
	long pos;
	const char *key;
	size_t keylen;
};

size_t sfa_config_line(const char *text, size_t len, const char *path)
{
	struct part parts[PATH_MAX_PARTS];
	struct frame st[PATH_MAX_PARTS + 1];
	size_t nparts = split_path(path, parts), depth = 0, best = 0, bestk = 0, line = 1, i = 0;
	size_t skipped = 0;	/* frames deeper than the stack holds */
	int want_key = 0;

	while (i < len) {
		char c = text[i];
		int value = 0;
		if (c == '\n')
			line++;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':') {
			i++;
			continue;
		}
		if (c == ',') {
			if (depth && !skipped) {
				if (st[depth - 1].array)
					st[depth - 1].pos++;
				else
					want_key = 1;
			}
			i++;
			continue;
		}
		if (c == '}' || c == ']') {
			if (skipped)
				skipped--;
			else if (depth)
				depth--;
			want_key = 0;
			i++;
			continue;
		}
		if (c == '"') {
			size_t start = ++i;
			while (i < len && text[i] != '"') {
				if (text[i] == '\\')
					i++;
				else if (text[i] == '\n')
					line++;
				i++;
			}
			if (want_key && depth && !skipped) {
				st[depth - 1].key = text + start;
				st[depth - 1].keylen = i - start;
				want_key = 0;
				i++;
				continue;
			}
			value = 1;
			i++;
		} else if (c == '{' || c == '[') {
			value = 1;
		} else {
			value = 1;
			while (i < len && !strchr(",:]} \t\r\n", text[i]))
				i++;
		}
		if (value && !skipped && depth >= 1 && depth <= nparts && depth > bestk) {
			size_t k = 0;
			while (k < depth) {
				const struct part *p = &parts[k];
				const struct frame *f = &st[k];
				if (p->key ? (f->array || f->keylen != p->keylen || memcmp(f->key, p->key, p->keylen))
					   : (!f->array || f->pos != p->pos))
					break;
				k++;
			}
			if (k == depth) {
				bestk = depth;
				best = line;
			}
		}
		if (c == '{' || c == '[') {
			if (skipped || depth == PATH_MAX_PARTS + 1) {
				skipped++;
			} else {
				st[depth].array = c == '[';
				st[depth].pos = 0;
				st[depth].key = NULL;
				st[depth].keylen = 0;
				depth++;
				want_key = c == '{';
			}
			i++;
		}
	}
	return best;
}

int sfa_config_parse(json_t **out, const char *file, const char *text, size_t len)
{
	json_error_t je;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!v)
		return sfa_error_set(SFA_EINPUT, "%s:%d: %s", file, je.line > 0 ? je.line : 1, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return sfa_error_set(SFA_EINPUT, "%s:1: expected a JSON object", file);
	}
	*out = v;
	return 0;
}

int sfa_config_error(int code, const char *file, const char *text, size_t len)
{
	const char *msg = sfa_error_last();
	size_t plen = strcspn(msg, " "), line;
	char path[256];

	/* "PATH: reason": the path is the first word, ending in ':' */
	if (plen > 1 && plen < sizeof(path) && msg[plen - 1] == ':' && msg[plen] == ' ') {
		memcpy(path, msg, plen - 1);
		path[plen - 1] = '\0';
		line = sfa_config_line(text, len, path);
		if (line)
			return sfa_error_prefix(code, "%s:%zu: ", file, line);
	}
	return sfa_error_prefix(code, "%s: ", file);
}

int sfa_config_read(struct sfa_store *s, const char *file, json_t **out, struct sfa_buf *text)
{
	struct sfa_buf b = SFA_BUF_INIT;
	int err;

	*out = NULL;
	if ((err = sfa_store_read_file(s, file, &b)) < 0)
		goto done;
	err = sfa_config_parse(out, file, b.buf, b.len);
	if (err == SFA_EINPUT)
		err = SFA_ESTORE;	/* stored, so the store is what is broken */
	if (!err && text)
		sfa_buf_add(text, b.buf, b.len);
done:
	sfa_buf_release(&b);
	return err;
}

const struct sfa_config_file *sfa_config_find(const char *name)
{
	for (const struct sfa_config_file *f = sfa_config_files; f->name; f++) {
		if (!strcmp(f->name, name))
			return f;
		/* "schema" and "schema.json" name config/schema.json too */
		const char *base = f->name + strlen("config/");
		size_t bl = strlen(base) - strlen(".json");
		if (!strcmp(base, name) || (strlen(name) == bl && !memcmp(base, name, bl)))
			return f;
	}
	return NULL;
}

int sfa_config_check(struct sfa_store *s, const struct sfa_config_file *f, const char *text, size_t len)
{
	json_t *cfg = NULL;
	int err;

	if (f->check_text)
		return f->check_text(s, text, len);
	if ((err = sfa_config_parse(&cfg, f->name, text, len)) < 0)
		return err;
	if (f->check && (err = f->check(s, cfg)) < 0)
		err = sfa_config_error(err, f->name, text, len);
	json_decref(cfg);
	return err;
}

/* --- building checkers' messages ------------------------------------------------ */

/* A key that can stand in a path as it is (no '.', '[', quote or blank). */
static int plain_key(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++) {
		unsigned char c = (unsigned char)*k;
		if (c < 0x80 && !isalnum(c) && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

size_t sfa_config_path_key(struct sfa_buf *path, const char *key)
{
	size_t old = path->len;

	if (!plain_key(key))
		sfa_buf_addf(path, "[\"%s\"]", key);
	else
		sfa_buf_addf(path, "%s%s", path->len ? "." : "", key);
	return old;
}

size_t sfa_config_path_index(struct sfa_buf *path, size_t i)
{
	size_t old = path->len;

	sfa_buf_addf(path, "[%zu]", i);
	return old;
}

int sfa_config_bad(const struct sfa_buf *path, const char *fmt, ...)
{
	struct sfa_buf msg = SFA_BUF_INIT;
	va_list ap;

	if (path->len) {
		sfa_buf_add(&msg, path->buf, path->len);
		sfa_buf_addstr(&msg, ": ");
	}
	va_start(ap, fmt);
	sfa_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	sfa_error_set(SFA_EINPUT, "%s", msg.buf);
	sfa_buf_release(&msg);
	return SFA_EINPUT;
}

int sfa_config_check_keys(struct sfa_buf *path, const json_t *obj, const char *const *known)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		struct sfa_buf list = SFA_BUF_INIT;
		size_t i, old;

		for (i = 0; known[i] && strcmp(known[i], k); i++)
			;
		if (known[i])
			continue;
		for (i = 0; known[i]; i++)
			sfa_buf_addf(&list, "%s%s", i ? ", " : "", known[i]);
		if (plain_key(k)) {
			old = sfa_config_path_key(path, k);
			sfa_config_bad(path, "unknown key (expected one of: %s)", list.buf);
			sfa_buf_setlen(path, old);
		} else {
			sfa_config_bad(path, "unknown key '%s' (expected one of: %s)", k, list.buf);
		}
		sfa_buf_release(&list);
		return SFA_EINPUT;
	}
	return 0;
}

/* --- the files and their checkers ------------------------------------------------ */

static int check_scoring(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_score_rules *r = NULL;
	int err = sfa_lead_scoring_parse(&r, cfg);
	sfa_score_free(r);
	return err;
}

/* Every rep the teams of assignment rules name, as users without keys. */
static json_t *named_reps(const json_t *cfg)
{
	json_t *users = json_object(), *team, *rep;
	const char *k;
	size_t i;

	json_object_foreach(json_object_get(cfg, "teams"), k, team)
		json_array_foreach(json_object_get(team, "reps"), i, rep)
			if (json_is_string(rep))
				json_object_set_new(users, json_string_value(rep), json_object());
	return users;
}

/*
 * Assignment rules name users: checked against the store's users. Without
 * a store (a pushed file checked on its own) every rep named passes.
 */
static int check_assignment(struct sfa_store *s, const json_t *cfg)
{
	struct sfa_assign *a = NULL;
	json_t *users = NULL;
	int err = s ? sfa_config_read(s, "config/users.json", &users, NULL) : 0;

	if (!s)
		users = named_reps(cfg);
	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_EINPUT, "teams: the store has no config/users.json to name reps from");
	if (err < 0)
		return err;
	err = sfa_assign_new(&a, cfg, users, NULL);
	sfa_assign_free(a);
	json_decref(users);
	return err;
}

static int check_users(struct sfa_store *s, const json_t *cfg)
{
	static const char *const roles[] = { "rep", "manager", "director", "admin", NULL };
	json_t *no_rules = json_pack("{s[]s{}}", "territories", "teams");
	struct sfa_assign *a = NULL;
	const char *k;
	json_t *u;
	int err;

	json_object_foreach((json_t *)cfg, k, u) {
		json_t *role = json_object_get(u, "role"), *email = json_object_get(u, "email");
		size_t i;
		if (!json_is_object(u)) {
			err = sfa_error_set(SFA_EINPUT, "%s: expected an object like {\"name\": ..., \"role\": \"rep\"}", k);
			goto done;
		}
		for (i = 0; role && roles[i]; i++)
			if (json_is_string(role) && !strcmp(json_string_value(role), roles[i]))
				break;
		if (role && !roles[i]) {
			err = sfa_error_set(SFA_EINPUT, "%s.role: expected rep, manager, director or admin", k);
			goto done;
		}
		if (email && (!json_is_string(email) || !strchr(json_string_value(email), '@'))) {
			err = sfa_error_set(SFA_EINPUT, "%s.email: not an address", k);
			goto done;
		}
	}
	/* capacity, away and the ids themselves, as assignment reads them */
	if ((err = sfa_assign_new(&a, no_rules, cfg, NULL)) < 0 && !strncmp(sfa_error_last(), "users.", 6)) {
		char *msg = sfa_xstrdup(sfa_error_last() + 6);
		sfa_error_set(err, "%s", msg);
		free(msg);
	}
	/* team, territory and manager, as the access rules read them */
	if (err == 0)
		err = sfa_access_check_users(s, cfg);
done:
	sfa_assign_free(a);
	json_decref(no_rules);
	return err;
}

static int check_maps(struct sfa_store *s, const json_t *cfg)
{
	const char *name, *from;
	json_t *map, *to;

	json_object_foreach((json_t *)cfg, name, map) {
		if (sfa_field_name_check(name) < 0)
			return sfa_error_prefix(SFA_EINPUT, "%s: ", name);
		if (!json_is_object(map))
			return sfa_error_set(SFA_EINPUT, "%s: expected {\"Column Name\": \"field\", ...}", name);
		json_object_foreach(map, from, to)
			if (!json_is_string(to) || sfa_field_name_check(json_string_value(to)) < 0)
				return sfa_error_set(SFA_EINPUT, "%s.%s: not a field name", name, from);
	}
	(void)s;
	return 0;
}

const struct sfa_config_file sfa_config_files[] = {
	{ "config/access.json", "access rules: on when present; who reads what", sfa_access_check_config, NULL },
	{ "config/assignment.json", "territories, teams and how leads are given to reps", check_assignment, NULL },
	{ "config/mail.json", "mail: sender, SMTP server, unsubscribe link, batches, retries", sfa_mail_check_config,
	  NULL },
	{ "config/maps.json", "import maps kept by name (--map NAME)", check_maps, NULL },
	{ "config/pipelines.json", "sales processes: stages, probabilities, required fields, moves",
	  sfa_pipelines_check_config, NULL },
	{ "config/schema.json", "fields of each record type: type, required, default", sfa_schema_check_config, NULL },
	{ "config/pricebooks.json", "price books: currency, region, segment, fallback, tiers",
	  sfa_pricebooks_check_config, NULL },
	{ "config/quotas.json", "sales quotas per rep and period, for forecast reports", sfa_report_check_quotas, NULL },
	{ "config/quote.html", "the quote document customers receive (a template)", NULL, sfa_quote_template_check },
	{ "config/quoting.json", "quotes: company, rounding, tax, discounts, approvals, bundles, rules",
	  sfa_quoting_check_config, NULL },
	{ "config/rates.json", "exchange rates for reports in one currency", sfa_report_check_rates, NULL },
	{ "config/scoring.json", "lead scoring rules, grades, decay, learned score", check_scoring, NULL },
	{ "config/sync.json", "sync: the rule for a field changed on both sides", sfa_sync_check_config, NULL },
	{ "config/users.json", "users: name, email, role, team, territory, manager, capacity, away", check_users,
	  NULL },
	{ NULL, NULL, NULL, NULL }
};
