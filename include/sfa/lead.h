/*
 * What is done to leads beyond storing them: qualifying, merging
 * duplicates, scoring, assignment to reps and conversion into an account,
 * a contact and an opportunity. Each runs inside a transaction the caller
 * owns (sfa_txn_begin ... sfa_txn_commit), so a command is one commit.
 */
#ifndef SFA_LEAD_H
#define SFA_LEAD_H

#include <time.h>
#include <jansson.h>

#include "sfa/assign.h"
#include "sfa/buf.h"
#include "sfa/score.h"
#include "sfa/store.h"

/*
 * Sets the status of lead `id`: "qualified", or "disqualified" with a
 * `reason` (required). A converted lead keeps its status (SFA_EINPUT).
 */
int sfa_lead_qualify(struct sfa_store *s, struct sfa_txn *txn, const char *id, const char *status,
		     const char *reason);

/*
 * Merges leads `others` into `survivor`: the survivor keeps its values,
 * fields it lacks are filled from the others (in the order given), the
 * others are deleted and every record referring to one of them is
 * pointed at the survivor. Values that differed and were not kept are
 * appended to `conflicts` as lines "FIELD: 'kept' kept, 'other' (ID)
 * dropped" for the commit message (history keeps them too).
 */
int sfa_lead_merge(struct sfa_store *s, struct sfa_txn *txn, const char *survivor, char *const *others,
		   size_t n, struct sfa_buf *conflicts);

struct sfa_convert {
	const char *opportunity;	/* name of an opportunity to open, or NULL */
	const char *amount;		/* its amount ("12000 EUR"), or NULL */
	const char *close_date;		/* its close date, or NULL */
	/* out: what the lead became; `*_new` tell whether it was made now */
	char account[SFA_ID_LEN + 1], contact[SFA_ID_LEN + 1], opp[SFA_ID_LEN + 1];
	int account_new, contact_new;
};

/*
 * Converts lead `id`: the account is an existing one whose normalized
 * name equals the lead's company, or whose domain is the lead's email
 * domain (free-mail domains never match), else a new one; the contact an
 * existing one with the same email (one person, one contact), else a new
 * one at that account; an
 * opportunity in the first stage when asked. The lead becomes
 * "converted" with references to all of them.
 */
int sfa_lead_convert(struct sfa_store *s, struct sfa_txn *txn, const char *id, struct sfa_convert *c);

/*
 * Parses the content of config/scoring.json: its "lead" part into `out`
 * (NULL when there is none). Errors "PATH: reason" for sfa_config_error.
 */
int sfa_lead_scoring_parse(struct sfa_score_rules **out, const json_t *cfg);

/*
 * Loads config/scoring.json (the "lead" part) into `out`, or SFA_ENOTFOUND
 * when the store has none; errors name the file and line.
 */
int sfa_lead_scoring(struct sfa_store *s, struct sfa_score_rules **out);

/*
 * Loads config/assignment.json, config/users.json and the rotation state
 * (state/assignment.json) into `out`, with each rep's open leads (status
 * new or working) counted from the index.
 */
int sfa_lead_assigner(struct sfa_store *s, struct sfa_assign **out);

#endif
