#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sfa/dupes.h"
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
		sfa_time_iso(iso, sfa_now());
		json_object_set_new(rec, "created_at", json_string(iso));
	}
	return 0;
}

/* The generic checks, then the schema's, on input (a new record or changes). */
static int check_input(struct sfa_store *s, const struct sfa_type *t, json_t *rec,
		       const struct sfa_schema_opts *opts, int strict)
{
	const struct sfa_schema *sc;
	json_t *created = json_object_get(rec, "created_at");
	time_t when;
	int err;

	/* created_at is sfa's own, not in the schema, but an export writes it like its other dates */
	if (opts && opts->date_format && json_is_string(created) && json_string_length(created) &&
	    sfa_time_parse(&when, json_string_value(created)) < 0) {
		char iso[21];
		if (sfa_datetime_parse_format(&when, json_string_value(created), opts->date_format) < 0)
			return sfa_error_prefix(SFA_EINPUT, "field 'created_at': ");
		sfa_time_iso(iso, when);
		json_object_set_new(rec, "created_at", json_string(iso));
	}
	if ((err = sfa_record_check(rec)) < 0 || (err = sfa_store_schema(s, &sc)) < 0 ||
	    (err = sfa_schema_normalize(sc, t, rec, opts)) < 0)
		return err;
	if (strict) {
		const char *k;
		json_t *v;
		json_object_foreach(rec, k, v)
			if (strcmp(k, "id") && strcmp(k, "external_id") && strcmp(k, "created_at") &&
			    !sfa_schema_field(sc, t, k))
				return sfa_error_set(SFA_EINPUT, "field '%s': not in the %s schema (--strict)", k, t->name);
	}
	return 0;
}

/* A new record whose input is already checked: defaults, required fields, id, put. */
static int add_checked(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, const json_t *rec,
		       char out[SFA_ID_LEN + 1])
{
	const struct sfa_schema *sc;
	json_t *fresh = json_object();
	int err;

	if ((err = sfa_store_schema(s, &sc)) < 0)
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
	sfa_schema_defaults(sc, t, fresh);
	if ((err = stamp_new(fresh, out)) < 0 || (t->prepare && (err = t->prepare(s, txn, NULL, fresh)) < 0) ||
	    (err = sfa_schema_required(sc, t, fresh)) < 0)
		goto done;
	err = sfa_txn_add(txn, t, out, fresh);
done:
	json_decref(fresh);
	return err;
}

int sfa_add_txn(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, json_t *rec,
		const struct sfa_schema_opts *opts, char out[SFA_ID_LEN + 1])
{
	int err = check_input(s, t, rec, opts, 0);
	return err < 0 ? err : add_checked(s, txn, t, rec, out);
}

int sfa_add(struct sfa_store *s, const struct sfa_type *t, json_t *rec, const char *command,
	    char out[SFA_ID_LEN + 1])
{
	struct sfa_schema_opts so = { NULL, s };
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	int err;

	if ((err = sfa_txn_begin(&txn, s, 0)) < 0 || (err = sfa_add_txn(s, txn, t, rec, &so, out)) < 0)
		goto done;
	sfa_buf_addf(&msg, "%s: add %s %s", command, t->name, out);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	return err;
}

/* Changes already checked: merge them into record `id` and put it. */
static int update_checked(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, const char *id,
			  const json_t *changes, int fill_only, int *changed)
{
	const struct sfa_schema *sc;
	json_t *target = NULL, *old = NULL;
	const char *k;
	json_t *v;
	int err;

	if ((err = sfa_store_schema(s, &sc)) < 0 ||
	    (err = sfa_index_get(sfa_store_index(s), t, id, &target)) < 0)
		return err == SFA_ENOTFOUND ? sfa_error_set(SFA_ENOTFOUND, "no %s '%s'", t->name, id) : err;
	if (t->prepare)
		old = json_deep_copy(target);
	json_object_foreach((json_t *)changes, k, v) {
		json_t *old = json_object_get(target, k);
		if (!strcmp(k, "id"))
			continue;
		if (fill_only && old && !json_is_null(old))
			continue;
		if (json_is_null(v))
			json_object_del(target, k);
		else
			json_object_set(target, k, v);
	}
	if ((!t->prepare || (err = t->prepare(s, txn, old, target)) == 0) &&
	    (err = sfa_schema_required(sc, t, target)) == 0)
		err = sfa_txn_put(txn, t, id, target, changed);
	json_decref(target);
	json_decref(old);
	return err;
}

int sfa_update_txn(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, const char *id,
		   json_t *changes, const struct sfa_schema_opts *opts, int fill_only, int *changed)
{
	int err;
	if ((err = check_input(s, t, changes, opts, 0)) < 0)
		return err;
	return update_checked(s, txn, t, id, changes, fill_only, changed);
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
	if (!json_is_string(v) && t->key)
		v = json_object_get(rec, t->key);
	if (!json_is_string(v))
		return SFA_ENOTFOUND;
	return sfa_index_by_external(ix, t, json_string_value(v), id);
}

/* One input record into the transaction, counted in `res`. */
static int import_one(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, json_t *rec,
		      const struct sfa_import_opts *opts, struct sfa_import_result *res)
{
	struct sfa_schema_opts so = { opts->date_format, s };
	char id[SFA_ID_LEN + 1], dup[SFA_ID_LEN + 1];
	int err, changed;

	if ((err = check_input(s, t, rec, &so, opts->strict)) < 0)
		return err;
	err = find_target(s, t, rec, id);
	if (err == SFA_ENOTFOUND && opts->dedupe != SFA_DEDUPE_OFF) {
		err = sfa_dupes_match(s, t, rec, dup, NULL);
		if (err == 0) {
			switch (opts->dedupe) {
			case SFA_DEDUPE_SKIP:
				res->dupes_skipped++;
				return 0;
			case SFA_DEDUPE_MERGE:
				if ((err = update_checked(s, txn, t, dup, rec, 1, &changed)) < 0)
					return err;
				res->dupes_merged++;
				return 0;
			default:
				json_object_set_new(rec, "duplicate_of", json_string(dup));
				res->dupes_flagged++;
				break;
			}
		}
		if (err < 0 && err != SFA_ENOTFOUND)
			return err;
		err = SFA_ENOTFOUND;
	}
	if (err == SFA_ENOTFOUND) {
		if ((err = add_checked(s, txn, t, rec, id)) < 0)
			return err;
		res->added++;
	} else if (err == 0) {
		if ((err = update_checked(s, txn, t, id, rec, 0, &changed)) < 0)
			return err;
		if (changed)
			res->updated++;
		else
			res->unchanged++;
	}
	return err;
}

int sfa_import(struct sfa_store *s, const struct sfa_type *t, struct sfa_reader *r,
	       const struct sfa_import_opts *opts, struct sfa_import_result *res)
{
	struct sfa_txn *txn = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	unsigned long long seen = 0;
	const char *path;
	json_t *text;
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
			rc = import_one(s, txn, t, rec, opts, res);
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
	json_object_foreach((json_t *)opts->files, path, text)
		if ((err = sfa_txn_put_file(txn, path, json_string_value(text), json_string_length(text))) < 0)
			goto done;
	if (opts->message) {
		sfa_buf_addstr(&msg, opts->message);
	} else {
		sfa_buf_addf(&msg, "%s: import %zu %s from %s: %zu added, %zu updated",
			     opts->command, res->added + res->updated, res->added + res->updated == 1 ? t->name : t->plural,
			     sfa_reader_name(r), res->added, res->updated);
		if (res->dupes_skipped + res->dupes_merged + res->dupes_flagged)
			sfa_buf_addf(&msg, "; duplicates: %zu skipped, %zu merged, %zu flagged",
				     res->dupes_skipped, res->dupes_merged, res->dupes_flagged);
	}
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	sfa_buf_release(&msg);
	return err;
}

/* --- input names ------------------------------------------------------------ */

/*
 * How other systems' exports name the fields, folded (sfa_field_fold).
 * `type` NULL: any type that declares the field.
 */
static const struct synonym {
	const char *type, *from, *to;
} synonyms[] = {
	{ NULL, "firstname", "first_name" }, { NULL, "first", "first_name" },
	{ NULL, "given_name", "first_name" }, { NULL, "forename", "first_name" },
	{ NULL, "lastname", "last_name" }, { NULL, "last", "last_name" }, { NULL, "surname", "last_name" },
	{ NULL, "family_name", "last_name" },
	{ NULL, "e-mail", "email" }, { NULL, "email_address", "email" }, { NULL, "e-mail_address", "email" },
	{ NULL, "mail", "email" }, { NULL, "e-mail_adresse", "email" },
	{ NULL, "phone_number", "phone" }, { NULL, "telephone", "phone" }, { NULL, "tel", "phone" },
	{ NULL, "business_phone", "phone" }, { NULL, "work_phone", "phone" }, { NULL, "office_phone", "phone" },
	{ NULL, "mobile_phone", "mobile" }, { NULL, "cell", "mobile" }, { NULL, "cell_phone", "mobile" },
	{ NULL, "mobile_number", "mobile" },
	{ NULL, "job_title", "title" }, { NULL, "position", "title" },
	{ NULL, "lead_source", "source" }, { NULL, "lead_status", "status" },
	{ NULL, "zip", "postcode" }, { NULL, "zip_code", "postcode" }, { NULL, "postal_code", "postcode" },
	{ NULL, "zip_postal_code", "postcode" }, { NULL, "post_code", "postcode" },
	{ NULL, "state", "region" }, { NULL, "province", "region" }, { NULL, "state_province", "region" },
	{ NULL, "country_code", "country" }, { NULL, "country_region", "country" },
	{ NULL, "no_of_employees", "employees" }, { NULL, "number_of_employees", "employees" },
	{ NULL, "employee_count", "employees" }, { NULL, "num_employees", "employees" },
	{ NULL, "web_site", "website" }, { NULL, "url", "website" }, { NULL, "homepage", "website" },
	{ NULL, "description", "notes" }, { NULL, "comments", "notes" }, { NULL, "comment", "notes" },
	{ NULL, "note", "notes" },
	{ NULL, "lead_owner", "owner" }, { NULL, "owner_name", "owner" }, { NULL, "assigned_to", "owner" },
	{ NULL, "account_owner", "owner" }, { NULL, "contact_owner", "owner" },
	{ NULL, "created", "created_at" }, { NULL, "created_date", "created_at" },
	{ NULL, "create_date", "created_at" }, { NULL, "date_created", "created_at" },
	{ "lead", "company_name", "company" }, { "lead", "organization", "company" },
	{ "lead", "organisation", "company" }, { "lead", "account_name", "company" },
	{ "account", "company", "name" }, { "account", "company_name", "name" },
	{ "account", "account_name", "name" }, { "account", "organization", "name" },
	{ "account", "organisation", "name" }, { "account", "annual_revenue", "revenue" },
	{ "account", "parent_account", "parent" },
	{ "opportunity", "opportunity_name", "name" }, { "opportunity", "deal_name", "name" },
	{ "opportunity", "close", "close_date" }, { "opportunity", "expected_close_date", "close_date" },
	{ "lead", "lead_id", "external_id" }, { "contact", "contact_id", "external_id" },
	{ "account", "account_id", "external_id" },
	/* ERP exports of a catalog; a product's description is its own */
	{ "product", "description", "description" }, { "product", "item_number", "sku" },
	{ "product", "part_number", "sku" }, { "product", "article_number", "sku" },
	{ "product", "product_code", "sku" }, { "product", "item_code", "sku" },
	{ "product", "product_name", "name" }, { "product", "item_name", "name" },
	{ "product", "product_family", "family" }, { "product", "category", "family" },
	{ "product", "list_price", "price" }, { "product", "unit_price", "price" },
	{ "product", "uom", "unit" }, { "product", "unit_of_measure", "unit" },
};

int sfa_import_names(json_t **out, const struct sfa_type *t, const json_t *user)
{
	json_t *map = json_object();
	struct sfa_buf key = SFA_BUF_INIT;
	const char *k;
	json_t *v;

	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
		if (!synonyms[i].type || !strcmp(synonyms[i].type, t->name))
			json_object_set_new(map, synonyms[i].from, json_string(synonyms[i].to));
	json_object_foreach((json_t *)user, k, v) {
		sfa_buf_reset(&key);
		sfa_field_fold(&key, k, strlen(k));
		json_object_set(map, key.buf, v);
	}
	sfa_buf_release(&key);
	*out = map;
	return 0;
}

int sfa_import_map_parse(json_t **out, const char *text, int sep, const char *file)
{
	json_t *map = json_object();
	struct sfa_buf from = SFA_BUF_INIT, to = SFA_BUF_INIT;
	const char *p = text;
	size_t line = 0;
	int err = 0;

	while (*p) {
		const char *end = strchr(p, sep), *eq;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		line++;
		sfa_buf_reset(&from);
		sfa_buf_reset(&to);
		eq = memchr(p, '=', n);
		/* trimmed "from" and "to" */
		if (eq) {
			const char *a = p, *b = eq;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			sfa_buf_add(&from, a, (size_t)(b - a));
			a = eq + 1;
			b = p + n;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
				b--;
			sfa_buf_add(&to, a, (size_t)(b - a));
		}
		if (sep == '\n') {
			size_t k = strspn(p, " \t\r");
			if (k == n || p[k] == '#') {
				p += n + (end != NULL);
				continue;
			}
		}
		if (!eq || !from.len) {
			err = sep == '\n' ? sfa_error_set(SFA_EUSAGE, "%s:%zu: expected 'Column Name=field'", file, line)
					  : sfa_error_set(SFA_EUSAGE, "--map: '%.*s': expected 'Column Name=field'", (int)n, p);
			goto done;
		}
		if ((err = sfa_field_name_check(to.buf)) < 0) {
			err = sep == '\n' ? sfa_error_prefix(SFA_EUSAGE, "%s:%zu: ", file, line)
					  : sfa_error_prefix(SFA_EUSAGE, "--map: '%s': ", from.buf);
			goto done;
		}
		json_object_set_new(map, from.buf, json_string(to.buf));
		p += n + (end != NULL);
	}
done:
	sfa_buf_release(&from);
	sfa_buf_release(&to);
	if (err < 0) {
		json_decref(map);
		return err;
	}
	*out = map;
	return 0;
}
