/*
 * Records: one JSON object per record, stored as one file per record in
 * the canonical encoding (keys sorted, one field per line) so `git diff`
 * reads like a change log and edits to different fields merge cleanly.
 */
#ifndef SFA_RECORD_H
#define SFA_RECORD_H

#include <time.h>
#include <jansson.h>

#include "sfa/buf.h"

struct sfa_store;
struct sfa_txn;

/*
 * A record type: its name, its folder in the store, its usual columns and
 * the fields full-text search reads. Field types are the schema's business.
 */
struct sfa_type {
	const char *name;		/* "lead" */
	const char *plural;		/* "leads" (also the folder) */
	const char *const *columns;	/* default output order, NULL-ended */
	const char *const *search;	/* searched by `search`, NULL-ended */
	const char *const *hidden;	/* not in default columns (lists), NULL-ended, or NULL */
	/*
	 * The type's own rules, run on every write after the schema's checks:
	 * `old` is the stored record (NULL for a new one), `rec` the record
	 * to store, which it may complete; it may write other records in
	 * `txn`. NULL: none.
	 */
	int (*prepare)(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec);
	/*
	 * A field that is also the record's external_id (a product's sku),
	 * so imports update by it and commands find the record by it; or NULL.
	 */
	const char *key;
};

extern const struct sfa_type sfa_type_lead, sfa_type_account, sfa_type_contact, sfa_type_opportunity,
	sfa_type_activity, sfa_type_product, sfa_type_quote, sfa_type_order;
/* More than the number of types, for tables indexed by a type's position. */
#define SFA_TYPES_MAX 16
/* The types the store knows, NULL-ended. */
extern const struct sfa_type *const sfa_types[];
/* The type called `name` (singular or plural), or NULL. */
const struct sfa_type *sfa_type_find(const char *name);

#define SFA_FIELD_NAME_MAX 64

/*
 * Checks a field name: 1-64 bytes of UTF-8 whose ASCII characters are
 * a-z, 0-9, '_' and '-', not starting with '_' or '-'.
 */
int sfa_field_name_check(const char *name);

/*
 * Checks a record before it is stored and normalizes it in place: field
 * names, no nested values, empty text turned to null ("no value"), `id` a
 * valid id, `created_at` a date-time (stored in UTC). A list (an array of
 * flat objects, such as a deal's stage history) is the one nested value.
 * The schema's checks
 * are separate (sfa_schema_normalize).
 * Messages name the field: "field 'email': not an address: 'bob@'".
 */
int sfa_record_check(json_t *rec);

/* The text of field `name` of `rec`, or NULL when it has none or it is not text. */
const char *sfa_record_text(const json_t *rec, const char *name);

/* Applies `changes` to `rec`: a field set to null is removed. */
void sfa_record_merge(json_t *rec, const json_t *changes);

/*
 * Appends the canonical encoding of `rec` to `out`: "{\n", then one
 * `  "key": value` line per field in byte order of the keys, "}\n".
 * Values are compact JSON; strings keep their UTF-8 unescaped; a list
 * has one entry per line.
 */
void sfa_record_encode(struct sfa_buf *out, const json_t *rec);

/* Parses a stored record (any valid JSON object); new reference. */
int sfa_record_decode(json_t **out, const char *data, size_t len);

/* "2026-11-22T10:04:05Z" for `t` (UTC). */
void sfa_time_iso(char out[21], time_t t);

/*
 * Parses an ISO 8601 date ("2024-03-05") or date-time with "Z" or an
 * offset ("2024-03-05T10:00:00+02:00", seconds and fraction optional)
 * into UTC seconds.
 */
int sfa_time_parse(time_t *out, const char *s);

/* Days in `month` (1-12) of `year` (Gregorian). */
int sfa_days_in_month(int year, int month);

/*
 * The time now, or $SFA_NOW (an ISO 8601 date-time) when set, so that
 * scripts and tests can reproduce what relative dates and decay give.
 */
time_t sfa_now(void);

#endif
