#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfa/buf.h"
#include "sfa/cleanup.h"
#include "sfa/banned.h"

/*
 * A fixed table, so the signal handler reads only memory that is never
 * reallocated; a slot is published by storing its pointer last.
 */
#define MAX_FILES 8
static char *volatile files[MAX_FILES];
static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i])
			unlink(files[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void sfa_cleanup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* Keep SIGPIPE ignored if the caller chose that; writes report EPIPE then. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

void sfa_cleanup_add(const char *path)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (!files[i]) {
			files[i] = sfa_xstrdup(path);
			return;
		}
}

void sfa_cleanup_remove(const char *path)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i] && !strcmp(files[i], path)) {
			char *p = files[i];
			files[i] = NULL;
			free(p);
			return;
		}
}

static void mask(int how)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(how, &set, NULL);
}

void sfa_signals_block(void)
{
	mask(SIG_BLOCK);
}

void sfa_signals_unblock(void)
{
	mask(SIG_UNBLOCK);
}
