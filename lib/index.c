#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "sfa/buf.h"
#include "sfa/dupes.h"
#include "sfa/error.h"
#include "sfa/fts.h"
#include "sfa/index.h"
#include "sfa/jscan.h"
#include "sfa/utf8.h"
#include "sfa/progress.h"
#include "sfa/record.h"
#include "sfa/stream.h"
#include "sfa/treediff.h"
#include "sfa/banned.h"

#define SCHEMA_VERSION "6"
/* as much of the index file as SQLite maps (it caps this at its build's limit) */
#define MMAP_SIZE "68719476736"
/* pages SQLite keeps in memory, in KiB (negative: see PRAGMA cache_size) */
#define CACHE_SIZE "-32768"

/*
 * Field names seen in this write transaction, flushed to the fields table
 * when the transaction ends: a million records carry the same twenty
 * names, and one INSERT per name per record would cost more than the rows.
 */
#define NAMESET_SIZE 1024
struct nameset {
	char *names[NAMESET_SIZE];	/* "type\0name" packed as "type:name" */
	size_t n;
};

struct sfa_index {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *put, *del, *get, *oid, *ext, *resolve, *field, *getmeta, *setmeta, *addfield;
	sqlite3_stmt *rowid, *delkeys, *delrefs, *delsearch, *addkey, *addref, *addsearch, *stagekey, *delstage;
	sqlite3_stmt *keep, *addcommit, *stageforget;
	sqlite3_stmt *putdeal, *puthist, *deldeal, *delhist, *keepdeal, *keephist;	/* see deal_fields */
	sqlite3_stmt *getbody;
	/* a bulk write: the deals written by the commit being indexed, see flush_deals */
	sqlite3_int64 *deferred;
	size_t ndeferred, adeferred;
	sqlite3_int64 seq;	/* in a write transaction: the number of the commit being indexed */
	/*
	 * A bulk write stages match keys in an unindexed table and moves them
	 * in key order at the end: a million random inserts into the keys
	 * index would thrash the page cache, sorted ones touch each page once.
	 */
	int bulk, staged;
	struct sfa_buf text;		/* scratch for the search text */
	struct nameset seen;
	int overflow;		/* more names than the set holds: flush early */
	int forgetting;		/* versions to scrub staged in this transaction (sfa_index_forget) */
};

static int db_error(struct sfa_index *ix, const char *what)
{
	int rc = sqlite3_errcode(ix->db);
	int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? SFA_EBUSY : SFA_ESTORE;
	return sfa_error_set(code, "index '%s': %s: %s", ix->path, what, sqlite3_errmsg(ix->db));
}

static int exec(struct sfa_index *ix, const char *sql)
{
	if (sqlite3_exec(ix->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(ix, "cannot run statement");
	return 0;
}

static int prepare(struct sfa_index *ix, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(ix->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_error(ix, "cannot prepare statement");
	return 0;
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS records("
	" type TEXT NOT NULL, id TEXT NOT NULL, oid BLOB NOT NULL,"
	" external_id TEXT, created_at TEXT, body TEXT NOT NULL,"
	" seq INTEGER NOT NULL DEFAULT 0);"	/* the commit (see commits) that wrote this version */
	/*
	 * Every commit of the branch's first-parent line, numbered in order,
	 * and every version of a record that a later commit replaced or
	 * deleted, valid for the commits from_seq <= seq < to_seq: a report as
	 * of any date is a query over the rows valid then, no snapshot needed.
	 */
	"CREATE TABLE IF NOT EXISTS commits(seq INTEGER PRIMARY KEY, oid BLOB NOT NULL, time INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS versions(type TEXT NOT NULL, id TEXT NOT NULL,"
	" external_id TEXT, created_at TEXT, body TEXT NOT NULL,"
	" from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS fields(type TEXT NOT NULL, name TEXT NOT NULL,"
	" PRIMARY KEY(type, name)) WITHOUT ROWID;"
	/* match keys for duplicates: normalized email, phone, name block, company, domain */
	"CREATE TABLE IF NOT EXISTS keys(kind TEXT NOT NULL, key TEXT NOT NULL, rid INTEGER NOT NULL);"
	/* fields whose value is another record's id: who refers to whom */
	"CREATE TABLE IF NOT EXISTS refs(target TEXT NOT NULL, field TEXT NOT NULL, rid INTEGER NOT NULL);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(text, tokenize = 'sfa');";

static const char secondary[] =
	"CREATE UNIQUE INDEX IF NOT EXISTS records_id ON records(type, id);"
	"CREATE INDEX IF NOT EXISTS records_ext ON records(type, external_id) WHERE external_id IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS records_created ON records(type, created_at, id);"
	"CREATE INDEX IF NOT EXISTS keys_key ON keys(kind, key);"
	"CREATE INDEX IF NOT EXISTS keys_rid ON keys(rid);"
	"CREATE INDEX IF NOT EXISTS refs_target ON refs(target);"
	"CREATE INDEX IF NOT EXISTS refs_rid ON refs(rid);"
	"CREATE INDEX IF NOT EXISTS versions_to ON versions(type, to_seq);"
	"CREATE INDEX IF NOT EXISTS commits_oid ON commits(oid);"
	"CREATE INDEX IF NOT EXISTS commits_time ON commits(time, seq);"
	/* a rep's agenda (owner, due_at) and stale deals (stage, last touch): see indexed_expr() */
	"CREATE INDEX IF NOT EXISTS records_owner_due ON records(type, (body ->> '$.owner'), (body ->> '$.due_at'));"
	"CREATE INDEX IF NOT EXISTS records_stage_touch ON records(type, (body ->> '$.stage'),"
	" (body ->> '$.last_activity_at'));";

/*
 * The deals: what reports read of each opportunity, in narrow rows of a
 * table of their own, and its stage history in another. A report over a
 * million deals reads every one: from the records' bodies that is most of
 * a gigabyte of pages and a JSON scan of each, from the deals table a
 * fifth of the pages and no parsing, and the history only when the report
 * asks for it. The values are the text sfa_index_rows makes of a body
 * (sfa_jscan_text), so a report reads the same either way.
 *
 * A row's key k is the rowid of its record for the version now, and minus
 * its rowid in versions for a kept one; it holds for the commits from_seq
 * <= seq < to_seq (NULL: on). So the deals now are the range k > 0, and a
 * report as of a commit reads the rows valid then, as source_sql does.
 * The history (last in the list) goes by the same keys, as its moves
 * (SFA_INDEX_MOVES): a third of its JSON, read several times faster.
 */
static const char *const deal_fields[] = {
	"id", "owner", "territory", "source", "product_family", "lost_reason", "competitor", "pipeline",
	"stage", "amount", "currency", "probability", "close_date", "created_at", "stage_entered_at",
	"last_activity_at", SFA_INDEX_MOVES, NULL
};
#define NDEAL_FIELDS (sizeof(deal_fields) / sizeof(deal_fields[0]) - 1)
#define NDEAL_COLUMNS (NDEAL_FIELDS - 1)
#define DEAL_TYPE "opportunity"

/*
 * A report's reading of many rows in the order of the table goes by
 * pread, not through the memory map, with a small page cache; scan_end()
 * sets both back. The rows lie scattered among others as they were
 * written, and each page touched through the map faults its neighbours
 * in too: measured on a million deals, reading them took half the time
 * of mapping them and a tenth of the memory, and the bodies of a seventh
 * of them a third of the time. Each page is read once, so a small cache
 * does; a large one is new memory to fault in, a tenth of a second of a
 * forecast.
 */
static int scan_begin(struct sfa_index *ix)
{
	return exec(ix, "PRAGMA mmap_size=0; PRAGMA cache_size=-2048");
}

static void scan_end(struct sfa_index *ix)
{
	exec(ix, "PRAGMA mmap_size=" MMAP_SIZE "; PRAGMA cache_size=" CACHE_SIZE);
}

/* Where `field` is in the deals table: its index in deal_fields, or -1. */
static int deal_field(const char *field)
{
	for (size_t i = 0; i < NDEAL_FIELDS; i++)
		if (!strcmp(deal_fields[i], field))
			return (int)i;
	return -1;
}

/* "a, b, c": the deals table's columns, each after `prefix` */
static void deal_columns(struct sfa_buf *sql, const char *prefix)
{
	for (size_t i = 0; i < NDEAL_COLUMNS; i++)
		sfa_buf_addf(sql, "%s%s%s", i ? ", " : "", prefix, deal_fields[i]);
}

static int deal_schema(struct sfa_index *ix)
{
	struct sfa_buf sql = SFA_BUF_INIT;
	int err;
	sfa_buf_addstr(&sql, "CREATE TABLE IF NOT EXISTS deals(k INTEGER PRIMARY KEY, from_seq INTEGER NOT NULL,"
		       " to_seq INTEGER, ");
	deal_columns(&sql, "");
	sfa_buf_addstr(&sql, "); CREATE TABLE IF NOT EXISTS deal_history(k INTEGER PRIMARY KEY, " SFA_INDEX_MOVES
		       " TEXT NOT NULL);");
	err = exec(ix, sql.buf);
	sfa_buf_release(&sql);
	return err;
}

static int prepare_deals(struct sfa_index *ix)
{
	struct sfa_buf put = SFA_BUF_INIT, keep = SFA_BUF_INIT;
	int err;

	sfa_buf_addstr(&put, "INSERT INTO deals(k, from_seq, ");
	deal_columns(&put, "");
	sfa_buf_addstr(&put, ") VALUES(?1, ?2");
	for (size_t i = 0; i < NDEAL_COLUMNS; i++)
		sfa_buf_addf(&put, ", ?%zu", i + 3);
	sfa_buf_addch(&put, ')');
	/* the row now of record ?1 becomes the row of version ?3, until commit ?2 */
	sfa_buf_addstr(&keep, "INSERT INTO deals(k, from_seq, to_seq, ");
	deal_columns(&keep, "");
	sfa_buf_addstr(&keep, ") SELECT -?3, from_seq, ?2, ");
	deal_columns(&keep, "");
	sfa_buf_addstr(&keep, " FROM deals WHERE k = ?1");
	if ((err = prepare(ix, &ix->putdeal, put.buf)) == 0 && (err = prepare(ix, &ix->keepdeal, keep.buf)) == 0 &&
	    (err = prepare(ix, &ix->puthist, "INSERT INTO deal_history VALUES(?1, ?2)")) == 0 &&
	    (err = prepare(ix, &ix->keephist, "INSERT INTO deal_history SELECT -?3, " SFA_INDEX_MOVES
					       " FROM deal_history WHERE k = ?1")) == 0 &&
	    (err = prepare(ix, &ix->deldeal, "DELETE FROM deals WHERE k = ?1")) == 0 &&
	    (err = prepare(ix, &ix->getbody, "SELECT id, body FROM records WHERE rowid = ?1")) == 0)
		err = prepare(ix, &ix->delhist, "DELETE FROM deal_history WHERE k = ?1");
	sfa_buf_release(&put);
	sfa_buf_release(&keep);
	return err;
}

static void finalize_all(struct sfa_index *ix)
{
	sqlite3_stmt **all[] = { &ix->put, &ix->del, &ix->get, &ix->oid, &ix->ext, &ix->resolve,
				 &ix->field, &ix->getmeta, &ix->setmeta, &ix->addfield, &ix->rowid,
				 &ix->delkeys, &ix->delrefs, &ix->delsearch, &ix->addkey, &ix->addref,
				 &ix->addsearch, &ix->stagekey, &ix->delstage, &ix->keep, &ix->addcommit,
				 &ix->stageforget, &ix->putdeal, &ix->puthist, &ix->deldeal, &ix->delhist,
				 &ix->keepdeal, &ix->keephist, &ix->getbody };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
}

static int prepare_all(struct sfa_index *ix)
{
	int err;
	if ((err = prepare(ix, &ix->put,
			   /*
			    * SQLite reads the two indexed fields out of the body:
			    * its JSON parser is several times faster than building
			    * a jansson tree, and refuses a malformed body all the same.
			    */
			   "INSERT INTO records(type, id, oid, external_id, created_at, body, seq)"
			   " VALUES(?1, ?2, ?3,"
			   " CASE json_type(?4, '$.external_id') WHEN 'text' THEN ?4 ->> '$.external_id' END,"
			   " CASE json_type(?4, '$.created_at') WHEN 'text' THEN ?4 ->> '$.created_at' END,"
			   " ?4, ?5) ON CONFLICT(type, id) DO UPDATE SET"
			   " oid = excluded.oid, external_id = excluded.external_id,"
			   " created_at = excluded.created_at, body = excluded.body, seq = excluded.seq"
			   " RETURNING rowid")) < 0 ||
	    /* the version a commit replaces (not one written earlier by the same commit) */
	    (err = prepare(ix, &ix->keep,
			   "INSERT INTO versions(type, id, external_id, created_at, body, from_seq, to_seq)"
			   " SELECT type, id, external_id, created_at, body, seq, ?2 FROM records"
			   " WHERE rowid = ?1 AND seq < ?2")) < 0 ||
	    (err = prepare(ix, &ix->addcommit,
			   "INSERT OR REPLACE INTO commits(seq, oid, time) VALUES(?1, ?2, ?3)")) < 0 ||
	    (err = prepare(ix, &ix->rowid, "SELECT rowid FROM records WHERE type = ?1 AND id = ?2")) < 0 ||
	    (err = prepare(ix, &ix->delkeys, "DELETE FROM keys WHERE rid = ?1")) < 0 ||
	    (err = prepare(ix, &ix->delrefs, "DELETE FROM refs WHERE rid = ?1")) < 0 ||
	    (err = prepare(ix, &ix->delsearch, "DELETE FROM search WHERE rowid = ?1")) < 0 ||
	    (err = prepare(ix, &ix->addkey, "INSERT INTO keys(kind, key, rid) VALUES(?1, ?2, ?3)")) < 0 ||
	    (err = prepare(ix, &ix->addref, "INSERT INTO refs(target, field, rid) VALUES(?1, ?2, ?3)")) < 0 ||
	    (err = prepare(ix, &ix->addsearch, "INSERT INTO search(rowid, text) VALUES(?1, ?2)")) < 0 ||
	    (err = prepare(ix, &ix->stagekey, "INSERT INTO temp.keys_stage(kind, key, rid) VALUES(?1, ?2, ?3)")) < 0 ||
	    (err = prepare(ix, &ix->delstage, "DELETE FROM temp.keys_stage WHERE rid = ?1")) < 0 ||
	    /* a record forgotten twice in one transaction: the union of the fields */
	    (err = prepare(ix, &ix->stageforget,
			   "INSERT INTO temp.forget_stage(type, id, fields) VALUES(?1, ?2, ?3)"
			   " ON CONFLICT(type, id) DO UPDATE SET fields = (SELECT json_group_array(value) FROM"
			   " (SELECT value FROM json_each(forget_stage.fields) UNION SELECT value FROM json_each(excluded.fields)))")) < 0 ||
	    (err = prepare(ix, &ix->del, "DELETE FROM records WHERE type = ?1 AND id = ?2")) < 0 ||
	    (err = prepare(ix, &ix->get, "SELECT body FROM records WHERE type = ?1 AND id = ?2")) < 0 ||
	    (err = prepare(ix, &ix->oid, "SELECT oid FROM records WHERE type = ?1 AND id = ?2")) < 0 ||
	    (err = prepare(ix, &ix->ext,
			   "SELECT id FROM records WHERE type = ?1 AND external_id = ?2 LIMIT 1")) < 0 ||
	    (err = prepare(ix, &ix->resolve,
			   "SELECT id FROM records WHERE type = ?1 AND id >= ?2 AND id < ?3 ORDER BY id LIMIT 6")) < 0 ||
	    (err = prepare(ix, &ix->field, "SELECT 1 FROM fields WHERE type = ?1 AND name = ?2")) < 0 ||
	    (err = prepare(ix, &ix->getmeta, "SELECT value FROM meta WHERE key = ?1")) < 0 ||
	    (err = prepare(ix, &ix->setmeta,
			   "INSERT INTO meta(key, value) VALUES(?1, ?2)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value")) < 0 ||
	    (err = prepare(ix, &ix->addfield, "INSERT OR IGNORE INTO fields(type, name) VALUES(?1, ?2)")) < 0)
		return err;
	return prepare_deals(ix);
}

static int get_meta(struct sfa_index *ix, const char *key, struct sfa_buf *out)
{
	int rc, err = SFA_ENOTFOUND;
	sqlite3_bind_text(ix->getmeta, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(ix->getmeta);
	if (rc == SQLITE_ROW) {
		sfa_buf_addstr(out, (const char *)sqlite3_column_text(ix->getmeta, 0));
		err = 0;
	} else if (rc != SQLITE_DONE) {
		err = db_error(ix, "cannot read meta");
	}
	sqlite3_reset(ix->getmeta);
	return err;
}

static int set_meta(struct sfa_index *ix, const char *key, const char *value)
{
	int rc;
	sqlite3_bind_text(ix->setmeta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->setmeta, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(ix->setmeta);
	sqlite3_reset(ix->setmeta);
	return rc == SQLITE_DONE ? 0 : db_error(ix, "cannot write meta");
}

static void free_buf(void *p);
static int flush_keys(struct sfa_index *ix);
static int flush_forget(struct sfa_index *ix);
static int flush_deals(struct sfa_index *ix);
static int step_done(struct sfa_index *ix, sqlite3_stmt *st, const char *what);
static int is_plain_column(const char *field);

/* 1 when `sql` gives a row (errors count as no row). */
static int has_row(struct sfa_index *ix, const char *sql)
{
	sqlite3_stmt *st;
	int row;
	if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	row = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return row;
}

/*
 * contains(haystack, needle): case- and accent-insensitive substring test
 * for `--where 'field~text'`, in every script (LIKE folds ASCII only).
 */
static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sfa_buf *needle = sqlite3_get_auxdata(ctx, 1);
	struct sfa_buf hay = SFA_BUF_INIT;
	const char *h = (const char *)sqlite3_value_text(argv[0]);

	if (!h || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	if (!needle) {
		const char *n = (const char *)sqlite3_value_text(argv[1]);
		needle = sfa_xmalloc(sizeof(*needle));
		sfa_buf_init(needle, 0);
		sfa_utf8_fold(needle, n, (size_t)sqlite3_value_bytes(argv[1]));
		sqlite3_set_auxdata(ctx, 1, needle, free_buf);
		needle = sqlite3_get_auxdata(ctx, 1);
		if (!needle) {	/* SQLite may drop it at once; fold again next row */
			struct sfa_buf tmp = SFA_BUF_INIT;
			sfa_utf8_fold(&tmp, n, strlen(n));
			sfa_utf8_fold(&hay, h, (size_t)sqlite3_value_bytes(argv[0]));
			sqlite3_result_int(ctx, memmem(hay.buf, hay.len, tmp.buf, tmp.len) != NULL);
			sfa_buf_release(&tmp);
			sfa_buf_release(&hay);
			return;
		}
	}
	sfa_utf8_fold(&hay, h, (size_t)sqlite3_value_bytes(argv[0]));
	sqlite3_result_int(ctx, memmem(hay.buf, hay.len, needle->buf, needle->len) != NULL);
	sfa_buf_release(&hay);
}

static void free_buf(void *p)
{
	sfa_buf_release(p);
	free(p);
}

/*
 * sfa_scrub(body, fields): the stored record `body` without the fields
 * named by the JSON array `fields`, in the stored encoding; `body` itself
 * when it has none of them.
 */
static void fn_scrub(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *body = (const char *)sqlite3_value_text(argv[0]);
	const char *names = (const char *)sqlite3_value_text(argv[1]);
	json_t *rec = NULL, *fields = NULL, *f;
	size_t i, removed = 0;

	if (!names || !(fields = json_loadb(names, (size_t)sqlite3_value_bytes(argv[1]), 0, NULL)) ||
	    !json_is_array(fields)) {
		sqlite3_result_error(ctx, "sfa_scrub: not a list of fields", -1);
		goto done;
	}
	/* a body SQLite took and jansson refuses: better no fields than the personal ones */
	if (!body || sfa_record_decode(&rec, body, (size_t)sqlite3_value_bytes(argv[0])) < 0) {
		sqlite3_result_text(ctx, "{}", -1, SQLITE_STATIC);
		goto done;
	}
	json_array_foreach(fields, i, f)
		if (json_is_string(f) && json_object_del(rec, json_string_value(f)) == 0)
			removed++;
	if (removed) {
		struct sfa_buf b = SFA_BUF_INIT;
		size_t len;
		char *text;
		sfa_record_encode(&b, rec);
		text = sfa_buf_detach(&b, &len);
		sqlite3_result_text(ctx, text, (int)len, free);
	} else {
		sqlite3_result_value(ctx, argv[0]);
	}
done:
	json_decref(rec);
	json_decref(fields);
}

static int register_functions(struct sfa_index *ix)
{
	if (sqlite3_create_function(ix->db, "sfa_contains", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				    NULL, fn_contains, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(ix->db, "sfa_scrub", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
				    NULL, fn_scrub, NULL, NULL) != SQLITE_OK)
		return db_error(ix, "cannot register functions");
	return 0;
}

int sfa_index_open(struct sfa_index **out, const char *path)
{
	struct sfa_index *ix = sfa_xcalloc(1, sizeof(*ix));
	struct sfa_buf v = SFA_BUF_INIT;
	int err;

	ix->path = sfa_xstrdup(path);
	/* one thread uses a connection: no mutex taken on every call, a million rows times a dozen columns */
	if (sqlite3_open_v2(path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		err = db_error(ix, "cannot open");
		goto done;
	}
	sqlite3_busy_timeout(ix->db, 30000);
	if ((err = sfa_fts_register(ix->db)) < 0 || (err = register_functions(ix)) < 0)
		goto done;
	/*
	 * Short-lived commands open and close the index all the time: a
	 * checkpoint on every close would flush the disk each time. The WAL
	 * is checkpointed as it grows instead.
	 */
	sqlite3_db_config(ix->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	/*
	 * The index can always be rebuilt from git, so a commit need not
	 * reach the disk before we go on: WAL with synchronous=NORMAL.
	 */
	/*
	 * Reads through a memory map: listing and filtering records reads
	 * their bodies' pages, and copying each one into the page cache with
	 * a system call costs more than the reading itself (the deals table
	 * is read otherwise, see deal_rows). Writes still go through the WAL.
	 * Pages of 16 KiB (a new index; SQLite cannot change them in WAL
	 * mode): reading a million deals a page at a time takes a quarter of
	 * the reads of 4 KiB pages, which cost a second of a simulated
	 * forecast over them.
	 */
	if ((err = exec(ix, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			    " PRAGMA cache_size=" CACHE_SIZE "; PRAGMA mmap_size=" MMAP_SIZE ";")) < 0)
		goto done;
	/* An index of another layout is refused: the store makes a new one (it is derived data). */
	if (has_row(ix, "SELECT 1 FROM sqlite_master WHERE name = 'meta'") &&
	    !has_row(ix, "SELECT 1 FROM meta WHERE key = 'schema' AND value = '" SCHEMA_VERSION "'")) {
		err = sfa_error_set(SFA_ESTORE, "index '%s': of another layout than " SCHEMA_VERSION, path);
		goto done;
	}
	if ((err = exec(ix, schema)) < 0 || (err = deal_schema(ix)) < 0 || (err = exec(ix, secondary)) < 0 ||
	    (err = exec(ix, "CREATE TEMP TABLE keys_stage(kind TEXT NOT NULL, key TEXT NOT NULL, rid INTEGER NOT NULL);"
			    /* rids come in order: this index only appends */
			    " CREATE INDEX temp.keys_stage_rid ON keys_stage(rid);"
			    " CREATE TEMP TABLE forget_stage(type TEXT NOT NULL, id TEXT NOT NULL, fields TEXT NOT NULL,"
			    " PRIMARY KEY(type, id))")) < 0 ||
	    (err = prepare_all(ix)) < 0)
		goto done;
	err = get_meta(ix, "schema", &v);
	if (err == SFA_ENOTFOUND)
		err = set_meta(ix, "schema", SCHEMA_VERSION);
done:
	sfa_buf_release(&v);
	if (err < 0) {
		sfa_index_free(ix);
		return err;
	}
	*out = ix;
	return 0;
}

static void nameset_clear(struct nameset *s)
{
	for (size_t i = 0; i < NAMESET_SIZE; i++) {
		free(s->names[i]);
		s->names[i] = NULL;
	}
	s->n = 0;
}

/* Past this the WAL is folded into the database when the index is closed. */
#define WAL_FOLD_BYTES (16 << 20)

/*
 * A bulk write leaves a WAL as large as the rows it added, and every later
 * command would read it through; fold it in and truncate it once.
 */
static void fold_wal(struct sfa_index *ix)
{
	struct sfa_buf wal = SFA_BUF_INIT;
	struct stat st;
	sfa_buf_addf(&wal, "%s-wal", ix->path);
	if (stat(wal.buf, &st) == 0 && st.st_size > WAL_FOLD_BYTES)
		sqlite3_wal_checkpoint_v2(ix->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sfa_buf_release(&wal);
}

void sfa_index_free(struct sfa_index *ix)
{
	if (!ix)
		return;
	if (ix->db)
		fold_wal(ix);
	finalize_all(ix);
	sqlite3_close(ix->db);
	nameset_clear(&ix->seen);
	sfa_buf_release(&ix->text);
	free(ix->deferred);
	free(ix->path);
	free(ix);
}

int sfa_index_commit(struct sfa_index *ix, git_oid *out)
{
	struct sfa_buf v = SFA_BUF_INIT;
	int err = get_meta(ix, "commit", &v);
	if (!err && git_oid_fromstr(out, v.buf) < 0)
		err = sfa_error_set(SFA_ESTORE, "index '%s': bad commit '%s'", ix->path, v.buf);
	sfa_buf_release(&v);
	return err;
}

/* The number the next indexed commit gets. */
static int next_seq(struct sfa_index *ix)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(ix->db, "SELECT coalesce(max(seq), 0) + 1 FROM commits", -1, &st, NULL) != SQLITE_OK)
		return db_error(ix, "cannot read commits");
	rc = sqlite3_step(st);
	ix->seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_error(ix, "cannot read commits");
}

int sfa_index_begin(struct sfa_index *ix)
{
	int err;
	nameset_clear(&ix->seen);
	if ((err = exec(ix, "BEGIN IMMEDIATE")) < 0)
		return err;
	if ((err = next_seq(ix)) < 0)
		sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

static int flush_names(struct sfa_index *ix)
{
	for (size_t i = 0; i < NAMESET_SIZE; i++) {
		char *n = ix->seen.names[i], *colon;
		int rc;
		if (!n)
			continue;
		colon = strchr(n, ':');
		sqlite3_bind_text(ix->addfield, 1, n, (int)(colon - n), SQLITE_STATIC);
		sqlite3_bind_text(ix->addfield, 2, colon + 1, -1, SQLITE_STATIC);
		rc = sqlite3_step(ix->addfield);
		sqlite3_reset(ix->addfield);
		if (rc != SQLITE_DONE)
			return db_error(ix, "cannot record field names");
	}
	nameset_clear(&ix->seen);
	return 0;
}

int sfa_index_end(struct sfa_index *ix, int commit)
{
	int err = 0, forgot = ix->forgetting;
	ix->bulk = 0;
	ix->forgetting = 0;
	if (commit && (err = flush_deals(ix)) == 0 && (err = flush_names(ix)) == 0 && (err = flush_keys(ix)) == 0 &&
	    (!forgot || (err = flush_forget(ix)) == 0) && (err = exec(ix, "COMMIT")) == 0) {
		/*
		 * The write-ahead log still holds pages of the versions before
		 * they were scrubbed: fold it in and cut it off (best effort, a
		 * reader may hold it; the next scrub tries again).
		 */
		if (forgot)
			sqlite3_wal_checkpoint_v2(ix->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		return 0;
	}
	ix->staged = 0;
	ix->ndeferred = 0;
	nameset_clear(&ix->seen);
	sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

int sfa_index_set_commit(struct sfa_index *ix, const git_oid *commit, long long time)
{
	char hex[GIT_OID_HEXSZ + 1];
	int err;
	if ((err = flush_deals(ix)) < 0)
		return err;
	git_oid_tostr(hex, sizeof(hex), commit);
	sqlite3_bind_int64(ix->addcommit, 1, ix->seq);
	sqlite3_bind_blob(ix->addcommit, 2, commit->id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_int64(ix->addcommit, 3, time);
	if ((err = step_done(ix, ix->addcommit, "cannot record commit")) < 0)
		return err;
	ix->seq++;	/* a walk over several commits goes on with the next */
	return set_meta(ix, "commit", hex);
}

static unsigned long hash_name(const char *type, const char *name)
{
	unsigned long h = 5381;
	for (; *type; type++)
		h = h * 33 + (unsigned char)*type;
	for (; *name; name++)
		h = h * 33 + (unsigned char)*name;
	return h;
}

/* Remembers a field name for the fields table; cheap for names already seen. */
static int note_name(struct sfa_index *ix, const char *type, const char *name)
{
	size_t tl = strlen(type), i = hash_name(type, name) & (NAMESET_SIZE - 1);
	char *e;

	while ((e = ix->seen.names[i])) {
		if (!strncmp(e, type, tl) && e[tl] == ':' && !strcmp(e + tl + 1, name))
			return 0;
		i = (i + 1) & (NAMESET_SIZE - 1);
	}
	if (ix->seen.n >= NAMESET_SIZE / 2) {
		int err = flush_names(ix);
		if (err < 0)
			return err;
		i = hash_name(type, name) & (NAMESET_SIZE - 1);
	}
	struct sfa_buf b = SFA_BUF_INIT;
	sfa_buf_addf(&b, "%s:%s", type, name);
	ix->seen.names[i] = sfa_buf_detach(&b, NULL);
	ix->seen.n++;
	return 0;
}

static int step_done(struct sfa_index *ix, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_error(ix, what);
}

/* Moves staged match keys into place, in key order. */
static int flush_keys(struct sfa_index *ix)
{
	if (!ix->staged)
		return 0;
	ix->staged = 0;
	return exec(ix, "INSERT INTO keys(kind, key, rid) SELECT kind, key, rid FROM temp.keys_stage ORDER BY kind, key;"
		    " DELETE FROM temp.keys_stage;");
}

void sfa_index_bulk(struct sfa_index *ix, int on)
{
	ix->bulk = on;
}

struct key_row {
	struct sfa_index *ix;
	sqlite3_int64 rid;
};

static int put_key(const char *kind, const struct sfa_buf *key, void *data)
{
	const struct key_row *row = data;
	struct sfa_index *ix = row->ix;
	sqlite3_stmt *st = ix->bulk ? ix->stagekey : ix->addkey;

	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key->buf, (int)key->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, row->rid);
	ix->staged |= ix->bulk;
	return step_done(ix, st, "cannot write match key");
}

/*
 * The rows derived from a record: its match keys (sfa_dupes_keys), its
 * references to other records, and its text for full-text search.
 */
static int put_derived(struct sfa_index *ix, const struct sfa_type *t, const json_t *rec, sqlite3_int64 rid)
{
	struct key_row row = { ix, rid };
	const char *k;
	json_t *v;
	int err;

	if ((err = sfa_dupes_keys(t, rec, put_key, &row)) < 0)
		return err;
	json_object_foreach((json_t *)rec, k, v) {
		if (!json_is_string(v) || !strcmp(k, "id") || !sfa_id_valid(json_string_value(v), json_string_length(v)))
			continue;
		sqlite3_bind_text(ix->addref, 1, json_string_value(v), -1, SQLITE_STATIC);
		sqlite3_bind_text(ix->addref, 2, k, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ix->addref, 3, rid);
		if ((err = step_done(ix, ix->addref, "cannot write reference")) < 0)
			return err;
	}
	sfa_buf_reset(&ix->text);
	for (size_t i = 0; t->search[i]; i++) {
		const char *s = sfa_record_text(rec, t->search[i]);
		if (s)
			sfa_buf_addf(&ix->text, "%s%s", ix->text.len ? "\n" : "", s);
	}
	if (!ix->text.len)
		return 0;
	sqlite3_bind_int64(ix->addsearch, 1, rid);
	sqlite3_bind_text(ix->addsearch, 2, ix->text.buf, (int)ix->text.len, SQLITE_STATIC);
	return step_done(ix, ix->addsearch, "cannot write search text");
}

static int is_deal(const struct sfa_type *t)
{
	return !strcmp(t->name, DEAL_TYPE);
}

static int del_derived(struct sfa_index *ix, const struct sfa_type *t, sqlite3_int64 rid)
{
	sqlite3_stmt *st[] = { ix->delkeys, ix->delrefs, ix->delsearch, ix->deldeal, ix->delhist, ix->delstage };
	int err;
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		if ((st[i] == ix->delstage && !ix->staged) || ((st[i] == ix->deldeal || st[i] == ix->delhist) && !is_deal(t)))
			continue;
		sqlite3_bind_int64(st[i], 1, rid);
		if ((err = step_done(ix, st[i], "cannot delete derived rows")) < 0)
			return err;
	}
	return 0;
}

/* The current version of row `rid` becomes history, valid until this commit. */
static int keep_version(struct sfa_index *ix, const struct sfa_type *t, sqlite3_int64 rid)
{
	sqlite3_stmt *st[] = { ix->keepdeal, ix->keephist };
	sqlite3_int64 vid;
	int err;

	sqlite3_bind_int64(ix->keep, 1, rid);
	sqlite3_bind_int64(ix->keep, 2, ix->seq);
	if ((err = step_done(ix, ix->keep, "cannot keep record version")) < 0 || !is_deal(t) ||
	    sqlite3_changes(ix->db) == 0)
		return err;
	vid = sqlite3_last_insert_rowid(ix->db);
	for (size_t i = 0; i < 2; i++) {
		sqlite3_bind_int64(st[i], 1, rid);
		sqlite3_bind_int64(st[i], 2, ix->seq);
		sqlite3_bind_int64(st[i], 3, vid);
		if ((err = step_done(ix, st[i], "cannot keep deal version")) < 0)
			return err;
	}
	return 0;
}

enum { DEAL_ROW = 1, DEAL_HISTORY = 2 };

/* Appends `n` bytes of a name, a tab, newline or backslash in it escaped. */
static void add_move_name(struct sfa_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\\')
			sfa_buf_addf(out, "\\%c", s[i] == '\t' ? 't' : s[i] == '\n' ? 'n' : '\\');
		else
			sfa_buf_addch(out, s[i]);
}

/*
 * Appends the moves (SFA_INDEX_MOVES) of a stage history, `h` a span of
 * its JSON; 0, or -1 when it is no list (no moves at all, NULL). `name`
 * is scratch.
 */
static int add_moves(struct sfa_buf *out, const struct sfa_jspan *h, struct sfa_buf *name)
{
	static const char *const names[] = { "to", "from", "at" };
	const char *pos = h->p, *end = h->p + h->len;
	struct sfa_jspan e, v[3];

	if (h->kind != SFA_J_ARRAY)
		return -1;
	while (sfa_jscan_next(&pos, end, &e) == 1) {
		time_t at;
		if (e.kind != SFA_J_OBJECT || sfa_jscan_object(e.p, e.len, names, 3, v) < 0 ||
		    v[0].kind != SFA_J_STRING || v[2].kind != SFA_J_STRING)
			continue;
		sfa_buf_reset(name);
		sfa_jscan_text(name, &v[2]);
		if (sfa_time_parse(&at, name->buf) < 0)
			continue;
		sfa_buf_addf(out, "%lld\t", (long long)at);
		sfa_buf_reset(name);
		sfa_jscan_text(name, &v[0]);
		add_move_name(out, name->buf, name->len);
		sfa_buf_addch(out, '\t');
		if (v[1].kind == SFA_J_STRING) {
			sfa_buf_reset(name);
			sfa_jscan_text(name, &v[1]);
			add_move_name(out, name->buf, name->len);
		}
		sfa_buf_addch(out, '\n');
	}
	return 0;
}

/* The deals table's row of record `rid` (see deal_fields), its history, or both (`parts`), from its body. */
static int put_deal(struct sfa_index *ix, sqlite3_int64 rid, const char *id, const char *body, size_t len,
		    int parts)
{
	const char *names[NDEAL_FIELDS];
	struct sfa_jspan v[NDEAL_FIELDS];
	size_t at[NDEAL_FIELDS + 1];
	struct sfa_buf name = SFA_BUF_INIT;
	int err = 0, moves;

	memcpy(names, deal_fields, sizeof(names));
	names[NDEAL_COLUMNS] = SFA_INDEX_MOVES_OF;
	if (sfa_jscan_object(body, len, names, NDEAL_FIELDS, v) < 0)
		return sfa_error_set(SFA_EINPUT, "%s %s: not a JSON object", DEAL_TYPE, id);
	sfa_buf_reset(&ix->text);
	for (size_t i = 0; i < NDEAL_COLUMNS && (parts & DEAL_ROW); i++) {
		at[i] = ix->text.len;
		sfa_jscan_text(&ix->text, &v[i]);
	}
	at[NDEAL_COLUMNS] = ix->text.len;
	moves = parts & DEAL_HISTORY ? add_moves(&ix->text, &v[NDEAL_COLUMNS], &name) : -1;
	at[NDEAL_FIELDS] = ix->text.len;
	sfa_buf_release(&name);
	sqlite3_bind_int64(ix->putdeal, 1, rid);
	sqlite3_bind_int64(ix->putdeal, 2, ix->seq);
	for (size_t i = 0; i < NDEAL_COLUMNS && (parts & DEAL_ROW); i++) {
		int col = (int)i + 3;
		/* as the records table's own columns hold them: the id written, created_at only as text */
		if (!strcmp(deal_fields[i], "id"))
			sqlite3_bind_text(ix->putdeal, col, id, -1, SQLITE_STATIC);
		else if (v[i].kind == SFA_J_NONE || v[i].kind == SFA_J_NULL ||
			 (is_plain_column(deal_fields[i]) && v[i].kind != SFA_J_STRING))
			sqlite3_bind_null(ix->putdeal, col);
		else
			sqlite3_bind_text(ix->putdeal, col, ix->text.buf + at[i], (int)(at[i + 1] - at[i]), SQLITE_STATIC);
	}
	if (((parts & DEAL_ROW) && (err = step_done(ix, ix->putdeal, "cannot write deal")) < 0) ||
	    !(parts & DEAL_HISTORY) || moves < 0)
		return err;
	sqlite3_bind_int64(ix->puthist, 1, rid);
	sqlite3_bind_text(ix->puthist, 2, ix->text.buf + at[NDEAL_COLUMNS], (int)(at[NDEAL_FIELDS] - at[NDEAL_COLUMNS]),
			  SQLITE_STATIC);
	return step_done(ix, ix->puthist, "cannot write stage history");
}

static int cmp_rowid(const void *a, const void *b)
{
	sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;
	return (x > y) - (x < y);
}

/*
 * The deals rows of the records a bulk write put in this commit, at its
 * end: written in key order, all the rows, then all the histories, they
 * fill pages one after the other. Written with each record, they would
 * be spread one a page among the records' pages, and a report reading a
 * million deals would read half the index file to find them.
 */
static int flush_deals(struct sfa_index *ix)
{
	int err = 0;

	if (!ix->ndeferred)
		return 0;
	qsort(ix->deferred, ix->ndeferred, sizeof(*ix->deferred), cmp_rowid);
	for (int part = DEAL_ROW; part <= DEAL_HISTORY && !err; part++)
		for (size_t i = 0; i < ix->ndeferred && !err; i++) {
			int rc;
			if (i && ix->deferred[i] == ix->deferred[i - 1])
				continue;	/* put twice in the commit */
			sqlite3_bind_int64(ix->getbody, 1, ix->deferred[i]);
			if ((rc = sqlite3_step(ix->getbody)) == SQLITE_ROW)
				err = put_deal(ix, ix->deferred[i], (const char *)sqlite3_column_text(ix->getbody, 0),
					       (const char *)sqlite3_column_text(ix->getbody, 1),
					       (size_t)sqlite3_column_bytes(ix->getbody, 1), part);
			else if (rc != SQLITE_DONE)	/* none: deleted again in the commit */
				err = db_error(ix, "cannot read record");
			sqlite3_reset(ix->getbody);
		}
	ix->ndeferred = 0;
	return err;
}

int sfa_index_put(struct sfa_index *ix, const struct sfa_type *t, const char *id,
		  const git_oid *blob, const char *body, size_t len)
{
	sqlite3_int64 rid;
	json_t *rec = NULL, *v;
	const char *k;
	int rc, err = 0;

	/* a record already there: its derived rows go first */
	sqlite3_bind_text(ix->rowid, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->rowid, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(ix->rowid);
	rid = rc == SQLITE_ROW ? sqlite3_column_int64(ix->rowid, 0) : 0;
	sqlite3_reset(ix->rowid);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(ix, "cannot look up record");
	if (rc == SQLITE_ROW && ((err = keep_version(ix, t, rid)) < 0 || (err = del_derived(ix, t, rid)) < 0))
		return err;
	sqlite3_bind_text(ix->put, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->put, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(ix->put, 3, blob->id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_text(ix->put, 4, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(ix->put, 5, ix->seq);
	rc = sqlite3_step(ix->put);
	rid = sqlite3_column_int64(ix->put, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(ix->put);
	sqlite3_reset(ix->put);
	if (rc != SQLITE_DONE)
		return db_error(ix, "cannot write record");
	if (is_deal(t) && ix->bulk) {
		SFA_ALLOC_GROW(ix->deferred, ix->ndeferred + 1, ix->adeferred);
		ix->deferred[ix->ndeferred++] = rid;
	} else if (is_deal(t) && (err = put_deal(ix, rid, id, body, len, DEAL_ROW | DEAL_HISTORY)) < 0) {
		return err;
	}
	/* the INSERT's JSON functions have refused a malformed body already */
	if ((err = sfa_record_decode(&rec, body, len)) < 0)
		return err;
	json_object_foreach(rec, k, v)
		if ((err = note_name(ix, t->name, k)) < 0)
			break;
	if (!err)
		err = put_derived(ix, t, rec, rid);
	json_decref(rec);
	return err;
}

int sfa_index_del(struct sfa_index *ix, const struct sfa_type *t, const char *id)
{
	sqlite3_int64 rid = 0;
	int rc, err;

	sqlite3_bind_text(ix->rowid, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->rowid, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(ix->rowid);
	if (rc == SQLITE_ROW)
		rid = sqlite3_column_int64(ix->rowid, 0);
	sqlite3_reset(ix->rowid);
	if (rc == SQLITE_ROW && ((err = keep_version(ix, t, rid)) < 0 || (err = del_derived(ix, t, rid)) < 0))
		return err;
	sqlite3_bind_text(ix->del, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->del, 2, id, -1, SQLITE_STATIC);
	return step_done(ix, ix->del, "cannot delete record");
}

/* Stages one record whose past versions lose `fields` (a JSON array as text). */
static int stage_forget(struct sfa_index *ix, const char *type, const char *id, const char *fields)
{
	int err;
	/*
	 * From now on what SQLite frees is overwritten with zeros, so the
	 * rows the scrub replaces do not linger in free space.
	 */
	if (!ix->forgetting && (err = exec(ix, "PRAGMA secure_delete = ON")) < 0)
		return err;
	sqlite3_bind_text(ix->stageforget, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->stageforget, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->stageforget, 3, fields, -1, SQLITE_STATIC);
	if ((err = step_done(ix, ix->stageforget, "cannot stage a forgotten record")) < 0)
		return err;
	ix->forgetting = 1;
	return 0;
}

int sfa_index_forget(struct sfa_index *ix, const struct sfa_type *t, const char *id, const json_t *fields)
{
	char *text;
	int err;

	if (!json_is_array(fields))
		return sfa_error_set(SFA_EUSAGE, "forgetting %s %s: no list of fields", t->name, id);
	text = json_dumps(fields, JSON_COMPACT);
	err = stage_forget(ix, t->name, id, text);
	free(text);
	return err;
}

/*
 * Scrubs the versions of the staged records, then the full-text index:
 * its segments keep the words of deleted rows until they are merged.
 */
static int flush_forget(struct sfa_index *ix)
{
	struct sfa_buf sql = SFA_BUF_INIT;
	int err;
	/* the kept deals lose what their bodies lose */
	sfa_buf_addstr(&sql, "CREATE TEMP TABLE forget_deals AS SELECT -v.rowid AS k, f.fields FROM versions v"
		       " JOIN temp.forget_stage f ON v.type = f.type AND v.id = f.id WHERE v.type = '" DEAL_TYPE "';"
		       " UPDATE deals SET ");
	for (size_t i = 0; i < NDEAL_COLUMNS; i++)
		sfa_buf_addf(&sql, "%s%s = CASE WHEN EXISTS (SELECT 1 FROM json_each(f.fields) WHERE value = '%s')"
			     " THEN NULL ELSE %s END", i ? ", " : "", deal_fields[i], deal_fields[i], deal_fields[i]);
	sfa_buf_addf(&sql, " FROM temp.forget_deals f WHERE deals.k = f.k;"
		     " DELETE FROM deal_history WHERE k IN (SELECT k FROM temp.forget_deals f"
		     " WHERE EXISTS (SELECT 1 FROM json_each(f.fields) WHERE value = '%s'));"
		     " DROP TABLE temp.forget_deals;", SFA_INDEX_MOVES_OF);
	err = exec(ix, sql.buf);
	sfa_buf_release(&sql);
	return err < 0 ? err :
	       exec(ix, "UPDATE versions SET body = sfa_scrub(versions.body, f.fields)"
		    " FROM temp.forget_stage AS f WHERE versions.type = f.type AND versions.id = f.id;"
		    " INSERT INTO search(search) VALUES('optimize');"
		    " DELETE FROM temp.forget_stage;");
}

/* Runs a two-parameter lookup; on a row calls `take` on column 0. */
static int lookup(struct sfa_index *ix, sqlite3_stmt *st, const char *a, const char *b,
		  int (*take)(sqlite3_stmt *st, void *out), void *out)
{
	int rc, err;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = take ? take(st, out) : 0;
	else if (rc == SQLITE_DONE)
		err = SFA_ENOTFOUND;
	else
		err = db_error(ix, "cannot query");
	sqlite3_reset(st);
	return err;
}

static int take_oid(sqlite3_stmt *st, void *out)
{
	if (sqlite3_column_bytes(st, 0) != GIT_OID_RAWSZ)
		return sfa_error_set(SFA_ESTORE, "index: bad object id");
	git_oid_fromraw(out, sqlite3_column_blob(st, 0));
	return 0;
}

static int take_record(sqlite3_stmt *st, void *out)
{
	return sfa_record_decode(out, (const char *)sqlite3_column_text(st, 0),
				 (size_t)sqlite3_column_bytes(st, 0));
}

static int take_id(sqlite3_stmt *st, void *out)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	if (!id || !sfa_id_valid(id, strlen(id)))
		return sfa_error_set(SFA_ESTORE, "index: bad id");
	memcpy(out, id, SFA_ID_LEN + 1);
	return 0;
}

int sfa_index_oid(struct sfa_index *ix, const struct sfa_type *t, const char *id, git_oid *out)
{
	return lookup(ix, ix->oid, t->name, id, take_oid, out);
}

int sfa_index_get(struct sfa_index *ix, const struct sfa_type *t, const char *id, json_t **out)
{
	return lookup(ix, ix->get, t->name, id, take_record, out);
}

int sfa_index_by_external(struct sfa_index *ix, const struct sfa_type *t, const char *ext,
			  char out[SFA_ID_LEN + 1])
{
	return lookup(ix, ix->ext, t->name, ext, take_id, out);
}

int sfa_index_field_known(struct sfa_index *ix, const struct sfa_type *t, const char *name)
{
	for (size_t i = 0; t->columns[i]; i++)
		if (!strcmp(t->columns[i], name))
			return 1;
	return lookup(ix, ix->field, t->name, name, NULL, NULL) == 0;
}

int sfa_index_resolve(struct sfa_index *ix, const struct sfa_type *t, const char *prefix,
		      char out[SFA_ID_LEN + 1])
{
	struct sfa_buf candidates = SFA_BUF_INIT;
	char hi[SFA_ID_LEN + 2];
	int rc, n = 0, err = 0;

	/* Every id with the prefix sorts in [prefix, prefix + "\x7f"). */
	snprintf(hi, sizeof(hi), "%s\x7f", prefix);
	sqlite3_bind_text(ix->resolve, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->resolve, 2, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->resolve, 3, hi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(ix->resolve)) == SQLITE_ROW) {
		if (n++ == 0)
			err = take_id(ix->resolve, out);
		/* the user picks from the candidates: name five */
		if (n <= 5)
			sfa_buf_addf(&candidates, "%s%s", n > 1 ? ", " : "", sqlite3_column_text(ix->resolve, 0));
		else
			sfa_buf_addstr(&candidates, ", ...");
	}
	if (rc != SQLITE_DONE)
		err = db_error(ix, "cannot query");
	sqlite3_reset(ix->resolve);
	if (!err && n == 0)
		err = sfa_error_set(SFA_ENOTFOUND, "no %s '%s'", t->name, prefix);
	else if (!err && n > 1)
		err = sfa_error_set(SFA_EAMBIGUOUS, "%s id prefix '%s' is ambiguous: %s", t->name, prefix, candidates.buf);
	sfa_buf_release(&candidates);
	return err;
}

int sfa_index_fields(struct sfa_index *ix, const struct sfa_type *t, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int rc, err = 0;

	if ((err = prepare(ix, &st, "SELECT name FROM fields WHERE type = ?1 ORDER BY name")) < 0) {
		json_decref(arr);
		return err;
	}
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_string((const char *)sqlite3_column_text(st, 0)));
	if (rc != SQLITE_DONE)
		err = db_error(ix, "cannot list fields");
	sqlite3_finalize(st);
	if (err < 0)
		json_decref(arr);
	else
		*out = arr;
	return err;
}

/*
 * Fields with an index on their value: a query must name them with the
 * very expression of the index (a constant path, not a bound one) for
 * SQLite to use it. Their values are text, compared as such.
 */
static const char *indexed_expr(const char *field)
{
	static const char *const fields[][2] = {
		{ "owner", "(r.body ->> '$.owner')" },
		{ "due_at", "(r.body ->> '$.due_at')" },
		{ "stage", "(r.body ->> '$.stage')" },
		{ "last_activity_at", "(r.body ->> '$.last_activity_at')" },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i][0], field))
			return fields[i][1];
	return NULL;
}

/* SQL for the value of `field` of the record row: its own column, an indexed value, or from the body. */
static void field_sql(struct sfa_buf *sql, const char *field, int param, int as_text)
{
	if (!strcmp(field, "id") || !strcmp(field, "external_id") || !strcmp(field, "created_at"))
		sfa_buf_addf(sql, "r.%s", field);
	else if (indexed_expr(field))
		sfa_buf_addstr(sql, indexed_expr(field));
	else	/* `->` gives the JSON ('"new"', '5', 'true'); `->>` the SQL value */
		sfa_buf_addf(sql, "(r.body %s ?%d)", as_text ? "->>" : "->", param);
}

/* A field kept in a column of its own. */
static int is_plain_column(const char *field)
{
	return !strcmp(field, "id") || !strcmp(field, "external_id") || !strcmp(field, "created_at");
}

/* A field read as plain text without a bound path: a column or an indexed value. */
static int is_column(const char *field)
{
	return !strcmp(field, "id") || !strcmp(field, "external_id") || !strcmp(field, "created_at") ||
	       indexed_expr(field);
}

/* Appends one condition; `*param` is the next free parameter number. */
static void cond_sql(struct sfa_buf *sql, const struct sfa_cond *c, int *param)
{
	int p = (*param)++;	/* the field's JSON path */
	static const char *const cmp_ops[] = { "=", "<>", "<", "<=", ">", ">=" };

	sfa_buf_addstr(sql, " AND ");
	switch (c->op) {
	case SFA_OP_EQ:
	case SFA_OP_NE:
	case SFA_OP_IN:
		if (c->op == SFA_OP_NE) {
			field_sql(sql, c->field, p, 0);
			sfa_buf_addstr(sql, " IS NULL OR NOT ");
		}
		sfa_buf_addch(sql, '(');
		field_sql(sql, c->field, p, 0);
		sfa_buf_addstr(sql, " IN (");
		for (size_t i = 0; i < c->nvalues; i++)
			sfa_buf_addf(sql, "%s?%d", i ? ", " : "", (*param)++);
		sfa_buf_addstr(sql, "))");
		if (c->op == SFA_OP_NE) {	/* wrap the OR */
			struct sfa_buf tmp = SFA_BUF_INIT;
			size_t start = sql->len;
			while (start > 0 && strncmp(sql->buf + start, " AND ", 5))
				start--;
			sfa_buf_add(&tmp, sql->buf + start + 5, sql->len - start - 5);
			sfa_buf_setlen(sql, start + 5);
			sfa_buf_addf(sql, "(%s)", tmp.buf);
			sfa_buf_release(&tmp);
		}
		break;
	case SFA_OP_LT:
	case SFA_OP_LE:
	case SFA_OP_GT:
	case SFA_OP_GE:
		if (c->cmp == SFA_CMP_MONEY) {	/* the amount before the currency */
			sfa_buf_addstr(sql, "CAST(");
			field_sql(sql, c->field, p, 1);
			sfa_buf_addf(sql, " AS REAL) %s CAST(?%d AS REAL)", cmp_ops[c->op], (*param)++);
		} else {
			field_sql(sql, c->field, p, 1);
			sfa_buf_addf(sql, " %s ?%d", cmp_ops[c->op], (*param)++);
		}
		break;
	case SFA_OP_CONTAINS:
		sfa_buf_addstr(sql, "sfa_contains(");
		field_sql(sql, c->field, p, 1);
		sfa_buf_addf(sql, ", ?%d)", (*param)++);
		break;
	case SFA_OP_EMPTY:
	case SFA_OP_NOT_EMPTY:
		field_sql(sql, c->field, p, 0);
		sfa_buf_addstr(sql, c->op == SFA_OP_EMPTY ? " IS NULL" : " IS NOT NULL");
		break;
	}
}

static void bind_path(sqlite3_stmt *st, int param, const char *field)
{
	struct sfa_buf path = SFA_BUF_INIT;
	sfa_buf_addf(&path, "$.\"%s\"", field);
	sqlite3_bind_text(st, param, path.buf, (int)path.len, SQLITE_TRANSIENT);
	sfa_buf_release(&path);
}

/*
 * The conditions in the order they go into SQL (and get their
 * parameters): those that must hold, then each alternative's together.
 * `*nalts` is set to the number of alternatives. Caller frees.
 */
static const struct sfa_cond **conds_in_order(const struct sfa_query *q, int *nalts)
{
	const struct sfa_cond **order = sfa_xcalloc(q->nconds + 1, sizeof(*order));
	size_t n = 0;
	int max = 0;

	for (size_t i = 0; i < q->nconds; i++)
		if (q->conds[i].alt > max)
			max = q->conds[i].alt;
	for (int alt = 0; alt <= max; alt++)
		for (size_t i = 0; i < q->nconds; i++)
			if (q->conds[i].alt == alt)
				order[n++] = &q->conds[i];
	*nalts = 0;
	for (size_t i = 0; i < n; i++)
		if (order[i]->alt && (i == 0 || order[i - 1]->alt != order[i]->alt))
			(*nalts)++;
	return order;
}

/*
 * The records a query reads: the current rows, or as of commit number
 * `as_of` the rows valid then, current or kept as history.
 */
static void source_sql(struct sfa_buf *sql, const struct sfa_query *q, int scan)
{
	if (!q->as_of) {
		sfa_buf_addstr(sql, " FROM records r");
		return;
	}
	sfa_buf_addf(sql, " FROM (SELECT type, id, external_id, created_at, body FROM records"
		     " WHERE %stype = ?1 AND seq <= %lld"
		     " UNION ALL SELECT type, id, external_id, created_at, body FROM versions"
		     " WHERE type = ?1 AND to_seq > %lld AND from_seq <= %lld) r",
		     scan ? "+" : "", q->as_of, q->as_of, q->as_of);
}

/*
 * Whether the deals table narrows condition `c` of a query for the deals
 * now: a row there must meet it whenever the record's body does, so that
 * the body need only be read for those rows. The table keeps a string
 * unescaped, as the records' own columns and `->>` give it and as the
 * condition's value (the encoder's JSON, as `->` gives the body's) holds
 * it; a field missing or null is NULL there. So `=` and `in` of strings
 * and `empty` narrow; the other conditions, which values of other types
 * or spellings may meet, do not.
 */
static int narrows(const struct sfa_cond *c)
{
	int f = deal_field(c->field);

	if (c->alt || f < 0 || f >= (int)NDEAL_COLUMNS)
		return 0;
	if (c->op == SFA_OP_EMPTY)
		return 1;
	if (c->op != SFA_OP_EQ && c->op != SFA_OP_IN)
		return 0;
	for (size_t i = 0; i < c->nvalues; i++)
		if (c->values[i][0] != '"')
			return 0;
	return 1;
}

/*
 * Whether query `q` reads its rows through the deals table's narrowing
 * (narrows()): not when an index of the records answers a condition, as
 * for an owner, which is quicker than going through all deals.
 */
static int narrowed(const struct sfa_query *q)
{
	int some = 0;

	if (q->as_of || strcmp(q->type->name, DEAL_TYPE))
		return 0;
	for (size_t i = 0; i < q->nconds; i++) {
		if (!q->conds[i].alt && is_column(q->conds[i].field))
			return 0;
		some |= narrows(&q->conds[i]);
	}
	return some;
}

/*
 * Appends the FROM and WHERE clauses of `q` (parameter 1 is the type,
 * then `*param` on) and returns the conditions in parameter order, for
 * bind_where (caller frees).
 */
static const struct sfa_cond **where_sql(struct sfa_buf *sql, const struct sfa_query *q, int scan, int narrow,
					 int *param)
{
	const struct sfa_cond **order;
	int nalts = 0;

	source_sql(sql, q, scan);
	if (q->match)
		sfa_buf_addf(sql, " JOIN (SELECT rowid, rank FROM search WHERE search MATCH ?%d) s ON s.rowid = r.rowid",
			     (*param)++);
	/* "+": not by an index of the type, see scan_type() */
	sfa_buf_addstr(sql, scan && !q->as_of ? " WHERE +r.type = ?1" : " WHERE r.type = ?1");
	if (q->refers_to)
		sfa_buf_addf(sql, " AND r.rowid IN (SELECT rid FROM refs WHERE target = ?%d)", (*param)++);
	if (q->reader) {
		/* the owner as records_owner_due indexes it */
		sfa_buf_addf(sql, " AND ((r.body ->> '$.owner') = ?%d OR coalesce(r.body ->> '$.territory', '') = ''",
			     (*param)++);
		if (q->reader_territory)
			sfa_buf_addf(sql, " OR (r.body ->> '$.territory') = ?%d", (*param)++);
		sfa_buf_addch(sql, ')');
	}
	order = conds_in_order(q, &nalts);
	for (size_t i = 0; i < q->nconds; i++) {
		int alt = order[i]->alt;
		struct sfa_buf one = SFA_BUF_INIT;
		cond_sql(&one, order[i], param);	/* " AND cond" */
		if (alt && (i == 0 || order[i - 1]->alt != alt))	/* the first of an alternative */
			sfa_buf_addf(sql, "%s%s", i == 0 || !order[i - 1]->alt ? " AND ((" : ") OR (", one.buf + 5);
		else
			sfa_buf_addstr(sql, one.buf);
		if (alt && i + 1 == q->nconds)
			sfa_buf_addstr(sql, "))");
		sfa_buf_release(&one);
	}
	if (q->or_block && !nalts)
		sfa_buf_addstr(sql, " AND 0");	/* an empty OR block: nothing */
	/*
	 * The bodies of the deals the narrow table rules out are not read:
	 * with a filter on one field of six values, a sixth of them.
	 */
	if (narrow) {
		sfa_buf_addstr(sql, " AND r.rowid IN (SELECT k FROM deals WHERE k > 0");
		for (size_t i = 0; i < q->nconds; i++) {
			if (!narrows(order[i]))
				continue;
			sfa_buf_addf(sql, " AND %s %s", order[i]->field, order[i]->op == SFA_OP_EMPTY ? "IS NULL" : "IN (");
			for (size_t j = 0; order[i]->op != SFA_OP_EMPTY && j < order[i]->nvalues; j++)
				sfa_buf_addf(sql, "%s?%d", j ? ", " : "", (*param)++);
			if (order[i]->op != SFA_OP_EMPTY)
				sfa_buf_addch(sql, ')');
		}
		sfa_buf_addch(sql, ')');
	}
	return order;
}

/* ORDER BY and LIMIT; parameters from `*param`. */
static void order_sql(struct sfa_buf *sql, const struct sfa_query *q, int *param)
{
	if (q->unordered && !q->nsort && !q->match) {
		sfa_buf_addf(sql, " LIMIT ?%d", *param);
		return;
	}
	sfa_buf_addstr(sql, " ORDER BY ");
	for (size_t i = 0; i < q->nsort; i++) {
		/* records without the field last, whichever the direction */
		field_sql(sql, q->sort[i].field, *param, 1);
		sfa_buf_addstr(sql, " IS NULL, ");
		field_sql(sql, q->sort[i].field, (*param)++, 1);
		sfa_buf_addstr(sql, q->sort[i].desc ? " DESC, " : ", ");
	}
	sfa_buf_addf(sql, "%sr.created_at, r.id LIMIT ?%d", q->match && !q->nsort ? "s.rank, " : "", *param);
}

/* Binds what where_sql and order_sql numbered, in the same order. */
static void bind_query(sqlite3_stmt *st, const struct sfa_query *q, const struct sfa_cond **order, int narrow,
		       int param)
{
	sqlite3_bind_text(st, 1, q->type->name, -1, SQLITE_STATIC);
	if (q->match)
		sqlite3_bind_text(st, param++, q->match, -1, SQLITE_STATIC);
	if (q->refers_to)
		sqlite3_bind_text(st, param++, q->refers_to, -1, SQLITE_STATIC);
	if (q->reader) {
		sqlite3_bind_text(st, param++, q->reader, -1, SQLITE_STATIC);
		if (q->reader_territory)
			sqlite3_bind_text(st, param++, q->reader_territory, -1, SQLITE_STATIC);
	}
	for (size_t i = 0; i < q->nconds; i++) {
		const struct sfa_cond *c = order[i];
		if (!is_column(c->field))
			bind_path(st, param, c->field);
		param++;
		if (c->op == SFA_OP_EMPTY || c->op == SFA_OP_NOT_EMPTY)
			continue;
		for (size_t j = 0; j < c->nvalues; j++, param++) {
			const char *v = c->values[j];
			/* A column holds plain text, the body JSON: compare like with like. */
			if (is_column(c->field) && (c->op == SFA_OP_EQ || c->op == SFA_OP_NE || c->op == SFA_OP_IN)) {
				json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
				sqlite3_bind_text(st, param, json_is_string(j) ? json_string_value(j) : v, -1, SQLITE_TRANSIENT);
				json_decref(j);
			} else if (c->cmp == SFA_CMP_NUMBER && c->op >= SFA_OP_LT && c->op <= SFA_OP_GE) {
				/* only <, >: `->>` gives an SQL number there; = and in compare the JSON text */
				char *end;
				long long num = strtoll(v, &end, 10);
				if (!*end)
					sqlite3_bind_int64(st, param, num);
				else
					sqlite3_bind_text(st, param, v, -1, SQLITE_STATIC);
			} else {
				sqlite3_bind_text(st, param, v, -1, SQLITE_STATIC);
			}
		}
	}
	for (size_t i = 0; narrow && i < q->nconds; i++)
		for (size_t j = 0; narrows(order[i]) && j < order[i]->nvalues; j++) {
			json_t *v = json_loads(order[i]->values[j], JSON_DECODE_ANY, NULL);
			sqlite3_bind_text(st, param++, json_string_value(v), -1, SQLITE_TRANSIENT);
			json_decref(v);
		}
	for (size_t i = 0; i < q->nsort; i++)
		if (!is_column(q->sort[i].field))
			bind_path(st, param++, q->sort[i].field);
		else
			param++;
	sqlite3_bind_int64(st, param, q->limit);	/* negative: no limit */
}

/*
 * Whether `q` had better read the whole table in rowid order than look
 * each record of its type up from an index: for a query in any order
 * (a report) that no other index narrows, when the type holds a quarter
 * of the records or more. The lookups go to the table's pages in the
 * index's order, over and over; measured on 200,000 deals, reading the
 * table was three times as fast per record.
 */
static int scan_type(struct sfa_index *ix, const struct sfa_query *q)
{
	sqlite3_stmt *st = NULL;
	int scan = 0;

	if (!q->unordered || q->nsort || q->match || q->refers_to)
		return 0;
	for (size_t i = 0; i < q->nconds; i++)
		if (is_column(q->conds[i].field))
			return 0;	/* the planner's choice */
	if (sqlite3_prepare_v2(ix->db, "SELECT (SELECT count(*) FROM records WHERE type = ?1),"
				       " (SELECT max(rowid) FROM records)", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, q->type->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		scan = 4 * sqlite3_column_int64(st, 0) >= sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return scan;
}

/* Prepares the whole statement of `q` selecting `what` (an SQL list over r). */
static int query_stmt(struct sfa_index *ix, const struct sfa_query *q, const char *what, sqlite3_stmt **st)
{
	const struct sfa_cond **order;
	struct sfa_buf sql = SFA_BUF_INIT;
	int err, param = 2, narrow;

	if (q->as_of && (q->match || q->refers_to))
		return sfa_error_set(SFA_EUSAGE, "search and references are about the records now, not as of a date");
	sfa_buf_addf(&sql, "SELECT %s", what);
	/* not while a bulk write's deals wait for their rows (flush_deals) */
	narrow = !ix->ndeferred && narrowed(q);
	order = where_sql(&sql, q, scan_type(ix, q), narrow, &param);
	order_sql(&sql, q, &param);
	if ((err = prepare(ix, st, sql.buf)) == 0)
		bind_query(*st, q, order, narrow, 2);
	free(order);
	sfa_buf_release(&sql);
	return err;
}

long sfa_index_list(struct sfa_index *ix, const struct sfa_query *q,
		    int (*fn)(const json_t *rec, void *data), void *data)
{
	sqlite3_stmt *st = NULL;
	long n = 0;
	int rc, err;

	/* Bare ids need no body: no JSON to read and parse per row. */
	if ((err = query_stmt(ix, q, q->ids_only ? "r.id" : "r.body", &st)) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec;
		if (q->ids_only) {
			rec = json_object();
			json_object_set_new(rec, "id", json_string((const char *)sqlite3_column_text(st, 0)));
		} else if ((err = take_record(st, &rec)) < 0) {
			goto done;
		}
		err = fn(rec, data);
		json_decref(rec);
		if (err < 0)
			goto done;
		n++;
	}
	if (rc != SQLITE_DONE)
		err = db_error(ix, "cannot list records");
done:
	sqlite3_finalize(st);
	return err < 0 ? err : n;
}

/* Whether the deals table answers `q` for `fields`: deals read in any order, no filter but the read rule. */
static int deal_query(const struct sfa_query *q, const char *const *fields)
{
	if (strcmp(q->type->name, DEAL_TYPE) || !q->unordered || q->nconds || q->or_block || q->match ||
	    q->refers_to || q->nsort || q->ids_only)
		return 0;
	for (size_t i = 0; fields[i]; i++)
		if (deal_field(fields[i]) < 0)
			return 0;
	return 1;
}

/*
 * The deals table is read by a thread of its own while the caller's
 * thread takes the rows: SQLite's part and the caller's overlap, on a
 * million deals a third of a report. Rows go over in batches of copies.
 */
#define BATCH_ROWS 1024
#define NBATCHES 4

struct batch {
	struct sfa_buf text;	/* the values, each ended by a NUL */
	size_t *at;		/* per row, per field: where in text, or SIZE_MAX for none */
	size_t n;
	int full, last;
};

struct deal_reader {
	sqlite3_stmt *st, *hist;	/* the rows; deal_history in the same key order, or NULL */
	const int *col;			/* per field: its column in st, or -1 for the history */
	size_t nf;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[NBATCHES];
	int stop;			/* set by the taker: read no further */
	int rc;				/* SQLITE_DONE, or the error that ended the reading */
};

static void *read_deals(void *arg)
{
	struct deal_reader *r = arg;
	sqlite3_int64 hk = INT64_MIN;
	int hrc = SQLITE_ROW, rc = SQLITE_ROW;

	for (size_t next = 0; rc == SQLITE_ROW; next = (next + 1) % NBATCHES) {
		struct batch *b = &r->b[next];
		pthread_mutex_lock(&r->mu);
		while (b->full && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		rc = r->stop ? SQLITE_DONE : SQLITE_ROW;
		pthread_mutex_unlock(&r->mu);
		if (rc != SQLITE_ROW)
			break;
		sfa_buf_reset(&b->text);
		for (b->n = 0; b->n < BATCH_ROWS && (rc = sqlite3_step(r->st)) == SQLITE_ROW; b->n++) {
			sqlite3_int64 k = sqlite3_column_int64(r->st, 0);
			while (r->hist && hrc == SQLITE_ROW && hk < k)
				if ((hrc = sqlite3_step(r->hist)) == SQLITE_ROW)
					hk = sqlite3_column_int64(r->hist, 0);
			for (size_t i = 0; i < r->nf; i++) {
				sqlite3_stmt *from = r->col[i] > 0 ? r->st : hrc == SQLITE_ROW && hk == k ? r->hist : NULL;
				int c = r->col[i] > 0 ? r->col[i] : 1;
				const char *v = from ? (const char *)sqlite3_column_text(from, c) : NULL;
				size_t *at = &b->at[b->n * r->nf + i];
				*at = v ? b->text.len : SIZE_MAX;
				if (v)	/* with the NUL SQLite ends it with */
					sfa_buf_add(&b->text, v, (size_t)sqlite3_column_bytes(from, c) + 1);
			}
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = r->hist && hrc != SQLITE_ROW && hrc != SQLITE_DONE ? hrc : rc;
		pthread_mutex_lock(&r->mu);
		b->full = 1;
		b->last = rc != SQLITE_ROW;
		r->rc = rc;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

/*
 * sfa_index_rows from the deals table: one statement for the rows, and
 * when the history is asked for, a second one over deal_history in the
 * same key order, stepped alongside.
 */
static long deal_rows(struct sfa_index *ix, const struct sfa_query *q, const char *const *fields,
		      int (*fn)(const char *const *values, void *data), void *data)
{
	struct deal_reader r = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .rc = SQLITE_DONE };
	struct sfa_buf sql = SFA_BUF_INIT;
	pthread_t thread;
	size_t nf = 0;
	const char **out;
	int *col, param = 1, err = 0;
	long n = 0;
	/* the rows valid as of commit q->as_of, or the range of the rows now */
	const char *valid = q->as_of ? "from_seq <= ?1 AND coalesce(to_seq, ?1 + 1) > ?1" : "k > 0 AND ?1 = 0";

	while (fields[nf])
		nf++;
	out = sfa_xcalloc(nf + 1, sizeof(*out));
	col = sfa_xcalloc(nf + 1, sizeof(*col));
	for (size_t i = 0; i < NBATCHES; i++) {
		sfa_buf_init(&r.b[i].text, 0);
		r.b[i].at = sfa_xcalloc(BATCH_ROWS * (nf ? nf : 1), sizeof(size_t));
	}
	sfa_buf_addstr(&sql, "SELECT k");
	for (size_t i = 0, c = 1; i < nf; i++) {
		int f = deal_field(fields[i]);
		col[i] = f == (int)NDEAL_COLUMNS ? -1 : (int)c++;
		if (col[i] > 0)
			sfa_buf_addf(&sql, ", %s", deal_fields[f]);
		else if (!r.hist && (err = prepare(ix, &r.hist, q->as_of ?
						   "SELECT k, " SFA_INDEX_MOVES " FROM deal_history ORDER BY k" :
						   "SELECT k, " SFA_INDEX_MOVES " FROM deal_history WHERE k > 0 ORDER BY k")) < 0)
			goto done;
	}
	sfa_buf_addf(&sql, " FROM deals WHERE %s", valid);
	param = 2;
	if (q->reader) {
		sfa_buf_addstr(&sql, " AND (owner = ?2 OR coalesce(territory, '') = ''");
		if (q->reader_territory)
			sfa_buf_addstr(&sql, " OR territory = ?3");
		sfa_buf_addch(&sql, ')');
		param = q->reader_territory ? 4 : 3;
	}
	sfa_buf_addf(&sql, " ORDER BY k LIMIT ?%d", param);
	if ((err = scan_begin(ix)) < 0 || (err = prepare(ix, &r.st, sql.buf)) < 0)
		goto done;
	sqlite3_bind_int64(r.st, 1, q->as_of);
	if (q->reader) {
		sqlite3_bind_text(r.st, 2, q->reader, -1, SQLITE_STATIC);
		if (q->reader_territory)
			sqlite3_bind_text(r.st, 3, q->reader_territory, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(r.st, param, q->limit);
	r.col = col;
	r.nf = nf;
	/* the connection is the reader's until it is joined: `fn` must not use the index */
	if (pthread_create(&thread, NULL, read_deals, &r) != 0) {
		err = sfa_error_set(SFA_ESTORE, "index '%s': cannot start a thread to read deals", ix->path);
		goto done;
	}
	for (size_t next = 0;; next = (next + 1) % NBATCHES) {
		struct batch *b = &r.b[next];
		int last;
		pthread_mutex_lock(&r.mu);
		while (!b->full)
			pthread_cond_wait(&r.cv, &r.mu);
		pthread_mutex_unlock(&r.mu);
		for (size_t row = 0; row < b->n && !err; row++, n++) {
			for (size_t i = 0; i < nf; i++) {
				size_t at = b->at[row * nf + i];
				out[i] = at == SIZE_MAX ? NULL : b->text.buf + at;
			}
			err = fn(out, data);
		}
		pthread_mutex_lock(&r.mu);
		last = b->last;
		b->full = 0;
		r.stop = err < 0;
		pthread_cond_broadcast(&r.cv);
		pthread_mutex_unlock(&r.mu);
		if (last || err < 0)
			break;
	}
	pthread_join(thread, NULL);
	if (err == 0 && r.rc != SQLITE_DONE)
		err = db_error(ix, "cannot read deals");
done:
	sqlite3_finalize(r.st);
	sqlite3_finalize(r.hist);
	scan_end(ix);
	for (size_t i = 0; i < NBATCHES; i++) {
		sfa_buf_release(&r.b[i].text);
		free(r.b[i].at);
	}
	sfa_buf_release(&sql);
	free(out);
	free(col);
	return err < 0 ? err : n;
}

long sfa_index_rows(struct sfa_index *ix, const struct sfa_query *q, const char *const *fields,
		    int (*fn)(const char *const *values, void *data), void *data)
{
	struct sfa_buf what = SFA_BUF_INIT, vals = SFA_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const char **out, **body_names;
	struct sfa_jspan *spans;
	size_t nf = 0, nbody = 0, *at;
	char *plain, *moves;
	struct sfa_buf name = SFA_BUF_INIT;
	long n = 0;
	int rc, err = 0;

	/* the deals table, unless a bulk write's deals wait for their rows (flush_deals) */
	if (!ix->ndeferred && deal_query(q, fields))
		return deal_rows(ix, q, fields, fn, data);
	while (fields[nf])
		nf++;
	out = sfa_xcalloc(nf + 1, sizeof(*out));
	at = sfa_xcalloc(nf + 1, sizeof(*at));
	body_names = sfa_xcalloc(nf + 1, sizeof(*body_names));
	spans = sfa_xcalloc(nf + 1, sizeof(*spans));
	plain = sfa_xcalloc(nf + 1, 1);
	moves = sfa_xcalloc(nf + 1, 1);
	/*
	 * The columns come from SQL, the body's fields from one pass over its
	 * text (sfa_jscan_object): a JSON path per field would have SQLite
	 * parse the body once for each.
	 */
	sfa_buf_addstr(&what, "r.body");
	for (size_t i = 0; i < nf; i++)
		if ((plain[i] = (char)is_plain_column(fields[i])))
			sfa_buf_addf(&what, ", r.%s", fields[i]);
		else if ((moves[i] = (char)!strcmp(fields[i], SFA_INDEX_MOVES)))
			body_names[nbody++] = SFA_INDEX_MOVES_OF;
		else
			body_names[nbody++] = fields[i];
	/* as of a commit, the older versions are looked up here and there: the map serves that better */
	if ((!q->as_of && (err = scan_begin(ix)) < 0) || (err = query_stmt(ix, q, what.buf, &st)) < 0)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 0);
		size_t b = 0;
		int col = 1;
		if (nbody && (err = sfa_jscan_object(body ? body : "", (size_t)sqlite3_column_bytes(st, 0),
						     body_names, nbody, spans)) < 0) {
			err = sfa_error_set(SFA_ESTORE, "index: a record is not valid JSON (sfa reindex rebuilds it)");
			break;
		}
		sfa_buf_reset(&vals);
		for (size_t i = 0; i < nf; i++) {
			int null;
			at[i] = vals.len;
			if (plain[i]) {
				const char *v = (const char *)sqlite3_column_text(st, col);
				null = !v;
				if (v)
					sfa_buf_add(&vals, v, (size_t)sqlite3_column_bytes(st, col));
				col++;
			} else if (moves[i]) {
				null = add_moves(&vals, &spans[b++], &name) < 0;
			} else {
				null = spans[b].kind == SFA_J_NONE || spans[b].kind == SFA_J_NULL;
				sfa_jscan_text(&vals, &spans[b++]);
			}
			sfa_buf_addch(&vals, 0);
			if (null)
				at[i] = (size_t)-1;
		}
		for (size_t i = 0; i < nf; i++)
			out[i] = at[i] == (size_t)-1 ? NULL : vals.buf + at[i];
		if ((err = fn(out, data)) < 0)
			break;
		n++;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = db_error(ix, "cannot read records");
done:
	sqlite3_finalize(st);
	scan_end(ix);
	sfa_buf_release(&what);
	sfa_buf_release(&vals);
	free(out);
	free(at);
	free(body_names);
	free(spans);
	free(plain);
	free(moves);
	sfa_buf_release(&name);
	return err < 0 ? err : n;
}

/* --- history --------------------------------------------------------- */

static int seq_lookup(struct sfa_index *ix, const char *sql, sqlite3_int64 a, const void *blob,
		      long long *seq, git_oid *oid, long long *time)
{
	sqlite3_stmt *st;
	int rc, err = SFA_ENOTFOUND;
	if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(ix, "cannot read commits");
	if (blob)
		sqlite3_bind_blob(st, 1, blob, GIT_OID_RAWSZ, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, a);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		err = 0;
		if (seq)
			*seq = sqlite3_column_int64(st, 0);
		if (oid && sqlite3_column_bytes(st, 1) == GIT_OID_RAWSZ)
			git_oid_fromraw(oid, sqlite3_column_blob(st, 1));
		if (time)
			*time = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		err = db_error(ix, "cannot read commits");
	}
	sqlite3_finalize(st);
	return err;
}

int sfa_index_seq_at(struct sfa_index *ix, long long time, long long *seq)
{
	/* clocks of several machines need not agree: the last commit on the line dated then or before */
	return seq_lookup(ix, "SELECT max(seq), NULL, NULL FROM commits WHERE time <= ?1 HAVING count(*) > 0",
			  time, NULL, seq, NULL, NULL);
}

int sfa_index_seq_of(struct sfa_index *ix, const git_oid *commit, long long *seq)
{
	return seq_lookup(ix, "SELECT seq, oid, time FROM commits WHERE oid = ?1", 0, commit->id, seq, NULL, NULL);
}

int sfa_index_seq_commit(struct sfa_index *ix, long long seq, git_oid *commit, long long *time)
{
	return seq_lookup(ix, "SELECT seq, oid, time FROM commits WHERE seq = ?1", seq, NULL, NULL, commit, time);
}

long sfa_index_referrers(struct sfa_index *ix, const char *id,
			 int (*fn)(const struct sfa_type *t, const json_t *rec, void *data), void *data)
{
	sqlite3_stmt *st = NULL;
	long n = 0;
	int rc, err;

	if ((err = prepare(ix, &st, "SELECT DISTINCT r.type, r.body, r.created_at, r.id FROM refs f"
			   " JOIN records r ON r.rowid = f.rid WHERE f.target = ?1"
			   " ORDER BY r.created_at DESC, r.id")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct sfa_type *t = sfa_type_find((const char *)sqlite3_column_text(st, 0));
		json_t *rec;
		if (!t)
			continue;
		if ((err = sfa_record_decode(&rec, (const char *)sqlite3_column_text(st, 1),
					     (size_t)sqlite3_column_bytes(st, 1))) < 0)
			goto done;
		err = fn(t, rec, data);
		json_decref(rec);
		if (err < 0)
			goto done;
		n++;
	}
	if (rc != SQLITE_DONE)
		err = db_error(ix, "cannot list references");
done:
	sqlite3_finalize(st);
	return err < 0 ? err : n;
}

long sfa_index_keys(struct sfa_index *ix, const struct sfa_type *t, const char *kind, const char *key,
		    int (*fn)(const char *key, const char *id, void *data), void *data)
{
	sqlite3_stmt *st = NULL;
	long n = 0;
	int rc, err;

	if ((err = flush_keys(ix)) < 0)
		return err;
	if ((err = prepare(ix, &st, key ? "SELECT k.key, r.id FROM keys k JOIN records r ON r.rowid = k.rid"
				     " WHERE k.kind = ?1 AND k.key = ?2 AND r.type = ?3 ORDER BY r.id"
				   : "SELECT k.key, r.id FROM keys k JOIN records r ON r.rowid = k.rid"
				     " WHERE k.kind = ?1 AND r.type = ?3 ORDER BY k.key, r.id")) < 0)
		return err;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (key)
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1), data)) < 0)
			goto done;
		n++;
	}
	if (rc != SQLITE_DONE)
		err = db_error(ix, "cannot read match keys");
done:
	sqlite3_finalize(st);
	return err < 0 ? err : n;
}

struct sqlite3 *sfa_index_db(struct sfa_index *ix)
{
	return ix->db;
}

/* --- bringing the index up to a commit ------------------------------- */

struct walk {
	struct sfa_index *ix;
	git_odb *odb;
	unsigned long long done;
	const char *what;
	const json_t *forgotten;	/* the head's forgotten records by id, or NULL */
	json_t *touched;		/* out: those of them the walk wrote, by id, or NULL */
};

static int apply_change(const struct sfa_type *t, const char *id, const git_oid *old,
			const git_oid *new, void *data)
{
	struct walk *w = data;
	git_odb_object *obj = NULL;
	int err;

	if (w->touched && json_object_get(w->forgotten, id))
		json_object_set_new(w->touched, id, json_true());
	if (!new)
		return sfa_index_del(w->ix, t, id);
	if (git_odb_read(&obj, w->odb, new) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read record");
	err = sfa_index_put(w->ix, t, id, new, git_odb_object_data(obj), git_odb_object_size(obj));
	if (err < 0)
		err = sfa_error_prefix(SFA_ESTORE, "record %s/%.2s/%s.json: ", t->plural, id, id);
	if (++w->done % 4096 == 0)
		sfa_progress(w->what, w->done, 0);
	git_odb_object_free(obj);
	return err;
}

/* Applies the tree diff between two commits (`from` NULL: everything in `to`). */
static int run_walk(struct walk *w, git_repository *repo, const git_oid *from, const git_oid *to)
{
	git_tree *a = NULL, *b = NULL;
	git_commit *c = NULL;
	int err;

	if ((err = sfa_commit_tree(repo, from, &a)) == 0 && (err = sfa_commit_tree(repo, to, &b)) == 0 &&
	    (err = sfa_treediff(repo, a, b, apply_change, w)) == 0 && to) {
		if (git_commit_lookup(&c, repo, to) < 0)
			err = sfa_error_git(SFA_ESTORE, "cannot read commit");
		else
			err = sfa_index_set_commit(w->ix, to, (long long)git_commit_time(c));
	}
	git_commit_free(c);
	git_tree_free(a);
	git_tree_free(b);
	if (err < 0 && to) {
		char hex[13];
		git_oid_tostr(hex, sizeof(hex), to);
		err = sfa_error_prefix(err, "indexing commit %s: ", hex);
	}
	return err;
}

/*
 * The first-parent line from `to` back to `stop` (exclusive; NULL: to the
 * root), oldest first, so each commit is indexed as its own step of
 * history. *found tells whether `stop` was on the line.
 */
static int first_parents(git_repository *repo, const git_oid *to, const git_oid *stop,
			 git_oid **out, size_t *n, int *found)
{
	git_oid *v = NULL, at = *to;
	size_t len = 0, alloc = 0;

	*found = 0;
	for (;;) {
		git_commit *c;
		if (stop && git_oid_equal(&at, stop)) {
			*found = 1;
			break;
		}
		if (git_commit_lookup(&c, repo, &at) < 0) {
			free(v);
			return sfa_error_git(SFA_ESTORE, "cannot read commit");
		}
		if (len == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			v = sfa_xrealloc(v, alloc * sizeof(*v));
		}
		v[len++] = at;
		if (git_commit_parentcount(c) == 0) {
			git_commit_free(c);
			break;
		}
		at = *git_commit_parent_id(c, 0);
		git_commit_free(c);
	}
	for (size_t i = 0; i < len / 2; i++) {
		git_oid tmp = v[i];
		v[i] = v[len - 1 - i];
		v[len - 1 - i] = tmp;
	}
	*out = v;
	*n = len;
	return 0;
}

/*
 * When `from` is an ancestor of the head but off its first-parent line
 * (a sync that fast-forwarded to a merge made elsewhere, with our commits
 * as its second parent), the line is cut to the commits after the last
 * one `from` descends from: the first of them is indexed as one diff
 * from `from`, and the index's history keeps the line this store lived
 * through up to there. A long way back is rebuilt instead.
 */
static int since_fork(git_repository *repo, const git_oid *from, git_oid **line, size_t *n, int *found)
{
	size_t keep = *n;

	*found = 0;
	/* the line runs from the root to the head */
	if (!*n || git_graph_descendant_of(repo, &(*line)[*n - 1], from) != 1)
		return 0;	/* `from` is not in the head's past at all */
	while (keep > 0 && *n - keep < 1000) {
		int rc = git_graph_descendant_of(repo, from, &(*line)[keep - 1]);
		if (rc < 0)
			return sfa_error_git(SFA_ESTORE, "cannot read history");
		if (rc == 1)
			break;
		keep--;
	}
	if (keep == 0 || *n - keep >= 1000)
		return 0;
	memmove(*line, *line + keep, (*n - keep) * sizeof(**line));
	*n -= keep;
	*found = 1;
	return 0;
}

/*
 * Indexes each commit of `line` in turn, starting from the tree of `from`
 * (NULL: empty); the ids of `forgotten` (may be NULL) it writes go into
 * `touched` (may be NULL).
 */
static int walk_line(struct sfa_index *ix, git_repository *repo, const git_oid *from, const git_oid *line,
		     size_t n, const char *what, const json_t *forgotten, json_t *touched)
{
	struct walk w = { ix, NULL, 0, what, forgotten, touched };
	int err = 0;

	if (git_repository_odb(&w.odb, repo) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot open objects");
	for (size_t i = 0; i < n && err == 0; i++)
		err = run_walk(&w, repo, i ? &line[i - 1] : from, &line[i]);
	if (w.done >= 4096)
		sfa_progress(NULL, w.done, w.done);
	git_odb_free(w.odb);
	return err;
}

/* Empties every table a rebuild fills, inside its transaction. */
static int clear_rows(struct sfa_index *ix)
{
	ix->staged = 0;
	ix->ndeferred = 0;
	ix->seq = 1;
	nameset_clear(&ix->seen);
	return exec(ix, "DELETE FROM records; DELETE FROM fields; DELETE FROM meta WHERE key = 'commit';"
		    "DELETE FROM keys; DELETE FROM refs; DELETE FROM search;"
		    "DELETE FROM commits; DELETE FROM versions; DELETE FROM temp.keys_stage;"
		    "DELETE FROM temp.forget_stage; DELETE FROM deals; DELETE FROM deal_history;");
}

/* The blob of SFA_FORGOTTEN_FILE in `commit` (NULL: none); zero when it has none. */
static int forgotten_blob(git_repository *repo, const git_oid *commit, git_oid *out)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int rc, err;

	memset(out, 0, sizeof(*out));
	if ((err = sfa_commit_tree(repo, commit, &tree)) < 0 || !tree)
		return err;
	rc = git_tree_entry_bypath(&e, tree, SFA_FORGOTTEN_FILE);
	if (rc == 0)
		*out = *git_tree_entry_id(e);
	else if (rc != GIT_ENOTFOUND)
		err = sfa_error_git(SFA_ESTORE, "cannot read " SFA_FORGOTTEN_FILE);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return err;
}

/*
 * The forgotten records of `commit`: `*out` a new reference to the object
 * of SFA_FORGOTTEN_FILE, NULL when there is none; `*blob` its blob. A file
 * that cannot be read is an error, not an empty list: the index would show
 * what was erased.
 */
static int read_forgotten(git_repository *repo, const git_oid *commit, json_t **out, git_oid *blob)
{
	git_blob *b = NULL;
	json_t *all = NULL, *e;
	const char *id;
	int err;

	*out = NULL;
	if ((err = forgotten_blob(repo, commit, blob)) < 0 || git_oid_is_zero(blob))
		return err;
	if (git_blob_lookup(&b, repo, blob) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read " SFA_FORGOTTEN_FILE);
	all = json_loadb(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), JSON_REJECT_DUPLICATES, NULL);
	git_blob_free(b);
	if (!json_is_object(all)) {
		json_decref(all);
		return sfa_error_set(SFA_ESTORE, "%s: not a JSON object", SFA_FORGOTTEN_FILE);
	}
	json_object_foreach(all, id, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		if (!sfa_id_valid(id, strlen(id)) || !type || !sfa_type_find(type) ||
		    !json_is_array(json_object_get(e, "fields"))) {
			json_decref(all);
			return sfa_error_set(SFA_ESTORE, "%s: '%s': expected {\"type\": TYPE, \"fields\": [NAME, ...]}",
					     SFA_FORGOTTEN_FILE, id);
		}
	}
	*out = all;
	return 0;
}

/* Stages the records of `forgotten` (may be NULL) whose ids are in `only`, or all of them (`only` NULL). */
static int stage_forgotten(struct sfa_index *ix, const json_t *forgotten, const json_t *only)
{
	const char *id;
	json_t *e;
	int err = 0;

	json_object_foreach((json_t *)forgotten, id, e) {
		const struct sfa_type *t = sfa_type_find(json_string_value(json_object_get(e, "type")));
		if (only && !json_object_get(only, id))
			continue;
		if ((err = sfa_index_forget(ix, t, id, json_object_get(e, "fields"))) < 0)
			break;
	}
	return err;
}

int sfa_index_rebuild(struct sfa_index *ix, git_repository *repo, const git_oid *to)
{
	json_t *forgotten = NULL;
	git_oid blob;
	int err;
	/* history brings back what was forgotten: the list says what to scrub again */
	if ((err = read_forgotten(repo, to, &forgotten, &blob)) < 0)
		return err;
	if ((err = sfa_index_begin(ix)) < 0) {
		json_decref(forgotten);
		return err;
	}
	/*
	 * Loading a million rows is several times faster into bare tables,
	 * building the secondary indexes once at the end.
	 */
	if ((err = exec(ix, "DROP INDEX IF EXISTS records_ext; DROP INDEX IF EXISTS records_created;"
			    "DROP INDEX IF EXISTS refs_target;")) < 0 || (err = clear_rows(ix)) < 0)
		goto done;
	finalize_all(ix);
	if ((err = prepare_all(ix)) < 0)
		goto done;
	ix->bulk = 1;
	if (to) {
		/* the whole first-parent history, so that any past commit can be asked about */
		git_oid *line = NULL;
		size_t n = 0;
		int found;
		/* a store with forgotten records: pages freed while indexing are zeroed too */
		if (forgotten && (err = exec(ix, "PRAGMA secure_delete = ON")) < 0)
			goto done;
		if ((err = first_parents(repo, to, NULL, &line, &n, &found)) == 0)
			err = walk_line(ix, repo, NULL, line, n, "indexing", NULL, NULL);
		/*
		 * A past commit the index cannot read (a bad file put in with
		 * plain git and fixed since) must not make the head unreadable:
		 * then the history starts at the head.
		 */
		if (err < 0 && n > 1 && (err = clear_rows(ix)) == 0)
			err = walk_line(ix, repo, NULL, &line[n - 1], 1, "indexing", NULL, NULL);
		free(line);
	}
	if (err < 0 || (err = stage_forgotten(ix, forgotten, NULL)) < 0 || (err = flush_keys(ix)) < 0)
		goto done;
	err = exec(ix, secondary);
done:
	json_decref(forgotten);
	if (err < 0) {
		sfa_index_end(ix, 0);
		finalize_all(ix);
		prepare_all(ix);
		return err;
	}
	return sfa_index_end(ix, 1);
}

int sfa_index_update(struct sfa_index *ix, git_repository *repo, const git_oid *to)
{
	json_t *forgotten = NULL, *touched = NULL;
	git_oid from, blob, before, *line = NULL;
	git_commit *c = NULL;
	size_t n = 0;
	int found = 0, err = sfa_index_commit(ix, &from);

	if (err == SFA_ENOTFOUND || !to)
		return sfa_index_rebuild(ix, repo, to);
	if (err < 0)
		return err;
	if (git_oid_equal(&from, to))
		return 0;
	/* The commit it reflects may be gone (history rewritten, gc): start over. */
	if (git_commit_lookup(&c, repo, &from) < 0)
		return sfa_index_rebuild(ix, repo, to);
	git_commit_free(c);
	if ((err = first_parents(repo, to, &from, &line, &n, &found)) < 0)
		return err;
	if (!found && (err = since_fork(repo, &from, &line, &n, &found)) < 0) {
		free(line);
		return err;
	}
	if (!found) {	/* not an ancestor: the history the index holds is not the branch's */
		free(line);
		return sfa_index_rebuild(ix, repo, to);
	}
	/*
	 * The forgotten records the walk writes lose their fields again; all
	 * of them when the list itself changed (a forget made elsewhere).
	 */
	if ((err = read_forgotten(repo, to, &forgotten, &blob)) < 0 ||
	    (forgotten && (err = forgotten_blob(repo, &from, &before)) < 0) ||
	    (err = sfa_index_begin(ix)) < 0) {
		json_decref(forgotten);
		free(line);
		return err;
	}
	if (forgotten && git_oid_equal(&blob, &before))
		touched = json_object();
	ix->bulk = 1;	/* a sync may bring thousands of records */
	err = walk_line(ix, repo, &from, line, n, "updating index", forgotten, touched);
	if (err == 0)
		err = stage_forgotten(ix, forgotten, touched);
	free(line);
	json_decref(forgotten);
	json_decref(touched);
	return sfa_index_end(ix, err == 0) < 0 ? SFA_ESTORE : err;
}
