#include <string.h>

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

void unit_tests(void)
{
	test_valid();
	test_decode();
	test_cpwidth();
	test_width();
}
