#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha1.h>
#include <zlib.h>

#include "sfa/buf.h"
#include "sfa/cleanup.h"
#include "sfa/error.h"
#include "sfa/pack.h"
#include "sfa/banned.h"

struct entry {
	git_oid oid;
	uint32_t crc;
	uint64_t offset;
};

struct sfa_pack {
	int fd;
	char *path;
	uint64_t offset;	/* bytes written so far, buffered ones included */
	struct sfa_buf wbuf;	/* batches small writes into large ones */
	struct sfa_buf zbuf;
	z_stream z;
	struct entry *v;
	size_t n, alloc;
	uint32_t *slots;	/* open-addressing set of entry numbers + 1 */
	size_t nslots;
};

static int write_all(int fd, const void *data, size_t len, const char *path)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return sfa_error_set(SFA_ESTORE, "cannot write '%s': %s", path, strerror(errno));
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int flush(struct sfa_pack *p)
{
	int err = write_all(p->fd, p->wbuf.buf, p->wbuf.len, p->path);
	sfa_buf_reset(&p->wbuf);
	return err;
}

static void put_be32(unsigned char *b, uint32_t v)
{
	b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}

int sfa_pack_open(struct sfa_pack **out, const char *tmpdir)
{
	struct sfa_pack *p = sfa_xcalloc(1, sizeof(*p));
	unsigned char hdr[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0 };
	struct sfa_buf path = SFA_BUF_INIT;

	sfa_buf_addf(&path, "%s/pack-XXXXXX", tmpdir);
	p->path = sfa_buf_detach(&path, NULL);
	/*
	 * A signal between creating the file and registering it would leave
	 * it behind: hold signals until the handler knows it.
	 */
	sfa_signals_block();
	p->fd = mkstemp(p->path);
	if (p->fd >= 0)
		sfa_cleanup_add(p->path);
	sfa_signals_unblock();
	if (p->fd < 0) {
		int err = sfa_error_set(SFA_ESTORE, "cannot create '%s': %s", p->path, strerror(errno));
		free(p->path);
		free(p);
		return err;
	}
	/*
	 * Records are a few hundred bytes: deflateReset clears the match hash
	 * for every object, and the default 64 KiB table costs more than the
	 * compressing. A 2 KiB table loses almost nothing on such objects.
	 */
	if (deflateInit2(&p->z, Z_BEST_SPEED, Z_DEFLATED, 15, 3, Z_DEFAULT_STRATEGY) != Z_OK) {
		sfa_pack_free(p);
		return sfa_error_set(SFA_ESTORE, "cannot start zlib");
	}
	sfa_buf_init(&p->wbuf, 1 << 20);
	sfa_buf_add(&p->wbuf, hdr, sizeof(hdr));
	p->offset = sizeof(hdr);
	*out = p;
	return 0;
}

size_t sfa_pack_count(const struct sfa_pack *p)
{
	return p->n;
}

static size_t slot_of(const git_oid *oid, size_t nslots)
{
	uint64_t h;
	memcpy(&h, oid->id, sizeof(h));
	return (size_t)(h & (nslots - 1));
}

/* Finds `oid` in the set; returns 1 if present, else 0 and the free slot. */
static int seen(struct sfa_pack *p, const git_oid *oid, size_t *slot)
{
	size_t i = slot_of(oid, p->nslots);
	while (p->slots[i]) {
		if (git_oid_equal(&p->v[p->slots[i] - 1].oid, oid))
			return 1;
		i = (i + 1) & (p->nslots - 1);
	}
	*slot = i;
	return 0;
}

static void grow_set(struct sfa_pack *p)
{
	size_t n = p->nslots ? p->nslots * 2 : 1024, slot;
	free(p->slots);
	p->slots = sfa_xcalloc(n, sizeof(*p->slots));
	p->nslots = n;
	for (size_t k = 0; k < p->n; k++) {
		seen(p, &p->v[k].oid, &slot);
		p->slots[slot] = (uint32_t)(k + 1);
	}
}

int sfa_pack_write(struct sfa_pack *p, git_object_t type, const void *data, size_t len, git_oid *out)
{
	unsigned char hdr[16];
	char ohdr[32];
	size_t hlen = 0, slot;
	mbedtls_sha1_context sha;
	int ohlen;
	struct entry *e;
	uLong crc;

	/* The object id is the SHA-1 of "<type> <size>\0" and the data. */
	ohlen = snprintf(ohdr, sizeof(ohdr), "%s %zu", git_object_type2string(type), len) + 1;
	mbedtls_sha1_init(&sha);
	mbedtls_sha1_starts_ret(&sha);
	mbedtls_sha1_update_ret(&sha, (const unsigned char *)ohdr, (size_t)ohlen);
	mbedtls_sha1_update_ret(&sha, data, len);
	mbedtls_sha1_finish_ret(&sha, out->id);
	mbedtls_sha1_free(&sha);

	if (2 * (p->n + 1) > p->nslots)
		grow_set(p);
	if (seen(p, out, &slot))
		return 0;

	/* Entry header: type and size, 4 bits then 7 bits per byte. */
	size_t sz = len;
	hdr[hlen] = (unsigned char)((type << 4) | (sz & 15));
	for (sz >>= 4; sz; sz >>= 7) {
		hdr[hlen++] |= 0x80;
		hdr[hlen] = sz & 0x7f;
	}
	hlen++;

	deflateReset(&p->z);
	sfa_buf_reset(&p->zbuf);
	sfa_buf_grow(&p->zbuf, deflateBound(&p->z, len));
	p->z.next_in = (Bytef *)data;
	p->z.avail_in = (uInt)len;
	p->z.next_out = (Bytef *)p->zbuf.buf;
	p->z.avail_out = (uInt)(p->zbuf.alloc - 1);
	if (deflate(&p->z, Z_FINISH) != Z_STREAM_END)
		return sfa_error_set(SFA_ESTORE, "cannot compress an object");
	sfa_buf_setlen(&p->zbuf, p->z.total_out);

	crc = crc32(0, hdr, (uInt)hlen);
	crc = crc32(crc, (const Bytef *)p->zbuf.buf, (uInt)p->zbuf.len);

	SFA_ALLOC_GROW(p->v, p->n + 1, p->alloc);
	e = &p->v[p->n++];
	e->oid = *out;
	e->crc = (uint32_t)crc;
	e->offset = p->offset;
	p->slots[slot] = (uint32_t)p->n;

	sfa_buf_add(&p->wbuf, hdr, hlen);
	sfa_buf_add(&p->wbuf, p->zbuf.buf, p->zbuf.len);
	p->offset += hlen + p->zbuf.len;
	if (p->wbuf.len >= (1 << 20))
		return flush(p);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct entry *)a)->oid, &((const struct entry *)b)->oid);
}

/* Sets the object count and appends the SHA-1 of everything before it. */
static int seal_pack(struct sfa_pack *p, unsigned char sum[20])
{
	unsigned char cnt[4], *buf = sfa_xmalloc(1 << 20);
	mbedtls_sha1_context sha;
	int err = 0;
	ssize_t r;

	put_be32(cnt, (uint32_t)p->n);
	if (pwrite(p->fd, cnt, 4, 8) != 4) {
		err = sfa_error_set(SFA_ESTORE, "cannot write '%s': %s", p->path, strerror(errno));
		goto done;
	}
	mbedtls_sha1_init(&sha);
	mbedtls_sha1_starts_ret(&sha);
	if (lseek(p->fd, 0, SEEK_SET) < 0)
		r = -1;
	else
		while ((r = read(p->fd, buf, 1 << 20)) > 0)
			mbedtls_sha1_update_ret(&sha, buf, (size_t)r);
	mbedtls_sha1_finish_ret(&sha, sum);
	mbedtls_sha1_free(&sha);
	if (r < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot read '%s': %s", p->path, strerror(errno));
		goto done;
	}
	err = write_all(p->fd, sum, 20, p->path);
done:
	free(buf);
	return err;
}

/* Pack index version 2: fan-out, ids, CRCs, offsets, large offsets, sums. */
static void build_idx(struct sfa_buf *idx, struct entry *v, size_t n, const unsigned char packsum[20])
{
	static const unsigned char magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	unsigned char b[8], sum[20];
	uint32_t large = 0;
	size_t i, k = 0;
	mbedtls_sha1_context sha;

	sfa_buf_add(idx, magic, sizeof(magic));
	for (int f = 0; f < 256; f++) {
		while (k < n && v[k].oid.id[0] <= f)
			k++;
		put_be32(b, (uint32_t)k);
		sfa_buf_add(idx, b, 4);
	}
	for (i = 0; i < n; i++)
		sfa_buf_add(idx, v[i].oid.id, GIT_OID_RAWSZ);
	for (i = 0; i < n; i++) {
		put_be32(b, v[i].crc);
		sfa_buf_add(idx, b, 4);
	}
	for (i = 0; i < n; i++) {
		put_be32(b, v[i].offset < 0x80000000u ? (uint32_t)v[i].offset : 0x80000000u | large++);
		sfa_buf_add(idx, b, 4);
	}
	for (i = 0; i < n; i++)
		if (v[i].offset >= 0x80000000u) {
			put_be32(b, (uint32_t)(v[i].offset >> 32));
			put_be32(b + 4, (uint32_t)v[i].offset);
			sfa_buf_add(idx, b, 8);
		}
	sfa_buf_add(idx, packsum, 20);
	mbedtls_sha1_init(&sha);
	mbedtls_sha1_starts_ret(&sha);
	mbedtls_sha1_update_ret(&sha, (const unsigned char *)idx->buf, idx->len);
	mbedtls_sha1_finish_ret(&sha, sum);
	mbedtls_sha1_free(&sha);
	sfa_buf_add(idx, sum, 20);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int err = 0;
	if (fd < 0 || fsync(fd) < 0)
		err = sfa_error_set(SFA_ESTORE, "cannot sync '%s': %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

int sfa_pack_finish(struct sfa_pack *p, const char *packdir)
{
	struct sfa_buf idx = SFA_BUF_INIT, ipath = SFA_BUF_INIT, dst = SFA_BUF_INIT;
	unsigned char sum[20];
	char hex[GIT_OID_HEXSZ + 1];
	git_oid packid;
	int err, ifd = -1;

	if ((err = flush(p)) < 0 || (err = seal_pack(p, sum)) < 0)
		goto done;
	if (fsync(p->fd) < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot sync '%s': %s", p->path, strerror(errno));
		goto done;
	}
	qsort(p->v, p->n, sizeof(*p->v), cmp_entry);
	build_idx(&idx, p->v, p->n, sum);

	sfa_buf_addf(&ipath, "%s.idx", p->path);
	sfa_cleanup_add(ipath.buf);
	ifd = open(ipath.buf, O_WRONLY | O_CREAT | O_TRUNC, 0444);
	if (ifd < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot create '%s': %s", ipath.buf, strerror(errno));
		goto done;
	}
	if ((err = write_all(ifd, idx.buf, idx.len, ipath.buf)) < 0)
		goto done;
	if (fsync(ifd) < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot sync '%s': %s", ipath.buf, strerror(errno));
		goto done;
	}

	git_oid_fromraw(&packid, sum);
	git_oid_tostr(hex, sizeof(hex), &packid);
	fchmod(p->fd, 0444);
	sfa_buf_addf(&dst, "%s/pack-%s.pack", packdir, hex);
	if (rename(p->path, dst.buf) < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot move pack to '%s': %s", dst.buf, strerror(errno));
		goto done;
	}
	sfa_cleanup_remove(p->path);
	sfa_buf_reset(&dst);
	sfa_buf_addf(&dst, "%s/pack-%s.idx", packdir, hex);
	if (rename(ipath.buf, dst.buf) < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot move pack index to '%s': %s", dst.buf, strerror(errno));
		goto done;
	}
	err = sync_dir(packdir);
done:
	if (ifd >= 0)
		close(ifd);
	if (ipath.len) {
		unlink(ipath.buf);
		sfa_cleanup_remove(ipath.buf);
	}
	sfa_buf_release(&idx);
	sfa_buf_release(&ipath);
	sfa_buf_release(&dst);
	sfa_pack_free(p);
	return err;
}

void sfa_pack_free(struct sfa_pack *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	unlink(p->path);	/* fails harmlessly once the pack was moved */
	sfa_cleanup_remove(p->path);
	deflateEnd(&p->z);
	sfa_buf_release(&p->wbuf);
	sfa_buf_release(&p->zbuf);
	free(p->v);
	free(p->slots);
	free(p->path);
	free(p);
}
