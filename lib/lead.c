/* Leads: qualifying, merging, conversion, and loading scoring and assignment rules. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/lead.h"
#include "sfa/match.h"
#include "sfa/banned.h"

int sfa_lead_qualify(struct sfa_store *s, struct sfa_txn *txn, const char *id, const char *status,
		     const char *reason)
{
	json_t *rec = NULL, *changes;
	int err;

	if ((err = sfa_index_get(sfa_store_index(s), &sfa_type_lead, id, &rec)) < 0)
		return err;
	if (!strcmp(sfa_record_text(rec, "status") ? sfa_record_text(rec, "status") : "", "converted")) {
		json_decref(rec);
		return sfa_error_set(SFA_EINPUT, "already converted: its status stays 'converted'");
	}
	json_decref(rec);
	changes = json_pack("{ss}", "status", status);
	/* the reason belongs to a disqualification only */
	json_object_set_new(changes, "disqualified_reason", reason ? json_string(reason) : json_null());
	err = sfa_update_txn(s, txn, &sfa_type_lead, id, changes, NULL, 0, NULL);
	json_decref(changes);
	return err;
}

/* Every record of any type whose fields hold `from` now holds `to`. */
static int repoint(struct sfa_store *s, struct sfa_txn *txn, const char *from, const char *to)
{
	sqlite3 *db = sfa_index_db(sfa_store_index(s));
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	/* collected first: the updates change the table being read */
	json_t *hits = json_array();
	if (sqlite3_prepare_v2(db, "SELECT r.type, r.id, f.field FROM refs f JOIN records r ON r.rowid = f.rid"
			       " WHERE f.target = ?1", -1, &st, NULL) != SQLITE_OK) {
		json_decref(hits);
		return sfa_error_set(SFA_ESTORE, "index: %s", sqlite3_errmsg(db));
	}
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(hits, json_pack("[sss]", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
						      sqlite3_column_text(st, 2)));
	if (rc != SQLITE_DONE)
		err = sfa_error_set(SFA_ESTORE, "index: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	for (size_t i = 0; !err && i < json_array_size(hits); i++) {
		json_t *h = json_array_get(hits, i);
		const struct sfa_type *t = sfa_type_find(json_string_value(json_array_get(h, 0)));
		const char *id = json_string_value(json_array_get(h, 1));
		json_t *change = json_object();
		/* merged_from keeps the ids of the merged leads: history, not a link */
		if (!t || !strcmp(id, from) || !strcmp(json_string_value(json_array_get(h, 2)), "merged_from")) {
			json_decref(change);
			continue;
		}
		json_object_set_new(change, json_string_value(json_array_get(h, 2)), json_string(to));
		err = sfa_update_txn(s, txn, t, id, change, NULL, 0, NULL);
		json_decref(change);
	}
	json_decref(hits);
	return err;
}

int sfa_lead_merge(struct sfa_store *s, struct sfa_txn *txn, const char *survivor, char *const *others,
		   size_t n, struct sfa_buf *conflicts)
{
	struct sfa_index *ix = sfa_store_index(s);
	json_t *keep = NULL, *other = NULL, *fill = json_object();
	struct sfa_buf merged = SFA_BUF_INIT;
	const char *k;
	json_t *v;
	int err;

	if ((err = sfa_index_get(ix, &sfa_type_lead, survivor, &keep)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(others[i], survivor)) {
			err = sfa_error_set(SFA_EINPUT, "cannot merge lead %s into itself", survivor);
			goto done;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(others[i], others[j])) {
				err = sfa_error_set(SFA_EINPUT, "lead %s named twice", others[i]);
				goto done;
			}
		json_decref(other);
		other = NULL;
		if ((err = sfa_index_get(ix, &sfa_type_lead, others[i], &other)) < 0)
			goto done;
		json_object_foreach(other, k, v) {
			json_t *mine = json_object_get(keep, k), *filled = json_object_get(fill, k);
			struct sfa_buf a = SFA_BUF_INIT, b = SFA_BUF_INIT;
			if (!strcmp(k, "id") || !strcmp(k, "created_at") || !strcmp(k, "merged_from"))
				continue;
			if (!mine && !filled) {
				json_object_set(fill, k, v);
				continue;
			}
			if (json_equal(mine ? mine : filled, v))
				continue;
			sfa_value_text(&a, mine ? mine : filled);
			sfa_value_text(&b, v);
			sfa_buf_addf(conflicts, "%s: '%s' kept, '%s' (%s) dropped\n", k, a.buf, b.buf, others[i]);
			sfa_buf_release(&a);
			sfa_buf_release(&b);
		}
		sfa_buf_addf(&merged, "%s%s", merged.len ? "," : "", others[i]);
	}
	if ((k = sfa_record_text(keep, "merged_from")))
		sfa_buf_addf(&merged, ",%s", k);
	json_object_set_new(fill, "merged_from", json_string(merged.buf));
	if ((err = sfa_update_txn(s, txn, &sfa_type_lead, survivor, fill, NULL, 0, NULL)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((err = sfa_txn_del(txn, &sfa_type_lead, others[i])) < 0 ||
		    (err = repoint(s, txn, others[i], survivor)) < 0)
			goto done;
done:
	json_decref(keep);
	json_decref(other);
	json_decref(fill);
	sfa_buf_release(&merged);
	return err;
}

/* --- conversion ----------------------------------------------------------------- */

struct first_id {
	char id[SFA_ID_LEN + 1];
	int found;
};

static int take_first(const char *key, const char *id, void *data)
{
	struct first_id *f = data;
	if (!f->found) {
		memcpy(f->id, id, SFA_ID_LEN + 1);
		f->found = 1;
	}
	return 0;
}

/* The account a lead belongs to: same company name, else same email domain. */
static int find_account(struct sfa_store *s, const json_t *lead, struct first_id *out)
{
	struct sfa_buf key = SFA_BUF_INIT;
	long rc = 0;

	out->found = 0;
	if (sfa_match_company_key(&key, sfa_record_text(lead, "company")))
		rc = sfa_index_keys(sfa_store_index(s), &sfa_type_account, "company", key.buf, take_first, out);
	if (rc >= 0 && !out->found && sfa_match_email_domain(&key, sfa_record_text(lead, "email")))
		rc = sfa_index_keys(sfa_store_index(s), &sfa_type_account, "domain", key.buf, take_first, out);
	sfa_buf_release(&key);
	return rc < 0 ? (int)rc : 0;
}

/* Copies the fields `names` (NULL-ended, "from:to" to rename) that `src` has. */
static void copy_fields(json_t *dst, const json_t *src, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		const char *colon = strchr(names[i], ':');
		char from[64];
		size_t n = colon ? (size_t)(colon - names[i]) : strlen(names[i]);
		memcpy(from, names[i], n);
		from[n] = '\0';
		json_t *v = json_object_get(src, from);
		if (v && !json_is_null(v))
			json_object_set(dst, colon ? colon + 1 : from, v);
	}
}

int sfa_lead_convert(struct sfa_store *s, struct sfa_txn *txn, const char *id, struct sfa_convert *c)
{
	static const char *const account_fields[] = {
		"company:name", "industry", "employees", "country", "city", "region", "postcode", "website",
		"owner", NULL
	};
	static const char *const contact_fields[] = {
		"first_name", "last_name", "email", "phone", "mobile", "title", "country", "city",
		"language", "owner", "do_not_contact", NULL
	};
	struct sfa_schema_opts so = { NULL, s };
	struct sfa_index *ix = sfa_store_index(s);
	struct first_id acc = { "", 0 }, con = { "", 0 };
	struct sfa_buf key = SFA_BUF_INIT, domain = SFA_BUF_INIT;
	json_t *lead = NULL, *rec = NULL, *changes = NULL;
	char iso[21];
	int err;

	memset(c->account, 0, sizeof(c->account));
	memset(c->contact, 0, sizeof(c->contact));
	memset(c->opp, 0, sizeof(c->opp));
	c->account_new = c->contact_new = 0;
	if ((err = sfa_index_get(ix, &sfa_type_lead, id, &lead)) < 0)
		goto done;
	if (!strcmp(sfa_record_text(lead, "status") ? sfa_record_text(lead, "status") : "", "converted")) {
		err = sfa_error_set(SFA_EINPUT, "already converted (account %s)",
				    sfa_record_text(lead, "account") ? sfa_record_text(lead, "account") : "?");
		goto done;
	}
	if (!sfa_record_text(lead, "company") && !sfa_match_email_domain(&domain, sfa_record_text(lead, "email"))) {
		err = sfa_error_set(SFA_EINPUT, "no company and no company email: set 'company' first");
		goto done;
	}
	/* the account: an existing one, or one made from the lead */
	if ((err = find_account(s, lead, &acc)) < 0)
		goto done;
	if (acc.found) {
		memcpy(c->account, acc.id, sizeof(c->account));
	} else {
		rec = json_object();
		copy_fields(rec, lead, account_fields);
		if (!json_object_get(rec, "name"))
			json_object_set_new(rec, "name", json_string(domain.buf));
		if (sfa_match_email_domain(&domain, sfa_record_text(lead, "email")))
			json_object_set_new(rec, "domain", json_string(domain.buf));
		json_object_set_new(rec, "lead", json_string(id));
		if ((err = sfa_add_txn(s, txn, &sfa_type_account, rec, &so, c->account)) < 0)
			goto done;
		c->account_new = 1;
		json_decref(rec);
		rec = NULL;
	}
	/* the contact: the same person at that account, or a new one */
	if (sfa_match_email_key(&key, sfa_record_text(lead, "email"))) {
		long rc = sfa_index_keys(ix, &sfa_type_contact, "email", key.buf, take_first, &con);
		if (rc < 0) {
			err = (int)rc;
			goto done;
		}
	}
	if (con.found) {
		memcpy(c->contact, con.id, sizeof(c->contact));
	} else {
		rec = json_object();
		copy_fields(rec, lead, contact_fields);
		json_object_set_new(rec, "account", json_string(c->account));
		json_object_set_new(rec, "lead", json_string(id));
		if ((err = sfa_add_txn(s, txn, &sfa_type_contact, rec, &so, c->contact)) < 0)
			goto done;
		c->contact_new = 1;
		json_decref(rec);
		rec = NULL;
	}
	if (c->opportunity) {
		rec = json_pack("{ssssssss}", "name", c->opportunity, "account", c->account, "contact", c->contact,
				"lead", id);
		copy_fields(rec, lead, (const char *const[]){ "owner", "source", NULL });
		if (c->amount)
			json_object_set_new(rec, "amount", json_string(c->amount));
		if (c->close_date)
			json_object_set_new(rec, "close_date", json_string(c->close_date));
		if ((err = sfa_add_txn(s, txn, &sfa_type_opportunity, rec, &so, c->opp)) < 0)
			goto done;
	}
	sfa_time_iso(iso, sfa_now());
	changes = json_pack("{ssssssss}", "status", "converted", "account", c->account, "contact", c->contact,
			    "converted_at", iso);
	if (c->opp[0])
		json_object_set_new(changes, "opportunity", json_string(c->opp));
	err = sfa_update_txn(s, txn, &sfa_type_lead, id, changes, NULL, 0, NULL);
done:
	json_decref(lead);
	json_decref(rec);
	json_decref(changes);
	sfa_buf_release(&key);
	sfa_buf_release(&domain);
	return err;
}

/* --- rules from the store -------------------------------------------------------- */

/* A config file the operation needs; its absence says where to add it. */
static int read_config(struct sfa_store *s, const char *file, json_t **out, struct sfa_buf *text)
{
	int err = sfa_config_read(s, file, out, text);
	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "the store has no '%s' (see 'sfa config')", file);
	return err;
}

int sfa_lead_scoring_parse(struct sfa_score_rules **out, const json_t *cfg)
{
	const char *k;
	json_t *v;
	int err;

	*out = NULL;
	json_object_foreach((json_t *)cfg, k, v)
		if (strcmp(k, "lead"))
			return sfa_error_set(SFA_EINPUT, "%s: only \"lead\" scoring is known", k);
	if (!(v = json_object_get(cfg, "lead")))
		return 0;
	if ((err = sfa_score_parse(out, v)) < 0) {
		/* the rules' paths start inside "lead" */
		struct sfa_buf msg = SFA_BUF_INIT;
		sfa_buf_addf(&msg, "lead.%s", sfa_error_last());
		sfa_error_set(err, "%s", msg.buf);
		sfa_buf_release(&msg);
	}
	return err;
}

int sfa_lead_scoring(struct sfa_store *s, struct sfa_score_rules **out)
{
	struct sfa_buf text = SFA_BUF_INIT;
	json_t *cfg = NULL;
	int err;

	if ((err = read_config(s, "config/scoring.json", &cfg, &text)) == 0) {
		if ((err = sfa_lead_scoring_parse(out, cfg)) < 0)
			err = sfa_config_error(SFA_ESTORE, "config/scoring.json", text.buf, text.len);
		else if (!*out)
			err = sfa_error_set(SFA_ESTORE, "config/scoring.json: no \"lead\" rules");
	}
	json_decref(cfg);
	sfa_buf_release(&text);
	return err;
}

int sfa_lead_assigner(struct sfa_store *s, struct sfa_assign **out)
{
	struct sfa_buf rtext = SFA_BUF_INIT, utext = SFA_BUF_INIT;
	json_t *rules = NULL, *users = NULL, *state = NULL;
	sqlite3 *db = sfa_index_db(sfa_store_index(s));
	sqlite3_stmt *st = NULL;
	int err, rc;

	*out = NULL;
	if ((err = read_config(s, "config/assignment.json", &rules, &rtext)) < 0 ||
	    (err = read_config(s, "config/users.json", &users, &utext)) < 0)
		goto done;
	err = sfa_config_read(s, "state/assignment.json", &state, NULL);
	if (err < 0 && err != SFA_ENOTFOUND)
		goto done;
	if ((err = sfa_assign_new(out, rules, users, state)) < 0) {
		int users_err = !strncmp(sfa_error_last(), "users", 5);
		err = users_err ? sfa_config_error(SFA_ESTORE, "config/users.json", utext.buf, utext.len)
				: sfa_config_error(SFA_ESTORE, "config/assignment.json", rtext.buf, rtext.len);
		goto done;
	}
	/* open leads per owner, for capacity and least-open */
	if (sqlite3_prepare_v2(db, "SELECT body ->> '$.owner', count(*) FROM records WHERE type = 'lead'"
			       " AND body ->> '$.status' IN ('new', 'working') AND body ->> '$.owner' IS NOT NULL"
			       " GROUP BY 1", -1, &st, NULL) != SQLITE_OK) {
		err = sfa_error_set(SFA_ESTORE, "index: %s", sqlite3_errmsg(db));
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		sfa_assign_set_open(*out, (const char *)sqlite3_column_text(st, 0), (long)sqlite3_column_int64(st, 1));
	if (rc != SQLITE_DONE)
		err = sfa_error_set(SFA_ESTORE, "index: %s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	if (err < 0) {
		sfa_assign_free(*out);
		*out = NULL;
	}
	json_decref(rules);
	json_decref(users);
	json_decref(state);
	sfa_buf_release(&rtext);
	sfa_buf_release(&utext);
	return err;
}
