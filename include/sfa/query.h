/*
 * The filter language of `list` and `search`, shared by every command:
 * `--where` expressions, the --status/--owner/--source/--since/--until
 * shortcuts and `--sort`, turned into an sfa_query for the index.
 */
#ifndef SFA_QUERY_H
#define SFA_QUERY_H

#include <time.h>

#include "sfa/index.h"
#include "sfa/store.h"

/* A query being built: owns its conditions and sort keys. */
struct sfa_filter {
	struct sfa_query q;
	struct sfa_cond *conds;
	size_t nconds, alloc;
	struct sfa_sort *sort;
	size_t nsort;
	struct sfa_store *store;
	int in_or, alt;		/* adding to alternative `alt` of the OR block */
	char *reader, *reader_territory;	/* of q, owned */
};

void sfa_filter_init(struct sfa_filter *f, struct sfa_store *s, const struct sfa_type *t);
void sfa_filter_release(struct sfa_filter *f);

/*
 * Limits the query to the records the store's user may read when the
 * store's access rules say reps read only their territory (see
 * sfa_access_read_scope): what `list`, `search` and the reports show.
 * Commands call it; the library's own lookups (a campaign's sends, the
 * duplicates of a lead) see every record. 0, or an error reading the rules.
 */
int sfa_filter_readable(struct sfa_filter *f);

/*
 * Adds a `--where` expression: FIELD OP VALUE with OP one of = != < <= >
 * >= ~ (contains, ignoring case and accents), or "FIELD in A,B,C";
 * "FIELD=" holds for records without the field, "FIELD!=" for those with
 * it. Values of declared fields are read as the schema says (a date, a
 * number, an enum value in any case). SFA_EUSAGE for an unknown field,
 * operator or bad value, the message naming which.
 */
int sfa_filter_where(struct sfa_filter *f, const char *expr);

/* Adds FIELD in VALUES (comma-separated): --status, --owner, --source. */
int sfa_filter_in(struct sfa_filter *f, const char *field, const char *values);

/*
 * Adds created_at >= (since) or < (until) a date, a date-time or a time
 * back from `now`: "7d", "2w", "3m", "1y", "12h".
 */
int sfa_filter_time(struct sfa_filter *f, const char *field, int since, const char *when, time_t now);

/*
 * One block of alternatives (a query has at most one): conditions added
 * after sfa_filter_or_next() form one alternative, all of them must hold;
 * records matching any alternative are kept. No alternative: none are.
 */
void sfa_filter_or_begin(struct sfa_filter *f);
void sfa_filter_or_next(struct sfa_filter *f);
void sfa_filter_or_end(struct sfa_filter *f);

/* Sets the order: "field,-other" (a '-' for descending). */
int sfa_filter_sort(struct sfa_filter *f, const char *spec);

/*
 * The filter options every listing command shares, by long option name:
 * --where, --status, --owner, --source, --since, --until (created_at)
 * and --sort.
 */
int sfa_filter_option(struct sfa_filter *f, const char *name, const char *arg);

/*
 * A period as its first and last day (inclusive, "YYYY-MM-DD"): this-,
 * last-, next-month|quarter|year counted from `now` (UTC), "2026-Q4",
 * "2026-11", "2026", or "2026-01-01..2026-03-31". SFA_EUSAGE otherwise.
 */
int sfa_period_parse(const char *spec, time_t now, char from[11], char to[11]);

/* Parses "7d", "2w", "3m", "1y", "12h" back from `now`, or a date/date-time. */
int sfa_when_parse(time_t *out, const char *s, time_t now);

#endif
