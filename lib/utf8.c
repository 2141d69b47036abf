#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "sfa/buf.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

struct range {
	unsigned first;
	unsigned last;
};

/*
 * Zero-width code points at or above U+0300: the nonspacing and enclosing
 * marks (Mn, Me) of Unicode 14, the whole of the blocks reserved for
 * combining marks (so marks assigned later still attach), the conjoining
 * Hangul vowels and final consonants (they render inside the syllable
 * started by a leading consonant) and the invisible format characters.
 */
static const struct range zero_width[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD },
	{ 0x05BF, 0x05BF }, { 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 },
	{ 0x05C7, 0x05C7 }, { 0x0610, 0x061A }, { 0x064B, 0x065F },
	{ 0x0670, 0x0670 }, { 0x06D6, 0x06DC }, { 0x06DF, 0x06E4 },
	{ 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0711, 0x0711 },
	{ 0x0730, 0x074A }, { 0x07A6, 0x07B0 }, { 0x07EB, 0x07F3 },
	{ 0x07FD, 0x07FD }, { 0x0816, 0x0819 }, { 0x081B, 0x0823 },
	{ 0x0825, 0x0827 }, { 0x0829, 0x082D }, { 0x0859, 0x085B },
	{ 0x0898, 0x089F }, { 0x08CA, 0x08E1 }, { 0x08E3, 0x0902 },
	{ 0x093A, 0x093A }, { 0x093C, 0x093C }, { 0x0941, 0x0948 },
	{ 0x094D, 0x094D }, { 0x0951, 0x0957 }, { 0x0962, 0x0963 },
	{ 0x0981, 0x0981 }, { 0x09BC, 0x09BC }, { 0x09C1, 0x09C4 },
	{ 0x09CD, 0x09CD }, { 0x09E2, 0x09E3 }, { 0x09FE, 0x09FE },
	{ 0x0A01, 0x0A02 }, { 0x0A3C, 0x0A3C }, { 0x0A41, 0x0A42 },
	{ 0x0A47, 0x0A48 }, { 0x0A4B, 0x0A4D }, { 0x0A51, 0x0A51 },
	{ 0x0A70, 0x0A71 }, { 0x0A75, 0x0A75 }, { 0x0A81, 0x0A82 },
	{ 0x0ABC, 0x0ABC }, { 0x0AC1, 0x0AC5 }, { 0x0AC7, 0x0AC8 },
	{ 0x0ACD, 0x0ACD }, { 0x0AE2, 0x0AE3 }, { 0x0AFA, 0x0AFF },
	{ 0x0B01, 0x0B01 }, { 0x0B3C, 0x0B3C }, { 0x0B3F, 0x0B3F },
	{ 0x0B41, 0x0B44 }, { 0x0B4D, 0x0B4D }, { 0x0B55, 0x0B56 },
	{ 0x0B62, 0x0B63 }, { 0x0B82, 0x0B82 }, { 0x0BC0, 0x0BC0 },
	{ 0x0BCD, 0x0BCD }, { 0x0C00, 0x0C00 }, { 0x0C04, 0x0C04 },
	{ 0x0C3C, 0x0C3C }, { 0x0C3E, 0x0C40 }, { 0x0C46, 0x0C48 },
	{ 0x0C4A, 0x0C4D }, { 0x0C55, 0x0C56 }, { 0x0C62, 0x0C63 },
	{ 0x0C81, 0x0C81 }, { 0x0CBC, 0x0CBC }, { 0x0CBF, 0x0CBF },
	{ 0x0CC6, 0x0CC6 }, { 0x0CCC, 0x0CCD }, { 0x0CE2, 0x0CE3 },
	{ 0x0D00, 0x0D01 }, { 0x0D3B, 0x0D3C }, { 0x0D41, 0x0D44 },
	{ 0x0D4D, 0x0D4D }, { 0x0D62, 0x0D63 }, { 0x0D81, 0x0D81 },
	{ 0x0DCA, 0x0DCA }, { 0x0DD2, 0x0DD4 }, { 0x0DD6, 0x0DD6 },
	{ 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E },
	{ 0x0EB1, 0x0EB1 }, { 0x0EB4, 0x0EBC }, { 0x0EC8, 0x0ECD },
	{ 0x0F18, 0x0F19 }, { 0x0F35, 0x0F35 }, { 0x0F37, 0x0F37 },
	{ 0x0F39, 0x0F39 }, { 0x0F71, 0x0F7E }, { 0x0F80, 0x0F84 },
	{ 0x0F86, 0x0F87 }, { 0x0F8D, 0x0F97 }, { 0x0F99, 0x0FBC },
	{ 0x0FC6, 0x0FC6 }, { 0x102D, 0x1030 }, { 0x1032, 0x1037 },
	{ 0x1039, 0x103A }, { 0x103D, 0x103E }, { 0x1058, 0x1059 },
	{ 0x105E, 0x1060 }, { 0x1071, 0x1074 }, { 0x1082, 0x1082 },
	{ 0x1085, 0x1086 }, { 0x108D, 0x108D }, { 0x109D, 0x109D },
	{ 0x1160, 0x11FF }, { 0x135D, 0x135F }, { 0x1712, 0x1714 },
	{ 0x1732, 0x1733 }, { 0x1752, 0x1753 }, { 0x1772, 0x1773 },
	{ 0x17B4, 0x17B5 }, { 0x17B7, 0x17BD }, { 0x17C6, 0x17C6 },
	{ 0x17C9, 0x17D3 }, { 0x17DD, 0x17DD }, { 0x180B, 0x180D },
	{ 0x180F, 0x180F }, { 0x1885, 0x1886 }, { 0x18A9, 0x18A9 },
	{ 0x1920, 0x1922 }, { 0x1927, 0x1928 }, { 0x1932, 0x1932 },
	{ 0x1939, 0x193B }, { 0x1A17, 0x1A18 }, { 0x1A1B, 0x1A1B },
	{ 0x1A56, 0x1A56 }, { 0x1A58, 0x1A5E }, { 0x1A60, 0x1A60 },
	{ 0x1A62, 0x1A62 }, { 0x1A65, 0x1A6C }, { 0x1A73, 0x1A7C },
	{ 0x1A7F, 0x1A7F }, { 0x1AB0, 0x1B03 }, { 0x1B34, 0x1B34 },
	{ 0x1B36, 0x1B3A }, { 0x1B3C, 0x1B3C }, { 0x1B42, 0x1B42 },
	{ 0x1B6B, 0x1B73 }, { 0x1B80, 0x1B81 }, { 0x1BA2, 0x1BA5 },
	{ 0x1BA8, 0x1BA9 }, { 0x1BAB, 0x1BAD }, { 0x1BE6, 0x1BE6 },
	{ 0x1BE8, 0x1BE9 }, { 0x1BED, 0x1BED }, { 0x1BEF, 0x1BF1 },
	{ 0x1C2C, 0x1C33 }, { 0x1C36, 0x1C37 }, { 0x1CD0, 0x1CD2 },
	{ 0x1CD4, 0x1CE0 }, { 0x1CE2, 0x1CE8 }, { 0x1CED, 0x1CED },
	{ 0x1CF4, 0x1CF4 }, { 0x1CF8, 0x1CF9 }, { 0x1DC0, 0x1DFF },
	{ 0x200B, 0x200F }, { 0x2028, 0x202E }, { 0x2060, 0x2064 },
	{ 0x20D0, 0x20FF }, { 0x2CEF, 0x2CF1 }, { 0x2D7F, 0x2D7F },
	{ 0x2DE0, 0x2DFF }, { 0x302A, 0x302D }, { 0x3099, 0x309A },
	{ 0xA66F, 0xA672 }, { 0xA674, 0xA67D }, { 0xA69E, 0xA69F },
	{ 0xA6F0, 0xA6F1 }, { 0xA802, 0xA802 }, { 0xA806, 0xA806 },
	{ 0xA80B, 0xA80B }, { 0xA825, 0xA826 }, { 0xA82C, 0xA82C },
	{ 0xA8C4, 0xA8C5 }, { 0xA8E0, 0xA8F1 }, { 0xA8FF, 0xA8FF },
	{ 0xA926, 0xA92D }, { 0xA947, 0xA951 }, { 0xA980, 0xA982 },
	{ 0xA9B3, 0xA9B3 }, { 0xA9B6, 0xA9B9 }, { 0xA9BC, 0xA9BD },
	{ 0xA9E5, 0xA9E5 }, { 0xAA29, 0xAA2E }, { 0xAA31, 0xAA32 },
	{ 0xAA35, 0xAA36 }, { 0xAA43, 0xAA43 }, { 0xAA4C, 0xAA4C },
	{ 0xAA7C, 0xAA7C }, { 0xAAB0, 0xAAB0 }, { 0xAAB2, 0xAAB4 },
	{ 0xAAB7, 0xAAB8 }, { 0xAABE, 0xAABF }, { 0xAAC1, 0xAAC1 },
	{ 0xAAEC, 0xAAED }, { 0xAAF6, 0xAAF6 }, { 0xABE5, 0xABE5 },
	{ 0xABE8, 0xABE8 }, { 0xABED, 0xABED }, { 0xD7B0, 0xD7FF },
	{ 0xFB1E, 0xFB1E }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F },
	{ 0xFEFF, 0xFEFF }, { 0x101FD, 0x101FD }, { 0x102E0, 0x102E0 },
	{ 0x10376, 0x1037A }, { 0x10A01, 0x10A03 }, { 0x10A05, 0x10A06 },
	{ 0x10A0C, 0x10A0F }, { 0x10A38, 0x10A3A }, { 0x10A3F, 0x10A3F },
	{ 0x10AE5, 0x10AE6 }, { 0x10D24, 0x10D27 }, { 0x10EAB, 0x10EAC },
	{ 0x10F46, 0x10F50 }, { 0x10F82, 0x10F85 }, { 0x11001, 0x11001 },
	{ 0x11038, 0x11046 }, { 0x11070, 0x11070 }, { 0x11073, 0x11074 },
	{ 0x1107F, 0x11081 }, { 0x110B3, 0x110B6 }, { 0x110B9, 0x110BA },
	{ 0x110C2, 0x110C2 }, { 0x11100, 0x11102 }, { 0x11127, 0x1112B },
	{ 0x1112D, 0x11134 }, { 0x11173, 0x11173 }, { 0x11180, 0x11181 },
	{ 0x111B6, 0x111BE }, { 0x111C9, 0x111CC }, { 0x111CF, 0x111CF },
	{ 0x1122F, 0x11231 }, { 0x11234, 0x11234 }, { 0x11236, 0x11237 },
	{ 0x1123E, 0x1123E }, { 0x112DF, 0x112DF }, { 0x112E3, 0x112EA },
	{ 0x11300, 0x11301 }, { 0x1133B, 0x1133C }, { 0x11340, 0x11340 },
	{ 0x11366, 0x1136C }, { 0x11370, 0x11374 }, { 0x11438, 0x1143F },
	{ 0x11442, 0x11444 }, { 0x11446, 0x11446 }, { 0x1145E, 0x1145E },
	{ 0x114B3, 0x114B8 }, { 0x114BA, 0x114BA }, { 0x114BF, 0x114C0 },
	{ 0x114C2, 0x114C3 }, { 0x115B2, 0x115B5 }, { 0x115BC, 0x115BD },
	{ 0x115BF, 0x115C0 }, { 0x115DC, 0x115DD }, { 0x11633, 0x1163A },
	{ 0x1163D, 0x1163D }, { 0x1163F, 0x11640 }, { 0x116AB, 0x116AB },
	{ 0x116AD, 0x116AD }, { 0x116B0, 0x116B5 }, { 0x116B7, 0x116B7 },
	{ 0x1171D, 0x1171F }, { 0x11722, 0x11725 }, { 0x11727, 0x1172B },
	{ 0x1182F, 0x11837 }, { 0x11839, 0x1183A }, { 0x1193B, 0x1193C },
	{ 0x1193E, 0x1193E }, { 0x11943, 0x11943 }, { 0x119D4, 0x119D7 },
	{ 0x119DA, 0x119DB }, { 0x119E0, 0x119E0 }, { 0x11A01, 0x11A0A },
	{ 0x11A33, 0x11A38 }, { 0x11A3B, 0x11A3E }, { 0x11A47, 0x11A47 },
	{ 0x11A51, 0x11A56 }, { 0x11A59, 0x11A5B }, { 0x11A8A, 0x11A96 },
	{ 0x11A98, 0x11A99 }, { 0x11C30, 0x11C36 }, { 0x11C38, 0x11C3D },
	{ 0x11C3F, 0x11C3F }, { 0x11C92, 0x11CA7 }, { 0x11CAA, 0x11CB0 },
	{ 0x11CB2, 0x11CB3 }, { 0x11CB5, 0x11CB6 }, { 0x11D31, 0x11D36 },
	{ 0x11D3A, 0x11D3A }, { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D45 },
	{ 0x11D47, 0x11D47 }, { 0x11D90, 0x11D91 }, { 0x11D95, 0x11D95 },
	{ 0x11D97, 0x11D97 }, { 0x11EF3, 0x11EF4 }, { 0x16AF0, 0x16AF4 },
	{ 0x16B30, 0x16B36 }, { 0x16F4F, 0x16F4F }, { 0x16F8F, 0x16F92 },
	{ 0x16FE4, 0x16FE4 }, { 0x1BC9D, 0x1BC9E }, { 0x1CF00, 0x1CF2D },
	{ 0x1CF30, 0x1CF46 }, { 0x1D167, 0x1D169 }, { 0x1D17B, 0x1D182 },
	{ 0x1D185, 0x1D18B }, { 0x1D1AA, 0x1D1AD }, { 0x1D242, 0x1D244 },
	{ 0x1DA00, 0x1DA36 }, { 0x1DA3B, 0x1DA6C }, { 0x1DA75, 0x1DA75 },
	{ 0x1DA84, 0x1DA84 }, { 0x1DA9B, 0x1DA9F }, { 0x1DAA1, 0x1DAAF },
	{ 0x1E000, 0x1E006 }, { 0x1E008, 0x1E018 }, { 0x1E01B, 0x1E021 },
	{ 0x1E023, 0x1E024 }, { 0x1E026, 0x1E02A }, { 0x1E130, 0x1E136 },
	{ 0x1E2AE, 0x1E2AE }, { 0x1E2EC, 0x1E2EF }, { 0x1E8D0, 0x1E8D6 },
	{ 0x1E944, 0x1E94A }, { 0xE0100, 0xE01EF },
};

/*
 * East Asian Wide and Fullwidth blocks. Approximate on purpose: whole
 * blocks rather than the exact property, which is what terminals do too.
 */
static const struct range wide[] = {
	{ 0x1100, 0x115F }, { 0x2E80, 0x303E }, { 0x3041, 0x33FF },
	{ 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
	{ 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE30, 0xFE4F },
	{ 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F },
	{ 0x1F680, 0x1F6C5 }, { 0x1F900, 0x1F9FF }, { 0x1FA70, 0x1FAFF },
	{ 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD },
};

/*
 * Punctuation, symbols and spaces outside ASCII, by whole blocks where a
 * block is mostly that. Sorted.
 */
static const struct range separators[] = {
	{ 0x0080, 0x00BF }, { 0x00D7, 0x00D7 }, { 0x00F7, 0x00F7 }, { 0x037E, 0x037E },
	{ 0x0387, 0x0387 }, { 0x055A, 0x055F }, { 0x0589, 0x058A }, { 0x05BE, 0x05BE },
	{ 0x05C0, 0x05C0 }, { 0x05C3, 0x05C3 }, { 0x05F3, 0x05F4 }, { 0x060C, 0x060D },
	{ 0x061B, 0x061F }, { 0x066A, 0x066D }, { 0x06D4, 0x06D4 }, { 0x0964, 0x0965 },
	{ 0x0E4F, 0x0E4F }, { 0x0E5A, 0x0E5B }, { 0x1680, 0x1680 }, { 0x2000, 0x206F },
	{ 0x20A0, 0x20CF }, { 0x2100, 0x2BFF }, { 0x2E00, 0x2E7F }, { 0x3000, 0x3003 },
	{ 0x3008, 0x3020 }, { 0x3030, 0x3030 }, { 0x303D, 0x303D }, { 0x30A0, 0x30A0 },
	{ 0x30FB, 0x30FB }, { 0xFD3E, 0xFD3F }, { 0xFE10, 0xFE19 }, { 0xFE30, 0xFE6F },
	{ 0xFF01, 0xFF0F }, { 0xFF1A, 0xFF20 }, { 0xFF3B, 0xFF40 }, { 0xFF5B, 0xFF65 },
	{ 0xFFE0, 0xFFEE }, { 0xFFF9, 0xFFFD }, { 0x1F000, 0x1FAFF },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int in_table(unsigned cp, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;

	if (cp < t[0].first || cp > t[n - 1].last)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > t[mid].last)
			lo = mid + 1;
		else if (cp < t[mid].first)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

/*
 * The well-formed byte sequences of Unicode's table 3-7: the ranges of
 * the second byte after E0, ED, F0 and F4 are what rule out overlongs,
 * surrogates and code points above U+10FFFF without decoding first.
 */
static inline size_t decode(const unsigned char *p, size_t len, unsigned *cp)
{
	unsigned c, lo = 0x80, hi = 0xBF;

	if (!len)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		if (len < 2 || (p[1] & 0xC0) != 0x80)
			return 0;
		*cp = (c & 0x1F) << 6 | (p[1] & 0x3F);
		return 2;
	}
	if (c < 0xF0) {
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		if (len < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
			return 0;
		*cp = (c & 0x0F) << 12 | (p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		return 3;
	}
	if (c < 0xF5) {
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (len < 4 || p[1] < lo || p[1] > hi ||
		    (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		*cp = (c & 0x07) << 18 | (p[1] & 0x3F) << 12 |
		      (p[2] & 0x3F) << 6 | (p[3] & 0x3F);
		return 4;
	}
	return 0;
}

/* Skips the ASCII bytes from `i`, eight at a time while there are eight. */
static inline size_t skip_ascii(const unsigned char *p, size_t i, size_t len)
{
	while (len - i >= 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		if (v & UINT64_C(0x8080808080808080))
			break;
		i += 8;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

int sfa_utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	unsigned cp;

	while (i < len) {
		size_t n;

		if (p[i] < 0x80) {
			i = skip_ascii(p, i, len);
			continue;
		}
		n = decode(p + i, len - i, &cp);
		if (!n) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += n;
	}
	return 1;
}

size_t sfa_utf8_decode(const char *s, size_t len, unsigned *cp)
{
	return decode((const unsigned char *)s, len, cp);
}

int sfa_utf8_cpwidth(unsigned cp)
{
	/* Latin-1 and the rest below the first combining mark need no search. */
	if (cp < 0x300)
		return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ? 0 : 1;
	if (in_table(cp, zero_width, ARRAY_SIZE(zero_width)))
		return 0;
	if (in_table(cp, wide, ARRAY_SIZE(wide)))
		return 2;
	return 1;
}

size_t sfa_utf8_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, width = 0;

	while (i < len) {
		unsigned cp;
		size_t n;

		if (p[i] < 0x80) {
			if (p[i] >= 0x20 && p[i] != 0x7F)
				width++;
			i++;
			continue;
		}
		n = decode(p + i, len - i, &cp);
		if (!n) {
			/* a stray byte shows as one replacement character */
			width++;
			i++;
			continue;
		}
		width += (size_t)sfa_utf8_cpwidth(cp);
		i += n;
	}
	return width;
}

void sfa_utf8_put(struct sfa_buf *out, unsigned cp)
{
	unsigned char b[4];
	size_t n;

	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sfa_buf_add(out, b, n);
}

/*
 * The base letter of each Latin letter with a diacritic, one byte per code
 * point from `first`, upper and lower case alike: a lowercase ASCII letter
 * is the base, an uppercase one stands for a two-letter base (see
 * latin_pair) and '.' means the code point is not folded. Derived from the
 * Unicode character names ("LATIN SMALL LETTER O WITH STROKE" is o), with
 * the letters that have no such name (ß, þ, ð, ı, ĸ, ŋ, ſ) given by hand.
 */
static const char latin_from_c0[] =
	"aaaaaaAceeeeiiiidnooooo.ouuuuyTS"	/* U+00C0 */
	"aaaaaaAceeeeiiiidnooooo.ouuuuyTy"	/* U+00E0 */
	"aaaaaaccccccccddddeeeeeeeeeegggg"	/* U+0100 */
	"gggghhhhiiiiiiiiiiIIjjkkklllllll"	/* U+0120 */
	"lllnnnnnnnnnooooooOOrrrrrrssssss"	/* U+0140 */
	"ssttttttuuuuuuuuuuuuwwyyyzzzzzzs"	/* U+0160 */
	"bbbb...cc.ddd....ffg...ikkl..nno"	/* U+0180 */
	"oo..pp.....ttttuu.vyyzz........."	/* U+01A0 */
	"....DDDLLLNNNaaiioouuuuuuuuuu.aa"	/* U+01C0 */
	"aaAAggggkkoooo..jDDDgg..nnaaAAoo"	/* U+01E0 */
	"aaaaeeeeiiiioooorrrruuuusstt..hh"	/* U+0200 */
	"nd..zzaaeeooooooooyylnt...acclts"	/* U+0220 */
	"z..b..eejj.qrryy";			/* U+0240 */

static const char latin_from_1e00[] =
	"aabbbbbbccddddddddddeeeeeeeeeeff"	/* U+1E00 */
	"gghhhhhhhhhhiiiikkkkkkllllllllmm"	/* U+1E20 */
	"mmmmnnnnnnnnoooooooopppprrrrrrrr"	/* U+1E40 */
	"ssssssssssttttttttuuuuuuuuuuvvvv"	/* U+1E60 */
	"wwwwwwwwwwxxxxyyzzzzzzhtwyasssS."	/* U+1E80 */
	"aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee"	/* U+1EA0 */
	"eeeeeeeeiiiioooooooooooooooooooo"	/* U+1EC0 */
	"oooouuuuuuuuuuuuuuyyyyyyyy....yy";	/* U+1EE0 */

static const struct {
	unsigned first;
	const char *base;
	size_t len;
} latin[] = {
	{ 0x00C0, latin_from_c0, sizeof(latin_from_c0) - 1 },
	{ 0x1E00, latin_from_1e00, sizeof(latin_from_1e00) - 1 },
};

static const char latin_pair_key[] = "ADILNOST";
static const char *const latin_pair[] = { "ae", "dz", "ij", "lj", "nj", "oe", "ss", "th" };

/*
 * Letters of other scripts folded to another letter: Greek vowels without
 * tonos and dialytika (capitals usually drop them, so "ΣΟΦΙΑ" must meet
 * "Σοφία"), final sigma as medial sigma, Cyrillic ё as е as Russian writers
 * mostly do. Capitals are listed too for when the locale cannot lowercase.
 * Sorted by `from`.
 */
static const struct other_fold {
	unsigned short from;
	unsigned short to;
} other[] = {
	{ 0x0386, 0x03B1 }, { 0x0388, 0x03B5 }, { 0x0389, 0x03B7 }, { 0x038A, 0x03B9 },
	{ 0x038C, 0x03BF }, { 0x038E, 0x03C5 }, { 0x038F, 0x03C9 }, { 0x0390, 0x03B9 },
	{ 0x03AA, 0x03B9 }, { 0x03AB, 0x03C5 }, { 0x03AC, 0x03B1 }, { 0x03AD, 0x03B5 },
	{ 0x03AE, 0x03B7 }, { 0x03AF, 0x03B9 }, { 0x03B0, 0x03C5 }, { 0x03C2, 0x03C3 },
	{ 0x03CA, 0x03B9 }, { 0x03CB, 0x03C5 }, { 0x03CC, 0x03BF }, { 0x03CD, 0x03C5 },
	{ 0x03CE, 0x03C9 }, { 0x0401, 0x0435 }, { 0x0451, 0x0435 },
};

static locale_t fold_loc;
static pthread_once_t fold_loc_once = PTHREAD_ONCE_INIT;

/* Kept for the life of the process; (locale_t)0 when C.UTF-8 is missing. */
static void fold_loc_init(void)
{
	fold_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static const char *latin_base(unsigned cp, size_t *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(latin); i++) {
		const char *b, *pair;

		if (cp < latin[i].first || cp - latin[i].first >= latin[i].len)
			continue;
		b = latin[i].base + (cp - latin[i].first);
		if (*b == '.')
			return NULL;
		if ((pair = strchr(latin_pair_key, *b))) {
			*n = 2;
			return latin_pair[pair - latin_pair_key];
		}
		*n = 1;
		return b;
	}
	return NULL;
}

static int other_cmp(const void *key, const void *elem)
{
	unsigned cp = *(const unsigned *)key, from = ((const struct other_fold *)elem)->from;

	return cp < from ? -1 : cp > from;
}

static unsigned other_base(unsigned cp)
{
	const struct other_fold *o = bsearch(&cp, other, ARRAY_SIZE(other), sizeof(*other), other_cmp);

	return o ? o->to : cp;
}

static void fold_cp(struct sfa_buf *out, unsigned cp)
{
	const char *base;
	size_t n;

	if (cp >= 0x300 && cp <= 0x36F)
		return;
	if (cp >= 0xFF01 && cp <= 0xFF5E) {
		cp -= 0xFEE0;
		sfa_buf_addch(out, cp >= 'A' && cp <= 'Z' ? (int)cp + 32 : (int)cp);
		return;
	}
	if (fold_loc)
		cp = (unsigned)towlower_l((wint_t)cp, fold_loc);
	if ((base = latin_base(cp, &n))) {
		sfa_buf_add(out, base, n);
		return;
	}
	sfa_utf8_put(out, other_base(cp));
}

size_t sfa_utf8_fold(struct sfa_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = out->len, i = 0;

	pthread_once(&fold_loc_once, fold_loc_init);
	sfa_buf_grow(out, len);
	while (i < len) {
		unsigned cp;
		size_t n;

		if (p[i] < 0x80) {
			sfa_buf_addch(out, p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
			i++;
			continue;
		}
		n = decode(p + i, len - i, &cp);
		if (!n) {
			sfa_utf8_put(out, 0xFFFD);
			i++;
			continue;
		}
		fold_cp(out, cp);
		i += n;
	}
	return out->len - start;
}

int sfa_utf8_is_separator(unsigned cp)
{
	if (cp < 0x80)
		return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
	return in_table(cp, separators, ARRAY_SIZE(separators));
}
