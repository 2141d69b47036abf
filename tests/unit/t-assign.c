#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sfa/assign.h"
#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/record.h"
#include "unit.h"
#include "sfa/banned.h"

/*
 * Parses test JSON written with single quotes (none of the test data
 * needs a quote of its own); a broken literal is a broken test.
 */
static json_t *js(const char *text)
{
	char *s = sfa_xstrdup(text);
	json_error_t jerr;
	json_t *v;

	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, &jerr);
	if (!v)
		printf("# bad test JSON: %s: %s\n", s, jerr.text);
	free(s);
	return v;
}

static time_t at(const char *iso)
{
	time_t t = 0;
	if (sfa_time_parse(&t, iso) < 0)
		printf("# bad test time: %s\n", iso);
	return t;
}

#define NOW at("2026-06-01T12:00:00Z")

static const char users_json[] =
	"{'rep01': {'name': 'Anna Smith', 'email': 'anna@example.com', 'role': 'rep', 'team': 'emea'},"
	" 'rep02': {'name': 'Ben', 'role': 'rep'}, 'rep03': {}, 'rep04': {}, 'rep05': {}, 'rep06': {},"
	" 'mgr1': {'name': 'Mia', 'role': 'manager', 'team': 'emea'}}";

/* sfa_assign_new over JSON texts; the inputs are released at once, as borrowed ones may be. */
static int try_new(struct sfa_assign **out, const char *rules, const char *users, const char *state)
{
	json_t *r = js(rules), *u = js(users), *s = state ? js(state) : NULL;
	int err = sfa_assign_new(out, r, u, s);

	json_decref(r);
	json_decref(u);
	json_decref(s);
	return err;
}

static struct sfa_assign *mk(const char *rules, const char *users, const char *state)
{
	struct sfa_assign *a = NULL;

	if (!CHECK_INT(try_new(&a, rules, users, state), 0))
		printf("# %s\n", sfa_error_last());
	return a;
}

static struct sfa_assign_pick pick(struct sfa_assign *a, const char *lead, time_t now)
{
	struct sfa_assign_pick p;
	json_t *l = js(lead);

	CHECK_INT(sfa_assign_pick(a, l, now, &p), 0);
	json_decref(l);
	return p;
}

/* The rep chosen for `lead`, or "-" when none. */
static const char *rep_for(struct sfa_assign *a, const char *lead, time_t now)
{
	struct sfa_assign_pick p = pick(a, lead, now);
	return p.rep ? p.rep : "-";
}

static const char *territory_for(struct sfa_assign *a, const char *lead)
{
	struct sfa_assign_pick p = pick(a, lead, NOW);
	return p.territory ? p.territory : "-";
}

/* The state as compact JSON, valid until the next call. */
static const char *state_of(const struct sfa_assign *a)
{
	static struct sfa_buf b = SFA_BUF_INIT;
	json_t *s = sfa_assign_state(a);
	char *text = json_dumps(s, JSON_COMPACT);

	sfa_buf_reset(&b);
	sfa_buf_addstr(&b, text ? text : "(failed)");
	free(text);
	json_decref(s);
	return b.buf;
}

static const char territory_rules[] =
	"{'territories': ["
	"  {'name': 'DACH', 'team': 'emea', 'match': {'country': ['DE', 'AT', 'CH']}},"
	"  {'name': 'London', 'team': 'london', 'match': {'country': ['GB'], 'postcode_prefix': ['SW1 A', 'ec']}},"
	"  {'name': 'Scotland', 'team': 'london', 'match': {'country': ['GB'], 'region': [' Scotland ']}},"
	"  {'name': 'UK-enterprise', 'team': 'enterprise', 'match': {'country': ['GB'], 'employees_min': 1000}},"
	"  {'name': 'US-West', 'team': 'na-west', 'match': {'country': ['US'], 'postcode_prefix': ['9', '8']}},"
	"  {'name': 'FR-small', 'team': 'inside', 'match': {'country': ['FR'], 'employees_min': 10, 'employees_max': 50}},"
	"  {'name': 'Healthcare', 'team': 'vertical', 'match': {'industry': ['healthcare']}},"
	"  {'name': 'Rest', 'team': 'inside', 'match': {}}"
	"], 'teams': {"
	"  'emea': {'method': 'round-robin', 'reps': ['rep01', 'rep02', 'rep03']},"
	"  'london': {'method': 'round-robin', 'reps': ['rep01']},"
	"  'enterprise': {'method': 'round-robin', 'reps': ['rep02']},"
	"  'na-west': {'method': 'least-open', 'reps': ['rep03']},"
	"  'vertical': {'method': 'round-robin', 'reps': ['rep06']},"
	"  'inside': {'method': 'least-open', 'reps': ['rep04', 'rep05']}"
	"}}";

static void test_territories(void)
{
	struct sfa_assign *a = mk(territory_rules, users_json, NULL);
	struct sfa_assign_pick p;

	if (!a)
		return;
	/* country: any of the list, any case, spaces around ignored, text only */
	CHECK_STR(territory_for(a, "{'country': 'DE'}"), "DACH");
	CHECK_STR(territory_for(a, "{'country': 'at'}"), "DACH");
	CHECK_STR(territory_for(a, "{'country': ' Ch '}"), "DACH");
	CHECK_STR(territory_for(a, "{'country': 'DEU'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 49}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': null}"), "Rest");

	/* postcode prefix: spaces removed on both sides, any case */
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': 'SW1A 1AA'}"), "London");
	CHECK_STR(territory_for(a, "{'country': 'gb', 'postcode': 'sw1a1aa'}"), "London");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': 'S W 1 A'}"), "London");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': 'EC2R 8AH'}"), "London");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': 'SW19 5AE'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': 'SW1'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': ''}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'US', 'postcode': '94105'}"), "US-West");
	CHECK_STR(territory_for(a, "{'country': 'US', 'postcode': ' 8 0202'}"), "US-West");
	CHECK_STR(territory_for(a, "{'country': 'US', 'postcode': 94105}"), "US-West");
	CHECK_STR(territory_for(a, "{'country': 'US', 'postcode': '10001'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'US'}"), "Rest");
	/* every key must hold: the right postcode in the wrong country */
	CHECK_STR(territory_for(a, "{'country': 'CA', 'postcode': '94105'}"), "Rest");

	/* region */
	CHECK_STR(territory_for(a, "{'country': 'GB', 'region': 'scotland'}"), "Scotland");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'region': 'Wales'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'IE', 'region': 'Scotland'}"), "Rest");

	/* employees: number or numeric text, bounds included, anything else no match */
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': 1500}"), "UK-enterprise");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': 1000}"), "UK-enterprise");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': '1000'}"), "UK-enterprise");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': ' 2500 '}"), "UK-enterprise");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': 1000.0}"), "UK-enterprise");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': 999}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': '999.9'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': 'many'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': '1e4'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': '0x1000'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': '-5000'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': '2000.'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': ''}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'employees': true}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'GB'}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': 10}"), "FR-small");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': '50'}"), "FR-small");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': '10.0'}"), "FR-small");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': 50.5}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': 9}"), "Rest");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': '51'}"), "Rest");

	/* industry */
	CHECK_STR(territory_for(a, "{'country': 'FR', 'industry': 'Healthcare'}"), "Healthcare");
	CHECK_STR(territory_for(a, "{'industry': 'HEALTHCARE'}"), "Healthcare");
	CHECK_STR(territory_for(a, "{'industry': 'health'}"), "Rest");

	/* the first match wins, in the order of the rules */
	CHECK_STR(territory_for(a, "{'country': 'DE', 'industry': 'healthcare'}"), "DACH");
	CHECK_STR(territory_for(a, "{'country': 'GB', 'postcode': 'SW1A 2AA', 'employees': 5000}"), "London");
	CHECK_STR(territory_for(a, "{'country': 'FR', 'employees': 20, 'industry': 'healthcare'}"), "FR-small");

	/* {} matches everything, the empty lead too */
	p = pick(a, "{}", NOW);
	CHECK_STR(p.territory, "Rest");
	CHECK_STR(p.team, "inside");
	CHECK(p.rep != NULL);
	CHECK_STR(p.reason, "territory 'Rest', least-open");
	p = pick(a, "{'country': 'de'}", NOW);
	CHECK_STR(p.team, "emea");
	CHECK_STR(p.reason, "territory 'DACH', round-robin");

	/* a lead that is not an object */
	{
		json_t *list = json_array();
		CHECK_INT(sfa_assign_pick(a, list, NOW, &p), SFA_EINPUT);
		CHECK_STR(sfa_error_last(), "lead: expected a JSON object");
		CHECK(p.rep == NULL && p.territory == NULL && p.reason == NULL);
		json_decref(list);
	}
	sfa_assign_free(a);
}

static void test_no_territory(void)
{
	struct sfa_assign *a = mk("{'territories': [{'name': 'DACH', 'team': 'emea', 'match': {'country': ['DE']}}],"
				  " 'teams': {'emea': {'method': 'round-robin', 'reps': ['rep01']}}}",
				  users_json, NULL);
	struct sfa_assign_pick p;

	if (!a)
		return;
	p = pick(a, "{'country': 'JP'}", NOW);
	CHECK(p.rep == NULL);
	CHECK(p.territory == NULL);
	CHECK(p.team == NULL);
	CHECK_STR(p.reason, "no territory matches");
	/* an unassigned lead does not move the rotation */
	CHECK_STR(state_of(a), "{\"round_robin\":{}}");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
	sfa_assign_free(a);

	/* no territories at all */
	a = mk("{'territories': [], 'teams': {}}", users_json, NULL);
	if (!a)
		return;
	p = pick(a, "{'country': 'DE'}", NOW);
	CHECK(p.rep == NULL);
	CHECK_STR(p.reason, "no territory matches");
	sfa_assign_free(a);
}

static const char emea_rules[] =
	"{'territories': [{'name': 'DACH', 'team': 'emea', 'match': {'country': ['DE']}},"
	"                 {'name': 'Rest', 'team': 'inside', 'match': {}}],"
	" 'teams': {'emea': {'method': 'round-robin', 'reps': ['rep01', 'rep02', 'rep03']},"
	"           'inside': {'method': 'least-open', 'reps': ['rep04', 'rep05', 'rep06']}}}";

static void test_round_robin_even(void)
{
	struct sfa_assign *a = mk(emea_rules, users_json, NULL);
	int n1 = 0, n2 = 0, n3 = 0, other = 0;

	if (!a)
		return;
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep02");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep03");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
	for (int i = 4; i < 300; i++) {
		struct sfa_assign_pick p;
		json_t *lead = json_pack("{s:s}", "country", "DE");
		sfa_assign_pick(a, lead, NOW, &p);
		json_decref(lead);
		if (p.rep && !strcmp(p.rep, "rep01"))
			n1++;
		else if (p.rep && !strcmp(p.rep, "rep02"))
			n2++;
		else if (p.rep && !strcmp(p.rep, "rep03"))
			n3++;
		else
			other++;
	}
	/* 300 in all: the four above and 296 here */
	CHECK_INT(n1 + 2, 100);
	CHECK_INT(n2 + 1, 100);
	CHECK_INT(n3 + 1, 100);
	CHECK_INT(other, 0);
	CHECK_STR(state_of(a), "{\"round_robin\":{\"emea\":\"rep03\"}}");
	sfa_assign_free(a);
}

static void test_continuation(void)
{
	struct sfa_assign *a = mk(emea_rules, users_json, NULL);
	struct sfa_buf saved = SFA_BUF_INIT;

	if (!a)
		return;
	CHECK_STR(state_of(a), "{\"round_robin\":{}}");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep02");
	/* a least-open team keeps no position */
	CHECK_STR(rep_for(a, "{'country': 'FR'}", NOW), "rep04");
	sfa_buf_addstr(&saved, state_of(a));
	CHECK_STR(saved.buf, "{\"round_robin\":{\"emea\":\"rep02\"}}");
	sfa_assign_free(a);

	/* the next run goes on with the third rep, not the first */
	a = mk(emea_rules, users_json, saved.buf);
	if (a) {
		CHECK_STR(state_of(a), "{\"round_robin\":{\"emea\":\"rep02\"}}");
		CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep03");
		CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
		CHECK_STR(state_of(a), "{\"round_robin\":{\"emea\":\"rep01\"}}");
		sfa_assign_free(a);
	}
	sfa_buf_release(&saved);

	/* state keys in byte order whatever the order of the rules */
	a = mk("{'territories': [{'name': 'Z', 'team': 'zeta', 'match': {'country': ['ZA']}},"
	       "                 {'name': 'B', 'team': 'beta', 'match': {'country': ['BE']}},"
	       "                 {'name': 'A', 'team': 'alpha', 'match': {}}],"
	       " 'teams': {'zeta': {'method': 'round-robin', 'reps': ['rep01']},"
	       "           'beta': {'method': 'least-open', 'reps': ['rep02']},"
	       "           'alpha': {'method': 'round-robin', 'reps': ['rep03', 'rep02']}}}",
	       users_json, "{'round_robin': {'alpha': 'rep03'}, 'other': 1}");
	if (!a)
		return;
	CHECK_STR(rep_for(a, "{'country': 'ZA'}", NOW), "rep01");
	CHECK_STR(rep_for(a, "{'country': 'BE'}", NOW), "rep02");
	CHECK_STR(rep_for(a, "{'country': 'NL'}", NOW), "rep02");
	CHECK_STR(state_of(a), "{\"round_robin\":{\"alpha\":\"rep02\",\"zeta\":\"rep01\"}}");
	sfa_assign_free(a);
}

static void test_stale_state(void)
{
	/* rep09 left the team, team 'gone' was removed, 'inside' is least-open: none of them counts */
	const char *state = "{'round_robin': {'emea': 'rep09', 'gone': 'rep01', 'inside': 'rep05'}}";
	struct sfa_assign *a = mk(emea_rules, users_json, state);

	if (!a)
		return;
	CHECK_STR(state_of(a), "{\"round_robin\":{}}");
	CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
	CHECK_STR(state_of(a), "{\"round_robin\":{\"emea\":\"rep01\"}}");
	sfa_assign_free(a);

	/* a user who is still known but now in another team */
	a = mk(emea_rules, users_json, "{'round_robin': {'emea': 'rep04'}}");
	if (a) {
		CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
		sfa_assign_free(a);
	}
	/* the last rep of the list wraps round to the first */
	a = mk(emea_rules, users_json, "{'round_robin': {'emea': 'rep03'}}");
	if (a) {
		CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
		sfa_assign_free(a);
	}
	/* an empty state, and one without round_robin, are the same as none */
	a = mk(emea_rules, users_json, "{}");
	if (a) {
		CHECK_STR(rep_for(a, "{'country': 'DE'}", NOW), "rep01");
		sfa_assign_free(a);
	}
}

static const char away_users[] =
	"{'rep01': {}, 'rep02': {'away': [{'from': '2026-03-01', 'until': '2026-03-01'},"
	"                                  {'from': '2026-12-20', 'until': '2027-01-02'},"
	"                                  {'from': '1969-12-31', 'until': '1969-12-31'}]},"
	" 'rep03': {'away': []}, 'rep04': {'active': false}, 'rep05': {'active': true, 'away': null},"
	" 'rep06': {'capacity': null}}";

/* The rep after rep01 in emea at `when`: rep02 unless rep02 is away. */
static const char *after_rep01(const char *when)
{
	struct sfa_assign *a = mk(emea_rules, away_users, "{'round_robin': {'emea': 'rep01'}}");
	const char *rep;

	if (!a)
		return "(failed)";
	rep = rep_for(a, "{'country': 'DE'}", at(when));
	/* the id dies with `a`: answer with a literal */
	rep = !strcmp(rep, "rep02") ? "rep02" : !strcmp(rep, "rep03") ? "rep03" : "other";
	sfa_assign_free(a);
	return rep;
}

static void test_away(void)
{
	struct sfa_assign *a;

	CHECK_STR(after_rep01("2026-12-19T23:59:59Z"), "rep02");
	CHECK_STR(after_rep01("2026-12-20T00:00:00Z"), "rep03");
	CHECK_STR(after_rep01("2026-12-31T12:00:00Z"), "rep03");
	CHECK_STR(after_rep01("2027-01-02T23:59:59Z"), "rep03");
	CHECK_STR(after_rep01("2027-01-03T00:00:00Z"), "rep02");
	/* a one-day range, and the day is the UTC one */
	CHECK_STR(after_rep01("2026-02-28T23:59:59Z"), "rep02");
	CHECK_STR(after_rep01("2026-03-01T00:00:00Z"), "rep03");
	CHECK_STR(after_rep01("2026-03-01T23:30:00-05:00"), "rep02");
	CHECK_STR(after_rep01("2026-03-02T00:30:00+02:00"), "rep03");
	/* days before 1970 round down too */
	CHECK_STR(after_rep01("1969-12-31T12:00:00Z"), "rep03");
	CHECK_STR(after_rep01("1970-01-01T00:00:00Z"), "rep02");
	CHECK_STR(after_rep01("1969-12-30T23:59:59Z"), "rep02");

	/* skipped reps stay skipped while away; the rotation goes on around them */
	a = mk(emea_rules, away_users, NULL);
	if (a) {
		time_t xmas = at("2026-12-24T10:00:00Z");
		CHECK_STR(rep_for(a, "{'country': 'DE'}", xmas), "rep01");
		CHECK_STR(rep_for(a, "{'country': 'DE'}", xmas), "rep03");
		CHECK_STR(rep_for(a, "{'country': 'DE'}", xmas), "rep01");
		CHECK_STR(rep_for(a, "{'country': 'DE'}", at("2027-01-05T09:00:00Z")), "rep02");
		/* inactive for good: rep04 never gets a lead, whatever its count */
		CHECK_STR(rep_for(a, "{'country': 'FR'}", xmas), "rep05");
		CHECK_STR(rep_for(a, "{'country': 'FR'}", xmas), "rep06");
		CHECK_STR(rep_for(a, "{'country': 'FR'}", xmas), "rep05");
		CHECK_STR(rep_for(a, "{'country': 'FR'}", xmas), "rep06");
		sfa_assign_free(a);
	}

	/* least-open skips an away rep with the fewest leads */
	a = mk(emea_rules, "{'rep01': {}, 'rep02': {}, 'rep03': {},"
	       " 'rep04': {'away': [{'from': '2026-06-01', 'until': '2026-06-14'}]}, 'rep05': {}, 'rep06': {}}", NULL);
	if (a) {
		CHECK_INT(sfa_assign_set_open(a, "rep04", 0), 0);
		CHECK_INT(sfa_assign_set_open(a, "rep05", 7), 0);
		CHECK_INT(sfa_assign_set_open(a, "rep06", 3), 0);
		CHECK_STR(rep_for(a, "{}", NOW), "rep06");
		CHECK_STR(rep_for(a, "{}", at("2026-06-15T00:00:00Z")), "rep04");
		sfa_assign_free(a);
	}
}

static void test_capacity(void)
{
	struct sfa_assign *a = mk("{'territories': [{'name': 'DACH', 'team': 'emea', 'match': {}}],"
				  " 'teams': {'emea': {'method': 'round-robin', 'reps': ['rep01', 'rep02', 'rep03']}}}",
				  "{'rep01': {'capacity': 2}, 'rep02': {'capacity': 3}, 'rep03': {'capacity': 0}}", NULL);
	struct sfa_assign_pick p;
	const char *reason;

	if (!a)
		return;
	CHECK_INT(sfa_assign_set_open(a, "rep01", 1), 0);
	CHECK_STR(rep_for(a, "{}", NOW), "rep01");	/* 2: full now */
	CHECK_STR(rep_for(a, "{}", NOW), "rep02");	/* 1 */
	CHECK_STR(rep_for(a, "{}", NOW), "rep02");	/* 2: rep03 holds 0 and takes none */
	CHECK_STR(rep_for(a, "{}", NOW), "rep02");	/* 3: full */
	p = pick(a, "{}", NOW);
	CHECK(p.rep == NULL);
	CHECK_STR(p.territory, "DACH");
	CHECK_STR(p.team, "emea");
	CHECK_STR(p.reason, "team 'emea': every rep at capacity");
	reason = p.reason;
	/* a closed lead frees a place */
	CHECK_INT(sfa_assign_set_open(a, "rep01", 1), 0);
	CHECK_STR(rep_for(a, "{}", NOW), "rep01");
	p = pick(a, "{}", NOW);
	CHECK(p.rep == NULL);
	/* reasons stay valid and are made once */
	CHECK(p.reason == reason);
	CHECK_STR(reason, "team 'emea': every rep at capacity");
	/* above capacity (set from the index) is at capacity too */
	CHECK_INT(sfa_assign_set_open(a, "rep02", 50), 0);
	CHECK_INT(sfa_assign_set_open(a, "rep01", 0), 0);
	CHECK_STR(rep_for(a, "{}", NOW), "rep01");
	CHECK_STR(rep_for(a, "{}", NOW), "rep01");
	CHECK_STR(rep_for(a, "{}", NOW), "-");

	/* counts: unknown users and negative counts */
	CHECK_INT(sfa_assign_set_open(a, "rep09", 1), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "unknown user 'rep09' (not in users)");
	CHECK_INT(sfa_assign_set_open(a, "rep01", -1), SFA_EUSAGE);
	CHECK_STR(sfa_error_last(), "open lead count of 'rep01' below zero: -1");
	sfa_assign_free(a);
}

static void test_least_open(void)
{
	struct sfa_assign *a = mk(emea_rules, users_json, NULL);

	if (!a)
		return;
	CHECK_INT(sfa_assign_set_open(a, "rep04", 5), 0);
	CHECK_INT(sfa_assign_set_open(a, "rep05", 3), 0);
	CHECK_INT(sfa_assign_set_open(a, "rep06", 3), 0);
	CHECK_STR(rep_for(a, "{}", NOW), "rep05");	/* tie at 3: first in the list */
	CHECK_STR(rep_for(a, "{}", NOW), "rep06");	/* 5 4 3 */
	CHECK_STR(rep_for(a, "{}", NOW), "rep05");	/* 5 4 4 */
	CHECK_STR(rep_for(a, "{}", NOW), "rep06");	/* 5 5 4 */
	CHECK_STR(rep_for(a, "{}", NOW), "rep04");	/* 5 5 5 */
	CHECK_STR(rep_for(a, "{}", NOW), "rep05");	/* 6 5 5 */
	sfa_assign_free(a);

	/* ties go by the team's list, not by the ids */
	a = mk("{'territories': [{'name': 'Rest', 'team': 'inside', 'match': {}}],"
	       " 'teams': {'inside': {'method': 'least-open', 'reps': ['rep06', 'rep04']}}}", users_json, NULL);
	if (!a)
		return;
	CHECK_STR(rep_for(a, "{}", NOW), "rep06");
	CHECK_STR(rep_for(a, "{}", NOW), "rep04");
	CHECK_STR(rep_for(a, "{}", NOW), "rep06");
	sfa_assign_free(a);
}

static void test_all_unavailable(void)
{
	const char *rules =
		"{'territories': [{'name': 'DACH', 'team': 'emea', 'match': {}}],"
		" 'teams': {'emea': {'method': 'round-robin', 'reps': ['rep01', 'rep02', 'rep03']}}}";
	struct sfa_assign *a;
	struct sfa_assign_pick p;

	a = mk(rules, "{'rep01': {'away': [{'from': '2026-05-01', 'until': '2026-06-30'}]},"
	       " 'rep02': {'away': [{'from': '2026-06-01', 'until': '2026-06-01'}]},"
	       " 'rep03': {'away': [{'from': '2026-01-01', 'until': '2026-12-31'}]}}", NULL);
	if (a) {
		p = pick(a, "{}", NOW);
		CHECK(p.rep == NULL);
		CHECK_STR(p.reason, "team 'emea': every rep away");
		CHECK_STR(p.territory, "DACH");
		CHECK_STR(state_of(a), "{\"round_robin\":{}}");
		CHECK_STR(rep_for(a, "{}", at("2026-06-02T00:00:00Z")), "rep02");
		sfa_assign_free(a);
	}
	a = mk(rules, "{'rep01': {'away': [{'from': '2026-05-01', 'until': '2026-06-30'}]},"
	       " 'rep02': {'capacity': 0}, 'rep03': {'capacity': 1}}", NULL);
	if (a) {
		CHECK_INT(sfa_assign_set_open(a, "rep03", 1), 0);
		CHECK_STR(pick(a, "{}", NOW).reason, "team 'emea': every rep away or at capacity");
		sfa_assign_free(a);
	}
	a = mk(rules, "{'rep01': {'active': false}, 'rep02': {'capacity': 0},"
	       " 'rep03': {'away': [{'from': '2026-06-01', 'until': '2026-06-01'}]}}", NULL);
	if (a) {
		CHECK_STR(pick(a, "{}", NOW).reason, "team 'emea': every rep inactive, away or at capacity");
		sfa_assign_free(a);
	}
	a = mk(rules, "{'rep01': {'active': false}, 'rep02': {'active': false}, 'rep03': {'active': false}}", NULL);
	if (a) {
		CHECK_STR(pick(a, "{}", NOW).reason, "team 'emea': every rep inactive");
		/* inactive users are still known (to assign a lead by hand) */
		CHECK_INT(sfa_assign_user_known(a, "rep01"), 1);
		sfa_assign_free(a);
	}
	/* least-open says the same */
	a = mk("{'territories': [{'name': 'Rest', 'team': 'inside', 'match': {}}],"
	       " 'teams': {'inside': {'method': 'least-open', 'reps': ['rep04']}}}",
	       "{'rep04': {'capacity': 0}}", NULL);
	if (a) {
		p = pick(a, "{}", NOW);
		CHECK(p.rep == NULL);
		CHECK_STR(p.reason, "team 'inside': every rep at capacity");
		sfa_assign_free(a);
	}
}

static void test_user_known(void)
{
	struct sfa_assign *a = mk(emea_rules, users_json, NULL);

	if (!a)
		return;
	CHECK_INT(sfa_assign_user_known(a, "rep01"), 1);
	CHECK_INT(sfa_assign_user_known(a, "rep06"), 1);
	CHECK_INT(sfa_assign_user_known(a, "mgr1"), 1);	/* in no team */
	CHECK_INT(sfa_assign_user_known(a, "rep07"), 0);
	CHECK_INT(sfa_assign_user_known(a, "REP01"), 0);
	CHECK_INT(sfa_assign_user_known(a, ""), 0);
	/* a user in no team can hold open leads */
	CHECK_INT(sfa_assign_set_open(a, "mgr1", 4), 0);
	sfa_assign_free(a);
}

/* sfa_assign_new must fail with SFA_EINPUT and `msg`, reported at the caller's `line`. */
static void bad(const char *rules, const char *users, const char *state, const char *msg, int line)
{
	struct sfa_assign *a = (struct sfa_assign *)1;
	int err = try_new(&a, rules, users, state);

	unit_check(err == SFA_EINPUT, "SFA_EINPUT", __FILE__, line);
	unit_check(a == NULL, "no object on failure", __FILE__, line);
	unit_check_str(sfa_error_last(), msg, "message", __FILE__, line);
	if (err == 0)
		sfa_assign_free(a);
}
#define BAD(rules, users, state, msg) bad((rules), (users), (state), (msg), __LINE__)
#define BAD_RULES(rules, msg) BAD((rules), users_json, NULL, (msg))
#define BAD_USERS(users, msg) BAD(emea_rules, (users), NULL, (msg))
#define BAD_STATE(state, msg) BAD(emea_rules, users_json, (state), (msg))

/* Rules with one territory around `terr`. */
#define TERR(terr) "{'territories': [" terr "], 'teams': {'emea': {'method': 'round-robin', 'reps': ['rep01']}}}"
/* Rules with one team `team` in emea. */
#define TEAM(team) "{'territories': [{'name': 'DACH', 'team': 'emea', 'match': {}}], 'teams': {'emea': " team "}}"
#define MATCH(m) TERR("{'name': 'DACH', 'team': 'emea', 'match': " m "}")

static void test_validation(void)
{
	struct sfa_assign *a;

	BAD_RULES("[]", "rules: expected a JSON object");
	BAD_RULES("{'territories': []}", "teams: missing");
	BAD_RULES("{'territories': [], 'teams': []}", "teams: expected a JSON object");
	BAD_RULES("{'teams': {}}", "territories: missing");
	BAD_RULES("{'teams': {}, 'territories': {}}", "territories: expected a list");

	/* territories */
	BAD_RULES(TERR("{'name': 'DACH', 'team': 'emea', 'match': {}}, 'x'"), "territories[1]: expected a JSON object");
	BAD_RULES(TERR("{'team': 'emea', 'match': {}}"), "territories[0].name: missing");
	BAD_RULES(TERR("{'name': null, 'team': 'emea', 'match': {}}"), "territories[0].name: missing");
	BAD_RULES(TERR("{'name': 5, 'team': 'emea', 'match': {}}"), "territories[0].name: expected text");
	BAD_RULES(TERR("{'name': '', 'team': 'emea', 'match': {}}"), "territories[0].name: empty text");
	BAD_RULES(TERR("{'name': 'DACH', 'match': {}}"), "territories[0].team: missing");
	BAD_RULES(TERR("{'name': 'DACH', 'team': ['emea'], 'match': {}}"), "territories[0].team: expected text");
	BAD_RULES(TERR("{'name': 'DACH', 'team': 'emea', 'match': {}},"
		       "{'name': 'UK', 'team': 'emea', 'match': {}},"
		       "{'name': 'UK-enterprise', 'team': 'enterprise', 'match': {}}"),
		  "territories[2].team: unknown team 'enterprise' (not in teams)");
	BAD_RULES(TERR("{'name': 'DACH', 'team': 'emea', 'match': {}},"
		       "{'name': 'UK', 'team': 'emea', 'match': {}},"
		       "{'name': 'DACH', 'team': 'emea', 'match': {}}"),
		  "territories[2].name: duplicate territory name 'DACH' (also territories[0])");
	BAD_RULES(TERR("{'name': 'DACH', 'team': 'emea'}"),
		  "territories[0].match: missing (use {} to match every lead)");
	BAD_RULES(MATCH("[]"), "territories[0].match: expected a JSON object");
	BAD_RULES(MATCH("{'country': ['DE'], 'city': ['Berlin']}"),
		  "territories[0].match.city: unknown match key (use country, region, postcode_prefix, "
		  "industry, employees_min, employees_max)");
	BAD_RULES(MATCH("{'Country': ['DE']}"),
		  "territories[0].match.Country: unknown match key (use country, region, postcode_prefix, "
		  "industry, employees_min, employees_max)");
	BAD_RULES(MATCH("{'country': 'DE'}"), "territories[0].match.country: expected a list of text");
	BAD_RULES(MATCH("{'region': []}"), "territories[0].match.region: empty list (no lead would match)");
	BAD_RULES(MATCH("{'industry': ['tech', 1]}"), "territories[0].match.industry[1]: expected text");
	BAD_RULES(MATCH("{'country': ['DE', '  ']}"), "territories[0].match.country[1]: empty text");
	BAD_RULES(MATCH("{'postcode_prefix': [' ']}"), "territories[0].match.postcode_prefix[0]: empty text");
	BAD_RULES(MATCH("{'employees_min': -1}"),
		  "territories[0].match.employees_min: expected a whole number, 0 or more");
	BAD_RULES(MATCH("{'employees_min': '1000'}"),
		  "territories[0].match.employees_min: expected a whole number, 0 or more");
	BAD_RULES(MATCH("{'employees_max': 10.5}"),
		  "territories[0].match.employees_max: expected a whole number, 0 or more");
	BAD_RULES(MATCH("{'employees_min': 100, 'employees_max': 10}"),
		  "territories[0].match: employees_min 100 above employees_max 10");
	a = mk(MATCH("{'employees_min': 10, 'employees_max': 10}"), users_json, NULL);
	sfa_assign_free(a);

	/* teams */
	BAD_RULES(TEAM("[]"), "teams.emea: expected a JSON object");
	BAD_RULES(TEAM("{'reps': ['rep01']}"), "teams.emea.method: missing (use round-robin or least-open)");
	BAD_RULES(TEAM("{'method': 'random', 'reps': ['rep01']}"),
		  "teams.emea.method: unknown method 'random' (use round-robin or least-open)");
	BAD_RULES(TEAM("{'method': 'Round-Robin', 'reps': ['rep01']}"),
		  "teams.emea.method: unknown method 'Round-Robin' (use round-robin or least-open)");
	BAD_RULES(TEAM("{'method': 'least-open'}"), "teams.emea.reps: expected a list of user ids");
	BAD_RULES(TEAM("{'method': 'least-open', 'reps': 'rep01'}"), "teams.emea.reps: expected a list of user ids");
	BAD_RULES(TEAM("{'method': 'least-open', 'reps': []}"), "teams.emea.reps: empty list");
	BAD_RULES(TEAM("{'method': 'least-open', 'reps': ['rep01', 7]}"),
		  "teams.emea.reps[1]: expected a user id as text");
	BAD_RULES(TEAM("{'method': 'round-robin', 'reps': ['rep01', 'rep09']}"),
		  "teams.emea.reps[1]: unknown rep 'rep09' (not in users)");
	BAD_RULES(TEAM("{'method': 'round-robin', 'reps': ['rep01', 'rep02', 'rep01']}"),
		  "teams.emea.reps[2]: rep 'rep01' listed twice (also reps[0])");
	BAD_RULES("{'territories': [], 'teams': {'North America': {'method': 'round-robin', 'reps': ['rep01']}}}",
		  "teams: 'North America': not a valid team name (use a-z, 0-9, '_', '-')");
	/* a team no territory uses is fine, and so is an inactive rep */
	a = mk("{'territories': [], 'teams': {'spare': {'method': 'least-open', 'reps': ['rep01']}}}",
	       "{'rep01': {'active': false}}", NULL);
	sfa_assign_free(a);

	/* users */
	BAD_USERS("[]", "users: expected a JSON object");
	BAD_USERS("{'Rep 1': {}}", "users: 'Rep 1': not a valid user id (use a-z, 0-9, '_', '-')");
	BAD_USERS("{'': {}}", "users: '': not a valid user id (use a-z, 0-9, '_', '-')");
	BAD_USERS("{'rep01': 'Anna'}", "users.rep01: expected a JSON object");
	BAD_USERS("{'rep01': {}, 'rep07': {'capacity': -1}}", "users.rep07.capacity: expected a whole number, 0 or more");
	BAD_USERS("{'rep07': {'capacity': '200'}}", "users.rep07.capacity: expected a whole number, 0 or more");
	BAD_USERS("{'rep07': {'capacity': 2.5}}", "users.rep07.capacity: expected a whole number, 0 or more");
	BAD_USERS("{'rep01': {'active': 'no'}}", "users.rep01.active: expected true or false");
	BAD_USERS("{'rep01': {'active': 0}}", "users.rep01.active: expected true or false");
	BAD_USERS("{'rep01': {'away': {'from': '2026-12-20', 'until': '2027-01-02'}}}",
		  "users.rep01.away: expected a list of date ranges");
	BAD_USERS("{'rep01': {'away': [{'from': '2026-12-20', 'until': '2027-01-02'}, '2027-02-01']}}",
		  "users.rep01.away[1]: expected an object with from and until");
	BAD_USERS("{'rep01': {'away': [{'until': '2027-01-02'}]}}",
		  "users.rep01.away[0].from: expected a date as text (YYYY-MM-DD)");
	BAD_USERS("{'rep01': {'away': [{'from': '2026-12-20'}]}}",
		  "users.rep01.away[0].until: expected a date as text (YYYY-MM-DD)");
	BAD_USERS("{'rep01': {'away': [{'from': 20261220, 'until': '2027-01-02'}]}}",
		  "users.rep01.away[0].from: expected a date as text (YYYY-MM-DD)");
	BAD_USERS("{'rep01': {'away': [{'from': '2026-02-30', 'until': '2027-01-02'}]}}",
		  "users.rep01.away[0].from: not a date (YYYY-MM-DD): '2026-02-30'");
	BAD_USERS("{'rep01': {'away': [{'from': '20.12.2026', 'until': '2027-01-02'}]}}",
		  "users.rep01.away[0].from: not a date (YYYY-MM-DD): '20.12.2026'");
	BAD_USERS("{'rep01': {'away': [{'from': '2026-12-20', 'until': '2027-01-02T18:00:00Z'}]}}",
		  "users.rep01.away[0].until: not a date (YYYY-MM-DD): '2027-01-02T18:00:00Z'");
	BAD_USERS("{'rep01': {'away': [{'from': '2026-12-20', 'until': '2027-1-2'}]}}",
		  "users.rep01.away[0].until: not a date (YYYY-MM-DD): '2027-1-2'");
	BAD_USERS("{'rep01': {'away': [{'from': '2027-01-02', 'until': '2026-12-20'}]}}",
		  "users.rep01.away[0]: from '2027-01-02' is after until '2026-12-20'");
	/* users that are fine in themselves but lack a rep the rules name */
	BAD_USERS("{'rep01': {}}", "teams.emea.reps[1]: unknown rep 'rep02' (not in users)");

	/* state */
	BAD_STATE("[]", "state: expected a JSON object");
	BAD_STATE("{'round_robin': ['rep01']}", "round_robin: expected a JSON object");
	BAD_STATE("{'round_robin': {'emea': 3}}", "round_robin.emea: expected a user id as text");
}

void unit_tests(void)
{
	test_territories();
	test_no_territory();
	test_round_robin_even();
	test_continuation();
	test_stale_state();
	test_away();
	test_capacity();
	test_least_open();
	test_all_unavailable();
	test_user_known();
	test_validation();
}
