/* sfa conflicts: the fields a sync settled by its rule, and settling them by hand. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sfa/buf.h"
#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/store.h"
#include "sfa/stream.h"
#include "sfa/sync.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa conflicts [list] [--store dir] [--all] [--format format]\n"
	"       sfa conflicts resolve [--store dir] [--keep] id field [value]\n"
	"       sfa conflicts resolve [--store dir] conflict\n"
	"       sfa conflicts -h | --help\n";

enum { OPT_ALL = 256, OPT_FORMAT, OPT_KEEP, OPT_STORE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const columns[] = { "conflict", "type", "record", "field", "kind", "kept", "lost", "kept_by",
						"lost_by", "kept_at", "lost_at", "rule", "merged_at", "resolved_at",
						NULL };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	struct sfa_buf me = SFA_BUF_INIT;
	const char *store = NULL, *verb = "list";
	json_t *list = NULL, *row, *value = NULL;
	size_t i;
	int c, err, all = 0, keep = 0;

	sfa_cli_start("sfa conflicts");
	if (argc > 1 && argv[1][0] != '-')
		verb = argv[1], optind = 2;
	if (strcmp(verb, "list") && strcmp(verb, "resolve"))
		return sfa_cli_bad_usage(usage, "conflicts: unknown command '%s' (list, resolve)", verb);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_ALL:
			all = 1;
			break;
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(usage, "--format: %s", sfa_error_last());
			break;
		case OPT_KEEP:
			keep = 1;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (!strcmp(verb, "list") && optind < argc)
		return sfa_cli_bad_usage(usage, "conflicts list takes no argument");
	if (!strcmp(verb, "resolve") && argc - optind != 3 - keep && !(argc - optind == 1 && !keep))
		return sfa_cli_bad_usage(usage, "conflicts resolve takes a conflict, or an id, a field and %s",
					 keep ? "no value with --keep" : "the value (or --keep)");
	if ((err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	if (!strcmp(verb, "resolve")) {
		/* the value as `set` takes it: text, typed by the schema; "" removes the field */
		int one = argc - optind == 1;	/* a conflict by its own id */
		if (!keep && !one)
			value = argv[optind + 2][0] ? json_string(argv[optind + 2]) : json_null();
		sfa_store_me(s, &me);
		err = sfa_conflicts_resolve(s, argv[optind], one ? NULL : argv[optind + 1], value, me.buf);
		goto done;
	}
	if ((err = sfa_conflicts_list(s, all, &list)) < 0 ||
	    (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) < 0)
		goto done;
	json_array_foreach(list, i, row)
		if ((err = sfa_writer_write(w, row)) < 0)
			break;
	if (err == 0)
		err = sfa_writer_close(w);
	else
		sfa_writer_free(w);
	if (err == 0 && !json_array_size(list))
		err = SFA_ENOTFOUND;	/* exit 1: nothing to look at */
done:
	json_decref(list);
	json_decref(value);
	sfa_buf_release(&me);
	sfa_store_free(s);
	if (err == SFA_ENOTFOUND && !strcmp(verb, "list"))
		return sfa_cli_exit(1);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}
