/* sfa-account: accounts, the companies leads become customers as. */
#include <stdio.h>
#include <string.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-account add [--store dir] [field=value ...]\n"
	"       sfa-account import [--store dir] [options] [file]\n"
	"       sfa-account show [--store dir] [--format format] [--timeline] [id ...]\n"
	"       sfa-account list [--store dir] [filters] [--fields list] [--format format]\n"
	"       sfa-account search [--store dir] [filters] [--format format] text ...\n"
	"       sfa-account set [--store dir] [id ...] field=value ...\n"
	"       sfa-account delete [--store dir] [id ...]\n"
	"       sfa-account -h | --help\n"
	"       sfa-account --version\n";

static const struct sfa_verb verb = { &sfa_type_account, "sfa-account", usage, NULL, NULL };

struct timeline {
	struct sfa_writer *w;
	const char *account;
};

/* One line of the customer card: when, what kind, which record, what it says. */
static int timeline_row(const struct sfa_type *t, const json_t *rec, void *data)
{
	struct timeline *tl = data;
	json_t *row = json_object();
	const char *summary_fields[] = { "name", "subject", "first_name", "last_name", "status", "stage",
					 "amount", "title", NULL };
	struct sfa_buf summary = SFA_BUF_INIT;
	const char *k;
	json_t *val;
	int err;

	for (size_t i = 0; summary_fields[i]; i++) {
		val = json_object_get(rec, summary_fields[i]);
		if (json_is_string(val))
			sfa_buf_addf(&summary, "%s%s", summary.len ? " " : "", json_string_value(val));
	}
	json_object_set(row, "date", json_object_get(rec, "created_at"));
	json_object_set_new(row, "type", json_string(t->name));
	json_object_set(row, "id", json_object_get(rec, "id"));
	/* which field of it names the account: "account", "parent" */
	json_object_foreach((json_t *)rec, k, val)
		if (json_is_string(val) && !strcmp(json_string_value(val), tl->account)) {
			json_object_set_new(row, "via", json_string(k));
			break;
		}
	json_object_set_new(row, "summary", json_string(summary.buf));
	err = sfa_writer_write(tl->w, row);
	json_decref(row);
	sfa_buf_release(&summary);
	return err;
}

/* show --timeline (taken out of argv): the customer card, every record linked to the account, newest first. */
static int show_timeline(int argc, char **argv)
{
	static const char *const cols[] = { "date", "type", "id", "via", "summary", NULL };
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	const char *store;
	struct sfa_store *s = NULL;
	struct timeline tl = { NULL, NULL };
	char id[SFA_ID_LEN + 1];
	long n = 0;
	int err;

	if ((err = sfa_verb_options(&verb, argc, argv, "", &store, &fmt)) >= 0)
		return err;
	if (argc - optind != 1)
		return sfa_cli_bad_usage(usage, "--timeline shows one account");
	if ((err = sfa_cli_open_store(&s, store)) < 0 ||
	    (err = sfa_store_resolve(s, &sfa_type_account, argv[optind], id)) < 0 ||
	    (err = sfa_writer_open(&tl.w, stdout, sfa_cli_format(fmt), cols)) < 0)
		goto done;
	tl.account = id;
	if ((n = sfa_index_referrers(sfa_store_index(s), id, timeline_row, &tl)) < 0) {
		err = (int)n;
		goto done;
	}
	err = sfa_writer_close(tl.w);
	tl.w = NULL;
done:
	sfa_writer_free(tl.w);
	sfa_store_free(s);
	return err < 0 ? sfa_cli_fail(err) : sfa_cli_exit(n ? 0 : SFA_EXIT_NOMATCH);
}

static int show(const struct sfa_verb *v, int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--timeline")) {
			memmove(argv + i, argv + i + 1, (size_t)(argc - i) * sizeof(*argv));	/* with its NULL */
			return show_timeline(argc - 1, argv);
		}
	return sfa_verb_show(v, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct sfa_verb_entry verbs[] = {
		{ "add", sfa_verb_add },
		{ "delete", sfa_verb_delete },
		{ "import", sfa_verb_import },
		{ "list", sfa_verb_list },
		{ "search", sfa_verb_search },
		{ "set", sfa_verb_set },
		{ "show", show },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
