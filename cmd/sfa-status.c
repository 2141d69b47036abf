/* sfa status: where the store stands against its remote (as of the last fetch), and open conflicts. */
#include <getopt.h>
#include <stdio.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/stream.h"
#include "sfa/sync.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa status [--store dir] [--format format] [remote]\n"
	"       sfa status -h | --help\n";

enum { OPT_FORMAT = 256, OPT_STORE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const columns[] = { "remote", "url", "ahead", "behind", "conflicts", "head", "fetched",
						NULL };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	struct sfa_store *s = NULL;
	struct sfa_writer *w = NULL;
	const char *store = NULL;
	json_t *st = NULL;
	int c, err;

	sfa_cli_start("sfa status");
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
	if (argc - optind > 1)
		return sfa_cli_bad_usage(usage, "status takes one remote");
	if ((err = sfa_cli_open_store(&s, store)) == 0 &&
	    (err = sfa_sync_status(s, optind < argc ? argv[optind] : NULL, &st)) == 0 &&
	    (err = sfa_writer_open(&w, stdout, sfa_cli_format(fmt), columns)) == 0) {
		if ((err = sfa_writer_write(w, st)) == 0)
			err = sfa_writer_close(w);
		else
			sfa_writer_free(w);
	}
	json_decref(st);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}
