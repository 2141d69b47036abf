#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/stream.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

#define CHUNK (64 * 1024)

/*
 * libcsv grows its field buffer by this much at a time; its default of
 * 128 bytes makes a 1 MiB field cost thousands of reallocations.
 */
#define CSV_BLOCK (64 * 1024)

/*
 * An error jansson reports this close to the end of what we handed it
 * may only mean the value goes on past it: a UTF-8 sequence cut in two
 * is reported at its first byte.
 */
#define JSON_TAIL 4

enum mode {
	MODE_NONE,	/* nothing read yet */
	MODE_CSV,
	MODE_OBJECTS,	/* one object, or a sequence of them (NDJSON) */
	MODE_ARRAY,
};

/* What an array expects next. */
enum array_state {
	ARRAY_FIRST,	/* an element or ']' (just after '[') */
	ARRAY_ELEMENT,	/* an element (just after ',') */
	ARRAY_NEXT,	/* ',' or ']' */
	ARRAY_DONE,	/* nothing but whitespace */
};

struct sfa_reader {
	int fd;
	char *name;
	enum mode mode;
	enum sfa_format format;
	int eof;

	/* The code and message of an error that lost our place, else 0. */
	int fatal;
	struct sfa_buf fatal_msg;

	/*
	 * Input not yet consumed. Everything before `mark` (the start of the
	 * record in hand) may be dropped when more is read; `pos` is the next
	 * byte to look at and `line` its line.
	 */
	struct sfa_buf in;
	size_t mark;
	size_t pos;
	size_t line;

	/* folded input name -> field name (borrowed), or NULL */
	const json_t *rename;

	/* The record last returned or refused. */
	size_t rec_line;
	int has_raw;
	size_t raw_off, raw_len;

	size_t nvalues;
	/* Bytes from `pos` up to here hold no NUL (JSON only). */
	size_t nul_scan;
	enum array_state astate;

	struct csv_parser csv;
	int csv_ready;
	int row_done;
	/* The cells of the row in hand, back to back; cell k ends at cell_end[k]. */
	struct sfa_buf cells;
	size_t *cell_end;
	size_t ncells, cells_alloc;
	char **columns;
	size_t ncolumns;
	int have_header;
	struct sfa_buf header;
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int fail(struct sfa_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct sfa_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	sfa_buf_reset(&r->fatal_msg);
	va_start(ap, fmt);
	sfa_buf_vaddf(&r->fatal_msg, fmt, ap);
	va_end(ap);
	r->fatal = code;
	r->has_raw = 0;
	return sfa_error_set(code, "%s", r->fatal_msg.buf);
}

static int too_large(struct sfa_reader *r)
{
	return fail(r, SFA_EINPUT, "%s:%zu: record larger than %d bytes",
		    r->name, r->rec_line, SFA_RECORD_MAX);
}

/*
 * Reads more input, first dropping what lies before `mark`. Stops after
 * the first read that brings bytes unless `want` asks for more, which
 * keeps interactive input flowing. Returns 1 when bytes came, 0 at the
 * end of input.
 */
static int fill(struct sfa_reader *r, size_t want)
{
	size_t got = 0;

	if (r->mark) {
		memmove(r->in.buf, r->in.buf + r->mark, r->in.len - r->mark);
		sfa_buf_setlen(&r->in, r->in.len - r->mark);
		r->pos -= r->mark;
		r->nul_scan = r->nul_scan > r->mark ? r->nul_scan - r->mark : 0;
		r->mark = 0;
	}
	while (!r->eof && got < want) {
		size_t room = want - got > CHUNK ? want - got : CHUNK;
		ssize_t n;

		sfa_buf_grow(&r->in, room);
		n = read(r->fd, r->in.buf + r->in.len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(r, SFA_ESTORE, "%s: cannot read: %s", r->name, strerror(errno));
		}
		if (!n)
			r->eof = 1;
		sfa_buf_setlen(&r->in, r->in.len + (size_t)n);
		got += (size_t)n;
	}
	return got > 0;
}

static int out_of_memory(struct sfa_reader *r)
{
	return fail(r, SFA_ESTORE, "%s:%zu: out of memory", r->name, r->rec_line);
}

/* Sets `r->pos` to the next byte that is not whitespace; 0 if none is left. */
static int skip_space(struct sfa_reader *r)
{
	int ret;

	for (;;) {
		while (r->pos < r->in.len) {
			char c = r->in.buf[r->pos];
			if (!is_space(c))
				return 1;
			if (c == '\n')
				r->line++;
			r->pos++;
		}
		r->mark = r->pos;
		if ((ret = fill(r, 1)) <= 0)
			return ret;
	}
}

static int no_space(unsigned char c)
{
	return 0;
}

static void csv_field(void *data, size_t len, void *arg)
{
	struct sfa_reader *r = arg;

	sfa_buf_add(&r->cells, data, len);
	SFA_ALLOC_GROW(r->cell_end, r->ncells + 1, r->cells_alloc);
	r->cell_end[r->ncells++] = r->cells.len;
}

static void csv_row_end(int c, void *arg)
{
	struct sfa_reader *r = arg;
	r->row_done = 1;
}

static int detect(struct sfa_reader *r)
{
	int ret;

	while (r->in.len < 3 && !r->eof)
		if ((ret = fill(r, 1)) < 0)
			return ret;
	if (r->in.len >= 3 && !memcmp(r->in.buf, "\xef\xbb\xbf", 3))
		r->pos = 3;
	if ((ret = skip_space(r)) < 0)
		return ret;
	if (!ret)
		return fail(r, SFA_EINPUT, "%s: empty input", r->name);
	r->mark = r->pos;

	switch (r->in.buf[r->pos]) {
	case '{':
		r->mode = MODE_OBJECTS;
		r->format = SFA_FORMAT_JSON;
		break;
	case '[':
		r->mode = MODE_ARRAY;
		r->format = SFA_FORMAT_JSON;
		r->astate = ARRAY_FIRST;
		r->pos++;
		break;
	default:
		r->mode = MODE_CSV;
		r->format = SFA_FORMAT_CSV;
		/*
		 * Strict RFC 4180, and with no space function libcsv would
		 * trim spaces and tabs around unquoted values.
		 */
		if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI))
			return out_of_memory(r);
		r->csv_ready = 1;
		csv_set_space_func(&r->csv, no_space);
		csv_set_blk_size(&r->csv, CSV_BLOCK);
		break;
	}
	return 0;
}

/* Hands `n` bytes at `pos` to libcsv; they hold at most one line end, last. */
static int csv_feed(struct sfa_reader *r, size_t n)
{
	int err;

	if (!n || csv_parse(&r->csv, r->in.buf + r->pos, n, csv_field, csv_row_end, r) == n)
		return 0;
	err = csv_error(&r->csv);
	if (err == CSV_EPARSE)
		return fail(r, SFA_EINPUT, "%s:%zu: malformed quoted field", r->name, r->line);
	if (err == CSV_ENOMEM)
		return out_of_memory(r);
	return fail(r, SFA_EINPUT, "%s:%zu: %s", r->name, r->line, csv_strerror(err));
}

/*
 * Reads one row into `cells`; on return its bytes run from `mark` to
 * `pos`. libcsv cannot say where in a buffer a row ended, so it is fed
 * up to one CR or LF at a time: a row can then only end at the end of
 * what it was given.
 */
static int csv_row(struct sfa_reader *r)
{
	int ret;

	for (;;) {
		char c;

		if (r->pos == r->in.len) {
			r->mark = r->pos;
			if ((ret = fill(r, 1)) <= 0)
				return ret;
		}
		c = r->in.buf[r->pos];
		if (c != '\n' && c != '\r')
			break;
		if (c == '\n')
			r->line++;
		r->pos++;
	}
	r->mark = r->pos;
	r->rec_line = r->line;
	r->row_done = 0;
	r->ncells = 0;
	sfa_buf_reset(&r->cells);

	while (!r->row_done) {
		const char *p = r->in.buf + r->pos;
		size_t n = r->in.len - r->pos, i = 0;
		char c;

		while (i < n && p[i] != '\n' && p[i] != '\r')
			i++;
		/* The limit leaves out the line end that closes the row. */
		if (r->pos + i - r->mark > SFA_RECORD_MAX)
			return too_large(r);
		if (i == n) {
			if ((ret = csv_feed(r, n)) < 0)
				return ret;
			r->pos += n;
			if ((ret = fill(r, 1)) < 0)
				return ret;
			if (!ret) {
				if (csv_fini(&r->csv, csv_field, csv_row_end, r))
					return fail(r, SFA_EINPUT, "%s:%zu: unterminated quoted field",
						    r->name, r->rec_line);
				if (!r->row_done)
					return 0;
			}
			continue;
		}
		if ((ret = csv_feed(r, i + 1)) < 0)
			return ret;
		c = p[i];
		r->pos += i + 1;
		if (c == '\n')
			r->line++;
		if (r->row_done && c == '\r') {
			/* The LF of a CRLF belongs to the row it ends. */
			if (r->pos == r->in.len && (ret = fill(r, 1)) < 0)
				return ret;
			if (r->pos < r->in.len && r->in.buf[r->pos] == '\n') {
				r->pos++;
				r->line++;
			}
		}
	}
	return 1;
}

/* A row that is a lone unquoted run of blanks: a blank line to skip. */
static int csv_blank(const struct sfa_reader *r)
{
	if (r->ncells != 1)
		return 0;
	for (size_t i = r->mark; i < r->pos; i++)
		if (!is_space(r->in.buf[i]))
			return 0;
	return 1;
}

void sfa_field_fold(struct sfa_buf *out, const char *s, size_t len)
{
	int gap = 0;
	size_t start = out->len;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
			if (gap && out->len > start)
				sfa_buf_addch(out, '_');
			gap = 0;
			sfa_buf_addch(out, (char)c);
		} else if (c >= 'A' && c <= 'Z') {
			if (gap && out->len > start)
				sfa_buf_addch(out, '_');
			gap = 0;
			sfa_buf_addch(out, (char)(c - 'A' + 'a'));
		} else {
			gap = 1;	/* blanks and punctuation: one '_' between words */
		}
	}
}

/* The field a column or key called `given` (folded in `name`) goes to. */
static void map_name(const struct sfa_reader *r, struct sfa_buf *name)
{
	const json_t *to = r->rename ? json_object_get(r->rename, name->buf) : NULL;
	if (json_is_string(to)) {
		sfa_buf_reset(name);
		sfa_buf_addstr(name, json_string_value(to));
	}
}

static int csv_header(struct sfa_reader *r)
{
	struct sfa_buf name = SFA_BUF_INIT;
	json_t *seen = json_object();
	size_t start = 0;
	int ret = 0;

	if (!seen) {
		ret = out_of_memory(r);
		goto done;
	}
	r->columns = sfa_xcalloc(r->ncells, sizeof(*r->columns));
	for (size_t i = 0; i < r->ncells; i++) {
		const char *s = r->cells.buf + start;
		size_t len = r->cell_end[i] - start;

		start = r->cell_end[i];
		if (memchr(s, '\0', len) || !sfa_utf8_valid(s, len, NULL)) {
			ret = fail(r, SFA_EINPUT, "%s:%zu: column %zu: invalid UTF-8",
				   r->name, r->rec_line, i + 1);
			goto done;
		}
		sfa_buf_reset(&name);
		sfa_field_fold(&name, s, len);
		map_name(r, &name);
		if (!name.len) {
			ret = fail(r, SFA_EINPUT, "%s:%zu: column %zu: empty name",
				   r->name, r->rec_line, i + 1);
			goto done;
		}
		if (sfa_field_name_check(name.buf) < 0) {
			char *why = sfa_xstrdup(sfa_error_last());
			ret = fail(r, SFA_EINPUT, "%s:%zu: column %zu: %s", r->name, r->rec_line, i + 1, why);
			free(why);
			goto done;
		}
		if (json_object_get(seen, name.buf)) {
			ret = fail(r, SFA_EINPUT, "%s:%zu: duplicate column '%s'",
				   r->name, r->rec_line, name.buf);
			goto done;
		}
		if (json_object_set_new_nocheck(seen, name.buf, json_true())) {
			ret = out_of_memory(r);
			goto done;
		}
		r->columns[r->ncolumns++] = sfa_buf_detach(&name, NULL);
	}
	sfa_buf_add(&r->header, r->in.buf + r->mark, r->pos - r->mark);
	r->have_header = 1;

done:
	sfa_buf_release(&name);
	json_decref(seen);
	return ret;
}

static int csv_record(struct sfa_reader *r, json_t **out)
{
	json_t *rec = NULL;
	size_t start = 0;
	int ret;

	if (r->ncells != r->ncolumns) {
		ret = sfa_error_set(SFA_EINPUT, "%s:%zu: expected %zu field%s, found %zu",
				    r->name, r->rec_line, r->ncolumns,
				    r->ncolumns == 1 ? "" : "s", r->ncells);
		goto done;
	}
	if (!(rec = json_object())) {
		ret = out_of_memory(r);
		goto done;
	}
	for (size_t i = 0; i < r->ncells; i++) {
		const char *s = r->cells.buf + start;
		size_t len = r->cell_end[i] - start;

		start = r->cell_end[i];
		if (!len)
			continue;
		/* Callers hand values on as C strings; a NUL would cut them short. */
		if (memchr(s, '\0', len)) {
			ret = sfa_error_set(SFA_EINPUT, "%s:%zu: field '%s': NUL byte",
					    r->name, r->rec_line, r->columns[i]);
			goto done;
		}
		if (!sfa_utf8_valid(s, len, NULL)) {
			ret = sfa_error_set(SFA_EINPUT, "%s:%zu: field '%s': invalid UTF-8",
					    r->name, r->rec_line, r->columns[i]);
			goto done;
		}
		if (json_object_set_new_nocheck(rec, r->columns[i], json_stringn_nocheck(s, len))) {
			ret = out_of_memory(r);
			goto done;
		}
	}
	*out = rec;
	rec = NULL;
	ret = 1;

done:
	json_decref(rec);
	return ret;
}

static int csv_next(struct sfa_reader *r, json_t **out)
{
	int ret;

	for (;;) {
		if ((ret = csv_row(r)) <= 0)
			return ret;
		if (csv_blank(r))
			continue;
		if (!r->have_header) {
			if ((ret = csv_header(r)) < 0)
				return ret;
			continue;
		}
		r->has_raw = 1;
		r->raw_off = r->mark;
		r->raw_len = r->pos - r->mark;
		return csv_record(r, out);
	}
}

/*
 * Where the first NUL byte at or after `pos` is, or the end of the input
 * in hand. jansson loses count of its position when it backs up over a
 * NUL, and no JSON text holds one, so it never gets to see them.
 */
static size_t nul_stop(struct sfa_reader *r)
{
	const char *p;

	if (r->nul_scan < r->pos)
		r->nul_scan = r->pos;
	p = memchr(r->in.buf + r->nul_scan, '\0', r->in.len - r->nul_scan);
	r->nul_scan = p ? (size_t)(p - r->in.buf) : r->in.len;
	return r->nul_scan;
}

/* The absolute line of a jansson error in the value starting at `rec_line`. */
static size_t json_error_line(const struct sfa_reader *r, const json_error_t *err)
{
	return err->line > 0 ? r->rec_line + (size_t)err->line - 1 : r->rec_line;
}

/*
 * Parses the value at `pos`. jansson wants the whole value in memory, so
 * it is parsed from what is buffered and parsed again with more input
 * when it runs off the end.
 */
/*
 * Keys folded and mapped like CSV columns. Two keys that become the same
 * field refuse the record, as two such columns refuse a header: keeping
 * one of the values would drop the other without a word.
 */
static int rename_keys(const struct sfa_reader *r, json_t *rec)
{
	struct sfa_buf name = SFA_BUF_INIT;
	const char *k;
	json_t *v, *tmp, *moved = NULL, *fields = json_object();
	int ret = 0;

	json_object_foreach(rec, k, v) {
		json_t *other;
		sfa_buf_reset(&name);
		sfa_field_fold(&name, k, strlen(k));
		map_name(r, &name);
		if (!name.len)	/* left as it is, for the field name check to judge */
			sfa_buf_addstr(&name, k);
		if ((other = json_object_get(fields, name.buf))) {
			ret = sfa_error_set(SFA_EINPUT, "%s:%zu: keys '%s' and '%s' are both field '%s'",
					    r->name, r->rec_line, json_string_value(other), k, name.buf);
			goto done;
		}
		json_object_set_new(fields, name.buf, json_string(k));
	}
	json_object_foreach_safe(rec, tmp, k, v) {
		sfa_buf_reset(&name);
		sfa_field_fold(&name, k, strlen(k));
		map_name(r, &name);
		if (!strcmp(name.buf, k) || !name.len)
			continue;
		if (!moved)
			moved = json_object();
		json_object_set(moved, name.buf, v);
		json_object_del(rec, k);
	}
	if (moved) {
		json_object_update(rec, moved);
		json_decref(moved);
	}
done:
	json_decref(fields);
	sfa_buf_release(&name);
	return ret;
}

static int json_value(struct sfa_reader *r, json_t **out)
{
	const size_t strict = JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES;
	json_error_t err, refused;
	json_t *v = NULL;
	size_t avail, used = 0;
	int is_refused, cut = 0, ret;

	r->mark = r->pos;
	r->rec_line = r->line;
	for (;;) {
		size_t want = 1;
		int complete;

		avail = nul_stop(r) - r->pos;
		cut = r->pos + avail < r->in.len;
		is_refused = 0;
		v = json_loadb(r->in.buf + r->pos, avail, strict, &err);
		if (!v && (json_error_code(&err) == json_error_duplicate_key ||
			   json_error_code(&err) == json_error_null_character)) {
			/*
			 * Refuse just this value: parse it leniently to find
			 * where it ends, and go on after it.
			 */
			refused = err;
			is_refused = 1;
			v = json_loadb(r->in.buf + r->pos, avail,
				       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &err);
		}
		if (v) {
			used = (size_t)err.position;
			/* A number or a literal may go on past the buffer. */
			complete = used < avail || r->eof || cut || json_is_object(v) ||
				   json_is_array(v) || json_is_string(v);
		} else {
			complete = r->eof || cut || (size_t)err.position + JSON_TAIL < avail;
		}
		if (complete)
			break;
		json_decref(v);
		v = NULL;
		if (avail > SFA_RECORD_MAX)
			return too_large(r);
		/* Ask for as much again as we hold, so re-parsing stays linear. */
		if (avail >= CHUNK)
			want = avail < SFA_RECORD_MAX + 1 - avail ? avail : SFA_RECORD_MAX + 1 - avail;
		if ((ret = fill(r, want)) < 0)
			return ret;
	}

	if (!v && cut && (size_t)err.position + JSON_TAIL >= avail)
		return fail(r, SFA_EINPUT, "%s:%zu: NUL byte", r->name, json_error_line(r, &err));
	/* Cut short by the end of input: the value's own first line says most. */
	if (!v)
		return fail(r, SFA_EINPUT, "%s:%zu: %s", r->name,
			    r->eof && (size_t)err.position + JSON_TAIL >= avail ? r->rec_line
										 : json_error_line(r, &err),
			    err.text);
	if (used > SFA_RECORD_MAX) {
		json_decref(v);
		return too_large(r);
	}
	for (size_t i = 0; i < used; i++)
		if (r->in.buf[r->pos + i] == '\n')
			r->line++;
	r->pos += used;
	r->nvalues++;
	if (r->mode == MODE_OBJECTS && r->nvalues > 1)
		r->format = SFA_FORMAT_NDJSON;
	r->has_raw = 1;
	r->raw_off = r->mark;
	r->raw_len = used;

	if (is_refused) {
		json_decref(v);
		/* jansson's own text names a flag of its API. */
		if (json_error_code(&refused) == json_error_null_character)
			return sfa_error_set(SFA_EINPUT, "%s:%zu: \\u0000 (NUL) not allowed",
					     r->name, json_error_line(r, &refused));
		return sfa_error_set(SFA_EINPUT, "%s:%zu: %s",
				     r->name, json_error_line(r, &refused), refused.text);
	}
	if (!json_is_object(v)) {
		json_decref(v);
		return sfa_error_set(SFA_EINPUT, "%s:%zu: not an object", r->name, r->rec_line);
	}
	if (r->rename && (ret = rename_keys(r, v)) < 0) {
		json_decref(v);
		return ret;
	}
	*out = v;
	return 1;
}

static int json_next(struct sfa_reader *r, json_t **out)
{
	int ret;

	for (;;) {
		if ((ret = skip_space(r)) < 0)
			return ret;
		if (r->mode == MODE_OBJECTS)
			return ret ? json_value(r, out) : 0;

		switch (r->astate) {
		case ARRAY_FIRST:
		case ARRAY_NEXT:
			if (!ret)
				return fail(r, SFA_EINPUT, "%s:%zu: ']' expected near end of file",
					    r->name, r->line);
			if (r->in.buf[r->pos] == ']') {
				r->pos++;
				r->astate = ARRAY_DONE;
				continue;
			}
			if (r->astate == ARRAY_NEXT) {
				if (r->in.buf[r->pos] != ',')
					return fail(r, SFA_EINPUT, "%s:%zu: ',' or ']' expected",
						    r->name, r->line);
				r->pos++;
				r->astate = ARRAY_ELEMENT;
				continue;
			}
			/* fall through */
		case ARRAY_ELEMENT:
			if (!ret)
				return fail(r, SFA_EINPUT, "%s:%zu: value expected near end of file",
					    r->name, r->line);
			r->astate = ARRAY_NEXT;
			return json_value(r, out);
		case ARRAY_DONE:
			if (!ret)
				return 0;
			return fail(r, SFA_EINPUT, "%s:%zu: end of file expected", r->name, r->line);
		}
	}
}

int sfa_reader_open(struct sfa_reader **out, int fd, const char *name)
{
	struct sfa_reader *r = sfa_xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->name = sfa_xstrdup(name ? name : "stdin");
	r->mode = MODE_NONE;
	r->format = SFA_FORMAT_AUTO;
	r->line = 1;
	sfa_buf_init(&r->fatal_msg, 0);
	sfa_buf_init(&r->in, 0);
	sfa_buf_init(&r->cells, 0);
	sfa_buf_init(&r->header, 0);
	*out = r;
	return 0;
}

void sfa_reader_rename(struct sfa_reader *r, const json_t *map)
{
	r->rename = map;
}

int sfa_reader_next(struct sfa_reader *r, json_t **out)
{
	int ret;

	*out = NULL;
	if (r->fatal)
		return sfa_error_set(r->fatal, "%s", r->fatal_msg.buf);
	r->has_raw = 0;
	if (r->mode == MODE_NONE && (ret = detect(r)) < 0)
		return ret;
	if (r->mode == MODE_CSV)
		return csv_next(r, out);
	return json_next(r, out);
}

int sfa_reader_fatal(const struct sfa_reader *r)
{
	return r->fatal != 0;
}

size_t sfa_reader_line(const struct sfa_reader *r)
{
	return r->rec_line;
}

const char *sfa_reader_name(const struct sfa_reader *r)
{
	return r->name;
}

enum sfa_format sfa_reader_format(const struct sfa_reader *r)
{
	return r->format;
}

const char *sfa_reader_raw(const struct sfa_reader *r, size_t *len)
{
	if (len)
		*len = r->has_raw ? r->raw_len : 0;
	return r->has_raw ? r->in.buf + r->raw_off : NULL;
}

const char *sfa_reader_header_raw(const struct sfa_reader *r, size_t *len)
{
	if (len)
		*len = r->have_header ? r->header.len : 0;
	return r->have_header ? r->header.buf : NULL;
}

void sfa_reader_free(struct sfa_reader *r)
{
	if (!r)
		return;
	if (r->csv_ready)
		csv_free(&r->csv);
	for (size_t i = 0; i < r->ncolumns; i++)
		free(r->columns[i]);
	free(r->columns);
	free(r->cell_end);
	sfa_buf_release(&r->cells);
	sfa_buf_release(&r->header);
	sfa_buf_release(&r->in);
	sfa_buf_release(&r->fatal_msg);
	free(r->name);
	free(r);
}
