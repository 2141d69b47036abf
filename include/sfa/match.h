/*
 * Keys and similarity for finding duplicate people and companies. Pure
 * functions of their arguments: two records are duplicate candidates when
 * a key of theirs is equal, and their names are compared with
 * sfa_match_similarity only within a block (sfa_match_block_key).
 *
 * Each *_key function clears `out`, writes the key and returns 1 when the
 * input gives a usable key, 0 when it does not (NULL, empty, too short,
 * malformed); `out` is then empty. Keys are UTF-8 text.
 */
#ifndef SFA_MATCH_H
#define SFA_MATCH_H

struct sfa_buf;

/*
 * The address trimmed and in lowercase (any script), when it has the form
 * local@domain.tld. Rewritten only where the provider makes the spellings
 * one mailbox: googlemail.com is gmail.com, gmail.com ignores dots in the
 * local part, and a "+tag" is dropped at providers that deliver plus
 * addresses to the plain one (gmail.com, outlook.com, hotmail.com,
 * live.com, icloud.com, me.com, fastmail.com, protonmail.com, proton.me).
 * Elsewhere dots and plus signs may tell mailboxes apart and are kept.
 */
int sfa_match_email_key(struct sfa_buf *out, const char *email);

/*
 * The lowercase domain of an address as sfa_match_email_key accepts it,
 * or 0 for a free-mail or consumer provider (gmail.com, yahoo.*,
 * hotmail.*, mail.ru, qq.com...), whose domain says nothing about the
 * company.
 */
int sfa_match_email_domain(struct sfa_buf *out, const char *email);

/*
 * "+" and the digits of the international number (E.164 without spaces),
 * from any common way of writing it: "+CC ...", "00CC ..." (and "011 ..."
 * in the US and Canada) are international, with a trunk "0" written after
 * the country code ("+44 (0)20 ...") dropped; anything else is a national
 * number of `country` (ISO 3166 alpha-2, any case, may be NULL) whose trunk
 * prefix is dropped before the calling code is put in front. When the
 * country is unknown the key is the national digits, without "+". An
 * extension ("x12", "ext. 12", "#12") is not part of the key. 0 for fewer
 * than 7 digits after the calling code or more than 15 in all.
 */
int sfa_match_phone_key(struct sfa_buf *out, const char *phone, const char *country);

/*
 * The name folded (sfa_utf8_fold), with "." and apostrophes removed, other
 * punctuation as spaces, and the legal form dropped: words such as inc,
 * ltd, llc, gmbh, sa, bv, ab, plc, co, kg, ood, ооо, еоод at the end (and
 * ооо, зао, ао, 株式会社 at the start, where they are usually written),
 * and the suffixes 有限公司, 股份有限公司, 公司, 株式会社 that are not
 * separated by a space. "Acme Inc.", "ACME, Inc" and "acme" give "acme".
 * 0 when nothing remains.
 */
int sfa_match_company_key(struct sfa_buf *out, const char *company);

/*
 * "first last" folded, with "." and apostrophes removed and hyphens and
 * other punctuation as spaces ("O'Brien" is "obrien", "Jean-Luc" is
 * "jean luc"). Either part may be NULL or empty; 0 when both are.
 */
int sfa_match_name_key(struct sfa_buf *out, const char *first, const char *last);

/*
 * Jaro-Winkler similarity of two UTF-8 strings over their code points
 * (prefix scale 0.1, at most 4 prefix code points), from 0.0 to 1.0:
 * 1.0 for equal strings (two empty ones too), 0.0 when only one is empty.
 * Symmetric. NULL is taken as empty; each malformed byte counts as U+FFFD.
 */
double sfa_match_similarity(const char *a, const char *b);

/*
 * The block of a person for fuzzy matching: the company key, "|", and the
 * first code point of the name key of `first` and of `last` (nothing for
 * a missing part). 0 when there is no company key or no name at all.
 */
int sfa_match_block_key(struct sfa_buf *out, const char *first, const char *last,
			const char *company);

#endif
