/* UTF-8 validation and display width. */
#ifndef SFA_UTF8_H
#define SFA_UTF8_H

#include <stddef.h>

/*
 * Returns 1 when `s` is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0 and the offset of the first bad byte
 * in `*bad` (when `bad` is not NULL).
 */
int sfa_utf8_valid(const char *s, size_t len, size_t *bad);

/*
 * Decodes one code point at `s`; returns its length in bytes (1..4) and
 * stores it in `*cp`, or returns 0 for a malformed sequence.
 */
size_t sfa_utf8_decode(const char *s, size_t len, unsigned *cp);

/*
 * Terminal columns of one code point: 0 for combining marks and zero-width
 * characters, 2 for East Asian wide and fullwidth ones, 1 otherwise.
 * Independent of the locale so tables line up the same everywhere.
 */
int sfa_utf8_cpwidth(unsigned cp);

/* Columns of a valid UTF-8 string (sum of sfa_utf8_cpwidth). */
size_t sfa_utf8_width(const char *s, size_t len);

struct sfa_buf;

/*
 * Appends code point `cp` as UTF-8 to `out`; one that has no encoding
 * (a surrogate, above U+10FFFF) as U+FFFD.
 */
void sfa_utf8_put(struct sfa_buf *out, unsigned cp);

/*
 * Appends to `out` a folded copy of `s` for matching and search, so that
 * spellings a person would call the same compare equal: lowercase in every
 * script with case (the C.UTF-8 locale's mapping, ASCII only when that locale
 * is missing), Latin letters with diacritics reduced to their base letter
 * (é to e, ø to o, ł to l, ß to ss, æ to ae, þ to th; Latin-1 Supplement,
 * Extended-A, Extended-B and Extended Additional), Greek without tonos and
 * dialytika and with final sigma as σ, Cyrillic ё as е, fullwidth ASCII
 * (U+FF01..U+FF5E) as ASCII, combining marks U+0300..U+036F dropped.
 * Everything else (CJK, digits, punctuation) is copied unchanged, each
 * malformed byte as U+FFFD. Returns the number of bytes appended.
 */
size_t sfa_utf8_fold(struct sfa_buf *out, const char *s, size_t len);

/*
 * 1 when `cp` separates words: ASCII other than letters and digits, and
 * the punctuation, symbols and spaces of other scripts (by whole blocks,
 * approximate on purpose). Letters, digits and marks of every script give
 * 0, so text in any language splits into words without a table of them.
 */
int sfa_utf8_is_separator(unsigned cp);

#endif
