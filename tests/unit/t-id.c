#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/error.h"
#include "sfa/id.h"
#include "unit.h"
#include "sfa/banned.h"

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

static int cmp_ids(const void *a, const void *b)
{
	return memcmp(a, b, SFA_ID_LEN + 1);
}

static void test_new(void)
{
	enum { N = 100000 };
	char (*ids)[SFA_ID_LEN + 1] = malloc(N * sizeof(*ids));
	size_t bad_len = 0, bad_char = 0, bad_valid = 0, dups = 0, used[32] = { 0 }, unused = 0;
	size_t first[32] = { 0 }, first_unused = 0;
	int err = 0;

	if (!CHECK(ids != NULL))
		return;
	for (size_t i = 0; i < N && !err; i++) {
		memset(ids[i], 'X', sizeof(ids[i]));
		err = sfa_id_new(ids[i]);
		if (strlen(ids[i]) != SFA_ID_LEN)
			bad_len++;
		for (size_t k = 0; k < SFA_ID_LEN; k++) {
			const char *p = ids[i][k] ? strchr(alphabet, ids[i][k]) : NULL;
			if (!p)
				bad_char++;
			else
				used[p - alphabet]++;
		}
		if (!sfa_id_valid(ids[i], strlen(ids[i])))
			bad_valid++;
		{
			const char *p = strchr(alphabet, ids[i][0]);
			if (p && ids[i][0])
				first[p - alphabet]++;
		}
	}
	CHECK_INT(err, 0);
	CHECK_INT(bad_len, 0);
	CHECK_INT(bad_char, 0);
	CHECK_INT(bad_valid, 0);

	/* every character of the alphabet turns up, in every position too */
	for (size_t c = 0; c < 32; c++) {
		if (!used[c])
			unused++;
		if (!first[c])
			first_unused++;
	}
	CHECK_INT(unused, 0);
	CHECK_INT(first_unused, 0);

	/* 60 random bits: 100,000 ids never collide */
	qsort(ids, N, sizeof(*ids), cmp_ids);
	for (size_t i = 1; i < N; i++)
		if (!memcmp(ids[i - 1], ids[i], SFA_ID_LEN + 1))
			dups++;
	CHECK_INT(dups, 0);

	/* two ids in a row differ */
	{
		char a[SFA_ID_LEN + 1], b[SFA_ID_LEN + 1];
		CHECK_INT(sfa_id_new(a), 0);
		CHECK_INT(sfa_id_new(b), 0);
		CHECK(strcmp(a, b) != 0);
	}
	free(ids);
}

static void test_valid(void)
{
	CHECK(sfa_id_valid("0123456789ab", 12));
	CHECK(sfa_id_valid("cdefghjkmnpq", 12));
	CHECK(sfa_id_valid("rstvwxyz0000", 12));
	CHECK(sfa_id_valid("zzzzzzzzzzzz", 12));

	/* length is taken from `len`, not from the string */
	CHECK(sfa_id_valid("0123456789abXYZ", 12));
	CHECK(!sfa_id_valid("0123456789ab", 11));
	CHECK(!sfa_id_valid("0123456789ab", 13));
	CHECK(!sfa_id_valid("0123456789abc", 13));
	CHECK(!sfa_id_valid("", 0));
	CHECK(!sfa_id_valid("0123", 4));

	/* not canonical: capitals and Crockford's excluded letters */
	CHECK(!sfa_id_valid("0123456789AB", 12));
	CHECK(!sfa_id_valid("i123456789ab", 12));
	CHECK(!sfa_id_valid("l123456789ab", 12));
	CHECK(!sfa_id_valid("o123456789ab", 12));
	CHECK(!sfa_id_valid("u123456789ab", 12));
	CHECK(!sfa_id_valid("0123456789a-", 12));
	CHECK(!sfa_id_valid("0123456789a ", 12));
	CHECK(!sfa_id_valid("0123456789a\xc3", 12));
	/* an embedded NUL is not a character of an id */
	CHECK(!sfa_id_valid("01234\0" "6789ab", 12));
}

/* Normalizes `in`; returns the result or NULL (with the code in *err). */
static const char *norm(const char *in, int *err)
{
	static char out[SFA_ID_LEN + 1];
	memset(out, 0, sizeof(out));
	*err = sfa_id_normalize(out, in);
	return *err < 0 ? NULL : out;
}

static void test_normalize(void)
{
	int err;

	CHECK_STR(norm("0123456789ab", &err), "0123456789ab");
	CHECK_STR(norm("ABCD", &err), "abcd");
	CHECK_STR(norm("AbCdEfGhJkMn", &err), "abcdefghjkmn");
	/* Crockford: I and L read as 1, O as 0, in either case */
	CHECK_STR(norm("IiLl", &err), "1111");
	CHECK_STR(norm("Oo0o", &err), "0000");
	CHECK_STR(norm("ol1iOL", &err), "01110" "1");
	CHECK_STR(norm("zzzzzzzzzzzz", &err), "zzzzzzzzzzzz");
	/* a prefix keeps its length */
	CHECK_STR(norm("3k9x", &err), "3k9x");
	CHECK_STR(norm("3K9XW", &err), "3k9xw");
	CHECK_INT(err, 0);

	/* too short */
	CHECK(norm("abc", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'abc' is not an id: ids are 12 characters, prefixes at least 4");
	CHECK(norm("", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);

	/* too long */
	CHECK(norm("0123456789abc", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "'0123456789abc' is not an id") != NULL);

	/* characters outside the alphabet */
	CHECK(norm("abcu", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'abcu' is not an id: unexpected character 'u'");
	CHECK(norm("ABCU", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK(norm("ab-cd", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'ab-cd' is not an id: unexpected character '-'");
	CHECK(norm("abc d", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK(norm("abcd\xc3\xa9", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);
	CHECK(norm("ab.json", &err) == NULL);
	CHECK_INT(err, SFA_EINPUT);

	/* the output is a valid id when the input has the full length */
	{
		char out[SFA_ID_LEN + 1];
		CHECK_INT(sfa_id_normalize(out, "OILOILOILOIL"), 0);
		CHECK_STR(out, "011011011011");
		CHECK(sfa_id_valid(out, strlen(out)));
	}

	/* a new id normalizes to itself, and so does its capitalized form */
	{
		char id[SFA_ID_LEN + 1], up[SFA_ID_LEN + 1], out[SFA_ID_LEN + 1];
		CHECK_INT(sfa_id_new(id), 0);
		for (size_t i = 0; i <= SFA_ID_LEN; i++)
			up[i] = (char)(id[i] >= 'a' && id[i] <= 'z' ? id[i] - 'a' + 'A' : id[i]);
		CHECK_INT(sfa_id_normalize(out, up), 0);
		CHECK_STR(out, id);
	}
}

void unit_tests(void)
{
	test_new();
	test_valid();
	test_normalize();
}
