#!/bin/sh
# sfa init, store location, the front end's own options and dispatch.

. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates a bare repository at $SFA_STORE' '
	sfa init >out 2>err
	test -d "$SFA_STORE"
	test_eq true "$(store_git rev-parse --is-bare-repository)"
	test_eq refs/heads/main "$(store_git symbolic-ref HEAD)"
	store_git rev-parse --verify main
'

test_expect_success 'init makes exactly one commit "sfa init..."' '
	test_eq 1 "$(commit_count)"
	store_git log --format=%s main >subjects
	test_line_count = 1 subjects
	test_grep "^sfa init" subjects
'

test_expect_success 'the first commit is authored by $SFA_USER' '
	test_eq "Test User <test@example.com>" "$(store_git log -1 --format="%an <%ae>" main)"
	test_eq "Test User <test@example.com>" "$(store_git log -1 --format="%cn <%ce>" main)"
'

test_expect_success 'the first commit holds config/store.json with format 1' '
	store_git ls-tree -r --name-only main >files &&
	printf "%s\n" config/pipelines.json config/pricebooks.json config/quote.html config/quoting.json \
		config/schema.json config/scoring.json config/store.json >expect &&
	test_cmp expect files &&
	store_git show main:config/store.json >store.json &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"format\"] == 1, d" store.json
'

test_expect_success 'the first commit holds the shipped configuration, byte for byte' '
	for f in pipelines.json pricebooks.json quoting.json schema.json scoring.json; do
		store_git show main:config/$f >$f &&
		test_cmp "$SFA_ROOT/share/config/$f" $f || return 1
	done &&
	store_git show main:config/quote.html >quote.html &&
	test_cmp "$SFA_ROOT/share/templates/quote.html" quote.html &&
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"lead\"][\"fields\"][\"status\"][\"default\"] == \"new\", d[\"lead\"]
" schema.json
'

test_expect_success 'the new store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_expect_success 'init builds the index beside the repository' '
	test -f "$SFA_STORE/sfa-index.sqlite"
'

test_expect_success 'init on an existing store fails with exit 4' '
	test_must_fail --exit=4 sfa init 2>err
	test -s err
	test_eq 1 "$(commit_count)"
	test_must_fail --exit=4 sfa init "$SFA_STORE" 2>err
	test_eq 1 "$(commit_count)"
'

test_expect_success 'init into a non-empty directory fails with exit 4' '
	mkdir notempty
	echo precious >notempty/file
	test_must_fail --exit=4 sfa init notempty 2>err
	test_grep notempty err
	echo precious >expect
	test_cmp expect notempty/file
	test_must_fail git --git-dir=notempty rev-parse --verify main
'

test_expect_success 'init DIR creates the store at DIR, not at $SFA_STORE' '
	sfa init "$tmp/other store"
	test_eq true "$(git --git-dir="$tmp/other store" rev-parse --is-bare-repository)"
	test_eq 1 "$(git --git-dir="$tmp/other store" rev-list --count main)"
'

test_expect_success 'init -q and --quiet print nothing' '
	sfa init -q quiet1 >out 2>err
	test ! -s out
	test ! -s err
	sfa init --quiet quiet2 >out 2>err
	test ! -s out
	test ! -s err
	git --git-dir=quiet1 rev-parse --verify main
	git --git-dir=quiet2 rev-parse --verify main
'

test_expect_success 'without --store or SFA_STORE the store is $HOME/.local/share/sfa/store' '
	(
		unset SFA_STORE
		sfa init -q
		sfa-lead add first_name=Homer >id
	)
	d="$HOME/.local/share/sfa/store"
	test_eq true "$(git --git-dir="$d" rev-parse --is-bare-repository)"
	test_eq 2 "$(git --git-dir="$d" rev-list --count main)"
	git --git-dir="$d" ls-tree -r --name-only main >files
	test_grep "^leads/.*/$(cat id).json\$" files
'

test_expect_success 'XDG_DATA_HOME is respected' '
	(
		unset SFA_STORE
		XDG_DATA_HOME="$tmp/xdg data"
		export XDG_DATA_HOME
		sfa init -q
		sfa-lead add first_name=Xena >id
		sfa-lead show --format ids "$(cat id)" >shown
	)
	d="$tmp/xdg data/sfa/store"
	test_eq 2 "$(git --git-dir="$d" rev-list --count main)"
	test_cmp id shown
	test_eq 2 "$(git --git-dir="$HOME/.local/share/sfa/store" rev-list --count main)"
'

test_expect_success '--store beats SFA_STORE' '
	sfa init -q beats
	SFA_STORE="$tmp/beats" sfa-lead add --store "$tmp/store" first_name=Stored >id1
	test_eq 2 "$(commit_count)"
	test_eq 1 "$(git --git-dir=beats rev-list --count main)"
	SFA_STORE="$tmp/nowhere" sfa --store "$tmp/beats" lead add first_name=Front >id2
	test_eq 2 "$(git --git-dir=beats rev-list --count main)"
	test_eq 2 "$(commit_count)"
	SFA_STORE="$tmp/nowhere" sfa --store "$tmp/beats" log >log
	test_grep "$(cat id2)" log
	SFA_STORE="$tmp/nowhere" sfa log --store "$tmp/beats" >log
	test_grep "$(cat id2)" log
'

test_expect_success 'a command on a missing store fails with exit 4 naming the path' '
	test_must_fail --exit=4 env SFA_STORE="$tmp/no such store" sfa-lead list 2>err
	test_grep -F "$tmp/no such store" err
	test_must_fail --exit=4 sfa-lead list --store "$tmp/no such store" 2>err
	test_grep -F "$tmp/no such store" err
	test_must_fail --exit=4 sfa-lead add --store "$tmp/no such store" first_name=A 2>err
	test_grep -F "$tmp/no such store" err
	test ! -e "$tmp/no such store"
	test_must_fail --exit=4 sfa log --store "$tmp/no such store" 2>err
	test_grep -F "$tmp/no such store" err
	test_must_fail --exit=4 sfa --store "$tmp/no such store" log 2>err
	test_grep -F "$tmp/no such store" err
'

test_expect_success 'a command on a directory that is not a store fails with exit 4' '
	mkdir plain
	test_must_fail --exit=4 sfa-lead list --store plain 2>err
	test_grep plain err
	test_must_fail --exit=4 sfa reindex --store plain 2>err
	test_grep plain err
'

test_expect_success 'sfa --version exits 0 and prints a version' '
	sfa --version >out 2>err
	test_grep "[0-9][0-9]*\.[0-9][0-9]*" out
	sfa-lead --version >out 2>err
	test_grep "[0-9][0-9]*\.[0-9][0-9]*" out
'

test_expect_success 'sfa --help and sfa-lead --help exit 0 with the usage on stdout' '
	sfa --help >out 2>err
	test_grep sfa out
	sfa -h >out 2>err
	test_grep sfa out
	sfa-lead --help >out 2>err
	test_grep sfa-lead out
	test_grep import out
'

test_expect_success 'an unknown command exits 2' '
	test_must_fail --exit=2 sfa frobnicate 2>err
	test_grep frobnicate err
	test_must_fail --exit=2 sfa --frobnicate 2>err
	test_grep frobnicate err
	test_must_fail --exit=2 sfa-lead frobnicate 2>err
	test_grep frobnicate err
'

test_expect_success 'sfa lead ... runs sfa-lead with the arguments' '
	sfa lead add first_name=Viafront last_name="Two Words" >id
	is_id "$(cat id)"
	sfa lead show --format json "$(cat id)" >out
	python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1, r
assert r[0][\"last_name\"] == \"Two Words\", r
" out
	sfa lead list --format ids >ids
	test_grep -x "$(cat id)" ids
'

test_expect_success 'sfa NAME runs sfa-NAME from SFA_EXEC_PATH' '
	mkdir "exec path"
	cat >"exec path/sfa-hello" <<-\EOF
	#!/bin/sh
	printf "hello <%s>\n" "$@"
	exit 3
	EOF
	chmod +x "exec path/sfa-hello"
	test_expect_code 3 env SFA_EXEC_PATH="$tmp/exec path" sfa hello "a b" c >out
	printf "hello <%s>\n" "a b" c >expect
	test_cmp expect out
'

test_done
