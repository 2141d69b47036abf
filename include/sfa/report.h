/*
 * Reports over the index: the pipeline now, the historical funnel, the
 * forecast (categories, weighted, simulated from the store's own stage
 * history) against quota, its accuracy, what changed between two dates,
 * win/loss, activity, lead sources and leads. Any of them as of a past
 * commit: the index keeps every version of every record (sfa_query.as_of).
 *
 * Money is summed exactly in minor units per currency; with a target
 * currency each currency's sum is converted once with the rates of
 * config/rates.json and rounded half-even.
 */
#ifndef SFA_REPORT_H
#define SFA_REPORT_H

#include <time.h>
#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/record.h"

struct sfa_store;
struct sfa_filter;

/* The record type a report reads (its filters apply to it), or NULL for an unknown report. */
const struct sfa_type *sfa_report_type(const char *name);
/* The reports, NULL-ended, and one line about each. */
extern const char *const sfa_report_names[];
extern const char *const sfa_report_about[];

#define SFA_REPORT_MAX_BY 6

struct sfa_report_opts {
	const char *name;		/* "pipeline", "forecast", ... */
	const char *by[SFA_REPORT_MAX_BY];	/* rep team territory source pipeline product-family month quarter ... */
	size_t nby;
	const char *period;		/* sfa_period_parse spec, or NULL for the report's default */
	const char *currency;		/* convert to it, or NULL: one row per currency */
	const char *as_of;		/* a date, date-time or commit, or NULL: now */
	const char *from, *to;		/* changes: the two dates (or commits) */
	long simulations;		/* forecast: Monte Carlo runs (0: none) */
	unsigned long long seed;	/* forecast: the simulation's seed */
	int periods;			/* accuracy: how many past periods */
	const struct sfa_filter *filter;	/* conditions on the report's type, or NULL */
};

/* A report's result: rows in fixed columns, and what to draw. */
struct sfa_report {
	char *title;
	struct sfa_buf meta;		/* "as of 2026-11-22 (commit 1a2b3c4d) · period ..." */
	json_t *columns;		/* array of column names */
	json_t *rows;			/* array of objects keyed by column; money as exact decimal strings */
	/* the chart: its kind (enum sfa_chart_kind), the category and value columns */
	int chart_kind;
	json_t *chart_cat;		/* column names joined to label a category */
	json_t *chart_values;		/* column names of the series */
	const char *chart_target;	/* column drawn as a target marker, or NULL */
	const char *bar;		/* the column the terminal table's bar shows, or NULL */
};

/* Runs a report. SFA_EUSAGE for bad options, SFA_EINPUT for bad configuration, messages set. */
int sfa_report_run(struct sfa_store *s, const struct sfa_report_opts *o, struct sfa_report **out);
void sfa_report_free(struct sfa_report *r);

/* The report as SVG, or as an HTML page with its table and chart. */
void sfa_report_svg(struct sfa_buf *out, const struct sfa_report *r);
void sfa_report_html(struct sfa_buf *out, const struct sfa_report *r);

/* Checkers of config/rates.json and config/quotas.json for the config table. */
int sfa_report_check_rates(struct sfa_store *s, const json_t *cfg);
int sfa_report_check_quotas(struct sfa_store *s, const json_t *cfg);

#endif
