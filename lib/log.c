#include <string.h>

#include "sfa/error.h"
#include "sfa/log.h"
#include "sfa/treediff.h"
#include "sfa/banned.h"

static const char *const row_columns[] = {
	"commit", "date", "author", "message", "type", "id", "field", "old", "new", NULL
};

struct logger {
	struct sfa_store *s;
	const struct sfa_log_opts *o;
	FILE *out;
	struct sfa_writer *w;	/* rows, when not text */
	json_t *row;		/* the commit's columns, shared by its rows */
	size_t rows;		/* rows written for the current commit */
	const struct sfa_type *type;	/* the one record followed, if any */
	char id[SFA_ID_LEN + 1];
};

static int read_record(git_repository *repo, const git_oid *oid, json_t **out)
{
	git_blob *b = NULL;
	int err;
	*out = NULL;
	if (!oid)
		return 0;
	if (git_blob_lookup(&b, repo, oid) < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read record");
	err = sfa_record_decode(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void escape_controls(struct sfa_buf *b)
{
	struct sfa_buf e = SFA_BUF_INIT;
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->buf[i];
		if (c == '\n')
			sfa_buf_addstr(&e, "\\n");
		else if (c == '\t')
			sfa_buf_addstr(&e, "\\t");
		else if (c == '\r')
			sfa_buf_addstr(&e, "\\r");
		else
			sfa_buf_addch(&e, c);
	}
	sfa_buf_release(b);
	*b = e;
}

/* One field change, as a text line or a row. */
static int emit(struct logger *l, const struct sfa_type *t, const char *id, const char *field,
		const json_t *old, const json_t *new)
{
	struct sfa_buf a = SFA_BUF_INIT, b = SFA_BUF_INIT;
	int err = 0;

	if (old)
		sfa_value_text(&a, old);
	if (new)
		sfa_value_text(&b, new);
	if (!l->w) {
		/* One change per line: newlines and tabs in values shown escaped. */
		escape_controls(&a);
		escape_controls(&b);
		if (!old)
			fprintf(l->out, "    +%s: %s\n", field, b.buf);
		else if (!new)
			fprintf(l->out, "    -%s: %s\n", field, a.buf);
		else
			fprintf(l->out, "    %s: %s -> %s\n", field, a.buf, b.buf);
	} else {
		json_t *row = json_deep_copy(l->row);
		json_object_set_new(row, "type", json_string(t->name));
		json_object_set_new(row, "id", json_string(id));
		json_object_set_new(row, "field", json_string(field));
		json_object_set_new(row, "old", json_stringn(a.buf, a.len));
		json_object_set_new(row, "new", json_stringn(b.buf, b.len));
		err = sfa_writer_write(l->w, row);
		json_decref(row);
		l->rows++;
	}
	sfa_buf_release(&a);
	sfa_buf_release(&b);
	return err;
}

/* Field by field, in name order, what changed between two versions. */
static int field_changes(const struct sfa_type *t, const char *id, const git_oid *old,
			 const git_oid *new, void *data)
{
	struct logger *l = data;
	json_t *a = NULL, *b = NULL, *both;
	const char **keys = NULL, *k;
	size_t n = 0, i;
	json_t *v;
	int err;

	if ((err = read_record(sfa_store_repo(l->s), old, &a)) < 0 ||
	    (err = read_record(sfa_store_repo(l->s), new, &b)) < 0)
		goto done;
	both = json_object();
	if (a)
		json_object_update(both, a);
	if (b)
		json_object_update(both, b);
	keys = sfa_xmalloc((json_object_size(both) + 1) * sizeof(*keys));
	json_object_foreach(both, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	if (!l->w)
		fprintf(l->out, "\n    %s %s%s\n", t->name, id, !old ? " (added)" : !new ? " (removed)" : "");
	for (i = 0; i < n && !err; i++) {
		json_t *va = a ? json_object_get(a, keys[i]) : NULL;
		json_t *vb = b ? json_object_get(b, keys[i]) : NULL;
		if (va && vb && json_equal(va, vb))
			continue;
		err = emit(l, t, id, keys[i], va, vb);
	}
	free(keys);
	json_decref(both);
done:
	json_decref(a);
	json_decref(b);
	return err;
}

/* The record's blob in `tree`, or NULL. */
static int record_blob(struct logger *l, const git_tree *tree, git_oid *out, const git_oid **res)
{
	struct sfa_buf p = SFA_BUF_INIT;
	git_tree_entry *e = NULL;
	int rc;

	*res = NULL;
	if (!tree)
		return 0;
	sfa_store_record_path(&p, l->type, l->id);
	rc = git_tree_entry_bypath(&e, tree, p.buf);
	sfa_buf_release(&p);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return sfa_error_git(SFA_ESTORE, "cannot read tree");
	*out = *git_tree_entry_id(e);
	*res = out;
	git_tree_entry_free(e);
	return 0;
}

static void commit_header(struct logger *l, git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	char hex[13], date[21];
	const char *msg = git_commit_message(c);

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	sfa_time_iso(date, (time_t)git_commit_time(c));
	if (l->w) {
		struct sfa_buf who = SFA_BUF_INIT, m = SFA_BUF_INIT;
		size_t ml = strlen(msg);
		while (ml && msg[ml - 1] == '\n')
			ml--;
		sfa_buf_addf(&who, "%s <%s>", a->name, a->email);
		sfa_buf_add(&m, msg, ml);
		json_decref(l->row);
		l->row = json_object();
		json_object_set_new(l->row, "commit", json_string(hex));
		json_object_set_new(l->row, "date", json_string(date));
		json_object_set_new(l->row, "author", json_string(who.buf));
		json_object_set_new(l->row, "message", json_stringn(m.buf, m.len));
		sfa_buf_release(&who);
		sfa_buf_release(&m);
		l->rows = 0;
		return;
	}
	fprintf(l->out, "commit %s\nAuthor: %s <%s>\nDate:   %s\n\n", hex, a->name, a->email, date);
	/* The message indented, as git log shows it. */
	for (const char *p = msg; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(l->out, n ? "    %.*s\n" : "\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static int commit_footer(struct logger *l)
{
	if (l->w) {
		/* A commit with no field rows still gets its own row. */
		if (l->rows == 0) {
			json_t *row = json_deep_copy(l->row);
			int err;
			for (size_t i = 4; row_columns[i]; i++)
				json_object_set_new(row, row_columns[i], json_string(""));
			err = sfa_writer_write(l->w, row);
			json_decref(row);
			return err;
		}
		return 0;
	}
	fputc('\n', l->out);
	return ferror(l->out) ? sfa_error_set(SFA_ESTORE, "cannot write output") : 0;
}

/*
 * A deleted record is in no index, but its history stays: a full id is
 * looked for in the trees of past commits, newest first.
 */
static int resolve_deleted(struct logger *l, const char *given)
{
	git_revwalk *walk = NULL;
	git_oid oid, head, blob;
	const git_oid *found = NULL;
	int err, rc = 0;

	if (sfa_id_normalize(l->id, given) < 0 || strlen(l->id) != SFA_ID_LEN)
		return sfa_error_set(SFA_ENOTFOUND, "no record '%s'", given);
	if ((err = sfa_store_head(l->s, &head)) < 0)
		return err;
	if (git_revwalk_new(&walk, sfa_store_repo(l->s)) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push(walk, &head) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot walk history");
		goto done;
	}
	while (!found && !err && (rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		git_tree *tree = NULL;
		if (git_commit_lookup(&c, sfa_store_repo(l->s), &oid) < 0 || git_commit_tree(&tree, c) < 0)
			err = sfa_error_git(SFA_ESTORE, "cannot read commit");
		for (size_t i = 0; !err && !found && sfa_types[i]; i++) {
			l->type = sfa_types[i];
			err = record_blob(l, tree, &blob, &found);
		}
		git_tree_free(tree);
		git_commit_free(c);
	}
	if (!err && rc < 0 && rc != GIT_ITEROVER)
		err = sfa_error_git(SFA_ESTORE, "cannot walk history");
	if (!err && !found) {
		l->type = NULL;
		err = sfa_error_set(SFA_ENOTFOUND, "no record '%s'", given);
	}
done:
	git_revwalk_free(walk);
	return err;
}

/* Finds the type and full id of the record the user named. */
static int resolve_any(struct logger *l, const char *given)
{
	int err = sfa_store_find(l->s, NULL, given, &l->type, l->id);
	return err == SFA_ENOTFOUND ? resolve_deleted(l, given) : err;
}

int sfa_log(struct sfa_store *s, FILE *out, const struct sfa_log_opts *o)
{
	struct logger l = { s, o, out, NULL, NULL, 0, NULL, { 0 } };
	git_revwalk *walk = NULL;
	git_oid oid, head;
	long shown = 0;
	int err, rc;

	if (o->id && (err = resolve_any(&l, o->id)) < 0)
		return err;
	if (o->format != SFA_FORMAT_AUTO && (err = sfa_writer_open(&l.w, out, o->format, row_columns)) < 0)
		return err;
	if ((err = sfa_store_head(s, &head)) < 0)
		goto done;
	if (git_revwalk_new(&walk, sfa_store_repo(s)) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push(walk, &head) < 0) {
		err = sfa_error_git(SFA_ESTORE, "cannot walk history");
		goto done;
	}
	while ((o->limit < 0 || shown < o->limit) && (rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL, *parent = NULL;
		git_tree *tree = NULL, *ptree = NULL;
		git_oid ob, nb;
		const git_oid *old = NULL, *new = NULL;

		if (git_commit_lookup(&c, sfa_store_repo(s), &oid) < 0 || git_commit_tree(&tree, c) < 0 ||
		    (git_commit_parentcount(c) > 0 &&
		     (git_commit_parent(&parent, c, 0) < 0 || git_commit_tree(&ptree, parent) < 0))) {
			err = sfa_error_git(SFA_ESTORE, "cannot read commit");
		} else if (l.type) {
			/* Only commits that changed this record. */
			if ((err = record_blob(&l, tree, &nb, &new)) == 0 &&
			    (err = record_blob(&l, ptree, &ob, &old)) == 0 &&
			    (old || new) && !(old && new && git_oid_equal(old, new))) {
				commit_header(&l, c);
				shown++;
				if ((err = field_changes(l.type, l.id, old, new, &l)) == 0)
					err = commit_footer(&l);
			}
		} else {
			commit_header(&l, c);
			shown++;
			if (o->patch)
				err = sfa_treediff(sfa_store_repo(s), ptree, tree, field_changes, &l);
			if (!err)
				err = commit_footer(&l);
		}
		git_tree_free(tree);
		git_tree_free(ptree);
		git_commit_free(parent);
		git_commit_free(c);
		if (err < 0)
			goto done;
	}
	if (l.w) {
		err = sfa_writer_close(l.w);
		l.w = NULL;
	}
done:
	sfa_writer_free(l.w);
	json_decref(l.row);
	git_revwalk_free(walk);
	return err;
}
