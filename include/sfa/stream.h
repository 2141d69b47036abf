/*
 * Record streams: records in from CSV or JSON (detected), records out as
 * CSV, JSON, NDJSON, an aligned table or bare ids.
 *
 * A record is a jansson object whose keys are field names. Records read
 * from CSV hold only strings and omit empty cells; JSON records keep the
 * values as given (a null value means "no value").
 */
#ifndef SFA_STREAM_H
#define SFA_STREAM_H

#include <stdio.h>
#include <jansson.h>

enum sfa_format {
	SFA_FORMAT_AUTO = 0,	/* input: detect; output: table on a tty, else csv */
	SFA_FORMAT_CSV,
	SFA_FORMAT_JSON,
	SFA_FORMAT_NDJSON,
	SFA_FORMAT_TABLE,
	SFA_FORMAT_IDS,
};

/* Parses a --format name; returns SFA_EUSAGE with a message if unknown. */
int sfa_format_parse(enum sfa_format *out, const char *name);
const char *sfa_format_name(enum sfa_format f);

/* Largest record the reader accepts, raw bytes (CSV row or JSON value). */
#define SFA_RECORD_MAX (1024 * 1024)

struct sfa_reader;

/*
 * Reads records from `fd`; `name` names the source in messages ("stdin",
 * "leads.csv"). The format is detected from the first bytes after an
 * optional UTF-8 BOM: '{' or '[' is JSON, anything else CSV with a header
 * row. Nothing is read until the first sfa_reader_next().
 */
int sfa_reader_open(struct sfa_reader **out, int fd, const char *name);

/*
 * Reads the next record into `*out` (a new reference the caller owns and
 * must json_decref). Returns 1 for a record, 0 at the end, or a negative
 * code with a message "NAME:LINE: ..." naming the field where there is
 * one. After SFA_EINPUT for one bad record (ragged CSV row, invalid
 * UTF-8, a JSON value that is not an object, a duplicate key) reading may
 * go on with the next record; after a syntax error that loses the place
 * (unterminated quote, broken JSON) sfa_reader_fatal() is true and every
 * further call fails. An input with no bytes (or only whitespace) is an
 * error: "NAME: empty input".
 */
int sfa_reader_next(struct sfa_reader *r, json_t **out);
/*
 * Input names to field names: `map` (borrowed, kept while reading) has
 * folded names as keys (see sfa_field_fold) and field names as values.
 * CSV columns and JSON keys are folded and then mapped; two that end up
 * as one field refuse the record.
 */
void sfa_reader_rename(struct sfa_reader *r, const json_t *map);
/*
 * Appends `s` folded as a column name: ASCII letters lowercased, runs of
 * blanks and punctuation (other than '-') one '_' between words, so
 * "E-Mail Address" is "e-mail_address" and "Zip/Postal Code" "zip_postal_code".
 */
struct sfa_buf;
void sfa_field_fold(struct sfa_buf *out, const char *s, size_t len);
int sfa_reader_fatal(const struct sfa_reader *r);

/* Line (1-based) where the record last returned (or refused) starts. */
size_t sfa_reader_line(const struct sfa_reader *r);
const char *sfa_reader_name(const struct sfa_reader *r);
/* SFA_FORMAT_CSV, _JSON (a single object or an array) or _NDJSON. */
enum sfa_format sfa_reader_format(const struct sfa_reader *r);

/*
 * The exact input bytes of the record last returned or refused, and for
 * CSV the header row, so rejected records can be written out unchanged.
 */
const char *sfa_reader_raw(const struct sfa_reader *r, size_t *len);
const char *sfa_reader_header_raw(const struct sfa_reader *r, size_t *len);
void sfa_reader_free(struct sfa_reader *r);

struct sfa_writer;

/*
 * Writes records to `fp` in `fmt` (not AUTO). `columns` (NULL-terminated;
 * copied) lists the fields of CSV and table output in order; JSON output
 * holds only those fields when given, every field otherwise. IDS prints
 * the "id" field of each record, one per line. Tables are aligned by
 * display width (wide CJK characters count two) and are rendered at
 * sfa_writer_close, since widths need every row.
 */
int sfa_writer_open(struct sfa_writer **out, FILE *fp, enum sfa_format fmt,
		    const char *const *columns);
int sfa_writer_write(struct sfa_writer *w, const json_t *rec);
/* Finishes the output, flushes `fp`, checks for write errors, frees `w`. */
int sfa_writer_close(struct sfa_writer *w);
/* Frees without finishing (after an error). */
void sfa_writer_free(struct sfa_writer *w);

/* The text of a value as CSV and tables show it (strings unquoted, null
 * empty, objects and arrays as compact JSON). Appends to `out`. */
void sfa_value_text(struct sfa_buf *out, const json_t *v);
/*
 * A value as compact JSON: keys sorted, UTF-8 kept, reals in their
 * shortest round-trip form (0.1, not 0.10000000000000001), so the bytes do
 * not depend on the jansson version. Appends to `out`.
 */
void sfa_value_json(struct sfa_buf *out, const json_t *v);
/* A JSON string literal of `s` (quotes and escapes added). */
void sfa_json_string(struct sfa_buf *out, const char *s, size_t len);

#endif
