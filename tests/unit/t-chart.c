#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/chart.h"
#include "unit.h"
#include "sfa/banned.h"

#define ELLIPSIS "\xe2\x80\xa6"

static char *svg(const struct sfa_chart *c)
{
	struct sfa_buf b = SFA_BUF_INIT;

	sfa_chart_svg(&b, c);
	return sfa_buf_detach(&b, NULL);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* 1 when an XML parser accepts `doc`; its complaint goes to the TAP output. */
static int well_formed(const char *doc)
{
	struct sfa_buf path = SFA_BUF_INIT, msg = SFA_BUF_INIT;
	FILE *fp;
	int rc;

	sfa_buf_addf(&path, "%s/doc.xml", unit_tmpdir());
	fp = fopen(path.buf, "w");
	if (!fp || fputs(doc, fp) == EOF || fclose(fp)) {
		sfa_buf_release(&path);
		return 0;
	}
	rc = unit_run(&msg, "python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.stdin.buffer)'"
		      " <'%s' 2>&1", path.buf);
	if (rc)
		printf("# %s", msg.buf);
	sfa_buf_release(&path);
	sfa_buf_release(&msg);
	return rc == 0;
}

/* The number in attribute `name` of the first element from `p` that has it, or NAN. */
static double attr(const char *p, const char *name)
{
	struct sfa_buf key = SFA_BUF_INIT;
	const char *at;

	sfa_buf_addf(&key, " %s=\"", name);
	at = strstr(p, key.buf);
	sfa_buf_release(&key);
	return at ? strtod(at + strlen(name) + 3, NULL) : NAN;
}

/* The text between the first `open` and the next `close` after it (a new string), or NULL. */
static char *between(const char *s, const char *open, const char *close)
{
	const char *a = strstr(s, open), *b;

	if (!a)
		return NULL;
	a += strlen(open);
	b = strstr(a, close);
	return b ? sfa_xstrndup(a, (size_t)(b - a)) : NULL;
}

/* No printf of a NaN or an infinity made it into the picture. */
static int finite_only(const char *doc)
{
	return !strcasestr(doc, "nan") && !strcasestr(doc, "inf");
}

static void test_bars(void)
{
	static const char *const cats[] = { "Q1", "Q2", "Q3", "Q4" };
	static const char *const series[] = { "Won", "Lost", "Open" };
	static const double v[] = { 42, 31, 5, 55, 28, 7, 61, 35, 2, 48, 40, 9 };
	struct sfa_chart c = { .kind = SFA_CHART_BARS, .title = "Win / loss", .subtitle = "closed deals",
			       .unit = "deals", .ncat = 4, .categories = cats, .nseries = 3, .series = series,
			       .values = v };
	char *out = svg(&c);

	CHECK(starts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
	CHECK(well_formed(out));
	CHECK(has(out, " viewBox=\"0 0 "));
	CHECK(has(out, "Noto Sans CJK SC"));
	CHECK_INT(count(out, "<rect class=\"bar\""), 12);
	CHECK_INT(count(out, "class=\"category\""), 4);
	/* a legend for several series */
	CHECK(has(out, ">Won</text>") && has(out, ">Lost</text>") && has(out, ">Open</text>"));
	CHECK(has(out, ">closed deals</text>"));
	CHECK(has(out, ">deals</text>"));
	/* ticks of 20 up to 80 for a maximum of 61 */
	CHECK(has(out, ">20</text>"));
	CHECK(has(out, ">80</text>"));
	CHECK(!has(out, ">10</text>"));
	CHECK(!has(out, ">100</text>"));
	CHECK(finite_only(out));
	free(out);

	/* one series: no legend, one bar per category */
	c.nseries = 1;
	c.series = NULL;
	out = svg(&c);
	CHECK_INT(count(out, "<rect class=\"bar\""), 4);
	CHECK(!has(out, "class=\"legend\""));
	free(out);
}

static void test_ticks(void)
{
	static const char *const cats[] = { "North", "South", "East" };
	static const double big[] = { 1400000, 480000, 12500 };
	static const double neg[] = { 120000, -45000, 15500 };
	struct sfa_chart c = { .kind = SFA_CHART_BARS, .title = "Ticks", .ncat = 3, .categories = cats,
			       .nseries = 1, .values = big };
	char *out = svg(&c);

	/* steps of 500k written compact, and compact value labels */
	CHECK(has(out, ">500k</text>"));
	CHECK(has(out, ">1M</text>"));
	CHECK(has(out, ">1.5M</text>"));
	CHECK(!has(out, ">2M</text>"));
	CHECK(has(out, ">1.4M</text>"));
	CHECK(has(out, ">480k</text>"));
	CHECK(has(out, ">13k</text>"));
	CHECK(!has(out, "1500000"));
	free(out);

	c.values = neg;
	out = svg(&c);
	CHECK(well_formed(out));
	/* the axis goes below zero with a real minus sign */
	CHECK(has(out, ">\xe2\x88\x92" "50k</text>"));
	CHECK(has(out, ">\xe2\x88\x92" "45k</text>"));
	/* two digits beside a unit are enough */
	CHECK(has(out, ">16k</text>"));
	CHECK(finite_only(out));
	free(out);
}

static void test_escape(void)
{
	static const char *const cats[] = { "R&D <west>", "bad\xff\001byte", "\"quoted\"" };
	static const char *const series[] = { "A&B", "C" };
	static const char *const labels[] = { "<1>", "2&", "3" };
	static const double v[] = { 1, 2, 3, 4, 5, 6 };
	struct sfa_chart c = { .kind = SFA_CHART_BARS, .title = "Q<&>\"x\"", .subtitle = "a < b & c",
			       .unit = "<u>", .ncat = 3, .categories = cats, .nseries = 2, .series = series,
			       .values = v, .labels = labels };
	char *out = svg(&c);

	CHECK(well_formed(out));
	CHECK(has(out, ">Q&lt;&amp;&gt;&quot;x&quot;</text>"));
	CHECK(has(out, "<title>Q&lt;&amp;&gt;&quot;x&quot;</title>"));
	CHECK(!has(out, "Q<&>"));
	CHECK(has(out, ">a &lt; b &amp; c</text>"));
	CHECK(has(out, ">R&amp;D &lt;west&gt;</text>"));
	CHECK(has(out, ">&quot;quoted&quot;</text>"));
	CHECK(has(out, ">A&amp;B</text>"));
	CHECK(has(out, ">&lt;u&gt;</text>"));
	CHECK(has(out, ">&lt;1&gt;</text>"));
	/* a malformed byte shows as U+FFFD, a control character as a space */
	CHECK(has(out, ">bad\xef\xbf\xbd byte</text>"));
	free(out);
}

static void test_waterfall(void)
{
	static const char *const cats[] = { "1 Nov", "New", "Slipped", "Increased", "Lost", "22 Nov" };
	static const double v[] = { 100, 30, -20, 15, -5, 120 };
	static const double crossing[] = { 50, 30, -120, -20, -60 };
	struct sfa_chart c = { .kind = SFA_CHART_WATERFALL, .title = "Bridge", .ncat = 6, .categories = cats,
			       .nseries = 1, .values = v };
	char *out = svg(&c);
	const char *p;

	CHECK(starts(out, "<?xml"));
	CHECK(well_formed(out));
	CHECK_INT(count(out, "<rect class=\"bar total\""), 2);
	CHECK_INT(count(out, "<rect class=\"bar up\""), 2);
	CHECK_INT(count(out, "<rect class=\"bar down\""), 2);
	CHECK_INT(count(out, "class=\"connector\""), 5);
	/* steps carry a sign, totals do not */
	CHECK(has(out, ">+30</text>"));
	CHECK(has(out, ">\xe2\x88\x92" "20</text>"));
	CHECK(has(out, ">100</text>"));
	CHECK(!has(out, ">+100</text>"));
	/* the first step floats: its bottom is the top of the start total */
	p = strstr(out, "<rect class=\"bar total\"");
	if (CHECK(p != NULL)) {
		double total_top = attr(p, "y");

		p = strstr(out, "<rect class=\"bar up\"");
		CHECK(p && fabs(attr(p, "y") + attr(p, "height") - total_top) < 0.11);
	}
	free(out);

	/* a bridge that goes below zero */
	c.ncat = 5;
	c.values = crossing;
	out = svg(&c);
	CHECK(well_formed(out));
	CHECK_INT(count(out, "<rect class=\"bar total\""), 2);
	CHECK_INT(count(out, "<rect class=\"bar up\""), 1);
	CHECK_INT(count(out, "<rect class=\"bar down\""), 2);
	CHECK(has(out, ">\xe2\x88\x92" "60</text>"));
	CHECK(finite_only(out));
	free(out);

	/* only the start total */
	c.ncat = 1;
	out = svg(&c);
	CHECK_INT(count(out, "<rect class=\"bar total\""), 1);
	CHECK_INT(count(out, "class=\"connector\""), 0);
	free(out);
}

static void test_stacked(void)
{
	static const char *const cats[] = { "Anna", "Jonas", "Maria" };
	static const char *const series[] = { "Won", "Commit", "Best case" };
	static const double v[] = { 120, 45, 30, 80, 60, 25, 150, 20, -10 };
	const double target[] = { 200, NAN, 160 };
	struct sfa_chart c = { .kind = SFA_CHART_STACKED, .title = "Forecast", .ncat = 3, .categories = cats,
			       .nseries = 3, .series = series, .values = v, .target = target,
			       .target_name = "quota <Q4>" };
	char *out = svg(&c);
	const char *p;

	CHECK(well_formed(out));
	CHECK_INT(count(out, "<rect class=\"bar\""), 9);
	/* no marker for the rep without a quota */
	CHECK_INT(count(out, "class=\"target\""), 2);
	CHECK(has(out, ">quota &lt;Q4&gt;</text>"));
	CHECK(has(out, ">Best case</text>"));
	/* totals above the stacks */
	CHECK(has(out, ">195</text>"));
	CHECK(has(out, ">165</text>"));
	CHECK(has(out, ">160</text>"));
	/* the segments of a stack touch: each starts where the one before ends */
	p = strstr(out, "<rect class=\"bar\"");
	if (CHECK(p != NULL)) {
		const char *q = strstr(p + 1, "<rect class=\"bar\"");

		CHECK(q && fabs(attr(q, "y") + attr(q, "height") - attr(p, "y")) < 0.11);
	}
	CHECK(finite_only(out));
	free(out);

	/* without target: no marker, no target in the legend */
	c.target = NULL;
	out = svg(&c);
	CHECK_INT(count(out, "class=\"target\""), 0);
	CHECK(!has(out, "quota"));
	free(out);
}

static void test_funnel(void)
{
	static const char *const cats[] = { "Prospecting", "Qualification", "Proposal", "Negotiation" };
	static const double v[] = { 1840000, 1215000, 455000, 212000 };
	static const char *const labels[] = { "1,840,000.00", "1,215,000.00", "455,000.00", "212,000.00" };
	struct sfa_chart c = { .kind = SFA_CHART_FUNNEL, .title = "Pipeline", .unit = "EUR", .ncat = 4,
			       .categories = cats, .nseries = 1, .values = v, .labels = labels };
	char *out = svg(&c);
	const char *p = out;
	double prev_w = INFINITY, centre = NAN;
	int narrowing = 1, centred = 1;

	CHECK(well_formed(out));
	CHECK_INT(count(out, "<rect class=\"bar\""), 4);
	CHECK(has(out, ">Qualification</text>"));
	CHECK(has(out, ">1,215,000.00</text>"));
	while ((p = strstr(p, "<rect class=\"bar\""))) {
		double w = attr(p, "width"), mid = attr(p, "x") + w / 2;

		narrowing = narrowing && w < prev_w;
		if (isnan(centre))
			centre = mid;
		centred = centred && fabs(mid - centre) < 0.11;
		prev_w = w;
		p++;
	}
	CHECK(narrowing);
	CHECK(centred);
	free(out);

	/* without labels the chart writes the figures itself */
	c.labels = NULL;
	out = svg(&c);
	CHECK(has(out, ">1.8M</text>"));
	CHECK(has(out, ">455k</text>"));
	free(out);
}

static void test_no_data(void)
{
	static const char *const cats[] = { "a", "b" };
	static const double v[] = { 1, 2 };
	struct sfa_chart c = { .kind = SFA_CHART_BARS, .title = "Nothing <yet>", .ncat = 0, .nseries = 1 };
	enum sfa_chart_kind kinds[] = { SFA_CHART_FUNNEL, SFA_CHART_BARS, SFA_CHART_STACKED, SFA_CHART_WATERFALL };
	char *out;

	for (size_t k = 0; k < 4; k++) {
		c.kind = kinds[k];
		out = svg(&c);
		CHECK(starts(out, "<?xml"));
		CHECK(well_formed(out));
		CHECK(has(out, ">no data</text>"));
		CHECK(has(out, ">Nothing &lt;yet&gt;</text>"));
		CHECK(!has(out, "class=\"bar"));
		free(out);
	}

	/* categories without values, or without series, are no data either */
	c.ncat = 2;
	c.categories = cats;
	out = svg(&c);
	CHECK(has(out, ">no data</text>"));
	free(out);
	c.values = v;
	c.nseries = 0;
	out = svg(&c);
	CHECK(has(out, ">no data</text>"));
	free(out);
}

/* Zeros, negatives, NaN and infinities in every kind: finite coordinates, well-formed. */
static void test_degenerate(void)
{
	static const char *const cats[] = { "a", "b", "c" };
	static const double zero[] = { 0, 0, 0, 0, 0, 0 };
	static const double negative[] = { -5, -1, -300, -2, -0.04, -7 };
	const double odd[] = { NAN, INFINITY, -INFINITY, 1e300, -1e300, 3 };
	const double *sets[] = { zero, negative, odd };
	enum sfa_chart_kind kinds[] = { SFA_CHART_FUNNEL, SFA_CHART_BARS, SFA_CHART_STACKED, SFA_CHART_WATERFALL };
	const double target[] = { NAN, INFINITY, 2 };
	int ok = 1, formed = 1, bars = 1;

	for (size_t k = 0; k < 4; k++)
		for (size_t s = 0; s < 3; s++) {
			struct sfa_chart c = { .kind = kinds[k], .title = "Degenerate", .ncat = 3,
					       .categories = cats, .nseries = 2, .values = sets[s],
					       .target = kinds[k] == SFA_CHART_STACKED ? target : NULL };
			char *out = svg(&c);
			int want = kinds[k] == SFA_CHART_FUNNEL || kinds[k] == SFA_CHART_WATERFALL ? 3 : 6;

			if (!finite_only(out)) {
				printf("# kind %zu, set %zu: nan or inf\n", k, s);
				ok = 0;
			}
			if (!well_formed(out))
				formed = 0;
			if (count(out, "<rect class=\"bar") != want) {
				printf("# kind %zu, set %zu: %d bars\n", k, s, count(out, "<rect class=\"bar"));
				bars = 0;
			}
			if (has(out, "height=\"-"))
				bars = 0;
			free(out);
		}
	CHECK(ok);
	CHECK(formed);
	CHECK(bars);
}

static void test_many(void)
{
	const char *cats[40];
	double v[40 * 3], target[40];
	char names[40][48];
	static const char *const series[] = { "Won", "Commit", "Best case" };
	struct sfa_chart c = { .kind = SFA_CHART_STACKED, .title = "Forecast by rep", .subtitle = "40 reps",
			       .ncat = 40, .categories = cats, .nseries = 3, .series = series, .values = v,
			       .target = target, .target_name = "quota" };
	char *out, *again, *width;

	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "Rep %02d Lindqvist-Karlsson", i);
		cats[i] = names[i];
		v[i * 3] = 1000.0 * (i % 7 + 1);
		v[i * 3 + 1] = 500.0 * (i % 5);
		v[i * 3 + 2] = 250.0 * (i % 3);
		target[i] = 9000;
	}
	/* one label in Chinese, far longer than a rotated label may be */
	cats[7] = "\xe5\x8d\x8e\xe4\xb8\x9c\xe5\x8c\xba\xe5\x9f\x9f\xe5\xa4\xa7\xe5\xae\xa2\xe6\x88\xb7"
		  "\xe9\x94\x80\xe5\x94\xae\xe4\xb8\x80\xe9\x83\xa8\xe4\xb8\x8a\xe6\xb5\xb7\xe5\x88\x86"
		  "\xe5\x85\xac\xe5\x8f\xb8";	/* 华东区域大客户销售一部上海分公司: 32 columns */
	out = svg(&c);
	CHECK(well_formed(out));
	CHECK_INT(count(out, "<rect class=\"bar\""), 120);
	CHECK_INT(count(out, "class=\"target\""), 40);
	CHECK_INT(count(out, "class=\"category\""), 40);
	/* the picture widens rather than squeezing the bars */
	width = between(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", "\"");
	CHECK(width && atof(width) >= 40 * 30);
	free(width);
	/* labels wider than their slot are turned */
	CHECK_INT(count(out, "transform=\"rotate(-45 "), 40);
	/* and cut by display width: 11 CJK characters (22 columns) and an ellipsis */
	CHECK(has(out, ">\xe5\x8d\x8e\xe4\xb8\x9c\xe5\x8c\xba\xe5\x9f\x9f\xe5\xa4\xa7\xe5\xae\xa2\xe6\x88\xb7"
		       "\xe9\x94\x80\xe5\x94\xae\xe4\xb8\x80\xe9\x83\xa8" ELLIPSIS "</text>"));
	CHECK(!has(out, "\xe4\xb8\x8a\xe6\xb5\xb7"));

	/* same input, same bytes */
	again = svg(&c);
	CHECK_STR(again, out);
	free(again);
	free(out);

	/* a funnel of 40 stages grows downwards */
	c.kind = SFA_CHART_FUNNEL;
	c.target = NULL;
	out = svg(&c);
	CHECK_INT(count(out, "<rect class=\"bar\""), 40);
	CHECK(attr(out, "height") > 40 * 20);
	free(out);
}

static void test_labels(void)
{
	static const char *const cats[] = { "Pipeline 1 Nov", "New deals", "Pipeline 22 Nov" };
	static const char *const exact[] = { "2,400,000,000.00 EUR", "+640,000,000.00 EUR", "3,040,000,000.00 EUR" };
	static const double v[] = { 2.4e9, 6.4e8, 3.04e9 };
	static const char *const stages[] = { "Prospecting", "Needs analysis", "Proposal sent", "Negotiation",
					      "Closed won", "Closed lost", "On hold", "Nurture" };
	static const double sv[] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	const char *many_cats[30], *many_labels[30];
	double many[30];
	struct sfa_chart c = { .kind = SFA_CHART_WATERFALL, .title = "Bridge", .ncat = 3, .categories = cats,
			       .nseries = 1, .values = v, .labels = exact };
	char *out = svg(&c);

	/* room enough: the report's exact text */
	CHECK(has(out, ">2,400,000,000.00 EUR</text>"));
	CHECK(has(out, ">+640,000,000.00 EUR</text>"));
	free(out);

	/* 30 narrow slots: compact figures instead, for every bar alike */
	for (int i = 0; i < 30; i++) {
		many_cats[i] = "a";
		many[i] = i == 0 ? 2.4e9 : i == 29 ? 2.4e9 + 28e6 : 1e6;
		many_labels[i] = "+1,000,000.00 EUR";
	}
	many_labels[0] = "2,400,000,000.00 EUR";
	many_labels[29] = "2,428,000,000.00 EUR";
	c.ncat = 30;
	c.categories = many_cats;
	c.values = many;
	c.labels = many_labels;
	out = svg(&c);
	CHECK(!has(out, "EUR</text>"));
	CHECK_INT(count(out, ">2.4B</text>"), 2);
	CHECK_INT(count(out, ">+1M</text>"), 28);
	free(out);

	/* long category labels in wide slots wrap at a space rather than turn */
	c.kind = SFA_CHART_BARS;
	c.ncat = 8;
	c.categories = stages;
	c.values = sv;
	c.labels = NULL;
	out = svg(&c);
	CHECK(well_formed(out));
	CHECK(!has(out, "rotate("));
	CHECK(has(out, "><tspan x=\"") && has(out, ">Needs</tspan><tspan ") && has(out, ">analysis</tspan>"));
	CHECK(has(out, ">Nurture</text>"));
	free(out);
}

/* Whether a one-cell table marks `cell` as a figure. */
static int numeric_cell(const char *cell)
{
	struct sfa_buf b = SFA_BUF_INIT;
	const char *const header[] = { "h" };
	int num;

	sfa_chart_html(&b, "t", NULL, NULL, 1, header, 1, &cell);
	num = has(b.buf, "<td class=\"num\">");
	sfa_buf_release(&b);
	return num;
}

static void test_html(void)
{
	static const char *const cats[] = { "Prospecting", "Proposal" };
	static const double v[] = { 10, 4 };
	static const char *const header[] = { "Rep", "Amount", "Share <%>" };
	static const char *const cells[] = {
		"Anna & Co", "48,000.00", "12%",
		"Ivan", "-3.5", "n/a",
		"Li", "1,234", "",
		"Zo\xc3\xab", "+7", NULL,
	};
	struct sfa_chart c = { .kind = SFA_CHART_FUNNEL, .title = "Pipeline <Q4>", .ncat = 2, .categories = cats,
			       .nseries = 1, .values = v };
	struct sfa_buf b = SFA_BUF_INIT;
	char *body, *chart;

	sfa_chart_html(&b, "Pipeline <Q4>", "as of 2026-11-22 & later", &c, 3, header, 4, cells);
	CHECK(starts(b.buf, "<!DOCTYPE html>\n"));
	CHECK(has(b.buf, "<meta charset=\"utf-8\"/>"));
	CHECK(has(b.buf, "<style>"));
	CHECK(has(b.buf, "<h1>Pipeline &lt;Q4&gt;</h1>"));
	CHECK(has(b.buf, "<p class=\"meta\">as of 2026-11-22 &amp; later</p>"));
	/* nothing to fetch, nothing to run */
	CHECK(!strcasestr(b.buf, "<script"));
	CHECK(!has(b.buf, "src="));
	CHECK(!has(b.buf, "href="));
	CHECK(!has(b.buf, "url("));
	CHECK(!has(b.buf, "@import"));
	/* the inline chart has no XML declaration of its own */
	CHECK(!has(b.buf, "<?xml"));
	CHECK_INT(count(b.buf, "<svg "), 1);
	chart = between(b.buf, "<div class=\"chart\">\n", "</div>");
	CHECK(chart && starts(chart, "<svg ") && count(chart, "<rect class=\"bar\"") == 2);
	free(chart);
	/* the page is well-formed XML too */
	CHECK(well_formed(b.buf));

	body = between(b.buf, "<tbody>", "</tbody>");
	CHECK(body && count(body, "<tr>") == 4);
	CHECK(body && count(body, "<td class=\"num\">") == 5);
	CHECK(body && has(body, "<td class=\"num\">48,000.00</td>"));
	CHECK(body && has(body, "<td class=\"num\">12%</td>"));
	CHECK(body && has(body, "<td class=\"num\">-3.5</td>"));
	CHECK(body && has(body, "<td>n/a</td>"));
	CHECK(body && has(body, "<td>Anna &amp; Co</td>"));
	CHECK(body && has(body, "<td>Zo\xc3\xab</td>"));
	free(body);
	/* headings of all-figure columns align with them */
	CHECK(has(b.buf, "<th>Rep</th><th class=\"num\">Amount</th><th>Share &lt;%&gt;</th>"));
	sfa_buf_release(&b);

	/* no chart, no table */
	sfa_chart_html(&b, "Plain", NULL, NULL, 0, NULL, 0, NULL);
	CHECK(!has(b.buf, "<svg"));
	CHECK(!has(b.buf, "<table"));
	CHECK(!has(b.buf, "class=\"meta\""));
	CHECK(well_formed(b.buf));
	sfa_buf_release(&b);

	/* a table without rows keeps its header and an empty body */
	sfa_chart_html(&b, "Empty", "m", NULL, 3, header, 0, NULL);
	body = between(b.buf, "<tbody>", "</tbody>");
	CHECK(body && !has(body, "<tr"));
	CHECK(has(b.buf, "<th>Amount</th>"));
	free(body);
	sfa_buf_release(&b);

	CHECK(numeric_cell("0"));
	CHECK(numeric_cell("-3.5"));
	CHECK(numeric_cell("+7"));
	CHECK(numeric_cell("1,234,567.89"));
	CHECK(numeric_cell("-0.5%"));
	CHECK(numeric_cell("100%"));
	CHECK(!numeric_cell(""));
	CHECK(!numeric_cell("-"));
	CHECK(!numeric_cell("%"));
	CHECK(!numeric_cell("1,2345"));
	CHECK(!numeric_cell(",123"));
	CHECK(!numeric_cell("12,34"));
	CHECK(!numeric_cell("1234,567"));
	CHECK(!numeric_cell("1."));
	CHECK(!numeric_cell(".5"));
	CHECK(!numeric_cell("1e5"));
	CHECK(!numeric_cell("12 %"));
	CHECK(!numeric_cell("5 EUR"));
	CHECK(!numeric_cell("1.2.3"));
	CHECK(!numeric_cell("--1"));
	CHECK(!numeric_cell("12%%"));
	CHECK(!numeric_cell("2026-11-22"));
}

void unit_tests(void)
{
	test_bars();
	test_ticks();
	test_escape();
	test_waterfall();
	test_stacked();
	test_funnel();
	test_no_data();
	test_degenerate();
	test_many();
	test_labels();
	test_html();
}
