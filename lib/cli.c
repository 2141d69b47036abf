#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfa/cleanup.h"
#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/progress.h"
#include "sfa/banned.h"

static const char *progname = "sfa";

/* A one-line bar on stderr, redrawn at most ten times a second. */
static void progress_bar(const char *what, unsigned long long done, unsigned long long total)
{
	static struct timespec start, last;
	static int active;
	struct timespec now;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!what) {
		if (active)
			fprintf(stderr, "\r\033[K");
		active = 0;
		return;
	}
	if (!active) {
		start = last = now;
		active = 1;
	}
	if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 < 100)
		return;
	last = now;
	secs = (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
	if (total)
		fprintf(stderr, "\r%s: %3.0f%% (%llu/%llu)", what, 100.0 * (double)done / (double)total, done, total);
	else
		fprintf(stderr, "\r%s: %llu records, %.0f/s\033[K", what, done, secs > 0 ? (double)done / secs : 0.0);
}

static void shutdown_lib(void)
{
	sfa_global_shutdown();
	sfa_error_clear();
}

void sfa_cli_start(const char *name)
{
	const char *slash = strrchr(name, '/');
	progname = slash ? slash + 1 : name;
	sfa_global_init();
	sfa_cleanup_signals();
	if (isatty(STDERR_FILENO))
		sfa_progress_set(progress_bar);
	atexit(shutdown_lib);
}

static void vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sfa_cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int sfa_cli_fail(int err)
{
	sfa_cli_warn("%s", sfa_error_last());
	return sfa_exit_code(err);
}

int sfa_cli_help(const char *usage)
{
	fputs(usage, stdout);
	return sfa_cli_exit(0);
}

int sfa_cli_usage(const char *usage)
{
	fputs(usage, stderr);
	return SFA_EXIT_USAGE;
}

int sfa_cli_bad_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return sfa_cli_usage(usage);
}

int sfa_cli_exit(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		sfa_cli_warn("cannot write output: %s", strerror(errno));
		return code ? code : SFA_EXIT_STORE;
	}
	return code;
}

int sfa_cli_open_store(struct sfa_store **out, const char *opt)
{
	struct sfa_buf path = SFA_BUF_INIT;
	int err;
	sfa_store_locate(&path, opt);
	err = sfa_store_open(out, path.buf);
	sfa_buf_release(&path);
	return err;
}

enum sfa_format sfa_cli_format(enum sfa_format asked)
{
	if (asked != SFA_FORMAT_AUTO)
		return asked;
	return isatty(STDOUT_FILENO) ? SFA_FORMAT_TABLE : SFA_FORMAT_CSV;
}
