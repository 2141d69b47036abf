/* Finding duplicate people through the index's match keys. */
#include <stdlib.h>
#include <string.h>

#include "sfa/dupes.h"
#include "sfa/error.h"
#include "sfa/match.h"
#include "sfa/progress.h"
#include "sfa/utf8.h"
#include "sfa/banned.h"

#define PHONE_SCORE 0.9

/* Emails contradict when both are given and differ. */
static int emails_clash(const char *a, const char *b)
{
	return a && b && *a && *b && strcmp(a, b);
}

int sfa_dupes_keys(const struct sfa_type *t, const json_t *rec,
		   int (*fn)(const char *kind, const struct sfa_buf *key, void *data), void *data)
{
	const char *first = sfa_record_text(rec, "first_name"), *last = sfa_record_text(rec, "last_name");
	const char *country = sfa_record_text(rec, "country"), *dom;
	struct sfa_buf key = SFA_BUF_INIT;
	int err = 0;

	if (t == &sfa_type_lead || t == &sfa_type_contact) {
		const char *company = sfa_record_text(rec, t == &sfa_type_lead ? "company" : "account");
		if (sfa_match_email_key(&key, sfa_record_text(rec, "email")))
			err = fn("email", &key, data);
		if (!err && sfa_match_phone_key(&key, sfa_record_text(rec, "phone"), country))
			err = fn("phone", &key, data);
		if (!err && sfa_match_phone_key(&key, sfa_record_text(rec, "mobile"), country))
			err = fn("phone", &key, data);
		if (!err && sfa_match_block_key(&key, first, last, company))
			err = fn("block", &key, data);
		if (!err && sfa_match_name_key(&key, first, last))
			err = fn("name", &key, data);
	} else if (t == &sfa_type_account) {
		if (sfa_match_company_key(&key, sfa_record_text(rec, "name")))
			err = fn("company", &key, data);
		if (!err && (dom = sfa_record_text(rec, "domain")) && *dom) {
			sfa_buf_reset(&key);
			sfa_utf8_fold(&key, dom, strlen(dom));
			err = fn("domain", &key, data);
		}
	}
	sfa_buf_release(&key);
	return err;
}

struct candidates {
	char (*ids)[SFA_ID_LEN + 1];
	size_t n, alloc;
};

static int collect(const char *key, const char *id, void *data)
{
	struct candidates *c = data;
	SFA_ALLOC_GROW(c->ids, c->n + 1, c->alloc);
	memcpy(c->ids[c->n++], id, SFA_ID_LEN + 1);
	return 0;
}

/* A record's keys, gathered: [[kind, key], ...] in sfa_dupes_keys order. */
static int gather_key(const char *kind, const struct sfa_buf *key, void *data)
{
	json_array_append_new(data, json_pack("[ss#]", kind, key->buf, (int)key->len));
	return 0;
}

static const char *key_of(const json_t *keys, const char *kind)
{
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
		if (!strcmp(json_string_value(json_array_get(k, 0)), kind))
			return json_string_value(json_array_get(k, 1));
	return NULL;
}

/*
 * Whether stored record `id` matches by a key of `kind`: equal email,
 * company or domain keys always; a phone or name block only where the
 * emails do not clash, and a block only with similar names.
 */
static int candidate_matches(struct sfa_index *ix, const struct sfa_type *t, const char *kind, const char *id,
			     const json_t *keys, double *sim)
{
	struct sfa_buf other = SFA_BUF_INIT;
	json_t *cand = NULL;
	int err, clash;

	*sim = strcmp(kind, "phone") ? 1.0 : PHONE_SCORE;
	if (strcmp(kind, "phone") && strcmp(kind, "block"))
		return 1;
	if ((err = sfa_index_get(ix, t, id, &cand)) < 0)
		return err;
	sfa_match_email_key(&other, sfa_record_text(cand, "email"));
	clash = emails_clash(key_of(keys, "email"), other.buf);
	if (!clash && !strcmp(kind, "block")) {
		sfa_match_name_key(&other, sfa_record_text(cand, "first_name"), sfa_record_text(cand, "last_name"));
		*sim = sfa_match_similarity(key_of(keys, "name"), other.buf);
	}
	json_decref(cand);
	sfa_buf_release(&other);
	return !clash && (strcmp(kind, "block") || *sim >= SFA_DUPES_THRESHOLD);
}

int sfa_dupes_match(struct sfa_store *s, const struct sfa_type *t, const json_t *rec,
		    char out[SFA_ID_LEN + 1], struct sfa_buf *why)
{
	static const struct { const char *kind, *reason; } order[] = {
		{ "email", "email" }, { "company", "company name" }, { "domain", "domain" },
		{ "phone", "phone" }, { "block", "name+company" },
	};
	struct sfa_index *ix = sfa_store_index(s);
	struct candidates c = { 0 };
	const char *self = sfa_record_text(rec, "id");
	json_t *keys = json_array(), *k;
	int err = SFA_ENOTFOUND;
	size_t i;

	sfa_dupes_keys(t, rec, gather_key, keys);
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]) && err == SFA_ENOTFOUND; o++)
		json_array_foreach(keys, i, k) {
			const char *kind = json_string_value(json_array_get(k, 0));
			long rc;
			if (strcmp(kind, order[o].kind))
				continue;
			c.n = 0;
			if ((rc = sfa_index_keys(ix, t, kind, json_string_value(json_array_get(k, 1)), collect, &c)) < 0) {
				err = (int)rc;
				break;
			}
			for (size_t j = 0; j < c.n && err == SFA_ENOTFOUND; j++) {
				double sim;
				int m;
				if (self && !strcmp(self, c.ids[j]))
					continue;
				if ((m = candidate_matches(ix, t, kind, c.ids[j], keys, &sim)) < 0) {
					err = m;
				} else if (m) {
					memcpy(out, c.ids[j], SFA_ID_LEN + 1);
					if (why && !strcmp(kind, "block"))
						sfa_buf_addf(why, "%s %.2f", order[o].reason, sim);
					else if (why)
						sfa_buf_addstr(why, order[o].reason);
					err = 0;
				}
			}
			if (err != SFA_ENOTFOUND)
				break;
		}
	free(c.ids);
	json_decref(keys);
	return err;
}

/* --- every group ------------------------------------------------------------ */

struct node {
	char id[SFA_ID_LEN + 1];
	size_t parent;
	char *email;		/* email key or NULL */
	char *name;		/* name key or NULL */
	const char *group_email;	/* at the root: the email key of its group, borrowed */
	unsigned reasons;
	double score;		/* weakest link into its group so far (at the root) */
};

struct finder {
	struct node *v;
	size_t n, alloc;
	/* the current run of records sharing one key */
	char *run_key;
	size_t *run;
	size_t nrun, run_alloc;
	const char *kind;
	double threshold;
	unsigned long long links;
};

static int cmp_node_id(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->id, ((const struct node *)b)->id);
}

static size_t find_node(struct finder *f, const char *id)
{
	struct node key;
	memcpy(key.id, id, SFA_ID_LEN + 1);
	struct node *p = bsearch(&key, f->v, f->n, sizeof(*f->v), cmp_node_id);
	return p ? (size_t)(p - f->v) : (size_t)-1;
}

static size_t root_of(struct finder *f, size_t i)
{
	while (f->v[i].parent != i) {
		f->v[i].parent = f->v[f->v[i].parent].parent;
		i = f->v[i].parent;
	}
	return i;
}

static void link(struct finder *f, size_t a, size_t b, unsigned reason, double score)
{
	size_t ra = root_of(f, a), rb = root_of(f, b);
	double s = score;

	if (ra != rb) {
		const char *ea = f->v[ra].group_email, *eb = f->v[rb].group_email;
		/*
		 * A record without an email that fits two people (a switchboard, a
		 * common name) must not make them one: each group keeps one address.
		 */
		if (reason != SFA_DUPE_EMAIL && emails_clash(ea, eb))
			return;
		if (f->v[ra].reasons && f->v[ra].score < s)
			s = f->v[ra].score;
		if (f->v[rb].reasons && f->v[rb].score < s)
			s = f->v[rb].score;
		if (rb < ra) {
			size_t t = ra;
			ra = rb;
			rb = t;
		}
		f->v[rb].parent = ra;
		f->v[ra].group_email = ea ? ea : eb;
		f->v[ra].reasons |= f->v[rb].reasons | reason;
		f->v[ra].score = s;
	} else {
		f->v[ra].reasons |= reason;
		if (score < f->v[ra].score)
			f->v[ra].score = score;
	}
	f->links++;
}

/* Links the records of one run of equal keys. */
static void close_run(struct finder *f)
{
	/* a key a thousand records share (a switchboard) says little: compare a window */
	size_t window = 200;

	for (size_t i = 0; i < f->nrun; i++)
		for (size_t j = i + 1; j < f->nrun && j < i + window; j++) {
			struct node *a = &f->v[f->run[i]], *b = &f->v[f->run[j]];
			if (!strcmp(f->kind, "email")) {
				link(f, f->run[i], f->run[j], SFA_DUPE_EMAIL, 1.0);
				break;	/* all share the key: a chain links them */
			}
			if (emails_clash(a->email, b->email))
				continue;
			if (!strcmp(f->kind, "phone")) {
				link(f, f->run[i], f->run[j], SFA_DUPE_PHONE, PHONE_SCORE);
			} else {
				double sim = sfa_match_similarity(a->name, b->name);
				if (sim >= f->threshold)
					link(f, f->run[i], f->run[j], SFA_DUPE_NAME, sim);
			}
		}
	f->nrun = 0;
}

static int on_key(const char *key, const char *id, void *data)
{
	struct finder *f = data;
	size_t i = find_node(f, id);

	if (i == (size_t)-1)
		return 0;
	if (f->run_key && strcmp(f->run_key, key)) {
		close_run(f);
		free(f->run_key);
		f->run_key = NULL;
	}
	if (!f->run_key)
		f->run_key = sfa_xstrdup(key);
	SFA_ALLOC_GROW(f->run, f->nrun + 1, f->run_alloc);
	f->run[f->nrun++] = i;
	if (!strcmp(f->kind, "email") && !f->v[i].email)
		f->v[i].group_email = f->v[i].email = sfa_xstrdup(key);
	return 0;
}

static int on_name(const char *key, const char *id, void *data)
{
	struct finder *f = data;
	size_t i = find_node(f, id);
	if (i != (size_t)-1 && !f->v[i].name)
		f->v[i].name = sfa_xstrdup(key);
	return 0;
}

static int on_record(const json_t *rec, void *data)
{
	struct finder *f = data;
	struct node *n;
	SFA_ALLOC_GROW(f->v, f->n + 1, f->alloc);
	n = &f->v[f->n];
	memset(n, 0, sizeof(*n));
	memcpy(n->id, json_string_value(json_object_get(rec, "id")), SFA_ID_LEN + 1);
	f->n++;
	return 0;
}

struct group_ref {
	size_t root;
	double score;
	size_t first;	/* position in the sorted member list */
	size_t n;
};

static int cmp_group(const void *a, const void *b)
{
	const struct group_ref *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->root < y->root ? -1 : x->root > y->root;
}

static int cmp_member(const void *a, const void *b, void *data)
{
	struct finder *f = data;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	size_t rx = f->v[x].parent, ry = f->v[y].parent;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

long sfa_dupes_find(struct sfa_store *s, const struct sfa_type *t, double threshold,
		    int (*fn)(const struct sfa_dupes_group *g, void *data), void *data)
{
	struct sfa_index *ix = sfa_store_index(s);
	struct finder f = { 0 };
	struct sfa_query q = { 0 };
	static const char *const kinds[] = { "email", "phone", "block" };
	size_t *members = NULL, nm = 0;
	struct group_ref *groups = NULL;
	size_t ng = 0, galloc = 0;
	const char **ids = NULL;
	long rc, count = 0;

	f.threshold = threshold;
	q.type = t;
	q.limit = -1;
	q.ids_only = 1;
	/* every id, in id order (created_at order from the index, sorted here) */
	if ((rc = sfa_index_list(ix, &q, on_record, &f)) < 0)
		goto done;
	if (f.n > 1)
		qsort(f.v, f.n, sizeof(*f.v), cmp_node_id);
	for (size_t i = 0; i < f.n; i++) {
		f.v[i].parent = i;
		f.v[i].score = 1.0;
	}
	f.kind = "name";
	if ((rc = sfa_index_keys(ix, t, "name", NULL, on_name, &f)) < 0)
		goto done;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		f.kind = kinds[k];
		if ((rc = sfa_index_keys(ix, t, kinds[k], NULL, on_key, &f)) < 0)
			goto done;
		close_run(&f);
		free(f.run_key);
		f.run_key = NULL;
		sfa_progress("comparing", k + 1, 3);
	}
	if (f.n)
		sfa_progress(NULL, 3, 3);
	/* members of groups of two or more, grouped by root */
	members = sfa_xmalloc((f.n + 1) * sizeof(*members));
	for (size_t i = 0; i < f.n; i++)
		f.v[i].parent = root_of(&f, i);
	for (size_t i = 0; i < f.n; i++)
		if (f.v[f.v[i].parent].reasons)
			members[nm++] = i;
	qsort_r(members, nm, sizeof(*members), cmp_member, &f);
	for (size_t i = 0; i < nm;) {
		size_t j = i;
		while (j < nm && f.v[members[j]].parent == f.v[members[i]].parent)
			j++;
		if (j - i >= 2) {
			SFA_ALLOC_GROW(groups, ng + 1, galloc);
			groups[ng].root = f.v[members[i]].parent;
			groups[ng].score = f.v[groups[ng].root].score;
			groups[ng].first = i;
			groups[ng++].n = j - i;
		}
		i = j;
	}
	if (ng > 1)	/* qsort must not be given NULL, even for nothing */
		qsort(groups, ng, sizeof(*groups), cmp_group);
	ids = sfa_xmalloc((nm + 1) * sizeof(*ids));
	for (size_t g = 0; g < ng; g++) {
		struct sfa_dupes_group out;
		for (size_t m = 0; m < groups[g].n; m++)
			ids[m] = f.v[members[groups[g].first + m]].id;
		out.number = g + 1;
		out.ids = ids;
		out.n = groups[g].n;
		out.reasons = f.v[groups[g].root].reasons;
		out.score = groups[g].score;
		if ((rc = fn(&out, data)) < 0)
			goto done;
		count++;
	}
	rc = count;
done:
	for (size_t i = 0; i < f.n; i++) {
		free(f.v[i].email);
		free(f.v[i].name);
	}
	free(f.v);
	free(f.run);
	free(f.run_key);
	free(members);
	free(groups);
	free(ids);
	return rc;
}
