#!/bin/sh
# Concurrent writers: 8 processes each run 100 separate sfa-lead add
# commands against one store. Every add must land exactly once, in its own
# commit, on a linear history. Exit 5 ("temporary failure, worth
# retrying") is retried as a script would, and counted; any other failure
# fails the test. SFA_CONCURRENT_ADDS (default 100) scales the test.

. "$(dirname "$0")/lib.sh"

procs=8
adds=${SFA_CONCURRENT_ADDS:-100}
total=$((procs * adds))

# One writer: adds name=pP-1 .. pP-N, retrying on exit 5; logs each id to
# ids.P, each exit code 5 to retries.P and any other failure to fails.P.
writer () {
	_w_i=1
	while [ "$_w_i" -le "$adds" ]; do
		_w_try=1
		while :; do
			_w_rc=0
			sfa-lead add "name=p$1-$_w_i" >>"ids.$1" 2>>"err.$1" || _w_rc=$?
			if [ "$_w_rc" -eq 5 ] && [ "$_w_try" -lt 10 ]; then
				echo "p$1-$_w_i" >>"retries.$1"
				_w_try=$((_w_try + 1))
				continue
			fi
			if [ "$_w_rc" -ne 0 ]; then
				echo "p$1-$_w_i: exit $_w_rc" >>"fails.$1"
			fi
			break
		done
		_w_i=$((_w_i + 1))
	done
}

test_expect_success 'setup' '
	sfa init -q
'

test_expect_success "$procs processes add $adds leads each at the same time" '
	p=1
	while [ $p -le $procs ]; do
		: >"ids.$p"
		: >"err.$p"
		: >"retries.$p"
		: >"fails.$p"
		writer $p &
		p=$((p + 1))
	done
	wait
	cat fails.* >fails
	cat retries.* >retries
	echo "exit 5 (retried): $(wc -l <retries)"
	if [ -s fails ]; then
		cat fails
		cat err.* | head -n 50
		false
	fi
'

echo "# adds retried after exit 5: $(cat retries 2>/dev/null | wc -l)"

test_expect_success 'no command crashed or reported a sanitizer finding' '
	cat err.* >errs
	test_grep ! -e AddressSanitizer -e "runtime error:" -e LeakSanitizer errs
'

test_expect_success "git has exactly $total leads" '
	test_eq "$total" "$(lead_count_git)"
'

test_expect_success "main has $total + 1 commits on a linear history" '
	test_eq $((total + 1)) "$(commit_count)"
	test_eq 0 "$(store_git rev-list --count --merges main)"
	store_git log --format= --name-status main >changes
	test_eq "$total" "$(grep -c "^A	leads/" changes)"
	# besides the leads only the files of init, never changed
	grep -v "^A	leads/" changes >others
	for f in pipelines.json pricebooks.json quote.html quoting.json schema.json scoring.json store.json; do
		printf "A\tconfig/%s\n" $f
	done >expect.others
	test_cmp expect.others others
'

test_expect_success 'every printed id is a lead in git, each once' '
	cat ids.* >printed
	test_line_count = "$total" printed
	sort printed >printed.sorted
	sort -u printed >printed.unique
	test_cmp printed.sorted printed.unique
	store_git ls-tree -r --name-only main |
	sed -n "s|^leads/../\([0-9a-z]*\)\.json\$|\1|p" | sort >git.ids
	test_cmp printed.sorted git.ids
'

test_expect_success 'every pN-i is present exactly once (from git)' '
	p=1
	while [ $p -le $procs ]; do
		i=1
		while [ $i -le $adds ]; do
			echo "p$p-$i"
			i=$((i + 1))
		done
		p=$((p + 1))
	done | sort >expect
	store_git ls-tree -r main | awk "{ print \$3 }" |
	store_git cat-file --batch |
	sed -n "s/^  \"name\": \"\(.*\)\",\{0,1\}\$/\1/p" | sort >names
	test_cmp expect names
'

test_expect_success 'every pN-i is present exactly once (from the index)' '
	sfa-lead list --fields name >out
	tr -d "\r" <out | sed 1d | sort >names.index
	test_cmp expect names.index
	sfa-lead list --format ids | sort >listed
	test_cmp git.ids listed
'

test_expect_success 'each commit message names the lead it added' '
	store_git log --format=%s main~0 -n "$total" >subjects
	sed "s/^/sfa-lead: add lead /" printed.sorted | sort >expect.subjects
	sort subjects >subjects.sorted
	test_cmp expect.subjects subjects.sorted
'

test_expect_success 'a write lock held longer than SFA_LOCK_TIMEOUT gives exit 5' '
	before=$(commit_count)
	flock "$SFA_STORE/sfa.lock" sleep 8 &
	pid=$!
	n=0
	while flock -n "$SFA_STORE/sfa.lock" true; do
		n=$((n + 1))
		test $n -lt 100
		sleep 0.1
	done
	start=$(date +%s)
	test_must_fail --exit=5 env SFA_LOCK_TIMEOUT=1 sfa-lead add name=late >out 2>err
	end=$(date +%s)
	test $((end - start)) -le 5
	test -s err
	test ! -s out
	test_eq "$before" "$(commit_count)"
	wait "$pid"
	SFA_LOCK_TIMEOUT=1 sfa-lead add name=ontime >id
	test_eq $((before + 1)) "$(commit_count)"
'

test_expect_success 'the store passes git fsck' '
	store_git fsck --strict --no-dangling
'

test_done
