/*
 * The store: a bare git repository whose branch `main` is the truth, and
 * beside it the SQLite index of that branch's head. Writes go through a
 * transaction: objects first, then the branch moved by compare-and-swap,
 * so a killed command leaves the store as before or after, never between.
 */
#ifndef SFA_STORE_H
#define SFA_STORE_H

#include <git2.h>
#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/id.h"
#include "sfa/index.h"
#include "sfa/record.h"

#define SFA_BRANCH "refs/heads/main"
#define SFA_INDEX_FILE "sfa-index.sqlite"
#define SFA_LOCK_FILE "sfa.lock"
#define SFA_TMP_DIR "sfa-tmp"

struct sfa_store;

/* Starts libgit2 with durable writes; safe to call more than once. */
void sfa_global_init(void);
void sfa_global_shutdown(void);

/* Where the store is: `opt` (--store), else $SFA_STORE, else the default. */
void sfa_store_locate(struct sfa_buf *out, const char *opt);

/* Creates a store at `path` (must not exist, or be an empty folder). */
int sfa_store_init(const char *path);
/* Removes folder `path` and everything in it (a store half made). */
void sfa_remove_tree(const char *path);

/*
 * Opens the store at `path` and brings its index up to the branch head
 * (rebuilding it if missing or corrupt).
 */
int sfa_store_open(struct sfa_store **out, const char *path);
/* Opens only the repository, for work that must not touch the index (unlock). */
int sfa_store_open_bare(struct sfa_store **out, const char *path);
void sfa_store_free(struct sfa_store *s);

const char *sfa_store_path(const struct sfa_store *s);
git_repository *sfa_store_repo(struct sfa_store *s);
struct sfa_index *sfa_store_index(struct sfa_store *s);
int sfa_store_head(struct sfa_store *s, git_oid *out);

/*
 * The full id for an id, id prefix or external_id the user gave
 * (SFA_ENOTFOUND, SFA_EAMBIGUOUS).
 */
int sfa_store_resolve(struct sfa_store *s, const struct sfa_type *t, const char *given,
		      char out[SFA_ID_LEN + 1]);
/*
 * What a reference names: a record of type `t` (any type when NULL) given
 * by its id, a unique id prefix or its external_id (an id from the system
 * the records came from). `*type` (may be NULL) is set to its type.
 * SFA_ENOTFOUND, SFA_EAMBIGUOUS (two records, two types) otherwise.
 */
int sfa_store_find(struct sfa_store *s, const struct sfa_type *t, const char *given,
		   const struct sfa_type **type, char out[SFA_ID_LEN + 1]);
/* "leads/ab/abcdefghjkmn.json" */
void sfa_store_record_path(struct sfa_buf *out, const struct sfa_type *t, const char *id);
/* A record as of the branch head, read from git; SFA_ENOTFOUND when absent. */
int sfa_store_read(struct sfa_store *s, const struct sfa_type *t, const char *id, json_t **out);

/* Appends the file at `path` ("config/users.json") as of the head; SFA_ENOTFOUND when absent. */
int sfa_store_read_file(struct sfa_store *s, const char *path, struct sfa_buf *out);
/*
 * Reads files, records by path and configuration (schema, pipelines,
 * config files) from `commit` from now on, as they were then; NULL: from
 * the head again. For reports as of a past date; never while writing.
 */
void sfa_store_view(struct sfa_store *s, const git_oid *commit);

/*
 * The store's schema (config/schema.json, or the shipped default when the
 * store has none), loaded once per open store and owned by it.
 */
struct sfa_schema;
int sfa_store_schema(struct sfa_store *s, const struct sfa_schema **out);

/*
 * The store's sales processes (config/pipelines.json, or the shipped
 * default), loaded once per open store and owned by it.
 */
struct sfa_pipelines;
int sfa_store_pipelines(struct sfa_store *s, const struct sfa_pipelines **out);

/*
 * The store's quoting rules and price books (config/quoting.json and
 * config/pricebooks.json, or the shipped defaults), loaded once per open
 * store and owned by it. Either pointer may be NULL.
 */
struct sfa_quoting;
struct sfa_pricebooks;
int sfa_store_quoting(struct sfa_store *s, const struct sfa_quoting **q, const struct sfa_pricebooks **pb);

/* The author's name (of sfa_store_signature), for records that say who did something. */
const char *sfa_store_user(struct sfa_store *s);

/*
 * Who the user is as an owner of records (a key of config/users.json):
 * $SFA_REP, else the user whose email or key is the author's, else the
 * author's name. Appended to `out`.
 */
void sfa_store_me(struct sfa_store *s, struct sfa_buf *out);

/* The commit author: $SFA_USER/$SFA_EMAIL, git config, or the login name. */
int sfa_store_signature(struct sfa_store *s, git_signature **out);

/* Rebuilds the index from scratch. */
int sfa_store_reindex(struct sfa_store *s);

/*
 * Removes lock files left by a killed command (refs' *.lock, temporary
 * packs) while holding the write lock, so no running sfa command is hit.
 * Appends the removed paths, one per line, to `removed`.
 */
int sfa_store_unlock(struct sfa_store *s, struct sfa_buf *removed);

/* --- transactions ----------------------------------------------------- */

struct sfa_txn;

/* Write objects into one pack rather than as loose files (imports). */
#define SFA_TXN_BULK 1u
/*
 * Skip the access rules (config/access.json): for a sync's merge, whose
 * records come from the remote, which checked them when they were pushed.
 */
#define SFA_TXN_TRUSTED 2u

/*
 * Takes the store's write lock (waiting up to $SFA_LOCK_TIMEOUT seconds,
 * then SFA_EBUSY) and brings the index up to the head. When the store
 * has access rules, every put, delete and file written is checked
 * against them for the user sfa_store_me() names (SFA_EDENIED).
 */
int sfa_txn_begin(struct sfa_txn **out, struct sfa_store *s, unsigned flags);

/*
 * Stores `rec` as record `id` of type `t`. `*changed` (may be NULL) is set
 * to 0 when the record is already stored exactly so, else 1.
 */
int sfa_txn_put(struct sfa_txn *txn, const struct sfa_type *t, const char *id,
		const json_t *rec, int *changed);
/* Stores a new record under an id just made with sfa_id_new (no lookup). */
int sfa_txn_add(struct sfa_txn *txn, const struct sfa_type *t, const char *id, const json_t *rec);
/*
 * Takes record `id` of type `t` out of the tree (its history stays);
 * SFA_ENOTFOUND when there is no such record.
 */
int sfa_txn_del(struct sfa_txn *txn, const struct sfa_type *t, const char *id);
/*
 * Writes a file outside the record folders, "config/NAME" or "state/NAME"
 * (one folder level); `data` NULL removes it. The caller checks content.
 */
int sfa_txn_put_file(struct sfa_txn *txn, const char *path, const void *data, size_t len);
/* Number of records and files put or deleted so far. */
size_t sfa_txn_count(const struct sfa_txn *txn);

/*
 * Makes one commit with `message` and moves the branch to it; a no-op
 * (returning 0 and the head) when nothing changed. Frees `txn`.
 */
int sfa_txn_commit(struct sfa_txn *txn, const char *message, git_oid *out);
/* The commit the transaction builds on: the head when it began. */
const git_oid *sfa_txn_base(const struct sfa_txn *txn);
/*
 * Makes the commit a merge: `other` becomes its second parent (and the
 * commit is made even when the tree does not change).
 */
void sfa_txn_merge(struct sfa_txn *txn, const git_oid *other);
/*
 * Moves the branch from the base to `to`, a descendant of it whose objects
 * are in the store, instead of committing, and brings the index along by
 * the tree diff. Frees `txn`.
 */
int sfa_txn_fast_forward(struct sfa_txn *txn, const git_oid *to);
/* Abandons the transaction: nothing is written. */
void sfa_txn_free(struct sfa_txn *txn);

#endif
