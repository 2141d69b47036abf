/*
 * History: the commits of the store, newest first, or those that changed
 * one record, with each field's change from what to what.
 */
#ifndef SFA_LOG_H
#define SFA_LOG_H

#include <stdio.h>

#include "sfa/store.h"
#include "sfa/stream.h"

struct sfa_log_opts {
	const char *id;		/* one record's history (id or unique prefix), or NULL */
	long limit;		/* commits to show; < 0 for all */
	int patch;		/* field changes of every record (store history) */
	/* SFA_FORMAT_AUTO for text like git log; CSV, JSON, NDJSON: one row per change */
	enum sfa_format format;
};
#define SFA_LOG_OPTS_INIT { NULL, -1, 0, SFA_FORMAT_AUTO }

int sfa_log(struct sfa_store *s, FILE *out, const struct sfa_log_opts *opts);

#endif
