#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/document.h"
#include "sfa/error.h"
#include "sfa/utf8.h"
#include "unit.h"
#include "sfa/banned.h"

/*
 * A quote as `sfa-quote render --format json` gives it: a bundle (line 2)
 * whose components come before and after it in the list, an optional
 * component and an optional line, Cyrillic and Chinese names, two rates.
 */
static const char sample[] =
	"{\"company\": {\"name\": \"Acme Pumps GmbH\", \"address\": \"Hafenstr. 1\\n20457 Hamburg\\nGermany\","
	"  \"email\": \"sales@acme.example\", \"phone\": \"+49 40 1234\", \"vat_id\": \"DE123456789\","
	"  \"website\": \"acme.example\"},"
	" \"quote\": {\"number\": \"Q-2026-7K3M9P\", \"version\": 2, \"date\": \"2026-11-23\","
	"  \"valid_until\": \"2026-12-23\", \"status\": \"approved\", \"currency\": \"EUR\","
	"  \"terms\": \"Payment within 30 days of invoice.\", \"notes\": \"Installation dates to be agreed.\"},"
	" \"owner\": {\"name\": \"Jonas Weber\", \"email\": \"jonas.weber@example.com\"},"
	" \"customer\": {\"name\": \"Nordic Pumps AB\", \"address\": \"Storgatan 5\\n41101 G\xc3\xb6teborg\\nSweden\","
	"  \"contact\": \"Greta Lindqvist\", \"email\": \"greta@nordicpumps.example\"},"
	" \"opportunity\": {\"name\": \"Pumps for Nordic\"},"
	" \"lines\": ["
	"  {\"line\": 3, \"sku\": \"WID-100\", \"name\": \"Widget\", \"qty\": 2, \"unit\": \"each\","
	"   \"list_price\": \"0.00\", \"amount\": \"0.00\", \"tax_rate\": \"19\", \"bundle\": 2},"
	"  {\"line\": 1, \"sku\": \"PUMP-XL\", \"name\": \"Pump XL\", \"description\": \"Stainless steel pump\","
	"   \"qty\": 3, \"unit\": \"each\", \"list_price\": \"1,200.00\", \"discount\": \"10\", \"amount\": \"3,240.00\","
	"   \"tax_rate\": \"19\", \"bundle\": 0, \"optional\": false},"
	"  {\"line\": 2, \"sku\": \"STARTER-KIT\", \"name\": \"Starter kit\", \"qty\": 1, \"unit\": \"each\","
	"   \"list_price\": \"450.00\", \"discount\": \"\", \"amount\": \"450.00\", \"tax_rate\": \"19\", \"bundle\": 0},"
	"  {\"line\": 4, \"sku\": \"SVC-SETUP\", \"name\": \"Setup service\", \"qty\": 1, \"unit\": \"hour\","
	"   \"list_price\": \"0.00\", \"amount\": \"0.00\", \"tax_rate\": \"19\", \"bundle\": 2, \"optional\": true},"
	"  {\"line\": 5, \"sku\": \"SENS-RU\", \"name\": \"\xd0\x94\xd0\xb0\xd1\x82\xd1\x87\xd0\xb8\xd0\xba"
	" \xd0\xb4\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f\", \"qty\": 4, \"unit\": \"each\","
	"   \"list_price\": \"85.00\", \"discount\": \"5\", \"amount\": \"323.00\", \"tax_rate\": \"7\", \"bundle\": 0},"
	"  {\"line\": 6, \"sku\": \"CTRL-CN\", \"name\": \"\xe6\xb0\xb4\xe6\xb3\xb5\xe6\x8e\xa7\xe5\x88\xb6\xe5\x99\xa8\","
	"   \"description\": \"\xe6\x94\xaf\xe6\x8c\x81\xe8\xbf\x9c\xe7\xa8\x8b\xe7\x9b\x91\xe6\x8e\xa7\","
	"   \"qty\": 2, \"unit\": \"each\", \"list_price\": \"310.00\", \"amount\": \"620.00\", \"tax_rate\": \"19\"},"
	"  {\"line\": 7, \"sku\": \"SVC-TRAIN\", \"name\": \"Operator training\", \"qty\": 1, \"unit\": \"day\","
	"   \"list_price\": \"900.00\", \"amount\": \"900.00\", \"tax_rate\": \"19\", \"optional\": true}],"
	" \"totals\": {\"subtotal\": \"5,820.00\", \"discount_total\": \"377.00\","
	"  \"taxes\": [{\"rate\": \"19\", \"base\": \"4,310.00\", \"tax\": \"818.90\"},"
	"             {\"rate\": \"7\", \"base\": \"323.00\", \"tax\": \"22.61\"}],"
	"  \"tax_total\": \"841.51\", \"total\": \"5,474.51\", \"currency\": \"EUR\"}}";

#define RU_NAME "\xd0\x94\xd0\xb0\xd1\x82\xd1\x87\xd0\xb8\xd0\xba \xd0\xb4\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f"
#define CN_NAME "\xe6\xb0\xb4\xe6\xb3\xb5\xe6\x8e\xa7\xe5\x88\xb6\xe5\x99\xa8"
#define CN_DESC "\xe6\x94\xaf\xe6\x8c\x81\xe8\xbf\x9c\xe7\xa8\x8b\xe7\x9b\x91\xe6\x8e\xa7"

static const struct {
	const char *name, *sku, *amount;
} sample_lines[] = {
	{ "Widget", "WID-100", "0.00" },
	{ "Pump XL", "PUMP-XL", "3,240.00" },
	{ "Starter kit", "STARTER-KIT", "450.00" },
	{ "Setup service", "SVC-SETUP", "0.00" },
	{ RU_NAME, "SENS-RU", "323.00" },
	{ CN_NAME, "CTRL-CN", "620.00" },
	{ "Operator training", "SVC-TRAIN", "900.00" },
};

#define NSAMPLE (sizeof(sample_lines) / sizeof(sample_lines[0]))

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int ends_with_eof(const struct sfa_buf *b)
{
	size_t n = b->len;

	while (n && (b->buf[n - 1] == '\n' || b->buf[n - 1] == '\r'))
		n--;
	return n >= 5 && !memcmp(b->buf + n - 5, "%%EOF", 5);
}

/* Writes `pdf` to a fresh file and runs `tool` (pdftotext -layout, pdfinfo) on it; 0 on success. */
static int poppler(struct sfa_buf *out, const char *tool, const struct sfa_buf *pdf)
{
	struct sfa_buf path = SFA_BUF_INIT;
	int fd, rc = -1;

	sfa_buf_addf(&path, "%s/quote-XXXXXX", unit_tmpdir());
	fd = mkstemp(path.buf);
	if (fd < 0)
		goto done;
	if (write(fd, pdf->buf, pdf->len) != (ssize_t)pdf->len) {
		close(fd);
		goto done;
	}
	if (close(fd))
		goto done;
	rc = unit_run(out, "%s '%s' %s 2>&1", tool, path.buf, !strcmp(tool, "pdfinfo -isodates") ? "" : "-");
	unlink(path.buf);
done:
	sfa_buf_release(&path);
	return rc;
}

static void test_pdf(void)
{
	json_t *doc = unit_json(sample);
	struct sfa_buf pdf = SFA_BUF_INIT, again = SFA_BUF_INIT, text = SFA_BUF_INIT, info = SFA_BUF_INIT;

	CHECK_INT(sfa_document_pdf(&pdf, doc), 1);
	CHECK(pdf.len > 1000 && !strncmp(pdf.buf, "%PDF-", 5));
	CHECK(ends_with_eof(&pdf));
	CHECK_INT(poppler(&text, "pdftotext -layout", &pdf), 0);
	for (size_t i = 0; i < NSAMPLE; i++) {
		if (!CHECK(has(text.buf, sample_lines[i].name)))
			printf("#   name '%s' missing\n", sample_lines[i].name);
		CHECK(has(text.buf, sample_lines[i].sku));
		CHECK(has(text.buf, sample_lines[i].amount));
	}
	CHECK(has(text.buf, CN_DESC));
	CHECK(has(text.buf, "Acme Pumps GmbH"));
	CHECK(has(text.buf, "Q-2026-7K3M9P"));
	CHECK(has(text.buf, "Prepared for"));
	CHECK(has(text.buf, "Nordic Pumps AB"));
	CHECK(has(text.buf, "G\xc3\xb6teborg"));
	CHECK(has(text.buf, "1,200.00"));
	CHECK(has(text.buf, "10 %"));
	CHECK(has(text.buf, "Tax 19 % on 4,310.00"));
	CHECK(has(text.buf, "Tax 7 % on 323.00"));
	CHECK(has(text.buf, "818.90"));
	CHECK(has(text.buf, "-377.00"));
	CHECK(has(text.buf, "EUR 5,474.51"));
	CHECK_INT(count(text.buf, "(optional)"), 2);
	CHECK(has(text.buf, "Payment within 30 days of invoice."));
	CHECK(has(text.buf, "VAT ID DE123456789"));
	CHECK(has(text.buf, "Page 1 of 1"));
	/* components come after their bundle, whatever the order of the list */
	CHECK(strstr(text.buf, "Starter kit") && strstr(text.buf, "Widget") &&
	      strstr(text.buf, "Starter kit") < strstr(text.buf, "Widget") &&
	      strstr(text.buf, "Widget") < strstr(text.buf, "Setup service"));
	if (!has(text.buf, "Page 1 of 1"))
		printf("# %s\n", text.buf);

	CHECK_INT(poppler(&info, "pdfinfo -isodates", &pdf), 0);
	CHECK(has(info.buf, "Title:           Q-2026-7K3M9P\n"));
	CHECK(has(info.buf, "Creator:         sfa\n"));
	CHECK(has(info.buf, "CreationDate:    2026-11-23T00:00:00"));
	CHECK(has(info.buf, "Page size:       595.28 x 841.89 pts (A4)"));

	/* the same document, the same bytes; appended after what is there */
	sfa_buf_addstr(&again, "keep");
	CHECK_INT(sfa_document_pdf(&again, doc), 1);
	CHECK(again.len == pdf.len + 4 && !memcmp(again.buf, "keep", 4) &&
	      !memcmp(again.buf + 4, pdf.buf, pdf.len));

	sfa_buf_release(&pdf);
	sfa_buf_release(&again);
	sfa_buf_release(&text);
	sfa_buf_release(&info);
	json_decref(doc);
}

/* The sample with `n` copies of its second line, numbered 1..n. */
static json_t *long_quote(int n)
{
	json_t *doc = unit_json(sample), *lines = json_object_get(doc, "lines");
	json_t *model = json_deep_copy(json_array_get(lines, 1));

	json_array_clear(lines);
	for (int i = 1; i <= n; i++) {
		json_t *l = json_deep_copy(model);
		char name[32];
		snprintf(name, sizeof(name), "Pump %d", i);
		json_object_set_new(l, "line", json_integer(i));
		json_object_set_new(l, "name", json_string(name));
		json_array_append_new(lines, l);
	}
	json_decref(model);
	return doc;
}

static void test_pages(void)
{
	json_t *doc = long_quote(500);
	struct sfa_buf pdf = SFA_BUF_INIT, text = SFA_BUF_INIT, want = SFA_BUF_INIT;
	int pages = sfa_document_pdf(&pdf, doc), ok = 1;
	char *page, *end;

	CHECK(pages > 5 && pages < 100);
	CHECK_INT(poppler(&text, "pdftotext -layout", &pdf), 0);
	/* pdftotext ends each page with a form feed */
	CHECK_INT(count(text.buf, "\f"), pages);
	/* the table head is repeated on every page that holds rows */
	CHECK(count(text.buf, "Unit price") >= pages - 1);
	CHECK(has(text.buf, "Pump 1 "));
	CHECK(has(text.buf, "Pump 500"));
	CHECK(has(text.buf, "EUR 5,474.51"));
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "Page %d of", pages + 1);
	CHECK(!has(text.buf, want.buf));
	page = text.buf;
	for (int i = 1; i <= pages && page; i++) {
		end = strchr(page, '\f');
		if (end)
			*end = '\0';
		sfa_buf_reset(&want);
		sfa_buf_addf(&want, "Page %d of %d", i, pages);
		if (!has(page, want.buf) || (i > 1 && !has(page, "Q-2026-7K3M9P, version 2 (continued)")) ||
		    !has(page, "Acme Pumps GmbH") || !has(page, "VAT ID DE123456789")) {
			printf("# page %d: no '%s' or no running head or footer\n", i, want.buf);
			ok = 0;
		}
		page = end ? end + 1 : NULL;
	}
	CHECK(ok);
	sfa_buf_release(&pdf);
	sfa_buf_release(&text);
	sfa_buf_release(&want);
	json_decref(doc);
}

/* The line of `text` holding `needle`, as a new string (free it), or NULL. */
static char *line_with(const char *text, const char *needle)
{
	const char *at = strstr(text, needle), *start, *end;

	if (!at)
		return NULL;
	for (start = at; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(at, '\n');
	return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* Display columns from the start of `line` to the end of the last `needle` in it, or 0. */
static size_t column_after(const char *line, const char *needle)
{
	const char *at = NULL;

	for (const char *p = line; p && (p = strstr(p, needle)); p++)
		at = p;

	return at ? sfa_utf8_width(line, (size_t)(at - line) + strlen(needle)) : 0;
}

static size_t column_of(const char *line, const char *needle)
{
	const char *at = line ? strstr(line, needle) : NULL;

	return at ? sfa_utf8_width(line, (size_t)(at - line)) : 0;
}

static void test_text(void)
{
	json_t *doc = unit_json(sample);
	struct sfa_buf out = SFA_BUF_INIT;
	size_t widest = 0, amount_end, qty_end;
	char *head, *row;
	const char *p;

	CHECK_INT(sfa_document_text(&out, doc), 0);
	CHECK(sfa_utf8_valid(out.buf, out.len, NULL));
	for (p = out.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t w = sfa_utf8_width(p, nl ? (size_t)(nl - p) : strlen(p));
		widest = w > widest ? w : widest;
		p = nl ? nl + 1 : p + strlen(p);
	}
	CHECK(widest <= SFA_DOCUMENT_TEXT_WIDTH);
	CHECK(out.len && out.buf[out.len - 1] == '\n');

	for (size_t i = 0; i < NSAMPLE; i++) {
		CHECK(has(out.buf, sample_lines[i].name));
		CHECK(has(out.buf, sample_lines[i].sku));
		CHECK(has(out.buf, sample_lines[i].amount));
	}
	CHECK(has(out.buf, "Tax 19 % on 4,310.00"));
	CHECK(has(out.buf, "EUR 5,474.51"));
	CHECK(has(out.buf, "Prepared for"));
	CHECK(has(out.buf, "Setup service (optional)"));
	CHECK(has(out.buf, "Operator training (optional)"));
	CHECK(has(out.buf, "Valid until"));
	CHECK(has(out.buf, "2026-12-23"));

	/* amounts and quantities end in the column of their heads, CJK rows included */
	head = line_with(out.buf, "Unit price");
	amount_end = column_after(head, "Amount");
	qty_end = column_after(head, "Qty");
	CHECK_INT(amount_end, SFA_DOCUMENT_TEXT_WIDTH);
	for (size_t i = 0; i < NSAMPLE; i++) {
		row = line_with(out.buf, sample_lines[i].name);
		CHECK_INT(column_after(row, sample_lines[i].amount), amount_end);
		free(row);
	}
	row = line_with(out.buf, CN_NAME);
	CHECK_INT(column_after(row, " 2 "), qty_end + 1);
	CHECK_INT(column_of(row, CN_NAME), column_of(head, "Item"));
	free(row);
	row = line_with(out.buf, "EUR 5,474.51");
	CHECK_INT(column_after(row, "EUR 5,474.51"), amount_end);
	free(row);
	/* components indented under their bundle, after it */
	row = line_with(out.buf, "Widget");
	CHECK_INT(column_of(row, "Widget"), column_of(head, "Item") + 2);
	free(row);
	row = line_with(out.buf, "Pump XL");
	CHECK_INT(column_of(row, "Pump XL"), column_of(head, "Item"));
	free(row);
	CHECK(strstr(out.buf, "Starter kit") < strstr(out.buf, "Widget"));
	free(head);

	sfa_buf_release(&out);
	json_decref(doc);
}

static void test_wrap(void)
{
	json_t *doc = unit_json(sample), *line = json_array_get(json_object_get(doc, "lines"), 1);
	struct sfa_buf out = SFA_BUF_INIT, name = SFA_BUF_INIT;
	char *head, *row;
	size_t item, n = 0;
	const char *p;

	/* 40 CJK characters (80 columns) and a word longer than any line */
	for (int i = 0; i < 40; i++)
		sfa_buf_addstr(&name, "\xe9\xbe\x8d");
	json_object_set_new(line, "name", json_string(name.buf));
	json_object_set_new(line, "description", json_string("x123456789x123456789x123456789x123456789x123456789"));
	CHECK_INT(sfa_document_text(&out, doc), 0);
	head = line_with(out.buf, "Unit price");
	item = column_of(head, "Qty") - column_of(head, "Item");
	for (p = out.buf; (p = strstr(p, "\xe9\xbe\x8d")); p += 3)
		n++;
	CHECK_INT(n, 40);
	row = line_with(out.buf, "\xe9\xbe\x8d");
	/* the first line of the name is full (to a column) and ends before Qty */
	CHECK(row && column_after(row, "\xe9\xbe\x8d") < column_of(head, "Qty") && item > 10);
	CHECK(row && (size_t)count(row, "\xe9\xbe\x8d") * 2 + 2 >= item - 2);
	CHECK(has(out.buf, "3,240.00"));
	CHECK(!has(out.buf, "x123456789x123456789x123456789x123456789x123456789"));
	CHECK(has(out.buf, "x123456789x12345"));
	free(row);
	free(head);

	/* the PDF cuts what does not fit a row, and still renders */
	sfa_buf_reset(&out);
	for (int i = 0; i < 2000; i++)
		sfa_buf_addstr(&name, " word");
	json_object_set_new(line, "description", json_string(name.buf));
	CHECK_INT(sfa_document_pdf(&out, doc), 1);

	sfa_buf_release(&out);
	sfa_buf_release(&name);
	json_decref(doc);
}

static void test_minimal(void)
{
	json_t *doc = unit_json("{\"quote\": {\"number\": \"Q-1\"}, \"lines\": [], \"totals\": {\"total\": \"0\"}}");
	struct sfa_buf out = SFA_BUF_INIT, text = SFA_BUF_INIT;

	CHECK_INT(sfa_document_pdf(&out, doc), 1);
	CHECK_INT(poppler(&text, "pdftotext -layout", &out), 0);
	CHECK(has(text.buf, "Q-1"));
	CHECK(has(text.buf, "Page 1 of 1"));
	CHECK(!has(text.buf, "Prepared for"));
	CHECK(!has(text.buf, "Subtotal"));
	sfa_buf_reset(&out);
	CHECK_INT(sfa_document_text(&out, doc), 0);
	CHECK(has(out.buf, "Q-1"));
	CHECK(has(out.buf, "Total"));
	CHECK(!has(out.buf, "Prepared for"));
	CHECK(!has(out.buf, "Discount"));
	sfa_buf_release(&out);
	sfa_buf_release(&text);
	json_decref(doc);

	/* blank texts are left out, control characters do not reach the page */
	doc = unit_json("{\"quote\": {\"number\": \"Q-3\", \"terms\": \" \\n\\n \", \"notes\": \"a\\tb\\u0007c\\n\"},"
			" \"customer\": {\"name\": \"\\n\"}, \"totals\": {\"total\": \"1.00\"},"
			" \"lines\": [{\"line\": 1, \"name\": \"Tab\\there\"}]}");
	CHECK_INT(sfa_document_text(&out, doc), 0);
	CHECK(!has(out.buf, "Terms"));
	CHECK(!has(out.buf, "Prepared for"));
	CHECK(has(out.buf, "Notes\na b c\n"));
	CHECK(has(out.buf, "Tab here"));
	CHECK(!strchr(out.buf, '\t') && !strchr(out.buf, '\a'));
	sfa_buf_reset(&out);
	CHECK_INT(sfa_document_pdf(&out, doc), 1);
	CHECK_INT(poppler(&text, "pdftotext -layout", &out), 0);
	CHECK(has(text.buf, "Tab here"));
	CHECK(!has(text.buf, "Terms"));
	sfa_buf_reset(&out);
	sfa_buf_reset(&text);
	json_decref(doc);

	/* a component whose bundle is missing is a line of its own; numbers as numbers */
	doc = unit_json("{\"quote\": {\"number\": \"Q-2\", \"date\": \"23.11.2026\"}, \"totals\": {},"
			" \"lines\": [{\"line\": 1, \"name\": \"Lone\", \"bundle\": 9, \"qty\": 2.5, \"amount\": 12}]}");
	CHECK_INT(sfa_document_text(&out, doc), 0);
	{
		char *head = line_with(out.buf, "Item"), *row = line_with(out.buf, "Lone");
		CHECK_INT(column_of(row, "Lone"), column_of(head, "Item"));
		CHECK(row && has(row, "2.5") && has(row, " 12"));
		free(head);
		free(row);
	}
	sfa_buf_reset(&out);
	CHECK_INT(sfa_document_pdf(&out, doc), 1);
	sfa_buf_release(&out);
	sfa_buf_release(&text);
	json_decref(doc);
}

static void check_error(const char *json, const char *message)
{
	json_t *doc = unit_json(json);
	struct sfa_buf out = SFA_BUF_INIT;

	sfa_buf_addstr(&out, "before");
	sfa_error_clear();
	CHECK_INT(sfa_document_pdf(&out, doc), SFA_EINPUT);
	if (!CHECK(has(sfa_error_last(), message)))
		printf("#   message: %s\n", sfa_error_last());
	CHECK_INT(sfa_document_text(&out, doc), SFA_EINPUT);
	CHECK_STR(out.buf, "before");
	sfa_buf_release(&out);
	json_decref(doc);
}

static void test_errors(void)
{
	check_error("{\"lines\": [], \"totals\": {}}", "'quote.number'");
	check_error("{\"quote\": {\"number\": \"\"}, \"lines\": [], \"totals\": {}}", "'quote.number'");
	check_error("{\"quote\": {\"number\": [1]}, \"lines\": [], \"totals\": {}}", "'quote.number'");
	check_error("{\"quote\": {\"number\": \"Q-1\"}, \"totals\": {}}", "quote document 'Q-1': no 'lines'");
	check_error("{\"quote\": {\"number\": \"Q-1\"}, \"lines\": {}, \"totals\": {}}", "no 'lines'");
	check_error("{\"quote\": {\"number\": \"Q-1\"}, \"lines\": []}", "no 'totals'");
	check_error("{\"quote\": {\"number\": \"Q-1\"}, \"lines\": [{}, 3], \"totals\": {}}", "line 2: not an object");
	check_error("[]", "not an object");
}

void unit_tests(void)
{
	test_pdf();
	test_pages();
	test_text();
	test_wrap();
	test_minimal();
	test_errors();
}
