#!/bin/sh
# The SQLite index is derived and disposable: rebuilt when deleted or
# corrupt, brought up to date when the branch was moved by plain git.

. "$(dirname "$0")/lib.sh"

index=$SFA_STORE/sfa-index.sqlite

# The sorted ids the index lists.
listed_ids () {
	sfa-lead list --format ids >"$tmp/.listed" || return 1
	sort "$tmp/.listed"
}

# The sorted ids git has on main.
git_ids () {
	store_git ls-tree -r --name-only main |
	sed -n "s|^leads/../\([0-9a-z]*\)\.json\$|\1|p" | sort
}

# The commit the index says it reflects must be main.
index_is_current () {
	sqlite3 "$index" "SELECT * FROM meta WHERE key = 'commit'" >"$tmp/.meta" || return 1
	test_grep -F "$(store_git rev-parse main)" "$tmp/.meta"
}

# Make the index claim to reflect another commit.
set_index_commit () {
	_sic_col=$(sqlite3 "$index" "SELECT name FROM pragma_table_info('meta') WHERE name <> 'key' LIMIT 1") || return 1
	sqlite3 "$index" "UPDATE meta SET $_sic_col = '$1' WHERE key = 'commit'"
}

# After the index was damaged: the next command either works or fails
# cleanly with exit 4, and sfa reindex makes everything work again.
check_recovers () {
	_cr_rc=0
	sfa-lead list --format ids >"$tmp/.after" 2>"$tmp/.after-err" || _cr_rc=$?
	cat "$tmp/.after-err" >&2
	test_grep ! -e AddressSanitizer -e "runtime error:" -e LeakSanitizer "$tmp/.after-err" || return 1
	case $_cr_rc in
	0)
		sort "$tmp/.after" >"$tmp/.after-sorted"
		git_ids >"$tmp/.git-ids"
		test_cmp "$tmp/.git-ids" "$tmp/.after-sorted" || return 1
		;;
	4)
		test -s "$tmp/.after-err" || return 1
		;;
	*)
		echo "sfa-lead list on a damaged index exited $_cr_rc" >&2
		return 1
		;;
	esac
	sfa reindex -q || return 1
	listed_ids >"$tmp/.after-sorted" || return 1
	git_ids >"$tmp/.git-ids"
	test_cmp "$tmp/.git-ids" "$tmp/.after-sorted" || return 1
	index_is_current
}

test_expect_success 'setup' '
	sfa init -q
	gen_leads 50 >leads.csv
	sfa-lead import -q leads.csv
	git_ids >all.ids
	test_line_count = 50 all.ids
	listed_ids >listed
	test_cmp all.ids listed
	index_is_current
'

test_expect_success 'a deleted index is rebuilt by the next command' '
	rm -f "$index" "$index-wal" "$index-shm"
	listed_ids >listed
	test_cmp all.ids listed
	test -f "$index"
	index_is_current
'

test_expect_success 'a deleted index is rebuilt by a command that writes' '
	rm -f "$index" "$index-wal" "$index-shm"
	sfa-lead add first_name=Writer >id.W
	git_ids >expect
	test_line_count = 51 expect
	listed_ids >listed
	test_cmp expect listed
	index_is_current
'

test_expect_success 'sfa reindex rebuilds the index' '
	sfa reindex >out 2>err
	test ! -s out
	listed_ids >listed
	git_ids >expect
	test_cmp expect listed
	index_is_current
'

test_expect_success 'sfa reindex -q prints nothing; --store and sfa --store work' '
	sfa reindex -q >out 2>err
	test ! -s out
	test ! -s err
	SFA_STORE="$tmp/nowhere" sfa reindex -q --store "$SFA_STORE"
	SFA_STORE="$tmp/nowhere" sfa --store "$SFA_STORE" reindex -q
	rm -f "$index" "$index-wal" "$index-shm"
	sfa reindex -q
	index_is_current
'

test_expect_success 'sfa reindex on a missing store fails with exit 4' '
	test_must_fail --exit=4 sfa reindex --store "$tmp/nowhere" 2>err
	test_grep nowhere err
	test ! -e "$tmp/nowhere"
'

test_expect_success 'after git rewinds main, list shows the older commit' '
	sfa-lead add first_name=Newest >id.N
	store_git rev-parse main >newest.commit
	listed_ids >listed
	test_grep -x "$(cat id.N)" listed
	store_git update-ref refs/heads/main HEAD~1
	listed_ids >listed
	test_grep ! -x "$(cat id.N)" listed
	git_ids >expect
	test_cmp expect listed
	test_must_fail --exit=1 sfa-lead show "$(cat id.N)" >out
	index_is_current
'

test_expect_success 'after git moves main forward again, list follows' '
	store_git update-ref refs/heads/main "$(cat newest.commit)"
	listed_ids >listed
	test_grep -x "$(cat id.N)" listed
	git_ids >expect
	test_cmp expect listed
	index_is_current
	cp "$index" old-index
	if [ -f "$index-wal" ]; then cp "$index-wal" old-index-wal; fi
'

test_expect_success 'a record changed with plain git is seen by list --where and show' '
	id=$(sed -n 5p all.ids)
	store_git show "main:$(lead_path "$id")" >rec
	sed "s/^  \"city\": .*/  \"city\": \"Rawtown\",/" rec >rec.new
	test_grep -x "  \"city\": \"Rawtown\"," rec.new
	store_write_raw "edit with git" "$(lead_path "$id")" rec.new
	sfa-lead list --where city=Rawtown --format ids >out
	echo "$id" >expect
	test_cmp expect out
	sfa-lead show --format json "$id" >out.json
	python3 -c "
import json, sys
assert json.load(open(sys.argv[1], encoding=\"utf-8\"))[0][\"city\"] == \"Rawtown\"
" out.json
	index_is_current
'

test_expect_success 'a record removed with plain git is gone from list and show' '
	id=$(sed -n 6p all.ids)
	store_write_raw "remove with git" "$(lead_path "$id")" -
	listed_ids >listed
	test_grep ! -x "$id" listed
	git_ids >expect
	test_cmp expect listed
	test_must_fail --exit=1 sfa-lead show "$id" >out
'

test_expect_success 'a record added with plain git is listed' '
	cat >raw.json <<-\EOF
	{
	  "created_at": "2023-01-01T00:00:00Z",
	  "first_name": "Raw",
	  "id": "rawrec000001"
	}
	EOF
	store_write_raw "add with git" leads/ra/rawrec000001.json raw.json
	sfa-lead list --limit 1 --format ids >out
	echo rawrec000001 >expect
	test_cmp expect out
	sfa-lead list --where first_name=Raw --format ids >out
	test_cmp expect out
	index_is_current
'

test_expect_success 'a rebuilt index agrees with the incrementally updated one' '
	sfa-lead list --format json >incremental.json
	sfa reindex -q
	sfa-lead list --format json >rebuilt.json
	test_cmp incremental.json rebuilt.json
'

test_expect_success 'an index overwritten with garbage is rebuilt' '
	rm -f "$index-wal" "$index-shm"
	yes "garbage, not a database" | head -n 500 >"$index"
	check_recovers
'

test_expect_success 'an empty index file is rebuilt' '
	rm -f "$index-wal" "$index-shm"
	: >"$index"
	check_recovers
'

test_expect_success 'an index with a valid header and garbage after it is rebuilt' '
	rm -f "$index-wal" "$index-shm"
	head -c 100 "$index" >head
	{ cat head; yes "garbage" | head -c 65536; } >"$index"
	check_recovers
'

test_expect_success 'an index that is some other SQLite database is rebuilt' '
	rm -f "$index" "$index-wal" "$index-shm"
	sqlite3 "$index" "CREATE TABLE unrelated(x); INSERT INTO unrelated VALUES (1);"
	check_recovers
'

test_expect_success 'an index of another schema version is dropped and rebuilt, no error' '
	version=$(sqlite3 "$index" "SELECT value FROM meta WHERE key = '\''schema'\''") &&
	test_eq "$(sed -n "s/^#define SCHEMA_VERSION \"\(.*\)\"$/\1/p" "$SFA_ROOT/lib/index.c")" "$version" &&
	sqlite3 "$index" "UPDATE meta SET value = '\''1'\'' WHERE key = '\''schema'\'';
		INSERT INTO records(type, id, oid, body) VALUES ('\''lead'\'', '\''zzzzzzzzzzzz'\'', x'\''00'\'', '\''{}'\'')"
	index_is_current
	sfa-lead list --format ids >listed 2>err
	test ! -s err
	sort listed >listed.sorted
	git_ids >expect
	test_cmp expect listed.sorted
	test_eq "$version" "$(sqlite3 "$index" "SELECT value FROM meta WHERE key = '\''schema'\''")"
	test_eq 0 "$(sqlite3 "$index" "SELECT count(*) FROM records WHERE id = '\''zzzzzzzzzzzz'\''")"
	index_is_current
'

test_expect_success 'an index that claims a commit that does not exist is fixed' '
	set_index_commit 0123456789012345678901234567890123456789
	check_recovers
'

test_expect_success 'an older copy of the index is brought up to date' '
	rm -f "$index" "$index-wal" "$index-shm"
	cp old-index "$index"
	if [ -f old-index-wal ]; then cp old-index-wal "$index-wal"; fi
	listed_ids >listed
	git_ids >expect
	test_cmp expect listed
	sfa-lead list --where city=Rawtown --format ids >out
	test_line_count = 1 out
	index_is_current
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
