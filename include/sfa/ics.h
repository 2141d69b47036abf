/*
 * iCalendar (RFC 5545) output of activities, so reps see their calls,
 * meetings and tasks in the calendar they already use: content lines
 * folded at 75 octets without splitting a UTF-8 character, CRLF line
 * ends, TEXT values escaped (\\ \; \, \n). Times are written in UTC, or
 * in a named zone (TZID) with a VTIMEZONE built from the system's zone
 * rules for the years the events span.
 */
#ifndef SFA_ICS_H
#define SFA_ICS_H

#include <time.h>
#include <jansson.h>

#include "sfa/buf.h"

struct sfa_ics {
	struct sfa_buf *out;
	const char *tz;		/* an IANA zone name ("Europe/Sofia"), or NULL: UTC */
	time_t stamp;		/* DTSTAMP of every component */
};

/*
 * Starts a calendar. With a zone, `from` and `to` bound the times the
 * calendar will hold (its VTIMEZONE covers them); SFA_EINPUT when the
 * system does not know the zone.
 */
int sfa_ics_begin(struct sfa_ics *ics, time_t from, time_t to);

/*
 * One activity (borrowed): a VTODO for a task, a VEVENT otherwise;
 * `about` (may be NULL) names what it is about, for the description.
 * Activities without due_at are skipped (returns 0, writes nothing; 1 when written).
 */
int sfa_ics_activity(struct sfa_ics *ics, const json_t *act, const char *about);

void sfa_ics_end(struct sfa_ics *ics);

/* Appends `s` as an escaped TEXT value (RFC 5545 3.3.11). */
void sfa_ics_text(struct sfa_buf *out, const char *s);
/* Appends one content line "NAME...:value" folded at 75 octets, with CRLF. */
void sfa_ics_line(struct sfa_buf *out, const char *line, size_t len);

#endif
