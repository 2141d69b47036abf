/* The record types the store holds. */
#include <string.h>

#include "sfa/activity.h"
#include "sfa/pipeline.h"
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

const struct sfa_type sfa_type_lead = { "lead", "leads", lead_columns, person_search, NULL, NULL };
const struct sfa_type sfa_type_account = { "account", "accounts", account_columns, account_search, NULL, NULL };
const struct sfa_type sfa_type_contact = { "contact", "contacts", contact_columns, contact_search, NULL, NULL };
const struct sfa_type sfa_type_opportunity = { "opportunity", "opportunities", opportunity_columns,
					       opportunity_search, opportunity_hidden, sfa_opportunity_prepare };
const struct sfa_type sfa_type_activity = { "activity", "activities", activity_columns, activity_search,
					    NULL, sfa_activity_prepare };

const struct sfa_type *const sfa_types[] = {
	&sfa_type_lead, &sfa_type_account, &sfa_type_contact, &sfa_type_opportunity, &sfa_type_activity, NULL
};

const struct sfa_type *sfa_type_find(const char *name)
{
	for (size_t i = 0; sfa_types[i]; i++)
		if (!strcmp(sfa_types[i]->name, name) || !strcmp(sfa_types[i]->plural, name))
			return sfa_types[i];
	return NULL;
}
