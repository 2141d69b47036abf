/*
 * Fuzzes the JSON side of the record reader: single objects, NDJSON and
 * arrays (harness: fuzz-reader.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
}

#include "fuzz-reader.h"
