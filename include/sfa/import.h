/*
 * Writing records from input: one record (add), many in one commit
 * (import, an upsert by id or external_id), and changes to stored records
 * (set). Shared by every record type; every value is checked against the
 * store's schema.
 */
#ifndef SFA_IMPORT_H
#define SFA_IMPORT_H

#include <stddef.h>
#include <jansson.h>

#include "sfa/id.h"
#include "sfa/record.h"
#include "sfa/schema.h"
#include "sfa/store.h"
#include "sfa/stream.h"

/*
 * Adds one record of type `t` as a new record with a new id (and
 * created_at, when not given) in one commit; returns the id in `out`.
 * `command` names the command in the commit message ("sfa-lead").
 */
int sfa_add(struct sfa_store *s, const struct sfa_type *t, json_t *rec, const char *command,
	    char out[SFA_ID_LEN + 1]);

/*
 * Inside a transaction: checks a new record against the schema, sets its
 * defaults, id and created_at (unless given), and puts it; id in `out`.
 */
int sfa_add_txn(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, json_t *rec,
		const struct sfa_schema_opts *opts, char out[SFA_ID_LEN + 1]);

/*
 * Inside a transaction: applies `changes` (null removes a field) to record
 * `id`, checked against the schema. With `fill_only`, only fields the
 * record lacks are set (a merge keeps the survivor's values). `*changed`
 * (may be NULL) tells whether the stored record changed.
 */
int sfa_update_txn(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, const char *id,
		   json_t *changes, const struct sfa_schema_opts *opts, int fill_only, int *changed);

/* What an import does with a new record that matches a stored one (sfa-lead dupes). */
enum sfa_dedupe {
	SFA_DEDUPE_OFF,		/* add it anyway */
	SFA_DEDUPE_SKIP,	/* leave it out */
	SFA_DEDUPE_MERGE,	/* fill the stored record's empty fields from it */
	SFA_DEDUPE_FLAG,	/* add it with duplicate_of set to the stored one */
};

struct sfa_import_opts {
	const char *command;	/* "sfa-lead", for the commit message */
	const char *message;	/* replaces the commit message when set */
	int dry_run;		/* check and count, write nothing */
	int strict;		/* refuse fields the schema does not declare */
	enum sfa_dedupe dedupe;
	const char *date_format;	/* for dates not in ISO 8601 ("MM/DD/YYYY") */
	/* files to write in the same commit (a map to keep): path -> text, borrowed */
	const json_t *files;
	/*
	 * When set, a bad record does not stop the import: it is handed to
	 * `reject` (the reader still holds its raw bytes; sfa_error_last()
	 * says what is wrong) and the good ones go in. A non-zero return
	 * from `reject` stops the import.
	 */
	int (*reject)(struct sfa_reader *r, void *data);
	void *data;
};
#define SFA_IMPORT_OPTS_INIT { "sfa", NULL, 0, 0, SFA_DEDUPE_OFF, NULL, NULL, NULL, NULL }

struct sfa_import_result {
	size_t added, updated, unchanged, rejected;
	size_t dupes_skipped, dupes_merged, dupes_flagged;
};

/*
 * Reads every record from `r` and writes them in one commit: a record
 * with `id` updates that record (which must exist), one whose
 * `external_id` is already stored updates that one, others are added
 * (or, with `dedupe`, matched against stored records first).
 * Updates merge: given fields replace stored ones, null removes one.
 * Without `reject`, the first bad record stops the import and nothing is
 * written; its message names source, line and field.
 */
int sfa_import(struct sfa_store *s, const struct sfa_type *t, struct sfa_reader *r,
	       const struct sfa_import_opts *opts, struct sfa_import_result *res);

/*
 * The input-name map for importing records of type `t`: the usual
 * spellings of other systems' exports ("E-mail Address", "Zip/Postal
 * Code", "Lead Source"), then `user` (input name -> field, borrowed, may
 * be NULL) over them. Keys are folded (sfa_field_fold). New reference.
 */
int sfa_import_names(json_t **out, const struct sfa_type *t, const json_t *user);

/*
 * Parses a map: "First Name=first_name,Lead Source=source" (`sep` ',')
 * or a map file's lines (`sep` '\n', '#' comments). `out`: input name ->
 * field (new reference). Errors name the entry (and line for files).
 */
int sfa_import_map_parse(json_t **out, const char *text, int sep, const char *file);

#endif
