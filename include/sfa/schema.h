/*
 * The schema: per record type, the declared fields with their value type,
 * whether they are required and their default. It lives in the store
 * (config/schema.json) so a company adds its own fields without code;
 * a store without one uses the shipped default (share/config/schema.json).
 * Fields not declared are kept as custom text fields.
 */
#ifndef SFA_SCHEMA_H
#define SFA_SCHEMA_H

#include <jansson.h>

#include "sfa/record.h"

enum sfa_ftype {
	SFA_FT_TEXT, SFA_FT_EMAIL, SFA_FT_PHONE, SFA_FT_DATE, SFA_FT_DATETIME,
	SFA_FT_MONEY, SFA_FT_INTEGER, SFA_FT_BOOLEAN, SFA_FT_ENUM, SFA_FT_REF
};

struct sfa_field {
	const char *name;
	enum sfa_ftype type;
	int required;
	/* personal data of a person, erased by sfa-forget(1) ("personal": true) */
	int personal;
	json_t *def;			/* default for new records, or NULL */
	json_t *values;			/* enum: allowed values (array of text) */
	const struct sfa_type *to;	/* ref: the record type referred to */
	int to_any;			/* ref: to a record of any type ("to": "any") */
	const char *currency;		/* money: currency when the value has none */
	int has_min, has_max;		/* integer bounds */
	long long min, max;
};

struct sfa_schema;
struct sfa_store;

/* The name of a field type ("money"). */
const char *sfa_ftype_name(enum sfa_ftype t);

/*
 * Parses a schema file's content (borrowed). Errors "PATH: reason", e.g.
 * "lead.fields.status.values: expected a list of text".
 */
int sfa_schema_parse(struct sfa_schema **out, const json_t *cfg);
void sfa_schema_free(struct sfa_schema *sc);

/* The declared field `name` of type `t`, or NULL. */
const struct sfa_field *sfa_schema_field(const struct sfa_schema *sc, const struct sfa_type *t,
					 const char *name);
/* The declared fields of type `t` in name order; `*n` set to their number. */
const struct sfa_field *sfa_schema_fields(const struct sfa_schema *sc, const struct sfa_type *t, size_t *n);

struct sfa_schema_opts {
	/* how dates in input are written: "MM/DD/YYYY", "DD.MM.YYYY"...; NULL: ISO 8601 */
	const char *date_format;
	/* where references are resolved (an id prefix becomes the full id); NULL: syntax only */
	struct sfa_store *store;
};

/*
 * Checks and normalizes, in place, the declared fields present in `rec`
 * (an input record or the changes to one): emails, phones, dates to ISO
 * 8601 (date-times to UTC), money to "1200.50 EUR", integers and booleans
 * to JSON numbers and true/false, enum values to their declared spelling,
 * references to full ids of existing records. Null values are left for
 * the caller (they remove a field).
 */
int sfa_schema_normalize(const struct sfa_schema *sc, const struct sfa_type *t, json_t *rec,
			 const struct sfa_schema_opts *opts);
/* Sets the defaults of declared fields `rec` lacks (new records). */
void sfa_schema_defaults(const struct sfa_schema *sc, const struct sfa_type *t, json_t *rec);
/* Checks that every required field has a value. */
int sfa_schema_required(const struct sfa_schema *sc, const struct sfa_type *t, const json_t *rec);

/* Checker of config/schema.json for the config table. */
int sfa_schema_check_config(struct sfa_store *s, const json_t *cfg);

/* Parses a date written in `format` (YYYY, MM, DD, M, D and literal separators). */
int sfa_date_parse_format(int *y, int *m, int *d, const char **rest, const char *s, const char *format);
/* A date in `format`, then optionally " hh:mm[:ss]" taken as UTC. */
int sfa_datetime_parse_format(time_t *out, const char *s, const char *format);

#endif
