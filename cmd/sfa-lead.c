/* sfa-lead: add, import, show and list leads. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-lead add [--store dir] [field=value ...]\n"
	"       sfa-lead import [--store dir] [-n | --dry-run] [--skip-invalid]\n"
	"                [--rejects file] [-m msg | --message msg] [-q | --quiet] [file]\n"
	"       sfa-lead show [--store dir] [--format format] [id ...]\n"
	"       sfa-lead list [--store dir] [--fields field[,field ...]] [--where field=value]...\n"
	"                [--limit n] [--format format]\n"
	"       sfa-lead -h | --help\n"
	"       sfa-lead --version\n";

static const struct sfa_type *type = &sfa_type_lead;

enum { OPT_STORE = 256, OPT_FORMAT, OPT_FIELDS, OPT_WHERE, OPT_LIMIT, OPT_SKIP, OPT_REJECTS, OPT_HELP };

/* Columns for CSV and tables: the usual ones, then custom fields by name. */
static json_t *default_columns(struct sfa_store *s)
{
	json_t *cols = json_array(), *extra = NULL, *v;
	size_t i;

	for (i = 0; type->columns[i]; i++)
		json_array_append_new(cols, json_string(type->columns[i]));
	if (sfa_index_fields(sfa_store_index(s), type, &extra) == 0) {
		json_array_foreach(extra, i, v) {
			size_t k;
			for (k = 0; type->columns[k]; k++)
				if (!strcmp(type->columns[k], json_string_value(v)))
					break;
			if (!type->columns[k])
				json_array_append(cols, v);
		}
		json_decref(extra);
	}
	return cols;
}

/* A NULL-terminated view of a JSON array of strings (valid while it lives). */
static const char **column_list(json_t *cols)
{
	const char **v = sfa_xcalloc(json_array_size(cols) + 1, sizeof(*v));
	for (size_t i = 0; i < json_array_size(cols); i++)
		v[i] = json_string_value(json_array_get(cols, i));
	return v;
}

/* --fields a,b,c: every name must be known on this store's leads. */
static int parse_fields(struct sfa_store *s, const char *spec, json_t **out)
{
	json_t *cols = json_array();
	const char *p = spec;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *name = sfa_xstrndup(p, n);
		if (!n || !sfa_index_field_known(sfa_store_index(s), type, name)) {
			sfa_error_set(SFA_EUSAGE, "unknown field '%s' in --fields", name);
			free(name);
			json_decref(cols);
			return SFA_EUSAGE;
		}
		json_array_append_new(cols, json_string(name));
		free(name);
		p += n + (comma ? 1 : 0);
	}
	*out = cols;
	return 0;
}

static int write_rec(const json_t *rec, void *data)
{
	return sfa_writer_write(data, rec);
}

/* --- add --------------------------------------------------------------------- */

/* The one record `add` reads from stdin when given no fields. */
static int read_one(json_t **out)
{
	struct sfa_reader *r = NULL;
	json_t *extra = NULL;
	int rc;

	if ((rc = sfa_reader_open(&r, STDIN_FILENO, "stdin")) < 0)
		return rc;
	rc = sfa_reader_next(r, out);
	if (rc == 0)
		rc = sfa_error_set(SFA_EINPUT, "stdin: no record");
	else if (rc > 0 && sfa_reader_next(r, &extra) != 0) {
		json_decref(*out);
		json_decref(extra);
		rc = sfa_error_set(SFA_EINPUT, "stdin: more than one record (use 'sfa-lead import')");
	}
	sfa_reader_free(r);
	return rc < 0 ? rc : 0;
}

static int cmd_add(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, OPT_STORE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL;
	struct sfa_store *s = NULL;
	json_t *rec = NULL;
	char id[SFA_ID_LEN + 1];
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
	if (optind < argc) {
		rec = json_object();
		for (int i = optind; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');
			if (!eq || eq == argv[i]) {
				json_decref(rec);
				return sfa_cli_bad_usage(usage, "expected field=value, got '%s'", argv[i]);
			}
			char *key = sfa_xstrndup(argv[i], (size_t)(eq - argv[i]));
			json_t *v = json_string(eq + 1);
			if (!v) {
				free(key);
				json_decref(rec);
				sfa_error_set(SFA_EINPUT, "argument '%s': invalid UTF-8", argv[i]);
				return sfa_cli_fail(SFA_EINPUT);
			}
			json_object_set_new(rec, key, v);
			free(key);
		}
	} else if ((err = read_one(&rec)) < 0) {
		return sfa_cli_fail(err);
	}
	if ((err = sfa_cli_open_store(&s, store)) == 0 && (err = sfa_add(s, type, rec, "sfa-lead", id)) == 0)
		printf("%s\n", id);
	json_decref(rec);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* --- import ------------------------------------------------------------------ */

struct rejects {
	FILE *fp;
	const char *path;
	int header_done;
};

/* Reports a refused record and keeps its bytes, unchanged, for fixing. */
static int on_reject(struct sfa_reader *r, void *data)
{
	struct rejects *rj = data;
	const char *raw;
	size_t len;

	sfa_cli_warn("%s (rejected)", sfa_error_last());
	if (!rj->fp)
		return 0;
	if (!rj->header_done) {
		rj->header_done = 1;
		raw = sfa_reader_header_raw(r, &len);
		if (raw && len)
			fwrite(raw, 1, len, rj->fp);
	}
	raw = sfa_reader_raw(r, &len);
	fwrite(raw, 1, len, rj->fp);
	/* JSON values come without their separator: one per line (NDJSON). */
	if (sfa_reader_format(r) != SFA_FORMAT_CSV)
		fputc('\n', rj->fp);
	return ferror(rj->fp) ? -1 : 0;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "message", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "skip-invalid", no_argument, NULL, OPT_SKIP },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_import_opts opts = SFA_IMPORT_OPTS_INIT;
	struct sfa_import_result res = { 0, 0, 0, 0 };
	struct rejects rj = { NULL, NULL, 0 };
	struct sfa_store *s = NULL;
	struct sfa_reader *r = NULL;
	const char *store = NULL, *file = NULL;
	int c, err, fd = STDIN_FILENO, quiet = 0, skip = 0;

	while ((c = getopt_long(argc, argv, "hm:nq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'm':
			opts.message = optarg;
			break;
		case 'n':
			opts.dry_run = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_REJECTS:
			rj.path = optarg;
			skip = 1;
			break;
		case OPT_SKIP:
			skip = 1;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (argc - optind > 1)
		return sfa_cli_bad_usage(usage, "import reads one file");
	if (optind < argc && strcmp(argv[optind], "-")) {
		file = argv[optind];
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			sfa_error_set(SFA_EINPUT, "cannot open '%s': %s", file, strerror(errno));
			return sfa_cli_fail(SFA_EINPUT);
		}
	}
	opts.command = "sfa-lead";
	if (skip) {
		opts.reject = on_reject;
		opts.data = &rj;
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0 ||
	    (err = sfa_reader_open(&r, fd, file ? file : "stdin")) < 0)
		goto done;
	if (rj.path && !(rj.fp = fopen(rj.path, "w"))) {
		err = sfa_error_set(SFA_ESTORE, "cannot create '%s': %s", rj.path, strerror(errno));
		goto done;
	}
	err = sfa_import(s, type, r, &opts, &res);
	if (rj.fp && fclose(rj.fp) != 0 && err == 0)
		err = sfa_error_set(SFA_ESTORE, "cannot write '%s': %s", rj.path, strerror(errno));
	rj.fp = NULL;
	if (err == 0 && !quiet) {
		struct sfa_buf b = SFA_BUF_INIT;
		size_t n = res.added + res.updated;
		sfa_buf_addf(&b, "%s %zu %s from %s: %zu added, %zu updated, %zu unchanged",
			     opts.dry_run ? "dry run: would import" : "imported", n,
			     n == 1 ? type->name : type->plural, file ? file : "stdin",
			     res.added, res.updated, res.unchanged);
		if (res.rejected)
			sfa_buf_addf(&b, ", %zu rejected", res.rejected);
		sfa_cli_warn("%s", b.buf);
		sfa_buf_release(&b);
	}
done:
	if (rj.fp)
		fclose(rj.fp);
	sfa_reader_free(r);
	sfa_store_free(s);
	if (fd != STDIN_FILENO)
		close(fd);
	if (err < 0)
		return sfa_cli_fail(err);
	/* The good records are in; the exit status still tells of the bad ones. */
	return sfa_cli_exit(res.rejected ? SFA_EXIT_DATA : 0);
}

/* --- show and list ------------------------------------------------------------- */

/* Opens the writer for `fmt` with `fields` (--fields) or the default columns. */
static int open_output(struct sfa_store *s, enum sfa_format fmt, const char *fields,
		       struct sfa_writer **w, json_t **cols)
{
	const char **names;
	int err;

	if (fields) {
		if ((err = parse_fields(s, fields, cols)) < 0)
			return err;
	} else {
		*cols = default_columns(s);
	}
	names = column_list(*cols);
	/* JSON carries every field unless some were asked for. */
	err = sfa_writer_open(w, stdout, sfa_cli_format(fmt),
			      fields || (fmt != SFA_FORMAT_JSON && fmt != SFA_FORMAT_NDJSON) ? names : NULL);
	free(names);
	return err;
}

/*
 * Prints one lead named by an id or prefix. A lead that is not there (or
 * a prefix that fits several) is reported here and the others still get
 * printed: `*code` keeps the exit status. Only a failure of the store or
 * of the output is returned.
 */
static int show_one(struct sfa_store *s, struct sfa_writer *w, const char *given, int *code)
{
	char id[SFA_ID_LEN + 1];
	json_t *rec = NULL;
	int err;

	if ((err = sfa_store_resolve(s, type, given, id)) < 0 ||
	    (err = sfa_store_read(s, type, id, &rec)) < 0) {
		if (err == SFA_ESTORE)
			return err;
		int failed = sfa_cli_fail(err);
		if (failed > *code)
			*code = failed;
		return 0;
	}
	err = sfa_writer_write(w, rec);
	json_decref(rec);
	return err;
}

static int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	const char *store = NULL;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	json_t *cols = NULL;
	int c, err, code = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(usage, "%s", sfa_error_last());
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0 ||
	    (err = open_output(s, fmt, NULL, &w, &cols)) < 0)
		goto done;
	if (optind < argc) {
		for (int i = optind; i < argc && !err; i++)
			err = show_one(s, w, argv[i], &code);
	} else {
		/* Ids from a pipe: `sfa-lead list --format ids | sfa-lead show`. */
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while (!err && (n = getline(&line, &cap, stdin)) > 0) {
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
				line[--n] = '\0';
			if (n)
				err = show_one(s, w, line, &code);
		}
		free(line);
	}
	if (!err) {
		err = sfa_writer_close(w);
		w = NULL;
	}
done:
	sfa_writer_free(w);
	json_decref(cols);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(code);
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fields", required_argument, NULL, OPT_FIELDS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ NULL, 0, NULL, 0 }
	};
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_query q = { type, NULL, NULL, 0, -1, 0 };
	const char *store = NULL, *fields = NULL;
	char **wf = NULL, **wv = NULL;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	json_t *cols = NULL;
	long n = 0;
	int c, err = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_FIELDS:
			fields = optarg;
			break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(usage, "%s", sfa_error_last());
			break;
		case OPT_LIMIT:
			errno = 0;
			q.limit = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || q.limit < 0)
				return sfa_cli_bad_usage(usage, "--limit: not a count: '%s'", optarg);
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_WHERE: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return sfa_cli_bad_usage(usage, "--where: expected field=value, got '%s'", optarg);
			wf = sfa_xrealloc(wf, (q.nwhere + 1) * sizeof(*wf));
			wv = sfa_xrealloc(wv, (q.nwhere + 1) * sizeof(*wv));
			wf[q.nwhere] = sfa_xstrndup(optarg, (size_t)(eq - optarg));
			wv[q.nwhere++] = sfa_xstrdup(eq + 1);
			break;
		}
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (optind < argc)
		return sfa_cli_bad_usage(usage, "unexpected argument '%s'", argv[optind]);
	q.where_field = (const char *const *)wf;
	q.where_value = (const char *const *)wv;
	if ((err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	for (size_t i = 0; i < q.nwhere; i++)
		if (!sfa_index_field_known(sfa_store_index(s), type, wf[i])) {
			err = sfa_error_set(SFA_EUSAGE, "unknown field '%s' in --where", wf[i]);
			goto done;
		}
	if ((err = open_output(s, fmt, fields, &w, &cols)) < 0)
		goto done;
	q.ids_only = fmt == SFA_FORMAT_IDS;
	if ((n = sfa_index_list(sfa_store_index(s), &q, write_rec, w)) < 0) {
		err = (int)n;
		goto done;
	}
	err = sfa_writer_close(w);
	w = NULL;
done:
	for (size_t i = 0; i < q.nwhere; i++) {
		free(wf[i]);
		free(wv[i]);
	}
	free(wf);
	free(wv);
	sfa_writer_free(w);
	json_decref(cols);
	sfa_store_free(s);
	if (err < 0)
		return sfa_cli_fail(err);
	return sfa_cli_exit(n ? 0 : SFA_EXIT_NOMATCH);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} verbs[] = {
		{ "add", cmd_add },
		{ "import", cmd_import },
		{ "list", cmd_list },
		{ "show", cmd_show },
	};

	sfa_cli_start("sfa-lead");
	if (argc < 2)
		return sfa_cli_usage(usage);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return sfa_cli_help(usage);
	if (!strcmp(argv[1], "--version")) {
		printf("sfa-lead %s\n", SFA_VERSION);
		return sfa_cli_exit(0);
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name)) {
			char name[32];
			/* getopt's own messages then say "sfa-lead list: ..." */
			snprintf(name, sizeof(name), "sfa-lead %s", verbs[i].name);
			argv[1] = name;
			return verbs[i].fn(argc - 1, argv + 1);
		}
	return sfa_cli_bad_usage(usage, "unknown command '%s'", argv[1]);
}
