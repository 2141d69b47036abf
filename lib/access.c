/* Access rules (who may change and read what) and the pre-receive check of a shared remote. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <git2/sys/repository.h>

#include "sfa/access.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/schema.h"
#include "sfa/store.h"
#include "sfa/stream.h"
#include "sfa/sync.h"
#include "sfa/treediff.h"
#include "sfa/banned.h"

/* Ranked: a role reaches what the ones before it reach. */
enum role { ROLE_NONE, ROLE_REP, ROLE_MANAGER, ROLE_DIRECTOR, ROLE_ADMIN };

static const char *const role_names[] = { "no role", "rep", "manager", "director", "admin" };

#define NO_USER ((size_t)-1)

struct user {
	char *id, *team, *territory;	/* team, territory NULL when not set */
	enum role role;
	size_t manager;			/* index, or NO_USER */
};

struct sfa_access {
	struct user *users;		/* sorted by id */
	size_t n;
	int read_territory;		/* "read": "territory" */
};

/* --- users.json and access.json ----------------------------------------------- */

static int cmp_user(const void *a, const void *b)
{
	return strcmp(((const struct user *)a)->id, ((const struct user *)b)->id);
}

static const struct user *find_user(const struct sfa_access *a, const char *id)
{
	struct user key = { .id = (char *)id };

	if (!id || !a->n)
		return NULL;
	return bsearch(&key, a->users, a->n, sizeof(key), cmp_user);
}

/* A text value, NULL, or absent: what "team", "territory" and "manager" may be. */
static int text_or_none(const json_t *v)
{
	return !v || json_is_null(v) || json_is_string(v);
}

/* The manager of user `id`, or NULL. */
static const char *manager_of(const json_t *users, const char *id)
{
	return json_string_value(json_object_get(json_object_get(users, id), "manager"));
}

/* "ana -> ben -> ana": the chain of managers from `id` until it comes back. */
static void cycle_text(struct sfa_buf *out, const json_t *users, const char *id)
{
	const char *m = id;

	sfa_buf_addstr(out, id);
	do {
		m = manager_of(users, m);
		sfa_buf_addf(out, " -> %s", m);
	} while (strcmp(m, id));
}

static enum role role_of(const json_t *u)
{
	const char *r = json_string_value(json_object_get(u, "role"));

	for (size_t i = ROLE_REP; r && i <= ROLE_ADMIN; i++)
		if (!strcmp(r, role_names[i]))
			return (enum role)i;
	return ROLE_NONE;
}

static int has_admin(const json_t *users)
{
	const char *k;
	json_t *u;

	json_object_foreach((json_t *)users, k, u)
		if (role_of(u) == ROLE_ADMIN)
			return 1;
	return 0;
}

int sfa_access_check_users(struct sfa_store *s, const json_t *users)
{
	static const char *const texts[] = { "team", "territory", "manager" };
	size_t n = json_object_size(users);
	const char *k;
	json_t *u;

	if (!json_is_object(users))
		return sfa_error_set(SFA_EINPUT, "expected an object of users by id");
	json_object_foreach((json_t *)users, k, u) {
		const char *m;
		if (!json_is_object(u))
			return sfa_error_set(SFA_EINPUT, "%s: expected an object like {\"name\": ..., \"role\": \"rep\"}", k);
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			if (!text_or_none(json_object_get(u, texts[i])))
				return sfa_error_set(SFA_EINPUT, "%s.%s: expected %s", k, texts[i],
						     i == 2 ? "a user id" : "text");
		if (!(m = json_string_value(json_object_get(u, "manager"))))
			continue;
		if (!strcmp(m, k))
			return sfa_error_set(SFA_EINPUT, "%s.manager: a user cannot be their own manager", k);
		if (!json_is_object(json_object_get(users, m)))
			return sfa_error_set(SFA_EINPUT, "%s.manager: unknown user '%s'", k, m);
	}
	/* every manager exists: a chain longer than the users goes round */
	json_object_foreach((json_t *)users, k, u) {
		const char *m = k;
		size_t steps = 0;
		while ((m = manager_of(users, m)) && strcmp(m, k) && steps++ < n)
			;
		if (m && !strcmp(m, k)) {
			struct sfa_buf chain = SFA_BUF_INIT;
			cycle_text(&chain, users, k);
			sfa_error_set(SFA_EINPUT, "%s.manager: managers go round in a circle: %s", k, chain.buf);
			sfa_buf_release(&chain);
			return SFA_EINPUT;
		}
	}
	if (s && !has_admin(users)) {
		json_t *access = NULL;
		int err = sfa_config_read(s, "config/access.json", &access, NULL);
		json_decref(access);
		if (err == 0)
			return sfa_error_set(SFA_EINPUT, "no admin: with access rules on (config/access.json), "
					     "only an admin can change the configuration");
		if (err != SFA_ENOTFOUND)
			return err;
	}
	return 0;
}

static char *text_dup(const json_t *u, const char *key)
{
	const char *v = json_string_value(json_object_get(u, key));
	return v && *v ? sfa_xstrdup(v) : NULL;
}

static int parse_read(int *territory, const json_t *access)
{
	static const char *const known[] = { "read", NULL };
	struct sfa_buf path = SFA_BUF_INIT;
	const json_t *read = json_object_get(access, "read");
	int err;

	*territory = 0;
	if (!json_is_object(access))
		return sfa_error_set(SFA_EINPUT, "expected an object like {\"read\": \"all\"}");
	err = sfa_config_check_keys(&path, access, known);
	sfa_buf_release(&path);
	if (err < 0)
		return err;
	if (!read)
		return 0;
	if (!json_is_string(read) || (strcmp(json_string_value(read), "all") &&
				      strcmp(json_string_value(read), "territory")))
		return sfa_error_set(SFA_EINPUT, "read: expected \"all\" or \"territory\"");
	*territory = !strcmp(json_string_value(read), "territory");
	return 0;
}

int sfa_access_load(struct sfa_access **out, const json_t *users, const json_t *access)
{
	struct sfa_access *a;
	const char *k;
	json_t *u;
	size_t i = 0;
	int err, territory;

	*out = NULL;
	if (!access)
		return 0;
	if ((err = parse_read(&territory, access)) < 0)
		return err;
	if (users && (err = sfa_access_check_users(NULL, users)) < 0)
		return err;
	a = sfa_xcalloc(1, sizeof(*a));
	a->read_territory = territory;
	a->n = users ? json_object_size(users) : 0;
	a->users = a->n ? sfa_xcalloc(a->n, sizeof(*a->users)) : NULL;
	if (users) {
		json_object_foreach((json_t *)users, k, u) {
			a->users[i].id = sfa_xstrdup(k);
			a->users[i].team = text_dup(u, "team");
			a->users[i].territory = text_dup(u, "territory");
			a->users[i].role = role_of(u);
			i++;
		}
	}
	if (a->n)
		qsort(a->users, a->n, sizeof(*a->users), cmp_user);
	for (i = 0; i < a->n; i++) {
		const struct user *m = find_user(a, manager_of(users, a->users[i].id));
		a->users[i].manager = m ? (size_t)(m - a->users) : NO_USER;
	}
	*out = a;
	return 0;
}

/* A configuration file of the store, or NULL when it has none; `text` keeps its bytes for messages. */
static int read_config(struct sfa_store *s, const char *file, json_t **out, struct sfa_buf *text)
{
	int err = sfa_config_read(s, file, out, text);
	return err == SFA_ENOTFOUND ? 0 : err;
}

/*
 * The rules from stored files: those were checked when they were set, so
 * when they fail now the store is what is broken (SFA_ESTORE), and the
 * message names the file and line.
 */
static int load_stored(struct sfa_access **out, const json_t *access, const struct sfa_buf *atext,
		       const json_t *users, const struct sfa_buf *utext)
{
	int territory;

	if (parse_read(&territory, access) < 0)
		return sfa_config_error(SFA_ESTORE, "config/access.json", atext->buf, atext->len);
	if (sfa_access_load(out, users, access) < 0)
		return sfa_config_error(SFA_ESTORE, "config/users.json", utext->buf, utext->len);
	return 0;
}

int sfa_access_open(struct sfa_access **out, struct sfa_store *s)
{
	struct sfa_buf text = SFA_BUF_INIT, utext = SFA_BUF_INIT;
	json_t *access = NULL, *users = NULL;
	int err;

	*out = NULL;
	if ((err = read_config(s, "config/access.json", &access, &text)) == 0 && access &&
	    (err = read_config(s, "config/users.json", &users, &utext)) == 0)
		err = load_stored(out, access, &text, users, &utext);
	json_decref(access);
	json_decref(users);
	sfa_buf_release(&text);
	sfa_buf_release(&utext);
	return err;
}

void sfa_access_free(struct sfa_access *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->users[i].id);
		free(a->users[i].team);
		free(a->users[i].territory);
	}
	free(a->users);
	free(a);
}

int sfa_access_check_config(struct sfa_store *s, const json_t *cfg)
{
	json_t *users = NULL;
	int err, territory;

	if ((err = parse_read(&territory, cfg)) < 0 || !s)
		return err;
	err = sfa_config_read(s, "config/users.json", &users, NULL);
	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_EINPUT, "the store has no config/users.json: set the users first, "
				     "with an admin who can change the rules once they are on");
	if (err < 0)
		return err;
	err = has_admin(users) ? 0 : sfa_error_set(SFA_EINPUT, "config/users.json has no admin: once the rules "
							       "are on, only an admin can change the configuration");
	json_decref(users);
	return err;
}

/* --- the checks ------------------------------------------------------------------- */

/* The user as the rules know them; SFA_EDENIED for anyone else. */
static int who(const struct sfa_access *a, const char *user, const struct user **out)
{
	if (!user || !*user)
		return sfa_error_set(SFA_EDENIED, "no user: the access rules of this store need to know who you are");
	if (!(*out = find_user(a, user)))
		return sfa_error_set(SFA_EDENIED, "'%s' is not a user of this store (config/users.json)", user);
	if ((*out)->role == ROLE_NONE)
		return sfa_error_set(SFA_EDENIED, "'%s' has no role in config/users.json", user);
	return 0;
}

static int deny(const struct user *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int deny(const struct user *u, const char *fmt, ...)
{
	struct sfa_buf msg = SFA_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sfa_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	sfa_error_set(SFA_EDENIED, "'%s' (%s) may not %s", u->id, role_names[u->role], msg.buf);
	sfa_buf_release(&msg);
	return SFA_EDENIED;
}

/*
 * The owner of a record, NULL when it has none. An owner that is not
 * text is no user id: "?" is one no user has (ids are field names).
 */
static const char *owner_of(const json_t *rec)
{
	const json_t *v = json_object_get(rec, "owner");

	if (!v || json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
		return NULL;
	return json_is_string(v) ? json_string_value(v) : "?";
}

static int same_team(const struct user *u, const struct user *o)
{
	return (u->role == ROLE_MANAGER || u->role == ROLE_DIRECTOR) && u->team && o->team &&
	       !strcmp(u->team, o->team);
}

static int reaches(const struct sfa_access *a, const struct user *u, const char *owner)
{
	const struct user *o;
	size_t m, steps = 0;

	if (!strcmp(u->id, owner))
		return 1;
	if (!(o = find_user(a, owner)))
		return 0;
	for (m = o->manager; m != NO_USER && steps++ < a->n; m = a->users[m].manager)
		if (&a->users[m] == u)
			return 1;
	return same_team(u, o);
}

int sfa_access_check_record(const struct sfa_access *a, const char *user, const struct sfa_type *t,
			    const char *id, const json_t *before, const json_t *after)
{
	const char *verb = !before ? "create" : !after ? "delete" : "change";
	const char *ob = owner_of(before), *oa = owner_of(after);
	const struct user *u;
	int err;

	if (!a)
		return 0;
	if ((err = who(a, user, &u)) < 0 || u->role == ROLE_ADMIN)
		return err;
	if (!strcmp(t->name, "product"))
		return deny(u, "%s product '%s': only admins change the catalog", verb, id);
	if (ob && !reaches(a, u, ob))
		return deny(u, "%s %s '%s': it belongs to '%s'", verb, t->name, id, ob);
	if (oa && !reaches(a, u, oa))
		return before ? deny(u, "give %s '%s' to '%s'", t->name, id, oa)
			      : deny(u, "create %s '%s' for '%s'", t->name, id, oa);
	return 0;
}

int sfa_access_check_file(const struct sfa_access *a, const char *user, const char *path)
{
	const struct user *u;
	int err;

	if (!a)
		return 0;
	if ((err = who(a, user, &u)) < 0 || u->role == ROLE_ADMIN)
		return err;
	if (!strncmp(path, "config/", 7))
		return deny(u, "change %s: only admins change the configuration", path);
	/* every sync logs the conflicts it settled, whoever runs it */
	if (!strcmp(path, SFA_CONFLICTS_FILE))
		return 0;
	if (!strncmp(path, "state/", 6))
		return u->role >= ROLE_MANAGER ? 0
					       : deny(u, "change %s: only managers, directors and admins do", path);
	return deny(u, "change '%s': only admins change files beside the records", path);
}

int sfa_access_read_scope(const struct sfa_access *a, const char *user, const struct sfa_type *t,
			  const char **territory)
{
	const struct user *u;

	*territory = NULL;
	if (!a || !a->read_territory || !strcmp(t->name, "product"))
		return 0;
	u = find_user(a, user);
	if (u && u->role >= ROLE_MANAGER)
		return 0;
	*territory = u ? u->territory : NULL;
	return 1;
}

int sfa_access_may_read(const struct sfa_access *a, const char *user, const struct sfa_type *t, const json_t *rec)
{
	const char *owner, *territory, *mine;

	if (!sfa_access_read_scope(a, user, t, &mine))
		return 1;
	if ((owner = owner_of(rec)) && user && !strcmp(owner, user))
		return 1;
	territory = json_string_value(json_object_get(rec, "territory"));
	if (!territory || !*territory)
		return 1;
	return mine && !strcmp(mine, territory);
}

/* --- sfa verify -------------------------------------------------------------------- */

/* config/ and state/ files: what sfa sync accepts from a remote. */
#define FILE_MAX (16 * 1024 * 1024)

static void problem(struct sfa_access_report *r, int denied, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct sfa_access_report *r, int denied, const char *fmt, ...)
{
	va_list ap;

	if (r->bad + r->denied < SFA_ACCESS_REPORT_LINES) {
		va_start(ap, fmt);
		sfa_buf_vaddf(&r->text, fmt, ap);
		va_end(ap);
		sfa_buf_addch(&r->text, '\n');
	}
	if (denied)
		r->denied++;
	else
		r->bad++;
}

void sfa_access_report_release(struct sfa_access_report *r)
{
	sfa_buf_release(&r->text);
	r->bad = r->denied = 0;
}

struct verify {
	git_repository *repo;
	git_odb *odb;
	struct sfa_store *s;		/* for config checks that read other files; NULL before main exists */
	struct sfa_access *rules;	/* of the old commit; NULL: none */
	struct sfa_schema *schema;	/* of the new commit */
	const char *user;
	struct sfa_access_report *r;
	int schema_reported;		/* config/schema.json is refused already */
	int failed;			/* the store, not the push, failed during the tree diff */
};

/* The file at `path` of `tree` appended to `out`; SFA_ENOTFOUND when there is none. */
static int tree_file(git_repository *repo, const git_tree *tree, const char *path, struct sfa_buf *out)
{
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	int rc, err = 0;

	if (!tree || (rc = git_tree_entry_bypath(&e, tree, path)) == GIT_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "no '%s'", path);
	if (rc < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB || git_blob_lookup(&b, repo, git_tree_entry_id(e)) < 0)
		err = sfa_error_set(SFA_ESTORE, "%s: cannot read the file", path);
	else
		sfa_buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	git_tree_entry_free(e);
	return err;
}

/* A configuration file of `tree` parsed, or NULL when it has none; its text stays in `text`. */
static int tree_config(git_repository *repo, const git_tree *tree, const char *path, json_t **out,
		       struct sfa_buf *text)
{
	int err = tree_file(repo, tree, path, text);

	*out = NULL;
	if (err == SFA_ENOTFOUND)
		return 0;
	return err < 0 ? err : sfa_config_parse(out, path, text->buf, text->len);
}

/* The access rules of the store's commit with tree `tree`, or NULL when it has none. */
static int tree_rules(git_repository *repo, const git_tree *tree, struct sfa_access **out)
{
	struct sfa_buf text = SFA_BUF_INIT, utext = SFA_BUF_INIT;
	json_t *access = NULL, *users = NULL;
	int err;

	if ((err = tree_config(repo, tree, "config/access.json", &access, &text)) == 0 && access &&
	    (err = tree_config(repo, tree, "config/users.json", &users, &utext)) == 0)
		err = load_stored(out, access, &text, users, &utext);
	json_decref(access);
	json_decref(users);
	sfa_buf_release(&text);
	sfa_buf_release(&utext);
	return err == SFA_EINPUT ? SFA_ESTORE : err;
}

/*
 * The schema of `tree`: its config/schema.json, or the shipped one; types
 * a store made before they existed does not declare get the shipped
 * fields, as the commands give them.
 */
static int tree_schema(git_repository *repo, const git_tree *tree, struct sfa_schema **out)
{
	const char *deftext = sfa_config_default("config/schema.json"), *k;
	struct sfa_buf text = SFA_BUF_INIT;
	json_t *cfg = NULL, *def = NULL, *v;
	int err = tree_config(repo, tree, "config/schema.json", &cfg, &text);

	if (err == 0 && (err = sfa_config_parse(&def, "config/schema.json", deftext, strlen(deftext))) == 0) {
		if (!cfg)
			cfg = json_incref(def);
		json_object_foreach(def, k, v)
			if (!json_object_get(cfg, k))
				json_object_set(cfg, k, v);
		if ((err = sfa_schema_parse(out, cfg)) < 0)
			sfa_config_error(err, "config/schema.json", text.buf, text.len);
	}
	json_decref(cfg);
	json_decref(def);
	sfa_buf_release(&text);
	return err;
}

/* Checks the pushed record at `oid`: its parsed value (new reference) in `out`, or NULL when refused. */
static int read_record(struct verify *v, const struct sfa_type *t, const char *id, const git_oid *oid,
		       const char *path, json_t **out)
{
	struct sfa_schema_opts opts = { NULL, NULL };
	git_odb_object *o = NULL;
	json_t *rec = NULL, *copy = NULL;
	const char *rid;
	git_object_t kind;
	size_t len;
	int err = 0;

	*out = NULL;
	if (git_odb_read_header(&len, &kind, v->odb, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a pushed record");
	if (kind != GIT_OBJECT_BLOB || len > SFA_RECORD_MAX) {
		problem(v->r, 0, "%s: %s", path, kind != GIT_OBJECT_BLOB ? "not a file" : "larger than a record can be");
		return 0;
	}
	if (git_odb_read(&o, v->odb, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a pushed record");
	if (sfa_record_decode(&rec, git_odb_object_data(o), git_odb_object_size(o)) < 0) {
		problem(v->r, 0, "%s: not a record (a JSON object): %s", path, sfa_error_last());
		goto done;
	}
	rid = sfa_record_text(rec, "id");
	if (!rid || strcmp(rid, id)) {
		problem(v->r, 0, "%s: its id is '%s', not that of its file name", path, rid ? rid : "");
		goto done;
	}
	copy = json_deep_copy(rec);
	if ((err = sfa_record_check(copy)) < 0 || (err = sfa_schema_normalize(v->schema, t, copy, &opts)) < 0 ||
	    (err = sfa_schema_required(v->schema, t, copy)) < 0) {
		problem(v->r, 0, "%s: %s", path, sfa_error_last());
		err = 0;
		goto done;
	}
	*out = json_incref(rec);
done:
	json_decref(copy);
	json_decref(rec);
	git_odb_object_free(o);
	return err;
}

/* The record a push replaces, for its owner; one that does not parse has none. */
static json_t *old_record(struct verify *v, const git_oid *oid)
{
	git_odb_object *o = NULL;
	json_t *rec = NULL;

	if (git_odb_read(&o, v->odb, oid) < 0 ||
	    sfa_record_decode(&rec, git_odb_object_data(o), git_odb_object_size(o)) < 0)
		rec = json_object();
	git_odb_object_free(o);
	return rec;
}

static int check_changed_record(const struct sfa_type *t, const char *id, const git_oid *old, const git_oid *new,
				void *data)
{
	struct verify *v = data;
	struct sfa_buf path = SFA_BUF_INIT;
	json_t *before = NULL, *after = NULL;
	int err = 0;

	sfa_buf_addf(&path, "%s/%.2s/%s.json", t->plural, id, id);
	if (new && ((err = read_record(v, t, id, new, path.buf, &after)) < 0 || !after))
		goto done;
	if (v->rules) {
		before = old ? old_record(v, old) : NULL;
		if ((err = sfa_access_check_record(v->rules, v->user, t, id, before, after)) == SFA_EDENIED) {
			problem(v->r, 1, "%s", sfa_error_last());
			err = 0;
		}
	}
done:
	v->failed = err < 0;
	json_decref(before);
	json_decref(after);
	sfa_buf_release(&path);
	return err;
}

/* Checks the content of a changed file of config/ or state/. */
static int check_file_content(struct verify *v, const char *path, const git_tree_entry *e)
{
	const struct sfa_config_file *f = !strncmp(path, "config/", 7) ? sfa_config_find(path) : NULL;
	const char *name = strchr(path, '/') + 1;
	git_odb_object *o = NULL;
	git_object_t kind;
	json_t *cfg = NULL;
	size_t len;
	int err = 0;

	if (sfa_path_name_check(name, strlen(name)) < 0 || name[0] == '.' ||
	    git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB) {
		problem(v->r, 0, "%s: not a plain file name", path);
		return 0;
	}
	if (git_odb_read_header(&len, &kind, v->odb, git_tree_entry_id(e)) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a pushed file");
	if (len > FILE_MAX) {
		problem(v->r, 0, "%s: larger than %d MiB", path, FILE_MAX >> 20);
		return 0;
	}
	if (git_odb_read(&o, v->odb, git_tree_entry_id(e)) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a pushed file");
	if (f) {
		if (sfa_config_check(v->s, f, git_odb_object_data(o), len) < 0) {
			problem(v->r, 0, "%s", sfa_error_last());
			v->schema_reported |= !strcmp(path, "config/schema.json");
		}
	} else if (strlen(name) > 5 && !strcmp(path + strlen(path) - 5, ".json") &&
		   sfa_config_parse(&cfg, path, git_odb_object_data(o), len) < 0) {
		problem(v->r, 0, "%s", sfa_error_last());
	}
	json_decref(cfg);
	git_odb_object_free(o);
	return err;
}

static int subfolder(git_repository *repo, const git_tree *root, const char *name, git_tree **out)
{
	const git_tree_entry *e = root ? git_tree_entry_byname(root, name) : NULL;

	*out = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if (git_tree_lookup(out, repo, git_tree_entry_id(e)) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a tree");
	return 0;
}

/* The changed files of folder `name` ("config", "state"): their names, content and who changed them. */
static int check_files(struct verify *v, const char *name, const git_tree *old_root, const git_tree *new_root)
{
	git_tree *a = NULL, *b = NULL;
	struct sfa_buf path = SFA_BUF_INIT;
	int err;

	if ((err = subfolder(v->repo, old_root, name, &a)) < 0 || (err = subfolder(v->repo, new_root, name, &b)) < 0)
		goto done;
	for (size_t i = 0; b && i < git_tree_entrycount(b) && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(b, i);
		const git_tree_entry *was = a ? git_tree_entry_byname(a, git_tree_entry_name(e)) : NULL;
		if (was && git_oid_equal(git_tree_entry_id(was), git_tree_entry_id(e)) &&
		    git_tree_entry_filemode(was) == git_tree_entry_filemode(e))
			continue;
		sfa_buf_reset(&path);
		sfa_buf_addf(&path, "%s/%s", name, git_tree_entry_name(e));
		if ((err = check_file_content(v, path.buf, e)) < 0)
			break;
		if ((err = sfa_access_check_file(v->rules, v->user, path.buf)) == SFA_EDENIED) {
			problem(v->r, 1, "%s", sfa_error_last());
			err = 0;
		}
	}
	for (size_t i = 0; a && i < git_tree_entrycount(a) && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(a, i);
		if (b && git_tree_entry_byname(b, git_tree_entry_name(e)))
			continue;
		sfa_buf_reset(&path);
		sfa_buf_addf(&path, "%s/%s", name, git_tree_entry_name(e));
		if ((err = sfa_access_check_file(v->rules, v->user, path.buf)) == SFA_EDENIED) {
			problem(v->r, 1, "%s", sfa_error_last());
			err = 0;
		}
	}
done:
	git_tree_free(a);
	git_tree_free(b);
	sfa_buf_release(&path);
	return err;
}

/* The top of the pushed tree: an sfa store, with only the folders sfa knows. Returns 1 when unusable. */
static int check_top(struct verify *v, const git_tree *root)
{
	static const char *const files[] = { "config", "state", NULL };
	git_tree_entry *store = NULL;
	int unusable = 0;

	if (git_tree_entry_bypath(&store, root, "config/store.json") < 0) {
		problem(v->r, 0, "not an sfa store: no config/store.json");
		return 1;
	}
	git_tree_entry_free(store);
	for (size_t i = 0; i < git_tree_entrycount(root); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(root, i);
		const char *name = git_tree_entry_name(e);
		int known = 0;
		for (size_t k = 0; files[k]; k++)
			known |= !strcmp(name, files[k]);
		for (size_t k = 0; sfa_types[k]; k++)
			known |= !strcmp(name, sfa_types[k]->plural);
		if (!known) {
			problem(v->r, 0, "'%.64s': not a folder of an sfa store", name);
		} else if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			problem(v->r, 0, "'%s': not a folder", name);
			unusable = 1;
		}
	}
	return unusable;
}

/* An admin of the pushed users, who alone may create the branch. */
static int creator(struct verify *v, const git_tree *root)
{
	struct sfa_buf text = SFA_BUF_INIT;
	struct sfa_access *a = NULL;
	json_t *users = NULL, *on = json_object();
	const struct user *u = NULL;
	int err = tree_config(v->repo, root, "config/users.json", &users, &text);

	if (err == 0 && users && sfa_access_load(&a, users, on) == 0)
		u = find_user(a, v->user);
	if (err <= 0 && (!u || u->role != ROLE_ADMIN))
		problem(v->r, 1, "only an admin of the pushed config/users.json may create branch 'main' ('%s' is not)",
			v->user);
	sfa_access_free(a);
	json_decref(users);
	json_decref(on);
	sfa_buf_release(&text);
	return err == SFA_EINPUT ? 0 : err;
}

/* The store's own handle, sharing the repository's objects (the quarantine with the pushed ones). */
static int open_store(struct verify *v, const git_oid *new)
{
	git_oid head;
	int err;

	if (git_reference_name_to_id(&head, v->repo, SFA_BRANCH) < 0)
		return 0;	/* main is being created: files are checked on their own */
	if ((err = sfa_store_open_bare(&v->s, git_repository_path(v->repo))) < 0)
		return err;
	if (git_repository_set_odb(sfa_store_repo(v->s), v->odb) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot share the pushed objects");
	sfa_store_view(v->s, new);
	return 0;
}

static int verify_content(struct verify *v, const git_oid *old, const git_oid *new)
{
	git_tree *a = NULL, *b = NULL;
	int err;

	if ((err = sfa_commit_tree(v->repo, old, &a)) < 0 || (err = sfa_commit_tree(v->repo, new, &b)) < 0)
		goto done;
	if ((err = tree_rules(v->repo, a, &v->rules)) < 0) {
		sfa_error_prefix(err, "the access rules of the store: ");
		goto done;
	}
	if (!old && (err = creator(v, b)) < 0)
		goto done;
	if (check_top(v, b))
		goto done;
	if ((err = open_store(v, new)) < 0 || (err = check_files(v, "config", a, b)) < 0 ||
	    (err = check_files(v, "state", a, b)) < 0)
		goto done;
	if ((err = tree_schema(v->repo, b, &v->schema)) < 0) {
		if (!v->schema_reported)
			problem(v->r, 0, "%s", sfa_error_last());
		err = 0;
		goto done;
	}
	if ((err = sfa_treediff(v->repo, a, b, check_changed_record, v)) < 0 && !v->failed) {
		/* a name no sfa command writes: the walk cannot go on */
		problem(v->r, 0, "%s", sfa_error_last());
		err = 0;
	}
done:
	git_tree_free(a);
	git_tree_free(b);
	return err;
}

int sfa_access_verify(git_repository *repo, const char *user, const char *refname, const git_oid *old,
		      const git_oid *new, struct sfa_access_report *r)
{
	struct verify v = { .repo = repo, .user = user, .r = r };
	int err, rc;

	if (strcmp(refname, SFA_BRANCH)) {
		problem(r, 1, "%s: only branch 'main' is pushed to an sfa store", refname);
		return 0;
	}
	if (!new) {
		problem(r, 1, "branch 'main' may not be deleted");
		return 0;
	}
	if (old && git_oid_equal(old, new))
		return 0;
	if (old && (rc = git_graph_descendant_of(repo, new, old)) <= 0) {
		if (rc < 0)
			return sfa_error_git(SFA_ESTORE, "cannot compare the commits");
		problem(r, 1, "sync first: the push would drop commits of 'main' (not a fast-forward)");
		return 0;
	}
	if (git_repository_odb(&v.odb, repo) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read the objects");
	err = verify_content(&v, old, new);
	sfa_store_free(v.s);
	sfa_access_free(v.rules);
	sfa_schema_free(v.schema);
	git_odb_free(v.odb);
	return err;
}
