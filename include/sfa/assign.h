/*
 * Lead assignment: territory rules choose a team for a lead, the team's
 * method (round-robin or least-open) chooses one of its reps, skipping
 * reps who are inactive, away or at capacity. Pure functions over the
 * configuration; the caller reads config/users.json,
 * config/assignment.json and state/assignment.json from the store, sets
 * the open-lead counts from its index, and stores the new state in the
 * same commit as the assignments so the rotation continues where it
 * stopped.
 */
#ifndef SFA_ASSIGN_H
#define SFA_ASSIGN_H

#include <time.h>
#include <jansson.h>

/* Parsed rules, users and rotation state, plus an open-lead count per user. */
struct sfa_assign;

/*
 * Checks and parses `rules` (config/assignment.json), `users`
 * (config/users.json) and `state` (state/assignment.json; NULL when
 * absent). All three are borrowed and not kept: `a` holds copies of what
 * it needs. Open counts start at 0.
 *
 * Bad input is SFA_EINPUT with the message "PATH: reason", PATH a JSON
 * path without spaces whose first step names the file: "territories[2].team"
 * or "teams.emea.reps[1]" (rules), "users.rep07.capacity" (users, the
 * path starting with "users"), "round_robin.emea" (state).
 * User ids and team names must be valid field names (sfa_field_name_check)
 * so that every path stays unambiguous.
 */
int sfa_assign_new(struct sfa_assign **out, const json_t *rules, const json_t *users,
		   const json_t *state);
void sfa_assign_free(struct sfa_assign *a);

/*
 * Sets the number of open leads `rep` holds now; call it for every rep
 * before the first pick. SFA_ENOTFOUND for a user not in users,
 * SFA_EUSAGE for a negative count.
 */
int sfa_assign_set_open(struct sfa_assign *a, const char *rep, long open);

/* 1 when `rep` is in users (inactive users included), else 0. */
int sfa_assign_user_known(const struct sfa_assign *a, const char *rep);

/* The outcome of one pick. The strings live as long as the sfa_assign. */
struct sfa_assign_pick {
	const char *rep;	/* the chosen user id; NULL when unassigned */
	const char *territory;	/* the matching territory; NULL when none matches */
	const char *team;	/* its team; NULL when no territory matches */
	/*
	 * How the rep was chosen ("territory 'DACH', round-robin") or why
	 * the lead stays unassigned ("no territory matches",
	 * "team 'emea': every rep away or at capacity").
	 */
	const char *reason;
};

/*
 * Chooses a rep for `lead` (borrowed) at time `now`: the first territory
 * whose match holds picks the team, the team's method picks the rep. A
 * rep is unavailable while "active" is false, while the UTC date of `now`
 * lies inside one of the rep's "away" ranges (both ends included), and
 * while the rep's open count has reached "capacity". On an assignment the
 * rep's open count goes up by one and a round-robin team's position
 * moves to the rep. Returns 0 whether or not a rep was found (see
 * out->rep); SFA_EINPUT when `lead` is not a JSON object.
 */
int sfa_assign_pick(struct sfa_assign *a, const json_t *lead, time_t now,
		    struct sfa_assign_pick *out);

/*
 * The state to store, a new reference: {"round_robin": {TEAM: REP, ...}}
 * with the last rep chosen by every round-robin team that has one, teams
 * in byte order of their names. Teams no longer in the rules and reps no
 * longer in their team are dropped.
 */
json_t *sfa_assign_state(const struct sfa_assign *a);

#endif
