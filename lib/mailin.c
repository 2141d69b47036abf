/* Incoming mail logged on the history of the contact or lead who sent it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/mailin.h"
#include "sfa/match.h"
#include "sfa/record.h"
#include "sfa/stream.h"
#include "sfa/banned.h"

#define EXCERPT_DEFAULT 2000
/*
 * Earlier messages a reply names (In-Reply-To, then References from the
 * nearest back) and tracking numbers it quotes that are looked up: a long
 * thread's oldest references and a pasted list of numbers add nothing.
 */
#define PARENTS_MAX 32
#define QUOTED_MAX 8
/* Lost draws of a new tracking number (one already in use) before giving up. */
#define DRAWS_MAX 8

/* A character of sfa's id alphabet in any case: Crockford's base32 has no I, L, O, U. */
static int tracking_char(int c)
{
	c = tolower(c);
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z' && !strchr("ilou", c));
}

static int word_char(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * The next tracking number in `s`, in capitals, to `out`; returns where
 * the scan goes on, or NULL when there is none. It must stand as a word of
 * its own: "XT-..." and a ninth character are something else.
 */
static const char *next_tracking(const char *s, char out[SFA_TRACKING_LEN + 1])
{
	for (const char *p = s; *p; p++) {
		size_t n = 0;
		if ((*p != 'T' && *p != 't') || p[1] != '-' || (p > s && word_char((unsigned char)p[-1])))
			continue;
		while (n < SFA_TRACKING_LEN - 2 && tracking_char((unsigned char)p[2 + n]))
			n++;
		if (n < SFA_TRACKING_LEN - 2 || word_char((unsigned char)p[SFA_TRACKING_LEN]))
			continue;
		out[0] = 'T';
		out[1] = '-';
		for (size_t i = 2; i < SFA_TRACKING_LEN; i++)
			out[i] = (char)toupper((unsigned char)p[i]);
		out[SFA_TRACKING_LEN] = '\0';
		return p + SFA_TRACKING_LEN;
	}
	return NULL;
}

int sfa_mailin_find_tracking(const char *text, char out[SFA_TRACKING_LEN + 1])
{
	return text && next_tracking(text, out) ? 1 : 0;
}

int sfa_mailin_tracking(char out[SFA_TRACKING_LEN + 1])
{
	char id[SFA_ID_LEN + 1];
	int err = sfa_id_new(id);

	if (err < 0)
		return err;
	out[0] = 'T';
	out[1] = '-';
	for (size_t i = 2; i < SFA_TRACKING_LEN; i++)
		out[i] = (char)toupper((unsigned char)id[i - 2]);
	out[SFA_TRACKING_LEN] = '\0';
	return 0;
}

/* An activity found for the message: one it replies to, or one that has a quoted number. */
struct hit {
	char id[SFA_ID_LEN + 1];	/* "" when none was found */
	char thread[SFA_ID_LEN + 1];	/* its "thread", or "" */
	char tracking[SFA_TRACKING_LEN + 1];	/* or "" */
	char *campaign;
	int out;			/* direction "out": mail sfa sent */
};

/* What the store holds about one message, read in one pass over the activities. */
struct earlier {
	const char *message_id;			/* or NULL */
	const char *parents[PARENTS_MAX];	/* ids it replies to, nearest first */
	struct hit parent[PARENTS_MAX];
	size_t nparents;
	char quoted[QUOTED_MAX][SFA_TRACKING_LEN + 1];
	struct hit quote[QUOTED_MAX];
	size_t nquoted;
	char fresh[SFA_TRACKING_LEN + 1];	/* the new number it would get */
	int fresh_taken;
	char duplicate[SFA_ID_LEN + 1];		/* the activity with its Message-ID, or "" */
	char *refs;				/* the References copy `parents` point into */
};

static void earlier_release(struct earlier *e)
{
	for (size_t i = 0; i < e->nparents; i++)
		free(e->parent[i].campaign);
	for (size_t i = 0; i < e->nquoted; i++)
		free(e->quote[i].campaign);
	free(e->refs);
}

static void add_parent(struct earlier *e, const char *id)
{
	if (!*id || e->nparents >= PARENTS_MAX)
		return;
	for (size_t i = 0; i < e->nparents; i++)
		if (!strcmp(e->parents[i], id))
			return;
	e->parents[e->nparents++] = id;
}

static void add_quoted(struct earlier *e, const char *text)
{
	char t[SFA_TRACKING_LEN + 1];

	while (text && e->nquoted < QUOTED_MAX && (text = next_tracking(text, t))) {
		size_t i = 0;
		while (i < e->nquoted && strcmp(e->quoted[i], t))
			i++;
		if (i == e->nquoted)
			memcpy(e->quoted[e->nquoted++], t, sizeof(t));
	}
}

/* The ids and numbers to look for in `m`. */
static void earlier_init(struct earlier *e, const struct sfa_mime_msg *m)
{
	char *p;

	memset(e, 0, sizeof(*e));
	e->message_id = m->message_id && *m->message_id ? m->message_id : NULL;
	if (m->in_reply_to)
		add_parent(e, m->in_reply_to);
	if (m->references) {
		/* the last reference is the message replied to: walk back from it */
		e->refs = sfa_xstrdup(m->references);
		while ((p = strrchr(e->refs, ' ')) || *e->refs) {
			add_parent(e, p ? p + 1 : e->refs);
			if (!p)
				break;
			*p = '\0';
		}
	}
	add_quoted(e, m->subject);
	add_quoted(e, m->text);
}

static void copy_id(char out[SFA_ID_LEN + 1], const char *id)
{
	if (id && sfa_id_valid(id, strlen(id)))
		memcpy(out, id, SFA_ID_LEN + 1);
	else
		out[0] = '\0';
}

static void fill_hit(struct hit *h, const char *const *v)
{
	copy_id(h->id, v[0]);
	h->out = v[2] && !strcmp(v[2], "out");
	free(h->campaign);
	h->campaign = v[3] && *v[3] ? sfa_xstrdup(v[3]) : NULL;
	h->tracking[0] = '\0';
	if (v[4] && strlen(v[4]) == SFA_TRACKING_LEN)
		memcpy(h->tracking, v[4], SFA_TRACKING_LEN + 1);
	copy_id(h->thread, v[5]);
}

/* Row: id, message_id, direction, campaign, tracking, thread. */
static int on_earlier(const char *const *v, void *data)
{
	struct earlier *e = data;

	if (!v[0] || !sfa_id_valid(v[0], strlen(v[0])))
		return 0;
	if (v[1] && e->message_id && !strcmp(v[1], e->message_id) && !e->duplicate[0])
		copy_id(e->duplicate, v[0]);
	for (size_t i = 0; v[1] && i < e->nparents; i++)
		if (!e->parent[i].id[0] && !strcmp(v[1], e->parents[i]))
			fill_hit(&e->parent[i], v);
	if (!v[4])
		return 0;
	if (!strcmp(v[4], e->fresh))
		e->fresh_taken = 1;
	for (size_t i = 0; i < e->nquoted; i++)
		if (!e->quote[i].id[0] && !strcmp(v[4], e->quoted[i]))
			fill_hit(&e->quote[i], v);
	return 0;
}

/* Adds "FIELD in (values)" as alternative `alt` of the query's OR block. */
static void add_cond(struct sfa_cond *c, const char *field, const char *const *values, size_t n, int alt)
{
	memset(c, 0, sizeof(*c));
	c->field = (char *)field;
	c->op = SFA_OP_IN;
	c->cmp = SFA_CMP_TEXT;
	c->alt = alt;
	c->values = sfa_xcalloc(n, sizeof(*c->values));
	for (size_t i = 0; i < n; i++) {
		struct sfa_buf b = SFA_BUF_INIT;
		/* the index compares the stored JSON text */
		sfa_json_string(&b, values[i], strlen(values[i]));
		c->values[c->nvalues++] = sfa_buf_detach(&b, NULL);
	}
}

/*
 * One pass over the activities finds this message if it was logged, the
 * ones it replies to and those with the numbers it quotes (the store has
 * no index on these fields: a pass per question would read every
 * activity three times). Records added earlier in the transaction count.
 */
static int earlier_find(struct sfa_store *s, struct earlier *e)
{
	static const char *const fields[] = { "id", "message_id", "direction", "campaign", "tracking", "thread", NULL };
	const char *ids[PARENTS_MAX + 1], *numbers[QUOTED_MAX + 1];
	size_t nids = 0, nnumbers = 0, nconds = 0;
	struct sfa_cond conds[2];
	struct sfa_query q = { 0 };
	long n;

	if (e->message_id)
		ids[nids++] = e->message_id;
	for (size_t i = 0; i < e->nparents; i++)
		ids[nids++] = e->parents[i];
	for (size_t i = 0; i < e->nquoted; i++)
		numbers[nnumbers++] = e->quoted[i];
	numbers[nnumbers++] = e->fresh;
	if (nids)
		add_cond(&conds[nconds++], "message_id", ids, nids, 1);
	add_cond(&conds[nconds], "tracking", numbers, nnumbers, (int)nconds + 1);
	nconds++;
	q.type = &sfa_type_activity;
	q.conds = conds;
	q.nconds = nconds;
	q.or_block = 1;
	q.limit = -1;
	n = sfa_index_rows(sfa_store_index(s), &q, fields, on_earlier, e);
	for (size_t i = 0; i < nconds; i++) {
		for (size_t j = 0; j < conds[i].nvalues; j++)
			free(conds[i].values[j]);
		free(conds[i].values);
	}
	return n < 0 ? (int)n : 0;
}

static int take_first(const char *key, const char *id, void *data)
{
	char *out = data;
	if (!*out)
		copy_id(out, id);
	return 0;
}

/*
 * The record with email key `key`, contacts first (a lead's person may
 * have become a contact since): its type and record (new reference), or
 * SFA_ENOTFOUND. Of two with the address, the first by id, so a run
 * again picks the same.
 */
static int find_sender(struct sfa_store *s, const char *key, const struct sfa_type **type, json_t **rec)
{
	static const struct sfa_type *const types[] = { &sfa_type_contact, &sfa_type_lead };
	struct sfa_index *ix = sfa_store_index(s);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char id[SFA_ID_LEN + 1] = "";
		long n = sfa_index_keys(ix, types[i], "email", key, take_first, id);
		if (n < 0)
			return (int)n;
		if (id[0]) {
			*type = types[i];
			return sfa_index_get(ix, types[i], id, rec);
		}
	}
	return SFA_ENOTFOUND;
}

/* `s` (`n` bytes) without blanks around it and the quotes some mailers put around a name; NULL when empty. */
static json_t *name_part(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && (*s == '\'' || *s == '"') && s[n - 1] == *s) {
		s++;
		n -= 2;
	}
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n ? json_stringn(s, n) : NULL;
}

/*
 * A new lead's names from the sender's display name: "Greta Lindqvist"
 * (the last word is the last name), "Lindqvist, Greta", one word as the
 * last name; without a name (or when it is only the address again), the
 * address's local part as the last name.
 */
static void set_names(json_t *lead, const char *name, const char *addr)
{
	json_t *whole = name && !strchr(name, '@') ? name_part(name, strlen(name)) : NULL;
	json_t *first = NULL, *last = NULL;

	if (whole) {
		const char *w = json_string_value(whole), *comma = strchr(w, ','), *space = strrchr(w, ' ');
		if (comma) {
			last = name_part(w, (size_t)(comma - w));
			first = name_part(comma + 1, strlen(comma + 1));
		} else if (space) {
			first = name_part(w, (size_t)(space - w));
			last = name_part(space + 1, strlen(space + 1));
		}
		if (!last) {
			last = first ? first : json_incref(whole);
			first = NULL;
		}
		json_decref(whole);
	} else {
		const char *at = strrchr(addr, '@');
		last = name_part(addr, at ? (size_t)(at - addr) : strlen(addr));
	}
	if (first)
		json_object_set_new(lead, "first_name", first);
	if (last)
		json_object_set_new(lead, "last_name", last);
}

static void set_text(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* The first `chars` characters of `text`, without the blanks at the end. */
static void set_excerpt(json_t *a, const char *text, size_t chars)
{
	size_t n = 0;

	if (!text)
		return;
	for (size_t seen = 0; text[n]; n++) {
		if (((unsigned char)text[n] & 0xc0) != 0x80 && seen++ == chars)
			break;
	}
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	if (n)
		json_object_set_new(a, "notes", json_stringn(text, n));
}

/* When it happened: the Date, unless missing, unreadable or still to come (a sender's clock). */
static void set_done_at(json_t *a, const char *date)
{
	time_t now = sfa_now(), t;
	char iso[21];

	if (date && sfa_time_parse(&t, date) == 0 && t <= now)
		sfa_time_iso(iso, t);
	else
		sfa_time_iso(iso, now);
	json_object_set_new(a, "done_at", json_string(iso));
}

/* The thread a hit belongs to: the activity that began it, when that is still stored, else the hit. */
static const char *thread_of(struct sfa_store *s, const struct hit *h)
{
	git_oid oid;
	if (h->thread[0] && sfa_index_oid(sfa_store_index(s), &sfa_type_activity, h->thread, &oid) == 0)
		return h->thread;
	return h->id;
}

int sfa_mailin_log(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_mime_msg *m,
		   const struct sfa_mailin_opts *o, json_t **out)
{
	struct sfa_schema_opts so = { NULL, s };
	const struct sfa_type *rt = NULL;
	const struct hit *reply = NULL, *tracked = NULL;
	const char *status, *tracking = NULL, *thread = NULL;
	struct sfa_buf key = SFA_BUF_INIT;
	struct earlier e;
	json_t *rec = NULL, *a = NULL;
	char rid[SFA_ID_LEN + 1] = "", aid[SFA_ID_LEN + 1] = "";
	int err;

	*out = NULL;
	earlier_init(&e, m);
	if (!m->from_addr || !*m->from_addr) {
		err = sfa_error_set(SFA_EINPUT, "no sender");
		goto done;
	}
	if (!sfa_match_email_key(&key, m->from_addr)) {
		err = sfa_error_set(SFA_EINPUT, "sender '%s': not an address", m->from_addr);
		goto done;
	}
	for (int draws = 0; ; draws++) {
		if (draws == DRAWS_MAX) {
			err = sfa_error_set(SFA_ESTORE, "no unused tracking number after %d draws", DRAWS_MAX);
			goto done;
		}
		if ((err = sfa_mailin_tracking(e.fresh)) < 0 || (err = earlier_find(s, &e)) < 0)
			goto done;
		if (!e.fresh_taken)
			break;
		/* start over: the hits of this pass would be found again */
		earlier_release(&e);
		earlier_init(&e, m);
	}
	if (e.duplicate[0]) {
		status = "duplicate";
		memcpy(aid, e.duplicate, sizeof(aid));
		goto report;
	}
	err = find_sender(s, key.buf, &rt, &rec);
	if (err == SFA_ENOTFOUND && !(o && o->create_leads)) {
		status = "unmatched";
		err = 0;
		goto report;
	}
	if (err == SFA_ENOTFOUND) {
		rec = json_object();
		json_object_set_new(rec, "email", json_string(m->from_addr));
		set_names(rec, m->from_name, m->from_addr);
		json_object_set_new(rec, "source", json_string("email"));
		set_text(rec, "description", m->subject);
		set_text(rec, "owner", o->owner);
		rt = &sfa_type_lead;
		if ((err = sfa_add_txn(s, txn, rt, rec, &so, rid)) < 0) {
			sfa_error_prefix(err, "new lead for '%s': ", m->from_addr);
			goto done;
		}
		status = "new-lead";
	} else if (err < 0) {
		goto done;
	} else {
		copy_id(rid, sfa_record_text(rec, "id"));
		status = "logged";
	}

	/* the nearest mail sfa sent that this answers; the number quoted, else the thread replied in */
	for (size_t i = 0; i < e.nparents && !reply; i++)
		if (e.parent[i].id[0] && e.parent[i].out)
			reply = &e.parent[i];
	for (size_t i = 0; i < e.nquoted && !tracked; i++)
		if (e.quote[i].id[0])
			tracked = &e.quote[i];
	for (size_t i = 0; i < e.nparents && !tracked; i++)
		if (e.parent[i].id[0] && e.parent[i].tracking[0])
			tracked = &e.parent[i];
	tracking = tracked ? tracked->tracking : e.fresh;
	thread = tracked ? thread_of(s, tracked) : NULL;

	a = json_object();
	json_object_set_new(a, "type", json_string("email"));
	json_object_set_new(a, "direction", json_string("in"));
	json_object_set_new(a, "subject", json_string(m->subject && *m->subject ? m->subject : "(no subject)"));
	json_object_set_new(a, "done", json_true());
	set_done_at(a, m->date);
	set_text(a, "message_id", e.message_id);
	set_text(a, "in_reply_to", m->in_reply_to);
	json_object_set_new(a, "mail_from", json_string(m->from_addr));
	if (m->to_addr && sfa_match_email_key(&key, m->to_addr))
		json_object_set_new(a, "mail_to", json_string(m->to_addr));
	set_excerpt(a, m->text, o && o->excerpt ? o->excerpt : EXCERPT_DEFAULT);
	json_object_set_new(a, "related_to", json_string(rid));
	set_text(a, "account", sfa_record_text(rec, "account"));
	set_text(a, "owner", sfa_record_text(rec, "owner"));
	json_object_set_new(a, "tracking", json_string(tracking));
	if (thread)
		json_object_set_new(a, "thread", json_string(thread));
	if (reply) {
		set_text(a, "campaign", reply->campaign);
		json_object_set_new(a, "reply_to", json_string(reply->id));
	}
	if ((err = sfa_add_txn(s, txn, &sfa_type_activity, a, &so, aid)) < 0) {
		sfa_error_prefix(err, "mail from '%s': ", m->from_addr);
		goto done;
	}

report:
	*out = json_pack("{s:s?, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
			 "message_id", e.message_id, "from", m->from_addr, "subject", m->subject,
			 "status", status, "record", rid[0] ? rid : NULL, "record_type", rt ? rt->name : NULL,
			 "activity", aid[0] ? aid : NULL, "tracking", a ? tracking : NULL,
			 "campaign", reply ? reply->campaign : NULL, "thread", a ? thread : NULL);
done:
	json_decref(a);
	json_decref(rec);
	sfa_buf_release(&key);
	earlier_release(&e);
	return err;
}
