#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/config.h"
#include "sfa/error.h"
#include "sfa/quoting.h"
#include "unit.h"
#include "sfa/banned.h"

/* --- config/pricebooks.json --- */

static const char books_spec[] =
	"{\n"
	"  \"default\": \"standard\",\n"
	"  \"tiers\": \"volume\",\n"
	"  \"books\": {\n"
	"    \"standard\": {\"about\": \"List prices\", \"currency\": \"EUR\"},\n"
	"    \"usd\":      {\"about\": \"US list\", \"currency\": \"USD\", \"region\": \"US\"},\n"
	"    \"gov\":      {\"about\": \"Public sector\", \"segment\": \"government\",\n"
	"                 \"fallback\": \"standard\", \"tiers\": \"graduated\"}\n"
	"  }\n"
	"}\n";

/* The message of the error checking `config` gives (SFA_EINPUT only), or "(accepted)". */
static const char *books_refusal(const char *config)
{
	static char msg[512];
	json_t *c = unit_json(config);
	int err;

	if (!c)
		return "(bad test JSON)";
	err = sfa_pricebooks_check_config(NULL, c);
	json_decref(c);
	if (err >= 0)
		return "(accepted)";
	snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

static void test_books(void)
{
	struct sfa_pricebooks *pb = NULL;
	struct sfa_price_source *chain = NULL;
	const struct sfa_pricebook *gov, *std;
	json_t *c = unit_json(books_spec);

	if (!CHECK(c != NULL) || !CHECK_INT(sfa_pricebooks_parse(&pb, c), 0)) {
		printf("# %s\n", sfa_error_last());
		json_decref(c);
		return;
	}
	/* the parsed books keep their own reference */
	json_decref(c);
	CHECK_INT(pb->n, 3);
	CHECK_STR(pb->def->name, "standard");
	CHECK(sfa_pricebooks_find(pb, NULL) == pb->def);
	std = sfa_pricebooks_find(pb, "standard");
	gov = sfa_pricebooks_find(pb, "gov");
	if (!CHECK(std && gov))
		goto done;
	CHECK_STR(std->currency, "EUR");
	CHECK_STR(std->about, "List prices");
	CHECK(std->region == NULL);
	CHECK(std->fallback == NULL);
	CHECK_INT(std->tiers, SFA_TIERS_VOLUME);
	CHECK_STR(sfa_pricebooks_find(pb, "usd")->region, "US");
	CHECK(gov->currency == NULL);
	CHECK_STR(gov->segment, "government");
	CHECK(gov->fallback == std);
	CHECK_INT(gov->tiers, SFA_TIERS_GRADUATED);

	/* each book of the chain keeps its own tiers */
	if (CHECK_INT(sfa_pricebook_chain(&chain, gov), 2)) {
		CHECK_STR(chain[0].book, "gov");
		CHECK_INT(chain[0].tiers, SFA_TIERS_GRADUATED);
		CHECK_STR(chain[1].book, "standard");
		CHECK_INT(chain[1].tiers, SFA_TIERS_VOLUME);
	}
	free(chain);
	if (CHECK_INT(sfa_pricebook_chain(&chain, std), 1))
		CHECK_STR(chain[0].book, "standard");
	free(chain);

	CHECK(sfa_pricebooks_find(pb, "partner") == NULL);
	CHECK_STR(sfa_error_last(), "no price book 'partner' (books: standard, usd, gov)");
done:
	sfa_pricebooks_free(pb);
}

static void test_books_chain(void)
{
	struct sfa_pricebooks *pb = NULL;
	struct sfa_price_source *chain = NULL;
	json_t *c = unit_json("{\"default\": \"a\", \"tiers\": \"graduated\", \"books\": {"
			      "\"a\": {\"fallback\": \"b\"}, \"b\": {\"fallback\": \"c\", \"tiers\": \"volume\"}, "
			      "\"c\": {}}}");

	if (!CHECK(c != NULL) || !CHECK_INT(sfa_pricebooks_parse(&pb, c), 0)) {
		json_decref(c);
		return;
	}
	if (CHECK_INT(sfa_pricebook_chain(&chain, pb->def), 3)) {
		CHECK_STR(chain[0].book, "a");
		CHECK_INT(chain[0].tiers, SFA_TIERS_GRADUATED);	/* the file's */
		CHECK_STR(chain[1].book, "b");
		CHECK_INT(chain[1].tiers, SFA_TIERS_VOLUME);
		CHECK_STR(chain[2].book, "c");
	}
	free(chain);
	sfa_pricebooks_free(pb);
	json_decref(c);

	/* one book needs no "default" */
	c = unit_json("{\"books\": {\"only\": {}}}");
	if (CHECK_INT(sfa_pricebooks_parse(&pb, c), 0)) {
		CHECK_STR(pb->def->name, "only");
		CHECK_INT(pb->def->tiers, SFA_TIERS_VOLUME);
		sfa_pricebooks_free(pb);
	}
	json_decref(c);
}

static void test_books_refused(void)
{
	CHECK_STR(books_refusal(books_spec), "(accepted)");
	CHECK_STR(books_refusal("{\"tier\": \"volume\", \"books\": {\"a\": {}}}"),
		  "tier: unknown key (expected one of: default, tiers, books)");
	CHECK_STR(books_refusal("{\"default\": \"a\"}"),
		  "books: expected an object of books by name, like {\"standard\": {\"currency\": \"EUR\"}}");
	CHECK_STR(books_refusal("{\"books\": {}}"),
		  "books: expected an object of books by name, like {\"standard\": {\"currency\": \"EUR\"}}");
	CHECK_STR(books_refusal("{\"books\": {\"a\": []}}"),
		  "books.a: expected an object like {\"about\": \"List prices\", \"currency\": \"EUR\"}");
	CHECK_STR(books_refusal("{\"books\": {\"gov\": {\"fallbak\": \"a\"}}}"),
		  "books.gov.fallbak: unknown key (expected one of: about, currency, region, segment, fallback, tiers)");
	CHECK_STR(books_refusal("{\"books\": {\"standard\": {\"currency\": \"eur\"}}}"),
		  "books.standard.currency: 'eur': expected an ISO 4217 code in capitals like EUR");
	CHECK_STR(books_refusal("{\"books\": {\"standard\": {\"currency\": \"EURO\"}}}"),
		  "books.standard.currency: 'EURO': expected an ISO 4217 code in capitals like EUR");
	CHECK_STR(books_refusal("{\"books\": {\"standard\": {\"about\": 7}}}"), "books.standard.about: expected text");
	CHECK_STR(books_refusal("{\"books\": {\"standard\": {\"region\": \"\"}}}"),
		  "books.standard.region: expected text");
	CHECK_STR(books_refusal("{\"books\": {\"gov\": {\"tiers\": \"tiered\"}}}"),
		  "books.gov.tiers: 'tiered': expected volume or graduated");
	CHECK_STR(books_refusal("{\"tiers\": \"stepped\", \"books\": {\"a\": {}}}"),
		  "tiers: 'stepped': expected volume or graduated");
	CHECK_STR(books_refusal("{\"tiers\": 1, \"books\": {\"a\": {}}}"), "tiers: expected volume or graduated");
	CHECK_STR(books_refusal("{\"books\": {\"my book\": {}}}"),
		  "books[\"my book\"]: a book name is not empty and has no blanks or commas");
	CHECK_STR(books_refusal("{\"default\": \"gov\", \"books\": {\"gov\": {\"fallback\": \"partner\"}}}"),
		  "books.gov.fallback: no book 'partner'");
	CHECK_STR(books_refusal("{\"default\": \"a\", \"books\": {\"a\": {\"fallback\": \"a\"}}}"),
		  "books.a.fallback: fallback cycle: a -> a");
	CHECK_STR(books_refusal("{\"default\": \"a\", \"books\": {\"a\": {\"fallback\": \"b\"}, "
				"\"b\": {\"fallback\": \"a\"}}}"),
		  "books.a.fallback: fallback cycle: a -> b -> a");
	/* a book leading into a cycle is not itself in it: the cycle's first book is named */
	CHECK_STR(books_refusal("{\"default\": \"a\", \"books\": {\"a\": {\"fallback\": \"b\"}, "
				"\"b\": {\"fallback\": \"c\"}, \"c\": {\"fallback\": \"b\"}}}"),
		  "books.b.fallback: fallback cycle: b -> c -> b");
	CHECK_STR(books_refusal("{\"default\": \"x\", \"books\": {\"a\": {}, \"b\": {}}}"),
		  "default: no price book 'x' (books: a, b)");
	CHECK_STR(books_refusal("{\"books\": {\"a\": {}, \"b\": {}}}"),
		  "default: several books, so say which one quotes use by default (\"default\": \"a\")");
	CHECK_STR(books_refusal("[]"), "expected a JSON object");
}

/* --- config/quoting.json --- */

static const char quoting_spec[] =
	"{\n"
	"  \"company\": {\"name\": \"Acme Pumps GmbH\", \"address\": \"Hafenstr. 1\\n20457 Hamburg\",\n"
	"              \"email\": \"sales@acme.example\", \"phone\": \"+49 40 1234\",\n"
	"              \"vat_id\": \"DE123456789\", \"website\": \"acme.example\"},\n"
	"  \"rounding\": {\"mode\": \"half-up\", \"per\": \"total\"},\n"
	"  \"validity_days\": 45,\n"
	"  \"terms\": \"Payment within 30 days of invoice.\",\n"
	"  \"tax\": {\"default_region\": \"DE\",\n"
	"          \"regions\": {\"DE\": {\"standard\": \"19\", \"reduced\": \"7\"},\n"
	"                      \"JP\": {\"standard\": 10}, \"US\": {\"standard\": \"0\"}}},\n"
	"  \"discounts\": {\"gold\": [{\"family\": \"software\", \"percent\": \"10\"},\n"
	"                           {\"percent\": \"5\"}],\n"
	"                \"silver\": [{\"family\": \"software\", \"min_qty\": 10, \"percent\": \"12.5\"},\n"
	"                             {\"family\": \"software\", \"percent\": \"5%\"}]},\n"
	"  \"approval\": {\"self_approve\": true,\n"
	"               \"rules\": [{\"line_discount_over\": \"15\", \"role\": \"manager\"},\n"
	"                         {\"total_discount_over\": \"10\", \"role\": \"manager\"},\n"
	"                         {\"line_discount_over\": \"25\", \"role\": \"director\"},\n"
	"                         {\"total_discount_over\": \"25\", \"role\": \"director\"}]},\n"
	"  \"bundles\": {\"STARTER-KIT\": {\"components\": [\n"
	"                 {\"sku\": \"WID-100\", \"qty\": 2},\n"
	"                 {\"sku\": \"SVC-SETUP\", \"qty\": 1, \"optional\": true}]},\n"
	"              \"KIT.2\": {\"components\": [{\"sku\": \"CABLE\"}]}},\n"
	"  \"rules\": [{\"sku\": \"PUMP-XL\", \"requires\": [\"MOUNT-XL\"]},\n"
	"            {\"sku\": \"LIC-BASIC\", \"excludes\": [\"LIC-PRO\"]},\n"
	"            {\"sku\": \"SVC-TRAIN\", \"min_qty\": 1, \"max_qty\": 20},\n"
	"            {\"sku\": \"SVC-DAY\", \"min_qty\": 5}]\n"
	"}\n";

static struct sfa_quoting *spec(void)
{
	struct sfa_quoting *q = NULL;
	json_t *c = unit_json(quoting_spec);

	if (c && sfa_quoting_parse(&q, c) < 0)
		printf("# %s\n", sfa_error_last());
	json_decref(c);
	return q;
}

/* The message of the error checking `config` gives (SFA_EINPUT only), or "(accepted)". */
static const char *refusal(const char *config)
{
	static char msg[512];
	json_t *c = unit_json(config);
	int err;

	if (!c)
		return "(bad test JSON)";
	err = sfa_quoting_check_config(NULL, c);
	json_decref(c);
	if (err >= 0)
		return "(accepted)";
	snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

static void test_quoting_parsed(void)
{
	struct sfa_quoting *q = spec(), *d = NULL;
	json_t *empty = unit_json("{}");

	if (!CHECK(q != NULL))
		return;
	CHECK_INT(q->rounding, SFA_ROUND_HALF_UP);
	CHECK_INT(q->per, SFA_ROUND_PER_TOTAL);
	CHECK_INT(q->validity_days, 45);
	CHECK_STR(q->terms, "Payment within 30 days of invoice.");
	CHECK_STR(json_string_value(json_object_get(q->company, "vat_id")), "DE123456789");
	CHECK_INT(q->self_approve, 1);
	if (CHECK_INT(q->napproval, 4)) {
		CHECK_INT(q->approval[0].line_over, 1500);
		CHECK_INT(q->approval[0].total_over, -1);
		CHECK_INT(q->approval[3].total_over, 2500);
		CHECK_STR(q->approval[3].role, "director");
	}
	sfa_quoting_free(q);

	/* everything is optional */
	if (CHECK_INT(sfa_quoting_parse(&d, empty), 0)) {
		CHECK_INT(d->rounding, SFA_ROUND_HALF_EVEN);
		CHECK_INT(d->per, SFA_ROUND_PER_LINE);
		CHECK_INT(d->validity_days, 30);
		CHECK(d->terms == NULL);
		CHECK(d->company == NULL);
		CHECK_INT(d->self_approve, 0);
		CHECK_INT(d->napproval, 0);
		CHECK(sfa_quoting_approval_role(d, 10000, 10000) == NULL);
		sfa_quoting_free(d);
	}
	json_decref(empty);
}

static void test_shipped(void)
{
	static const char *const files[] = { "share/config/quoting.json", "share/config/pricebooks.json" };
	json_error_t jerr;

	for (int i = 0; i < 2; i++) {
		json_t *c = json_load_file(files[i], 0, &jerr);
		int err;
		if (!CHECK(c != NULL)) {
			printf("# %s: %s\n", files[i], jerr.text);
			continue;
		}
		err = i ? sfa_pricebooks_check_config(NULL, c) : sfa_quoting_check_config(NULL, c);
		if (!CHECK_INT(err, 0))
			printf("# %s: %s\n", files[i], sfa_error_last());
		json_decref(c);
	}
}

/* A valid config with `part` (text of one top-level key and its value) only. */
#define ONLY(part) "{" part "}"
#define TAX(regions) ONLY("\"tax\": {\"default_region\": \"DE\", \"regions\": " regions "}")
#define RULE(r) ONLY("\"approval\": {\"rules\": [{\"line_discount_over\": \"15\", \"role\": \"manager\"}, " r "]}")
#define KIT(c) ONLY("\"bundles\": {\"STARTER-KIT\": {\"components\": " c "}}")
#define RULES(r) ONLY("\"rules\": [{\"sku\": \"PUMP-XL\", \"requires\": [\"MOUNT-XL\"]}, " r "]")

static void test_quoting_refused(void)
{
	CHECK_STR(refusal(quoting_spec), "(accepted)");
	CHECK_STR(refusal("[1]"), "expected a JSON object");
	CHECK_STR(refusal(ONLY("\"taxes\": {}")), "taxes: unknown key (expected one of: company, rounding, "
		  "validity_days, terms, tax, discounts, approval, bundles, rules)");

	CHECK_STR(refusal(ONLY("\"company\": {\"name\": \"A\", \"fax\": \"1\"}")),
		  "company.fax: unknown key (expected one of: name, address, email, phone, vat_id, website)");
	CHECK_STR(refusal(ONLY("\"company\": {\"name\": 5}")), "company.name: expected text");
	CHECK_STR(refusal(ONLY("\"company\": \"Acme\"")),
		  "company: expected an object like {\"name\": \"Acme GmbH\", \"address\": \"...\"}");

	CHECK_STR(refusal(ONLY("\"rounding\": {\"mode\": \"half-down\"}")),
		  "rounding.mode: 'half-down': expected half-even or half-up");
	CHECK_STR(refusal(ONLY("\"rounding\": {\"per\": \"quote\"}")), "rounding.per: 'quote': expected line or total");
	CHECK_STR(refusal(ONLY("\"rounding\": {\"mode\": \"half-up\", \"pre\": \"line\"}")),
		  "rounding.pre: unknown key (expected one of: mode, per)");
	CHECK_STR(refusal(ONLY("\"validity_days\": 0")), "validity_days: expected a whole number from 1 to 3650");
	CHECK_STR(refusal(ONLY("\"validity_days\": \"30\"")), "validity_days: expected a whole number from 1 to 3650");
	CHECK_STR(refusal(ONLY("\"terms\": 30")), "terms: expected text");

	/* tax */
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": 19}}")), "(accepted)");
	CHECK_STR(refusal(ONLY("\"tax\": {\"default_region\": \"FR\", \"regions\": {\"DE\": {\"standard\": \"19\"}}}")),
		  "tax.default_region: no region 'FR' in tax.regions");
	CHECK_STR(refusal(ONLY("\"tax\": {\"default\": \"DE\"}")),
		  "tax.default: unknown key (expected one of: default_region, regions)");
	CHECK_STR(refusal(ONLY("\"tax\": {}")),
		  "tax.regions: expected an object of regions, like {\"DE\": {\"standard\": \"19\"}}");
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": \"120\"}}")), "tax.regions.DE.standard: '120': over 100%");
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": \"19\", \"reduced\": \"7.125\"}}")),
		  "tax.regions.DE.reduced: '7.125': more than two decimals");
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": 19.5}}")),
		  "tax.regions.DE.standard: expected a percent like \"15\" or \"12.5\"");
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": -1}}")), "tax.regions.DE.standard: '-1': negative");
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": \"19\"}, \"JP\": {}}")),
		  "tax.regions.JP: expected the rates of tax classes, like {\"standard\": \"19\", \"reduced\": \"7\"}");
	CHECK_STR(refusal(TAX("{\"DE\": {\"standard\": \"19\", \"super reduced\": \"2\"}}")),
		  "tax.regions.DE[\"super reduced\"]: a tax class name is not empty and has no blanks or commas");

	/* discount schedules */
	CHECK_STR(refusal(ONLY("\"discounts\": {\"gold\": [{\"percent\": \"5\"}, {\"family\": \"software\"}]}")),
		  "discounts.gold[1]: no \"percent\"");
	CHECK_STR(refusal(ONLY("\"discounts\": {\"gold\": [{\"familly\": \"software\", \"percent\": \"5\"}]}")),
		  "discounts.gold[0].familly: unknown key (expected one of: family, min_qty, percent)");
	CHECK_STR(refusal(ONLY("\"discounts\": {\"gold\": [{\"min_qty\": 0, \"percent\": \"5\"}]}")),
		  "discounts.gold[0].min_qty: expected a whole number from 1 to 1000000");
	CHECK_STR(refusal(ONLY("\"discounts\": {\"gold\": [{\"percent\": \"5.5.5\"}]}")),
		  "discounts.gold[0].percent: '5.5.5': not a percent (write '15' or '12.5')");
	CHECK_STR(refusal(ONLY("\"discounts\": {\"gold\": []}")),
		  "discounts.gold: expected a list like [{\"family\": \"software\", \"percent\": \"10\"}]");

	/* approval */
	CHECK_STR(refusal(RULE("{\"line_discount_over\": \"25\", \"role\": \"director\"}, "
			       "{\"total_discount_over\": \"10\", \"role\": \"boss\"}")),
		  "approval.rules[2].role: 'boss': expected rep, manager, director or admin");
	CHECK_STR(refusal(RULE("{\"line_discount_over\": \"25\", \"total_discount_over\": \"25\", \"role\": \"director\"}")),
		  "approval.rules[1]: needs one of \"line_discount_over\" and \"total_discount_over\", not both "
		  "(write two rules)");
	CHECK_STR(refusal(RULE("{\"role\": \"director\"}")),
		  "approval.rules[1]: needs one of \"line_discount_over\" and \"total_discount_over\"");
	CHECK_STR(refusal(RULE("{\"total_discount_over\": \"25\"}")),
		  "approval.rules[1]: no \"role\" (rep, manager, director or admin)");
	CHECK_STR(refusal(RULE("{\"total_discount_over\": \"-5\", \"role\": \"director\"}")),
		  "approval.rules[1].total_discount_over: '-5': negative");
	CHECK_STR(refusal(RULE("{\"line_discount_ovr\": \"5\", \"role\": \"director\"}")),
		  "approval.rules[1].line_discount_ovr: unknown key (expected one of: line_discount_over, "
		  "total_discount_over, role)");
	CHECK_STR(refusal(RULE("\"manager\"")),
		  "approval.rules[1]: expected an object like {\"total_discount_over\": \"10\", \"role\": \"manager\"}");
	CHECK_STR(refusal(ONLY("\"approval\": {\"self_approve\": \"no\"}")),
		  "approval.self_approve: expected true or false");
	CHECK_STR(refusal(ONLY("\"approval\": {\"rules\": {}}")),
		  "approval.rules: expected a list like [{\"line_discount_over\": \"15\", \"role\": \"manager\"}]");
	CHECK_STR(refusal(ONLY("\"approval\": {\"self-approve\": true}")),
		  "approval.self-approve: unknown key (expected one of: self_approve, rules)");

	/* bundles */
	CHECK_STR(refusal(KIT("[{\"sku\": \"WID-100\", \"qty\": 2}, {\"sku\": \"SVC\", \"qty\": 0}]")),
		  "bundles.STARTER-KIT.components[1].qty: expected a whole number from 1 to 1000000");
	CHECK_STR(refusal(KIT("[{\"qty\": 2}]")), "bundles.STARTER-KIT.components[0]: no \"sku\"");
	CHECK_STR(refusal(KIT("[{\"sku\": \"STARTER-KIT\"}]")),
		  "bundles.STARTER-KIT.components[0].sku: 'STARTER-KIT' cannot be a component of itself");
	CHECK_STR(refusal(KIT("[{\"sku\": \"WID-100\"}, {\"sku\": \"WID-100\", \"optional\": true}]")),
		  "bundles.STARTER-KIT.components[1].sku: 'WID-100' twice in bundle 'STARTER-KIT'");
	CHECK_STR(refusal(KIT("[{\"sku\": \"WID-100\", \"optional\": \"yes\"}]")),
		  "bundles.STARTER-KIT.components[0].optional: expected true or false");
	CHECK_STR(refusal(KIT("[{\"sku\": \"WID-100\", \"quantity\": 2}]")),
		  "bundles.STARTER-KIT.components[0].quantity: unknown key (expected one of: sku, qty, optional)");
	CHECK_STR(refusal(KIT("[]")),
		  "bundles.STARTER-KIT.components: expected a list like [{\"sku\": \"WID-100\", \"qty\": 2}]");
	CHECK_STR(refusal(ONLY("\"bundles\": {\"STARTER-KIT\": {\"component\": []}}")),
		  "bundles.STARTER-KIT.component: unknown key (expected one of: components)");
	CHECK_STR(refusal(ONLY("\"bundles\": {\"KIT.2\": {\"components\": [{\"sku\": \"A\", \"qty\": -1}]}}")),
		  "bundles[\"KIT.2\"].components[0].qty: expected a whole number from 1 to 1000000");

	/* product rules */
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"requires\": []}")),
		  "rules[1].requires: expected a list of skus, like [\"MOUNT-XL\"]");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"requires\": [\"B\", \"A\"]}")),
		  "rules[1].requires[1]: 'A' is the rule's own sku");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"excludes\": [\"B\", \"B\"]}")),
		  "rules[1].excludes[1]: 'B' twice");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"excludes\": [\"B\", 7]}")), "rules[1].excludes[1]: expected a sku");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"min_qty\": 5, \"max_qty\": 2}")),
		  "rules[1].max_qty: 2 is below min_qty 5");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"max_qty\": 0}")),
		  "rules[1].max_qty: expected a whole number from 1 to 1000000");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\"}")), "rules[1]: no condition (requires, excludes, min_qty, max_qty)");
	CHECK_STR(refusal(RULES("{\"sku\": \"A\", \"require\": [\"B\"]}")),
		  "rules[1].require: unknown key (expected one of: sku, requires, excludes, min_qty, max_qty)");
	CHECK_STR(refusal(RULES("{\"requires\": [\"B\"]}")), "rules[1]: no \"sku\"");
	CHECK_STR(refusal(ONLY("\"rules\": {}")),
		  "rules: expected a list like [{\"sku\": \"PUMP-XL\", \"requires\": [\"MOUNT-XL\"]}]");
}

/* The paths in messages find their line in the file (as the config commands report them). */
static void test_paths_have_lines(void)
{
	static const char text[] =
		"{\n"
		"  \"bundles\": {\n"
		"    \"KIT.2\": {\"components\": [\n"
		"      {\"sku\": \"A\"},\n"
		"      {\"sku\": \"B\", \"qty\": 0}\n"
		"    ]}\n"
		"  },\n"
		"  \"approval\": {\"rules\": [\n"
		"    {\"line_discount_over\": \"15\", \"role\": \"manager\"},\n"
		"    {\"line_discount_over\": \"15\", \"role\": \"chief\"}\n"
		"  ]}\n"
		"}\n";
	json_t *c = unit_json(text);
	char path[128];

	if (!CHECK(c != NULL))
		return;
	CHECK_INT(sfa_quoting_check_config(NULL, c), SFA_EINPUT);
	/* the parts are checked in a fixed order, approval before bundles, whatever the file says */
	CHECK_STR(sfa_error_last(), "approval.rules[1].role: 'chief': expected rep, manager, director or admin");
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(sfa_error_last(), ":"), sfa_error_last());
	CHECK_INT(sfa_config_line(text, strlen(text), path), 10);
	json_object_del(json_object_get(c, "approval"), "rules");
	CHECK_INT(sfa_quoting_check_config(NULL, c), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "bundles[\"KIT.2\"].components[1].qty: expected a whole number from 1 to 1000000");
	snprintf(path, sizeof(path), "%.*s", (int)(strstr(sfa_error_last(), ": ") - sfa_error_last()),
		 sfa_error_last());
	CHECK_INT(sfa_config_line(text, strlen(text), path), 5);
	json_decref(c);
}

/* --- what quotes ask --- */

static void test_tax(void)
{
	struct sfa_quoting *q = spec(), *nodef = NULL;
	json_t *c = unit_json("{\"tax\": {\"regions\": {\"DE\": {\"standard\": \"19\"}}}}");
	int bp = -1;

	if (!CHECK(q != NULL))
		return;
	CHECK_STR(sfa_quoting_tax_region(q, "JP"), "JP");
	CHECK_STR(sfa_quoting_tax_region(q, "jp"), "JP");
	CHECK_STR(sfa_quoting_tax_region(q, "FR"), "DE");
	CHECK_STR(sfa_quoting_tax_region(q, NULL), "DE");

	CHECK_INT(sfa_quoting_tax_rate(&bp, q, "DE", "standard"), 0);
	CHECK_INT(bp, 1900);
	CHECK_INT(sfa_quoting_tax_rate(&bp, q, "DE", "reduced"), 0);
	CHECK_INT(bp, 700);
	CHECK_INT(sfa_quoting_tax_rate(&bp, q, "JP", NULL), 0);
	CHECK_INT(bp, 1000);
	CHECK_INT(sfa_quoting_tax_rate(&bp, q, "US", "standard"), 0);
	CHECK_INT(bp, 0);
	CHECK_INT(sfa_quoting_tax_rate(&bp, q, "JP", "reduced"), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no tax rate for class 'reduced' in region 'JP'");
	CHECK_INT(sfa_quoting_tax_rate(&bp, q, "FR", NULL), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no tax rate for class 'standard' in region 'FR'");
	CHECK_INT(sfa_quoting_tax_rate(&bp, q, NULL, "reduced"), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no tax region for class 'reduced' (the account's country is not in "
		  "tax.regions and there is no tax.default_region)");
	sfa_quoting_free(q);

	if (CHECK(c != NULL) && CHECK_INT(sfa_quoting_parse(&nodef, c), 0)) {
		CHECK_STR(sfa_quoting_tax_region(nodef, "de"), "DE");
		CHECK(sfa_quoting_tax_region(nodef, "FR") == NULL);
		sfa_quoting_free(nodef);
	}
	json_decref(c);
}

static void test_discounts(void)
{
	struct sfa_quoting *q = spec();
	int bp = -1;

	if (!CHECK(q != NULL))
		return;
	/* gold: software 10%, anything else 5% */
	CHECK_INT(sfa_quoting_discount(&bp, q, "gold", "software", 1), 0);
	CHECK_INT(bp, 1000);
	CHECK_INT(sfa_quoting_discount(&bp, q, "gold", "hardware", 1), 0);
	CHECK_INT(bp, 500);
	CHECK_INT(sfa_quoting_discount(&bp, q, "gold", NULL, 1), 0);
	CHECK_INT(bp, 500);
	/* silver: software from 10 units 12.5%, fewer 5% ("5%" in the file), other families none */
	CHECK_INT(sfa_quoting_discount(&bp, q, "silver", "software", 9), 0);
	CHECK_INT(bp, 500);
	CHECK_INT(sfa_quoting_discount(&bp, q, "silver", "software", 10), 0);
	CHECK_INT(bp, 1250);
	bp = -1;
	CHECK_INT(sfa_quoting_discount(&bp, q, "silver", "hardware", 100), 0);
	CHECK_INT(bp, 0);
	bp = -1;
	CHECK_INT(sfa_quoting_discount(&bp, q, NULL, "software", 100), 0);
	CHECK_INT(bp, 0);
	CHECK_INT(sfa_quoting_discount(&bp, q, "platinum", "software", 1), SFA_ENOTFOUND);
	CHECK_STR(sfa_error_last(), "no discount schedule 'platinum' in config/quoting.json");
	sfa_quoting_free(q);
}

static void test_approval(void)
{
	struct sfa_quoting *q = spec(), *a = NULL;
	json_t *c = unit_json("{\"approval\": {\"rules\": [{\"total_discount_over\": \"50\", \"role\": \"admin\"}, "
			      "{\"line_discount_over\": \"15\", \"role\": \"manager\"}, "
			      "{\"line_discount_over\": \"0\", \"role\": \"rep\"}]}}");

	if (!CHECK(q != NULL))
		return;
	/* manager over 15% a line or 10% in all, director over 25% either way */
	CHECK(sfa_quoting_approval_role(q, 0, 0) == NULL);
	CHECK(sfa_quoting_approval_role(q, 1500, 1000) == NULL);	/* at the limits is not over */
	CHECK_STR(sfa_quoting_approval_role(q, 1501, 0), "manager");
	CHECK_STR(sfa_quoting_approval_role(q, 0, 1001), "manager");
	CHECK_STR(sfa_quoting_approval_role(q, 2500, 2500), "manager");
	CHECK_STR(sfa_quoting_approval_role(q, 2501, 0), "director");
	CHECK_STR(sfa_quoting_approval_role(q, 1600, 2600), "director");
	CHECK_STR(sfa_quoting_approval_role(q, 10000, 10000), "director");
	sfa_quoting_free(q);

	/* the highest role wins, wherever its rule stands */
	if (CHECK(c != NULL) && CHECK_INT(sfa_quoting_parse(&a, c), 0)) {
		CHECK_STR(sfa_quoting_approval_role(a, 2000, 6000), "admin");
		CHECK_STR(sfa_quoting_approval_role(a, 2000, 0), "manager");
		CHECK_STR(sfa_quoting_approval_role(a, 1, 0), "rep");
		CHECK(sfa_quoting_approval_role(a, 0, 5000) == NULL);
		sfa_quoting_free(a);
	}
	json_decref(c);

	CHECK_INT(sfa_quoting_role_rank("rep"), 0);
	CHECK_INT(sfa_quoting_role_rank("manager"), 1);
	CHECK_INT(sfa_quoting_role_rank("director"), 2);
	CHECK_INT(sfa_quoting_role_rank("admin"), 3);
	CHECK_INT(sfa_quoting_role_rank("Manager"), -1);
	CHECK_INT(sfa_quoting_role_rank(NULL), -1);

	CHECK_INT(sfa_quoting_may_approve("manager", "manager"), 1);
	CHECK_INT(sfa_quoting_may_approve("director", "manager"), 1);
	CHECK_INT(sfa_quoting_may_approve("admin", "director"), 1);
	CHECK_INT(sfa_quoting_may_approve("rep", "manager"), 0);
	CHECK_INT(sfa_quoting_may_approve("manager", "director"), 0);
	CHECK_INT(sfa_quoting_may_approve("director", "admin"), 0);
	CHECK_INT(sfa_quoting_may_approve("boss", "rep"), 0);
	CHECK_INT(sfa_quoting_may_approve(NULL, "rep"), 0);
	CHECK_INT(sfa_quoting_may_approve("rep", NULL), 1);
}

/* The message checking `lines` gives (SFA_EINPUT only), or "(accepted)". */
static const char *lines_refusal(const struct sfa_quoting *q, const struct sfa_quoting_line *lines, size_t n)
{
	static char msg[512];
	int err = sfa_quoting_check_lines(q, lines, n);

	if (err >= 0)
		return "(accepted)";
	snprintf(msg, sizeof(msg), "%s%s", err == SFA_EINPUT ? "" : "(not SFA_EINPUT) ", sfa_error_last());
	return msg;
}

#define LINES(...) (const struct sfa_quoting_line[]){ __VA_ARGS__ }, \
	sizeof((const struct sfa_quoting_line[]){ __VA_ARGS__ }) / sizeof(struct sfa_quoting_line)

static void test_bundles(void)
{
	struct sfa_quoting *q = spec();

	if (!CHECK(q != NULL))
		return;
	/* 2 kits need 2 x 2 widgets under them; the optional setup may be missing */
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 2, 0 }, { 2, "WID-100", 4, 1 })), "(accepted)");
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 2, 0 }, { 2, "WID-100", 3, 1 })),
		  "bundle 'STARTER-KIT' (line 1): needs 4 'WID-100' under it, has 3");
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 1, 0 })),
		  "bundle 'STARTER-KIT' (line 1): needs 2 'WID-100' under it, has 0");
	/* widgets on the quote but not under the kit do not count */
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 1, 0 }, { 2, "WID-100", 2, 0 })),
		  "bundle 'STARTER-KIT' (line 1): needs 2 'WID-100' under it, has 0");
	/* nor do those under another kit */
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 1, 0 }, { 2, "WID-100", 2, 1 },
					 { 3, "STARTER-KIT", 1, 0 }, { 4, "WID-100", 1, 3 })),
		  "bundle 'STARTER-KIT' (line 3): needs 2 'WID-100' under it, has 1");
	/* a component over several lines adds up, and more than needed is fine */
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 2, 0 }, { 2, "WID-100", 2, 1 }, { 3, "WID-100", 3, 1 },
					 { 4, "SVC-SETUP", 1, 1 })),
		  "(accepted)");
	/* a component qty defaults to 1 */
	CHECK_STR(lines_refusal(q, LINES({ 5, "KIT.2", 3, 0 }, { 6, "CABLE", 2, 5 })),
		  "bundle 'KIT.2' (line 5): needs 3 'CABLE' under it, has 2");
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 1, 0 }, { 2, "WID-100", 2, 1 }, { 3, "LIC-PRO", 1, 1 })),
		  "line 3: 'LIC-PRO' is not a component of bundle 'STARTER-KIT' (line 1)");
	CHECK_STR(lines_refusal(q, LINES({ 1, "STARTER-KIT", 1, 0 }, { 2, "WID-100", 2, 7 })),
		  "line 2: bundle line 7 is not on the quote");
	CHECK_STR(lines_refusal(q, LINES({ 1, "WID-100", 1, 0 }, { 2, "SVC-SETUP", 1, 1 })),
		  "line 2: line 1 ('WID-100') is not a bundle");
	CHECK_STR(lines_refusal(q, LINES({ 1, "WID-100", 1, 0 }, { 1, "SVC-SETUP", 1, 0 })),
		  "line 1: two lines with that number");
	CHECK_STR(lines_refusal(q, LINES({ 0, "WID-100", 1, 0 })), "line 0: lines are numbered from 1");
	CHECK_STR(lines_refusal(q, NULL, 0), "(accepted)");
	sfa_quoting_free(q);
}

static void test_rules(void)
{
	struct sfa_quoting *q = spec();

	if (!CHECK(q != NULL))
		return;
	CHECK_STR(lines_refusal(q, LINES({ 1, "PUMP-XL", 1, 0 })), "rule 1: 'PUMP-XL' requires 'MOUNT-XL'");
	CHECK_STR(lines_refusal(q, LINES({ 1, "PUMP-XL", 1, 0 }, { 2, "MOUNT-XL", 1, 0 })), "(accepted)");
	/* a rule applies only when its sku is on the quote */
	CHECK_STR(lines_refusal(q, LINES({ 1, "MOUNT-XL", 1, 0 })), "(accepted)");
	CHECK_STR(lines_refusal(q, LINES({ 1, "LIC-BASIC", 1, 0 }, { 2, "LIC-PRO", 1, 0 })),
		  "rule 2: 'LIC-BASIC' excludes 'LIC-PRO'");
	CHECK_STR(lines_refusal(q, LINES({ 1, "LIC-PRO", 1, 0 })), "(accepted)");
	/* quantities sum over the lines: 12 + 8 is the maximum, 12 + 9 over it */
	CHECK_STR(lines_refusal(q, LINES({ 1, "SVC-TRAIN", 12, 0 }, { 2, "SVC-TRAIN", 8, 0 })), "(accepted)");
	CHECK_STR(lines_refusal(q, LINES({ 1, "SVC-TRAIN", 12, 0 }, { 2, "SVC-TRAIN", 9, 0 })),
		  "rule 3: 'SVC-TRAIN' qty 21 is over the maximum 20");
	CHECK_STR(lines_refusal(q, LINES({ 1, "SVC-DAY", 4, 0 })), "rule 4: 'SVC-DAY' qty 4 is below the minimum 5");
	CHECK_STR(lines_refusal(q, LINES({ 1, "SVC-DAY", 5, 0 })), "(accepted)");
	/* the first rule broken is the one named */
	CHECK_STR(lines_refusal(q, LINES({ 1, "SVC-DAY", 1, 0 }, { 2, "PUMP-XL", 1, 0 })),
		  "rule 1: 'PUMP-XL' requires 'MOUNT-XL'");
	sfa_quoting_free(q);
}

void unit_tests(void)
{
	test_books();
	test_books_chain();
	test_books_refused();
	test_quoting_parsed();
	test_shipped();
	test_quoting_refused();
	test_paths_have_lines();
	test_tax();
	test_discounts();
	test_approval();
	test_bundles();
	test_rules();
}
