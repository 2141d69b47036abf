#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/forget.h"
#include "sfa/id.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/record.h"
#include "sfa/schema.h"
#include "sfa/store.h"
#include "sfa/sync.h"
#include "unit.h"
#include "sfa/banned.h"

#define NOW "2026-11-24T10:00:00Z"

static const struct sfa_type *const L = &sfa_type_lead, *const C = &sfa_type_contact,
	*const A = &sfa_type_activity;

/* The texts of a JSON array, comma-separated (valid until the next call). */
static const char *joined(const json_t *arr)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	const json_t *v;
	size_t i;

	sfa_buf_reset(&b);
	json_array_foreach((json_t *)arr, i, v)
		sfa_buf_addf(&b, "%s%s", i ? "," : "", json_is_string(v) ? json_string_value(v) : "?");
	return b.buf;
}

/* The field names of `o`, in its order (sorted when it came from the store), comma-separated. */
static const char *keys(const json_t *o)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	const char *k;
	json_t *v;
	const char **names = NULL;
	size_t n = 0;

	sfa_buf_reset(&b);
	names = sfa_xcalloc(json_object_size(o) + 1, sizeof(*names));
	json_object_foreach((json_t *)o, k, v)
		names[n++] = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		sfa_buf_addf(&b, "%s%s", i ? "," : "", names[i]);
	free(names);
	return b.buf;
}

/* A schema from JSON text; NULL (and a failed check) when refused. */
static struct sfa_schema *schema_of(const char *text)
{
	struct sfa_schema *sc = NULL;
	json_t *cfg = unit_json(text);
	if (!cfg || !CHECK_INT(sfa_schema_parse(&sc, cfg), 0))
		sc = NULL;
	json_decref(cfg);
	return sc;
}

static void test_fields(void)
{
	struct sfa_schema *shipped = schema_of(sfa_config_default("config/schema.json")), *own, *none;
	json_t *f = NULL;

	if (!shipped)
		return;
	CHECK_INT(sfa_forget_fields(&f, shipped, C), 0);
	CHECK_STR(joined(f), "birthday,city,email,first_name,language,last_name,mobile,notes,phone,preferences,title");
	json_decref(f);
	CHECK_INT(sfa_forget_fields(&f, shipped, L), 0);
	CHECK_STR(joined(f), "city,email,first_name,language,last_name,mobile,notes,phone,postcode,title");
	json_decref(f);
	CHECK_INT(sfa_forget_fields(&f, shipped, A), 0);
	CHECK_STR(joined(f), "attendees,location,mail_from,mail_to,notes,outcome,subject");
	json_decref(f);
	/* a company's records are not a person's */
	CHECK_INT(sfa_forget_fields(&f, shipped, &sfa_type_account), 0);
	CHECK_INT(json_array_size(f), 0);
	json_decref(f);

	/* a store's own marks, custom fields too, replace the shipped ones */
	own = schema_of("{\"lead\": {\"fields\": {\"hobby\": {\"type\": \"text\", \"personal\": true},"
			" \"email\": {\"type\": \"email\", \"personal\": false}, \"nick\": {\"type\": \"text\", \"personal\": true}}}}");
	if (own) {
		CHECK_INT(sfa_forget_fields(&f, own, L), 0);
		CHECK_STR(joined(f), "hobby,nick");
		json_decref(f);
		CHECK(sfa_schema_field(own, L, "hobby")->personal);
		CHECK(!sfa_schema_field(own, L, "email")->personal);
	}
	sfa_schema_free(own);
	/* a schema written before the mark existed: the shipped fields */
	none = schema_of("{\"contact\": {\"fields\": {\"email\": {\"type\": \"email\"}}}}");
	if (none) {
		CHECK_INT(sfa_forget_fields(&f, none, C), 0);
		CHECK_STR(joined(f), "birthday,city,email,first_name,language,last_name,mobile,notes,phone,preferences,title");
		json_decref(f);
	}
	sfa_schema_free(none);

	/* the mark is a boolean */
	{
		struct sfa_schema *bad = NULL;
		json_t *cfg = unit_json("{\"lead\": {\"fields\": {\"email\": {\"type\": \"email\", \"personal\": \"yes\"}}}}");
		CHECK_INT(sfa_schema_parse(&bad, cfg), SFA_EINPUT);
		CHECK_STR(sfa_error_last(), "lead.fields.email.personal: expected true or false");
		CHECK(bad == NULL);
		json_decref(cfg);
	}
	sfa_schema_free(shipped);
}

static void test_record(void)
{
	struct sfa_schema *sc = schema_of(sfa_config_default("config/schema.json"));
	json_t *lead = unit_json("{\"id\": \"3k9xq2m7a8bd\", \"created_at\": \"2026-11-22T10:00:00Z\","
				 " \"first_name\": \"Ana\", \"last_name\": \"Silva\", \"email\": \"ana@acme.example\","
				 " \"phone\": null, \"company\": \"Acme GmbH\", \"status\": \"working\", \"owner\": \"rep07\","
				 " \"source\": \"web\", \"country\": \"DE\", \"score\": 40, \"notes\": \"call after 5\","
				 " \"custom\": \"kept\"}");
	json_t *act = unit_json("{\"id\": \"ab12cd34ef56\", \"type\": \"call\", \"subject\": \"Ana's kids\","
				" \"notes\": \"private\", \"related_to\": \"3k9xq2m7a8bd\", \"owner\": \"rep07\", \"done\": true}");
	json_t *fields = NULL, *removed = json_array();

	if (!sc || !lead || !act)
		goto done;
	sfa_forget_fields(&fields, sc, L);
	/* the fields go (a null one is no value), the bookkeeping stays */
	CHECK_INT(sfa_forget_record(lead, L, fields, sc, removed), 4);
	CHECK_STR(joined(removed), "email,first_name,last_name,notes");
	CHECK_STR(keys(lead), "company,country,created_at,custom,id,owner,phone,score,source,status");
	/* nothing left: a second time erases nothing */
	json_array_clear(removed);
	CHECK_INT(sfa_forget_record(lead, L, fields, sc, removed), 0);
	CHECK_INT(json_array_size(removed), 0);
	json_decref(fields);

	/* a required text is kept as a marker, counted once */
	sfa_forget_fields(&fields, sc, A);
	CHECK_INT(sfa_forget_record(act, A, fields, sc, NULL), 2);
	CHECK_STR(json_string_value(json_object_get(act, "subject")), SFA_FORGET_TEXT);
	CHECK(!json_object_get(act, "notes"));
	CHECK_STR(json_string_value(json_object_get(act, "related_to")), "3k9xq2m7a8bd");
	CHECK_INT(sfa_forget_record(act, A, fields, sc, NULL), 0);
	/* names that are not text are passed over */
	{
		json_t *odd = unit_json("[1, null, \"notes\"]"), *rec = unit_json("{\"notes\": \"x\", \"subject\": \"y\"}");
		CHECK_INT(sfa_forget_record(rec, A, odd, sc, NULL), 1);
		CHECK_STR(keys(rec), "subject");
		json_decref(odd);
		json_decref(rec);
	}
done:
	json_decref(fields);
	json_decref(removed);
	json_decref(lead);
	json_decref(act);
	sfa_schema_free(sc);
}

/* --- a store ------------------------------------------------------------------------- */

static struct sfa_store *new_store(const char *name, struct sfa_buf *path)
{
	struct sfa_store *s = NULL;

	sfa_buf_addf(path, "%s/%s", unit_tmpdir(), name);
	if (!CHECK_INT(sfa_store_init(path->buf), 0) || !CHECK_INT(sfa_store_open(&s, path->buf), 0))
		s = NULL;
	return s;
}

static void add(struct sfa_store *s, const struct sfa_type *t, const char *text, char id[SFA_ID_LEN + 1])
{
	json_t *rec = unit_json(text);
	id[0] = '\0';
	if (!rec || !CHECK_INT(sfa_add(s, t, rec, "unit", id), 0))
		printf("# refused: %s: %s\n", text, sfa_error_last());
	json_decref(rec);
}

/* Sets fields of a record (JSON text of the changes) in one commit. */
static void set(struct sfa_store *s, const struct sfa_type *t, const char *id, const char *changes)
{
	struct sfa_txn *txn = NULL;
	json_t *ch = unit_json(changes);
	if (ch && CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
		if (CHECK_INT(sfa_update_txn(s, txn, t, id, ch, NULL, 0, NULL), 0))
			CHECK_INT(sfa_txn_commit(txn, "unit: set", NULL), 0);
		else
			sfa_txn_free(txn);
	}
	json_decref(ch);
}

static json_t *get(struct sfa_store *s, const struct sfa_type *t, const char *id)
{
	json_t *rec = NULL;
	if (sfa_index_get(sfa_store_index(s), t, id, &rec) < 0)
		return NULL;
	return rec;
}

static const char *text(const json_t *o, const char *k)
{
	const char *v = sfa_record_text(o, k);
	return v ? v : "(none)";
}

/* Past versions in the index whose body holds `needle`. */
static long versions_with(struct sfa_store *s, const char *needle)
{
	sqlite3 *db = sfa_index_db(sfa_store_index(s));
	sqlite3_stmt *st;
	long n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM versions WHERE instr(lower(body), ?1) > 0", -1, &st, NULL)
	    != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, needle, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static long commits(const char *store)
{
	return atol(unit_sh("git --git-dir='%s' rev-list --count refs/heads/main", store));
}

/* The row of `rows` for `id`, or NULL. */
static const json_t *row_of(const json_t *rows, const char *id)
{
	const json_t *r;
	size_t i;
	json_array_foreach((json_t *)rows, i, r)
		if (!strcmp(text(r, "id"), id))
			return r;
	return NULL;
}

static void test_store(void)
{
	struct sfa_buf path = SFA_BUF_INIT, file = SFA_BUF_INIT, script = SFA_BUF_INIT;
	struct sfa_store *s = new_store("people", &path);
	struct sfa_forget_opts dry = { NULL, 1 }, real = SFA_FORGET_OPTS_INIT;
	char acc[SFA_ID_LEN + 1], lead[SFA_ID_LEN + 1], con[SFA_ID_LEN + 1], call[SFA_ID_LEN + 1],
		mail[SFA_ID_LEN + 1], other[SFA_ID_LEN + 1], otheract[SFA_ID_LEN + 1], gone[SFA_ID_LEN + 1];
	json_t *rows = NULL, *rec = NULL;
	const char *one[1];
	long before;

	if (!s)
		goto done;
	CHECK_INT(sfa_forget_history_script(s, &script), SFA_ENOTFOUND);
	add(s, &sfa_type_account, "{\"name\": \"Acme GmbH\"}", acc);
	add(s, L, "{\"first_name\": \"Ana\", \"last_name\": \"Silva\", \"email\": \"ana.silva@acme.example\","
		  " \"company\": \"Acme GmbH\", \"source\": \"fair\", \"external_id\": \"web-1\"}", lead);
	set(s, L, lead, "{\"phone\": \"+49 30 1234567\", \"status\": \"working\"}");
	/* converted: the contact names its lead, the lead its contact */
	{
		struct sfa_buf t = SFA_BUF_INIT;
		sfa_buf_addf(&t, "{\"first_name\": \"Ana\", \"last_name\": \"Silva\", \"email\": \"ana.silva@acme.example\","
			     " \"account\": \"%s\", \"lead\": \"%s\", \"owner\": \"rep07\"}", acc, lead);
		add(s, C, t.buf, con);
		sfa_buf_reset(&t);
		sfa_buf_addf(&t, "{\"contact\": \"%s\", \"status\": \"converted\"}", con);
		set(s, L, lead, t.buf);
		sfa_buf_reset(&t);
		sfa_buf_addf(&t, "{\"type\": \"call\", \"notes\": \"Ana: back from leave in May\", \"related_to\": \"%s\","
			     " \"owner\": \"rep07\"}", con);
		add(s, A, t.buf, call);
		sfa_buf_release(&t);
	}
	/* mail from her address, about no record; the address in another case */
	add(s, A, "{\"type\": \"email\", \"subject\": \"Re: offer\", \"mail_from\": \"Ana.Silva@ACME.example\","
		  " \"notes\": \"Hi, Ana here\"}", mail);
	/* someone else, and a lead merged into her lead and deleted since */
	add(s, L, "{\"first_name\": \"Otto\", \"email\": \"otto@other.example\"}", other);
	set(s, L, other, "{\"status\": \"working\"}");
	{
		struct sfa_buf t = SFA_BUF_INIT;
		sfa_buf_addf(&t, "{\"type\": \"call\", \"notes\": \"Otto\", \"related_to\": \"%s\"}", other);
		add(s, A, t.buf, otheract);
		sfa_buf_release(&t);
	}
	add(s, L, "{\"first_name\": \"Ana\", \"email\": \"ana.old@acme.example\"}", gone);
	{
		struct sfa_txn *txn = NULL;
		struct sfa_buf t = SFA_BUF_INIT;
		if (CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
			CHECK_INT(sfa_txn_del(txn, L, gone), 0);
			CHECK_INT(sfa_txn_commit(txn, "unit: merged", NULL), 0);
		}
		sfa_buf_addf(&t, "{\"merged_from\": \"%s\"}", gone);
		set(s, L, lead, t.buf);
		sfa_buf_release(&t);
	}
	/* a conflict log with both of her email values and one of a field that stays */
	{
		struct sfa_txn *txn = NULL;
		struct sfa_buf t = SFA_BUF_INIT;
		sfa_buf_addf(&t, "{\"c1\": {\"record\": \"%s\", \"field\": \"email\", \"kept\": \"ana.silva@acme.example\","
			     " \"lost\": \"ana@home.example\", \"kind\": \"both-changed\"},"
			     " \"c2\": {\"record\": \"%s\", \"field\": \"owner\", \"kept\": \"rep07\", \"lost\": \"rep01\"},"
			     " \"c3\": {\"record\": \"%s\", \"field\": \"email\", \"kept\": \"otto@other.example\"}}\n",
			     con, con, other);
		if (CHECK_INT(sfa_txn_begin(&txn, s, 0), 0)) {
			CHECK_INT(sfa_txn_put_file(txn, SFA_CONFLICTS_FILE, t.buf, t.len), 0);
			CHECK_INT(sfa_txn_commit(txn, "unit: conflicts", NULL), 0);
		}
		sfa_buf_release(&t);
	}
	CHECK(versions_with(s, "ana.silva@") > 0);
	CHECK(versions_with(s, "ana.old@") > 0);
	before = commits(path.buf);

	/* bad names: nothing written */
	one[0] = "zzzzzzzzzzzz";
	CHECK_INT(sfa_forget(s, one, 1, &real, &rows), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no lead or contact 'zzzzzzzzzzzz'");
	CHECK(rows == NULL);
	one[0] = acc;
	CHECK_INT(sfa_forget(s, one, 1, &real, &rows), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "is an account") != NULL);
	one[0] = otheract;
	CHECK_INT(sfa_forget(s, one, 1, &real, &rows), SFA_EINPUT);
	CHECK_INT(sfa_forget(s, NULL, 0, &real, &rows), SFA_EUSAGE);
	CHECK_INT(commits(path.buf), before);

	/* a dry run: what would go, nothing written */
	one[0] = con;
	if (CHECK_INT(sfa_forget(s, one, 1, &dry, &rows), 0)) {
		CHECK_INT(json_array_size(rows), 4);
		CHECK_STR(text(json_array_get(rows, 0), "id"), con);
		CHECK_STR(text(row_of(rows, con), "fields"), "email,first_name,last_name");
		CHECK_STR(text(row_of(rows, lead), "fields"), "email,first_name,last_name,phone");
		CHECK_STR(text(row_of(rows, call), "fields"), "notes,subject");
		CHECK_STR(text(row_of(rows, mail), "fields"), "mail_from,notes,subject");
		CHECK_INT(json_integer_value(json_object_get(row_of(rows, mail), "removed")), 3);
		CHECK(row_of(rows, other) == NULL && row_of(rows, otheract) == NULL && row_of(rows, gone) == NULL);
	}
	json_decref(rows);
	rows = NULL;
	CHECK_INT(commits(path.buf), before);
	CHECK(versions_with(s, "ana.silva@") > 0);
	rec = get(s, C, con);
	CHECK_STR(text(rec, "email"), "ana.silva@acme.example");
	json_decref(rec);

	/* by the lead's external id: the same four records, one commit */
	one[0] = "web-1";
	if (CHECK_INT(sfa_forget(s, one, 1, &real, &rows), 0))
		CHECK_INT(json_array_size(rows), 4);
	json_decref(rows);
	rows = NULL;
	CHECK_INT(commits(path.buf), before + 1);
	CHECK(strncmp(unit_sh("git --git-dir='%s' log -1 --format=%%s", path.buf), "sfa forget: lead ", 17) == 0);
	CHECK(strstr(unit_sh("git --git-dir='%s' log -1 --format=%%s", path.buf), "; 2 activities") != NULL);

	rec = get(s, C, con);
	CHECK_STR(keys(rec), "account,created_at,forgotten_at,id,lead,owner");
	CHECK_STR(text(rec, "forgotten_at"), NOW);
	json_decref(rec);
	rec = get(s, L, lead);
	CHECK_STR(keys(rec), "company,contact,created_at,external_id,forgotten_at,id,merged_from,source,status");
	json_decref(rec);
	rec = get(s, A, call);
	CHECK_STR(text(rec, "subject"), SFA_FORGET_TEXT);
	CHECK_STR(text(rec, "notes"), "(none)");
	CHECK_STR(text(rec, "related_to"), con);
	json_decref(rec);
	rec = get(s, A, otheract);
	CHECK_STR(text(rec, "notes"), "Otto");
	json_decref(rec);
	rec = get(s, L, other);
	CHECK_STR(text(rec, "email"), "otto@other.example");
	json_decref(rec);

	/* the past: versions of the four and of the merged lead, not Otto's */
	CHECK_INT(versions_with(s, "ana.silva@"), 0);
	CHECK_INT(versions_with(s, "ana.old@"), 0);
	CHECK_INT(versions_with(s, "back from leave"), 0);
	CHECK(versions_with(s, "otto@") > 0);

	/* the list in the store: ids, types, names, no values */
	CHECK_INT(sfa_store_read_file(s, SFA_FORGOTTEN_FILE, &file), 0);
	CHECK(strstr(file.buf, "@") == NULL && strstr(file.buf, "Ana") == NULL);
	CHECK(strstr(file.buf, con) && strstr(file.buf, lead) && strstr(file.buf, call) && strstr(file.buf, mail) &&
	      strstr(file.buf, gone));
	CHECK(strstr(file.buf, other) == NULL);
	/* the conflict log keeps the entries, not her values */
	sfa_buf_reset(&file);
	CHECK_INT(sfa_store_read_file(s, SFA_CONFLICTS_FILE, &file), 0);
	CHECK(strstr(file.buf, "ana") == NULL);
	CHECK(strstr(file.buf, "rep01") != NULL && strstr(file.buf, "otto@other.example") != NULL);
	CHECK(strstr(file.buf, "both-changed") != NULL);

	/* again: harmless, no commit */
	one[0] = con;
	if (CHECK_INT(sfa_forget(s, one, 1, &real, &rows), 0))
		CHECK_INT(json_array_size(rows), 0);
	json_decref(rows);
	rows = NULL;
	CHECK_INT(commits(path.buf), before + 1);

	/* a rebuilt index reads the old versions from git and scrubs them again */
	CHECK_INT(sfa_store_reindex(s), 0);
	CHECK(versions_with(s, "ana.silva@") == 0 && versions_with(s, "ana.old@") == 0);
	CHECK(versions_with(s, "otto@") > 0);

	/* the history program embeds the list and no value */
	if (CHECK_INT(sfa_forget_history_script(s, &script), 0)) {
		CHECK(strstr(script.buf, "import git_filter_repo") != NULL);
		CHECK(strstr(script.buf, con) != NULL && strstr(script.buf, gone) != NULL);
		CHECK(strstr(script.buf, "acme.example") == NULL);
	}
done:
	sfa_store_free(s);
	sfa_buf_release(&path);
	sfa_buf_release(&file);
	sfa_buf_release(&script);
}

/* A contact made of a lead that does not name it: found by its "lead"; people come first in the rows. */
static void test_links(void)
{
	struct sfa_buf path = SFA_BUF_INIT, t = SFA_BUF_INIT;
	struct sfa_store *s = new_store("links", &path);
	struct sfa_forget_opts real = SFA_FORGET_OPTS_INIT;
	char lead[SFA_ID_LEN + 1], con[SFA_ID_LEN + 1], act[SFA_ID_LEN + 1];
	const char *one[1] = { lead };
	json_t *rows = NULL, *rec;

	if (!s)
		goto done;
	add(s, L, "{\"first_name\": \"Eve\", \"email\": \"eve@x.example\"}", lead);
	sfa_buf_addf(&t, "{\"first_name\": \"Eve\", \"lead\": \"%s\"}", lead);
	add(s, C, t.buf, con);
	sfa_buf_reset(&t);
	/* made later, so listed before the contact among the lead's referrers */
	setenv("SFA_NOW", "2026-11-25T10:00:00Z", 1);
	sfa_buf_addf(&t, "{\"type\": \"note\", \"subject\": \"Eve\", \"related_to\": \"%s\"}", lead);
	add(s, A, t.buf, act);
	setenv("SFA_NOW", NOW, 1);
	if (CHECK_INT(sfa_forget(s, one, 1, &real, &rows), 0) && CHECK_INT(json_array_size(rows), 3)) {
		CHECK_STR(text(json_array_get(rows, 0), "id"), lead);
		CHECK_STR(text(json_array_get(rows, 1), "id"), con);
		CHECK_STR(text(json_array_get(rows, 2), "id"), act);
		CHECK_STR(text(json_array_get(rows, 1), "fields"), "first_name");
	}
	rec = get(s, C, con);
	CHECK_STR(keys(rec), "created_at,forgotten_at,id,lead");
	json_decref(rec);
done:
	json_decref(rows);
	sfa_store_free(s);
	sfa_buf_release(&path);
	sfa_buf_release(&t);
}

/* A clone that follows with plain git: its index catches up by the tree diff and scrubs too. */
static void test_update(void)
{
	struct sfa_buf a = SFA_BUF_INIT, b = SFA_BUF_INIT;
	struct sfa_store *s = new_store("origin", &a), *t = NULL;
	struct sfa_forget_opts real = SFA_FORGET_OPTS_INIT;
	char lead[SFA_ID_LEN + 1], later[SFA_ID_LEN + 1];
	const char *one[1] = { lead };

	if (!s)
		goto done;
	add(s, L, "{\"first_name\": \"Bo\", \"email\": \"bo@x.example\"}", lead);
	set(s, L, lead, "{\"status\": \"working\"}");
	sfa_buf_addf(&b, "%s/follower", unit_tmpdir());
	if (!CHECK_INT(unit_run(NULL, "git clone -q --bare '%s' '%s'", a.buf, b.buf), 0) ||
	    !CHECK_INT(sfa_store_open(&t, b.buf), 0))
		goto done;
	CHECK(versions_with(t, "bo@x") > 0);
	sfa_store_free(t);
	t = NULL;
	CHECK_INT(sfa_forget(s, one, 1, &real, NULL), 0);
	add(s, L, "{\"first_name\": \"Cy\"}", later);
	CHECK_INT(unit_run(NULL, "git --git-dir='%s' fetch -q '%s' main:main", b.buf, a.buf), 0);
	if (CHECK_INT(sfa_store_open(&t, b.buf), 0)) {
		json_t *rec = get(t, L, lead);
		CHECK_STR(text(rec, "email"), "(none)");
		json_decref(rec);
		CHECK_INT(versions_with(t, "bo@x"), 0);
	}
done:
	sfa_store_free(s);
	sfa_store_free(t);
	sfa_buf_release(&a);
	sfa_buf_release(&b);
}

void unit_tests(void)
{
	setenv("SFA_USER", "Unit Tester <unit@example.com>", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("SFA_NOW", NOW, 1);

	test_fields();
	test_record();
	test_store();
	test_links();
	test_update();
}
