/* One-pass reading of top-level JSON fields (see include/sfa/jscan.h). */
#include <string.h>

#include "sfa/error.h"
#include "sfa/jscan.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

/* Nesting deeper than this is refused rather than followed. */
#define JSCAN_DEPTH_MAX 512

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static int malformed(void)
{
	return sfa_error_set(SFA_EINPUT, "malformed JSON");
}

/* A string whose opening quote is at `p`: its body in `v`, the position after it in `*next`. */
static int scan_string(const char *p, const char *end, struct sfa_jspan *v, const char **next)
{
	const char *s = ++p;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		const char *b;
		if (!q)
			return malformed();
		/* a quote preceded by an odd run of backslashes is escaped */
		for (b = q; b > s && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0) {
			v->p = s;
			v->len = (size_t)(q - s);
			v->kind = SFA_J_STRING;
			v->escaped = memchr(s, '\\', v->len) != NULL;
			*next = q + 1;
			return 0;
		}
		p = q + 1;
	}
}

/* Any value at `p` (after blanks): its span in `v`, the position after it in `*next`. */
static int scan_value(const char *p, const char *end, struct sfa_jspan *v, const char **next)
{
	p = skip_ws(p, end);
	if (p >= end)
		return malformed();
	if (*p == '"')
		return scan_string(p, end, v, next);
	if (*p == '[' || *p == '{') {
		const char *s = p;
		int depth = 0;
		while (p < end) {
			char ch = *p;
			if (ch == '"') {
				struct sfa_jspan str;
				int err = scan_string(p, end, &str, &p);
				if (err < 0)
					return err;
				continue;
			}
			if (ch == '[' || ch == '{') {
				if (++depth > JSCAN_DEPTH_MAX)
					return malformed();
			} else if (ch == ']' || ch == '}') {
				if (--depth == 0) {
					v->p = s;
					v->len = (size_t)(p + 1 - s);
					v->kind = *s == '[' ? SFA_J_ARRAY : SFA_J_OBJECT;
					v->escaped = 0;
					*next = p + 1;
					return 0;
				}
			}
			p++;
		}
		return malformed();
	}
	{
		const char *s = p;
		while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
		       *p != '\r' && *p != '\t')
			p++;
		v->p = s;
		v->len = (size_t)(p - s);
		v->escaped = 0;
		if (v->len == 4 && !memcmp(s, "null", 4))
			v->kind = SFA_J_NULL;
		else if (v->len == 4 && !memcmp(s, "true", 4))
			v->kind = SFA_J_TRUE;
		else if (v->len == 5 && !memcmp(s, "false", 5))
			v->kind = SFA_J_FALSE;
		else if (v->len && (*s == '-' || (*s >= '0' && *s <= '9')))
			v->kind = SFA_J_NUMBER;
		else
			return malformed();
		*next = p;
		return 0;
	}
}

int sfa_jscan_object(const char *text, size_t len, const char *const *names, size_t n,
		     struct sfa_jspan *out)
{
	const char *p = text, *end = text + len;
	size_t lens[64];
	int err;

	for (size_t i = 0; i < n; i++) {
		out[i] = (struct sfa_jspan){ NULL, 0, SFA_J_NONE, 0 };
		if (i < 64)
			lens[i] = strlen(names[i]);
	}
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return malformed();
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return 0;
	for (;;) {
		struct sfa_jspan key, val;
		p = skip_ws(p, end);
		if (p >= end || *p != '"' || (err = scan_string(p, end, &key, &p)) < 0)
			return malformed();
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return malformed();
		if ((err = scan_value(p + 1, end, &val, &p)) < 0)
			return err;
		if (!key.escaped)
			for (size_t i = 0; i < n; i++)
				if (key.len == (i < 64 ? lens[i] : strlen(names[i])) &&
				    (!key.len || key.p[0] == names[i][0]) && !memcmp(key.p, names[i], key.len)) {
					out[i] = val;
					break;
				}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			return 0;
		return malformed();
	}
}

int sfa_jscan_next(const char **pos, const char *end, struct sfa_jspan *elem)
{
	const char *p = skip_ws(*pos, end);
	int err;
	if (p >= end)
		return malformed();
	if (*p == '[') {	/* the first call */
		p = skip_ws(p + 1, end);
		if (p < end && *p == ']') {
			*pos = end;
			return 0;
		}
	} else if (*p == ',') {
		p++;
	} else if (*p == ']') {
		*pos = end;
		return 0;
	} else {
		return malformed();
	}
	if ((err = scan_value(p, end, elem, &p)) < 0)
		return err;
	*pos = p;
	return 1;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

void sfa_jscan_text(struct sfa_buf *out, const struct sfa_jspan *v)
{
	const char *p = v->p, *end = v->p + v->len;

	switch (v->kind) {
	case SFA_J_NONE:
	case SFA_J_NULL:
		return;
	case SFA_J_TRUE:
		sfa_buf_addch(out, '1');
		return;
	case SFA_J_FALSE:
		sfa_buf_addch(out, '0');
		return;
	case SFA_J_STRING:
		if (!v->escaped) {
			sfa_buf_add(out, p, v->len);
			return;
		}
		break;
	default:
		sfa_buf_add(out, p, v->len);
		return;
	}
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		unsigned cp, lo;
		if (!bs) {
			sfa_buf_add(out, p, (size_t)(end - p));
			return;
		}
		sfa_buf_add(out, p, (size_t)(bs - p));
		p = bs + 1;
		if (p >= end)
			return;
		switch (*p++) {
		case 'n': sfa_buf_addch(out, '\n'); break;
		case 't': sfa_buf_addch(out, '\t'); break;
		case 'r': sfa_buf_addch(out, '\r'); break;
		case 'b': sfa_buf_addch(out, '\b'); break;
		case 'f': sfa_buf_addch(out, '\f'); break;
		case 'u':
			if (hex4(p, end, &cp) < 0) {
				sfa_utf8_put(out, 0xFFFD);
				break;
			}
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
			    hex4(p + 2, end, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			sfa_utf8_put(out, cp);	/* a lone surrogate comes out as U+FFFD */
			break;
		default:	/* \" \\ \/ */
			sfa_buf_addch(out, p[-1]);
		}
	}
}
