/*
 * Pictures of reports: plain SVG charts drawn by the toolkit (no library,
 * readable in any browser and mail client that shows images) and a single
 * self-contained HTML page holding a report's table and its chart.
 *
 * Values are doubles: a chart only draws, every figure printed as text
 * (labels, the table) comes from the report as exact decimal strings.
 */
#ifndef SFA_CHART_H
#define SFA_CHART_H

#include <stddef.h>

#include "sfa/buf.h"

enum sfa_chart_kind {
	/* one series (the first); categories top to bottom as centred bars narrowing like a funnel */
	SFA_CHART_FUNNEL,
	/* grouped vertical bars: each category has one bar per series */
	SFA_CHART_BARS,
	/* stacked vertical bars: the series of a category stacked; optional target marker */
	SFA_CHART_STACKED,
	/*
	 * a bridge: category 0 is the start total, the last category the end
	 * total, those between are steps up (positive) or down (negative)
	 * floating from the running total; one series (the first)
	 */
	SFA_CHART_WATERFALL,
};

struct sfa_chart {
	enum sfa_chart_kind kind;
	const char *title;		/* "Pipeline by stage" */
	const char *subtitle;		/* "as of 2026-11-22 · 412 open deals", or NULL */
	const char *unit;		/* axis unit ("EUR", "deals"), or NULL */
	size_t ncat;
	const char *const *categories;	/* labels, UTF-8 (any script) */
	size_t nseries;			/* at least 1; 0 draws "no data" */
	const char *const *series;	/* legend names; NULL for a single unnamed series */
	/* ncat * nseries, row-major: values[cat * nseries + s]; NaN and infinities drawn as 0 */
	const double *values;
	/*
	 * Per category the text shown beside/above the bar (exact figures
	 * such as "48,000.00"), ncat entries; NULL: the chart formats the
	 * value itself (12k, 1.5M). With several series a category's text
	 * goes over its group (grouped bars) or its stack (the total). When
	 * one text is too wide for its bar, all give way to the compact
	 * figures, or to none when those do not fit either.
	 */
	const char *const *labels;
	/*
	 * SFA_CHART_STACKED: a target per category drawn as a marker line
	 * (quota), or NULL; a NaN entry draws no marker for that category
	 */
	const double *target;
	const char *target_name;	/* "quota" */
};

/*
 * Appends a complete standalone SVG document (with XML declaration and
 * viewBox, text escaped) for `c`. An empty chart (no categories, no
 * values or no series) draws the title and "no data". The same chart
 * gives the same bytes.
 */
void sfa_chart_svg(struct sfa_buf *out, const struct sfa_chart *c);

/*
 * Appends a complete HTML5 page (UTF-8, inline CSS, no external resource)
 * with `title` as heading, `meta` (a line such as "as of ..., generated
 * ...") under it, then the chart (inline SVG; `c` may be NULL for none),
 * then a table of `nrows` rows of `ncols` cells (row-major, strings;
 * NULL cells are empty; `header` NULL for none). Cells that look numeric
 * (an optional sign, digits plain or grouped in threes by commas, an
 * optional fraction, an optional trailing %: "-1,234.50", "12%") are
 * right-aligned, and so is the heading of a column of them. The page is
 * also well-formed XML.
 */
void sfa_chart_html(struct sfa_buf *out, const char *title, const char *meta, const struct sfa_chart *c,
		    size_t ncols, const char *const *header, size_t nrows, const char *const *cells);

#endif
