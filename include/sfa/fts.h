/*
 * Full-text search over the SQLite index: the "sfa" FTS5 tokenizer and the
 * translation of what a user typed into a safe MATCH expression.
 *
 * The tokenizer makes words of the letters and digits of alphabetic
 * scripts, folded (lowercase, accents stripped), and makes every CJK
 * ideograph, kana and hangul syllable a token of its own, so that a search
 * for two characters inside a longer run of Chinese still finds them.
 */
#ifndef SFA_FTS_H
#define SFA_FTS_H

#include <stddef.h>

#include <sqlite3.h>

#include "sfa/buf.h"

/*
 * Called for each token of a text in order: `tok` (`n` bytes, not
 * NUL-terminated, valid only during the call) is what gets indexed, and
 * [start, end) the bytes of the text it came from. Returning non-zero stops
 * the walk.
 */
typedef int (*sfa_fts_token_fn)(void *data, const char *tok, size_t n, size_t start, size_t end);

/*
 * Splits `text` into the tokens the "sfa" tokenizer indexes. Malformed
 * UTF-8 separates tokens like punctuation does. Returns 0, or the first
 * non-zero value `cb` returned.
 */
int sfa_fts_tokens(const char *text, size_t len, sfa_fts_token_fn cb, void *data);

/* Registers the "sfa" FTS5 tokenizer on `db` (call once per connection). */
int sfa_fts_register(sqlite3 *db);

/*
 * Appends to `out` an FTS5 MATCH expression for what a user typed: each
 * whitespace-separated term becomes a quoted phrase (double quotes inside
 * doubled) with a trailing * for prefix matching, terms ANDed; FTS5 operators
 * typed by the user (AND OR NOT NEAR, parentheses, column filters, ^, :) are
 * treated as plain text, never as syntax. Terms without a searchable
 * character are left out. Returns the number of terms, 0 (and `out`
 * unchanged) when the text has no searchable character (the caller then
 * reports a usage error).
 */
int sfa_fts_query(struct sfa_buf *out, const char *text);

#endif
