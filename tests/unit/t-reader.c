#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/stream.h"
#include "unit.h"
#include "sfa/banned.h"

#define S(lit) lit, sizeof(lit) - 1

/* What dump() saw, one line per call of sfa_reader_next(). */
static struct sfa_buf seen = SFA_BUF_INIT;
/* The names map dump() gives its reader, or NULL. */
static const json_t *dump_map;

/*
 * Returns a descriptor reading `data`: a temporary file when `piece` is
 * 0, else a pipe a child process feeds `piece` bytes per write, so reads
 * come short and at odd places.
 */
static int open_input(const char *data, size_t len, size_t piece, pid_t *child)
{
	char path[512];
	int fd, p[2];

	*child = 0;
	if (!piece) {
		snprintf(path, sizeof(path), "%s/input-XXXXXX", unit_tmpdir());
		fd = mkstemp(path);
		if (fd < 0 || write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
			perror("temporary input");
			exit(1);
		}
		unlink(path);
		return fd;
	}
	if (pipe(p)) {
		perror("pipe");
		exit(1);
	}
	*child = fork();
	if (*child < 0) {
		perror("fork");
		exit(1);
	}
	if (!*child) {
		close(p[0]);
		for (size_t off = 0; off < len; off += piece) {
			size_t n = len - off < piece ? len - off : piece;
			if (write(p[1], data + off, n) != (ssize_t)n)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void close_input(int fd, pid_t child)
{
	close(fd);
	if (child)
		waitpid(child, NULL, 0);
}

/*
 * Reads all of `data`, noting for each call "LINE: " and then the record
 * as compact JSON with sorted keys, "! MESSAGE" for a refused record or
 * "!! MESSAGE" for a fatal error (after which it stops).
 */
static const char *dump(const char *data, size_t len, size_t piece)
{
	struct sfa_reader *r;
	json_t *rec;
	pid_t child;
	int fd = open_input(data, len, piece, &child);
	int ret;

	sfa_buf_reset(&seen);
	sfa_reader_open(&r, fd, "stdin");
	if (dump_map)
		sfa_reader_rename(r, dump_map);
	while ((ret = sfa_reader_next(r, &rec)) != 0) {
		sfa_buf_addf(&seen, "%zu: ", sfa_reader_line(r));
		if (ret > 0) {
			char *s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
			sfa_buf_addstr(&seen, s);
			free(s);
			json_decref(rec);
		} else {
			sfa_buf_addf(&seen, "%s %s", sfa_reader_fatal(r) ? "!!" : "!", sfa_error_last());
		}
		sfa_buf_addch(&seen, '\n');
		if (ret < 0 && sfa_reader_fatal(r))
			break;
	}
	sfa_reader_free(r);
	close_input(fd, child);
	return seen.buf;
}

/* dump() must not depend on how the input arrives. */
static void check_dump(const char *data, size_t len, const char *want, int line)
{
	char *whole;

	unit_check_str(dump(data, len, 0), want, "dump of a file", __FILE__, line);
	whole = sfa_xstrdup(seen.buf);
	unit_check_str(dump(data, len, 1), whole, "same dump a byte at a time", __FILE__, line);
	unit_check_str(dump(data, len, 3), whole, "same dump 3 bytes at a time", __FILE__, line);
	free(whole);
}

#define CHECK_DUMP(data, want) check_dump(S(data), want, __LINE__)

static struct sfa_reader *open_str(const char *data, size_t len, int *fd)
{
	struct sfa_reader *r;
	pid_t child;

	*fd = open_input(data, len, 0, &child);
	if (sfa_reader_open(&r, *fd, "leads.csv"))
		return NULL;
	return r;
}

static void test_csv_quoting(void)
{
	CHECK_DUMP("name,notes,city\n"
		   "Ann,\"hello, world\",Oslo\n"
		   "Bob,\"she said \"\"hi\"\"\",\"\"\n"
		   "Cy,\"line one\nline two\n\nline four\",Rome\n"
		   "Di, two  spaces ,\t\n",
		   "2: {\"city\":\"Oslo\",\"name\":\"Ann\",\"notes\":\"hello, world\"}\n"
		   "3: {\"name\":\"Bob\",\"notes\":\"she said \\\"hi\\\"\"}\n"
		   "4: {\"city\":\"Rome\",\"name\":\"Cy\",\"notes\":\"line one\\nline two\\n\\nline four\"}\n"
		   "8: {\"city\":\"\\t\",\"name\":\"Di\",\"notes\":\" two  spaces \"}\n");
}

static void test_csv_lines(void)
{
	/* Blank lines and lines of blanks are skipped but counted. */
	CHECK_DUMP("\n\nid,notes\n"
		   "1,\"a\n\nb\"\n"
		   "\n"
		   "   \n"
		   "2,\"\n\"\n"
		   "3,x",
		   "4: {\"id\":\"1\",\"notes\":\"a\\n\\nb\"}\n"
		   "9: {\"id\":\"2\",\"notes\":\"\\n\"}\n"
		   "11: {\"id\":\"3\",\"notes\":\"x\"}\n");
}

static void test_csv_crlf(void)
{
	const char in[] = "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,3\r\n";
	struct sfa_reader *r;
	json_t *rec;
	const char *raw;
	size_t len;
	int fd;

	CHECK_DUMP("a,b\r\n1,\"x\r\ny\"\r\n\r\n2,3\r\n",
		   "2: {\"a\":\"1\",\"b\":\"x\\r\\ny\"}\n"
		   "5: {\"a\":\"2\",\"b\":\"3\"}\n");
	/* Old Mac line ends still split rows. */
	CHECK_DUMP("a,b\r1,2\r3,4",
		   "1: {\"a\":\"1\",\"b\":\"2\"}\n"
		   "1: {\"a\":\"3\",\"b\":\"4\"}\n");

	r = open_str(S(in), &fd);
	CHECK(sfa_reader_header_raw(r, &len) == NULL);
	CHECK_INT(sfa_reader_next(r, &rec), 1);
	json_decref(rec);
	raw = sfa_reader_header_raw(r, &len);
	CHECK(len == 5 && !memcmp(raw, "a,b\r\n", 5));
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 10 && !memcmp(raw, "1,\"x\r\ny\"\r\n", 10));
	CHECK_INT(sfa_reader_next(r, &rec), 1);
	json_decref(rec);
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 5 && !memcmp(raw, "2,3\r\n", 5));
	CHECK_INT(sfa_reader_next(r, &rec), 0);
	CHECK(rec == NULL);
	CHECK(sfa_reader_raw(r, &len) == NULL && len == 0);
	CHECK_INT(sfa_reader_next(r, &rec), 0);
	sfa_reader_free(r);
	close(fd);
}

static void test_csv_header(void)
{
	CHECK_DUMP("\xef\xbb\xbf First Name ,E-mail,Lead   Source,PHONE,x_y\n"
		   "Ann,ann@example.com,web,+47 1,\n",
		   "2: {\"e-mail\":\"ann@example.com\",\"first_name\":\"Ann\","
		   "\"lead_source\":\"web\",\"phone\":\"+47 1\"}\n");
	CHECK_DUMP("Email,name,E mail,email\n1,2,3,4\n",
		   "1: !! stdin:1: duplicate column 'email'\n");
	CHECK_DUMP("\n\nid,name,e mail,E_MAIL\n",
		   "3: !! stdin:3: duplicate column 'e_mail'\n");
	CHECK_DUMP("id,  ,name\n1,2,3\n",
		   "1: !! stdin:1: column 2: empty name\n");
	CHECK_DUMP("id,n\xe9,name\n1,2,3\n",
		   "1: !! stdin:1: column 2: invalid UTF-8\n");
	/* A header alone is no error: there are just no records. */
	CHECK_DUMP("id,name\n", "");
	CHECK_DUMP("\xef\xbb\xbf\"id\"", "");
}

/* Folded names through a map, as import renames other systems' columns. */
static void test_rename(void)
{
	json_t *map = json_pack("{s:s, s:s, s:s, s:s}", "e-mail", "email", "lead_source", "source",
				"first", "first_name", "x", "-y");
	struct sfa_reader *r;
	json_t *rec;
	const char *raw;
	size_t len;
	int fd;

	dump_map = map;
	CHECK_DUMP("First,E-Mail,Lead Source,Zip/Postal Code\nAnn,a@x,web,0150\n",
		   "2: {\"email\":\"a@x\",\"first_name\":\"Ann\",\"source\":\"web\",\"zip_postal_code\":\"0150\"}\n");
	/* two columns that end up as one field */
	CHECK_DUMP("E-Mail,email\na@x,b@x\n", "1: !! stdin:1: duplicate column 'email'\n");
	/* what the map names is checked as a field name, like any column */
	CHECK_DUMP("x,email\n1,b@x\n", "1: !! stdin:1: column 1: field name '-y': must not start with '-'\n");
	/* JSON keys are folded and mapped too; names that fold to nothing stay for the checks after */
	CHECK_DUMP("{\"E-Mail\": \"a@x\", \"Lead Source\": \"web\", \"city\": \"Oslo\", \"!!\": \"1\"}\n",
		   "1: {\"!!\":\"1\",\"city\":\"Oslo\",\"email\":\"a@x\",\"source\":\"web\"}\n");
	/*
	 * Two keys for one field refuse that record alone (neither value
	 * wins), and reading goes on.
	 */
	CHECK_DUMP("{\"First Name\": \"Ann\", \"first_name\": \"Bob\"}\n"
		   "{\"e-mail\": \"a@x\", \"E-MAIL\": \"b@x\"}\n"
		   "{\"email\": \"a@x\", \"E-Mail\": \"b@x\"}\n"
		   "{\"first\": \"Cy\"}\n",
		   "1: ! stdin:1: keys 'First Name' and 'first_name' are both field 'first_name'\n"
		   "2: ! stdin:2: keys 'e-mail' and 'E-MAIL' are both field 'email'\n"
		   "3: ! stdin:3: keys 'email' and 'E-Mail' are both field 'email'\n"
		   "4: {\"first_name\":\"Cy\"}\n");
	CHECK_DUMP("[{\"a\": 1},\n {\"A\": 2,\n  \"a\": 3}]",
		   "1: {\"a\":1}\n"
		   "2: ! stdin:2: keys 'A' and 'a' are both field 'a'\n");
	dump_map = NULL;

	/* the refused record's bytes are there for a rejects file */
	r = open_str(S("{\"first_name\": \"A\"}\n{\"E-mail\": \"b@x\", \"email\": \"c@x\"}\n"), &fd);
	sfa_reader_rename(r, map);
	CHECK_INT(sfa_reader_next(r, &rec), 1);
	json_decref(rec);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK(!sfa_reader_fatal(r));
	raw = sfa_reader_raw(r, &len);
	CHECK(raw && len == 33 && !memcmp(raw, "{\"E-mail\": \"b@x\", \"email\": \"c@x\"}", 33));
	CHECK_INT(sfa_reader_next(r, &rec), 0);
	sfa_reader_free(r);
	close(fd);
	json_decref(map);
}

static void test_csv_header_fatal(void)
{
	struct sfa_reader *r;
	json_t *rec;
	size_t len;
	int fd;

	r = open_str(S("a,b,A\n1,2,3\n"), &fd);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:1: duplicate column 'a'");
	CHECK(sfa_reader_fatal(r));
	sfa_error_clear();
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:1: duplicate column 'a'");
	CHECK(rec == NULL);
	CHECK(sfa_reader_header_raw(r, &len) == NULL);
	sfa_reader_free(r);
	close(fd);
}

static void test_csv_bad_rows(void)
{
	CHECK_DUMP("id,name,email\n"
		   "1,Ann,a@x\n"
		   "2,Bob\n"
		   "3,Cy,c@x,extra\n"
		   "4,Di,\"d@x\"\n"
		   "5,\"Ed\n\",\xff@x\n"
		   "6,\xc3\xa9,\n"
		   "7,Nul\0,\n"
		   "8,\xed\xa0\x80,\n"
		   "9,Flo,\n",
		   "2: {\"email\":\"a@x\",\"id\":\"1\",\"name\":\"Ann\"}\n"
		   "3: ! stdin:3: expected 3 fields, found 2\n"
		   "4: ! stdin:4: expected 3 fields, found 4\n"
		   "5: {\"email\":\"d@x\",\"id\":\"4\",\"name\":\"Di\"}\n"
		   "6: ! stdin:6: field 'email': invalid UTF-8\n"
		   "8: {\"id\":\"6\",\"name\":\"\xc3\xa9\"}\n"
		   "9: ! stdin:9: field 'name': NUL byte\n"
		   "10: ! stdin:10: field 'name': invalid UTF-8\n"
		   "11: {\"id\":\"9\",\"name\":\"Flo\"}\n");
	CHECK_DUMP("id\n1\n2,3\n", "2: {\"id\":\"1\"}\n3: ! stdin:3: expected 1 field, found 2\n");
}

static void test_csv_raw_refused(void)
{
	struct sfa_reader *r;
	json_t *rec;
	const char *raw;
	size_t len;
	int fd;

	r = open_str(S("a,b\n1\n\"x\ny\",\xff\n"), &fd);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:2: expected 2 fields, found 1");
	CHECK(!sfa_reader_fatal(r));
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 2 && !memcmp(raw, "1\n", 2));
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:3: field 'b': invalid UTF-8");
	CHECK_INT(sfa_reader_line(r), 3);
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 8 && !memcmp(raw, "\"x\ny\",\xff\n", 8));
	CHECK_INT(sfa_reader_next(r, &rec), 0);
	raw = sfa_reader_header_raw(r, &len);
	CHECK(len == 4 && !memcmp(raw, "a,b\n", 4));
	sfa_reader_free(r);
	close(fd);
}

static void test_csv_quote_errors(void)
{
	struct sfa_reader *r;
	json_t *rec;
	int fd;

	CHECK_DUMP("id,notes\n1,ok\n2,\"never closed\nmore\n\nstill\n",
		   "2: {\"id\":\"1\",\"notes\":\"ok\"}\n"
		   "3: !! stdin:3: unterminated quoted field\n");
	CHECK_DUMP("id,notes\n1,\"x\"y\n2,z\n",
		   "2: !! stdin:2: malformed quoted field\n");
	/* The message points at the line holding the stray quote. */
	CHECK_DUMP("id,notes\n1,\"x\n\"y\n2,z\n",
		   "2: !! stdin:3: malformed quoted field\n");
	CHECK_DUMP("id,notes\n1,x\"y\"\n", "2: !! stdin:2: malformed quoted field\n");
	CHECK_DUMP("id,notes\n1,\"x\" \n", "2: !! stdin:2: malformed quoted field\n");

	r = open_str(S("id\n\"open\n"), &fd);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:2: unterminated quoted field");
	CHECK(sfa_reader_fatal(r));
	CHECK_INT(sfa_reader_line(r), 2);
	sfa_error_clear();
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:2: unterminated quoted field");
	sfa_reader_free(r);
	close(fd);
}

static void test_empty(void)
{
	struct sfa_reader *r;
	json_t *rec;
	int fd;

	CHECK_DUMP("", "0: !! stdin: empty input\n");
	CHECK_DUMP(" \r\n\t\n", "0: !! stdin: empty input\n");
	CHECK_DUMP("\xef\xbb\xbf", "0: !! stdin: empty input\n");
	CHECK_DUMP("\xef\xbb\xbf\n\n", "0: !! stdin: empty input\n");

	r = open_str(S(""), &fd);
	CHECK_INT(sfa_reader_format(r), SFA_FORMAT_AUTO);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK(sfa_reader_fatal(r));
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv: empty input");
	sfa_reader_free(r);
	close(fd);
}

static enum sfa_format format_of(const char *data, size_t len, int *n)
{
	struct sfa_reader *r;
	enum sfa_format f;
	json_t *rec;
	int fd;

	*n = 0;
	r = open_str(data, len, &fd);
	while (sfa_reader_next(r, &rec) > 0) {
		json_decref(rec);
		++*n;
	}
	f = sfa_reader_format(r);
	sfa_reader_free(r);
	close(fd);
	return f;
}

static void test_json(void)
{
	int n;

	CHECK_DUMP("\xef\xbb\xbf\n {\"id\": \"1\", \"n\": 2, \"x\": null, \"o\": {\"a\": [1]}}\n",
		   "2: {\"id\":\"1\",\"n\":2,\"o\":{\"a\":[1]},\"x\":null}\n");
	CHECK_DUMP("[{\"a\":1},\n{\"a\":2}\n,\n\n  {\"a\":\n3} ]\n\n",
		   "1: {\"a\":1}\n2: {\"a\":2}\n5: {\"a\":3}\n");
	CHECK_DUMP("[]", "");
	CHECK_DUMP(" [ \n ] \n", "");
	CHECK_DUMP("{\"a\":1}\n{\"a\":2}{\"a\":3}\n\n{\"b\":\n\"\\u00e9\"}",
		   "1: {\"a\":1}\n2: {\"a\":2}\n2: {\"a\":3}\n4: {\"b\":\"\xc3\xa9\"}\n");

	CHECK_INT(format_of(S("{\"a\":1}\n"), &n), SFA_FORMAT_JSON);
	CHECK_INT(n, 1);
	CHECK_INT(format_of(S("[{\"a\":1},{\"a\":2}]"), &n), SFA_FORMAT_JSON);
	CHECK_INT(n, 2);
	CHECK_INT(format_of(S("{\"a\":1}\n{\"a\":2}\n"), &n), SFA_FORMAT_NDJSON);
	CHECK_INT(n, 2);
	CHECK_INT(format_of(S("a,b\n1,2\n"), &n), SFA_FORMAT_CSV);
	CHECK_INT(n, 1);
}

static void test_json_refused(void)
{
	/* Duplicate keys, NUL characters and non-objects cost one record. */
	CHECK_DUMP("[{\"a\":1},\n {\"a\":1,\n  \"a\":2},\n 17, \"x\", [{\"a\":1}], null,\n"
		   " {\"a\":\"\\u0000\"}, {\"b\":\"c\"}]",
		   "1: {\"a\":1}\n"
		   "2: ! stdin:3: duplicate object key near '\"a\"'\n"
		   "4: ! stdin:4: not an object\n"
		   "4: ! stdin:4: not an object\n"
		   "4: ! stdin:4: not an object\n"
		   "4: ! stdin:4: not an object\n"
		   "5: ! stdin:5: \\u0000 (NUL) not allowed\n"
		   "5: {\"b\":\"c\"}\n");
	CHECK_DUMP("{\"a\":1}\n42\n{\"a\":{\"b\":1,\"b\":1}}\n{\"a\":3}\n",
		   "1: {\"a\":1}\n"
		   "2: ! stdin:2: not an object\n"
		   "3: ! stdin:3: duplicate object key near '\"b\"'\n"
		   "4: {\"a\":3}\n");
	/* A number is only known to be complete once something follows it. */
	CHECK_DUMP("{\"a\":1} 12345", "1: {\"a\":1}\n1: ! stdin:1: not an object\n");
}

static void test_json_broken(void)
{
	struct sfa_reader *r;
	json_t *rec;
	int fd;

	CHECK_DUMP("{\"a\":1}\n{\"a\":2}\n{\"a\":\n\n  3,,\n}\n{\"a\":4}\n",
		   "1: {\"a\":1}\n2: {\"a\":2}\n3: !! stdin:5: string or '}' expected near ','\n");
	CHECK_DUMP("[\n{\"a\":1},\n{\"a\":2}\n{\"a\":3}]",
		   "2: {\"a\":1}\n3: {\"a\":2}\n3: !! stdin:4: ',' or ']' expected\n");
	CHECK_DUMP("[{\"a\":1},\n]", "1: {\"a\":1}\n2: !! stdin:2: unexpected token near ']'\n");
	CHECK_DUMP("[{\"a\":1}\n\n", "1: {\"a\":1}\n1: !! stdin:3: ']' expected near end of file\n");
	CHECK_DUMP("[{\"a\":1},", "1: {\"a\":1}\n1: !! stdin:1: value expected near end of file\n");
	CHECK_DUMP("[{\"a\":1}]\n{\"a\":2}", "1: {\"a\":1}\n1: !! stdin:2: end of file expected\n");
	CHECK_DUMP("{\"a\":1}\n{\"a\":\"x", "1: {\"a\":1}\n2: !! stdin:2: premature end of input near '\"x'\n");
	CHECK_DUMP("{\"a\":\"\xff\"}", "1: !! stdin:1: unable to decode byte 0xff near '\"'\n");
	CHECK_DUMP("{\"a\":1}\n{\"a\":1\0}", "1: {\"a\":1}\n2: !! stdin:2: NUL byte\n");
	CHECK_DUMP("[{\"a\":1},\n\n\0]", "1: {\"a\":1}\n3: !! stdin:3: NUL byte\n");
	CHECK_DUMP("{\"a\":\"x\0\"}", "1: !! stdin:1: NUL byte\n");
	CHECK_DUMP("{\"\xc3\":1}", "1: !! stdin:1: unable to decode byte 0xc3 near '\"'\n");

	r = open_str(S("{\"a\":1}\n\n{\"a\" 1}\n"), &fd);
	CHECK_INT(sfa_reader_next(r, &rec), 1);
	json_decref(rec);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK(sfa_reader_fatal(r));
	CHECK_INT(sfa_reader_line(r), 3);
	CHECK_STR(sfa_error_last(), "leads.csv:3: ':' expected near '1'");
	sfa_error_clear();
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "leads.csv:3: ':' expected near '1'");
	sfa_reader_free(r);
	close(fd);
}

static void test_json_raw(void)
{
	const char in[] = "[ {\"a\": 1} ,\n\t{\"b\": [1, 2]}, 3.5e1 ]";
	struct sfa_reader *r;
	json_t *rec;
	const char *raw;
	size_t len;
	int fd;

	r = open_str(S(in), &fd);
	CHECK_INT(sfa_reader_next(r, &rec), 1);
	json_decref(rec);
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 8 && !memcmp(raw, "{\"a\": 1}", 8));
	CHECK(sfa_reader_header_raw(r, &len) == NULL && len == 0);
	CHECK_INT(sfa_reader_next(r, &rec), 1);
	json_decref(rec);
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 13 && !memcmp(raw, "{\"b\": [1, 2]}", 13));
	CHECK_INT(sfa_reader_line(r), 2);
	CHECK_INT(sfa_reader_next(r, &rec), SFA_EINPUT);
	raw = sfa_reader_raw(r, &len);
	CHECK(len == 5 && !memcmp(raw, "3.5e1", 5));
	CHECK_INT(sfa_reader_next(r, &rec), 0);
	sfa_reader_free(r);
	close(fd);
}

/* Many records, more than a few reads' worth, arriving in odd pieces. */
static void test_streaming(void)
{
	static const size_t pieces[] = { 0, 4096, 777, 65537 };
	const int count = 3000;
	struct sfa_buf arr = SFA_BUF_INIT, nd = SFA_BUF_INIT, csv = SFA_BUF_INIT;
	struct sfa_buf big = SFA_BUF_INIT;

	sfa_buf_addstr(&arr, "[\n");
	sfa_buf_addstr(&csv, "id,name,notes\r\n");
	for (int i = 0; i < count; i++) {
		sfa_buf_addf(&arr, "  {\"id\": \"%d\", \"name\": \"name %d\", \"pad\": \"%.*s\"}%s\n",
			     i, i, i % 90, "................................................"
			     "..........................................", i + 1 < count ? "," : "");
		sfa_buf_addf(&nd, "{\"id\":\"%d\",\"pad\":\"%0*d\"}\n", i, i % 120, 0);
		sfa_buf_addf(&csv, "%d,\"Name, %d\",\"two\r\nlines %*d\"\r\n", i, i, i % 100, i);
	}
	sfa_buf_addstr(&arr, "]\n");
	CHECK(arr.len > 200 * 1024);
	CHECK(nd.len > 200 * 1024);
	CHECK(csv.len > 200 * 1024);

	/* One record bigger than a read, and longer than several. */
	sfa_buf_addstr(&big, "[{\"a\":\"x\"},\n{\"big\":\"");
	for (int i = 0; i < 300 * 1024; i++)
		sfa_buf_addch(&big, 'a' + i % 26);
	sfa_buf_addstr(&big, "\"},\n{\"a\":\"y\"}]");

	for (size_t p = 0; p < sizeof(pieces) / sizeof(*pieces); p++) {
		struct sfa_reader *r;
		json_t *rec;
		pid_t child;
		int fd, ret, n = 0, bad = 0;
		size_t len, maxline = 0;
		const char *raw;
		char id[16];

		fd = open_input(arr.buf, arr.len, pieces[p], &child);
		sfa_reader_open(&r, fd, "stdin");
		while ((ret = sfa_reader_next(r, &rec)) > 0) {
			snprintf(id, sizeof(id), "%d", n);
			if (strcmp(json_string_value(json_object_get(rec, "id")), id) ||
			    sfa_reader_line(r) != (size_t)n + 2)
				bad++;
			json_decref(rec);
			n++;
		}
		CHECK_INT(ret, 0);
		CHECK_INT(n, count);
		CHECK_INT(bad, 0);
		CHECK_INT(sfa_reader_format(r), SFA_FORMAT_JSON);
		sfa_reader_free(r);
		close_input(fd, child);

		fd = open_input(nd.buf, nd.len, pieces[p], &child);
		sfa_reader_open(&r, fd, "stdin");
		n = bad = 0;
		while ((ret = sfa_reader_next(r, &rec)) > 0) {
			snprintf(id, sizeof(id), "%d", n);
			if (strcmp(json_string_value(json_object_get(rec, "id")), id))
				bad++;
			maxline = sfa_reader_line(r);
			json_decref(rec);
			n++;
		}
		CHECK_INT(ret, 0);
		CHECK_INT(n, count);
		CHECK_INT(bad, 0);
		CHECK_INT(maxline, count);
		CHECK_INT(sfa_reader_format(r), SFA_FORMAT_NDJSON);
		sfa_reader_free(r);
		close_input(fd, child);

		fd = open_input(csv.buf, csv.len, pieces[p], &child);
		sfa_reader_open(&r, fd, "stdin");
		n = bad = 0;
		while ((ret = sfa_reader_next(r, &rec)) > 0) {
			char want[128];
			snprintf(want, sizeof(want), "two\r\nlines %*d", n % 100, n);
			snprintf(id, sizeof(id), "%d", n);
			if (strcmp(json_string_value(json_object_get(rec, "id")), id) ||
			    strcmp(json_string_value(json_object_get(rec, "notes")), want) ||
			    sfa_reader_line(r) != (size_t)2 * n + 2)
				bad++;
			raw = sfa_reader_raw(r, &len);
			if (len < 4 || memcmp(raw + len - 3, "\"\r\n", 3) || raw[0] != id[0])
				bad++;
			json_decref(rec);
			n++;
		}
		CHECK_INT(ret, 0);
		CHECK_INT(n, count);
		CHECK_INT(bad, 0);
		sfa_reader_free(r);
		close_input(fd, child);

		fd = open_input(big.buf, big.len, pieces[p], &child);
		sfa_reader_open(&r, fd, "stdin");
		CHECK_INT(sfa_reader_next(r, &rec), 1);
		json_decref(rec);
		CHECK_INT(sfa_reader_next(r, &rec), 1);
		CHECK_INT(json_string_length(json_object_get(rec, "big")), 300 * 1024);
		json_decref(rec);
		raw = sfa_reader_raw(r, &len);
		CHECK(len == 300 * 1024 + 10 && !memcmp(raw, "{\"big\":\"abc", 11) &&
		      !memcmp(raw + len - 2, "\"}", 2));
		CHECK_INT(sfa_reader_next(r, &rec), 1);
		CHECK_STR(json_string_value(json_object_get(rec, "a")), "y");
		CHECK_INT(sfa_reader_line(r), 3);
		json_decref(rec);
		CHECK_INT(sfa_reader_next(r, &rec), 0);
		sfa_reader_free(r);
		close_input(fd, child);
	}
	sfa_buf_release(&arr);
	sfa_buf_release(&nd);
	sfa_buf_release(&csv);
	sfa_buf_release(&big);
}

/* Reads `data` (after `n` records) and returns the result of the next call. */
static int next_after(const char *data, size_t len, int n, size_t piece, size_t *raw_len)
{
	struct sfa_reader *r;
	json_t *rec = NULL;
	pid_t child;
	int fd = open_input(data, len, piece, &child);
	int ret;

	sfa_reader_open(&r, fd, "big");
	do {
		json_decref(rec);
		ret = sfa_reader_next(r, &rec);
	} while (ret > 0 && n--);
	json_decref(rec);
	sfa_reader_raw(r, raw_len);
	sfa_reader_free(r);
	close_input(fd, child);
	return ret;
}

static void test_record_max(void)
{
	struct sfa_buf b = SFA_BUF_INIT;
	size_t len;

	/* A JSON value of exactly the limit passes, one byte more does not. */
	sfa_buf_addstr(&b, "{\"a\":1}\n{\"v\":\"");
	sfa_buf_setlen(&b, b.len + SFA_RECORD_MAX - 8);
	memset(b.buf + b.len - (SFA_RECORD_MAX - 8), 'x', SFA_RECORD_MAX - 8);
	sfa_buf_addstr(&b, "\"}");
	CHECK_INT(next_after(b.buf, b.len, 1, 0, &len), 1);
	CHECK_INT(len, SFA_RECORD_MAX);
	CHECK_INT(next_after(b.buf, b.len, 1, 4000, &len), 1);
	CHECK_INT(len, SFA_RECORD_MAX);
	b.buf[b.len - 2] = 'x';
	sfa_buf_addstr(&b, "\"}\n{\"a\":2}\n");
	CHECK_INT(next_after(b.buf, b.len, 1, 0, &len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "big:2: record larger than 1048576 bytes");
	CHECK_INT(len, 0);
	CHECK_INT(next_after(b.buf, b.len, 1, 4000, &len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "big:2: record larger than 1048576 bytes");

	/* The same for a CSV row, whose line end does not count. */
	sfa_buf_reset(&b);
	sfa_buf_addstr(&b, "id\n1\n");
	sfa_buf_setlen(&b, b.len + SFA_RECORD_MAX);
	memset(b.buf + b.len - SFA_RECORD_MAX, 'y', SFA_RECORD_MAX);
	sfa_buf_addstr(&b, "\r\n2\n");
	CHECK_INT(next_after(b.buf, b.len, 1, 0, &len), 1);
	CHECK_INT(len, SFA_RECORD_MAX + 2);
	CHECK_INT(next_after(b.buf, b.len, 2, 0, &len), 1);
	CHECK_INT(next_after(b.buf, b.len - 4, 1, 0, &len), 1);
	CHECK_INT(len, SFA_RECORD_MAX);
	b.buf[b.len - 4] = 'y';
	CHECK_INT(next_after(b.buf, b.len, 1, 0, &len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "big:3: record larger than 1048576 bytes");
	CHECK_INT(next_after(b.buf, b.len, 1, 999, &len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "big:3: record larger than 1048576 bytes");
	/* A quoted value of the limit plus one, spread over lines. */
	sfa_buf_reset(&b);
	sfa_buf_addstr(&b, "id\n\"");
	for (int i = 0; i < SFA_RECORD_MAX - 1; i++)
		sfa_buf_addch(&b, i % 80 == 79 ? '\n' : 'z');
	sfa_buf_addstr(&b, "\"\n");
	CHECK_INT(next_after(b.buf, b.len, 0, 0, &len), SFA_EINPUT);
	CHECK_STR(sfa_error_last(), "big:2: record larger than 1048576 bytes");
	sfa_buf_release(&b);
}

static void test_two_readers(void)
{
	struct sfa_reader *a, *b;
	json_t *ra, *rb;
	int fa, fb;

	a = open_str(S("x,y\n1,2\n3,4\n"), &fa);
	b = open_str(S("[{\"x\":\"5\"},{\"x\":\"6\"}]"), &fb);
	CHECK_INT(sfa_reader_next(a, &ra), 1);
	CHECK_INT(sfa_reader_next(b, &rb), 1);
	CHECK_STR(json_string_value(json_object_get(ra, "x")), "1");
	CHECK_STR(json_string_value(json_object_get(rb, "x")), "5");
	json_decref(ra);
	json_decref(rb);
	CHECK_INT(sfa_reader_next(b, &rb), 1);
	CHECK_INT(sfa_reader_next(a, &ra), 1);
	CHECK_STR(json_string_value(json_object_get(ra, "y")), "4");
	CHECK_STR(json_string_value(json_object_get(rb, "x")), "6");
	json_decref(ra);
	json_decref(rb);
	CHECK_INT(sfa_reader_format(a), SFA_FORMAT_CSV);
	CHECK_INT(sfa_reader_format(b), SFA_FORMAT_JSON);
	CHECK_STR(sfa_reader_name(a), "leads.csv");
	sfa_reader_free(a);
	sfa_reader_free(b);
	close(fa);
	close(fb);
}

void unit_tests(void)
{
	test_csv_quoting();
	test_csv_lines();
	test_csv_crlf();
	test_csv_header();
	test_rename();
	test_csv_header_fatal();
	test_csv_bad_rows();
	test_csv_raw_refused();
	test_csv_quote_errors();
	test_empty();
	test_json();
	test_json_refused();
	test_json_broken();
	test_json_raw();
	test_streaming();
	test_record_max();
	test_two_readers();
	sfa_buf_release(&seen);
	sfa_error_clear();
}
