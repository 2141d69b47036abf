/*
 * Activities: calls, meetings, emails, notes and tasks, each about a
 * lead, contact, account or opportunity (related_to). A done activity
 * moves the "last touched" time (last_activity_at) of what it is about
 * and of its account, which staleness and lead scoring read.
 */
#ifndef SFA_ACTIVITY_H
#define SFA_ACTIVITY_H

#include <time.h>
#include <jansson.h>

struct sfa_store;
struct sfa_txn;

/*
 * What every write of an activity goes through (see struct sfa_type):
 * related_type and account from the related record, a subject when none
 * is given, done_at when it is done, sla_due_at from sla_hours, sequence
 * counted up when due_at moves, and the touch of the related records.
 */
int sfa_activity_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec);

/*
 * A time as people type it: ISO 8601 with Z or an offset; or without a
 * zone ("2026-11-24 14:00", "2026-11-24T14:00", "2026-11-24") in the
 * local time zone ($TZ); "today", "tomorrow" (optionally with " HH:MM");
 * "now"; "+30m", "+2h", "+3d", "+1w" from `now`.
 */
int sfa_when_local(time_t *out, const char *s, time_t now);

/* A duration in minutes: "90", "90m", "1h", "1h30m", "1h30". */
int sfa_duration_parse(long *minutes, const char *s);

#endif
