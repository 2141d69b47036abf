/*
 * Record-level differences between two commits' trees: which records of
 * which type were added, changed or removed. Only subtrees whose ids
 * differ are read, so a commit that touched one record costs three tree
 * reads whatever the size of the store. Paths are checked on the way: a
 * tree entry that is not a valid shard or record name (say "..", ".git",
 * or a file where a folder belongs) stops the walk with SFA_ESTORE.
 */
#ifndef SFA_TREEDIFF_H
#define SFA_TREEDIFF_H

#include <git2.h>

#include "sfa/record.h"

/* `old` or `new` is NULL for an added or removed record. */
typedef int (*sfa_treediff_fn)(const struct sfa_type *t, const char *id,
			       const git_oid *old, const git_oid *new, void *data);

/* Either tree may be NULL (nothing). */
int sfa_treediff(git_repository *repo, const git_tree *a, const git_tree *b, sfa_treediff_fn fn, void *data);

/* The tree of `commit`, or NULL for a NULL commit. */
int sfa_commit_tree(git_repository *repo, const git_oid *commit, git_tree **out);

/*
 * Checks one name of a tree path against escapes and trickery: empty,
 * ".", "..", ".git" in any case, '/', '\\', NUL, over 255 bytes.
 */
int sfa_path_name_check(const char *name, size_t len);

#endif
