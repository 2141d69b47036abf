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

#endif
