/*
 * What every command's main() shares: the one part of libsfa that talks
 * to the terminal. Only cmd/ uses it; the rest of the library never
 * prints and never exits.
 */
#ifndef SFA_CLI_H
#define SFA_CLI_H

#include "sfa/store.h"
#include "sfa/stream.h"

/* Names the command in messages, starts the library, installs signal cleanup. */
void sfa_cli_start(const char *name);

/* Prints "name: <last error>" and returns the exit code for `err`. */
int sfa_cli_fail(int err);
/* Prints "name: <message>" to stderr. */
void sfa_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --help: prints the usage (the SYNOPSIS) to stdout; returns the exit code. */
int sfa_cli_help(const char *usage);
/* Prints the usage (the SYNOPSIS) to stderr and returns SFA_EXIT_USAGE. */
int sfa_cli_usage(const char *usage);
/* Prints an option error, then the usage; returns SFA_EXIT_USAGE. */
int sfa_cli_bad_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Flushes and closes stdout and checks it: a full disk or a failed write
 * is an error, not silence. Returns `code`, or SFA_EXIT_STORE on failure.
 */
int sfa_cli_exit(int code);

/* Opens the store named by --store, $SFA_STORE or the default. */
int sfa_cli_open_store(struct sfa_store **out, const char *opt);

/* The output format: as asked, else a table on a terminal and CSV otherwise. */
enum sfa_format sfa_cli_format(enum sfa_format asked);

#endif
