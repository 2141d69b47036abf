#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/progress.h"
#include "sfa/banned.h"

/* Sets what a new record gets from sfa: its id and, unless given, created_at. */
static int stamp_new(json_t *rec, char id[SFA_ID_LEN + 1])
{
	int err = sfa_id_new(id);
	if (err < 0)
		return err;
	json_object_set_new(rec, "id", json_string(id));
	if (!json_object_get(rec, "created_at")) {
		char iso[21];
		sfa_time_iso(iso, time(NULL));
		json_object_set_new(rec, "created_at", json_string(iso));
	}
	return 0;
}

int sfa_add(struct sfa_store *s, const struct sfa_type *t, json_t *rec, const char *command,
	    char out[SFA_ID_LEN + 1])
{
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	json_t *fresh = json_object();
	int err;

	if ((err = sfa_record_check(t, rec)) < 0)
		goto done;
	if (json_object_get(rec, "id")) {
		err = sfa_error_set(SFA_EINPUT, "field 'id': ids of new records are given by sfa");
		goto done;
	}
	sfa_record_merge(fresh, rec);
	if (!json_object_size(fresh)) {
		err = sfa_error_set(SFA_EINPUT, "no fields given");
		goto done;
	}
	if ((err = stamp_new(fresh, out)) < 0 || (err = sfa_txn_begin(&txn, s, 0)) < 0 ||
	    (err = sfa_txn_add(txn, t, out, fresh)) < 0)
		goto done;
	sfa_buf_addf(&msg, "%s: add %s %s", command, t->name, out);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	json_decref(fresh);
	return err;
}

/* Finds the stored record an input record updates; SFA_ENOTFOUND if new. */
static int find_target(struct sfa_store *s, const struct sfa_type *t, const json_t *rec,
		       char id[SFA_ID_LEN + 1])
{
	struct sfa_index *ix = sfa_store_index(s);
	const json_t *v = json_object_get(rec, "id");
	int err;

	if (json_is_string(v)) {
		memcpy(id, json_string_value(v), SFA_ID_LEN + 1);
		if ((err = sfa_index_oid(ix, t, id, &(git_oid){ { 0 } })) == SFA_ENOTFOUND)
			return sfa_error_set(SFA_EINPUT, "field 'id': no %s '%s'", t->name, id);
		return err;
	}
	v = json_object_get(rec, "external_id");
	if (!json_is_string(v))
		return SFA_ENOTFOUND;
	return sfa_index_by_external(ix, t, json_string_value(v), id);
}

/* One input record into the transaction; `*what` says what became of it. */
static int import_one(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, json_t *rec,
		      struct sfa_import_result *res)
{
	char id[SFA_ID_LEN + 1];
	json_t *target = NULL;
	int err, changed;

	if ((err = sfa_record_check(t, rec)) < 0)
		return err;
	err = find_target(s, t, rec, id);
	if (err == SFA_ENOTFOUND) {
		target = json_object();
		sfa_record_merge(target, rec);
		if ((err = stamp_new(target, id)) < 0 || (err = sfa_txn_add(txn, t, id, target)) < 0)
			goto done;
		res->added++;
	} else if (err == 0) {
		if ((err = sfa_index_get(sfa_store_index(s), t, id, &target)) < 0)
			goto done;
		sfa_record_merge(target, rec);
		json_object_set_new(target, "id", json_string(id));
		if ((err = sfa_txn_put(txn, t, id, target, &changed)) < 0)
			goto done;
		if (changed)
			res->updated++;
		else
			res->unchanged++;
	}
done:
	json_decref(target);
	return err;
}

int sfa_import(struct sfa_store *s, const struct sfa_type *t, struct sfa_reader *r,
	       const struct sfa_import_opts *opts, struct sfa_import_result *res)
{
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	unsigned long long seen = 0;
	int err, rc;

	memset(res, 0, sizeof(*res));
	if ((err = sfa_txn_begin(&txn, s, SFA_TXN_BULK)) < 0)
		return err;
	for (;;) {
		json_t *rec = NULL;
		rc = sfa_reader_next(r, &rec);
		if (rc == 0)
			break;
		if (rc > 0) {
			rc = import_one(s, txn, t, rec, res);
			json_decref(rec);
			if (rc < 0 && rc != SFA_EINPUT) {
				err = rc;
				goto done;
			}
			if (rc < 0)
				sfa_error_prefix(rc, "%s:%zu: ", sfa_reader_name(r), sfa_reader_line(r));
		}
		if (rc < 0) {
			/* A record the reader or the check refused. */
			if (!opts->reject || sfa_reader_fatal(r) || rc != SFA_EINPUT) {
				err = rc;
				goto done;
			}
			res->rejected++;
			if (opts->reject(r, opts->data)) {
				err = sfa_error_set(SFA_ESTORE, "import stopped");
				goto done;
			}
		}
		if (++seen % 1000 == 0)
			sfa_progress("importing", seen, 0);
	}
	if (seen >= 1000)
		sfa_progress(NULL, seen, seen);
	if (opts->dry_run)
		goto done;
	if (opts->message)
		sfa_buf_addstr(&msg, opts->message);
	else
		sfa_buf_addf(&msg, "%s: import %zu %s from %s: %zu added, %zu updated",
			     opts->command, res->added + res->updated, res->added + res->updated == 1 ? t->name : t->plural,
			     sfa_reader_name(r), res->added, res->updated);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	return err;
}
