/*
 * Duplicate people: records of one type that are the same person, found
 * by equal normalized email, equal phone number, or similar names at the
 * same company (sfa/match.h). Two records whose emails are both given and
 * differ are never matched by phone or name: an address is the stronger
 * sign, and colleagues share switchboards and sometimes names.
 */
#ifndef SFA_DUPES_H
#define SFA_DUPES_H

#include "sfa/buf.h"
#include "sfa/id.h"
#include "sfa/record.h"
#include "sfa/store.h"

/* Names at least this similar (Jaro-Winkler) at one company match. */
#define SFA_DUPES_THRESHOLD 0.92

/* Why records were matched, as a bit set. */
enum { SFA_DUPE_EMAIL = 1, SFA_DUPE_PHONE = 2, SFA_DUPE_NAME = 4 };

/*
 * The match keys of a record of type `t`, in the order they decide a
 * match: people "email", "phone" (phone and mobile), "block" (company and
 * name initials), "name"; accounts "company" (normalized name) and
 * "domain". `fn` gets each kind and key; a non-zero return stops.
 */
int sfa_dupes_keys(const struct sfa_type *t, const json_t *rec,
		   int (*fn)(const char *kind, const struct sfa_buf *key, void *data), void *data);

/*
 * The stored record `rec` (not yet stored) duplicates: its id in `out`
 * (accounts match on the normalized name or the domain)
 * and, when `why` is not NULL, the reason appended ("email", "phone",
 * "name+company 0.95"). SFA_ENOTFOUND when none.
 */
int sfa_dupes_match(struct sfa_store *s, const struct sfa_type *t, const json_t *rec,
		    char out[SFA_ID_LEN + 1], struct sfa_buf *why);

/* One group of duplicates, ids in id order. */
struct sfa_dupes_group {
	size_t number;		/* 1, 2, ... in the order groups are reported */
	const char *const *ids;
	size_t n;
	unsigned reasons;	/* SFA_DUPE_* */
	double score;		/* the weakest link: 1 email, 0.9 phone, name similarity */
};

/*
 * Finds every group of duplicates among the records of type `t` and calls
 * `fn` for each, largest score first. `threshold`: as SFA_DUPES_THRESHOLD.
 */
long sfa_dupes_find(struct sfa_store *s, const struct sfa_type *t, double threshold,
		    int (*fn)(const struct sfa_dupes_group *g, void *data), void *data);

#endif
