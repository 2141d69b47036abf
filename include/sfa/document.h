/*
 * Quote documents for people: the quote document (the JSON object that
 * `sfa-quote render --format json` prints, see "The quote document" in the
 * quoting design) as an A4 PDF to send to the customer, and as plain text
 * for terminals and mail bodies. Both show the same content: the company,
 * the quote's number, version and dates, the customer and the rep, the
 * lines (bundle components indented under their bundle, optional lines
 * marked), the totals with one row per tax rate, the terms and the notes.
 *
 * The document is only read: the functions borrow `doc` and keep no
 * reference to it. Money is shown as the document gives it (already
 * grouped display text); nothing is computed.
 */
#ifndef SFA_DOCUMENT_H
#define SFA_DOCUMENT_H

#include <jansson.h>

#include "sfa/buf.h"

/* Columns of the text rendering; CJK characters count two. */
#define SFA_DOCUMENT_TEXT_WIDTH 78

/*
 * Appends a complete PDF of `doc` to `out`: A4 portrait, real text in
 * DejaVu Sans with WenQuanYi Micro Hei for CJK, the lines table continued
 * over as many pages as it needs with its header repeated, "Page N of M"
 * in every footer. The PDF's title is the quote number, its creator
 * "sfa", its creation date quote.date when that is a YYYY-MM-DD date, so
 * the same document gives the same bytes. Returns the number of pages;
 * SFA_EINPUT when quote.number, lines or totals is missing or a line is
 * not an object, SFA_ESTORE when cairo fails. On error `out` is as it was.
 */
int sfa_document_pdf(struct sfa_buf *out, const json_t *doc);

/*
 * Appends a plain-text rendering of `doc` to `out`, lines of at most
 * SFA_DOCUMENT_TEXT_WIDTH columns (more only when the figures of the
 * lines table or the quote's number and dates cannot fit otherwise),
 * columns aligned by display width, long texts wrapped. Returns 0, or
 * SFA_EINPUT as sfa_document_pdf() does, leaving `out` as it was.
 */
int sfa_document_text(struct sfa_buf *out, const json_t *doc);

#endif
