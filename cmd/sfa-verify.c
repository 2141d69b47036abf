/* sfa verify: the pre-receive check of a shared remote; refuses pushes that break the schema or the access rules. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/access.h"
#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa verify [--store dir] [--user user] [old new]\n"
	"       sfa verify -h | --help\n";

enum { OPT_STORE = 256, OPT_USER };

/* Who pushes: the server says so in the environment (ssh forced command, gitolite, http). */
static const char *pusher(const char *opt)
{
	static const char *const vars[] = { "SFA_USER", "GL_USER", "REMOTE_USER" };
	const char *v;

	if (opt)
		return opt;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) && *v)
			return v;
	return NULL;
}

/* A commit named on the command line; all zeros (a ref created) gives NULL. */
static int revision(git_repository *repo, const char *spec, git_oid *out, const git_oid **p)
{
	git_object *o = NULL;

	if (git_oid_fromstr(out, spec) == 0 && git_oid_is_zero(out)) {
		*p = NULL;
		return 0;
	}
	if (git_revparse_single(&o, repo, spec) < 0 || git_object_type(o) != GIT_OBJECT_COMMIT) {
		git_object_free(o);
		return sfa_error_set(SFA_EUSAGE, "'%s': not a commit of the store", spec);
	}
	git_oid_cpy(out, git_object_id(o));
	git_object_free(o);
	*p = out;
	return 0;
}

/* git's pre-receive protocol: "OLD NEW REFNAME" lines on stdin, every one checked. */
static int verify_stdin(git_repository *repo, const char *user, struct sfa_access_report *r)
{
	char *line = NULL, *ref;
	size_t cap = 0, n = 0;
	ssize_t len;
	int err = 0;

	while (!err && (len = getline(&line, &cap, stdin)) > 0) {
		git_oid old, new;
		char *sp = strchr(line, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		n++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!sp2 || (*sp = *sp2 = '\0', git_oid_fromstr(&old, line) < 0) || git_oid_fromstr(&new, sp + 1) < 0) {
			err = sfa_error_set(SFA_EUSAGE, "stdin:%zu: expected \"OLD NEW REFNAME\" as git gives a pre-receive hook", n);
			break;
		}
		ref = sp2 + 1;
		err = sfa_access_verify(repo, user, ref, git_oid_is_zero(&old) ? NULL : &old,
					git_oid_is_zero(&new) ? NULL : &new, r);
	}
	if (!err && ferror(stdin))
		err = sfa_error_set(SFA_ESTORE, "cannot read stdin");
	free(line);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "user", required_argument, NULL, OPT_USER },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_access_report r = SFA_ACCESS_REPORT_INIT;
	const char *store = NULL, *user_opt = NULL, *user, *p;
	git_repository *repo = NULL;
	int c, err = 0, code;

	sfa_cli_start("sfa verify");
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_USER:
			user_opt = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (argc - optind != 0 && argc - optind != 2)
		return sfa_cli_bad_usage(usage, "give both commits, old and new, or none (lines on stdin)");
	if (!(user = pusher(user_opt))) {
		sfa_cli_warn("push refused: no user (the server sets SFA_USER, GL_USER or REMOTE_USER for sfa verify)");
		return SFA_EXIT_DENIED;
	}
	/* git's environment: the pushed objects wait in a quarantine that GIT_OBJECT_DIRECTORY names */
	if (git_repository_open_ext(&repo, store, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot open the repository");
		goto done;
	}
	if (argc - optind == 2) {
		git_oid old, new;
		const git_oid *po, *pn;
		if ((err = revision(repo, argv[optind], &old, &po)) == 0 &&
		    (err = revision(repo, argv[optind + 1], &new, &pn)) == 0)
			err = sfa_access_verify(repo, user, SFA_BRANCH, po, pn, &r);
	} else {
		err = verify_stdin(repo, user, &r);
	}
done:
	git_repository_free(repo);
	if (err < 0) {
		sfa_access_report_release(&r);
		return sfa_cli_fail(err);
	}
	for (p = r.text.buf; *p; p = strchr(p, '\n') + 1)
		sfa_cli_warn("%.*s", (int)strcspn(p, "\n"), p);
	if (r.bad + r.denied > SFA_ACCESS_REPORT_LINES)
		sfa_cli_warn("and %zu more", r.bad + r.denied - SFA_ACCESS_REPORT_LINES);
	code = r.bad ? SFA_EXIT_DATA : r.denied ? SFA_EXIT_DENIED : SFA_EXIT_OK;
	sfa_access_report_release(&r);
	return sfa_cli_exit(code);
}
