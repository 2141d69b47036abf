/* Growable byte buffers and allocation wrappers. */
#ifndef SFA_BUF_H
#define SFA_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable buffer. `buf` is never NULL and always NUL-terminated, so it
 * can be handed to C string functions at any time; `len` excludes the NUL.
 */
struct sfa_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char sfa_buf_empty[];
#define SFA_BUF_INIT { sfa_buf_empty, 0, 0 }

void sfa_buf_init(struct sfa_buf *b, size_t hint);
void sfa_buf_release(struct sfa_buf *b);
void sfa_buf_grow(struct sfa_buf *b, size_t extra);
void sfa_buf_reset(struct sfa_buf *b);
void sfa_buf_setlen(struct sfa_buf *b, size_t len);
void sfa_buf_add(struct sfa_buf *b, const void *data, size_t len);
void sfa_buf_addstr(struct sfa_buf *b, const char *s);
void sfa_buf_addch(struct sfa_buf *b, int c);
void sfa_buf_addf(struct sfa_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sfa_buf_vaddf(struct sfa_buf *b, const char *fmt, va_list ap);
/* Hands the memory to the caller (free() it) and leaves `b` empty. */
char *sfa_buf_detach(struct sfa_buf *b, size_t *len);

/* Allocation that cannot fail: on exhaustion the process aborts loudly. */
void *sfa_xmalloc(size_t n);
void *sfa_xcalloc(size_t n, size_t size);
void *sfa_xrealloc(void *p, size_t n);
char *sfa_xstrdup(const char *s);
char *sfa_xstrndup(const char *s, size_t n);

/* Grows `*p` (of `*alloc` elements) to hold at least `n` elements. */
#define SFA_ALLOC_GROW(p, n, alloc) do { \
	if ((n) > (alloc)) { \
		size_t sfa_ag_ = (alloc) ? (alloc) * 2 : 16; \
		if (sfa_ag_ < (n)) sfa_ag_ = (n); \
		(p) = sfa_xrealloc((p), sfa_ag_ * sizeof(*(p))); \
		(alloc) = sfa_ag_; \
	} \
} while (0)

#endif
