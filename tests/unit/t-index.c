#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <git2.h>
#include <jansson.h>
#include <sqlite3.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/index.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "sfa/treediff.h"
#include "unit.h"
#include "sfa/banned.h"

static const struct sfa_type *const L = &sfa_type_lead;


/* An object id printed by a git command, kept in one of a few static slots; "" on failure. */
static const char *git_id(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static const char *git_id(const char *fmt, ...)
{
	static char slots[16][GIT_OID_HEXSZ + 1];
	static int k;
	struct sfa_buf cmd = SFA_BUF_INIT, out = SFA_BUF_INIT;
	va_list ap;
	char *slot = slots[k = (k + 1) % 16];

	va_start(ap, fmt);
	sfa_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	slot[0] = '\0';
	if (unit_run(&out, "%s", cmd.buf) == 0 && out.len == GIT_OID_HEXSZ + 1)
		snprintf(slot, GIT_OID_HEXSZ + 1, "%s", out.buf);
	else
		printf("# command failed: %s\n", cmd.buf);
	sfa_buf_release(&cmd);
	sfa_buf_release(&out);
	return slot;
}

static const char *repo;

/* Writes a blob; returns its id. */
static const char *blob(const char *content)
{
	return git_id("printf '%%s' '%s' | git --git-dir='%s' hash-object -w --stdin", content, repo);
}

/*
 * Writes a tree from ls-tree lines ("mode type id<TAB>name", one per
 * line; git mktree sorts them and does not judge the names).
 */
static const char *tree(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static const char *tree(const char *fmt, ...)
{
	struct sfa_buf lines = SFA_BUF_INIT;
	va_list ap;
	const char *id;
	va_start(ap, fmt);
	sfa_buf_vaddf(&lines, fmt, ap);
	va_end(ap);
	id = git_id("printf '%s' | git --git-dir='%s' mktree", lines.buf, repo);
	sfa_buf_release(&lines);
	return id;
}

static git_tree *lookup_tree(git_repository *r, const char *hex)
{
	git_oid oid;
	git_tree *t = NULL;
	if (git_oid_fromstr(&oid, hex) < 0 || git_tree_lookup(&t, r, &oid) < 0)
		printf("# cannot read tree '%s'\n", hex);
	return t;
}

/* What a tree diff reported, one line per record. */
static int record_change(const struct sfa_type *t, const char *id, const git_oid *old,
			 const git_oid *new, void *data)
{
	struct sfa_buf *b = data;
	char o[8] = "", n[8] = "";
	if (old)
		git_oid_tostr(o, sizeof(o), old);
	if (new)
		git_oid_tostr(n, sizeof(n), new);
	sfa_buf_addf(b, "%s %s %s>%s\n", t->name, id, old ? o : "-", new ? n : "-");
	return 0;
}

static int stop_at_second(const struct sfa_type *t, const char *id, const git_oid *old,
			  const git_oid *new, void *data)
{
	return ++*(int *)data == 2 ? -42 : 0;
}

/* Diffs the trees `a` and `b` (hex ids, or NULL); the changes in `out`. */
static int diff(git_repository *r, const char *a, const char *b, struct sfa_buf *out)
{
	git_tree *ta = a ? lookup_tree(r, a) : NULL, *tb = b ? lookup_tree(r, b) : NULL;
	int err;
	sfa_buf_reset(out);
	err = sfa_treediff(r, ta, tb, record_change, out);
	git_tree_free(ta);
	git_tree_free(tb);
	return err;
}

static const char *hex_of_tree(const git_tree *t)
{
	static char hex[GIT_OID_HEXSZ + 1];
	return git_oid_tostr(hex, sizeof(hex), git_tree_id(t));
}

static void test_path_names(void)
{
	char n255[256], n256[257];

	memset(n255, 'a', 255);
	n255[255] = '\0';
	memset(n256, 'b', 256);
	n256[256] = '\0';

	CHECK_INT(sfa_path_name_check("ab", 2), 0);
	CHECK_INT(sfa_path_name_check("abcdefghjkmn.json", 17), 0);
	CHECK_INT(sfa_path_name_check("...", 3), 0);
	CHECK_INT(sfa_path_name_check("..a", 3), 0);
	CHECK_INT(sfa_path_name_check(".gitx", 5), 0);
	CHECK_INT(sfa_path_name_check("git", 3), 0);
	CHECK_INT(sfa_path_name_check(".g", 2), 0);
	CHECK_INT(sfa_path_name_check(n255, 255), 0);
	/* only `len` bytes count */
	CHECK_INT(sfa_path_name_check("ab/cd", 2), 0);

	CHECK_INT(sfa_path_name_check("", 0), SFA_ESTORE);
	CHECK_STR(sfa_error_last(), "unsafe path name ''");
	CHECK_INT(sfa_path_name_check(".", 1), SFA_ESTORE);
	CHECK_STR(sfa_error_last(), "unsafe path name '.'");
	CHECK_INT(sfa_path_name_check("..", 2), SFA_ESTORE);
	CHECK_STR(sfa_error_last(), "unsafe path name '..'");
	CHECK_INT(sfa_path_name_check(".git", 4), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check(".GIT", 4), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check(".gIt", 4), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check("a/b", 3), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check("/", 1), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check("a\\b", 3), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check("..\\x", 4), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check("a\0b", 3), SFA_ESTORE);
	CHECK_INT(sfa_path_name_check(n256, 256), SFA_ESTORE);
	/* a long name is cut in the message */
	CHECK(strlen(sfa_error_last()) < 100);
	CHECK(strstr(sfa_error_last(), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb") != NULL);
}

static void test_treediff(void)
{
	git_repository *r = NULL;
	struct sfa_buf out = SFA_BUF_INIT;
	char b1[41], b2[41], b2x[41], b3[41], b4[41], b5[41], cfg[41], ta[41], tb[41], tleads_a[41];
	char want[1024];
	int err;
	static char path[512];

	snprintf(path, sizeof(path), "%s/diff.git", unit_tmpdir());
	repo = path;
	if (!CHECK_INT(unit_run(NULL, "git init -q --bare '%s'", repo), 0) ||
	    !CHECK_INT(git_repository_open_bare(&r, repo), 0))
		return;

	snprintf(b1, sizeof(b1), "%s", blob("{\"n\":1}"));
	snprintf(b2, sizeof(b2), "%s", blob("{\"n\":2}"));
	snprintf(b2x, sizeof(b2x), "%s", blob("{\"n\":22}"));
	snprintf(b3, sizeof(b3), "%s", blob("{\"n\":3}"));
	snprintf(b4, sizeof(b4), "%s", blob("{\"n\":4}"));
	snprintf(b5, sizeof(b5), "%s", blob("{\"n\":5}"));
	snprintf(cfg, sizeof(cfg), "%s", tree("100644 blob %s\tstore.json\n", b1));

	/* a: ab/{1,2}, cd/3 */
	snprintf(tleads_a, sizeof(tleads_a), "%s",
		 tree("040000 tree %s\tab\n040000 tree %s\tcd\n",
		      tree("100644 blob %s\tab0000000001.json\n100644 blob %s\tab0000000002.json\n", b1, b2),
		      tree("100644 blob %s\tcd0000000003.json\n", b3)));
	snprintf(ta, sizeof(ta), "%s", tree("040000 tree %s\tconfig\n040000 tree %s\tleads\n", cfg, tleads_a));
	/* b: ab/1 as it was, ab/2 changed, ab/5 new; cd gone; ef/4 new */
	snprintf(tb, sizeof(tb), "%s",
		 tree("040000 tree %s\tconfig\n040000 tree %s\tleads\n", cfg,
		      tree("040000 tree %s\tab\n040000 tree %s\tef\n",
			   tree("100644 blob %s\tab0000000001.json\n100644 blob %s\tab0000000002.json\n"
				"100644 blob %s\tab0000000005.json\n", b1, b2x, b5),
			   tree("100644 blob %s\tef0000000004.json\n", b4))));

	CHECK_INT(diff(r, ta, tb, &out), 0);
	snprintf(want, sizeof(want),
		 "lead ab0000000002 %.7s>%.7s\n"
		 "lead ab0000000005 ->%.7s\n"
		 "lead cd0000000003 %.7s>-\n"
		 "lead ef0000000004 ->%.7s\n", b2, b2x, b5, b3, b4);
	CHECK_STR(out.buf, want);

	/* the other way round */
	CHECK_INT(diff(r, tb, ta, &out), 0);
	snprintf(want, sizeof(want),
		 "lead ab0000000002 %.7s>%.7s\n"
		 "lead ab0000000005 %.7s>-\n"
		 "lead cd0000000003 ->%.7s\n"
		 "lead ef0000000004 %.7s>-\n", b2x, b2, b5, b3, b4);
	CHECK_STR(out.buf, want);

	/* from nothing, to nothing, to itself */
	CHECK_INT(diff(r, NULL, ta, &out), 0);
	snprintf(want, sizeof(want),
		 "lead ab0000000001 ->%.7s\nlead ab0000000002 ->%.7s\nlead cd0000000003 ->%.7s\n", b1, b2, b3);
	CHECK_STR(out.buf, want);
	CHECK_INT(diff(r, ta, NULL, &out), 0);
	snprintf(want, sizeof(want),
		 "lead ab0000000001 %.7s>-\nlead ab0000000002 %.7s>-\nlead cd0000000003 %.7s>-\n", b1, b2, b3);
	CHECK_STR(out.buf, want);
	CHECK_INT(diff(r, ta, ta, &out), 0);
	CHECK_STR(out.buf, "");
	CHECK_INT(diff(r, NULL, NULL, &out), 0);
	CHECK_STR(out.buf, "");
	/* other folders at the top are none of its business */
	CHECK_INT(diff(r, NULL, tree("040000 tree %s\tconfig\n100644 blob %s\tREADME\n", cfg, b1), &out), 0);
	CHECK_STR(out.buf, "");

	/* a failing callback stops the walk with its code */
	{
		git_tree *x = lookup_tree(r, ta);
		int calls = 0;
		CHECK_INT(sfa_treediff(r, NULL, x, stop_at_second, &calls), -42);
		CHECK_INT(calls, 2);
		git_tree_free(x);
	}

	/*
	 * Names that are no shard or record, each in a tree that is otherwise
	 * like `a`: the walk stops with SFA_ESTORE and says where.
	 */
	{
		static const struct {
			const char *shard_line;		/* a line in leads/ */
			const char *record_line;	/* a line in leads/ab/ (format: blob id) */
			const char *msg;
		} bad[] = {
			{ "040000 tree %s\t..\n", NULL, "leads/: unsafe path name '..'" },
			{ "040000 tree %s\t.\n", NULL, "leads/: unsafe path name '.'" },
			{ "040000 tree %s\t.git\n", NULL, "leads/: unsafe path name '.git'" },
			{ "040000 tree %s\t.GIT\n", NULL, "leads/: unsafe path name '.GIT'" },
			{ "040000 tree %s\t...\n", NULL, "leads/: not a shard folder: '...'" },
			{ "040000 tree %s\ta\\\\b\n", NULL, "leads/: unsafe path name 'a\\b'" },
			{ "040000 tree %s\tAB\n", NULL, "leads/: not a shard folder: 'AB'" },
			{ "040000 tree %s\tabc\n", NULL, "leads/: not a shard folder: 'abc'" },
			{ "040000 tree %s\tu1\n", NULL, "leads/: not a shard folder: 'u1'" },
			{ "100644 blob %s\tgh\n", NULL, "leads/: not a shard folder: 'gh'" },
			{ NULL, "100644 blob %s\t..\n", "leads/ab: unsafe path name '..'" },
			{ NULL, "100644 blob %s\t.git\n", "leads/ab: unsafe path name '.git'" },
			{ NULL, "100644 blob %s\t.Git\n", "leads/ab: unsafe path name '.Git'" },
			{ NULL, "100644 blob %s\tnotanid.json\n", "leads/ab: not a record file: 'notanid.json'" },
			{ NULL, "100644 blob %s\tcd0000000009.json\n", "leads/ab: not a record file: 'cd0000000009.json'" },
			{ NULL, "100644 blob %s\tAB0000000009.json\n", "leads/ab: not a record file: 'AB0000000009.json'" },
			{ NULL, "100644 blob %s\tab0000000009.JSON\n", "leads/ab: not a record file: 'ab0000000009.JSON'" },
			{ NULL, "100644 blob %s\tab000000009.json\n", "leads/ab: not a record file: 'ab000000009.json'" },
			{ NULL, "100644 blob %s\tab0000000009\n", "leads/ab: not a record file: 'ab0000000009'" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct sfa_buf lines = SFA_BUF_INIT;
			char ab[41], leads[41], root[41];

			sfa_buf_addf(&lines, "100644 blob %s\tab0000000001.json\n", b1);
			if (bad[i].record_line)
				sfa_buf_addf(&lines, bad[i].record_line, b5);
			snprintf(ab, sizeof(ab), "%s", tree("%s", lines.buf));
			sfa_buf_reset(&lines);
			sfa_buf_addf(&lines, "040000 tree %s\tab\n", ab);
			if (bad[i].shard_line)
				sfa_buf_addf(&lines, bad[i].shard_line,
					     bad[i].shard_line[0] == '1' ? b5 : tree("100644 blob %s\tx.json\n", b5));
			snprintf(leads, sizeof(leads), "%s", tree("%s", lines.buf));
			snprintf(root, sizeof(root), "%s", tree("040000 tree %s\tleads\n", leads));
			sfa_buf_release(&lines);

			err = diff(r, ta, root, &out);
			if (!CHECK_INT(err, SFA_ESTORE) || !CHECK_STR(sfa_error_last(), bad[i].msg))
				printf("#   case %zu\n", i);
			/* from nothing too */
			err = diff(r, NULL, root, &out);
			if (!CHECK_INT(err, SFA_ESTORE) || !CHECK(strstr(sfa_error_last(), bad[i].msg) != NULL))
				printf("#   case %zu from nothing: %s\n", i, sfa_error_last());
		}
	}

	/* a record that is a folder, a type folder that is a file */
	err = diff(r, NULL, tree("040000 tree %s\tleads\n",
				 tree("040000 tree %s\tab\n",
				      tree("040000 tree %s\tab0000000001.json\n", cfg))), &out);
	CHECK_INT(err, SFA_ESTORE);
	CHECK_STR(sfa_error_last(), "leads/ab: not a record file: 'ab0000000001.json'");
	err = diff(r, ta, tree("100644 blob %s\tleads\n", b1), &out);
	CHECK_INT(err, SFA_ESTORE);
	CHECK_STR(sfa_error_last(), "'leads' is not a folder");

	/* a bad name on the way out is caught as well */
	{
		char bad_ab[41], old_root[41];
		snprintf(bad_ab, sizeof(bad_ab), "%s",
			 tree("100644 blob %s\tab0000000001.json\n100644 blob %s\tnotanid.json\n", b1, b2));
		snprintf(old_root, sizeof(old_root), "%s",
			 tree("040000 tree %s\tleads\n", tree("040000 tree %s\tab\n", bad_ab)));
		err = diff(r, old_root, ta, &out);
		CHECK_INT(err, SFA_ESTORE);
		CHECK_STR(sfa_error_last(), "leads/ab: not a record file: 'notanid.json'");
	}

	/* sfa_commit_tree */
	{
		git_tree *t = (git_tree *)1;
		git_oid oid;
		CHECK_INT(sfa_commit_tree(r, NULL, &t), 0);
		CHECK(t == NULL);
		git_oid_fromstr(&oid, ta);	/* a tree, not a commit */
		CHECK_INT(sfa_commit_tree(r, &oid, &t), SFA_ESTORE);
		CHECK(t == NULL);
		git_oid_fromstr(&oid, git_id("git --git-dir='%s' -c user.name=U -c user.email=u@x commit-tree -m c %s",
					     repo, tb));
		CHECK_INT(sfa_commit_tree(r, &oid, &t), 0);
		CHECK(t && !strcmp(hex_of_tree(t), tb));
		git_tree_free(t);
	}

	git_repository_free(r);
	sfa_buf_release(&out);
}

/* Makes a commit of `root_tree` on top of the store's branch and moves the branch there. */
static const char *commit_on_main(const char *store, const char *root_tree)
{
	const char *c = git_id("git --git-dir='%s' -c user.name=U -c user.email=u@x commit-tree -p main -m x %s",
			       store, root_tree);
	if (unit_run(NULL, "git --git-dir='%s' update-ref refs/heads/main %s", store, c) != 0)
		printf("# update-ref failed\n");
	return c;
}

/* A record file with a name that is no record makes the store refuse to open. */
static void test_store_bad_names(void)
{
	static char p[512];
	struct sfa_store *s = NULL;
	struct sfa_txn *t = NULL;
	char good[41], cfg[41], leads_ok[41], rec_blob[41], id[SFA_ID_LEN + 1];
	git_oid bad_oid, at;
	json_t *rec = json_pack("{s:s}", "first_name", "Ann");

	snprintf(p, sizeof(p), "%s/store-bad", unit_tmpdir());
	repo = p;
	if (!CHECK_INT(sfa_store_init(p), 0))
		goto done;
	/* one good record first */
	sfa_id_new(id);
	if (!CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
	CHECK_INT(sfa_txn_put(t, L, id, rec, NULL), 0);
	CHECK_INT(sfa_txn_commit(t, "unit: good", NULL), 0);
	t = NULL;
	sfa_store_free(s);
	s = NULL;

	snprintf(good, sizeof(good), "%s", git_id("git --git-dir='%s' rev-parse main", p));
	snprintf(cfg, sizeof(cfg), "%s", git_id("git --git-dir='%s' rev-parse main:config", p));
	snprintf(leads_ok, sizeof(leads_ok), "%s", git_id("git --git-dir='%s' rev-parse main:leads", p));
	snprintf(rec_blob, sizeof(rec_blob), "%s",
		 git_id("git --git-dir='%s' rev-parse main:leads/%.2s/%s.json", p, id, id));

	/* leads/ab/notanid.json, added with ordinary git plumbing */
	CHECK_INT(unit_run(NULL, "cd '%s' && export GIT_INDEX_FILE='%s/bad.idx' && git --git-dir=. read-tree main &&"
		      " git --git-dir=. update-index --add --cacheinfo 100644,%s,leads/ab/notanid.json &&"
		      " c=$(git --git-dir=. -c user.name=U -c user.email=u@x commit-tree -p main -m bad"
		      " $(git --git-dir=. write-tree)) && git --git-dir=. update-ref refs/heads/main $c &&"
		      " rm -f \"$GIT_INDEX_FILE\"", p, unit_tmpdir(), rec_blob), 0);
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(s == NULL);
	CHECK(strstr(sfa_error_last(), "leads/ab: not a record file: 'notanid.json'") != NULL);
	CHECK(!strncmp(sfa_error_last(), "indexing commit ", 16));

	/* a shard named "..", made with mktree */
	commit_on_main(p, tree("040000 tree %s\tconfig\n040000 tree %s\tleads\n", cfg,
			       tree("040000 tree %s\t..\n", tree("100644 blob %s\tx.json\n", rec_blob))));
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), "leads/: unsafe path name '..'") != NULL);

	/* a record named ".git" in a good shard */
	commit_on_main(p, tree("040000 tree %s\tconfig\n040000 tree %s\tleads\n", cfg,
			       tree("040000 tree %s\t%.2s\n",
				    tree("100644 blob %s\t%s.json\n100644 blob %s\t.git\n", rec_blob, id, rec_blob), id)));
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	{
		char want[64];
		snprintf(want, sizeof(want), "leads/%.2s: unsafe path name '.git'", id);
		CHECK(strstr(sfa_error_last(), want) != NULL);
	}

	/* back to the good commit, all is well */
	CHECK_INT(unit_run(NULL, "git --git-dir='%s' update-ref refs/heads/main %s", p, good), 0);
	if (!CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	{
		json_t *got = NULL;
		CHECK_INT(sfa_index_get(sfa_store_index(s), L, id, &got), 0);
		CHECK(got && json_equal(got, rec));
		json_decref(got);
	}

	/* with the store open, the index refuses to follow a bad commit and stays as it was */
	git_oid_fromstr(&bad_oid, commit_on_main(p, tree("040000 tree %s\tconfig\n040000 tree %s\tleads\n", cfg,
							 tree("040000 tree %s\t%.2s\n040000 tree %s\t.git\n",
							      git_id("git --git-dir='%s' rev-parse %s:%.2s", p, leads_ok, id),
							      id, cfg))));
	CHECK_INT(sfa_index_update(sfa_store_index(s), sfa_store_repo(s), &bad_oid), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), "leads/: unsafe path name '.git'") != NULL);
	CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
	CHECK_STR(git_oid_tostr((char[41]){ 0 }, 41, &at), good);
	{
		json_t *got = NULL;
		CHECK_INT(sfa_index_get(sfa_store_index(s), L, id, &got), 0);
		json_decref(got);
	}
	/* and a write does not start on it */
	t = NULL;
	CHECK_INT(sfa_txn_begin(&t, s, 0), SFA_ESTORE);
	CHECK(t == NULL);
	CHECK_INT(unit_run(NULL, "git --git-dir='%s' update-ref refs/heads/main %s", p, good), 0);
	CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
	sfa_txn_free(t);
	t = NULL;
done:
	sfa_txn_free(t);
	sfa_store_free(s);
	json_decref(rec);
}

/* --- the index on its own ----------------------------------------------- */

static int put_as(struct sfa_index *ix, const struct sfa_type *t, const char *id, const char *json)
{
	struct sfa_buf body = SFA_BUF_INIT;
	json_t *rec = json_loads(json, 0, NULL);
	git_oid oid;
	int err;
	if (!rec) {
		printf("# bad test JSON %s\n", json);
		return -100;
	}
	sfa_record_encode(&body, rec);
	git_odb_hash(&oid, body.buf, body.len, GIT_OBJECT_BLOB);
	err = sfa_index_put(ix, t, id, &oid, body.buf, body.len);
	json_decref(rec);
	sfa_buf_release(&body);
	return err;
}

static int put_rec(struct sfa_index *ix, const char *id, const char *json)
{
	return put_as(ix, L, id, json);
}

static int collect_ids(const json_t *rec, void *data)
{
	struct sfa_buf *b = data;
	const char *id = json_string_value(json_object_get(rec, "id"));
	sfa_buf_addf(b, "%s%s", b->len ? " " : "", id ? id : "?");
	return 0;
}

/* The ids listed for the conditions `c` and `limit`; "" for none, "ERR" on failure. */
static const char *list_conds(struct sfa_index *ix, long limit, const struct sfa_cond *c, size_t nconds)
{
	static struct sfa_buf out = SFA_BUF_INIT;
	struct sfa_query q = { .type = L, .conds = c, .nconds = nconds, .limit = limit };
	long n;

	sfa_buf_reset(&out);
	n = sfa_index_list(ix, &q, collect_ids, &out);
	if (n < 0)
		return "ERR";
	/* the count returned is the number of records handed over */
	{
		long words = out.len ? 1 : 0;
		for (size_t i = 0; i < out.len; i++)
			words += out.buf[i] == ' ';
		if (words != n)
			return "BAD COUNT";
	}
	return out.buf;
}

/*
 * The ids listed for `nconds` equality conditions "field", "value", ...
 * (the value as stored JSON: "\"new\"", "50", "true") and `limit`.
 */
static const char *list(struct sfa_index *ix, long limit, size_t nconds, ...)
{
	struct sfa_cond c[8];
	char *v[8];
	va_list ap;

	va_start(ap, nconds);
	for (size_t i = 0; i < nconds; i++) {
		c[i] = (struct sfa_cond){ .op = SFA_OP_EQ, .cmp = SFA_CMP_TEXT, .values = &v[i], .nvalues = 1 };
		c[i].field = va_arg(ap, char *);
		v[i] = va_arg(ap, char *);
	}
	va_end(ap);
	return list_conds(ix, limit, c, nconds);
}

/* The ids listed for one condition `field` `op` `values` (comparing as `cmp`). */
static const char *list1(struct sfa_index *ix, const char *field, enum sfa_op op, enum sfa_cmp cmp,
			 size_t nvalues, ...)
{
	char *v[8];
	struct sfa_cond c = { .field = (char *)field, .op = op, .cmp = cmp, .values = v, .nvalues = nvalues };
	va_list ap;

	va_start(ap, nvalues);
	for (size_t i = 0; i < nvalues; i++)
		v[i] = va_arg(ap, char *);
	va_end(ap);
	return list_conds(ix, -1, &c, 1);
}

/* A value of the index's meta table, "(none)" when absent. */
static const char *meta(struct sfa_index *ix, const char *key)
{
	static char value[64];
	sqlite3_stmt *st;
	snprintf(value, sizeof(value), "(none)");
	if (sqlite3_prepare_v2(sfa_index_db(ix), "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return "(error)";
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(value, sizeof(value), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return value;
}

static int stop_after_two(const json_t *rec, void *data)
{
	return ++*(int *)data >= 2 ? SFA_EINPUT : 0;
}

static void test_index(void)
{
	struct sfa_index *ix = NULL;
	char path[512], id[SFA_ID_LEN + 1];
	git_oid c, oid;
	json_t *rec = NULL, *fields = NULL;

	snprintf(path, sizeof(path), "%s/alone.sqlite", unit_tmpdir());
	if (!CHECK_INT(sfa_index_open(&ix, path), 0))
		return;
	/* a new index reflects no commit */
	CHECK_INT(sfa_index_commit(ix, &c), SFA_ENOTFOUND);
	CHECK_STR(list(ix, -1, 0), "");

	CHECK_INT(sfa_index_begin(ix), 0);
	CHECK_INT(put_rec(ix, "a00000000001", "{\"id\":\"a00000000001\",\"created_at\":\"2024-01-02T00:00:00Z\","
			  "\"status\":\"new\",\"country\":\"DE\",\"first_name\":\"O'Brien\"}"), 0);
	CHECK_INT(put_rec(ix, "a00000000002", "{\"id\":\"a00000000002\",\"created_at\":\"2024-01-01T00:00:00Z\","
			  "\"status\":\"new\",\"country\":\"FR\",\"external_id\":\"crm-7\"}"), 0);
	CHECK_INT(put_rec(ix, "a00000000003", "{\"id\":\"a00000000003\",\"created_at\":\"2024-01-02T00:00:00Z\","
			  "\"status\":\"won\",\"country\":\"DE\"}"), 0);
	CHECK_INT(put_rec(ix, "0z0000000004", "{\"id\":\"0z0000000004\",\"created_at\":\"2024-01-03T00:00:00Z\","
			  "\"status\":\"new\",\"country\":\"DE\",\"employees\":50,\"x-score\":\"9\"}"), 0);
	CHECK_INT(put_rec(ix, "a00000000000", "{\"id\":\"a00000000000\",\"created_at\":\"2024-01-02T00:00:00Z\","
			  "\"status\":\"new\",\"country\":\"DE\",\"city\":\"K\xc3\xb6ln\"}"), 0);
	git_oid_fromstr(&c, "0123456789abcdef0123456789abcdef01234567");
	CHECK_INT(sfa_index_set_commit(ix, &c, 1700000000), 0);
	CHECK_INT(sfa_index_end(ix, 1), 0);
	{
		git_oid at;
		CHECK_INT(sfa_index_commit(ix, &at), 0);
		CHECK(git_oid_equal(&at, &c));
	}

	/* by created_at, then by id */
	CHECK_STR(list(ix, -1, 0), "a00000000002 a00000000000 a00000000001 a00000000003 0z0000000004");
	CHECK_STR(list(ix, 2, 0), "a00000000002 a00000000000");
	CHECK_STR(list(ix, 0, 0), "");
	CHECK_STR(list(ix, 100, 0), "a00000000002 a00000000000 a00000000001 a00000000003 0z0000000004");

	/* conditions: all must hold, exact text */
	CHECK_STR(list(ix, -1, 1, "status", "\"new\""), "a00000000002 a00000000000 a00000000001 0z0000000004");
	CHECK_STR(list(ix, -1, 2, "status", "\"new\"", "country", "\"DE\""), "a00000000000 a00000000001 0z0000000004");
	CHECK_STR(list(ix, 2, 2, "country", "\"DE\"", "status", "\"new\""), "a00000000000 a00000000001");
	CHECK_STR(list(ix, -1, 1, "status", "\"New\""), "");
	CHECK_STR(list(ix, -1, 1, "status", "\"ne\""), "");
	CHECK_STR(list(ix, -1, 1, "status", "\"new%\""), "");
	CHECK_STR(list(ix, -1, 2, "status", "\"won\"", "country", "\"FR\""), "");
	CHECK_STR(list(ix, -1, 1, "first_name", "\"O'Brien\""), "a00000000001");
	CHECK_STR(list(ix, -1, 1, "city", "\"K\xc3\xb6ln\""), "a00000000000");
	CHECK_STR(list(ix, -1, 1, "x-score", "\"9\""), "0z0000000004");
	CHECK_STR(list(ix, -1, 1, "employees", "50"), "0z0000000004");
	CHECK_STR(list(ix, -1, 1, "nosuchfield", "\"\""), "");
	/* the columns of their own */
	CHECK_STR(list(ix, -1, 1, "id", "\"a00000000003\""), "a00000000003");
	CHECK_STR(list(ix, -1, 1, "external_id", "\"crm-7\""), "a00000000002");
	CHECK_STR(list(ix, -1, 1, "created_at", "\"2024-01-02T00:00:00Z\""), "a00000000000 a00000000001 a00000000003");
	CHECK_STR(list(ix, -1, 2, "created_at", "\"2024-01-02T00:00:00Z\"", "status", "\"won\""), "a00000000003");
	CHECK_STR(list(ix, -1, 2, "id", "\"a00000000003\"", "status", "\"new\""), "");
	/* a number is not its text, nor the text a number */
	CHECK_STR(list(ix, -1, 1, "employees", "\"50\""), "");
	CHECK_STR(list(ix, -1, 1, "x-score", "9"), "");

	/* the other operators */
	CHECK_STR(list1(ix, "status", SFA_OP_NE, SFA_CMP_TEXT, 1, "\"new\""), "a00000000003");
	/* != holds for records without the field */
	CHECK_STR(list1(ix, "first_name", SFA_OP_NE, SFA_CMP_TEXT, 1, "\"O'Brien\""),
		  "a00000000002 a00000000000 a00000000003 0z0000000004");
	CHECK_STR(list1(ix, "external_id", SFA_OP_NE, SFA_CMP_TEXT, 1, "\"crm-7\""),
		  "a00000000000 a00000000001 a00000000003 0z0000000004");
	CHECK_STR(list1(ix, "status", SFA_OP_IN, SFA_CMP_TEXT, 2, "\"won\"", "\"lost\""), "a00000000003");
	CHECK_STR(list1(ix, "country", SFA_OP_IN, SFA_CMP_TEXT, 3, "\"FR\"", "\"IT\"", "\"DE\""),
		  "a00000000002 a00000000000 a00000000001 a00000000003 0z0000000004");
	CHECK_STR(list1(ix, "id", SFA_OP_IN, SFA_CMP_TEXT, 2, "\"a00000000003\"", "\"a00000000001\""),
		  "a00000000001 a00000000003");
	CHECK_STR(list1(ix, "employees", SFA_OP_LT, SFA_CMP_NUMBER, 1, "100"), "0z0000000004");
	/* numerically, not as text ("50" > "100") */
	CHECK_STR(list1(ix, "employees", SFA_OP_GT, SFA_CMP_NUMBER, 1, "100"), "");
	CHECK_STR(list1(ix, "employees", SFA_OP_GE, SFA_CMP_NUMBER, 1, "50"), "0z0000000004");
	CHECK_STR(list1(ix, "employees", SFA_OP_GT, SFA_CMP_NUMBER, 1, "50"), "");
	CHECK_STR(list1(ix, "created_at", SFA_OP_LT, SFA_CMP_TEXT, 1, "2024-01-02"), "a00000000002");
	CHECK_STR(list1(ix, "created_at", SFA_OP_GE, SFA_CMP_TEXT, 1, "2024-01-03"), "0z0000000004");
	CHECK_STR(list1(ix, "country", SFA_OP_LE, SFA_CMP_TEXT, 1, "DE"),
		  "a00000000000 a00000000001 a00000000003 0z0000000004");
	/* contains: ignoring case and accents */
	CHECK_STR(list1(ix, "city", SFA_OP_CONTAINS, SFA_CMP_TEXT, 1, "KOLN"), "a00000000000");
	CHECK_STR(list1(ix, "city", SFA_OP_CONTAINS, SFA_CMP_TEXT, 1, "\xc3\xb6l"), "a00000000000");
	CHECK_STR(list1(ix, "first_name", SFA_OP_CONTAINS, SFA_CMP_TEXT, 1, "o'b"), "a00000000001");
	CHECK_STR(list1(ix, "first_name", SFA_OP_CONTAINS, SFA_CMP_TEXT, 1, "%"), "");
	CHECK_STR(list1(ix, "external_id", SFA_OP_EMPTY, SFA_CMP_TEXT, 0),
		  "a00000000000 a00000000001 a00000000003 0z0000000004");
	CHECK_STR(list1(ix, "external_id", SFA_OP_NOT_EMPTY, SFA_CMP_TEXT, 0), "a00000000002");
	CHECK_STR(list1(ix, "city", SFA_OP_NOT_EMPTY, SFA_CMP_TEXT, 0), "a00000000000");
	CHECK_STR(list1(ix, "nosuchfield", SFA_OP_NOT_EMPTY, SFA_CMP_TEXT, 0), "");

	/* a callback's failure stops the walk and is returned */
	{
		struct sfa_query q = { .type = L, .limit = -1 };
		int calls = 0;
		CHECK_INT(sfa_index_list(ix, &q, stop_after_two, &calls), SFA_EINPUT);
		CHECK_INT(calls, 2);
	}

	/* another type sees none of them */
	{
		static const char *const no_columns[] = { NULL };
		static const struct sfa_type other = { "deal", "deals", no_columns, NULL, NULL, NULL, NULL };
		struct sfa_query q = { .type = &other, .limit = -1 };
		struct sfa_buf b = SFA_BUF_INIT;
		CHECK_INT(sfa_index_list(ix, &q, collect_ids, &b), 0);
		CHECK_INT(sfa_index_get(ix, &other, "a00000000001", &rec), SFA_ENOTFOUND);
		CHECK_INT(sfa_index_field_known(ix, &other, "status"), 0);
		sfa_buf_release(&b);
	}

	/* single records */
	CHECK_INT(sfa_index_get(ix, L, "a00000000003", &rec), 0);
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "won");
	json_decref(rec);
	rec = NULL;
	CHECK_INT(sfa_index_get(ix, L, "a00000000009", &rec), SFA_ENOTFOUND);
	CHECK(rec == NULL);
	CHECK_INT(sfa_index_oid(ix, L, "a00000000003", &oid), 0);
	{
		struct sfa_buf body = SFA_BUF_INIT;
		json_t *r = json_loads("{\"id\":\"a00000000003\",\"created_at\":\"2024-01-02T00:00:00Z\","
				       "\"status\":\"won\",\"country\":\"DE\"}", 0, NULL);
		git_oid want;
		sfa_record_encode(&body, r);
		git_odb_hash(&want, body.buf, body.len, GIT_OBJECT_BLOB);
		CHECK(git_oid_equal(&oid, &want));
		json_decref(r);
		sfa_buf_release(&body);
	}
	CHECK_INT(sfa_index_oid(ix, L, "a00000000009", &oid), SFA_ENOTFOUND);

	/* external ids */
	memset(id, 0, sizeof(id));
	CHECK_INT(sfa_index_by_external(ix, L, "crm-7", id), 0);
	CHECK_STR(id, "a00000000002");
	CHECK_INT(sfa_index_by_external(ix, L, "crm-8", id), SFA_ENOTFOUND);
	CHECK_INT(sfa_index_by_external(ix, L, "", id), SFA_ENOTFOUND);
	CHECK_INT(sfa_index_by_external(ix, L, "CRM-7", id), SFA_ENOTFOUND);

	/* prefixes */
	CHECK_INT(sfa_index_resolve(ix, L, "a000", id), SFA_EAMBIGUOUS);
	CHECK_INT(sfa_index_resolve(ix, L, "0z00", id), 0);
	CHECK_STR(id, "0z0000000004");
	CHECK_INT(sfa_index_resolve(ix, L, "a00000000003", id), 0);
	CHECK_STR(id, "a00000000003");
	CHECK_INT(sfa_index_resolve(ix, L, "b000", id), SFA_ENOTFOUND);

	/* field names: the type's own always, others once seen */
	CHECK_INT(sfa_index_field_known(ix, L, "first_name"), 1);
	CHECK_INT(sfa_index_field_known(ix, L, "industry"), 1);	/* a lead column nobody used yet */
	CHECK_INT(sfa_index_field_known(ix, L, "x-score"), 1);
	CHECK_INT(sfa_index_field_known(ix, L, "status"), 1);
	CHECK_INT(sfa_index_field_known(ix, L, "x-other"), 0);
	CHECK_INT(sfa_index_field_known(ix, L, ""), 0);
	CHECK_INT(sfa_index_field_known(ix, L, "First_name"), 0);
	CHECK_INT(sfa_index_fields(ix, L, &fields), 0);
	{
		char *s = json_dumps(fields, JSON_COMPACT);
		CHECK_STR(s, "[\"city\",\"country\",\"created_at\",\"employees\",\"external_id\","
			  "\"first_name\",\"id\",\"status\",\"x-score\"]");
		free(s);
		json_decref(fields);
		fields = NULL;
	}

	/* changes: an update, a removal, and a rolled-back transaction */
	CHECK_INT(sfa_index_begin(ix), 0);
	CHECK_INT(put_rec(ix, "a00000000002", "{\"id\":\"a00000000002\",\"created_at\":\"2024-01-05T00:00:00Z\","
			  "\"status\":\"lost\",\"country\":\"FR\"}"), 0);
	CHECK_INT(sfa_index_del(ix, L, "a00000000001"), 0);
	CHECK_INT(sfa_index_del(ix, L, "a0000000000z"), 0);	/* absent: nothing to do */
	CHECK_INT(sfa_index_end(ix, 1), 0);
	CHECK_STR(list(ix, -1, 0), "a00000000000 a00000000003 0z0000000004 a00000000002");
	CHECK_STR(list(ix, -1, 1, "status", "\"lost\""), "a00000000002");
	/* the external id went with the update */
	CHECK_INT(sfa_index_by_external(ix, L, "crm-7", id), SFA_ENOTFOUND);
	CHECK_INT(sfa_index_get(ix, L, "a00000000001", &rec), SFA_ENOTFOUND);

	CHECK_INT(sfa_index_begin(ix), 0);
	CHECK_INT(put_rec(ix, "b00000000001", "{\"id\":\"b00000000001\",\"created_at\":\"2023-01-01T00:00:00Z\","
			  "\"x-rolled-back\":\"1\"}"), 0);
	CHECK_INT(sfa_index_del(ix, L, "a00000000000"), 0);
	CHECK_STR(list(ix, -1, 0), "b00000000001 a00000000003 0z0000000004 a00000000002");
	CHECK_INT(sfa_index_end(ix, 0), 0);
	CHECK_STR(list(ix, -1, 0), "a00000000000 a00000000003 0z0000000004 a00000000002");
	CHECK_INT(sfa_index_field_known(ix, L, "x-rolled-back"), 0);

	/*
	 * A true value prints as "true" (the output writer's text for it), so
	 * that is what a condition on it matches.
	 */
	CHECK_INT(sfa_index_begin(ix), 0);
	CHECK_INT(put_rec(ix, "c00000000001", "{\"id\":\"c00000000001\",\"created_at\":\"2024-02-01T00:00:00Z\","
			  "\"vip\":true}"), 0);
	CHECK_INT(sfa_index_end(ix, 1), 0);
	CHECK_STR(list(ix, -1, 1, "vip", "true"), "c00000000001");

	/* many field names in one transaction */
	CHECK_INT(sfa_index_begin(ix), 0);
	for (int i = 0; i < 1500; i++) {
		char json[128], rid[SFA_ID_LEN + 1];
		snprintf(rid, sizeof(rid), "d%011d", i);
		snprintf(json, sizeof(json), "{\"id\":\"%s\",\"created_at\":\"2025-01-01T00:00:00Z\",\"f%d\":\"v\"}", rid, i);
		if (put_rec(ix, rid, json) < 0)
			break;
	}
	CHECK_INT(sfa_index_end(ix, 1), 0);
	CHECK_INT(sfa_index_field_known(ix, L, "f0"), 1);
	CHECK_INT(sfa_index_field_known(ix, L, "f777"), 1);
	CHECK_INT(sfa_index_field_known(ix, L, "f1499"), 1);
	CHECK_INT(sfa_index_field_known(ix, L, "f1500"), 0);
	CHECK_STR(list(ix, -1, 1, "f1234", "\"v\""), "d00000001234");
	sfa_index_free(ix);
	ix = NULL;

	/* what was written is there when opened again */
	if (CHECK_INT(sfa_index_open(&ix, path), 0)) {
		git_oid at;
		CHECK_INT(sfa_index_commit(ix, &at), 0);
		CHECK(git_oid_equal(&at, &c));
		CHECK_STR(list(ix, 3, 0), "a00000000000 a00000000003 0z0000000004");
		CHECK_INT(sfa_index_field_known(ix, L, "f1499"), 1);
		/* the layout it was made with is recorded */
		CHECK_STR(meta(ix, "schema"), "6");
		CHECK_INT(sqlite3_exec(sfa_index_db(ix), "UPDATE meta SET value = '1' WHERE key = 'schema'",
				       NULL, NULL, NULL), SQLITE_OK);
		sfa_index_free(ix);
		ix = NULL;
	}

	/* an index of another layout is refused (the store makes a new one) and left as it is */
	CHECK_INT(sfa_index_open(&ix, path), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), "another layout") != NULL);
	CHECK_STR(unit_sh("sqlite3 '%s' \"SELECT value FROM meta WHERE key = 'schema'\"", path), "1");
	unit_run(NULL, "rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
	/* a new one has pages of 16 KiB */
	if (CHECK_INT(sfa_index_open(&ix, path), 0)) {
		git_oid at;
		CHECK_INT(sfa_index_commit(ix, &at), SFA_ENOTFOUND);
		CHECK_STR(list(ix, -1, 0), "");
		CHECK_STR(meta(ix, "schema"), "6");
		CHECK_INT(sfa_index_begin(ix), 0);
		CHECK_INT(put_rec(ix, "e00000000001", "{\"id\":\"e00000000001\",\"created_at\":\"2024-01-01T00:00:00Z\"}"), 0);
		CHECK_INT(sfa_index_set_commit(ix, &c, 1700000000), 0);
		CHECK_INT(sfa_index_end(ix, 1), 0);
		CHECK_STR(list(ix, -1, 0), "e00000000001");
		sfa_index_free(ix);
		ix = NULL;
		CHECK_STR(unit_sh("sqlite3 '%s' 'PRAGMA page_size'", path), "16384");
	}
	/* the same layout is kept */
	if (CHECK_INT(sfa_index_open(&ix, path), 0)) {
		CHECK_STR(list(ix, -1, 0), "e00000000001");
		sfa_index_free(ix);
		ix = NULL;
	}

	/* not an index */
	{
		char bad[512];
		snprintf(bad, sizeof(bad), "%s/garbage.sqlite", unit_tmpdir());
		unit_run(NULL, "printf 'not a database at all, not at all.%%.0s' $(seq 100) > '%s'", bad);
		CHECK(sfa_index_open(&ix, bad) < 0);
		CHECK(strstr(sfa_error_last(), bad) != NULL);
		snprintf(bad, sizeof(bad), "%s/no/such/dir/index.sqlite", unit_tmpdir());
		CHECK_INT(sfa_index_open(&ix, bad), SFA_ESTORE);
		CHECK(strstr(sfa_error_last(), bad) != NULL);
	}
	sfa_index_free(NULL);
}

/* --- the deals table ------------------------------------------------------ */

static const char *const deal_test_fields[] = {
	"id", "owner", "territory", "stage", "amount", "probability", "created_at", "lost_reason",
	SFA_INDEX_MOVES, NULL
};

/* Appends a row of sfa_index_rows as "a|b|...\n", "~" for a missing value, a newline in one as "/". */
static int collect_row(const char *const *v, void *data)
{
	struct sfa_buf *b = data;
	for (size_t i = 0; deal_test_fields[i]; i++) {
		if (i)
			sfa_buf_addch(b, '|');
		for (const char *p = v[i] ? v[i] : "~"; *p; p++)
			sfa_buf_addch(b, *p == '\n' ? '/' : *p);
	}
	sfa_buf_addch(b, '\n');
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The opportunities' rows as of commit `as_of` for `reader` (NULL: all),
 * sorted, from the deals table or (by_body) from the records' bodies: a
 * condition that every record meets sends the query there. "ERR" on failure.
 */
static const char *deal_rows(struct sfa_index *ix, long long as_of, const char *reader, const char *territory,
			     int by_body)
{
	static struct sfa_buf out[2] = { SFA_BUF_INIT, SFA_BUF_INIT };
	struct sfa_buf rows = SFA_BUF_INIT, *o = &out[by_body];
	struct sfa_cond any = { .field = "id", .op = SFA_OP_NOT_EMPTY };
	struct sfa_query q = { .type = &sfa_type_opportunity, .limit = -1, .unordered = 1, .as_of = as_of,
			       .reader = reader, .reader_territory = territory };
	char **line = NULL;
	size_t n = 0, alloc = 0;
	long got;

	if (by_body) {
		q.conds = &any;
		q.nconds = 1;
	}
	sfa_buf_reset(o);
	if ((got = sfa_index_rows(ix, &q, deal_test_fields, collect_row, &rows)) < 0) {
		sfa_buf_release(&rows);
		return "ERR";
	}
	for (char *p = rows.buf, *nl; rows.len && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		SFA_ALLOC_GROW(line, n + 1, alloc);
		line[n++] = p;
	}
	if ((long)n != got)
		sfa_buf_addstr(o, "BAD COUNT ");
	qsort(line, n, sizeof(*line), cmp_line);
	for (size_t i = 0; i < n; i++)
		sfa_buf_addf(o, "%s\n", line[i]);
	free(line);
	sfa_buf_release(&rows);
	return o->buf;
}

static void deal_commit(struct sfa_index *ix, int n)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid c;
	snprintf(hex, sizeof(hex), "%040d", n);
	git_oid_fromstr(&c, hex);
	CHECK_INT(sfa_index_set_commit(ix, &c, 1700000000 + n), 0);
	CHECK_INT(sfa_index_end(ix, 1), 0);
}

static int deal_count(struct sfa_index *ix, const char *where)
{
	return atoi(unit_sh("sqlite3 '%s/deals.sqlite' 'SELECT count(*) FROM deals WHERE %s'", unit_tmpdir(), where));
}

/* The deals table gives what the records' bodies give, now and as of every commit. */
static void test_deal_rows(void)
{
	const struct sfa_type *O = &sfa_type_opportunity;
	struct sfa_index *ix = NULL;
	char path[512];
	json_t *fields;

	snprintf(path, sizeof(path), "%s/deals.sqlite", unit_tmpdir());
	if (!CHECK_INT(sfa_index_open(&ix, path), 0))
		return;
	CHECK_INT(sfa_index_begin(ix), 0);	/* commit 1 */
	CHECK_INT(put_as(ix, O, "d00000000001", "{\"id\":\"d00000000001\",\"created_at\":\"2024-01-02T00:00:00Z\","
			 "\"owner\":\"ann\",\"territory\":\"north\",\"stage\":\"qualification\",\"amount\":\"100.00 EUR\","
			 "\"probability\":40,\"stage_history\":[{\"at\":\"2024-01-02T00:00:00Z\",\"to\":\"qu\\u00e9\"}]}"), 0);
	/* null, missing, a number where text belongs, escapes */
	CHECK_INT(put_as(ix, O, "d00000000002", "{\"id\":\"d00000000002\",\"created_at\":5,\"owner\":\"ben\","
			 "\"stage\":\"closed-lost\",\"probability\":null,\"lost_reason\":\"a \\\"b\\\"\\nc\"}"), 0);
	CHECK_INT(put_as(ix, O, "d00000000003", "{\"id\":\"d00000000003\",\"owner\":\"ben\",\"territory\":\"\","
			 "\"probability\":true,\"stage_history\":[]}"), 0);
	CHECK_INT(put_rec(ix, "d00000000009", "{\"id\":\"d00000000009\",\"owner\":\"ann\"}"), 0);	/* a lead */
	deal_commit(ix, 1);
	CHECK_INT(sfa_index_begin(ix), 0);	/* commit 2 */
	CHECK_INT(put_as(ix, O, "d00000000001", "{\"id\":\"d00000000001\",\"created_at\":\"2024-01-02T00:00:00Z\","
			 "\"owner\":\"ann\",\"territory\":\"north\",\"stage\":\"proposal\",\"amount\":\"120.50 EUR\","
			 "\"stage_history\":[{\"at\":\"2024-01-02T00:00:00Z\",\"to\":\"qu\\u00e9\"},"
			 "{\"at\":\"2024-02-01T00:00:00Z\",\"from\":\"qu\\u00e9\",\"to\":\"proposal\"}]}"), 0);
	CHECK_INT(sfa_index_del(ix, O, "d00000000002"), 0);
	CHECK_INT(put_as(ix, O, "d00000000004", "{\"id\":\"d00000000004\",\"owner\":\"cy\",\"territory\":\"south\","
			 "\"amount\":\"7.00 USD\"}"), 0);
	deal_commit(ix, 2);
	CHECK_INT(sfa_index_begin(ix), 0);	/* commit 3: twice in one commit keeps one version */
	CHECK_INT(put_as(ix, O, "d00000000004", "{\"id\":\"d00000000004\",\"owner\":\"cy\",\"amount\":\"8.00 USD\"}"), 0);
	CHECK_INT(put_as(ix, O, "d00000000004", "{\"id\":\"d00000000004\",\"owner\":\"cy\",\"amount\":\"9.00 USD\"}"), 0);
	/* moves: a tab and a backslash in a name, entries without "to" or a valid "at" */
	CHECK_INT(put_as(ix, O, "d00000000003", "{\"id\":\"d00000000003\",\"owner\":\"ben\",\"stage\":\"won\","
			 "\"stage_history\":[{\"at\":\"2024-01-05T00:00:00Z\",\"to\":\"a\\tb\\\\c\"},{\"to\":\"x\"},"
			 "{\"at\":\"bad\",\"to\":\"y\"},{\"at\":\"2024-01-06T00:00:00Z\",\"to\":5},"
			 "{\"at\":\"2024-01-07T00:00:00Z\",\"to\":\"won\",\"from\":\"a\\tb\\\\c\"}]}"), 0);
	deal_commit(ix, 3);

	CHECK_INT(deal_count(ix, "k > 0"), 3);
	CHECK_INT(deal_count(ix, "k < 0"), 4);	/* d1, d2, d3 and d4 as of commit 2 */
	CHECK_STR(deal_rows(ix, 1, NULL, NULL, 0),
		  "d00000000001|ann|north|qualification|100.00 EUR|40|2024-01-02T00:00:00Z|~|"
		  "1704153600\tqu\xc3\xa9\t/\n"
		  "d00000000002|ben|~|closed-lost|~|~|~|a \"b\"/c|~\n"
		  "d00000000003|ben||~|~|1|~|~|\n");
	CHECK_STR(deal_rows(ix, 0, NULL, NULL, 0),
		  "d00000000001|ann|north|proposal|120.50 EUR|~|2024-01-02T00:00:00Z|~|"
		  "1704153600\tqu\xc3\xa9\t/1706745600\tproposal\tqu\xc3\xa9/\n"
		  "d00000000003|ben|~|won|~|~|~|~|1704412800\ta\\tb\\\\c\t/1704585600\twon\ta\\tb\\\\c/\n"
		  "d00000000004|cy|~|~|9.00 USD|~|~|~|~\n");
	for (long long at = 0; at <= 4; at++) {
		CHECK_STR(deal_rows(ix, at, NULL, NULL, 0), deal_rows(ix, at, NULL, NULL, 1));
		CHECK_STR(deal_rows(ix, at, "ann", NULL, 0), deal_rows(ix, at, "ann", NULL, 1));
		CHECK_STR(deal_rows(ix, at, "ben", "south", 0), deal_rows(ix, at, "ben", "south", 1));
	}
	CHECK_STR(deal_rows(ix, 2, "ben", "south", 0), "d00000000003|ben||~|~|1|~|~|\n"
		  "d00000000004|cy|south|~|7.00 USD|~|~|~|~\n");

	/* forgetting fields scrubs the kept rows as it scrubs the bodies */
	CHECK_INT(sfa_index_begin(ix), 0);
	fields = unit_json("[\"owner\", \"stage_history\"]");
	CHECK_INT(sfa_index_forget(ix, O, "d00000000001", fields), 0);
	json_decref(fields);
	deal_commit(ix, 4);
	CHECK_STR(deal_rows(ix, 1, NULL, NULL, 0), deal_rows(ix, 1, NULL, NULL, 1));
	CHECK(strstr(deal_rows(ix, 1, NULL, NULL, 0), "d00000000001|~|north|qualification|100.00 EUR|40|"
		     "2024-01-02T00:00:00Z|~|~\n") != NULL);

	/* a bulk write puts the deals' rows at the end of each commit: the same rows */
	CHECK_INT(sfa_index_begin(ix), 0);	/* commit 5 */
	sfa_index_bulk(ix, 1);
	CHECK_INT(put_as(ix, O, "d00000000005", "{\"id\":\"d00000000005\",\"owner\":\"ann\",\"amount\":\"1.00 EUR\"}"), 0);
	CHECK_INT(put_as(ix, O, "d00000000005", "{\"id\":\"d00000000005\",\"owner\":\"ann\",\"amount\":\"2.00 EUR\","
			 "\"stage_history\":[{\"at\":\"2024-03-01T00:00:00Z\",\"to\":\"won\"}]}"), 0);
	CHECK_INT(put_as(ix, O, "d00000000006", "{\"id\":\"d00000000006\",\"owner\":\"ann\"}"), 0);
	CHECK_INT(sfa_index_del(ix, O, "d00000000006"), 0);
	CHECK_INT(put_as(ix, O, "d00000000004", "{\"id\":\"d00000000004\",\"owner\":\"dee\",\"amount\":\"10.00 USD\"}"), 0);
	deal_commit(ix, 5);
	CHECK_INT(deal_count(ix, "k > 0"), 4);
	CHECK_STR(deal_rows(ix, 0, "ben", "north", 0), "d00000000001|ann|north|proposal|120.50 EUR|~|2024-01-02T00:00:00Z|~|"
		  "1704153600\tqu\xc3\xa9\t/1706745600\tproposal\tqu\xc3\xa9/\n"
		  "d00000000003|ben|~|won|~|~|~|~|1704412800\ta\\tb\\\\c\t/1704585600\twon\ta\\tb\\\\c/\n"
		  "d00000000004|dee|~|~|10.00 USD|~|~|~|~\n"
		  "d00000000005|ann|~|~|2.00 EUR|~|~|~|1709251200\twon\t/\n");
	for (long long at = 0; at <= 5; at++)
		CHECK_STR(deal_rows(ix, at, NULL, NULL, 0), deal_rows(ix, at, NULL, NULL, 1));
	CHECK(strstr(deal_rows(ix, 4, NULL, NULL, 0), "d00000000004|cy|~|~|9.00 USD|") != NULL);
	sfa_index_free(ix);
}

/* Puts `body` as it is, not through the record encoder: bodies other tools may have written. */
static int put_raw(struct sfa_index *ix, const char *id, const char *body)
{
	git_oid oid;
	git_odb_hash(&oid, body, strlen(body), GIT_OBJECT_BLOB);
	return sfa_index_put(ix, &sfa_type_opportunity, id, &oid, body, strlen(body));
}

/* The ids of the opportunities listed for the conditions, as of commit `as_of`, sorted; "ERR" on failure. */
static const char *deal_ids(struct sfa_index *ix, long long as_of, const struct sfa_cond *c, size_t nconds,
			    int or_block)
{
	static struct sfa_buf out[2] = { SFA_BUF_INIT, SFA_BUF_INIT };
	struct sfa_query q = { .type = &sfa_type_opportunity, .conds = c, .nconds = nconds, .or_block = or_block,
			       .limit = -1, .as_of = as_of };
	struct sfa_buf *o = &out[as_of != 0];

	sfa_buf_reset(o);
	q.sort = NULL;
	if (sfa_index_list(ix, &q, collect_ids, o) < 0)
		return "ERR";
	return o->buf;
}

/*
 * Conditions the deals table narrows (lib/index.c, narrows()) give the
 * records the bodies alone give, which a query as of the last commit
 * reads: over escapes, other types, null, missing and lists.
 */
static void test_narrowed(void)
{
	struct sfa_index *ix = NULL;
	char path[512];
	static char *web[] = { "\"web\"" }, *web_mail[] = { "\"web\"", "\"mail\"" }, *s40[] = { "\"40\"" },
		    *n40[] = { "40" }, *north[] = { "\"north\"" }, *cafe[] = { "\"caf\xc3\xa9\"" },
		    *usd[] = { "\"5.00 USD\"" };
	const struct {
		struct sfa_cond c[3];
		size_t n;
		int or_block;
	} cases[] = {
		{ { { "source", SFA_OP_EQ, 0, web, 1, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_IN, 0, web_mail, 2, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_EQ, 0, s40, 1, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_EQ, 0, n40, 1, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_EMPTY, 0, NULL, 0, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_NOT_EMPTY, 0, NULL, 0, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_NE, 0, web, 1, 0 } }, 1, 0 },
		{ { { "source", SFA_OP_EQ, 0, cafe, 1, 0 } }, 1, 0 },
		{ { { "amount", SFA_OP_EQ, 0, usd, 1, 0 } }, 1, 0 },
		{ { { "territory", SFA_OP_EQ, 0, north, 1, 0 }, { "source", SFA_OP_EQ, 0, web, 1, 0 } }, 2, 0 },
		{ { { "source", SFA_OP_IN, 0, web_mail, 2, 0 }, { "territory", SFA_OP_EQ, 0, north, 1, 1 },
		    { "territory", SFA_OP_EMPTY, 0, NULL, 0, 2 } }, 3, 1 },
	};

	snprintf(path, sizeof(path), "%s/narrow.sqlite", unit_tmpdir());
	if (!CHECK_INT(sfa_index_open(&ix, path), 0))
		return;
	CHECK_INT(sfa_index_begin(ix), 0);	/* commit 1 */
	CHECK_INT(put_raw(ix, "e00000000001", "{\"id\":\"e00000000001\",\"source\":\"web\",\"territory\":\"north\","
					      "\"amount\":\"5.00 USD\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000002", "{\"id\":\"e00000000002\",\"source\":\"w\\u0065b\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000003", "{\"id\":\"e00000000003\",\"source\":40}"), 0);
	CHECK_INT(put_raw(ix, "e00000000004", "{\"id\":\"e00000000004\",\"source\":\"40\",\"amount\":\"5.00 USD\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000005", "{\"id\":\"e00000000005\",\"source\":null,\"territory\":\"\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000006", "{\"id\":\"e00000000006\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000007", "{\"id\":\"e00000000007\",\"source\":\"mail\",\"territory\":\"north\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000008", "{\"id\":\"e00000000008\",\"source\":[\"web\"]}"), 0);
	CHECK_INT(put_raw(ix, "e00000000009", "{\"id\":\"e00000000009\",\"source\":\"caf\\u00e9\"}"), 0);
	CHECK_INT(put_raw(ix, "e00000000010", "{\"id\":\"e00000000010\",\"source\":\"caf\xc3\xa9\",\"territory\":\"north\"}"), 0);
	CHECK_INT(put_rec(ix, "e00000000011", "{\"id\":\"e00000000011\",\"source\":\"web\"}"), 0);	/* a lead */
	deal_commit(ix, 1);
	CHECK_INT(sfa_index_begin(ix), 0);	/* commit 2: older versions kept, one deal gone */
	CHECK_INT(put_raw(ix, "e00000000007", "{\"id\":\"e00000000007\",\"source\":\"web\",\"territory\":\"north\"}"), 0);
	CHECK_INT(sfa_index_del(ix, &sfa_type_opportunity, "e00000000001"), 0);
	CHECK_INT(put_raw(ix, "e00000000012", "{\"id\":\"e00000000012\",\"source\":\"web\"}"), 0);
	deal_commit(ix, 2);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char now[512];
		snprintf(now, sizeof(now), "%s", deal_ids(ix, 0, cases[i].c, cases[i].n, cases[i].or_block));
		if (!CHECK_STR(now, deal_ids(ix, 2, cases[i].c, cases[i].n, cases[i].or_block)))
			printf("# case %zu\n", i);
	}
	CHECK_STR(deal_ids(ix, 0, cases[0].c, 1, 0), "e00000000007 e00000000012");
	CHECK_STR(deal_ids(ix, 0, cases[2].c, 1, 0), "e00000000004");
	CHECK_STR(deal_ids(ix, 0, cases[4].c, 1, 0), "e00000000006");
	/* the table narrows indeed: a row taken from it hides its record (only here, by hand) */
	unit_sh("sqlite3 '%s' \"DELETE FROM deals WHERE id = 'e00000000007' AND k > 0\"", path);
	CHECK_STR(deal_ids(ix, 0, cases[0].c, 1, 0), "e00000000012");
	CHECK_STR(deal_ids(ix, 2, cases[0].c, 1, 0), "e00000000007 e00000000012");
	/* a bulk write's deals have no rows there until its commit ends: meanwhile the bodies answer */
	CHECK_INT(sfa_index_begin(ix), 0);
	sfa_index_bulk(ix, 1);
	CHECK_INT(put_raw(ix, "e00000000013", "{\"id\":\"e00000000013\",\"source\":\"web\"}"), 0);
	CHECK_STR(deal_ids(ix, 0, cases[0].c, 1, 0), "e00000000007 e00000000012 e00000000013");
	CHECK(strstr(deal_rows(ix, 0, NULL, NULL, 0), "e00000000013|") != NULL);
	deal_commit(ix, 3);
	CHECK_STR(deal_ids(ix, 0, cases[0].c, 1, 0), "e00000000012 e00000000013");
	sfa_index_free(ix);
}

void unit_tests(void)
{
	setenv("SFA_USER", "Unit Tester <unit@example.com>", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);

	test_path_names();
	test_treediff();
	test_store_bad_names();
	test_index();
	test_deal_rows();
	test_narrowed();
}
