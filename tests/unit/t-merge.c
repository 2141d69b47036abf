#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/merge.h"
#include "sfa/stream.h"
#include "unit.h"
#include "sfa/banned.h"

/* Test JSON written with ' for " to stay readable (new reference). */
static json_t *json_of(const char *text)
{
	char *s = sfa_xstrdup(text), *p;
	json_t *v;

	for (p = s; (p = strchr(p, '\'')); p++)
		*p = '"';
	v = unit_json(s);
	free(s);
	return v;
}

/* Compact JSON with sorted keys of `v`, "(none)" for NULL (valid until the next call). */
static const char *text(const json_t *v)
{
	static struct sfa_buf b = SFA_BUF_INIT;

	sfa_buf_reset(&b);
	if (v)
		sfa_value_json(&b, v);
	else
		sfa_buf_addstr(&b, "(none)");
	return b.buf;
}

/* `v` against the JSON text `expected` (NULL: no value), with the difference shown. */
#define CHECK_JSON(v, expected) do { \
	json_t *exp_ = (expected) ? json_of(expected) : NULL; \
	char *got_ = sfa_xstrdup(text(v)); \
	CHECK_STR(got_, text(exp_)); \
	free(got_); \
	json_decref(exp_); \
} while (0)

/* NULL stands for an absent value. */
static int same(const json_t *a, const json_t *b)
{
	return a && b ? json_equal(a, b) : a == b;
}

/* Empties every array and object inside `v`, so a value shared with an input would show. */
static void scrub(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			scrub(e);
		json_object_clear(v);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			scrub(e);
		json_array_clear(v);
	}
}

static struct sfa_merge_side side(const json_t *rec, long long time, const char *who)
{
	struct sfa_merge_side s = { rec, time, who };
	return s;
}

struct result {
	int err;
	json_t *out, *log;
};

static void result_release(struct result *r)
{
	json_decref(r->out);
	json_decref(r->log);
}

/*
 * Merges the records given as JSON text (NULL: none), ours by "ann" at
 * `ot`, theirs by "bob" at `tt`, and checks that the inputs are the same
 * after the call and after the result was emptied.
 */
static struct result merge_at(const char *base, const char *ours, long long ot, const char *theirs,
			      long long tt, enum sfa_merge_rule rule)
{
	json_t *b = base ? json_of(base) : NULL, *o = ours ? json_of(ours) : NULL;
	json_t *t = theirs ? json_of(theirs) : NULL;
	json_t *bc = json_deep_copy(b), *oc = json_deep_copy(o), *tc = json_deep_copy(t);
	struct sfa_merge_side os = side(o, ot, "ann"), ts = side(t, tt, "bob");
	struct result r;

	r.err = sfa_merge_record(&r.out, &r.log, b, &os, &ts, rule);
	CHECK(same(b, bc) && same(o, oc) && same(t, tc));
	if (r.out) {
		json_t *keep = json_deep_copy(r.out);
		scrub(r.out);
		CHECK(same(b, bc) && same(o, oc) && same(t, tc));
		json_decref(r.out);
		r.out = keep;
	}
	json_decref(b);
	json_decref(o);
	json_decref(t);
	json_decref(bc);
	json_decref(oc);
	json_decref(tc);
	return r;
}

static struct result merge(const char *base, const char *ours, const char *theirs, enum sfa_merge_rule rule)
{
	return merge_at(base, ours, 200, theirs, 100, rule);
}

/* A merge as merge_at() gives the record `out` (NULL: deleted) and the log `log`, as JSON text. */
static void check_merge_at(const char *base, const char *ours, long long ot, const char *theirs,
			   long long tt, enum sfa_merge_rule rule, const char *out, const char *log)
{
	struct result r = merge_at(base, ours, ot, theirs, tt, rule);

	CHECK_INT(r.err, 0);
	CHECK_JSON(r.out, out);
	CHECK_JSON(r.log, log);
	result_release(&r);
}

static void check_merge(const char *base, const char *ours, const char *theirs, enum sfa_merge_rule rule,
			const char *out, const char *log)
{
	check_merge_at(base, ours, 200, theirs, 100, rule, out, log);
}

static void test_one_side(void)
{
	struct result r;

	/* edits of different fields both survive */
	check_merge("{'id':'x','a':1,'b':1}", "{'id':'x','a':2,'b':1}",
		    "{'id':'x','a':1,'b':3}", SFA_MERGE_LATER,
		    "{'id':'x','a':2,'b':3}", "[]");
	/* the same change on both sides is no conflict */
	check_merge("{'a':1,'b':1}", "{'a':2,'b':1}", "{'a':2,'b':1}", SFA_MERGE_LATER,
		    "{'a':2,'b':1}", "[]");
	/* removed on one side, unchanged on the other: removed, whichever side */
	check_merge("{'a':1,'b':1}", "{'b':1}", "{'a':1,'b':1}", SFA_MERGE_THEIRS, "{'b':1}", "[]");
	check_merge("{'a':1,'b':1}", "{'a':1,'b':1}", "{'b':1}", SFA_MERGE_OURS, "{'b':1}", "[]");
	/* removed on both, with another field changed on one side */
	check_merge("{'a':1,'b':1}", "{'b':1}", "{'b':2}", SFA_MERGE_LATER, "{'b':2}", "[]");
	/* null is a value: set to null on one side is a change, kept */
	check_merge("{'a':1}", "{'a':null}", "{'a':1}", SFA_MERGE_THEIRS, "{'a':null}", "[]");
	/* the same field added on both sides with one value */
	check_merge("{'id':'x'}", "{'id':'x','c':5}", "{'id':'x','c':5}", SFA_MERGE_LATER,
		    "{'id':'x','c':5}", "[]");

	/* 1 and 1.0 are different values */
	r = merge("{'a':0}", "{'a':1}", "{'a':1.0}", SFA_MERGE_THEIRS);
	CHECK_JSON(r.out, "{'a':1.0}");
	CHECK_INT(json_array_size(r.log), 1);
	result_release(&r);
}

static void test_rules(void)
{
	struct result r;

	check_merge_at("{'a':'x','b':0}", "{'a':'o','b':0}", 200, "{'a':'t','b':0}", 100,
		       SFA_MERGE_LATER, "{'a':'o','b':0}",
		       "[{'field':'a','kind':'both-changed','base':'x','kept':'o','lost':'t',"
		       "'kept_by':'ann','lost_by':'bob','kept_at':200,'lost_at':100,'rule':'later'}]");
	check_merge_at("{'a':'x'}", "{'a':'o'}", 100, "{'a':'t'}", 200, SFA_MERGE_LATER, "{'a':'t'}",
		       "[{'field':'a','kind':'both-changed','base':'x','kept':'t','lost':'o',"
		       "'kept_by':'bob','lost_by':'ann','kept_at':200,'lost_at':100,'rule':'later'}]");

	/* ours and theirs ignore the times */
	check_merge_at("{'a':'x'}", "{'a':'o'}", 100, "{'a':'t'}", 200, SFA_MERGE_OURS, "{'a':'o'}",
		       "[{'field':'a','kind':'both-changed','base':'x','kept':'o','lost':'t',"
		       "'kept_by':'ann','lost_by':'bob','kept_at':100,'lost_at':200,'rule':'ours'}]");
	check_merge_at("{'a':'x'}", "{'a':'o'}", 200, "{'a':'t'}", 100, SFA_MERGE_THEIRS, "{'a':'t'}",
		       "[{'field':'a','kind':'both-changed','base':'x','kept':'t','lost':'o',"
		       "'kept_by':'bob','lost_by':'ann','kept_at':100,'lost_at':200,'rule':'theirs'}]");

	/* several conflicts are logged in byte order of the fields */
	r = merge("{'b':1,'a':1,'B':1}", "{'b':2,'a':2,'B':2}", "{'b':3,'a':3,'B':3}",
		  SFA_MERGE_LATER);
	CHECK_JSON(r.out, "{'B':2,'a':2,'b':2}");
	CHECK_INT(json_array_size(r.log), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.log, 0), "field")), "B");
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.log, 1), "field")), "a");
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.log, 2), "field")), "b");
	result_release(&r);
}

/* Merges both ways round at one time; the records must be the same. */
static void check_tie(const char *base, const char *a, const char *b, const char *expected)
{
	struct result ab = merge_at(base, a, 150, b, 150, SFA_MERGE_LATER);
	struct result ba = merge_at(base, b, 150, a, 150, SFA_MERGE_LATER);

	CHECK_JSON(ab.out, expected);
	CHECK_JSON(ba.out, expected);
	CHECK_INT(json_array_size(ab.log), 1);
	CHECK_INT(json_array_size(ba.log), 1);
	CHECK(same(json_object_get(json_array_get(ab.log, 0), "kept"),
		   json_object_get(json_array_get(ba.log, 0), "kept")));
	result_release(&ab);
	result_release(&ba);
}

static void test_tie(void)
{
	check_tie("{'a':'x'}", "{'a':'a'}", "{'a':'b'}", "{'a':'b'}");
	/* bytes of the JSON, not numbers: "9" > "10" */
	check_tie("{'a':0}", "{'a':10}", "{'a':9}", "{'a':9}");
	/* a string ('"') sorts below a number and an object ('{') above */
	check_tie("{'a':0}", "{'a':'z'}", "{'a':1}", "{'a':1}");
	check_tie("{'a':0}", "{'a':{'k':1}}", "{'a':'z'}", "{'a':{'k':1}}");
	/* nested keys compare sorted, so insertion order does not decide */
	check_tie("{'a':0}", "{'a':{'y':1,'x':2}}", "{'a':{'x':1,'y':2}}", "{'a':{'x':2,'y':1}}");
	/* any value, even null, beats a removed field */
	check_tie("{'a':0}", "{}", "{'a':1}", "{'a':1}");
	check_tie("{'a':0}", "{'a':null}", "{}", "{'a':null}");
	/* the log names the winner's side */
	check_merge_at("{'a':'x'}", "{'a':'b'}", 150, "{'a':'a'}", 150, SFA_MERGE_LATER, "{'a':'b'}",
		       "[{'field':'a','kind':'both-changed','base':'x','kept':'b','lost':'a',"
		       "'kept_by':'ann','lost_by':'bob','kept_at':150,'lost_at':150,'rule':'later'}]");
}

static void test_absent_values(void)
{
	/* removal against a change: the log has no "kept" when the removal won */
	check_merge("{'a':1,'b':1}", "{'b':1}", "{'a':2,'b':1}", SFA_MERGE_LATER, "{'b':1}",
		    "[{'field':'a','kind':'both-changed','base':1,'lost':2,"
		    "'kept_by':'ann','lost_by':'bob','kept_at':200,'lost_at':100,'rule':'later'}]");
	/* and no "lost" when the change won */
	check_merge("{'a':1,'b':1}", "{'b':1}", "{'a':2,'b':1}", SFA_MERGE_THEIRS, "{'a':2,'b':1}",
		    "[{'field':'a','kind':'both-changed','base':1,'kept':2,"
		    "'kept_by':'bob','lost_by':'ann','kept_at':100,'lost_at':200,'rule':'theirs'}]");
	/* added on both with different values: no "base" */
	check_merge("{'id':'x'}", "{'id':'x','c':5}", "{'id':'x','c':6}", SFA_MERGE_LATER,
		    "{'id':'x','c':5}",
		    "[{'field':'c','kind':'both-changed','kept':5,'lost':6,"
		    "'kept_by':'ann','lost_by':'bob','kept_at':200,'lost_at':100,'rule':'later'}]");
	/* null against a removal: "kept" is null, "lost" is not there; a base of null is kept as null */
	check_merge("{'a':1}", "{'a':null}", "{}", SFA_MERGE_LATER, "{'a':null}",
		    "[{'field':'a','kind':'both-changed','base':1,'kept':null,"
		    "'kept_by':'ann','lost_by':'bob','kept_at':200,'lost_at':100,'rule':'later'}]");
	check_merge("{'a':null}", "{'a':2}", "{}", SFA_MERGE_THEIRS, "{}",
		    "[{'field':'a','kind':'both-changed','base':null,'lost':2,"
		    "'kept_by':'bob','lost_by':'ann','kept_at':100,'lost_at':200,'rule':'theirs'}]");
}

static void test_delete(void)
{
	/* deleted against edited: the edited record whole, whatever the rule */
	check_merge_at("{'a':1,'b':1}", NULL, 200, "{'a':1,'b':2}", 100, SFA_MERGE_OURS,
		       "{'a':1,'b':2}",
		       "[{'field':null,'kind':'delete-edit','kept':'theirs',"
		       "'kept_by':'bob','lost_by':'ann','kept_at':100,'lost_at':200}]");
	check_merge_at("{'a':1,'b':1}", "{'b':1,'c':3}", 100, NULL, 200, SFA_MERGE_THEIRS,
		       "{'b':1,'c':3}",
		       "[{'field':null,'kind':'delete-edit','kept':'ours',"
		       "'kept_by':'ann','lost_by':'bob','kept_at':100,'lost_at':200}]");
	/* deleted against unchanged: deleted, either way round */
	check_merge("{'a':1}", NULL, "{'a':1}", SFA_MERGE_THEIRS, NULL, "[]");
	check_merge("{'a':1}", "{'a':1}", NULL, SFA_MERGE_OURS, NULL, "[]");
	/* deleted on both */
	check_merge("{'a':1}", NULL, NULL, SFA_MERGE_LATER, NULL, "[]");
	/* new on one side only, and on neither */
	check_merge(NULL, NULL, "{'a':1}", SFA_MERGE_OURS, "{'a':1}", "[]");
	check_merge(NULL, "{'a':2}", NULL, SFA_MERGE_THEIRS, "{'a':2}", "[]");
	check_merge(NULL, NULL, NULL, SFA_MERGE_LATER, NULL, "[]");
}

static void test_both_added(void)
{
	check_merge(NULL, "{'id':'x','name':'Acme','city':'Oslo'}",
		    "{'id':'x','name':'ACME','phone':'1'}", SFA_MERGE_LATER,
		    "{'id':'x','name':'Acme','city':'Oslo','phone':'1'}",
		    "[{'field':'name','kind':'both-changed','kept':'Acme','lost':'ACME',"
		    "'kept_by':'ann','lost_by':'bob','kept_at':200,'lost_at':100,'rule':'later'}]");
}

#define EV(day, stage) "{'at':'2026-01-0" #day "T10:00:00Z','stage':'" stage "'}"

/* The event-list merge both ways round and under every rule gives `expected`, logging nothing. */
static void check_events(const char *base, const char *ours, const char *theirs, const char *expected)
{
	for (int rule = SFA_MERGE_LATER; rule <= SFA_MERGE_THEIRS; rule++) {
		struct result ab = merge(base, ours, theirs, (enum sfa_merge_rule)rule);
		struct result ba = merge(base, theirs, ours, (enum sfa_merge_rule)rule);
		CHECK_JSON(ab.out, expected);
		CHECK_JSON(ba.out, expected);
		CHECK_JSON(ab.log, "[]");
		CHECK_JSON(ba.log, "[]");
		result_release(&ab);
		result_release(&ba);
	}
}

static void test_events(void)
{
	struct result r;

	/* additions interleave by time, duplicates once, "qualify" removed on one side stays removed */
	check_events("{'id':'x','stage_history':[" EV(1, "new") "," EV(3, "qualify") "]}",
		     "{'id':'x','stage_history':[" EV(1, "new") "," EV(3, "qualify") "," EV(5, "propose")
		     "," EV(2, "call") "]}",
		     "{'id':'x','stage_history':[" EV(2, "call") "," EV(1, "new") "," EV(4, "demo") ","
		     EV(5, "propose") "]}",
		     "{'id':'x','stage_history':[" EV(1, "new") "," EV(2, "call") "," EV(4, "demo") ","
		     EV(5, "propose") "]}");

	/* the same time on both: ordered by the whole entry */
	check_events("{'h':[" EV(1, "new") "]}",
		     "{'h':[" EV(1, "new") "," EV(2, "won") "]}",
		     "{'h':[" EV(1, "new") "," EV(2, "call") "]}",
		     "{'h':[" EV(1, "new") "," EV(2, "call") "," EV(2, "won") "]}");

	/* an entry edited on one side (removed and added) next to an addition on the other */
	check_events("{'h':[" EV(1, "new") "," EV(3, "qualify") "]}",
		     "{'h':[" EV(1, "new") ",{'at':'2026-01-03T10:00:00Z','stage':'qualify','note':'x'}]}",
		     "{'h':[" EV(1, "new") "," EV(3, "qualify") "," EV(5, "propose") "]}",
		     "{'h':[" EV(1, "new") ",{'at':'2026-01-03T10:00:00Z','note':'x','stage':'qualify'},"
		     EV(5, "propose") "]}");

	/* duplicates within one side count once; everything removed on one side */
	check_events("{'h':[" EV(1, "new") "," EV(3, "qualify") "]}",
		     "{'h':[" EV(5, "propose") "," EV(1, "new") "," EV(5, "propose") "]}",
		     "{'h':[]}",
		     "{'h':[" EV(5, "propose") "]}");

	/* added on both sides with no base */
	check_events("{}", "{'h':[" EV(4, "demo") "]}", "{'h':[" EV(2, "call") "]}",
		     "{'h':[" EV(2, "call") "," EV(4, "demo") "]}");

	/* a list removed on one side and changed on the other: an ordinary conflict */
	r = merge("{'h':[" EV(1, "new") "]}", "{}", "{'h':[" EV(1, "new") "," EV(2, "call") "]}",
		  SFA_MERGE_LATER);
	CHECK_JSON(r.out, "{}");
	CHECK_JSON(json_object_get(json_array_get(r.log, 0), "lost"), "[" EV(1, "new") "," EV(2, "call") "]");
	result_release(&r);

	/* other arrays are plain values: no union */
	r = merge("{'tags':['a']}", "{'tags':['a','b']}", "{'tags':['a','c']}", SFA_MERGE_LATER);
	CHECK_JSON(r.out, "{'tags':['a','b']}");
	CHECK_INT(json_array_size(r.log), 1);
	result_release(&r);
	r = merge("{'h':[" EV(1, "new") "]}", "{'h':[" EV(1, "new") ",{'stage':'x'}]}",
		  "{'h':[" EV(1, "new") "," EV(2, "call") "]}", SFA_MERGE_THEIRS);
	CHECK_JSON(r.out, "{'h':[" EV(1, "new") "," EV(2, "call") "]}");
	CHECK_INT(json_array_size(r.log), 1);
	result_release(&r);
	r = merge("{'h':[" EV(1, "new") "]}", "{'h':[" EV(1, "new") ",{'at':5}]}",
		  "{'h':[" EV(1, "new") "," EV(2, "call") "]}", SFA_MERGE_OURS);
	CHECK_JSON(r.out, "{'h':[" EV(1, "new") ",{'at':5}]}");
	CHECK_INT(json_array_size(r.log), 1);
	result_release(&r);
}

static void test_updated_at(void)
{
	struct result r;

	/* the greater stamp, though its side changed the record earlier and the rule is theirs */
	check_merge_at("{'updated_at':'2026-01-01T00:00:00Z','a':1}",
		       "{'updated_at':'2026-01-05T00:00:00Z','a':1}", 100,
		       "{'updated_at':'2026-01-03T00:00:00Z','a':2}", 200, SFA_MERGE_THEIRS,
		       "{'updated_at':'2026-01-05T00:00:00Z','a':2}", "[]");

	/* removed on one side: an ordinary conflict */
	r = merge("{'updated_at':'2026-01-01T00:00:00Z'}", "{}", "{'updated_at':'2026-01-03T00:00:00Z'}",
		  SFA_MERGE_LATER);
	CHECK_JSON(r.out, "{}");
	CHECK_INT(json_array_size(r.log), 1);
	result_release(&r);

	/* another time field is an ordinary one */
	r = merge("{'created_at':'2026-01-01T00:00:00Z'}", "{'created_at':'2026-01-02T00:00:00Z'}",
		  "{'created_at':'2026-01-03T00:00:00Z'}", SFA_MERGE_LATER);
	CHECK_JSON(r.out, "{'created_at':'2026-01-02T00:00:00Z'}");
	CHECK_INT(json_array_size(r.log), 1);
	result_release(&r);
}

static void test_nested(void)
{
	/* an object is one value: no merge of its members */
	check_merge("{'addr':{'city':'Oslo','zip':'1'}}", "{'addr':{'city':'Bergen','zip':'1'}}",
		    "{'addr':{'city':'Oslo','zip':'2'}}", SFA_MERGE_LATER,
		    "{'addr':{'city':'Bergen','zip':'1'}}",
		    "[{'field':'addr','kind':'both-changed','base':{'city':'Oslo','zip':'1'},"
		    "'kept':{'city':'Bergen','zip':'1'},'lost':{'city':'Oslo','zip':'2'},"
		    "'kept_by':'ann','lost_by':'bob','kept_at':200,'lost_at':100,'rule':'later'}]");
}

static void test_bad_input(void)
{
	struct result r;

	r = merge("[1]", "{}", "{}", SFA_MERGE_LATER);
	CHECK_INT(r.err, SFA_EINPUT);
	CHECK(!r.out && !r.log);
	CHECK_STR(sfa_error_last(), "'base': the record is not a JSON object");
	r = merge("{}", "'x'", "{}", SFA_MERGE_LATER);
	CHECK_INT(r.err, SFA_EINPUT);
	CHECK(!r.out && !r.log);
	CHECK_STR(sfa_error_last(), "'ours': the record is not a JSON object");
	r = merge(NULL, "{}", "null", SFA_MERGE_LATER);
	CHECK_INT(r.err, SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'theirs': the record is not a JSON object");
	r = merge(NULL, NULL, "[]", SFA_MERGE_LATER);
	CHECK_INT(r.err, SFA_EINPUT);
	CHECK(!r.out && !r.log);
}

static void test_who(void)
{
	json_t *b = json_of("{'a':1}"), *o = json_of("{'a':2}"), *t = json_of("{'a':3}");
	struct sfa_merge_side os = side(o, 5, NULL), ts = side(t, 7, "\xff bad");
	json_t *out = NULL, *log = NULL;

	/* an unknown or broken name is null in the log */
	CHECK_INT(sfa_merge_record(&out, &log, b, &os, &ts, SFA_MERGE_LATER), 0);
	CHECK_JSON(out, "{'a':3}");
	CHECK_JSON(log, "[{'field':'a','kind':'both-changed','base':1,'kept':3,'lost':2,"
		   "'kept_by':null,'lost_by':null,'kept_at':7,'lost_at':5,'rule':'later'}]");
	json_decref(out);
	json_decref(log);

	/* no log wanted */
	out = NULL;
	CHECK_INT(sfa_merge_record(&out, NULL, b, &os, &ts, SFA_MERGE_OURS), 0);
	CHECK_JSON(out, "{'a':2}");
	json_decref(out);
	json_decref(b);
	json_decref(o);
	json_decref(t);
}

static void test_rule_parse(void)
{
	enum sfa_merge_rule rule = SFA_MERGE_OURS;

	CHECK_INT(sfa_merge_rule_parse(&rule, "later"), 0);
	CHECK_INT(rule, SFA_MERGE_LATER);
	CHECK_INT(sfa_merge_rule_parse(&rule, "theirs"), 0);
	CHECK_INT(rule, SFA_MERGE_THEIRS);
	CHECK_INT(sfa_merge_rule_parse(&rule, "ours"), 0);
	CHECK_INT(rule, SFA_MERGE_OURS);
	CHECK_INT(sfa_merge_rule_parse(&rule, "mine"), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'mine': expected later, ours or theirs");
	CHECK_INT(rule, SFA_MERGE_OURS);
	CHECK_INT(sfa_merge_rule_parse(&rule, "Later"), SFA_EINPUT);
	CHECK_INT(sfa_merge_rule_parse(&rule, "later "), SFA_EINPUT);
	CHECK_INT(sfa_merge_rule_parse(&rule, ""), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "'': expected later, ours or theirs");
	CHECK_INT(sfa_merge_rule_parse(&rule, NULL), SFA_EINPUT);
	CHECK_STR(sfa_merge_rule_name(SFA_MERGE_LATER), "later");
	CHECK_STR(sfa_merge_rule_name(SFA_MERGE_OURS), "ours");
	CHECK_STR(sfa_merge_rule_name(SFA_MERGE_THEIRS), "theirs");
}

static void test_resolve(void)
{
	json_t *rec = json_of("{'id':'x','stage':'new','note':'a'}");
	json_t *v = json_of("[{'at':'2026-01-01T00:00:00Z'}]"), *arr = json_array();
	json_t *won = json_string("won");

	CHECK_INT(sfa_merge_resolve(rec, "stage", won), 0);
	CHECK_INT(sfa_merge_resolve(rec, "hist", v), 0);
	/* a copy: changing the value afterwards does not reach the record */
	json_array_clear(v);
	CHECK_INT(sfa_merge_resolve(rec, "note", NULL), 0);
	CHECK_INT(sfa_merge_resolve(rec, "gone", NULL), 0);
	CHECK_JSON(rec, "{'id':'x','stage':'won','hist':[{'at':'2026-01-01T00:00:00Z'}]}");

	CHECK_INT(sfa_merge_resolve(rec, "id", won), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'id': a record's id cannot be changed");
	CHECK_INT(sfa_merge_resolve(rec, "id", NULL), SFA_EINPUT);
	CHECK_INT(sfa_merge_resolve(rec, "Stage", v), SFA_EINPUT);
	CHECK_INT(sfa_merge_resolve(rec, "", v), SFA_EINPUT);
	CHECK_INT(sfa_merge_resolve(rec, "_x", v), SFA_EINPUT);
	CHECK_JSON(rec, "{'id':'x','stage':'won','hist':[{'at':'2026-01-01T00:00:00Z'}]}");
	CHECK_INT(sfa_merge_resolve(arr, "stage", v), SFA_EINPUT);
	CHECK_INT(json_array_size(arr), 0);
	json_decref(rec);
	json_decref(v);
	json_decref(arr);
	json_decref(won);
}

/* A fixed-seed generator (xorshift64*), so that a failing case comes back on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

static const char *const values[] = {
	"null", "0", "1", "1.5", "true", "'a'", "'b'", "'\xc3\xa9'", "{'x':1}", "{'x':2}",
	"[1,2]", "[]",
};
#define NVALUES (sizeof(values) / sizeof(values[0]))
static const char *const fields[] = { "f0", "f1", "f2", "f3", "f4" };
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* A side's edit of `base`: each field kept, changed (maybe to what it was) or removed. */
static json_t *random_edit(const json_t *base)
{
	json_t *rec = json_deep_copy(base);

	for (size_t i = 0; i < NFIELDS; i++) {
		switch (rnd(4)) {
		case 0:
			json_object_del(rec, fields[i]);
			break;
		case 1:
			json_object_set_new(rec, fields[i], json_of(values[rnd(NVALUES)]));
			break;
		}
	}
	return rec;
}

/* The log entry for `field`, and how many there are. */
static const json_t *log_find(const json_t *log, const char *field, int *count)
{
	const json_t *found = NULL;

	*count = 0;
	for (size_t i = 0; i < json_array_size(log); i++) {
		const json_t *e = json_array_get(log, i);
		if (!strcmp(json_string_value(json_object_get(e, "field")), field)) {
			found = e;
			(*count)++;
		}
	}
	return found;
}

/* What is wrong with the merge of field `f`, or NULL. */
static const char *field_fault(const char *f, const json_t *base, const struct sfa_merge_side *os,
			       const struct sfa_merge_side *ts, enum sfa_merge_rule rule,
			       const json_t *out, const json_t *log)
{
	const json_t *b = json_object_get(base, f), *o = json_object_get(os->rec, f);
	const json_t *t = json_object_get(ts->rec, f), *r = json_object_get(out, f), *e;
	int n;

	e = log_find(log, f, &n);
	if (!same(r, b) && !same(r, o) && !same(r, t))
		return "a value from nowhere";
	if (!same(o, b) && same(t, b) && !same(r, o))
		return "our change lost";
	if (same(o, b) && !same(t, b) && !same(r, t))
		return "their change lost";
	if (same(o, b) || same(t, b) || same(o, t))
		return n ? "logged without a conflict" : NULL;
	if (n != 1)
		return "a conflict not logged once";
	if (!same(json_object_get(e, "kept"), r) || !same(json_object_get(e, "base"), b))
		return "kept or base logged wrong";
	if (!same(json_object_get(e, "lost"), same(r, o) ? t : o))
		return "lost value logged wrong";
	if (strcmp(json_string_value(json_object_get(e, "kept_by")), same(r, o) ? os->who : ts->who))
		return "kept_by wrong";
	if ((rule == SFA_MERGE_OURS || (rule == SFA_MERGE_LATER && os->time > ts->time)) && !same(r, o))
		return "rule: ours should have won";
	if ((rule == SFA_MERGE_THEIRS || (rule == SFA_MERGE_LATER && os->time < ts->time)) && !same(r, t))
		return "rule: theirs should have won";
	return NULL;
}

static void test_random_fields(void)
{
	int faults = 0, asymmetric = 0, conflicts = 0;

	for (int round = 0; round < 3000; round++) {
		json_t *base = json_object(), *o, *t;
		struct result m, m2 = { 0, NULL, NULL };
		enum sfa_merge_rule rule = (enum sfa_merge_rule)rnd(3);
		struct sfa_merge_side os, ts;
		const char *fault = NULL;

		for (size_t i = 0; i < NFIELDS; i++)
			if (rnd(4))
				json_object_set_new(base, fields[i], json_of(values[rnd(NVALUES)]));
		o = random_edit(base);
		t = random_edit(base);
		os = side(o, 100 + rnd(3), "ann");
		ts = side(t, 100 + rnd(3), "bob");
		m.err = sfa_merge_record(&m.out, &m.log, base, &os, &ts, rule);
		if (m.err || !json_is_object(m.out) || !json_is_array(m.log))
			fault = "merge failed";
		for (size_t i = 0; !fault && i < NFIELDS; i++)
			fault = field_fault(fields[i], base, &os, &ts, rule, m.out, m.log);
		if (!fault && json_object_size(m.out) > NFIELDS)
			fault = "extra fields";
		if (fault && ++faults <= 3)
			printf("# round %d: %s\n#   base %s\n", round, fault, text(base));
		conflicts += (int)json_array_size(m.log);
		if (rule == SFA_MERGE_LATER) {
			m2.err = sfa_merge_record(&m2.out, &m2.log, base, &ts, &os, rule);
			if (!same(m.out, m2.out) || json_array_size(m.log) != json_array_size(m2.log))
				asymmetric++;
		}
		json_decref(base);
		json_decref(o);
		json_decref(t);
		result_release(&m);
		result_release(&m2);
	}
	CHECK_INT(faults, 0);
	CHECK_INT(asymmetric, 0);
	/* the generator makes conflicts often enough to test them */
	CHECK(conflicts > 1000);
}

static const char *const events[] = {
	EV(1, "new"), EV(2, "call"), EV(2, "demo"), EV(3, "qualify"), EV(3, "won"), EV(4, "lost"),
};
#define NEVENTS (sizeof(events) / sizeof(events[0]))

/* An event list: entries of `from` each kept at 3 in 4, and new ones, maybe twice, shuffled. */
static json_t *random_events(const json_t *from)
{
	json_t *list = json_array();
	size_t i, n;

	for (i = 0; i < json_array_size(from); i++)
		if (rnd(4))
			json_array_append(list, json_array_get(from, i));
	for (i = 0; i < NEVENTS; i++)
		if (!rnd(4))
			json_array_append_new(list, json_of(events[i]));
	n = json_array_size(list);
	for (i = n; i > 1; i--) {
		size_t j = rnd((unsigned)i);
		json_t *a = json_incref(json_array_get(list, i - 1));
		json_array_set(list, i - 1, json_array_get(list, j));
		json_array_set_new(list, j, a);
	}
	return list;
}

/* Whether array `list` holds `e`. */
static int has(const json_t *list, const json_t *e)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), e))
			return 1;
	return 0;
}

/* What is wrong with `r`, the union of lists `b`, `o`, `t` all different, or NULL. */
static const char *union_fault(const json_t *b, const json_t *o, const json_t *t, const json_t *r)
{
	const json_t *sides[2] = { o, t };

	for (size_t i = 0; i < json_array_size(r); i++) {
		const json_t *e = json_array_get(r, i);
		if (i && strcmp(json_string_value(json_object_get(json_array_get(r, i - 1), "at")),
				json_string_value(json_object_get(e, "at"))) > 0)
			return "not in time order";
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(r, j), e))
				return "an entry twice";
		if (!has(o, e) && !has(t, e))
			return "an entry from nowhere";
		if (has(b, e) && !(has(o, e) && has(t, e)))
			return "a removed entry is back";
	}
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < json_array_size(sides[s]); i++)
			if (!has(r, json_array_get(sides[s], i)) && !has(b, json_array_get(sides[s], i)))
				return "an added entry lost";
	for (size_t i = 0; i < json_array_size(b); i++) {
		const json_t *e = json_array_get(b, i);
		if (has(o, e) && has(t, e) && !has(r, e))
			return "a kept entry lost";
	}
	return NULL;
}

static void test_random_events(void)
{
	int faults = 0, unions = 0;

	for (int round = 0; round < 2000; round++) {
		json_t *bl = random_events(NULL), *base = json_object();
		json_t *o = json_object(), *t = json_object();
		struct result m, m2;
		const json_t *bh, *oh, *th, *r;
		struct sfa_merge_side os, ts;
		const char *fault = NULL;

		json_object_set_new(base, "h", bl);
		json_object_set_new(o, "h", random_events(bl));
		json_object_set_new(t, "h", random_events(bl));
		os = side(o, 100 + rnd(2), "ann");
		ts = side(t, 100 + rnd(2), "bob");
		m.err = sfa_merge_record(&m.out, &m.log, base, &os, &ts, (enum sfa_merge_rule)rnd(3));
		m2.err = sfa_merge_record(&m2.out, &m2.log, base, &ts, &os, (enum sfa_merge_rule)rnd(3));
		bh = json_object_get(base, "h");
		oh = json_object_get(o, "h");
		th = json_object_get(t, "h");
		r = json_object_get(m.out, "h");
		if (m.err || m2.err || json_array_size(m.log) || json_array_size(m2.log))
			fault = "failed or logged";
		else if (same(oh, bh) || same(oh, th))
			fault = same(r, th) ? NULL : "their list lost";
		else if (same(th, bh))
			fault = same(r, oh) ? NULL : "our list lost";
		else if (!(fault = union_fault(bh, oh, th, r)))
			fault = same(m.out, m2.out) ? NULL : "asymmetric";
		if (!fault && !same(oh, bh) && !same(th, bh) && !same(oh, th))
			unions++;
		if (fault && ++faults <= 3)
			printf("# round %d: %s\n#   base %s\n", round, fault, text(base));
		json_decref(base);
		json_decref(o);
		json_decref(t);
		result_release(&m);
		result_release(&m2);
	}
	CHECK_INT(faults, 0);
	CHECK(unions > 500);
}

void unit_tests(void)
{
	test_one_side();
	test_rules();
	test_tie();
	test_absent_values();
	test_delete();
	test_both_added();
	test_events();
	test_updated_at();
	test_nested();
	test_bad_input();
	test_who();
	test_rule_parse();
	test_resolve();
	test_random_fields();
	test_random_events();
}
