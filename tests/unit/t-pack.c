#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <git2.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/pack.h"
#include "unit.h"
#include "sfa/banned.h"


static int write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ok;
	if (!fp)
		return -1;
	ok = fwrite(data, 1, len, fp) == len;
	return fclose(fp) == 0 && ok ? 0 : -1;
}

/* Deterministic filler: text that compresses, or noise that does not. */
static void fill(struct sfa_buf *b, size_t len, int noise, unsigned seed)
{
	unsigned x = seed;
	sfa_buf_reset(b);
	sfa_buf_grow(b, len);
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b->buf[i] = noise ? (char)(x >> 16) : "abcdefgh ,\n"[(i / 7 + (x >> 28)) % 11];
	}
	sfa_buf_setlen(b, len);
}

struct obj {
	git_object_t type;
	struct sfa_buf data;
	git_oid oid;
};

static const char *repo_dir(const char *name)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	return path;
}

/* Checks every object through git: verify-pack, hash-object, cat-file. */
static void check_objects(const char *repo, struct obj *o, size_t n, size_t expect_in_pack)
{
	struct sfa_buf out = SFA_BUF_INIT, want = SFA_BUF_INIT, path = SFA_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t bad_hash = 0, bad_type = 0, bad_data = 0;

	CHECK_INT(unit_run(&out, "git --git-dir='%s' verify-pack -v '%s'/objects/pack/pack-*.idx 2>&1", repo, repo), 0);
	sfa_buf_addf(&want, "non delta: %zu objects", expect_in_pack);
	if (!CHECK(strstr(out.buf, want.buf) != NULL))
		printf("# verify-pack said:\n%s", out.buf);

	sfa_buf_reset(&path);
	sfa_buf_addf(&path, "%s/object.tmp", unit_tmpdir());
	for (size_t i = 0; i < n; i++) {
		const char *tname = git_object_type2string(o[i].type);
		git_oid_tostr(hex, sizeof(hex), &o[i].oid);

		/* git computes the same id from the same bytes */
		sfa_buf_reset(&out);
		if (write_file(path.buf, o[i].data.buf, o[i].data.len) < 0 ||
		    unit_run(&out, "git --git-dir='%s' hash-object --literally -t %s '%s'", repo, tname, path.buf) != 0 ||
		    out.len != GIT_OID_HEXSZ + 1 || memcmp(out.buf, hex, GIT_OID_HEXSZ)) {
			bad_hash++;
			printf("# object %zu (%s): git says %s", i, hex, out.buf);
		}

		sfa_buf_reset(&out);
		if (unit_run(&out, "git --git-dir='%s' cat-file -t %s", repo, hex) != 0 ||
		    out.len != strlen(tname) + 1 || memcmp(out.buf, tname, strlen(tname))) {
			bad_type++;
			printf("# object %zu (%s): type '%s'\n", i, hex, out.buf);
		}

		/* the exact bytes come back */
		sfa_buf_reset(&out);
		if (unit_run(&out, "git --git-dir='%s' cat-file %s %s", repo, tname, hex) != 0 ||
		    out.len != o[i].data.len || memcmp(out.buf, o[i].data.buf, out.len)) {
			bad_data++;
			printf("# object %zu (%s): %zu bytes back, %zu written\n", i, hex, out.len, o[i].data.len);
		}
	}
	CHECK_INT(bad_hash, 0);
	CHECK_INT(bad_type, 0);
	CHECK_INT(bad_data, 0);

	sfa_buf_release(&out);
	sfa_buf_release(&want);
	sfa_buf_release(&path);
}

static void test_pack_objects(void)
{
	const char *repo = repo_dir("objects.git");
	struct sfa_buf tmp = SFA_BUF_INIT, packdir = SFA_BUF_INIT, out = SFA_BUF_INIT;
	struct sfa_pack *p = NULL;
	struct obj o[12];
	size_t n = 0, i;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid again;

	memset(o, 0, sizeof(o));
	for (i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		o[i].data = (struct sfa_buf)SFA_BUF_INIT;
	if (!CHECK_INT(unit_run(NULL, "git init -q --bare '%s'", repo), 0))
		return;
	sfa_buf_addf(&tmp, "%s/tmp-objects", unit_tmpdir());
	mkdir(tmp.buf, 0777);
	sfa_buf_addf(&packdir, "%s/objects/pack", repo);

	/* blobs: empty, tiny, sizes around the header's 4-bit and 11-bit steps, binary, large */
	o[n].type = GIT_OBJECT_BLOB; n++;
	o[n].type = GIT_OBJECT_BLOB; sfa_buf_addstr(&o[n++].data, "hello\n");
	o[n].type = GIT_OBJECT_BLOB; fill(&o[n++].data, 15, 0, 1);
	o[n].type = GIT_OBJECT_BLOB; fill(&o[n++].data, 16, 0, 2);
	o[n].type = GIT_OBJECT_BLOB; fill(&o[n++].data, 2048, 1, 3);
	o[n].type = GIT_OBJECT_BLOB;
	for (i = 0; i < 256; i++)
		sfa_buf_addch(&o[n].data, (int)i);
	n++;
	o[n].type = GIT_OBJECT_BLOB; fill(&o[n++].data, 70000, 1, 4);		/* > 64 KiB, incompressible */
	o[n].type = GIT_OBJECT_BLOB; fill(&o[n++].data, 300000, 0, 5);	/* > 64 KiB, compressible */
	o[n].type = GIT_OBJECT_BLOB; fill(&o[n++].data, 1500000, 1, 6);	/* over the 1 MiB write buffer */

	if (!CHECK_INT(sfa_pack_open(&p, tmp.buf), 0))
		goto done;
	/* the temporary pack lives in tmpdir until it is finished */
	CHECK_INT(unit_count_files(tmp.buf, ""), 1);
	for (i = 0; i < n; i++)
		if (!CHECK_INT(sfa_pack_write(p, o[i].type, o[i].data.buf, o[i].data.len, &o[i].oid), 0))
			break;
	CHECK_INT(sfa_pack_count(p), n);

	/* well-known ids */
	CHECK_STR(git_oid_tostr(hex, sizeof(hex), &o[0].oid), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	CHECK_STR(git_oid_tostr(hex, sizeof(hex), &o[1].oid), "ce013625030ba8dba906f756967f9e9ca394464a");

	/* a tree of two of them, in git's order */
	o[n].type = GIT_OBJECT_TREE;
	sfa_buf_addstr(&o[n].data, "100644 empty");
	sfa_buf_add(&o[n].data, "", 1);
	sfa_buf_add(&o[n].data, o[0].oid.id, GIT_OID_RAWSZ);
	sfa_buf_addstr(&o[n].data, "100644 hello.txt");
	sfa_buf_add(&o[n].data, "", 1);
	sfa_buf_add(&o[n].data, o[1].oid.id, GIT_OID_RAWSZ);
	CHECK_INT(sfa_pack_write(p, o[n].type, o[n].data.buf, o[n].data.len, &o[n].oid), 0);
	n++;

	/* a commit of that tree */
	o[n].type = GIT_OBJECT_COMMIT;
	sfa_buf_addf(&o[n].data, "tree %s\n", git_oid_tostr(hex, sizeof(hex), &o[n - 1].oid));
	sfa_buf_addstr(&o[n].data, "author Ann Example <ann@example.com> 1700000000 +0100\n"
		       "committer Ann Example <ann@example.com> 1700000000 +0100\n"
		       "\nA commit written into a pack\n");
	CHECK_INT(sfa_pack_write(p, o[n].type, o[n].data.buf, o[n].data.len, &o[n].oid), 0);
	n++;
	CHECK_INT(sfa_pack_count(p), n);

	/* the same object twice is one entry with the same id */
	CHECK_INT(sfa_pack_write(p, GIT_OBJECT_BLOB, "hello\n", 6, &again), 0);
	CHECK(git_oid_equal(&again, &o[1].oid));
	CHECK_INT(sfa_pack_write(p, o[n - 1].type, o[n - 1].data.buf, o[n - 1].data.len, &again), 0);
	CHECK(git_oid_equal(&again, &o[n - 1].oid));
	CHECK_INT(sfa_pack_count(p), n);

	/* the same bytes as another type are another object */
	CHECK_INT(sfa_pack_write(p, GIT_OBJECT_TREE, "", 0, &again), 0);
	CHECK_STR(git_oid_tostr(hex, sizeof(hex), &again), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
	CHECK_INT(sfa_pack_count(p), n + 1);
	o[n].type = GIT_OBJECT_TREE;
	o[n].oid = again;
	n++;

	CHECK_INT(sfa_pack_finish(p, packdir.buf), 0);
	p = NULL;

	/* moved into place: one pack, one index, nothing left behind */
	CHECK_INT(unit_count_files(packdir.buf, ".pack"), 1);
	CHECK_INT(unit_count_files(packdir.buf, ".idx"), 1);
	CHECK_INT(unit_count_files(packdir.buf, ""), 2);
	CHECK_INT(unit_count_files(tmp.buf, ""), 0);

	check_objects(repo, o, n, n);

	/* the pack is named after its checksum, as git names packs */
	sfa_buf_reset(&out);
	CHECK_INT(unit_run(&out, "cd '%s' && for f in pack-*.pack; do n=${f#pack-}; n=${n%%.pack};"
		      " t=$(tail -c 20 \"$f\" | od -An -tx1 | tr -d ' \\n'); [ \"$n\" = \"$t\" ] && echo same; done",
		      packdir.buf), 0);
	CHECK_STR(out.buf, "same\n");

	/* and git is content with the whole repository */
	sfa_buf_reset(&out);
	CHECK_INT(unit_run(&out, "o=$(git --git-dir='%s' fsck --strict --no-dangling 2>&1); rc=$?;"
		      " printf '%%s' \"$o\" | grep -v '^notice:'; exit $rc", repo), 0);
	CHECK_STR(out.buf, "");

	/* libgit2 reads it too */
	{
		git_repository *r = NULL;
		git_odb *odb = NULL;
		size_t bad = 0;
		if (CHECK_INT(git_repository_open_bare(&r, repo), 0) && CHECK_INT(git_repository_odb(&odb, r), 0)) {
			for (i = 0; i < n; i++) {
				git_odb_object *obj = NULL;
				if (git_odb_read(&obj, odb, &o[i].oid) < 0 || git_odb_object_type(obj) != o[i].type ||
				    git_odb_object_size(obj) != o[i].data.len ||
				    memcmp(git_odb_object_data(obj), o[i].data.buf, o[i].data.len))
					bad++;
				git_odb_object_free(obj);
			}
		}
		CHECK_INT(bad, 0);
		git_odb_free(odb);
		git_repository_free(r);
	}

done:
	sfa_pack_free(p);
	for (i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		sfa_buf_release(&o[i].data);
	sfa_buf_release(&tmp);
	sfa_buf_release(&packdir);
	sfa_buf_release(&out);
}

/* Many small objects: the fan-out table and the set of seen ids grow. */
static void test_pack_many(void)
{
	enum { N = 5000 };
	const char *repo = repo_dir("many.git");
	struct sfa_buf tmp = SFA_BUF_INIT, packdir = SFA_BUF_INIT, data = SFA_BUF_INIT, out = SFA_BUF_INIT;
	struct sfa_pack *p = NULL;
	git_oid *ids = calloc(N, sizeof(*ids)), oid;
	size_t mismatched = 0, failed = 0;

	if (!CHECK_INT(unit_run(NULL, "git init -q --bare '%s'", repo), 0))
		goto done;
	sfa_buf_addf(&tmp, "%s/tmp-many", unit_tmpdir());
	mkdir(tmp.buf, 0777);
	sfa_buf_addf(&packdir, "%s/objects/pack", repo);
	if (!CHECK_INT(sfa_pack_open(&p, tmp.buf), 0))
		goto done;
	for (int i = 0; i < N; i++) {
		sfa_buf_reset(&data);
		sfa_buf_addf(&data, "{\n  \"n\": %d\n}\n", i);
		if (sfa_pack_write(p, GIT_OBJECT_BLOB, data.buf, data.len, &ids[i]) < 0)
			failed++;
		/* every id agrees with libgit2's hash */
		git_odb_hash(&oid, data.buf, data.len, GIT_OBJECT_BLOB);
		if (!git_oid_equal(&oid, &ids[i]))
			mismatched++;
	}
	/* writing them all again adds nothing */
	for (int i = 0; i < N; i += 7) {
		sfa_buf_reset(&data);
		sfa_buf_addf(&data, "{\n  \"n\": %d\n}\n", i);
		if (sfa_pack_write(p, GIT_OBJECT_BLOB, data.buf, data.len, &oid) < 0 || !git_oid_equal(&oid, &ids[i]))
			failed++;
	}
	CHECK_INT(failed, 0);
	CHECK_INT(mismatched, 0);
	CHECK_INT(sfa_pack_count(p), N);
	CHECK_INT(sfa_pack_finish(p, packdir.buf), 0);
	p = NULL;

	CHECK_INT(unit_run(&out, "git --git-dir='%s' verify-pack -v '%s'/objects/pack/pack-*.idx 2>&1", repo, repo), 0);
	CHECK(strstr(out.buf, "non delta: 5000 objects") != NULL);

	/* every object is found through the index */
	{
		struct sfa_buf list = SFA_BUF_INIT, path = SFA_BUF_INIT;
		char hex[GIT_OID_HEXSZ + 1];
		for (int i = 0; i < N; i++)
			sfa_buf_addf(&list, "%s\n", git_oid_tostr(hex, sizeof(hex), &ids[i]));
		sfa_buf_addf(&path, "%s/ids.txt", unit_tmpdir());
		write_file(path.buf, list.buf, list.len);
		sfa_buf_reset(&out);
		CHECK_INT(unit_run(&out, "git --git-dir='%s' cat-file --batch-check < '%s' | grep -c ' blob '", repo, path.buf), 0);
		CHECK_STR(out.buf, "5000\n");
		sfa_buf_release(&list);
		sfa_buf_release(&path);
	}
done:
	sfa_pack_free(p);
	free(ids);
	sfa_buf_release(&tmp);
	sfa_buf_release(&packdir);
	sfa_buf_release(&data);
	sfa_buf_release(&out);
}

static void test_pack_free(void)
{
	struct sfa_buf tmp = SFA_BUF_INIT, big = SFA_BUF_INIT;
	struct sfa_pack *p = NULL;
	git_oid oid;

	sfa_buf_addf(&tmp, "%s/tmp-free", unit_tmpdir());
	mkdir(tmp.buf, 0777);

	/* abandoned after some writes, one of them flushed to the file */
	CHECK_INT(sfa_pack_open(&p, tmp.buf), 0);
	CHECK_INT(unit_count_files(tmp.buf, "") , 1);
	fill(&big, 1200000, 1, 9);
	CHECK_INT(sfa_pack_write(p, GIT_OBJECT_BLOB, big.buf, big.len, &oid), 0);
	CHECK_INT(sfa_pack_write(p, GIT_OBJECT_BLOB, "x", 1, &oid), 0);
	sfa_pack_free(p);
	CHECK_INT(unit_count_files(tmp.buf, ""), 0);

	/* abandoned at once */
	CHECK_INT(sfa_pack_open(&p, tmp.buf), 0);
	sfa_pack_free(p);
	CHECK_INT(unit_count_files(tmp.buf, ""), 0);
	sfa_pack_free(NULL);

	/* no temporary folder */
	{
		struct sfa_buf missing = SFA_BUF_INIT;
		sfa_buf_addf(&missing, "%s/no-such-dir", unit_tmpdir());
		p = (struct sfa_pack *)1;
		CHECK_INT(sfa_pack_open(&p, missing.buf), SFA_ESTORE);
		CHECK(strstr(sfa_error_last(), missing.buf) != NULL);
		sfa_buf_release(&missing);
	}

	/* finishing into a folder that is not there fails and leaves nothing behind */
	{
		struct sfa_buf missing = SFA_BUF_INIT;
		sfa_buf_addf(&missing, "%s/no-such-pack-dir", unit_tmpdir());
		p = NULL;
		CHECK_INT(sfa_pack_open(&p, tmp.buf), 0);
		CHECK_INT(sfa_pack_write(p, GIT_OBJECT_BLOB, "y", 1, &oid), 0);
		CHECK_INT(sfa_pack_finish(p, missing.buf), SFA_ESTORE);
		CHECK(strstr(sfa_error_last(), "no-such-pack-dir") != NULL);
		CHECK_INT(unit_count_files(tmp.buf, ""), 0);
		sfa_buf_release(&missing);
	}
	sfa_buf_release(&tmp);
	sfa_buf_release(&big);
}

void unit_tests(void)
{
	test_pack_objects();
	test_pack_many();
	test_pack_free();
}
