#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <git2.h>
#include <jansson.h>

#include "sfa/buf.h"

#include "unit.h"

static int count, failed;
static char tmpdir[256];

int unit_check(int ok, const char *what, const char *file, int line)
{
	count++;
	if (ok) {
		printf("ok %d - %s\n", count, what);
	} else {
		failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", count, what, file, line);
	}
	fflush(stdout);
	return ok;
}

int unit_check_str(const char *a, const char *b, const char *what, const char *file, int line)
{
	int ok = a && b && !strcmp(a, b);
	unit_check(ok, what, file, line);
	if (!ok)
		printf("#   got:      '%s'\n#   expected: '%s'\n", a ? a : "(null)", b ? b : "(null)");
	return ok;
}

int unit_check_int(long long a, long long b, const char *what, const char *file, int line)
{
	int ok = a == b;
	unit_check(ok, what, file, line);
	if (!ok)
		printf("#   got: %lld, expected: %lld\n", a, b);
	return ok;
}

static void rm_tmpdir(void)
{
	char cmd[300];
	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *unit_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/sfa-unit-XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

int unit_run(struct sfa_buf *out, const char *fmt, ...)
{
	struct sfa_buf cmd = SFA_BUF_INIT;
	char chunk[65536];
	size_t n;
	va_list ap;
	FILE *fp;
	int status;

	va_start(ap, fmt);
	sfa_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	fp = popen(cmd.buf, "r");
	sfa_buf_release(&cmd);
	if (!fp)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (out)
			sfa_buf_add(out, chunk, n);
	status = pclose(fp);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *unit_sh(const char *fmt, ...)
{
	static struct sfa_buf out = SFA_BUF_INIT;
	struct sfa_buf cmd = SFA_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	sfa_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	sfa_buf_reset(&out);
	rc = unit_run(&out, "%s", cmd.buf);
	sfa_buf_release(&cmd);
	if (rc != 0)
		return "(failed)";
	if (out.len && out.buf[out.len - 1] == '\n')
		sfa_buf_setlen(&out, out.len - 1);
	return out.buf;
}

int unit_count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t sl = strlen(suffix);
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (l >= sl && !strcmp(e->d_name + l - sl, suffix))
			n++;
	}
	closedir(d);
	return n;
}

int main(void)
{
	git_libgit2_init();
	unit_tests();
	printf("1..%d\n", count);
	git_libgit2_shutdown();
	return failed ? 1 : 0;
}

json_t *unit_json(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!v)
		printf("# bad test JSON: %s: %s\n", text, jerr.text);
	return v;
}
