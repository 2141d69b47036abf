/* Error codes, the last error message, and the exit-code table. */
#ifndef SFA_ERROR_H
#define SFA_ERROR_H

/*
 * Library functions return 0 (or a positive count) on success and one of
 * these negative codes on failure, leaving a one-line message for
 * sfa_error_last(). The library never prints and never exits.
 */
enum sfa_error {
	SFA_OK = 0,
	SFA_ENOTFOUND = -1,	/* no such record, nothing matched */
	SFA_EUSAGE = -2,	/* bad arguments or options */
	SFA_EINPUT = -3,	/* bad input data */
	SFA_ESTORE = -4,	/* store, index or I/O failure */
	SFA_EBUSY = -5,		/* lock held too long: worth retrying */
	SFA_EAMBIGUOUS = -6,	/* id prefix matches several records */
	SFA_EDENIED = -7,	/* the user may not do this (roles and ownership) */
};

/* Exit codes shared by every command; documented in sfa(7). */
enum sfa_exit {
	SFA_EXIT_OK = 0,
	SFA_EXIT_NOMATCH = 1,
	SFA_EXIT_USAGE = 2,
	SFA_EXIT_DATA = 3,
	SFA_EXIT_STORE = 4,
	SFA_EXIT_TEMPFAIL = 5,
	SFA_EXIT_PARTIAL = 6,	/* some of the work failed for good, the rest was done */
	SFA_EXIT_DENIED = 7,	/* refused by the access rules */
};

/* Records a message (printf-style) and returns `code`. */
int sfa_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Puts context before the current message: "stdin:17: " + message. */
int sfa_error_prefix(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Turns libgit2's last error into ours; `what` says what was being done. */
int sfa_error_git(int code, const char *what);
const char *sfa_error_last(void);
void sfa_error_clear(void);
int sfa_exit_code(int err);

#endif
