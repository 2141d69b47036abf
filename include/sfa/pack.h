/*
 * A git pack writer for bulk writes: objects are deflated and appended to
 * one temporary file as they come, so an import of a million records
 * writes one pack and its index instead of a million loose files, and
 * memory holds only 32 bytes per object.
 */
#ifndef SFA_PACK_H
#define SFA_PACK_H

#include <stddef.h>
#include <git2.h>

struct sfa_pack;

/* Starts a pack in a temporary file inside `tmpdir`. */
int sfa_pack_open(struct sfa_pack **out, const char *tmpdir);
/* Appends one object and returns its id; the same object twice is written once. */
int sfa_pack_write(struct sfa_pack *p, git_object_t type, const void *data, size_t len, git_oid *out);
size_t sfa_pack_count(const struct sfa_pack *p);
/*
 * Completes the pack (header count, trailing checksum), writes its .idx,
 * fsyncs both and moves them into `packdir` (.idx last, since git sees a
 * pack by its index). Frees `p` whatever the outcome.
 */
int sfa_pack_finish(struct sfa_pack *p, const char *packdir);
/* Abandons the pack: removes the temporary file and frees `p`. */
void sfa_pack_free(struct sfa_pack *p);

#endif
