/* sfa remote: the shared remotes a store syncs with. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/stream.h"
#include "sfa/sync.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa remote add [--store dir] name url\n"
	"       sfa remote list [--store dir] [--format format]\n"
	"       sfa remote remove [--store dir] name\n"
	"       sfa remote -h | --help\n";

enum { OPT_FORMAT = 256, OPT_STORE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const columns[] = { "name", "url", NULL };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	const char *store = NULL, *verb;
	json_t *list = NULL, *row;
	size_t i;
	int c, err, want;

	sfa_cli_start("sfa remote");
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_FORMAT:
			if (sfa_format_parse(&fmt, optarg) < 0)
				return sfa_cli_bad_usage(usage, "--format: %s", sfa_error_last());
			break;
		case OPT_STORE:
			store = optarg;
			break;
		default:
			return sfa_cli_usage(usage);
		}
	}
	if (optind >= argc)
		return sfa_cli_usage(usage);
	verb = argv[optind++];
	want = !strcmp(verb, "add") ? 2 : !strcmp(verb, "remove") ? 1 : !strcmp(verb, "list") ? 0 : -1;
	if (want < 0)
		return sfa_cli_bad_usage(usage, "remote: unknown command '%s' (add, list, remove)", verb);
	if (argc - optind != want)
		return sfa_cli_bad_usage(usage, "remote %s takes %s", verb,
					 want == 2 ? "a name and a url" : want ? "a name" : "no argument");
	if ((err = sfa_cli_open_store(&s, store)) < 0)
		goto done;
	if (!strcmp(verb, "add")) {
		err = sfa_remote_add(s, argv[optind], argv[optind + 1]);
	} else if (!strcmp(verb, "remove")) {
		err = sfa_remote_remove(s, argv[optind]);
	} else if ((err = sfa_remote_list(s, &list)) == 0 &&
		   (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) == 0) {
		json_array_foreach(list, i, row)
			if ((err = sfa_writer_write(w, row)) < 0)
				break;
		if (err == 0)
			err = sfa_writer_close(w);
		else
			sfa_writer_free(w);
	}
done:
	json_decref(list);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}
