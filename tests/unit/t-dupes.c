#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/dupes.h"
#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/import.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "unit.h"
#include "sfa/banned.h"

static const struct sfa_type *const L = &sfa_type_lead;

/* A new store in the test's directory, open; NULL when that fails. */
static struct sfa_store *new_store(const char *name)
{
	struct sfa_buf p = SFA_BUF_INIT;
	struct sfa_store *s = NULL;

	sfa_buf_addf(&p, "%s/%s", unit_tmpdir(), name);
	if (!CHECK_INT(sfa_store_init(p.buf), 0) || !CHECK_INT(sfa_store_open(&s, p.buf), 0))
		s = NULL;
	sfa_buf_release(&p);
	return s;
}

/* Adds the lead `text` (JSON); its id in `id`, "" when refused. */
static void add(struct sfa_store *s, const char *text, char id[SFA_ID_LEN + 1])
{
	json_t *rec = unit_json(text);

	id[0] = '\0';
	if (!rec || !CHECK_INT(sfa_add(s, L, rec, "unit", id), 0)) {
		printf("# refused: %s: %s\n", text, sfa_error_last());
		id[0] = '\0';
	}
	json_decref(rec);
}

/* sfa_dupes_match for `text`: the id found or "(none)", and why. */
static const char *match(struct sfa_store *s, const char *text, struct sfa_buf *why)
{
	static char out[SFA_ID_LEN + 1];
	json_t *rec = unit_json(text);
	int err;

	if (why)
		sfa_buf_reset(why);
	if (!rec)
		return "(bad test JSON)";
	err = sfa_dupes_match(s, L, rec, out, why);
	json_decref(rec);
	if (err == SFA_ENOTFOUND)
		return "(none)";
	return err < 0 ? "(error)" : out;
}

/* The groups sfa_dupes_find reports, as "id id|id id id|..." in report order. */
struct groups {
	struct sfa_buf text;
	size_t n;
	unsigned reasons[16];
	double scores[16];
	int numbered;	/* every group's number was its position */
};

static int on_group(const struct sfa_dupes_group *g, void *data)
{
	struct groups *gs = data;

	if (gs->n < 16) {
		gs->reasons[gs->n] = g->reasons;
		gs->scores[gs->n] = g->score;
	}
	gs->n++;
	gs->numbered &= g->number == gs->n;
	if (gs->text.len)
		sfa_buf_addch(&gs->text, '|');
	for (size_t i = 0; i < g->n; i++)
		sfa_buf_addf(&gs->text, "%s%s", i ? " " : "", g->ids[i]);
	return 0;
}

static long find(struct sfa_store *s, double threshold, struct groups *gs)
{
	sfa_buf_reset(&gs->text);
	gs->n = 0;
	gs->numbered = 1;
	return sfa_dupes_find(s, L, threshold, on_group, gs);
}

/* "a b" with the two ids in id order, as groups list them. */
static const char *pair(const char *a, const char *b)
{
	static char out[4][2 * SFA_ID_LEN + 2];
	static int k;
	k = (k + 1) % 4;
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	snprintf(out[k], sizeof(out[k]), "%s %s", a, b);
	return out[k];
}

static int stop_early(const struct sfa_dupes_group *g, void *data)
{
	return sfa_error_set(SFA_ESTORE, "stopped");
}

static void test_match(void)
{
	struct sfa_store *s = new_store("match");
	struct sfa_buf why = SFA_BUF_INIT;
	char ann[SFA_ID_LEN + 1], bob[SFA_ID_LEN + 1], jon[SFA_ID_LEN + 1];

	if (!s)
		return;
	/* nothing stored: nothing matches */
	CHECK_STR(match(s, "{\"email\": \"ann@acme.example\"}", NULL), "(none)");

	add(s, "{\"first_name\": \"Ann\", \"last_name\": \"Lee\", \"email\": \"ann.lee@gmail.com\","
	       " \"company\": \"Initech Ltd\"}", ann);
	add(s, "{\"first_name\": \"Bob\", \"last_name\": \"Ray\", \"email\": \"bob@hooli.example\","
	       " \"phone\": \"+44 20 7946 0001\", \"country\": \"GB\", \"company\": \"Hooli\"}", bob);
	add(s, "{\"first_name\": \"Jon\", \"last_name\": \"Smith\", \"company\": \"Acme Inc.\"}", jon);

	/* email: case, gmail dots and tags */
	CHECK_STR(match(s, "{\"email\": \"ANN.LEE@GMAIL.COM\"}", &why), ann);
	CHECK_STR(why.buf, "email");
	CHECK_STR(match(s, "{\"email\": \"a.n.n.l.e.e+crm@googlemail.com\"}", NULL), ann);
	CHECK_STR(match(s, "{\"email\": \"ann.lee2@gmail.com\"}", NULL), "(none)");
	CHECK_STR(match(s, "{\"email\": \"BOB@Hooli.Example\"}", NULL), bob);

	/* phone: national in the record's country, or international */
	CHECK_STR(match(s, "{\"phone\": \"020 7946 0001\", \"country\": \"gb\"}", &why), bob);
	CHECK_STR(why.buf, "phone");
	CHECK_STR(match(s, "{\"mobile\": \"0044 20 7946 0001\"}", NULL), bob);
	CHECK_STR(match(s, "{\"phone\": \"020 7946 0001\", \"country\": \"DE\"}", NULL), "(none)");
	CHECK_STR(match(s, "{\"phone\": \"020 7946 0001\"}", NULL), "(none)");

	/* name at the same company, written differently */
	CHECK_STR(match(s, "{\"first_name\": \"John\", \"last_name\": \"Smith\", \"company\": \"ACME, Inc\"}",
			&why), jon);
	CHECK(!strncmp(why.buf, "name+company 0.9", 16));
	CHECK_STR(match(s, "{\"first_name\": \"John\", \"last_name\": \"Smith\", \"company\": \"Globex\"}", NULL),
		  "(none)");
	CHECK_STR(match(s, "{\"first_name\": \"Jane\", \"last_name\": \"Smith\", \"company\": \"Acme\"}", NULL),
		  "(none)");
	CHECK_STR(match(s, "{\"first_name\": \"John\", \"last_name\": \"Smith\"}", NULL), "(none)");

	/* a different address is someone else, whatever else is shared */
	CHECK_STR(match(s, "{\"email\": \"sue@hooli.example\", \"phone\": \"+44 20 7946 0001\"}", NULL), "(none)");
	CHECK_STR(match(s, "{\"email\": \"bob@hooli.example\", \"phone\": \"+1 212 555 0100\"}", NULL), bob);
	CHECK_STR(match(s, "{\"first_name\": \"Ann\", \"last_name\": \"Lee\", \"company\": \"Initech\","
			   " \"email\": \"a.lee@initech.example\"}", NULL), "(none)");
	/* without an address of its own it may be either */
	CHECK_STR(match(s, "{\"first_name\": \"Ann\", \"last_name\": \"Lee\", \"company\": \"INITECH\"}", NULL), ann);
	/* a stored record without an address does not clash */
	CHECK_STR(match(s, "{\"first_name\": \"Jon\", \"last_name\": \"Smith\", \"company\": \"Acme\","
			   " \"email\": \"jon@acme.example\"}", NULL), jon);

	/* a stored record is not its own duplicate */
	{
		struct sfa_buf t = SFA_BUF_INIT;
		sfa_buf_addf(&t, "{\"id\": \"%s\", \"email\": \"ann.lee@gmail.com\"}", ann);
		CHECK_STR(match(s, t.buf, NULL), "(none)");
		sfa_buf_release(&t);
	}

	/* nothing to match by */
	CHECK_STR(match(s, "{}", NULL), "(none)");
	CHECK_STR(match(s, "{\"email\": \"not an address\", \"phone\": \"12\"}", NULL), "(none)");
	/* why is optional */
	CHECK_STR(match(s, "{\"email\": \"ann.lee@gmail.com\"}", NULL), ann);

	sfa_buf_release(&why);
	sfa_store_free(s);
}

static void test_find(void)
{
	struct sfa_store *s = new_store("find");
	struct groups gs = { SFA_BUF_INIT, 0, { 0 }, { 0 }, 1 };
	char a1[SFA_ID_LEN + 1], a2[SFA_ID_LEN + 1], p1[SFA_ID_LEN + 1], p2[SFA_ID_LEN + 1];
	char n1[SFA_ID_LEN + 1], n2[SFA_ID_LEN + 1], c1[SFA_ID_LEN + 1], c2[SFA_ID_LEN + 1];
	char c3[SFA_ID_LEN + 1], x[SFA_ID_LEN + 1];
	struct sfa_buf want = SFA_BUF_INIT;

	if (!s)
		return;
	/* no records, no groups, fn never called */
	CHECK_INT(find(s, SFA_DUPES_THRESHOLD, &gs), 0);
	CHECK_INT(gs.n, 0);

	add(s, "{\"first_name\": \"Ann\", \"email\": \"Ann@Example.com\"}", a1);
	CHECK_INT(find(s, SFA_DUPES_THRESHOLD, &gs), 0);

	add(s, "{\"first_name\": \"A\", \"email\": \"ann@example.com\"}", a2);
	add(s, "{\"first_name\": \"Mo\", \"phone\": \"+44 20 7946 0001\", \"country\": \"GB\"}", p1);
	add(s, "{\"first_name\": \"Mohammed\", \"phone\": \"020 7946 0001\", \"country\": \"GB\"}", p2);
	add(s, "{\"first_name\": \"Jon\", \"last_name\": \"Smith\", \"company\": \"Acme Inc.\"}", n1);
	add(s, "{\"first_name\": \"John\", \"last_name\": \"Smith\", \"company\": \"ACME, Inc\"}", n2);
	add(s, "{\"first_name\": \"Someone\", \"last_name\": \"Else\", \"email\": \"else@example.com\"}", x);

	/* strongest first: email 1.0, name similarity, phone 0.9 */
	CHECK_INT(find(s, SFA_DUPES_THRESHOLD, &gs), 3);
	sfa_buf_addf(&want, "%s|%s|%s", pair(a1, a2), pair(n1, n2), pair(p1, p2));
	CHECK_STR(gs.text.buf, want.buf);
	CHECK(gs.numbered);
	CHECK_INT(gs.reasons[0], SFA_DUPE_EMAIL);
	CHECK_INT(gs.reasons[1], SFA_DUPE_NAME);
	CHECK_INT(gs.reasons[2], SFA_DUPE_PHONE);
	CHECK(gs.scores[0] == 1.0);
	CHECK(gs.scores[1] >= SFA_DUPES_THRESHOLD && gs.scores[1] < 1.0);
	CHECK(gs.scores[2] > 0.89 && gs.scores[2] < 0.91);

	/* the threshold is for names only */
	CHECK_INT(find(s, 0.99, &gs), 2);
	sfa_buf_reset(&want);
	sfa_buf_addf(&want, "%s|%s", pair(a1, a2), pair(p1, p2));
	CHECK_STR(gs.text.buf, want.buf);

	/* colleagues: one name, one company, two addresses */
	add(s, "{\"first_name\": \"Maria\", \"last_name\": \"Lopez\", \"company\": \"Initech Ltd\","
	       " \"email\": \"maria@initech.example\"}", c1);
	add(s, "{\"first_name\": \"Maria\", \"last_name\": \"Lopez\", \"company\": \"Initech\","
	       " \"email\": \"m.lopez@initech.example\"}", c2);
	CHECK_INT(find(s, SFA_DUPES_THRESHOLD, &gs), 3);
	CHECK(!strstr(gs.text.buf, c1) && !strstr(gs.text.buf, c2));

	/* one without an address fits both: it joins one of them, never both */
	add(s, "{\"first_name\": \"Maria\", \"last_name\": \"Lopez\", \"company\": \"INITECH, Ltd.\"}", c3);
	CHECK_INT(find(s, SFA_DUPES_THRESHOLD, &gs), 4);
	CHECK(strstr(gs.text.buf, pair(c1, c3)) || strstr(gs.text.buf, pair(c2, c3)));
	CHECK(!(strstr(gs.text.buf, c1) && strstr(gs.text.buf, c2)));
	CHECK(!strstr(gs.text.buf, x));

	/* a callback's error stops the search and comes back */
	CHECK_INT(sfa_dupes_find(s, L, SFA_DUPES_THRESHOLD, stop_early, NULL), SFA_ESTORE);

	sfa_buf_release(&want);
	sfa_buf_release(&gs.text);
	sfa_store_free(s);
}

void unit_tests(void)
{
	test_match();
	test_find();
}
