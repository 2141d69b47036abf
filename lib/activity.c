/* Activities and the "last touched" time they move. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/activity.h"
#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/store.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

/* A subject from the first line of the notes (80 bytes at most, whole characters), else the type. */
static void default_subject(json_t *rec)
{
	const char *notes = sfa_record_text(rec, "notes"), *type = sfa_record_text(rec, "type");
	struct sfa_buf b = SFA_BUF_INIT;

	if (notes && *notes) {
		size_t n = strcspn(notes, "\r\n");
		if (n > 80) {
			n = 80;
			while (n && ((unsigned char)notes[n] & 0xc0) == 0x80)
				n--;
		}
		sfa_buf_add(&b, notes, n);
	} else if (type) {
		sfa_buf_addstr(&b, type);
		b.buf[0] = (char)toupper((unsigned char)b.buf[0]);
	}
	if (b.len)
		json_object_set_new(rec, "subject", json_string(b.buf));
	sfa_buf_release(&b);
}

/* Sets last_activity_at of record `id` to `when` unless it is already later. */
static int touch(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_type *t, const char *id,
		 const char *when)
{
	json_t *rec = NULL;
	const char *last;
	int err = sfa_index_get(sfa_store_index(s), t, id, &rec);

	if (err == SFA_ENOTFOUND)
		return 0;	/* deleted since: the activity keeps its history */
	if (err < 0)
		return err;
	last = sfa_record_text(rec, "last_activity_at");
	if (!last || strcmp(last, when) < 0) {
		json_object_set_new(rec, "last_activity_at", json_string(when));
		err = sfa_txn_put(txn, t, id, rec, NULL);
	}
	json_decref(rec);
	return err;
}

/*
 * The type of the record `id` names: the schema has already resolved what
 * the user gave to a full id, so one lookup per type, not another search.
 */
static int type_of(struct sfa_store *s, const char *id, const struct sfa_type **out)
{
	git_oid oid;
	for (size_t i = 0; sfa_types[i]; i++) {
		int err = sfa_index_oid(sfa_store_index(s), sfa_types[i], id, &oid);
		if (err == 0) {
			*out = sfa_types[i];
			return 0;
		}
		if (err != SFA_ENOTFOUND)
			return err;
	}
	return sfa_error_set(SFA_ENOTFOUND, "no record '%s'", id);
}

static int is_done(const json_t *rec)
{
	return rec && json_is_true(json_object_get(rec, "done"));
}

int sfa_activity_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec)
{
	const char *rel = sfa_record_text(rec, "related_to"), *due = sfa_record_text(rec, "due_at");
	const struct sfa_type *rt = NULL;
	char id[SFA_ID_LEN + 1], iso[21];
	time_t now = sfa_now(), t;
	int err;

	if (!sfa_record_text(rec, "subject"))
		default_subject(rec);
	/* what it is about: its type, and the account it belongs to */
	if (rel) {
		if ((err = type_of(s, rel, &rt)) < 0)
			return sfa_error_prefix(err == SFA_ENOTFOUND ? SFA_EINPUT : err, "field 'related_to': ");
		snprintf(id, sizeof(id), "%s", rel);
		if (rt == &sfa_type_activity)
			return sfa_error_set(SFA_EINPUT, "field 'related_to': '%s' is an activity; an activity is about "
					     "a lead, contact, account or opportunity", rel);
		json_object_set_new(rec, "related_type", json_string(rt->name));
		if (!json_object_get(rec, "account")) {
			json_t *r = NULL;
			if (rt == &sfa_type_account)
				json_object_set_new(rec, "account", json_string(id));
			else if (sfa_index_get(sfa_store_index(s), rt, id, &r) == 0 && sfa_record_text(r, "account"))
				json_object_set(rec, "account", json_object_get(r, "account"));
			json_decref(r);
		}
	} else {
		json_object_del(rec, "related_type");
	}
	if (is_done(rec)) {
		if (!sfa_record_text(rec, "done_at")) {
			/* it happened when it was due, unless that is still to come */
			if (due && sfa_time_parse(&t, due) == 0 && t <= now)
				json_object_set_new(rec, "done_at", json_string(due));
			else {
				sfa_time_iso(iso, now);
				json_object_set_new(rec, "done_at", json_string(iso));
			}
		}
	} else {
		json_object_del(rec, "done_at");
	}
	if (json_is_integer(json_object_get(rec, "sla_hours")) && sfa_record_text(rec, "created_at") &&
	    sfa_time_parse(&t, sfa_record_text(rec, "created_at")) == 0) {
		sfa_time_iso(iso, t + (time_t)json_integer_value(json_object_get(rec, "sla_hours")) * 3600);
		json_object_set_new(rec, "sla_due_at", json_string(iso));
	} else {
		json_object_del(rec, "sla_due_at");
	}
	/* calendars take an event with a higher SEQUENCE as the newer one */
	if (old && sfa_record_text(old, "due_at") && due && strcmp(due, sfa_record_text(old, "due_at"))) {
		json_t *seq = json_object_get(old, "sequence");
		json_object_set_new(rec, "sequence", json_integer(json_is_integer(seq) ? json_integer_value(seq) + 1 : 1));
	}
	/* done now, not before: what it is about was touched then */
	if (is_done(rec) && !is_done(old)) {
		const char *when = sfa_record_text(rec, "done_at"), *acc = sfa_record_text(rec, "account");
		if (rt && (err = touch(s, txn, rt, id, when)) < 0)
			return err;
		if (acc && (!rt || strcmp(acc, id)) && (err = touch(s, txn, &sfa_type_account, acc, when)) < 0)
			return err;
	}
	return 0;
}

/* "HH:MM[:SS]" into `tm`; the rest after it in `*end`. */
static int clock_time(struct tm *tm, const char *s, const char **end)
{
	int h, m, sec = 0, n = 0;
	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2)
		return -1;
	s += n;
	if (*s == ':') {
		if (sscanf(s, ":%2d%n", &sec, &n) != 1)
			return -1;
		s += n;
	}
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	*end = s;
	return 0;
}

int sfa_when_local(time_t *out, const char *s, time_t now)
{
	struct tm tm;
	const char *p;
	char *end;
	long n;
	int y, mo, d, len = 0;

	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (s[0] == '+') {
		/* digits only (strtol would take blanks and a sign), and at most ten years ahead */
		n = isdigit((unsigned char)s[1]) ? strtol(s + 1, &end, 10) : -1;
		if (n >= 0 && n <= 5300000 && end[0] && !end[1] && strchr("mhdw", end[0]) &&
		    n * (end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 7 * 86400) <=
		    3660L * 86400) {
			long unit = end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 7 * 86400;
			*out = now + (time_t)(n * unit);
			return 0;
		}
		return sfa_error_set(SFA_EINPUT, "not a time: '%s' (+30m, +2h, +3d, +1w)", s);
	}
	/* with Z or an offset it says its zone */
	if (sfa_time_parse(out, s) == 0 && strlen(s) > 10 && (strchr(s + 10, 'Z') || strchr(s + 10, '+') ||
							      strchr(s + 10, '-')))
		return 0;
	localtime_r(&now, &tm);
	if (!strncmp(s, "today", 5) || !strncmp(s, "tomorrow", 8)) {
		p = s + (s[2] == 'd' ? 5 : 8);
		if (s[2] == 'm')
			tm.tm_mday++;
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &len) == 3 && len == 10) {
		if (mo < 1 || mo > 12 || d < 1 || d > sfa_days_in_month(y, mo))
			return sfa_error_set(SFA_EINPUT, "not a date: '%s'", s);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		p = s + 10;
	} else {
		return sfa_error_set(SFA_EINPUT, "not a time: '%s' (write 2026-11-24 14:00, tomorrow 9:00 or +2h)", s);
	}
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (*p == ' ' || *p == 'T') {
		p++;
		if (clock_time(&tm, p, &p) < 0)
			return sfa_error_set(SFA_EINPUT, "not a time: '%s' (the time of day as HH:MM)", s);
	}
	if (*p)
		return sfa_error_set(SFA_EINPUT, "not a time: '%s' (write 2026-11-24 14:00, tomorrow 9:00 or +2h)", s);
	tm.tm_isdst = -1;	/* the zone's rules say whether summer time applies */
	*out = mktime(&tm);
	return 0;
}

/* A count of 1-6 digits at *p (no blanks, no sign), or -1. */
static long small_count(const char **p)
{
	long v = 0;
	int n = 0;
	while (isdigit((unsigned char)**p) && n < 7) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n && n < 7 ? v : -1;
}

int sfa_duration_parse(long *minutes, const char *s)
{
	const char *p = s;
	long h = 0, m, v = small_count(&p);

	if (v < 0)
		goto bad;
	if (*p == 'h') {
		h = v;
		p++;
		m = 0;
		if (*p) {
			if ((m = small_count(&p)) < 0 || m > 59)
				goto bad;
			if (*p == 'm')
				p++;
		}
	} else {
		m = v;
		if (*p == 'm')
			p++;
	}
	/* the schema's limit: 100000 minutes, some ten weeks */
	if (*p || h * 60 + m > 100000)
		goto bad;
	*minutes = h * 60 + m;
	return 0;
bad:
	return sfa_error_set(SFA_EINPUT, "not a duration: '%s' (90, 90m, 1h30m; at most 100000 minutes)", s);
}
