/*
 * The rules of quoting as configuration: price books
 * (config/pricebooks.json) and config/quoting.json (rounding, validity,
 * tax rates by region and tax class, customer discount schedules, who
 * approves which discounts, bundles, which products go together). Pure
 * functions over the parsed files; the caller reads them and the records.
 *
 * Config errors are SFA_EINPUT "PATH: reason", PATH the place of the
 * offending value, like "approval.rules[2].role" or
 * "bundles.STARTER-KIT.components[0].qty" (a key holding '.' or blanks
 * written ["key"]). Unknown keys are refused everywhere, so a misspelt
 * setting cannot pass for an absent one. Percentages are text ("12.5")
 * or whole numbers, read by sfa_percent_parse.
 */
#ifndef SFA_QUOTING_H
#define SFA_QUOTING_H

#include <stddef.h>
#include <jansson.h>

#include "sfa/price.h"

struct sfa_store;

/* --- config/pricebooks.json ---------------------------------------------------- */

struct sfa_pricebook {
	const char *name;
	const char *about, *currency, *region, *segment;	/* NULL when not set */
	enum sfa_price_tiers tiers;	/* its own "tiers", else the file's, else volume */
	const struct sfa_pricebook *fallback;	/* whose prices it uses when it has none, or NULL */
};

struct sfa_pricebooks {
	json_t *cfg;			/* a reference of its own: the texts above point into it */
	struct sfa_pricebook *books;	/* in the file's order */
	size_t n;
	const struct sfa_pricebook *def;	/* "default", or the only book */
};

/*
 * Parses config/pricebooks.json (borrowed; `*out` keeps a reference).
 * Fallbacks must name other books and never lead back to where they
 * started: "books.gov.fallback: fallback cycle: gov -> standard -> gov".
 */
int sfa_pricebooks_parse(struct sfa_pricebooks **out, const json_t *cfg);
void sfa_pricebooks_free(struct sfa_pricebooks *pb);
/* Checker of config/pricebooks.json for the config table (`s` unused). */
int sfa_pricebooks_check_config(struct sfa_store *s, const json_t *cfg);

/* The book called `name` (NULL: the default), or NULL with the error set. */
const struct sfa_pricebook *sfa_pricebooks_find(const struct sfa_pricebooks *pb, const char *name);

/*
 * The books to look a price up in for `b`: it, its fallback, that one's
 * and so on, each with its tiers, for sfa_price_pick. Returns how many;
 * `*out` malloc'ed (free() it), the names borrowed from the books.
 */
size_t sfa_pricebook_chain(struct sfa_price_source **out, const struct sfa_pricebook *b);

/* --- config/quoting.json -------------------------------------------------------- */

/* A discount above a threshold needs `role` (or a higher one) to approve it. */
struct sfa_approval_rule {
	int line_over;		/* a line's own discount above this; -1: not this rule's test */
	int total_over;		/* the quote's total discount above this; -1: likewise */
	const char *role;	/* rep, manager, director or admin */
};

struct sfa_quoting {
	json_t *cfg;			/* a reference of its own: everything below points into it */
	const json_t *company;		/* object of texts (name, address, email, ...), or NULL */
	enum sfa_rounding rounding;	/* default half-even */
	enum sfa_rounding_per per;	/* default line */
	int validity_days;		/* default 30 */
	const char *terms;		/* NULL when not set */
	int self_approve;		/* an owner may approve their own quote; default no */
	struct sfa_approval_rule *approval;	/* in the file's order */
	size_t napproval;
	/* the rest (tax, discounts, bundles, rules) through the functions below */
};

/* Parses config/quoting.json (borrowed; `*out` keeps a reference). */
int sfa_quoting_parse(struct sfa_quoting **out, const json_t *cfg);
void sfa_quoting_free(struct sfa_quoting *q);
/* Checker of config/quoting.json for the config table (`s` unused). */
int sfa_quoting_check_config(struct sfa_store *s, const json_t *cfg);

/*
 * The tax region of a quote for an account in `country` (NULL: unknown):
 * the region of that name when tax.regions has it (letter case aside),
 * else tax.default_region; NULL when neither. Borrowed from the config.
 */
const char *sfa_quoting_tax_region(const struct sfa_quoting *q, const char *country);

/*
 * The tax rate of `tax_class` (NULL: "standard") in `region`, in
 * hundredths of a percent. SFA_ENOTFOUND naming both when the config has
 * none: "no tax rate for class 'luxury' in region 'DE'".
 */
int sfa_quoting_tax_rate(int *out, const struct sfa_quoting *q, const char *region, const char *tax_class);

/*
 * The discount customer schedule `schedule` gives `qty` units of a product
 * of `family` (NULL: none): the first entry whose family (when it names
 * one) and min_qty (when set) fit; 0 when none fits or `schedule` is NULL.
 * SFA_ENOTFOUND when there is no such schedule.
 */
int sfa_quoting_discount(int *out, const struct sfa_quoting *q, const char *schedule, const char *family,
			 long long qty);

/* Ranks of roles: rep 0, manager 1, director 2, admin 3; -1 for anything else. */
int sfa_quoting_role_rank(const char *role);

/*
 * The role a quote needs to be approved, given its largest line discount
 * and its total discount (hundredths of a percent): the highest ranked
 * role among the rules it exceeds; NULL when it exceeds none.
 */
const char *sfa_quoting_approval_role(const struct sfa_quoting *q, int line_discount, int total_discount);

/* 1 when a user of `role` may approve what needs `needed` (NULL: nothing needed), else 0. */
int sfa_quoting_may_approve(const char *role, const char *needed);

/* A line of a quote, as bundles and product rules see it. */
struct sfa_quoting_line {
	int line;		/* its number on the quote, from 1 */
	const char *sku;
	long long qty;
	int bundle;		/* the number of the bundle line it is a component of; 0: none */
};

/*
 * Checks the `n` lines of a quote against the bundles and product rules.
 * A bundle line needs each fixed component under it, at least its qty x
 * the bundle's qty in all; optional ones may be missing; lines under a
 * bundle must be its components. A rule applies when its sku is on the
 * quote: the skus it requires must be too, those it excludes must not,
 * and the sku's qty summed over the lines must be within min_qty and
 * max_qty. The first breach is SFA_EINPUT naming the rule (numbered from 1)
 * or the bundle and the skus: "rule 1: 'PUMP-XL' requires 'MOUNT-XL'".
 */
int sfa_quoting_check_lines(const struct sfa_quoting *q, const struct sfa_quoting_line *lines, size_t n);

#endif
