#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/template.h"
#include "unit.h"
#include "sfa/banned.h"

#define HTML SFA_TEMPLATE_HTML
#define TEXT 0

static struct sfa_buf result = SFA_BUF_INIT;

/*
 * `tpl` rendered with the JSON `data` (NULL: none), or "error: " and the
 * message (valid until the next call).
 */
static const char *render(const char *tpl, const char *data, unsigned flags)
{
	struct sfa_template *t;
	json_t *d = data ? unit_json(data) : NULL;

	sfa_buf_reset(&result);
	if (sfa_template_parse(&t, "t", tpl, strlen(tpl)) < 0) {
		sfa_buf_addf(&result, "error: %s", sfa_error_last());
	} else {
		if (sfa_template_render(&result, t, d, flags) < 0)
			sfa_buf_addf(&result, "error: %s", sfa_error_last());
		sfa_template_free(t);
	}
	json_decref(d);
	return result.buf;
}

/* The parse error of `tpl`, or "ok". */
static const char *parse_error(const char *tpl)
{
	struct sfa_template *t = (struct sfa_template *)&t;
	int err = sfa_template_parse(&t, "quote.html", tpl, strlen(tpl));

	sfa_buf_reset(&result);
	if (err < 0) {
		sfa_buf_addstr(&result, sfa_error_last());
		if (err != SFA_EINPUT || t)
			sfa_buf_addstr(&result, " (bad return)");
	} else {
		sfa_buf_addstr(&result, "ok");
	}
	sfa_template_free(t);
	return result.buf;
}

/* The error of checking `tpl` against the JSON `shape`, or "ok". */
static const char *check(const char *tpl, const char *shape)
{
	struct sfa_template *t;
	json_t *s = unit_json(shape);

	sfa_buf_reset(&result);
	if (sfa_template_parse(&t, "quote.html", tpl, strlen(tpl)) < 0) {
		sfa_buf_addf(&result, "parse: %s", sfa_error_last());
	} else {
		if (sfa_template_check(t, s) < 0)
			sfa_buf_addstr(&result, sfa_error_last());
		else
			sfa_buf_addstr(&result, "ok");
		sfa_template_free(t);
	}
	json_decref(s);
	return result.buf;
}

static void test_values(void)
{
	const char *d = "{\"name\": \"Greta\", \"n\": 3, \"r\": 12.5, \"yes\": true, \"no\": false,"
			" \"nil\": null, \"o\": {\"a\": {\"b\": \"deep\"}}, \"arr\": [1, \"x\"]}";

	CHECK_STR(render("Hello {{name}}!", d, TEXT), "Hello Greta!");
	CHECK_STR(render("{{ name }}", d, TEXT), "Greta");
	CHECK_STR(render("{{n}} {{r}} {{yes}} {{no}}", d, TEXT), "3 12.5 true false");
	CHECK_STR(render("[{{nil}}][{{missing}}][{{o.missing}}][{{name.x}}]", d, TEXT), "[][][][]");
	CHECK_STR(render("{{o.a.b}}", d, TEXT), "deep");
	CHECK_STR(render("{{o.a}} {{arr}}", d, TEXT), "{\"b\":\"deep\"} [1,\"x\"]");
	CHECK_STR(render("{{o.a}}", d, HTML), "{&quot;b&quot;:&quot;deep&quot;}");
	CHECK_STR(render("no tags at all", d, TEXT), "no tags at all");
	CHECK_STR(render("", d, TEXT), "");
	/* no data at all: every name is missing */
	CHECK_STR(render("[{{name}}]{{#if name}}x{{else}}y{{/if}}", NULL, TEXT), "[]y");
	/* a lone "}}" and a single brace are text */
	CHECK_STR(render("a }} b { c {{name}}", d, TEXT), "a }} b { c Greta");
	/* "this" outside any list is the data itself */
	CHECK_STR(render("{{this.o.a.b}}", d, TEXT), "deep");
	/* a template is kept: rendered twice, with other data */
	{
		struct sfa_template *t;
		struct sfa_buf out = SFA_BUF_INIT;
		json_t *a = unit_json("{\"x\": \"one\"}"), *b = unit_json("{\"x\": \"two\"}");

		CHECK_INT(sfa_template_parse(&t, "t", "<{{x}}>", 7), 0);
		CHECK_INT(sfa_template_render(&out, t, a, TEXT), 0);
		CHECK_INT(sfa_template_render(&out, t, b, TEXT), 0);
		CHECK_STR(out.buf, "<one><two>");
		/* not NUL-terminated: the length counts */
		sfa_template_free(t);
		CHECK_INT(sfa_template_parse(&t, "t", "{{x}}{{", 5), 0);
		sfa_buf_reset(&out);
		CHECK_INT(sfa_template_render(&out, t, a, TEXT), 0);
		CHECK_STR(out.buf, "one");
		sfa_template_free(t);
		sfa_buf_release(&out);
		json_decref(a);
		json_decref(b);
	}
}

static void test_escaping(void)
{
	const char *d = "{\"x\": \"<a href='y'>Tom & \\\"Jerry\\\"</a>\"}";

	CHECK_STR(render("{{x}}", d, HTML), "&lt;a href=&#39;y&#39;&gt;Tom &amp; &quot;Jerry&quot;&lt;/a&gt;");
	CHECK_STR(render("{{x}}", d, TEXT), "<a href='y'>Tom & \"Jerry\"</a>");
	CHECK_STR(render("{{{x}}}", d, HTML), "<a href='y'>Tom & \"Jerry\"</a>");
	CHECK_STR(render("{{{ x|upper }}}", d, HTML), "<A HREF='Y'>TOM & \"JERRY\"</A>");
	/* the template's own text is never escaped */
	CHECK_STR(render("<b class=\"n\">&amp;{{x|default:\"a<b\"}}</b>", "{}", HTML),
		  "<b class=\"n\">&amp;a&lt;b</b>");
	/* filter output is escaped too */
	CHECK_STR(render("{{d|date:\"%d<%m>\"}}", "{\"d\": \"2026-11-23\"}", HTML), "23&lt;11&gt;");
}

static void test_filters(void)
{
	const char *d = "{\"name\": \"Greta Lindqvist\", \"ru\": \"Иван Петров\", \"de\": \"ÄRGER über Öl\","
			" \"cjk\": \"张伟 株式会社\", \"empty\": \"\", \"nil\": null, \"zero\": 0, \"f\": false,"
			" \"day\": \"2026-11-23\", \"at\": \"2026-11-23T22:30:05Z\", \"off\": \"2026-11-23T01:00:00+02:00\","
			" \"bad\": \"2026-13-01\", \"word\": \"soon\", \"num\": 20261123}";

	CHECK_STR(render("Hi {{first|default:\"there\"}}", d, TEXT), "Hi there");
	CHECK_STR(render("{{nil|default:\"-\"}} {{empty|default:\"-\"}} {{zero|default:\"-\"}} {{f|default:\"-\"}}",
			 d, TEXT), "- - 0 false");
	CHECK_STR(render("{{name|default:\"-\"}}", d, TEXT), "Greta Lindqvist");
	CHECK_STR(render("{{x|default:\"say \\\"hi\\\" \\\\o/\"}}", d, TEXT), "say \"hi\" \\o/");
	CHECK_STR(render("{{x|default:\"\"}}", d, TEXT), "");
	CHECK_STR(render("{{x|default:\"a}b\"}}", d, TEXT), "a}b");
	CHECK_STR(render("{{x | default : \"spaced\" | upper}}", d, TEXT), "SPACED");
	CHECK_STR(render("{{name|upper}} {{name|lower}}", d, TEXT), "GRETA LINDQVIST greta lindqvist");
	CHECK_STR(render("{{ru|upper}}", d, TEXT), "ИВАН ПЕТРОВ");
	CHECK_STR(render("{{ru|lower}}", d, TEXT), "иван петров");
	CHECK_STR(render("{{de|lower}}", d, TEXT), "ärger über öl");
	CHECK_STR(render("{{cjk|upper}}", d, TEXT), "张伟 株式会社");
	/* filters run left to right */
	CHECK_STR(render("{{x|default:\"none\"|upper}}", d, TEXT), "NONE");
	CHECK_STR(render("{{x|upper|default:\"none\"}}", d, TEXT), "none");
	CHECK_STR(render("{{name|upper|lower}}", d, TEXT), "greta lindqvist");

	CHECK_STR(render("{{day|date:\"%d %B %Y\"}}", d, TEXT), "23 November 2026");
	/* money: digits grouped, fraction and currency as stored, anything else as is */
	CHECK_STR(render("{{a|money}} {{b|money}} {{c|money}} {{e|money}} {{f|money}} {{g|money}}",
			 "{\"a\": \"1234567.50 EUR\", \"b\": \"-1000\", \"c\": 999, \"e\": \"12ab\","
			 " \"f\": \"100000 JPY\", \"g\": \"n/a\"}", TEXT),
		  "1,234,567.50 EUR -1,000 999 12ab 100,000 JPY n/a");
	CHECK_STR(render("{{a|money:\"x\"}}", "{}", TEXT), "error: t:1: filter 'money' takes no argument");
	CHECK_STR(render("{{day|date:\"%a %e %b %y, week %V\"}}", d, TEXT), "Mon 23 Nov 26, week 48");
	CHECK_STR(render("{{at|date:\"%Y-%m-%d %H:%M:%S\"}}", d, TEXT), "2026-11-23 22:30:05");
	/* a date-time with an offset is shown in UTC */
	CHECK_STR(render("{{off|date:\"%Y-%m-%d %H:%M %Z\"}}", d, TEXT), "2026-11-22 23:00 GMT");
	CHECK_STR(render("{{day|date:\"100%% on %-d.%-m.\"}}", d, TEXT), "100% on 23.11.");
	CHECK_STR(render("{{day|date:\"%p\"}}", d, TEXT), "AM");
	/* what is no date is printed as it is */
	CHECK_STR(render("{{bad|date:\"%d %B\"}}|{{word|date:\"%d\"}}|{{num|date:\"%d\"}}|{{nil|date:\"%d\"}}",
			 d, TEXT), "2026-13-01|soon|20261123|");
	CHECK_STR(render("{{nil|date:\"%d\"|default:\"n/a\"}}", d, TEXT), "n/a");
	CHECK_STR(render("{{day|date:\"%B\"|upper}}", d, TEXT), "NOVEMBER");
	CHECK_STR(render("{{x|date:\"%d\"}}", "{\"x\": \"2026-11-23T10:00:00\"}", TEXT), "2026-11-23T10:00:00");
}

static void test_conditions(void)
{
	static const struct {
		const char *value;
		int truth;
	} cases[] = {
		{ "null", 0 }, { "false", 0 }, { "\"\"", 0 }, { "0", 0 }, { "0.0", 0 }, { "[]", 0 },
		{ "true", 1 }, { "\"0\"", 1 }, { "\"x\"", 1 }, { "1", 1 }, { "-2", 1 }, { "0.5", 1 },
		{ "[0]", 1 }, { "{}", 1 }, { "{\"a\": 1}", 1 },
	};
	struct sfa_buf data = SFA_BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sfa_buf_reset(&data);
		sfa_buf_addf(&data, "{\"v\": %s}", cases[i].value);
		CHECK_STR(render("{{#if v}}T{{else}}F{{/if}}", data.buf, TEXT), cases[i].truth ? "T" : "F");
		CHECK_STR(render("{{#unless v}}F{{else}}T{{/unless}}", data.buf, TEXT), cases[i].truth ? "T" : "F");
	}
	sfa_buf_release(&data);
	CHECK_STR(render("{{#if missing}}T{{else}}F{{/if}}", "{}", TEXT), "F");
	CHECK_STR(render("{{#if a.b}}T{{/if}}|{{#if a.c}}T{{/if}}", "{\"a\": {\"b\": 1}}", TEXT), "T|");
	CHECK_STR(render("{{#if a}}{{#if b}}ab{{else}}a{{/if}}{{else}}-{{/if}}", "{\"a\": 1}", TEXT), "a");
	CHECK_STR(render("{{#unless a}}no a{{/unless}}", "{}", TEXT), "no a");
	CHECK_STR(render("{{#if a}}yes{{/if}}", "{}", TEXT), "");
}

static void test_each(void)
{
	const char *d = "{\"currency\": \"EUR\", \"name\": \"Quote\", \"lines\": ["
			"{\"sku\": \"A-1\", \"qty\": 2, \"name\": \"Pump\", \"parts\": [\"x\", \"y\"]},"
			"{\"sku\": \"B-2\", \"qty\": 1, \"parts\": []},"
			"{\"sku\": \"C-3\", \"qty\": 5, \"name\": \"\"}],"
			" \"tags\": [\"red\", \"green\", \"blue\"], \"none\": [], \"obj\": {\"a\": 1}}";

	CHECK_STR(render("{{#each lines}}{{sku}} {{/each}}", d, TEXT), "A-1 B-2 C-3 ");
	CHECK_STR(render("{{#each lines}}{{@index}}/{{@number}}:{{sku}};{{/each}}", d, TEXT),
		  "0/1:A-1;1/2:B-2;2/3:C-3;");
	CHECK_STR(render("{{#each lines}}{{@first}}-{{@last}} {{/each}}", d, TEXT),
		  "true-false false-false false-true ");
	CHECK_STR(render("{{#each tags}}{{#if @first}}[{{/if}}{{this}}{{#unless @last}}, {{/unless}}"
			 "{{#if @last}}]{{/if}}{{/each}}", d, TEXT), "[red, green, blue]");
	/* @index 0 is false in #if, like any 0 */
	CHECK_STR(render("{{#each tags}}{{#if @index}}+{{else}}0{{/if}}{{/each}}", d, TEXT), "0++");
	/* outward lookups: the element first, then the data around it */
	CHECK_STR(render("{{#each lines}}{{sku}} {{currency}} {{name}}|{{/each}}", d, TEXT),
		  "A-1 EUR Pump|B-2 EUR Quote|C-3 EUR |");
	/* "this." looks in the element only */
	CHECK_STR(render("{{#each lines}}[{{this.name}}]{{/each}}", d, TEXT), "[Pump][][]");
	/* nested lists: @ names are the inner list's, outer names still found */
	CHECK_STR(render("{{#each lines}}{{sku}}({{#each parts}}{{@index}}{{this}}{{sku}}{{currency}}"
			 "{{else}}none@{{@index}}{{/each}}) {{/each}}", d, TEXT),
		  "A-1(0xA-1EUR1yA-1EUR) B-2(none@1) C-3(none@2) ");
	/* else: an empty list, a missing one, something else than a list */
	CHECK_STR(render("{{#each none}}x{{else}}empty{{/each}}", d, TEXT), "empty");
	CHECK_STR(render("{{#each nothing}}x{{else}}missing{{/each}}", d, TEXT), "missing");
	CHECK_STR(render("{{#each obj}}x{{else}}object{{/each}}|{{#each name}}x{{/each}}", d, TEXT), "object|");
	CHECK_STR(render("{{#each lines}}{{#if name}}{{name}}{{else}}({{sku}}){{/if}} {{/each}}", d, TEXT),
		  "Pump Quote (C-3) ");
	/* elements that are lists themselves */
	CHECK_STR(render("{{#each m}}[{{#each this}}{{this}}{{/each}}]{{/each}}", "{\"m\": [[1, 2], [3]]}", TEXT),
		  "[12][3]");
	CHECK_STR(render("{{#each lines}}{{sku}}{{/each}}", "{\"lines\": [{\"sku\": \"<&>\"}]}", HTML),
		  "&lt;&amp;&gt;");
}

static void test_whitespace(void)
{
	const char *d = "{\"lines\": [{\"sku\": \"A\"}, {\"sku\": \"B\"}], \"x\": 1, \"y\": 0}";

	CHECK_STR(render("Lines:\n{{#each lines}}\n- {{sku}}\n{{/each}}\nEnd\n", d, TEXT), "Lines:\n- A\n- B\nEnd\n");
	/* indented, with blanks after, CRLF line ends */
	CHECK_STR(render("a\r\n  {{#if x}}  \r\n  b\r\n\t{{/if}}\r\nc\r\n", d, TEXT), "a\r\n  b\r\nc\r\n");
	/* else and comments are block tags too */
	CHECK_STR(render("{{! greeting }}\n{{#if y}}\nyes\n  {{else}}\nno\n{{/if}}\n", d, TEXT), "no\n");
	/* several block tags on one line */
	CHECK_STR(render("{{#each lines}}{{#if x}}\n{{sku}}\n{{/if}}{{/each}}\ndone", d, TEXT), "A\nB\ndone");
	/* the last line, without a line end */
	CHECK_STR(render("{{#if x}}\nyes\n  {{/if}}", d, TEXT), "yes\n");
	CHECK_STR(render("{{#if x}}\n  {{#each lines}}\n[{{sku}}]\n  {{/each}}", d, TEXT),
		  "error: t:1: '{{#if x}}' is not closed");
	CHECK_STR(render("a\n{{#if x}}\n  {{#each lines}}\n[{{sku}}]\n  {{/each}}\n  {{/if}}", d, TEXT),
		  "a\n[A]\n[B]\n");
	/* lines with anything else keep their blanks and line ends */
	CHECK_STR(render("{{#if x}}yes{{/if}}\n", d, TEXT), "yes\n");
	CHECK_STR(render("{{x}}\n{{y}}\n", d, TEXT), "1\n0\n");
	CHECK_STR(render(" a {{#if x}}\nb{{/if}} \n", d, TEXT), " a \nb \n");
	CHECK_STR(render("{{#if x}} {{x}} {{/if}}\n", d, TEXT), " 1 \n");
	CHECK_STR(render("\n\n{{#if x}}\n\n{{/if}}\n\n", d, TEXT), "\n\n\n\n");
	/* a comment over several lines standing alone */
	CHECK_STR(render("a\n{{! one\ntwo }}\nb\n", d, TEXT), "a\nb\n");
	/* the same in HTML mode */
	CHECK_STR(render("<ul>\n  {{#each lines}}\n  <li>{{sku}}</li>\n  {{/each}}\n</ul>\n", d, HTML),
		  "<ul>\n  <li>A</li>\n  <li>B</li>\n</ul>\n");
}

static void test_utf8(void)
{
	const char *d = "{\"customer\": {\"name\": \"株式会社 山田\", \"contact\": \"Дмитрий Иванов\"},"
			" \"note\": \"Ціна <без> ПДВ\"}";

	CHECK_STR(render("見積書: {{customer.name}} / Уважаемый {{customer.contact}}!", d, TEXT),
		  "見積書: 株式会社 山田 / Уважаемый Дмитрий Иванов!");
	CHECK_STR(render("<p>{{note}}</p>", d, HTML), "<p>Ціна &lt;без&gt; ПДВ</p>");
	CHECK_STR(render("{{customer.contact|upper}}", d, HTML), "ДМИТРИЙ ИВАНОВ");
	/* names may be written in any script */
	CHECK_STR(render("{{имя}} {{名前.姓}}", "{\"имя\": \"Olga\", \"名前\": {\"姓\": \"山田\"}}", TEXT), "Olga 山田");
	/* the template must be UTF-8 */
	CHECK_STR(parse_error("ok\nstill ok\nLatin-1 \xe9t\xe9\n"), "quote.html:3: invalid UTF-8");
	CHECK_STR(parse_error("\xc3\xa9\n\xed\xa0\x80"), "quote.html:2: invalid UTF-8");
}

static void test_parse_errors(void)
{
	struct sfa_buf deep = SFA_BUF_INIT;

	CHECK_STR(parse_error("<table>\n{{#if total}}\n{{#each lines}}\n</tr>\n{{/each}}\n{{/each}}\n"),
		  "quote.html:6: '{{/each}}' closes '{{#if total}}' opened at line 2");
	CHECK_STR(parse_error("a\n\n{{#if total}}\n\n\n\n\n\n{{#each lines}}\n{{/each}}\n{{/unless}}"),
		  "quote.html:11: '{{/unless}}' closes '{{#if total}}' opened at line 3");
	CHECK_STR(parse_error("a\n{{#if total}}\nb\n{{#each lines}}{{/each}}\nend\n"),
		  "quote.html:2: '{{#if total}}' is not closed");
	CHECK_STR(parse_error("{{#if a}}\n{{#unless b.c}}\n{{/if}}"),
		  "quote.html:3: '{{/if}}' closes '{{#unless b.c}}' opened at line 2");
	CHECK_STR(parse_error("{{#if a}}{{/if}}\n{{/if}}"), "quote.html:2: '{{/if}}' closes nothing");
	CHECK_STR(parse_error("x\n{{else}}"),
		  "quote.html:2: '{{else}}' outside '{{#if}}', '{{#unless}}' or '{{#each}}'");
	CHECK_STR(parse_error("{{#each l}}\n{{else}}\n{{else}}\n{{/each}}"),
		  "quote.html:3: second '{{else}}' in '{{#each l}}' opened at line 1");
	CHECK_STR(parse_error("\n\n{{name|uper}}"),
		  "quote.html:3: unknown filter 'uper' (known: default, upper, lower, date, money)");
	CHECK_STR(parse_error("{{name|Upper}}"),
		  "quote.html:1: unknown filter 'Upper' (known: default, upper, lower, date, money)");
	CHECK_STR(parse_error("{{name|}}"), "quote.html:1: no filter after '|'");
	CHECK_STR(parse_error("{{name|upper:\"x\"}}"), "quote.html:1: filter 'upper' takes no argument");
	CHECK_STR(parse_error("{{name|lower:}}"), "quote.html:1: filter 'lower' takes no argument");
	CHECK_STR(parse_error("{{name|default}}"),
		  "quote.html:1: filter 'default' needs a text in double quotes: default:\"...\"");
	CHECK_STR(parse_error("{{name|default:there}}"),
		  "quote.html:1: filter 'default' needs a text in double quotes: default:\"...\"");
	CHECK_STR(parse_error("{{name|default:\"there}}"), "quote.html:1: filter 'default': text not closed by '\"'");
	CHECK_STR(parse_error("{{d|date}}"), "quote.html:1: filter 'date' needs a text in double quotes: date:\"...\"");
	CHECK_STR(parse_error("{{d|date:\"\"}}"), "quote.html:1: filter 'date' needs a format such as \"%d %B %Y\"");
	CHECK_STR(parse_error("\n{{d|date:\"%d %Q\"}}"), "quote.html:2: filter 'date': bad conversion '%Q' in \"%d %Q\"");
	CHECK_STR(parse_error("{{d|date:\"%10000Y\"}}"),
		  "quote.html:1: filter 'date': bad conversion '%1' in \"%10000Y\"");
	CHECK_STR(parse_error("{{d|date:\"%Y%\"}}"), "quote.html:1: filter 'date': bad conversion '%' in \"%Y%\"");
	CHECK_STR(parse_error("{{d|date:\"%d\n%\n\"}}"), "quote.html:1: filter 'date': bad conversion '%?' in \"%d?%?\"");
	sfa_buf_addstr(&deep, "{{d|date:\"");
	for (int i = 0; i < 128; i++)
		sfa_buf_addstr(&deep, "%c");	/* 256 bytes */
	sfa_buf_addstr(&deep, "\"}}");
	/* the longest format there may be, of the longest conversion */
	CHECK_INT(strlen(render(deep.buf, "{\"d\": \"2026-11-23\"}", TEXT)), 128 * 24);
	CHECK_STR(result.buf + 127 * 24, "Mon Nov 23 00:00:00 2026");
	sfa_buf_reset(&deep);
	sfa_buf_addstr(&deep, "{{d|date:\"");
	for (int i = 0; i < 257; i++)
		sfa_buf_addch(&deep, 'x');
	sfa_buf_addstr(&deep, "\"}}");
	CHECK_STR(parse_error(deep.buf), "quote.html:1: filter 'date': format longer than 256 bytes");
	sfa_buf_reset(&deep);
	CHECK_STR(parse_error("{{d|date:\"%s\"}}"), "quote.html:1: filter 'date': bad conversion '%s' in \"%s\"");
	CHECK_STR(parse_error("{{d|upper \"x\"}}"), "quote.html:1: unexpected '\"x\"' after 'd'");
	CHECK_STR(parse_error("{{a b}}"), "quote.html:1: unexpected 'b' after 'a'");
	CHECK_STR(parse_error("x\n{{}}"), "quote.html:2: empty tag");
	CHECK_STR(parse_error("x\n\n{{ \t }}"), "quote.html:3: empty tag");
	CHECK_STR(parse_error("{{{}}}"), "quote.html:1: empty tag");
	CHECK_STR(parse_error("a\nb {{name\nc\n"), "quote.html:2: '{{' not closed by '}}'");
	CHECK_STR(parse_error("{{{name}}\n"), "quote.html:1: '{{{' closed by '}}' instead of '}}}'");
	CHECK_STR(parse_error("{{{name"), "quote.html:1: '{{{' not closed by '}}}'");
	CHECK_STR(parse_error("{{! never closed\n"), "quote.html:1: '{{' not closed by '}}'");
	CHECK_STR(parse_error("{{#with customer}}{{/with}}"),
		  "quote.html:1: unknown block '{{#with customer}}' (known: #if, #unless, #each)");
	CHECK_STR(parse_error("{{#if}}{{/if}}"), "quote.html:1: '{{#if}}' needs a field name");
	CHECK_STR(parse_error("{{#each  }}"), "quote.html:1: '{{#each}}' needs a field name");
	CHECK_STR(parse_error("{{#if a}}{{/if a}}"),
		  "quote.html:1: bad closing tag '{{/if a}}' (known: /if, /unless, /each)");
	CHECK_STR(parse_error("{{#if a..b}}{{/if}}"), "quote.html:1: bad field name 'a..b'");
	CHECK_STR(parse_error("{{a.}}"), "quote.html:1: bad field name 'a.'");
	CHECK_STR(parse_error("{{.a}}"), "quote.html:1: bad field name '.a'");
	CHECK_STR(parse_error("{{this.}}"), "quote.html:1: bad field name 'this.'");
	CHECK_STR(parse_error("{{a/b}}"), "quote.html:1: bad field name 'a/b'");
	CHECK_STR(parse_error("{{>partial}}"), "quote.html:1: bad field name '>partial'");
	CHECK_STR(parse_error("{{|upper}}"), "quote.html:1: no field name before '|'");
	CHECK_STR(parse_error("{{{#if a}}}"), "quote.html:1: '{{{...}}}' holds a field, not a block tag");
	CHECK_STR(parse_error("\n{{@index}}"), "quote.html:2: '@index' outside '{{#each}}'");
	CHECK_STR(parse_error("{{#each l}}{{else}}{{@first}}{{/each}}"), "quote.html:1: '@first' outside '{{#each}}'");
	CHECK_STR(parse_error("{{#if @last}}{{/if}}"), "quote.html:1: '@last' outside '{{#each}}'");
	CHECK_STR(parse_error("{{#each l}}{{@key}}{{/each}}"),
		  "quote.html:1: unknown name '@key' (known: @index, @number, @first, @last)");
	/* the '@' names of an outer list still count in an inner list's else */
	CHECK_STR(parse_error("{{#each a}}{{#each b}}{{else}}{{@index}}{{/each}}{{/each}}"), "ok");
	/* lines counted through comments and tags over several lines */
	CHECK_STR(parse_error("{{! a\nb\nc }}{{#if\nx}}\n{{/each}}"),
		  "quote.html:5: '{{/each}}' closes '{{#if x}}' opened at line 3");
	/* the first mistake in the text is the one reported */
	CHECK_STR(parse_error("{{a|nope}}\n{{/if}}"),
		  "quote.html:1: unknown filter 'nope' (known: default, upper, lower, date, money)");
	CHECK_STR(parse_error("{{/if}}\n{{a|nope}}"), "quote.html:1: '{{/if}}' closes nothing");
	/* long or multi-line pieces are cut in messages */
	CHECK_STR(parse_error("{{#if a}}{{/if\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}}"),
		  "quote.html:1: bad closing tag '{{/if?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...}}' "
		  "(known: /if, /unless, /each)");
	{
		struct sfa_template *t;

		CHECK_INT(sfa_template_parse(&t, "nul.txt", "{{a\0}}", 6), SFA_EINPUT);
		CHECK_STR(sfa_error_last(), "nul.txt:1: NUL byte in a tag");
		CHECK(t == NULL);
		/* NUL bytes in the text pass through */
		CHECK_INT(sfa_template_parse(&t, "nul.txt", "a\0b", 3), 0);
		sfa_buf_reset(&result);
		CHECK_INT(sfa_template_render(&result, t, NULL, TEXT), 0);
		CHECK_INT(result.len, 3);
		CHECK(!memcmp(result.buf, "a\0b", 3));
		sfa_template_free(t);
	}

	/* nesting: 64 blocks deep is fine, 65 is not */
	for (int i = 0; i < SFA_TEMPLATE_DEPTH_MAX; i++)
		sfa_buf_addstr(&deep, i % 2 ? "{{#each l}}" : "{{#if x}}");
	sfa_buf_addstr(&deep, "{{x}}");
	for (int i = SFA_TEMPLATE_DEPTH_MAX - 1; i >= 0; i--)
		sfa_buf_addstr(&deep, i % 2 ? "{{/each}}" : "{{/if}}");
	CHECK_STR(render(deep.buf, "{\"x\": 1, \"l\": [{\"l\": [{}]}]}", TEXT), "1");
	sfa_buf_reset(&deep);
	for (int i = 0; i <= SFA_TEMPLATE_DEPTH_MAX; i++)
		sfa_buf_addstr(&deep, "{{#if x}}\n");
	CHECK_STR(parse_error(deep.buf), "quote.html:65: blocks nested deeper than 64");
	sfa_buf_release(&deep);
}

static const char *const shape =
	"{\"company\": {\"name\": \"\", \"vat_id\": \"\"},"
	" \"quote\": {\"number\": \"\", \"date\": \"\"},"
	" \"customer\": {\"name\": \"\", \"address\": \"\"},"
	" \"lines\": [{\"sku\": \"\", \"qty\": 0, \"parts\": [{\"code\": \"\"}], \"tags\": []}],"
	" \"totals\": {\"total\": \"\", \"taxes\": [{\"rate\": \"\", \"tax\": \"\"}]},"
	" \"flags\": [\"a\"], \"empty\": []}";

static void test_check(void)
{
	CHECK_STR(check("{{company.name}} {{quote.number|default:\"-\"}} {{quote.date|date:\"%d\"}}", shape), "ok");
	CHECK_STR(check("{{#if customer}}{{customer.name}}{{/if}}{{customer}}", shape), "ok");
	CHECK_STR(check("{{#each lines}}{{@number}} {{sku}} {{qty}} {{this.sku}} {{company.name}}"
			"{{#each parts}}{{code}}{{sku}}{{@first}}{{/each}}{{#each tags}}{{this}}{{/each}}{{/each}}",
			shape), "ok");
	CHECK_STR(check("{{#each totals.taxes}}{{rate}}: {{tax}}{{/each}} {{totals.total}}", shape), "ok");
	CHECK_STR(check("{{#each flags}}{{this}}{{/each}}", shape), "ok");

	CHECK_STR(check("a\n{{customer.name}}\n{{custmer.name}}\n", shape), "quote.html:3: unknown field 'custmer.name'");
	CHECK_STR(check("{{customer.nmae}}", shape), "quote.html:1: unknown field 'customer.nmae'");
	CHECK_STR(check("{{customer.name.first}}", shape), "quote.html:1: unknown field 'customer.name.first'");
	CHECK_STR(check("{{#if totl}}{{/if}}", shape), "quote.html:1: unknown field 'totl'");
	CHECK_STR(check("{{#unless x}}{{/unless}}", shape), "quote.html:1: unknown field 'x'");
	/* fields of list elements exist only inside the list */
	CHECK_STR(check("{{#each lines}}{{sku}}{{/each}}\n{{sku}}", shape), "quote.html:2: unknown field 'sku'");
	CHECK_STR(check("{{lines.sku}}", shape), "quote.html:1: unknown field 'lines.sku'");
	CHECK_STR(check("{{#each lines}}\n{{#each parts}}\n{{code}} {{cod}}\n{{/each}}\n{{/each}}", shape),
		  "quote.html:3: unknown field 'cod'");
	CHECK_STR(check("{{#each lines}}{{this.company}}{{/each}}", shape),
		  "quote.html:1: unknown field 'this.company'");
	CHECK_STR(check("{{#each lines}}{{else}}{{sku}}{{/each}}", shape), "quote.html:1: unknown field 'sku'");
	CHECK_STR(check("{{#each flags}}{{this.x}}{{/each}}", shape), "quote.html:1: unknown field 'this.x'");
	CHECK_STR(check("{{#each empty}}{{anything}}{{/each}}", shape), "quote.html:1: unknown field 'anything'");
	/* both branches are checked */
	CHECK_STR(check("{{#if customer}}{{customer.name}}{{else}}{{custome.name}}{{/if}}", shape),
		  "quote.html:1: unknown field 'custome.name'");
	/* the first unknown field in the text */
	CHECK_STR(check("{{a}}\n{{b}}", shape), "quote.html:1: unknown field 'a'");
	CHECK_STR(check("{{#each lines}}\n{{x}}{{/each}}{{y}}", shape), "quote.html:2: unknown field 'x'");
	/* #each over what is not a list */
	CHECK_STR(check("\n{{#each customer}}{{/each}}", shape), "quote.html:2: field 'customer' is not a list");
	CHECK_STR(check("{{#each lines}}{{#each sku}}{{/each}}{{/each}}", shape),
		  "quote.html:1: field 'sku' is not a list");
	CHECK_STR(check("{{#each lines}}{{#each @index}}{{/each}}{{/each}}", shape),
		  "quote.html:1: field '@index' is not a list");
	CHECK_STR(check("{{#each missing}}{{/each}}", shape), "quote.html:1: unknown field 'missing'");
}

static int collect(const struct sfa_template_field *f, void *data)
{
	struct sfa_buf *b = data;

	sfa_buf_addf(b, "%zu:%s:%s:%s;", f->line, f->name, f->block ? f->block : "-", f->within ? f->within : "-");
	return 0;
}

static int stop_at_second(const struct sfa_template_field *f, void *data)
{
	return ++*(int *)data == 2 ? 42 : 0;
}

static void test_fields(void)
{
	const char *tpl = "{{company.name}}\n"
			  "{{#each lines}}\n"
			  "{{@index}} {{sku|upper}} {{this}} {{this.qty}}\n"
			  "{{#if optional}}{{#each parts}}{{code}}{{/each}}{{/if}}\n"
			  "{{else}}{{none}}\n"
			  "{{/each}}\n"
			  "{{! {{commented}} }}{{{raw}}}\n";
	struct sfa_template *t;
	struct sfa_buf b = SFA_BUF_INIT;
	int n = 0;

	CHECK_INT(sfa_template_parse(&t, "t", tpl, strlen(tpl)), 0);
	CHECK_INT(sfa_template_fields(t, collect, &b), 0);
	CHECK_STR(b.buf, "1:company.name:-:-;2:lines:each:-;3:sku:-:lines;3:this.qty:-:lines;"
			 "4:optional:if:lines;4:parts:each:lines;4:code:-:parts;5:none:-:-;7:raw:-:-;");
	CHECK_INT(sfa_template_fields(t, stop_at_second, &n), 42);
	CHECK_INT(n, 2);
	sfa_template_free(t);
	sfa_buf_release(&b);
}

static void test_limits(void)
{
	struct sfa_template *t;
	struct sfa_buf out = SFA_BUF_INIT;
	json_t *data = json_object(), *list = json_array();
	char *mib = malloc(1 << 20);
	const char *tpl;

	memset(mib, 'x', 1 << 20);
	json_object_set_new(data, "big", json_stringn(mib, 1 << 20));
	free(mib);
	for (int i = 0; i < 64; i++)
		json_array_append_new(list, json_integer(i));
	json_object_set_new(data, "l", list);

	/* exactly the limit is allowed */
	tpl = "{{#each l}}{{big}}{{/each}}";
	CHECK_INT(sfa_template_parse(&t, "big.txt", tpl, strlen(tpl)), 0);
	CHECK_INT(sfa_template_render(&out, t, data, TEXT), 0);
	CHECK_INT(out.len, SFA_TEMPLATE_OUTPUT_MAX);
	sfa_template_free(t);

	/* one byte more is refused, and what was in the buffer stays as it was */
	tpl = "{{#each l}}{{big}}{{/each}}\n!";
	CHECK_INT(sfa_template_parse(&t, "big.txt", tpl, strlen(tpl)), 0);
	sfa_buf_reset(&out);
	sfa_buf_addstr(&out, "kept");
	CHECK_INT(sfa_template_render(&out, t, data, TEXT), SFA_EINPUT);
	CHECK_STR(out.buf, "kept");
	CHECK_STR(sfa_error_last(), "big.txt:1: output longer than 64 MiB");
	sfa_template_free(t);

	/* escaping counts: 11 MiB of '&' become 55 MiB, then 66 */
	mib = malloc(11 << 20);
	memset(mib, '&', 11 << 20);
	json_object_set_new(data, "amp", json_stringn(mib, 11 << 20));
	free(mib);
	tpl = "{{amp}}\n{{amp}}";
	CHECK_INT(sfa_template_parse(&t, "amp.html", tpl, strlen(tpl)), 0);
	sfa_buf_reset(&out);
	CHECK_INT(sfa_template_render(&out, t, data, TEXT), 0);
	CHECK_INT(out.len, (22 << 20) + 1);
	CHECK_INT(sfa_template_render(&out, t, data, HTML), SFA_EINPUT);
	CHECK_INT(out.len, (22 << 20) + 1);
	CHECK_STR(sfa_error_last(), "amp.html:2: output longer than 64 MiB");
	sfa_template_free(t);
	json_decref(data);

	/* lists in lists that write nothing still end */
	data = json_object();
	list = json_array();
	for (int i = 0; i < 4100; i++)
		json_array_append_new(list, json_integer(i));
	json_object_set_new(data, "l", list);
	tpl = "{{#each l}}\n{{#each l}}{{/each}}{{/each}}";
	CHECK_INT(sfa_template_parse(&t, "loop.txt", tpl, strlen(tpl)), 0);
	sfa_buf_reset(&out);
	CHECK_INT(sfa_template_render(&out, t, data, TEXT), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "loop.txt:2: more than 16777216 steps: lists in lists too long");
	CHECK_INT(out.len, 0);
	sfa_template_free(t);
	/* a big list alone is fine */
	tpl = "{{#each l}}{{#if @last}}{{@number}}{{/if}}{{/each}}";
	CHECK_INT(sfa_template_parse(&t, "loop.txt", tpl, strlen(tpl)), 0);
	CHECK_INT(sfa_template_render(&out, t, data, TEXT), 0);
	CHECK_STR(out.buf, "4100");
	sfa_template_free(t);
	json_decref(data);
	sfa_buf_release(&out);
}

void unit_tests(void)
{
	test_values();
	test_escaping();
	test_filters();
	test_conditions();
	test_each();
	test_whitespace();
	test_utf8();
	test_parse_errors();
	test_check();
	test_fields();
	test_limits();
	sfa_buf_release(&result);
}
