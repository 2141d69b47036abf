/*
 * Three-way merge of one record, field by field, for `sfa sync`: two
 * clones changed the same record offline. The merge never loses a value
 * without saying so and never writes a conflict marker: a field changed
 * on both sides to different values is settled by a stated rule, and the
 * value that lost goes to a log the user can review and undo.
 */
#ifndef SFA_MERGE_H
#define SFA_MERGE_H

#include <jansson.h>

/* How a field changed on both sides to different values is settled. */
enum sfa_merge_rule {
	SFA_MERGE_LATER,	/* "later": the side that changed the record later (the default) */
	SFA_MERGE_OURS,		/* "ours": our value */
	SFA_MERGE_THEIRS,	/* "theirs": their value */
};

/* "later", "ours" or "theirs"; SFA_EINPUT "'X': expected later, ours or theirs" otherwise. */
int sfa_merge_rule_parse(enum sfa_merge_rule *out, const char *s);
/* The name of `rule`, as sfa_merge_rule_parse reads it. */
const char *sfa_merge_rule_name(enum sfa_merge_rule rule);

/* One side of a merge. Everything is borrowed for the call. */
struct sfa_merge_side {
	const json_t *rec;	/* the record; NULL when this side has none (deleted) */
	long long time;		/* commit time of this side's last change of the record */
	const char *who;	/* who made that change, for the log; NULL: unknown */
};

/*
 * Merges the record as `ours` and `theirs` have it against `base`, their
 * common ancestor's version (NULL when the record is new on both sides).
 * Neither side may be NULL; the records in them and `base` are borrowed
 * and never modified.
 *
 * Field by field: changed on one side only (removing is a change), that
 * side's value; changed on both to equal values (json_equal), that value;
 * changed on both to different values, a conflict settled by `rule`, except:
 *
 * - a list of events (an array whose entries are all objects with an "at"
 *   text, such as a deal's "stage_history") on both sides: the union, that
 *   is every entry of either side, less those of `base` that one side
 *   removed, each entry once, sorted by "at" and then by the entry's
 *   compact JSON (sfa_value_json);
 * - "updated_at" as text on both sides: the greater text, not logged.
 *
 * SFA_MERGE_LATER keeps the value of the side with the greater `time`; on
 * a tie, the value whose compact JSON (sfa_value_json: keys sorted) is
 * byte-wise greater, a removed field counting as less than any value, so
 * merging either way round gives the same record.
 *
 * The record deleted on one side: when the other changed it, that side's
 * record is kept whole (and logged); otherwise the merge deletes it.
 *
 * On success `*out` is a new reference to a fresh record (sharing nothing
 * with the inputs), or NULL when the merged record is deleted; `*log`
 * (when `log` is not NULL) a new reference to an array with one object
 * per conflict, fields in byte order:
 *
 *   {"field": NAME, "kind": "both-changed", "base": B, "kept": K,
 *    "lost": L, "kept_by": WHO, "lost_by": WHO, "kept_at": TIME,
 *    "lost_at": TIME, "rule": "later"|"ours"|"theirs"}
 *
 * where "base", "kept" and "lost" are left out when the field is absent
 * there (so a removed field differs from one set to null), and WHO is
 * null when unknown or not UTF-8; and for a delete against an edit:
 *
 *   {"field": null, "kind": "delete-edit", "kept": "ours"|"theirs",
 *    "kept_by": ..., "lost_by": ..., "kept_at": ..., "lost_at": ...}
 *
 * SFA_EINPUT when `base` or a side's record is not an object; then `*out`
 * and `*log` are NULL.
 */
int sfa_merge_record(json_t **out, json_t **log, const json_t *base,
		     const struct sfa_merge_side *ours, const struct sfa_merge_side *theirs,
		     enum sfa_merge_rule rule);

/*
 * Settles a conflict by hand: sets field `field` of `rec` to a copy of
 * `value` (borrowed), or removes the field when `value` is NULL. Refuses
 * (SFA_EINPUT) a bad field name, "id", and a `rec` that is not an object;
 * the value itself is checked when the record is stored (sfa_record_check).
 */
int sfa_merge_resolve(json_t *rec, const char *field, const json_t *value);

#endif
