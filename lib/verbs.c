/* The verbs every record command shares: add, import, show, list, search, set, delete. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sfa/cli.h"
#include "sfa/config.h"
#include "sfa/access.h"
#include "sfa/error.h"
#include "sfa/fts.h"
#include "sfa/import.h"
#include "sfa/query.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

enum {
	OPT_STORE = 256, OPT_FORMAT, OPT_FIELDS, OPT_WHERE, OPT_LIMIT, OPT_SKIP, OPT_REJECTS,
	OPT_MAP, OPT_MAP_FILE, OPT_STRICT, OPT_DATE_FORMAT, OPT_DEDUPE, OPT_STATUS, OPT_OWNER,
	OPT_SOURCE, OPT_SINCE, OPT_UNTIL, OPT_SORT
};

/* Columns for CSV and tables: the usual ones, then custom fields by name. */
static json_t *default_columns(const struct sfa_verb *v, struct sfa_store *s)
{
	const struct sfa_type *t = v->type;
	json_t *cols = json_array(), *extra = NULL, *e;
	size_t i;

	for (i = 0; t->columns[i]; i++)
		json_array_append_new(cols, json_string(t->columns[i]));
	if (sfa_index_fields(sfa_store_index(s), t, &extra) == 0) {
		json_array_foreach(extra, i, e) {
			size_t k, h = 0;
			for (k = 0; t->columns[k]; k++)
				if (!strcmp(t->columns[k], json_string_value(e)))
					break;
			while (t->hidden && t->hidden[h] && strcmp(t->hidden[h], json_string_value(e)))
				h++;
			if (!t->columns[k] && !(t->hidden && t->hidden[h]))
				json_array_append(cols, e);
		}
		json_decref(extra);
	}
	return cols;
}

/* A NULL-terminated view of a JSON array of strings (valid while it lives). */
static const char **column_list(json_t *cols)
{
	const char **l = sfa_xcalloc(json_array_size(cols) + 1, sizeof(*l));
	for (size_t i = 0; i < json_array_size(cols); i++)
		l[i] = json_string_value(json_array_get(cols, i));
	return l;
}

/* --fields a,b,c: every name must be known on this store's records. */
static int parse_fields(const struct sfa_verb *v, struct sfa_store *s, const char *spec, json_t **out)
{
	const struct sfa_schema *sc;
	json_t *cols = json_array();
	const char *p = spec;

	if (sfa_store_schema(s, &sc) < 0)
		sc = NULL;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *name = sfa_xstrndup(p, n);
		if (!n || (!sfa_index_field_known(sfa_store_index(s), v->type, name) &&
			   !(sc && sfa_schema_field(sc, v->type, name)))) {
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

/* Opens the writer for `fmt` with `fields` (--fields) or the default columns. */
static int open_output(const struct sfa_verb *v, struct sfa_store *s, enum sfa_format fmt, const char *fields,
		       struct sfa_writer **w, json_t **cols)
{
	const char **names;
	int err;

	if (fields) {
		if ((err = parse_fields(v, s, fields, cols)) < 0)
			return err;
	} else {
		*cols = default_columns(v, s);
	}
	names = column_list(*cols);
	/* JSON carries every field unless some were asked for. */
	err = sfa_writer_open(w, stdout, sfa_cli_format(fmt),
			      fields || (fmt != SFA_FORMAT_JSON && fmt != SFA_FORMAT_NDJSON) ? names : NULL);
	free(names);
	return err;
}

int sfa_verb_fields(json_t **out, int argc, char **argv)
{
	json_t *rec = json_object();

	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		json_t *val;
		if (!eq || eq == argv[i]) {
			json_decref(rec);
			return sfa_error_set(SFA_EUSAGE, "expected field=value, got '%s'", argv[i]);
		}
		if (!(val = json_string(eq + 1))) {
			json_decref(rec);
			return sfa_error_set(SFA_EINPUT, "argument '%s': invalid UTF-8", argv[i]);
		}
		char *key = sfa_xstrndup(argv[i], (size_t)(eq - argv[i]));
		json_object_set_new(rec, key, val);
		free(key);
	}
	*out = rec;
	return 0;
}

/*
 * Options of verbs that take only --store (and --help): -1 to go on with
 * `*store` set, else the exit code. `flags` "+" stops at the first
 * argument (set: ids and field=value follow).
 */
int sfa_verb_options(const struct sfa_verb *v, int argc, char **argv, const char *flags, const char **store,
		     enum sfa_format *fmt)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	char optstring[4];
	int c;

	snprintf(optstring, sizeof(optstring), "%sh", flags);
	*store = NULL;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(v->usage);
		case OPT_FORMAT:
			if (!fmt)
				return sfa_cli_bad_usage(v->usage, "no --format here: this verb prints no records");
			if (sfa_format_parse(fmt, optarg) < 0)
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			break;
		case OPT_STORE:
			*store = optarg;
			break;
		default:
			return sfa_cli_usage(v->usage);
		}
	}
	return -1;
}

const char *sfa_verb_name(const char *arg0)
{
	const char *sp = strrchr(arg0, ' ');
	return sp ? sp + 1 : arg0;
}

int sfa_verb_exit(const struct sfa_verb *v, int err)
{
	if (err == SFA_EUSAGE)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

/* --- add --------------------------------------------------------------------- */

/* The one record `add` reads from stdin when given no fields. */
static int read_one(const struct sfa_verb *v, json_t **out)
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
		rc = sfa_error_set(SFA_EINPUT, "stdin: more than one record (use '%s import')", v->command);
	}
	sfa_reader_free(r);
	return rc < 0 ? rc : 0;
}

int sfa_verb_add(const struct sfa_verb *v, int argc, char **argv)
{
	const char *store;
	struct sfa_store *s = NULL;
	json_t *rec = NULL;
	char id[SFA_ID_LEN + 1];
	int err;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, NULL)) >= 0)
		return err;
	if (optind < argc) {
		if ((err = sfa_verb_fields(&rec, argc - optind, argv + optind)) == SFA_EUSAGE)
			return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
		if (err < 0)
			return sfa_cli_fail(err);
	} else if ((err = read_one(v, &rec)) < 0) {
		return sfa_cli_fail(err);
	}
	if ((err = sfa_cli_open_store(&s, store)) == 0 && (err = sfa_add(s, v->type, rec, v->command, id)) == 0)
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

static int slurp(const char *path, struct sfa_buf *out)
{
	FILE *fp = fopen(path, "r");
	char chunk[8192];
	size_t n;

	if (!fp)
		return sfa_error_set(SFA_EUSAGE, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sfa_buf_add(out, chunk, n);
	n = (size_t)ferror(fp);
	fclose(fp);
	return n ? sfa_error_set(SFA_EUSAGE, "cannot read '%s'", path) : 0;
}

/*
 * The input-name map of an import: --map (inline, or the name of a map
 * kept in the store), --map-file (used and kept in the store under the
 * file's base name, written in the import's commit).
 */
static int import_map(struct sfa_store *s, const char *map, const char *map_file, json_t *files,
		      json_t **out)
{
	json_t *user = NULL, *maps = NULL;
	struct sfa_buf text = SFA_BUF_INIT;
	int err = 0;

	if (map && strchr(map, '=')) {
		err = sfa_import_map_parse(&user, map, ',', "--map");
	} else if (map) {
		err = sfa_config_read(s, "config/maps.json", &maps, NULL);
		if (err == SFA_ENOTFOUND || (!err && !json_object_get(maps, map)))
			err = sfa_error_set(SFA_EUSAGE, "--map: no map '%s' kept in the store (give 'Column=field,...' or --map-file)", map);
		else if (!err)
			user = json_incref(json_object_get(maps, map));
	} else if (map_file) {
		const char *base = strrchr(map_file, '/');
		char *name;
		base = base ? base + 1 : map_file;
		name = sfa_xstrndup(base, strcspn(base, "."));
		if ((err = slurp(map_file, &text)) == 0 &&
		    (err = sfa_import_map_parse(&user, text.buf, '\n', map_file)) == 0) {
			err = sfa_config_read(s, "config/maps.json", &maps, NULL);
			if (err == SFA_ENOTFOUND) {
				maps = json_object();
				err = 0;
			}
			if (!err && sfa_field_name_check(name) < 0)
				err = sfa_error_set(SFA_EUSAGE, "--map-file: '%s' cannot name a map (use a-z, 0-9, '_', '-')", name);
			if (!err) {
				char *dump;
				json_object_set(maps, name, user);
				dump = json_dumps(maps, JSON_INDENT(2) | JSON_SORT_KEYS);
				sfa_buf_reset(&text);
				sfa_buf_addf(&text, "%s\n", dump);
				free(dump);
				json_object_set_new(files, "config/maps.json", json_string(text.buf));
			}
		}
		free(name);
	}
	if (!err)
		*out = user ? json_incref(user) : json_object();
	json_decref(user);
	json_decref(maps);
	sfa_buf_release(&text);
	return err;
}

int sfa_verb_import(const struct sfa_verb *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "date-format", required_argument, NULL, OPT_DATE_FORMAT },
		{ "dedupe", required_argument, NULL, OPT_DEDUPE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "map-file", required_argument, NULL, OPT_MAP_FILE },
		{ "message", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "skip-invalid", no_argument, NULL, OPT_SKIP },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_import_opts opts = SFA_IMPORT_OPTS_INIT;
	struct sfa_import_result res = { 0 };
	struct rejects rj = { NULL, NULL, 0 };
	struct sfa_store *s = NULL;
	struct sfa_reader *r = NULL;
	const char *store = NULL, *file = NULL, *map = NULL, *map_file = NULL;
	json_t *names = NULL, *files = json_object();
	int c, err, fd = STDIN_FILENO, quiet = 0, skip = 0;

	while ((c = getopt_long(argc, argv, "hm:nq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			json_decref(files);
			return sfa_cli_help(v->usage);
		case 'm':
			opts.message = optarg;
			break;
		case 'n':
			opts.dry_run = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_DATE_FORMAT:
			if (!strstr(optarg, "YYYY") || !strchr(optarg, 'M') || !strchr(optarg, 'D')) {
				json_decref(files);
				return sfa_cli_bad_usage(v->usage, "--date-format: '%s' needs YYYY, MM and DD", optarg);
			}
			opts.date_format = optarg;
			break;
		case OPT_DEDUPE: {
			static const char *const modes[] = { "off", "skip", "merge", "flag" };
			size_t i;
			for (i = 0; i < 4 && strcmp(optarg, modes[i]); i++)
				;
			if (i == 4) {
				json_decref(files);
				return sfa_cli_bad_usage(v->usage, "--dedupe: '%s' is not one of skip, merge, flag, off", optarg);
			}
			opts.dedupe = (enum sfa_dedupe)i;
			break;
		}
		case OPT_MAP:
			map = optarg;
			break;
		case OPT_MAP_FILE:
			map_file = optarg;
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
		case OPT_STRICT:
			opts.strict = 1;
			break;
		default:
			json_decref(files);
			return sfa_cli_usage(v->usage);
		}
	}
	if (argc - optind > 1 || (map && map_file)) {
		json_decref(files);
		return sfa_cli_bad_usage(v->usage, argc - optind > 1 ? "import reads one file" : "--map or --map-file, not both");
	}
	if (optind < argc && strcmp(argv[optind], "-")) {
		file = argv[optind];
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			json_decref(files);
			sfa_error_set(SFA_EINPUT, "cannot open '%s': %s", file, strerror(errno));
			return sfa_cli_fail(SFA_EINPUT);
		}
	}
	opts.command = v->command;
	opts.files = files;
	if (skip) {
		opts.reject = on_reject;
		opts.data = &rj;
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0 || (err = import_map(s, map, map_file, files, &names)) < 0 ||
	    (err = sfa_reader_open(&r, fd, file ? file : "stdin")) < 0)
		goto done;
	{	/* the usual spellings of this type, under the user's map */
		json_t *typed = NULL;
		sfa_import_names(&typed, v->type, names);
		json_decref(names);
		names = typed;
	}
	sfa_reader_rename(r, names);
	if (rj.path && !(rj.fp = fopen(rj.path, "w"))) {
		err = sfa_error_set(SFA_ESTORE, "cannot create '%s': %s", rj.path, strerror(errno));
		goto done;
	}
	err = sfa_import(s, v->type, r, &opts, &res);
	if (rj.fp && fclose(rj.fp) != 0 && err == 0)
		err = sfa_error_set(SFA_ESTORE, "cannot write '%s': %s", rj.path, strerror(errno));
	rj.fp = NULL;
	if (err == 0 && !quiet) {
		struct sfa_buf b = SFA_BUF_INIT;
		size_t n = res.added + res.updated;
		sfa_buf_addf(&b, "%s %zu %s from %s: %zu added, %zu updated, %zu unchanged",
			     opts.dry_run ? "dry run: would import" : "imported", n,
			     n == 1 ? v->type->name : v->type->plural, file ? file : "stdin",
			     res.added, res.updated, res.unchanged);
		if (res.rejected)
			sfa_buf_addf(&b, ", %zu rejected", res.rejected);
		if (opts.dedupe)
			sfa_buf_addf(&b, "; duplicates: %zu skipped, %zu merged, %zu flagged",
				     res.dupes_skipped, res.dupes_merged, res.dupes_flagged);
		sfa_cli_warn("%s", b.buf);
		sfa_buf_release(&b);
	}
done:
	if (rj.fp)
		fclose(rj.fp);
	sfa_reader_free(r);
	json_decref(names);
	json_decref(files);
	sfa_store_free(s);
	if (fd != STDIN_FILENO)
		close(fd);
	if (err < 0)
		return sfa_cli_fail(err);
	/* The good records are in; the exit status still tells of the bad ones. */
	return sfa_cli_exit(res.rejected ? SFA_EXIT_DATA : 0);
}

/* --- show -------------------------------------------------------------------- */

/*
 * Prints one record named by an id or prefix. One that is not there (or
 * a prefix that fits several) is reported here and the others still get
 * printed: `*code` keeps the exit status. Only a failure of the store or
 * of the output is returned.
 */
static int show_one(const struct sfa_verb *v, struct sfa_store *s, const struct sfa_access *a, const char *me,
		    struct sfa_writer *w, const char *given, int *code)
{
	char id[SFA_ID_LEN + 1];
	json_t *rec = NULL;
	int err;

	if ((err = sfa_store_resolve(s, v->type, given, id)) < 0 ||
	    (err = sfa_store_read(s, v->type, id, &rec)) < 0 ||
	    (!sfa_access_may_read(a, me, v->type, rec) &&
	     (err = sfa_error_set(SFA_EDENIED, "'%s' may not read %s '%s': its territory is '%s'", me, v->type->name,
				  id, json_string_value(json_object_get(rec, "territory")))) < 0)) {
		json_decref(rec);
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

int sfa_verb_show(const struct sfa_verb *v, int argc, char **argv)
{
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	const char *store;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	struct sfa_access *a = NULL;
	struct sfa_buf me = SFA_BUF_INIT;
	json_t *cols = NULL;
	int err, code = 0;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, &fmt)) >= 0)
		return err;
	if ((err = sfa_cli_open_store(&s, store)) < 0 || (err = sfa_access_open(&a, s)) < 0 ||
	    (err = open_output(v, s, fmt, NULL, &w, &cols)) < 0)
		goto done;
	sfa_store_me(s, &me);
	if (optind < argc) {
		for (int i = optind; i < argc && !err; i++)
			err = show_one(v, s, a, me.buf, w, argv[i], &code);
	} else {
		/* Ids from a pipe: `sfa-lead list --format ids | sfa-lead show`. */
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while (!err && (n = getline(&line, &cap, stdin)) > 0) {
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
				line[--n] = '\0';
			if (n)
				err = show_one(v, s, a, me.buf, w, line, &code);
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
	sfa_access_free(a);
	sfa_buf_release(&me);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(code);
}

/* --- list and search ------------------------------------------------------------ */

static int list_or_search(const struct sfa_verb *v, int argc, char **argv, int search)
{
	static const struct option shared[] = {
		{ "fields", required_argument, NULL, OPT_FIELDS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ NULL, 0, NULL, 0 }
	};
	/* Filters are kept as given and applied once the store is open. */
	struct { int opt; const char *name, *arg; } *filters = NULL;
	size_t nfilters = 0;
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_filter f;
	const char *store = NULL, *fields = NULL;
	struct sfa_buf match = SFA_BUF_INIT, text = SFA_BUF_INIT;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	json_t *cols = NULL;
	long n = 0, limit = -1;
	int c, li = 0, err = 0;
	char *end;
	/* the shared options, then the command's own (sfa-stage --stage, --stale...) */
	size_t nshared = sizeof(shared) / sizeof(shared[0]) - 1, nown = 0;
	struct option *longopts;

	while (v->list_opts && v->list_opts[nown].name)
		nown++;
	longopts = sfa_xcalloc(nshared + nown + 1, sizeof(*longopts));
	memcpy(longopts, shared, nshared * sizeof(*longopts));
	if (nown)
		memcpy(longopts + nshared, v->list_opts, nown * sizeof(*longopts));
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (c >= SFA_VERB_OPT) {
			filters = sfa_xrealloc(filters, (nfilters + 1) * sizeof(*filters));
			filters[nfilters].opt = c;
			filters[nfilters++].arg = optarg;
			continue;
		}
		switch (c) {
		case 'h':
			free(filters);
			free(longopts);
			return sfa_cli_help(v->usage);
		case OPT_FIELDS:
			fields = optarg;
			break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0) {
				free(filters);
				free(longopts);
				return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
			}
			break;
		case OPT_LIMIT:
			errno = 0;
			limit = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || limit < 0) {
				free(filters);
				free(longopts);
				return sfa_cli_bad_usage(v->usage, "--limit: not a count: '%s'", optarg);
			}
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_OWNER: case OPT_SINCE: case OPT_SORT: case OPT_SOURCE: case OPT_STATUS:
		case OPT_UNTIL: case OPT_WHERE:
			filters = sfa_xrealloc(filters, (nfilters + 1) * sizeof(*filters));
			filters[nfilters].opt = c;
			filters[nfilters].name = longopts[li].name;
			filters[nfilters++].arg = optarg;
			break;
		default:
			free(filters);
			free(longopts);
			return sfa_cli_usage(v->usage);
		}
	}
	free(longopts);
	if (search) {
		for (int i = optind; i < argc; i++)
			sfa_buf_addf(&text, "%s%s", i > optind ? " " : "", argv[i]);
		if (!text.len || sfa_fts_query(&match, text.buf) <= 0) {
			free(filters);
			sfa_buf_release(&text);
			return sfa_cli_bad_usage(v->usage, "search: no words to search for");
		}
	} else if (optind < argc) {
		free(filters);
		return sfa_cli_bad_usage(v->usage, "unexpected argument '%s'", argv[optind]);
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0) {
		free(filters);
		sfa_buf_release(&text);
		sfa_buf_release(&match);
		return sfa_cli_fail(err);
	}
	sfa_filter_init(&f, s, v->type);
	err = sfa_filter_readable(&f);
	f.q.limit = limit;
	if (search)
		f.q.match = match.buf;
	for (size_t i = 0; i < nfilters && !err; i++) {
		if (filters[i].opt >= SFA_VERB_OPT)
			err = v->list_filter(&f, filters[i].opt, filters[i].arg);
		else
			err = sfa_filter_option(&f, filters[i].name, filters[i].arg);
	}
	if (err < 0 || (err = open_output(v, s, fmt, fields, &w, &cols)) < 0)
		goto done;
	f.q.ids_only = fmt == SFA_FORMAT_IDS;
	if ((n = sfa_index_list(sfa_store_index(s), &f.q, write_rec, w)) < 0) {
		err = (int)n;
		goto done;
	}
	err = sfa_writer_close(w);
	w = NULL;
done:
	free(filters);
	sfa_filter_release(&f);
	sfa_writer_free(w);
	json_decref(cols);
	sfa_store_free(s);
	sfa_buf_release(&text);
	sfa_buf_release(&match);
	if (err == SFA_EUSAGE)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	if (err < 0)
		return sfa_cli_fail(err);
	return sfa_cli_exit(n ? 0 : SFA_EXIT_NOMATCH);
}

int sfa_verb_list(const struct sfa_verb *v, int argc, char **argv)
{
	return list_or_search(v, argc, argv, 0);
}

int sfa_verb_search(const struct sfa_verb *v, int argc, char **argv)
{
	return list_or_search(v, argc, argv, 1);
}

/* --- changing records: set, delete, and the verbs built on sfa_verb_each ------------ */

int sfa_verb_stdin(struct sfa_buf *in, int *fd)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0)
		sfa_buf_add(in, chunk, (size_t)n);
	if (n < 0)
		return sfa_error_set(SFA_EINPUT, "stdin: %s", strerror(errno));
	*fd = memfd_create("stdin", MFD_CLOEXEC);
	if (*fd < 0 || write(*fd, in->buf, in->len) != (ssize_t)in->len || lseek(*fd, 0, SEEK_SET) < 0)
		return sfa_error_set(SFA_ESTORE, "cannot buffer stdin: %s", strerror(errno));
	return 0;
}

/* True when stdin holds bare ids, one per line (`list --format ids`), not records. */
static int bare_ids(const struct sfa_buf *in)
{
	size_t n = strcspn(in->buf, "\n");
	char id[SFA_ID_LEN + 1], first[64];

	while (n && (in->buf[n - 1] == '\r' || in->buf[n - 1] == ' '))
		n--;
	if (!n || n >= sizeof(first))
		return n == 0;
	memcpy(first, in->buf, n);
	first[n] = '\0';
	return sfa_id_normalize(id, first) == 0;
}

static int each_one(struct sfa_each *e, struct sfa_txn *txn, const char *given, json_t *input,
		    json_t *seen)
{
	char id[SFA_ID_LEN + 1];
	size_t before = sfa_txn_count(txn);
	int err;

	if ((err = sfa_store_resolve(e->store, e->verb->type, given, id)) < 0)
		return err == SFA_ENOTFOUND || err == SFA_EAMBIGUOUS ? SFA_EINPUT : err;
	/* an id named twice is done once; records for it all apply, in order */
	int again = json_object_get(seen, id) != NULL;
	if (again && !input)
		return 0;
	json_object_set_new(seen, id, json_true());
	if ((err = e->fn(txn, id, input, e->data)) < 0)
		return sfa_error_prefix(err, "%s %s: ", e->verb->type->name, id);
	if (sfa_txn_count(txn) > before && !again)
		e->changed++;
	return 0;
}

int sfa_verb_each(struct sfa_each *e, int nids, char **ids)
{
	struct sfa_txn *txn = NULL;
	struct sfa_reader *r = NULL;
	struct sfa_buf in = SFA_BUF_INIT, msg = SFA_BUF_INIT;
	json_t *seen = json_object();
	int err, fd = -1;

	e->changed = 0;
	/* ids on stdin may be thousands (`list --format ids | ...`): one pack */
	if ((err = sfa_txn_begin(&txn, e->store, nids ? 0 : SFA_TXN_BULK)) < 0)
		goto done;
	if (nids) {
		for (int i = 0; i < nids && !err; i++)
			err = each_one(e, txn, ids[i], NULL, seen);
	} else if ((err = sfa_verb_stdin(&in, &fd)) == 0) {
		if (bare_ids(&in)) {
			char *p = in.buf;
			size_t line = 0;
			while (*p && !err) {
				size_t n = strcspn(p, "\n"), k = n;
				line++;
				while (k && (p[k - 1] == '\r' || p[k - 1] == ' '))
					k--;
				char *one = sfa_xstrndup(p, k);
				if (k && (err = each_one(e, txn, one, NULL, seen)) < 0)
					sfa_error_prefix(err, "stdin:%zu: ", line);
				free(one);
				p += n + (p[n] == '\n');
			}
		} else if ((err = sfa_reader_open(&r, fd, "stdin")) == 0) {
			fd = -1;	/* the reader owns it now */
			for (;;) {
				json_t *rec = NULL, *id;
				int rc = sfa_reader_next(r, &rec);
				if (rc <= 0) {
					err = rc;
					break;
				}
				id = json_object_get(rec, "id");
				if (!json_is_string(id))
					err = sfa_error_set(SFA_EINPUT, "stdin:%zu: no 'id' field", sfa_reader_line(r));
				else {
					char *given = sfa_xstrdup(json_string_value(id));
					json_object_del(rec, "id");
					if ((err = each_one(e, txn, given, json_object_size(rec) ? rec : NULL, seen)) < 0)
						sfa_error_prefix(err, "stdin:%zu: ", sfa_reader_line(r));
					free(given);
				}
				json_decref(rec);
				if (err < 0)
					break;
			}
		}
	}
	if (err < 0)
		goto done;
	if (!nids && !json_object_size(seen)) {
		err = sfa_error_set(SFA_EUSAGE, "no %s given (ids as arguments or on stdin)", e->verb->type->plural);
		goto done;
	}
	if (e->dry_run)
		goto done;
	sfa_buf_addf(&msg, "%s: %s %zu %s", e->verb->command, e->what, e->changed,
		     e->changed == 1 ? e->verb->type->name : e->verb->type->plural);
	err = sfa_txn_commit(txn, msg.buf, NULL);
	txn = NULL;
done:
	sfa_txn_free(txn);
	sfa_reader_free(r);
	if (fd >= 0)
		close(fd);
	json_decref(seen);
	sfa_buf_release(&in);
	sfa_buf_release(&msg);
	return err;
}

struct set_data {
	const struct sfa_verb *verb;
	struct sfa_store *store;
	json_t *fields;
};

static int set_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	struct set_data *d = data;
	struct sfa_schema_opts so = { NULL, d->store };
	json_t *changes = json_object();
	int err;

	if (input)
		json_object_update(changes, input);
	json_object_update(changes, d->fields);
	if (!json_object_size(changes))
		err = sfa_error_set(SFA_EUSAGE, "nothing to set");
	else
		err = sfa_update_txn(d->store, txn, d->verb->type, id, changes, &so, 0, NULL);
	json_decref(changes);
	return err;
}

/* What `set` did, for the commit message: "set status=working on". */
static void set_what(struct sfa_buf *out, const json_t *fields)
{
	const char *k;
	json_t *val;
	size_t i = 0;

	sfa_buf_addstr(out, "set ");
	json_object_foreach((json_t *)fields, k, val) {
		if (i++ == 4) {
			sfa_buf_addstr(out, ", ...");
			break;
		}
		sfa_buf_addf(out, "%s%s=%s", i > 1 ? ", " : "", k, json_string_value(val));
	}
	if (!i)
		sfa_buf_addstr(out, "fields from stdin");
	sfa_buf_addstr(out, " on");
}

int sfa_verb_set(const struct sfa_verb *v, int argc, char **argv)
{
	struct set_data d = { v, NULL, NULL };
	struct sfa_each e = { 0 };
	struct sfa_buf what = SFA_BUF_INIT;
	const char *store;
	int err, nids = 0, first;

	if ((err = sfa_verb_options(v, argc, argv, "+", &store, NULL)) >= 0)
		return err;
	/* ids first, then field=value */
	first = optind;
	while (first + nids < argc && !strchr(argv[first + nids], '='))
		nids++;
	if ((err = sfa_verb_fields(&d.fields, argc - first - nids, argv + first + nids)) == SFA_EUSAGE)
		return sfa_cli_bad_usage(v->usage, "%s", sfa_error_last());
	if (err < 0)
		return sfa_cli_fail(err);
	if ((err = sfa_cli_open_store(&d.store, store)) < 0)
		goto done;
	set_what(&what, d.fields);
	e.verb = v;
	e.store = d.store;
	e.fn = set_fn;
	e.data = &d;
	e.what = what.buf;
	if ((err = sfa_verb_each(&e, nids, argv + first)) == 0)
		sfa_cli_warn("changed %zu %s", e.changed, e.changed == 1 ? v->type->name : v->type->plural);
done:
	json_decref(d.fields);
	sfa_store_free(d.store);
	sfa_buf_release(&what);
	return sfa_verb_exit(v, err);
}

static int delete_fn(struct sfa_txn *txn, const char *id, json_t *input, void *data)
{
	const struct sfa_verb *v = data;
	return sfa_txn_del(txn, v->type, id);
}

int sfa_verb_delete(const struct sfa_verb *v, int argc, char **argv)
{
	struct sfa_each e = { 0 };
	const char *store;
	int err;

	if ((err = sfa_verb_options(v, argc, argv, "", &store, NULL)) >= 0)
		return err;
	if ((err = sfa_cli_open_store(&e.store, store)) == 0) {
		e.verb = v;
		e.fn = delete_fn;
		e.data = (void *)v;
		e.what = "delete";
		if ((err = sfa_verb_each(&e, argc - optind, argv + optind)) == 0)
			sfa_cli_warn("deleted %zu %s", e.changed, e.changed == 1 ? v->type->name : v->type->plural);
	}
	sfa_store_free(e.store);
	return sfa_verb_exit(v, err);
}

int sfa_verb_main(const struct sfa_verb *v, const struct sfa_verb_entry *verbs, int argc, char **argv)
{
	sfa_cli_start(v->command);
	if (argc < 2)
		return sfa_cli_usage(v->usage);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return sfa_cli_help(v->usage);
	if (!strcmp(argv[1], "--version")) {
		printf("%s %s\n", v->command, SFA_VERSION);
		return sfa_cli_exit(0);
	}
	for (size_t i = 0; verbs[i].name; i++)
		if (!strcmp(argv[1], verbs[i].name)) {
			char name[48];
			/* getopt's own messages then say "sfa-lead list: ..." */
			snprintf(name, sizeof(name), "%s %s", v->command, verbs[i].name);
			argv[1] = name;
			return verbs[i].fn(v, argc - 1, argv + 1);
		}
	return sfa_cli_bad_usage(v->usage, "unknown command '%s'", argv[1]);
}
