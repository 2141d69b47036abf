/*
 * Progress of long work (imports, reindexing). The library reports; the
 * command decides whether and how to show it (a bar on a terminal only).
 */
#ifndef SFA_PROGRESS_H
#define SFA_PROGRESS_H

typedef void (*sfa_progress_fn)(const char *what, unsigned long long done, unsigned long long total);

void sfa_progress_set(sfa_progress_fn fn);
/* `total` 0 when unknown; done == total (or `what` NULL) ends the bar. */
void sfa_progress(const char *what, unsigned long long done, unsigned long long total);

#endif
