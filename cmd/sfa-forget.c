/* sfa forget: a person's right to erasure. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/forget.h"
#include "sfa/stream.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa forget [--store dir] [-m message] [-n | --dry-run] [--format format] [id ...]\n"
	"       sfa forget [--store dir] --history-script\n"
	"       sfa forget -h | --help\n";

enum { OPT_FORMAT = 256, OPT_HISTORY, OPT_STORE };

struct names {
	char **v;
	size_t n, alloc;
};

static void names_add(struct names *l, const char *s, size_t len)
{
	SFA_ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = sfa_xstrndup(s, len);
}

static void names_release(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/*
 * The people named on stdin: one id (or prefix, or external id) a line,
 * or CSV/JSON records with an "id" field, as `sfa-lead list` writes them.
 */
static int read_stdin(struct names *out)
{
	struct sfa_buf in = SFA_BUF_INIT;
	struct sfa_reader *r = NULL;
	const char *p;
	size_t first;
	int err, fd = -1;

	if ((err = sfa_verb_stdin(&in, &fd)) < 0)
		goto done;
	p = in.buf + strspn(in.buf, " \t\r\n");
	first = strcspn(p, "\r\n");
	/* records: JSON, or CSV whose header names the columns */
	if (*p == '{' || *p == '[' || memchr(p, ',', first) || (first == 2 && !strncasecmp(p, "id", 2))) {
		if ((err = sfa_reader_open(&r, fd, "stdin")) < 0)
			goto done;
		fd = -1;	/* the reader's now */
		for (;;) {
			json_t *rec = NULL, *id;
			int rc = sfa_reader_next(r, &rec);
			if (rc <= 0) {
				err = rc;
				break;
			}
			id = json_object_get(rec, "id");
			if (json_is_string(id))
				names_add(out, json_string_value(id), json_string_length(id));
			else
				err = sfa_error_set(SFA_EINPUT, "stdin:%zu: no 'id' field", sfa_reader_line(r));
			json_decref(rec);
			if (err < 0)
				break;
		}
		goto done;
	}
	for (p = in.buf; *p;) {
		size_t n = strcspn(p, "\n"), k = n, lead = strspn(p, " \t");
		while (k > lead && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k > lead)
			names_add(out, p + lead, k - lead);
		p += n + (p[n] == '\n');
	}
done:
	sfa_reader_free(r);
	if (fd >= 0)
		close(fd);
	sfa_buf_release(&in);
	return err;
}

/* What stays after a forget, said every time: the command cannot reach it. */
static void say_what_remains(void)
{
	sfa_cli_warn("the old values remain in the git history of this store, of every clone and of the"
		     " remote until it is rewritten: see sfa-forget(1), WHAT REMAINS");
}

static int history_script(const char *store)
{
	struct sfa_store *s = NULL;
	struct sfa_buf script = SFA_BUF_INIT;
	int err;

	if ((err = sfa_cli_open_store(&s, store)) == 0 && (err = sfa_forget_history_script(s, &script)) == 0)
		fwrite(script.buf, 1, script.len, stdout);
	sfa_buf_release(&script);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "history-script", no_argument, NULL, OPT_HISTORY },
		{ "message", required_argument, NULL, 'm' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const columns[] = { "type", "id", "removed", "fields", NULL };
	struct sfa_forget_opts opts = SFA_FORGET_OPTS_INIT;
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	struct names given = { 0 };
	const char *store = NULL;
	json_t *rows = NULL, *r;
	long long fields = 0;
	size_t i, people = 0;
	int c, err, history = 0;

	sfa_cli_start("sfa forget");
	while ((c = getopt_long(argc, argv, "hm:n", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'm':
			opts.message = optarg;
			break;
		case 'n':
			opts.dry_run = 1;
			break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(usage, "--format: %s", sfa_error_last());
			break;
		case OPT_HISTORY:
			history = 1;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (history) {
		if (optind < argc || opts.dry_run || opts.message || fmt != SFA_FORMAT_AUTO)
			return sfa_cli_bad_usage(usage, "--history-script takes no ids and no other option");
		return history_script(store);
	}
	if (opts.message && !*opts.message)
		return sfa_cli_bad_usage(usage, "-m: an empty message");
	for (int k = optind; k < argc; k++)
		names_add(&given, argv[k], strlen(argv[k]));
	if (!given.n && (err = read_stdin(&given)) < 0)
		goto done;
	if (!given.n) {
		names_release(&given);
		return sfa_cli_bad_usage(usage, "no lead or contact given (ids as arguments or on stdin)");
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0 ||
	    (err = sfa_forget(s, (const char *const *)given.v, given.n, &opts, &rows)) < 0 ||
	    (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) < 0)
		goto done;
	json_array_foreach(rows, i, r) {
		if ((err = sfa_writer_write(w, r)) < 0)
			goto done;
		fields += json_integer_value(json_object_get(r, "removed"));
		people += strcmp(json_string_value(json_object_get(r, "type")), "activity") != 0;
	}
	err = sfa_writer_close(w);
	w = NULL;
	if (err < 0)
		goto done;
	if (!json_array_size(rows))
		sfa_cli_warn("%snothing left to forget", opts.dry_run ? "dry run: " : "");
	else
		sfa_cli_warn("%s %lld %s of %zu %s (%zu %s, %zu %s)%s",
			     opts.dry_run ? "dry run, nothing changed: would remove" : "removed", fields,
			     fields == 1 ? "field" : "fields", json_array_size(rows),
			     json_array_size(rows) == 1 ? "record" : "records", people, people == 1 ? "person" : "people",
			     json_array_size(rows) - people, json_array_size(rows) - people == 1 ? "activity" : "activities",
			     opts.dry_run ? "" : " in one commit");
	if (!opts.dry_run)
		say_what_remains();
done:
	sfa_writer_free(w);
	json_decref(rows);
	names_release(&given);
	sfa_store_free(s);
	if (err == SFA_EUSAGE)
		return sfa_cli_bad_usage(usage, "%s", sfa_error_last());
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}
