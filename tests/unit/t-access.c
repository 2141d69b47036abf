#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <jansson.h>

#include "sfa/access.h"
#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/record.h"
#include "sfa/store.h"
#include "unit.h"
#include "sfa/banned.h"

static const struct sfa_type *const OPP = &sfa_type_opportunity;

/*
 * Two teams. emea: reps ana and ben under manager mia, who reports to
 * the director dora (team sales); apac: rep carl, manager tom, director
 * vera. zed is the admin; nora has no role; teamless manager max.
 */
static const char users_text[] =
	"{\"ana\": {\"role\": \"rep\", \"team\": \"emea\", \"territory\": \"DE\", \"manager\": \"mia\"},"
	" \"ben\": {\"role\": \"rep\", \"team\": \"emea\", \"manager\": \"mia\"},"
	" \"carl\": {\"role\": \"rep\", \"team\": \"apac\", \"territory\": \"JP\"},"
	" \"mia\": {\"role\": \"manager\", \"team\": \"emea\", \"manager\": \"dora\"},"
	" \"dora\": {\"role\": \"director\", \"team\": \"sales\"},"
	" \"tom\": {\"role\": \"manager\", \"team\": \"apac\"},"
	" \"vera\": {\"role\": \"director\", \"team\": \"apac\"},"
	" \"max\": {\"role\": \"manager\"},"
	" \"zed\": {\"role\": \"admin\"},"
	" \"nora\": {\"name\": \"Nora\"}}";

static struct sfa_access *rules(const char *access)
{
	json_t *users = unit_json(users_text), *acc = unit_json(access);
	struct sfa_access *a = NULL;

	if (sfa_access_load(&a, users, acc) < 0)
		printf("# load: %s\n", sfa_error_last());
	json_decref(users);
	json_decref(acc);
	return a;
}

static json_t *deal(const char *owner)
{
	json_t *r = json_pack("{s:s, s:s}", "id", "a0a0a0a0a0a0", "name", "Deal");
	if (owner)
		json_object_set_new(r, "owner", json_string(owner));
	return r;
}

/* The check for `user` changing a deal owned by `from` (NULL: new) to `to` (NULL: deleted). */
static int change(const struct sfa_access *a, const char *user, const char *from, const char *to)
{
	json_t *b = from ? deal(*from ? from : NULL) : NULL, *f = to ? deal(*to ? to : NULL) : NULL;
	int err = sfa_access_check_record(a, user, OPP, "a0a0a0a0a0a0", b, f);

	json_decref(b);
	json_decref(f);
	return err;
}

static void test_no_rules(void)
{
	json_t *users = unit_json(users_text), *rec = deal("ben");
	struct sfa_access *a = (struct sfa_access *)1;

	CHECK_INT(sfa_access_load(&a, users, NULL), 0);
	CHECK(a == NULL);
	CHECK_INT(change(NULL, "ana", "ben", "ben"), 0);
	CHECK_INT(change(NULL, "nobody", "ben", ""), 0);
	CHECK_INT(sfa_access_check_file(NULL, "ana", "config/users.json"), 0);
	CHECK_INT(sfa_access_check_record(NULL, NULL, &sfa_type_product, "p0p0p0p0p0p0", NULL, rec), 0);
	CHECK_INT(sfa_access_may_read(NULL, "ana", OPP, rec), 1);
	json_decref(users);
	json_decref(rec);
}

static void test_owners(void)
{
	struct sfa_access *a = rules("{}");

	CHECK(a != NULL);
	/* their own deals, created, changed and deleted */
	CHECK_INT(change(a, "ana", NULL, "ana"), 0);
	CHECK_INT(change(a, "ana", "ana", "ana"), 0);
	CHECK_INT(change(a, "ana", "ana", NULL), 0);
	/* another rep's deal, even of the same team */
	CHECK_INT(change(a, "ana", "ben", "ben"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'ana' (rep) may not change opportunity 'a0a0a0a0a0a0': it belongs to 'ben'");
	CHECK_INT(change(a, "ana", "ben", NULL), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'ana' (rep) may not delete opportunity 'a0a0a0a0a0a0': it belongs to 'ben'");
	CHECK_INT(change(a, "ana", NULL, "ben"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'ana' (rep) may not create opportunity 'a0a0a0a0a0a0' for 'ben'");
	/* owner change: a rep does not hand a deal on, nor take one */
	CHECK_INT(change(a, "ana", "ana", "ben"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'ana' (rep) may not give opportunity 'a0a0a0a0a0a0' to 'ben'");
	CHECK_INT(change(a, "ana", "ben", "ana"), SFA_EDENIED);
	CHECK_INT(change(a, "ana", "", "ben"), SFA_EDENIED);
	/* an owner who is not a user (a name from before the rules) */
	CHECK_INT(change(a, "ana", "Ana Silva", "ana"), SFA_EDENIED);
	CHECK_INT(change(a, "zed", "Ana Silva", "ana"), 0);
	/* a manager hands deals on within what they reach */
	CHECK_INT(change(a, "mia", "ana", "ben"), 0);
	CHECK_INT(change(a, "mia", "ana", "carl"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'mia' (manager) may not give opportunity 'a0a0a0a0a0a0' to 'carl'");
	/* an owner field that is not text is nobody's */
	{
		json_t *b = deal(NULL);
		json_object_set_new(b, "owner", json_integer(7));
		CHECK_INT(sfa_access_check_record(a, "ana", OPP, "a0a0a0a0a0a0", b, NULL), SFA_EDENIED);
		CHECK_INT(sfa_access_check_record(a, "zed", OPP, "a0a0a0a0a0a0", b, NULL), 0);
		json_decref(b);
	}
	sfa_access_free(a);
}

static void test_chain_and_teams(void)
{
	struct sfa_access *a = rules("{\"read\": \"all\"}");

	/* the direct manager, and the manager's manager (two levels up) */
	CHECK_INT(change(a, "mia", "ana", "ana"), 0);
	CHECK_INT(change(a, "dora", "ana", "ana"), 0);
	CHECK_INT(change(a, "dora", "mia", "mia"), 0);
	/* down the chain only: a rep does not reach their manager */
	CHECK_INT(change(a, "ana", "mia", "mia"), SFA_EDENIED);
	CHECK_INT(change(a, "mia", "dora", "dora"), SFA_EDENIED);
	/* dora's own team is "sales": she reaches apac by no chain */
	CHECK_INT(change(a, "dora", "carl", "carl"), SFA_EDENIED);
	/* team managers and directors reach their team, and not another */
	CHECK_INT(change(a, "tom", "carl", "carl"), 0);
	CHECK_INT(change(a, "vera", "carl", "carl"), 0);
	CHECK_INT(change(a, "vera", "tom", "tom"), 0);
	CHECK_INT(change(a, "tom", "ana", "ana"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'tom' (manager) may not change opportunity 'a0a0a0a0a0a0': it belongs to 'ana'");
	CHECK_INT(change(a, "vera", "ben", "ben"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'vera' (director) may not change opportunity 'a0a0a0a0a0a0': it belongs to 'ben'");
	/* a rep of the same team is no manager of it */
	CHECK_INT(change(a, "ben", "ana", "ana"), SFA_EDENIED);
	/* a manager without a team reaches only their own */
	CHECK_INT(change(a, "max", "ana", "ana"), SFA_EDENIED);
	CHECK_INT(change(a, "max", "max", "max"), 0);
	/* the admin reaches everything */
	CHECK_INT(change(a, "zed", "carl", "ana"), 0);
	sfa_access_free(a);
}

static void test_users_refused(void)
{
	struct sfa_access *a = rules("{}");
	json_t *prod = json_pack("{s:s, s:s}", "id", "p0p0p0p0p0p0", "sku", "PUMP");

	CHECK_INT(change(a, "bob", NULL, "bob"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'bob' is not a user of this store (config/users.json)");
	CHECK_INT(change(a, "nora", NULL, ""), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'nora' has no role in config/users.json");
	CHECK_INT(change(a, NULL, NULL, ""), SFA_EDENIED);
	CHECK_INT(change(a, "", NULL, ""), SFA_EDENIED);
	CHECK_INT(sfa_access_check_file(a, "bob", "state/assignment.json"), SFA_EDENIED);
	/* records without an owner: any user with a role */
	CHECK_INT(change(a, "ana", NULL, ""), 0);
	CHECK_INT(change(a, "carl", "", ""), 0);
	CHECK_INT(change(a, "ben", "", NULL), 0);
	/* but the catalog is the admins' */
	CHECK_INT(sfa_access_check_record(a, "ana", &sfa_type_product, "p0p0p0p0p0p0", NULL, prod), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'ana' (rep) may not create product 'p0p0p0p0p0p0': only admins change the catalog");
	CHECK_INT(sfa_access_check_record(a, "vera", &sfa_type_product, "p0p0p0p0p0p0", prod, prod), SFA_EDENIED);
	CHECK_INT(sfa_access_check_record(a, "zed", &sfa_type_product, "p0p0p0p0p0p0", prod, NULL), 0);
	/* users are looked up exactly */
	CHECK_INT(change(a, "Ana", NULL, "Ana"), SFA_EDENIED);
	json_decref(prod);
	sfa_access_free(a);

	/* with rules and no users nobody may change anything, not even an admin by name */
	{
		json_t *acc = unit_json("{}");
		CHECK_INT(sfa_access_load(&a, NULL, acc), 0);
		CHECK(a != NULL);
		CHECK_INT(change(a, "zed", NULL, ""), SFA_EDENIED);
		sfa_access_free(a);
		json_decref(acc);
	}
}

static void test_files(void)
{
	struct sfa_access *a = rules("{}");

	CHECK_INT(sfa_access_check_file(a, "zed", "config/users.json"), 0);
	CHECK_INT(sfa_access_check_file(a, "zed", "state/assignment.json"), 0);
	CHECK_INT(sfa_access_check_file(a, "ana", "config/access.json"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(), "'ana' (rep) may not change config/access.json: only admins change the configuration");
	CHECK_INT(sfa_access_check_file(a, "mia", "config/users.json"), SFA_EDENIED);
	CHECK_INT(sfa_access_check_file(a, "dora", "config/schema.json"), SFA_EDENIED);
	CHECK_INT(sfa_access_check_file(a, "ana", "state/assignment.json"), SFA_EDENIED);
	CHECK_STR(sfa_error_last(),
		  "'ana' (rep) may not change state/assignment.json: only managers, directors and admins do");
	CHECK_INT(sfa_access_check_file(a, "mia", "state/assignment.json"), 0);
	CHECK_INT(sfa_access_check_file(a, "vera", "state/assignment.json"), 0);
	/* the conflict log: every sync writes it */
	CHECK_INT(sfa_access_check_file(a, "ana", "state/conflicts.json"), 0);
	CHECK_INT(sfa_access_check_file(a, "nora", "state/conflicts.json"), SFA_EDENIED);
	/* no prefix tricks: "configx/" is no config folder, and not a record either */
	CHECK_INT(sfa_access_check_file(a, "mia", "configx/a.json"), SFA_EDENIED);
	CHECK_INT(sfa_access_check_file(a, "mia", "stateful"), SFA_EDENIED);
	sfa_access_free(a);
}

static int reads(const struct sfa_access *a, const char *user, const char *owner, const char *territory)
{
	json_t *r = deal(owner);
	int ok;

	if (territory)
		json_object_set_new(r, "territory", json_string(territory));
	ok = sfa_access_may_read(a, user, OPP, r);
	json_decref(r);
	return ok;
}

static void test_read(void)
{
	struct sfa_access *t = rules("{\"read\": \"territory\"}"), *all = rules("{\"read\": \"all\"}");
	json_t *prod = json_pack("{s:s, s:s}", "id", "p0p0p0p0p0p0", "territory", "FR");

	CHECK_INT(reads(t, "ana", "ben", "DE"), 1);	/* her territory */
	CHECK_INT(reads(t, "ana", "ben", "FR"), 0);
	CHECK_INT(reads(t, "ana", "ana", "FR"), 1);	/* her own */
	CHECK_INT(reads(t, "ana", "ben", NULL), 1);	/* no territory */
	CHECK_INT(reads(t, "ana", "ben", ""), 1);
	CHECK_INT(reads(t, "ana", "ben", "de"), 0);	/* compared exactly */
	CHECK_INT(reads(t, "ben", "ana", "DE"), 0);	/* ben has no territory */
	CHECK_INT(reads(t, "ben", "ana", NULL), 1);
	CHECK_INT(reads(t, "carl", NULL, "JP"), 1);
	CHECK_INT(reads(t, "carl", NULL, "DE"), 0);
	/* managers, directors and admins read everything */
	CHECK_INT(reads(t, "mia", "carl", "JP"), 1);
	CHECK_INT(reads(t, "vera", "ana", "DE"), 1);
	CHECK_INT(reads(t, "zed", "ana", "XX"), 1);
	/* strangers and users without a role read like a rep without a territory */
	CHECK_INT(reads(t, "bob", "ana", "DE"), 0);
	CHECK_INT(reads(t, "bob", "ana", NULL), 1);
	CHECK_INT(reads(t, "nora", "ana", "DE"), 0);
	CHECK_INT(reads(t, NULL, "ana", "DE"), 0);
	/* the catalog is for everyone */
	CHECK_INT(sfa_access_may_read(t, "ben", &sfa_type_product, prod), 1);
	/* "read": "all" */
	CHECK_INT(reads(all, "ana", "ben", "FR"), 1);
	CHECK_INT(reads(all, "bob", "ben", "FR"), 1);
	json_decref(prod);
	sfa_access_free(t);
	sfa_access_free(all);
}

/* The message of checking `text` as users.json, or "ok". */
static const char *users_check(const char *text)
{
	static char msg[512];
	int err = sfa_config_check(NULL, sfa_config_find("config/users.json"), text, strlen(text));
	snprintf(msg, sizeof(msg), "%s", err ? sfa_error_last() : "ok");
	return msg;
}

static void test_users_check(void)
{
	json_t *cyc = unit_json("{\"a\": {\"manager\": \"b\"}, \"b\": {\"manager\": \"c\"}, \"c\": {\"manager\": \"a\"}}");
	json_t *acc = unit_json("{}");
	struct sfa_access *a = (struct sfa_access *)1;

	CHECK_STR(users_check(users_text), "ok");
	CHECK_STR(users_check("{\"ana\": {\"role\": \"rep\", \"manager\": null, \"team\": null}}"), "ok");
	CHECK_STR(users_check("{\n\"ana\": {\"role\": \"rep\"},\n\"ben\": {\"role\": \"rep\",\n \"manager\": \"bem\"}}"),
		  "config/users.json:4: ben.manager: unknown user 'bem'");
	CHECK_STR(users_check("{\"ana\": {\"role\": \"rep\", \"manager\": \"ana\"}}"),
		  "config/users.json:1: ana.manager: a user cannot be their own manager");
	CHECK_STR(users_check("{\"ana\": {\"manager\": \"ben\"},\n \"ben\": {\"manager\": \"ana\"}}"),
		  "config/users.json:1: ana.manager: managers go round in a circle: ana -> ben -> ana");
	CHECK_STR(users_check("{\"ana\": {\"manager\": 3}}"), "config/users.json:1: ana.manager: expected a user id");
	CHECK_STR(users_check("{\"ana\": {\"team\": [\"emea\"]}}"), "config/users.json:1: ana.team: expected text");
	CHECK_STR(users_check("{\n\"ana\": {\n\"territory\": 49}}"), "config/users.json:3: ana.territory: expected text");
	/* the roles as before */
	CHECK_STR(users_check("{\"ana\": {\"role\": \"boss\"}}"),
		  "config/users.json:1: ana.role: expected rep, manager, director or admin");
	/* a chain that enters a circle: reported at a user of the circle */
	CHECK_INT(sfa_access_check_users(NULL, cyc), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "a.manager: managers go round in a circle: a -> b -> c -> a");
	json_object_set_new(cyc, "d", json_pack("{s:s}", "manager", "a"));
	CHECK_INT(sfa_access_check_users(NULL, cyc), SFA_EINPUT);
	CHECK(strstr(sfa_error_last(), "go round in a circle") != NULL);
	/* the rules refuse such users too */
	CHECK_INT(sfa_access_load(&a, cyc, acc), SFA_EINPUT);
	CHECK(a == NULL);
	json_decref(cyc);
	json_decref(acc);
}

/* The message of checking `text` as access.json without a store, or "ok". */
static const char *access_check(const char *text)
{
	static char msg[512];
	int err = sfa_config_check(NULL, sfa_config_find("access"), text, strlen(text));
	snprintf(msg, sizeof(msg), "%s", err ? sfa_error_last() : "ok");
	return msg;
}

static void test_access_check(void)
{
	json_t *users = unit_json(users_text), *acc = unit_json("{\"read\": \"everything\"}");
	struct sfa_access *a = NULL;

	CHECK(sfa_config_find("config/access.json") != NULL);
	CHECK_STR(access_check("{}"), "ok");
	CHECK_STR(access_check("{\"read\": \"all\"}"), "ok");
	CHECK_STR(access_check("{\"read\": \"territory\"}"), "ok");
	CHECK_STR(access_check("{\n  \"read\": \"some\"\n}"),
		  "config/access.json:2: read: expected \"all\" or \"territory\"");
	CHECK_STR(access_check("{\"read\": true}"), "config/access.json:1: read: expected \"all\" or \"territory\"");
	CHECK_STR(access_check("{\"read\": \"all\",\n \"write\": \"all\"}"),
		  "config/access.json:2: write: unknown key (expected one of: read)");
	CHECK_STR(access_check("[]"), "config/access.json:1: expected a JSON object");
	CHECK_INT(sfa_access_load(&a, users, acc), SFA_EINPUT);
	CHECK(a == NULL);
	json_decref(users);
	json_decref(acc);
}

/* --- sfa_access_verify on commits made with libgit2 ------------------------------- */

static git_repository *repo;

struct change {
	const char *path;
	const char *text;	/* NULL: removed */
};

static git_oid commit_on(const git_oid *parent, const struct change *ch, size_t n)
{
	git_tree_update up[16];
	git_commit *pc = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_oid tid, out;

	memset(&out, 0, sizeof(out));
	if (n > 16 || git_commit_lookup(&pc, repo, parent) < 0 || git_commit_tree(&base, pc) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		memset(&up[i], 0, sizeof(up[i]));
		up[i].path = ch[i].path;
		up[i].action = ch[i].text ? GIT_TREE_UPDATE_UPSERT : GIT_TREE_UPDATE_REMOVE;
		up[i].filemode = GIT_FILEMODE_BLOB;
		if (ch[i].text && git_blob_create_from_buffer(&up[i].id, repo, ch[i].text, strlen(ch[i].text)) < 0)
			goto done;
	}
	if (git_tree_create_updated(&tid, repo, base, n, up) < 0 || git_tree_lookup(&tree, repo, &tid) < 0 ||
	    git_signature_new(&sig, "Unit", "unit@example.com", 1795000000, 0) < 0 ||
	    git_commit_create(&out, repo, NULL, sig, sig, NULL, "test", tree, 1, (const git_commit **)&pc) < 0)
		printf("# commit: %s\n", git_error_last() ? git_error_last()->message : "?");
done:
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(pc);
	return out;
}

#define COMMIT(parent, ...) commit_on((parent), (const struct change[]){ __VA_ARGS__ }, \
				      sizeof((const struct change[]){ __VA_ARGS__ }) / sizeof(struct change))

#define ANA_DEAL "opportunities/a0/a0a0a0a0a0a0.json"
#define BEN_DEAL "opportunities/b0/b0b0b0b0b0b0.json"

static const char ana_deal[] = "{\"id\": \"a0a0a0a0a0a0\", \"name\": \"Pumps\", \"owner\": \"ana\", "
			       "\"amount\": \"100.00 EUR\", \"created_at\": \"2026-11-20T10:00:00Z\"}\n";
static const char ben_deal[] = "{\"id\": \"b0b0b0b0b0b0\", \"name\": \"Valves\", \"owner\": \"ben\"}\n";

struct outcome {
	int err;
	size_t bad, denied;
	char text[2048];
};

static struct outcome verify(const char *user, const char *ref, const git_oid *old, const git_oid *new)
{
	struct sfa_access_report r = SFA_ACCESS_REPORT_INIT;
	struct outcome o;

	o.err = sfa_access_verify(repo, user, ref, old, new, &r);
	o.bad = r.bad;
	o.denied = r.denied;
	snprintf(o.text, sizeof(o.text), "%s", o.err ? sfa_error_last() : r.text.buf);
	sfa_access_report_release(&r);
	return o;
}

#define ACCEPTED(o) (CHECK_INT((o).err, 0), CHECK_INT((o).bad, 0), CHECK_INT((o).denied, 0))

static void test_verify(void)
{
	char store[512];
	git_oid c0, c1, c2, c3, c4, c5;
	struct outcome o;
	const char *main_ref = "refs/heads/main";
	struct sfa_buf big = SFA_BUF_INIT;

	snprintf(store, sizeof(store), "%s/store", unit_tmpdir());
	if (sfa_store_init(store) < 0 || git_repository_open(&repo, store) < 0 ||
	    git_reference_name_to_id(&c0, repo, "refs/heads/main") < 0) {
		CHECK(!"a store to push to");
		return;
	}
	/* the rules come in: the old commit has none, so anyone may */
	c1 = COMMIT(&c0, { "config/users.json", users_text }, { "config/access.json", "{}" },
		    { ANA_DEAL, ana_deal }, { BEN_DEAL, ben_deal });
	o = verify("ana", main_ref, &c0, &c1);
	ACCEPTED(o);

	/* ana changes her deal: accepted; ben may not */
	c2 = COMMIT(&c1, { ANA_DEAL, "{\"id\": \"a0a0a0a0a0a0\", \"name\": \"Pumps XL\", \"owner\": \"ana\"}" });
	o = verify("ana", main_ref, &c1, &c2);
	ACCEPTED(o);
	o = verify("ben", main_ref, &c1, &c2);
	CHECK_INT(o.err, 0);
	CHECK_INT(o.denied, 1);
	CHECK_STR(o.text, "'ben' (rep) may not change opportunity 'a0a0a0a0a0a0': it belongs to 'ana'\n");
	o = verify("mia", main_ref, &c1, &c2);
	ACCEPTED(o);
	o = verify("nobody", main_ref, &c1, &c2);
	CHECK_STR(o.text, "'nobody' is not a user of this store (config/users.json)\n");

	/* ana's config change and ben's deal: two refusals, every one reported */
	c3 = COMMIT(&c1, { "config/access.json", NULL }, { BEN_DEAL, NULL });
	o = verify("ana", main_ref, &c1, &c3);
	CHECK_INT(o.denied, 2);
	CHECK_STR(o.text, "'ana' (rep) may not change config/access.json: only admins change the configuration\n"
			  "'ana' (rep) may not delete opportunity 'b0b0b0b0b0b0': it belongs to 'ben'\n");
	o = verify("zed", main_ref, &c1, &c3);
	ACCEPTED(o);

	/* the branch rules */
	o = verify("zed", main_ref, &c2, &c3);
	CHECK_INT(o.denied, 1);
	CHECK_STR(o.text, "sync first: the push would drop commits of 'main' (not a fast-forward)\n");
	o = verify("zed", "refs/heads/topic", &c1, &c2);
	CHECK_STR(o.text, "refs/heads/topic: only branch 'main' is pushed to an sfa store\n");
	o = verify("zed", "refs/tags/v1", NULL, &c2);
	CHECK_INT(o.denied, 1);
	o = verify("zed", main_ref, &c2, NULL);
	CHECK_STR(o.text, "branch 'main' may not be deleted\n");
	o = verify("ben", main_ref, &c2, &c2);
	ACCEPTED(o);
	o = verify("ana", main_ref, NULL, &c2);
	CHECK_INT(o.denied, 1);
	CHECK_STR(o.text, "only an admin of the pushed config/users.json may create branch 'main' ('ana' is not)\n");
	o = verify("zed", main_ref, NULL, &c2);
	ACCEPTED(o);

	/* content, whoever pushes: a record under another id, not JSON, breaking the schema */
	c4 = COMMIT(&c1, { ANA_DEAL, "{\"id\": \"b0b0b0b0b0b0\", \"name\": \"X\", \"owner\": \"ana\"}" },
		    { "leads/c0/c0c0c0c0c0c0.json", "{\"id\": \"c0c0c0c0c0c0\", " },
		    { "leads/d0/d0d0d0d0d0d0.json", "[1, 2]" },
		    { "opportunities/e0/e0e0e0e0e0e0.json", "{\"id\": \"e0e0e0e0e0e0\", \"name\": \"Y\", "
							     "\"owner\": \"ana\", \"amount\": \"lots\"}" },
		    { "opportunities/f0/f0f0f0f0f0f0.json", "{\"id\": \"f0f0f0f0f0f0\", \"owner\": \"ana\"}" },
		    { "accounts/g0/g0g0g0g0g0g0.json", "{\"id\": \"g0g0g0g0g0g0\", \"name\": {\"nested\": 1}}" });
	o = verify("zed", main_ref, &c1, &c4);
	CHECK_INT(o.err, 0);
	CHECK_INT(o.bad, 6);
	CHECK_INT(o.denied, 0);
	CHECK(strstr(o.text, ANA_DEAL ": its id is 'b0b0b0b0b0b0', not that of its file name\n") != NULL);
	CHECK(strstr(o.text, "leads/c0/c0c0c0c0c0c0.json: not a record (a JSON object)") != NULL);
	CHECK(strstr(o.text, "leads/d0/d0d0d0d0d0d0.json: not a record (a JSON object)") != NULL);
	CHECK(strstr(o.text, "opportunities/e0/e0e0e0e0e0e0.json: field 'amount': ") != NULL);
	CHECK(strstr(o.text, "opportunities/f0/f0f0f0f0f0f0.json: field 'name': required for an opportunity\n") != NULL);
	CHECK(strstr(o.text, "accounts/g0/g0g0g0g0g0g0.json: field 'name': a nested object") != NULL);

	/* too large for a record */
	sfa_buf_addstr(&big, "{\"id\": \"a0a0a0a0a0a0\", \"name\": \"Big\", \"owner\": \"ana\", \"notes\": \"");
	while (big.len < 1024 * 1024 + 10)
		sfa_buf_addstr(&big, "0123456789abcdef");
	sfa_buf_addstr(&big, "\"}");
	c5 = COMMIT(&c1, { ANA_DEAL, big.buf });
	o = verify("ana", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 1);
	CHECK_STR(o.text, ANA_DEAL ": larger than a record can be\n");
	sfa_buf_release(&big);

	/* names: a file where no record can be, a folder sfa does not know, config entries */
	c5 = COMMIT(&c1, { "leads/a0/notes.json", "{}" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 1);
	CHECK(strstr(o.text, "not a record file: 'notes.json'") != NULL);
	c5 = COMMIT(&c1, { "hooks/post-update", "#!/bin/sh\n" }, { "config/sub/x.json", "{}" },
		    { "config/.hidden", "x" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 3);
	CHECK(strstr(o.text, "'hooks': not a folder of an sfa store\n") != NULL);
	CHECK(strstr(o.text, "config/sub: not a plain file name\n") != NULL);
	CHECK(strstr(o.text, "config/.hidden: not a plain file name\n") != NULL);
	c5 = COMMIT(&c1, { "config/store.json", NULL });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_STR(o.text, "not an sfa store: no config/store.json\n");

	/* configuration files pass their checks; the rules are those before the push */
	c5 = COMMIT(&c1, { "config/users.json", "{\"zed\": {\"role\": \"admin\", \"manager\": \"zed\"}}" },
		    { "config/access.json", "{\"read\": \"nobody\"}" }, { "state/assignment.json", "[]" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 3);
	CHECK(strstr(o.text, "config/users.json:1: zed.manager: a user cannot be their own manager\n") != NULL);
	CHECK(strstr(o.text, "config/access.json:1: read: expected \"all\" or \"territory\"\n") != NULL);
	CHECK(strstr(o.text, "state/assignment.json:1: expected a JSON object\n") != NULL);
	/* access rules checked against the pushed users: they need an admin */
	c5 = COMMIT(&c1, { "config/users.json", "{\"ana\": {\"role\": \"rep\"}}" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 1);
	CHECK_STR(o.text, "config/users.json: no admin: with access rules on (config/access.json), "
			  "only an admin can change the configuration\n");
	/* and so does a config/access.json pushed with users that have none, or no users */
	c5 = COMMIT(&c0, { "config/users.json", "{\"ana\": {\"role\": \"rep\"}}" }, { "config/access.json", "{}" });
	o = verify("ana", main_ref, &c0, &c5);
	CHECK_INT(o.bad, 2);
	CHECK_STR(o.text, "config/access.json: config/users.json has no admin: once the rules are on, "
			  "only an admin can change the configuration\n"
			  "config/users.json: no admin: with access rules on (config/access.json), "
			  "only an admin can change the configuration\n");
	c5 = COMMIT(&c0, { "config/access.json", "{\"read\": \"territory\"}" });
	o = verify("ana", main_ref, &c0, &c5);
	CHECK_STR(o.text, "config/access.json: the store has no config/users.json: set the users first, "
			  "with an admin who can change the rules once they are on\n");
	/* assignment rules checked against the pushed users */
	c5 = COMMIT(&c1, { "config/assignment.json", "{\"teams\": {\"emea\": {\"method\": \"round-robin\", "
						      "\"reps\": [\"ana\", \"petr\"]}}, \"territories\": []}" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 1);
	CHECK(strstr(o.text, "petr") != NULL);
	/* a schema that does not parse: reported once, the records not checked against it */
	c5 = COMMIT(&c1, { "config/schema.json", "{\"lead\": {\"fields\": {\"x\": {\"type\": \"monye\"}}}}" },
		    { ANA_DEAL, "{\"id\": \"a0a0a0a0a0a0\", \"name\": \"Pumps\", \"owner\": \"ana\", \"amount\": 3}" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_INT(o.bad, 1);
	CHECK(strstr(o.text, "config/schema.json:1: lead.fields.x") != NULL);
	/* a field the pushed schema makes required */
	c5 = COMMIT(&c1, { "config/schema.json", "{\"opportunity\": {\"fields\": {\"name\": {\"type\": \"text\"}, "
						  "\"stage\": {\"type\": \"text\", \"required\": true}}}}" },
		    { ANA_DEAL, "{\"id\": \"a0a0a0a0a0a0\", \"name\": \"Pumps\", \"owner\": \"ana\"}" });
	o = verify("zed", main_ref, &c1, &c5);
	CHECK_STR(o.text, ANA_DEAL ": field 'stage': required for an opportunity\n");

	/* the report keeps 20 lines and counts the rest */
	{
		struct change ch[16];
		char paths[16][64];
		for (int i = 0; i < 16; i++) {
			snprintf(paths[i], sizeof(paths[i]), "leads/h%x/h%x0000000000.json", i, i);
			ch[i].path = paths[i];
			ch[i].text = "nope";
		}
		c5 = commit_on(&c1, ch, 16);
		for (int i = 0; i < 16; i++)
			paths[i][6] = paths[i][9] = 'j';
		c5 = commit_on(&c5, ch, 16);
		o = verify("zed", main_ref, &c1, &c5);
		CHECK_INT(o.bad, 32);
		{
			size_t lines = 0;
			for (const char *p = o.text; *p; p++)
				lines += *p == '\n';
			CHECK_INT(lines, SFA_ACCESS_REPORT_LINES);
		}
	}

	/* the rules of a store as of a commit it views */
	{
		struct sfa_store *st = NULL;
		struct sfa_access *a = (struct sfa_access *)1;
		const char *reps_only = "{\"ana\": {\"role\": \"rep\"}}";
		snprintf(store, sizeof(store), "%s/store", unit_tmpdir());
		CHECK_INT(sfa_store_open_bare(&st, store), 0);
		CHECK_INT(sfa_access_open(&a, st), 0);	/* main: no config/access.json */
		CHECK(a == NULL);
		sfa_store_view(st, &c1);
		CHECK_INT(sfa_access_open(&a, st), 0);
		CHECK(a != NULL);
		CHECK_INT(change(a, "ana", "ben", "ben"), SFA_EDENIED);
		CHECK_INT(change(a, "mia", "ben", "ben"), 0);
		sfa_access_free(a);
		a = (struct sfa_access *)1;
		c5 = COMMIT(&c1, { "config/users.json", "{\"a\": {\"manager\": \"b\"},\n\"b\": {\"manager\": \"a\"}}" });
		sfa_store_view(st, &c5);
		CHECK_INT(sfa_access_open(&a, st), SFA_ESTORE);
		CHECK(a == NULL);
		CHECK_STR(sfa_error_last(), "config/users.json:1: a.manager: managers go round in a circle: a -> b -> a");
		c5 = COMMIT(&c1, { "config/access.json", "{\"read\": 1}" });
		sfa_store_view(st, &c5);
		CHECK_INT(sfa_access_open(&a, st), SFA_ESTORE);
		CHECK_STR(sfa_error_last(), "config/access.json:1: read: expected \"all\" or \"territory\"");
		/* a pushed users.json is refused when it leaves the rules without an admin */
		sfa_store_view(st, &c1);
		CHECK_INT(sfa_config_check(st, sfa_config_find("users"), reps_only, strlen(reps_only)), SFA_EINPUT);
		CHECK_STR(sfa_error_last(), "config/users.json: no admin: with access rules on (config/access.json), "
					    "only an admin can change the configuration");
		sfa_store_view(st, &c0);
		CHECK_INT(sfa_config_check(st, sfa_config_find("users"), reps_only, strlen(reps_only)), 0);
		sfa_store_free(st);
	}

	/* a repository without main yet: only an admin creates it, files checked without a store */
	{
		char empty[512];
		git_repository *store_repo = repo;
		git_odb *odb = NULL;
		snprintf(empty, sizeof(empty), "%s/empty.git", unit_tmpdir());
		snprintf(store, sizeof(store), "%s/store/objects", unit_tmpdir());
		if (git_repository_init(&repo, empty, 1) < 0 || git_repository_odb(&odb, repo) < 0 ||
		    git_odb_add_disk_alternate(odb, store) < 0) {
			CHECK(!"an empty repository");
		} else {
			o = verify("zed", main_ref, NULL, &c1);
			ACCEPTED(o);
			o = verify("mia", main_ref, NULL, &c1);
			CHECK_INT(o.denied, 1);
			c5 = commit_on(&c1, (const struct change[]){ { "config/assignment.json",
				"{\"teams\": {\"emea\": {\"method\": \"round-robin\", \"reps\": [\"ana\"]}}, "
				"\"territories\": [{\"name\": \"DE\", \"team\": \"asia\", \"match\": {}}]}" } }, 1);
			o = verify("zed", main_ref, NULL, &c5);
			CHECK_INT(o.bad, 1);
			CHECK(strstr(o.text, "asia") != NULL);
		}
		git_odb_free(odb);
		git_repository_free(repo);
		repo = store_repo;
	}
	git_repository_free(repo);
	repo = NULL;
}

void unit_tests(void)
{
	setenv("SFA_USER", "Unit Tester <unit@example.com>", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	sfa_global_init();

	test_no_rules();
	test_owners();
	test_chain_and_teams();
	test_users_refused();
	test_files();
	test_read();
	test_users_check();
	test_access_check();
	test_verify();
	sfa_global_shutdown();
}
