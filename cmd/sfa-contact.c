/* sfa-contact: the people at accounts. */
#include "sfa/verbs.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-contact add [--store dir] [field=value ...]\n"
	"       sfa-contact import [--store dir] [options] [file]\n"
	"       sfa-contact show [--store dir] [--format format] [id ...]\n"
	"       sfa-contact list [--store dir] [filters] [--fields list] [--format format]\n"
	"       sfa-contact search [--store dir] [filters] [--format format] text ...\n"
	"       sfa-contact set [--store dir] [id ...] field=value ...\n"
	"       sfa-contact delete [--store dir] [id ...]\n"
	"       sfa-contact -h | --help\n"
	"       sfa-contact --version\n";

int main(int argc, char **argv)
{
	static const struct sfa_verb verb = { &sfa_type_contact, "sfa-contact", usage, NULL, NULL };
	static const struct sfa_verb_entry verbs[] = {
		{ "add", sfa_verb_add },
		{ "delete", sfa_verb_delete },
		{ "import", sfa_verb_import },
		{ "list", sfa_verb_list },
		{ "search", sfa_verb_search },
		{ "set", sfa_verb_set },
		{ "show", sfa_verb_show },
		{ NULL, NULL }
	};
	return sfa_verb_main(&verb, verbs, argc, argv);
}
