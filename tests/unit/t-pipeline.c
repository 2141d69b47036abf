#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sfa/error.h"
#include "sfa/pipeline.h"
#include "unit.h"
#include "sfa/banned.h"

/* The message of the error parsing `config` gives, or "(accepted)". */
static const char *refusal(const char *config)
{
	static char msg[512];
	struct sfa_pipelines *ps = NULL;
	json_t *c = unit_json(config);
	int err;

	if (!c)
		return "(bad test JSON)";
	err = sfa_pipelines_parse(&ps, c);
	json_decref(c);
	if (err >= 0) {
		sfa_pipelines_free(ps);
		return "(accepted)";
	}
	if (ps)
		return "(refused but handed out pipelines)";
	snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

#define CHECK_REFUSED(config, expected) CHECK_STR(refusal(config), expected)

/* Stages of a pipeline that is valid unless the test changes it. */
#define OPEN(name, extra) "{\"name\": \"" name "\", \"probability\": 10, \"category\": \"pipeline\"" extra "}"
#define WON "{\"name\": \"w\", \"probability\": 100, \"category\": \"closed\", \"won\": true}"
#define LOST "{\"name\": \"l\", \"probability\": 0, \"category\": \"omitted\", \"lost\": true}"
/* A config of one pipeline "p" with `stages` (the text inside the list) and `extra` settings. */
#define ONE(stages, extra) "{\"pipelines\": {\"p\": {\"stages\": [" stages "]" extra "}}}"
#define BASIC OPEN("a", "") ", " WON ", " LOST

static void test_shipped(void)
{
	static const char *const names[] = { "prospecting", "qualification", "needs-analysis", "proposal",
					      "negotiation", "closed-won", "closed-lost" };
	static const int probs[] = { 10, 20, 40, 60, 80, 100, 0 };
	static const enum sfa_category cats[] = { SFA_CAT_PIPELINE, SFA_CAT_PIPELINE, SFA_CAT_PIPELINE,
						  SFA_CAT_BEST_CASE, SFA_CAT_COMMIT, SFA_CAT_CLOSED,
						  SFA_CAT_OMITTED };
	static const int rot[] = { 30, 21, 21, 14, 10, 0, 0 };
	struct sfa_pipelines *ps = NULL;
	const struct sfa_pipeline *p, *sv;
	const struct sfa_stage *st;
	json_error_t jerr;
	json_t *cfg = json_load_file("share/config/pipelines.json", 0, &jerr);

	if (!CHECK(cfg != NULL)) {
		printf("# share/config/pipelines.json: %s\n", jerr.text);
		return;
	}
	if (!CHECK_INT(sfa_pipelines_parse(&ps, cfg), 0)) {
		printf("# %s\n", sfa_error_last());
		json_decref(cfg);
		return;
	}
	/* the parsed pipelines hold their own reference to the config */
	json_decref(cfg);

	CHECK_INT(ps->n, 2);
	CHECK(ps->def != NULL);
	CHECK_STR(ps->def ? ps->def->name : NULL, "sales");
	CHECK(sfa_pipeline_find(ps, NULL) == ps->def);
	CHECK(json_is_array(ps->lost_reasons));
	CHECK_INT(json_array_size(ps->lost_reasons), 8);
	CHECK_STR(json_string_value(json_array_get(ps->lost_reasons, 0)), "price");
	CHECK_STR(json_string_value(json_array_get(ps->lost_reasons, 7)), "other");

	p = sfa_pipeline_find(ps, "sales");
	CHECK(p == ps->def);
	if (!p)
		goto done;
	CHECK_STR(p->about, "new business: from first contact to a signed order");
	CHECK_INT(p->nstages, 7);
	for (size_t i = 0; i < 7 && i < p->nstages; i++) {
		CHECK_STR(p->stages[i].name, names[i]);
		CHECK_INT(p->stages[i].probability, probs[i]);
		CHECK_INT(p->stages[i].category, cats[i]);
		CHECK_INT(p->stages[i].rot_days, rot[i]);
		CHECK_INT(p->stages[i].won, i == 5);
		CHECK_INT(p->stages[i].lost, i == 6);
		CHECK(p->stages[i].to == NULL);
	}
	st = sfa_pipeline_stage(p, "proposal");
	CHECK(st == &p->stages[3]);
	CHECK(st && json_is_array(st->required) && json_array_size(st->required) == 2);
	CHECK_STR(st ? json_string_value(json_array_get(st->required, 0)) : NULL, "amount");
	CHECK_STR(st ? json_string_value(json_array_get(st->required, 1)) : NULL, "close_date");
	CHECK(p->stages[0].required == NULL);
	CHECK(p->stages[6].required == NULL);
	CHECK(sfa_pipeline_closing(p, 1) == &p->stages[5]);
	CHECK(sfa_pipeline_closing(p, 0) == &p->stages[6]);
	CHECK(sfa_pipeline_stage(p, "contract") == NULL);
	CHECK(sfa_pipeline_stage(p, "Proposal") == NULL);
	CHECK(sfa_pipeline_stage(p, NULL) == NULL);
	CHECK(json_is_array(p->on_won) && json_array_size(p->on_won) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(p->on_won, 1), "subject")), "Training");

	sv = sfa_pipeline_find(ps, "services");
	CHECK(sv != NULL && sv != p);
	if (sv) {
		CHECK_INT(sv->nstages, 5);
		CHECK_STR(sv->stages[0].name, "scoping");
		CHECK_STR(sv->stages[2].name, "contract");
		CHECK_INT(sv->stages[2].probability, 85);
		CHECK_INT(sv->stages[2].category, SFA_CAT_COMMIT);
		CHECK_INT(json_array_size(sv->stages[2].required), 3);
		CHECK(sfa_pipeline_closing(sv, 1) == &sv->stages[3]);
		CHECK(sfa_pipeline_closing(sv, 0) == &sv->stages[4]);
		/* stages of the same name in two pipelines are two stages */
		CHECK(sfa_pipeline_stage(sv, "proposal") == &sv->stages[1]);
		CHECK_INT(sfa_pipeline_stage(sv, "proposal")->probability, 50);
	}
	CHECK(sfa_pipeline_find(ps, "renewals") == NULL);
	CHECK_STR(sfa_error_last(), "no pipeline 'renewals' (pipelines: sales, services)");

	CHECK_STR(sfa_category_name(SFA_CAT_PIPELINE), "pipeline");
	CHECK_STR(sfa_category_name(SFA_CAT_BEST_CASE), "best-case");
	CHECK_STR(sfa_category_name(SFA_CAT_COMMIT), "commit");
	CHECK_STR(sfa_category_name(SFA_CAT_CLOSED), "closed");
	CHECK_STR(sfa_category_name(SFA_CAT_OMITTED), "omitted");
done:
	sfa_pipelines_free(ps);
}

static void test_small(void)
{
	struct sfa_pipelines *ps = NULL;
	json_t *c = unit_json(ONE(OPEN("a", ", \"to\": [\"l\", \"b\"]") ", " OPEN("b", ", \"rot_days\": 0") ", "
			   LOST ", " WON, ""));

	/* one pipeline is the default without saying so; "to" may name later stages */
	if (!CHECK_INT(sfa_pipelines_parse(&ps, c), 0)) {
		printf("# %s\n", sfa_error_last());
		json_decref(c);
		return;
	}
	json_decref(c);
	CHECK_INT(ps->n, 1);
	CHECK(ps->def == &ps->list[0]);
	CHECK_STR(ps->def->name, "p");
	CHECK(ps->def->about == NULL);
	CHECK(ps->def->on_won == NULL);
	CHECK(ps->lost_reasons == NULL);
	CHECK_INT(ps->def->nstages, 4);
	CHECK_INT(json_array_size(ps->def->stages[0].to), 2);
	CHECK(ps->def->stages[1].to == NULL);
	/* the first won stage and the first lost stage, wherever they are */
	CHECK(sfa_pipeline_closing(ps->def, 1) == &ps->def->stages[3]);
	CHECK(sfa_pipeline_closing(ps->def, 0) == &ps->def->stages[2]);
	sfa_pipelines_free(ps);
	sfa_pipelines_free(NULL);

	CHECK_REFUSED(ONE(BASIC, ""), "(accepted)");
	CHECK_REFUSED(ONE(OPEN("a", ", \"probability\": 0") ", " WON ", " LOST, ""), "(accepted)");
	CHECK_REFUSED(ONE(OPEN("a", "") ", " OPEN("b", "") ", " WON ", " LOST ", "
			  "{\"name\": \"w2\", \"probability\": 100, \"category\": \"omitted\", \"won\": true}", ""),
		      "(accepted)");
}

static void test_stage_errors(void)
{
	CHECK_REFUSED(ONE(OPEN("a", "") ", " OPEN("a", "") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[1].name: stage 'a' twice");
	CHECK_REFUSED(ONE(OPEN("a", "") ", " WON ", " LOST ", " OPEN("w", ""), ""),
		      "pipelines.p.stages[3].name: stage 'w' twice");

	CHECK_REFUSED(ONE(OPEN("a", "") ", {\"name\": \"b\", \"probability\": 101, \"category\": \"pipeline\"}, "
			  WON ", " LOST, ""),
		      "pipelines.p.stages[1].probability: expected a whole number from 0 to 100");
	CHECK_REFUSED(ONE(OPEN("a", "") ", {\"name\": \"b\", \"probability\": -1, \"category\": \"pipeline\"}, "
			  WON ", " LOST, ""),
		      "pipelines.p.stages[1].probability: expected a whole number from 0 to 100");
	CHECK_REFUSED(ONE(OPEN("a", "") ", {\"name\": \"b\", \"probability\": 50.5, \"category\": \"pipeline\"}, "
			  WON ", " LOST, ""),
		      "pipelines.p.stages[1].probability: expected a whole number from 0 to 100");
	CHECK_REFUSED(ONE(OPEN("a", "") ", {\"name\": \"b\", \"probability\": \"50\", \"category\": \"pipeline\"}, "
			  WON ", " LOST, ""),
		      "pipelines.p.stages[1].probability: expected a whole number from 0 to 100");
	CHECK_REFUSED(ONE("{\"name\": \"a\", \"category\": \"pipeline\"}, " WON ", " LOST, ""),
		      "pipelines.p.stages[0]: stage 'a' has no \"probability\"");

	CHECK_REFUSED(ONE("{\"name\": \"a\", \"probability\": 10, \"category\": \"upside\"}, " WON ", " LOST, ""),
		      "pipelines.p.stages[0].category: expected one of: pipeline, best-case, commit, closed, omitted");
	CHECK_REFUSED(ONE("{\"name\": \"a\", \"probability\": 10, \"category\": \"Pipeline\"}, " WON ", " LOST, ""),
		      "pipelines.p.stages[0].category: expected one of: pipeline, best-case, commit, closed, omitted");
	CHECK_REFUSED(ONE("{\"name\": \"a\", \"probability\": 10, \"category\": 1}, " WON ", " LOST, ""),
		      "pipelines.p.stages[0].category: expected one of: pipeline, best-case, commit, closed, omitted");
	CHECK_REFUSED(ONE("{\"name\": \"a\", \"probability\": 10}, " WON ", " LOST, ""),
		      "pipelines.p.stages[0]: stage 'a' has no \"category\"");

	CHECK_REFUSED(ONE(OPEN("a", "") ", {\"name\": \"x\", \"probability\": 100, \"category\": \"closed\", "
			  "\"won\": true, \"lost\": true}, " WON ", " LOST, ""),
		      "pipelines.p.stages[1]: stage 'x' cannot be both won and lost");
	CHECK_REFUSED(ONE(OPEN("a", "") ", {\"name\": \"w\", \"probability\": 100, \"category\": \"commit\", "
			  "\"won\": true}, " LOST, ""),
		      "pipelines.p.stages[1].category: a won stage is \"closed\" or \"omitted\"");
	CHECK_REFUSED(ONE(OPEN("a", "") ", " WON ", {\"name\": \"l\", \"probability\": 0, \"category\": \"pipeline\", "
			  "\"lost\": true}", ""),
		      "pipelines.p.stages[2].category: a lost stage is \"closed\" or \"omitted\"");
	CHECK_REFUSED(ONE(OPEN("a", ", \"won\": \"yes\"") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].won: expected true or false");

	CHECK_REFUSED(ONE(OPEN("a", "") ", " WON, ""),
		      "pipelines.p.stages: no stage with \"lost\": true (a deal must be able to close won and lost)");
	CHECK_REFUSED(ONE(OPEN("a", "") ", " LOST, ""),
		      "pipelines.p.stages: no stage with \"won\": true (a deal must be able to close won and lost)");
	CHECK_REFUSED(ONE(OPEN("a", ", \"lost\": false") ", " WON, ""),
		      "pipelines.p.stages: no stage with \"lost\": true (a deal must be able to close won and lost)");

	CHECK_REFUSED(ONE(WON ", " OPEN("a", "") ", " LOST, ""),
		      "pipelines.p.stages[0]: the first stage, where deals start, cannot close them");
	CHECK_REFUSED(ONE(LOST ", " OPEN("a", "") ", " WON, ""),
		      "pipelines.p.stages[0]: the first stage, where deals start, cannot close them");

	CHECK_REFUSED(ONE(OPEN("a", ", \"to\": [\"w\", \"zz\"]") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].to[1]: no stage 'zz' in pipeline 'p'");
	CHECK_REFUSED(ONE(OPEN("a", "") ", " OPEN("b", ", \"to\": [\"A\"]") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[1].to[0]: no stage 'A' in pipeline 'p'");
	CHECK_REFUSED(ONE(OPEN("a", ", \"to\": \"w\"") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].to: expected a list of stage names");
	CHECK_REFUSED(ONE(OPEN("a", ", \"to\": [\"w\", \"\"]") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].to[1]: expected a stage name");

	CHECK_REFUSED(ONE(OPEN("a", ", \"colour\": \"red\"") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].colour: not a stage setting (name, probability, category, required, to, "
		      "won, lost, rot_days)");
	CHECK_REFUSED(ONE(OPEN("a", ", \"rot_days\": -1") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].rot_days: expected a number of days (0: never stale)");
	CHECK_REFUSED(ONE(OPEN("a", ", \"required\": \"amount\"") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].required: expected a list of field names");
	CHECK_REFUSED(ONE(OPEN("a b", "") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].name: expected a name of 1-64 characters without blanks or commas");
	CHECK_REFUSED(ONE(OPEN("", "") ", " WON ", " LOST, ""),
		      "pipelines.p.stages[0].name: expected a name of 1-64 characters without blanks or commas");
	CHECK_REFUSED(ONE("{\"probability\": 10, \"category\": \"pipeline\"}, " WON ", " LOST, ""),
		      "pipelines.p.stages[0]: no \"name\"");
	CHECK_REFUSED(ONE("\"a\", " WON ", " LOST, ""),
		      "pipelines.p.stages[0]: expected an object like {\"name\": \"proposal\", ...}");
	CHECK_REFUSED(ONE("", ""), "pipelines.p.stages: expected a list of stages");
}

static void test_config_errors(void)
{
	CHECK_REFUSED(ONE(BASIC, ", \"colour\": \"red\""),
		      "pipelines.p.colour: not a pipeline setting (about, stages, on_won)");
	CHECK_REFUSED(ONE(BASIC, ", \"about\": 5"), "pipelines.p.about: expected text");
	CHECK_REFUSED("{\"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}, \"colour\": \"red\"}",
		      "colour: not a setting (default, lost_reasons, pipelines)");
	CHECK_REFUSED("{\"default\": \"p\"}", "pipelines: expected an object of pipelines by name");
	CHECK_REFUSED("{\"pipelines\": {}}", "pipelines: expected an object of pipelines by name");
	CHECK_REFUSED("{\"pipelines\": {\"new deals\": {\"stages\": [" BASIC "]}}}",
		      "pipelines[\"new deals\"]: a pipeline name has no blanks or commas");
	CHECK_REFUSED("{\"pipelines\": {\"p\": [" BASIC "]}}",
		      "pipelines.p: expected an object with \"stages\"");

	CHECK_REFUSED("{\"default\": \"q\", \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}}",
		      "default: no pipeline 'q'");
	CHECK_REFUSED("{\"default\": 1, \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}}",
		      "default: no pipeline '(not text)'");
	CHECK_REFUSED("{\"pipelines\": {\"p\": {\"stages\": [" BASIC "]}, \"q\": {\"stages\": [" BASIC "]}}}",
		      "default: several pipelines, so say which one deals go to by default");
	CHECK_REFUSED("{\"default\": \"q\", \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}, "
		      "\"q\": {\"stages\": [" BASIC "]}}}", "(accepted)");

	CHECK_REFUSED("{\"lost_reasons\": \"price\", \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}}",
		      "lost_reasons: expected a list of reason names");
	CHECK_REFUSED("{\"lost_reasons\": {\"price\": 1}, \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}}",
		      "lost_reasons: expected a list of reason names");
	CHECK_REFUSED("{\"lost_reasons\": [\"price\", 2], \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}}",
		      "lost_reasons[1]: expected a reason name");
	CHECK_REFUSED("{\"lost_reasons\": [], \"pipelines\": {\"p\": {\"stages\": [" BASIC "]}}}", "(accepted)");

	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"fax\", \"subject\": \"Hello\"}]"),
		      "pipelines.p.on_won[0].type: expected one of: call, meeting, email, note, task");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"task\", \"subject\": \"A\"}, {\"type\": 3, "
			  "\"subject\": \"B\"}]"),
		      "pipelines.p.on_won[1].type: expected one of: call, meeting, email, note, task");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"call\"}]"),
		      "pipelines.p.on_won[0]: needs \"type\" and \"subject\"");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"subject\": \"Hello\"}]"),
		      "pipelines.p.on_won[0]: needs \"type\" and \"subject\"");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"call\", \"subject\": \"\"}]"),
		      "pipelines.p.on_won[0].subject: expected text");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": {\"type\": \"call\", \"subject\": \"Hello\"}"),
		      "pipelines.p.on_won: expected a list of activities");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [\"call\"]"),
		      "pipelines.p.on_won[0]: expected an object like {\"type\": \"task\", \"subject\": "
		      "\"Onboarding call\", \"due_days\": 3}");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"call\", \"subject\": \"Hi\", \"due_days\": -1}]"),
		      "pipelines.p.on_won[0].due_days: expected a whole number of days");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"call\", \"subject\": \"Hi\", \"duration\": \"30\"}]"),
		      "pipelines.p.on_won[0].duration: expected a whole number of minutes");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"call\", \"subject\": \"Hi\", \"owner\": \"ann\"}]"),
		      "pipelines.p.on_won[0].owner: not an activity setting (type, subject, due_days, duration)");
	CHECK_REFUSED(ONE(BASIC, ", \"on_won\": [{\"type\": \"call\", \"subject\": \"Hi\", \"due_days\": 0, "
			  "\"duration\": 15}]"), "(accepted)");
}

/* 2026-01-01T00:00:00Z: 56 years after 1970 with 14 leap days, 20454 days. */
#define JAN1 ((time_t)1767225600)
#define DAYS(n) ((time_t)((n) * 86400.0))

static void test_path(void)
{
	struct sfa_stage_visit *v = NULL;
	size_t n = 99;
	time_t now = JAN1 + DAYS(31);	/* 2026-02-01 */
	json_t *rec = unit_json("{\"stage\": \"closed-lost\", \"stage_history\": ["
			 "{\"at\": \"2026-01-01T00:00:00Z\", \"by\": \"ann\", \"to\": \"prospecting\"}, "
			 "{\"at\": \"2026-01-11T00:00:00Z\", \"by\": \"bob\", \"from\": \"prospecting\", "
			 "\"to\": \"proposal\"}, "
			 "{\"at\": \"2026-01-21T14:00:00+02:00\", \"by\": \"ann\", \"from\": \"proposal\", "
			 "\"to\": \"closed-lost\", \"reason\": \"price\"}]}");

	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), 0);
	CHECK_INT(n, 3);
	if (v && n == 3) {
		CHECK_STR(v[0].stage, "prospecting");
		CHECK_STR(v[0].by, "ann");
		CHECK(v[0].reason == NULL);
		CHECK_INT(v[0].entered, JAN1);
		CHECK_INT(v[0].left, JAN1 + DAYS(10));
		CHECK_STR(v[1].stage, "proposal");
		CHECK_STR(v[1].by, "bob");
		CHECK_INT(v[1].entered, JAN1 + DAYS(10));
		CHECK_INT(v[1].left, JAN1 + DAYS(20.5));
		CHECK_INT(v[1].left - v[1].entered, 10.5 * 86400);
		CHECK_STR(v[2].stage, "closed-lost");
		CHECK_STR(v[2].reason, "price");
		CHECK_INT(v[2].entered, JAN1 + DAYS(20.5));
		CHECK_INT(v[2].left, now);
	}
	free(v);

	/* a clock behind the last move: the stay is empty, not negative */
	v = NULL;
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, JAN1 + DAYS(15)), 0);
	CHECK_INT(n, 3);
	if (v && n == 3)
		CHECK_INT(v[2].left, JAN1 + DAYS(20.5));
	free(v);
	json_decref(rec);

	/* no history, an empty one */
	rec = unit_json("{\"stage\": \"proposal\"}");
	v = (struct sfa_stage_visit *)1;
	n = 99;
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), 0);
	CHECK_INT(n, 0);
	CHECK(v == NULL);
	json_decref(rec);
	rec = unit_json("{\"stage_history\": []}");
	v = NULL;
	n = 99;
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), 0);
	CHECK_INT(n, 0);
	free(v);
	json_decref(rec);

	/* malformed */
	rec = unit_json("{\"stage_history\": [{\"at\": \"2026-01-01T00:00:00Z\", \"to\": \"a\"}, "
		 "{\"at\": \"2026-01-02T00:00:00Z\", \"from\": \"a\"}]}");
	v = NULL;
	n = 99;
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'stage_history': entry 2 is malformed");
	CHECK(v == NULL);
	CHECK_INT(n, 0);
	json_decref(rec);
	rec = unit_json("{\"stage_history\": [{\"at\": \"2026-01-01 09:00\", \"to\": \"a\"}]}");
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'stage_history': entry 1 is malformed");
	json_decref(rec);
	rec = unit_json("{\"stage_history\": [{\"to\": \"a\"}]}");
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), SFA_EINPUT);
	json_decref(rec);
	rec = unit_json("{\"stage_history\": [\"a\"]}");
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), SFA_EINPUT);
	json_decref(rec);
	rec = unit_json("{\"stage_history\": {\"at\": \"2026-01-01T00:00:00Z\", \"to\": \"a\"}}");
	CHECK_INT(sfa_opportunity_path(&v, &n, rec, now), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "field 'stage_history': not a list");
	json_decref(rec);
}

/* The probability of `rec` under `ps`, -2 when the test JSON is broken. */
static int prob(const struct sfa_pipelines *ps, const char *rec)
{
	json_t *v = unit_json(rec);
	int p = v ? sfa_opportunity_probability(ps, v) : -2;
	json_decref(v);
	return p;
}

static void test_probability(void)
{
	struct sfa_pipelines *ps = NULL;
	json_t *cfg = json_load_file("share/config/pipelines.json", 0, NULL);

	if (!CHECK(cfg && sfa_pipelines_parse(&ps, cfg) == 0)) {
		json_decref(cfg);
		return;
	}
	json_decref(cfg);
	/* its own override first, even when it is 0 */
	CHECK_INT(prob(ps, "{\"stage\": \"proposal\", \"probability\": 35}"), 35);
	CHECK_INT(prob(ps, "{\"stage\": \"negotiation\", \"probability\": 0}"), 0);
	CHECK_INT(prob(ps, "{\"pipeline\": \"services\", \"stage\": \"scoping\", \"probability\": 90}"), 90);
	CHECK_INT(prob(ps, "{\"stage\": \"nowhere\", \"probability\": 5}"), 5);
	/* else its stage's default, in its pipeline or the default one */
	CHECK_INT(prob(ps, "{\"stage\": \"proposal\"}"), 60);
	CHECK_INT(prob(ps, "{\"pipeline\": \"sales\", \"stage\": \"proposal\"}"), 60);
	CHECK_INT(prob(ps, "{\"pipeline\": \"services\", \"stage\": \"proposal\"}"), 50);
	CHECK_INT(prob(ps, "{\"pipeline\": \"services\", \"stage\": \"contract\"}"), 85);
	CHECK_INT(prob(ps, "{\"stage\": \"closed-won\"}"), 100);
	CHECK_INT(prob(ps, "{\"stage\": \"closed-lost\"}"), 0);
	CHECK_INT(prob(ps, "{\"stage\": \"proposal\", \"probability\": null}"), 60);
	/* unknown */
	CHECK_INT(prob(ps, "{\"stage\": \"contract\"}"), -1);
	CHECK_INT(prob(ps, "{\"pipeline\": \"renewals\", \"stage\": \"proposal\"}"), -1);
	CHECK_INT(prob(ps, "{}"), -1);
	sfa_pipelines_free(ps);
}

void unit_tests(void)
{
	test_shipped();
	test_small();
	test_stage_errors();
	test_config_errors();
	test_path();
	test_probability();
}
