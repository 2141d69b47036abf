#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/stream.h"
#include "sfa/template.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

/*
 * The parser first cuts the text into tokens (texts and tags, each a
 * struct node), checking that blocks open and close in order so the
 * first mistake in the text is the one reported; then it drops the
 * standalone lines; then it links the tokens into the tree.
 */
enum node_kind {
	NODE_TEXT, NODE_VAR, NODE_IF, NODE_UNLESS, NODE_EACH,
	/* tokens only, gone from the tree */
	NODE_ELSE, NODE_CLOSE, NODE_COMMENT,
};

enum name_kind { NAME_FIELD, NAME_THIS, NAME_INDEX, NAME_NUMBER, NAME_FIRST, NAME_LAST };

enum filter_kind { FILTER_DEFAULT, FILTER_UPPER, FILTER_LOWER, FILTER_DATE, FILTER_MONEY };

/* Far more than any date needs; it bounds what one date can write. */
#define DATE_FORMAT_MAX 256

struct filter {
	enum filter_kind kind;
	char *arg;		/* the text of default, the format of date; else NULL */
};

struct name {
	char *text;		/* as written */
	enum name_kind kind;
	char **seg;		/* the path below the scope ("this.a.b": "a", "b") */
	size_t nseg;
};

struct node {
	enum node_kind kind;
	size_t line;
	const char *text;	/* NODE_TEXT: in the template's copy of the source */
	size_t len;
	struct name name;	/* NODE_VAR and blocks */
	struct filter *filters;
	size_t nfilters;
	int raw;		/* {{{...}}} */
	struct node *body, *alt;	/* blocks: before and after {{else}} */
	struct node *next;
};

struct sfa_template {
	char *name;
	char *src;
	struct node *root;
};

static const char *const block_names[] = {
	[NODE_IF] = "if", [NODE_UNLESS] = "unless", [NODE_EACH] = "each",
};

static const char *const at_names[] = {
	[NAME_INDEX] = "@index", [NAME_NUMBER] = "@number", [NAME_FIRST] = "@first", [NAME_LAST] = "@last",
};

static void name_release(struct name *n)
{
	for (size_t i = 0; i < n->nseg; i++)
		free(n->seg[i]);
	free(n->seg);
	free(n->text);
}

static void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		name_release(&n->name);
		for (size_t i = 0; i < n->nfilters; i++)
			free(n->filters[i].arg);
		free(n->filters);
		node_free(n->body);
		node_free(n->alt);
		free(n);
		n = next;
	}
}

void sfa_template_free(struct sfa_template *t)
{
	if (!t)
		return;
	node_free(t->root);
	free(t->src);
	free(t->name);
	free(t);
}

/* Parsing */

struct open_block {
	struct node *n;
	int in_else;
};

struct parser {
	const char *name;
	const char *src;
	size_t len, pos, line;
	struct node **tok;
	size_t ntok, alloc;
	struct open_block open[SFA_TEMPLATE_DEPTH_MAX];
	size_t depth;
};

static int parse_error(const struct parser *p, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(const struct parser *p, size_t line, const char *fmt, ...)
{
	struct sfa_buf msg = SFA_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	sfa_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	err = sfa_error_set(SFA_EINPUT, "%s:%zu: %s", p->name, line, msg.buf);
	sfa_buf_release(&msg);
	return err;
}

/*
 * A piece of the text for a message: one line, at most 60 bytes (cut
 * between characters), control characters as '?'.
 */
static const char *snippet(struct sfa_buf *b, const char *s, size_t len)
{
	size_t n = len > 60 ? 60 : len;

	while (n < len && n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	sfa_buf_reset(b);
	for (size_t i = 0; i < n; i++)
		sfa_buf_addch(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	if (n < len)
		sfa_buf_addstr(b, "...");
	return b->buf;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c >= 0x80;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	const char *nl;

	while ((nl = memchr(s, '\n', len))) {
		n++;
		len -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	return n;
}

/* 1 when an {{#each}} is open and not in its {{else}}: the '@' names have an element. */
static int in_each(const struct parser *p)
{
	for (size_t i = 0; i < p->depth; i++)
		if (p->open[i].n->kind == NODE_EACH && !p->open[i].in_else)
			return 1;
	return 0;
}

static int parse_name(const struct parser *p, size_t line, struct name *out, const char *s, size_t len)
{
	struct sfa_buf b = SFA_BUF_INIT;
	size_t i = 0, start, alloc = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!len)
		return parse_error(p, line, "no field name before '|'");
	if (s[0] == '@') {
		for (size_t k = NAME_INDEX; k <= NAME_LAST; k++) {
			if (strlen(at_names[k]) == len && !memcmp(s, at_names[k], len)) {
				if (!in_each(p)) {
					err = parse_error(p, line, "'%s' outside '{{#each}}'", at_names[k]);
					goto done;
				}
				out->kind = (enum name_kind)k;
				out->text = sfa_xstrndup(s, len);
				goto done;
			}
		}
		err = parse_error(p, line, "unknown name '%s' (known: @index, @number, @first, @last)",
				  snippet(&b, s, len));
		goto done;
	}
	if (len >= 4 && !memcmp(s, "this", 4) && (len == 4 || s[4] == '.')) {
		out->kind = NAME_THIS;
		i = len == 4 ? 4 : 5;
		if (i == len && len > 4)
			goto bad;
	}
	while (i < len) {
		start = i;
		while (i < len && is_name_char((unsigned char)s[i]))
			i++;
		if (i == start || (i < len && s[i] != '.') || (i < len && i + 1 == len))
			goto bad;
		SFA_ALLOC_GROW(out->seg, out->nseg + 1, alloc);
		out->seg[out->nseg++] = sfa_xstrndup(s + start, i - start);
		i++;
	}
	out->text = sfa_xstrndup(s, len);
	goto done;
bad:
	err = parse_error(p, line, "bad field name '%s'", snippet(&b, s, len));
done:
	sfa_buf_release(&b);
	if (err < 0) {
		name_release(out);
		memset(out, 0, sizeof(*out));
	}
	return err;
}

/* Only these conversions, without widths: each writes a few bytes at most. */
static int date_format_check(const struct parser *p, size_t line, const char *f)
{
	if (strlen(f) > DATE_FORMAT_MAX)
		return parse_error(p, line, "filter 'date': format longer than %d bytes", DATE_FORMAT_MAX);
	for (size_t i = 0; f[i]; i++) {
		size_t at = i;

		if (f[i] != '%')
			continue;
		i++;
		while (f[i] && strchr("-_0^#", f[i]))
			i++;
		if (f[i] == 'E' || f[i] == 'O')
			i++;
		if (!f[i] || !strchr("aAbBcCdDeFgGhHIjklmMnpPrRStTuUVwWxXyYzZ%", f[i])) {
			struct sfa_buf conv = SFA_BUF_INIT, all = SFA_BUF_INIT;
			int err = parse_error(p, line, "filter 'date': bad conversion '%s' in \"%s\"",
					      snippet(&conv, f + at, f[i] ? i - at + 1 : i - at),
					      snippet(&all, f, strlen(f)));
			sfa_buf_release(&conv);
			sfa_buf_release(&all);
			return err;
		}
	}
	return 0;
}

/* Reads a quoted text at `*i` of s[0..len); NULL on error (reported). */
static char *parse_quoted(const struct parser *p, size_t line, const char *s, size_t len, size_t *i,
			  const char *filter)
{
	struct sfa_buf b = SFA_BUF_INIT;

	if (*i >= len || s[*i] != '"') {
		parse_error(p, line, "filter '%s' needs a text in double quotes: %s:\"...\"", filter, filter);
		return NULL;
	}
	for ((*i)++; *i < len && s[*i] != '"'; (*i)++) {
		if (s[*i] == '\\' && *i + 1 < len && (s[*i + 1] == '"' || s[*i + 1] == '\\'))
			(*i)++;
		sfa_buf_addch(&b, s[*i]);
	}
	if (*i >= len) {
		sfa_buf_release(&b);
		parse_error(p, line, "filter '%s': text not closed by '\"'", filter);
		return NULL;
	}
	(*i)++;
	return sfa_buf_detach(&b, NULL);
}

static int parse_filters(const struct parser *p, struct node *n, const char *s, size_t len)
{
	static const char *const names[] = {
		[FILTER_DEFAULT] = "default", [FILTER_UPPER] = "upper",
		[FILTER_LOWER] = "lower", [FILTER_DATE] = "date", [FILTER_MONEY] = "money",
	};
	struct sfa_buf b = SFA_BUF_INIT;
	size_t i = 0, alloc = 0;
	int err = 0;

	while (i < len) {
		struct filter *f;
		size_t start, k;

		while (i < len && is_blank(s[i]))
			i++;
		if (i == len)
			break;
		if (s[i] != '|') {
			err = parse_error(p, n->line, "unexpected '%s' after '%s'", snippet(&b, s + i, len - i),
					  n->name.text);
			goto done;
		}
		for (i++; i < len && is_blank(s[i]); i++)
			;
		for (start = i; i < len && is_name_char((unsigned char)s[i]); i++)
			;
		if (i == start) {
			err = parse_error(p, n->line, "no filter after '|'");
			goto done;
		}
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k]) == i - start && !memcmp(s + start, names[k], i - start))
				break;
		if (k == sizeof(names) / sizeof(names[0])) {
			err = parse_error(p, n->line, "unknown filter '%s' (known: default, upper, lower, date, money)",
					  snippet(&b, s + start, i - start));
			goto done;
		}
		SFA_ALLOC_GROW(n->filters, n->nfilters + 1, alloc);
		f = &n->filters[n->nfilters++];
		f->kind = (enum filter_kind)k;
		f->arg = NULL;
		while (i < len && is_blank(s[i]))
			i++;
		if (i < len && s[i] == ':') {
			if (k == FILTER_UPPER || k == FILTER_LOWER || k == FILTER_MONEY) {
				err = parse_error(p, n->line, "filter '%s' takes no argument", names[k]);
				goto done;
			}
			for (i++; i < len && is_blank(s[i]); i++)
				;
			if (!(f->arg = parse_quoted(p, n->line, s, len, &i, names[k]))) {
				err = SFA_EINPUT;
				goto done;
			}
		} else if (k == FILTER_DEFAULT || k == FILTER_DATE) {
			err = parse_error(p, n->line, "filter '%s' needs a text in double quotes: %s:\"...\"",
					  names[k], names[k]);
			goto done;
		}
		if (k == FILTER_DATE) {
			if (!*f->arg) {
				err = parse_error(p, n->line, "filter 'date' needs a format such as \"%%d %%B %%Y\"");
				goto done;
			}
			if ((err = date_format_check(p, n->line, f->arg)) < 0)
				goto done;
		}
	}
done:
	sfa_buf_release(&b);
	return err;
}

static struct node *new_token(struct parser *p, enum node_kind kind, size_t line)
{
	struct node *n = sfa_xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = line;
	SFA_ALLOC_GROW(p->tok, p->ntok + 1, p->alloc);
	p->tok[p->ntok++] = n;
	return n;
}

/* The tag as a message shows it: "{{#if total}}". */
static const char *block_tag(struct sfa_buf *b, const struct node *n)
{
	sfa_buf_reset(b);
	sfa_buf_addf(b, "{{#%s %s}}", block_names[n->kind], n->name.text);
	return b->buf;
}

static int parse_block_open(struct parser *p, size_t line, const char *s, size_t len)
{
	struct sfa_buf b = SFA_BUF_INIT;
	struct node *n;
	size_t i = 0, k;
	int err = 0;

	while (i < len && s[i] >= 'a' && s[i] <= 'z')
		i++;
	for (k = NODE_IF; k <= NODE_EACH; k++)
		if (strlen(block_names[k]) == i && !memcmp(s, block_names[k], i))
			break;
	if (k > NODE_EACH || (i < len && !is_blank(s[i]))) {
		err = parse_error(p, line, "unknown block '{{#%s}}' (known: #if, #unless, #each)",
				  snippet(&b, s, len));
		goto done;
	}
	while (i < len && is_blank(s[i]))
		i++;
	if (i == len) {
		err = parse_error(p, line, "'{{#%s}}' needs a field name", block_names[k]);
		goto done;
	}
	if (p->depth == SFA_TEMPLATE_DEPTH_MAX) {
		err = parse_error(p, line, "blocks nested deeper than %d", SFA_TEMPLATE_DEPTH_MAX);
		goto done;
	}
	n = new_token(p, (enum node_kind)k, line);
	if ((err = parse_name(p, line, &n->name, s + i, len - i)) < 0)
		goto done;
	p->open[p->depth].n = n;
	p->open[p->depth++].in_else = 0;
done:
	sfa_buf_release(&b);
	return err;
}

static int parse_block_close(struct parser *p, size_t line, const char *s, size_t len)
{
	struct sfa_buf b = SFA_BUF_INIT;
	const struct node *top;
	size_t k;
	int err = 0;

	for (k = NODE_IF; k <= NODE_EACH; k++)
		if (strlen(block_names[k]) == len && !memcmp(s, block_names[k], len))
			break;
	if (k > NODE_EACH) {
		err = parse_error(p, line, "bad closing tag '{{/%s}}' (known: /if, /unless, /each)",
				  snippet(&b, s, len));
		goto done;
	}
	if (!p->depth) {
		err = parse_error(p, line, "'{{/%s}}' closes nothing", block_names[k]);
		goto done;
	}
	top = p->open[p->depth - 1].n;
	if (top->kind != (enum node_kind)k) {
		err = parse_error(p, line, "'{{/%s}}' closes '%s' opened at line %zu", block_names[k],
				  block_tag(&b, top), top->line);
		goto done;
	}
	p->depth--;
	new_token(p, NODE_CLOSE, line);
done:
	sfa_buf_release(&b);
	return err;
}

static int parse_else(struct parser *p, size_t line)
{
	struct sfa_buf b = SFA_BUF_INIT;
	struct open_block *top;
	int err = 0;

	if (!p->depth) {
		err = parse_error(p, line, "'{{else}}' outside '{{#if}}', '{{#unless}}' or '{{#each}}'");
		goto done;
	}
	top = &p->open[p->depth - 1];
	if (top->in_else) {
		err = parse_error(p, line, "second '{{else}}' in '%s' opened at line %zu", block_tag(&b, top->n),
				  top->n->line);
		goto done;
	}
	top->in_else = 1;
	new_token(p, NODE_ELSE, line);
done:
	sfa_buf_release(&b);
	return err;
}

static int parse_var(struct parser *p, size_t line, const char *s, size_t len, int raw)
{
	struct node *n = new_token(p, NODE_VAR, line);
	size_t i = 0;
	int err;

	n->raw = raw;
	while (i < len && !is_blank(s[i]) && s[i] != '|')
		i++;
	if ((err = parse_name(p, line, &n->name, s, i)) < 0)
		return err;
	return parse_filters(p, n, s + i, len - i);
}

/* The tag whose "{{" is at p->pos; moves p->pos and p->line past it. */
static int parse_tag(struct parser *p)
{
	const char *s = p->src + p->pos, *end = p->src + p->len, *close, *c;
	size_t line = p->line, clen;
	int raw = s + 2 < end && s[2] == '{', comment = s + 2 < end && s[2] == '!';

	c = s + (raw ? 3 : 2);
	for (close = c; close + 1 < end && (close[0] != '}' || close[1] != '}'); close++)
		;
	if (close + 1 >= end)
		return parse_error(p, line, "'%s' not closed by '%s'", raw ? "{{{" : "{{", raw ? "}}}" : "}}");
	if (raw && (close + 2 >= end || close[2] != '}'))
		return parse_error(p, line, "'{{{' closed by '}}' instead of '}}}'");
	p->pos = (size_t)(close - p->src) + (raw ? 3 : 2);
	p->line += count_lines(s, (size_t)(close - s));
	if (comment) {
		new_token(p, NODE_COMMENT, line);
		return 0;
	}
	while (c < close && is_blank(*c))
		c++;
	while (close > c && is_blank(close[-1]))
		close--;
	clen = (size_t)(close - c);
	if (!clen)
		return parse_error(p, line, "empty tag");
	if (memchr(c, '\0', clen))
		return parse_error(p, line, "NUL byte in a tag");
	if (raw && (*c == '#' || *c == '/' || *c == '!' || (clen == 4 && !memcmp(c, "else", 4))))
		return parse_error(p, line, "'{{{...}}}' holds a field, not a block tag");
	if (*c == '#')
		return parse_block_open(p, line, c + 1, clen - 1);
	if (*c == '/')
		return parse_block_close(p, line, c + 1, clen - 1);
	if (clen == 4 && !memcmp(c, "else", 4))
		return parse_else(p, line);
	return parse_var(p, line, c, clen, raw);
}

static int tokenize(struct parser *p)
{
	struct sfa_buf b = SFA_BUF_INIT;
	int err;

	while (p->pos < p->len) {
		const char *s = p->src + p->pos;
		const char *tag = memmem(s, p->len - p->pos, "{{", 2);
		size_t n = tag ? (size_t)(tag - s) : p->len - p->pos;

		if (n) {
			struct node *t = new_token(p, NODE_TEXT, p->line);

			t->text = s;
			t->len = n;
			p->line += count_lines(s, n);
			p->pos += n;
		}
		if (tag && (err = parse_tag(p)) < 0)
			return err;
	}
	if (p->depth) {
		const struct node *top = p->open[p->depth - 1].n;

		err = parse_error(p, top->line, "'%s' is not closed", block_tag(&b, top));
		sfa_buf_release(&b);
		return err;
	}
	return 0;
}

static int standalone_kind(enum node_kind k)
{
	return k != NODE_TEXT && k != NODE_VAR;
}

static int only_blanks(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * Removes the line ends and blanks of every line that holds only block
 * tags and comments. A line runs from just after a newline of a text (or
 * the start) to the next newline of a text (or the end); it can begin in
 * the tail of one text and end in the head of another.
 */
static void drop_standalone(struct parser *p)
{
	size_t first = 0;		/* the first token wholly inside the line */
	size_t tail_tok = (size_t)-1;	/* the text whose tail starts the line, if any */
	size_t tail_len = 0;
	size_t ntags = 0;
	int ok = 1;

	for (size_t i = 0; i <= p->ntok; i++) {
		struct node *t = i < p->ntok ? p->tok[i] : NULL;
		const char *nl = NULL, *last;
		size_t head = 0;

		if (t && t->kind != NODE_TEXT) {
			if (standalone_kind(t->kind))
				ntags++;
			else
				ok = 0;
			continue;
		}
		if (t && !(nl = memchr(t->text, '\n', t->len))) {
			if (!only_blanks(t->text, t->len))
				ok = 0;
			continue;
		}
		/* the line ends here: at the newline of `t`, or at the end of the text */
		if (t)
			head = (size_t)(nl - t->text) + 1;
		if (ok && ntags && (!t || only_blanks(t->text, head - 1))) {
			if (tail_tok != (size_t)-1)
				p->tok[tail_tok]->len -= tail_len;
			for (size_t j = first; j < i; j++)
				if (p->tok[j]->kind == NODE_TEXT)
					p->tok[j]->len = 0;
			if (t) {
				last = t->text + t->len;
				t->text += head;
				t->len = (size_t)(last - t->text);
			}
		}
		if (!t)
			break;
		/* the next line starts after the last newline of `t` */
		last = t->len ? memrchr(t->text, '\n', t->len) : NULL;
		tail_len = last ? (size_t)(t->text + t->len - (last + 1)) : t->len;
		tail_tok = i;
		first = i + 1;
		ntags = 0;
		ok = only_blanks(t->text + t->len - tail_len, tail_len);
	}
}

/* Links the tokens into the tree; the structure was checked while cutting them. */
static struct node *link_tokens(struct parser *p)
{
	struct node *root = NULL, **tail = &root;
	struct node *stack[SFA_TEMPLATE_DEPTH_MAX];
	size_t depth = 0;

	for (size_t i = 0; i < p->ntok; i++) {
		struct node *t = p->tok[i];

		p->tok[i] = NULL;
		switch (t->kind) {
		case NODE_TEXT:
			if (!t->len) {
				free(t);
				break;
			}
			/* fall through */
		case NODE_VAR:
			*tail = t;
			tail = &t->next;
			break;
		case NODE_IF:
		case NODE_UNLESS:
		case NODE_EACH:
			*tail = t;
			stack[depth++] = t;
			tail = &t->body;
			break;
		case NODE_ELSE:
			tail = &stack[depth - 1]->alt;
			free(t);
			break;
		case NODE_CLOSE:
			tail = &stack[--depth]->next;
			free(t);
			break;
		case NODE_COMMENT:
			free(t);
			break;
		}
	}
	return root;
}

int sfa_template_parse(struct sfa_template **out, const char *name, const char *text, size_t len)
{
	return sfa_template_parse_at(out, name, 1, text, len);
}

int sfa_template_parse_at(struct sfa_template **out, const char *name, size_t first_line, const char *text,
			  size_t len)
{
	struct parser p = { 0 };
	struct sfa_template *t = sfa_xcalloc(1, sizeof(*t));
	size_t bad;
	int err = 0;

	*out = NULL;
	t->name = sfa_xstrdup(name);
	t->src = sfa_xstrndup(text, len);
	p.name = t->name;
	p.src = t->src;
	p.len = len;
	p.line = first_line;
	if (!sfa_utf8_valid(text, len, &bad)) {
		err = parse_error(&p, first_line + count_lines(text, bad), "invalid UTF-8");
		goto done;
	}
	if ((err = tokenize(&p)) < 0)
		goto done;
	drop_standalone(&p);
	t->root = link_tokens(&p);
	*out = t;
	t = NULL;
done:
	for (size_t i = 0; i < p.ntok; i++)
		node_free(p.tok[i]);
	free(p.tok);
	sfa_template_free(t);
	return err;
}

/* Lookup, shared by rendering and checking */

static const json_t *descend(const json_t *v, char *const *seg, size_t n)
{
	for (size_t i = 0; i < n && v; i++)
		v = json_object_get(v, seg[i]);
	return v;
}

/*
 * The value of a field name: found from the innermost scope that has its
 * first part (a list element before the data around it), or NULL.
 */
static const json_t *lookup(const json_t *const *scope, size_t n, const struct name *nm)
{
	if (nm->kind == NAME_THIS)
		return descend(scope[n - 1], nm->seg, nm->nseg);
	for (size_t k = n; k-- > 0;) {
		const json_t *v = json_object_get(scope[k], nm->seg[0]);

		if (v)
			return descend(v, nm->seg + 1, nm->nseg - 1);
	}
	return NULL;
}

/* Rendering */

struct render {
	const struct sfa_template *t;
	struct sfa_buf *out;
	size_t start, steps;
	unsigned flags;
	/* the data, then the element of each {{#each}} being rendered */
	const json_t *scope[SFA_TEMPLATE_DEPTH_MAX + 1];
	size_t index[SFA_TEMPLATE_DEPTH_MAX + 1], count[SFA_TEMPLATE_DEPTH_MAX + 1];
	size_t n;
	struct sfa_buf a, b;	/* filter scratch */
};

struct value {
	const json_t *json;
	enum name_kind kind;
	long long n;		/* an '@' name's value */
};

static locale_t ctype_loc, time_loc;
static pthread_once_t locales_once = PTHREAD_ONCE_INIT;

/* Kept for the life of the process; (locale_t)0 when missing. */
static void locales_init(void)
{
	ctype_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	time_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static struct value value_of(const struct render *r, const struct name *nm)
{
	struct value v = { NULL, nm->kind, 0 };
	size_t i = r->index[r->n - 1], count = r->count[r->n - 1];

	switch (nm->kind) {
	case NAME_FIELD:
	case NAME_THIS:
		v.json = lookup(r->scope, r->n, nm);
		break;
	case NAME_INDEX:
		v.n = (long long)i;
		break;
	case NAME_NUMBER:
		v.n = (long long)i + 1;
		break;
	case NAME_FIRST:
		v.n = i == 0;
		break;
	case NAME_LAST:
		v.n = i + 1 == count;
		break;
	}
	return v;
}

static void value_text(struct sfa_buf *out, const struct value *v)
{
	switch (v->kind) {
	case NAME_FIRST:
	case NAME_LAST:
		sfa_buf_addstr(out, v->n ? "true" : "false");
		break;
	case NAME_INDEX:
	case NAME_NUMBER:
		sfa_buf_addf(out, "%lld", v->n);
		break;
	default:
		sfa_value_text(out, v->json);
	}
}

static int value_true(const struct value *v)
{
	if (v->kind != NAME_FIELD && v->kind != NAME_THIS)
		return v->n != 0;
	if (!v->json)
		return 0;
	switch (json_typeof(v->json)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_STRING:
		return json_string_length(v->json) != 0;
	case JSON_INTEGER:
		return json_integer_value(v->json) != 0;
	case JSON_REAL:
		return json_real_value(v->json) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v->json) != 0;
	default:
		return 1;
	}
}

static int ascii_case(int c, int upper)
{
	if (upper && c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	if (!upper && c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/* Case mapping of C.UTF-8 (ASCII only without it); a malformed byte is kept. */
static void add_case(struct sfa_buf *out, const char *s, size_t len, int upper)
{
	size_t i = 0;

	pthread_once(&locales_once, locales_init);
	while (i < len) {
		unsigned cp;
		size_t n;

		if ((unsigned char)s[i] < 0x80 || !(n = sfa_utf8_decode(s + i, len - i, &cp))) {
			sfa_buf_addch(out, ascii_case((unsigned char)s[i++], upper));
			continue;
		}
		if (ctype_loc)
			cp = upper ? (unsigned)towupper_l((wint_t)cp, ctype_loc)
				   : (unsigned)towlower_l((wint_t)cp, ctype_loc);
		sfa_utf8_put(out, cp);
		i += n;
	}
}

/*
 * A date or date-time reformatted; other text as it is. Each conversion
 * the parser lets through writes at most a few dozen bytes, so the room
 * is known; the leading blank tells an empty result from a failure.
 */
static void add_date(struct sfa_buf *out, const struct sfa_buf *in, const char *format)
{
	struct sfa_buf fmt = SFA_BUF_INIT;
	struct tm tm;
	time_t when;
	size_t room, n;
	char *tmp;

	if (in->len < 10 || strlen(in->buf) != in->len || in->buf[4] != '-' ||
	    sfa_time_parse(&when, in->buf) < 0 || !gmtime_r(&when, &tm)) {
		sfa_buf_add(out, in->buf, in->len);
		return;
	}
	pthread_once(&locales_once, locales_init);
	sfa_buf_addch(&fmt, ' ');
	sfa_buf_addstr(&fmt, format);
	room = 64 * fmt.len;
	tmp = sfa_xmalloc(room);
	n = time_loc ? strftime_l(tmp, room, fmt.buf, &tm, time_loc) : strftime(tmp, room, fmt.buf, &tm);
	if (n)
		sfa_buf_add(out, tmp + 1, n - 1);
	else
		sfa_buf_add(out, in->buf, in->len);
	free(tmp);
	sfa_buf_release(&fmt);
}

static int step(struct render *r, size_t line)
{
	if (++r->steps <= SFA_TEMPLATE_STEPS_MAX)
		return 0;
	return sfa_error_set(SFA_EINPUT, "%s:%zu: more than %zu steps: lists in lists too long",
			     r->t->name, line, SFA_TEMPLATE_STEPS_MAX);
}

static int put(struct render *r, size_t line, const char *s, size_t n)
{
	if (n > SFA_TEMPLATE_OUTPUT_MAX - (r->out->len - r->start))
		return sfa_error_set(SFA_EINPUT, "%s:%zu: output longer than %zu MiB", r->t->name, line,
				     SFA_TEMPLATE_OUTPUT_MAX >> 20);
	sfa_buf_add(r->out, s, n);
	return 0;
}

static int put_escaped(struct render *r, size_t line, const char *s, size_t n)
{
	size_t start = 0;
	int err;

	for (size_t i = 0; i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if ((err = put(r, line, s + start, i - start)) < 0 || (err = put(r, line, rep, strlen(rep))) < 0)
			return err;
		start = i + 1;
	}
	return put(r, line, s + start, n - start);
}

/*
 * An amount for reading: "1234567.5 EUR" as "1,234,567.5 EUR", the
 * digits grouped by three (the fraction and the currency as stored, so
 * nothing is rounded). Anything that is not such an amount passes as is.
 */
static void add_money(struct sfa_buf *out, const char *s, size_t len)
{
	size_t i = 0, digits;
	if (i < len && s[i] == '-')
		i++;
	for (digits = 0; i + digits < len && s[i + digits] >= '0' && s[i + digits] <= '9'; digits++)
		;
	if (!digits || (i + digits < len && s[i + digits] != '.' && s[i + digits] != ' ')) {
		sfa_buf_add(out, s, len);
		return;
	}
	sfa_buf_add(out, s, i);
	for (size_t k = 0; k < digits; k++) {
		if (k && (digits - k) % 3 == 0)
			sfa_buf_addch(out, ',');
		sfa_buf_addch(out, s[i + k]);
	}
	sfa_buf_add(out, s + i + digits, len - i - digits);
}

static int render_var(struct render *r, const struct node *n)
{
	struct value v = value_of(r, &n->name);
	struct sfa_buf *cur = &r->a, *other = &r->b, *swap;

	sfa_buf_reset(cur);
	value_text(cur, &v);
	for (size_t i = 0; i < n->nfilters; i++) {
		const struct filter *f = &n->filters[i];

		if (f->kind == FILTER_DEFAULT) {
			if (!cur->len)
				sfa_buf_addstr(cur, f->arg);
			continue;
		}
		sfa_buf_reset(other);
		if (f->kind == FILTER_DATE)
			add_date(other, cur, f->arg);
		else if (f->kind == FILTER_MONEY)
			add_money(other, cur->buf, cur->len);
		else
			add_case(other, cur->buf, cur->len, f->kind == FILTER_UPPER);
		swap = cur;
		cur = other;
		other = swap;
	}
	if ((r->flags & SFA_TEMPLATE_HTML) && !n->raw)
		return put_escaped(r, n->line, cur->buf, cur->len);
	return put(r, n->line, cur->buf, cur->len);
}

static int render_nodes(struct render *r, const struct node *n);

static int render_each(struct render *r, const struct node *n, const json_t *list)
{
	size_t count = json_array_size(list);
	int err = 0;

	for (size_t i = 0; i < count && !err; i++) {
		if ((err = step(r, n->line)) < 0)
			break;
		r->scope[r->n] = json_array_get(list, i);
		r->index[r->n] = i;
		r->count[r->n] = count;
		r->n++;
		err = render_nodes(r, n->body);
		r->n--;
	}
	return err;
}

static int render_nodes(struct render *r, const struct node *n)
{
	struct value v;
	int err = 0;

	for (; n && !err; n = n->next) {
		if ((err = step(r, n->line)) < 0)
			break;
		switch (n->kind) {
		case NODE_TEXT:
			err = put(r, n->line, n->text, n->len);
			break;
		case NODE_VAR:
			err = render_var(r, n);
			break;
		case NODE_IF:
		case NODE_UNLESS:
			v = value_of(r, &n->name);
			err = render_nodes(r, value_true(&v) == (n->kind == NODE_IF) ? n->body : n->alt);
			break;
		case NODE_EACH:
			v = value_of(r, &n->name);
			if (json_is_array(v.json) && json_array_size(v.json))
				err = render_each(r, n, v.json);
			else
				err = render_nodes(r, n->alt);
			break;
		default:
			break;
		}
	}
	return err;
}

int sfa_template_render(struct sfa_buf *out, const struct sfa_template *t, const json_t *data,
			unsigned flags)
{
	struct render r = { .t = t, .out = out, .start = out->len, .flags = flags,
			    .a = SFA_BUF_INIT, .b = SFA_BUF_INIT };
	int err;

	r.scope[0] = data;
	r.count[0] = 1;
	r.n = 1;
	err = render_nodes(&r, t->root);
	if (err < 0)
		sfa_buf_setlen(out, r.start);
	sfa_buf_release(&r.a);
	sfa_buf_release(&r.b);
	return err < 0 ? err : 0;
}

/* Checking against a shape */

struct checker {
	const struct sfa_template *t;
	const json_t *scope[SFA_TEMPLATE_DEPTH_MAX + 1];
	size_t n;
};

static int check_nodes(struct checker *c, const struct node *n)
{
	int err;

	for (; n; n = n->next) {
		const json_t *shape = NULL;

		if (n->kind == NODE_TEXT)
			continue;
		if (n->name.kind == NAME_THIS && !n->name.nseg) {
			shape = c->scope[c->n - 1];
		} else if (n->name.kind == NAME_FIELD || n->name.kind == NAME_THIS) {
			if (!(shape = lookup(c->scope, c->n, &n->name)))
				return sfa_error_set(SFA_EINPUT, "%s:%zu: unknown field '%s'", c->t->name, n->line,
						     n->name.text);
		}
		if (n->kind == NODE_VAR)
			continue;
		if (n->kind == NODE_EACH) {
			if (!json_is_array(shape))
				return sfa_error_set(SFA_EINPUT, "%s:%zu: field '%s' is not a list", c->t->name,
						     n->line, n->name.text);
			/* an empty list or one of plain values: its elements have no fields */
			c->scope[c->n++] = json_array_get(shape, 0);
			err = check_nodes(c, n->body);
			c->n--;
		} else {
			err = check_nodes(c, n->body);
		}
		if (err < 0 || (err = check_nodes(c, n->alt)) < 0)
			return err;
	}
	return 0;
}

int sfa_template_check(const struct sfa_template *t, const json_t *shape)
{
	struct checker c = { .t = t, .n = 1 };

	c.scope[0] = shape;
	return check_nodes(&c, t->root);
}

/* Listing the fields */

static int walk_fields(const struct node *n, const char *within,
		       int (*fn)(const struct sfa_template_field *f, void *data), void *data)
{
	int ret;

	for (; n; n = n->next) {
		if (n->kind == NODE_TEXT)
			continue;
		if (n->name.kind == NAME_FIELD || (n->name.kind == NAME_THIS && n->name.nseg)) {
			struct sfa_template_field f = {
				.name = n->name.text,
				.line = n->line,
				.block = n->kind == NODE_VAR ? NULL : block_names[n->kind],
				.within = within,
			};
			if ((ret = fn(&f, data)))
				return ret;
		}
		if (n->kind == NODE_VAR)
			continue;
		if ((ret = walk_fields(n->body, n->kind == NODE_EACH ? n->name.text : within, fn, data)) ||
		    (ret = walk_fields(n->alt, within, fn, data)))
			return ret;
	}
	return 0;
}

int sfa_template_fields(const struct sfa_template *t,
			int (*fn)(const struct sfa_template_field *f, void *data), void *data)
{
	return walk_fields(t->root, NULL, fn, data);
}
