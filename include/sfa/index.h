/*
 * The query index: a SQLite database beside the repository holding every
 * record of one commit, so lists and reports never walk git trees. It is
 * derived and disposable: it records which commit it reflects and is
 * brought up to that branch head from the tree diff when the branch moved.
 */
#ifndef SFA_INDEX_H
#define SFA_INDEX_H

#include <git2.h>
#include <jansson.h>

#include "sfa/id.h"
#include "sfa/record.h"

struct sfa_index;

/* Opens (creating the schema if needed) the index at `path`. */
int sfa_index_open(struct sfa_index **out, const char *path);
void sfa_index_free(struct sfa_index *ix);

/* The commit the index reflects; SFA_ENOTFOUND for a new index. */
int sfa_index_commit(struct sfa_index *ix, git_oid *out);

/* Write transactions: begin, then end with commit=1 to keep or 0 to drop. */
int sfa_index_begin(struct sfa_index *ix);
int sfa_index_end(struct sfa_index *ix, int commit);
/*
 * Inside a transaction: many records are coming (an import), so derived
 * rows are staged and put in place in order when the transaction ends.
 */
void sfa_index_bulk(struct sfa_index *ix, int on);
/*
 * Inside a transaction: records that the index now reflects `commit`,
 * made at `time` (seconds since the epoch), the next step of the branch's
 * first-parent line. The versions the transaction replaced stay in the
 * index as history (see sfa_query.as_of).
 */
int sfa_index_set_commit(struct sfa_index *ix, const git_oid *commit, long long time);

/*
 * History: the commits the index holds are numbered 1, 2, ... along the
 * branch's first-parent line. sfa_index_seq_at gives the last one made at
 * or before `time`, sfa_index_seq_of the number of `commit`; both
 * SFA_ENOTFOUND when there is none (before the first commit, or a commit
 * not on the line). sfa_index_seq_commit gives a number's commit and time.
 */
int sfa_index_seq_at(struct sfa_index *ix, long long time, long long *seq);
int sfa_index_seq_of(struct sfa_index *ix, const git_oid *commit, long long *seq);
int sfa_index_seq_commit(struct sfa_index *ix, long long seq, git_oid *commit, long long *time);

/*
 * Inside a transaction: one record's row; `body` is its stored encoding
 * (SFA_ESTORE when it is not a JSON object).
 */
int sfa_index_put(struct sfa_index *ix, const struct sfa_type *t, const char *id,
		  const git_oid *blob, const char *body, size_t len);
int sfa_index_del(struct sfa_index *ix, const struct sfa_type *t, const char *id);

/*
 * The records whose personal fields were erased (sfa-forget(1)), kept in
 * the store because a rebuilt index reads every past version back from
 * history: a JSON object by record id of
 *   {"at": "2026-11-23T10:00:00Z", "fields": ["email", ...], "type": "contact"}
 * (ids, times and field names only). sfa_index_rebuild and
 * sfa_index_update scrub the past versions of those records again.
 */
#define SFA_FORGOTTEN_FILE "state/forgotten.json"

/*
 * Inside a transaction: every past version of record `id` the index holds
 * (sfa_query.as_of) loses the fields named by `fields` (a JSON array of
 * text, borrowed) when the transaction ends, after the versions the
 * transaction itself adds; what SQLite frees from then on is zeroed, the
 * full-text index is merged so deleted words go, and the write-ahead log
 * is folded in after the commit. The current row is the caller's (it
 * writes the record without the fields).
 */
int sfa_index_forget(struct sfa_index *ix, const struct sfa_type *t, const char *id, const json_t *fields);

/* The blob id of a record in the index; SFA_ENOTFOUND when absent. */
int sfa_index_oid(struct sfa_index *ix, const struct sfa_type *t, const char *id, git_oid *out);
/* The record itself (new reference); SFA_ENOTFOUND when absent. */
int sfa_index_get(struct sfa_index *ix, const struct sfa_type *t, const char *id, json_t **out);
/* The id of the record with this external_id; SFA_ENOTFOUND when none. */
int sfa_index_by_external(struct sfa_index *ix, const struct sfa_type *t, const char *ext,
			  char out[SFA_ID_LEN + 1]);
/*
 * The full id for an id or unique prefix (already normalized);
 * SFA_ENOTFOUND or SFA_EAMBIGUOUS otherwise.
 */
int sfa_index_resolve(struct sfa_index *ix, const struct sfa_type *t, const char *prefix,
		      char out[SFA_ID_LEN + 1]);

/* 1 if some record of type `t` has (or had) field `name`, else 0. */
int sfa_index_field_known(struct sfa_index *ix, const struct sfa_type *t, const char *name);
/* Every field name seen on records of type `t`, sorted (strings owned by the array). */
int sfa_index_fields(struct sfa_index *ix, const struct sfa_type *t, json_t **out);

/* A condition of a list query on one field. */
enum sfa_op {
	SFA_OP_EQ, SFA_OP_NE, SFA_OP_LT, SFA_OP_LE, SFA_OP_GT, SFA_OP_GE,
	SFA_OP_CONTAINS,	/* case- and accent-insensitive substring */
	SFA_OP_IN,		/* equal to one of `values` */
	SFA_OP_EMPTY, SFA_OP_NOT_EMPTY
};

/* How values of a field compare: as text (ISO dates too), whole numbers, or amounts. */
enum sfa_cmp { SFA_CMP_TEXT, SFA_CMP_NUMBER, SFA_CMP_MONEY };

struct sfa_cond {
	char *field;
	enum sfa_op op;
	enum sfa_cmp cmp;
	/*
	 * The values as stored JSON ("\"new\"", "250", "true"); for <, >
	 * the plain text or number. One value except for SFA_OP_IN.
	 */
	char **values;
	size_t nvalues;
	int alt;	/* 0: must hold; k > 0: part of alternative k of the OR block */
};

struct sfa_sort {
	char *field;
	int desc;
};

struct sfa_query {
	const struct sfa_type *type;
	const struct sfa_cond *conds;	/* all with alt 0 must hold, and all of one alternative */
	size_t nconds;
	int or_block;			/* the alternatives apply (none: nothing matches) */
	const char *match;		/* FTS5 expression (sfa_fts_query), or NULL */
	const struct sfa_sort *sort;	/* then created_at, id; search: by rank */
	size_t nsort;
	const char *refers_to;		/* only records with a field holding this id */
	long limit;			/* < 0: no limit */
	int ids_only;			/* records hold only "id" (for --format ids) */
	int unordered;			/* any order will do (reports): no sort, no ORDER BY */
	/*
	 * 0: the records now; else the records as they were at commit
	 * number `as_of` (sfa_index_seq_at). Not with `match` or `refers_to`.
	 */
	long long as_of;
	/*
	 * The read rule ("read": "territory" in config/access.json): only
	 * records whose owner is `reader`, that have no territory, or whose
	 * territory is `reader_territory` (NULL: none). NULL: every record.
	 */
	const char *reader, *reader_territory;
};

/*
 * Calls `fn` for each matching record in stable order, streaming; returns
 * the number of records or a negative code (also when `fn` fails, which
 * stops the walk).
 */
long sfa_index_list(struct sfa_index *ix, const struct sfa_query *q,
		    int (*fn)(const json_t *rec, void *data), void *data);

/*
 * The values of `fields` (NULL-ended; "id", "external_id", "created_at"
 * or body fields) of each record matching `q` (its sort and limit apply
 * too), as text: strings unquoted, numbers as digits, lists and objects as
 * JSON, NULL for a missing field. For reports, which read a few fields of
 * many records: no record is parsed. Opportunities read in any order with
 * no condition but the read rule come from the index's deals table, read
 * by a second thread; `fn` runs on the caller's thread and must not use
 * the index meanwhile. Returns the number of rows or a negative code (also
 * when `fn` fails).
 */
/*
 * A field sfa_index_rows derives: the moves of a record's stage history
 * (SFA_INDEX_MOVES_OF), one line each, "AT<TAB>TO<TAB>FROM<LF>": AT in
 * seconds since 1970, TO and FROM the stages' names (FROM empty when the
 * entry has none), a tab, newline or backslash in them written \t, \n,
 * \\. Entries without a "to" or a valid "at" are left out; NULL when the
 * record has no history list. Reports read a million histories: this is a
 * third of their JSON and parses several times faster.
 */
#define SFA_INDEX_MOVES "stage_moves"
#define SFA_INDEX_MOVES_OF "stage_history"

long sfa_index_rows(struct sfa_index *ix, const struct sfa_query *q, const char *const *fields,
		    int (*fn)(const char *const *values, void *data), void *data);

/*
 * Records of every type referring to `id` (a field holding it), newest
 * first: `fn` gets the type and the record.
 */
long sfa_index_referrers(struct sfa_index *ix, const char *id,
			 int (*fn)(const struct sfa_type *t, const json_t *rec, void *data), void *data);

/*
 * Ids of records of type `t` with match key `kind` ("email", "phone",
 * "block", "company", "domain") equal to `key`, to `fn` in id order;
 * with `key` NULL every key of that kind, ordered by key (`fn` gets it).
 */
long sfa_index_keys(struct sfa_index *ix, const struct sfa_type *t, const char *kind, const char *key,
		    int (*fn)(const char *key, const char *id, void *data), void *data);

/* The SQLite handle, for reports that need their own queries (read only). */
struct sqlite3;
struct sqlite3 *sfa_index_db(struct sfa_index *ix);

/*
 * Brings the index from the commit it reflects to `to`, reading only the
 * records whose blobs differ (rename detection has no place here: two
 * similar records are two records). Rebuilds from scratch when the index
 * is new or its commit is gone. Runs its own transaction.
 */
int sfa_index_update(struct sfa_index *ix, git_repository *repo, const git_oid *to);
/* Drops everything and indexes `to` afresh. */
int sfa_index_rebuild(struct sfa_index *ix, git_repository *repo, const git_oid *to);

#endif
