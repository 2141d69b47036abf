#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/index.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "unit.h"
#include "sfa/banned.h"

static const struct sfa_type *const L = &sfa_type_lead;



static const char *path_of(const char *name)
{
	static char p[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", unit_tmpdir(), name);
	return p[k];
}

static int exists(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int exists(const char *fmt, ...)
{
	struct sfa_buf p = SFA_BUF_INIT;
	struct stat st;
	va_list ap;
	int rc;
	va_start(ap, fmt);
	sfa_buf_vaddf(&p, fmt, ap);
	va_end(ap);
	rc = stat(p.buf, &st) == 0;
	sfa_buf_release(&p);
	return rc;
}

static long rev_count(const char *store)
{
	return atol(unit_sh("git --git-dir='%s' rev-list --count refs/heads/main", store));
}

static const char *head_hex(const char *store)
{
	return unit_sh("git --git-dir='%s' rev-parse refs/heads/main", store);
}

static const char *hex_of(const git_oid *oid)
{
	static char hex[4][GIT_OID_HEXSZ + 1];
	static int k;
	k = (k + 1) % 4;
	return git_oid_tostr(hex[k], sizeof(hex[k]), oid);
}

/* `git fsck --strict` passes, without notices or dangling objects. */
static int fsck_clean(const char *store)
{
	struct sfa_buf out = SFA_BUF_INIT;
	int rc = unit_run(&out, "o=$(git --git-dir='%s' fsck --strict --no-dangling 2>&1); rc=$?;"
		     " printf '%%s' \"$o\" | grep -v '^notice:'; exit $rc", store);
	int ok = rc == 0 && out.len == 0;
	if (!ok)
		printf("# fsck (%d): %s\n", rc, out.buf);
	sfa_buf_release(&out);
	return ok;
}

static json_t *lead(const char *first, const char *created_at)
{
	json_t *r = json_object();
	json_object_set_new(r, "first_name", json_string(first));
	json_object_set_new(r, "company", json_string("Acme"));
	if (created_at)
		json_object_set_new(r, "created_at", json_string(created_at));
	return r;
}

/* The canonical encoding of `rec` (static). */
static const char *enc(const json_t *rec)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	sfa_buf_reset(&b);
	sfa_record_encode(&b, rec);
	return b.buf;
}

/* The bytes of record `id` on the branch, as git shows them. */
static const char *git_record(const char *store, const char *id)
{
	static struct sfa_buf out = SFA_BUF_INIT;
	sfa_buf_reset(&out);
	if (unit_run(&out, "git --git-dir='%s' cat-file -p 'refs/heads/main:leads/%.2s/%s.json'", store, id, id) != 0)
		return "(missing)";
	return out.buf;
}

/* Puts `rec` as `id` (taking the reference) in a commit of its own. */
static int put1(struct sfa_store *s, const char *id, json_t *rec, const char *msg, git_oid *out)
{
	struct sfa_txn *t = NULL;
	int err, changed = -1;
	if ((err = sfa_txn_begin(&t, s, 0)) == 0 && (err = sfa_txn_put(t, L, id, rec, &changed)) == 0) {
		err = sfa_txn_commit(t, msg, out);
		t = NULL;
	}
	sfa_txn_free(t);
	json_decref(rec);
	return err;
}

/* The index has `id` exactly as `want` (NULL: not at all). */
static int index_has(struct sfa_store *s, const char *id, const json_t *want)
{
	json_t *got = NULL;
	int err = sfa_index_get(sfa_store_index(s), L, id, &got), ok;
	if (!want)
		return err == SFA_ENOTFOUND;
	ok = err == 0 && json_equal(got, want);
	json_decref(got);
	return ok;
}

static int count_rec(const json_t *rec, void *data)
{
	(*(long *)data)++;
	return 0;
}

static long index_count(struct sfa_store *s)
{
	struct sfa_query q = { .type = L, .limit = -1 };
	long n = 0, rc = sfa_index_list(sfa_store_index(s), &q, count_rec, &n);
	return rc < 0 ? rc : n;
}

static void test_locate(void)
{
	struct sfa_buf b = SFA_BUF_INIT;
	char *home = getenv("HOME") ? sfa_xstrdup(getenv("HOME")) : NULL;

	setenv("SFA_STORE", "/env/store", 1);
	setenv("XDG_DATA_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	sfa_store_locate(&b, "/opt/store");
	CHECK_STR(b.buf, "/opt/store");
	sfa_buf_reset(&b);
	sfa_store_locate(&b, NULL);
	CHECK_STR(b.buf, "/env/store");
	sfa_buf_reset(&b);
	sfa_store_locate(&b, "");
	CHECK_STR(b.buf, "/env/store");
	unsetenv("SFA_STORE");
	sfa_buf_reset(&b);
	sfa_store_locate(&b, NULL);
	CHECK_STR(b.buf, "/xdg/sfa/store");
	setenv("XDG_DATA_HOME", "relative", 1);	/* ignored, as the XDG spec says */
	sfa_buf_reset(&b);
	sfa_store_locate(&b, NULL);
	CHECK_STR(b.buf, "/home/u/.local/share/sfa/store");
	unsetenv("XDG_DATA_HOME");
	sfa_buf_reset(&b);
	sfa_store_locate(&b, NULL);
	CHECK_STR(b.buf, "/home/u/.local/share/sfa/store");
	sfa_buf_release(&b);
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(home);

	sfa_buf_addstr(&b, "x:");
	sfa_store_record_path(&b, L, "ab23456789cd");
	CHECK_STR(b.buf, "x:leads/ab/ab23456789cd.json");
	sfa_buf_release(&b);
}

static void test_signature(void)
{
	git_signature *sig = NULL;

	setenv("SFA_USER", "Ann Example <ann@example.com>", 1);
	unsetenv("SFA_EMAIL");
	if (CHECK_INT(sfa_store_signature(NULL, &sig), 0)) {
		CHECK_STR(sig->name, "Ann Example");
		CHECK_STR(sig->email, "ann@example.com");
	}
	git_signature_free(sig);
	setenv("SFA_EMAIL", "other@example.com", 1);
	if (CHECK_INT(sfa_store_signature(NULL, &sig), 0)) {
		CHECK_STR(sig->name, "Ann Example");
		CHECK_STR(sig->email, "other@example.com");
	}
	git_signature_free(sig);
	setenv("SFA_USER", "Bob", 1);
	if (CHECK_INT(sfa_store_signature(NULL, &sig), 0)) {
		CHECK_STR(sig->name, "Bob");
		CHECK_STR(sig->email, "other@example.com");
	}
	git_signature_free(sig);
	unsetenv("SFA_EMAIL");
	setenv("SFA_USER", "Unit Tester <unit@example.com>", 1);
}

static void test_init(void)
{
	const char *p = path_of("store-init");
	struct sfa_store *s = NULL;
	struct sfa_buf b = SFA_BUF_INIT;

	if (!CHECK_INT(sfa_store_init(p), 0))
		return;
	CHECK_STR(unit_sh("git --git-dir='%s' rev-parse --is-bare-repository", p), "true");
	CHECK_STR(unit_sh("git --git-dir='%s' symbolic-ref HEAD", p), "refs/heads/main");
	CHECK_INT(rev_count(p), 1);
	CHECK_STR(unit_sh("git --git-dir='%s' cat-file -p main:config/store.json", p), "{\n  \"format\": 1\n}");
	CHECK_STR(unit_sh("git --git-dir='%s' log -1 --format='%%an <%%ae>|%%s' main", p),
		  "Unit Tester <unit@example.com>|sfa init: create store");
	CHECK_STR(unit_sh("git --git-dir='%s' ls-tree -r --name-only main", p),
		  "config/pipelines.json\nconfig/pricebooks.json\nconfig/quote.html\nconfig/quoting.json\n"
		  "config/schema.json\nconfig/scoring.json\nconfig/store.json");
	/* the shipped schema and scoring rules, byte for byte */
	for (const struct sfa_config_default *d = sfa_config_defaults; d->file; d++) {
		struct sfa_buf got = SFA_BUF_INIT;
		if (!CHECK(sfa_config_default(d->file) == d->text))
			continue;
		if (CHECK_INT(unit_run(&got, "git --git-dir='%s' cat-file blob main:%s", p, d->file), 0))
			CHECK_STR(got.buf, d->text);
		sfa_buf_release(&got);
	}
	CHECK(sfa_config_default("config/schema.json") != NULL);
	CHECK(sfa_config_default("config/scoring.json") != NULL);
	CHECK(sfa_config_default("config/store.json") == NULL);
	CHECK(exists("%s/%s", p, SFA_INDEX_FILE));
	CHECK(fsck_clean(p));

	/* a store opens, and its index is at the head */
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		git_oid head, at;
		CHECK_STR(sfa_store_path(s), p);
		CHECK_INT(sfa_store_head(s, &head), 0);
		CHECK_STR(hex_of(&head), head_hex(p));
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK(git_oid_equal(&head, &at));
		CHECK(sfa_store_repo(s) != NULL);
		CHECK_INT(index_count(s), 0);
		sfa_store_free(s);
		s = NULL;
	}

	/* not twice */
	CHECK_INT(sfa_store_init(p), SFA_ESTORE);
	sfa_buf_addf(&b, "cannot create a store at '%s': folder not empty", p);
	CHECK_STR(sfa_error_last(), b.buf);
	CHECK_INT(rev_count(p), 1);

	/* not into a folder holding something, which is left alone */
	{
		const char *q = path_of("not-empty");
		mkdir(q, 0777);
		unit_run(NULL, "echo keep > '%s/file.txt'", q);
		CHECK_INT(sfa_store_init(q), SFA_ESTORE);
		CHECK(strstr(sfa_error_last(), q) != NULL);
		CHECK(strstr(sfa_error_last(), "folder not empty") != NULL);
		CHECK_STR(unit_sh("cat '%s/file.txt'", q), "keep");
		CHECK(!exists("%s/objects", q));
	}

	/* not onto a file */
	{
		const char *q = path_of("plain-file");
		unit_run(NULL, "echo x > '%s'", q);
		CHECK_INT(sfa_store_init(q), SFA_ESTORE);
		CHECK(strstr(sfa_error_last(), "not a folder") != NULL);
	}

	/* an empty folder is fine, and so is a path yet to be made */
	{
		const char *q = path_of("empty-dir");
		mkdir(q, 0777);
		CHECK_INT(sfa_store_init(q), 0);
		CHECK_INT(rev_count(q), 1);
		q = path_of("deep/er/store");
		CHECK_INT(sfa_store_init(q), 0);
		CHECK_INT(rev_count(q), 1);
	}
	sfa_buf_release(&b);
}

static void test_open_errors(void)
{
	struct sfa_store *s = NULL;
	const char *p;

	p = path_of("no-such-store");
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), p) != NULL);
	CHECK(!exists("%s", p));

	p = path_of("just-a-dir");
	mkdir(p, 0777);
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), p) != NULL);
	CHECK_INT(unit_count_files(p, ""), 0);	/* nothing written into it */

	p = path_of("bare-no-main");
	unit_run(NULL, "git init -q --bare '%s'", p);
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), p) != NULL);
	CHECK(!exists("%s/%s", p, SFA_INDEX_FILE));

	p = path_of("bare-not-a-store");
	unit_run(NULL, "git init -q --bare '%s' && t=$(printf 'x\\n' | git --git-dir='%s' hash-object -w --stdin) &&"
	    " tree=$(printf '100644 blob %%s\\tREADME\\n' $t | git --git-dir='%s' mktree) &&"
	    " c=$(git --git-dir='%s' -c user.name=U -c user.email=u@x commit-tree -m x $tree) &&"
	    " git --git-dir='%s' update-ref refs/heads/main $c", p, p, p, p, p);
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), p) != NULL);
	CHECK(strstr(sfa_error_last(), "config/store.json") != NULL);

	p = path_of("work-tree-repo");
	unit_run(NULL, "git init -q '%s'", p);
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), p) != NULL);

	p = path_of("file-store");
	unit_run(NULL, "echo x > '%s'", p);
	CHECK_INT(sfa_store_open(&s, p), SFA_ESTORE);
	CHECK(strstr(sfa_error_last(), p) != NULL);
	CHECK(s == NULL);
}

static void test_txn(void)
{
	const char *p = path_of("store-txn");
	struct sfa_store *s = NULL;
	struct sfa_txn *t = NULL;
	char id1[SFA_ID_LEN + 1], id2[SFA_ID_LEN + 1], got[SFA_ID_LEN + 1];
	json_t *r1 = lead("Ann", "2024-03-05T08:00:00Z"), *r2 = lead("\xc5\x81ucja", NULL), *rec = NULL;
	git_oid c1, head;
	int changed = -1;
	const char *base;

	json_object_set_new(r2, "notes", json_string("line one\nline \"two\""));
	sfa_id_new(id1);
	sfa_id_new(id2);
	if (!CHECK_INT(sfa_store_init(p), 0) || !CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	base = head_hex(p);
	{
		char b[GIT_OID_HEXSZ + 1];
		snprintf(b, sizeof(b), "%s", base);

		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		CHECK_INT(sfa_txn_put(t, L, id1, r1, &changed), 0);
		CHECK_INT(changed, 1);
		CHECK_INT(sfa_txn_add(t, L, id2, r2), 0);
		CHECK_INT(sfa_txn_count(t), 2);
		/* not an id */
		CHECK_INT(sfa_txn_put(t, L, "nope", r1, NULL), SFA_EINPUT);
		CHECK_INT(sfa_txn_put(t, L, "0123456789AB", r1, NULL), SFA_EINPUT);
		CHECK_INT(sfa_txn_count(t), 2);
		CHECK_INT(sfa_txn_commit(t, "unit: two leads", &c1), 0);
		t = NULL;

		/* one commit on top of the first, holding both records exactly */
		CHECK_INT(rev_count(p), 2);
		CHECK_STR(head_hex(p), hex_of(&c1));
		CHECK_STR(unit_sh("git --git-dir='%s' rev-parse main^", p), b);
		CHECK_STR(unit_sh("git --git-dir='%s' log -1 --format='%%an <%%ae>|%%B' main", p),
			  "Unit Tester <unit@example.com>|unit: two leads\n");
		CHECK_STR(git_record(p, id1), enc(r1));
		CHECK_STR(git_record(p, id2), enc(r2));
		/* the two records and the seven files of `init` */
		CHECK_STR(unit_sh("git --git-dir='%s' ls-tree -r --name-only main | grep -c '^leads/'", p), "2");
		CHECK_STR(unit_sh("git --git-dir='%s' ls-tree -r --name-only main | wc -l", p), "9");
		CHECK(fsck_clean(p));
	}

	/* read back from git and from the index */
	CHECK_INT(sfa_store_read(s, L, id1, &rec), 0);
	CHECK(rec && json_equal(rec, r1));
	json_decref(rec);
	rec = NULL;
	CHECK_INT(sfa_store_read(s, L, id2, &rec), 0);
	CHECK(rec && json_equal(rec, r2));
	json_decref(rec);
	rec = NULL;
	CHECK(index_has(s, id1, r1));
	CHECK(index_has(s, id2, r2));
	CHECK_INT(sfa_store_head(s, &head), 0);
	CHECK(git_oid_equal(&head, &c1));
	{
		git_oid at;
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK(git_oid_equal(&at, &c1));
	}
	CHECK_INT(sfa_store_read(s, L, "zzzzzzzzzzzz", &rec), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no lead 'zzzzzzzzzzzz'");

	/* resolving ids and prefixes */
	{
		json_t *a = lead("A", NULL), *b = lead("B", NULL), *c = lead("C", NULL);
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		CHECK_INT(sfa_txn_put(t, L, "aaaa00000000", a, NULL), 0);
		CHECK_INT(sfa_txn_put(t, L, "aaaa11111111", b, NULL), 0);
		CHECK_INT(sfa_txn_put(t, L, "bbbb22222222", c, NULL), 0);
		CHECK_INT(sfa_txn_commit(t, "unit: prefixes", NULL), 0);
		t = NULL;
		json_decref(a);
		json_decref(b);
		json_decref(c);
	}
	CHECK_INT(rev_count(p), 3);
	CHECK_INT(sfa_store_resolve(s, L, "aaaa", got), SFA_EAMBIGUOUS);
	CHECK_STR(sfa_error_last(), "lead id prefix 'aaaa' is ambiguous: aaaa00000000, aaaa11111111");
	CHECK_INT(sfa_store_resolve(s, L, "AAAA", got), SFA_EAMBIGUOUS);
	memset(got, 0, sizeof(got));
	CHECK_INT(sfa_store_resolve(s, L, "aaaa0", got), 0);
	CHECK_STR(got, "aaaa00000000");
	memset(got, 0, sizeof(got));
	CHECK_INT(sfa_store_resolve(s, L, "AAAAO", got), 0);	/* O reads as 0 */
	CHECK_STR(got, "aaaa00000000");
	memset(got, 0, sizeof(got));
	CHECK_INT(sfa_store_resolve(s, L, "aaaaiL", got), 0);	/* I and L read as 1 */
	CHECK_STR(got, "aaaa11111111");
	memset(got, 0, sizeof(got));
	CHECK_INT(sfa_store_resolve(s, L, "bbbb", got), 0);
	CHECK_STR(got, "bbbb22222222");
	memset(got, 0, sizeof(got));
	CHECK_INT(sfa_store_resolve(s, L, "aaaa11111111", got), 0);
	CHECK_STR(got, "aaaa11111111");
	memset(got, 0, sizeof(got));
	CHECK_INT(sfa_store_resolve(s, L, id1, got), 0);
	CHECK_STR(got, id1);
	CHECK_INT(sfa_store_resolve(s, L, "aaaa2", got), SFA_ENOTFOUND);
	CHECK_INT(sfa_store_resolve(s, L, "cccc", got), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no lead 'cccc'");
	/* what cannot be an id may still be an external id */
	CHECK_INT(sfa_store_resolve(s, L, "aaaa111111112", got), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no lead 'aaaa111111112'");
	CHECK_INT(sfa_store_resolve(s, L, "aaa", got), SFA_ENOTFOUND);
	CHECK_INT(sfa_store_resolve(s, L, "aaaa-", got), SFA_ENOTFOUND);

	/* two records in one shard and one alone in its own */
	CHECK_STR(unit_sh("git --git-dir='%s' ls-tree --name-only main:leads/aa", p), "aaaa00000000.json\naaaa11111111.json");
	CHECK_STR(unit_sh("git --git-dir='%s' ls-tree --name-only main:leads/bb", p), "bbbb22222222.json");

	/* a transaction freed without a commit leaves no trace */
	{
		json_t *x = lead("Xavier", NULL), *r1b = lead("Ann changed", NULL);
		char idx[SFA_ID_LEN + 1], before[GIT_OID_HEXSZ + 1];
		snprintf(before, sizeof(before), "%s", head_hex(p));
		sfa_id_new(idx);
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		CHECK_INT(sfa_txn_put(t, L, idx, x, NULL), 0);
		CHECK_INT(sfa_txn_put(t, L, id1, r1b, NULL), 0);
		/* inside the transaction the index sees the new rows */
		CHECK(index_has(s, idx, x));
		sfa_txn_free(t);
		t = NULL;
		CHECK_STR(head_hex(p), before);
		CHECK_INT(rev_count(p), 3);
		CHECK(index_has(s, idx, NULL));
		CHECK(index_has(s, id1, r1));
		CHECK_STR(git_record(p, id1), enc(r1));
		/* and the write lock is free again */
		setenv("SFA_LOCK_TIMEOUT", "0", 1);
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		sfa_txn_free(t);
		t = NULL;
		setenv("SFA_LOCK_TIMEOUT", "5", 1);
		json_decref(x);
		json_decref(r1b);
	}

	/* putting a record as it is changes nothing; an empty transaction makes no commit */
	{
		json_t *same = json_deep_copy(r1), *other = lead("Ann", "2024-03-05T08:00:00Z");
		git_oid out;
		char before[GIT_OID_HEXSZ + 1];
		snprintf(before, sizeof(before), "%s", head_hex(p));

		json_object_set_new(other, "city", json_string("Oslo"));
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		changed = -1;
		CHECK_INT(sfa_txn_put(t, L, id1, same, &changed), 0);
		CHECK_INT(changed, 0);
		CHECK_INT(sfa_txn_count(t), 0);
		memset(&out, 0xff, sizeof(out));
		CHECK_INT(sfa_txn_commit(t, "unit: nothing", &out), 0);
		t = NULL;
		CHECK_STR(hex_of(&out), before);
		CHECK_STR(head_hex(p), before);
		CHECK_INT(rev_count(p), 3);

		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		CHECK_INT(sfa_txn_commit(t, "unit: empty", &out), 0);
		t = NULL;
		CHECK_STR(hex_of(&out), before);
		CHECK_INT(rev_count(p), 3);

		/* a change, then the same change again in the same transaction */
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		changed = -1;
		CHECK_INT(sfa_txn_put(t, L, id1, other, &changed), 0);
		CHECK_INT(changed, 1);
		changed = -1;
		CHECK_INT(sfa_txn_put(t, L, id1, other, &changed), 0);
		CHECK_INT(changed, 0);
		CHECK_INT(sfa_txn_count(t), 1);
		CHECK_INT(sfa_txn_commit(t, "unit: city", &out), 0);
		t = NULL;
		CHECK_INT(rev_count(p), 4);
		CHECK_STR(git_record(p, id1), enc(other));
		CHECK(index_has(s, id1, other));
		{
			char want[64];
			snprintf(want, sizeof(want), "leads/%.2s/%s.json", id1, id1);
			CHECK_STR(unit_sh("git --git-dir='%s' diff --name-only main^ main", p), want);
		}

		/* several puts of one id: the last one stands */
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		CHECK_INT(sfa_txn_put(t, L, id2, r1, NULL), 0);
		CHECK_INT(sfa_txn_put(t, L, id2, other, NULL), 0);
		CHECK_INT(sfa_txn_put(t, L, id2, r2, NULL), 0);
		CHECK_INT(sfa_txn_commit(t, "unit: back and forth", &out), 0);
		t = NULL;
		CHECK_STR(git_record(p, id2), enc(r2));
		CHECK(index_has(s, id2, r2));
		json_decref(same);
		json_decref(other);
	}
	CHECK(fsck_clean(p));

	/* a second handle waits for the write lock, then gives up */
	{
		struct sfa_store *s2 = NULL;
		struct sfa_txn *t2 = NULL;
		if (CHECK_INT(sfa_store_open(&s2, p), 0)) {
			CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
			setenv("SFA_LOCK_TIMEOUT", "0.2", 1);
			CHECK_INT(sfa_txn_begin(&t2, s2, 0), SFA_EBUSY);
			CHECK(strstr(sfa_error_last(), "is busy") != NULL);
			CHECK(strstr(sfa_error_last(), p) != NULL);
			setenv("SFA_LOCK_TIMEOUT", "5", 1);
			sfa_txn_free(t);
			t = NULL;
			CHECK_INT(sfa_txn_begin(&t2, s2, 0), 0);
			sfa_txn_free(t2);
			sfa_store_free(s2);
		}
	}
done:
	sfa_txn_free(t);
	sfa_store_free(s);
	json_decref(r1);
	json_decref(r2);
}

static void test_bulk(void)
{
	enum { N = 5000 };
	const char *p = path_of("store-bulk");
	struct sfa_store *s = NULL;
	struct sfa_txn *t = NULL;
	struct sfa_buf pack = SFA_BUF_INIT, tmp = SFA_BUF_INIT;
	char (*ids)[SFA_ID_LEN + 1] = calloc(N, sizeof(*ids));
	long loose_before;
	size_t failed = 0;
	git_oid out;

	if (!CHECK_INT(sfa_store_init(p), 0) || !CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	sfa_buf_addf(&pack, "%s/objects/pack", p);
	sfa_buf_addf(&tmp, "%s/%s", p, SFA_TMP_DIR);
	loose_before = atol(unit_sh("git --git-dir='%s' count-objects -v | sed -n 's/^count: //p'", p));

	CHECK_INT(sfa_txn_begin(&t, s, SFA_TXN_BULK), 0);
	for (int i = 0; i < N && t; i++) {
		json_t *r = json_object();
		char created[32];
		snprintf(created, sizeof(created), "2024-01-01T00:%02d:%02dZ", i / 60 % 60, i % 60);
		json_object_set_new(r, "first_name", json_sprintf("Lead %d", i));
		json_object_set_new(r, "n", json_integer(i));
		json_object_set_new(r, "created_at", json_string(created));
		sfa_id_new(ids[i]);
		if (sfa_txn_add(t, L, ids[i], r) < 0)
			failed++;
		json_decref(r);
	}
	CHECK_INT(failed, 0);
	CHECK_INT(t ? sfa_txn_count(t) : 0, N);
	/* the objects go to a temporary pack meanwhile */
	CHECK_INT(unit_count_files(tmp.buf, ""), 1);
	CHECK_INT(sfa_txn_commit(t, "unit: bulk", &out), 0);
	t = NULL;

	CHECK_STR(head_hex(p), hex_of(&out));
	CHECK_INT(rev_count(p), 2);
	CHECK_INT(unit_count_files(pack.buf, ".pack"), 1);
	CHECK_INT(unit_count_files(pack.buf, ".idx"), 1);
	CHECK_INT(unit_count_files(tmp.buf, ""), 0);
	/* records, trees and the commit all went into the pack */
	CHECK_INT(atol(unit_sh("git --git-dir='%s' count-objects -v | sed -n 's/^count: //p'", p)), loose_before);
	CHECK_STR(unit_sh("git --git-dir='%s' ls-tree -r --name-only main leads | wc -l", p), "5000");
	CHECK(fsck_clean(p));
	CHECK_STR(unit_sh("git --git-dir='%s' verify-pack '%s'/objects/pack/*.idx && echo ok", p, p), "ok");
	CHECK_INT(index_count(s), N);
	{
		json_t *r = NULL;
		CHECK_INT(sfa_store_read(s, L, ids[4321], &r), 0);
		CHECK(json_integer_value(json_object_get(r, "n")) == 4321);
		json_decref(r);
		r = NULL;
		CHECK_INT(sfa_index_get(sfa_store_index(s), L, ids[17], &r), 0);
		CHECK_STR(json_string_value(json_object_get(r, "first_name")), "Lead 17");
		json_decref(r);
	}

	/* the store still takes small writes, loose, on top */
	{
		char id[SFA_ID_LEN + 1];
		sfa_id_new(id);
		CHECK_INT(put1(s, id, lead("After", NULL), "unit: after bulk", NULL), 0);
		CHECK_INT(rev_count(p), 3);
		CHECK_INT(index_count(s), N + 1);
		CHECK(fsck_clean(p));
	}

	/* a bulk transaction abandoned leaves no temporary pack */
	{
		json_t *r = lead("Never", NULL);
		char id[SFA_ID_LEN + 1];
		sfa_id_new(id);
		CHECK_INT(sfa_txn_begin(&t, s, SFA_TXN_BULK), 0);
		CHECK_INT(sfa_txn_add(t, L, id, r), 0);
		sfa_txn_free(t);
		t = NULL;
		CHECK_INT(unit_count_files(tmp.buf, ""), 0);
		CHECK_INT(unit_count_files(pack.buf, ".pack"), 1);
		CHECK_INT(rev_count(p), 3);
		CHECK(index_has(s, id, NULL));
		json_decref(r);
	}
done:
	sfa_txn_free(t);
	sfa_store_free(s);
	sfa_buf_release(&pack);
	sfa_buf_release(&tmp);
	free(ids);
}

/* Index file handling: catch-up after the branch moved, deleted and corrupt files. */
static void test_index_catch_up(void)
{
	const char *p = path_of("store-index");
	struct sfa_store *s = NULL;
	char a[SFA_ID_LEN + 1], b[SFA_ID_LEN + 1], c1hex[GIT_OID_HEXSZ + 1], c2hex[GIT_OID_HEXSZ + 1];
	json_t *a1 = lead("Ann", "2024-01-01T00:00:00Z"), *a2 = lead("Ann", "2024-01-01T00:00:00Z");
	json_t *b1 = lead("Bob", "2024-01-02T00:00:00Z");
	git_oid c1, c2, at;

	json_object_set_new(a2, "status", json_string("won"));
	sfa_id_new(a);
	sfa_id_new(b);
	if (!CHECK_INT(sfa_store_init(p), 0) || !CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	CHECK_INT(put1(s, a, json_incref(a1), "unit: a", &c1), 0);
	{
		struct sfa_txn *t = NULL;
		CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
		CHECK_INT(sfa_txn_put(t, L, a, a2, NULL), 0);
		CHECK_INT(sfa_txn_put(t, L, b, b1, NULL), 0);
		CHECK_INT(sfa_txn_commit(t, "unit: a changed, b", &c2), 0);
	}
	snprintf(c1hex, sizeof(c1hex), "%s", hex_of(&c1));
	snprintf(c2hex, sizeof(c2hex), "%s", hex_of(&c2));
	sfa_store_free(s);
	s = NULL;

	/* the branch moved back behind sfa's back: open brings the index along */
	CHECK_INT(unit_run(NULL, "git --git-dir='%s' update-ref refs/heads/main %s", p, c1hex), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK_STR(hex_of(&at), c1hex);
		CHECK(index_has(s, a, a1));
		CHECK(index_has(s, b, NULL));
		CHECK_INT(index_count(s), 1);
		sfa_store_free(s);
		s = NULL;
	}
	/* and forward again */
	CHECK_INT(unit_run(NULL, "git --git-dir='%s' update-ref refs/heads/main %s", p, c2hex), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK_STR(hex_of(&at), c2hex);
		CHECK(index_has(s, a, a2));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
		sfa_store_free(s);
		s = NULL;
	}

	/* a commit the index never saw, made with git alone */
	CHECK_INT(unit_run(NULL, "cd '%s' && export GIT_INDEX_FILE='%s/plumb.idx' && git --git-dir=. read-tree main &&"
		      " git --git-dir=. rm -q --cached 'leads/%.2s/%s.json' &&"
		      " c=$(git --git-dir=. -c user.name=U -c user.email=u@x commit-tree -p main -m rm $(git --git-dir=. write-tree)) &&"
		      " git --git-dir=. update-ref refs/heads/main $c && rm -f \"$GIT_INDEX_FILE\"",
		      p, unit_tmpdir(), a, a), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK(index_has(s, a, NULL));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 1);
		sfa_store_free(s);
		s = NULL;
	}
	CHECK_INT(unit_run(NULL, "git --git-dir='%s' update-ref refs/heads/main %s", p, c2hex), 0);

	/* the index file deleted: rebuilt on open */
	CHECK_INT(unlink(path_of("store-index/" SFA_INDEX_FILE)), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK_STR(hex_of(&at), c2hex);
		CHECK(index_has(s, a, a2));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
		CHECK(sfa_index_field_known(sfa_store_index(s), L, "first_name"));
		sfa_store_free(s);
		s = NULL;
	}
	CHECK(exists("%s/%s", p, SFA_INDEX_FILE));

	/* every index file deleted */
	CHECK_INT(unit_run(NULL, "rm -f '%s/%s'*", p, SFA_INDEX_FILE), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK(index_has(s, a, a2));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
		sfa_store_free(s);
		s = NULL;
	}

	/* garbage in place of the database: opened all the same, and right */
	CHECK_INT(unit_run(NULL, "head -c 20000 /dev/urandom > '%s/%s'", p, SFA_INDEX_FILE), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK_STR(hex_of(&at), c2hex);
		CHECK(index_has(s, a, a2));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
		sfa_store_free(s);
		s = NULL;
	}
	/* text garbage, all index files */
	CHECK_INT(unit_run(NULL, "for f in '%s/%s'*; do printf 'this is not a database\\n%%.0s' $(seq 200) > \"$f\"; done",
		      p, SFA_INDEX_FILE), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK(index_has(s, a, a2));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
		/* and it is a working index again: writes go on */
		CHECK_INT(put1(s, a, json_incref(a1), "unit: a back", NULL), 0);
		CHECK(index_has(s, a, a1));
		sfa_store_free(s);
		s = NULL;
	}
	/* the index points at a commit that no longer exists: rebuilt */
	CHECK_INT(unit_run(NULL, "sqlite3 '%s/%s' \"UPDATE meta SET value = '%s' WHERE key = 'commit'\"",
		      p, SFA_INDEX_FILE, "1111111111111111111111111111111111111111"), 0);
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK_STR(hex_of(&at), head_hex(p));
		CHECK(index_has(s, a, a1));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
		sfa_store_free(s);
		s = NULL;
	}

	/* sfa_store_reindex makes the same index */
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK_INT(sfa_store_reindex(s), 0);
		CHECK(index_has(s, a, a1));
		CHECK(index_has(s, b, b1));
		CHECK_INT(index_count(s), 2);
	}
done:
	sfa_store_free(s);
	json_decref(a1);
	json_decref(a2);
	json_decref(b1);
}

/* Another writer moves the branch while a transaction is open: both writes survive. */
static void test_cas(void)
{
	const char *p = path_of("store-cas");
	struct sfa_store *s = NULL;
	struct sfa_txn *t = NULL;
	json_t *x = lead("Xena", "2024-05-01T00:00:00Z"), *ext = NULL, *z = lead("Zed", NULL);
	const char *x_id = "mmmm00000001", *y_id = "mmmm00000002", *z_id = "qqqq00000003";
	const char *y_body = "{\n  \"company\": \"Pushed\",\n  \"first_name\": \"Yusuf\"\n}\n";
	char ext_hex[GIT_OID_HEXSZ + 1];
	git_oid out, at;

	if (!CHECK_INT(sfa_store_init(p), 0) || !CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
	CHECK_INT(sfa_txn_put(t, L, x_id, x, NULL), 0);
	CHECK_INT(sfa_txn_put(t, L, z_id, z, NULL), 0);

	/* meanwhile, a plain git writer adds a record in the same shard */
	CHECK_INT(unit_run(NULL, "cd '%s' && export GIT_INDEX_FILE='%s/cas.idx' &&"
		      " b=$(printf '%%s' '%s' | git --git-dir=. hash-object -w --stdin) &&"
		      " git --git-dir=. read-tree main &&"
		      " git --git-dir=. update-index --add --cacheinfo 100644,$b,leads/%.2s/%s.json &&"
		      " c=$(git --git-dir=. -c user.name=Pusher -c user.email=p@x commit-tree -p main -m push"
		      " $(git --git-dir=. write-tree)) && git --git-dir=. update-ref refs/heads/main $c &&"
		      " rm -f \"$GIT_INDEX_FILE\"",
		      p, unit_tmpdir(), y_body, y_id, y_id), 0);
	snprintf(ext_hex, sizeof(ext_hex), "%s", head_hex(p));
	CHECK_INT(rev_count(p), 2);

	CHECK_INT(sfa_txn_commit(t, "unit: after a push", &out), 0);
	t = NULL;
	/* the commit sits on the pushed one and holds all three records */
	CHECK_STR(head_hex(p), hex_of(&out));
	CHECK_INT(rev_count(p), 3);
	CHECK_STR(unit_sh("git --git-dir='%s' rev-parse main^", p), ext_hex);
	CHECK_STR(git_record(p, x_id), enc(x));
	CHECK_STR(git_record(p, y_id), y_body);
	CHECK_STR(git_record(p, z_id), enc(z));
	CHECK_STR(unit_sh("git --git-dir='%s' ls-tree --name-only main:leads/mm", p), "mmmm00000001.json\nmmmm00000002.json");
	CHECK(fsck_clean(p));

	/* and so does the index */
	CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
	CHECK(git_oid_equal(&at, &out));
	CHECK(index_has(s, x_id, x));
	CHECK(index_has(s, z_id, z));
	CHECK_INT(sfa_index_get(sfa_store_index(s), L, y_id, &ext), 0);
	CHECK_STR(json_string_value(json_object_get(ext, "first_name")), "Yusuf");
	json_decref(ext);
	CHECK_INT(index_count(s), 3);

	/* a fresh handle sees the same */
	sfa_store_free(s);
	s = NULL;
	if (CHECK_INT(sfa_store_open(&s, p), 0)) {
		CHECK(index_has(s, x_id, x));
		CHECK_INT(index_count(s), 3);
	}
done:
	sfa_txn_free(t);
	sfa_store_free(s);
	json_decref(x);
	json_decref(z);
}

/* A lock file left by a killed git or sfa: commits fail with advice, unlock clears it. */
static void test_stale_lock(void)
{
	const char *p = path_of("store-lock");
	struct sfa_store *s = NULL;
	struct sfa_txn *t = NULL;
	struct sfa_buf removed = SFA_BUF_INIT, want = SFA_BUF_INIT;
	json_t *r = lead("Locked", NULL);
	char id[SFA_ID_LEN + 1], before[GIT_OID_HEXSZ + 1];
	git_oid out;

	sfa_id_new(id);
	if (!CHECK_INT(sfa_store_init(p), 0) || !CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	snprintf(before, sizeof(before), "%s", head_hex(p));
	CHECK_INT(unit_run(NULL, "echo %s > '%s/refs/heads/main.lock'", before, p), 0);

	CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
	CHECK_INT(sfa_txn_put(t, L, id, r, NULL), 0);
	CHECK_INT(sfa_txn_commit(t, "unit: locked out", &out), SFA_EBUSY);
	t = NULL;
	CHECK(strstr(sfa_error_last(), "sfa unlock") != NULL);
	CHECK(strstr(sfa_error_last(), "refs/heads/main.lock") != NULL);
	CHECK(strstr(sfa_error_last(), p) != NULL);
	CHECK_STR(head_hex(p), before);
	CHECK(index_has(s, id, NULL));
	{
		git_oid at;
		CHECK_INT(sfa_index_commit(sfa_store_index(s), &at), 0);
		CHECK_STR(hex_of(&at), before);
	}

	/* unlock removes it (and a leftover temporary pack) and says so */
	mkdir(path_of("store-lock/" SFA_TMP_DIR), 0777);
	CHECK_INT(unit_run(NULL, "echo junk > '%s/%s/pack-left'", p, SFA_TMP_DIR), 0);
	CHECK_INT(sfa_store_unlock(s, &removed), 0);
	CHECK(!exists("%s/refs/heads/main.lock", p));
	CHECK(!exists("%s/%s/pack-left", p, SFA_TMP_DIR));
	sfa_buf_addf(&want, "%s/refs/heads/main.lock\n", p);
	CHECK(strstr(removed.buf, want.buf) != NULL);
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "%s/%s/pack-left\n", p, SFA_TMP_DIR);
	CHECK(strstr(removed.buf, want.buf) != NULL);
	{
		/* exactly those two lines */
		size_t lines = 0;
		for (size_t i = 0; i < removed.len; i++)
			lines += removed.buf[i] == '\n';
		CHECK_INT(lines, 2);
	}
	/* nothing more to remove the second time */
	sfa_buf_reset(&removed);
	CHECK_INT(sfa_store_unlock(s, &removed), 0);
	CHECK_STR(removed.buf, "");

	/* the write goes through now */
	CHECK_INT(put1(s, id, json_incref(r), "unit: unlocked", &out), 0);
	CHECK_STR(head_hex(p), hex_of(&out));
	CHECK_STR(git_record(p, id), enc(r));
	CHECK(index_has(s, id, r));

	/* unlock through a handle that never touches the index */
	sfa_store_free(s);
	s = NULL;
	CHECK_INT(unit_run(NULL, "touch '%s/refs/heads/main.lock' '%s/packed-refs.lock'", p, p), 0);
	if (CHECK_INT(sfa_store_open_bare(&s, p), 0)) {
		sfa_buf_reset(&removed);
		CHECK_INT(sfa_store_unlock(s, &removed), 0);
		CHECK(!exists("%s/refs/heads/main.lock", p));
		CHECK(!exists("%s/packed-refs.lock", p));
		CHECK(strstr(removed.buf, "packed-refs.lock\n") != NULL);
	}
done:
	sfa_txn_free(t);
	sfa_store_free(s);
	sfa_buf_release(&removed);
	sfa_buf_release(&want);
	json_decref(r);
}

/* A reference to any type: exact ids and external ids before prefixes of other types' ids. */
static void test_find(void)
{
	const char *p = path_of("store-find");
	const struct sfa_type *type = NULL;
	struct sfa_store *s = NULL;
	struct sfa_txn *t = NULL;
	json_t *deal = json_object(), *act = json_object();
	char got[SFA_ID_LEN + 1];

	json_object_set_new(deal, "name", json_string("Pumps"));
	json_object_set_new(deal, "external_id", json_string("O0305578"));
	json_object_set_new(act, "subject", json_string("Call"));
	if (!CHECK_INT(sfa_store_init(p), 0) || !CHECK_INT(sfa_store_open(&s, p), 0))
		goto done;
	CHECK_INT(sfa_txn_begin(&t, s, 0), 0);
	CHECK_INT(sfa_txn_put(t, &sfa_type_opportunity, "e54rfhq0ezzy", deal, NULL), 0);
	/* "O0305578" read as an id is the prefix "00305578" of this activity's id */
	CHECK_INT(sfa_txn_put(t, &sfa_type_activity, "00305578sd9b", act, NULL), 0);
	CHECK_INT(sfa_txn_commit(t, "unit: find", NULL), 0);
	t = NULL;
	CHECK_INT(sfa_store_find(s, NULL, "O0305578", &type, got), 0);
	CHECK_STR(got, "e54rfhq0ezzy");
	CHECK(type == &sfa_type_opportunity);
	CHECK_INT(sfa_store_find(s, NULL, "0030", &type, got), 0);
	CHECK_STR(got, "00305578sd9b");
	CHECK(type == &sfa_type_activity);
	CHECK_INT(sfa_store_find(s, NULL, "e54r", &type, got), 0);
	CHECK_STR(got, "e54rfhq0ezzy");
	CHECK_INT(sfa_store_find(s, NULL, "zzzz", &type, got), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no record 'zzzz'");
	CHECK_INT(sfa_store_resolve(s, &sfa_type_opportunity, "O0305578", got), 0);
	CHECK_STR(got, "e54rfhq0ezzy");
done:
	sfa_txn_free(t);
	sfa_store_free(s);
	json_decref(deal);
	json_decref(act);
}

void unit_tests(void)
{
	setenv("SFA_USER", "Unit Tester <unit@example.com>", 1);
	unsetenv("SFA_EMAIL");
	setenv("SFA_LOCK_TIMEOUT", "5", 1);
	/* git run by the tests must not read the user's settings */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);

	test_locate();
	test_signature();
	test_init();
	test_open_errors();
	test_txn();
	test_bulk();
	test_index_catch_up();
	test_cas();
	test_stale_lock();
	test_find();
}
