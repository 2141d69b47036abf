#include <string.h>
#include <strings.h>

#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/treediff.h"
#include "sfa/banned.h"

struct walk {
	git_repository *repo;
	sfa_treediff_fn fn;
	void *data;
};

int sfa_path_name_check(const char *name, size_t len)
{
	if (len == 0 || len > 255 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.') ||
	    (len == 4 && !strncasecmp(name, ".git", 4)) ||
	    memchr(name, '/', len) || memchr(name, '\\', len) || memchr(name, '\0', len))
		return sfa_error_set(SFA_ESTORE, "unsafe path name '%.*s'", (int)(len > 64 ? 64 : len), name);
	return 0;
}

/* "<id>.json" inside shard "ab" where the id starts with "ab". */
static int record_name(const git_tree_entry *e, const char *shard, char id[SFA_ID_LEN + 1])
{
	const char *name = git_tree_entry_name(e);
	size_t len = strlen(name);
	if (sfa_path_name_check(name, len) < 0)
		return SFA_ESTORE;
	if (len != SFA_ID_LEN + 5 || strcmp(name + SFA_ID_LEN, ".json") ||
	    !sfa_id_valid(name, SFA_ID_LEN) || strncmp(name, shard, 2) ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return sfa_error_set(SFA_ESTORE, "not a record file: '%s'", name);
	memcpy(id, name, SFA_ID_LEN);
	id[SFA_ID_LEN] = '\0';
	return 0;
}

static int shard_name(const git_tree_entry *e)
{
	const char *name = git_tree_entry_name(e);
	size_t len = strlen(name);
	char probe[SFA_ID_LEN];

	if (sfa_path_name_check(name, len) < 0)
		return SFA_ESTORE;
	memset(probe, '0', sizeof(probe));
	memcpy(probe, name, len < 2 ? len : 2);
	if (len != 2 || git_tree_entry_type(e) != GIT_OBJECT_TREE || !sfa_id_valid(probe, SFA_ID_LEN))
		return sfa_error_set(SFA_ESTORE, "not a shard folder: '%s'", name);
	return 0;
}

/* Entry of a tree by position, or NULL past the end or for no tree. */
static const git_tree_entry *entry_at(const git_tree *t, size_t i)
{
	return t ? git_tree_entry_byindex(t, i) : NULL;
}

/* Merge-walks two sorted entry lists: c < 0 only in a, > 0 only in b. */
static int step(const git_tree *a, size_t i, const git_tree *b, size_t j,
		const git_tree_entry **ea, const git_tree_entry **eb)
{
	*ea = entry_at(a, i);
	*eb = entry_at(b, j);
	if (!*ea && !*eb)
		return 2;
	if (!*ea)
		return 1;
	if (!*eb)
		return -1;
	int c = strcmp(git_tree_entry_name(*ea), git_tree_entry_name(*eb));
	return c < 0 ? -1 : c > 0;
}

static int diff_shard(struct walk *w, const struct sfa_type *t, const char *shard,
		      const git_tree *a, const git_tree *b)
{
	const git_tree_entry *ea, *eb;
	char id[SFA_ID_LEN + 1];
	size_t i = 0, j = 0;
	int c, err = 0;

	while (!err && (c = step(a, i, b, j, &ea, &eb)) != 2) {
		if (c < 0) {
			if ((err = record_name(ea, shard, id)) == 0)
				err = w->fn(t, id, git_tree_entry_id(ea), NULL, w->data);
			i++;
			continue;
		}
		if ((err = record_name(eb, shard, id)) < 0)
			break;
		if (c > 0)
			err = w->fn(t, id, NULL, git_tree_entry_id(eb), w->data);
		else if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
			err = w->fn(t, id, git_tree_entry_id(ea), git_tree_entry_id(eb), w->data);
		i += c == 0;
		j++;
	}
	return err < 0 ? sfa_error_prefix(err, "%s/%s: ", t->plural, shard) : 0;
}

static int subtree(git_tree **out, git_repository *repo, const git_tree_entry *e)
{
	*out = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if (git_tree_lookup(out, repo, git_tree_entry_id(e)) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read tree");
	return 0;
}

static int diff_type(struct walk *w, const struct sfa_type *t, const git_tree *a, const git_tree *b)
{
	const git_tree_entry *ea, *eb;
	size_t i = 0, j = 0;
	int c, err = 0;

	while (!err && (c = step(a, i, b, j, &ea, &eb)) != 2) {
		git_tree *sa = NULL, *sb = NULL;
		i += c <= 0;
		j += c >= 0;
		if (c == 0 && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
			continue;
		if (c >= 0 && (err = shard_name(eb)) < 0)
			return sfa_error_prefix(err, "%s/: ", t->plural);
		if ((err = subtree(&sa, w->repo, c <= 0 ? ea : NULL)) == 0 &&
		    (err = subtree(&sb, w->repo, c >= 0 ? eb : NULL)) == 0)
			err = diff_shard(w, t, git_tree_entry_name(c < 0 ? ea : eb), sa, sb);
		git_tree_free(sa);
		git_tree_free(sb);
	}
	return err;
}

int sfa_treediff(git_repository *repo, const git_tree *a, const git_tree *b, sfa_treediff_fn fn, void *data)
{
	struct walk w = { repo, fn, data };
	int err = 0;

	for (size_t k = 0; sfa_types[k] && !err; k++) {
		const struct sfa_type *t = sfa_types[k];
		const git_tree_entry *ea = a ? git_tree_entry_byname(a, t->plural) : NULL;
		const git_tree_entry *eb = b ? git_tree_entry_byname(b, t->plural) : NULL;
		git_tree *ta = NULL, *tb = NULL;
		if (ea && eb && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
			continue;
		if (eb && git_tree_entry_type(eb) != GIT_OBJECT_TREE)
			return sfa_error_set(SFA_ESTORE, "'%s' is not a folder", t->plural);
		if ((err = subtree(&ta, repo, ea)) == 0 && (err = subtree(&tb, repo, eb)) == 0)
			err = diff_type(&w, t, ta, tb);
		git_tree_free(ta);
		git_tree_free(tb);
	}
	return err;
}

int sfa_commit_tree(git_repository *repo, const git_oid *commit, git_tree **out)
{
	git_commit *c = NULL;
	int err = 0;
	*out = NULL;
	if (!commit)
		return 0;
	if (git_commit_lookup(&c, repo, commit) < 0 || git_commit_tree(out, c) < 0)
		err = sfa_error_git(SFA_ESTORE, "cannot read commit");
	git_commit_free(c);
	return err;
}
