/*
 * Quotes and orders: products with their price lists, quotes priced from
 * them (config/pricebooks.json, config/quoting.json), approvals, the
 * document the customer receives, and the order an accepted quote
 * becomes. The rules live in the types' prepare hooks, so every write of
 * a product, quote or order (sfa-quote's verbs, `set`, `import`) keeps
 * them: a quote's lines are priced and its totals computed on every
 * change, its status moves only the allowed ways, a sent quote's content
 * never changes, and the primary quote's total is its deal's amount.
 */
#ifndef SFA_QUOTE_H
#define SFA_QUOTE_H

#include <jansson.h>

#include "sfa/buf.h"

struct sfa_store;
struct sfa_txn;

/*
 * Every write of a product: the sku is also its external_id (one product
 * per sku); a `price` given with the record ("1200.00 EUR", or a number
 * with `currency`, into `price_book` or the default book) joins its
 * `prices` list, whose entries are checked and kept in a stable order.
 */
int sfa_product_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec);

/*
 * Every write of a quote: number, version, currency, price book and the
 * dates filled in; while its content may change, the lines priced (each
 * line's sku, qty, discount, bundle and optional given, the rest made
 * here), the bundle and option rules checked, the totals and taxes
 * computed, and the approval it needs worked out. Status changes checked:
 * approve and reject by a user with the role needed, send only what
 * needs no approval or has it, accept makes the order and wins the deal.
 * A primary quote's total becomes its opportunity's amount.
 */
int sfa_quote_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec);

/* Every write of an order: lines and totals frozen, status moving forward with its time stamped. */
int sfa_order_prepare(struct sfa_store *s, struct sfa_txn *txn, const json_t *old, json_t *rec);

/*
 * A quote's lines (borrowed) as a rep gives them: sku, qty, discount,
 * bundle, optional; what pricing makes is left out, a discount from the
 * customer's schedule too. New reference, for changing and re-pricing.
 */
json_t *sfa_quote_lines(const json_t *quote);

/*
 * Checks a stored quote (borrowed) against today's catalog and rules, as
 * a change would: every line's product, price and tax, the bundle and
 * option rules. Writes nothing.
 */
int sfa_quote_check(struct sfa_store *s, const json_t *quote);

/*
 * The document of a quote (borrowed), as the customer receives it: the
 * company from config/quoting.json, the customer from the quote's account
 * and contact, the rep from config/users.json, the lines and the totals
 * as display text. New reference in `out`.
 */
int sfa_quote_document(json_t **out, struct sfa_store *s, const json_t *quote);
/* Every field a quote document may have, as JSON text, for checking templates. */
const char *sfa_quote_document_shape(void);

/*
 * The quote document as HTML from the store's template
 * (config/quote.html, or the shipped one), checked first: a
 * field the document does not have is an error naming it and the line.
 */
int sfa_quote_html(struct sfa_buf *out, struct sfa_store *s, const json_t *doc);

/* Checks a new config/quote.html: it parses and names only fields a document has. */
int sfa_quote_template_check(struct sfa_store *s, const char *text, size_t len);

#endif
