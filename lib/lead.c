/* Leads: the record type and what makes a lead valid. */
#include <string.h>

#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/banned.h"

static const char *const lead_columns[] = {
	"id", "first_name", "last_name", "company", "email", "phone", "title",
	"source", "status", "owner", "country", "city", "industry", "employees",
	"interest", "external_id", "created_at", "notes", NULL
};

/*
 * Loose on purpose: one '@', something on each side, a dot inside the
 * domain, no spaces. Whether mail arrives is for the mail server to say;
 * this catches the typos an import carries ("bob@", "bob example.com").
 */
static int email_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *dot;
	size_t dl;

	if (!at || at == s || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == ',' || s[i] == ';' || s[i] == '<' || s[i] == '>')
			return 0;
	dl = len - (size_t)(at - s) - 1;
	dot = memchr(at + 1, '.', dl);
	return dl >= 3 && dot && dot != at + 1 && at[dl] != '.';
}

static int lead_check(json_t *rec)
{
	json_t *v = json_object_get(rec, "email");

	if (v && !json_is_null(v) && (!json_is_string(v) || !email_ok(json_string_value(v), json_string_length(v))))
		return sfa_error_set(SFA_EINPUT, "field 'email': not an address: '%s'",
				     json_is_string(v) ? json_string_value(v) : "(not text)");
	return 0;
}

const struct sfa_type sfa_type_lead = { "lead", "leads", lead_columns, lead_check };
