#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/fts.h"
#include "unit.h"
#include "sfa/banned.h"

static int add_token(void *data, const char *tok, size_t n, size_t start, size_t end)
{
	struct sfa_buf *b = data;

	if (b->len)
		sfa_buf_addch(b, ' ');
	sfa_buf_addf(b, "%.*s:%zu-%zu", (int)n, tok, start, end);
	return 0;
}

/* The tokens of `s` as "tok:start-end ..." (valid until the next call). */
static const char *tokens(const char *s)
{
	static struct sfa_buf b = SFA_BUF_INIT;

	sfa_buf_reset(&b);
	CHECK_INT(sfa_fts_tokens(s, strlen(s), add_token, &b), 0);
	return b.buf;
}

static int stop_after_two(void *data, const char *tok, size_t n, size_t start, size_t end)
{
	int *calls = data;
	return ++*calls == 2 ? 42 : 0;
}

static void test_tokens(void)
{
	int calls = 0;

	CHECK_STR(tokens(""), "");
	CHECK_STR(tokens("  ,;-- ()\"*: "), "");
	CHECK_STR(tokens("Hello, \xe4\xb8\x96\xe7\x95\x8c! Jos\xc3\xa9"),	/* 世界 */
		  "hello:0-5 \xe4\xb8\x96:7-10 \xe7\x95\x8c:10-13 jose:15-20");
	/* offsets are bytes of the original, not of the folded token */
	CHECK_STR(tokens("\xc3\x89" "COLE"), "ecole:0-6");
	CHECK_STR(tokens("anna@acme.example"), "anna:0-4 acme:5-9 example:10-17");
	CHECK_STR(tokens("O'Brien & Sons"), "o:0-1 brien:2-7 sons:10-14");
	CHECK_STR(tokens("a_b 3.14"), "a:0-1 b:2-3 3:4-5 14:6-8");
	/* Latin and CJK side by side without a space */
	CHECK_STR(tokens("abc\xe6\x8a\xa5\xe4\xbb\xb7" "123"),	/* 报价 */
		  "abc:0-3 \xe6\x8a\xa5:3-6 \xe4\xbb\xb7:6-9 123:9-12");
	CHECK_STR(tokens("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xd0\x9f\xd0\x95\xd0\xa2\xd0\xa0\xd0\x9e\xd0\x92"),
		  "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd:0-8 "
		  "\xd0\xbf\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2:9-21");	/* иван петров */
	CHECK_STR(tokens("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd7\xa2\xd7\x95\xd7\x9c\xd7\x9d"),
		  "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d:0-8 \xd7\xa2\xd7\x95\xd7\x9c\xd7\x9d:9-17");
	/* a decomposed accent stays in its word and is folded away */
	CHECK_STR(tokens("Jose\xcc\x81x y"), "josex:0-7 y:8-9");
	/* a virama does not cut a Devanagari word (हिन्दी) */
	CHECK_STR(tokens("\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80"),
		  "\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80:0-18");
	/* a zero width space still separates */
	CHECK_STR(tokens("ab\xe2\x80\x8b" "cd"), "ab:0-2 cd:5-7");
	/* kana with the katakana middle dot between, hangul, an ideograph past U+FFFF */
	CHECK_STR(tokens("\xe3\x83\x88\xe3\x83\xbb\xe3\x83\xa8"),	/* ト・ヨ */
		  "\xe3\x83\x88:0-3 \xe3\x83\xa8:6-9");
	CHECK_STR(tokens("\xed\x95\x9c\xea\xb5\xad"),			/* 한국 */
		  "\xed\x95\x9c:0-3 \xea\xb5\xad:3-6");
	CHECK_STR(tokens("x\xf0\xa0\x80\x80y"), "x:0-1 \xf0\xa0\x80\x80:1-5 y:5-6");
	/* fullwidth letters fold to ASCII, fullwidth punctuation separates */
	CHECK_STR(tokens("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\x81" "c"), "ab:0-6 c:9-10");
	/* malformed bytes separate and never reach a token */
	CHECK_STR(tokens("ab\xff" "cd"), "ab:0-2 cd:3-5");
	CHECK_STR(tokens("ab\xc0\x80" "cd"), "ab:0-2 cd:4-6");
	CHECK_STR(tokens("ab\xe6\x8a"), "ab:0-2");
	CHECK_STR(tokens("\xe6\x8a\xa5\xe6\x8a"), "\xe6\x8a\xa5:0-3");
	/* the length bounds the walk */
	{
		struct sfa_buf b = SFA_BUF_INIT;
		CHECK_INT(sfa_fts_tokens("abcdef", 3, add_token, &b), 0);
		CHECK_STR(b.buf, "abc:0-3");
		sfa_buf_release(&b);
	}
	/* a non-zero return stops the walk and is passed on */
	CHECK_INT(sfa_fts_tokens("one two three four", 18, stop_after_two, &calls), 42);
	CHECK_INT(calls, 2);
}

/* sfa_fts_query's expression, "(none)" for 0 terms (valid until the next call). */
static const char *query(const char *text)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	int n;

	sfa_buf_reset(&b);
	n = sfa_fts_query(&b, text);
	if (!n)
		return b.len ? "(0 terms but output)" : "(none)";
	return b.buf;
}

static void test_query(void)
{
	struct sfa_buf b = SFA_BUF_INIT;

	CHECK_STR(query("demo"), "\"demo\"*");
	CHECK_STR(query("  demo \t fair\n"), "\"demo\"* AND \"fair\"*");
	CHECK_STR(query("\xe6\x8a\xa5\xe4\xbb\xb7"), "\"\xe6\x8a\xa5\xe4\xbb\xb7\"*");
	CHECK_STR(query("say \"hi\""), "\"say\"* AND \"\"\"hi\"\"\"*");
	CHECK_STR(query("a\"b"), "\"a\"\"b\"*");
	CHECK_STR(query("NOT"), "\"NOT\"*");
	CHECK_STR(query("a:b"), "\"a:b\"*");
	/* terms with nothing searchable are left out */
	CHECK_STR(query("demo *** ( fair"), "\"demo\"* AND \"fair\"*");
	CHECK_STR(query("\" OR 1 NEAR("), "\"OR\"* AND \"1\"* AND \"NEAR(\"*");
	/* the ideographic space and the no-break space separate terms */
	CHECK_STR(query("a\xe3\x80\x80" "b\xc2\xa0" "c"), "\"a\"* AND \"b\"* AND \"c\"*");
	/* a malformed byte becomes a space, so the expression is valid UTF-8 */
	CHECK_STR(query("ab\xff" "cd"), "\"ab cd\"*");
	CHECK_STR(query(""), "(none)");
	CHECK_STR(query("   \t\n"), "(none)");
	CHECK_STR(query("***"), "(none)");
	CHECK_STR(query("("), "(none)");
	CHECK_STR(query("\"\" ^ : - + ( )"), "(none)");
	CHECK_STR(query("\xff\xfe"), "(none)");

	/* it appends, and leaves the buffer alone when there is nothing */
	sfa_buf_addstr(&b, "x=");
	CHECK_INT(sfa_fts_query(&b, "a b"), 2);
	CHECK_STR(b.buf, "x=\"a\"* AND \"b\"*");
	CHECK_INT(sfa_fts_query(&b, " ; "), 0);
	CHECK_STR(b.buf, "x=\"a\"* AND \"b\"*");
	sfa_buf_release(&b);
}

static const char *const rows[] = {
	/* Иван Петров, Софтуер ООД */
	("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2, "
	 "\xd0\xa1\xd0\xbe\xd1\x84\xd1\x82\xd1\x83\xd0\xb5\xd1\x80 \xd0\x9e\xd0\x9e\xd0\x94"),
	"\xe9\x87\x8d\xe8\xa6\x81\xe5\xae\xa2\xe6\x88\xb7,\xe9\x9c\x80\xe8\xa6\x81\xe6\x8a\xa5\xe4\xbb\xb7",
		/* 重要客户,需要报价 */
	"Jos\xc3\xa9 M\xc3\xbcller <jose.mueller@acme.example>",
	"Met at fair; wants demo",
	"O'Brien & Sons",
	"\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf",
		/* 株式会社トヨタ */
};

/*
 * The rowids `text` finds, comma-separated, "" for none, "(no terms)" or
 * "(error: ...)" (valid until the next call).
 */
static const char *search(sqlite3 *db, const char *text)
{
	static struct sfa_buf res = SFA_BUF_INIT;
	struct sfa_buf q = SFA_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc;

	sfa_buf_reset(&res);
	if (!sfa_fts_query(&q, text)) {
		sfa_buf_addstr(&res, "(no terms)");
		goto done;
	}
	rc = sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, q.buf, (int)q.len, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sfa_buf_addf(&res, "%s%lld", res.len ? "," : "", sqlite3_column_int64(st, 0));
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		sfa_buf_reset(&res);
		sfa_buf_addf(&res, "(error: %s: %s)", q.buf, sqlite3_errmsg(db));
	}
done:
	sqlite3_finalize(st);
	sfa_buf_release(&q);
	return res.buf;
}

/* Row `rowid` with what `text` matched in brackets, as FTS5's offsets place them. */
static const char *highlight(sqlite3 *db, const char *text, int rowid)
{
	static struct sfa_buf res = SFA_BUF_INIT;
	struct sfa_buf q = SFA_BUF_INIT;
	sqlite3_stmt *st = NULL;

	sfa_buf_reset(&res);
	sfa_fts_query(&q, text);
	if (sqlite3_prepare_v2(db, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1 AND rowid = ?2",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, q.buf, (int)q.len, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int(st, 2, rowid) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		sfa_buf_addstr(&res, (const char *)sqlite3_column_text(st, 0));
	else
		sfa_buf_addf(&res, "(nothing: %s)", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sfa_buf_release(&q);
	return res.buf;
}

static void test_match(void)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = 1;

	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sfa_fts_register(db), 0);
	CHECK_INT(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='sfa')",
			       NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) VALUES (?1, ?2)", -1, &st, NULL),
		  SQLITE_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, rows[i], -1, SQLITE_STATIC);
		ok &= sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	CHECK(ok);

	CHECK_STR(search(db, "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd"), "1");		/* иван */
	CHECK_STR(search(db, "\xd0\x98\xd0\x92\xd0\x90\xd0\x9d"), "1");		/* ИВАН */
	CHECK_STR(search(db, "\xd0\x9f\xd0\xb5\xd1\x82\xd1\x80"), "1");		/* Петр */
	CHECK_STR(search(db, "\xd0\xbe\xd0\xbe\xd0\xb4"), "1");			/* оод */
	CHECK_STR(search(db, "\xe6\x8a\xa5\xe4\xbb\xb7"), "2");			/* 报价 */
	CHECK_STR(search(db, "\xe9\x9c\x80\xe8\xa6\x81"), "2");			/* 需要 */
	CHECK_STR(search(db, "\xe6\x8a\xa5"), "2");				/* 报 */
	CHECK_STR(search(db, "\xe6\x8a\xa5\xe9\x9c\x80"), "");			/* 报需 */
	CHECK_STR(search(db, "\xe4\xbb\xb7\xe9\x87\x8d"), "");			/* 价重 */
	CHECK_STR(search(db, "jose"), "3");
	CHECK_STR(search(db, "JOS\xc3\x89"), "3");
	CHECK_STR(search(db, "muller"), "3");
	CHECK_STR(search(db, "M\xc3\x9cLLER"), "3");
	CHECK_STR(search(db, "mueller"), "3");
	CHECK_STR(search(db, "acme"), "3");
	CHECK_STR(search(db, "acme.example"), "3");
	CHECK_STR(search(db, "demo fair"), "4");
	CHECK_STR(search(db, "fair demo"), "4");
	CHECK_STR(search(db, "demo nothere"), "");
	CHECK_STR(search(db, "emo"), "");			/* prefixes only, no infixes */
	CHECK_STR(search(db, "o'brien"), "5");
	CHECK_STR(search(db, "brien"), "5");
	CHECK_STR(search(db, "\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf"), "6");	/* トヨタ */
	CHECK_STR(search(db, "\xe6\xa0\xaa\xe5\xbc\x8f"), "6");		/* 株式 */
	CHECK_STR(search(db, "a"), "3,4");			/* acme, at: prefixes */
	CHECK_STR(search(db, "s"), "5");			/* the Cyrillic с of софтуер is no s */

	/* operators and syntax typed by a user are text, never an error */
	CHECK_STR(search(db, "\" OR 1 NEAR("), "");
	CHECK_STR(search(db, "a:b"), "");
	CHECK_STR(search(db, "***"), "(no terms)");
	CHECK_STR(search(db, "("), "(no terms)");
	CHECK_STR(search(db, "NOT"), "");
	CHECK_STR(search(db, "demo OR fair"), "");
	CHECK_STR(search(db, "demo NOT fair"), "");
	CHECK_STR(search(db, "\"demo\""), "4");
	CHECK_STR(search(db, "(demo)"), "4");
	CHECK_STR(search(db, "body:demo"), "");
	CHECK_STR(search(db, "^Met"), "4");
	CHECK_STR(search(db, "-fair +demo*"), "4");
	CHECK_STR(search(db, "NEAR(demo fair, 2)"), "");
	CHECK_STR(search(db, "\"\"\"\" \"x\"\"y*\" {body}: ::"), "");
	CHECK_STR(search(db, "ab\xff" "cd"), "");

	/* FTS5 places matches with the tokenizer's byte offsets */
	CHECK_STR(highlight(db, "\xe6\x8a\xa5\xe4\xbb\xb7", 2),
		  "\xe9\x87\x8d\xe8\xa6\x81\xe5\xae\xa2\xe6\x88\xb7,\xe9\x9c\x80\xe8\xa6\x81"
		  "[\xe6\x8a\xa5\xe4\xbb\xb7]");
	CHECK_STR(highlight(db, "muller", 3),
		  "Jos\xc3\xa9 [M\xc3\xbcller] <jose.mueller@acme.example>");
	CHECK_STR(highlight(db, "acme", 3), "Jos\xc3\xa9 M\xc3\xbcller <jose.mueller@[acme].example>");

	/* the tokenizer takes no options, so a misspelt one is an error */
	CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE u USING fts5(body, tokenize='sfa x')",
			   NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(db);

	/* a connection without the tokenizer cannot use such a table */
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='sfa')",
			   NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(db);
}

void unit_tests(void)
{
	test_tokens();
	test_query();
	test_match();
}
