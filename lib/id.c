#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/banned.h"

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

/* Value of a canonical id character, or -1. */
static int digit(int c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Random bytes fetched a page at a time: an import makes a million ids. */
static unsigned char pool[4096];
static size_t pool_left;

int sfa_id_new(char out[SFA_ID_LEN + 1])
{
	unsigned long long v = 0;
	size_t got = 0;

	if (pool_left < 8) {
		while (got < sizeof(pool)) {
			ssize_t n = getrandom(pool + got, sizeof(pool) - got, 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return sfa_error_set(SFA_ESTORE, "cannot get random bytes: %s", strerror(errno));
			}
			got += (size_t)n;
		}
		pool_left = sizeof(pool);
	}
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | pool[--pool_left];
	for (int i = SFA_ID_LEN - 1; i >= 0; i--, v >>= 5)
		out[i] = alphabet[v & 31];
	out[SFA_ID_LEN] = '\0';
	return 0;
}

int sfa_id_valid(const char *s, size_t len)
{
	if (len != SFA_ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (digit((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

int sfa_id_normalize(char out[SFA_ID_LEN + 1], const char *in)
{
	size_t n = strlen(in);

	if (n < SFA_ID_MIN_PREFIX || n > SFA_ID_LEN)
		return sfa_error_set(SFA_EINPUT, "'%s' is not an id: ids are %d characters, prefixes at least %d",
				     in, SFA_ID_LEN, SFA_ID_MIN_PREFIX);
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)in[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == 'i' || c == 'l')
			c = '1';
		else if (c == 'o')
			c = '0';
		if (digit(c) < 0)
			return sfa_error_set(SFA_EINPUT, "'%s' is not an id: unexpected character '%c'", in, in[i]);
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
}
