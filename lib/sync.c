#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>

#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/id.h"
#include "sfa/import.h"
#include "sfa/index.h"
#include "sfa/merge.h"
#include "sfa/progress.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "sfa/stream.h"
#include "sfa/sync.h"
#include "sfa/treediff.h"
#include "store-private.h"
#include "sfa/banned.h"

/* Pushes lost to another sync are retried this often (fetch, merge, push again). */
#define PUSH_RETRIES 5
/* The biggest file of config/ or state/ taken from a remote. */
#define FILE_MAX (16 * 1024 * 1024)
/* How far back a record's last change is looked for on one side. */
#define WALK_MAX 100000

/* --- talking to the remote -------------------------------------------------- */

/* What the callbacks of one fetch or push need. */
struct link {
	const char *url;
	int port;		/* of an ssh url, for known_hosts */
	unsigned tries;		/* keys (or passwords) offered so far */
	struct sfa_buf remote_said;	/* "remote: ..." lines of a push */
	const char *refused;	/* the push's status for main, when refused */
	char refused_buf[256];
};

static int ssh_port(const char *url)
{
	const char *p;
	if (strncmp(url, "ssh://", 6))
		return 22;
	p = url + 6;
	p += strcspn(p, "@/") < strcspn(p, "/") ? strcspn(p, "@") + 1 : 0;
	if (*p == '[')
		p = strchr(p, ']') ? strchr(p, ']') + 1 : p;
	else
		p += strcspn(p, ":/");
	return *p == ':' ? atoi(p + 1) : 22;
}

static void home_file(struct sfa_buf *out, const char *name)
{
	const char *home = getenv("HOME");
	sfa_buf_reset(out);
	sfa_buf_addf(out, "%s/%s", home && *home ? home : ".", name);
}

static int credentials(git_credential **out, const char *url, const char *user_from_url, unsigned int allowed,
		       void *payload)
{
	static const char *const keys[] = { ".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa", NULL };
	struct link *l = payload;
	const char *user = user_from_url && *user_from_url ? user_from_url : getenv("SFA_GIT_USER");
	unsigned n = l->tries;
	int rc = GIT_PASSTHROUGH;

	(void)url;
	if (!user || !*user)
		user = getenv("USER") ? getenv("USER") : "git";
	/* ssh asks for the user name first: that is no key offered */
	if ((allowed & GIT_CREDENTIAL_USERNAME) && !(allowed & ~GIT_CREDENTIAL_USERNAME))
		return git_credential_username_new(out, user);
	l->tries++;
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		const char *key = getenv("SFA_SSH_KEY");
		struct sfa_buf priv = SFA_BUF_INIT, pub = SFA_BUF_INIT;
		/* the agent first (when there is one), then the key files, each once */
		if (!key && getenv("SSH_AUTH_SOCK") && n == 0)
			return git_credential_ssh_key_from_agent(out, user);
		if (!key && getenv("SSH_AUTH_SOCK"))
			n--;
		if (key && n == 0) {
			sfa_buf_addstr(&priv, key);
		} else if (!key) {
			for (size_t i = 0, seen = 0; keys[i]; i++) {
				home_file(&priv, keys[i]);
				if (access(priv.buf, R_OK) == 0 && seen++ == n)
					break;
				sfa_buf_reset(&priv);
			}
		}
		if (priv.len) {
			struct stat st;
			sfa_buf_addf(&pub, "%s.pub", priv.buf);
			rc = git_credential_ssh_key_new(out, user, stat(pub.buf, &st) == 0 ? pub.buf : NULL, priv.buf,
							getenv("SFA_SSH_PASSPHRASE"));
		} else {
			git_error_set_str(GIT_ERROR_SSH, "no ssh key was accepted (SFA_SSH_KEY, ~/.ssh/id_ed25519, "
					  "~/.ssh/id_ecdsa, ~/.ssh/id_rsa or an ssh agent)");
			rc = GIT_EAUTH;
		}
		sfa_buf_release(&priv);
		sfa_buf_release(&pub);
		return rc;
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && n == 0 && getenv("SFA_GIT_PASSWORD"))
		return git_credential_userpass_plaintext_new(out, user, getenv("SFA_GIT_PASSWORD"));
	if (n > 0 && getenv("SFA_GIT_PASSWORD"))
		git_error_set(GIT_ERROR_NET, "authentication failed: the server refused user '%s' with SFA_GIT_PASSWORD",
			      user);
	else
		git_error_set_str(GIT_ERROR_NET,
				  "authentication failed (for https, set SFA_GIT_USER and SFA_GIT_PASSWORD)");
	return GIT_EAUTH;
}

/* Whether known_hosts pattern `pat` (one of a comma list, or |1|salt|hash) names `host`. */
static int host_matches(const char *pat, size_t len, const char *host)
{
	unsigned char salt[64], want[64], got[20];
	size_t sl, wl;
	char buf[300];

	if (len > 3 && !strncmp(pat, "|1|", 3)) {
		const char *bar = memchr(pat + 3, '|', len - 3);
		if (!bar || mbedtls_base64_decode(salt, sizeof(salt), &sl, (const unsigned char *)pat + 3,
						  (size_t)(bar - pat - 3)) ||
		    mbedtls_base64_decode(want, sizeof(want), &wl, (const unsigned char *)bar + 1,
					  (size_t)(pat + len - bar - 1)) || wl != sizeof(got) ||
		    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), salt, sl, (const unsigned char *)host,
				    strlen(host), got))
			return 0;
		return !memcmp(want, got, sizeof(got));
	}
	if (len >= sizeof(buf) || (len && pat[0] == '!'))
		return 0;
	if (len == strlen(host) && !strncasecmp(pat, host, len))
		return 1;
	memcpy(buf, pat, len);
	buf[len] = 0;
	/* "[host]:port" is a name, not a character class */
	return !memchr(pat, '[', len) && fnmatch(buf, host, FNM_CASEFOLD) == 0;
}

/* The next blank-separated word of `*p`, ended in place; "" at the end. */
static char *word(char **p)
{
	char *w = *p + strspn(*p, " \t\r\n"), *end = w + strcspn(w, " \t\r\n");
	*p = *end ? end + 1 : end;
	*end = 0;
	return w;
}

/* Whether `file` has `key` (raw) for `host` ("name" or "[name]:port"). */
static int known_in(const char *file, const char *host, const unsigned char *key, size_t keylen)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = line, *hosts, *type, *b64;
		unsigned char raw[4096];
		size_t rl;
		int hit = 0;
		p += strspn(p, " \t");
		if (*p == '#' || *p == '@' || *p == '\n' || !*p)
			continue;	/* comments; markers (@cert-authority, @revoked) are not host keys */
		hosts = word(&p);
		type = word(&p);
		b64 = word(&p);
		if (!*hosts || !*type || !*b64)
			continue;
		for (char *h = hosts; *h;) {
			size_t n = strcspn(h, ",");
			hit |= host_matches(h, n, host);
			h += n + (h[n] == ',');
		}
		if (hit && !mbedtls_base64_decode(raw, sizeof(raw), &rl, (const unsigned char *)b64, strlen(b64)) &&
		    rl == keylen && !memcmp(raw, key, keylen))
			found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

/* An ssh server is who known_hosts says it is, or the transfer stops. */
static int check_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct link *l = payload;
	git_cert_hostkey *hk = (git_cert_hostkey *)cert;
	struct sfa_buf name = SFA_BUF_INIT, file = SFA_BUF_INIT;
	const char *own = getenv("SFA_SSH_KNOWN_HOSTS");
	int ok;

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return valid ? 0 : GIT_PASSTHROUGH;	/* TLS: libgit2 has checked the chain */
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		git_error_set_str(GIT_ERROR_SSH, "the ssh server's host key cannot be checked");
		return GIT_ECERTIFICATE;
	}
	if (l->port == 22)
		sfa_buf_addstr(&name, host);
	else
		sfa_buf_addf(&name, "[%s]:%d", host, l->port);
	home_file(&file, ".ssh/known_hosts");
	ok = known_in(own && *own ? own : file.buf, name.buf, (const unsigned char *)hk->hostkey, hk->hostkey_len) ||
	     known_in("/etc/ssh/ssh_known_hosts", name.buf, (const unsigned char *)hk->hostkey, hk->hostkey_len);
	if (!ok)
		git_error_set(GIT_ERROR_SSH, "host key of %s is not in %s (connect once with ssh to check and add it)",
			      name.buf, own && *own ? own : "~/.ssh/known_hosts");
	sfa_buf_release(&name);
	sfa_buf_release(&file);
	return ok ? 0 : GIT_ECERTIFICATE;
}

static int fetch_progress(const git_indexer_progress *p, void *payload)
{
	(void)payload;
	if (p->total_objects)
		sfa_progress("objects", p->received_objects, p->total_objects);
	return 0;
}

static int push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	(void)bytes;
	(void)payload;
	if (total)
		sfa_progress("sending objects", current, total);
	return 0;
}

/* What the remote's hooks print comes as "remote: ..." lines; kept for the message. */
static int remote_text(const char *str, int len, void *payload)
{
	struct link *l = payload;
	if (l->remote_said.len < 4096)
		sfa_buf_add(&l->remote_said, str, (size_t)len);
	return 0;
}

static int push_status(const char *ref, const char *status, void *payload)
{
	struct link *l = payload;
	if (status && !strcmp(ref, SFA_BRANCH)) {
		snprintf(l->refused_buf, sizeof(l->refused_buf), "%s", status);
		l->refused = l->refused_buf;
	}
	return 0;
}

/*
 * The certificate authorities https trusts: libgit2's (the system's) or,
 * as with OpenSSL and curl, $SSL_CERT_FILE and $SSL_CERT_DIR (a company's
 * own CA, a test server's certificate).
 */
static int tls_roots(const char *url)
{
	const char *file = getenv("SSL_CERT_FILE"), *dir = getenv("SSL_CERT_DIR");

	if (strncmp(url, "https://", 8) || (!(file && *file) && !(dir && *dir)))
		return 0;
	if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file && *file ? file : NULL, dir && *dir ? dir : NULL) < 0)
		return sfa_error_git(SFA_EUSAGE, "SSL_CERT_FILE or SSL_CERT_DIR: cannot load the certificates");
	return 0;
}

static void callbacks(git_remote_callbacks *cb, struct link *l)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = credentials;
	cb->certificate_check = check_certificate;
	cb->transfer_progress = fetch_progress;
	cb->push_transfer_progress = push_progress;
	cb->sideband_progress = remote_text;
	cb->push_update_reference = push_status;
	cb->payload = l;
}

/* A failed transfer: the network's fault (worth retrying) unless the remote said no. */
static int transfer_error(const char *what, const char *name)
{
	const git_error *e = git_error_last();
	return sfa_error_set(SFA_EBUSY, "%s remote '%s': %s", what, name,
			     e && e->message ? e->message : "unknown error");
}

/* The folder of a path or file:// remote, NULL for a network one. */
static const char *local_path(const char *url)
{
	if (!strncmp(url, "file://", 7))
		return url + 7;
	return url[0] == '/' || url[0] == '.' ? url : NULL;
}

static int lookup_remote(git_remote **out, git_repository *repo, const char *name)
{
	int rc = git_remote_lookup(out, repo, name);
	if (rc == GIT_ENOTFOUND)
		return sfa_error_set(SFA_EUSAGE, "no remote '%s' (sfa remote add %s URL)", name, name);
	if (rc < 0)
		return sfa_error_git(SFA_EUSAGE, "bad remote");
	return 0;
}

static void tracking_ref(struct sfa_buf *out, const char *name)
{
	sfa_buf_reset(out);
	sfa_buf_addf(out, "refs/remotes/%s/main", name);
}

/*
 * Fetches the remote's main into refs/remotes/NAME/main. `*has` 0 when
 * the remote has no main: an empty repository (-1 when it has other refs,
 * which makes it no sfa store).
 */
static int fetch(git_repository *repo, const char *name, git_oid *theirs, int *has)
{
	git_remote *r = NULL;
	git_fetch_options fo;
	const git_remote_head **heads;
	struct link l = { 0 };
	struct sfa_buf spec = SFA_BUF_INIT, ref = SFA_BUF_INIT;
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	size_t n;
	int err = 0;

	*has = 0;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if ((err = lookup_remote(&r, repo, name)) < 0)
		return err;
	l.url = git_remote_url(r);
	l.port = ssh_port(l.url);
	if ((err = tls_roots(l.url)) < 0) {
		git_remote_free(r);
		return err;
	}
	callbacks(&fo.callbacks, &l);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.prune = GIT_FETCH_NO_PRUNE;
	tracking_ref(&ref, name);
	sfa_buf_addf(&spec, "+%s:%s", SFA_BRANCH, ref.buf);
	specs[0] = spec.buf;
	if (local_path(l.url) && access(local_path(l.url), F_OK) < 0) {
		err = sfa_error_set(SFA_EBUSY, "cannot reach remote '%s': no repository at '%s'", name, l.url);
		goto done;
	}
	if (git_remote_connect(r, GIT_DIRECTION_FETCH, &fo.callbacks, &fo.proxy_opts, NULL) < 0 ||
	    git_remote_ls(&heads, &n, r) < 0) {
		err = transfer_error("cannot reach", name);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, SFA_BRANCH))
			*has = 1;
	if (!*has) {
		git_reference *stale = NULL;
		*has = n ? -1 : 0;
		/* what an earlier fetch saw there is gone: the push must not expect it */
		if (git_reference_lookup(&stale, repo, ref.buf) == 0)
			git_reference_delete(stale);
		git_reference_free(stale);
		sfa_error_clear();
		goto done;
	}
	if (git_remote_download(r, &refspecs, &fo) < 0) {
		err = transfer_error("cannot fetch from", name);
		goto done;
	}
	sfa_progress(NULL, 0, 0);
	if (git_remote_update_tips(r, &fo.callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "sfa sync: fetch") < 0 ||
	    git_reference_name_to_id(theirs, repo, ref.buf) < 0)
		err = sfa_error_git(SFA_ESTORE, "cannot record what was fetched");
done:
	sfa_progress(NULL, 0, 0);
	if (r)
		git_remote_disconnect(r);
	git_remote_free(r);
	sfa_buf_release(&spec);
	sfa_buf_release(&ref);
	sfa_buf_release(&l.remote_said);
	return err;
}

/* Everything written under `dir`'s file system reaches the disk (one syncfs). */
static int durable(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	if (fd < 0)
		return -1;
	rc = syncfs(fd);
	close(fd);
	return rc;
}

/*
 * A push to a repository on this machine (a shared folder, a USB disk).
 * libgit2's own local push moves the branch whatever it points to now, so
 * two syncs at once could drop each other's commits: here the objects the
 * remote lacks go over as one pack and its main moves by compare-and-swap
 * from what we fetched. 1 when it moved meanwhile.
 */
static int push_local(struct sfa_store *s, const char *dir, const char *name, const git_oid *head)
{
	git_repository *repo = sfa_store_repo(s), *there = NULL;
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_reference *ref = NULL;
	struct sfa_buf track = SFA_BUF_INIT, packs = SFA_BUF_INIT;
	git_oid was;
	int err = 0, rc, had;

	tracking_ref(&track, name);
	had = git_reference_name_to_id(&was, repo, track.buf) == 0;
	if (git_repository_open_bare(&there, dir) < 0) {
		err = transfer_error("cannot push to", name);
		goto done;
	}
	sfa_buf_addf(&packs, "%s/objects/pack", git_repository_path(there));
	if (git_packbuilder_new(&pb, repo) < 0 || git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_push(walk, head) < 0 || (had && git_revwalk_hide(walk, &was) < 0) ||
	    git_packbuilder_insert_walk(pb, walk) < 0 ||
	    git_packbuilder_write(pb, packs.buf, 0, fetch_progress, NULL) < 0) {
		err = transfer_error("cannot push to", name);
		goto done;
	}
	sfa_progress(NULL, 0, 0);
	/* the pack on disk before the branch names it, the branch before we say so */
	durable(git_repository_path(there));
	if (had)
		rc = git_reference_create_matching(&ref, there, SFA_BRANCH, head, 1, &was, "sfa sync: push");
	else
		rc = git_reference_create(&ref, there, SFA_BRANCH, head, 0, "sfa sync: push");
	git_reference_free(ref);
	ref = NULL;
	if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED)
		err = 1;
	else if (rc < 0)
		err = transfer_error("cannot push to", name);
	else if ((!had && git_repository_set_head(there, SFA_BRANCH) < 0) || durable(git_repository_path(there)) < 0 ||
		 git_reference_create(&ref, repo, track.buf, head, 1, "sfa sync: push") < 0)
		err = sfa_error_git(SFA_ESTORE, "cannot record what was pushed");
done:
	sfa_progress(NULL, 0, 0);
	git_reference_free(ref);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	git_repository_free(there);
	sfa_buf_release(&track);
	sfa_buf_release(&packs);
	return err;
}

/* Pushes main; 1 when the remote's main moved meanwhile (fetch and merge again). */
static int push(struct sfa_store *s, const char *name, const git_oid *head)
{
	git_remote *r = NULL;
	git_push_options po;
	struct link l = { 0 };
	struct sfa_buf ref = SFA_BUF_INIT;
	char spec[] = SFA_BRANCH ":" SFA_BRANCH, *specs[1] = { spec };
	git_strarray refspecs = { specs, 1 };
	git_reference *tip = NULL;
	int err = 0, rc;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	if ((err = lookup_remote(&r, sfa_store_repo(s), name)) < 0)
		return err;
	l.url = git_remote_url(r);
	l.port = ssh_port(l.url);
	if (local_path(l.url)) {
		err = push_local(s, local_path(l.url), name, head);
		git_remote_free(r);
		return err;
	}
	if ((err = tls_roots(l.url)) < 0) {
		git_remote_free(r);
		return err;
	}
	callbacks(&po.callbacks, &l);
	rc = git_remote_push(r, &refspecs, &po);
	sfa_progress(NULL, 0, 0);
	if (rc == GIT_ENONFASTFORWARD ||
	    (l.refused && (strstr(l.refused, "fast-forward") || strstr(l.refused, "fetch first") ||
			   strstr(l.refused, "stale") || strstr(l.refused, "failed to lock") ||
			   strstr(l.refused, "cannot lock ref") || strstr(l.refused, "but expected")))) {
		err = 1;
	} else if (l.refused || (rc < 0 && l.remote_said.len)) {
		/* what the remote's pre-receive check printed, on one line */
		for (size_t i = 0; i < l.remote_said.len; i++)
			if (l.remote_said.buf[i] == '\n' || l.remote_said.buf[i] == '\r')
				l.remote_said.buf[i] = ' ';
		while (l.remote_said.len && l.remote_said.buf[l.remote_said.len - 1] == ' ')
			sfa_buf_setlen(&l.remote_said, l.remote_said.len - 1);
		err = sfa_error_set(SFA_EDENIED, "remote '%s' refused the push (%s)%s%s; the commits stay here", name,
				    l.refused ? l.refused : "refused", l.remote_said.len ? ": " : "",
				    l.remote_said.buf);
	} else if (rc < 0) {
		err = transfer_error("cannot push to", name);
	} else {
		tracking_ref(&ref, name);
		if (git_reference_create(&tip, sfa_store_repo(s), ref.buf, head, 1, "sfa sync: push") < 0)
			err = sfa_error_git(SFA_ESTORE, "cannot record what was pushed");
	}
	git_reference_free(tip);
	git_remote_free(r);
	sfa_buf_release(&ref);
	sfa_buf_release(&l.remote_said);
	return err;
}

/* --- checking what came in ------------------------------------------------ */

struct incoming {
	git_repository *repo;
	git_odb *odb;
	const struct sfa_type **type;	/* the records of base -> theirs */
	char (*id)[SFA_ID_LEN + 1];
	git_oid *old, *new;	/* zero: absent */
	size_t n, alloc;
	int check_only;		/* a clone's records: checked, not kept */
};

/* Refuses what no sfa command writes: a record too big, not a JSON object, or under another id. */
static int check_record(struct incoming *in, const struct sfa_type *t, const char *id, const git_oid *oid)
{
	git_odb_object *o = NULL;
	json_t *rec = NULL;
	int err = 0;
	size_t len;
	git_object_t kind;

	if (git_odb_read_header(&len, &kind, in->odb, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a fetched record");
	if (kind != GIT_OBJECT_BLOB || len > SFA_RECORD_MAX)
		return sfa_error_set(SFA_EINPUT, "%s/%.2s/%s.json: %s", t->plural, id, id,
				     kind != GIT_OBJECT_BLOB ? "not a file" : "larger than a record can be");
	if (git_odb_read(&o, in->odb, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a fetched record");
	if (sfa_record_decode(&rec, git_odb_object_data(o), git_odb_object_size(o)) < 0 || !json_is_object(rec))
		err = sfa_error_set(SFA_EINPUT, "%s/%.2s/%s.json: not a record (a JSON object)", t->plural, id, id);
	else if (!sfa_record_text(rec, "id") || strcmp(sfa_record_text(rec, "id"), id))
		err = sfa_error_set(SFA_EINPUT, "%s/%.2s/%s.json: its id is '%s'", t->plural, id, id,
				    sfa_record_text(rec, "id") ? sfa_record_text(rec, "id") : "");
	json_decref(rec);
	git_odb_object_free(o);
	return err;
}

static int collect(const struct sfa_type *t, const char *id, const git_oid *old, const git_oid *new, void *data)
{
	struct incoming *in = data;
	int err;

	if (new && (err = check_record(in, t, id, new)) < 0)
		return err;
	if (in->check_only)
		return 0;
	if (in->n == in->alloc) {
		in->alloc = in->alloc ? 2 * in->alloc : 256;
		in->type = sfa_xrealloc(in->type, in->alloc * sizeof(*in->type));
		in->id = sfa_xrealloc(in->id, in->alloc * sizeof(*in->id));
		in->old = sfa_xrealloc(in->old, in->alloc * sizeof(*in->old));
		in->new = sfa_xrealloc(in->new, in->alloc * sizeof(*in->new));
	}
	in->type[in->n] = t;
	memcpy(in->id[in->n], id, SFA_ID_LEN + 1);
	memset(&in->old[in->n], 0, sizeof(git_oid));
	memset(&in->new[in->n], 0, sizeof(git_oid));
	if (old)
		in->old[in->n] = *old;
	if (new)
		in->new[in->n] = *new;
	in->n++;
	return 0;
}

static void incoming_release(struct incoming *in)
{
	free(in->type);
	free(in->id);
	free(in->old);
	free(in->new);
	git_odb_free(in->odb);
}

static int is_zero(const git_oid *o)
{
	return git_oid_is_zero(o);
}

/* The files of folder `name` ("config", "state") of a tree; NULL when it has none. */
static int folder(git_repository *repo, const git_tree *root, const char *name, git_tree **out)
{
	const git_tree_entry *e = root ? git_tree_entry_byname(root, name) : NULL;
	*out = NULL;
	if (!e)
		return 0;
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return sfa_error_set(SFA_EINPUT, "'%s' is not a folder", name);
	if (git_tree_lookup(out, repo, git_tree_entry_id(e)) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a fetched tree");
	return 0;
}

/* A remote's tree: known folders only, plain files with sane names in config/ and state/. */
static int check_tree(git_repository *repo, git_odb *odb, const git_tree *root)
{
	static const char *const files[] = { "config", "state", NULL };
	int err = 0;
	git_tree_entry *store = NULL;

	if (git_tree_entry_bypath(&store, root, "config/store.json") < 0)
		return sfa_error_set(SFA_EINPUT, "not an sfa store: no config/store.json on 'main'");
	git_tree_entry_free(store);
	for (size_t i = 0; i < git_tree_entrycount(root) && !err; i++) {
		const char *name = git_tree_entry_name(git_tree_entry_byindex(root, i));
		int known = 0;
		for (size_t k = 0; files[k]; k++)
			known |= !strcmp(name, files[k]);
		for (size_t k = 0; sfa_types[k]; k++)
			known |= !strcmp(name, sfa_types[k]->plural);
		if (!known)
			err = sfa_error_set(SFA_EINPUT, "'%s': not a folder of an sfa store", name);
	}
	for (size_t k = 0; files[k] && !err; k++) {
		git_tree *t = NULL;
		if ((err = folder(repo, root, files[k], &t)) < 0)
			break;
		for (size_t i = 0; t && i < git_tree_entrycount(t) && !err; i++) {
			const git_tree_entry *e = git_tree_entry_byindex(t, i);
			const char *name = git_tree_entry_name(e);
			size_t len;
			git_object_t kind;
			if (sfa_path_name_check(name, strlen(name)) < 0 || name[0] == '.' ||
			    git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB)
				err = sfa_error_set(SFA_EINPUT, "%s/%s: not a plain file name", files[k], name);
			else if (git_odb_read_header(&len, &kind, odb, git_tree_entry_id(e)) < 0)
				err = sfa_error_git(SFA_ESTORE, "cannot read a fetched file");
			else if (len > FILE_MAX)
				err = sfa_error_set(SFA_EINPUT, "%s/%s: larger than %d MiB", files[k], name,
						    FILE_MAX >> 20);
		}
		git_tree_free(t);
	}
	return err;
}

/* --- merging ---------------------------------------------------------------- */

struct merge {
	struct sfa_store *s;
	struct sfa_txn *txn;
	git_repository *repo;
	git_oid ours, theirs, base;
	enum sfa_merge_rule rule;
	const char *remote;
	json_t *conflicts;	/* state/conflicts.json as merged from both sides; NULL: ours as it is */
	json_t *added;		/* the conflicts of this merge, by id */
	struct sfa_sync_result *res;
};

static int read_json(git_repository *repo, const git_oid *oid, json_t **out)
{
	git_blob *b = NULL;
	int err = 0;

	*out = NULL;
	if (git_blob_lookup(&b, repo, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a record");
	if (sfa_record_decode(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b)) < 0 || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		err = sfa_error_set(SFA_EINPUT, "not a JSON object");
	}
	git_blob_free(b);
	return err;
}

/* The id of `path`'s file in `commit`'s tree, zero when absent. */
static int oid_at(git_repository *repo, const git_commit *c, const char *path, git_oid *out)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (git_commit_tree(&t, c) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a tree");
	rc = git_tree_entry_bypath(&e, t, path);
	if (rc == 0)
		*out = *git_tree_entry_id(e);
	git_tree_entry_free(e);
	git_tree_free(t);
	(void)repo;
	return rc == 0 || rc == GIT_ENOTFOUND ? 0 : sfa_error_git(SFA_ESTORE, "cannot read a tree");
}

/*
 * The first-parent commit from `head` that made `path` what it is there:
 * a change that came in through a merge counts from that merge.
 */
static int made_at(git_repository *repo, const git_oid *head, const char *path, git_commit **out)
{
	git_commit *c = NULL, *p = NULL;
	git_oid want, at;
	int err;

	*out = NULL;
	if (git_commit_lookup(&c, repo, head) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a commit");
	if ((err = oid_at(repo, c, path, &want)) < 0)
		goto done;
	for (int steps = 0; steps < WALK_MAX && git_commit_parentcount(c) > 0; steps++) {
		if (git_commit_parent(&p, c, 0) < 0) {
			err = sfa_error_git(SFA_ESTORE, "cannot read a commit");
			goto done;
		}
		if ((err = oid_at(repo, p, path, &at)) < 0)
			goto done;
		if (!git_oid_equal(&at, &want))
			break;
		git_commit_free(c);
		c = p;
		p = NULL;
	}
	*out = c;
	c = NULL;
done:
	git_commit_free(p);
	git_commit_free(c);
	return err;
}

/* When `path` last changed on the side whose head is `head` (made_at), and by whom. */
static int change_time(git_repository *repo, const git_oid *head, const char *path, long long *when,
		       struct sfa_buf *who)
{
	git_commit *c;
	int err = made_at(repo, head, path, &c);

	if (err < 0)
		return err;
	*when = (long long)git_commit_author(c)->when.time;
	sfa_buf_reset(who);
	sfa_buf_addstr(who, git_commit_author(c)->name);
	git_commit_free(c);
	return 0;
}

/*
 * The version a record both sides hold but the merge base lacks grew
 * from. That is a record deleted on one line and kept, by a merge of
 * that delete, on both others: each kept its own version, so their
 * ancestor is the record where the commits that made the two versions
 * meet (merged against it, the fields each changed both stay; against
 * the deleter's last version, what the deleter changed before would
 * count as changed back by both). Failing that, its last version on the
 * base's first-parent line; zero when neither has it.
 */
static int restored_base(struct merge *m, const char *path, git_oid *out)
{
	git_commit *co = NULL, *ct = NULL, *c = NULL, *p = NULL;
	git_oid meet;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = made_at(m->repo, &m->ours, path, &co)) < 0 || (err = made_at(m->repo, &m->theirs, path, &ct)) < 0)
		goto done;
	switch (git_merge_base(&meet, m->repo, git_commit_id(co), git_commit_id(ct))) {
	case 0:
		if (git_commit_lookup(&c, m->repo, &meet) < 0)
			err = sfa_error_git(SFA_ESTORE, "cannot read a commit");
		else
			err = oid_at(m->repo, c, path, out);
		break;
	case GIT_ENOTFOUND:	/* unrelated lines: try the base's */
		git_error_clear();
		break;
	default:
		err = sfa_error_git(SFA_ESTORE, "cannot read the history");
	}
	if (err < 0 || !is_zero(out))
		goto done;
	git_commit_free(c);
	if (git_commit_lookup(&c, m->repo, &m->base) < 0) {
		c = NULL;
		err = sfa_error_git(SFA_ESTORE, "cannot read a commit");
		goto done;
	}
	for (int steps = 0; steps < WALK_MAX && git_commit_parentcount(c) > 0 && is_zero(out); steps++) {
		if (git_commit_parent(&p, c, 0) < 0) {
			err = sfa_error_git(SFA_ESTORE, "cannot read a commit");
			break;
		}
		git_commit_free(c);
		c = p;
		p = NULL;
		if ((err = oid_at(m->repo, c, path, out)) < 0)
			break;
	}
done:
	git_commit_free(c);
	git_commit_free(co);
	git_commit_free(ct);
	return err;
}

static void add_row(struct sfa_sync_result *res, const char *change, const char *type, const char *id)
{
	json_array_append_new(res->rows, json_pack("{s:s, s:s, s:s}", "change", change, "type", type, "id", id));
}

/* The conflict log as this merge leaves it (loaded from ours on first use). */
static int conflicts_of(struct merge *m, json_t **out)
{
	struct sfa_buf text = SFA_BUF_INIT;
	int err;

	if (!m->conflicts) {
		err = sfa_store_read_file(m->s, SFA_CONFLICTS_FILE, &text);
		if (err == SFA_ENOTFOUND) {
			sfa_error_clear();
			m->conflicts = json_object();
		} else if (err < 0) {
			return err;
		} else if (!(m->conflicts = json_loadb(text.buf, text.len, 0, NULL)) || !json_is_object(m->conflicts)) {
			json_decref(m->conflicts);
			m->conflicts = NULL;
			sfa_buf_release(&text);
			return sfa_error_set(SFA_ESTORE, "%s: not a JSON object", SFA_CONFLICTS_FILE);
		}
		sfa_buf_release(&text);
	}
	*out = m->conflicts;
	return 0;
}

/*
 * Logs what sfa_merge_record settled. A conflict's id is a hash of what
 * it is about, so two stores that make the same merge log it under the
 * same id and their logs merge without a conflict of their own.
 */
static int log_conflicts(struct merge *m, const char *type, const char *id, const json_t *log)
{
	json_t *all = m->added, *e;
	size_t i;

	json_array_foreach(log, i, e) {
		json_t *entry = json_deep_copy(e), *row;
		char *text, cid[13], at[21];
		unsigned long long h = 1469598103934665603ULL;
		if (json_is_null(json_object_get(entry, "field"))) {
			/* which side is "ours" depends on who merged: say what happened instead */
			json_object_set_new(entry, "kept", json_string("edited"));
			json_object_set_new(entry, "lost", json_string("deleted"));
		}
		json_object_set_new(entry, "type", json_string(type));
		json_object_set_new(entry, "record", json_string(id));
		json_object_set_new(entry, "remote", json_string(m->remote));
		text = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		for (const char *p = text; p && *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		free(text);
		snprintf(cid, sizeof(cid), "%012llx", h & 0xffffffffffffULL);
		sfa_time_iso(at, sfa_now());
		json_object_set_new(entry, "merged_at", json_string(at));
		/* times as people read them */
		for (const char *const *k = (const char *const[]){ "kept_at", "lost_at", NULL }; *k; k++)
			if (json_is_integer(json_object_get(entry, *k))) {
				sfa_time_iso(at, (time_t)json_integer_value(json_object_get(entry, *k)));
				json_object_set_new(entry, *k, json_string(at));
			}
		row = json_pack("{s:s, s:s, s:s, s:s}", "change",
				json_is_null(json_object_get(e, "field")) ? "kept" : "conflict", "type", type, "id", id,
				"conflict", cid);
		json_object_set(row, "field", json_object_get(e, "field"));
		if (json_object_get(entry, "kept"))
			json_object_set(row, "kept", json_object_get(entry, "kept"));
		if (json_object_get(entry, "lost"))
			json_object_set(row, "lost", json_object_get(entry, "lost"));
		json_array_append_new(m->res->rows, row);
		if (!json_object_get(all, cid))
			json_object_set_new(all, cid, entry);
		else
			json_decref(entry);
		m->res->conflicts++;
	}
	return 0;
}

/* A record changed on the remote: taken as it is there, or merged with ours. */
static int merge_record(struct merge *m, const struct sfa_type *t, const char *id, const git_oid *base,
			const git_oid *theirs)
{
	struct sfa_index *ix = sfa_store_index(m->s);
	git_oid ours, restored = { { 0 } };
	json_t *b = NULL, *o = NULL, *th = NULL, *out = NULL, *log = NULL;
	struct sfa_buf path = SFA_BUF_INIT, who_o = SFA_BUF_INIT, who_t = SFA_BUF_INIT;
	struct sfa_merge_side so = { 0 }, st = { 0 };
	int err = sfa_index_oid(ix, t, id, &ours);

	if (err == SFA_ENOTFOUND) {
		sfa_error_clear();
		memset(&ours, 0, sizeof(ours));
		err = 0;
	}
	if (err < 0)
		return err;
	if (git_oid_equal(&ours, theirs))
		return 0;	/* the same change on both sides */
	if (git_oid_equal(&ours, base)) {	/* changed there only */
		if (is_zero(theirs)) {
			err = sfa_txn_del(m->txn, t, id);
		} else if ((err = read_json(m->repo, theirs, &th)) == 0) {
			err = sfa_txn_put(m->txn, t, id, th, NULL);
		}
		json_decref(th);
		if (err == 0) {
			m->res->in++;
			add_row(m->res, "in", t->name, id);
		}
		return err;
	}
	/* changed on both sides: field by field */
	sfa_store_record_path(&path, t, id);
	if (is_zero(base) && !is_zero(&ours) && !is_zero(theirs) &&
	    (err = restored_base(m, path.buf, &restored)) < 0)
		goto done;
	if (is_zero(base))
		base = &restored;
	if ((!is_zero(base) && (err = read_json(m->repo, base, &b)) < 0) ||
	    (!is_zero(&ours) && (err = read_json(m->repo, &ours, &o)) < 0) ||
	    (!is_zero(theirs) && (err = read_json(m->repo, theirs, &th)) < 0) ||
	    (err = change_time(m->repo, &m->ours, path.buf, &so.time, &who_o)) < 0 ||
	    (err = change_time(m->repo, &m->theirs, path.buf, &st.time, &who_t)) < 0)
		goto done;
	so.rec = o, so.who = who_o.buf;
	st.rec = th, st.who = who_t.buf;
	if ((err = sfa_merge_record(&out, &log, b, &so, &st, m->rule)) < 0)
		goto done;
	if (!out && o)
		err = sfa_txn_del(m->txn, t, id);
	else if (out)
		err = sfa_txn_put(m->txn, t, id, out, NULL);
	if (err == 0) {
		m->res->merged++;
		add_row(m->res, "merged", t->name, id);
		err = log_conflicts(m, t->name, id, log);
	}
done:
	if (err < 0)
		sfa_error_prefix(err, "%s: ", path.buf);
	json_decref(b);
	json_decref(o);
	json_decref(th);
	json_decref(out);
	json_decref(log);
	sfa_buf_release(&path);
	sfa_buf_release(&who_o);
	sfa_buf_release(&who_t);
	return err;
}

/* The blob of `name` in folder tree `t` (NULL: none), zero when absent. */
static void entry_oid(const git_tree *t, const char *name, git_oid *out)
{
	const git_tree_entry *e = t ? git_tree_entry_byname(t, name) : NULL;
	memset(out, 0, sizeof(*out));
	if (e)
		*out = *git_tree_entry_id(e);
}

static int put_blob(struct merge *m, const char *path, const git_oid *oid)
{
	git_blob *b = NULL;
	int err;
	if (is_zero(oid))
		return sfa_txn_put_file(m->txn, path, NULL, 0);
	if (git_blob_lookup(&b, m->repo, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read a file");
	err = sfa_txn_put_file(m->txn, path, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return err;
}

/*
 * A file of config/ or state/ changed on the remote. JSON objects merge
 * like records (the conflict log itself, an object of conflicts by id,
 * becomes the union of both logs); other files (templates) are whole
 * values, settled by the rule.
 */
static int merge_file(struct merge *m, const char *dir, const char *name, const git_oid *base,
		      const git_oid *ours, const git_oid *theirs)
{
	struct sfa_buf path = SFA_BUF_INIT, who_o = SFA_BUF_INIT, who_t = SFA_BUF_INIT, enc = SFA_BUF_INIT;
	struct sfa_merge_side so = { 0 }, st = { 0 };
	json_t *b = NULL, *o = NULL, *th = NULL, *out = NULL, *log = NULL;
	size_t len = strlen(name);
	int err = 0, json = len > 5 && !strcmp(name + len - 5, ".json");

	sfa_buf_addf(&path, "%s/%s", dir, name);
	if (git_oid_equal(ours, theirs))
		goto done;
	if (git_oid_equal(ours, base) && strcmp(path.buf, SFA_CONFLICTS_FILE)) {
		err = put_blob(m, path.buf, theirs);
		goto done;
	}
	if ((err = change_time(m->repo, &m->ours, path.buf, &so.time, &who_o)) < 0 ||
	    (err = change_time(m->repo, &m->theirs, path.buf, &st.time, &who_t)) < 0)
		goto done;
	so.who = who_o.buf, st.who = who_t.buf;
	if (json && (is_zero(base) || read_json(m->repo, base, &b) == 0) &&
	    (is_zero(ours) || read_json(m->repo, ours, &o) == 0) &&
	    (is_zero(theirs) || read_json(m->repo, theirs, &th) == 0)) {
		so.rec = o, st.rec = th;
		if ((err = sfa_merge_record(&out, &log, b, &so, &st, m->rule)) < 0)
			goto done;
		if (!strcmp(path.buf, SFA_CONFLICTS_FILE)) {
			/* the log this merge adds to starts from the merged one */
			json_decref(m->conflicts);
			m->conflicts = out ? json_incref(out) : json_object();
		} else if (out) {
			char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
			sfa_buf_addstr(&enc, text);
			sfa_buf_addch(&enc, '\n');
			free(text);
			err = sfa_txn_put_file(m->txn, path.buf, enc.buf, enc.len);
		} else {
			err = sfa_txn_put_file(m->txn, path.buf, NULL, 0);
		}
		if (err == 0)
			err = log_conflicts(m, "file", path.buf, log);
	} else {
		/* a whole file: the rule picks a side, the other is logged */
		json_t *one = json_array(), *e;
		int theirs_wins = m->rule == SFA_MERGE_THEIRS ||
				  (m->rule == SFA_MERGE_LATER && (st.time > so.time ||
								  (st.time == so.time && memcmp(theirs, ours, sizeof(*ours)) > 0)));
		sfa_error_clear();
		e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "field", "text", "kind", "both-changed",
			      "kept_by", theirs_wins ? st.who : so.who, "lost_by", theirs_wins ? so.who : st.who,
			      "kept_at", theirs_wins ? st.time : so.time, "lost_at", theirs_wins ? so.time : st.time,
			      "rule", sfa_merge_rule_name(m->rule));
		for (int side = 0; side < 2; side++) {
			const git_oid *oid = (side == 0) == theirs_wins ? theirs : ours;
			char hex[GIT_OID_HEXSZ + 1];
			if (!is_zero(oid))
				json_object_set_new(e, side ? "lost" : "kept",
						    json_string(git_oid_tostr(hex, sizeof(hex), oid)));
		}
		json_array_append_new(one, e);
		if (theirs_wins)
			err = put_blob(m, path.buf, theirs);
		if (err == 0)
			err = log_conflicts(m, "file", path.buf, one);
		json_decref(one);
	}
done:
	json_decref(b);
	json_decref(o);
	json_decref(th);
	json_decref(out);
	json_decref(log);
	sfa_buf_release(&path);
	sfa_buf_release(&who_o);
	sfa_buf_release(&who_t);
	sfa_buf_release(&enc);
	return err;
}

static int merge_files(struct merge *m, const git_tree *base, const git_tree *ours, const git_tree *theirs)
{
	static const char *const dirs[] = { "config", "state", NULL };
	int err = 0;

	for (size_t k = 0; dirs[k] && !err; k++) {
		git_tree *b = NULL, *o = NULL, *t = NULL;
		if ((err = folder(m->repo, base, dirs[k], &b)) == 0 && (err = folder(m->repo, ours, dirs[k], &o)) == 0 &&
		    (err = folder(m->repo, theirs, dirs[k], &t)) == 0) {
			/* every name of base or theirs: what theirs changed */
			for (int pass = 0; pass < 2 && !err; pass++) {
				const git_tree *walk = pass ? b : t;
				for (size_t i = 0; walk && i < git_tree_entrycount(walk) && !err; i++) {
					const char *name = git_tree_entry_name(git_tree_entry_byindex(walk, i));
					git_oid ob, oo, ot;
					if (pass && t && git_tree_entry_byname(t, name))
						continue;	/* seen in the first pass */
					entry_oid(b, name, &ob);
					entry_oid(o, name, &oo);
					entry_oid(t, name, &ot);
					if (!git_oid_equal(&ob, &ot))
						err = merge_file(m, dirs[k], name, &ob, &oo, &ot);
				}
			}
		}
		git_tree_free(b);
		git_tree_free(o);
		git_tree_free(t);
	}
	return err;
}

static int count_out(const struct sfa_type *t, const char *id, const git_oid *old, const git_oid *new, void *data)
{
	struct sfa_sync_result *res = data;
	(void)old;
	(void)new;
	res->out++;
	add_row(res, "out", t->name, id);
	return 0;
}

static int commit_tree(git_repository *repo, const git_oid *commit, git_tree **out)
{
	return sfa_commit_tree(repo, commit, out) < 0 ? sfa_error_git(SFA_ESTORE, "cannot read a tree") : 0;
}

/* The records whose version the remote gets from us: its main's tree against our head's. */
static int outgoing(struct sfa_store *s, const git_oid *theirs, const git_oid *head, struct sfa_sync_result *res)
{
	git_repository *repo = sfa_store_repo(s);
	git_tree *a = NULL, *b = NULL;
	int err;

	if ((err = commit_tree(repo, theirs, &a)) == 0 && (err = commit_tree(repo, head, &b)) == 0)
		err = sfa_treediff(repo, a, b, count_out, res);
	git_tree_free(a);
	git_tree_free(b);
	return err;
}

/*
 * Brings the remote's main (`theirs`, fetched) into ours: nothing to do,
 * a fast-forward, or a merge commit with ours as first parent. Checks the
 * remote's records and files before anything is written.
 */
static int merge(struct sfa_store *s, const git_oid *theirs, const char *remote, enum sfa_merge_rule rule,
		 int dry_run, struct sfa_sync_result *res)
{
	git_repository *repo = sfa_store_repo(s);
	struct merge m = { s, NULL, repo, { { 0 } }, *theirs, { { 0 } }, rule, remote, NULL, json_object(), res };
	struct incoming in = { repo, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 };
	git_tree *tb = NULL, *to = NULL, *tt = NULL;
	struct sfa_buf msg = SFA_BUF_INIT;
	json_t *log = NULL;
	int err;

	if ((err = sfa_txn_begin(&m.txn, s, SFA_TXN_TRUSTED)) < 0)
		return err;
	m.ours = *sfa_txn_base(m.txn);
	if (git_oid_equal(&m.ours, theirs) || git_graph_descendant_of(repo, &m.ours, theirs) == 1)
		goto done;	/* nothing new there */
	if (git_merge_base(&m.base, repo, &m.ours, theirs) < 0) {
		err = sfa_error_set(SFA_EINPUT, "remote '%s' has another store's history (no common commit)", remote);
		goto done;
	}
	if (git_repository_odb(&in.odb, repo) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot open objects");
		goto done;
	}
	/* everything that comes in is checked before anything is merged */
	if ((err = commit_tree(repo, &m.base, &tb)) < 0 || (err = commit_tree(repo, &m.ours, &to)) < 0 ||
	    (err = commit_tree(repo, theirs, &tt)) < 0 || (err = check_tree(repo, in.odb, tt)) < 0 ||
	    (err = sfa_treediff(repo, tb, tt, collect, &in)) < 0) {
		if (err == SFA_ESTORE && strncmp(sfa_error_last(), "cannot ", 7))
			err = SFA_EINPUT;	/* a bad name or entry in their tree, not a failed read */
		sfa_error_prefix(err, "remote '%s': ", remote);
		goto done;
	}
	if (git_oid_equal(&m.ours, &m.base)) {	/* nothing here they lack */
		res->fast_forward = 1;
		res->in = in.n;
		for (size_t i = 0; i < in.n; i++)
			add_row(res, "in", in.type[i]->name, in.id[i]);
		if (!dry_run) {
			err = sfa_txn_fast_forward(m.txn, theirs);
			m.txn = NULL;
		}
		goto done;
	}
	for (size_t i = 0; i < in.n && err == 0; i++)
		err = merge_record(&m, in.type[i], in.id[i], &in.old[i], &in.new[i]);
	if (err == 0)
		err = merge_files(&m, tb, to, tt);
	if (err == 0 && (json_object_size(m.added) || m.conflicts) && (err = conflicts_of(&m, &log)) == 0) {
		char *text;
		json_object_update_missing(log, m.added);
		text = json_dumps(log, JSON_INDENT(2) | JSON_SORT_KEYS);
		sfa_buf_addstr(&msg, text);
		sfa_buf_addch(&msg, '\n');
		free(text);
		err = sfa_txn_put_file(m.txn, SFA_CONFLICTS_FILE, msg.buf, msg.len);
		sfa_buf_reset(&msg);
	}
	if (err < 0 || dry_run)
		goto done;
	res->merge = 1;
	sfa_txn_merge(m.txn, theirs);
	sfa_buf_addf(&msg, "sfa sync: merge %s/main: %zu record%s from there, %zu merged field by field, "
		     "%zu conflict%s settled (%s)", remote, res->in, res->in == 1 ? "" : "s", res->merged,
		     res->conflicts, res->conflicts == 1 ? "" : "s", sfa_merge_rule_name(rule));
	err = sfa_txn_commit(m.txn, msg.buf, NULL);
	m.txn = NULL;
done:
	sfa_txn_free(m.txn);
	json_decref(m.conflicts);
	json_decref(m.added);
	git_tree_free(tb);
	git_tree_free(to);
	git_tree_free(tt);
	incoming_release(&in);
	sfa_buf_release(&msg);
	return err;
}

/* --- sync ----------------------------------------------------------------- */

/* One sync of a store at a time: a second one would race the first's push. */
static int lock_sync(struct sfa_store *s, int *fd)
{
	struct sfa_buf p = SFA_BUF_INIT;
	sfa_buf_addf(&p, "%s/sfa-sync.lock", sfa_store_path(s));
	*fd = open(p.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (*fd < 0) {
		int err = sfa_error_set(SFA_ESTORE, "cannot open '%s': %s", p.buf, strerror(errno));
		sfa_buf_release(&p);
		return err;
	}
	sfa_buf_release(&p);
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		close(*fd);
		*fd = -1;
		return sfa_error_set(SFA_EBUSY, "another sync of store '%s' is running", sfa_store_path(s));
	}
	return 0;
}

static void ahead_behind(struct sfa_store *s, const git_oid *theirs, struct sfa_sync_result *res)
{
	git_oid head;
	size_t a = 0, b = 0;
	if (sfa_store_head(s, &head) == 0 && git_graph_ahead_behind(&a, &b, sfa_store_repo(s), &head, theirs) == 0) {
		res->ahead = a;
		res->behind = b;
	}
	sfa_error_clear();
}

void sfa_sync_result_release(struct sfa_sync_result *res)
{
	json_decref(res->rows);
	res->rows = NULL;
}

int sfa_sync_check_config(struct sfa_store *s, const json_t *cfg)
{
	const char *k;
	json_t *v;
	enum sfa_merge_rule rule;

	(void)s;
	if (!json_is_object(cfg))
		return sfa_error_set(SFA_EINPUT, "expected {\"rule\": \"later\"}");
	json_object_foreach((json_t *)cfg, k, v) {
		if (strcmp(k, "rule"))
			return sfa_error_set(SFA_EINPUT, "%s: unknown key (rule)", k);
		if (!json_is_string(v) || sfa_merge_rule_parse(&rule, json_string_value(v)) < 0)
			return sfa_error_set(SFA_EINPUT, "rule: expected later, ours or theirs");
	}
	return 0;
}

/* The rule of config/sync.json, else "later". */
static int configured_rule(struct sfa_store *s, enum sfa_merge_rule *out)
{
	json_t *cfg = NULL;
	const char *r;
	int err = sfa_config_read(s, "config/sync.json", &cfg, NULL);

	*out = SFA_MERGE_LATER;
	if (err == SFA_ENOTFOUND) {
		sfa_error_clear();
		return 0;
	}
	if (err == 0 && (r = sfa_record_text(cfg, "rule")) && sfa_merge_rule_parse(out, r) < 0)
		err = sfa_error_prefix(SFA_ESTORE, "config/sync.json: ");
	json_decref(cfg);
	return err;
}

int sfa_sync(struct sfa_store *s, const struct sfa_sync_opts *o, struct sfa_sync_result *res)
{
	const char *name = o->remote ? o->remote : "origin";
	git_oid theirs, head;
	enum sfa_merge_rule rule = o->rule;
	int err, fd = -1, has;

	memset(res, 0, sizeof(*res));
	res->rows = json_array();
	if (!o->rule_set && (err = configured_rule(s, &rule)) < 0)
		return err;
	res->rule = rule;
	if ((err = lock_sync(s, &fd)) < 0)
		return err;
	for (unsigned attempt = 0;; attempt++) {
		json_array_clear(res->rows);
		res->in = res->merged = res->conflicts = res->out = 0;
		if ((err = fetch(sfa_store_repo(s), name, &theirs, &has)) < 0)
			break;
		if (has < 0) {
			err = sfa_error_set(SFA_EINPUT, "remote '%s' is not an sfa store: it has no branch 'main'", name);
			break;
		}
		if (has)
			ahead_behind(s, &theirs, res);
		res->empty_remote = !has;
		if (has && (err = merge(s, &theirs, name, rule, o->dry_run, res)) < 0)
			break;
		if ((err = sfa_store_head(s, &head)) < 0)
			break;
		if (o->dry_run || o->no_push) {	/* what would go: ours against theirs */
			git_oid base;
			/* ours since the fork: what theirs lacks */
			if (has && !git_oid_equal(&head, &theirs) &&
			    git_merge_base(&base, sfa_store_repo(s), &head, &theirs) == 0 && !git_oid_equal(&base, &head))
				err = outgoing(s, &base, &head, res);
			sfa_error_clear();
			break;
		}
		if (has && git_oid_equal(&head, &theirs))
			break;	/* nothing of ours to send */
		if (has && (err = outgoing(s, &theirs, &head, res)) < 0)
			break;
		if ((err = push(s, name, &head)) <= 0) {
			res->pushed = err == 0;
			break;
		}
		if (attempt + 1 >= PUSH_RETRIES) {
			err = sfa_error_set(SFA_EBUSY, "remote '%s' kept moving: %u pushes lost to other syncs; try again",
					    name, attempt + 1);
			break;
		}
		res->retries++;
	}
	close(fd);
	return err;
}

/* --- clone, remotes, status ----------------------------------------------- */

int sfa_sync_clone(const char *url, const char *path)
{
	git_repository_init_options io;
	git_repository *repo = NULL;
	git_remote *r = NULL;
	git_reference *ref = NULL;
	struct sfa_store *s = NULL;
	struct sfa_buf spec = SFA_BUF_INIT;
	struct stat st;
	git_oid head;
	git_tree *tree = NULL;
	git_odb *odb = NULL;
	struct incoming in = { 0 };
	int err = 0, has;

	sfa_global_init();
	if (stat(path, &st) == 0)
		return sfa_error_set(SFA_EUSAGE, "cannot clone into '%s': it exists", path);
	/* a store made as `sfa init` makes one, then the remote's main fetched into it */
	git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	io.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_NO_REINIT | GIT_REPOSITORY_INIT_MKPATH;
	io.initial_head = "main";
	io.description = "sfa store\n";
	sfa_buf_addf(&spec, "+%s:refs/remotes/origin/main", SFA_BRANCH);
	if (git_repository_init_ext(&repo, path, &io) < 0 ||
	    git_remote_create_with_fetchspec(&r, repo, "origin", url, spec.buf) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot create the store");
		goto done;
	}
	if ((err = fetch(repo, "origin", &head, &has)) < 0)
		goto done;
	if (has <= 0) {
		err = sfa_error_set(SFA_EINPUT, "'%s' is not an sfa store: it has no branch 'main'", url);
		goto done;
	}
	if (git_repository_odb(&odb, repo) < 0 || sfa_commit_tree(repo, &head, &tree) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot read the clone");
		goto done;
	}
	/* every record read once before the store takes them, as a sync does */
	in.repo = repo;
	in.odb = odb;
	in.check_only = 1;
	if ((err = check_tree(repo, odb, tree)) < 0 || (err = sfa_treediff(repo, NULL, tree, collect, &in)) < 0) {
		if (err == SFA_ESTORE && strncmp(sfa_error_last(), "cannot ", 7))
			err = SFA_EINPUT;
		sfa_error_prefix(err, "'%s': ", url);
		goto done;
	}
	if (git_reference_create(&ref, repo, SFA_BRANCH, &head, 0, "sfa clone") < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot create branch 'main'");
		goto done;
	}
	git_repository_free(repo);
	repo = NULL;
	/* building the index reads every record: one that is not a record refuses the clone */
	if ((err = sfa_store_open(&s, path)) == SFA_ESTORE && strncmp(sfa_error_last(), "cannot ", 7))
		err = sfa_error_prefix(SFA_EINPUT, "'%s': ", url);
	if (err == 0)
		err = sfa_store_sync(s);
done:
	sfa_store_free(s);
	git_reference_free(ref);
	git_remote_free(r);
	git_tree_free(tree);
	in.odb = NULL;	/* odb's own reference is freed below */
	incoming_release(&in);
	git_odb_free(odb);
	git_repository_free(repo);
	sfa_buf_release(&spec);
	if (err < 0)
		sfa_remove_tree(path);
	return err;
}

static int remote_name_check(const char *name)
{
	int valid = 0;
	if (git_remote_name_is_valid(&valid, name) < 0 || !valid)
		return sfa_error_set(SFA_EUSAGE, "'%s' is not a remote name", name);
	return 0;
}

int sfa_remote_add(struct sfa_store *s, const char *name, const char *url)
{
	git_remote *r = NULL;
	struct sfa_buf spec = SFA_BUF_INIT;
	int err, rc;

	if ((err = remote_name_check(name)) < 0)
		return err;
	if (!*url)
		return sfa_error_set(SFA_EUSAGE, "remote '%s': no url", name);
	sfa_buf_addf(&spec, "+%s:refs/remotes/%s/main", SFA_BRANCH, name);
	rc = git_remote_create_with_fetchspec(&r, sfa_store_repo(s), name, url, spec.buf);
	if (rc == GIT_EEXISTS)
		err = sfa_error_set(SFA_EUSAGE, "remote '%s' exists (sfa remote remove %s)", name, name);
	else if (rc < 0)
		err = sfa_error_git(SFA_EUSAGE, "cannot add the remote");
	git_remote_free(r);
	sfa_buf_release(&spec);
	return err;
}

int sfa_remote_remove(struct sfa_store *s, const char *name)
{
	int rc;
	if (remote_name_check(name) < 0)
		return SFA_EUSAGE;
	rc = git_remote_delete(sfa_store_repo(s), name);
	if (rc == GIT_ENOTFOUND)
		return sfa_error_set(SFA_ENOTFOUND, "no remote '%s'", name);
	return rc < 0 ? sfa_error_git(SFA_ESTORE, "cannot remove the remote") : 0;
}

int sfa_remote_list(struct sfa_store *s, json_t **out)
{
	git_strarray names = { 0 };
	json_t *list = json_array();

	if (git_remote_list(&names, sfa_store_repo(s)) < 0) {
		json_decref(list);
		return sfa_error_git(SFA_ESTORE, "cannot list remotes");
	}
	for (size_t i = 0; i < names.count; i++) {
		git_remote *r = NULL;
		if (git_remote_lookup(&r, sfa_store_repo(s), names.strings[i]) == 0)
			json_array_append_new(list, json_pack("{s:s, s:s}", "name", names.strings[i], "url",
							      git_remote_url(r) ? git_remote_url(r) : ""));
		git_remote_free(r);
	}
	git_strarray_dispose(&names);
	sfa_error_clear();
	*out = list;
	return 0;
}

int sfa_sync_status(struct sfa_store *s, const char *remote, json_t **out)
{
	const char *name = remote ? remote : "origin";
	git_remote *r = NULL;
	struct sfa_buf ref = SFA_BUF_INIT;
	git_oid head, theirs;
	char hex[GIT_OID_HEXSZ + 1];
	json_t *st, *open = NULL;
	size_t a = 0, b = 0;
	int err;

	if ((err = lookup_remote(&r, sfa_store_repo(s), name)) < 0 || (err = sfa_store_head(s, &head)) < 0 ||
	    (err = sfa_conflicts_list(s, 0, &open)) < 0) {
		git_remote_free(r);
		return err;
	}
	st = json_pack("{s:s, s:s, s:s}", "remote", name, "url", git_remote_url(r) ? git_remote_url(r) : "", "head",
		       git_oid_tostr(hex, sizeof(hex), &head));
	tracking_ref(&ref, name);
	if (git_reference_name_to_id(&theirs, sfa_store_repo(s), ref.buf) == 0) {
		json_object_set_new(st, "fetched", json_string(git_oid_tostr(hex, sizeof(hex), &theirs)));
		if (git_graph_ahead_behind(&a, &b, sfa_store_repo(s), &head, &theirs) < 0)
			err = sfa_error_git(SFA_ESTORE, "cannot compare with the remote");
		json_object_set_new(st, "ahead", json_integer((json_int_t)a));
		json_object_set_new(st, "behind", json_integer((json_int_t)b));
	} else {
		/* never fetched: everything here is still to go */
		json_object_set_new(st, "fetched", json_null());
		json_object_set_new(st, "ahead", json_null());
		json_object_set_new(st, "behind", json_null());
		sfa_error_clear();
	}
	json_object_set_new(st, "conflicts", json_integer((json_int_t)json_array_size(open)));
	json_decref(open);
	git_remote_free(r);
	sfa_buf_release(&ref);
	if (err < 0) {
		json_decref(st);
		return err;
	}
	*out = st;
	return 0;
}

/* --- the conflict log ------------------------------------------------------- */

static int read_conflicts(struct sfa_store *s, json_t **out)
{
	struct sfa_buf text = SFA_BUF_INIT;
	int err = sfa_store_read_file(s, SFA_CONFLICTS_FILE, &text);

	*out = NULL;
	if (err == SFA_ENOTFOUND) {
		sfa_error_clear();
		*out = json_object();
		return 0;
	}
	if (err < 0)
		return err;
	*out = json_loadb(text.buf, text.len, 0, NULL);
	sfa_buf_release(&text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return sfa_error_set(SFA_ESTORE, "%s: not a JSON object", SFA_CONFLICTS_FILE);
	}
	return 0;
}

static int by_time(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	const char *ta = sfa_record_text(a, "merged_at"), *tb = sfa_record_text(b, "merged_at");
	int c = strcmp(ta ? ta : "", tb ? tb : "");
	return c ? c : strcmp(sfa_record_text(a, "conflict"), sfa_record_text(b, "conflict"));
}

int sfa_conflicts_list(struct sfa_store *s, int all, json_t **out)
{
	json_t *log, *e, **v, *list;
	const char *cid;
	size_t n = 0;
	int err;

	if ((err = read_conflicts(s, &log)) < 0)
		return err;
	v = sfa_xcalloc(json_object_size(log) + 1, sizeof(*v));
	json_object_foreach(log, cid, e) {
		if (!json_is_object(e) || (!all && json_object_get(e, "resolved_at")))
			continue;
		v[n] = json_deep_copy(e);
		json_object_set_new(v[n++], "conflict", json_string(cid));
	}
	qsort(v, n, sizeof(*v), by_time);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
	json_decref(log);
	*out = list;
	return 0;
}

int sfa_conflicts_resolve(struct sfa_store *s, const char *record, const char *field, const json_t *value,
			  const char *me)
{
	struct sfa_txn *txn = NULL;
	struct sfa_buf text = SFA_BUF_INIT, msg = SFA_BUF_INIT;
	json_t *log = NULL, *e, *changes = NULL;
	const struct sfa_type *type = NULL;
	const char *cid, *id = NULL;
	char at[21];
	size_t hits = 0;
	int err;

	if ((err = sfa_txn_begin(&txn, s, 0)) < 0)
		return err;
	if ((err = read_conflicts(s, &log)) < 0)
		goto done;
	/* which record: a conflict's own id, else the record's id or a prefix naming one record */
	if (!field && !json_is_object(json_object_get(log, record))) {
		err = sfa_error_set(SFA_ENOTFOUND, "no conflict '%s' (sfa conflicts)", record);
		goto done;
	}
	json_object_foreach(log, cid, e) {
		const char *rid = sfa_record_text(e, "record");
		if (!json_is_object(e) || json_object_get(e, "resolved_at") || !rid)
			continue;
		if (field ? strncmp(rid, record, strlen(record)) || !sfa_record_text(e, "field") ||
				    strcmp(sfa_record_text(e, "field"), field)
			  : strcmp(cid, record))
			continue;
		if (id && strcmp(rid, id)) {
			err = sfa_error_set(SFA_EAMBIGUOUS, "'%s' names conflicts of several records ('%s', '%s')", record,
					    id, rid);
			goto done;
		}
		id = rid;
		type = sfa_type_find(sfa_record_text(e, "type") ? sfa_record_text(e, "type") : "");
	}
	sfa_time_iso(at, sfa_now());
	json_object_foreach(log, cid, e) {
		const char *rid = sfa_record_text(e, "record");
		if (!id || !json_is_object(e) || json_object_get(e, "resolved_at") || !rid || strcmp(rid, id) ||
		    (field ? !sfa_record_text(e, "field") || strcmp(sfa_record_text(e, "field"), field) : strcmp(cid, record)))
			continue;
		json_object_set_new(e, "resolved_at", json_string(at));
		json_object_set_new(e, "resolved_by", json_string(me));
		if (value)
			json_object_set(e, "resolved_to", (json_t *)value);
		hits++;
	}
	if (!hits) {
		err = sfa_error_set(SFA_ENOTFOUND, "no open conflict on field '%s' of '%s' (sfa conflicts)",
				    field ? field : "", record);
		goto done;
	}
	if (value && (!type || !field)) {
		err = sfa_error_set(SFA_EINPUT, "'%s' is %s: no value to set", id,
				    type ? "a record kept whole" : "a file: change it with 'sfa config set'");
		goto done;
	}
	if (value) {
		changes = json_object();
		json_object_set(changes, field, (json_t *)value);
		if ((err = sfa_update_txn(s, txn, type, id, changes, NULL, 0, NULL)) < 0)
			goto done;
	}
	{
		char *dump = json_dumps(log, JSON_INDENT(2) | JSON_SORT_KEYS);
		sfa_buf_addstr(&text, dump);
		sfa_buf_addch(&text, '\n');
		free(dump);
	}
	if ((err = sfa_txn_put_file(txn, SFA_CONFLICTS_FILE, text.buf, text.len)) < 0)
		goto done;
	if (field)
		sfa_buf_addf(&msg, "sfa conflicts: resolve %s of %s %s", field, type ? type->name : "file", id);
	else
		sfa_buf_addf(&msg, "sfa conflicts: resolve conflict %s on %s %s", record, type ? type->name : "file", id);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	json_decref(log);
	json_decref(changes);
	sfa_buf_release(&text);
	sfa_buf_release(&msg);
	return err;
}
