/* sfa sync: fetch the shared remote's records, merge them with ours record by record, push. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/merge.h"
#include "sfa/stream.h"
#include "sfa/sync.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa sync [--store dir] [--dry-run] [--no-push] [--rule later|ours|theirs] [--format format]\n"
	"                [remote]\n"
	"       sfa sync -h | --help\n";

enum { OPT_FORMAT = 256, OPT_NO_PUSH, OPT_RULE, OPT_STORE };

static int print_rows(const json_t *rows, enum sfa_format fmt)
{
	static const char *const columns[] = { "change", "type", "id", "field", "kept", "lost", "conflict", NULL };
	struct sfa_writer *w = NULL;
	const json_t *row;
	size_t i;
	int err;

	if ((err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) < 0)
		return err;
	json_array_foreach(rows, i, row)
		if ((err = sfa_writer_write(w, row)) < 0)
			break;
	if (err == 0)
		err = sfa_writer_close(w);
	else
		sfa_writer_free(w);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "no-push", no_argument, NULL, OPT_NO_PUSH },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_sync_opts o = SFA_SYNC_OPTS_INIT;
	struct sfa_sync_result res = { 0 };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_store *s = NULL;
	const char *store = NULL;
	int c, err;

	sfa_cli_start("sfa sync");
	while ((c = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case 'n':
			o.dry_run = 1;
			break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(usage, "--format: %s", sfa_error_last());
			break;
		case OPT_NO_PUSH:
			o.no_push = 1;
			break;
		case OPT_RULE:
			if (sfa_merge_rule_parse(&o.rule, optarg) < 0)
				return sfa_cli_bad_usage(usage, "--rule: %s", sfa_error_last());
			o.rule_set = 1;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (argc - optind > 1)
		return sfa_cli_bad_usage(usage, "sync takes one remote");
	o.remote = optind < argc ? argv[optind] : NULL;
	if ((err = sfa_cli_open_store(&s, store)) == 0)
		err = sfa_sync(s, &o, &res);
	if (res.rows && json_array_size(res.rows) && print_rows(res.rows, fmt) < 0 && err == 0)
		err = SFA_ESTORE;
	if (err == 0) {
		const char *remote = o.remote ? o.remote : "origin";
		if (res.empty_remote)
			sfa_cli_warn("%s: the remote was empty%s", remote,
				     o.dry_run || o.no_push ? ": this store would fill it" : " and now holds this store");
		else
			sfa_cli_warn("%s%s: %zu record%s in, %zu merged, %zu conflict%s (%s%s), %zu out; %s",
				     o.dry_run ? "dry run, nothing changed: " : "", remote, res.in, res.in == 1 ? "" : "s",
				     res.merged, res.conflicts, res.conflicts == 1 ? "" : "s", sfa_merge_rule_name(res.rule),
				     res.conflicts ? " wins; see 'sfa conflicts'" : "", res.out,
				     res.pushed ? "pushed" : o.dry_run ? (res.out || res.ahead ? "would push" : "nothing to push") : o.no_push ? "not pushed" : "up to date");
	}
	sfa_sync_result_release(&res);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}
