#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/banned.h"

char sfa_buf_empty[1];

static void die_oom(size_t n)
{
	fprintf(stderr, "sfa: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sfa_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *sfa_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die_oom(n * size);
	return p;
}

void *sfa_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *sfa_xstrndup(const char *s, size_t n)
{
	char *p = sfa_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sfa_xstrdup(const char *s)
{
	return sfa_xstrndup(s, strlen(s));
}

void sfa_buf_init(struct sfa_buf *b, size_t hint)
{
	b->buf = sfa_buf_empty;
	b->len = b->alloc = 0;
	if (hint)
		sfa_buf_grow(b, hint);
}

void sfa_buf_release(struct sfa_buf *b)
{
	if (b->alloc)
		free(b->buf);
	sfa_buf_init(b, 0);
}

void sfa_buf_grow(struct sfa_buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < want)
		n *= 2;
	if (!b->alloc)
		b->buf = NULL;
	b->buf = sfa_xrealloc(b->buf, n);
	b->alloc = n;
	b->buf[b->len] = '\0';
}

void sfa_buf_setlen(struct sfa_buf *b, size_t len)
{
	if (len > b->len)
		sfa_buf_grow(b, len - b->len);
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

void sfa_buf_reset(struct sfa_buf *b)
{
	sfa_buf_setlen(b, 0);
}

void sfa_buf_add(struct sfa_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	sfa_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void sfa_buf_addstr(struct sfa_buf *b, const char *s)
{
	sfa_buf_add(b, s, strlen(s));
}

void sfa_buf_addch(struct sfa_buf *b, int c)
{
	sfa_buf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void sfa_buf_vaddf(struct sfa_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->alloc) {
		sfa_buf_grow(b, (size_t)n);
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void sfa_buf_addf(struct sfa_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sfa_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *sfa_buf_detach(struct sfa_buf *b, size_t *len)
{
	char *p;
	if (len)
		*len = b->len;
	p = b->alloc ? b->buf : sfa_xstrdup("");
	sfa_buf_init(b, 0);
	return p;
}
