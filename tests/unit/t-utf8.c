#include <string.h>

#include "sfa/buf.h"
#include "sfa/utf8.h"
#include "unit.h"
#include "sfa/banned.h"

/* Validity of `s` (NUL-free test strings) and where it goes wrong, or -1. */
static long bad_at(const char *s)
{
	size_t bad = 12345;

	if (sfa_utf8_valid(s, strlen(s), &bad))
		return bad == 12345 ? -1 : -2;
	return (long)bad;
}

static size_t width(const char *s)
{
	return sfa_utf8_width(s, strlen(s));
}

static void test_valid(void)
{
	size_t bad = 0;

	CHECK_INT(bad_at(""), -1);
	CHECK_INT(bad_at("plain ascii, long enough for the eight-byte path"), -1);
	CHECK_INT(bad_at("Jos\xc3\xa9 M\xc3\xbcller"), -1);
	CHECK_INT(bad_at("\xe5\xbc\xa0\xe4\xbc\x9f"), -1);		/* 张伟 */
	CHECK_INT(bad_at("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd"), -1);	/* Иван */
	CHECK_INT(bad_at("\xf0\x9f\x98\x80"), -1);			/* U+1F600 */
	CHECK_INT(bad_at("\xf4\x8f\xbf\xbf"), -1);			/* U+10FFFF */
	CHECK_INT(bad_at("\xef\xbf\xbf"), -1);				/* U+FFFF */
	CHECK_INT(bad_at("\xed\x9f\xbf"), -1);				/* U+D7FF */
	CHECK_INT(bad_at("\xee\x80\x80"), -1);				/* U+E000 */
	CHECK_INT(bad_at("\xc2\x80"), -1);				/* U+0080 */
	CHECK_INT(bad_at("\xe0\xa0\x80"), -1);				/* U+0800 */
	CHECK_INT(bad_at("\xf0\x90\x80\x80"), -1);			/* U+10000 */

	/* a NUL byte is ASCII, and valid */
	CHECK(sfa_utf8_valid("a\0b", 3, NULL));

	/* overlongs */
	CHECK_INT(bad_at("\xc0\x80"), 0);
	CHECK_INT(bad_at("\xc1\xbf"), 0);
	CHECK_INT(bad_at("\xe0\x80\x80"), 0);
	CHECK_INT(bad_at("\xe0\x9f\xbf"), 0);
	CHECK_INT(bad_at("\xf0\x80\x80\x80"), 0);
	CHECK_INT(bad_at("\xf0\x8f\xbf\xbf"), 0);
	/* surrogates */
	CHECK_INT(bad_at("\xed\xa0\x80"), 0);
	CHECK_INT(bad_at("\xed\xbf\xbf"), 0);
	/* above U+10FFFF and bytes that never occur */
	CHECK_INT(bad_at("\xf4\x90\x80\x80"), 0);
	CHECK_INT(bad_at("\xf5\x80\x80\x80"), 0);
	CHECK_INT(bad_at("\xff"), 0);
	CHECK_INT(bad_at("\xfe"), 0);
	/* stray continuation bytes */
	CHECK_INT(bad_at("\x80"), 0);
	CHECK_INT(bad_at("ab\xbf"), 2);
	/* truncated sequences, at the end and followed by ASCII */
	CHECK_INT(bad_at("\xc3"), 0);
	CHECK_INT(bad_at("\xe5\xbc"), 0);
	CHECK_INT(bad_at("\xf0\x9f\x98"), 0);
	CHECK_INT(bad_at("x\xe5\xbcy"), 1);
	CHECK_INT(bad_at("\xc3" "a"), 0);

	/* offsets past the ASCII fast path and past good sequences */
	CHECK_INT(bad_at("0123456789abcdefghij\xc0\x80"), 20);
	CHECK_INT(bad_at("Jos\xc3\xa9 \xed\xa0\x80"), 6);
	CHECK_INT(bad_at("\xe5\xbc\xa0\xe4\xbc\x9f\xe5\xbc"), 6);

	/* the length bounds the check: a cut sequence is bad */
	CHECK(!sfa_utf8_valid("\xc3\xa9", 1, &bad));
	CHECK_INT(bad, 0);
	CHECK(sfa_utf8_valid("\xc3\xa9\xff", 2, NULL));
}

static void test_decode(void)
{
	unsigned cp = 0;

	CHECK_INT(sfa_utf8_decode("A", 1, &cp), 1);
	CHECK_INT(cp, 'A');
	CHECK_INT(sfa_utf8_decode("\xc3\xa9", 2, &cp), 2);
	CHECK_INT(cp, 0xe9);
	CHECK_INT(sfa_utf8_decode("\xe5\xbc\xa0", 3, &cp), 3);
	CHECK_INT(cp, 0x5f20);
	CHECK_INT(sfa_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	CHECK_INT(cp, 0x1f600);
	CHECK_INT(sfa_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	CHECK_INT(cp, 0x10ffff);

	CHECK_INT(sfa_utf8_decode("", 0, &cp), 0);
	CHECK_INT(sfa_utf8_decode("\xc0\x80", 2, &cp), 0);
	CHECK_INT(sfa_utf8_decode("\xed\xa0\x80", 3, &cp), 0);
	CHECK_INT(sfa_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
	CHECK_INT(sfa_utf8_decode("\xe5\xbc\xa0", 2, &cp), 0);
	CHECK_INT(sfa_utf8_decode("\xe5\x41\xa0", 3, &cp), 0);
}

static void test_cpwidth(void)
{
	CHECK_INT(sfa_utf8_cpwidth('a'), 1);
	CHECK_INT(sfa_utf8_cpwidth(' '), 1);
	CHECK_INT(sfa_utf8_cpwidth(0), 0);
	CHECK_INT(sfa_utf8_cpwidth('\n'), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x7f), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x85), 0);
	CHECK_INT(sfa_utf8_cpwidth(0xa0), 1);
	CHECK_INT(sfa_utf8_cpwidth(0xe9), 1);		/* é */
	CHECK_INT(sfa_utf8_cpwidth(0x418), 1);		/* И */
	CHECK_INT(sfa_utf8_cpwidth(0x301), 0);		/* combining acute */
	CHECK_INT(sfa_utf8_cpwidth(0x36f), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x370), 1);
	CHECK_INT(sfa_utf8_cpwidth(0x489), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x5b0), 0);		/* Hebrew point */
	CHECK_INT(sfa_utf8_cpwidth(0x1ab0), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x1dff), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x20d7), 0);
	CHECK_INT(sfa_utf8_cpwidth(0xfe2f), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x200b), 0);
	CHECK_INT(sfa_utf8_cpwidth(0x200d), 0);		/* ZWJ */
	CHECK_INT(sfa_utf8_cpwidth(0x2060), 0);
	CHECK_INT(sfa_utf8_cpwidth(0xfeff), 0);
	CHECK_INT(sfa_utf8_cpwidth(0xe0100), 0);		/* variation selector */

	CHECK_INT(sfa_utf8_cpwidth(0x1100), 2);
	CHECK_INT(sfa_utf8_cpwidth(0x3000), 2);		/* ideographic space */
	CHECK_INT(sfa_utf8_cpwidth(0x303f), 1);
	CHECK_INT(sfa_utf8_cpwidth(0x3099), 0);		/* kana voicing mark */
	CHECK_INT(sfa_utf8_cpwidth(0x3042), 2);		/* あ */
	CHECK_INT(sfa_utf8_cpwidth(0x4e00), 2);
	CHECK_INT(sfa_utf8_cpwidth(0x9fff), 2);
	CHECK_INT(sfa_utf8_cpwidth(0xac00), 2);		/* 가 */
	CHECK_INT(sfa_utf8_cpwidth(0xd7a3), 2);
	CHECK_INT(sfa_utf8_cpwidth(0xd7a4), 1);
	CHECK_INT(sfa_utf8_cpwidth(0xff21), 2);		/* fullwidth A */
	CHECK_INT(sfa_utf8_cpwidth(0xff61), 1);		/* halfwidth ideographic full stop */
	CHECK_INT(sfa_utf8_cpwidth(0x1f600), 2);
	CHECK_INT(sfa_utf8_cpwidth(0x1f92f), 2);
	CHECK_INT(sfa_utf8_cpwidth(0x20000), 2);
	CHECK_INT(sfa_utf8_cpwidth(0x2fffd), 2);
	CHECK_INT(sfa_utf8_cpwidth(0x3fffe), 1);
	CHECK_INT(sfa_utf8_cpwidth(0x10ffff), 1);
}

static void test_width(void)
{
	CHECK_INT(width(""), 0);
	CHECK_INT(width("Smith"), 5);
	CHECK_INT(width("a\tb"), 2);
	CHECK_INT(width("\xe5\xbc\xa0\xe4\xbc\x9f"), 4);			/* 张伟 */
	CHECK_INT(width("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd"), 4);		/* Иван */
	CHECK_INT(width("Jos\xc3\xa9"), 4);					/* José */
	CHECK_INT(width("Jose\xcc\x81"), 4);					/* e + U+0301 */
	CHECK_INT(width("\xf0\x9f\x98\x80!"), 3);
	CHECK_INT(width("a\xe2\x80\x8b" "b"), 2);				/* ZWSP */
	CHECK_INT(width("\xef\xbc\xa1\xef\xbc\xa2"), 4);			/* ＡＢ */
	CHECK_INT(width("\xea\xb0\x80\xeb\x82\x98"), 4);			/* 가나 */
	/* each stray byte shows as one replacement character */
	CHECK_INT(width("a\xff" "b"), 3);
	CHECK_INT(width("\xe5\xbc"), 2);
}

/* The folded form of `s` (NUL-free), valid until the next call. */
static const char *fold(const char *s)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	size_t n;

	sfa_buf_reset(&b);
	n = sfa_utf8_fold(&b, s, strlen(s));
	return n == b.len ? b.buf : "(length mismatch)";
}

static const char *put(unsigned cp)
{
	static struct sfa_buf b = SFA_BUF_INIT;

	sfa_buf_reset(&b);
	sfa_utf8_put(&b, cp);
	return b.buf;
}

static void test_put(void)
{
	CHECK_STR(put('A'), "A");
	CHECK_STR(put(0x7f), "\x7f");
	CHECK_STR(put(0x80), "\xc2\x80");
	CHECK_STR(put(0xe9), "\xc3\xa9");
	CHECK_STR(put(0x7ff), "\xdf\xbf");
	CHECK_STR(put(0x800), "\xe0\xa0\x80");
	CHECK_STR(put(0x5f20), "\xe5\xbc\xa0");
	CHECK_STR(put(0xffff), "\xef\xbf\xbf");
	CHECK_STR(put(0x10000), "\xf0\x90\x80\x80");
	CHECK_STR(put(0x10ffff), "\xf4\x8f\xbf\xbf");
	/* no encoding: the replacement character */
	CHECK_STR(put(0xd800), "\xef\xbf\xbd");
	CHECK_STR(put(0xdfff), "\xef\xbf\xbd");
	CHECK_STR(put(0x110000), "\xef\xbf\xbd");

	/* appends, and NUL is a code point like any other */
	{
		struct sfa_buf b = SFA_BUF_INIT;
		sfa_buf_addstr(&b, "x");
		sfa_utf8_put(&b, 0);
		sfa_utf8_put(&b, 0x1f600);
		CHECK_INT(b.len, 6);
		CHECK(!memcmp(b.buf, "x\0\xf0\x9f\x98\x80", 6));
		sfa_buf_release(&b);
	}
}

static void test_fold(void)
{
	struct sfa_buf b = SFA_BUF_INIT;

	CHECK_STR(fold(""), "");
	CHECK_STR(fold("JOS\xc3\x89 M\xc3\xbcller"), "jose muller");		/* JOSÉ Müller */
	CHECK_STR(fold("Jos\xc3\xa9"), fold("JOSE"));
	/* ИВАН Петров */
	CHECK_STR(fold("\xd0\x98\xd0\x92\xd0\x90\xd0\x9d \xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2"),
		  "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd \xd0\xbf\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2");
	/* ΣΟΦΙΑ, and Σοφία with its tonos */
	CHECK_STR(fold("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91"),
		  "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1");
	CHECK_STR(fold("\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1"),
		  "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1");
	/* final sigma as medial: Σοφίας == ΣΟΦΙΑΣ */
	CHECK_STR(fold("\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1\xcf\x82"),
		  fold("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91\xce\xa3"));
	/* Armenian Ա -> ա */
	CHECK_STR(fold("\xd4\xb1"), "\xd5\xa1");
	/* Ёлка and ёлка -> елка; й stays a letter of its own */
	CHECK_STR(fold("\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0"), "\xd0\xb5\xd0\xbb\xd0\xba\xd0\xb0");
	CHECK_STR(fold("\xd1\x91"), "\xd0\xb5");
	CHECK_STR(fold("\xd0\x99\xd0\xb9"), "\xd0\xb9\xd0\xb9");

	CHECK_STR(fold("Stra\xc3\x9f" "e"), "strasse");
	CHECK_STR(fold("\xe1\xba\x9e"), "ss");					/* capital ẞ */
	CHECK_STR(fold("\xc3\xa6\xc3\x86 \xc5\x93\xc5\x92 \xc3\xbe\xc3\x9e"), "aeae oeoe thth");
	CHECK_STR(fold("\xc3\xb1\xc3\xa7\xc3\xb8\xc3\xa5\xc5\x82\xc4\x91"), "ncoald");	/* ñçøåłđ */
	CHECK_STR(fold("\xc3\x91\xc3\x87\xc3\x98\xc3\x85\xc5\x81\xc4\x90"), "ncoald");	/* ÑÇØÅŁĐ */
	CHECK_STR(fold("\xc3\x80\xc3\xbf\xc4\x80\xc5\xbe\xc5\xbf"), "ayazs");		/* ÀÿĀžſ */
	CHECK_STR(fold("\xc4\xb1\xc4\xb0"), "ii");				/* ıİ */
	CHECK_STR(fold("\xc8\x98\xc8\x9b"), "st");				/* Romanian Șț */
	CHECK_STR(fold("\xc7\x8e\xc7\x9c"), "au");				/* pinyin ǎǜ */
	CHECK_STR(fold("Nguy\xe1\xbb\x85n"), "nguyen");				/* Nguyễn */
	/* × and ÷ sit among the letters but are not letters */
	CHECK_STR(fold("\xc3\x97\xc3\xb7"), "\xc3\x97\xc3\xb7");
	/* Latin-1 symbols below the letters are copied */
	CHECK_STR(fold("\xc2\xa9\xc2\xa0"), "\xc2\xa9\xc2\xa0");
	/* the Kelvin sign lowercases to an ASCII k */
	CHECK_STR(fold("\xe2\x84\xaa"), "k");

	CHECK_STR(fold("\xe5\xbc\xa0\xe4\xbc\x9f"), "\xe5\xbc\xa0\xe4\xbc\x9f");	/* 张伟 */
	CHECK_STR(fold("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3"), "abc");		/* ＡＢＣ */
	CHECK_STR(fold("\xef\xbd\x81\xef\xbc\x91\xef\xbc\x81\xef\xbd\x9e"), "a1!~");
	/* just outside the fullwidth ASCII block */
	CHECK_STR(fold("\xef\xbc\x80\xef\xbd\x9f"), "\xef\xbc\x80\xef\xbd\x9f");
	CHECK_STR(fold("e\xcc\x81"), "e");					/* e + U+0301 */
	CHECK_STR(fold("Jose\xcc\x81"), fold("Jos\xc3\xa9"));
	CHECK_STR(fold("a\xcd\xafz\xcd\xb0"), "az\xcd\xb1");			/* U+036F gone, U+0370 kept */
	CHECK_STR(fold("0123 !?-_.@ 9"), "0123 !?-_.@ 9");
	CHECK_STR(fold("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");

	/* each malformed byte is one replacement character */
	CHECK_STR(fold("a\xff" "B"), "a\xef\xbf\xbd" "b");
	CHECK_STR(fold("\xe5\xbc"), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(fold("\xc0\x80"), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(fold("\xed\xa0\x80" "x"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");

	/* appends to what is there, counts only its own bytes, stops at `len` */
	sfa_buf_addstr(&b, "K:");
	CHECK_INT(sfa_utf8_fold(&b, "\xc3\x89Tx", 3), 2);
	CHECK_STR(b.buf, "K:et");
	CHECK_INT(sfa_utf8_fold(&b, "", 0), 0);
	CHECK_INT(sfa_utf8_fold(&b, "A\0B", 3), 3);
	CHECK_INT(b.len, 7);
	CHECK(!memcmp(b.buf, "K:eta\0b", 7));
	sfa_buf_release(&b);
}

static void test_is_separator(void)
{
	CHECK(!sfa_utf8_is_separator('a'));
	CHECK(!sfa_utf8_is_separator('Z'));
	CHECK(!sfa_utf8_is_separator('0'));
	CHECK(!sfa_utf8_is_separator('9'));
	CHECK(sfa_utf8_is_separator(' '));
	CHECK(sfa_utf8_is_separator('-'));
	CHECK(sfa_utf8_is_separator('@'));
	CHECK(sfa_utf8_is_separator('['));
	CHECK(sfa_utf8_is_separator('`'));
	CHECK(sfa_utf8_is_separator('{'));
	CHECK(sfa_utf8_is_separator(0));
	CHECK(sfa_utf8_is_separator(0xa0));		/* no-break space */
	CHECK(sfa_utf8_is_separator(0xab));		/* « */
	CHECK(sfa_utf8_is_separator(0xd7));		/* × */
	CHECK(!sfa_utf8_is_separator(0xc0));		/* À */
	CHECK(!sfa_utf8_is_separator(0xff));		/* ÿ */
	CHECK(!sfa_utf8_is_separator(0x301));		/* combining acute */
	CHECK(!sfa_utf8_is_separator(0x3c3));		/* σ */
	CHECK(!sfa_utf8_is_separator(0x436));		/* ж */
	CHECK(!sfa_utf8_is_separator(0x5d0));		/* א */
	CHECK(sfa_utf8_is_separator(0x5be));		/* maqaf */
	CHECK(!sfa_utf8_is_separator(0x627));		/* ا */
	CHECK(sfa_utf8_is_separator(0x60c));		/* Arabic comma */
	CHECK(!sfa_utf8_is_separator(0x915));		/* क */
	CHECK(!sfa_utf8_is_separator(0x93f));		/* Devanagari vowel sign i */
	CHECK(sfa_utf8_is_separator(0x964));		/* danda */
	CHECK(sfa_utf8_is_separator(0x2014));		/* em dash */
	CHECK(sfa_utf8_is_separator(0x20ac));		/* € */
	CHECK(sfa_utf8_is_separator(0x3000));		/* ideographic space */
	CHECK(sfa_utf8_is_separator(0x3001));		/* 、 */
	CHECK(sfa_utf8_is_separator(0x300c));		/* 「 */
	CHECK(!sfa_utf8_is_separator(0x3005));		/* 々 */
	CHECK(!sfa_utf8_is_separator(0x3042));		/* あ */
	CHECK(!sfa_utf8_is_separator(0x30fc));		/* ー */
	CHECK(sfa_utf8_is_separator(0x30fb));		/* ・ */
	CHECK(!sfa_utf8_is_separator(0x4e00));
	CHECK(!sfa_utf8_is_separator(0xac00));		/* 가 */
	CHECK(sfa_utf8_is_separator(0xff0c));		/* fullwidth comma */
	CHECK(!sfa_utf8_is_separator(0xff10));		/* fullwidth 0 */
	CHECK(!sfa_utf8_is_separator(0xff21));		/* fullwidth A */
	CHECK(sfa_utf8_is_separator(0xff3f));		/* fullwidth low line */
	CHECK(!sfa_utf8_is_separator(0xff5a));		/* fullwidth z */
	CHECK(sfa_utf8_is_separator(0xff5b));
	CHECK(!sfa_utf8_is_separator(0xff66));		/* halfwidth ｦ */
	CHECK(sfa_utf8_is_separator(0xfffd));
	CHECK(sfa_utf8_is_separator(0x1f600));
	CHECK(!sfa_utf8_is_separator(0x20000));
}

void unit_tests(void)
{
	test_valid();
	test_decode();
	test_cpwidth();
	test_width();
	test_put();
	test_fold();
	test_is_separator();
}
