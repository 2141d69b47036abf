#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/chart.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

/*
 * Layout works on estimated text widths, since an SVG written as text
 * cannot measure its glyphs: the advance widths of DejaVu Sans, the first
 * font of the stack, for ASCII; 1 em for East Asian wide characters (as
 * in every CJK font); 0.7 em for other scripts (Cyrillic averages that).
 * Fonts further down the stack are narrower, so labels still fit.
 */
#define FONT_STACK "DejaVu Sans, Noto Sans, Noto Sans CJK SC, Helvetica, Arial, sans-serif"
#define BOLD 1.1		/* DejaVu Sans Bold is about a tenth wider */

/* Advance widths of U+0020..U+007E in DejaVu Sans, hundredths of an em. */
static const unsigned char ascii_width[95] = {
	32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53,
	100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79,
	60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50,
	50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61,
	63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
};

#define PAD 16.0		/* outer margin */
#define MIN_WIDTH 720.0
#define PLOT_HEIGHT 280.0
#define MIN_SLOT 34.0		/* narrowest category slot before the picture widens */
#define MAX_BAR 72.0		/* a few categories still get slim bars */
#define TITLE_COLUMNS 90
#define SUBTITLE_COLUMNS 120
#define CATEGORY_COLUMNS 24	/* rotated category labels */
#define LABEL_SIZE 11.5		/* category labels under the bars */
#define FUNNEL_COLUMNS 28
#define LEGEND_COLUMNS 30
#define VALUE_LIMIT 1e15	/* larger magnitudes are clamped: sums stay finite */

#define INK "#1f2933"
#define INK_SOFT "#374151"
#define MUTED "#6b7280"
#define GRID "#e6e9ee"
#define BASELINE "#9aa3ad"
#define UP "#3a9d5d"
#define DOWN "#d1493f"
#define TOTAL "#4b5d73"
#define FUNNEL_TOP 0x1f4e79
#define FUNNEL_BOTTOM 0x6fa8dc
#define FUNNEL_GAP "#e9eef4"

/* Series colours in order, with the ink that reads on each. */
static const struct {
	const char *fill;
	const char *ink;
} palette[] = {
	{ "#1f4e79", "#ffffff" },	/* deep blue */
	{ "#2a9d8f", "#ffffff" },	/* teal */
	{ "#e9a23b", INK },		/* amber */
	{ "#8c96a0", INK },		/* grey */
	{ "#7b5ea7", "#ffffff" },	/* violet */
	{ "#5b9bd5", INK },		/* light blue */
	{ "#c06c3e", "#ffffff" },	/* copper */
	{ "#6aa84f", INK },		/* green */
};

#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/*
 * Decodes the character at `s`, mapped to what the picture shows: a
 * malformed byte or a code point XML 1.0 forbids (U+FFFE, U+FFFF) as
 * U+FFFD, a control character as a space. Returns the bytes consumed.
 */
static size_t next_char(const char *s, size_t len, unsigned *cp)
{
	size_t n = sfa_utf8_decode(s, len, cp);

	if (!n) {
		*cp = 0xFFFD;
		return 1;
	}
	if (*cp < 0x20 || *cp == 0x7F || (*cp >= 0x80 && *cp < 0xA0))
		*cp = ' ';
	else if (*cp == 0xFFFE || *cp == 0xFFFF)
		*cp = 0xFFFD;
	return n;
}

static size_t columns(const char *s)
{
	size_t len, i = 0, w = 0;

	if (!s)
		return 0;
	len = strlen(s);
	while (i < len) {
		unsigned cp;

		i += next_char(s + i, len - i, &cp);
		w += (size_t)sfa_utf8_cpwidth(cp);
	}
	return w;
}

static double text_width_n(const char *s, size_t len, double size)
{
	size_t i = 0;
	double em = 0;

	while (i < len) {
		unsigned cp;
		int cw;

		i += next_char(s + i, len - i, &cp);
		cw = sfa_utf8_cpwidth(cp);
		if (cp >= 0x20 && cp < 0x7F)
			em += ascii_width[cp - 0x20] / 100.0;
		else
			em += cw == 2 ? 1 : cw == 1 ? 0.7 : 0;
	}
	return em * size;
}

static double text_width(const char *s, double size)
{
	return s ? text_width_n(s, strlen(s), size) : 0;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

static double max_d(double a, double b)
{
	return a > b ? a : b;
}

/*
 * Appends `s` as the picture shows it (see next_char), cut to `max`
 * columns with an ellipsis when wider (0: no limit).
 */
static void add_clipped(struct sfa_buf *out, const char *s, size_t max)
{
	size_t len, i = 0, w = 0;
	int cut;

	if (!s)
		return;
	len = strlen(s);
	cut = max && columns(s) > max;
	while (i < len) {
		unsigned cp;
		size_t n = next_char(s + i, len - i, &cp);
		size_t cw = (size_t)sfa_utf8_cpwidth(cp);

		if (cut && w + cw > max - 1)
			break;
		sfa_utf8_put(out, cp);
		w += cw;
		i += n;
	}
	if (cut)
		sfa_buf_addstr(out, "\xe2\x80\xa6");
}

/* Appends `s` clipped as by add_clipped, escaped for XML text and attributes. */
static void add_text(struct sfa_buf *b, const char *s, size_t max)
{
	struct sfa_buf tmp = SFA_BUF_INIT;

	add_clipped(&tmp, s, max);
	for (size_t i = 0; i < tmp.len; i++) {
		switch (tmp.buf[i]) {
		case '&': sfa_buf_addstr(b, "&amp;"); break;
		case '<': sfa_buf_addstr(b, "&lt;"); break;
		case '>': sfa_buf_addstr(b, "&gt;"); break;
		case '"': sfa_buf_addstr(b, "&quot;"); break;
		default: sfa_buf_addch(b, tmp.buf[i]); break;
		}
	}
	sfa_buf_release(&tmp);
}

/* The width of `s` as add_text(..., max) shows it. */
static double clipped_width(const char *s, double size, size_t max)
{
	struct sfa_buf tmp = SFA_BUF_INIT;
	double w;

	add_clipped(&tmp, s, max);
	w = text_width(tmp.buf, size);
	sfa_buf_release(&tmp);
	return w;
}

/*
 * Appends `v` with at most one decimal and no trailing ".0". Done with
 * integers because printf's %f follows LC_NUMERIC and could write "12,5"
 * into an attribute.
 */
static void add_num(struct sfa_buf *b, double v)
{
	long long t;

	if (!isfinite(v))
		v = 0;
	v = max_d(-VALUE_LIMIT, min_d(VALUE_LIMIT, v));
	t = llround(v * 10);
	if (t < 0) {
		sfa_buf_addch(b, '-');
		t = -t;
	}
	sfa_buf_addf(b, "%lld", t / 10);
	if (t % 10)
		sfa_buf_addf(b, ".%lld", t % 10);
}

/*
 * A figure as a chart shows it when the report gives no text: 950, 12k,
 * 1.5M, -3.2B (with a real minus sign); `sign` puts a + on positive ones.
 */
static void add_compact(struct sfa_buf *b, double v, int sign)
{
	static const struct {
		double div;
		const char *suffix;
	} units[] = { { 1, "" }, { 1e3, "k" }, { 1e6, "M" }, { 1e9, "B" }, { 1e12, "T" } };
	size_t n = sizeof(units) / sizeof(units[0]), i = 0;
	double a, x;

	if (!isfinite(v))
		v = 0;
	a = fabs(v);
	while (i + 1 < n && a >= units[i + 1].div)
		i++;
	x = a / units[i].div;
	/* beside a unit two digits are enough: 85k, not 85.2k */
	if (i > 0 && x >= 9.95)
		x = round(x);
	/* 999,960 would be "1000k" */
	if (i + 1 < n && llround(x * 10) >= 10000)
		x = a / units[++i].div;
	if (llround(x * 10) == 0)
		v = 0;
	if (v < 0)
		sfa_buf_addstr(b, "\xe2\x88\x92");
	else if (sign && v > 0)
		sfa_buf_addch(b, '+');
	add_num(b, x);
	sfa_buf_addstr(b, units[i].suffix);
}

/*
 * Appends `fmt` with each %s replaced by a string argument (markup,
 * never text from the report) and each %n by a double through add_num.
 */
static void put(struct sfa_buf *b, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt, *q;

	va_start(ap, fmt);
	while ((q = strchr(p, '%'))) {
		sfa_buf_add(b, p, (size_t)(q - p));
		if (q[1] == 'n')
			add_num(b, va_arg(ap, double));
		else if (q[1] == 's')
			sfa_buf_addstr(b, va_arg(ap, const char *));
		else if (q[1])
			sfa_buf_addch(b, q[1]);
		if (!q[1])
			break;
		p = q + 2;
	}
	if (!q)
		sfa_buf_addstr(b, p);
	va_end(ap);
}

/* A <text> element; `rotate` degrees about its anchor point, 0 for none. */
static void text(struct sfa_buf *b, const char *cls, double x, double y, double rotate,
		 const char *attrs, const char *s, size_t max)
{
	put(b, "<text class=\"%s\" x=\"%n\" y=\"%n\"", cls, x, y);
	if (rotate != 0)
		put(b, " transform=\"rotate(%n %n %n)\"", rotate, x, y);
	put(b, "%s>", attrs);
	add_text(b, s, max);
	sfa_buf_addstr(b, "</text>\n");
}

/* A value of the chart, finite and clamped so that sums stay finite. */
static double val(const struct sfa_chart *c, size_t cat, size_t s)
{
	double v = c->values[cat * c->nseries + s];

	if (!isfinite(v))
		return 0;
	return max_d(-VALUE_LIMIT, min_d(VALUE_LIMIT, v));
}

static const char *category(const struct sfa_chart *c, size_t i)
{
	return c->categories && c->categories[i] ? c->categories[i] : "";
}

/* The report's text for category `i`, or NULL. */
static const char *given_label(const struct sfa_chart *c, size_t i)
{
	return c->labels && c->labels[i] ? c->labels[i] : NULL;
}

struct legend_item {
	const char *name;
	const char *fill;
	int line;		/* drawn as a marker line (the target), not a swatch */
};

/* What every picture has: size, fonts, background, title and subtitle. */
struct frame {
	double w, h;
	double header;		/* y below the title, subtitle and legend */
	double legend_y;	/* baseline of the first legend row */
	struct legend_item *legend;
	size_t nlegend;
};

static double legend_item_width(const struct legend_item *it)
{
	return 18 + clipped_width(it->name, 12, LEGEND_COLUMNS) + 20;
}

/* Widens `f` for the title and subtitle, then places the legend in rows that fit. */
static void frame_layout(struct frame *f, const struct sfa_chart *c)
{
	double x = PAD, rows = 0;

	f->w = max_d(f->w, clipped_width(c->title, 18, TITLE_COLUMNS) * BOLD + 2 * PAD);
	f->w = max_d(f->w, clipped_width(c->subtitle, 13, SUBTITLE_COLUMNS) + 2 * PAD);
	f->w = ceil(f->w);
	f->header = c->subtitle && *c->subtitle ? 56 : 36;
	f->legend_y = f->header + 20;
	for (size_t i = 0; i < f->nlegend; i++) {
		double iw = legend_item_width(&f->legend[i]);

		if (!rows || x + iw > f->w - PAD) {
			rows++;
			x = PAD;
		}
		x += iw;
	}
	if (rows)
		f->header += 8 + rows * 20;
}

static void frame_open(struct sfa_buf *out, const struct frame *f, const struct sfa_chart *c, int decl)
{
	if (decl)
		sfa_buf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	put(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%n\" height=\"%n\" viewBox=\"0 0 %n %n\""
	    " font-family=\"" FONT_STACK "\" role=\"img\">\n", f->w, f->h, f->w, f->h);
	sfa_buf_addstr(out, "<title>");
	add_text(out, c->title, 0);
	sfa_buf_addstr(out, "</title>\n");
	put(out, "<rect width=\"%n\" height=\"%n\" fill=\"#ffffff\"/>\n", f->w, f->h);
	text(out, "title", PAD, 30, 0, " font-size=\"18\" font-weight=\"bold\" fill=\"" INK "\"",
	     c->title, TITLE_COLUMNS);
	if (c->subtitle && *c->subtitle)
		text(out, "subtitle", PAD, 50, 0, " font-size=\"13\" fill=\"" MUTED "\"", c->subtitle,
		     SUBTITLE_COLUMNS);
}

static void frame_legend(struct sfa_buf *out, const struct frame *f)
{
	double x = PAD, y = f->legend_y;

	if (!f->nlegend)
		return;
	sfa_buf_addstr(out, "<g class=\"legend\" font-size=\"12\" fill=\"" INK_SOFT "\">\n");
	for (size_t i = 0; i < f->nlegend; i++) {
		const struct legend_item *it = &f->legend[i];
		double iw = legend_item_width(it);

		if (i && x + iw > f->w - PAD) {
			x = PAD;
			y += 20;
		}
		if (it->line)
			put(out, "<line x1=\"%n\" y1=\"%n\" x2=\"%n\" y2=\"%n\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
			    x - 1, y - 4, x + 13, y - 4, it->fill);
		else
			put(out, "<rect x=\"%n\" y=\"%n\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>\n",
			    x, y - 10, it->fill);
		text(out, "legend-name", x + 18, y, 0, "", it->name, LEGEND_COLUMNS);
		x += iw;
	}
	sfa_buf_addstr(out, "</g>\n");
}

static void no_data(struct sfa_buf *out, const struct sfa_chart *c, int decl)
{
	struct frame f = { .w = MIN_WIDTH };

	frame_layout(&f, c);
	f.h = f.header + 140;
	frame_open(out, &f, c, decl);
	text(out, "nodata", f.w / 2, f.header + 74, 0,
	     " font-size=\"14\" fill=\"" MUTED "\" text-anchor=\"middle\"", "no data", 0);
	sfa_buf_addstr(out, "</svg>\n");
}

/* The value axis: ticks at k * step for k in [klo, khi], 1, 2 or 5 times a power of ten. */
struct axis {
	double step;
	long long klo, khi;
};

static void axis_fit(struct axis *ax, double min, double max)
{
	double raw, mag, f;

	min = min_d(min, 0);
	max = max_d(max, 0);
	if (max - min <= 0) {
		ax->step = 1;
		ax->klo = 0;
		ax->khi = 5;
		return;
	}
	raw = (max - min) / 5;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	ax->step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	/* tick labels show one decimal at most */
	ax->step = max_d(ax->step, 0.1);
	ax->klo = (long long)floor(min / ax->step + 1e-9);
	ax->khi = (long long)ceil(max / ax->step - 1e-9);
	if (ax->khi == ax->klo)
		ax->khi++;
}

/* Everything the vertical kinds (bars, stacked, waterfall) share. */
struct plot {
	const struct sfa_chart *c;
	struct frame f;
	struct axis ax;
	double left, top, width, height, slot;
	int rotate;		/* category labels at 45 degrees */
	int wrap;		/* some category labels on two lines */
	double label_gap;	/* room under the plot for labels of bars going down */
};

static double ypos(const struct plot *p, double v)
{
	double lo = (double)p->ax.klo * p->ax.step, hi = (double)p->ax.khi * p->ax.step;

	return p->top + p->height - (v - lo) / (hi - lo) * p->height;
}

static double tick(const struct axis *ax, long long k)
{
	return (double)k * ax->step;
}

/*
 * Where a category label too wide for `room` pixels breaks into two lines
 * that both fit: the offset of the space that balances them best, or 0.
 */
static size_t label_break(const char *s, double room)
{
	size_t len = strlen(s), best = 0;
	double best_w = 0;

	for (size_t i = 1; i + 1 < len; i++) {
		double w;

		if (s[i] != ' ')
			continue;
		w = max_d(text_width_n(s, i, LABEL_SIZE), text_width_n(s + i + 1, len - i - 1, LABEL_SIZE));
		if (w <= room && (!best || w < best_w)) {
			best = i;
			best_w = w;
		}
	}
	return best;
}

/*
 * Sizes the picture: the slots widen the plot rather than squeeze below
 * MIN_SLOT, category labels turn when one does not fit its slot.
 */
static void plot_layout(struct plot *p, double min, double max, double min_slot)
{
	const struct sfa_chart *c = p->c;
	struct sfa_buf tmp = SFA_BUF_INIT;
	double tick_w = 0, label_w = 0, plot_w;

	axis_fit(&p->ax, min, max);
	for (long long k = p->ax.klo; k <= p->ax.khi; k++) {
		sfa_buf_reset(&tmp);
		add_compact(&tmp, tick(&p->ax, k), 0);
		tick_w = max_d(tick_w, text_width(tmp.buf, 11));
	}
	sfa_buf_release(&tmp);
	tick_w = max_d(tick_w, text_width(c->unit, 11));
	p->left = ceil(PAD + tick_w + 8);
	plot_w = MIN_WIDTH - p->left - PAD;
	p->slot = max_d(min_slot, plot_w / (double)c->ncat);
	p->width = p->slot * (double)c->ncat;
	p->f.w = p->left + p->width + PAD;
	frame_layout(&p->f, c);
	/* a wide title leaves more room for the slots */
	if (p->f.w > p->left + p->width + PAD) {
		p->slot = (p->f.w - p->left - PAD) / (double)c->ncat;
		p->width = p->slot * (double)c->ncat;
	}

	for (size_t i = 0; i < c->ncat; i++) {
		if (clipped_width(category(c, i), LABEL_SIZE, 0) > p->slot - 6) {
			if (label_break(category(c, i), p->slot - 6))
				p->wrap = 1;
			else
				p->rotate = 1;
		}
		label_w = max_d(label_w, clipped_width(category(c, i), LABEL_SIZE, CATEGORY_COLUMNS));
	}
	p->wrap = p->wrap && !p->rotate;
	p->top = p->f.header + 30;
	p->height = PLOT_HEIGHT;
	p->label_gap = p->ax.klo < 0 ? 16 : 0;
	p->f.h = p->top + p->height + p->label_gap + 20 + PAD;
	if (p->rotate)
		p->f.h += label_w * 0.71;
	else if (p->wrap)
		p->f.h += 14;
	p->f.h = ceil(p->f.h);
}

static void plot_axis(struct sfa_buf *out, const struct plot *p)
{
	struct sfa_buf tmp = SFA_BUF_INIT;

	sfa_buf_addstr(out, "<g class=\"grid\" stroke=\"" GRID "\" stroke-width=\"1\">\n");
	for (long long k = p->ax.klo; k <= p->ax.khi; k++) {
		double y = floor(ypos(p, tick(&p->ax, k))) + 0.5;

		if (k)
			put(out, "<line x1=\"%n\" y1=\"%n\" x2=\"%n\" y2=\"%n\"/>\n", p->left, y,
			    p->left + p->width, y);
	}
	sfa_buf_addstr(out, "</g>\n<g class=\"ticks\" font-size=\"11\" fill=\"" MUTED "\" text-anchor=\"end\">\n");
	for (long long k = p->ax.klo; k <= p->ax.khi; k++) {
		sfa_buf_reset(&tmp);
		add_compact(&tmp, tick(&p->ax, k), 0);
		text(out, "tick", p->left - 8, ypos(p, tick(&p->ax, k)) + 4, 0, "", tmp.buf, 0);
	}
	if (p->c->unit && *p->c->unit)
		text(out, "unit", p->left - 8, p->top - 14, 0, "", p->c->unit, 0);
	sfa_buf_addstr(out, "</g>\n");
	sfa_buf_release(&tmp);
}

/* The zero line goes over the bars so that it is never hidden. */
static void plot_baseline(struct sfa_buf *out, const struct plot *p)
{
	double y = floor(ypos(p, 0)) + 0.5;

	put(out, "<line class=\"baseline\" x1=\"%n\" y1=\"%n\" x2=\"%n\" y2=\"%n\" stroke=\"" BASELINE
	    "\" stroke-width=\"1\"/>\n", p->left, y, p->left + p->width, y);
}

static void plot_categories(struct sfa_buf *out, const struct plot *p)
{
	double y = p->top + p->height + p->label_gap + (p->rotate ? 14 : 18);

	put(out, "<g class=\"categories\" font-size=\"%n\" fill=\"" INK_SOFT "\" text-anchor=\"%s\">\n",
	    LABEL_SIZE, p->rotate ? "end" : "middle");
	for (size_t i = 0; i < p->c->ncat; i++) {
		const char *s = category(p->c, i);
		double x = p->left + ((double)i + 0.5) * p->slot;
		size_t at;

		if (p->rotate) {
			text(out, "category", x + 4, y, -45, "", s, CATEGORY_COLUMNS);
		} else if (p->wrap && clipped_width(s, LABEL_SIZE, 0) > p->slot - 6 &&
			   (at = label_break(s, p->slot - 6))) {
			char *first = sfa_xstrndup(s, at);

			put(out, "<text class=\"category\" x=\"%n\" y=\"%n\"><tspan x=\"%n\">", x, y, x);
			add_text(out, first, 0);
			put(out, "</tspan><tspan x=\"%n\" dy=\"14\">", x);
			add_text(out, s + at + 1, 0);
			sfa_buf_addstr(out, "</tspan></text>\n");
			free(first);
		} else {
			text(out, "category", x, y, 0, "", s, 0);
		}
	}
	sfa_buf_addstr(out, "</g>\n");
}

static void bar(struct sfa_buf *out, const char *cls, double x, double y0, double y1, double w,
		const char *fill)
{
	put(out, "<rect class=\"%s\" x=\"%n\" y=\"%n\" width=\"%n\" height=\"%n\" fill=\"%s\"/>\n", cls, x,
	    min_d(y0, y1), w, fabs(y1 - y0), fill);
}

static void free_labels(char **labels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
}

/*
 * The text of every category (the report's when `given` and it has one,
 * else a compact figure of `figures`, with a + on steps up when `sign`),
 * or NULL when one of them is wider than `room` pixels.
 */
static char **labels_fitting(const struct sfa_chart *c, const double *figures, const int *sign,
			     double room, int given)
{
	char **out = sfa_xcalloc(c->ncat, sizeof(*out));

	for (size_t i = 0; i < c->ncat; i++) {
		struct sfa_buf tmp = SFA_BUF_INIT;

		if (given && given_label(c, i))
			sfa_buf_addstr(&tmp, given_label(c, i));
		else
			add_compact(&tmp, figures[i], sign && sign[i]);
		out[i] = sfa_buf_detach(&tmp, NULL);
		if (text_width(out[i], 11) > room) {
			free_labels(out, c->ncat);
			return NULL;
		}
	}
	return out;
}

/*
 * The text above (or, going down, below) each category: the report's
 * labels when every one fits, else compact figures when those fit, else
 * none. One rule for the whole chart so that no bar is labelled in a
 * different way from its neighbours.
 */
static char **value_labels(const struct sfa_chart *c, const double *figures, const int *sign, double room)
{
	char **out = c->labels ? labels_fitting(c, figures, sign, room, 1) : NULL;

	return out ? out : labels_fitting(c, figures, sign, room, 0);
}

/* A value label above `top` (a bar going up) or below `bottom` (going down). */
static void value_text(struct sfa_buf *out, double x, double top, double bottom, int down, const char *s)
{
	if (s)
		text(out, "value", x, down ? bottom + 14 : top - 6, 0, "", s, 0);
}

#define VALUE_GROUP "<g class=\"values\" font-size=\"11\" fill=\"" INK_SOFT "\" text-anchor=\"middle\">\n"

static void draw_bars(struct sfa_buf *out, struct plot *p, int decl)
{
	const struct sfa_chart *c = p->c;
	size_t ns = c->nseries;
	double min = 0, max = 0, gap = ns > 1 ? 3 : 0, group, bw;
	double *top = sfa_xcalloc(c->ncat, sizeof(*top)), *extreme = sfa_xcalloc(c->ncat, sizeof(*extreme));
	struct legend_item *legend = sfa_xcalloc(ns, sizeof(*legend));
	char **labels = NULL;
	int per_bar = 0;

	for (size_t i = 0; i < c->ncat; i++)
		for (size_t s = 0; s < ns; s++) {
			min = min_d(min, val(c, i, s));
			max = max_d(max, val(c, i, s));
		}
	if (ns > 1 && c->series) {
		for (size_t s = 0; s < ns; s++)
			legend[s] = (struct legend_item){ c->series[s] ? c->series[s] : "", palette[s % NPALETTE].fill, 0 };
		p->f.legend = legend;
		p->f.nlegend = ns;
	}
	plot_layout(p, min, max, max_d(MIN_SLOT, (double)ns * 14 + 14));
	group = min_d(p->slot * (ns > 1 ? 0.8 : 0.64), (double)ns * MAX_BAR + (double)(ns - 1) * gap);
	bw = (group - (double)(ns - 1) * gap) / (double)ns;

	/* one label per category, over the bar reaching furthest from zero */
	for (size_t i = 0; i < c->ncat; i++) {
		double hi = 0, lo = 0;

		for (size_t s = 0; s < ns; s++) {
			hi = max_d(hi, val(c, i, s));
			lo = min_d(lo, val(c, i, s));
		}
		top[i] = hi;
		extreme[i] = hi > 0 || lo == 0 ? hi : lo;
	}
	if (ns == 1)
		labels = value_labels(c, extreme, NULL, p->slot - 4);
	else if (c->labels)
		labels = labels_fitting(c, extreme, NULL, group + 4, 1);
	if (ns > 1 && !labels) {
		/* a compact figure on each bar when all of them fit */
		struct sfa_buf tmp = SFA_BUF_INIT;

		per_bar = 1;
		for (size_t i = 0; i < c->ncat; i++)
			for (size_t s = 0; s < ns; s++) {
				sfa_buf_reset(&tmp);
				add_compact(&tmp, val(c, i, s), 0);
				per_bar = per_bar && text_width(tmp.buf, 11) <= bw + gap + 2;
			}
		sfa_buf_release(&tmp);
	}

	frame_open(out, &p->f, c, decl);
	frame_legend(out, &p->f);
	plot_axis(out, p);
	sfa_buf_addstr(out, "<g class=\"bars\">\n");
	for (size_t i = 0; i < c->ncat; i++) {
		double x = p->left + (double)i * p->slot + (p->slot - group) / 2;

		for (size_t s = 0; s < ns; s++)
			bar(out, "bar", x + (double)s * (bw + gap), ypos(p, 0), ypos(p, val(c, i, s)), bw,
			    palette[s % NPALETTE].fill);
	}
	sfa_buf_addstr(out, "</g>\n");
	plot_baseline(out, p);
	sfa_buf_addstr(out, VALUE_GROUP);
	for (size_t i = 0; i < c->ncat; i++) {
		double x = p->left + (double)i * p->slot + (p->slot - group) / 2;

		if (labels) {
			int down = extreme[i] < 0;
			value_text(out, x + group / 2, ypos(p, top[i]), ypos(p, extreme[i]), down, labels[i]);
		}
		for (size_t s = 0; per_bar && s < ns; s++) {
			struct sfa_buf tmp = SFA_BUF_INIT;
			double v = val(c, i, s), bx = x + (double)s * (bw + gap) + bw / 2;

			add_compact(&tmp, v, 0);
			value_text(out, bx, ypos(p, v), ypos(p, v), v < 0, tmp.buf);
			sfa_buf_release(&tmp);
		}
	}
	sfa_buf_addstr(out, "</g>\n");
	plot_categories(out, p);
	sfa_buf_addstr(out, "</svg>\n");

	if (labels)
		free_labels(labels, c->ncat);
	free(legend);
	free(top);
	free(extreme);
}

static void draw_stacked(struct sfa_buf *out, struct plot *p, int decl)
{
	const struct sfa_chart *c = p->c;
	size_t ns = c->nseries, nlegend = 0;
	double min = 0, max = 0, bw;
	double *pos = sfa_xcalloc(c->ncat, sizeof(*pos)), *neg = sfa_xcalloc(c->ncat, sizeof(*neg));
	double *total = sfa_xcalloc(c->ncat, sizeof(*total));
	struct legend_item *legend = sfa_xcalloc(ns + 1, sizeof(*legend));
	char **labels;

	for (size_t i = 0; i < c->ncat; i++) {
		for (size_t s = 0; s < ns; s++) {
			double v = val(c, i, s);

			if (v >= 0)
				pos[i] += v;
			else
				neg[i] += v;
		}
		total[i] = pos[i] + neg[i];
		min = min_d(min, neg[i]);
		max = max_d(max, pos[i]);
		if (c->target && isfinite(c->target[i])) {
			min = min_d(min, max_d(-VALUE_LIMIT, c->target[i]));
			max = max_d(max, min_d(VALUE_LIMIT, c->target[i]));
		}
	}
	if (c->series && (ns > 1 || c->target))
		for (size_t s = 0; s < ns; s++)
			legend[nlegend++] = (struct legend_item){ c->series[s] ? c->series[s] : "",
								  palette[s % NPALETTE].fill, 0 };
	if (c->target)
		legend[nlegend++] = (struct legend_item){ c->target_name ? c->target_name : "target", INK, 1 };
	p->f.legend = legend;
	p->f.nlegend = nlegend;
	plot_layout(p, min, max, MIN_SLOT);
	bw = min_d(p->slot * 0.6, MAX_BAR);
	labels = value_labels(c, total, NULL, p->slot - 4);

	frame_open(out, &p->f, c, decl);
	frame_legend(out, &p->f);
	plot_axis(out, p);
	sfa_buf_addstr(out, "<g class=\"bars\">\n");
	for (size_t i = 0; i < c->ncat; i++) {
		double x = p->left + (double)i * p->slot + (p->slot - bw) / 2, up = 0, down = 0;

		for (size_t s = 0; s < ns; s++) {
			double v = val(c, i, s), *level = v >= 0 ? &up : &down;

			bar(out, "bar", x, ypos(p, *level), ypos(p, *level + v), bw, palette[s % NPALETTE].fill);
			*level += v;
		}
	}
	sfa_buf_addstr(out, "</g>\n");
	plot_baseline(out, p);

	/* figures inside the segments that have room for them */
	sfa_buf_addstr(out, "<g class=\"segments\" font-size=\"10.5\" text-anchor=\"middle\">\n");
	for (size_t i = 0; ns > 1 && i < c->ncat; i++) {
		double x = p->left + ((double)i + 0.5) * p->slot, up = 0, down = 0;
		/* a figure under the target marker would be crossed out */
		double marker = c->target && isfinite(c->target[i]) ? ypos(p, c->target[i]) : -1e9;

		for (size_t s = 0; s < ns; s++) {
			struct sfa_buf tmp = SFA_BUF_INIT, attr = SFA_BUF_INIT;
			double v = val(c, i, s), *level = v >= 0 ? &up : &down;
			double y0 = ypos(p, *level), y1 = ypos(p, *level + v);

			*level += v;
			add_compact(&tmp, v, 0);
			if (fabs(y1 - y0) >= 16 && text_width(tmp.buf, 10.5) <= bw - 4 &&
			    fabs(marker - (y0 + y1) / 2) > 10) {
				put(&attr, " fill=\"%s\"", palette[s % NPALETTE].ink);
				text(out, "segment", x, (y0 + y1) / 2 + 4, 0, attr.buf, tmp.buf, 0);
			}
			sfa_buf_release(&tmp);
			sfa_buf_release(&attr);
		}
	}
	sfa_buf_addstr(out, "</g>\n");

	sfa_buf_addstr(out, "<g class=\"targets\" stroke=\"" INK "\" stroke-width=\"2.5\">\n");
	for (size_t i = 0; c->target && i < c->ncat; i++) {
		double x = p->left + (double)i * p->slot + (p->slot - bw) / 2;

		if (isfinite(c->target[i]))
			put(out, "<line class=\"target\" x1=\"%n\" y1=\"%n\" x2=\"%n\" y2=\"%n\"/>\n", x - 5,
			    ypos(p, c->target[i]), x + bw + 5, ypos(p, c->target[i]));
	}
	sfa_buf_addstr(out, "</g>\n");

	sfa_buf_addstr(out, VALUE_GROUP);
	for (size_t i = 0; labels && i < c->ncat; i++) {
		double x = p->left + ((double)i + 0.5) * p->slot, ytop = ypos(p, pos[i]);

		/* clear of a target marker just above the stack */
		if (c->target && isfinite(c->target[i]) && c->target[i] >= pos[i] &&
		    ytop - ypos(p, c->target[i]) < 20)
			ytop = ypos(p, c->target[i]) - 3;
		value_text(out, x, ytop, ypos(p, neg[i]), pos[i] <= 0 && neg[i] < 0, labels[i]);
	}
	sfa_buf_addstr(out, "</g>\n");
	plot_categories(out, p);
	sfa_buf_addstr(out, "</svg>\n");

	if (labels)
		free_labels(labels, c->ncat);
	free(legend);
	free(pos);
	free(neg);
	free(total);
}

static void draw_waterfall(struct sfa_buf *out, struct plot *p, int decl)
{
	const struct sfa_chart *c = p->c;
	size_t n = c->ncat;
	double *from = sfa_xcalloc(n, sizeof(*from)), *to = sfa_xcalloc(n, sizeof(*to));
	double *figure = sfa_xcalloc(n, sizeof(*figure));
	int *step = sfa_xcalloc(n, sizeof(*step));
	double run = 0, min = 0, max = 0, bw;
	char **labels;

	for (size_t i = 0; i < n; i++) {
		double v = val(c, i, 0);

		step[i] = i > 0 && i + 1 < n;
		from[i] = step[i] ? run : 0;
		to[i] = from[i] + v;
		run = step[i] ? to[i] : v;
		figure[i] = v;
		min = min_d(min, min_d(from[i], to[i]));
		max = max_d(max, max_d(from[i], to[i]));
	}
	plot_layout(p, min, max, MIN_SLOT);
	bw = min_d(p->slot * 0.62, MAX_BAR);
	labels = value_labels(c, figure, step, p->slot - 4);

	frame_open(out, &p->f, c, decl);
	plot_axis(out, p);
	sfa_buf_addstr(out, "<g class=\"connectors\" stroke=\"" BASELINE "\" stroke-width=\"1\" stroke-dasharray=\"3 2\">\n");
	for (size_t i = 0; i + 1 < n; i++) {
		double x = p->left + (double)i * p->slot + (p->slot + bw) / 2;
		double y = floor(ypos(p, to[i])) + 0.5;

		put(out, "<line class=\"connector\" x1=\"%n\" y1=\"%n\" x2=\"%n\" y2=\"%n\"/>\n", x, y,
		    x + p->slot - bw, y);
	}
	sfa_buf_addstr(out, "</g>\n<g class=\"bars\">\n");
	for (size_t i = 0; i < n; i++) {
		double x = p->left + (double)i * p->slot + (p->slot - bw) / 2;

		if (!step[i])
			bar(out, "bar total", x, ypos(p, from[i]), ypos(p, to[i]), bw, TOTAL);
		else if (to[i] >= from[i])
			bar(out, "bar up", x, ypos(p, from[i]), ypos(p, to[i]), bw, UP);
		else
			bar(out, "bar down", x, ypos(p, from[i]), ypos(p, to[i]), bw, DOWN);
	}
	sfa_buf_addstr(out, "</g>\n");
	plot_baseline(out, p);
	sfa_buf_addstr(out, VALUE_GROUP);
	for (size_t i = 0; labels && i < n; i++) {
		double x = p->left + ((double)i + 0.5) * p->slot;

		value_text(out, x, ypos(p, max_d(from[i], to[i])), ypos(p, min_d(from[i], to[i])),
			   to[i] < from[i], labels[i]);
	}
	sfa_buf_addstr(out, "</g>\n");
	plot_categories(out, p);
	sfa_buf_addstr(out, "</svg>\n");

	if (labels)
		free_labels(labels, n);
	free(from);
	free(to);
	free(figure);
	free(step);
}

/* The stage's shade: from deep blue at the top to light blue at the bottom. */
static void funnel_shade(char *out, size_t size, size_t i, size_t n)
{
	double t = n > 1 ? (double)i / (double)(n - 1) : 0;
	unsigned rgb = 0;

	for (int shift = 16; shift >= 0; shift -= 8) {
		double a = (FUNNEL_TOP >> shift) & 0xff, b = (FUNNEL_BOTTOM >> shift) & 0xff;

		rgb |= (unsigned)lround(a + (b - a) * t) << shift;
	}
	snprintf(out, size, "#%06x", rgb);
}

static void draw_funnel(struct sfa_buf *out, const struct sfa_chart *c, int decl)
{
	struct frame f = { .w = MIN_WIDTH };
	size_t n = c->ncat;
	char **labels = sfa_xcalloc(n, sizeof(*labels));
	double *bw = sfa_xcalloc(n, sizeof(*bw));
	double label_w = 0, value_w = 0, max = 0, bar_h, gap, top, area_l, area_r, cx;

	for (size_t i = 0; i < n; i++) {
		struct sfa_buf tmp = SFA_BUF_INIT;

		if (given_label(c, i))
			sfa_buf_addstr(&tmp, given_label(c, i));
		else
			add_compact(&tmp, val(c, i, 0), 0);
		labels[i] = sfa_buf_detach(&tmp, NULL);
		value_w = max_d(value_w, text_width(labels[i], 12) * BOLD);
		label_w = max_d(label_w, clipped_width(category(c, i), 12, FUNNEL_COLUMNS));
		max = max_d(max, val(c, i, 0));
	}
	bar_h = n <= 8 ? 36 : n <= 16 ? 28 : 22;
	gap = n <= 8 ? 8 : 5;
	f.w = max_d(MIN_WIDTH, PAD + label_w + 16 + 240 + 8 + value_w + PAD);
	frame_layout(&f, c);
	top = f.header + 24;
	f.h = ceil(top + (double)n * (bar_h + gap) - gap + 20);
	area_l = PAD + label_w + 16;
	area_r = f.w - PAD - value_w - 8;
	cx = (area_l + area_r) / 2;
	for (size_t i = 0; i < n; i++)
		bw[i] = max_d(2, max > 0 ? max_d(val(c, i, 0), 0) / max * (area_r - area_l) : 0);

	frame_open(out, &f, c, decl);
	if (c->unit && *c->unit)
		text(out, "unit", f.w - PAD, top - 8, 0, " font-size=\"11\" fill=\"" MUTED "\" text-anchor=\"end\"",
		     c->unit, 0);
	sfa_buf_addstr(out, "<g class=\"necks\" fill=\"" FUNNEL_GAP "\">\n");
	for (size_t i = 0; i + 1 < n; i++) {
		double y0 = top + (double)i * (bar_h + gap) + bar_h, y1 = y0 + gap;

		put(out, "<polygon points=\"%n,%n %n,%n %n,%n %n,%n\"/>\n", cx - bw[i] / 2, y0, cx + bw[i] / 2, y0,
		    cx + bw[i + 1] / 2, y1, cx - bw[i + 1] / 2, y1);
	}
	sfa_buf_addstr(out, "</g>\n<g class=\"bars\">\n");
	for (size_t i = 0; i < n; i++) {
		char shade[8];
		double y = top + (double)i * (bar_h + gap);

		funnel_shade(shade, sizeof(shade), i, n);
		put(out, "<rect class=\"bar\" x=\"%n\" y=\"%n\" width=\"%n\" height=\"%n\" rx=\"2\" fill=\"%s\"/>\n",
		    cx - bw[i] / 2, y, bw[i], bar_h, shade);
	}
	sfa_buf_addstr(out, "</g>\n<g class=\"categories\" font-size=\"12\" fill=\"" INK_SOFT "\" text-anchor=\"end\">\n");
	for (size_t i = 0; i < n; i++)
		text(out, "category", area_l - 16, top + (double)i * (bar_h + gap) + bar_h / 2 + 4, 0, "",
		     category(c, i), FUNNEL_COLUMNS);
	sfa_buf_addstr(out, "</g>\n<g class=\"values\" font-size=\"12\" font-weight=\"bold\" fill=\"" INK "\">\n");
	for (size_t i = 0; i < n; i++)
		text(out, "value", cx + bw[i] / 2 + 8, top + (double)i * (bar_h + gap) + bar_h / 2 + 4, 0, "",
		     labels[i], 0);
	sfa_buf_addstr(out, "</g>\n</svg>\n");

	free_labels(labels, n);
	free(bw);
}

static void draw(struct sfa_buf *out, const struct sfa_chart *c, int decl)
{
	struct plot p = { .c = c };

	if (!c->ncat || !c->nseries || !c->values) {
		no_data(out, c, decl);
		return;
	}
	switch (c->kind) {
	case SFA_CHART_FUNNEL:
		draw_funnel(out, c, decl);
		break;
	case SFA_CHART_BARS:
		draw_bars(out, &p, decl);
		break;
	case SFA_CHART_STACKED:
		draw_stacked(out, &p, decl);
		break;
	case SFA_CHART_WATERFALL:
		draw_waterfall(out, &p, decl);
		break;
	default:
		no_data(out, c, decl);
		break;
	}
}

void sfa_chart_svg(struct sfa_buf *out, const struct sfa_chart *c)
{
	draw(out, c, 1);
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * An optional sign, digits (plain or grouped in threes by commas, as
 * "48,000.00"), an optional fraction and an optional '%'.
 */
static int looks_numeric(const char *s)
{
	size_t run = 0;
	int grouped = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; is_digit(*s) || *s == ','; s++) {
		if (is_digit(*s)) {
			run++;
			continue;
		}
		if (!run || (grouped ? run != 3 : run > 3))
			return 0;
		grouped = 1;
		run = 0;
	}
	if (!run || (grouped && run != 3))
		return 0;
	if (*s == '.') {
		if (!is_digit(*++s))
			return 0;
		while (is_digit(*s))
			s++;
	}
	if (*s == '%')
		s++;
	return !*s;
}

/*
 * No '>' or '&' in the style sheet: the page is also well-formed XML, so
 * it survives tools that parse mail as XHTML. Mail clients that drop
 * <style> still get a readable table, only plainer.
 */
static const char html_style[] =
	"body { margin: 24px; background: #ffffff; color: " INK "; font: 14px/1.45 " FONT_STACK "; }\n"
	"h1 { margin: 0 0 4px; font-size: 22px; font-weight: bold; }\n"
	"p.meta { margin: 0 0 20px; color: " MUTED "; font-size: 13px; }\n"
	"div.chart { margin: 0 0 24px; overflow-x: auto; }\n"
	"div.chart svg { max-width: 100%; height: auto; }\n"
	"table { border-collapse: collapse; font-size: 13px; }\n"
	"th, td { padding: 6px 12px; text-align: left; border-bottom: 1px solid " GRID "; white-space: nowrap; }\n"
	"thead th { background: #f1f4f7; border-bottom: 2px solid #cfd6de; font-weight: bold; }\n"
	"tbody tr:nth-child(even) { background: #f8fafc; }\n"
	".num { text-align: right; font-variant-numeric: tabular-nums; }\n";

/* A column of figures (and nothing else but empty cells) has its heading over them. */
static int numeric_column(size_t ncols, size_t nrows, const char *const *cells, size_t col)
{
	size_t figures = 0;

	for (size_t i = 0; cells && i < nrows; i++) {
		const char *cell = cells[i * ncols + col];

		if (cell && *cell && !looks_numeric(cell))
			return 0;
		figures += cell && *cell;
	}
	return figures > 0;
}

void sfa_chart_html(struct sfa_buf *out, const char *title, const char *meta, const struct sfa_chart *c,
		    size_t ncols, const char *const *header, size_t nrows, const char *const *cells)
{
	sfa_buf_addstr(out, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\"/>\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
	add_text(out, title, 0);
	sfa_buf_addstr(out, "</title>\n<style>\n");
	sfa_buf_addstr(out, html_style);
	sfa_buf_addstr(out, "</style>\n</head>\n<body>\n");
	if (title && *title) {
		sfa_buf_addstr(out, "<h1>");
		add_text(out, title, 0);
		sfa_buf_addstr(out, "</h1>\n");
	}
	if (meta && *meta) {
		sfa_buf_addstr(out, "<p class=\"meta\">");
		add_text(out, meta, 0);
		sfa_buf_addstr(out, "</p>\n");
	}
	if (c) {
		sfa_buf_addstr(out, "<div class=\"chart\">\n");
		draw(out, c, 0);
		sfa_buf_addstr(out, "</div>\n");
	}
	if (ncols) {
		sfa_buf_addstr(out, "<table>\n");
		if (header) {
			sfa_buf_addstr(out, "<thead>\n<tr>");
			for (size_t j = 0; j < ncols; j++) {
				sfa_buf_addstr(out, numeric_column(ncols, nrows, cells, j) ? "<th class=\"num\">" : "<th>");
				add_text(out, header[j], 0);
				sfa_buf_addstr(out, "</th>");
			}
			sfa_buf_addstr(out, "</tr>\n</thead>\n");
		}
		sfa_buf_addstr(out, "<tbody>\n");
		for (size_t i = 0; i < nrows; i++) {
			sfa_buf_addstr(out, "<tr>");
			for (size_t j = 0; j < ncols; j++) {
				const char *cell = cells ? cells[i * ncols + j] : NULL;

				sfa_buf_addstr(out, cell && looks_numeric(cell) ? "<td class=\"num\">" : "<td>");
				add_text(out, cell, 0);
				sfa_buf_addstr(out, "</td>");
			}
			sfa_buf_addstr(out, "</tr>\n");
		}
		sfa_buf_addstr(out, "</tbody>\n</table>\n");
	}
	sfa_buf_addstr(out, "</body>\n</html>\n");
}
