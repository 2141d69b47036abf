/* Lead assignment: territory rules, team methods, rep availability. */
#include <stdlib.h>
#include <string.h>

#include "sfa/assign.h"
#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/banned.h"

#define SECS_PER_DAY 86400

/* Days since 1970-01-01, both ends included. */
struct away {
	long long from, until;
};

struct user {
	char *id;		/* first member: see cmp_name() */
	long long capacity;	/* -1: no limit */
	int inactive;
	struct away *away;
	size_t naway;
	long open;
};

enum method { ROUND_ROBIN, LEAST_OPEN };
static const char *const method_names[] = { "round-robin", "least-open" };

/* Why a rep cannot take a lead; the bit order is the word order in messages. */
enum { WHY_INACTIVE = 1, WHY_AWAY = 2, WHY_FULL = 4 };
static const char *const why_words[] = { "inactive", "away", "at capacity" };

struct team {
	char *name;		/* first member: see cmp_name() */
	enum method method;
	size_t *reps;		/* indexes into users, in the configured order */
	size_t nreps;
	size_t last;		/* index into reps of the last rep chosen; nreps for none */
	char *why[8];		/* "every rep ..." by WHY_* bits, made when first needed */
};

/* Texts a lead field is compared with, case-insensitively. */
struct list {
	char **items;
	size_t n;
};

struct territory {
	char *name;
	size_t team;		/* index into teams */
	struct list country, region, postcode, industry;
	int has_min, has_max;
	long long min, max;
	char *reason;		/* "territory 'DACH', round-robin" */
};

struct sfa_assign {
	struct user *users;	/* sorted by id */
	size_t nusers;
	struct team *teams;	/* sorted by name, which is the order of the stored state */
	size_t nteams;
	struct territory *terrs;	/* in the configured order: the first match wins */
	size_t nterrs;
};

/* Users and teams both start with their name, so one comparison serves both. */
static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct user *find_user(const struct sfa_assign *a, const char *id)
{
	return bsearch(&id, a->users, a->nusers, sizeof(*a->users), cmp_name);
}

static struct team *find_team(const struct sfa_assign *a, const char *name)
{
	return bsearch(&name, a->teams, a->nteams, sizeof(*a->teams), cmp_name);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * ASCII letters only, so the result does not depend on the locale: "DE"
 * is "de" everywhere, and a Turkish locale does not change what matches.
 */
static int caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s))
		(*s)++, (*len)--;
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* Appends `s` without any white space: "SW1A 1AA" is "SW1A1AA". */
static void add_squeezed(struct sfa_buf *b, const char *s)
{
	for (; *s; s++)
		if (!is_space(*s))
			sfa_buf_addch(b, *s);
}

/* Day number of `t` in UTC, rounding down before 1970 too. */
static long long day_of(time_t t)
{
	long long d = (long long)(t / SECS_PER_DAY);
	return t % SECS_PER_DAY < 0 ? d - 1 : d;
}

/* --- users ----------------------------------------------------------------- */

static int parse_day(long long *out, const json_t *v, const char *user, size_t i, const char *key)
{
	const char *s = json_string_value(v);
	time_t t;

	if (!s)
		return sfa_error_set(SFA_EINPUT, "users.%s.away[%zu].%s: expected a date as text (YYYY-MM-DD)",
				     user, i, key);
	/* sfa_time_parse takes date-times too; a range is whole days */
	if (strlen(s) != 10 || sfa_time_parse(&t, s) < 0)
		return sfa_error_set(SFA_EINPUT, "users.%s.away[%zu].%s: not a date (YYYY-MM-DD): '%s'",
				     user, i, key, s);
	*out = day_of(t);
	return 0;
}

static int parse_away(struct user *u, const json_t *v)
{
	size_t i;
	json_t *r;
	int err;

	if (!json_is_array(v))
		return sfa_error_set(SFA_EINPUT, "users.%s.away: expected a list of date ranges", u->id);
	u->away = sfa_xcalloc(json_array_size(v), sizeof(*u->away));
	json_array_foreach((json_t *)v, i, r) {
		struct away *w = &u->away[u->naway++];
		if (!json_is_object(r))
			return sfa_error_set(SFA_EINPUT, "users.%s.away[%zu]: expected an object with from and until",
					     u->id, i);
		if ((err = parse_day(&w->from, json_object_get(r, "from"), u->id, i, "from")) < 0 ||
		    (err = parse_day(&w->until, json_object_get(r, "until"), u->id, i, "until")) < 0)
			return err;
		if (w->from > w->until)
			return sfa_error_set(SFA_EINPUT, "users.%s.away[%zu]: from '%s' is after until '%s'", u->id, i,
					     json_string_value(json_object_get(r, "from")),
					     json_string_value(json_object_get(r, "until")));
	}
	return 0;
}

static int parse_user(struct user *u, const json_t *v)
{
	json_t *f;

	u->capacity = -1;
	if (!json_is_object(v))
		return sfa_error_set(SFA_EINPUT, "users.%s: expected a JSON object", u->id);
	/* null is "no value" in the store, the same as absent */
	f = json_object_get(v, "capacity");
	if (f && !json_is_null(f)) {
		if (!json_is_integer(f) || json_integer_value(f) < 0)
			return sfa_error_set(SFA_EINPUT, "users.%s.capacity: expected a whole number, 0 or more",
					     u->id);
		u->capacity = json_integer_value(f);
	}
	f = json_object_get(v, "active");
	if (f && !json_is_null(f)) {
		if (!json_is_boolean(f))
			return sfa_error_set(SFA_EINPUT, "users.%s.active: expected true or false", u->id);
		u->inactive = json_is_false(f);
	}
	f = json_object_get(v, "away");
	return f && !json_is_null(f) ? parse_away(u, f) : 0;
}

static int parse_users(struct sfa_assign *a, const json_t *users)
{
	const char *id;
	json_t *v;
	int err;

	if (!json_is_object(users))
		return sfa_error_set(SFA_EINPUT, "users: expected a JSON object");
	a->users = sfa_xcalloc(json_object_size(users), sizeof(*a->users));
	json_object_foreach((json_t *)users, id, v) {
		struct user *u = &a->users[a->nusers];
		/* ids end up in paths and messages; field-name rules keep those unambiguous */
		if (sfa_field_name_check(id) < 0)
			return sfa_error_set(SFA_EINPUT, "users: '%s': not a valid user id (use a-z, 0-9, '_', '-')",
					     id);
		u->id = sfa_xstrdup(id);
		a->nusers++;
		if ((err = parse_user(u, v)) < 0)
			return err;
	}
	qsort(a->users, a->nusers, sizeof(*a->users), cmp_name);
	return 0;
}

/* --- teams ----------------------------------------------------------------- */

static int parse_team(struct sfa_assign *a, struct team *t, const json_t *v)
{
	const char *m;
	json_t *reps, *r;
	size_t i;

	if (!json_is_object(v))
		return sfa_error_set(SFA_EINPUT, "teams.%s: expected a JSON object", t->name);
	m = json_string_value(json_object_get(v, "method"));
	if (!m)
		return sfa_error_set(SFA_EINPUT, "teams.%s.method: missing (use round-robin or least-open)",
				     t->name);
	if (!strcmp(m, method_names[ROUND_ROBIN]))
		t->method = ROUND_ROBIN;
	else if (!strcmp(m, method_names[LEAST_OPEN]))
		t->method = LEAST_OPEN;
	else
		return sfa_error_set(SFA_EINPUT, "teams.%s.method: unknown method '%s' (use round-robin or least-open)",
				     t->name, m);

	reps = json_object_get(v, "reps");
	if (!json_is_array(reps))
		return sfa_error_set(SFA_EINPUT, "teams.%s.reps: expected a list of user ids", t->name);
	if (!json_array_size(reps))
		return sfa_error_set(SFA_EINPUT, "teams.%s.reps: empty list", t->name);
	t->reps = sfa_xcalloc(json_array_size(reps), sizeof(*t->reps));
	json_array_foreach(reps, i, r) {
		const char *id = json_string_value(r);
		struct user *u;
		size_t ui;

		if (!id)
			return sfa_error_set(SFA_EINPUT, "teams.%s.reps[%zu]: expected a user id as text", t->name, i);
		if (!(u = find_user(a, id)))
			return sfa_error_set(SFA_EINPUT, "teams.%s.reps[%zu]: unknown rep '%s' (not in users)",
					     t->name, i, id);
		ui = (size_t)(u - a->users);
		/* a second entry would double the rep's share and make the stored position ambiguous */
		for (size_t j = 0; j < t->nreps; j++)
			if (t->reps[j] == ui)
				return sfa_error_set(SFA_EINPUT, "teams.%s.reps[%zu]: rep '%s' listed twice (also reps[%zu])",
						     t->name, i, id, j);
		t->reps[t->nreps++] = ui;
	}
	t->last = t->nreps;
	return 0;
}

static int parse_teams(struct sfa_assign *a, const json_t *teams)
{
	const char *name;
	json_t *v;
	int err;

	if (!teams)
		return sfa_error_set(SFA_EINPUT, "teams: missing");
	if (!json_is_object(teams))
		return sfa_error_set(SFA_EINPUT, "teams: expected a JSON object");
	a->teams = sfa_xcalloc(json_object_size(teams), sizeof(*a->teams));
	json_object_foreach((json_t *)teams, name, v) {
		struct team *t = &a->teams[a->nteams];
		if (sfa_field_name_check(name) < 0)
			return sfa_error_set(SFA_EINPUT, "teams: '%s': not a valid team name (use a-z, 0-9, '_', '-')",
					     name);
		t->name = sfa_xstrdup(name);
		a->nteams++;
		if ((err = parse_team(a, t, v)) < 0)
			return err;
	}
	qsort(a->teams, a->nteams, sizeof(*a->teams), cmp_name);
	return 0;
}

/* --- territories ----------------------------------------------------------- */

static const char match_keys[] =
	"country, region, postcode_prefix, industry, employees_min, employees_max";

/* A list of texts, kept without surrounding spaces, or without any (`squeeze`). */
static int parse_list(struct list *out, const json_t *v, size_t ti, const char *key, int squeeze)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return sfa_error_set(SFA_EINPUT, "territories[%zu].match.%s: expected a list of text", ti, key);
	if (!json_array_size(v))
		return sfa_error_set(SFA_EINPUT, "territories[%zu].match.%s: empty list (no lead would match)",
				     ti, key);
	out->items = sfa_xcalloc(json_array_size(v), sizeof(*out->items));
	json_array_foreach((json_t *)v, i, e) {
		const char *s = json_string_value(e);
		struct sfa_buf b = SFA_BUF_INIT;
		size_t len;

		if (!s)
			return sfa_error_set(SFA_EINPUT, "territories[%zu].match.%s[%zu]: expected text", ti, key, i);
		if (squeeze) {
			add_squeezed(&b, s);
		} else {
			len = strlen(s);
			trim(&s, &len);
			sfa_buf_add(&b, s, len);
		}
		out->items[out->n++] = sfa_buf_detach(&b, &len);
		if (!len)
			return sfa_error_set(SFA_EINPUT, "territories[%zu].match.%s[%zu]: empty text", ti, key, i);
	}
	return 0;
}

static int parse_bound(long long *out, int *has, const json_t *v, size_t ti, const char *key)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return sfa_error_set(SFA_EINPUT, "territories[%zu].match.%s: expected a whole number, 0 or more",
				     ti, key);
	*out = json_integer_value(v);
	*has = 1;
	return 0;
}

static int parse_match(struct territory *t, const json_t *m, size_t ti)
{
	const char *key;
	json_t *v;
	int err;

	if (!m)
		return sfa_error_set(SFA_EINPUT, "territories[%zu].match: missing (use {} to match every lead)", ti);
	if (!json_is_object(m))
		return sfa_error_set(SFA_EINPUT, "territories[%zu].match: expected a JSON object", ti);
	json_object_foreach((json_t *)m, key, v) {
		if (!strcmp(key, "country"))
			err = parse_list(&t->country, v, ti, key, 0);
		else if (!strcmp(key, "region"))
			err = parse_list(&t->region, v, ti, key, 0);
		else if (!strcmp(key, "postcode_prefix"))
			err = parse_list(&t->postcode, v, ti, key, 1);
		else if (!strcmp(key, "industry"))
			err = parse_list(&t->industry, v, ti, key, 0);
		else if (!strcmp(key, "employees_min"))
			err = parse_bound(&t->min, &t->has_min, v, ti, key);
		else if (!strcmp(key, "employees_max"))
			err = parse_bound(&t->max, &t->has_max, v, ti, key);
		else	/* a misspelt key ignored would widen the territory without a word */
			err = sfa_error_set(SFA_EINPUT, "territories[%zu].match.%s: unknown match key (use %s)",
					    ti, key, match_keys);
		if (err < 0)
			return err;
	}
	if (t->has_min && t->has_max && t->min > t->max)
		return sfa_error_set(SFA_EINPUT, "territories[%zu].match: employees_min %lld above employees_max %lld",
				     ti, t->min, t->max);
	return 0;
}

/* The text of `key` in territory `ti`, which must be there and not empty. */
static int territory_text(const char **out, const json_t *terr, size_t ti, const char *key)
{
	json_t *v = json_object_get(terr, key);

	if (!v || json_is_null(v))
		return sfa_error_set(SFA_EINPUT, "territories[%zu].%s: missing", ti, key);
	if (!json_is_string(v))
		return sfa_error_set(SFA_EINPUT, "territories[%zu].%s: expected text", ti, key);
	if (!json_string_length(v))
		return sfa_error_set(SFA_EINPUT, "territories[%zu].%s: empty text", ti, key);
	*out = json_string_value(v);
	return 0;
}

static int parse_territories(struct sfa_assign *a, const json_t *terrs)
{
	size_t i;
	json_t *v;
	int err;

	if (!terrs)
		return sfa_error_set(SFA_EINPUT, "territories: missing");
	if (!json_is_array(terrs))
		return sfa_error_set(SFA_EINPUT, "territories: expected a list");
	a->terrs = sfa_xcalloc(json_array_size(terrs), sizeof(*a->terrs));
	json_array_foreach((json_t *)terrs, i, v) {
		struct territory *t = &a->terrs[a->nterrs++];
		const char *name, *team;
		struct team *tm;
		struct sfa_buf b = SFA_BUF_INIT;

		if (!json_is_object(v))
			return sfa_error_set(SFA_EINPUT, "territories[%zu]: expected a JSON object", i);
		if ((err = territory_text(&name, v, i, "name")) < 0)
			return err;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a->terrs[j].name, name))
				return sfa_error_set(SFA_EINPUT,
						     "territories[%zu].name: duplicate territory name '%s' (also territories[%zu])",
						     i, name, j);
		t->name = sfa_xstrdup(name);
		if ((err = territory_text(&team, v, i, "team")) < 0)
			return err;
		if (!(tm = find_team(a, team)))
			return sfa_error_set(SFA_EINPUT, "territories[%zu].team: unknown team '%s' (not in teams)",
					     i, team);
		t->team = (size_t)(tm - a->teams);
		if ((err = parse_match(t, json_object_get(v, "match"), i)) < 0)
			return err;
		sfa_buf_addf(&b, "territory '%s', %s", t->name, method_names[tm->method]);
		t->reason = sfa_buf_detach(&b, NULL);
	}
	return 0;
}

/* --- state ----------------------------------------------------------------- */

static int parse_state(struct sfa_assign *a, const json_t *state)
{
	const char *name;
	json_t *rr, *v;

	if (!state)
		return 0;
	if (!json_is_object(state))
		return sfa_error_set(SFA_EINPUT, "state: expected a JSON object");
	if (!(rr = json_object_get(state, "round_robin")))
		return 0;
	if (!json_is_object(rr))
		return sfa_error_set(SFA_EINPUT, "round_robin: expected a JSON object");
	json_object_foreach(rr, name, v) {
		const char *rep = json_string_value(v);
		struct team *t;

		if (!rep)
			return sfa_error_set(SFA_EINPUT, "round_robin.%s: expected a user id as text", name);
		/* the rules changed since the state was saved: start that team afresh */
		if (!(t = find_team(a, name)) || t->method != ROUND_ROBIN)
			continue;
		for (size_t i = 0; i < t->nreps; i++)
			if (!strcmp(a->users[t->reps[i]].id, rep))
				t->last = i;
	}
	return 0;
}

int sfa_assign_new(struct sfa_assign **out, const json_t *rules, const json_t *users,
		   const json_t *state)
{
	struct sfa_assign *a = sfa_xcalloc(1, sizeof(*a));
	int err;

	*out = NULL;
	if (!json_is_object(rules)) {
		err = sfa_error_set(SFA_EINPUT, "rules: expected a JSON object");
		goto done;
	}
	/* users first: teams refer to them, territories to teams */
	if ((err = parse_users(a, users)) < 0 ||
	    (err = parse_teams(a, json_object_get(rules, "teams"))) < 0 ||
	    (err = parse_territories(a, json_object_get(rules, "territories"))) < 0 ||
	    (err = parse_state(a, state)) < 0)
		goto done;
	*out = a;
	a = NULL;
done:
	sfa_assign_free(a);
	return err;
}

static void list_release(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
}

void sfa_assign_free(struct sfa_assign *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nusers; i++) {
		free(a->users[i].id);
		free(a->users[i].away);
	}
	for (size_t i = 0; i < a->nteams; i++) {
		free(a->teams[i].name);
		free(a->teams[i].reps);
		for (size_t j = 0; j < sizeof(a->teams[i].why) / sizeof(*a->teams[i].why); j++)
			free(a->teams[i].why[j]);
	}
	for (size_t i = 0; i < a->nterrs; i++) {
		struct territory *t = &a->terrs[i];
		free(t->name);
		free(t->reason);
		list_release(&t->country);
		list_release(&t->region);
		list_release(&t->postcode);
		list_release(&t->industry);
	}
	free(a->users);
	free(a->teams);
	free(a->terrs);
	free(a);
}

int sfa_assign_set_open(struct sfa_assign *a, const char *rep, long open)
{
	struct user *u = find_user(a, rep);

	if (!u)
		return sfa_error_set(SFA_ENOTFOUND, "unknown user '%s' (not in users)", rep);
	if (open < 0)
		return sfa_error_set(SFA_EUSAGE, "open lead count of '%s' below zero: %ld", rep, open);
	u->open = open;
	return 0;
}

int sfa_assign_user_known(const struct sfa_assign *a, const char *rep)
{
	return find_user(a, rep) != NULL;
}

/* --- matching -------------------------------------------------------------- */

/* Lead field `key` as text without surrounding spaces; NULL when it is not text. */
static const char *lead_text(const json_t *lead, const char *key, size_t *len)
{
	json_t *v = json_object_get(lead, key);
	const char *s = json_string_value(v);

	if (!s)
		return NULL;
	*len = json_string_length(v);
	trim(&s, len);
	return s;
}

static int list_has(const struct list *l, const json_t *lead, const char *key)
{
	size_t len;
	const char *s = lead_text(lead, key, &len);

	if (!s)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->items[i]) == len && caseeq(l->items[i], s, len))
			return 1;
	return 0;
}

static int postcode_matches(const struct list *l, const json_t *lead)
{
	json_t *v = json_object_get(lead, "postcode");
	struct sfa_buf pc = SFA_BUF_INIT;
	int found = 0;

	if (json_is_string(v))
		add_squeezed(&pc, json_string_value(v));
	else if (json_is_integer(v))	/* a number from a spreadsheet */
		sfa_buf_addf(&pc, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	for (size_t i = 0; pc.len && i < l->n && !found; i++) {
		size_t n = strlen(l->items[i]);
		found = n <= pc.len && caseeq(l->items[i], pc.buf, n);
	}
	sfa_buf_release(&pc);
	return found;
}

/*
 * The lead's employee count: a JSON number or text of digits with an
 * optional fraction. Read by hand rather than with strtod so that the
 * locale's decimal point and forms like "0x10" or "inf" play no part.
 */
static int lead_employees(const json_t *lead, double *out)
{
	json_t *v = json_object_get(lead, "employees");
	const char *s, *end;
	size_t len;
	double n = 0, scale = 1;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 1;
	}
	if (!(s = lead_text(lead, "employees", &len)) || !len)
		return 0;
	end = s + len;
	if (*s < '0' || *s > '9')
		return 0;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	if (s < end && *s == '.') {
		if (++s == end)
			return 0;
		for (; s < end && *s >= '0' && *s <= '9'; s++)
			n += (*s - '0') * (scale /= 10);
	}
	if (s != end)
		return 0;
	*out = n;
	return 1;
}

static int territory_matches(const struct territory *t, const json_t *lead)
{
	double emp;

	if (t->country.n && !list_has(&t->country, lead, "country"))
		return 0;
	if (t->region.n && !list_has(&t->region, lead, "region"))
		return 0;
	if (t->industry.n && !list_has(&t->industry, lead, "industry"))
		return 0;
	if (t->postcode.n && !postcode_matches(&t->postcode, lead))
		return 0;
	if (t->has_min || t->has_max) {
		if (!lead_employees(lead, &emp))
			return 0;
		if ((t->has_min && emp < (double)t->min) || (t->has_max && emp > (double)t->max))
			return 0;
	}
	return 1;
}

/* --- choosing -------------------------------------------------------------- */

/* 0 when `u` can take a lead on `day`, else the WHY_* bit saying why not. */
static int unavailable(const struct user *u, long long day)
{
	if (u->inactive)
		return WHY_INACTIVE;
	for (size_t i = 0; i < u->naway; i++)
		if (day >= u->away[i].from && day <= u->away[i].until)
			return WHY_AWAY;
	if (u->capacity >= 0 && u->open >= u->capacity)
		return WHY_FULL;
	return 0;
}

/* Index into t->reps of the rep to take the lead, or t->nreps with the reasons in `why`. */
static size_t choose(const struct sfa_assign *a, const struct team *t, long long day, int *why)
{
	size_t best = t->nreps, start = 0;

	if (t->method == ROUND_ROBIN && t->last < t->nreps)
		start = t->last + 1;
	*why = 0;
	for (size_t k = 0; k < t->nreps; k++) {
		size_t pos = (start + k) % t->nreps;
		const struct user *u = &a->users[t->reps[pos]];
		int w = unavailable(u, day);

		*why |= w;
		if (w)
			continue;
		if (t->method == ROUND_ROBIN)
			return pos;
		if (best == t->nreps || u->open < a->users[t->reps[best]].open)
			best = pos;
	}
	return best;
}

/* "team 'emea': every rep away or at capacity", kept so the pick can point at it. */
static const char *why_text(struct team *t, int why)
{
	struct sfa_buf b = SFA_BUF_INIT;
	int n = 0, k = 0;

	if (t->why[why])
		return t->why[why];
	for (int bit = 0; bit < 3; bit++)
		n += !!(why & 1 << bit);
	sfa_buf_addf(&b, "team '%s': every rep ", t->name);
	for (int bit = 0; bit < 3; bit++) {
		if (!(why & 1 << bit))
			continue;
		if (k++)
			sfa_buf_addstr(&b, k == n ? " or " : ", ");
		sfa_buf_addstr(&b, why_words[bit]);
	}
	return t->why[why] = sfa_buf_detach(&b, NULL);
}

int sfa_assign_pick(struct sfa_assign *a, const json_t *lead, time_t now,
		    struct sfa_assign_pick *out)
{
	const struct territory *terr = NULL;
	struct team *t;
	struct user *u;
	size_t pos;
	int why;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(lead))
		return sfa_error_set(SFA_EINPUT, "lead: expected a JSON object");
	for (size_t i = 0; i < a->nterrs && !terr; i++)
		if (territory_matches(&a->terrs[i], lead))
			terr = &a->terrs[i];
	if (!terr) {
		out->reason = "no territory matches";
		return 0;
	}
	t = &a->teams[terr->team];
	out->territory = terr->name;
	out->team = t->name;
	pos = choose(a, t, day_of(now), &why);
	if (pos == t->nreps) {
		out->reason = why_text(t, why);
		return 0;
	}
	u = &a->users[t->reps[pos]];
	u->open++;
	if (t->method == ROUND_ROBIN)
		t->last = pos;
	out->rep = u->id;
	out->reason = terr->reason;
	return 0;
}

json_t *sfa_assign_state(const struct sfa_assign *a)
{
	json_t *state = json_object(), *rr = json_object();

	/* teams are sorted, and jansson keeps keys in the order they were set */
	for (size_t i = 0; i < a->nteams; i++) {
		const struct team *t = &a->teams[i];
		if (t->method == ROUND_ROBIN && t->last < t->nreps)
			json_object_set_new(rr, t->name, json_string(a->users[t->reps[t->last]].id));
	}
	json_object_set_new(state, "round_robin", rr);
	return state;
}
