/* What store.c and txn.c, the two halves of the store, share. */
#ifndef SFA_STORE_PRIVATE_H
#define SFA_STORE_PRIVATE_H

#include "sfa/buf.h"
#include "sfa/store.h"

/* The store's write lock (flock on sfa.lock), waiting up to $SFA_LOCK_TIMEOUT. */
int sfa_store_lock_write(struct sfa_store *s);
void sfa_store_unlock_write(struct sfa_store *s);
/*
 * Makes everything written to the store's file system durable: one
 * syncfs(2), one device flush, where fsyncing each loose object and its
 * folder would cost a dozen.
 */
int sfa_store_sync(struct sfa_store *s);
/* Removes leftovers of killed writers from sfa-tmp/; call with the lock held. */
void sfa_store_clean_tmp(struct sfa_store *s, struct sfa_buf *removed);

/* Drops the loaded schema and pipelines: the transaction wrote new configuration. */
void sfa_store_forget_config(struct sfa_store *s);

#endif
