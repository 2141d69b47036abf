/*
 * A small TAP harness for the library's unit tests. Each tests/unit/t-*.c
 * defines unit_tests(); unit.c supplies main(), prints one TAP line per
 * check and the plan at the end, and exits non-zero if any check failed.
 */
#ifndef SFA_UNIT_H
#define SFA_UNIT_H

#include <string.h>

void unit_tests(void);
int unit_check(int ok, const char *what, const char *file, int line);
struct sfa_buf;
/* Runs a shell command; its standard output goes to `out` (may be NULL). Returns the exit status. */
int unit_run(struct sfa_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The output of a command without its last newline, or "(failed)" (valid until the next call). */
const char *unit_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of entries in `dir` whose names end with `suffix` ("" for all), or -1. */
int unit_count_files(const char *dir, const char *suffix);
/* Parses test JSON (any value; new reference); a broken literal is reported and gives NULL. */
typedef struct json_t json_t;
json_t *unit_json(const char *text);
/* A fresh empty directory, removed at exit. */
const char *unit_tmpdir(void);

#define CHECK(cond) unit_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(a, b) unit_check_str((a), (b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_INT(a, b) unit_check_int((long long)(a), (long long)(b), #a " == " #b, __FILE__, __LINE__)
int unit_check_str(const char *a, const char *b, const char *what, const char *file, int line);
int unit_check_int(long long a, long long b, const char *what, const char *file, int line);

#endif
