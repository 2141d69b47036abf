/* Fuzzes the CSV side of the record reader (harness: fuzz-reader.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/stream.h"

#define FUZZ_NAME "fuzz-csv"

/* JSON has its own target. */
static int wants(const uint8_t *data, size_t size)
{
	return !size || (data[0] != '{' && data[0] != '[');
}

static int format_ok(enum sfa_format f)
{
	return f == SFA_FORMAT_CSV;
}

/* Cells are non-empty text, measured by length. */
static void check_record(const json_t *rec, const char *raw, size_t len)
{
	const char *key;
	json_t *v;

	if (!json_is_object(rec) || !raw || !len || len > SFA_RECORD_MAX + 2)
		abort();
	json_object_foreach((json_t *)rec, key, v) {
		if (!*key || !json_is_string(v) || !json_string_length(v) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			abort();
	}
}

#include "fuzz-reader.h"
