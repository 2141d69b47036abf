#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/stream.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Display columns a table cell may take before it is cut short. */
#define CELL_MAX 40

#define NEWLINE_SIGN "\xe2\x8f\x8e"	/* U+23CE RETURN SYMBOL */
#define ELLIPSIS "\xe2\x80\xa6"		/* U+2026 */
#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

static const char *const format_names[] = {
	[SFA_FORMAT_AUTO] = "auto",
	[SFA_FORMAT_CSV] = "csv",
	[SFA_FORMAT_JSON] = "json",
	[SFA_FORMAT_NDJSON] = "ndjson",
	[SFA_FORMAT_TABLE] = "table",
	[SFA_FORMAT_IDS] = "ids",
};

struct member {
	const char *key;
	size_t len;
	const json_t *value;
};

struct sfa_writer {
	FILE *fp;
	enum sfa_format fmt;
	char **columns;		/* NULL-terminated copy, or NULL for "all fields" */
	size_t ncols;
	unsigned char *repeat;	/* repeat[i]: columns[i] named before (JSON skips it) */
	size_t nrows;
	int err;		/* errno of the first failed write */

	struct sfa_buf line;	/* the output being formatted, one record at a time */
	struct sfa_buf text;	/* one value's text */
	struct member *members;	/* a record's fields, for sorting */
	size_t members_alloc;

	/*
	 * A table's cells (header first, then row by row) as display text,
	 * back to back in `cells`; cell k ends at cell_end[k].
	 */
	struct sfa_buf cells;
	size_t *cell_end;
	size_t ncells, cells_alloc;
	size_t *colw;
};

int sfa_format_parse(enum sfa_format *out, const char *name)
{
	size_t i;

	for (i = SFA_FORMAT_CSV; name && i < ARRAY_SIZE(format_names); i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (enum sfa_format)i;
			return 0;
		}
	}
	return sfa_error_set(SFA_EUSAGE,
			     "unknown format '%s' (expected csv, json, ndjson, table or ids)",
			     name ? name : "");
}

const char *sfa_format_name(enum sfa_format f)
{
	if ((size_t)f < ARRAY_SIZE(format_names))
		return format_names[f];
	return "unknown";
}

/*
 * Shortest of %.15g, %.16g and %.17g that reads back as the same double:
 * 0.1 stays "0.1" where a fixed %.17g would print 0.10000000000000001.
 * JSON output keeps a ".0" on whole numbers so the value stays a real
 * when read back.
 */
static void add_real(struct sfa_buf *b, double d, int json)
{
	char tmp[40];
	const char *dp;
	char *p;
	size_t dplen;
	int prec;

	if (!isfinite(d)) {
		if (json)
			sfa_buf_addstr(b, "null");
		else
			sfa_buf_addstr(b, isnan(d) ? "nan" : d < 0 ? "-inf" : "inf");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}

	/* Output must not depend on LC_NUMERIC: put back the '.' */
	dp = localeconv()->decimal_point;
	dplen = dp ? strlen(dp) : 0;
	if (dplen && strcmp(dp, ".") && (p = strstr(tmp, dp)) != NULL) {
		*p = '.';
		memmove(p + 1, p + dplen, strlen(p + dplen) + 1);
	}

	sfa_buf_addstr(b, tmp);
	if (json && !strpbrk(tmp, ".eE"))
		sfa_buf_add(b, ".0", 2);
}

void sfa_json_string(struct sfa_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	sfa_buf_grow(b, len + 2);
	sfa_buf_addch(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sfa_buf_add(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':	esc[1] = '"'; break;
		case '\\':	esc[1] = '\\'; break;
		case '\n':	esc[1] = 'n'; break;
		case '\r':	esc[1] = 'r'; break;
		case '\t':	esc[1] = 't'; break;
		case '\b':	esc[1] = 'b'; break;
		case '\f':	esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			sfa_buf_add(b, esc, 6);
			continue;
		}
		sfa_buf_add(b, esc, 2);
	}
	sfa_buf_add(b, s + run, len - run);
	sfa_buf_addch(b, '"');
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}


/* `members` is scratch the caller keeps, so records need no malloc each. */
static void add_object(struct sfa_buf *b, const json_t *obj,
		       struct member **members, size_t *alloc)
{
	/* jansson's iterators take a non-const object but do not change it */
	json_t *o = (json_t *)obj;
	size_t i, n = 0;
	void *it;

	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
		SFA_ALLOC_GROW(*members, n + 1, *alloc);
		(*members)[n].key = json_object_iter_key(it);
		(*members)[n].len = json_object_iter_key_len(it);
		(*members)[n].value = json_object_iter_value(it);
		n++;
	}
	if (n > 1)
		qsort(*members, n, sizeof(**members), member_cmp);

	sfa_buf_addch(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			sfa_buf_addch(b, ',');
		sfa_json_string(b, (*members)[i].key, (*members)[i].len);
		sfa_buf_addch(b, ':');
		sfa_value_json(b, (*members)[i].value);
	}
	sfa_buf_addch(b, '}');
}

void sfa_value_json(struct sfa_buf *b, const json_t *v)
{
	struct member *members = NULL;
	size_t i, alloc = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		add_object(b, v, &members, &alloc);
		free(members);
		break;
	case JSON_ARRAY:
		sfa_buf_addch(b, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				sfa_buf_addch(b, ',');
			sfa_value_json(b, json_array_get(v, i));
		}
		sfa_buf_addch(b, ']');
		break;
	case JSON_STRING:
		sfa_json_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sfa_buf_addf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		add_real(b, json_real_value(v), 1);
		break;
	case JSON_TRUE:
		sfa_buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		sfa_buf_add(b, "false", 5);
		break;
	case JSON_NULL:
		sfa_buf_add(b, "null", 4);
		break;
	}
}

void sfa_value_text(struct sfa_buf *out, const json_t *v)
{
	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		sfa_buf_add(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sfa_buf_addf(out, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		add_real(out, json_real_value(v), 0);
		break;
	case JSON_TRUE:
		sfa_buf_add(out, "true", 4);
		break;
	case JSON_FALSE:
		sfa_buf_add(out, "false", 5);
		break;
	case JSON_NULL:
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		sfa_value_json(out, v);
		break;
	}
}

/*
 * Text of field `v` (NULL when absent): strings point into the record
 * itself, so the common case copies nothing.
 */
static const char *field_text(struct sfa_writer *w, const json_t *v, size_t *len)
{
	if (v && json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	sfa_buf_reset(&w->text);
	sfa_value_text(&w->text, v);
	*len = w->text.len;
	return w->text.buf;
}

static const unsigned char csv_special[256] = {
	[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1,
};

/*
 * Besides what RFC 4180 requires, fields with a space or tab at either
 * end are quoted too, because common CSV readers (libcsv among them)
 * trim unquoted whitespace. A lone empty field is written as "" since a
 * blank line is easily taken for no record at all.
 */
static void add_csv_field(struct sfa_buf *b, const char *s, size_t len, int lone)
{
	size_t i, run = 0;
	int quote = 0;

	if (!len) {
		if (lone)
			sfa_buf_add(b, "\"\"", 2);
		return;
	}
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
		quote = 1;
	for (i = 0; !quote && i < len; i++)
		quote = csv_special[(unsigned char)s[i]];
	if (!quote) {
		sfa_buf_add(b, s, len);
		return;
	}

	sfa_buf_grow(b, len + 2);
	sfa_buf_addch(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] != '"')
			continue;
		sfa_buf_add(b, s + run, i + 1 - run);
		run = i;
	}
	sfa_buf_add(b, s + run, len - run);
	sfa_buf_addch(b, '"');
}

/*
 * A cell as a table shows it: control characters become a space (a
 * newline the return symbol) so every row stays on one line, and text
 * wider than CELL_MAX is cut at a character boundary to CELL_MAX - 1
 * columns plus an ellipsis. Returns the display width.
 */
static size_t add_display(struct sfa_buf *b, const char *s, size_t len)
{
	size_t i = 0, width = 0, cut_len = 0, cut_width = 0;
	int have_cut = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = s + i;
		size_t n = 1, replen = 1;
		unsigned cp;
		int cw = 1;

		if (c == '\n') {
			rep = NEWLINE_SIGN;
			replen = 3;
		} else if (c < 0x20 || c == 0x7f) {
			rep = " ";
		} else if (c >= 0x80) {
			n = sfa_utf8_decode(s + i, len - i, &cp);
			if (!n) {
				n = 1;
				rep = REPLACEMENT;
				replen = 3;
			} else if (cp < 0xa0) {
				rep = " ";
			} else {
				replen = n;
				cw = sfa_utf8_cpwidth(cp);
			}
		}

		if (!have_cut && width + (size_t)cw > CELL_MAX - 1) {
			have_cut = 1;
			cut_len = b->len;
			cut_width = width;
		}
		if (width + (size_t)cw > CELL_MAX) {
			sfa_buf_setlen(b, cut_len);
			sfa_buf_add(b, ELLIPSIS, 3);
			width = cut_width + 1;
			break;
		}
		sfa_buf_add(b, rep, replen);
		width += (size_t)cw;
		i += n;
	}
	return width;
}

static void add_cell(struct sfa_writer *w, size_t col, const char *s, size_t len)
{
	size_t width = add_display(&w->cells, s, len);

	SFA_ALLOC_GROW(w->cell_end, w->ncells + 1, w->cells_alloc);
	w->cell_end[w->ncells++] = w->cells.len;
	if (width > w->colw[col])
		w->colw[col] = width;
}

static int write_failed(struct sfa_writer *w, int err)
{
	if (!w->err)
		w->err = err ? err : EIO;
	return sfa_error_set(SFA_ESTORE, "cannot write output: %s", strerror(w->err));
}

static int flush_line(struct sfa_writer *w)
{
	int error = 0;

	if (w->line.len && fwrite(w->line.buf, 1, w->line.len, w->fp) != w->line.len)
		error = write_failed(w, errno);
	sfa_buf_reset(&w->line);
	return error;
}

static void csv_row(struct sfa_writer *w, const json_t *rec)
{
	size_t i, len;

	for (i = 0; i < w->ncols; i++) {
		const char *s;

		if (i)
			sfa_buf_addch(&w->line, ',');
		s = field_text(w, json_object_get(rec, w->columns[i]), &len);
		add_csv_field(&w->line, s, len, w->ncols == 1);
	}
	sfa_buf_addch(&w->line, '\n');
}

static void csv_header(struct sfa_writer *w)
{
	size_t i;

	for (i = 0; i < w->ncols; i++) {
		if (i)
			sfa_buf_addch(&w->line, ',');
		add_csv_field(&w->line, w->columns[i], strlen(w->columns[i]), w->ncols == 1);
	}
	sfa_buf_addch(&w->line, '\n');
}

static void json_record(struct sfa_writer *w, const json_t *rec)
{
	size_t i;
	int first = 1;

	if (!w->columns) {
		add_object(&w->line, rec, &w->members, &w->members_alloc);
		return;
	}
	sfa_buf_addch(&w->line, '{');
	for (i = 0; i < w->ncols; i++) {
		const json_t *v;

		if (w->repeat[i] || !(v = json_object_get(rec, w->columns[i])))
			continue;
		if (!first)
			sfa_buf_addch(&w->line, ',');
		first = 0;
		sfa_json_string(&w->line, w->columns[i], strlen(w->columns[i]));
		sfa_buf_addch(&w->line, ':');
		sfa_value_json(&w->line, v);
	}
	sfa_buf_addch(&w->line, '}');
}

static void table_row(struct sfa_writer *w, const json_t *rec)
{
	size_t i, len;

	for (i = 0; i < w->ncols; i++) {
		const char *s = field_text(w, json_object_get(rec, w->columns[i]), &len);
		add_cell(w, i, s, len);
	}
}

static int table_render(struct sfa_writer *w)
{
	size_t k, start = 0;
	int error = 0;

	if (!w->nrows)
		return 0;
	for (k = 0; k < w->ncells && !error; k++) {
		size_t col = k % w->ncols;
		size_t len = w->cell_end[k] - start;

		sfa_buf_add(&w->line, w->cells.buf + start, len);
		if (col + 1 < w->ncols) {
			size_t pad = w->colw[col] - sfa_utf8_width(w->cells.buf + start, len) + 2;
			sfa_buf_grow(&w->line, pad);
			memset(w->line.buf + w->line.len, ' ', pad);
			sfa_buf_setlen(&w->line, w->line.len + pad);
		} else {
			/* padding for empty trailing cells would dangle at the end */
			while (w->line.len && w->line.buf[w->line.len - 1] == ' ')
				w->line.len--;
			sfa_buf_setlen(&w->line, w->line.len);
			sfa_buf_addch(&w->line, '\n');
			error = flush_line(w);
		}
		start = w->cell_end[k];
	}
	return error;
}

int sfa_writer_open(struct sfa_writer **out, FILE *fp, enum sfa_format fmt,
		    const char *const *columns)
{
	struct sfa_writer *w = NULL;
	size_t i, j, n = 0;
	int error = 0;

	*out = NULL;
	if (fmt <= SFA_FORMAT_AUTO || fmt > SFA_FORMAT_IDS)
		return sfa_error_set(SFA_EUSAGE, "cannot write format '%s'",
				     sfa_format_name(fmt));
	while (columns && columns[n])
		n++;
	if ((fmt == SFA_FORMAT_CSV || fmt == SFA_FORMAT_TABLE) && !n)
		return sfa_error_set(SFA_EUSAGE, "format '%s' needs at least one column",
				     sfa_format_name(fmt));

	w = sfa_xcalloc(1, sizeof(*w));
	w->fp = fp;
	w->fmt = fmt;
	sfa_buf_init(&w->line, 0);
	sfa_buf_init(&w->text, 0);
	sfa_buf_init(&w->cells, 0);
	if (columns) {
		w->ncols = n;
		w->columns = sfa_xcalloc(n + 1, sizeof(*w->columns));
		w->repeat = sfa_xcalloc(n, 1);
		w->colw = sfa_xcalloc(n, sizeof(*w->colw));
		for (i = 0; i < n; i++) {
			w->columns[i] = sfa_xstrdup(columns[i]);
			for (j = 0; j < i && !w->repeat[i]; j++)
				w->repeat[i] = !strcmp(columns[i], columns[j]);
		}
	}

	if (fmt == SFA_FORMAT_CSV) {
		/* now, so that no rows still make a valid CSV file */
		csv_header(w);
		if ((error = flush_line(w)) < 0)
			goto done;
	} else if (fmt == SFA_FORMAT_TABLE) {
		for (i = 0; i < n; i++)
			add_cell(w, i, w->columns[i], strlen(w->columns[i]));
	}

	*out = w;
	w = NULL;
done:
	sfa_writer_free(w);
	return error;
}

int sfa_writer_write(struct sfa_writer *w, const json_t *rec)
{
	const char *id;
	size_t len;

	if (!json_is_object(rec))
		return sfa_error_set(SFA_EINPUT, "record is not an object");

	switch (w->fmt) {
	case SFA_FORMAT_CSV:
		csv_row(w, rec);
		break;
	case SFA_FORMAT_JSON:
		sfa_buf_add(&w->line, w->nrows ? ",\n" : "[\n", 2);
		json_record(w, rec);
		break;
	case SFA_FORMAT_NDJSON:
		json_record(w, rec);
		sfa_buf_addch(&w->line, '\n');
		break;
	case SFA_FORMAT_IDS:
		id = field_text(w, json_object_get(rec, "id"), &len);
		if (!len)
			return sfa_error_set(SFA_EINPUT, "record has no 'id'");
		sfa_buf_add(&w->line, id, len);
		sfa_buf_addch(&w->line, '\n');
		break;
	case SFA_FORMAT_TABLE:
		table_row(w, rec);
		w->nrows++;
		return 0;
	default:
		return sfa_error_set(SFA_EUSAGE, "cannot write format '%s'",
				     sfa_format_name(w->fmt));
	}
	w->nrows++;
	return flush_line(w);
}

int sfa_writer_close(struct sfa_writer *w)
{
	int error = 0;

	if (!w)
		return 0;
	if (w->fmt == SFA_FORMAT_JSON) {
		sfa_buf_addstr(&w->line, w->nrows ? "\n]\n" : "[]\n");
		error = flush_line(w);
	} else if (w->fmt == SFA_FORMAT_TABLE) {
		error = table_render(w);
	}

	if (fflush(w->fp) != 0) {
		int e = errno;
		if (!error)
			error = write_failed(w, e);
	} else if (!error && ferror(w->fp)) {
		error = write_failed(w, w->err);
	}

	sfa_writer_free(w);
	return error;
}

void sfa_writer_free(struct sfa_writer *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; w->columns && i < w->ncols; i++)
		free(w->columns[i]);
	free(w->columns);
	free(w->repeat);
	free(w->colw);
	free(w->members);
	free(w->cell_end);
	sfa_buf_release(&w->line);
	sfa_buf_release(&w->text);
	sfa_buf_release(&w->cells);
	free(w);
}
