/*
 * The verbs every record command shares (add, import, show, list, search,
 * set, delete), for `sfa-lead`, `sfa-account`, `sfa-contact`. Like cli.h
 * this is the command-line layer: these functions parse options, print,
 * and return an exit code. The record type and the command's usage text
 * come from the caller.
 */
#ifndef SFA_VERBS_H
#define SFA_VERBS_H

#include <getopt.h>
#include <jansson.h>

#include "sfa/record.h"
#include "sfa/store.h"
#include "sfa/stream.h"

struct sfa_filter;

/* Option values of a command's own list filters start here. */
#define SFA_VERB_OPT 1000

struct sfa_verb {
	const struct sfa_type *type;
	const char *command;	/* "sfa-lead" */
	const char *usage;	/* the whole SYNOPSIS */
	/*
	 * Filters of list and search beyond the shared ones (NULL-ended,
	 * values >= SFA_VERB_OPT, or NULL), applied by `list_filter` once
	 * the store is open; `arg` is NULL for an option without one.
	 */
	const struct option *list_opts;
	int (*list_filter)(struct sfa_filter *f, int opt, const char *arg);
};

int sfa_verb_add(const struct sfa_verb *v, int argc, char **argv);
int sfa_verb_import(const struct sfa_verb *v, int argc, char **argv);
int sfa_verb_show(const struct sfa_verb *v, int argc, char **argv);
int sfa_verb_list(const struct sfa_verb *v, int argc, char **argv);
int sfa_verb_search(const struct sfa_verb *v, int argc, char **argv);
int sfa_verb_set(const struct sfa_verb *v, int argc, char **argv);
int sfa_verb_delete(const struct sfa_verb *v, int argc, char **argv);

/* Runs the verb named argv[1] from `verbs` (NULL-ended), or prints usage. */
struct sfa_verb_entry {
	const char *name;
	int (*fn)(const struct sfa_verb *v, int argc, char **argv);
};
int sfa_verb_main(const struct sfa_verb *v, const struct sfa_verb_entry *verbs, int argc, char **argv);

/*
 * For verbs that change records: the records named by `ids` (ids or
 * prefixes) or, when there are none, by stdin — one id per line, or
 * CSV/JSON records with an "id" field (their other fields handed over as
 * `input`, else NULL). `fn` runs for each inside one transaction; the
 * commit message is made by `message` from the number changed. Ids that
 * match nothing or several records stop it all, nothing written.
 */
struct sfa_each {
	const struct sfa_verb *verb;
	struct sfa_store *store;
	int (*fn)(struct sfa_txn *txn, const char *id, json_t *input, void *data);
	void *data;
	/* "set status=working on" -> "sfa-lead: set status=working on 3 leads" */
	const char *what;
	int dry_run;
	size_t changed;		/* out: records changed */
};
int sfa_verb_each(struct sfa_each *e, int nids, char **ids);

/*
 * All of stdin, into `in` and into a memory file `*fd` (the caller's to
 * close, -1 until made) that a reader can take from the start, once the
 * caller has looked at the text to tell bare ids from records.
 */
int sfa_verb_stdin(struct sfa_buf *in, int *fd);

/*
 * Reads the options of a verb that takes -h, --store and, when `fmt` is
 * not NULL, --format; `flags` go before "h" in the getopt string ("+":
 * stop at the first operand). Returns -1 when the verb goes on (optind at
 * its operands), else the exit code to return.
 */
int sfa_verb_options(const struct sfa_verb *v, int argc, char **argv, const char *flags, const char **store,
		     enum sfa_format *fmt);

/* The verb's own name from its argv[0] ("sfa-stage won" -> "won"). */
const char *sfa_verb_name(const char *arg0);

/*
 * The exit of a verb for `err`: a usage error with the usage text, other
 * errors with their message and exit code, else 0 (stdout checked).
 */
int sfa_verb_exit(const struct sfa_verb *v, int err);

/* Parses field=value arguments into an object (new reference); SFA_EUSAGE on a bad one. */
int sfa_verb_fields(json_t **out, int argc, char **argv);

#endif
