#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/banned.h"

/* Commands are single-threaded; one message slot is enough. */
static struct sfa_buf last = SFA_BUF_INIT;

int sfa_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	sfa_buf_reset(&last);
	va_start(ap, fmt);
	sfa_buf_vaddf(&last, fmt, ap);
	va_end(ap);
	return code;
}

int sfa_error_prefix(int code, const char *fmt, ...)
{
	struct sfa_buf b = SFA_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sfa_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	sfa_buf_add(&b, last.buf, last.len);
	sfa_buf_release(&last);
	last = b;
	return code;
}

int sfa_error_git(int code, const char *what)
{
	const git_error *e = git_error_last();
	return sfa_error_set(code, "%s: %s", what, e && e->message ? e->message : "unknown git error");
}

const char *sfa_error_last(void)
{
	return last.len ? last.buf : "unknown error";
}

void sfa_error_clear(void)
{
	sfa_buf_release(&last);
}

int sfa_exit_code(int err)
{
	switch (err) {
	case SFA_OK:		return SFA_EXIT_OK;
	case SFA_ENOTFOUND:	return SFA_EXIT_NOMATCH;
	case SFA_EUSAGE:	return SFA_EXIT_USAGE;
	case SFA_EINPUT:
	case SFA_EAMBIGUOUS:	return SFA_EXIT_DATA;
	case SFA_EBUSY:		return SFA_EXIT_TEMPFAIL;
	case SFA_EDENIED:	return SFA_EXIT_DENIED;
	default:		return err > 0 ? SFA_EXIT_OK : SFA_EXIT_STORE;
	}
}
