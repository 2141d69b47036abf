#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sfa/config.h"
#include "sfa/quoting.h"
#include "sfa/error.h"
#include "sfa/pipeline.h"
#include "sfa/schema.h"
#include "sfa/store.h"
#include "sfa/treediff.h"
#include "store-private.h"
#include "sfa/banned.h"

struct sfa_store {
	char *path;
	git_repository *repo;
	struct sfa_index *index;
	int lockfd;
	struct sfa_schema *schema;	/* loaded on first use */
	struct sfa_pipelines *pipelines;	/* loaded on first use */
	struct sfa_quoting *quoting;		/* loaded on first use */
	struct sfa_pricebooks *pricebooks;	/* loaded on first use */
	char *user;			/* the author's name, for records that say who */
	git_oid view;			/* files are read from this commit ... */
	int viewing;			/* ... when set (sfa_store_view), else from the head */
};

static int initialized;

void sfa_global_init(void)
{
	if (initialized++)
		return;
	git_libgit2_init();
	/*
	 * libgit2's own fsync (GIT_OPT_ENABLE_FSYNC_GITDIR) syncs every loose
	 * object and its folder: a dozen device flushes for one record. sfa
	 * makes a write durable itself instead, with sfa_store_sync() once
	 * the objects are written and once more after the branch moved.
	 */
	/* Bound the object cache: reindexing walks a million objects. */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(32 << 20));
	/*
	 * Pack windows stay at libgit2's defaults: reindexing reads records in
	 * id order, which is random in the pack, and small windows made it
	 * remap all the time (three times slower at a million records). The
	 * mapped pack shows in the resident size as clean, file-backed pages.
	 */
}

void sfa_global_shutdown(void)
{
	if (initialized && --initialized == 0)
		git_libgit2_shutdown();
}

void sfa_store_locate(struct sfa_buf *out, const char *opt)
{
	const char *env = getenv("SFA_STORE"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (opt && *opt)
		sfa_buf_addstr(out, opt);
	else if (env && *env)
		sfa_buf_addstr(out, env);
	else if (xdg && *xdg == '/')
		sfa_buf_addf(out, "%s/sfa/store", xdg);
	else
		sfa_buf_addf(out, "%s/.local/share/sfa/store", home && *home ? home : ".");
}

static int mkdir_p(const char *path)
{
	struct sfa_buf b = SFA_BUF_INIT;
	int err = 0;

	sfa_buf_addstr(&b, path);
	for (char *p = b.buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(b.buf, 0777) < 0 && errno != EEXIST) {
			err = sfa_error_set(SFA_ESTORE, "cannot create '%s': %s", b.buf, strerror(errno));
			break;
		}
		*p = c;
		if (!c)
			break;
	}
	sfa_buf_release(&b);
	return err;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void sfa_remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;
	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

int sfa_store_sync(struct sfa_store *s)
{
	int fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	if (fd < 0 || syncfs(fd) < 0)
		err = sfa_error_set(SFA_ESTORE, "cannot sync store '%s' to disk: %s", s->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

/* --- the write lock ----------------------------------------------------- */

static double lock_timeout(void)
{
	const char *v = getenv("SFA_LOCK_TIMEOUT");
	char *end;
	double t;
	if (!v || !*v)
		return 30;
	t = strtod(v, &end);
	return *end || t < 0 ? 30 : t;
}

/*
 * flock(2) rather than a lock file: the kernel drops it when the holder
 * dies, so a killed command never leaves the store locked.
 */
int sfa_store_lock_write(struct sfa_store *s)
{
	struct sfa_buf p = SFA_BUF_INIT;
	double limit = lock_timeout(), waited = 0;
	long delay_ms = 2;
	int err = 0;

	if (s->lockfd >= 0)
		return 0;
	sfa_buf_addf(&p, "%s/%s", s->path, SFA_LOCK_FILE);
	s->lockfd = open(p.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (s->lockfd < 0) {
		err = sfa_error_set(SFA_ESTORE, "cannot open lock '%s': %s", p.buf, strerror(errno));
		goto done;
	}
	while (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err = sfa_error_set(SFA_ESTORE, "cannot lock '%s': %s", p.buf, strerror(errno));
			break;
		}
		if (waited >= limit) {
			err = sfa_error_set(SFA_EBUSY, "store '%s' is busy: another command held its write lock "
					    "for %.0f s (see SFA_LOCK_TIMEOUT); try again", s->path, limit);
			break;
		}
		struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		waited += delay_ms / 1000.0;
		if (delay_ms < 100)
			delay_ms *= 2;
	}
	if (err < 0) {
		close(s->lockfd);
		s->lockfd = -1;
	}
done:
	sfa_buf_release(&p);
	return err;
}

void sfa_store_unlock_write(struct sfa_store *s)
{
	if (s->lockfd >= 0) {
		close(s->lockfd);	/* releases the flock */
		s->lockfd = -1;
	}
}

/* --- opening ---------------------------------------------------------------- */

const char *sfa_store_path(const struct sfa_store *s)
{
	return s->path;
}

git_repository *sfa_store_repo(struct sfa_store *s)
{
	return s->repo;
}

struct sfa_index *sfa_store_index(struct sfa_store *s)
{
	return s->index;
}

int sfa_store_head(struct sfa_store *s, git_oid *out)
{
	int rc = git_reference_name_to_id(out, s->repo, SFA_BRANCH);
	if (rc == GIT_ENOTFOUND)
		return sfa_error_set(SFA_ESTORE, "store '%s' has no branch 'main': not an sfa store", s->path);
	if (rc < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read branch 'main'");
	return 0;
}

static int open_index(struct sfa_store *s)
{
	struct sfa_buf p = SFA_BUF_INIT;
	int err;
	sfa_buf_addf(&p, "%s/%s", s->path, SFA_INDEX_FILE);
	err = sfa_index_open(&s->index, p.buf);
	sfa_buf_release(&p);
	return err;
}

static void remove_index_files(struct sfa_store *s)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct sfa_buf p = SFA_BUF_INIT;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		sfa_buf_reset(&p);
		sfa_buf_addf(&p, "%s/%s%s", s->path, SFA_INDEX_FILE, suffix[i]);
		unlink(p.buf);
	}
	sfa_buf_release(&p);
}

/* Replaces the index by an empty one and fills it from the head. */
static int fresh_index(struct sfa_store *s, const git_oid *head)
{
	int err;
	sfa_index_free(s->index);
	s->index = NULL;
	remove_index_files(s);
	if ((err = open_index(s)) < 0)
		return err;
	return sfa_index_rebuild(s->index, s->repo, head);
}

/*
 * Brings the index to the head. Under the write lock, since two readers
 * catching up at once would both write it; a corrupt index is rebuilt.
 */
static int catch_up(struct sfa_store *s, const git_oid *head)
{
	git_oid at;
	int err, held = s->lockfd >= 0;

	if (s->index && sfa_index_commit(s->index, &at) == 0 && git_oid_equal(&at, head))
		return 0;
	if (!held && (err = sfa_store_lock_write(s)) < 0)
		return err;
	if (!s->index)
		err = fresh_index(s, head);
	else if ((err = sfa_index_update(s->index, s->repo, head)) == SFA_ESTORE)
		err = fresh_index(s, head);
	if (!held)
		sfa_store_unlock_write(s);
	return err;
}

/* Opens the repository and checks that it is a store; no index yet. */
static int open_repo(struct sfa_store **out, const char *path)
{
	struct sfa_store *s;
	struct stat st;
	git_oid head;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int err;

	sfa_global_init();
	if (stat(path, &st) < 0)
		return sfa_error_set(SFA_ESTORE, "no store at '%s' (create one with 'sfa init %s')", path, path);
	s = sfa_xcalloc(1, sizeof(*s));
	s->path = sfa_xstrdup(path);
	s->lockfd = -1;
	if (git_repository_open_ext(&s->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
				    NULL) < 0 ||
	    !git_repository_is_bare(s->repo)) {
		err = sfa_error_set(SFA_ESTORE, "'%s' is not an sfa store (create one with 'sfa init')", path);
		goto done;
	}
	if ((err = sfa_store_head(s, &head)) < 0)
		goto done;
	if (sfa_commit_tree(s->repo, &head, &tree) < 0 ||
	    git_tree_entry_bypath(&e, tree, "config/store.json") < 0)
		err = sfa_error_set(SFA_ESTORE, "'%s' is not an sfa store: no config/store.json on 'main'", path);
done:
	git_tree_entry_free(e);
	git_tree_free(tree);
	if (err < 0) {
		sfa_store_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int sfa_store_open_bare(struct sfa_store **out, const char *path)
{
	return open_repo(out, path);
}

int sfa_store_open(struct sfa_store **out, const char *path)
{
	struct sfa_store *s;
	git_oid head;
	int err;

	if ((err = open_repo(&s, path)) < 0)
		return err;
	if ((err = sfa_store_head(s, &head)) == 0 && open_index(s) < 0) {
		/*
		 * Unreadable (not a database, corrupt) or of another layout: it is
		 * derived, so start afresh, unless another command did so while
		 * this one waited for the lock.
		 */
		if ((err = sfa_store_lock_write(s)) == 0 && open_index(s) < 0)
			err = fresh_index(s, &head);
		sfa_store_unlock_write(s);
	}
	if (err == 0)
		err = catch_up(s, &head);
	if (err < 0) {
		sfa_store_free(s);
		return err;
	}
	*out = s;
	return 0;
}

void sfa_store_free(struct sfa_store *s)
{
	if (!s)
		return;
	sfa_store_unlock_write(s);
	sfa_index_free(s->index);
	sfa_schema_free(s->schema);
	sfa_pipelines_free(s->pipelines);
	sfa_quoting_free(s->quoting);
	sfa_pricebooks_free(s->pricebooks);
	free(s->user);
	git_repository_free(s->repo);
	free(s->path);
	free(s);
}

/* --- identity --------------------------------------------------------------- */

int sfa_store_signature(struct sfa_store *s, git_signature **out)
{
	const char *user = getenv("SFA_USER"), *email = getenv("SFA_EMAIL");
	struct sfa_buf name = SFA_BUF_INIT, mail = SFA_BUF_INIT;
	int rc;

	if (user && *user) {
		const char *lt = strchr(user, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt) {
			size_t n = (size_t)(lt - user);
			while (n && user[n - 1] == ' ')
				n--;
			sfa_buf_add(&name, user, n);
			sfa_buf_add(&mail, lt + 1, (size_t)(gt - lt - 1));
		} else {
			sfa_buf_addstr(&name, user);
		}
		if (email && *email) {
			sfa_buf_reset(&mail);
			sfa_buf_addstr(&mail, email);
		}
	} else if (s && git_signature_default(out, s->repo) == 0) {
		if (!getenv("SFA_NOW") || !*getenv("SFA_NOW"))
			return 0;
		sfa_buf_addstr(&name, (*out)->name);
		sfa_buf_addstr(&mail, (*out)->email);
		git_signature_free(*out);
		*out = NULL;
	} else {
		struct passwd *pw = getpwuid(getuid());
		sfa_buf_addstr(&name, pw && pw->pw_name ? pw->pw_name : "unknown");
		if (email && *email)
			sfa_buf_addstr(&mail, email);
	}
	if (!mail.len) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		sfa_buf_addf(&mail, "%s@%s", name.buf, host);
	}
	/* $SFA_NOW dates the commits too, so scripts and tests can make history at known times */
	if (getenv("SFA_NOW") && *getenv("SFA_NOW"))
		rc = git_signature_new(out, name.buf, mail.buf, (git_time_t)sfa_now(), 0);
	else
		rc = git_signature_now(out, name.buf, mail.buf);
	sfa_buf_release(&name);
	sfa_buf_release(&mail);
	if (rc < 0)
		return sfa_error_git(SFA_EUSAGE, "bad user name or email (SFA_USER, SFA_EMAIL)");
	return 0;
}

/* --- init ------------------------------------------------------------------- */

static int first_commit(git_repository *repo)
{
	static const char store_json[] = "{\n  \"format\": 1\n}\n";
	git_treebuilder *tb = NULL;
	git_oid blob, config, root, commit;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_reference *ref = NULL;
	struct sfa_store tmp = { .repo = repo, .lockfd = -1 };
	int err;

	if ((err = sfa_store_signature(&tmp, &sig)) < 0)
		return err;
	err = SFA_ESTORE;
	if (git_blob_create_from_buffer(&blob, repo, store_json, sizeof(store_json) - 1) < 0 ||
	    git_treebuilder_new(&tb, repo, NULL) < 0 ||
	    git_treebuilder_insert(NULL, tb, "store.json", &blob, GIT_FILEMODE_BLOB) < 0)
		goto fail;
	/* the shipped configuration, for the admin to change */
	for (const struct sfa_config_default *d = sfa_config_defaults; d->file; d++)
		if (git_blob_create_from_buffer(&blob, repo, d->text, strlen(d->text)) < 0 ||
		    git_treebuilder_insert(NULL, tb, d->file + strlen("config/"), &blob, GIT_FILEMODE_BLOB) < 0)
			goto fail;
	if (git_treebuilder_write(&config, tb) < 0)
		goto fail;
	git_treebuilder_clear(tb);
	if (git_treebuilder_insert(NULL, tb, "config", &config, GIT_FILEMODE_TREE) < 0 ||
	    git_treebuilder_write(&root, tb) < 0 || git_tree_lookup(&tree, repo, &root) < 0 ||
	    git_commit_create(&commit, repo, NULL, sig, sig, NULL, "sfa init: create store\n", tree, 0, NULL) < 0 ||
	    git_reference_create(&ref, repo, SFA_BRANCH, &commit, 0, "sfa init") < 0)
		goto fail;
	err = 0;
fail:
	if (err < 0)
		sfa_error_git(err, "cannot write the first commit");
	git_reference_free(ref);
	git_tree_free(tree);
	git_treebuilder_free(tb);
	git_signature_free(sig);
	return err;
}

int sfa_store_init(const char *path)
{
	git_repository_init_options opts;
	git_repository *repo = NULL;
	struct sfa_store *s = NULL;
	struct stat st;
	int err, created = 0;

	sfa_global_init();
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !is_empty_dir(path))
			return sfa_error_set(SFA_ESTORE, "cannot create a store at '%s': %s", path,
					     S_ISDIR(st.st_mode) ? "folder not empty" : "not a folder");
	} else {
		if ((err = mkdir_p(path)) < 0)
			return err;
		created = 1;
	}
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_NO_REINIT | GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	opts.description = "sfa store\n";
	if (git_repository_init_ext(&repo, path, &opts) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot create repository");
		goto done;
	}
	if ((err = first_commit(repo)) < 0)
		goto done;
	git_repository_free(repo);
	repo = NULL;
	if ((err = sfa_store_open(&s, path)) == 0)	/* builds the index */
		err = sfa_store_sync(s);
done:
	git_repository_free(repo);
	sfa_store_free(s);
	/* Leave nothing half-made behind. */
	if (err < 0 && created)
		sfa_remove_tree(path);
	return err;
}

/* --- reading ---------------------------------------------------------------- */

void sfa_store_record_path(struct sfa_buf *out, const struct sfa_type *t, const char *id)
{
	sfa_buf_addf(out, "%s/%.2s/%s.json", t->plural, id, id);
}

/* One type: a whole id or an external id (exact), or an id prefix (not exact). */
static int find_one(struct sfa_store *s, const struct sfa_type *t, const char *given, int exact,
		    char out[SFA_ID_LEN + 1])
{
	char norm[SFA_ID_LEN + 1];
	int err, valid = sfa_id_normalize(norm, given) == 0;

	if (exact) {
		if (valid && strlen(norm) == SFA_ID_LEN &&
		    (err = sfa_index_resolve(s->index, t, norm, out)) != SFA_ENOTFOUND)
			return err;
		return sfa_index_by_external(s->index, t, given, out);
	}
	if (valid && strlen(norm) < SFA_ID_LEN)
		return sfa_index_resolve(s->index, t, norm, out);
	return SFA_ENOTFOUND;
}

int sfa_store_resolve(struct sfa_store *s, const struct sfa_type *t, const char *given,
		      char out[SFA_ID_LEN + 1])
{
	int err = find_one(s, t, given, 1, out);
	if (err == SFA_ENOTFOUND)
		err = find_one(s, t, given, 0, out);
	if (err == SFA_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "no %s '%s'", t->name, given);
	return err;
}

int sfa_store_find(struct sfa_store *s, const struct sfa_type *t, const char *given,
		   const struct sfa_type **type, char out[SFA_ID_LEN + 1])
{
	const struct sfa_type *found = NULL;
	char id[SFA_ID_LEN + 1];
	int err;

	if (t) {
		if ((err = sfa_store_resolve(s, t, given, out)) == 0 && type)
			*type = t;
		return err;
	}
	/*
	 * An exact id or external id of any type first: "O0305578", an
	 * external id, must not lose to an id that starts "00305578".
	 */
	for (int exact = 1; exact >= 0 && !found; exact--)
		for (size_t i = 0; sfa_types[i]; i++) {
			err = find_one(s, sfa_types[i], given, exact, id);
			if (err == SFA_ENOTFOUND)
				continue;
			if (err < 0)
				return err;
			if (found)
				return sfa_error_set(SFA_EAMBIGUOUS, "'%s' names both %s %s and %s %s", given,
						     found->name, out, sfa_types[i]->name, id);
			found = sfa_types[i];
			memcpy(out, id, sizeof(id));
		}
	if (!found)
		return sfa_error_set(SFA_ENOTFOUND, "no record '%s'", given);
	if (type)
		*type = found;
	return 0;
}

int sfa_store_read_file(struct sfa_store *s, const char *path, struct sfa_buf *out)
{
	git_oid head;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int err = 0, rc;

	if (s->viewing)
		head = s->view;
	else if ((err = sfa_store_head(s, &head)) < 0)
		return err;
	if (git_commit_lookup(&c, s->repo, &head) < 0 || git_commit_tree(&tree, c) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot read head");
		goto done;
	}
	rc = git_tree_entry_bypath(&e, tree, path);
	if (rc == GIT_ENOTFOUND) {
		err = sfa_error_set(SFA_ENOTFOUND, "no '%s' in the store", path);
		goto done;
	}
	if (rc < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_blob_lookup(&blob, s->repo, git_tree_entry_id(e)) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot read file");
		sfa_error_prefix(err, "'%s': ", path);
		goto done;
	}
	sfa_buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	return err;
}

int sfa_store_read(struct sfa_store *s, const struct sfa_type *t, const char *id, json_t **out)
{
	struct sfa_buf path = SFA_BUF_INIT, body = SFA_BUF_INIT;
	int err;

	sfa_store_record_path(&path, t, id);
	err = sfa_store_read_file(s, path.buf, &body);
	if (err == SFA_ENOTFOUND)
		err = sfa_error_set(SFA_ENOTFOUND, "no %s '%s'", t->name, id);
	else if (!err && (err = sfa_record_decode(out, body.buf, body.len)) < 0)
		sfa_error_prefix(err, "%s: ", path.buf);
	sfa_buf_release(&path);
	sfa_buf_release(&body);
	return err;
}

void sfa_store_view(struct sfa_store *s, const git_oid *commit)
{
	s->viewing = commit != NULL;
	if (commit)
		s->view = *commit;
	sfa_store_forget_config(s);
}

void sfa_store_forget_config(struct sfa_store *s)
{
	sfa_schema_free(s->schema);
	s->schema = NULL;
	sfa_pipelines_free(s->pipelines);
	s->pipelines = NULL;
	sfa_quoting_free(s->quoting);
	s->quoting = NULL;
	sfa_pricebooks_free(s->pricebooks);
	s->pricebooks = NULL;
}

/* A configuration file as of the head, or the shipped default when the store has none. */
static int load_config(struct sfa_store *s, const char *file, json_t **cfg, struct sfa_buf *text)
{
	int err = sfa_config_read(s, file, cfg, text);
	if (err == SFA_ENOTFOUND) {
		sfa_buf_addstr(text, sfa_config_default(file));
		err = sfa_config_parse(cfg, file, text->buf, text->len);
	}
	return err;
}

/*
 * A store made before a record type existed (products, quotes) has no
 * fields for it in its schema: those types get the shipped fields.
 */
static void add_new_types(json_t *cfg)
{
	const char *text = sfa_config_default("config/schema.json"), *k;
	json_t *def = text ? json_loads(text, 0, NULL) : NULL, *v;

	json_object_foreach(def, k, v)
		if (!json_object_get(cfg, k))
			json_object_set(cfg, k, v);
	json_decref(def);
}

int sfa_store_schema(struct sfa_store *s, const struct sfa_schema **out)
{
	json_t *cfg = NULL;
	struct sfa_buf text = SFA_BUF_INIT;
	int err;

	if (!s->schema) {
		err = load_config(s, "config/schema.json", &cfg, &text);
		if (!err)
			add_new_types(cfg);
		if (!err && (err = sfa_schema_parse(&s->schema, cfg)) < 0)
			sfa_config_error(SFA_ESTORE, "config/schema.json", text.buf, text.len);
		json_decref(cfg);
		sfa_buf_release(&text);
		if (err < 0)
			return err == SFA_EINPUT ? SFA_ESTORE : err;
	}
	*out = s->schema;
	return 0;
}

int sfa_store_quoting(struct sfa_store *s, const struct sfa_quoting **q, const struct sfa_pricebooks **pb)
{
	json_t *cfg = NULL;
	struct sfa_buf text = SFA_BUF_INIT;
	int err = 0;

	if (!s->quoting) {
		err = load_config(s, "config/quoting.json", &cfg, &text);
		if (!err && (err = sfa_quoting_parse(&s->quoting, cfg)) < 0)
			sfa_config_error(SFA_ESTORE, "config/quoting.json", text.buf, text.len);
		json_decref(cfg);
		sfa_buf_release(&text);
		cfg = NULL;
	}
	if (!err && !s->pricebooks) {
		err = load_config(s, "config/pricebooks.json", &cfg, &text);
		if (!err && (err = sfa_pricebooks_parse(&s->pricebooks, cfg)) < 0)
			sfa_config_error(SFA_ESTORE, "config/pricebooks.json", text.buf, text.len);
		json_decref(cfg);
		sfa_buf_release(&text);
	}
	if (err < 0)
		return err == SFA_EINPUT ? SFA_ESTORE : err;
	if (q)
		*q = s->quoting;
	if (pb)
		*pb = s->pricebooks;
	return 0;
}

int sfa_store_pipelines(struct sfa_store *s, const struct sfa_pipelines **out)
{
	json_t *cfg = NULL;
	struct sfa_buf text = SFA_BUF_INIT;
	int err;

	if (!s->pipelines) {
		err = load_config(s, "config/pipelines.json", &cfg, &text);
		if (!err && (err = sfa_pipelines_parse(&s->pipelines, cfg)) < 0)
			sfa_config_error(SFA_ESTORE, "config/pipelines.json", text.buf, text.len);
		json_decref(cfg);
		sfa_buf_release(&text);
		if (err < 0)
			return err == SFA_EINPUT ? SFA_ESTORE : err;
	}
	*out = s->pipelines;
	return 0;
}

void sfa_store_me(struct sfa_store *s, struct sfa_buf *out)
{
	const char *rep = getenv("SFA_REP"), *k;
	git_signature *sig = NULL;
	json_t *users = NULL, *u;

	if (rep && *rep) {
		sfa_buf_addstr(out, rep);
		return;
	}
	if (sfa_store_signature(s, &sig) == 0 && sfa_config_read(s, "config/users.json", &users, NULL) == 0)
		json_object_foreach(users, k, u) {
			const char *mail = sfa_record_text(u, "email");
			if (!strcmp(k, sig->name) || (mail && sig->email && !strcasecmp(mail, sig->email))) {
				sfa_buf_addstr(out, k);
				break;
			}
		}
	if (!out->len)
		sfa_buf_addstr(out, sig ? sig->name : sfa_store_user(s));
	json_decref(users);
	git_signature_free(sig);
}

const char *sfa_store_user(struct sfa_store *s)
{
	git_signature *sig = NULL;

	if (!s->user) {
		if (sfa_store_signature(s, &sig) == 0)
			s->user = sfa_xstrdup(sig->name);
		else
			s->user = sfa_xstrdup("unknown");
		git_signature_free(sig);
	}
	return s->user;
}

int sfa_store_reindex(struct sfa_store *s)
{
	git_oid head;
	int err;
	if ((err = sfa_store_lock_write(s)) < 0)
		return err;
	if ((err = sfa_store_head(s, &head)) == 0)
		err = fresh_index(s, &head);
	sfa_store_unlock_write(s);
	return err;
}

/* Removes *.lock files below `dir` (recursively), noting each. */
static void remove_locks(const char *dir, struct sfa_buf *removed)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct sfa_buf p = SFA_BUF_INIT;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sfa_buf_reset(&p);
		sfa_buf_addf(&p, "%s/%s", dir, e->d_name);
		if (lstat(p.buf, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			remove_locks(p.buf, removed);
		else if (n > 5 && !strcmp(e->d_name + n - 5, ".lock") && unlink(p.buf) == 0)
			sfa_buf_addf(removed, "%s\n", p.buf);
	}
	closedir(d);
	sfa_buf_release(&p);
}

/* Removes every file in sfa-tmp/: only a writer holding the lock uses it. */
void sfa_store_clean_tmp(struct sfa_store *s, struct sfa_buf *removed)
{
	struct sfa_buf p = SFA_BUF_INIT;
	DIR *d;
	struct dirent *e;
	sfa_buf_addf(&p, "%s/%s", s->path, SFA_TMP_DIR);
	size_t base = p.len;
	if (!(d = opendir(p.buf))) {
		sfa_buf_release(&p);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sfa_buf_setlen(&p, base);
		sfa_buf_addf(&p, "/%s", e->d_name);
		if (unlink(p.buf) == 0 && removed)
			sfa_buf_addf(removed, "%s\n", p.buf);
	}
	closedir(d);
	sfa_buf_release(&p);
}

int sfa_store_unlock(struct sfa_store *s, struct sfa_buf *removed)
{
	struct sfa_buf p = SFA_BUF_INIT;
	static const char *const top[] = { "packed-refs.lock", "HEAD.lock", "config.lock" };
	int err;

	if ((err = sfa_store_lock_write(s)) < 0)
		return err;
	sfa_buf_addf(&p, "%s/refs", s->path);
	remove_locks(p.buf, removed);
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		sfa_buf_reset(&p);
		sfa_buf_addf(&p, "%s/%s", s->path, top[i]);
		if (unlink(p.buf) == 0)
			sfa_buf_addf(removed, "%s\n", p.buf);
	}
	sfa_store_clean_tmp(s, removed);
	sfa_store_unlock_write(s);
	sfa_buf_release(&p);
	return 0;
}
