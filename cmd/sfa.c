/* sfa: the front end (init, config, log, reindex, unlock, help) and runner of sfa-NAME. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfa/cli.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/log.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa [--store dir] command [arg ...]\n"
	"       sfa -h | --help\n"
	"       sfa --version\n"
	"       sfa help [command]\n"
	"       sfa init [-q | --quiet] [dir]\n"
	"       sfa config list [--store dir]\n"
	"       sfa config show [--store dir] name\n"
	"       sfa config check [--store dir] name [file]\n"
	"       sfa config set [--store dir] [-m msg] name [file]\n"
	"       sfa log [--store dir] [-n n | --limit n] [-p | --patch] [--format format] [id]\n"
	"       sfa reindex [--store dir] [-q]\n"
	"       sfa unlock [--store dir]\n";

enum { OPT_STORE = 256, OPT_FORMAT };

/* --store given before the command, passed on to built-ins and sfa-NAME. */
static const char *global_store;

static int cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_buf path = SFA_BUF_INIT;
	int c, err, quiet = 0;

	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'q':
			quiet = 1;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (argc - optind > 1)
		return sfa_cli_bad_usage(usage, "init takes one folder");
	sfa_store_locate(&path, optind < argc ? argv[optind] : global_store);
	err = sfa_store_init(path.buf);
	if (!err && !quiet)
		sfa_cli_warn("created store '%s'", path.buf);
	sfa_buf_release(&path);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

static int cmd_reindex(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = global_store;
	struct sfa_store *s = NULL;
	int c, err, quiet = 0;

	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'q':
			quiet = 1;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (optind < argc)
		return sfa_cli_bad_usage(usage, "unexpected argument '%s'", argv[optind]);
	if ((err = sfa_cli_open_store(&s, store)) == 0 && (err = sfa_store_reindex(s)) == 0 && !quiet)
		sfa_cli_warn("index rebuilt");
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* Reads a file, or stdin for "-" or none. */
static int read_input(const char *file, struct sfa_buf *out)
{
	FILE *fp = file && strcmp(file, "-") ? fopen(file, "r") : stdin;
	char chunk[8192];
	size_t n;
	int bad;

	if (!fp)
		return sfa_error_set(SFA_EINPUT, "cannot open '%s': %s", file, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sfa_buf_add(out, chunk, n);
	bad = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	return bad ? sfa_error_set(SFA_EINPUT, "cannot read '%s'", file ? file : "stdin") : 0;
}

/* sfa config list|show|check|set: the configuration files in the store. */
static int cmd_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "message", required_argument, NULL, 'm' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = global_store, *verb, *message = NULL;
	const struct sfa_config_file *f = NULL;
	struct sfa_store *s = NULL;
	struct sfa_txn *txn = NULL;
	struct sfa_buf text = SFA_BUF_INIT, msg = SFA_BUF_INIT;
	int c, err = 0, nargs;

	while ((c = getopt_long(argc, argv, "+hm:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'm':
			message = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (optind >= argc)
		return sfa_cli_bad_usage(usage, "config: list, show, check or set");
	verb = argv[optind++];
	/* options may follow the verb too */
	while ((c = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		if (c == 'm')
			message = optarg;
		else if (c == OPT_STORE)
			store = optarg;
		else
			return c == 'h' ? sfa_cli_help(usage) : sfa_cli_usage(usage);
	}
	nargs = argc - optind;
	if (!strcmp(verb, "list")) {
		if (nargs)
			return sfa_cli_bad_usage(usage, "config list takes no name");
		if ((err = sfa_cli_open_store(&s, store)) < 0)
			goto done;
		for (f = sfa_config_files; f->name; f++) {
			sfa_buf_reset(&text);
			err = sfa_store_read_file(s, f->name, &text);
			if (err < 0 && err != SFA_ENOTFOUND)
				goto done;
			printf("%-24s %-8s %s\n", f->name, err ? "(none)" : "", f->about);
			err = 0;
		}
		goto done;
	}
	if (strcmp(verb, "show") && strcmp(verb, "check") && strcmp(verb, "set"))
		return sfa_cli_bad_usage(usage, "config: unknown command '%s' (list, show, check, set)", verb);
	if (nargs < 1 || nargs > (strcmp(verb, "show") ? 2 : 1))
		return sfa_cli_bad_usage(usage, "config %s: name a file%s", verb, strcmp(verb, "show") ? " (and where to read it)" : "");
	if (!(f = sfa_config_find(argv[optind]))) {
		struct sfa_buf names = SFA_BUF_INIT;
		for (const struct sfa_config_file *k = sfa_config_files; k->name; k++)
			sfa_buf_addf(&names, "%s%s", names.len ? ", " : "", k->name + strlen("config/"));
		sfa_cli_bad_usage(usage, "config: no configuration file '%s' (one of: %s)", argv[optind], names.buf);
		sfa_buf_release(&names);
		return SFA_EXIT_USAGE;
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	if (!strcmp(verb, "show")) {
		if ((err = sfa_store_read_file(s, f->name, &text)) == 0)
			fwrite(text.buf, 1, text.len, stdout);
		goto done;
	}
	if ((err = read_input(nargs > 1 ? argv[optind + 1] : NULL, &text)) < 0 ||
	    (err = sfa_config_check(s, f, text.buf, text.len)) < 0 || !strcmp(verb, "check"))
		goto done;
	if (!text.len || text.buf[text.len - 1] != '\n')
		sfa_buf_addch(&text, '\n');
	if ((err = sfa_txn_begin(&txn, s, 0)) < 0 ||
	    /* checked again under the lock: what it refers to may have changed */
	    (err = sfa_config_check(s, f, text.buf, text.len)) < 0 ||
	    (err = sfa_txn_put_file(txn, f->name, text.buf, text.len)) < 0)
		goto done;
	if (message)
		sfa_buf_addstr(&msg, message);
	else
		sfa_buf_addf(&msg, "sfa config: set %s", f->name);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	sfa_store_free(s);
	sfa_buf_release(&text);
	sfa_buf_release(&msg);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

static int cmd_unlock(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_buf removed = SFA_BUF_INIT;
	const char *store = global_store;
	struct sfa_store *s = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (optind < argc)
		return sfa_cli_bad_usage(usage, "unexpected argument '%s'", argv[optind]);
	/*
	 * Not sfa_store_open: with a stale lock the index may be behind and
	 * catching up is exactly what must not wait on the lock. The store
	 * is opened without the index for this one job.
	 */
	struct sfa_buf path = SFA_BUF_INIT;
	sfa_store_locate(&path, store);
	err = sfa_store_open_bare(&s, path.buf);
	sfa_buf_release(&path);
	if (!err && (err = sfa_store_unlock(s, &removed)) == 0) {
		if (removed.len)
			fprintf(stderr, "%s", removed.buf);
		sfa_cli_warn(removed.len ? "removed the stale lock files above" : "no stale lock files");
	}
	sfa_buf_release(&removed);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

static int cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "limit", required_argument, NULL, 'n' },
		{ "patch", no_argument, NULL, 'p' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_log_opts o = SFA_LOG_OPTS_INIT;
	const char *store = global_store;
	struct sfa_store *s = NULL;
	int c, err;
	char *end;

	while ((c = getopt_long(argc, argv, "hn:p", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'n':
			errno = 0;
			o.limit = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o.limit < 0)
				return sfa_cli_bad_usage(usage, "--limit: not a count: '%s'", optarg);
			break;
		case 'p':
			o.patch = 1;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text"))
				o.format = SFA_FORMAT_AUTO;
			else if (sfa_format_parse(&o.format, optarg) < 0 || o.format == SFA_FORMAT_TABLE ||
				 o.format == SFA_FORMAT_IDS)
				return sfa_cli_bad_usage(usage, "--format: expected text, csv, json or ndjson");
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (argc - optind > 1)
		return sfa_cli_bad_usage(usage, "log takes one id");
	o.id = optind < argc ? argv[optind] : NULL;
	if ((err = sfa_cli_open_store(&s, store)) == 0)
		err = sfa_log(s, stdout, &o);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* Directory of the running binary, so a build tree finds its own sfa-NAME. */
static void self_dir(struct sfa_buf *out)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		sfa_buf_add(out, buf, (size_t)(slash - buf));
}

/* Runs sfa-NAME from SFA_EXEC_PATH, our own folder, LIBEXECDIR, then PATH. */
static int run_external(const char *name, int argc, char **argv)
{
	struct sfa_buf prog = SFA_BUF_INIT, dir = SFA_BUF_INIT, path = SFA_BUF_INIT;
	const char *dirs[3];
	char **args = sfa_xcalloc((size_t)argc + 4, sizeof(*args));
	int n = 0;

	sfa_buf_addf(&prog, "sfa-%s", name);
	args[n++] = prog.buf;
	if (global_store && argc >= 1 && argv[0][0] == '-') {
		/* no verb (sfa sync --rule ours): the store first, so no option loses its value */
		args[n++] = "--store";
		args[n++] = (char *)global_store;
		global_store = NULL;
	}
	args[n++] = argv[0];	/* the verb */
	if (global_store) {
		/* sfa-NAME verbs take --store after the verb. */
		args[n++] = "--store";
		args[n++] = (char *)global_store;
	}
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	if (argc < 1) {	/* no verb: only the store */
		n = 1;
		if (global_store) {
			args[n++] = "--store";
			args[n++] = (char *)global_store;
		}
	}
	args[n] = NULL;

	self_dir(&dir);
	dirs[0] = getenv("SFA_EXEC_PATH");
	dirs[1] = dir.buf;
	dirs[2] = SFA_LIBEXECDIR;
	for (size_t i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		sfa_buf_reset(&path);
		sfa_buf_addf(&path, "%s/%s", dirs[i], prog.buf);
		if (access(path.buf, X_OK) == 0)
			execv(path.buf, args);
	}
	execvp(prog.buf, args);
	int code = errno == ENOENT ? SFA_EXIT_USAGE : SFA_EXIT_STORE;
	if (errno == ENOENT)
		sfa_cli_warn("'%s' is not an sfa command (see 'sfa help')", name);
	else
		sfa_cli_warn("cannot run '%s': %s", prog.buf, strerror(errno));
	free(args);
	sfa_buf_release(&prog);
	sfa_buf_release(&dir);
	sfa_buf_release(&path);
	return code;
}

static int cmd_help(int argc, char **argv)
{
	static const char *const builtins[] = { "init", "config", "log", "reindex", "unlock", "help", NULL };
	struct sfa_buf page = SFA_BUF_INIT;
	const char *what = argc > 1 ? argv[1] : NULL;

	if (!what) {
		fputs(usage, stdout);
		fputs("\ncommands: init config log reindex unlock help, and sfa-NAME programs such as 'lead'\n"
		      "see sfa(1), sfa(7), sfa-store(5) and sfa-NAME(1)\n", stdout);
		return sfa_cli_exit(0);
	}
	sfa_buf_addstr(&page, "sfa");
	for (size_t i = 0; builtins[i]; i++)
		if (!strcmp(what, builtins[i]))
			goto man;
	sfa_buf_addf(&page, "-%s", what);
man:
	fflush(stdout);
	execlp("man", "man", page.buf, (char *)NULL);
	sfa_cli_warn("cannot run man: %s", strerror(errno));
	sfa_buf_release(&page);
	return SFA_EXIT_STORE;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} builtins[] = {
		{ "config", cmd_config },
		{ "help", cmd_help },
		{ "init", cmd_init },
		{ "log", cmd_log },
		{ "reindex", cmd_reindex },
		{ "unlock", cmd_unlock },
	};
	int i = 1;

	sfa_cli_start("sfa");
	/* Options before the command: only --store, --help and --version. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			return sfa_cli_help(usage);
		} else if (!strcmp(argv[i], "--version")) {
			printf("sfa %s\n", SFA_VERSION);
			return sfa_cli_exit(0);
		} else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
			global_store = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--store=", 8)) {
			global_store = argv[i] + 8;
			i++;
		} else {
			return sfa_cli_bad_usage(usage, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return sfa_cli_usage(usage);
	for (size_t k = 0; k < sizeof(builtins) / sizeof(builtins[0]); k++)
		if (!strcmp(argv[i], builtins[k].name)) {
			char name[32];
			snprintf(name, sizeof(name), "sfa %s", builtins[k].name);
			argv[i] = name;
			return builtins[k].fn(argc - i, argv + i);
		}
	return run_external(argv[i], argc - i - 1, argv + i + 1);
}
