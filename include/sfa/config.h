/*
 * Configuration in the store: JSON files under config/ (schema, scoring,
 * assignment, users, import maps) and state/ (round-robin positions),
 * versioned like the records. Checkers of a file's content report errors
 * as "PATH: reason", PATH a JSON path such as `rules[3].points`; this
 * module turns that into "config/scoring.json:17: rules[3].points: ...".
 */
#ifndef SFA_CONFIG_H
#define SFA_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "sfa/buf.h"

struct sfa_store;
struct sfa_txn;

/*
 * The line (1-based) of the value at `path` in the JSON text, or of the
 * deepest part of the path that exists; 0 when not even the first part
 * is there. Path syntax: keys separated by '.', array positions as
 * "[N]", a key holding '.' or '[' written as ["key"].
 */
size_t sfa_config_line(const char *text, size_t len, const char *path);

/*
 * For checkers, the "PATH: reason" messages: `path` grows as a checker
 * walks down ("rules[3].points"; a key that is not a plain name as
 * ["key"]) and is cut back (sfa_buf_setlen) to the length these return.
 */
size_t sfa_config_path_key(struct sfa_buf *path, const char *key);
size_t sfa_config_path_index(struct sfa_buf *path, size_t i);
/* Sets "PATH: reason" (just the reason at the top) and returns SFA_EINPUT. */
int sfa_config_bad(const struct sfa_buf *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Refuses the first key of `obj` (at `path`) not in `known` (NULL-ended), listing those. */
int sfa_config_check_keys(struct sfa_buf *path, const json_t *obj, const char *const *known);

/*
 * Parses a configuration file's text: a JSON object, duplicate keys
 * refused. Errors read "FILE:LINE: message". New reference in `out`.
 */
int sfa_config_parse(json_t **out, const char *file, const char *text, size_t len);

/*
 * Puts "FILE:LINE: " before the current error message when it starts
 * with a JSON path ("teams.emea.reps[1]: unknown rep"), "FILE: " when it
 * does not; returns `code`.
 */
int sfa_config_error(int code, const char *file, const char *text, size_t len);

/*
 * Reads `file` ("config/schema.json") from the branch head: parsed into
 * `out` (new reference) and, when `text` is not NULL, its bytes appended
 * to `text`. SFA_ENOTFOUND when the store has no such file.
 */
int sfa_config_read(struct sfa_store *s, const char *file, json_t **out, struct sfa_buf *text);

/*
 * The configuration files sfa knows, each with its checker (NULL-ended
 * table). A checker sees the parsed file and the store (for files that
 * refer to others, such as assignment rules naming users) and reports
 * "PATH: reason".
 */
struct sfa_config_file {
	const char *name;	/* "config/schema.json" */
	const char *about;	/* one line for `sfa config list` */
	int (*check)(struct sfa_store *s, const json_t *cfg);
	/* for a file that is not JSON (a template): checks its text instead */
	int (*check_text)(struct sfa_store *s, const char *text, size_t len);
};
extern const struct sfa_config_file sfa_config_files[];
const struct sfa_config_file *sfa_config_find(const char *name);

/*
 * Checks `text` as the new content of `file` (parse and checker), with
 * errors in "FILE:LINE: ..." form.
 */
int sfa_config_check(struct sfa_store *s, const struct sfa_config_file *f, const char *text, size_t len);

/* The shipped defaults a new store starts with (NULL-ended). */
struct sfa_config_default {
	const char *file;	/* "config/schema.json" */
	const char *text;
};
extern const struct sfa_config_default sfa_config_defaults[];
/* The shipped default text of `file`, or NULL. */
const char *sfa_config_default(const char *file);

#endif
