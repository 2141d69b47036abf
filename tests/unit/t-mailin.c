#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/mailin.h"
#include "sfa/mime.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "unit.h"
#include "sfa/banned.h"

#define NOW "2026-11-24T10:00:00Z"

static const struct sfa_type *const A = &sfa_type_activity;

/* A new store in the test's directory, open; NULL when that fails. */
static struct sfa_store *new_store(const char *name)
{
	struct sfa_buf p = SFA_BUF_INIT;
	struct sfa_store *s = NULL;

	sfa_buf_addf(&p, "%s/%s", unit_tmpdir(), name);
	if (!CHECK_INT(sfa_store_init(p.buf), 0) || !CHECK_INT(sfa_store_open(&s, p.buf), 0))
		s = NULL;
	sfa_buf_release(&p);
	return s;
}

/* Adds a record of type `t` from `text` (JSON); its id in `id`, "" when refused. */
static void add(struct sfa_store *s, const struct sfa_type *t, const char *text, char id[SFA_ID_LEN + 1])
{
	json_t *rec = unit_json(text);

	id[0] = '\0';
	if (!rec || !CHECK_INT(sfa_add(s, t, rec, "unit", id), 0)) {
		printf("# refused: %s: %s\n", text, sfa_error_last());
		id[0] = '\0';
	}
	json_decref(rec);
}

/* A stored record (new reference), or NULL. */
static json_t *get(struct sfa_store *s, const struct sfa_type *t, const char *id)
{
	json_t *rec = NULL;
	if (sfa_index_get(sfa_store_index(s), t, id, &rec) < 0)
		return NULL;
	return rec;
}

/* Field `k` of `o` as text, "(none)" when missing or null (valid while `o` lives). */
static const char *text(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!v || json_is_null(v))
		return "(none)";
	if (json_is_true(v))
		return "true";
	return json_is_string(v) ? json_string_value(v) : "(not text)";
}

/* The field names of `o`, sorted, comma-separated (valid until the next call). */
static const char *keys(const json_t *o)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	const char *names[64];
	size_t n = 0;
	const char *k;
	json_t *v;

	sfa_buf_reset(&b);
	json_object_foreach((json_t *)o, k, v)
		if (n < 64)
			names[n++] = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		sfa_buf_addf(&b, "%s%s", i ? "," : "", names[i]);
	return b.buf;
}

static int count_one(const json_t *rec, void *data)
{
	(void)rec;
	(void)data;
	return 0;
}

static long count(struct sfa_store *s, const struct sfa_type *t)
{
	struct sfa_query q = { 0 };
	q.type = t;
	q.limit = -1;
	return sfa_index_list(sfa_store_index(s), &q, count_one, NULL);
}

/* A message as the parser gives it; the strings are the test's own, never freed. */
static struct sfa_mime_msg msg(char *from_name, char *from_addr, char *subject, char *message_id, char *text)
{
	struct sfa_mime_msg m;
	memset(&m, 0, sizeof(m));
	m.from_name = from_name;
	m.from_addr = from_addr;
	m.to = "Sales <sales@ourco.example>";
	m.to_addr = "sales@ourco.example";
	m.subject = subject;
	m.date = "2026-11-20T09:30:00Z";
	m.message_id = message_id;
	m.text = text;
	return m;
}

/*
 * Logs `m` in a transaction of its own and commits it: the row reported
 * (new reference), or NULL when sfa_mailin_log failed with `*err`.
 */
static json_t *log_one(struct sfa_store *s, const struct sfa_mime_msg *m, const struct sfa_mailin_opts *o, int *err)
{
	struct sfa_txn *txn = NULL;
	json_t *row = NULL;
	int rc;

	if (!CHECK_INT(sfa_txn_begin(&txn, s, 0), 0))
		return NULL;
	rc = sfa_mailin_log(s, txn, m, o, &row);
	if (err)
		*err = rc;
	if (rc < 0) {
		CHECK(row == NULL);
		sfa_txn_free(txn);
		return NULL;
	}
	CHECK_INT(sfa_txn_commit(txn, "unit: mail", NULL), 0);
	return row;
}

/* A tracking number: "T-" and eight capitals or digits of the id alphabet. */
static int tracking_ok(const char *t)
{
	char back[SFA_TRACKING_LEN + 1];
	if (strlen(t) != SFA_TRACKING_LEN || strncmp(t, "T-", 2))
		return 0;
	for (size_t i = 2; i < SFA_TRACKING_LEN; i++)
		if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", t[i]))
			return 0;
	return sfa_mailin_find_tracking(t, back) == 1 && !strcmp(back, t);
}

static void test_contact(void)
{
	struct sfa_store *s = new_store("contact");
	char acc[SFA_ID_LEN + 1], con[SFA_ID_LEN + 1], lead[SFA_ID_LEN + 1];
	struct sfa_mime_msg m;
	json_t *row, *a, *c;

	if (!s)
		return;
	add(s, &sfa_type_account, "{\"name\": \"Acme Pumps\"}", acc);
	add(s, &sfa_type_lead, "{\"last_name\": \"Berg\", \"email\": \"ann@acme.example\", \"owner\": \"lead-owner\"}", lead);
	{
		struct sfa_buf b = SFA_BUF_INIT;
		sfa_buf_addf(&b, "{\"first_name\": \"Ann\", \"last_name\": \"Berg\", \"email\": \"ann@acme.example\","
			     " \"owner\": \"maria\", \"account\": \"%s\"}", acc);
		add(s, &sfa_type_contact, b.buf, con);
		sfa_buf_release(&b);
	}
	m = msg("Ann Berg", "ann@acme.example", "Pump order", "m1@acme.example", "Hello,\nwe need 12 pumps.\n\n");
	row = log_one(s, &m, NULL, NULL);
	if (!CHECK(row != NULL)) {
		printf("# %s\n", sfa_error_last());
		sfa_store_free(s);
		return;
	}
	/* a contact is taken before a lead with the same address */
	CHECK_STR(text(row, "status"), "logged");
	CHECK_STR(text(row, "record"), con);
	CHECK_STR(text(row, "record_type"), "contact");
	CHECK_STR(text(row, "message_id"), "m1@acme.example");
	CHECK_STR(text(row, "from"), "ann@acme.example");
	CHECK_STR(text(row, "subject"), "Pump order");
	CHECK_STR(text(row, "campaign"), "(none)");
	CHECK_STR(text(row, "thread"), "(none)");
	CHECK(tracking_ok(text(row, "tracking")));
	CHECK_STR(keys(row), "activity,campaign,from,message_id,record,record_type,status,subject,thread,tracking");
	CHECK_INT(count(s, A), 1);

	a = get(s, A, text(row, "activity"));
	if (CHECK(a != NULL)) {
		CHECK_STR(keys(a), "account,created_at,direction,done,done_at,id,mail_from,mail_to,message_id,notes,"
			  "owner,related_to,related_type,subject,tracking,type");
		CHECK_STR(text(a, "type"), "email");
		CHECK_STR(text(a, "direction"), "in");
		CHECK_STR(text(a, "subject"), "Pump order");
		CHECK_STR(text(a, "done"), "true");
		CHECK_STR(text(a, "done_at"), "2026-11-20T09:30:00Z");
		CHECK_STR(text(a, "message_id"), "m1@acme.example");
		CHECK_STR(text(a, "mail_from"), "ann@acme.example");
		CHECK_STR(text(a, "mail_to"), "sales@ourco.example");
		CHECK_STR(text(a, "notes"), "Hello,\nwe need 12 pumps.");
		CHECK_STR(text(a, "related_to"), con);
		CHECK_STR(text(a, "related_type"), "contact");
		CHECK_STR(text(a, "account"), acc);
		CHECK_STR(text(a, "owner"), "maria");
		CHECK_STR(text(a, "tracking"), text(row, "tracking"));
		CHECK_STR(text(a, "created_at"), NOW);
	}
	/* the contact was touched when the mail came */
	c = get(s, &sfa_type_contact, con);
	CHECK_STR(text(c, "last_activity_at"), "2026-11-20T09:30:00Z");
	json_decref(c);
	json_decref(a);
	json_decref(row);

	/* no Date, no Subject, a Date still to come */
	m = msg(NULL, "ann@acme.example", NULL, "m2@acme.example", "");
	m.date = NULL;
	m.to_addr = "not an address";
	row = log_one(s, &m, NULL, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	if (CHECK(a != NULL)) {
		CHECK_STR(text(a, "done_at"), NOW);
		CHECK_STR(text(a, "subject"), "(no subject)");
		CHECK_STR(text(a, "notes"), "(none)");
		CHECK_STR(text(a, "mail_to"), "(none)");
		CHECK_STR(text(row, "subject"), "(none)");
	}
	json_decref(a);
	json_decref(row);
	m = msg(NULL, "ann@acme.example", "From the future", "m3@acme.example", "x");
	m.date = "2031-01-01T00:00:00Z";
	row = log_one(s, &m, NULL, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(a ? text(a, "done_at") : "(no activity)", NOW);
	json_decref(a);
	json_decref(row);
	sfa_store_free(s);
}

static void test_lead_and_case(void)
{
	struct sfa_store *s = new_store("lead");
	char lead[SFA_ID_LEN + 1], con[SFA_ID_LEN + 1];
	struct sfa_mime_msg m;
	json_t *row, *a;

	if (!s)
		return;
	add(s, &sfa_type_lead, "{\"first_name\": \"Ivo\", \"last_name\": \"Petrov\", \"email\": \"ivo@petrov.example\","
	    " \"owner\": \"georgi\"}", lead);
	add(s, &sfa_type_contact, "{\"last_name\": \"Ek\", \"email\": \"Bo.Ek@Firm.example\"}", con);

	m = msg("Ivo", "ivo@petrov.example", "Question", "q1@petrov.example", "Price?");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	CHECK_STR(text(row, "record"), lead);
	CHECK_STR(text(row, "record_type"), "lead");
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "related_to"), lead);
	CHECK_STR(text(a, "related_type"), "lead");
	CHECK_STR(text(a, "owner"), "georgi");
	CHECK_STR(text(a, "account"), "(none)");
	json_decref(a);
	json_decref(row);

	/* the address in another case is the same mailbox, either way round */
	m = msg(NULL, "bo.ek@FIRM.EXAMPLE", "Hi", "c1@firm.example", "Hi");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	CHECK_STR(text(row, "record"), con);
	json_decref(row);
	m = msg(NULL, "IVO@Petrov.Example", "Hi", "c2@petrov.example", "Hi");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "record"), lead);
	json_decref(row);
	/* but another address at the same company is not */
	m = msg(NULL, "bo@firm.example", "Hi", "c3@firm.example", "Hi");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "unmatched");
	json_decref(row);
	sfa_store_free(s);
}

static void test_reply(void)
{
	struct sfa_store *s = new_store("reply");
	char con[SFA_ID_LEN + 1], out[SFA_ID_LEN + 1], other[SFA_ID_LEN + 1];
	struct sfa_buf b = SFA_BUF_INIT;
	struct sfa_mime_msg m;
	json_t *row, *a;

	if (!s)
		return;
	add(s, &sfa_type_contact, "{\"last_name\": \"Lind\", \"email\": \"eva@lind.example\"}", con);
	sfa_buf_addf(&b, "{\"type\": \"email\", \"direction\": \"out\", \"subject\": \"Spring offer\", \"campaign\": \"spring\","
		     " \"message_id\": \"spring.1@ourco.example\", \"related_to\": \"%s\", \"done\": true}", con);
	add(s, A, b.buf, out);
	sfa_buf_reset(&b);
	/* mail sent by hand, outside any campaign */
	sfa_buf_addf(&b, "{\"type\": \"email\", \"direction\": \"out\", \"subject\": \"Hello\","
		     " \"message_id\": \"hand.1@ourco.example\", \"related_to\": \"%s\", \"done\": true}", con);
	add(s, A, b.buf, other);
	sfa_buf_release(&b);

	m = msg("Eva Lind", "eva@lind.example", "Re: Spring offer", "r1@lind.example", "Yes please");
	m.in_reply_to = "spring.1@ourco.example";
	m.references = "spring.1@ourco.example";
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	CHECK_STR(text(row, "campaign"), "spring");
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "campaign"), "spring");
	CHECK_STR(text(a, "reply_to"), out);
	CHECK_STR(text(a, "in_reply_to"), "spring.1@ourco.example");
	CHECK_STR(text(a, "direction"), "in");
	json_decref(a);
	json_decref(row);

	/* only in References, behind an id the store does not know */
	m = msg(NULL, "eva@lind.example", "Re: Re: Spring offer", "r2@lind.example", "And a pump");
	m.in_reply_to = "elsewhere@lind.example";
	m.references = "spring.1@ourco.example elsewhere@lind.example";
	row = log_one(s, &m, NULL, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "reply_to"), out);
	CHECK_STR(text(a, "campaign"), "spring");
	CHECK_STR(text(a, "in_reply_to"), "elsewhere@lind.example");
	json_decref(a);
	json_decref(row);

	/* the nearest mail answered counts; one sent by hand has no campaign */
	m = msg(NULL, "eva@lind.example", "Re: Hello", "r3@lind.example", "Hello back");
	m.in_reply_to = "hand.1@ourco.example";
	m.references = "spring.1@ourco.example hand.1@ourco.example";
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "campaign"), "(none)");
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "reply_to"), other);
	CHECK_STR(text(a, "campaign"), "(none)");
	json_decref(a);
	json_decref(row);

	/* a reply to mail the store never saw */
	m = msg(NULL, "eva@lind.example", "Re: something", "r4@lind.example", "?");
	m.in_reply_to = "unknown@ourco.example";
	row = log_one(s, &m, NULL, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "reply_to"), "(none)");
	CHECK_STR(text(a, "campaign"), "(none)");
	CHECK_STR(text(a, "in_reply_to"), "unknown@ourco.example");
	json_decref(a);
	json_decref(row);
	sfa_store_free(s);
}

/* Parses `raw`; NULL when the parser refuses. */
static struct sfa_mime_msg *parse(const char *raw)
{
	struct sfa_mime_msg *m = NULL;
	if (!CHECK_INT(sfa_mime_parse(&m, "unit", raw, strlen(raw)), 0))
		return NULL;
	return m;
}

static void test_unknown(void)
{
	struct sfa_store *s = new_store("unknown");
	struct sfa_mailin_opts leads = { 1, "olle", 0 }, none = { 0, NULL, 0 };
	struct sfa_mime_msg *pm, m;
	struct sfa_txn *txn = NULL;
	json_t *row = NULL, *l, *a;
	git_oid before, after;

	if (!s)
		return;
	pm = parse("From: Greta Lindqvist <greta@x.se>\nTo: sales@ourco.example\nSubject: Pumps for Nordic\n"
		   "Date: Fri, 20 Nov 2026 10:00:00 +0100\nMessage-ID: <g1@x.se>\n\nDo you ship to Sweden?\n");
	if (!pm) {
		sfa_store_free(s);
		return;
	}

	/* without create_leads: reported, nothing written */
	CHECK_INT(sfa_store_head(s, &before), 0);
	if (CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
		CHECK_INT(sfa_mailin_log(s, txn, pm, &none, &row), 0);
		CHECK_INT(sfa_txn_count(txn), 0);
		CHECK_INT(sfa_txn_commit(txn, "unit: nothing", NULL), 0);
	}
	CHECK_STR(text(row, "status"), "unmatched");
	CHECK_STR(text(row, "from"), "greta@x.se");
	CHECK_STR(text(row, "message_id"), "g1@x.se");
	CHECK_STR(text(row, "record"), "(none)");
	CHECK_STR(text(row, "activity"), "(none)");
	CHECK_STR(text(row, "tracking"), "(none)");
	json_decref(row);
	row = NULL;
	/* NULL options: the same */
	row = log_one(s, pm, NULL, NULL);
	CHECK_STR(text(row, "status"), "unmatched");
	json_decref(row);
	CHECK_INT(sfa_store_head(s, &after), 0);
	CHECK(git_oid_equal(&before, &after));
	CHECK_INT(count(s, &sfa_type_lead), 0);
	CHECK_INT(count(s, A), 0);

	/* with create_leads: a lead named from the display name, and the mail on it */
	row = log_one(s, pm, &leads, NULL);
	CHECK_STR(text(row, "status"), "new-lead");
	CHECK_STR(text(row, "record_type"), "lead");
	l = row ? get(s, &sfa_type_lead, text(row, "record")) : NULL;
	if (CHECK(l != NULL)) {
		CHECK_STR(text(l, "first_name"), "Greta");
		CHECK_STR(text(l, "last_name"), "Lindqvist");
		CHECK_STR(text(l, "email"), "greta@x.se");
		CHECK_STR(text(l, "source"), "email");
		CHECK_STR(text(l, "description"), "Pumps for Nordic");
		CHECK_STR(text(l, "owner"), "olle");
		CHECK_STR(text(l, "status"), "new");
		CHECK_STR(text(l, "last_activity_at"), "2026-11-20T09:00:00Z");
	}
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "related_to"), text(row, "record"));
	CHECK_STR(text(a, "owner"), "olle");
	CHECK_STR(text(a, "done_at"), "2026-11-20T09:00:00Z");
	CHECK_STR(text(a, "notes"), "Do you ship to Sweden?");
	json_decref(a);
	json_decref(l);
	json_decref(row);
	sfa_mime_free(pm);

	/* a bare address: its local part is the last name; no owner unless asked */
	pm = parse("From: kim.lee@y.example\nSubject: Info\nMessage-ID: <k1@y.example>\n\nSend a catalogue.\n");
	row = pm ? log_one(s, pm, &(struct sfa_mailin_opts){ 1, NULL, 0 }, NULL) : NULL;
	CHECK_STR(text(row, "status"), "new-lead");
	l = row ? get(s, &sfa_type_lead, text(row, "record")) : NULL;
	CHECK_STR(text(l, "last_name"), "kim.lee");
	CHECK_STR(text(l, "first_name"), "(none)");
	CHECK_STR(text(l, "owner"), "(none)");
	json_decref(l);
	json_decref(row);
	sfa_mime_free(pm);

	/* names written last name first, quoted, one word, or the address again */
	{
		static const struct { char *name, *addr, *first, *last; } names[] = {
			{ "Lindqvist, Greta", "gl@n1.example", "Greta", "Lindqvist" },
			{ "'Anna Maria Svensson'", "ams@n2.example", "Anna Maria", "Svensson" },
			{ "Sven", "sven@n3.example", "(none)", "Sven" },
			{ "sam@n4.example", "sam@n4.example", "(none)", "sam" },
			{ "  ", "blank@n5.example", "(none)", "blank" },
		};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			m = msg(names[i].name, names[i].addr, "Hi", NULL, "Hi");
			row = log_one(s, &m, &leads, NULL);
			l = row ? get(s, &sfa_type_lead, text(row, "record")) : NULL;
			CHECK_STR(text(l, "first_name"), names[i].first);
			CHECK_STR(text(l, "last_name"), names[i].last);
			json_decref(l);
			json_decref(row);
		}
	}
	CHECK_INT(count(s, &sfa_type_lead), 7);

	/* two mails of one new sender in one commit (a bulk one too): one lead */
	for (unsigned flags = 0; flags <= SFA_TXN_BULK; flags += SFA_TXN_BULK) {
		char addr[64], first[SFA_ID_LEN + 1] = "";
		long leads_before = count(s, &sfa_type_lead);
		snprintf(addr, sizeof(addr), "twice%u@t.example", flags);
		if (!CHECK_INT(sfa_txn_begin(&txn, s, flags), 0))
			break;
		for (int i = 0; i < 2; i++) {
			m = msg("Two Times", addr, "Hi", NULL, "Hi");
			row = NULL;
			CHECK_INT(sfa_mailin_log(s, txn, &m, &leads, &row), 0);
			CHECK_STR(text(row, "status"), i ? "logged" : "new-lead");
			if (i == 0)
				snprintf(first, sizeof(first), "%s", text(row, "record"));
			else
				CHECK_STR(text(row, "record"), first);
			json_decref(row);
		}
		CHECK_INT(sfa_txn_commit(txn, "unit: twice", NULL), 0);
		CHECK_INT(count(s, &sfa_type_lead), leads_before + 1);
	}
	sfa_store_free(s);
}

static void test_duplicate(void)
{
	struct sfa_store *s = new_store("dup");
	char con[SFA_ID_LEN + 1], first[SFA_ID_LEN + 1] = "";
	struct sfa_mime_msg m;
	struct sfa_txn *txn = NULL;
	json_t *row;
	git_oid before, after;

	if (!s)
		return;
	add(s, &sfa_type_contact, "{\"last_name\": \"Dahl\", \"email\": \"dahl@d.example\"}", con);
	m = msg(NULL, "dahl@d.example", "Once", "once@d.example", "Once");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	snprintf(first, sizeof(first), "%s", text(row, "activity"));
	json_decref(row);

	/* the same Message-ID again, even from another sender: nothing written */
	CHECK_INT(sfa_store_head(s, &before), 0);
	m.from_addr = "someone@else.example";
	row = log_one(s, &m, &(struct sfa_mailin_opts){ 1, NULL, 0 }, NULL);
	CHECK_STR(text(row, "status"), "duplicate");
	CHECK_STR(text(row, "activity"), first);
	CHECK_STR(text(row, "record"), "(none)");
	CHECK_STR(text(row, "tracking"), "(none)");
	json_decref(row);
	CHECK_INT(sfa_store_head(s, &after), 0);
	CHECK(git_oid_equal(&before, &after));
	CHECK_INT(count(s, A), 1);
	CHECK_INT(count(s, &sfa_type_lead), 0);

	/* twice in one commit: the second sees the first */
	m = msg(NULL, "dahl@d.example", "Twice", "twice@d.example", "Twice");
	if (CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
		row = NULL;
		CHECK_INT(sfa_mailin_log(s, txn, &m, NULL, &row), 0);
		CHECK_STR(text(row, "status"), "logged");
		snprintf(first, sizeof(first), "%s", text(row, "activity"));
		json_decref(row);
		row = NULL;
		CHECK_INT(sfa_mailin_log(s, txn, &m, NULL, &row), 0);
		CHECK_STR(text(row, "status"), "duplicate");
		CHECK_STR(text(row, "activity"), first);
		json_decref(row);
		CHECK_INT(sfa_txn_commit(txn, "unit: twice", NULL), 0);
	}
	CHECK_INT(count(s, A), 2);

	/* our own campaign mail coming back (a copy to the sender) is no new mail */
	{
		char out[SFA_ID_LEN + 1];
		add(s, A, "{\"type\": \"email\", \"direction\": \"out\", \"subject\": \"Offer\", \"campaign\": \"c\","
		    " \"message_id\": \"c.1@ourco.example\"}", out);
		m = msg(NULL, "dahl@d.example", "Offer", "c.1@ourco.example", "");
		row = log_one(s, &m, NULL, NULL);
		CHECK_STR(text(row, "status"), "duplicate");
		CHECK_STR(text(row, "activity"), out);
		json_decref(row);
	}
	/* without a Message-ID nothing tells two copies apart: both are logged */
	m = msg(NULL, "dahl@d.example", "No id", NULL, "x");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	CHECK_STR(text(row, "message_id"), "(none)");
	json_decref(row);
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	json_decref(row);
	sfa_store_free(s);
}

static void test_tracking_threads(void)
{
	struct sfa_store *s = new_store("tracking");
	char con[SFA_ID_LEN + 1], t1[SFA_TRACKING_LEN + 1] = "", a1[SFA_ID_LEN + 1] = "";
	struct sfa_buf subj = SFA_BUF_INIT, body = SFA_BUF_INIT;
	struct sfa_mime_msg m;
	struct sfa_txn *txn = NULL;
	json_t *row, *a;

	if (!s)
		return;
	add(s, &sfa_type_contact, "{\"last_name\": \"Holm\", \"email\": \"holm@h.example\"}", con);

	/* a first message gets a new number */
	m = msg(NULL, "holm@h.example", "Broken pump", "t1@h.example", "It leaks.");
	row = log_one(s, &m, NULL, NULL);
	CHECK(tracking_ok(text(row, "tracking")));
	CHECK_STR(text(row, "thread"), "(none)");
	snprintf(t1, sizeof(t1), "%s", text(row, "tracking"));
	snprintf(a1, sizeof(a1), "%s", text(row, "activity"));
	a = get(s, A, a1);
	CHECK_STR(text(a, "thread"), "(none)");
	json_decref(a);
	json_decref(row);

	/* quoted in the subject: the same number, in the first one's thread */
	sfa_buf_addf(&subj, "Re: [%s] Broken pump", t1);
	m = msg(NULL, "holm@h.example", subj.buf, "t2@h.example", "Still leaking.");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "tracking"), t1);
	CHECK_STR(text(row, "thread"), a1);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "tracking"), t1);
	CHECK_STR(text(a, "thread"), a1);
	json_decref(a);
	json_decref(row);

	/* quoted in the text, in lowercase, behind an unknown number: still the first one's thread */
	sfa_buf_addf(&body, "About T-00000000 and case %s.\nThanks", t1);
	for (size_t i = 0; i < body.len; i++)
		if (body.buf[i] >= 'A' && body.buf[i] <= 'Z')
			body.buf[i] = (char)(body.buf[i] - 'A' + 'a');
	m = msg(NULL, "holm@h.example", "Pump again", "t3@h.example", body.buf);
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "tracking"), t1);
	CHECK_STR(text(row, "thread"), a1);
	json_decref(row);

	/* a reply by its headers to a message of the thread, quoting nothing */
	m = msg(NULL, "holm@h.example", "Re: Pump again", "t4@h.example", "Fixed now.");
	m.in_reply_to = "t3@h.example";
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "tracking"), t1);
	CHECK_STR(text(row, "thread"), a1);
	json_decref(row);

	/* the thread's first message deleted: the number still holds, with a message still there */
	if (CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
		CHECK_INT(sfa_txn_del(txn, A, a1), 0);
		CHECK_INT(sfa_txn_commit(txn, "unit: delete", NULL), 0);
	}
	m = msg(NULL, "holm@h.example", subj.buf, "t4b@h.example", "Once more.");
	row = log_one(s, &m, NULL, NULL);
	CHECK_STR(text(row, "status"), "logged");
	CHECK_STR(text(row, "tracking"), t1);
	CHECK(strcmp(text(row, "thread"), a1) != 0);
	a = row ? get(s, A, text(row, "thread")) : NULL;
	CHECK_STR(text(a, "tracking"), t1);
	json_decref(a);
	json_decref(row);

	/* a number nobody was given: a new one */
	m = msg(NULL, "holm@h.example", "Re: [T-00000000] x", "t5@h.example", "New matter");
	row = log_one(s, &m, NULL, NULL);
	CHECK(tracking_ok(text(row, "tracking")));
	CHECK(strcmp(text(row, "tracking"), t1) != 0);
	CHECK(strcmp(text(row, "tracking"), "T-00000000") != 0);
	CHECK_STR(text(row, "thread"), "(none)");
	json_decref(row);

	/* in one commit: the second message finds the number the first was given */
	if (CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
		char t6[SFA_TRACKING_LEN + 1] = "", a6[SFA_ID_LEN + 1] = "";
		row = NULL;
		m = msg(NULL, "holm@h.example", "Another pump", "t6@h.example", "Noise.");
		CHECK_INT(sfa_mailin_log(s, txn, &m, NULL, &row), 0);
		snprintf(t6, sizeof(t6), "%s", text(row, "tracking"));
		snprintf(a6, sizeof(a6), "%s", text(row, "activity"));
		json_decref(row);
		sfa_buf_reset(&subj);
		sfa_buf_addf(&subj, "Re: [%s] Another pump", t6);
		m = msg(NULL, "holm@h.example", subj.buf, "t7@h.example", "Louder.");
		row = NULL;
		CHECK_INT(sfa_mailin_log(s, txn, &m, NULL, &row), 0);
		CHECK_STR(text(row, "tracking"), t6);
		CHECK_STR(text(row, "thread"), a6);
		json_decref(row);
		CHECK_INT(sfa_txn_commit(txn, "unit: thread", NULL), 0);
	}
	sfa_buf_release(&subj);
	sfa_buf_release(&body);
	sfa_store_free(s);
}

static void test_refused(void)
{
	struct sfa_store *s = new_store("refused");
	struct sfa_mailin_opts leads = { 1, NULL, 0 };
	struct sfa_mime_msg m;
	json_t *row;
	int err = 0;

	if (!s)
		return;
	m = msg("Nobody", NULL, "Hi", "n1@x.example", "Hi");
	row = log_one(s, &m, &leads, &err);
	CHECK(row == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "no sender");
	m.from_addr = "";
	row = log_one(s, &m, &leads, &err);
	CHECK_INT(err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "no sender");
	m.from_addr = "undisclosed-recipients";
	row = log_one(s, &m, &leads, &err);
	CHECK(row == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "sender 'undisclosed-recipients': not an address");
	CHECK_INT(count(s, &sfa_type_lead), 0);
	CHECK_INT(count(s, A), 0);
	sfa_store_free(s);
}

static void test_excerpt(void)
{
	struct sfa_store *s = new_store("excerpt");
	struct sfa_buf long_text = SFA_BUF_INIT;
	char con[SFA_ID_LEN + 1];
	struct sfa_mime_msg m;
	json_t *row, *a;

	if (!s)
		return;
	add(s, &sfa_type_contact, "{\"last_name\": \"Kühn\", \"email\": \"kuehn@k.example\"}", con);
	/* characters, not bytes */
	m = msg(NULL, "kuehn@k.example", "Grüße", "e1@k.example", "Grüße aus Köln");
	row = log_one(s, &m, &(struct sfa_mailin_opts){ 0, NULL, 5 }, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "notes"), "Grüße");
	json_decref(a);
	json_decref(row);
	m = msg(NULL, "kuehn@k.example", "Grüße", "e2@k.example", "Grüße aus Köln");
	row = log_one(s, &m, &(struct sfa_mailin_opts){ 0, NULL, 6 }, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_STR(text(a, "notes"), "Grüße");	/* the blank after it goes */
	json_decref(a);
	json_decref(row);
	/* 0: the default, 2000 */
	for (int i = 0; i < 2500; i++)
		sfa_buf_addstr(&long_text, i % 2 ? "ä" : "a");
	m = msg(NULL, "kuehn@k.example", "Long", "e3@k.example", long_text.buf);
	row = log_one(s, &m, NULL, NULL);
	a = row ? get(s, A, text(row, "activity")) : NULL;
	CHECK_INT(strlen(text(a, "notes")), 3000);	/* 1000 "a" and 1000 "ä" */
	json_decref(a);
	json_decref(row);
	sfa_buf_release(&long_text);
	sfa_store_free(s);
}

/* sfa_mailin_find_tracking of `s`: the number, or "(none)" (valid until the next call). */
static const char *find(const char *s)
{
	static char out[SFA_TRACKING_LEN + 1];
	int rc = sfa_mailin_find_tracking(s, out);
	if (rc == 0)
		return "(none)";
	return rc == 1 ? out : "(bad return)";
}

static void test_find_tracking(void)
{
	char a[SFA_TRACKING_LEN + 1], b[SFA_TRACKING_LEN + 1];

	CHECK_STR(find("Re: [T-7K2M9QXD] Pumps"), "T-7K2M9QXD");
	CHECK_STR(find("T-7K2M9QXD"), "T-7K2M9QXD");
	CHECK_STR(find("case t-7k2m9qxd, please"), "T-7K2M9QXD");
	CHECK_STR(find("(T-0123456Z)."), "T-0123456Z");
	CHECK_STR(find("number:T-ABCDEFGH\n"), "T-ABCDEFGH");
	/* inside a word, or too long or short */
	CHECK_STR(find("XT-7K2M9QXD"), "(none)");
	CHECK_STR(find("9T-7K2M9QXD"), "(none)");
	CHECK_STR(find("T-7K2M9QXDZ"), "(none)");
	CHECK_STR(find("T-7K2M9QXD_"), "(none)");
	CHECK_STR(find("T-7K2M9QX"), "(none)");
	CHECK_STR(find("T-7K2M9QX "), "(none)");
	CHECK_STR(find("T-"), "(none)");
	CHECK_STR(find("T"), "(none)");
	CHECK_STR(find(""), "(none)");
	CHECK_STR(find(NULL), "(none)");
	/* letters outside the alphabet (I, L, O, U), other separators */
	CHECK_STR(find("T-7K2M9QXU"), "(none)");
	CHECK_STR(find("T-7K2M9QXI"), "(none)");
	CHECK_STR(find("T-OOOOOOOO"), "(none)");
	CHECK_STR(find("T-7K2M9QXL"), "(none)");
	CHECK_STR(find("T_7K2M9QXD T 7K2M9QXD T--7K2M9QXD"), "(none)");
	CHECK_STR(find("T-7K2M-QXD"), "(none)");
	CHECK_STR(find("T-7K2M9QXÄ"), "(none)");
	/* the first that stands alone */
	CHECK_STR(find("XT-11111111 T-111111111 T-22222222 T-33333333"), "T-22222222");
	CHECK_STR(find("T-T-44444444"), "T-44444444");

	/* new numbers: the format, and not the same twice */
	CHECK_INT(sfa_mailin_tracking(a), 0);
	CHECK_INT(sfa_mailin_tracking(b), 0);
	CHECK(tracking_ok(a));
	CHECK(tracking_ok(b));
	CHECK(strcmp(a, b) != 0);
}

void unit_tests(void)
{
	setenv("SFA_USER", "Unit Tester <unit@example.com>", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("SFA_NOW", NOW, 1);

	test_find_tracking();
	test_contact();
	test_lead_and_case();
	test_reply();
	test_unknown();
	test_duplicate();
	test_tracking_threads();
	test_refused();
	test_excerpt();
}
