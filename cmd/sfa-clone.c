/* sfa clone: a store of one's own from a shared remote, index built. */
#include <getopt.h>
#include <stdio.h>

#include "sfa/buf.h"
#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/store.h"
#include "sfa/sync.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa clone [--store dir] url [dir]\n"
	"       sfa clone -h | --help\n";

enum { OPT_STORE = 256 };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ NULL, 0, NULL, 0 }
	};
	struct sfa_buf path = SFA_BUF_INIT;
	const char *store = NULL;
	int c, err;

	sfa_cli_start("sfa clone");
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
	if (argc - optind < 1 || argc - optind > 2)
		return sfa_cli_bad_usage(usage, "clone takes a url and a folder");
	/* the folder given, else where the store is found (--store, SFA_STORE, the default) */
	if (argc - optind == 2)
		sfa_buf_addstr(&path, argv[optind + 1]);
	else
		sfa_store_locate(&path, store);
	err = sfa_sync_clone(argv[optind], path.buf);
	if (err == 0)
		sfa_cli_warn("cloned '%s' into '%s'", argv[optind], path.buf);
	sfa_buf_release(&path);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(0);
}
