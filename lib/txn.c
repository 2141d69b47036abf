#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sfa/access.h"
#include "sfa/cleanup.h"
#include "sfa/error.h"
#include "sfa/pack.h"
#include "sfa/store.h"
#include "store-private.h"
#include "sfa/banned.h"

/* Lost races on the branch are retried this often before giving up. */
#define CAS_RETRIES 5

/* One record written (or removed) by the transaction. */
struct change {
	git_oid oid;
	uint32_t seq;		/* later puts of the same id win */
	unsigned char type;	/* position in sfa_types */
	char id[SFA_ID_LEN + 1];
};

/* A file outside the record folders: "config/schema.json", "state/assignment.json". */
struct filechange {
	char folder[16];
	char name[65];
	git_oid oid;		/* zero: remove */
};

struct sfa_txn {
	struct sfa_store *s;
	struct filechange *files;
	size_t nfiles, files_alloc;
	git_odb *odb;
	struct sfa_pack *pack;
	git_oid base;
	git_oid other;		/* the second parent of a merge */
	int merging;
	struct change *v;
	size_t n, alloc;
	struct sfa_buf enc;
	int index_open;		/* index rows of this txn in an open SQLite transaction */
	struct sfa_access *access;	/* the store's rules, NULL when it has none */
	struct sfa_buf me;	/* who writes, for the rules */
};

/* A tree entry to put in place of (or beside) a parent's entry. */
struct tent {
	char name[72];
	size_t len;
	git_filemode_t mode;
	git_oid oid;
	int remove;
};

static int write_object(struct sfa_txn *t, git_object_t type, const void *data, size_t len, git_oid *out)
{
	if (t->pack)
		return sfa_pack_write(t->pack, type, data, len, out);
	if (git_odb_write(out, t->odb, data, len, type) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot write object");
	return 0;
}

int sfa_txn_begin(struct sfa_txn **out, struct sfa_store *s, unsigned flags)
{
	struct sfa_txn *t = sfa_xcalloc(1, sizeof(*t));
	struct sfa_buf tmp = SFA_BUF_INIT;
	int err;

	t->s = s;
	if ((err = sfa_store_lock_write(s)) < 0)
		goto done;
	sfa_store_clean_tmp(s, NULL);
	if ((err = sfa_store_head(s, &t->base)) < 0 ||
	    (err = sfa_index_update(sfa_store_index(s), sfa_store_repo(s), &t->base)) < 0)
		goto done;
	if (git_repository_odb(&t->odb, sfa_store_repo(s)) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot open objects");
		goto done;
	}
	if (flags & SFA_TXN_BULK) {
		sfa_buf_addf(&tmp, "%s/%s", sfa_store_path(s), SFA_TMP_DIR);
		if (mkdir(tmp.buf, 0777) < 0 && errno != EEXIST) {
			err = sfa_error_set(SFA_ESTORE, "cannot create '%s': %s", tmp.buf, strerror(errno));
			goto done;
		}
		if ((err = sfa_pack_open(&t->pack, tmp.buf)) < 0)
			goto done;
	}
	/* the rules of the head (a sync's merge brings records the remote already checked) */
	if (!(flags & SFA_TXN_TRUSTED) && (err = sfa_access_open(&t->access, s)) < 0)
		goto done;
	if (t->access)
		sfa_store_me(s, &t->me);
	if ((err = sfa_index_begin(sfa_store_index(s))) < 0)
		goto done;
	t->index_open = 1;
	sfa_index_bulk(sfa_store_index(s), (flags & SFA_TXN_BULK) != 0);
done:
	sfa_buf_release(&tmp);
	if (err < 0) {
		sfa_txn_free(t);
		return err;
	}
	*out = t;
	return 0;
}

static unsigned char type_pos(const struct sfa_type *t)
{
	unsigned char i = 0;
	while (sfa_types[i] && sfa_types[i] != t)
		i++;
	return i;
}

/* Whether the writer may change record `id` (stored when `had`) to `rec` (NULL: deleted). */
static int check_access(struct sfa_txn *t, const struct sfa_type *type, const char *id, int had, const json_t *rec)
{
	json_t *before = NULL;
	int err;

	if (had && (err = sfa_index_get(sfa_store_index(t->s), type, id, &before)) < 0)
		return err;
	err = sfa_access_check_record(t->access, t->me.buf, type, id, before, rec);
	json_decref(before);
	return err;
}

/* `fresh`: the id was just made, so no stored record can have it. */
static int put(struct sfa_txn *t, const struct sfa_type *type, const char *id,
	       const json_t *rec, int *changed, int fresh)
{
	struct sfa_index *ix = sfa_store_index(t->s);
	git_oid old, oid;
	struct change *c;
	int err, had;

	if (!sfa_id_valid(id, strlen(id)))
		return sfa_error_set(SFA_EINPUT, "'%s' is not an id", id);
	sfa_buf_reset(&t->enc);
	sfa_record_encode(&t->enc, rec);
	had = fresh ? SFA_ENOTFOUND : sfa_index_oid(ix, type, id, &old);
	if (had < 0 && had != SFA_ENOTFOUND)
		return had;
	if (had == 0) {
		git_odb_hash(&oid, t->enc.buf, t->enc.len, GIT_OBJECT_BLOB);
		if (git_oid_equal(&oid, &old)) {
			if (changed)
				*changed = 0;
			return 0;
		}
	}
	if (t->access && (err = check_access(t, type, id, had == 0, rec)) < 0)
		return err;
	if ((err = write_object(t, GIT_OBJECT_BLOB, t->enc.buf, t->enc.len, &oid)) < 0)
		return err;
	SFA_ALLOC_GROW(t->v, t->n + 1, t->alloc);
	c = &t->v[t->n];
	c->oid = oid;
	c->seq = (uint32_t)t->n++;
	c->type = type_pos(type);
	memcpy(c->id, id, SFA_ID_LEN + 1);
	if (changed)
		*changed = 1;
	return sfa_index_put(ix, type, id, &oid, t->enc.buf, t->enc.len);
}

int sfa_txn_put(struct sfa_txn *t, const struct sfa_type *type, const char *id,
		const json_t *rec, int *changed)
{
	return put(t, type, id, rec, changed, 0);
}

int sfa_txn_add(struct sfa_txn *t, const struct sfa_type *type, const char *id, const json_t *rec)
{
	return put(t, type, id, rec, NULL, 1);
}

int sfa_txn_del(struct sfa_txn *t, const struct sfa_type *type, const char *id)
{
	struct change *c;
	int err = sfa_index_oid(sfa_store_index(t->s), type, id, &(git_oid){ { 0 } });

	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "no %s '%s'", type->name, id);
	if (err < 0 || (t->access && (err = check_access(t, type, id, 1, NULL)) < 0))
		return err;
	SFA_ALLOC_GROW(t->v, t->n + 1, t->alloc);
	c = &t->v[t->n];
	memset(&c->oid, 0, sizeof(c->oid));	/* a zero id takes the entry out */
	c->seq = (uint32_t)t->n++;
	c->type = type_pos(type);
	memcpy(c->id, id, SFA_ID_LEN + 1);
	return sfa_index_del(sfa_store_index(t->s), type, id);
}

int sfa_txn_put_file(struct sfa_txn *t, const char *path, const void *data, size_t len)
{
	const char *slash = strchr(path, '/');
	struct filechange *f;
	size_t fl = slash ? (size_t)(slash - path) : 0, nl = slash ? strlen(slash + 1) : 0;
	int err;

	/* Record folders are the records' alone; files live in a few known places. */
	if (!slash || (strncmp(path, "config/", 7) && strncmp(path, "state/", 6)) ||
	    !nl || nl >= sizeof(f->name) || strchr(slash + 1, '/') || slash[1] == '.')
		return sfa_error_set(SFA_EUSAGE, "'%s' is not a place for a file in the store", path);
	if (t->access && (err = sfa_access_check_file(t->access, t->me.buf, path)) < 0)
		return err;
	for (size_t i = 0; i < t->nfiles; i++)
		if (!strncmp(t->files[i].folder, path, fl) && !t->files[i].folder[fl] &&
		    !strcmp(t->files[i].name, slash + 1))
			return sfa_error_set(SFA_EUSAGE, "'%s' written twice in one commit", path);
	SFA_ALLOC_GROW(t->files, t->nfiles + 1, t->files_alloc);
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	memcpy(f->folder, path, fl);
	memcpy(f->name, slash + 1, nl);
	if (data) {
		/* the same content again is no change (and no commit) */
		git_oid same, now;
		struct sfa_buf cur = SFA_BUF_INIT;
		git_odb_hash(&same, data, len, GIT_OBJECT_BLOB);
		err = sfa_store_read_file(t->s, path, &cur);
		if (err == 0)
			git_odb_hash(&now, cur.buf, cur.len, GIT_OBJECT_BLOB);
		sfa_buf_release(&cur);
		if (err == 0 && git_oid_equal(&same, &now))
			return 0;
		if ((err = write_object(t, GIT_OBJECT_BLOB, data, len, &f->oid)) < 0)
			return err;
	}
	t->nfiles++;
	if (!strncmp(path, "config/", 7))
		sfa_store_forget_config(t->s);
	return 0;
}

size_t sfa_txn_count(const struct sfa_txn *t)
{
	return t->n + t->nfiles;
}

static int cmp_change(const void *pa, const void *pb)
{
	const struct change *a = pa, *b = pb;
	int c;
	if (a->type != b->type)
		return a->type - b->type;
	if ((c = memcmp(a->id, b->id, SFA_ID_LEN)))
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Git orders tree entries by name, a folder's name read as if ending in '/'. */
static int name_cmp(const char *a, size_t al, int adir, const char *b, size_t bl, int bdir)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n);
	unsigned ca, cb;
	if (c)
		return c;
	ca = al > n ? (unsigned char)a[n] : adir ? '/' : 0;
	cb = bl > n ? (unsigned char)b[n] : bdir ? '/' : 0;
	return (int)ca - (int)cb;
}

static void add_entry(struct sfa_buf *b, git_filemode_t mode, const char *name, size_t len, const git_oid *oid)
{
	sfa_buf_addf(b, "%o ", (unsigned)mode);
	sfa_buf_add(b, name, len);
	sfa_buf_addch(b, '\0');
	sfa_buf_add(b, oid->id, GIT_OID_RAWSZ);
}

/*
 * Writes `parent` (may be NULL) with the entries in `repl` (sorted in git
 * order) put in or taken out. `*empty` tells that nothing is left, so the
 * caller drops the folder, as git has no empty trees.
 */
static int merge_tree(struct sfa_txn *t, const git_tree *parent, const struct tent *repl, size_t nrepl,
		      git_oid *out, int *empty)
{
	struct sfa_buf b = SFA_BUF_INIT;
	size_t i = 0, j = 0, np = parent ? git_tree_entrycount(parent) : 0, count = 0;
	int err = 0;

	while (i < np || j < nrepl) {
		const git_tree_entry *e = i < np ? git_tree_entry_byindex(parent, i) : NULL;
		const struct tent *r = j < nrepl ? &repl[j] : NULL;
		int c;
		if (!r) {
			c = -1;
		} else if (!e) {
			c = 1;
		} else {
			const char *en = git_tree_entry_name(e);
			size_t el = strlen(en);
			/* Same name: the replacement takes the entry's place whatever its kind. */
			if (el == r->len && !memcmp(en, r->name, el))
				c = 0;
			else
				c = name_cmp(en, el, git_tree_entry_filemode(e) == GIT_FILEMODE_TREE,
					     r->name, r->len, r->mode == GIT_FILEMODE_TREE);
		}
		if (c < 0) {
			const char *en = git_tree_entry_name(e);
			add_entry(&b, git_tree_entry_filemode(e), en, strlen(en), git_tree_entry_id(e));
			count++;
			i++;
			continue;
		}
		if (!r->remove) {
			add_entry(&b, r->mode, r->name, r->len, &r->oid);
			count++;
		}
		if (c == 0)
			i++;
		j++;
	}
	*empty = count == 0;
	if (count)
		err = write_object(t, GIT_OBJECT_TREE, b.buf, b.len, out);
	sfa_buf_release(&b);
	return err;
}

static int lookup_subtree(struct sfa_txn *t, const git_tree *parent, const char *name, git_tree **out)
{
	const git_tree_entry *e = parent ? git_tree_entry_byname(parent, name) : NULL;
	*out = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if (git_tree_lookup(out, sfa_store_repo(t->s), git_tree_entry_id(e)) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read tree");
	return 0;
}

/* New tree of one shard from changes c[0..n) (sorted; same shard). */
static int build_shard(struct sfa_txn *t, const git_tree *parent, const struct change *c, size_t n,
		       struct tent *shard_entry)
{
	struct tent *repl = sfa_xmalloc(n * sizeof(*repl));
	size_t k = 0;
	git_tree *sub = NULL;
	int err, empty;

	for (size_t i = 0; i < n; i++) {
		/* Several puts of one id: the last one stands. */
		if (i + 1 < n && !memcmp(c[i].id, c[i + 1].id, SFA_ID_LEN))
			continue;
		struct tent *r = &repl[k++];
		r->len = (size_t)snprintf(r->name, sizeof(r->name), "%s.json", c[i].id);
		r->mode = GIT_FILEMODE_BLOB;
		r->oid = c[i].oid;
		r->remove = git_oid_is_zero(&c[i].oid);
	}
	memcpy(shard_entry->name, c[0].id, 2);
	shard_entry->name[2] = '\0';
	shard_entry->len = 2;
	shard_entry->mode = GIT_FILEMODE_TREE;
	if ((err = lookup_subtree(t, parent, shard_entry->name, &sub)) == 0 &&
	    (err = merge_tree(t, sub, repl, k, &shard_entry->oid, &empty)) == 0)
		shard_entry->remove = empty;
	git_tree_free(sub);
	free(repl);
	return err;
}

/* New tree of one record type's folder from changes c[0..n) (same type). */
static int build_type(struct sfa_txn *t, const git_tree *root, const struct change *c, size_t n,
		      struct tent *type_entry)
{
	const struct sfa_type *type = sfa_types[c[0].type];
	struct tent *repl = NULL;
	size_t nrepl = 0, alloc = 0, i = 0;
	git_tree *parent = NULL;
	int err, empty;

	if ((err = lookup_subtree(t, root, type->plural, &parent)) < 0)
		return err;
	while (i < n && !err) {
		size_t j = i + 1;
		while (j < n && !memcmp(c[j].id, c[i].id, 2))
			j++;
		SFA_ALLOC_GROW(repl, nrepl + 1, alloc);
		err = build_shard(t, parent, c + i, j - i, &repl[nrepl++]);
		i = j;
	}
	type_entry->len = (size_t)snprintf(type_entry->name, sizeof(type_entry->name), "%s", type->plural);
	type_entry->mode = GIT_FILEMODE_TREE;
	if (!err && (err = merge_tree(t, parent, repl, nrepl, &type_entry->oid, &empty)) == 0)
		type_entry->remove = empty;
	git_tree_free(parent);
	free(repl);
	return err;
}

static int cmp_tent(const void *pa, const void *pb)
{
	const struct tent *a = pa, *b = pb;
	return name_cmp(a->name, a->len, a->mode == GIT_FILEMODE_TREE, b->name, b->len, b->mode == GIT_FILEMODE_TREE);
}

/* New tree of a folder of plain files (config/, state/) with the txn's files in it. */
static int build_folder(struct sfa_txn *t, const git_tree *root, const char *folder, struct tent *entry)
{
	struct tent *repl = sfa_xcalloc(t->nfiles, sizeof(*repl));
	git_tree *parent = NULL;
	size_t n = 0;
	int err, empty;

	for (size_t i = 0; i < t->nfiles; i++) {
		if (strcmp(t->files[i].folder, folder))
			continue;
		struct tent *r = &repl[n++];
		r->len = (size_t)snprintf(r->name, sizeof(r->name), "%s", t->files[i].name);
		r->mode = GIT_FILEMODE_BLOB;
		r->oid = t->files[i].oid;
		r->remove = git_oid_is_zero(&r->oid);
	}
	qsort(repl, n, sizeof(*repl), cmp_tent);
	entry->len = (size_t)snprintf(entry->name, sizeof(entry->name), "%s", folder);
	entry->mode = GIT_FILEMODE_TREE;
	if ((err = lookup_subtree(t, root, folder, &parent)) == 0 &&
	    (err = merge_tree(t, parent, repl, n, &entry->oid, &empty)) == 0)
		entry->remove = empty;
	git_tree_free(parent);
	free(repl);
	return err;
}

static int build_root(struct sfa_txn *t, const git_oid *base_commit, git_oid *out)
{
	struct tent repl[32];
	size_t nrepl = 0, i = 0;
	git_commit *c = NULL;
	git_tree *root = NULL;
	int err = 0, empty;

	if (git_commit_lookup(&c, sfa_store_repo(t->s), base_commit) < 0 || git_commit_tree(&root, c) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot read head");
		goto done;
	}
	while (i < t->n && !err) {
		size_t j = i + 1;
		while (j < t->n && t->v[j].type == t->v[i].type)
			j++;
		err = build_type(t, root, t->v + i, j - i, &repl[nrepl++]);
		i = j;
	}
	for (i = 0; i < t->nfiles && !err; i++) {
		size_t j = 0;
		while (j < i && strcmp(t->files[j].folder, t->files[i].folder))
			j++;
		if (j == i)	/* first file of its folder */
			err = build_folder(t, root, t->files[i].folder, &repl[nrepl++]);
	}
	if (err)
		goto done;
	qsort(repl, nrepl, sizeof(*repl), cmp_tent);
	err = merge_tree(t, root, repl, nrepl, out, &empty);
	if (!err && empty)	/* git can still store it; keep the store well-formed */
		err = write_object(t, GIT_OBJECT_TREE, "", 0, out);
done:
	git_tree_free(root);
	git_commit_free(c);
	return err;
}

static void add_person(struct sfa_buf *b, const char *role, const git_signature *sig)
{
	int off = sig->when.offset;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	sfa_buf_addf(b, "%s %s <%s> %lld %c%02d%02d\n", role, sig->name, sig->email,
		     (long long)sig->when.time, sign, off / 60, off % 60);
}

static int write_commit(struct sfa_txn *t, const git_oid *tree, const git_signature *sig,
			const char *message, git_oid *out)
{
	struct sfa_buf b = SFA_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t ml = strlen(message);
	int err;

	sfa_buf_addf(&b, "tree %s\n", git_oid_tostr(hex, sizeof(hex), tree));
	sfa_buf_addf(&b, "parent %s\n", git_oid_tostr(hex, sizeof(hex), &t->base));
	if (t->merging)
		sfa_buf_addf(&b, "parent %s\n", git_oid_tostr(hex, sizeof(hex), &t->other));
	add_person(&b, "author", sig);
	add_person(&b, "committer", sig);
	sfa_buf_addf(&b, "\n%s%s", message, ml && message[ml - 1] == '\n' ? "" : "\n");
	err = write_object(t, GIT_OBJECT_COMMIT, b.buf, b.len, out);
	sfa_buf_release(&b);
	return err;
}

/*
 * Moves the branch from t->base to `commit` only if nobody moved it
 * meanwhile. A lock file held by another git process gets a moment to go
 * away; one that stays was left by a killed process.
 */
static int move_branch(struct sfa_txn *t, const git_oid *commit, const char *message)
{
	git_reference *ref = NULL;
	int rc;

	for (int tries = 0; ; tries++) {
		sfa_signals_block();
		rc = git_reference_create_matching(&ref, sfa_store_repo(t->s), SFA_BRANCH, commit, 1,
						   &t->base, message);
		sfa_signals_unblock();
		git_reference_free(ref);
		ref = NULL;
		if (rc != GIT_ELOCKED || tries >= 100)
			break;
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (rc == GIT_ELOCKED)
		return sfa_error_set(SFA_EBUSY, "store '%s' is locked: '%s/refs/heads/main.lock' exists; "
				     "if no git command is using the store, a killed command left it: run 'sfa unlock'",
				     sfa_store_path(t->s), sfa_store_path(t->s));
	if (rc == GIT_EMODIFIED)
		return GIT_EMODIFIED;
	if (rc < 0)
		return sfa_error_git(SFA_ESTORE, "cannot move branch 'main'");
	return 0;
}

static int finish_pack(struct sfa_txn *t)
{
	struct sfa_buf dir = SFA_BUF_INIT;
	struct sfa_pack *p = t->pack;
	int err;

	t->pack = NULL;	/* later objects (after a lost race) go loose */
	sfa_buf_addf(&dir, "%s/objects/pack", git_repository_path(sfa_store_repo(t->s)));
	err = sfa_pack_finish(p, dir.buf);
	sfa_buf_release(&dir);
	if (!err && git_odb_refresh(t->odb) < 0)
		err = sfa_error_git(SFA_ESTORE, "cannot see the new pack");
	return err;
}

int sfa_txn_commit(struct sfa_txn *t, const char *message, git_oid *out)
{
	struct sfa_index *ix = sfa_store_index(t->s);
	git_signature *sig = NULL;
	git_oid tree, commit;
	int err = 0;

	if (!t->n && !t->nfiles && !t->merging) {
		if (out)
			*out = t->base;
		goto done;
	}
	if (t->n)	/* only files: t->v may be NULL, which qsort must not see */
		qsort(t->v, t->n, sizeof(*t->v), cmp_change);
	if ((err = sfa_store_signature(t->s, &sig)) < 0)
		goto done;
	for (int attempt = 0; ; attempt++) {
		if ((err = build_root(t, &t->base, &tree)) < 0 ||
		    (err = write_commit(t, &tree, sig, message, &commit)) < 0 ||
		    (t->pack && (err = finish_pack(t)) < 0) ||
		    (err = sfa_store_sync(t->s)) < 0)	/* objects before the branch */
			goto done;
		err = move_branch(t, &commit, message);
		if (err != GIT_EMODIFIED)
			break;
		/*
		 * Another writer (a plain git push into the store) moved the
		 * branch: build the same changes on its new head. The rows of
		 * this transaction no longer match that head; drop them and
		 * let the tree diff bring the index along afterwards.
		 */
		if (t->index_open) {
			sfa_index_end(ix, 0);
			t->index_open = 0;
		}
		if (attempt + 1 >= CAS_RETRIES) {
			err = sfa_error_set(SFA_EBUSY, "branch 'main' kept moving during the write; try again");
			goto done;
		}
		if ((err = sfa_store_head(t->s, &t->base)) < 0)
			goto done;
	}
	if (err < 0 || (err = sfa_store_sync(t->s)) < 0)	/* the branch, before "done" */
		goto done;
	if (out)
		*out = commit;
	/* The branch has moved: the write is done. The index only follows. */
	if (t->index_open) {
		t->index_open = 0;
		if (sfa_index_set_commit(ix, &commit, (long long)sig->when.time) < 0 || sfa_index_end(ix, 1) < 0)
			sfa_index_end(ix, 0);
	} else {
		sfa_index_update(ix, sfa_store_repo(t->s), &commit);
	}
	sfa_error_clear();
done:
	git_signature_free(sig);
	sfa_txn_free(t);
	return err;
}

const git_oid *sfa_txn_base(const struct sfa_txn *t)
{
	return &t->base;
}

void sfa_txn_merge(struct sfa_txn *t, const git_oid *other)
{
	t->other = *other;
	t->merging = 1;
}

int sfa_txn_fast_forward(struct sfa_txn *t, const git_oid *to)
{
	struct sfa_index *ix = sfa_store_index(t->s);
	int err;

	if (t->index_open) {	/* the index follows by the tree diff, after the branch */
		sfa_index_end(ix, 0);
		t->index_open = 0;
	}
	if ((err = sfa_store_sync(t->s)) < 0)	/* the fetched objects before the branch */
		goto done;
	if ((err = move_branch(t, to, "sfa sync: fast-forward")) == GIT_EMODIFIED)
		err = sfa_error_set(SFA_EBUSY, "branch 'main' moved during the sync; try again");
	if (err < 0 || (err = sfa_store_sync(t->s)) < 0)
		goto done;
	if (sfa_index_update(ix, sfa_store_repo(t->s), to) < 0)
		sfa_error_clear();	/* derived: the next command catches up */
done:
	sfa_txn_free(t);
	return err;
}

void sfa_txn_free(struct sfa_txn *t)
{
	if (!t)
		return;
	if (t->index_open)
		sfa_index_end(sfa_store_index(t->s), 0);
	sfa_pack_free(t->pack);
	sfa_access_free(t->access);
	sfa_buf_release(&t->me);
	git_odb_free(t->odb);
	free(t->v);
	free(t->files);
	sfa_buf_release(&t->enc);
	sfa_store_unlock_write(t->s);
	free(t);
}
