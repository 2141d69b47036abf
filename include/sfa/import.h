/*
 * Writing records from input: one record (add) or many in one commit
 * (import, an upsert by id or external_id). Shared by every record type.
 */
#ifndef SFA_IMPORT_H
#define SFA_IMPORT_H

#include <stddef.h>
#include <jansson.h>

#include "sfa/id.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "sfa/stream.h"

/*
 * Adds one record of type `t` as a new record with a new id (and
 * created_at, when not given) in one commit; returns the id in `out`.
 * `command` names the command in the commit message ("sfa-lead").
 */
int sfa_add(struct sfa_store *s, const struct sfa_type *t, json_t *rec, const char *command,
	    char out[SFA_ID_LEN + 1]);

struct sfa_import_opts {
	const char *command;	/* "sfa-lead", for the commit message */
	const char *message;	/* replaces the commit message when set */
	int dry_run;		/* check and count, write nothing */
	/*
	 * When set, a bad record does not stop the import: it is handed to
	 * `reject` (the reader still holds its raw bytes; sfa_error_last()
	 * says what is wrong) and the good ones go in. A non-zero return
	 * from `reject` stops the import.
	 */
	int (*reject)(struct sfa_reader *r, void *data);
	void *data;
};
#define SFA_IMPORT_OPTS_INIT { "sfa", NULL, 0, NULL, NULL }

struct sfa_import_result {
	size_t added, updated, unchanged, rejected;
};

/*
 * Reads every record from `r` and writes them in one commit: a record
 * with `id` updates that record (which must exist), one whose
 * `external_id` is already stored updates that one, others are added.
 * Updates merge: given fields replace stored ones, null removes one.
 * Without `reject`, the first bad record stops the import and nothing is
 * written; its message names source, line and field.
 */
int sfa_import(struct sfa_store *s, const struct sfa_type *t, struct sfa_reader *r,
	       const struct sfa_import_opts *opts, struct sfa_import_result *res);

#endif
