/*
 * The shipped default configuration (share/config/), built into the
 * library so every store gets it at `sfa init` and a store without a
 * schema still has one.
 */
#include <string.h>

#include "sfa/config.h"
#include "sfa/banned.h"

__asm__(".section .rodata\n"
	".global sfa_default_schema_text\n"
	"sfa_default_schema_text:\n"
	".incbin \"share/config/schema.json\"\n"
	".byte 0\n"
	".global sfa_default_scoring_text\n"
	"sfa_default_scoring_text:\n"
	".incbin \"share/config/scoring.json\"\n"
	".byte 0\n"
	".global sfa_default_pipelines_text\n"
	"sfa_default_pipelines_text:\n"
	".incbin \"share/config/pipelines.json\"\n"
	".byte 0\n"
	".global sfa_default_pricebooks_text\n"
	"sfa_default_pricebooks_text:\n"
	".incbin \"share/config/pricebooks.json\"\n"
	".byte 0\n"
	".global sfa_default_quoting_text\n"
	"sfa_default_quoting_text:\n"
	".incbin \"share/config/quoting.json\"\n"
	".byte 0\n"
	".global sfa_default_quote_template_text\n"
	"sfa_default_quote_template_text:\n"
	".incbin \"share/templates/quote.html\"\n"
	".byte 0\n"
	".previous\n");
extern const char sfa_default_schema_text[], sfa_default_scoring_text[], sfa_default_pipelines_text[],
	sfa_default_pricebooks_text[], sfa_default_quoting_text[], sfa_default_quote_template_text[];

const struct sfa_config_default sfa_config_defaults[] = {
	{ "config/schema.json", sfa_default_schema_text },
	{ "config/scoring.json", sfa_default_scoring_text },
	{ "config/pipelines.json", sfa_default_pipelines_text },
	{ "config/pricebooks.json", sfa_default_pricebooks_text },
	{ "config/quoting.json", sfa_default_quoting_text },
	{ "config/quote.html", sfa_default_quote_template_text },
	{ NULL, NULL }
};

const char *sfa_config_default(const char *file)
{
	for (const struct sfa_config_default *d = sfa_config_defaults; d->file; d++)
		if (!strcmp(d->file, file))
			return d->text;
	return NULL;
}
