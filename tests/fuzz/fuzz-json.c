/*
 * Fuzzes the JSON side of the record reader: single objects, NDJSON and
 * arrays (harness: fuzz-reader.h); and on every record read, the one-pass
 * field scanner reports will use (sfa_jscan) against jansson's reading.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/jscan.h"
#include "sfa/stream.h"

#define FUZZ_NAME "fuzz-json"

/* CSV has its own target. */
static int wants(const uint8_t *data, size_t size)
{
	return size && (data[0] == '{' || data[0] == '[');
}

static int format_ok(enum sfa_format f)
{
	return f == SFA_FORMAT_JSON || f == SFA_FORMAT_NDJSON;
}

/* Every field sfa_jscan finds in the raw text is the value jansson read there. */
static void check_scan(const json_t *rec, const char *raw, size_t len)
{
	const char *names[8];
	struct sfa_jspan v[8];
	size_t n = 0;
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)rec, k, val)
		if (n < 8)
			names[n++] = k;
	if (sfa_jscan_object(raw, len, names, n, v) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		const json_t *want = json_object_get(rec, names[i]);
		struct sfa_buf b = SFA_BUF_INIT;
		json_t *got;
		switch (v[i].kind) {
		case SFA_J_STRING:
			sfa_jscan_text(&b, &v[i]);
			if (!json_is_string(want) || b.len != json_string_length(want) ||
			    memcmp(b.buf ? b.buf : "", json_string_value(want), b.len))
				abort();
			break;
		case SFA_J_NONE:	/* only a key written with escapes goes unmatched */
			if (!memchr(raw, '\\', len))
				abort();
			break;
		default:
			got = json_loadb(v[i].p, v[i].len, JSON_DECODE_ANY, NULL);
			if (!got || !json_equal(got, (json_t *)want))
				abort();
			json_decref(got);
		}
		sfa_buf_release(&b);
	}
}

/* The raw bytes of a record are the very value, nothing around it. */
static void check_record(const json_t *rec, const char *raw, size_t len)
{
	json_error_t err;
	json_t *again;

	if (!json_is_object(rec) || !raw || !len || len > SFA_RECORD_MAX)
		abort();
	again = json_loadb(raw, len, JSON_REJECT_DUPLICATES, &err);
	if (!again || !json_equal(again, (json_t *)rec))
		abort();
	json_decref(again);
	check_scan(rec, raw, len);
}

#include "fuzz-reader.h"
