#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#include <sqlite3.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/fts.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

/*
 * The letter classes come from C.UTF-8 whatever the user's locale, so an
 * index built in one shell is searched the same way from another. Without
 * that locale only ASCII letters and digits make words.
 */
static pthread_once_t ctype_once = PTHREAD_ONCE_INIT;
static locale_t ctype;

static void ctype_init(void)
{
	ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static int is_alnum(unsigned cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
	return ctype && iswalnum_l((wint_t)cp, ctype);
}

/*
 * Scripts written without spaces between words: each ideograph, kana and
 * hangul syllable is a token, so any run of them is found as a phrase.
 * The kana blocks also hold voicing marks and punctuation, which are not.
 */
static int is_cjk(unsigned cp)
{
	if (cp >= 0x3040 && cp <= 0x30FF)
		return !(cp >= 0x3099 && cp <= 0x309C) && cp != 0x30A0 && cp != 0x30FB;
	return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0x20000 && cp <= 0x2FA1F);
}

/*
 * A combining mark (a decomposed accent, a virama, a vowel sign) is part of
 * the word it follows; splitting there would cut Indic words in pieces.
 * The invisible format characters around U+2000 still separate.
 */
static int is_mark(unsigned cp)
{
	return cp >= 0x300 && sfa_utf8_cpwidth(cp) == 0 &&
	       !(cp >= 0x2000 && cp <= 0x206F) && cp != 0xFEFF;
}

static int emit_word(struct sfa_buf *word, const char *text, size_t start, size_t end,
		     sfa_fts_token_fn cb, void *data)
{
	sfa_buf_reset(word);
	if (!sfa_utf8_fold(word, text + start, end - start))
		return 0;
	return cb(data, word->buf, word->len, start, end);
}

int sfa_fts_tokens(const char *text, size_t len, sfa_fts_token_fn cb, void *data)
{
	struct sfa_buf word = SFA_BUF_INIT;
	size_t i = 0, start = 0;
	int in_word = 0, rc = 0;

	pthread_once(&ctype_once, ctype_init);
	while (i < len) {
		unsigned cp = 0;
		size_t n = sfa_utf8_decode(text + i, len - i, &cp);
		int cjk = n && is_cjk(cp);
		int wordch = n && !cjk && (is_alnum(cp) || (in_word && is_mark(cp)));

		if (in_word && !wordch) {
			if ((rc = emit_word(&word, text, start, i, cb, data)))
				goto done;
			in_word = 0;
		}
		if (!n) {
			i++;
			continue;
		}
		if (wordch && !in_word) {
			start = i;
			in_word = 1;
		} else if (cjk && (rc = cb(data, text + i, n, i, i + n))) {
			goto done;
		}
		i += n;
	}
	if (in_word)
		rc = emit_word(&word, text, start, len, cb, data);
done:
	sfa_buf_release(&word);
	return rc;
}

struct fts5_call {
	void *ctx;
	int (*token)(void *ctx, int flags, const char *tok, int n, int start, int end);
};

static int fts5_token(void *data, const char *tok, size_t n, size_t start, size_t end)
{
	struct fts5_call *c = data;

	/* folding can lengthen a word (ß to ss) past what an int holds */
	if (n > INT_MAX)
		return SQLITE_TOOBIG;
	return c->token(c->ctx, 0, tok, (int)n, (int)start, (int)end);
}

/*
 * FTS5 falls back to its default tokenizer when xCreate leaves a NULL
 * handle, so every table gets this one stateless object instead.
 */
static struct { int unused; } instance;

static int fts5_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	/* no options yet: a typo in tokenize='...' must not pass silently */
	if (argc > 0)
		return SQLITE_ERROR;
	*out = (Fts5Tokenizer *)&instance;
	return SQLITE_OK;
}

static void fts5_delete(Fts5Tokenizer *tok)
{
}

/*
 * Documents and queries, prefix or not, are split alike: a query token
 * must be spelled exactly as the indexed one to match it.
 */
static int fts5_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
			 int (*token)(void *, int, const char *, int, int, int))
{
	struct fts5_call c = { ctx, token };

	if (len <= 0)
		return SQLITE_OK;
	return sfa_fts_tokens(text, (size_t)len, fts5_token, &c);
}

static fts5_tokenizer tokenizer = { fts5_create, fts5_delete, fts5_tokenize };

int sfa_fts_register(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		err = sfa_error_set(SFA_ESTORE, "full-text search: cannot find fts5: %s",
				    sqlite3_errmsg(db));
		goto done;
	}
	if (!api || api->iVersion < 2) {
		err = sfa_error_set(SFA_ESTORE, "full-text search: sqlite has no usable fts5");
		goto done;
	}
	rc = api->xCreateTokenizer(api, "sfa", NULL, &tokenizer, NULL);
	if (rc != SQLITE_OK)
		err = sfa_error_set(SFA_ESTORE, "full-text search: cannot register tokenizer 'sfa': %s",
				    sqlite3_errstr(rc));
done:
	sqlite3_finalize(st);
	return err;
}

/* Bytes of the white space character at `s`, or 0 when there is none. */
static size_t space_at(const char *s, size_t len)
{
	unsigned cp;
	size_t n = sfa_utf8_decode(s, len, &cp);

	if (!n)
		return 0;
	if ((cp >= 0x09 && cp <= 0x0D) || cp == ' ' || cp == 0x85 || cp == 0xA0 ||
	    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202F || cp == 0x205F || cp == 0x3000)
		return n;
	return 0;
}

static int any_token(void *data, const char *tok, size_t n, size_t start, size_t end)
{
	return 1;
}

/*
 * Inside double quotes FTS5 reads everything but the closing quote as text
 * for the tokenizer, so no operator the user typed can take effect. A
 * malformed byte becomes a space, which the tokenizer treats alike, so
 * the expression is always valid UTF-8.
 */
static void add_phrase(struct sfa_buf *out, const char *s, size_t len)
{
	size_t i = 0;

	sfa_buf_addch(out, '"');
	while (i < len) {
		unsigned cp;
		size_t n = sfa_utf8_decode(s + i, len - i, &cp);

		if (!n) {
			sfa_buf_addch(out, ' ');
			i++;
			continue;
		}
		if (cp == '"')
			sfa_buf_addch(out, '"');
		sfa_buf_add(out, s + i, n);
		i += n;
	}
	sfa_buf_addstr(out, "\"*");
}

int sfa_fts_query(struct sfa_buf *out, const char *text)
{
	size_t len = strlen(text), i = 0;
	int terms = 0;

	while (i < len) {
		size_t start, n;

		while (i < len && (n = space_at(text + i, len - i)))
			i += n;
		start = i;
		while (i < len && !space_at(text + i, len - i)) {
			unsigned cp;
			n = sfa_utf8_decode(text + i, len - i, &cp);
			i += n ? n : 1;
		}
		/* a term of punctuation alone would be an empty phrase */
		if (i == start || !sfa_fts_tokens(text + start, i - start, any_token, NULL))
			continue;
		if (terms++)
			sfa_buf_addstr(out, " AND ");
		add_phrase(out, text + start, i - start);
	}
	return terms;
}
