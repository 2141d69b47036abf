/*
 * Sync with a shared remote: git is the distributed engine, the records
 * are merged one by one. `sfa sync` fetches the remote's main, merges it
 * into ours record by record (lib/merge.c: field by field against the
 * common ancestor, conflicts settled by a rule and logged in
 * state/conflicts.json), and pushes the result, never forced; a push that
 * lost a race with another is retried from the fetch.
 */
#ifndef SFA_SYNC_H
#define SFA_SYNC_H

#include <git2.h>
#include <jansson.h>

#include "sfa/merge.h"

struct sfa_store;

/* The file of the conflict log, in the store's tree. */
#define SFA_CONFLICTS_FILE "state/conflicts.json"

struct sfa_sync_opts {
	const char *remote;		/* NULL: "origin" */
	enum sfa_merge_rule rule;	/* how a field changed on both sides is settled, */
	int rule_set;			/* when given; else config/sync.json's, else later */
	int dry_run;			/* fetch and show; merge nothing, push nothing */
	int no_push;			/* fetch and merge only */
};
#define SFA_SYNC_OPTS_INIT { NULL, SFA_MERGE_LATER, 0, 0, 0 }

/* What a sync did (or, dry, would do). */
struct sfa_sync_result {
	size_t ahead, behind;	/* commits only here, only there, after the fetch */
	size_t in;		/* records taken from the remote as they are there */
	size_t merged;		/* records changed on both sides, merged field by field */
	size_t conflicts;	/* fields settled by the rule (each logged) */
	size_t out;		/* records of ours the remote did not have yet */
	int empty_remote;	/* the remote had no main: this store became its content */
	int fast_forward, merge, pushed;
	unsigned retries;	/* pushes lost to another sync and done again */
	enum sfa_merge_rule rule;	/* the rule the merge used */
	/*
	 * One row per record that changed, new reference: {"change":
	 * "in"|"out"|"merged"|"conflict"|"kept", "type", "id", and for a
	 * conflict "field", "kept", "lost", "conflict" (its id)}.
	 */
	json_t *rows;
};

/*
 * Fetches, merges and pushes. Exit-worthy codes: SFA_EBUSY for an
 * unreachable remote, a lost race retried too often or another sync of
 * the same store running (nothing changed here); SFA_EINPUT for a remote
 * that is not an sfa store or whose trees are refused (bad names, huge or
 * malformed records), before anything is merged; SFA_EDENIED for a push
 * the remote refused (its message in the error; our commits stay here).
 * `res` is filled as far as the sync went; release it with
 * sfa_sync_result_release.
 */
int sfa_sync(struct sfa_store *s, const struct sfa_sync_opts *o, struct sfa_sync_result *res);
void sfa_sync_result_release(struct sfa_sync_result *res);

/* Checker of config/sync.json for the config table: {"rule": "later" | "ours" | "theirs"}. */
int sfa_sync_check_config(struct sfa_store *s, const json_t *cfg);

/*
 * Clones the store at `url` into the new folder `path` (a bare repository
 * with the remote "origin") and builds its index. Nothing is left behind
 * on failure; SFA_EINPUT when the remote is not an sfa store.
 */
int sfa_sync_clone(const char *url, const char *path);

/* Remotes, as git keeps them in the store's configuration. */
int sfa_remote_add(struct sfa_store *s, const char *name, const char *url);
int sfa_remote_remove(struct sfa_store *s, const char *name);
/* [{"name", "url"}] in name order; new reference. */
int sfa_remote_list(struct sfa_store *s, json_t **out);

/*
 * Where the store stands against a remote, from the last fetch (no
 * network): {"remote", "url", "fetched" (the remote's main then, or null),
 * "ahead", "behind", "conflicts" (open ones), "head"}; new reference.
 */
int sfa_sync_status(struct sfa_store *s, const char *remote, json_t **out);

/*
 * The conflict log: the entries of state/conflicts.json, open ones only
 * unless `all`, oldest first, each with its "conflict" id; new reference.
 */
int sfa_conflicts_list(struct sfa_store *s, int all, json_t **out);
/*
 * Settles the open conflicts of field `field` of record `record` (an id
 * or a prefix naming one record, of any type): the record's field is set
 * to `value` (borrowed; NULL keeps the value the rule chose) and the
 * conflicts are marked resolved, in one commit. With `field` NULL,
 * `record` is a conflict's own id (a record kept whole against its
 * deletion, a file): it is marked resolved as it is. SFA_ENOTFOUND when
 * no open conflict matches, SFA_EAMBIGUOUS for a prefix of several records.
 */
int sfa_conflicts_resolve(struct sfa_store *s, const char *record, const char *field, const json_t *value,
			  const char *me);

#endif
