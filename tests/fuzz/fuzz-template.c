/*
 * Fuzzes the template language: the input is parsed as a template and,
 * when it parses, rendered against a small fixed document in text and in
 * HTML mode, checked against the document as its own shape, and its
 * fields listed. Beyond not crashing: a parse error names the template
 * and a line of it, a refused render leaves the output as it was, every
 * output is UTF-8, and in HTML mode nothing from the data can bring in
 * markup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/template.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

static const char data_text[] =
	"{\"name\": \"Greta <b>&amp;</b> \\\"O'Neil\\\"\", \"empty\": \"\", \"nil\": null, \"zero\": 0,"
	" \"yes\": true, \"no\": false, \"real\": 12.5, \"day\": \"2026-11-23\","
	" \"at\": \"2026-11-23T22:30:05Z\", \"ru\": \"Иван Петров\", \"cjk\": \"株式会社 山田\","
	" \"customer\": {\"name\": \"Nordic & Co\", \"address\": \"Storgatan 5\\nGöteborg\"},"
	" \"lines\": [{\"line\": 1, \"sku\": \"A<1>\", \"qty\": 3, \"parts\": [\"x\", \"'y'\"]},"
	" {\"line\": 2, \"sku\": \"B&2\", \"optional\": true, \"parts\": []}],"
	" \"tags\": [\"red\", \"\\\"green\\\"\"], \"none\": []}";

static json_t *data;

static int check_field(const struct sfa_template_field *f, void *lines)
{
	if (!f->name || !*f->name || f->line < 1 || f->line > *(size_t *)lines)
		abort();
	return 0;
}

/* Renders in one mode; the output must be UTF-8, and a refusal must leave `out` alone. */
static void render(const struct sfa_template *t, unsigned flags, struct sfa_buf *out)
{
	int err;

	sfa_buf_reset(out);
	sfa_buf_addstr(out, "kept");
	err = sfa_template_render(out, t, data, flags);
	if (err < 0) {
		if (err != SFA_EINPUT || strcmp(out->buf, "kept") || strncmp(sfa_error_last(), "fuzz:", 5))
			abort();
		return;
	}
	if (err || out->len < 4 || memcmp(out->buf, "kept", 4) || out->len - 4 > SFA_TEMPLATE_OUTPUT_MAX ||
	    !sfa_utf8_valid(out->buf, out->len, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	const char *text = (const char *)in;
	struct sfa_buf out = SFA_BUF_INIT;
	struct sfa_template *t;
	size_t lines = 1, line;
	char *end;
	int err;

	if (!data && !(data = json_loads(data_text, 0, NULL)))
		abort();
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';

	err = sfa_template_parse(&t, "fuzz", text, size);
	if (err < 0) {
		/* "fuzz:LINE: message" with a line of the text */
		const char *msg = sfa_error_last();

		if (err != SFA_EINPUT || t || strncmp(msg, "fuzz:", 5))
			abort();
		line = strtoul(msg + 5, &end, 10);
		if (line < 1 || line > lines || *end != ':' || strchr(msg, '\n'))
			abort();
		sfa_error_clear();
		return 0;
	}
	if (err || !t)
		abort();

	render(t, 0, &out);
	render(t, SFA_TEMPLATE_HTML, &out);
	/* without markup characters or "{{{" in the template, HTML output has none */
	if (!memmem(text, size, "{{{", 3) && out.len > 4 && !memchr(out.buf + 4, '\0', out.len - 4)) {
		int plain = 1;

		for (size_t i = 0; i < size && plain; i++)
			plain = !strchr("<>&\"'", text[i]) || !text[i];
		if (plain && strpbrk(out.buf + 4, "<>\"'"))
			abort();
	}
	err = sfa_template_check(t, data);
	if (err < 0 && (err != SFA_EINPUT || strncmp(sfa_error_last(), "fuzz:", 5)))
		abort();
	sfa_template_fields(t, check_field, &lines);

	sfa_template_free(t);
	sfa_buf_release(&out);
	sfa_error_clear();
	return 0;
}
