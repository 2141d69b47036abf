/*
 * Record ids: 12 characters of lowercase Crockford base32 (no i, l, o, u)
 * carrying 60 random bits, so laptops that never talk to each other still
 * make distinct ids. Any unique prefix of SFA_ID_MIN_PREFIX or more
 * characters names a record.
 */
#ifndef SFA_ID_H
#define SFA_ID_H

#include <stddef.h>

#define SFA_ID_LEN 12
#define SFA_ID_MIN_PREFIX 4

/* Makes a new id from the kernel's random source. */
int sfa_id_new(char out[SFA_ID_LEN + 1]);
/* 1 when `s` (of `len` bytes) is a complete, canonical (lowercase) id. */
int sfa_id_valid(const char *s, size_t len);
/*
 * Checks a user-given id or prefix and folds it to canonical lowercase
 * (Crockford's I, L and O read as 1, 1 and 0) into `out`; SFA_EINPUT
 * when it cannot be one.
 */
int sfa_id_normalize(char out[SFA_ID_LEN + 1], const char *in);

#endif
