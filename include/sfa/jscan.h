/*
 * Reading a few top-level fields of a JSON object without building a
 * tree: one pass over the text, values returned as spans into it. For
 * reports, which read a dozen fields of a million stored records; a
 * jansson tree or one JSON path query per field would parse each record
 * many times over. The text must be valid JSON for the values to be
 * right; malformed text gives SFA_EINPUT, never a read past `len`.
 */
#ifndef SFA_JSCAN_H
#define SFA_JSCAN_H

#include <stddef.h>

#include "sfa/buf.h"

enum sfa_jkind { SFA_J_NONE, SFA_J_NULL, SFA_J_STRING, SFA_J_NUMBER, SFA_J_TRUE, SFA_J_FALSE,
		 SFA_J_ARRAY, SFA_J_OBJECT };

/*
 * One value: for a string, `p` is after the opening quote and `len`
 * stops before the closing one (escapes still in; `escaped` says whether
 * there are any); for the others, the value's whole text. SFA_J_NONE:
 * the field is missing.
 */
struct sfa_jspan {
	const char *p;
	size_t len;
	enum sfa_jkind kind;
	int escaped;
};

/*
 * Finds the top-level members called `names[0..n)` (plain names: no
 * escapes) of the object in `text[0..len)` and stores each one's value in
 * `out[i]` (SFA_J_NONE when missing; the last one wins for a repeated key).
 * SFA_EINPUT when the text is not an object or is malformed.
 */
int sfa_jscan_object(const char *text, size_t len, const char *const *names, size_t n,
		     struct sfa_jspan *out);

/*
 * Steps through the elements of an array: `*pos` starts at an
 * SFA_J_ARRAY span's `p` (its '[') and `end` is p + len. Returns 1 and
 * the next element in `*elem`, 0 after the last, SFA_EINPUT if malformed.
 */
int sfa_jscan_next(const char **pos, const char *end, struct sfa_jspan *elem);

/*
 * Appends a value's text as `->>` in SQL gives it: a string unescaped
 * (\u escapes as UTF-8, a lone surrogate as U+FFFD), true and false as 1
 * and 0, numbers, lists and objects as written, nothing for null.
 */
void sfa_jscan_text(struct sfa_buf *out, const struct sfa_jspan *v);

#endif
