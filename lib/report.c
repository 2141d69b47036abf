/*
 * Reports: records are read from the index a few fields at a time
 * (sfa_index_rows, no record parsed), folded into groups keyed by
 * interned strings, and turned into rows of fixed columns. Money is
 * summed in integer minor units per currency; conversion happens once per
 * currency sum, exactly, with half-even rounding.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "sfa/chart.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/index.h"
#include "sfa/jscan.h"
#include "sfa/money.h"
#include "sfa/pipeline.h"
#include "sfa/query.h"
#include "sfa/report.h"
#include "sfa/store.h"
#include "sfa/stream.h"
#include "sfa/banned.h"

const char *const sfa_report_names[] = {
	"pipeline", "funnel", "forecast", "accuracy", "changes", "winloss", "activity", "sources", "leads", NULL
};
const char *const sfa_report_about[] = {
	"open deals and amounts by stage now: weighted, age in stage, stale",
	"of the deals that entered each stage in a period: advanced, lost, median days",
	"won, commit, best case, pipeline, weighted and simulated P10/P50/P90 against quota",
	"what past forecasts said at the start of each period against what closed",
	"what moved between two dates: new, won, lost, pushed, pulled in, amount up and down",
	"won and lost deals, amounts and win rate",
	"activities per rep and type, overdue tasks, deals without a next step",
	"lead sources: leads, qualified, converted, won deals and amounts",
	"leads per owner: status, scores, grades, age of unworked leads",
	NULL
};

const struct sfa_type *sfa_report_type(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "activity"))
		return sfa_type_find("activity");
	if (!strcmp(name, "sources") || !strcmp(name, "leads"))
		return sfa_type_find("lead");
	for (size_t i = 0; sfa_report_names[i]; i++)
		if (!strcmp(name, sfa_report_names[i]))
			return sfa_type_find("opportunity");
	return NULL;
}

/* --- interned strings: group keys compare by pointer ------------------- */

struct strtab {
	char **slot;
	size_t cap, n;
};

static unsigned long long hash_str(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static const char *intern(struct strtab *t, const char *s)
{
	size_t i;
	if (!s)
		return NULL;
	if (2 * (t->n + 1) > t->cap) {
		struct strtab g = { sfa_xcalloc(t->cap ? 2 * t->cap : 256, sizeof(char *)), t->cap ? 2 * t->cap : 256, 0 };
		for (size_t k = 0; k < t->cap; k++)
			if (t->slot[k]) {
				for (i = hash_str(t->slot[k]) & (g.cap - 1); g.slot[i]; i = (i + 1) & (g.cap - 1))
					;
				g.slot[i] = t->slot[k];
				g.n++;
			}
		free(t->slot);
		*t = g;
	}
	for (i = hash_str(s) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
		if (!strcmp(t->slot[i], s))
			return t->slot[i];
	t->n++;
	return t->slot[i] = sfa_xstrdup(s);
}

static void strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
}

/* --- the report's context ----------------------------------------------- */

#define MAX_KEY (SFA_REPORT_MAX_BY + 4)

/* A move of a deal's stage history; the names are interned. */
struct step {
	const char *to, *from;
	time_t at;
};

struct deal {
	const char *id;			/* interned only when a report needs ids */
	const char *owner, *territory, *source, *family, *reason, *competitor, *currency;
	const struct sfa_pipeline *p;
	const struct sfa_stage *st;	/* NULL: a stage its pipeline no longer has */
	int stage_ix;
	long long amount;		/* minor units of `currency`; 0 when none */
	int prob;
	char close[11];			/* close_date, "" when none */
	time_t created, entered, touched;
	struct step *steps;		/* stage_history, oldest first, when the report reads it: while taken */
	size_t nsteps;
};

struct ctx {
	struct sfa_store *s;
	const struct sfa_report_opts *o;
	const struct sfa_pipelines *ps;
	struct strtab strs;
	json_t *users, *rates, *quotas;	/* config, or NULL */
	time_t now;
	long long seq;			/* as of this commit; 0: now */
	char from[11], to[11];		/* the period, inclusive */
	time_t from_t, to_t;		/* its bounds: [from_t, to_t) */
	const char *none;		/* interned "" */
	struct sfa_report *r;
};

static time_t day_start(const char *date)
{
	time_t t = 0;
	sfa_time_parse(&t, date);
	return t;
}

static int set_period(struct ctx *c, const char *spec, const char *def)
{
	int err = sfa_period_parse(spec ? spec : def, c->now, c->from, c->to);
	if (err < 0)
		return sfa_error_prefix(err, "--period: ");
	c->from_t = day_start(c->from);
	c->to_t = day_start(c->to) + 86400;
	return 0;
}

/* --- money: exact sums and conversion ----------------------------------- */

/* A decimal rate "1.0850" as n / 10^scale. */
static int rate_of(struct ctx *c, const char *cur, __int128 *n, int *scale)
{
	json_t *rates = c->rates ? json_object_get(c->rates, "rates") : NULL;
	const char *base = c->rates ? json_string_value(json_object_get(c->rates, "base")) : NULL;
	const char *v, *p;

	if (base && !strcmp(base, cur)) {
		*n = 1;
		*scale = 0;
		return 0;
	}
	v = rates ? json_string_value(json_object_get(rates, cur)) : NULL;
	if (!v)
		return SFA_ENOTFOUND;
	*n = 0;
	*scale = 0;
	for (p = v; *p; p++) {
		if (*p == '.') {
			*scale = (int)strlen(p + 1);
			continue;
		}
		*n = *n * 10 + (*p - '0');
	}
	return 0;
}

static __int128 pow10i(int e)
{
	__int128 v = 1;
	while (e-- > 0)
		v *= 10;
	return v;
}

/* n / d rounded half to even (d > 0). */
static long long div_half_even(__int128 n, __int128 d)
{
	__int128 q = n / d, r = n % d;
	if (r < 0) {
		r += d;
		q--;
	}
	if (2 * r > d || (2 * r == d && (q & 1)))
		q++;
	return (long long)q;
}

/*
 * `minor` of currency `from` in currency `to`: minor * (rate_to / rate_from)
 * * 10^(exp_to - exp_from), rates being units of a currency per unit of
 * the base. SFA_EINPUT naming the pair when a rate is missing.
 */
static int convert_scaled(struct ctx *c, __int128 minor, long long div, const char *from, const char *to,
			  long long *out);

static int convert(struct ctx *c, long long minor, const char *from, const char *to, long long *out)
{
	return convert_scaled(c, minor, 1, from, to, out);
}

/* The same for `minor` / `div` (a weighted sum held in hundredths), rounded once. */
static int convert_scaled(struct ctx *c, __int128 minor, long long div, const char *from, const char *to,
			  long long *out)
{
	__int128 nf, nt, num, den;
	int sf, st, err;

	if (!strcmp(from, to)) {
		*out = div_half_even(minor, div);
		return 0;
	}
	if ((err = rate_of(c, from, &nf, &sf)) < 0 || (err = rate_of(c, to, &nt, &st)) < 0)
		return sfa_error_set(SFA_EINPUT, "no exchange rate for %s -> %s in config/rates.json", from, to);
	num = nt * pow10i(sf) * pow10i(sfa_money_exponent(to));
	den = nf * pow10i(st) * pow10i(sfa_money_exponent(from)) * div;
	if (den == 0)
		return sfa_error_set(SFA_EINPUT, "config/rates.json: the rate of %s is zero", nf == 0 ? from : to);
	*out = div_half_even(minor * num, den);
	return 0;
}

/* "1234.50" for `minor` in `cur`. */
static json_t *money_json(long long minor, const char *cur)
{
	struct sfa_money m = { .minor = minor, .exponent = sfa_money_exponent(cur) };
	struct sfa_buf b = SFA_BUF_INIT;
	char *sp;
	json_t *v;
	snprintf(m.currency, sizeof(m.currency), "%s", cur);
	sfa_money_format(&b, &m);
	if ((sp = strchr(b.buf, ' ')))
		*sp = '\0';
	v = json_string(b.buf);
	sfa_buf_release(&b);
	return v;
}

/* A percentage or a number of days with one decimal, or null. */
static json_t *one_decimal(double v, int defined)
{
	if (!defined || !isfinite(v))
		return json_null();
	return json_real(round(v * 10) / 10);
}

/* --- groups ---------------------------------------------------------------- */

#define NACC 12

struct group {
	const char *key[MAX_KEY];	/* interned */
	const char *currency;		/* interned; part of the key */
	long long v[NACC];		/* counts and minor-unit sums */
	__int128 w;			/* amount x probability */
	double d[2];			/* sums of days */
	double *samples;		/* values for a median */
	size_t nsamples, asamples;
	long long *sims;		/* forecast: simulated totals */
	int order;			/* stage position, for sorting */
};

struct groups {
	struct group *v;
	size_t n, alloc;
	size_t *slot;			/* open addressing: index + 1 */
	size_t cap;
	size_t nkey;
};

static unsigned long long hash_key(const char *const *key, size_t n, const char *cur)
{
	unsigned long long h = (unsigned long long)(uintptr_t)cur * 11400714819323198485ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned long long)(uintptr_t)key[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static struct group *group_get(struct groups *g, const char *const *key, const char *cur, int order)
{
	size_t i;
	if (2 * (g->n + 1) > g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		size_t *slot = sfa_xcalloc(cap, sizeof(*slot));
		for (size_t k = 0; k < g->n; k++) {
			for (i = hash_key(g->v[k].key, g->nkey, g->v[k].currency) & (cap - 1); slot[i];
			     i = (i + 1) & (cap - 1))
				;
			slot[i] = k + 1;
		}
		free(g->slot);
		g->slot = slot;
		g->cap = cap;
	}
	for (i = hash_key(key, g->nkey, cur) & (g->cap - 1); g->slot[i]; i = (i + 1) & (g->cap - 1)) {
		struct group *x = &g->v[g->slot[i] - 1];
		if (x->currency == cur && !memcmp(x->key, key, g->nkey * sizeof(*key)))
			return x;
	}
	SFA_ALLOC_GROW(g->v, g->n + 1, g->alloc);
	memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
	memcpy(g->v[g->n].key, key, g->nkey * sizeof(*key));
	g->v[g->n].currency = cur;
	g->v[g->n].order = order;
	g->slot[i] = ++g->n;
	return &g->v[g->n - 1];
}

static void sample(struct group *x, double v)
{
	SFA_ALLOC_GROW(x->samples, x->nsamples + 1, x->asamples);
	x->samples[x->nsamples++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(struct group *x)
{
	size_t n = x->nsamples;
	if (!n)
		return NAN;
	qsort(x->samples, n, sizeof(double), cmp_double);	/* n > 0 here */
	return n % 2 ? x->samples[n / 2] : (x->samples[n / 2 - 1] + x->samples[n / 2]) / 2;
}

static void groups_free(struct groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].samples);
		free(g->v[i].sims);
	}
	free(g->v);
	free(g->slot);
	memset(g, 0, sizeof(*g));
}

/* Sorted by key text, then the report's order (stage position), then currency. */
static size_t sort_nkey;
static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	for (size_t i = 0; i < sort_nkey; i++) {
		int c = strcmp(x->key[i], y->key[i]);
		if (c)
			return c;
	}
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->currency, y->currency);
}

static int cmp_group_at(const void *a, const void *b)
{
	return cmp_group(*(const struct group *const *)a, *(const struct group *const *)b);
}

/* Each group's place in the order groups_sort(g, g->nkey) would give them, leaving them where they are. */
static unsigned *group_ranks(const struct groups *g)
{
	const struct group **by = sfa_xcalloc(g->n + 1, sizeof(*by));
	unsigned *rank = sfa_xcalloc(g->n + 1, sizeof(*rank));

	for (size_t i = 0; i < g->n; i++)
		by[i] = &g->v[i];
	sort_nkey = g->nkey;
	qsort(by, g->n, sizeof(*by), cmp_group_at);
	for (size_t i = 0; i < g->n; i++)
		rank[by[i] - g->v] = (unsigned)i;
	free(by);
	return rank;
}

static void groups_sort(struct groups *g, size_t nsorted)
{
	sort_nkey = nsorted;
	if (g->n)
		qsort(g->v, g->n, sizeof(*g->v), cmp_group);
	free(g->slot);	/* positions changed: no more lookups */
	g->slot = NULL;
	g->cap = 0;
}

/* --- --by keys -------------------------------------------------------------- */

static const char *const common_keys[] = {
	"rep", "team", "territory", "source", "pipeline", "product-family", "month", "quarter", NULL
};

static int by_allowed(const char *report, const char *key)
{
	int deals = strcmp(report, "leads") && strcmp(report, "sources") && strcmp(report, "activity");
	for (size_t i = 0; common_keys[i]; i++)
		if (!strcmp(key, common_keys[i]))	/* leads and activities have no pipeline or product */
			return deals || (strcmp(key, "pipeline") && strcmp(key, "product-family"));
	if (!strcmp(report, "winloss"))
		return !strcmp(key, "reason") || !strcmp(key, "competitor") || !strcmp(key, "lost-at") ||
		       !strcmp(key, "stage");
	if (!strcmp(report, "activity"))
		return !strcmp(key, "type");
	return 0;
}

static const char *team_of(struct ctx *c, const char *owner)
{
	json_t *u = owner && c->users ? json_object_get(c->users, owner) : NULL;
	const char *t = u ? json_string_value(json_object_get(u, "team")) : NULL;
	return intern(&c->strs, t ? t : "");
}

/* "2026-11" or "2026-Q4" of a date or date-time, or "". */
static const char *month_of(struct ctx *c, const char *date, int quarter)
{
	char b[32];
	int y, m;
	if (!date || sscanf(date, "%4d-%2d", &y, &m) != 2)
		return c->none;
	if (quarter)
		snprintf(b, sizeof(b), "%04d-Q%d", y, (m - 1) / 3 + 1);
	else
		snprintf(b, sizeof(b), "%04d-%02d", y, m);
	return intern(&c->strs, b);
}

/* The value of --by key `k` for a deal; `date` is the date the report files it under. */
static const char *deal_key(struct ctx *c, const struct deal *d, const char *k, const char *date)
{
	const char *v = NULL;
	if (!strcmp(k, "rep"))
		v = d->owner;
	else if (!strcmp(k, "team"))
		v = team_of(c, d->owner);
	else if (!strcmp(k, "territory"))
		v = d->territory;
	else if (!strcmp(k, "source"))
		v = d->source;
	else if (!strcmp(k, "pipeline"))
		v = d->p ? intern(&c->strs, d->p->name) : NULL;
	else if (!strcmp(k, "product-family"))
		v = d->family;
	else if (!strcmp(k, "month") || !strcmp(k, "quarter"))
		v = month_of(c, date, k[0] == 'q');
	else if (!strcmp(k, "reason"))
		v = d->st && d->st->won ? intern(&c->strs, "(won)") : d->reason;
	else if (!strcmp(k, "competitor"))
		v = d->competitor;
	else if (!strcmp(k, "stage"))
		v = d->st ? intern(&c->strs, d->st->name) : NULL;
	return v ? v : c->none;
}

/* Column name of a --by key. */
static const char *key_column(const char *k)
{
	if (!strcmp(k, "product-family"))
		return "product_family";
	if (!strcmp(k, "lost-at"))
		return "lost_at";
	return k;
}

/* --- loading opportunities ---------------------------------------------------- */

enum { F_ID, F_OWNER, F_TERRITORY, F_SOURCE, F_FAMILY, F_REASON, F_COMPETITOR, F_PIPELINE, F_STAGE, F_AMOUNT,
       F_CURRENCY, F_PROB, F_CLOSE, F_CREATED, F_ENTERED, F_TOUCHED, F_HISTORY, F_NFIELDS };
/*
 * The stage history is last: a report that does not read it ends the list
 * before it. The index keeps all of these in its deals table (lib/index.c),
 * which reports without filters read; a field it lacks would send every
 * report to the records' bodies.
 */
static const char *const deal_fields[] = {
	"id", "owner", "territory", "source", "product_family", "lost_reason", "competitor", "pipeline", "stage",
	"amount", "currency", "probability", "close_date", "created_at", "stage_entered_at", "last_activity_at",
	SFA_INDEX_MOVES, NULL
};

struct deals {
	struct deal *v;
	size_t n, alloc;
};

/* Which deals' stage history a report reads. */
enum { HISTORY_NONE, HISTORY_CLOSED, HISTORY_ALL };

/*
 * A move of a closed deal's history as the forecast learns from it: the
 * stage moved to, as its index in the deal's pipeline (-1: one it does
 * not have), and when.
 */
struct move {
	int stage;
	time_t at;
};

struct learning;
static void learn_deal(struct learning *L, const struct deal *d, const struct move *m, size_t n);

/* The fields before F_PIPELINE are read only when a report needs them. */
#define NEED(f) (1u << (f))

struct load {
	struct ctx *c;
	unsigned needs;
	int history;
	int at[F_NFIELDS];	/* where each field is in the values read, or -1 */
	/* the deals a report reads, by pipeline, stage and close date; NULL: all */
	int (*want)(struct ctx *c, const struct deal *d);
	/* NULL, or where the closed deals' histories go (the deals keep none) */
	struct learning *learn;
	/* what takes each deal read: its strings outlive it, its steps do not */
	int (*take)(void *arg, const struct deal *d);
	void *arg;
	struct move *scratch;	/* the history being learnt from */
	size_t ascratch;
	struct step *steps;	/* the history of the deal taken */
	size_t asteps;
	struct sfa_buf text;	/* scratch for names */
};

static time_t time_or(const char *s, time_t def)
{
	time_t t;
	return s && sfa_time_parse(&t, s) == 0 ? t : def;
}

static int is_open(const struct deal *d)
{
	return d->st && !d->st->won && !d->st->lost;
}

/* A line of SFA_INDEX_MOVES text: when, and the names as written (escapes in). */
struct move_line {
	time_t at;
	const char *to, *from;
	size_t tolen, fromlen;		/* fromlen 0: none */
};

/* A name of a move line as a C string, its escapes undone; in `buf` when it must be copied. */
static const char *move_name(struct sfa_buf *buf, const char *s, size_t n)
{
	sfa_buf_reset(buf);
	if (!memchr(s, '\\', n)) {
		sfa_buf_add(buf, s, n);
		return buf->buf;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			sfa_buf_addch(buf, s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i]);
		} else {
			sfa_buf_addch(buf, s[i]);
		}
	return buf->buf;
}

/* The next move of the text at `*pos` (see SFA_INDEX_MOVES): 1, or 0 at the end or at a line not of that form. */
static int next_move(const char **pos, struct move_line *m)
{
	const char *p = *pos, *t1, *t2, *nl;
	char *end;

	if (!*p || !(nl = strchr(p, '\n')))
		return 0;
	m->at = (time_t)strtoll(p, &end, 10);
	if (end == p || *end != '\t')
		return 0;
	t1 = end + 1;
	if (!(t2 = memchr(t1, '\t', (size_t)(nl - t1))))
		return 0;
	m->to = t1;
	m->tolen = (size_t)(t2 - t1);
	m->from = t2 + 1;
	m->fromlen = (size_t)(nl - t2 - 1);
	*pos = nl + 1;
	return 1;
}

/* The moves of a stage history (SFA_INDEX_MOVES text) as steps, oldest first; the names interned. */
static void take_steps(struct load *l, const char *text, struct step **steps, size_t *n, size_t *alloc)
{
	struct move_line m;

	while (next_move(&text, &m)) {
		struct step st = { intern(&l->c->strs, move_name(&l->text, m.to, m.tolen)), NULL, m.at };
		if (m.fromlen)
			st.from = intern(&l->c->strs, move_name(&l->text, m.from, m.fromlen));
		SFA_ALLOC_GROW(*steps, *n + 1, *alloc);
		(*steps)[(*n)++] = st;
	}
}

/* The index in `p` of the stage named by the `n` bytes at `name` (escapes in), or -1. */
static int stage_index(struct load *l, const struct sfa_pipeline *p, const char *name, size_t n)
{
	if (memchr(name, '\\', n)) {
		name = move_name(&l->text, name, n);
		n = l->text.len;
	}
	for (size_t i = 0; i < p->nstages; i++)
		if (!strncmp(p->stages[i].name, name, n) && !p->stages[i].name[n])
			return (int)i;
	return -1;
}

/*
 * The moves of closed deal `d`'s stage history (SFA_INDEX_MOVES text)
 * into l->scratch, stages by index, no names copied: the forecast learns
 * from hundreds of thousands of histories.
 */
static size_t take_moves(struct load *l, const struct deal *d, const char *text)
{
	struct move_line m;
	size_t n = 0;

	while (next_move(&text, &m)) {
		SFA_ALLOC_GROW(l->scratch, n + 1, l->ascratch);
		l->scratch[n++] = (struct move){ stage_index(l, d->p, m.to, m.tolen), m.at };
	}
	return n;
}

static int take_deal(const char *const *values, void *data)
{
	struct load *l = data;
	struct ctx *c = l->c;
	struct deal d = { 0 };
	struct sfa_money m;
	const char *f[F_NFIELDS];

	for (int i = 0; i < F_NFIELDS; i++)
		f[i] = l->at[i] < 0 ? NULL : values[l->at[i]];

	d.p = sfa_pipeline_find(c->ps, f[F_PIPELINE]);
	if (!d.p)
		d.p = c->ps->def;
	d.st = f[F_STAGE] && d.p ? sfa_pipeline_stage(d.p, f[F_STAGE]) : NULL;
	d.stage_ix = d.st ? (int)(d.st - d.p->stages) : -1;
	if (f[F_CLOSE]) {	/* the date part; not snprintf, a tenth of a second on a million deals */
		size_t n = strnlen(f[F_CLOSE], sizeof(d.close) - 1);
		memcpy(d.close, f[F_CLOSE], n);
	}
	/* every closed deal teaches the statistical forecast, read or not */
	if (l->learn && d.st && !is_open(&d) && f[F_HISTORY])
		learn_deal(l->learn, &d, l->scratch, take_moves(l, &d, f[F_HISTORY]));
	/* the rest costs most of the time of a report: only for the deals it reads */
	if (l->want && !l->want(c, &d))
		return 0;
	d.owner = intern(&c->strs, f[F_OWNER]);
	d.territory = intern(&c->strs, f[F_TERRITORY]);
	d.source = intern(&c->strs, f[F_SOURCE]);
	d.family = intern(&c->strs, f[F_FAMILY]);
	d.reason = intern(&c->strs, f[F_REASON]);
	d.competitor = intern(&c->strs, f[F_COMPETITOR]);
	d.id = intern(&c->strs, f[F_ID]);
	if (f[F_AMOUNT] && sfa_money_parse(&m, f[F_AMOUNT], f[F_CURRENCY]) == 0) {
		d.amount = m.minor;
		d.currency = intern(&c->strs, m.currency);
	} else {
		d.currency = intern(&c->strs, f[F_CURRENCY] ? f[F_CURRENCY] : "");
	}
	d.prob = f[F_PROB] ? atoi(f[F_PROB]) : d.st ? d.st->probability : 0;
	d.created = time_or(f[F_CREATED], 0);
	d.entered = time_or(f[F_ENTERED], d.created);
	d.touched = time_or(f[F_TOUCHED], d.entered);
	if ((l->history == HISTORY_ALL || (l->history == HISTORY_CLOSED && d.st && !is_open(&d))) && f[F_HISTORY]) {
		take_steps(l, f[F_HISTORY], &l->steps, &d.nsteps, &l->asteps);
		d.steps = l->steps;
	}
	return l->take(l->arg, &d);
}

/* load_run's take for the reports that go over the deals more than once: keeps them, without their steps. */
static int keep_deal(void *arg, const struct deal *d)
{
	struct deals *out = arg;
	SFA_ALLOC_GROW(out->v, out->n + 1, out->alloc);
	out->v[out->n] = *d;
	out->v[out->n].steps = NULL;
	out->v[out->n++].nsteps = 0;
	return 0;
}

static void deals_free(struct deals *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* The query of the report's filters on `t` (filters on another type do not apply) as of commit `seq`. */
static struct sfa_query query_of(struct ctx *c, const struct sfa_type *t, long long seq)
{
	struct sfa_query q = { .type = t, .limit = -1, .as_of = seq };
	if (c->o->filter && c->o->filter->q.type == t) {
		q.conds = c->o->filter->q.conds;
		q.nconds = c->o->filter->q.nconds;
		q.or_block = c->o->filter->q.or_block;
	}
	/* the read rule holds for every type the report reads, the catalog aside */
	if (c->o->filter && strcmp(t->name, "product")) {
		q.reader = c->o->filter->q.reader;
		q.reader_territory = c->o->filter->q.reader_territory;
	}
	return q;
}

/* The fields the --by keys read (NEED). */
static unsigned by_needs(struct ctx *c)
{
	static const struct { const char *key; int field; } reads[] = {
		{ "rep", F_OWNER }, { "team", F_OWNER }, { "territory", F_TERRITORY }, { "source", F_SOURCE },
		{ "product-family", F_FAMILY }, { "reason", F_REASON }, { "competitor", F_COMPETITOR },
	};
	unsigned needs = 0;
	for (size_t i = 0; i < c->o->nby; i++)
		for (size_t k = 0; k < sizeof(reads) / sizeof(reads[0]); k++)
			if (!strcmp(c->o->by[i], reads[k].key))
				needs |= NEED(reads[k].field);
	return needs;
}

/*
 * Reads the deals as of commit `seq` (0: now) that l->want takes (NULL:
 * all) into l->take, with the fields before F_PIPELINE that
 * l->needs names and those the --by keys read (the others NULL: a million
 * deals' owners, sources and the like cost a fifth of a report that does
 * not show them), and the stage histories l->history names; the closed
 * deals' histories go to l->learn as well when it is not NULL.
 */
static int load_run(struct load *l, long long seq)
{
	struct ctx *c = l->c;
	struct sfa_query q = query_of(c, sfa_type_find("opportunity"), seq);
	const char *fields[F_NFIELDS + 1];
	size_t nf = 0;
	long n;

	l->needs |= by_needs(c);
	for (int i = 0; i < F_NFIELDS; i++) {
		int read = i >= F_PIPELINE ? i != F_HISTORY || l->history != HISTORY_NONE || l->learn :
			   (l->needs & NEED(i)) != 0;
		l->at[i] = read ? (int)nf : -1;
		if (read)
			fields[nf++] = deal_fields[i];
	}
	fields[nf] = NULL;
	q.unordered = 1;
	sfa_buf_init(&l->text, 0);
	n = sfa_index_rows(sfa_store_index(c->s), &q, fields, take_deal, l);
	sfa_buf_release(&l->text);
	free(l->scratch);
	free(l->steps);
	return n < 0 ? (int)n : 0;
}

/* All deals as of commit `seq` into `out`, with the fields before F_PIPELINE that `needs` names (see load_run). */
static int load_deals(struct ctx *c, long long seq, unsigned needs, struct deals *out)
{
	struct load l = { .c = c, .needs = needs, .take = keep_deal, .arg = out };
	return load_run(&l, seq);
}

static int in_period(struct ctx *c, const char *date)
{
	return date && *date && strncmp(date, c->from, 10) >= 0 && strncmp(date, c->to, 10) <= 0;
}

/* load_some_deals filters */
static int want_open(struct ctx *c, const struct deal *d)
{
	(void)c;
	return is_open(d);
}

static int want_in_period(struct ctx *c, const struct deal *d)
{
	return in_period(c, d->close);
}

/* what a simulated forecast reads: the deals that may yet close, and those closed in the period */
static int want_open_or_in_period(struct ctx *c, const struct deal *d)
{
	return is_open(d) || in_period(c, d->close);
}

/* The group key of the --by keys for a deal (then the report's own parts). */
static size_t by_key(struct ctx *c, const struct deal *d, const char *date, const char **key)
{
	for (size_t i = 0; i < c->o->nby; i++)
		key[i] = deal_key(c, d, c->o->by[i], date);
	return c->o->nby;
}

/* --- rows ---------------------------------------------------------------------- */

static void column(struct ctx *c, const char *name)
{
	json_array_append_new(c->r->columns, json_string(name));
}

static void by_columns(struct ctx *c)
{
	for (size_t i = 0; i < c->o->nby; i++)
		column(c, key_column(c->o->by[i]));
}

static json_t *row_start(struct ctx *c, const struct group *g)
{
	json_t *row = json_object();
	for (size_t i = 0; i < c->o->nby; i++)
		json_object_set_new(row, key_column(c->o->by[i]), json_string(g->key[i]));
	return row;
}

static void chart(struct ctx *c, int kind, const char *cats, const char *values, const char *bar)
{
	char *list, *tok, *save = NULL;
	c->r->chart_kind = kind;
	for (size_t i = 0; i < c->o->nby; i++)
		json_array_append_new(c->r->chart_cat, json_string(key_column(c->o->by[i])));
	list = sfa_xstrdup(cats);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(c->r->chart_cat, json_string(tok));
	free(list);
	list = sfa_xstrdup(values);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(c->r->chart_values, json_string(tok));
	free(list);
	c->r->bar = bar;
}

/*
 * With a target currency, groups that differ only by currency become one:
 * each currency's sums (v[] entries flagged in `money`, and w) converted
 * once and added. Counts add as they are.
 */
static int merge_currencies(struct ctx *c, struct groups *g, unsigned money, int weighted)
{
	struct groups m = { .nkey = g->nkey };
	const char *target;
	int err = 0;

	if (!c->o->currency)
		return 0;
	target = intern(&c->strs, c->o->currency);
	for (size_t i = 0; i < g->n && !err; i++) {
		struct group *x = &g->v[i], *y = group_get(&m, x->key, target, x->order);
		for (int k = 0; k < NACC && !err; k++) {
			long long v = x->v[k];
			if ((money >> k) & 1 && *x->currency && (err = convert(c, v, x->currency, target, &v)) < 0)
				break;
			y->v[k] += v;
		}
		if (!err && weighted && *x->currency && x->w) {
			long long w;	/* kept in hundredths of minor units: converted and rounded once */
			err = convert_scaled(c, x->w, 100, x->currency, target, &w);
			y->w += (__int128)w * 100;
		}
		y->d[0] += x->d[0];
		y->d[1] += x->d[1];
		for (size_t s = 0; s < x->nsamples; s++)
			sample(y, x->samples[s]);
	}
	groups_free(g);
	*g = m;
	return err;
}

/* --- pipeline ----------------------------------------------------------------- */

enum { P_N, P_AMOUNT, P_STALE };

/*
 * A report's rows summed as the deals are read (load_run's take gets it):
 * a report over a million deals does not keep them.
 */
struct sums {
	struct ctx *c;
	struct groups g;
};

/* The pipeline report's take: each open deal into its row. */
static int pipeline_take(void *arg, const struct deal *d)
{
	struct sums *ps = arg;
	struct ctx *c = ps->c;
	const char *key[MAX_KEY];
	size_t k;
	struct group *x;

	if (!is_open(d))
		return 0;
	k = by_key(c, d, d->close, key);
	key[k++] = intern(&c->strs, d->p->name);
	key[k++] = intern(&c->strs, d->st->name);
	x = group_get(&ps->g, key, d->currency, d->stage_ix);
	x->v[P_N]++;
	x->v[P_AMOUNT] += d->amount;
	x->w += (__int128)d->amount * d->prob;
	x->d[0] += (double)(c->now - d->entered) / 86400;
	if (d->st->rot_days && d->touched < c->now - (time_t)d->st->rot_days * 86400)
		x->v[P_STALE]++;
	return 0;
}

static int report_pipeline(struct ctx *c)
{
	struct sums ps = { c, { .nkey = c->o->nby + 2 } };
	struct groups *g = &ps.g;
	struct load l = { .c = c, .want = want_open, .take = pipeline_take, .arg = &ps };
	int err;

	if ((err = load_run(&l, c->seq)) < 0)
		goto done;
	if ((err = merge_currencies(c, g, 1u << P_AMOUNT, 1)) < 0)
		goto done;
	groups_sort(g, c->o->nby + 1);
	by_columns(c);
	column(c, "pipeline");
	column(c, "stage");
	column(c, "currency");
	column(c, "deals");
	column(c, "amount");
	column(c, "weighted");
	column(c, "avg_age_days");
	column(c, "stale");
	for (size_t i = 0; i < g->n; i++) {
		struct group *x = &g->v[i];
		json_t *row = row_start(c, x);
		json_object_set_new(row, "pipeline", json_string(x->key[c->o->nby]));
		json_object_set_new(row, "stage", json_string(x->key[c->o->nby + 1]));
		json_object_set_new(row, "currency", json_string(x->currency));
		json_object_set_new(row, "deals", json_integer(x->v[P_N]));
		json_object_set_new(row, "amount", money_json(x->v[P_AMOUNT], x->currency));
		json_object_set_new(row, "weighted", money_json(div_half_even(x->w, 100), x->currency));
		json_object_set_new(row, "avg_age_days", one_decimal(x->d[0] / (double)x->v[P_N], x->v[P_N] > 0));
		json_object_set_new(row, "stale", json_integer(x->v[P_STALE]));
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_FUNNEL, "stage", "amount", "amount");
done:
	groups_free(g);
	return err;
}

/* --- funnel ------------------------------------------------------------------- */

enum { U_ENTERED, U_ADVANCED, U_LOST, U_BACK, U_OPEN };

/* The funnel's take: each entry of the deal's history into an open stage in the period. */
static int funnel_take(void *arg, const struct deal *d)
{
	struct sums *fs = arg;
	struct ctx *c = fs->c;
	const struct step *s = d->steps;
	size_t n = d->p ? d->nsteps : 0;
	const char *key[MAX_KEY];

	/* each stage counts a deal once: its first entry in the period */
	for (size_t j = 0; j < n; j++) {
		const struct sfa_stage *st = sfa_pipeline_stage(d->p, s[j].to), *next;
		char date[21];
		struct group *x;
		size_t k, seen = 0;
		if (!st || st->won || st->lost || s[j].at < c->from_t || s[j].at >= c->to_t || s[j].at > c->now)
			continue;
		for (size_t q = 0; q < j; q++)
			if (!strcmp(s[q].to, s[j].to) && s[q].at >= c->from_t)
				seen = 1;
		if (seen)
			continue;
		sfa_time_iso(date, s[j].at);
		k = by_key(c, d, date, key);
		key[k++] = intern(&c->strs, d->p->name);
		key[k++] = intern(&c->strs, st->name);
		x = group_get(&fs->g, key, c->none, (int)(st - d->p->stages));
		x->v[U_ENTERED]++;
		next = j + 1 < n && s[j + 1].at <= c->now ? sfa_pipeline_stage(d->p, s[j + 1].to) : NULL;
		if (j + 1 < n && s[j + 1].at <= c->now)
			sample(x, (double)(s[j + 1].at - s[j].at) / 86400);
		if (!next)
			x->v[j + 1 < n && s[j + 1].at <= c->now ? U_BACK : U_OPEN]++;
		else if (next->lost)
			x->v[U_LOST]++;
		else if (next->won || next > st)
			x->v[U_ADVANCED]++;
		else
			x->v[U_BACK]++;
	}
	return 0;
}

static int report_funnel(struct ctx *c)
{
	struct sums fs = { c, { .nkey = c->o->nby + 2 } };
	struct groups *g = &fs.g;
	struct load l = { .c = c, .history = HISTORY_ALL, .take = funnel_take, .arg = &fs };
	int err;

	if ((err = load_run(&l, c->seq)) < 0)
		goto done;
	groups_sort(g, c->o->nby + 1);
	by_columns(c);
	column(c, "pipeline");
	column(c, "stage");
	column(c, "entered");
	column(c, "advanced");
	column(c, "lost");
	column(c, "moved_back");
	column(c, "open");
	column(c, "conversion");
	column(c, "median_days");
	for (size_t i = 0; i < g->n; i++) {
		struct group *x = &g->v[i];
		json_t *row = row_start(c, x);
		json_object_set_new(row, "pipeline", json_string(x->key[c->o->nby]));
		json_object_set_new(row, "stage", json_string(x->key[c->o->nby + 1]));
		json_object_set_new(row, "entered", json_integer(x->v[U_ENTERED]));
		json_object_set_new(row, "advanced", json_integer(x->v[U_ADVANCED]));
		json_object_set_new(row, "lost", json_integer(x->v[U_LOST]));
		json_object_set_new(row, "moved_back", json_integer(x->v[U_BACK]));
		json_object_set_new(row, "open", json_integer(x->v[U_OPEN]));
		json_object_set_new(row, "conversion",
				    one_decimal(100.0 * (double)x->v[U_ADVANCED] / (double)x->v[U_ENTERED], x->v[U_ENTERED] > 0));
		json_object_set_new(row, "median_days", one_decimal(median(x), x->nsamples > 0));
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_FUNNEL, "stage", "entered", "entered");
done:
	groups_free(g);
	return err;
}

/* --- forecast ----------------------------------------------------------------- */

/*
 * What the store's history says about a stage: for every closed deal that
 * was in it, the time from its (last) entry into the stage to closing, and
 * for the won ones the same again. Sorted, for counting.
 */
struct times {
	long long *v;		/* seconds */
	size_t n, alloc;
};

struct learned {
	struct times won, closed;
};

struct learning {
	struct learned **by;	/* [pipeline][stage] */
	size_t np;
	const struct sfa_pipelines *ps;
};

static size_t pipeline_ix(const struct sfa_pipelines *ps, const struct sfa_pipeline *p)
{
	return (size_t)(p - ps->list);
}

static void learning_init(struct learning *L, const struct sfa_pipelines *ps)
{
	L->ps = ps;
	L->np = ps->n;
	L->by = sfa_xcalloc(L->np, sizeof(*L->by));
	for (size_t i = 0; i < L->np; i++)
		L->by[i] = sfa_xcalloc(ps->list[i].nstages, sizeof(**L->by));
}

/* What closed deal `d` with the moves m[0..n) teaches. */
static void learn_deal(struct learning *L, const struct deal *d, const struct move *m, size_t n)
{
	const struct sfa_stage *stages;
	size_t close = 0, found = 0;
	int won = 0;

	if (!d->st || is_open(d) || !d->p)
		return;
	stages = d->p->stages;
	for (size_t j = 0; j < n; j++)
		if (m[j].stage >= 0 && (stages[m[j].stage].won || stages[m[j].stage].lost)) {
			close = j;
			found = 1;
			won = stages[m[j].stage].won;
		}
	for (size_t j = 0; found && j < close; j++) {
		struct learned *l;
		int later = 0;
		if (m[j].stage < 0 || stages[m[j].stage].won || stages[m[j].stage].lost)
			continue;
		for (size_t q = j + 1; q < close; q++)
			later |= m[q].stage == m[j].stage;
		if (later)
			continue;
		l = &L->by[pipeline_ix(L->ps, d->p)][m[j].stage];
		SFA_ALLOC_GROW(l->closed.v, l->closed.n + 1, l->closed.alloc);
		l->closed.v[l->closed.n++] = m[close].at - m[j].at;
		if (won) {
			SFA_ALLOC_GROW(l->won.v, l->won.n + 1, l->won.alloc);
			l->won.v[l->won.n++] = m[close].at - m[j].at;
		}
	}
}

/*
 * Sorts key[0..n) ascending, stably, moving at[0..n) (NULL: none) along:
 * by radix, a byte at a time from the lowest, skipping the bytes all keys
 * share. A forecast over a million deals sorts millions of learnt times
 * and the simulated deals; qsort took a fifth of its time.
 */
static void radix_sort(unsigned long long *key, size_t *at, size_t n)
{
	unsigned long long *k = key, *tk = sfa_xcalloc(n ? n : 1, sizeof(*tk)), *swap;
	size_t *a = at, *ta = at ? sfa_xcalloc(n ? n : 1, sizeof(*ta)) : NULL, *swapa;

	for (int shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 }, sum = 0;
		for (size_t i = 0; i < n; i++)
			count[(k[i] >> shift) & 0xff]++;
		if (n && count[(k[0] >> shift) & 0xff] == n)
			continue;
		for (int d = 0; d < 256; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = count[(k[i] >> shift) & 0xff]++;
			tk[to] = k[i];
			if (a)
				ta[to] = a[i];
		}
		swap = k;
		k = tk;
		tk = swap;
		swapa = a;
		a = ta;
		ta = swapa;
	}
	if (k != key) {
		memcpy(key, k, n * sizeof(*key));
		if (at)
			memcpy(at, a, n * sizeof(*at));
	}
	free(k == key ? tk : k);
	free(a == at ? ta : a);
}

/* Sorts seconds v[0..n). */
static void sort_seconds(long long *v, size_t n)
{
	const unsigned long long flip = 1ULL << 63;	/* negative before positive, as unsigned */
	unsigned long long *u = (unsigned long long *)v;
	for (size_t i = 0; i < n; i++)
		u[i] ^= flip;
	radix_sort(u, NULL, n);
	for (size_t i = 0; i < n; i++)
		u[i] ^= flip;
}

static void learning_sort(struct learning *L)
{
	for (size_t i = 0; i < L->np; i++)
		for (size_t j = 0; j < L->ps->list[i].nstages; j++) {
			sort_seconds(L->by[i][j].won.v, L->by[i][j].won.n);
			sort_seconds(L->by[i][j].closed.v, L->by[i][j].closed.n);
		}
}

static void learning_free(struct learning *L)
{
	for (size_t i = 0; i < L->np; i++) {
		for (size_t j = 0; j < L->ps->list[i].nstages; j++) {
			free(L->by[i][j].won.v);
			free(L->by[i][j].closed.v);
		}
		free(L->by[i]);
	}
	free(L->by);
}

/*
 * An open deal as the simulation needs it, kept while the deals are read:
 * a quarter of the size of a deal. A forecast over a million deals keeps
 * hundreds of thousands of them, and going through whole deals again and
 * again was much of its time.
 */
struct open_deal {
	const char *currency;
	long long amount;
	time_t entered;
	int prob;
	unsigned stage;		/* numbered across the pipelines, see stage_numbers() */
	int in_period;		/* its close date is in the period */
};

/* A forecast being made: the sums by group, and the open deals for the simulation. */
struct forecast {
	struct ctx *c;
	struct groups *g;
	int runs;
	size_t *first;		/* see stage_numbers() */
	struct open_deal *open;
	size_t n, alloc;
	const char **keys;	/* open deal i's --by key: c->o->nby from keys[i * c->o->nby] */
	size_t akeys;
};

/* The stages of all pipelines numbered in one row: pipeline i's stage j is first[i] + j; first[np] of them. */
static size_t *stage_numbers(const struct sfa_pipelines *ps)
{
	size_t *first = sfa_xcalloc(ps->n + 1, sizeof(*first));
	for (size_t i = 0; i < ps->n; i++)
		first[i + 1] = first[i] + ps->list[i].nstages;
	return first;
}

/* The first of sorted t->v from `i` on that is not below `x` (or at most `x` when `le`). */
static size_t times_skip(const struct times *t, size_t i, long long x, int le)
{
	while (i < t->n && (t->v[i] < x || (le && t->v[i] == x)))
		i++;
	return i;
}

/*
 * The chance that each open deal of `f` is won within the period, into
 * chance[]: of the closed deals that had stayed in its stage longer than
 * it has, the share won at a time (from entering the stage) that falls in
 * the period. With no such history, its probability when its close date
 * is in the period.
 *
 * The three bounds of a deal (its age; the period's start and end, from
 * when it entered the stage) all grow the earlier it entered. Taken stage
 * by stage in order of entry, latest first, every count goes on from the
 * last instead of searching anew among millions of learnt times.
 */
static void win_chances(struct ctx *c, const struct learning *L, const struct forecast *f, double *chance)
{
	const unsigned long long flip = 1ULL << 63;
	size_t nstages = f->first[L->np], *start, *at, *by;
	unsigned long long *key;
	time_t *entered;

	memset(chance, 0, f->n * sizeof(*chance));
	if (c->to_t <= c->now)
		return;
	key = sfa_xcalloc(f->n + 1, sizeof(*key));
	at = sfa_xcalloc(f->n + 1, sizeof(*at));
	for (size_t i = 0; i < f->n; i++) {
		key[i] = ~((unsigned long long)f->open[i].entered ^ flip);	/* latest first */
		at[i] = i;
	}
	radix_sort(key, at, f->n);
	/* then by stage, keeping that order: a counting sort */
	start = sfa_xcalloc(nstages + 1, sizeof(*start));
	by = sfa_xcalloc(f->n + 1, sizeof(*by));
	entered = sfa_xcalloc(f->n + 1, sizeof(*entered));
	for (size_t j = 0; j < f->n; j++)
		start[f->open[at[j]].stage + 1]++;
	for (size_t g = 0; g < nstages; g++)
		start[g + 1] += start[g];
	for (size_t j = 0; j < f->n; j++) {
		size_t to = start[f->open[at[j]].stage]++;
		by[to] = at[j];
		entered[to] = (time_t)(~key[j] ^ flip);
	}
	/* start[g] is now where stage g + 1 begins */
	for (size_t i = 0, g = 0; i < L->np; i++)
		for (size_t j = 0; j < L->ps->list[i].nstages; j++, g++) {
			const struct learned *l = &L->by[i][j];
			size_t stayed = 0, won_lo = 0, won_hi = 0;
			for (size_t k = g ? start[g - 1] : 0; k < start[g]; k++) {
				long long age = c->now - entered[k], lo = c->from_t - entered[k], hi = c->to_t - entered[k];
				const struct open_deal *d = &f->open[by[k]];
				if (lo < age + 1)	/* still open at its age, as the closed counted are */
					lo = age + 1;
				stayed = times_skip(&l->closed, stayed, age, 1);
				if (stayed == l->closed.n) {
					chance[by[k]] = d->in_period ? d->prob / 100.0 : 0;
					continue;
				}
				won_lo = times_skip(&l->won, won_lo, lo, 0);
				won_hi = times_skip(&l->won, won_hi, hi, 0);
				chance[by[k]] = (double)(won_hi - won_lo) / (double)(l->closed.n - stayed);
			}
		}
	free(start);
	free(key);
	free(at);
	free(by);
	free(entered);
}

/* splitmix64: small, fast, and the same numbers on every machine for a seed */
static unsigned long long next_random(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double uniform(unsigned long long *state)
{
	return ((double)(next_random(state) >> 11) + 1.0) / 9007199254740992.0;
}

enum { F_WON, F_COMMIT, F_BEST, F_PIPE, F_N };

/*
 * Draws at most this many wins or losses one by one across all runs (a
 * fifth of a second on one processor); deals beyond it are drawn
 * together, see simulate().
 */
#define SIM_BUDGET 20000000.0

/* An open deal that may be won in the period, for the simulation. */
struct sim_deal {
	unsigned group;		/* index into the simulation's groups */
	unsigned rank;		/* that group's place in the groups' own order */
	long long amount;	/* in the group's currency */
	double p;		/* chance it is won in the period */
	double var;		/* amount² p (1 - p): its share of the spread */
};

static int cmp_sim_deal(const void *a, const void *b)
{
	const struct sim_deal *x = a, *y = b;
	if (x->var != y->var)
		return x->var < y->var ? 1 : -1;
	/* deals equal in all three are interchangeable: the runs do not depend on the order read */
	if (x->rank != y->rank)
		return (x->rank > y->rank) - (x->rank < y->rank);
	if (x->amount != y->amount)
		return (x->amount > y->amount) - (x->amount < y->amount);
	return (x->p > y->p) - (x->p < y->p);
}

/* Sorts as cmp_sim_deal does: by spread with radix_sort, then each run of equal spreads. */
static void sort_sim_deals(struct sim_deal *v, size_t n)
{
	unsigned long long *key = sfa_xcalloc(n ? n : 1, sizeof(*key));
	size_t *at = sfa_xcalloc(n ? n : 1, sizeof(*at));
	struct sim_deal *w = sfa_xcalloc(n ? n : 1, sizeof(*w));

	for (size_t i = 0; i < n; i++) {
		unsigned long long bits;
		memcpy(&bits, &v[i].var, sizeof(bits));
		key[i] = ~bits;	/* var >= 0: its bits grow with it; widest first */
		at[i] = i;
	}
	radix_sort(key, at, n);
	for (size_t i = 0; i < n; i++)
		w[i] = v[at[i]];
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && w[j].var == w[i].var; j++)
			;
		if (j - i > 1)
			qsort(w + i, j - i, sizeof(*w), cmp_sim_deal);
	}
	memcpy(v, w, n * sizeof(*v));
	free(key);
	free(at);
	free(w);
}

/* Adds `amount` to the runs picked with chance `p` each, by geometric skips: work ∝ p. */
static void draw_wins(long long *sims, int runs, double p, long long amount, unsigned long long *rng)
{
	double lq = log1p(-p);
	for (double k = floor(log(uniform(rng)) / lq); k < runs; k += 1 + floor(log(uniform(rng)) / lq))
		sims[(size_t)k] += amount;
}

/* How simulate() takes a deal: drawn one by one (its wins, or its losses when likely), or not. */
enum { SIM_NOT, SIM_WINS, SIM_LOSSES };

/* The runs [from, to) of a simulation: one of its halves, drawn by a thread with a generator of its own. */
struct sim_half {
	struct groups *sim;
	const struct sim_deal *v;	/* sorted */
	const unsigned char *how;	/* per deal */
	size_t n;
	const double *mean, *sd;	/* per group: of the deals drawn together */
	int from, to;
	unsigned long long rng;
};

static void *simulate_half(void *arg)
{
	struct sim_half *h = arg;
	int runs = h->to - h->from;

	for (size_t i = 0; i < h->n; i++)
		if (h->how[i] != SIM_NOT)
			draw_wins(h->sim->v[h->v[i].group].sims + h->from, runs,
				  h->how[i] == SIM_WINS ? h->v[i].p : 1 - h->v[i].p,
				  h->how[i] == SIM_WINS ? h->v[i].amount : -h->v[i].amount, &h->rng);
	for (size_t g = 0; g < h->sim->n; g++) {
		struct group *x = &h->sim->v[g];
		for (int k = h->from; x->sims && k < h->to; k++) {
			x->sims[k] += x->v[F_WON];
			if (h->sd[g] > 0 || h->mean[g] > 0) {
				/* Box-Muller; one normal per run keeps the runs independent of the order */
				double z = sqrt(-2 * log(uniform(&h->rng))) * cos(2 * M_PI * uniform(&h->rng));
				x->sims[k] += llround(h->mean[g] + h->sd[g] * z);
			}
		}
	}
	return NULL;
}

/*
 * Monte Carlo over the deals: in each run every deal is won or not with
 * its chance, independently, and each group's runs sum its wins. The
 * deals with the widest spread are drawn one by one (a likely deal by its
 * losses), until SIM_BUDGET draws; the many small deals left are drawn
 * together, their sum in each run taken from the normal distribution with
 * the same mean and variance (they are many and small, so the central
 * limit theorem holds). Small stores never reach the budget.
 *
 * The two halves of the runs are drawn at once, each from the generator
 * at a point of its own: `seed`, and 2^62 numbers on. The figures are the
 * same whether a second processor draws the second half or not.
 */
static void simulate(struct groups *sim, struct sim_deal *v, size_t n, int runs, unsigned long long seed)
{
	double *mean = sfa_xcalloc(sim->n + 1, sizeof(double)), *sd = sfa_xcalloc(sim->n + 1, sizeof(double));
	unsigned char *how = sfa_xcalloc(n + 1, 1);
	double cost = 0;
	/* splitmix64 steps its state by an odd constant ≡ 1 (mod 4): 2^62 steps on is the state + 2^62 */
	struct sim_half half[2] = { { sim, v, how, n, mean, sd, 0, runs / 2, seed },
				    { sim, v, how, n, mean, sd, runs / 2, runs, seed + (1ULL << 62) } };
	pthread_t thread;
	int threaded;

	sort_sim_deals(v, n);
	for (size_t i = 0; i < n; i++) {
		struct group *x = &sim->v[v[i].group];
		double p = v[i].p, q = 1 - p;
		if (!x->sims)
			x->sims = sfa_xcalloc((size_t)runs, sizeof(long long));
		if (p >= 1) {
			x->v[F_WON] += v[i].amount;	/* added to every run */
		} else if (cost + runs * fmin(p, q) <= SIM_BUDGET) {
			cost += runs * fmin(p, q);
			how[i] = p <= 0.5 ? SIM_WINS : SIM_LOSSES;
			if (p > 0.5)
				x->v[F_WON] += v[i].amount;
		} else {
			mean[v[i].group] += (double)v[i].amount * p;
			sd[v[i].group] += v[i].var;	/* the variance until the square root below */
		}
	}
	for (size_t g = 0; g < sim->n; g++)
		sd[g] = sqrt(sd[g]);
	threaded = pthread_create(&thread, NULL, simulate_half, &half[1]) == 0;
	simulate_half(&half[0]);
	if (threaded)
		pthread_join(thread, NULL);
	else
		simulate_half(&half[1]);
	for (size_t g = 0; g < sim->n; g++)
		sim->v[g].v[F_WON] = 0;
	free(mean);
	free(sd);
	free(how);
}

/* load_run's take for a forecast: a deal's sums by category; an open one kept for the simulation. */
static int forecast_take(void *arg, const struct deal *d)
{
	struct forecast *f = arg;
	struct ctx *c = f->c;
	size_t nby = c->o->nby;
	const char *key[MAX_KEY];
	int period;

	if (!d->st)
		return 0;
	by_key(c, d, d->close, key);
	if ((period = in_period(c, d->close))) {
		struct group *x = group_get(f->g, key, d->currency, 0);
		x->v[F_N]++;
		if (d->st->won)
			x->v[F_WON] += d->amount;
		else if (is_open(d)) {
			x->w += (__int128)d->amount * d->prob;
			x->v[d->st->category == SFA_CAT_COMMIT ? F_COMMIT :
			     d->st->category == SFA_CAT_BEST_CASE ? F_BEST :
			     d->st->category == SFA_CAT_PIPELINE ? F_PIPE : NACC - 1] += d->amount;
		}
	}
	if (f->runs <= 0 || !is_open(d))
		return 0;
	SFA_ALLOC_GROW(f->open, f->n + 1, f->alloc);
	f->open[f->n] = (struct open_deal){ d->currency, d->amount, d->entered, d->prob,
					    (unsigned)(f->first[pipeline_ix(c->ps, d->p)] + (size_t)d->stage_ix),
					    period };
	if (nby) {
		SFA_ALLOC_GROW(f->keys, (f->n + 1) * nby, f->akeys);
		memcpy(f->keys + f->n * nby, key, nby * sizeof(*key));
	}
	f->n++;
	return 0;
}

/*
 * The figures of forecast `f` once all deals are taken: with runs, the
 * simulated totals from what `L` learnt (sorted).
 */
static int forecast_finish(struct forecast *f, const struct learning *L)
{
	struct ctx *c = f->c;
	struct groups sim = { .nkey = c->o->nby }, *g = f->g;
	struct sim_deal *sv = NULL;
	size_t nsv = 0, asv = 0, nby = c->o->nby;
	const char *none[MAX_KEY] = { 0 }, *target = c->o->currency ? intern(&c->strs, c->o->currency) : NULL;
	double *chance = sfa_xmalloc((f->n + 1) * sizeof(*chance));	/* win_chances sets every one */
	int err = 0;

	if (f->runs > 0)
		win_chances(c, L, f, chance);
	for (size_t i = 0; i < f->n && !err; i++) {
		const struct open_deal *d = &f->open[i];
		struct group *x;
		double p = chance[i];
		long long amount = d->amount;
		if (p <= 0)
			continue;
		if (target && *d->currency && (err = convert(c, d->amount, d->currency, target, &amount)) < 0)
			break;
		x = group_get(&sim, nby ? f->keys + i * nby : none, target ? target : d->currency, 0);
		SFA_ALLOC_GROW(sv, nsv + 1, asv);
		sv[nsv++] = (struct sim_deal){ (unsigned)(x - sim.v), 0, amount, p,
					       (double)amount * (double)amount * p * (1 - p) };
	}
	if (!err && f->runs > 0) {
		/* groups are made in the order deals are read, which differs with the path read */
		unsigned *rank = group_ranks(&sim);
		for (size_t i = 0; i < nsv; i++)
			sv[i].rank = rank[sv[i].group];
		free(rank);
		simulate(&sim, sv, nsv, f->runs, c->o->seed);
	}
	free(sv);
	free(chance);
	if (!err)
		err = merge_currencies(c, g, (1u << F_WON) | (1u << F_COMMIT) | (1u << F_BEST) | (1u << F_PIPE), 1);
	/* every group gets its runs; groups with only simulated deals appear too */
	for (size_t i = 0; i < sim.n && !err; i++) {
		struct group *x = group_get(g, sim.v[i].key, sim.v[i].currency, 0);
		x->sims = sim.v[i].sims;
		sim.v[i].sims = NULL;
	}
	groups_free(&sim);
	return err;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* The simulated total at percentile `pct` (nearest rank), won so far included. */
static long long percentile(const struct group *x, int runs, int pct)
{
	size_t rank;
	if (!x->sims || runs <= 0)
		return x->v[F_WON];
	rank = (size_t)ceil(pct / 100.0 * runs);
	return x->v[F_WON] + x->sims[rank ? rank - 1 : 0];
}

/* A period's quota of one rep in `cur`; 0 with *have = 0 when none is set. */
static int rep_quota(struct ctx *c, const char *rep, const char *cur, long long *out, int *have)
{
	json_t *reps = c->quotas ? json_object_get(c->quotas, "reps") : NULL;
	json_t *q = reps && rep ? json_object_get(reps, rep) : NULL;
	const char *qcur = c->quotas ? json_string_value(json_object_get(c->quotas, "currency")) : NULL;
	const char *k;
	json_t *v;
	long long sum[3] = { 0 };
	int n[3] = { 0 };

	*out = 0;
	if (!q || !qcur)
		return 0;
	/* the period itself if it has a quota, else its months, else its quarters */
	json_object_foreach(q, k, v) {
		char f[11], t[11];
		struct sfa_money m;
		int kind = strchr(k, 'Q') || strchr(k, 'q') ? 2 : strlen(k) == 7 ? 1 : 0;
		if (sfa_period_parse(k, c->now, f, t) < 0 || sfa_money_parse(&m, json_string_value(v) ?: "", qcur) < 0)
			continue;
		if (!strcmp(f, c->from) && !strcmp(t, c->to))
			kind = 0;
		else if (strcmp(f, c->from) < 0 || strcmp(t, c->to) > 0)
			continue;
		else if (kind == 0)
			continue;
		sum[kind] += m.minor;
		n[kind]++;
	}
	for (int i = 0; i < 3; i++)
		if (n[i]) {
			*have = 1;
			return convert(c, sum[i], qcur, cur, out);
		}
	return 0;
}

/* The quota of a forecast row: by nothing (everyone), by rep, or by team (its reps). */
static int row_quota(struct ctx *c, const struct group *x, long long *out, int *have)
{
	json_t *reps = c->quotas ? json_object_get(c->quotas, "reps") : NULL;
	const char *rep;
	json_t *v;
	int err = 0;

	*out = 0;
	*have = 0;
	if (!reps || c->o->nby > 1 || (c->o->nby == 1 && strcmp(c->o->by[0], "rep") && strcmp(c->o->by[0], "team")))
		return 0;
	json_object_foreach(reps, rep, v) {
		long long q = 0;
		if (c->o->nby == 1 && !strcmp(c->o->by[0], "rep") && strcmp(rep, x->key[0]))
			continue;
		if (c->o->nby == 1 && !strcmp(c->o->by[0], "team") && team_of(c, rep) != x->key[0])
			continue;
		if ((err = rep_quota(c, rep, x->currency, &q, have)) < 0)
			return err;
		*out += q;
	}
	return 0;
}

/*
 * The forecast's groups as of commit `seq` (0: now) for the period set:
 * with `runs` simulations learnt from the closed deals as they are read.
 */
static int forecast_at(struct ctx *c, long long seq, int runs, struct groups *g)
{
	struct learning L = { 0 };
	struct forecast f = { .c = c, .g = g, .runs = runs, .first = stage_numbers(c->ps) };
	/* without a simulation only the deals closing in the period count */
	struct load l = { .c = c, .want = runs > 0 ? want_open_or_in_period : want_in_period,
			  .take = forecast_take, .arg = &f };
	int err;

	if (runs > 0) {
		learning_init(&L, c->ps);
		l.learn = &L;
	}
	if ((err = load_run(&l, seq)) == 0) {
		learning_sort(&L);
		err = forecast_finish(&f, &L);
	}
	learning_free(&L);
	free(f.first);
	free(f.open);
	free(f.keys);
	return err;
}

static int report_forecast(struct ctx *c)
{
	struct groups g = { .nkey = c->o->nby };
	int runs = (int)c->o->simulations, err;

	if ((err = forecast_at(c, c->seq, runs, &g)) < 0)
		goto done;
	groups_sort(&g, c->o->nby);
	by_columns(c);
	column(c, "currency");
	column(c, "won");
	column(c, "commit");
	column(c, "best_case");
	column(c, "pipeline");
	column(c, "weighted");
	if (runs > 0) {
		column(c, "p10");
		column(c, "p50");
		column(c, "p90");
	}
	column(c, "quota");
	column(c, "attainment");
	for (size_t i = 0; i < g.n; i++) {
		struct group *x = &g.v[i];
		json_t *row = row_start(c, x);
		long long quota;
		int have;
		if ((err = row_quota(c, x, &quota, &have)) < 0) {
			json_decref(row);
			goto done;
		}
		json_object_set_new(row, "currency", json_string(x->currency));
		json_object_set_new(row, "won", money_json(x->v[F_WON], x->currency));
		json_object_set_new(row, "commit", money_json(x->v[F_COMMIT], x->currency));
		json_object_set_new(row, "best_case", money_json(x->v[F_BEST], x->currency));
		json_object_set_new(row, "pipeline", money_json(x->v[F_PIPE], x->currency));
		json_object_set_new(row, "weighted", money_json(div_half_even(x->w, 100), x->currency));
		if (runs > 0) {
			if (x->sims)
				qsort(x->sims, (size_t)runs, sizeof(long long), cmp_ll);
			json_object_set_new(row, "p10", money_json(percentile(x, runs, 10), x->currency));
			json_object_set_new(row, "p50", money_json(percentile(x, runs, 50), x->currency));
			json_object_set_new(row, "p90", money_json(percentile(x, runs, 90), x->currency));
		}
		json_object_set_new(row, "quota", have ? money_json(quota, x->currency) : json_null());
		json_object_set_new(row, "attainment",
				    one_decimal(100.0 * (double)x->v[F_WON] / (double)quota, have && quota > 0));
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_STACKED, "currency", "won,commit,best_case", "won");
	c->r->chart_target = "quota";
done:
	groups_free(&g);
	return err;
}

/* --- accuracy ----------------------------------------------------------------- */

/* The commit number as of `t`; 0 with *none = 1 when the store did not exist yet. */
static int seq_at(struct ctx *c, time_t t, long long *seq)
{
	int err = sfa_index_seq_at(sfa_store_index(c->s), (long long)t, seq);
	if (err == SFA_ENOTFOUND)
		*seq = 0;
	return err == SFA_ENOTFOUND ? 1 : err;
}

static int report_accuracy(struct ctx *c)
{
	static const char *const methods[] = { "weighted", "commit", "statistical" };
	int periods = c->o->periods > 0 ? c->o->periods : 4, runs = c->o->simulations > 0 ? (int)c->o->simulations : 0;
	time_t now = c->now;
	struct deals actual = { 0 };
	char first[11];
	int err;

	by_columns(c);
	column(c, "period");
	column(c, "currency");
	column(c, "method");
	column(c, "forecast");
	column(c, "actual");
	column(c, "error");
	column(c, "error_pct");
	if ((err = load_deals(c, c->seq, 0, &actual)) < 0)
		return err;
	/* the last complete quarters, oldest first */
	if ((err = sfa_period_parse("last-quarter", now, first, c->to)) < 0)
		goto done;
	for (int k = periods - 1; k >= 0 && !err; k--) {
		struct groups g = { .nkey = c->o->nby }, act = { .nkey = c->o->nby };
		const char *key[MAX_KEY];
		char name[16];
		long long seq;
		time_t start;
		int y, m, none;

		sscanf(first, "%4d-%2d", &y, &m);
		m -= 3 * k;
		while (m < 1) {
			m += 12;
			y--;
		}
		snprintf(name, sizeof(name), "%04d-Q%d", y, (m - 1) / 3 + 1);
		c->now = now;
		if ((err = set_period(c, name, NULL)) < 0)
			goto next;
		start = c->from_t;
		/* what closed: won deals dated in the period, as the store says now */
		for (size_t i = 0; i < actual.n; i++) {
			const struct deal *d = &actual.v[i];
			struct group *x;
			if (!d->st || !d->st->won || !in_period(c, d->close))
				continue;
			by_key(c, d, d->close, key);
			x = group_get(&act, key, d->currency, 0);
			x->v[F_WON] += d->amount;
		}
		if ((err = merge_currencies(c, &act, 1u << F_WON, 0)) < 0)
			goto next;
		/* what the forecast said when the period began */
		if ((none = seq_at(c, start, &seq)) < 0) {
			err = none;
			goto next;
		}
		c->now = start;
		if (!none && (err = forecast_at(c, seq, runs, &g)) < 0)
			goto next;
		for (size_t i = 0; i < act.n; i++)	/* periods where something closed unforecast */
			group_get(&g, act.v[i].key, act.v[i].currency, 0);
		groups_sort(&g, c->o->nby);
		for (size_t i = 0; i < g.n; i++) {
			struct group *x = &g.v[i], *a = group_get(&act, x->key, x->currency, 0);
			long long said[3];
			if (x->sims)
				qsort(x->sims, (size_t)runs, sizeof(long long), cmp_ll);
			said[0] = x->v[F_WON] + div_half_even(x->w, 100);
			said[1] = x->v[F_WON] + x->v[F_COMMIT];
			said[2] = percentile(x, runs, 50);
			for (int mth = 0; mth < (runs > 0 ? 3 : 2); mth++) {
				json_t *row = row_start(c, x);
				long long e = said[mth] - a->v[F_WON];
				json_object_set_new(row, "period", json_string(name));
				json_object_set_new(row, "currency", json_string(x->currency));
				json_object_set_new(row, "method", json_string(methods[mth]));
				json_object_set_new(row, "forecast", none ? json_null() : money_json(said[mth], x->currency));
				json_object_set_new(row, "actual", money_json(a->v[F_WON], x->currency));
				json_object_set_new(row, "error", none ? json_null() : money_json(e, x->currency));
				json_object_set_new(row, "error_pct",
						    one_decimal(100.0 * (double)e / (double)a->v[F_WON], !none && a->v[F_WON]));
				json_array_append_new(c->r->rows, row);
			}
		}
next:
		groups_free(&g);
		groups_free(&act);
	}
	c->now = now;
	chart(c, SFA_CHART_BARS, "period,method", "forecast,actual", "error_pct");
done:
	deals_free(&actual);
	return err;
}

/* --- changes ------------------------------------------------------------------ */

enum { C_START, C_NEW, C_PULLED, C_REOPENED, C_UP, C_DOWN, C_PUSHED, C_WON, C_LOST, C_DELETED, C_END, C_KINDS };
static const char *const change_names[] = {
	"start", "new", "pulled_in", "reopened", "increased", "decreased", "pushed_out", "won", "lost", "deleted", "end"
};

static int cmp_deal_id(const void *a, const void *b)
{
	return strcmp(((const struct deal *)a)->id, ((const struct deal *)b)->id);
}

/* Resolves --from/--to/--as-of: a date, date-time or commit, to a commit number and its time. */
static int point_in_time(struct ctx *c, const char *spec, const char *opt, long long *seq, time_t *when)
{
	struct sfa_index *ix = sfa_store_index(c->s);
	git_object *obj = NULL;
	git_oid oid;
	long long t;
	time_t at;
	int err;

	if (sfa_when_parse(&at, spec, c->now) == 0 && (strchr(spec, '-') || strspn(spec, "0123456789") != strlen(spec))) {
		/* a date means the end of that day; a date-time that moment */
		if (strlen(spec) == 10)
			at += 86400 - 1;
		if ((err = sfa_index_seq_at(ix, (long long)at, seq)) == SFA_ENOTFOUND)
			return sfa_error_set(SFA_EUSAGE, "%s: %s is before the store's first commit", opt, spec);
		*when = at;
		return err;
	}
	if (git_revparse_single(&obj, sfa_store_repo(c->s), spec) < 0)
		return sfa_error_set(SFA_EUSAGE, "%s: '%s' is neither a date nor a commit", opt, spec);
	oid = *git_object_id(obj);
	git_object_free(obj);
	if ((err = sfa_index_seq_of(ix, &oid, seq)) == SFA_ENOTFOUND)
		return sfa_error_set(SFA_EUSAGE, "%s: commit '%s' is not on the store's branch", opt, spec);
	if (err < 0 || (err = sfa_index_seq_commit(ix, *seq, NULL, &t)) < 0)
		return err;
	*when = (time_t)t;
	return 0;
}

static int report_changes(struct ctx *c)
{
	struct deals a = { 0 }, b = { 0 };
	struct groups g = { .nkey = c->o->nby + 1 };
	const char *key[MAX_KEY];
	long long sa, sb;
	time_t ta, tb;
	char def[32];
	int err;

	if (c->o->to) {
		if ((err = point_in_time(c, c->o->to, "--to", &sb, &tb)) < 0)
			return err;
	} else {
		sb = c->seq;
		tb = c->now;
	}
	if (c->o->from) {
		if ((err = point_in_time(c, c->o->from, "--from", &sa, &ta)) < 0)
			return err;
	} else {
		/* a week back, or since the store began when it is younger */
		long long t0;
		ta = tb - 7 * 86400;
		if ((err = sfa_index_seq_at(sfa_store_index(c->s), (long long)ta, &sa)) == SFA_ENOTFOUND) {
			sa = 1;
			if ((err = sfa_index_seq_commit(sfa_store_index(c->s), sa, NULL, &t0)) < 0)
				return err;
			ta = (time_t)t0;
		} else if (err < 0) {
			return err;
		}
	}
	if (ta > tb)
		return sfa_error_set(SFA_EUSAGE, "--from is after --to");
	c->now = tb;
	if ((err = set_period(c, c->o->period, "this-quarter")) < 0)
		return err;
	sfa_buf_addf(&c->r->meta, "%sfrom ", c->r->meta.len ? " · " : "");
	sfa_time_iso(def, ta);
	sfa_buf_addf(&c->r->meta, "%s to ", def);
	sfa_time_iso(def, tb);
	sfa_buf_addstr(&c->r->meta, def);
	if ((err = load_deals(c, sa, NEED(F_ID), &a)) < 0 || (err = load_deals(c, sb, NEED(F_ID), &b)) < 0)
		goto done;
	if (a.n)
		qsort(a.v, a.n, sizeof(*a.v), cmp_deal_id);
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), cmp_deal_id);
	/* a merge of the two sorted lists: each deal as it was and as it is */
	for (size_t i = 0, j = 0; i < a.n || j < b.n;) {
		int cmp = i >= a.n ? 1 : j >= b.n ? -1 : strcmp(a.v[i].id, b.v[j].id);
		const struct deal *x = cmp <= 0 ? &a.v[i] : NULL, *y = cmp >= 0 ? &b.v[j] : NULL;
		int in_a = x && is_open(x) && in_period(c, x->close);
		int in_b = y && is_open(y) && in_period(c, y->close);
		struct group *gx;
		int kind = -1;
		long long amount = 0;

		i += cmp <= 0;
		j += cmp >= 0;
		if (in_a) {
			by_key(c, x, x->close, key);
			key[c->o->nby] = intern(&c->strs, change_names[C_START]);
			gx = group_get(&g, key, x->currency, C_START);
			gx->v[0]++;
			gx->v[1] += x->amount;
		}
		if (in_b) {
			by_key(c, y, y->close, key);
			key[c->o->nby] = intern(&c->strs, change_names[C_END]);
			gx = group_get(&g, key, y->currency, C_END);
			gx->v[0]++;
			gx->v[1] += y->amount;
		}
		if (in_a && in_b) {
			if (y->currency != x->currency) {	/* a change of currency: out in one, in in the other */
				kind = C_DOWN;
				amount = -x->amount;
			} else if (y->amount != x->amount) {
				kind = y->amount > x->amount ? C_UP : C_DOWN;
				amount = y->amount - x->amount;
			}
		} else if (in_a) {
			kind = !y ? C_DELETED : y->st && y->st->won ? C_WON : y->st && y->st->lost ? C_LOST : C_PUSHED;
			amount = -x->amount;
		} else if (in_b) {
			kind = !x ? C_NEW : !is_open(x) ? C_REOPENED : C_PULLED;
			amount = y->amount;
		}
		if (kind < 0)
			continue;
		by_key(c, y ? y : x, (y ? y : x)->close, key);
		key[c->o->nby] = intern(&c->strs, change_names[kind]);
		gx = group_get(&g, key, kind == C_DOWN && in_a && in_b && y->currency != x->currency ? x->currency :
				       (y && in_b ? y : x)->currency, kind);
		gx->v[0]++;
		gx->v[1] += amount;
		if (kind == C_DOWN && in_a && in_b && y->currency != x->currency) {
			key[c->o->nby] = intern(&c->strs, change_names[C_UP]);
			gx = group_get(&g, key, y->currency, C_UP);
			gx->v[0]++;
			gx->v[1] += y->amount;
		}
	}
	/* a bridge always has both ends, even when nothing was there at one of them */
	for (size_t i = 0, n = g.n; i < n; i++) {
		memcpy(key, g.v[i].key, c->o->nby * sizeof(*key));
		key[c->o->nby] = intern(&c->strs, change_names[C_START]);
		group_get(&g, key, g.v[i].currency, C_START);
		key[c->o->nby] = intern(&c->strs, change_names[C_END]);
		group_get(&g, key, g.v[i].currency, C_END);
	}
	if ((err = merge_currencies(c, &g, 1u << 1, 0)) < 0)
		goto done;
	groups_sort(&g, c->o->nby);
	by_columns(c);
	column(c, "change");
	column(c, "currency");
	column(c, "deals");
	column(c, "amount");
	for (size_t i = 0; i < g.n; i++) {
		struct group *x = &g.v[i];
		json_t *row = row_start(c, x);
		json_object_set_new(row, "change", json_string(x->key[c->o->nby]));
		json_object_set_new(row, "currency", json_string(x->currency));
		json_object_set_new(row, "deals", json_integer(x->v[0]));
		json_object_set_new(row, "amount", money_json(x->v[1], x->currency));
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_WATERFALL, "change", "amount", "amount");
done:
	groups_free(&g);
	deals_free(&a);
	deals_free(&b);
	return err;
}

/* --- win/loss ------------------------------------------------------------------ */

enum { W_WON, W_LOST, W_WON_AMOUNT, W_LOST_AMOUNT };

/* The stage a lost deal was lost from: the "from" of its last move. */
static const char *lost_at(struct ctx *c, const struct deal *d)
{
	if (d->st && d->st->won)
		return intern(&c->strs, "(won)");
	return d->nsteps && d->steps[d->nsteps - 1].from ? d->steps[d->nsteps - 1].from : c->none;
}

static int want_closed_in_period(struct ctx *c, const struct deal *d)
{
	return d->st && (d->st->won || d->st->lost) && in_period(c, d->close);
}

/* Win/loss's take: each deal closed in the period into its row. */
static int winloss_take(void *arg, const struct deal *d)
{
	struct sums *ws = arg;
	struct ctx *c = ws->c;
	const char *key[MAX_KEY];
	struct group *x;

	by_key(c, d, d->close, key);
	for (size_t k = 0; k < c->o->nby; k++)
		if (!strcmp(c->o->by[k], "lost-at"))
			key[k] = lost_at(c, d);
	x = group_get(&ws->g, key, d->currency, 0);
	x->v[d->st->won ? W_WON : W_LOST]++;
	x->v[d->st->won ? W_WON_AMOUNT : W_LOST_AMOUNT] += d->amount;
	return 0;
}

static int report_winloss(struct ctx *c)
{
	struct sums ws = { c, { .nkey = c->o->nby } };
	struct groups *g = &ws.g;
	struct load l = { .c = c, .want = want_closed_in_period, .take = winloss_take, .arg = &ws };
	int err;

	for (size_t i = 0; i < c->o->nby; i++)
		if (!strcmp(c->o->by[i], "lost-at"))
			l.history = HISTORY_CLOSED;
	if ((err = load_run(&l, c->seq)) < 0)
		goto done;
	if ((err = merge_currencies(c, g, (1u << W_WON_AMOUNT) | (1u << W_LOST_AMOUNT), 0)) < 0)
		goto done;
	groups_sort(g, c->o->nby);
	by_columns(c);
	column(c, "currency");
	column(c, "won");
	column(c, "lost");
	column(c, "win_rate");
	column(c, "won_amount");
	column(c, "lost_amount");
	for (size_t i = 0; i < g->n; i++) {
		struct group *x = &g->v[i];
		json_t *row = row_start(c, x);
		long long n = x->v[W_WON] + x->v[W_LOST];
		json_object_set_new(row, "currency", json_string(x->currency));
		json_object_set_new(row, "won", json_integer(x->v[W_WON]));
		json_object_set_new(row, "lost", json_integer(x->v[W_LOST]));
		json_object_set_new(row, "win_rate", one_decimal(100.0 * (double)x->v[W_WON] / (double)n, n > 0));
		json_object_set_new(row, "won_amount", money_json(x->v[W_WON_AMOUNT], x->currency));
		json_object_set_new(row, "lost_amount", money_json(x->v[W_LOST_AMOUNT], x->currency));
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_BARS, "currency", "won,lost", "win_rate");
done:
	groups_free(g);
	return err;
}

/* --- activity, sources, leads: rows of another type -------------------------------- */

/* The --by key of a lead or activity row: `f` holds owner, source, territory, type, created_at. */
static const char *plain_key(struct ctx *c, const char *k, const char *owner, const char *source,
			     const char *territory, const char *type, const char *date)
{
	const char *v = NULL;
	if (!strcmp(k, "rep"))
		v = owner;
	else if (!strcmp(k, "team"))
		return team_of(c, owner);
	else if (!strcmp(k, "source"))
		v = source;
	else if (!strcmp(k, "territory"))
		v = territory;
	else if (!strcmp(k, "type"))
		v = type;
	else if (!strcmp(k, "month") || !strcmp(k, "quarter"))
		return month_of(c, date, k[0] == 'q');
	return v ? intern(&c->strs, v) : c->none;
}

struct rows_of {
	struct ctx *c;
	struct groups *g;
	struct groups *aux;
	int report;
};

enum { A_N, A_CALL, A_MEETING, A_EMAIL, A_TASK, A_NOTE, A_DONE, A_OVERDUE, A_DEALS, A_NO_NEXT };
static const char *const activity_types[] = { "call", "meeting", "email", "task", "note" };

/* activity fields: owner, type, created_at, done, done_at, due_at, related_to */
static int take_activity(const char *const *f, void *data)
{
	struct rows_of *r = data;
	struct ctx *c = r->c;
	const char *key[MAX_KEY];
	struct group *x;
	int done = f[3] && !strcmp(f[3], "1");
	time_t due;

	for (size_t i = 0; i < c->o->nby; i++)
		key[i] = plain_key(c, c->o->by[i], f[0], NULL, NULL, f[1], f[2]);
	x = group_get(r->g, key, c->none, 0);
	if (f[2] && in_period(c, f[2])) {
		x->v[A_N]++;
		for (int t = 0; t < 5; t++)
			if (f[1] && !strcmp(f[1], activity_types[t]))
				x->v[A_CALL + t]++;
	}
	if (done && f[4] && in_period(c, f[4]))
		x->v[A_DONE]++;
	if (!done && f[5] && sfa_time_parse(&due, f[5]) == 0 && due < c->now)
		x->v[A_OVERDUE]++;
	if (!done && f[5] && f[6] && sfa_time_parse(&due, f[5]) == 0 && due >= c->now) {	/* a next step */
		const char *k[1] = { intern(&c->strs, f[6]) };
		group_get(r->aux, k, c->none, 0)->v[0]++;
	}
	return 0;
}

static int report_activity(struct ctx *c)
{
	static const char *const fields[] = { "owner", "type", "created_at", "done", "done_at", "due_at", "related_to",
					      NULL };
	struct groups g = { .nkey = c->o->nby }, planned = { .nkey = 1 };
	struct rows_of r = { c, &g, &planned, 0 };
	struct sfa_query q = query_of(c, sfa_type_find("activity"), c->seq);
	int per_rep = c->o->nby == 1 && !strcmp(c->o->by[0], "rep");
	struct deals ds = { 0 };
	long n;
	int err = 0;

	if ((n = sfa_index_rows(sfa_store_index(c->s), &q, fields, take_activity, &r)) < 0)
		return (int)n;
	if (per_rep) {	/* open deals of each rep, and those with no open activity ahead */
		err = load_deals(c, c->seq, NEED(F_ID) | NEED(F_OWNER), &ds);
		for (size_t i = 0; i < ds.n && !err; i++) {
			const struct deal *d = &ds.v[i];
			const char *key[1] = { d->owner ? d->owner : c->none };
			const char *k[1] = { d->id };
			struct group *x;
			if (!is_open(d))
				continue;
			x = group_get(&g, key, c->none, 0);
			x->v[A_DEALS]++;
			if (!planned.n || !group_get(&planned, k, c->none, 0)->v[0])
				x->v[A_NO_NEXT]++;
		}
	}
	if (err < 0)
		goto done;
	groups_sort(&g, c->o->nby);
	by_columns(c);
	column(c, "activities");
	for (int t = 0; t < 5; t++) {
		char name[16];
		snprintf(name, sizeof(name), "%ss", activity_types[t]);
		column(c, name);
	}
	column(c, "done");
	column(c, "overdue");
	if (per_rep) {
		column(c, "open_deals");
		column(c, "no_next_step");
	}
	for (size_t i = 0; i < g.n; i++) {
		struct group *x = &g.v[i];
		json_t *row = row_start(c, x);
		json_object_set_new(row, "activities", json_integer(x->v[A_N]));
		for (int t = 0; t < 5; t++) {
			char name[16];
			snprintf(name, sizeof(name), "%ss", activity_types[t]);
			json_object_set_new(row, name, json_integer(x->v[A_CALL + t]));
		}
		json_object_set_new(row, "done", json_integer(x->v[A_DONE]));
		json_object_set_new(row, "overdue", json_integer(x->v[A_OVERDUE]));
		if (per_rep) {
			json_object_set_new(row, "open_deals", json_integer(x->v[A_DEALS]));
			json_object_set_new(row, "no_next_step", json_integer(x->v[A_NO_NEXT]));
		}
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_BARS, "", "calls,meetings,emails,tasks,notes", "activities");
done:
	groups_free(&g);
	groups_free(&planned);
	deals_free(&ds);
	return err;
}

enum { L_N, L_NEW, L_WORKING, L_QUALIFIED, L_DISQUALIFIED, L_CONVERTED, L_SCORED, L_SCORE, L_A, L_B, L_C, L_D };
static const char *const lead_status[] = { "new", "working", "qualified", "disqualified", "converted" };

/* lead fields: owner, source, territory, created_at, status, score, grade */
static int take_lead(const char *const *f, void *data)
{
	struct rows_of *r = data;
	struct ctx *c = r->c;
	const char *key[MAX_KEY];
	struct group *x;

	if (r->report == 's' || c->o->period) {	/* sources always, leads when asked: created in the period */
		if (!f[3] || !in_period(c, f[3]))
			return 0;
	}
	for (size_t i = 0; i < c->o->nby; i++)
		key[i] = plain_key(c, c->o->by[i], f[0], f[1], f[2], NULL, f[3]);
	x = group_get(r->g, key, c->none, 0);
	x->v[L_N]++;
	for (int s = 0; s < 5; s++)
		if (f[4] && !strcmp(f[4], lead_status[s]))
			x->v[L_NEW + s]++;
	if (f[5]) {
		x->v[L_SCORED]++;
		x->v[L_SCORE] += atoll(f[5]);
	}
	if (f[6] && f[6][0] >= 'A' && f[6][0] <= 'D' && !f[6][1])
		x->v[L_A + (f[6][0] - 'A')]++;
	if (f[4] && !strcmp(f[4], "new") && f[3]) {
		time_t t;
		if (sfa_time_parse(&t, f[3]) == 0)
			sample(x, (double)(c->now - t) / 86400);
	}
	return 0;
}

static int report_leads(struct ctx *c)
{
	static const char *const fields[] = { "owner", "source", "territory", "created_at", "status", "score", "grade",
					      NULL };
	struct groups g = { .nkey = c->o->nby };
	struct rows_of r = { c, &g, NULL, 'l' };
	struct sfa_query q = query_of(c, sfa_type_find("lead"), c->seq);
	long n = sfa_index_rows(sfa_store_index(c->s), &q, fields, take_lead, &r);

	if (n < 0)
		return (int)n;
	groups_sort(&g, c->o->nby);
	by_columns(c);
	column(c, "leads");
	for (int s = 0; s < 5; s++)
		column(c, lead_status[s]);
	column(c, "avg_score");
	column(c, "grade_a");
	column(c, "grade_b");
	column(c, "grade_c");
	column(c, "grade_d");
	column(c, "unworked_median_days");
	column(c, "unworked_oldest_days");
	for (size_t i = 0; i < g.n; i++) {
		struct group *x = &g.v[i];
		json_t *row = row_start(c, x);
		double oldest = NAN;
		json_object_set_new(row, "leads", json_integer(x->v[L_N]));
		for (int s = 0; s < 5; s++)
			json_object_set_new(row, lead_status[s], json_integer(x->v[L_NEW + s]));
		json_object_set_new(row, "avg_score",
				    one_decimal((double)x->v[L_SCORE] / (double)x->v[L_SCORED], x->v[L_SCORED] > 0));
		json_object_set_new(row, "grade_a", json_integer(x->v[L_A]));
		json_object_set_new(row, "grade_b", json_integer(x->v[L_B]));
		json_object_set_new(row, "grade_c", json_integer(x->v[L_C]));
		json_object_set_new(row, "grade_d", json_integer(x->v[L_D]));
		json_object_set_new(row, "unworked_median_days", one_decimal(median(x), x->nsamples > 0));
		if (x->nsamples)
			oldest = x->samples[x->nsamples - 1];	/* sorted by median() */
		json_object_set_new(row, "unworked_oldest_days", one_decimal(oldest, x->nsamples > 0));
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_STACKED, "", "new,working,qualified", "leads");
	groups_free(&g);
	return 0;
}

enum { S_LEADS, S_QUALIFIED, S_CONVERTED, S_DEALS, S_WON, S_WON_AMOUNT };

static int report_sources(struct ctx *c)
{
	static const char *const fields[] = { "owner", "source", "territory", "created_at", "status", "score", "grade",
					      NULL };
	struct groups leads = { .nkey = c->o->nby }, g = { .nkey = c->o->nby };
	struct rows_of r = { c, &leads, NULL, 's' };
	struct sfa_query q = query_of(c, sfa_type_find("lead"), c->seq);
	struct deals ds = { 0 };
	const char *key[MAX_KEY];
	long n = sfa_index_rows(sfa_store_index(c->s), &q, fields, take_lead, &r);
	int err = n < 0 ? (int)n : 0;

	if (!err)
		err = load_deals(c, c->seq, 0, &ds);
	for (size_t i = 0; i < ds.n && !err; i++) {	/* deals created in the period, by their source */
		const struct deal *d = &ds.v[i];
		char date[21];
		struct group *x;
		sfa_time_iso(date, d->created);
		if (!d->created || !in_period(c, date))
			continue;
		for (size_t k = 0; k < c->o->nby; k++)
			key[k] = plain_key(c, c->o->by[k], d->owner, d->source, d->territory, NULL, date);
		x = group_get(&g, key, d->currency, 0);
		x->v[S_DEALS]++;
		if (d->st && d->st->won) {
			x->v[S_WON]++;
			x->v[S_WON_AMOUNT] += d->amount;
		}
	}
	if (!err)
		err = merge_currencies(c, &g, 1u << S_WON_AMOUNT, 0);
	for (size_t i = 0; i < leads.n && !err; i++) {	/* every source with leads has a row */
		size_t k;
		for (k = 0; k < g.n; k++)
			if (!memcmp(g.v[k].key, leads.v[i].key, c->o->nby * sizeof(char *)))
				break;
		if (k == g.n)
			group_get(&g, leads.v[i].key, c->o->currency ? intern(&c->strs, c->o->currency) : c->none, 0);
	}
	if (err < 0)
		goto done;
	groups_sort(&g, c->o->nby);
	by_columns(c);
	column(c, "leads");
	column(c, "qualified");
	column(c, "converted");
	column(c, "qualified_pct");
	column(c, "converted_pct");
	column(c, "currency");
	column(c, "deals");
	column(c, "won");
	column(c, "won_amount");
	for (size_t i = 0; i < g.n; i++) {
		struct group *x = &g.v[i], *l = NULL;
		json_t *row = row_start(c, x);
		long long nl = 0, nq = 0, nc = 0;
		for (size_t k = 0; k < leads.n; k++)
			if (!memcmp(leads.v[k].key, x->key, c->o->nby * sizeof(char *)))
				l = &leads.v[k];
		if (l) {
			nl = l->v[L_N];
			nq = l->v[L_QUALIFIED] + l->v[L_CONVERTED];
			nc = l->v[L_CONVERTED];
		}
		json_object_set_new(row, "leads", json_integer(nl));
		json_object_set_new(row, "qualified", json_integer(nq));
		json_object_set_new(row, "converted", json_integer(nc));
		json_object_set_new(row, "qualified_pct", one_decimal(100.0 * (double)nq / (double)nl, nl > 0));
		json_object_set_new(row, "converted_pct", one_decimal(100.0 * (double)nc / (double)nl, nl > 0));
		json_object_set_new(row, "currency", json_string(x->currency));
		json_object_set_new(row, "deals", json_integer(x->v[S_DEALS]));
		json_object_set_new(row, "won", json_integer(x->v[S_WON]));
		json_object_set_new(row, "won_amount", *x->currency ? money_json(x->v[S_WON_AMOUNT], x->currency) :
				    json_null());
		json_array_append_new(c->r->rows, row);
	}
	chart(c, SFA_CHART_BARS, "", "leads,qualified,converted", "leads");
done:
	groups_free(&g);
	groups_free(&leads);
	deals_free(&ds);
	return err;
}

/* --- running a report ------------------------------------------------------------ */

static int read_config(struct ctx *c, const char *file, json_t **out)
{
	int err = sfa_config_read(c->s, file, out, NULL);
	if (err == SFA_ENOTFOUND) {
		*out = NULL;
		return 0;
	}
	return err;
}

static const char *default_period(const char *name)
{
	static const char *const v[][2] = {
		{ "funnel", "this-year" }, { "forecast", "this-quarter" }, { "winloss", "this-year" },
		{ "activity", "this-month" }, { "sources", "this-year" }, { "changes", "this-quarter" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(name, v[i][0]))
			return v[i][1];
	return NULL;
}

int sfa_report_run(struct sfa_store *s, const struct sfa_report_opts *o, struct sfa_report **out)
{
	struct ctx c = { .s = s, .o = o };
	struct sfa_report_opts opts = *o;
	struct sfa_report *r;
	char when[21];
	int err = 0;

	*out = NULL;
	if (!sfa_report_type(o->name))
		return sfa_error_set(SFA_EUSAGE, "no report '%s' (pipeline, funnel, forecast, accuracy, changes, winloss,"
				     " activity, sources, leads)", o->name ? o->name : "");
	for (size_t i = 0; i < o->nby; i++)
		if (!by_allowed(o->name, o->by[i]))
			return sfa_error_set(SFA_EUSAGE, "--by: the %s report has no key '%s' (rep, team, territory, source,"
					     "%s month, quarter%s)", o->name, o->by[i],
					     !strcmp(o->name, "leads") || !strcmp(o->name, "sources") ||
					     !strcmp(o->name, "activity") ? "" : " pipeline, product-family,",
					     !strcmp(o->name, "winloss") ? ", reason, competitor, lost-at, stage" :
					     !strcmp(o->name, "activity") ? ", type" : "");
	if (!o->nby && (!strcmp(o->name, "activity") || !strcmp(o->name, "leads"))) {
		opts.by[0] = "rep";
		opts.nby = 1;
	} else if (!o->nby && !strcmp(o->name, "sources")) {
		opts.by[0] = "source";
		opts.nby = 1;
	}
	c.o = &opts;
	if (o->currency && !sfa_money_currency_known(o->currency))
		return sfa_error_set(SFA_EUSAGE, "--currency: '%s' is not an ISO 4217 currency code", o->currency);
	c.now = sfa_now();
	r = sfa_xcalloc(1, sizeof(*r));
	sfa_buf_init(&r->meta, 0);
	r->columns = json_array();
	r->rows = json_array();
	r->chart_cat = json_array();
	r->chart_values = json_array();
	c.r = r;
	c.none = intern(&c.strs, "");
	if (o->as_of) {
		git_oid commit;
		char hex[9];
		if ((err = point_in_time(&c, o->as_of, "--as-of", &c.seq, &c.now)) < 0 ||
		    (err = sfa_index_seq_commit(sfa_store_index(s), c.seq, &commit, NULL)) < 0)
			goto done;
		git_oid_tostr(hex, sizeof(hex), &commit);
		sfa_time_iso(when, c.now);
		sfa_buf_addf(&r->meta, "as of %s (commit %s)", when, hex);
		sfa_store_view(s, &commit);	/* the configuration as it was then too */
	} else {
		sfa_time_iso(when, c.now);
		sfa_buf_addf(&r->meta, "as of %s", when);
	}
	if ((err = sfa_store_pipelines(s, &c.ps)) < 0 || (err = read_config(&c, "config/users.json", &c.users)) < 0 ||
	    (err = read_config(&c, "config/rates.json", &c.rates)) < 0 ||
	    (err = read_config(&c, "config/quotas.json", &c.quotas)) < 0)
		goto done;
	if (strcmp(o->name, "changes") && strcmp(o->name, "accuracy") &&
	    (o->period || (default_period(o->name) && (strcmp(o->name, "leads") || o->period)))) {
		if ((err = set_period(&c, o->period, default_period(o->name))) < 0)
			goto done;
		sfa_buf_addf(&r->meta, " · %s to %s", c.from, c.to);
	} else if (!strcmp(o->name, "leads") && o->period) {
		if ((err = set_period(&c, o->period, NULL)) < 0)
			goto done;
	}
	if (o->currency)
		sfa_buf_addf(&r->meta, " · in %s", o->currency);
	{
		struct sfa_buf t = SFA_BUF_INIT;
		static const char *const titles[][2] = {
			{ "pipeline", "Pipeline by stage" }, { "funnel", "Stage funnel" }, { "forecast", "Forecast" },
			{ "accuracy", "Forecast accuracy" }, { "changes", "Pipeline changes" },
			{ "winloss", "Win / loss" }, { "activity", "Activity" }, { "sources", "Lead sources" },
			{ "leads", "Leads" },
		};
		for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
			if (!strcmp(o->name, titles[i][0]))
				sfa_buf_addstr(&t, titles[i][1]);
		for (size_t i = 0; i < opts.nby; i++)
			sfa_buf_addf(&t, "%s%s", i ? ", " : " by ", key_column(opts.by[i]));
		r->title = sfa_buf_detach(&t, NULL);
	}
	switch (o->name[0] == 'f' ? o->name[1] : o->name[0]) {
	case 'p': err = report_pipeline(&c); break;
	case 'u': err = report_funnel(&c); break;
	case 'o': err = report_forecast(&c); break;
	case 'a': err = !strcmp(o->name, "accuracy") ? report_accuracy(&c) : report_activity(&c); break;
	case 'c': err = report_changes(&c); break;
	case 'w': err = report_winloss(&c); break;
	case 's': err = report_sources(&c); break;
	case 'l': err = report_leads(&c); break;
	}
done:
	if (o->as_of)
		sfa_store_view(s, NULL);
	json_decref(c.users);
	json_decref(c.rates);
	json_decref(c.quotas);
	strtab_free(&c.strs);
	if (err < 0) {
		sfa_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void sfa_report_free(struct sfa_report *r)
{
	if (!r)
		return;
	free(r->title);
	sfa_buf_release(&r->meta);
	json_decref(r->columns);
	json_decref(r->rows);
	json_decref(r->chart_cat);
	json_decref(r->chart_values);
	free(r);
}

/* --- pictures ------------------------------------------------------------------ */

static double number_of(const json_t *v)
{
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	return 0;
}

/* A figure for a chart label, thousands grouped: "1,234,567.50". */
static void grouped(struct sfa_buf *out, const json_t *v)
{
	struct sfa_buf t = SFA_BUF_INIT;
	size_t start, digits = 0;
	sfa_value_text(&t, v);
	start = t.buf[0] == '-';
	while (start + digits < t.len && t.buf[start + digits] >= '0' && t.buf[start + digits] <= '9')
		digits++;
	if (!json_is_string(v) || digits < 4 || (start + digits < t.len && t.buf[start + digits] != '.')) {
		sfa_buf_add(out, t.buf, t.len);
	} else {
		sfa_buf_add(out, t.buf, start);
		for (size_t i = 0; i < digits; i++) {
			if (i && (digits - i) % 3 == 0)
				sfa_buf_addch(out, ',');
			sfa_buf_addch(out, t.buf[start + i]);
		}
		sfa_buf_addstr(out, t.buf + start + digits);
	}
	sfa_buf_release(&t);
}

/*
 * The chart of a report: one category per row, labelled by the category
 * columns. Rows in several currencies cannot share an axis: only the
 * currency with the largest first series is drawn, and the subtitle says so.
 */
static void draw(struct sfa_buf *out, const struct sfa_report *r, int html)
{
	size_t nrows = json_array_size(r->rows), ns = json_array_size(r->chart_values), ncat = 0;
	const char **cats = sfa_xcalloc(nrows + 1, sizeof(char *)), **series = sfa_xcalloc(ns + 1, sizeof(char *));
	const char **labels = sfa_xcalloc(nrows + 1, sizeof(char *));
	double *values = sfa_xcalloc(nrows * (ns ? ns : 1) + 1, sizeof(double)), *target = NULL;
	struct sfa_buf *text = sfa_xcalloc(2 * nrows + 1, sizeof(struct sfa_buf)), sub = SFA_BUF_INIT;
	const char *only = NULL, *unit = NULL;
	double best = -1;
	struct sfa_chart ch = { 0 };
	size_t i;
	json_t *row;

	/* the currency to draw */
	json_array_foreach(r->rows, i, row) {
		const char *cur = json_string_value(json_object_get(row, "currency"));
		double sum = 0;
		size_t k;
		json_t *rr;
		if (!cur || !*cur || (only && !strcmp(only, cur)))
			continue;
		json_array_foreach(r->rows, k, rr)
			if (json_string_value(json_object_get(rr, "currency")) &&
			    !strcmp(json_string_value(json_object_get(rr, "currency")), cur))
				sum += fabs(number_of(json_object_get(rr, json_string_value(json_array_get(r->chart_values, 0)))));
		if (sum > best) {
			best = sum;
			only = cur;
		}
	}
	for (size_t s = 0; s < ns; s++)
		series[s] = json_string_value(json_array_get(r->chart_values, s));
	if (r->chart_target)
		target = sfa_xcalloc(nrows + 1, sizeof(double));
	json_array_foreach(r->rows, i, row) {
		const char *cur = json_string_value(json_object_get(row, "currency"));
		size_t k;
		json_t *col;
		if (only && cur && *cur && strcmp(cur, only))
			continue;
		sfa_buf_init(&text[2 * ncat], 0);
		sfa_buf_init(&text[2 * ncat + 1], 0);
		json_array_foreach(r->chart_cat, k, col) {
			const char *name = json_string_value(col);
			const char *v = json_string_value(json_object_get(row, name));
			if (only && !strcmp(name, "currency") && json_array_size(r->chart_cat) > 1)
				continue;
			sfa_buf_addf(&text[2 * ncat], "%s%s", text[2 * ncat].len ? " · " : "", v && *v ? v : "(none)");
		}
		if (!text[2 * ncat].len)
			sfa_buf_addstr(&text[2 * ncat], "all");
		for (size_t s = 0; s < ns; s++)
			values[ncat * ns + s] = number_of(json_object_get(row, series[s]));
		if (ns == 1)
			grouped(&text[2 * ncat + 1], json_object_get(row, series[0]));
		if (target)
			target[ncat] = number_of(json_object_get(row, r->chart_target));
		cats[ncat] = text[2 * ncat].buf;
		labels[ncat] = text[2 * ncat + 1].buf;
		ncat++;
	}
	sfa_buf_addstr(&sub, r->meta.buf);
	if (only) {
		unit = only;
		for (size_t k = 0; k < nrows; k++) {
			const char *cur = json_string_value(json_object_get(json_array_get(r->rows, k), "currency"));
			if (cur && *cur && strcmp(cur, only)) {
				sfa_buf_addf(&sub, " · %s only (--currency converts all)", only);
				break;
			}
		}
	}
	ch.kind = (enum sfa_chart_kind)r->chart_kind;
	ch.title = r->title;
	ch.subtitle = sub.buf;
	ch.unit = unit;
	ch.ncat = ncat;
	ch.categories = cats;
	ch.nseries = ns;
	ch.series = ns > 1 ? series : NULL;
	ch.values = values;
	ch.labels = ns == 1 ? labels : NULL;
	ch.target = target;
	ch.target_name = r->chart_target;
	if (!html) {
		sfa_chart_svg(out, &ch);
	} else {
		size_t ncols = json_array_size(r->columns);
		const char **header = sfa_xcalloc(ncols + 1, sizeof(char *));
		const char **cells = sfa_xcalloc(ncols * nrows + 1, sizeof(char *));
		struct sfa_buf *cell = sfa_xcalloc(ncols * nrows + 1, sizeof(struct sfa_buf));
		for (size_t k = 0; k < ncols; k++)
			header[k] = json_string_value(json_array_get(r->columns, k));
		json_array_foreach(r->rows, i, row)
			for (size_t k = 0; k < ncols; k++) {
				sfa_buf_init(&cell[i * ncols + k], 0);
				sfa_value_text(&cell[i * ncols + k], json_object_get(row, header[k]));
				cells[i * ncols + k] = cell[i * ncols + k].buf;
			}
		sfa_chart_html(out, r->title, r->meta.buf, &ch, ncols, header, nrows, cells);
		for (size_t k = 0; k < ncols * nrows; k++)
			sfa_buf_release(&cell[k]);
		free(cell);
		free(cells);
		free(header);
	}
	for (size_t k = 0; k < 2 * ncat; k++)
		sfa_buf_release(&text[k]);
	sfa_buf_release(&sub);
	free(text);
	free(cats);
	free(series);
	free(labels);
	free(values);
	free(target);
}

void sfa_report_svg(struct sfa_buf *out, const struct sfa_report *r)
{
	draw(out, r, 0);
}

void sfa_report_html(struct sfa_buf *out, const struct sfa_report *r)
{
	draw(out, r, 1);
}

/* --- configuration ------------------------------------------------------------- */

/* A positive decimal "1.0850": digits, at most one point, at most 9 decimals and 18 digits. */
static int rate_ok(const char *v)
{
	size_t digits = 0, decimals = 0;
	int point = 0, nonzero = 0;
	for (const char *p = v; *p; p++) {
		if (*p == '.' && !point) {
			point = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			return 0;
		nonzero |= *p != '0';
		digits++;
		decimals += point;
	}
	return digits && digits <= 18 && decimals <= 9 && nonzero;
}

int sfa_report_check_rates(struct sfa_store *s, const json_t *cfg)
{
	const char *base = json_string_value(json_object_get(cfg, "base")), *k;
	json_t *rates = json_object_get(cfg, "rates"), *v;

	if (!base || !sfa_money_currency_known(base))
		return sfa_error_set(SFA_EINPUT, "base: expected a currency code such as \"EUR\"");
	if (!json_is_object(rates))
		return sfa_error_set(SFA_EINPUT, "rates: expected {\"USD\": \"1.0850\", ...} (units per 1 %s)", base);
	json_object_foreach((json_t *)cfg, k, v)
		if (strcmp(k, "base") && strcmp(k, "rates") && strcmp(k, "about"))
			return sfa_error_set(SFA_EINPUT, "%s: unknown key (base, rates)", k);
	json_object_foreach(rates, k, v) {
		if (!sfa_money_currency_known(k))
			return sfa_error_set(SFA_EINPUT, "rates.%s: not an ISO 4217 currency code", k);
		if (!json_is_string(v) || !rate_ok(json_string_value(v)))
			return sfa_error_set(SFA_EINPUT, "rates.%s: expected a positive decimal in quotes such as \"1.0850\""
					     " (at most 9 decimals)", k);
	}
	(void)s;
	return 0;
}

int sfa_report_check_quotas(struct sfa_store *s, const json_t *cfg)
{
	const char *cur = json_string_value(json_object_get(cfg, "currency")), *rep, *k;
	json_t *reps = json_object_get(cfg, "reps"), *periods, *v, *users = NULL;
	int err = 0;

	if (!cur || !sfa_money_currency_known(cur))
		return sfa_error_set(SFA_EINPUT, "currency: expected a currency code such as \"EUR\"");
	if (!json_is_object(reps))
		return sfa_error_set(SFA_EINPUT, "reps: expected {\"rep\": {\"2026-Q4\": \"90000\", ...}, ...}");
	json_object_foreach((json_t *)cfg, k, v)
		if (strcmp(k, "currency") && strcmp(k, "reps") && strcmp(k, "about"))
			return sfa_error_set(SFA_EINPUT, "%s: unknown key (currency, reps)", k);
	if (s && (err = sfa_config_read(s, "config/users.json", &users, NULL)) < 0 && err != SFA_ENOTFOUND)
		return err;
	err = 0;
	json_object_foreach(reps, rep, periods) {
		if (!users || !json_object_get(users, rep)) {
			err = sfa_error_set(SFA_EINPUT, "reps.%s: unknown rep (not in config/users.json)", rep);
			break;
		}
		if (!json_is_object(periods)) {
			err = sfa_error_set(SFA_EINPUT, "reps.%s: expected {\"2026-Q4\": \"90000\", \"2026-11\": ...}", rep);
			break;
		}
		json_object_foreach(periods, k, v) {
			char f[11], t[11];
			struct sfa_money m;
			size_t n = strlen(k);
			if ((n != 4 && n != 7) || sfa_period_parse(k, 0, f, t) < 0) {
				err = sfa_error_set(SFA_EINPUT, "reps.%s.%s: not a year, quarter or month (2026, 2026-Q4, 2026-11)",
						    rep, k);
				break;
			}
			if (!json_is_string(v) || sfa_money_parse(&m, json_string_value(v), cur) < 0 || m.minor < 0 ||
			    strcmp(m.currency, cur)) {
				err = sfa_error_set(SFA_EINPUT, "reps.%s.%s: expected an amount in %s such as \"90000\"", rep, k,
						    cur);
				break;
			}
		}
		if (err)
			break;
	}
	json_decref(users);
	return err;
}
