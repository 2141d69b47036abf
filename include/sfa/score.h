/*
 * Lead scoring from the "lead" part of config/scoring.json: points from
 * rules, a grade, staleness decay, and a learned score (naive Bayes over
 * past converted and disqualified leads). Pure functions over records
 * (flat jansson objects); the caller reads the config and the records.
 *
 * Rules, in "rules" (each: "field", one condition, "points", optional
 * "name", default "FIELD CONDITION", "FIELD range" for min with max):
 *   equals        text or number; text compares folded (sfa_utf8_fold) and
 *                 trimmed, so "de" equals "DE" and "müller" "MÜLLER"; a
 *                 number compares numerically with the value read as a
 *                 number (below); `true`/`false` values read as that text
 *   in            a non-empty array of such texts and numbers: any equals
 *   contains      text or non-empty array of texts: any is a substring of
 *                 the folded value
 *   min, max      inclusive bounds, either or both, on the value read as a
 *                 number (a rule whose value reads as none does not apply)
 *   present       true: a value that is not null and not blank; false: none
 *   within_days   N: the value is an ISO 8601 date or date-time from N days
 *                 before `now` up to `now` (later ones are not "within")
 * A rule on a field the record lacks (or holds null) does not apply, except
 * present:false.
 *
 * A value reads as a number when it is a JSON number, a decimal number as
 * text ("250", "-3.5", spaces around allowed) or an amount as
 * sfa_money_parse reads it ("1200.50 EUR" and "EUR 1200.50" read as
 * 1200.5); anything else ("50-199", "about 250", "1,200") reads as none.
 *
 * The score is the sum of the points of the rules that apply, less the
 * decay, and never below 0 (whether negative points or the decay take it
 * there). Decay: the record is idle for floor((now - date) / 1 day) days,
 * date being the "decay.field" value, or "decay.fallback" when the first
 * is missing or not a date; no date, no decay. When idle > "after_days",
 * the decay is "points_per_30_days" for each full 30 days past after_days,
 * rounded down: floor((idle - after_days) / 30). Rounding down means a
 * lead loses nothing until a whole period has passed.
 *
 * "grades": highest first, each {"grade": TEXT, "min": INTEGER}, every
 * min strictly lower than the one before, the last min may be null (every
 * score). The grade is the first whose min <= score; none when the score
 * is below the last min or there are no grades.
 *
 * Every part of the config is optional; "{}" scores every record 0.
 * Config errors are SFA_EINPUT with the message "PATH: reason", PATH the
 * place of the offending value within the object given to
 * sfa_score_parse, like "rules[3].points", "grades[1].min",
 * "decay.after_days", "learned.positive.status[0]" (never a space in
 * it); where no value can be pointed at, the path of its container:
 * "rules[2]: no condition (...)". Only a config that is not an object, and
 * an unknown top-level key that cannot be written as a path, get no path.
 */
#ifndef SFA_SCORE_H
#define SFA_SCORE_H

#include <time.h>
#include <jansson.h>

#include "sfa/buf.h"

/* Bounds on config numbers, so sums and day counts cannot overflow. */
#define SFA_SCORE_POINTS_MAX 1000000
#define SFA_SCORE_DAYS_MAX 100000

struct sfa_score_rules;

/*
 * Parses and checks the lead scoring config. `config` is borrowed and
 * may be released afterwards: `*out` copies what it needs.
 */
int sfa_score_parse(struct sfa_score_rules **out, const json_t *config);
void sfa_score_free(struct sfa_score_rules *r);

/* A rule that applied. `rule` and `field` belong to the rules. */
struct sfa_score_hit {
	const char *rule;	/* its name */
	const char *field;
	const char *value;	/* the value's text, "" when it has none */
	long points;
};

/*
 * The outcome for one record. Initialise with SFA_SCORE_RESULT_INIT and
 * pass it to every sfa_score_eval: its memory is reused, so scoring many
 * records allocates only while the hits or their texts outgrow what an
 * earlier record needed. Everything in it stays valid until the next
 * sfa_score_eval or sfa_score_result_release, and (`grade`, the hits'
 * `rule` and `field`) while the rules live; nothing points into the record.
 */
struct sfa_score_result {
	long score;		/* points - decay, never below 0 */
	long points;		/* sum of the hits' points */
	long decay;		/* points taken off for staleness, 0 for none */
	long idle_days;		/* days since the decay date (0 if later), -1 without one */
	const char *grade;	/* NULL when no grade is reached or none are set */
	struct sfa_score_hit *hits;	/* in the order of the rules */
	size_t nhits, hits_alloc;
	struct sfa_buf text;	/* the hits' value texts */
	struct sfa_buf scratch;	/* folded values */
};
#define SFA_SCORE_RESULT_INIT { 0, 0, 0, -1, NULL, NULL, 0, 0, SFA_BUF_INIT, SFA_BUF_INIT }

/*
 * Scores `rec` (borrowed) as of `now`. Returns 0, or SFA_EINPUT when
 * `rec` is not an object. Reading dates and amounts may replace the text
 * of sfa_error_last() even when it returns 0.
 */
int sfa_score_eval(struct sfa_score_result *out, const struct sfa_score_rules *r,
		   const json_t *rec, time_t now);
void sfa_score_result_release(struct sfa_score_result *res);

/*
 * The learned score, from "learned": {"fields": [FIELD...], "positive":
 * {FIELD: [VALUE...]}, "negative": {FIELD: [VALUE...]}} (a single VALUE
 * may stand without brackets). A training record is positive when any of
 * its "positive" fields holds one of the listed values (folded, trimmed),
 * negative likewise; one that is both or neither is left out. A class
 * field cannot be a feature: it would give the answer away.
 *
 * Naive Bayes over the features, one categorical value per field: the
 * value's folded, trimmed text, a missing or blank one counting as one
 * value shown as "(none)". With N_c training records of class c, n_c(v)
 * of them holding v in field f, and V_f the distinct values of f in
 * training plus one (for values never seen):
 *   P(v | c) = (n_c(v) + 1) / (N_c + V_f)
 *   P(c)     = (N_c + 1) / (N_pos + N_neg + 2)
 *   log odds = log P(pos)/P(neg) + sum over f of log P(v_f|pos)/P(v_f|neg)
 *   P(pos | x) = 1 / (1 + exp(-log odds))
 */
struct sfa_score_model;

/*
 * A model with no training yet for the "learned" part of `r`, which is
 * borrowed and must outlive the model. SFA_ENOTFOUND when the config has
 * no "learned" part.
 */
int sfa_score_model_new(struct sfa_score_model **out, const struct sfa_score_rules *r);
/*
 * Counts `rec` (borrowed) in training. Returns 1 when the record takes
 * part (positive or negative), 0 when it is left out, SFA_EINPUT when it
 * is not an object.
 */
int sfa_score_learn(struct sfa_score_model *m, const json_t *rec);
/* Training records counted so far, by class. */
void sfa_score_model_counts(const struct sfa_score_model *m, size_t *positive, size_t *negative);
void sfa_score_model_free(struct sfa_score_model *m);

/* What one field's value says: > 0 for converting, < 0 against. */
struct sfa_score_factor {
	const char *field;	/* belongs to the rules */
	const char *value;	/* folded text, or "(none)" */
	double llr;		/* log P(value | pos) / P(value | neg) */
};

/*
 * A learned score. Initialise with SFA_SCORE_PREDICTION_INIT and reuse it
 * like sfa_score_result; valid until the next sfa_score_predict or
 * sfa_score_prediction_release.
 */
struct sfa_score_prediction {
	double prob;		/* P(pos | record), in [0, 1] */
	double prior_llr;	/* log P(pos) / P(neg) */
	struct sfa_score_factor *factors;	/* one per field, strongest first */
	size_t nfactors, factors_alloc;
	struct sfa_buf text;	/* the factors' value texts */
	struct sfa_buf scratch;
};
#define SFA_SCORE_PREDICTION_INIT { 0, 0, NULL, 0, 0, SFA_BUF_INIT, SFA_BUF_INIT }

/*
 * Predicts for `rec` (borrowed; SFA_EINPUT when not an object). Factors
 * are sorted by |llr|, largest first, ties in the order of
 * "learned.fields". Without a training record of either class,
 * SFA_ENOTFOUND with the message "not enough history: N converted, M
 * disqualified leads", the words being the configured values joined by
 * "or", those of a class's second and later fields as FIELD=VALUE
 * ("disqualified or lost or do_not_contact=true").
 */
int sfa_score_predict(struct sfa_score_prediction *out, const struct sfa_score_model *m,
		      const json_t *rec);
void sfa_score_prediction_release(struct sfa_score_prediction *p);

#endif
