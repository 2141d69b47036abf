/*
 * Incoming mail into the store: the sender matched to a contact or lead,
 * the message logged on its history as an email activity, replies
 * threaded to the campaign mail they answer, tracking numbers a customer
 * can quote, and unknown senders turned into leads when asked.
 */
#ifndef SFA_MAILIN_H
#define SFA_MAILIN_H

#include <jansson.h>

#include "sfa/mime.h"
#include "sfa/store.h"

/* "T-" and eight characters of sfa's id alphabet: what a customer quotes on the phone. */
#define SFA_TRACKING_LEN 10

struct sfa_mailin_opts {
	int create_leads;	/* an unknown sender becomes a lead (source "email") */
	const char *owner;	/* the owner of such leads, or NULL: none set */
	size_t excerpt;		/* characters of the text kept in the activity's notes; 0: 2000 */
};

/*
 * Logs message `m` in `txn`. `*out` (new reference) is the row reported
 * for it: {"message_id", "from", "subject", "status", "record",
 * "record_type", "activity", "tracking", "campaign", "thread"}, null
 * where a value does not apply, where status is:
 *   "logged"     the sender is a contact (first) or lead (by email, any
 *                case: sfa_match_email_key); an activity type=email
 *                direction=in was added: subject ("(no subject)" when
 *                none), done=true, done_at = the Date (now when it is
 *                missing or still to come), message_id, in_reply_to,
 *                mail_from, mail_to (To's first address, when it is
 *                one), notes (the text's first `excerpt` characters),
 *                related_to, account, owner (the record's), tracking;
 *                when In-Reply-To or References name the Message-ID of
 *                an outgoing activity, campaign and reply_to (that
 *                activity's id; In-Reply-To first, then References from
 *                the last) too;
 *   "new-lead"   no such sender, create_leads: a lead (email, first_name
 *                and last_name from the display name, "Greta Lindqvist"
 *                or "Lindqvist, Greta", one word as last_name, else the
 *                address's local part as last_name; source "email",
 *                description = the subject, owner) was added, and the
 *                activity on it;
 *   "unmatched"  no such sender and no create_leads: nothing written;
 *   "duplicate"  an activity with this Message-ID exists (its id is
 *                "activity"): nothing written. A message without a
 *                Message-ID is never one.
 * Tracking: a subject or text quoting "T-XXXXXXXX" (any case) of an
 * earlier activity, else a reply (In-Reply-To, References) to an
 * earlier activity with a number, keeps that number and sets "thread"
 * to the activity that began the thread (or, when that one is gone, the
 * one found); otherwise the message gets a new number, unused so far.
 * Records added earlier in `txn` count, also in an SFA_TXN_BULK one, so
 * a whole maildir can be logged in one commit. `o` NULL: all defaults.
 * A message without a From address is SFA_EINPUT "no sender", one with
 * a From that is no address SFA_EINPUT "sender 'x': not an address" (the
 * caller puts the message's name before them); those come before
 * anything is written. After any other error `txn` may hold part of
 * the message's records: drop it.
 */
int sfa_mailin_log(struct sfa_store *s, struct sfa_txn *txn, const struct sfa_mime_msg *m,
		   const struct sfa_mailin_opts *o, json_t **out);

/* A new tracking number from the random id generator ("T-7K2M9QXD"). */
int sfa_mailin_tracking(char out[SFA_TRACKING_LEN + 1]);

/*
 * The first tracking number quoted in `text` (may be NULL), in any case
 * and standing as a word of its own ("XT-..." and a ninth character are
 * something else), copied to `out` in capitals; 1 when found, 0 when none.
 */
int sfa_mailin_find_tracking(const char *text, char out[SFA_TRACKING_LEN + 1]);

#endif
