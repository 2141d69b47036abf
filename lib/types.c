/* The record types the store holds. */
#include <string.h>

#include "sfa/activity.h"
#include "sfa/pipeline.h"
#include "sfa/quote.h"
#include "sfa/record.h"
#include "sfa/banned.h"

static const char *const lead_columns[] = {
	"id", "first_name", "last_name", "company", "email", "phone", "title",
	"source", "status", "owner", "country", "city", "industry", "employees",
	"interest", "score", "grade", "external_id", "created_at", "notes", NULL
};
static const char *const person_search[] = { "first_name", "last_name", "company", "email", "notes", NULL };

static const char *const account_columns[] = {
	"id", "name", "domain", "industry", "country", "city", "employees", "owner",
	"status", "parent", "external_id", "created_at", NULL
};
static const char *const account_search[] = { "name", "domain", "website", "notes", NULL };

static const char *const contact_columns[] = {
	"id", "first_name", "last_name", "email", "phone", "title", "account", "owner",
	"country", "external_id", "created_at", NULL
};
static const char *const contact_search[] = { "first_name", "last_name", "email", "title", "notes", NULL };

static const char *const opportunity_columns[] = {
	"id", "name", "account", "pipeline", "stage", "amount", "close_date", "probability", "owner",
	"source", "last_activity_at", "external_id", "created_at", NULL
};
static const char *const opportunity_search[] = { "name", "next_step", "competitor", "notes", NULL };

static const char *const opportunity_hidden[] = { "stage_history", NULL };

static const char *const activity_columns[] = {
	"id", "type", "subject", "due_at", "duration", "done", "owner", "related_to", "related_type",
	"location", "external_id", "created_at", NULL
};
static const char *const activity_search[] = { "subject", "notes", "location", "attendees", "outcome", NULL };

static const char *const product_columns[] = {
	"id", "sku", "name", "family", "unit", "active", "tax_class", "description", "created_at", NULL
};
static const char *const product_search[] = { "sku", "name", "family", "description", NULL };
static const char *const product_hidden[] = { "prices", NULL };

static const char *const quote_columns[] = {
	"id", "number", "version", "status", "opportunity", "account", "owner", "currency", "total",
	"valid_until", "primary", "created_at", NULL
};
static const char *const quote_search[] = { "number", "terms", "notes", NULL };
static const char *const quote_hidden[] = { "lines", "taxes", NULL };

static const char *const order_columns[] = {
	"id", "number", "status", "quote", "opportunity", "account", "owner", "currency", "total",
	"ordered_at", "expected_ship", "tracking", NULL
};
static const char *const order_search[] = { "number", "tracking", NULL };

const struct sfa_type sfa_type_lead = { "lead", "leads", lead_columns, person_search, NULL, NULL, NULL };
const struct sfa_type sfa_type_account = { "account", "accounts", account_columns, account_search, NULL, NULL, NULL };
const struct sfa_type sfa_type_contact = { "contact", "contacts", contact_columns, contact_search, NULL, NULL, NULL };
const struct sfa_type sfa_type_opportunity = { "opportunity", "opportunities", opportunity_columns,
					       opportunity_search, opportunity_hidden, sfa_opportunity_prepare, NULL };
const struct sfa_type sfa_type_activity = { "activity", "activities", activity_columns, activity_search,
					    NULL, sfa_activity_prepare, NULL };

const struct sfa_type sfa_type_product = { "product", "products", product_columns, product_search,
					   product_hidden, sfa_product_prepare, "sku" };
const struct sfa_type sfa_type_quote = { "quote", "quotes", quote_columns, quote_search, quote_hidden,
					 sfa_quote_prepare, NULL };
const struct sfa_type sfa_type_order = { "order", "orders", order_columns, order_search, quote_hidden,
					 sfa_order_prepare, NULL };

const struct sfa_type *const sfa_types[] = {
	&sfa_type_lead, &sfa_type_account, &sfa_type_contact, &sfa_type_opportunity, &sfa_type_activity,
	&sfa_type_product, &sfa_type_quote, &sfa_type_order, NULL
};

const struct sfa_type *sfa_type_find(const char *name)
{
	for (size_t i = 0; sfa_types[i]; i++)
		if (!strcmp(sfa_types[i]->name, name) || !strcmp(sfa_types[i]->plural, name))
			return sfa_types[i];
	return NULL;
}
