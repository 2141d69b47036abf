/*
 * The harness both reader fuzz targets share. Each input is read twice:
 * from a memfd in one read, and from a socket that hands it over a few
 * bytes per read; both must give the same records and errors, so a bug
 * at a read boundary shows up as a difference and not only as a crash.
 * A third read renames the input's names as import does (folded, then
 * the usual synonyms): no name may come out that the renaming missed.
 *
 * The including file defines FUZZ_NAME and, before the #include:
 *	static int wants(const uint8_t *data, size_t size);  (input after blanks)
 *	static int format_ok(enum sfa_format f);
 *	static void check_record(const json_t *rec, const char *raw, size_t len);
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "sfa/buf.h"
#include "sfa/error.h"
#include "sfa/import.h"
#include "sfa/record.h"
#include "sfa/stream.h"
#include "sfa/banned.h"

/* More packets than this could fill the socket's buffer and block us. */
#define MAX_PACKETS 64
#define MAX_PIECEWISE (16 * 1024)

static int open_whole(const uint8_t *data, size_t len)
{
	int fd = memfd_create(FUZZ_NAME, 0);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

/* Each read of a SOCK_SEQPACKET socket returns one packet: `piece` bytes. */
static int open_pieces(const uint8_t *data, size_t len, size_t piece)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) ||
	    fcntl(sv[1], F_SETFL, O_NONBLOCK))
		abort();
	for (size_t off = 0; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		if (send(sv[1], data + off, n, 0) != (ssize_t)n)
			abort();
	}
	close(sv[1]);
	return sv[0];
}

/* Reads every record, logging what each call returned. */
static void run(int fd, struct sfa_buf *log)
{
	struct sfa_reader *r;
	json_t *rec;
	const char *raw;
	size_t len;
	int ret;

	if (sfa_reader_open(&r, fd, "fuzz"))
		abort();
	while ((ret = sfa_reader_next(r, &rec)) != 0) {
		raw = sfa_reader_raw(r, &len);
		sfa_buf_addf(log, "%zu:", sfa_reader_line(r));
		if (ret > 0) {
			char *s;

			check_record(rec, raw, len);
			s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
			if (!s)
				abort();
			sfa_buf_addstr(log, s);
			free(s);
			json_decref(rec);
		} else {
			if (rec || ret != SFA_EINPUT)
				abort();
			sfa_buf_addstr(log, sfa_error_last());
			if (sfa_reader_fatal(r)) {
				char *msg = sfa_xstrdup(sfa_error_last());
				int again = sfa_reader_next(r, &rec);

				if (again != ret || rec || strcmp(msg, sfa_error_last()))
					abort();
				free(msg);
				break;
			}
			/* A refused record can be written out as it came. */
			if (!raw || !len)
				abort();
		}
		sfa_buf_add(log, raw ? raw : "", len);
		sfa_buf_addch(log, '\n');
	}
	if (ret == 0 && !format_ok(sfa_reader_format(r)))
		abort();
	sfa_reader_free(r);
}

/* A name that comes out of the renaming is folded and no synonym's spelling. */
static void check_renamed(const json_t *rec, const json_t *names)
{
	struct sfa_buf folded = SFA_BUF_INIT;
	const json_t *to;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)rec, key, v) {
		sfa_buf_reset(&folded);
		sfa_field_fold(&folded, key, strlen(key));
		/* a name that folds to nothing is left for the field name check */
		if (folded.len && strcmp(folded.buf, key))
			abort();
		to = json_object_get(names, key);
		if (to && strcmp(json_string_value(to), key))
			abort();
	}
	sfa_buf_release(&folded);
}

static void run_renamed(const uint8_t *data, size_t len)
{
	static json_t *names;
	struct sfa_reader *r;
	json_t *rec;
	int fd = open_whole(data, len), ret;

	if (!names && sfa_import_names(&names, &sfa_type_lead, NULL) < 0)
		abort();
	if (sfa_reader_open(&r, fd, "fuzz"))
		abort();
	sfa_reader_rename(r, names);
	while ((ret = sfa_reader_next(r, &rec)) != 0) {
		if (ret > 0) {
			check_renamed(rec, names);
			json_decref(rec);
		} else if (rec || ret != SFA_EINPUT) {
			abort();
		} else if (sfa_reader_fatal(r)) {
			break;
		}
	}
	sfa_reader_free(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfa_buf whole = SFA_BUF_INIT, pieces = SFA_BUF_INIT;
	size_t i = 0, piece;
	int fd;

	/* Each target takes the inputs of its own format. */
	if (size >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < size && strchr(" \t\r\n\f\v", data[i]) && data[i])
		i++;
	if (!wants(data + i, size - i))
		return 0;

	fd = open_whole(data, size);
	run(fd, &whole);
	close(fd);

	if (size && size <= MAX_PIECEWISE) {
		piece = 1 + data[size / 2] % 13;
		if (piece < size / MAX_PACKETS + 1)
			piece = size / MAX_PACKETS + 1;
		fd = open_pieces(data, size, piece);
		run(fd, &pieces);
		close(fd);
		if (whole.len != pieces.len || memcmp(whole.buf, pieces.buf, whole.len))
			abort();
	}
	run_renamed(data, size);
	sfa_buf_release(&whole);
	sfa_buf_release(&pieces);
	sfa_error_clear();
	return 0;
}
