/*
 * Files to remove if the process is interrupted: temporary packs of a
 * running import. Commands call sfa_cleanup_signals() once; SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE then remove the registered files and the
 * process dies of the same signal, so the shell sees the usual status.
 */
#ifndef SFA_CLEANUP_H
#define SFA_CLEANUP_H

void sfa_cleanup_signals(void);
void sfa_cleanup_add(const char *path);
void sfa_cleanup_remove(const char *path);

/*
 * Holds off those signals around a step that must not be cut in two
 * (moving the branch: libgit2 holds a lock file meanwhile).
 */
void sfa_signals_block(void);
void sfa_signals_unblock(void);

#endif
