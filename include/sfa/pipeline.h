/*
 * The sales process as configuration (config/pipelines.json): pipelines,
 * each an ordered list of stages with a default probability, a forecast
 * category, the fields a deal needs to enter the stage, the stages it may
 * move to, whether it closes the deal won or lost, and after how many
 * untouched days a deal in it is stale. Opportunities move through it;
 * every move is kept in the record's stage_history.
 */
#ifndef SFA_PIPELINE_H
#define SFA_PIPELINE_H

#include <time.h>
#include <jansson.h>

struct sfa_store;
struct sfa_txn;
struct sfa_filter;

enum sfa_category {
	SFA_CAT_PIPELINE, SFA_CAT_BEST_CASE, SFA_CAT_COMMIT, SFA_CAT_CLOSED, SFA_CAT_OMITTED
};
/* "pipeline", "best-case", "commit", "closed", "omitted" */
const char *sfa_category_name(enum sfa_category c);

struct sfa_stage {
	const char *name;
	int probability;		/* default for deals in it, 0-100 */
	enum sfa_category category;
	const json_t *required;		/* field names a deal needs to enter it, or NULL */
	const json_t *to;		/* the stages a deal may move to from it; NULL: any */
	int won, lost;			/* it closes the deal */
	int rot_days;			/* untouched this many days: stale; 0: never */
};

struct sfa_pipeline {
	const char *name;
	const char *about;
	struct sfa_stage *stages;
	size_t nstages;
	const json_t *on_won;		/* activities to create when a deal is won, or NULL */
};

struct sfa_pipelines {
	json_t *cfg;
	struct sfa_pipeline *list;
	size_t n;
	const struct sfa_pipeline *def;	/* for deals that name none */
	const json_t *lost_reasons;	/* the reasons a deal is lost for, or NULL: any text */
};

/* Parses config/pipelines.json (borrowed); errors "PATH: reason". */
int sfa_pipelines_parse(struct sfa_pipelines **out, const json_t *cfg);
void sfa_pipelines_free(struct sfa_pipelines *ps);
/* Checker of config/pipelines.json for the config table. */
int sfa_pipelines_check_config(struct sfa_store *s, const json_t *cfg);

/* The pipeline called `name` (NULL: the default), or NULL with the error set. */
const struct sfa_pipeline *sfa_pipeline_find(const struct sfa_pipelines *ps, const char *name);
/* The stage called `name` of `p`, or NULL. */
const struct sfa_stage *sfa_pipeline_stage(const struct sfa_pipeline *p, const char *name);
/* The first stage of `p` closing a deal won (won=1) or lost (won=0). */
const struct sfa_stage *sfa_pipeline_closing(const struct sfa_pipeline *p, int won);

/*
 * What every write of an opportunity goes through (`old` the stored
 * record, NULL for a new one; `rec` the record to store, changed in
 * place): the pipeline and first stage by default; a stage change checked
 * (the stage exists, the move is allowed, the fields the stage requires
 * are there, a lost deal has a reason from the list) and recorded in
 * stage_history as {at, by, from, to[, reason]}, with stage_entered_at,
 * last_activity_at and closed_at; stage_history itself is sfa's to write.
 * A deal moved to a won stage gets the pipeline's follow-up activities.
 */
int sfa_opportunity_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec);

/* The probability of a deal: its own override, else its stage's default; -1 when unknown. */
int sfa_opportunity_probability(const struct sfa_pipelines *ps, const json_t *rec);

/* One stay of a deal in a stage, from its stage_history. */
struct sfa_stage_visit {
	const char *stage;
	const char *by;		/* who moved it there */
	const char *reason;	/* why it was lost, or NULL */
	time_t entered, left;	/* left: `now` for the stage it is in */
};
/*
 * The path of a deal through its stages, oldest first (`*out` malloc'ed,
 * strings borrowed from `rec`); SFA_EINPUT when the history is malformed.
 */
int sfa_opportunity_path(struct sfa_stage_visit **out, size_t *n, const json_t *rec, time_t now);

/*
 * Adds to a list query "stale": in a stage with a rot_days threshold and
 * not touched (last_activity_at) for that many days before `now`.
 */
int sfa_pipeline_stale_filter(struct sfa_filter *f, const struct sfa_pipelines *ps, time_t now);

#endif
