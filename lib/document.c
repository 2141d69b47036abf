#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "sfa/buf.h"
#include "sfa/document.h"
#include "sfa/error.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

/* The document, read once into display texts both renderings share. */

struct line {
	const char *pos, *name, *sku, *description, *qty, *unit, *price, *discount, *amount;
	int optional;
	int component;		/* shown indented under its bundle */
};

struct tax {
	const char *rate, *base, *tax;
};

struct quote {
	const char *company, *address, *email, *phone, *vat_id, *website;
	const char *number, *version, *date, *valid_until, *terms, *notes;
	const char *owner, *owner_email, *opportunity;
	const char *customer, *contact, *customer_address, *customer_email;
	const char *subtotal, *discount_total, *tax_total, *total, *currency;
	struct tax *taxes;
	size_t ntaxes;
	struct line *lines;	/* in the order shown: each bundle followed by its components */
	size_t nlines;
	char **owned;		/* texts made here (numbers, "10 %"), freed with the quote */
	size_t nowned, owned_alloc;
};

static const char *keep(struct quote *q, struct sfa_buf *text)
{
	SFA_ALLOC_GROW(q->owned, q->nowned + 1, q->owned_alloc);
	return q->owned[q->nowned++] = sfa_buf_detach(text, NULL);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * `s` as shown: without blanks at either end, other control characters
 * than line ends as spaces (they would upset the columns of the text and
 * show as boxes in the PDF), at most one empty line in a row.
 */
static const char *tidy(struct quote *q, const char *s)
{
	struct sfa_buf t = SFA_BUF_INIT;
	size_t len = strlen(s), newlines = 0;
	const char *p;

	for (p = s; *p && (unsigned char)*p >= 0x20 && *p != 0x7f; p++)
		;
	if (!*p && !(len && (is_blank(s[0]) || is_blank(s[len - 1]))))
		return s;
	while (len && is_blank(s[len - 1]))
		len--;
	for (p = s; p < s + len && is_blank(*p); p++)
		;
	for (; p < s + len; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r') {
			if (++newlines <= 2)
				sfa_buf_addch(&t, '\n');
			continue;
		}
		newlines = 0;
		sfa_buf_addch(&t, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	}
	return keep(q, &t);
}

/* The value at `key` of `obj` as text: numbers as JSON writes them, anything else but a string as "". */
static const char *text_at(struct quote *q, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	struct sfa_buf num = SFA_BUF_INIT;

	if (json_is_string(v))
		return tidy(q, json_string_value(v));
	if (json_is_integer(v))
		sfa_buf_addf(&num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		sfa_buf_addf(&num, "%.15g", json_real_value(v));
	else
		return "";
	return keep(q, &num);
}

/* 1 when a figure such as "0.00" or "" stands for nothing. */
static int is_zero(const char *s)
{
	for (; *s; s++)
		if (*s >= '1' && *s <= '9')
			return 0;
	return 1;
}

static const char *percent(struct quote *q, const char *s)
{
	struct sfa_buf t = SFA_BUF_INIT;

	if (is_zero(s))
		return "";
	sfa_buf_addf(&t, "%s %%", s);
	return keep(q, &t);
}

struct numbered {
	json_int_t number;
	size_t index;
};

static int cmp_numbered(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * The order lines are shown in: the document's, except that a component
 * follows its bundle (the first line of that number that is no component
 * itself). A component whose bundle is missing stays where it is, as a
 * line of its own, so every line is shown exactly once. Sets `component`
 * (the place in that order) of the components that have their bundle.
 */
static size_t *display_order(const json_t *lines, unsigned char *component)
{
	size_t n = json_array_size(lines), ntop = 0, k = 0;
	struct numbered *top = sfa_xcalloc(n + 1, sizeof(*top));
	size_t *parent = sfa_xcalloc(n + 1, sizeof(*parent));
	size_t *first = sfa_xcalloc(n + 1, sizeof(*first));
	size_t *next = sfa_xcalloc(n + 1, sizeof(*next));
	size_t *last = sfa_xcalloc(n + 1, sizeof(*last));
	size_t *order = sfa_xcalloc(n + 1, sizeof(*order));

	for (size_t i = 0; i < n; i++) {
		const json_t *l = json_array_get(lines, i);
		if (json_integer_value(json_object_get(l, "bundle")) <= 0) {
			top[ntop].number = json_integer_value(json_object_get(l, "line"));
			top[ntop++].index = i;
		}
	}
	qsort(top, ntop, sizeof(*top), cmp_numbered);
	/* index + 1 in parent, first, next and last, so that 0 means none */
	for (size_t i = 0; i < n; i++) {
		json_int_t b = json_integer_value(json_object_get(json_array_get(lines, i), "bundle"));
		size_t lo = 0, hi = ntop;
		if (b <= 0)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (top[mid].number < b)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == ntop || top[lo].number != b)
			continue;
		parent[i] = top[lo].index + 1;
		if (last[top[lo].index])
			next[last[top[lo].index] - 1] = i + 1;
		else
			first[top[lo].index] = i + 1;
		last[top[lo].index] = i + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (parent[i])
			continue;
		order[k++] = i;
		for (size_t c = first[i]; c; c = next[c - 1]) {
			component[k] = 1;
			order[k++] = c - 1;
		}
	}
	free(top);
	free(parent);
	free(first);
	free(next);
	free(last);
	return order;
}

static void quote_release(struct quote *q)
{
	for (size_t i = 0; i < q->nowned; i++)
		free(q->owned[i]);
	free(q->owned);
	free(q->lines);
	free(q->taxes);
}

static int quote_load(struct quote *q, const json_t *doc)
{
	const json_t *company = json_object_get(doc, "company");
	const json_t *quote = json_object_get(doc, "quote");
	const json_t *owner = json_object_get(doc, "owner");
	const json_t *customer = json_object_get(doc, "customer");
	const json_t *lines = json_object_get(doc, "lines");
	const json_t *totals = json_object_get(doc, "totals");
	const json_t *taxes = json_object_get(totals, "taxes");
	unsigned char *component;
	size_t *order;

	memset(q, 0, sizeof(*q));
	if (!json_is_object(doc))
		return sfa_error_set(SFA_EINPUT, "quote document: not an object");
	q->number = text_at(q, quote, "number");
	if (!*q->number)
		return sfa_error_set(SFA_EINPUT, "quote document: no 'quote.number'");
	if (!json_is_array(lines))
		return sfa_error_set(SFA_EINPUT, "quote document '%s': no 'lines' list", q->number);
	if (!json_is_object(totals))
		return sfa_error_set(SFA_EINPUT, "quote document '%s': no 'totals'", q->number);
	for (size_t i = 0; i < json_array_size(lines); i++)
		if (!json_is_object(json_array_get(lines, i)))
			return sfa_error_set(SFA_EINPUT, "quote document '%s': line %zu: not an object",
					     q->number, i + 1);

	q->company = text_at(q, company, "name");
	q->address = text_at(q, company, "address");
	q->email = text_at(q, company, "email");
	q->phone = text_at(q, company, "phone");
	q->vat_id = text_at(q, company, "vat_id");
	q->website = text_at(q, company, "website");
	q->version = text_at(q, quote, "version");
	q->date = text_at(q, quote, "date");
	q->valid_until = text_at(q, quote, "valid_until");
	q->terms = text_at(q, quote, "terms");
	q->notes = text_at(q, quote, "notes");
	q->owner = text_at(q, owner, "name");
	q->owner_email = text_at(q, owner, "email");
	q->opportunity = text_at(q, json_object_get(doc, "opportunity"), "name");
	q->customer = text_at(q, customer, "name");
	q->contact = text_at(q, customer, "contact");
	q->customer_address = text_at(q, customer, "address");
	q->customer_email = text_at(q, customer, "email");
	q->subtotal = text_at(q, totals, "subtotal");
	q->discount_total = text_at(q, totals, "discount_total");
	q->tax_total = text_at(q, totals, "tax_total");
	q->total = text_at(q, totals, "total");
	q->currency = text_at(q, totals, "currency");
	if (!*q->currency)
		q->currency = text_at(q, quote, "currency");

	q->ntaxes = json_array_size(taxes);
	q->taxes = sfa_xcalloc(q->ntaxes + 1, sizeof(*q->taxes));
	for (size_t i = 0; i < q->ntaxes; i++) {
		const json_t *t = json_array_get(taxes, i);
		q->taxes[i].rate = text_at(q, t, "rate");
		q->taxes[i].base = text_at(q, t, "base");
		q->taxes[i].tax = text_at(q, t, "tax");
	}

	q->nlines = json_array_size(lines);
	q->lines = sfa_xcalloc(q->nlines + 1, sizeof(*q->lines));
	component = sfa_xcalloc(q->nlines + 1, 1);
	order = display_order(lines, component);
	for (size_t k = 0; k < q->nlines; k++) {
		const json_t *l = json_array_get(lines, order[k]);
		struct line *ln = &q->lines[k];
		ln->pos = text_at(q, l, "line");
		ln->name = text_at(q, l, "name");
		ln->sku = text_at(q, l, "sku");
		ln->description = text_at(q, l, "description");
		ln->qty = text_at(q, l, "qty");
		ln->unit = text_at(q, l, "unit");
		ln->price = text_at(q, l, "list_price");
		ln->discount = percent(q, text_at(q, l, "discount"));
		ln->amount = text_at(q, l, "amount");
		ln->optional = json_is_true(json_object_get(l, "optional"));
		ln->component = component[k];
	}
	free(order);
	free(component);
	return 0;
}

/* Labels both renderings use. */

static const char *const column_head[] = { "Pos", "Item", "Qty", "Unit", "Unit price", "Disc.", "Amount" };
enum column { C_POS, C_ITEM, C_QTY, C_UNIT, C_PRICE, C_DISC, C_AMOUNT, NCOL };
static const int column_right[NCOL] = { 0, 0, 1, 0, 1, 1, 1 };

static const char *column_text(const struct line *l, enum column c)
{
	switch (c) {
	case C_POS: return l->pos;
	case C_ITEM: return l->name;
	case C_QTY: return l->qty;
	case C_UNIT: return l->unit;
	case C_PRICE: return l->price;
	case C_DISC: return l->discount;
	default: return l->amount;
	}
}

/* The sku and description under an item's name. */
static void item_detail(struct sfa_buf *out, const struct line *l)
{
	sfa_buf_addstr(out, l->sku);
	if (*l->sku && *l->description)
		sfa_buf_addstr(out, " \xc2\xb7 ");
	sfa_buf_addstr(out, l->description);
}

/* "a · b · c" of the non-empty ones of `n` texts. */
static void join_dot(struct sfa_buf *out, size_t n, const char *const *s)
{
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		if (!*s[i])
			continue;
		if (any)
			sfa_buf_addstr(out, " \xc2\xb7 ");
		sfa_buf_addstr(out, s[i]);
		any = 1;
	}
}

static void footer_text(struct sfa_buf *out, const struct quote *q)
{
	struct sfa_buf vat = SFA_BUF_INIT;
	const char *parts[3];

	if (*q->vat_id)
		sfa_buf_addf(&vat, "VAT ID %s", q->vat_id);
	parts[0] = q->company;
	parts[1] = vat.buf;
	parts[2] = q->website;
	join_dot(out, 3, parts);
	sfa_buf_release(&vat);
}

struct total_row {
	struct sfa_buf label, value;
	int grand;		/* the total, in bold */
};

/* The rows of the totals block, their number in `*n`; free them with total_rows_free(). */
static struct total_row *total_rows_new(const struct quote *q, size_t *n)
{
	/* subtotal, discount, a row per rate (or one for all), total */
	struct total_row *rows = sfa_xcalloc(q->ntaxes + 4, sizeof(*rows));
	size_t k = 0;

	for (size_t i = 0; i < q->ntaxes + 4; i++) {
		sfa_buf_init(&rows[i].label, 0);
		sfa_buf_init(&rows[i].value, 0);
	}
	if (*q->subtotal) {
		sfa_buf_addstr(&rows[k].label, "Subtotal");
		sfa_buf_addstr(&rows[k++].value, q->subtotal);
	}
	if (!is_zero(q->discount_total)) {
		sfa_buf_addstr(&rows[k].label, "Discount");
		sfa_buf_addf(&rows[k++].value, "%s%s", *q->discount_total == '-' ? "" : "-", q->discount_total);
	}
	for (size_t i = 0; i < q->ntaxes; i++) {
		const struct tax *t = &q->taxes[i];
		if (!*t->tax)
			continue;
		sfa_buf_addstr(&rows[k].label, "Tax");
		if (*t->rate)
			sfa_buf_addf(&rows[k].label, " %s %%", t->rate);
		if (*t->base)
			sfa_buf_addf(&rows[k].label, " on %s", t->base);
		sfa_buf_addstr(&rows[k++].value, t->tax);
	}
	if (!q->ntaxes && *q->tax_total) {
		sfa_buf_addstr(&rows[k].label, "Tax");
		sfa_buf_addstr(&rows[k++].value, q->tax_total);
	}
	sfa_buf_addstr(&rows[k].label, "Total");
	/* the code before the figure, so the digits still line up with those above */
	if (*q->currency && *q->total)
		sfa_buf_addf(&rows[k].value, "%s ", q->currency);
	sfa_buf_addstr(&rows[k].value, q->total);
	rows[k++].grand = 1;
	*n = k;
	return rows;
}

static void total_rows_free(struct total_row *rows, const struct quote *q)
{
	for (size_t i = 0; i < q->ntaxes + 4; i++) {
		sfa_buf_release(&rows[i].label);
		sfa_buf_release(&rows[i].value);
	}
	free(rows);
}

/*
 * PDF. Lengths are in points (1/72 inch), y grows downwards. The whole
 * document is laid out twice with the same code: the first pass only
 * measures and counts the pages, the second draws, knowing the count for
 * "Page N of M".
 */

#define PAGE_W 595.28		/* A4 */
#define PAGE_H 841.89
#define MARGIN 50.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define RIGHT (PAGE_W - MARGIN)
#define TOP 46.0
#define BODY_BOTTOM (PAGE_H - 64.0)	/* rows stop above the footer */
#define FOOTER_RULE (PAGE_H - 48.0)
#define CELL_PAD 4.0
#define ROW_PAD 5.0
#define INDENT 12.0		/* bundle components under their bundle */
#define NAME_LINES 4		/* longer texts are cut with an ellipsis, so a row fits a page */
#define DETAIL_LINES 6
#define UNIT_LINES 2

#define FAMILY "DejaVu Sans, WenQuanYi Micro Hei"

#define INK 0x1f2933
#define INK_SOFT 0x374151
#define MUTED 0x6b7280
#define ACCENT 0x1f4e79
#define RULE_COLOUR 0xd9dde3
#define BAND 0xeef2f6

enum style { S_BODY, S_SMALL, S_LABEL, S_STRONG, S_HEAD, S_TITLE, S_COMPANY, S_TOTAL, S_FOOT, NSTYLE };

static const struct {
	double size;
	PangoWeight weight;
} styles[NSTYLE] = {
	[S_BODY] = { 9.0, PANGO_WEIGHT_NORMAL },
	[S_SMALL] = { 7.5, PANGO_WEIGHT_NORMAL },
	[S_LABEL] = { 7.5, PANGO_WEIGHT_BOLD },
	[S_STRONG] = { 10.0, PANGO_WEIGHT_BOLD },
	[S_HEAD] = { 8.0, PANGO_WEIGHT_BOLD },
	[S_TITLE] = { 22.0, PANGO_WEIGHT_BOLD },
	[S_COMPANY] = { 17.0, PANGO_WEIGHT_BOLD },
	[S_TOTAL] = { 10.5, PANGO_WEIGHT_BOLD },
	[S_FOOT] = { 7.0, PANGO_WEIGHT_NORMAL },
};

static const double column_min[NCOL] = { 24, 0, 34, 40, 62, 38, 70 };
static const double column_max[NCOL] = { 44, 0, 64, 64, 96, 52, 110 };

struct pdf {
	cairo_t *cr;
	PangoFontMap *fonts;
	PangoContext *pango;
	PangoFontDescription *font[NSTYLE];
	const struct quote *q;
	int drawing;		/* the second pass */
	int page, pages;
	double y;		/* where the next thing goes */
	double col_x[NCOL], col_w[NCOL];
	struct sfa_buf scratch;
};

static void colour(cairo_t *cr, unsigned rgb)
{
	cairo_set_source_rgb(cr, (rgb >> 16) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

/* A layout of `s`; wrapped in `width` when that is positive, cut after `max_lines` when positive. */
static PangoLayout *layout(struct pdf *p, enum style st, const char *s, double width,
			   PangoAlignment align, int max_lines)
{
	PangoLayout *l = pango_layout_new(p->pango);

	pango_layout_set_font_description(l, p->font[st]);
	pango_layout_set_text(l, s, -1);
	if (width > 0) {
		pango_layout_set_width(l, pango_units_from_double(width));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_alignment(l, align);
		if (max_lines > 0) {
			pango_layout_set_height(l, -max_lines);
			pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		}
	}
	return l;
}

static double height_of(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return pango_units_to_double(h);
}

static double width_of(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return pango_units_to_double(w);
}

static void show(struct pdf *p, PangoLayout *l, double x, double y, unsigned rgb)
{
	if (!p->drawing)
		return;
	colour(p->cr, rgb);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

/* Shows `s` at (x, y), in `width` when positive; returns its height (0 for ""). */
static double put(struct pdf *p, enum style st, unsigned rgb, double x, double y, double width,
		  PangoAlignment align, const char *s)
{
	PangoLayout *l;
	double h;

	if (!*s)
		return 0;
	l = layout(p, st, s, width, align, 0);
	show(p, l, x, y, rgb);
	h = height_of(l);
	g_object_unref(l);
	return h;
}

static double text_width(struct pdf *p, enum style st, const char *s)
{
	PangoLayout *l = layout(p, st, s, 0, PANGO_ALIGN_LEFT, 0);
	double w = width_of(l);

	g_object_unref(l);
	return w;
}

static void rule(struct pdf *p, double x0, double x1, double y, double width, unsigned rgb)
{
	if (!p->drawing)
		return;
	colour(p->cr, rgb);
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, x0, y);
	cairo_line_to(p->cr, x1, y);
	cairo_stroke(p->cr);
}

static void footer(struct pdf *p)
{
	struct sfa_buf t = SFA_BUF_INIT;
	PangoLayout *l;

	if (!p->drawing)
		return;
	rule(p, MARGIN, RIGHT, FOOTER_RULE, 0.5, RULE_COLOUR);
	footer_text(&t, p->q);
	l = layout(p, S_FOOT, t.buf, CONTENT_W - 90, PANGO_ALIGN_LEFT, 1);
	show(p, l, MARGIN, FOOTER_RULE + 6, MUTED);
	g_object_unref(l);
	sfa_buf_reset(&t);
	sfa_buf_addf(&t, "Page %d of %d", p->page, p->pages);
	put(p, S_FOOT, MUTED, RIGHT - 90, FOOTER_RULE + 6, 90, PANGO_ALIGN_RIGHT, t.buf);
	sfa_buf_release(&t);
}

static void table_head(struct pdf *p)
{
	double h = 0;

	for (int c = 0; c < NCOL; c++) {
		PangoLayout *l = layout(p, S_HEAD, column_head[c], p->col_w[c] - 2 * CELL_PAD,
					column_right[c] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT, 1);
		if (height_of(l) > h)
			h = height_of(l);
		g_object_unref(l);
	}
	if (p->drawing) {
		colour(p->cr, BAND);
		cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, h + 2 * ROW_PAD);
		cairo_fill(p->cr);
	}
	for (int c = 0; c < NCOL; c++)
		put(p, S_HEAD, INK_SOFT, p->col_x[c] + CELL_PAD, p->y + ROW_PAD, p->col_w[c] - 2 * CELL_PAD,
		    column_right[c] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT, column_head[c]);
	p->y += h + 2 * ROW_PAD;
	rule(p, MARGIN, RIGHT, p->y, 0.8, INK_SOFT);
}

/* Ends the page and starts the next one, with the head of the lines table when `table`. */
static void next_page(struct pdf *p, int table)
{
	struct sfa_buf t = SFA_BUF_INIT;

	footer(p);
	if (p->drawing)
		cairo_show_page(p->cr);
	p->page++;
	p->y = TOP;
	sfa_buf_addf(&t, "Quote %s", p->q->number);
	if (*p->q->version)
		sfa_buf_addf(&t, ", version %s", p->q->version);
	sfa_buf_addstr(&t, " (continued)");
	put(p, S_SMALL, MUTED, MARGIN, p->y, CONTENT_W * 0.6, PANGO_ALIGN_LEFT, t.buf);
	put(p, S_SMALL, MUTED, MARGIN + CONTENT_W * 0.6, p->y, CONTENT_W * 0.4, PANGO_ALIGN_RIGHT, p->q->company);
	p->y += 22;
	if (table)
		table_head(p);
	sfa_buf_release(&t);
}

/* The company on the left, the quote's number and dates on the right. */
static void letterhead(struct pdf *p)
{
	const struct quote *q = p->q;
	const char *label[4] = { "Number", "Version", "Date", "Valid until" };
	const char *value[4] = { q->number, q->version, q->date, q->valid_until };
	const char *contact[3] = { q->email, q->phone, q->website };
	double left_w = CONTENT_W * 0.56, y = TOP, ry = TOP, label_w = 0, value_w = 0;
	struct sfa_buf t = SFA_BUF_INIT;

	y += put(p, S_COMPANY, INK, MARGIN, y, left_w, PANGO_ALIGN_LEFT, q->company);
	y += 3;
	y += put(p, S_SMALL, MUTED, MARGIN, y, left_w, PANGO_ALIGN_LEFT, q->address);
	join_dot(&t, 3, contact);
	y += put(p, S_SMALL, MUTED, MARGIN, y, left_w, PANGO_ALIGN_LEFT, t.buf);

	ry += put(p, S_TITLE, ACCENT, MARGIN + left_w, ry - 3, CONTENT_W - left_w, PANGO_ALIGN_RIGHT, "Quote");
	ry += 4;
	for (int i = 0; i < 4; i++) {
		if (!*value[i])
			continue;
		if (text_width(p, S_SMALL, label[i]) > label_w)
			label_w = text_width(p, S_SMALL, label[i]);
		if (text_width(p, S_BODY, value[i]) > value_w)
			value_w = text_width(p, S_BODY, value[i]);
	}
	if (value_w > CONTENT_W - left_w - label_w - 12)
		value_w = CONTENT_W - left_w - label_w - 12;
	for (int i = 0; i < 4; i++) {
		PangoLayout *ll, *vl;
		if (!*value[i])
			continue;
		ll = layout(p, S_SMALL, label[i], label_w + 4, PANGO_ALIGN_LEFT, 1);
		vl = layout(p, S_BODY, value[i], value_w, PANGO_ALIGN_RIGHT, 0);
		/* the smaller label on the baseline of its value */
		show(p, ll, RIGHT - value_w - 12 - label_w,
		     ry + pango_units_to_double(pango_layout_get_baseline(vl) - pango_layout_get_baseline(ll)), MUTED);
		show(p, vl, RIGHT - value_w, ry, INK);
		ry += height_of(vl) + 2;
		g_object_unref(ll);
		g_object_unref(vl);
	}
	p->y = (y > ry ? y : ry) + 26;
	sfa_buf_release(&t);
}

/* A labelled block of lines at `x`; returns where it ends. */
static double block(struct pdf *p, double x, double y, double width, const char *label,
		    const char *strong, const char *const *lines, size_t n, const unsigned *rgb)
{
	size_t i;

	for (i = 0; i < n && !*lines[i]; i++)
		;
	if (!*strong && i == n)
		return y;
	y += put(p, S_LABEL, MUTED, x, y, width, PANGO_ALIGN_LEFT, label);
	y += 3;
	y += put(p, S_STRONG, INK, x, y, width, PANGO_ALIGN_LEFT, strong);
	for (i = 0; i < n; i++)
		y += put(p, S_BODY, rgb[i], x, y, width, PANGO_ALIGN_LEFT, lines[i]);
	return y;
}

static void parties(struct pdf *p)
{
	const struct quote *q = p->q;
	const char *customer[3] = { q->contact, q->customer_address, q->customer_email };
	const unsigned customer_rgb[3] = { INK, INK, INK_SOFT };
	const char *owner[1] = { q->owner_email };
	const unsigned owner_rgb[1] = { INK_SOFT };
	double rx = MARGIN + CONTENT_W * 0.56, rw = CONTENT_W * 0.44;
	double y, ry;

	y = block(p, MARGIN, p->y, CONTENT_W * 0.5, "Prepared for", q->customer, customer, 3, customer_rgb);
	ry = block(p, rx, p->y, rw, "Your contact", q->owner, owner, 1, owner_rgb);
	if (*q->opportunity) {
		if (ry > p->y)
			ry += 10;
		ry = block(p, rx, ry, rw, "Reference", "", &q->opportunity, 1, (const unsigned[]){ INK });
	}
	if (ry > y)
		y = ry;
	if (y > p->y)
		p->y = y + 24;
}

/* Measured widths of the columns: each as wide as its widest cell within bounds, the item the rest. */
static void columns(struct pdf *p)
{
	double rest = CONTENT_W, x = MARGIN;

	for (int c = 0; c < NCOL; c++) {
		double w;
		if (c == C_ITEM)
			continue;
		w = text_width(p, S_HEAD, column_head[c]);
		for (size_t i = 0; i < p->q->nlines; i++) {
			double cw = text_width(p, S_BODY, column_text(&p->q->lines[i], c));
			if (cw > w)
				w = cw;
		}
		w += 2 * CELL_PAD;
		p->col_w[c] = w < column_min[c] ? column_min[c] : w > column_max[c] ? column_max[c] : w;
		rest -= p->col_w[c];
	}
	p->col_w[C_ITEM] = rest;
	for (int c = 0; c < NCOL; c++) {
		p->col_x[c] = x;
		x += p->col_w[c];
	}
}

struct row {
	PangoLayout *cell[NCOL];
	PangoLayout *detail;	/* sku and description under the name, or NULL */
	double height;
};

static void row_build(struct pdf *p, struct row *r, const struct line *l)
{
	double indent = l->component ? INDENT : 0, h;

	for (int c = 0; c < NCOL; c++) {
		if (c == C_ITEM)
			continue;
		r->cell[c] = layout(p, S_BODY, column_text(l, c), p->col_w[c] - 2 * CELL_PAD,
				    column_right[c] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT,
				    c == C_UNIT ? UNIT_LINES : 1);
	}
	sfa_buf_reset(&p->scratch);
	sfa_buf_addstr(&p->scratch, l->name);
	r->cell[C_ITEM] = layout(p, S_BODY, "", p->col_w[C_ITEM] - 2 * CELL_PAD - indent, PANGO_ALIGN_LEFT,
				 NAME_LINES);
	if (l->optional) {
		PangoAttrList *attrs = pango_attr_list_new();
		PangoAttribute *a;
		size_t start = p->scratch.len;
		if (start)
			sfa_buf_addch(&p->scratch, ' ');
		sfa_buf_addstr(&p->scratch, "(optional)");
		a = pango_attr_style_new(PANGO_STYLE_ITALIC);
		a->start_index = start;
		pango_attr_list_insert(attrs, a);
		a = pango_attr_foreground_new(((MUTED >> 16) & 0xff) * 257, ((MUTED >> 8) & 0xff) * 257,
					      (MUTED & 0xff) * 257);
		a->start_index = start;
		pango_attr_list_insert(attrs, a);
		pango_layout_set_attributes(r->cell[C_ITEM], attrs);
		pango_attr_list_unref(attrs);
	}
	pango_layout_set_text(r->cell[C_ITEM], p->scratch.buf, -1);

	h = height_of(r->cell[C_ITEM]);
	r->detail = NULL;
	sfa_buf_reset(&p->scratch);
	item_detail(&p->scratch, l);
	if (p->scratch.len) {
		r->detail = layout(p, S_SMALL, p->scratch.buf, p->col_w[C_ITEM] - 2 * CELL_PAD - indent,
				   PANGO_ALIGN_LEFT, DETAIL_LINES);
		h += 1.5 + height_of(r->detail);
	}
	for (int c = 0; c < NCOL; c++)
		if (height_of(r->cell[c]) > h)
			h = height_of(r->cell[c]);
	r->height = h + 2 * ROW_PAD;
}

static void row_draw(struct pdf *p, struct row *r, const struct line *l)
{
	double indent = l->component ? INDENT : 0, y = p->y + ROW_PAD;

	for (int c = 0; c < NCOL; c++) {
		double x = p->col_x[c] + CELL_PAD + (c == C_ITEM ? indent : 0);
		show(p, r->cell[c], x, y, c == C_POS && l->component ? MUTED : INK);
	}
	if (r->detail)
		show(p, r->detail, p->col_x[C_ITEM] + CELL_PAD + indent, y + height_of(r->cell[C_ITEM]) + 1.5,
		     MUTED);
	if (l->component && p->drawing) {
		/* a hairline ties the components to their bundle */
		colour(p->cr, RULE_COLOUR);
		cairo_set_line_width(p->cr, 1.0);
		cairo_move_to(p->cr, p->col_x[C_ITEM] + CELL_PAD + 3, p->y);
		cairo_line_to(p->cr, p->col_x[C_ITEM] + CELL_PAD + 3, p->y + r->height - ROW_PAD);
		cairo_stroke(p->cr);
	}
}

static void row_release(struct row *r)
{
	for (int c = 0; c < NCOL; c++)
		g_object_unref(r->cell[c]);
	if (r->detail)
		g_object_unref(r->detail);
}

static void table(struct pdf *p)
{
	const struct quote *q = p->q;
	struct row r;

	/* the head is not left alone at the foot of a page */
	if (q->nlines) {
		row_build(p, &r, &q->lines[0]);
		if (p->y + 30 + r.height > BODY_BOTTOM)
			next_page(p, 0);
		row_release(&r);
	}
	table_head(p);
	for (size_t i = 0; i < q->nlines; i++) {
		const struct line *l = &q->lines[i];
		row_build(p, &r, l);
		if (p->y + r.height > BODY_BOTTOM)
			next_page(p, 1);
		else if (i && !l->component)
			rule(p, MARGIN, RIGHT, p->y, 0.5, RULE_COLOUR);
		row_draw(p, &r, l);
		p->y += r.height;
		row_release(&r);
	}
	rule(p, MARGIN, RIGHT, p->y, 0.8, INK_SOFT);
}

static void totals(struct pdf *p)
{
	size_t n;
	struct total_row *rows = total_rows_new(p->q, &n);
	double label_w = 0, value_w = 0, h = 0, x0;

	for (size_t i = 0; i < n; i++) {
		enum style st = rows[i].grand ? S_TOTAL : S_BODY;
		double lw = text_width(p, st, rows[i].label.buf), vw = text_width(p, st, rows[i].value.buf);
		label_w = lw > label_w ? lw : label_w;
		value_w = vw > value_w ? vw : value_w;
		h += rows[i].grand ? 24 : 15;
	}
	if (value_w < p->col_w[C_AMOUNT] - 2 * CELL_PAD)
		value_w = p->col_w[C_AMOUNT] - 2 * CELL_PAD;
	x0 = RIGHT - CELL_PAD - value_w - 28 - label_w;
	if (x0 > RIGHT - 240)
		x0 = RIGHT - 240;
	if (x0 < MARGIN)
		x0 = MARGIN;
	p->y += 10;
	if (p->y + h > BODY_BOTTOM)
		next_page(p, 0);
	for (size_t i = 0; i < n; i++) {
		if (rows[i].grand) {
			p->y += 3;
			if (p->drawing) {
				colour(p->cr, BAND);
				cairo_rectangle(p->cr, x0 - CELL_PAD, p->y, RIGHT - x0 + CELL_PAD, 19);
				cairo_fill(p->cr);
			}
			rule(p, x0 - CELL_PAD, RIGHT, p->y, 0.8, INK_SOFT);
			p->y += 4;
		}
		put(p, rows[i].grand ? S_TOTAL : S_BODY, rows[i].grand ? INK : INK_SOFT, x0, p->y,
		    RIGHT - CELL_PAD - value_w - x0 - 8, PANGO_ALIGN_LEFT, rows[i].label.buf);
		put(p, rows[i].grand ? S_TOTAL : S_BODY, INK, RIGHT - CELL_PAD - value_w, p->y, value_w,
		    PANGO_ALIGN_RIGHT, rows[i].value.buf);
		p->y += rows[i].grand ? 17 : 15;
	}
	total_rows_free(rows, p->q);
}

/* A headed paragraph that may run over pages line by line. */
static void paragraph(struct pdf *p, const char *heading, const char *s)
{
	PangoLayout *l, *head;
	PangoLayoutIter *it;
	PangoRectangle r;
	double hh;

	if (!*s)
		return;
	p->y += 14;
	head = layout(p, S_LABEL, heading, CONTENT_W, PANGO_ALIGN_LEFT, 0);
	l = layout(p, S_BODY, s, CONTENT_W, PANGO_ALIGN_LEFT, 0);
	hh = height_of(head) + 3;
	it = pango_layout_get_iter(l);
	pango_layout_iter_get_line_extents(it, NULL, &r);
	if (p->y + hh + pango_units_to_double(r.height) > BODY_BOTTOM)
		next_page(p, 0);
	show(p, head, MARGIN, p->y, MUTED);
	p->y += hh;
	do {
		double lh;
		pango_layout_iter_get_line_extents(it, NULL, &r);
		lh = pango_units_to_double(r.height);
		if (p->y + lh > BODY_BOTTOM)
			next_page(p, 0);
		if (p->drawing) {
			colour(p->cr, INK);
			cairo_move_to(p->cr, MARGIN + pango_units_to_double(r.x),
				      p->y + pango_units_to_double(pango_layout_iter_get_baseline(it) - r.y));
			pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		}
		p->y += lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	g_object_unref(l);
	g_object_unref(head);
}

static void render(struct pdf *p)
{
	p->page = 1;
	letterhead(p);
	parties(p);
	table(p);
	totals(p);
	paragraph(p, "Terms", p->q->terms);
	paragraph(p, "Notes", p->q->notes);
	footer(p);
	if (p->drawing)
		cairo_show_page(p->cr);
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	sfa_buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Writes "2026-11-23" as cairo takes a creation date; 0 when `date` is no YYYY-MM-DD. */
static int create_date(char *out, size_t size, const char *date)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? date[i] != '-' : date[i] < '0' || date[i] > '9')
			return 0;
	if (date[10])
		return 0;
	snprintf(out, size, "%sT00:00:00Z", date);
	return 1;
}

static void pdf_init(struct pdf *p, cairo_t *cr, const struct quote *q)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	memset(p, 0, sizeof(*p));
	p->cr = cr;
	p->q = q;
	sfa_buf_init(&p->scratch, 0);
	p->fonts = pango_cairo_font_map_new();
	p->pango = pango_font_map_create_context(p->fonts);
	/* unhinted metrics: the layout of a PDF must not depend on a screen's pixel grid */
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(p->pango, fo);
	cairo_font_options_destroy(fo);
	pango_context_set_round_glyph_positions(p->pango, FALSE);
	pango_cairo_update_context(cr, p->pango);
	for (int s = 0; s < NSTYLE; s++) {
		p->font[s] = pango_font_description_new();
		pango_font_description_set_family(p->font[s], FAMILY);
		pango_font_description_set_weight(p->font[s], styles[s].weight);
		pango_font_description_set_absolute_size(p->font[s], styles[s].size * PANGO_SCALE);
	}
	columns(p);
}

static void pdf_release(struct pdf *p)
{
	for (int s = 0; s < NSTYLE; s++)
		pango_font_description_free(p->font[s]);
	g_object_unref(p->pango);
	g_object_unref(p->fonts);
	sfa_buf_release(&p->scratch);
}

int sfa_document_pdf(struct sfa_buf *out, const json_t *doc)
{
	struct quote q;
	struct pdf p;
	size_t len = out->len;
	cairo_surface_t *surface;
	cairo_status_t status;
	cairo_t *cr;
	char date[32];
	int err;

	err = quote_load(&q, doc);
	if (err < 0)
		goto done;
	surface = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, q.number);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "sfa");
	if (*q.company)
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, q.company);
	if (create_date(date, sizeof(date), q.date))
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cr = cairo_create(surface);
	pdf_init(&p, cr, &q);
	render(&p);
	p.pages = p.page;
	p.drawing = 1;
	render(&p);
	pdf_release(&p);
	status = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		sfa_buf_setlen(out, len);
		err = sfa_error_set(SFA_ESTORE, "quote '%s': pdf: %s", q.number, cairo_status_to_string(status));
		goto done;
	}
	err = p.pages;
done:
	quote_release(&q);
	return err;
}

/*
 * Text. Widths are display columns (sfa_utf8_width); a line is a
 * malloc'ed string without its newline.
 */

#define GAP 2			/* columns between table columns */
#define UNIT_MAX 10		/* wider units wrap */
#define ITEM_MIN 20

struct lines {
	char **v;
	size_t n, alloc;
};

static void lines_add(struct lines *ls, const char *s, size_t len)
{
	SFA_ALLOC_GROW(ls->v, ls->n + 1, ls->alloc);
	ls->v[ls->n++] = sfa_xstrndup(s, len);
}

static void lines_release(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

static size_t width(const char *s)
{
	return sfa_utf8_width(s, strlen(s));
}

/* The code point at `s` and its length, a malformed byte as one column wide U+FFFD. */
static size_t next_cp(const char *s, size_t len, unsigned *cp)
{
	size_t n = sfa_utf8_decode(s, len, cp);

	if (!n) {
		*cp = 0xfffd;
		n = 1;
	}
	/* controls would break the columns: each shows as a space */
	if (*cp < 0x20 || *cp == 0x7f)
		*cp = ' ';
	return n;
}


struct wrapper {
	struct lines *out;
	struct sfa_buf line, word;
	size_t w, indent;	/* the width includes the indent */
	size_t lw, ww;		/* columns of line and word */
	int space;		/* a space before the word */
	int wide;		/* the word is a wide character: it ends at the next one that is not a mark */
};

static void wrap_emit(struct wrapper *z)
{
	struct sfa_buf t = SFA_BUF_INIT;

	if (z->line.len)
		sfa_buf_addf(&t, "%*s", (int)z->indent, "");
	sfa_buf_add(&t, z->line.buf, z->line.len);
	lines_add(z->out, t.buf, t.len);
	sfa_buf_release(&t);
	sfa_buf_reset(&z->line);
	z->lw = 0;
}

static void wrap_place(struct wrapper *z)
{
	size_t sep = z->space && z->lw ? 1 : 0;

	if (!z->word.len)
		return;
	if (z->lw && z->lw + sep + z->ww > z->w - z->indent) {
		wrap_emit(z);
		sep = 0;
	}
	if (sep)
		sfa_buf_addch(&z->line, ' ');
	sfa_buf_add(&z->line, z->word.buf, z->word.len);
	z->lw += sep + z->ww;
	sfa_buf_reset(&z->word);
	z->ww = 0;
	z->space = z->wide = 0;
}

/*
 * Adds `s` to `out` as lines of at most `w` columns, each but the empty
 * ones prefixed with `indent` spaces (inside `w`). Breaks at spaces and on
 * either side of a wide character (CJK runs have no spaces), inside a
 * word only when it is wider than a whole line. "\n" starts a new line.
 */
static void wrap(struct lines *out, const char *s, size_t w, size_t indent)
{
	struct wrapper z = { .out = out, .line = SFA_BUF_INIT, .word = SFA_BUF_INIT, .indent = indent };
	size_t len = strlen(s), i = 0, first = out->n;

	z.w = w > indent ? w : indent + 1;
	while (i < len) {
		unsigned cp;
		size_t n = next_cp(s + i, len - i, &cp);
		int cw = sfa_utf8_cpwidth(cp);

		if (s[i] == '\n') {
			wrap_place(&z);
			wrap_emit(&z);
			z.space = 0;
		} else if (s[i] == '\r') {
			/* part of a CRLF line end */
		} else if (cp == ' ') {
			wrap_place(&z);
			z.space = 1;
		} else {
			if (cw && (z.wide || cw == 2))
				wrap_place(&z);
			if (z.ww + cw > z.w - z.indent && z.ww) {
				/* a word longer than a line: cut where the line is full */
				wrap_place(&z);
				if (z.lw)
					wrap_emit(&z);
			}
			if (cp == 0xfffd && n == 1)
				sfa_buf_addstr(&z.word, "\xef\xbf\xbd");
			else
				sfa_buf_add(&z.word, s + i, n);
			z.ww += cw;
			if (cw == 2)
				z.wide = 1;
		}
		i += n;
	}
	wrap_place(&z);
	if (z.lw)
		wrap_emit(&z);
	while (out->n > first && !*out->v[out->n - 1])
		free(out->v[--out->n]);
	sfa_buf_release(&z.line);
	sfa_buf_release(&z.word);
}

/* Appends `s` padded to `w` columns, on the left when `right`. */
static void pad(struct sfa_buf *out, const char *s, size_t w, int right)
{
	size_t sw = width(s), fill = sw < w ? w - sw : 0;

	if (right)
		sfa_buf_addf(out, "%*s", (int)fill, "");
	sfa_buf_addstr(out, s);
	if (!right)
		sfa_buf_addf(out, "%*s", (int)fill, "");
}

/* Appends `line` to `out` without its trailing blanks, then a newline; empties `line`. */
static void emit(struct sfa_buf *out, struct sfa_buf *line)
{
	size_t n = line->len;

	while (n && line->buf[n - 1] == ' ')
		n--;
	sfa_buf_add(out, line->buf, n);
	sfa_buf_addch(out, '\n');
	sfa_buf_reset(line);
}

/* Lines of `a` in the first `aw` columns, those of `b` after them, right-aligned to `bw` when `right`. */
static void side_by_side(struct sfa_buf *out, const struct lines *a, size_t aw, const struct lines *b,
			 size_t bw, int right)
{
	struct sfa_buf line = SFA_BUF_INIT;

	for (size_t i = 0; i < a->n || i < b->n; i++) {
		pad(&line, i < a->n ? a->v[i] : "", aw, 0);
		pad(&line, i < b->n ? b->v[i] : "", bw, right);
		emit(out, &line);
	}
	sfa_buf_release(&line);
}

static void text_letterhead(struct sfa_buf *out, const struct quote *q)
{
	const char *label[4] = { "Quote", "Version", "Date", "Valid until" };
	const char *value[4] = { q->number, q->version, q->date, q->valid_until };
	const char *contact[3] = { q->email, q->phone, q->website };
	struct lines left = { 0 }, right = { 0 };
	struct sfa_buf t = SFA_BUF_INIT;
	size_t lw = 0, vw = 0, rw, aw;

	for (int i = 0; i < 4; i++) {
		if (!*value[i])
			continue;
		lw = width(label[i]) > lw ? width(label[i]) : lw;
		vw = width(value[i]) > vw ? width(value[i]) : vw;
	}
	rw = lw + GAP + vw;
	aw = rw + GAP + ITEM_MIN < SFA_DOCUMENT_TEXT_WIDTH ? SFA_DOCUMENT_TEXT_WIDTH - rw - GAP : ITEM_MIN;
	for (int i = 0; i < 4; i++) {
		if (!*value[i])
			continue;
		pad(&t, label[i], lw + GAP, 0);
		pad(&t, value[i], vw, 1);
		lines_add(&right, t.buf, t.len);
		sfa_buf_reset(&t);
	}
	wrap(&left, q->company, aw, 0);
	wrap(&left, q->address, aw, 0);
	join_dot(&t, 3, contact);
	wrap(&left, t.buf, aw, 0);
	side_by_side(out, &left, aw + GAP, &right, rw, 1);
	sfa_buf_addch(out, '\n');
	lines_release(&left);
	lines_release(&right);
	sfa_buf_release(&t);
}

static void text_block(struct lines *out, const char *label, size_t n, const char *const *s, size_t w)
{
	size_t first = out->n;
	char *label_line;

	for (size_t i = 0; i < n; i++)
		wrap(out, s[i], w, 0);
	if (out->n == first)
		return;
	/* the label goes on top: added last, then moved there */
	lines_add(out, label, strlen(label));
	label_line = out->v[out->n - 1];
	memmove(out->v + first + 1, out->v + first, (out->n - first - 1) * sizeof(*out->v));
	out->v[first] = label_line;
}

static void text_parties(struct sfa_buf *out, const struct quote *q)
{
	const char *customer[4] = { q->customer, q->contact, q->customer_address, q->customer_email };
	const char *owner[2] = { q->owner, q->owner_email };
	size_t half = SFA_DOCUMENT_TEXT_WIDTH / 2;
	struct lines left = { 0 }, right = { 0 };

	text_block(&left, "Prepared for", 4, customer, half - GAP);
	text_block(&right, "Your contact", 2, owner, SFA_DOCUMENT_TEXT_WIDTH - half);
	if (right.n && *q->opportunity)
		lines_add(&right, "", 0);
	text_block(&right, "Reference", 1, &q->opportunity, SFA_DOCUMENT_TEXT_WIDTH - half);
	if (left.n || right.n) {
		side_by_side(out, &left, half, &right, 0, 0);
		sfa_buf_addch(out, '\n');
	}
	lines_release(&left);
	lines_release(&right);
}

static void text_totals(struct sfa_buf *out, const struct quote *q, size_t table_w, size_t amount_w)
{
	size_t n, lw = 0, vw = amount_w, bw, bx;
	struct total_row *rows = total_rows_new(q, &n);
	struct sfa_buf line = SFA_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		lw = width(rows[i].label.buf) > lw ? width(rows[i].label.buf) : lw;
		vw = width(rows[i].value.buf) > vw ? width(rows[i].value.buf) : vw;
	}
	bw = lw + GAP + vw;
	bx = bw < table_w ? table_w - bw : 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].grand) {
			sfa_buf_addf(&line, "%*s", (int)bx, "");
			for (size_t k = 0; k < bw; k++)
				sfa_buf_addch(&line, '-');
			emit(out, &line);
		}
		sfa_buf_addf(&line, "%*s", (int)bx, "");
		pad(&line, rows[i].label.buf, lw + GAP, 0);
		pad(&line, rows[i].value.buf, vw, 1);
		emit(out, &line);
	}
	sfa_buf_release(&line);
	total_rows_free(rows, q);
}

static void text_table(struct sfa_buf *out, const struct quote *q)
{
	size_t w[NCOL], tw = 0;
	struct sfa_buf line = SFA_BUF_INIT, t = SFA_BUF_INIT;
	struct lines cell[NCOL];

	memset(cell, 0, sizeof(cell));
	for (int c = 0; c < NCOL; c++) {
		w[c] = width(column_head[c]);
		if (c == C_ITEM)
			continue;
		for (size_t i = 0; i < q->nlines; i++)
			if (width(column_text(&q->lines[i], c)) > w[c])
				w[c] = width(column_text(&q->lines[i], c));
		if (c == C_UNIT && w[c] > UNIT_MAX)
			w[c] = UNIT_MAX;
		tw += w[c] + GAP;
	}
	w[C_ITEM] = tw + ITEM_MIN < SFA_DOCUMENT_TEXT_WIDTH ? SFA_DOCUMENT_TEXT_WIDTH - tw : ITEM_MIN;
	tw += w[C_ITEM];

	for (int c = 0; c < NCOL; c++) {
		pad(&line, column_head[c], w[c], column_right[c]);
		if (c + 1 < NCOL)
			sfa_buf_addf(&line, "%*s", GAP, "");
	}
	emit(out, &line);
	for (size_t k = 0; k < tw; k++)
		sfa_buf_addch(&line, '-');
	emit(out, &line);

	for (size_t i = 0; i < q->nlines; i++) {
		const struct line *l = &q->lines[i];
		size_t indent = l->component ? 2 : 0, rows = 0;

		sfa_buf_addstr(&t, l->name);
		if (l->optional)
			sfa_buf_addstr(&t, *l->name ? " (optional)" : "(optional)");
		wrap(&cell[C_ITEM], t.buf, w[C_ITEM], indent);
		sfa_buf_reset(&t);
		if (!cell[C_ITEM].n)
			lines_add(&cell[C_ITEM], "", 0);
		item_detail(&t, l);
		wrap(&cell[C_ITEM], t.buf, w[C_ITEM], indent + 2);
		sfa_buf_reset(&t);
		for (int c = 0; c < NCOL; c++) {
			if (c == C_UNIT)
				wrap(&cell[c], l->unit, w[c], 0);
			else if (c != C_ITEM)
				lines_add(&cell[c], column_text(l, c), strlen(column_text(l, c)));
			rows = cell[c].n > rows ? cell[c].n : rows;
		}
		for (size_t r = 0; r < rows; r++) {
			for (int c = 0; c < NCOL; c++) {
				pad(&line, r < cell[c].n ? cell[c].v[r] : "", w[c], column_right[c]);
				if (c + 1 < NCOL)
					sfa_buf_addf(&line, "%*s", GAP, "");
			}
			emit(out, &line);
		}
		for (int c = 0; c < NCOL; c++)
			lines_release(&cell[c]);
	}
	for (size_t k = 0; k < tw; k++)
		sfa_buf_addch(&line, '-');
	emit(out, &line);
	text_totals(out, q, tw, w[C_AMOUNT]);
	sfa_buf_release(&line);
	sfa_buf_release(&t);
}

/* A blank line, `heading` (unless NULL) and `s` wrapped; nothing when `s` is empty. */
static void text_paragraph(struct sfa_buf *out, const char *heading, const char *s)
{
	struct lines ls = { 0 };

	wrap(&ls, s, SFA_DOCUMENT_TEXT_WIDTH, 0);
	if (ls.n) {
		sfa_buf_addch(out, '\n');
		if (heading)
			sfa_buf_addf(out, "%s\n", heading);
		for (size_t i = 0; i < ls.n; i++)
			sfa_buf_addf(out, "%s\n", ls.v[i]);
	}
	lines_release(&ls);
}

int sfa_document_text(struct sfa_buf *out, const json_t *doc)
{
	struct quote q;
	struct sfa_buf t = SFA_BUF_INIT;
	int err;

	err = quote_load(&q, doc);
	if (err < 0)
		goto done;
	text_letterhead(out, &q);
	text_parties(out, &q);
	text_table(out, &q);
	text_paragraph(out, "Terms", q.terms);
	text_paragraph(out, "Notes", q.notes);
	footer_text(&t, &q);
	text_paragraph(out, NULL, t.buf);
done:
	sfa_buf_release(&t);
	quote_release(&q);
	return err;
}
