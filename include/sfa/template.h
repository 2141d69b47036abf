/*
 * Templates for documents (quotes as HTML) and mail: a small logic-less
 * language over a JSON object, parsed once into a tree and rendered as
 * often as needed.
 *
 *	{{name}} {{a.b.c}}		the value at a dotted path; numbers and
 *					booleans as JSON writes them, null nothing
 *	{{name|default:"there"}}	the text when the value is missing, null or ""
 *	{{name|upper}} {{name|lower}}	case mapping in every script with case
 *	{{when|date:"%d %B %Y"}}	a date or UTC date-time reformatted (C locale)
 *	{{total|money}}			an amount with its digits grouped:
 *					"1234567.50 EUR" as "1,234,567.50 EUR"
 *	{{{name}}}			never escaped
 *	{{#if name}}..{{else}}..{{/if}}	true unless missing, null, false, "", 0 or []
 *	{{#unless name}}..{{/unless}}
 *	{{#each list}}..{{else}}..{{/each}}
 *					once per element of an array (else: none);
 *					inside, names are looked up in the element
 *					first, then outward; {{this}} is the element,
 *					{{@index}} counts from 0, {{@number}} from 1,
 *					{{@first}} and {{@last}} are true or false
 *	{{! a comment }}
 *
 * Filters chain left to right ({{x|lower|default:"-"}}); a filter's text
 * is in double quotes, with \" and \\ as escapes. A tag ends at the first
 * "}}". A line holding nothing but block tags ({{#..}}, {{else}}, {{/..}})
 * or comments and blanks disappears with its line end, so text templates
 * stay tidy. Template text and values pass through byte for byte.
 */
#ifndef SFA_TEMPLATE_H
#define SFA_TEMPLATE_H

#include <stddef.h>
#include <jansson.h>

#include "sfa/buf.h"

/* Blocks nest at most this deep; deeper is a parse error. */
#define SFA_TEMPLATE_DEPTH_MAX 64
/* A render that would write more bytes than this is refused. */
#define SFA_TEMPLATE_OUTPUT_MAX ((size_t)64 << 20)
/*
 * A render that would visit more tags, texts and list elements than this
 * is refused, so lists nested in lists cannot loop for ages writing nothing.
 */
#define SFA_TEMPLATE_STEPS_MAX ((size_t)1 << 24)

enum sfa_template_flags {
	/* escape & < > " ' in the output of every {{...}} (not {{{...}}}) */
	SFA_TEMPLATE_HTML = 1 << 0,
};

struct sfa_template;

/*
 * Parses `len` bytes of `text` (copied; need not be NUL-terminated).
 * `name` (copied) starts every message: SFA_EINPUT with "NAME:LINE:
 * message" for invalid UTF-8, an empty or unclosed tag, an unknown block
 * or filter, a filter's bad argument, a bad field name, an '@' name
 * outside {{#each}}, blocks nested deeper than SFA_TEMPLATE_DEPTH_MAX, a
 * closing tag that does not match ("quote.html:12: '{{/each}}' closes
 * '{{#if total}}' opened at line 9") and a block never closed (the line
 * where it opened). On error `*out` is NULL.
 */
int sfa_template_parse(struct sfa_template **out, const char *name, const char *text, size_t len);
/* The same for a text that starts at line `first_line` of its file (for messages). */
int sfa_template_parse_at(struct sfa_template **out, const char *name, size_t first_line, const char *text,
			  size_t len);
void sfa_template_free(struct sfa_template *t);

/*
 * Appends the template rendered with `data` (borrowed; a JSON object, or
 * NULL for none) to `out`; `flags` is 0 for text or SFA_TEMPLATE_HTML. A
 * name with no value prints nothing: sfa_template_check() is what finds
 * misspelt names. SFA_EINPUT ("NAME:LINE: ...") when the output would
 * pass SFA_TEMPLATE_OUTPUT_MAX bytes or the work SFA_TEMPLATE_STEPS_MAX
 * steps; `out` is then left as it was.
 */
int sfa_template_render(struct sfa_buf *out, const struct sfa_template *t, const json_t *data,
			unsigned flags);

/*
 * Checks every name the template uses against `shape` (borrowed): an
 * object whose keys are the fields that exist, with nested objects for
 * the fields under a dotted name; for a field used by {{#each}}, an array
 * whose first element, when an object, gives the fields of its elements.
 * The values of other keys do not matter. SFA_EINPUT for the first name,
 * in the order of the text, that has no field ("quote.html:7: unknown
 * field 'custmer.name'") or that {{#each}} uses and is not an array
 * ("quote.html:9: field 'customer' is not a list").
 */
int sfa_template_check(const struct sfa_template *t, const json_t *shape);

/* One use of a field, for tools that list what a template needs. */
struct sfa_template_field {
	const char *name;	/* as written: "customer.name", "sku", "this.rate" */
	size_t line;
	const char *block;	/* "if", "unless" or "each" when it opens a block, else NULL */
	const char *within;	/* the name of the innermost {{#each}} around it, or NULL */
};

/*
 * Calls `fn` for every field used, in the order of the text (the '@'
 * names and a bare "this" are no fields). The strings live as long as
 * `t`. A non-zero return of `fn` stops the walk and is returned.
 */
int sfa_template_fields(const struct sfa_template *t,
			int (*fn)(const struct sfa_template_field *f, void *data), void *data);

#endif
