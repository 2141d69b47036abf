/*
 * Access rules: who may change which records and files of a store, and
 * who reads what. They are on when the store has config/access.json; the
 * users, their roles, teams, territories and managers are
 * config/users.json. Commands check them before they write, and `sfa
 * verify`, the pre-receive check of a shared remote, checks every push
 * against them: a clone holds the whole store, so the remote is the one
 * place the rules bind someone who edits their clone with plain git.
 *
 * Who may change a record: admins anything; any other user in
 * users.json with a role a record whose owner (its "owner" field) they
 * reach before the change and after it. A user reaches the owner when
 * they are the owner, the owner's manager (the "manager" keys, at any
 * depth), or a manager or director of the owner's team. Records without
 * an owner on either side: any user with a role, but products (the
 * catalog) only admins. config/ files: admins; state/ files: managers,
 * directors and admins, except the conflict log that every sync writes.
 */
#ifndef SFA_ACCESS_H
#define SFA_ACCESS_H

#include <git2.h>
#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/record.h"

struct sfa_store;
struct sfa_access;

/*
 * The rules from the parsed config/users.json and config/access.json
 * (both borrowed; the rules keep copies of what they need). `access`
 * NULL: the store has no rules, *out is NULL, and every check passes it.
 * `users` NULL: no users, so nobody may change anything. Errors are
 * "PATH: reason" (see sfa_access_check_users, sfa_access_check_config).
 */
int sfa_access_load(struct sfa_access **out, const json_t *users, const json_t *access);
/* The same from the store's files, as of its head or the commit it views (sfa_store_view). */
int sfa_access_open(struct sfa_access **out, struct sfa_store *s);
void sfa_access_free(struct sfa_access *a);

/*
 * Checks what the rules read from config/users.json: "team" and
 * "territory" text, "manager" a user of the file, not the user itself,
 * and no chain of managers that comes back to where it started; and,
 * when store `s` (may be NULL) has access rules, an admin left to change
 * them. SFA_EINPUT "PATH: reason", as "ana.manager: unknown user 'bem'".
 */
int sfa_access_check_users(struct sfa_store *s, const json_t *users);
/*
 * Checker of config/access.json for the config table: {"read": "all" |
 * "territory"}, and, with a store (`s` may be NULL), a config/users.json
 * with an admin, who alone can change the rules once they are on.
 */
int sfa_access_check_config(struct sfa_store *s, const json_t *cfg);

/*
 * May `user` (a key of users.json) change record `id` of type `t` from
 * `before` to `after` (borrowed; `before` NULL: created, `after` NULL:
 * deleted)? 0, or SFA_EDENIED with a message naming the user, their role,
 * the record and why:
 * "'ana' (rep) may not change opportunity 'sjh02mex5635': it belongs to 'ben'".
 * `a` NULL (no rules): 0.
 */
int sfa_access_check_record(const struct sfa_access *a, const char *user, const struct sfa_type *t,
			    const char *id, const json_t *before, const json_t *after);
/* May `user` change (write or remove) the file at `path` ("config/users.json")? 0 or SFA_EDENIED. */
int sfa_access_check_file(const struct sfa_access *a, const char *user, const char *path);
/*
 * May `user` read record `rec` (borrowed) of type `t`? 1 or 0. With
 * "read": "territory", a rep (and anyone not in users.json) reads the
 * records they own and those whose "territory" is theirs or empty, and
 * the catalog; everyone else reads everything. A filter for what
 * commands show: every clone holds every record.
 */
int sfa_access_may_read(const struct sfa_access *a, const char *user, const struct sfa_type *t, const json_t *rec);
/*
 * Whether `user` reads only part of the records of type `t`: 1, with
 * *territory their territory (NULL: none, so only their own records and
 * those without a territory), or 0 when they read every record. The
 * listing commands turn this into the sfa_query reader fields.
 */
int sfa_access_read_scope(const struct sfa_access *a, const char *user, const struct sfa_type *t,
			  const char **territory);

/* --- the pre-receive check of a shared remote (sfa verify) ---------------- */

/* Problems a report keeps the text of; the rest are only counted. */
#define SFA_ACCESS_REPORT_LINES 20

struct sfa_access_report {
	struct sfa_buf text;	/* the first SFA_ACCESS_REPORT_LINES problems, one a line */
	size_t bad;		/* content refused: names, sizes, records, configuration */
	size_t denied;		/* refused by the rules of the branch or the access rules */
};
#define SFA_ACCESS_REPORT_INIT { SFA_BUF_INIT, 0, 0 }
void sfa_access_report_release(struct sfa_access_report *r);

/*
 * Checks one ref update of a push by `user` into the store `repo`, which
 * must be opened so that it sees the pushed objects (git keeps them in a
 * quarantine until the hook accepts them). `old` NULL: the ref is
 * created; `new` NULL: deleted. Only refs/heads/main may change, by a
 * fast-forward, and only an admin (of the pushed config/users.json) may
 * create it. The content from `old` to `new` must be what sfa writes
 * (safe names, records that are JSON objects under their own id and pass
 * the pushed schema, configuration files that pass their checks), and
 * each change must be allowed by the access rules of `old`. Problems are
 * added to `r`; returns 0 when the check ran, a negative code when the
 * store could not be read.
 */
int sfa_access_verify(git_repository *repo, const char *user, const char *refname, const git_oid *old,
		      const git_oid *new, struct sfa_access_report *r);

#endif
