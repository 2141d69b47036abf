#!/bin/sh
# sfa-lead dupes against known duplicates: 10,000 gen-data leads (which
# re-enter some people with the same email, sometimes upper-cased) and
# planted duplicates typed in another way (tests/dupes-golden.py): email in
# other case, phone national or "00CC" instead of "+CC", a letter of the
# name changed or two swapped at the company written differently, the
# email left out. Pairwise precision and recall are measured and printed.

. "$(dirname "$0")/lib.sh"

golden () {
	python3 "$TEST_DIRECTORY/dupes-golden.py" "$@"
}

test_expect_success 'setup: leads with known duplicates, the same every time' '
	golden generate "$SFA_GEN_DATA" 10000 leads.csv truth.csv 2>err &&
	test_grep "10480 leads, 480 planted duplicates" err &&
	golden generate "$SFA_GEN_DATA" 10000 leads2.csv truth2.csv 2>err &&
	cmp leads.csv leads2.csv &&
	cmp truth.csv truth2.csv &&
	test_line_count = 10481 truth.csv &&
	test_eq 480 "$(grep -c "^G" truth.csv)" &&
	sfa init -q &&
	sfa-lead import leads.csv 2>err &&
	test_grep "10480 added" err
'

test_expect_success 'dupes finds groups; every row gives a reason and a score' '
	sfa-lead dupes --format csv >dupes.csv 2>err &&
	sfa-lead list --fields id,external_id --format csv >ids.csv &&
	python3 - dupes.csv <<-\EOF
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
	assert len(rows) > 700, len(rows)
	for r in rows:
	    why = r["reason"].split("+")
	    assert why and set(why) <= {"email", "phone", "name", "company"}, r
	    assert ("name" in why) == ("company" in why), r
	    assert 0.9 <= float(r["score"]) <= 1.0, r
	EOF
'

test_expect_success 'precision and recall against the known duplicates' '
	golden score truth.csv dupes.csv ids.csv >scores 2>err &&
	cp scores "$tmp/golden-scores"
'

if [ -f "$tmp/golden-scores" ]; then
	sed "s/^/# /" "$tmp/golden-scores"
fi

test_expect_success 'precision >= 0.95 and recall >= 0.95' '
	python3 - scores <<-\EOF
	import sys
	first = open(sys.argv[1]).readline().split()
	p, r = float(first[1]), float(first[3])
	assert p >= 0.95, "precision %.3f" % p
	assert r >= 0.95, "recall %.3f" % r
	EOF
'

test_expect_success 'every duplicate known by email or phone is found' '
	for kind in gen-data email-case phone-national phone-intl mixed; do
		test_grep "^recall $kind 1.000 " scores || return 1
	done
'

test_expect_success 'most duplicates known by a near name at the same company are found' '
	python3 - scores <<-\EOF
	import sys
	for line in open(sys.argv[1]):
	    w = line.split()
	    if w[0] == "recall" and w[1] in ("name-typo", "name-swap"):
	        assert float(w[2]) >= 0.9, line
	EOF
'

test_expect_success 'no group holds two different addresses' '
	test_grep -x "groups with two addresses: 0" scores
'

test_expect_success 'a stricter threshold finds fewer pairs, still all by email and phone' '
	sfa-lead dupes --threshold 0.99 --format csv >strict.csv &&
	golden score truth.csv strict.csv ids.csv >strict-scores &&
	sed "s/^/# strict: /" strict-scores >&4 &&
	for kind in gen-data email-case phone-national phone-intl mixed; do
		test_grep "^recall $kind 1.000 " strict-scores || return 1
	done &&
	python3 - scores strict-scores <<-\EOF
	import sys
	def pairs(path):
	    return int(open(path).readline().split("(")[1].split()[0])
	assert pairs(sys.argv[2]) < pairs(sys.argv[1]), (pairs(sys.argv[1]), pairs(sys.argv[2]))
	EOF
'

test_done
