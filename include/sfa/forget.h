/*
 * A person's right to erasure: a lead or contact loses its personal
 * fields, and so do the activities about it and the lead or contact it
 * was converted from or to, in one commit. The index scrubs the past
 * versions too, and the store keeps the ids it forgot (SFA_FORGOTTEN_FILE,
 * no personal data) so that a rebuilt index scrubs them again. The git
 * history keeps the old values until it is rewritten (sfa-forget(1), WHAT
 * REMAINS; sfa_forget_history_script).
 */
#ifndef SFA_FORGET_H
#define SFA_FORGET_H

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/id.h"
#include "sfa/record.h"

struct sfa_schema;
struct sfa_store;

/* What a required text field is left with, so the record stays valid. */
#define SFA_FORGET_TEXT "(forgotten)"

/*
 * The personal fields of type `t`: those `sc` marks "personal": true; for
 * a type with none marked, those of the shipped schema, so a store whose
 * schema was written before the flag existed still forgets. `*out` is a
 * new reference to a sorted array of text (empty for types without
 * personal data).
 */
int sfa_forget_fields(json_t **out, const struct sfa_schema *sc, const struct sfa_type *t);

/*
 * Erases `rec` (a record of type `t`) in place: the fields named by
 * `fields` (array of text, borrowed) go, except that a required text
 * field of `sc` is set to SFA_FORGET_TEXT. The names of the fields that
 * went or were replaced are appended to `removed` (an array, borrowed;
 * may be NULL). Returns their number (0: nothing left to erase).
 */
int sfa_forget_record(json_t *rec, const struct sfa_type *t, const json_t *fields, const struct sfa_schema *sc,
		      json_t *removed);

/*
 * What the user gave (an id, a unique id prefix or an external_id) as a
 * lead or contact: `*type` and `out`. SFA_ENOTFOUND when no record has it,
 * SFA_EINPUT when it names a record of another type, SFA_EAMBIGUOUS when
 * it fits several.
 */
int sfa_forget_resolve(struct sfa_store *s, const char *given, const struct sfa_type **type,
		       char out[SFA_ID_LEN + 1]);

struct sfa_forget_opts {
	const char *message;	/* the commit message; NULL: "sfa forget: contact ID, ..." */
	int dry_run;		/* find what would go, write nothing */
};
#define SFA_FORGET_OPTS_INIT { NULL, 0 }

/*
 * Forgets the people named by `given` (`n` names, as sfa_forget_resolve
 * reads them; any that fails stops it all, nothing written) in one commit:
 *
 * - each person, and the lead or contact linked to it by conversion (a
 *   lead's "contact", a contact's "lead"), loses its personal fields
 *   (sfa_forget_fields, sfa_forget_record) and gets "forgotten_at", the
 *   time of the first forget (sfa_now);
 * - every activity referring to one of them (related_to or any other
 *   field holding its id) or whose mail_from or mail_to is one of their
 *   email addresses loses its personal fields;
 * - leads merged into one of them ("merged_from") are gone from the tree;
 *   their past versions are scrubbed all the same;
 * - SFA_FORGOTTEN_FILE lists every one of these records; the conflict log
 *   of `sfa sync` (state/conflicts.json) loses the values of their
 *   personal fields; the index scrubs their past versions
 *   (sfa_index_forget).
 *
 * `*rows` (may be NULL) is set to a new reference to an array with one
 * object per record changed (or that would be, with opts->dry_run), the
 * people first: {"type": "contact", "id": ID, "removed": N, "fields":
 * "email,first_name,..."}. Forgetting someone already forgotten changes
 * nothing and makes no commit.
 */
int sfa_forget(struct sfa_store *s, const char *const *given, size_t n, const struct sfa_forget_opts *opts,
	       json_t **rows);

/*
 * Appends to `out` a Python 3 program for git-filter-repo (Debian package
 * git-filter-repo) that rewrites the history of the repository it runs in
 * so that every version of the records of SFA_FORGOTTEN_FILE lacks their
 * personal fields, the conflict log keeps none of their values, and
 * commit messages quote none of the values removed. It embeds the list
 * of the store's head (ids and field names only). SFA_ENOTFOUND when the
 * store has forgotten no one.
 */
int sfa_forget_history_script(struct sfa_store *s, struct sfa_buf *out);

#endif
