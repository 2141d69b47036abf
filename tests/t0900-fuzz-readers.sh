#!/bin/sh
# The CSV and JSON readers, the value parsers (fuzz-values: money, dates,
# import maps, search text, config paths, matching keys), the template
# language (fuzz-template: parse and render) and mail (fuzz-mime: the
# MIME reader, and messages built and read back) under libFuzzer,
# briefly, from the seed corpus:
# no crash, no leak, no sanitizer report. Longer runs: make fuzz, then
# build/fuzz/fuzz-csv -max_total_time=600 tests/fuzz/corpus/csv
. "$(dirname "$0")/lib.sh"

SFA_FUZZ=${SFA_FUZZ:-build/fuzz}
case $SFA_FUZZ in /*) ;; *) SFA_FUZZ=$SFA_ROOT/$SFA_FUZZ ;; esac
secs=${SFA_FUZZ_SECONDS:-20}

for kind in csv json values template mime; do
	test_expect_success "fuzz the $kind parsers for $secs s from the seed corpus" '
		test -x "$SFA_FUZZ/fuzz-'$kind'" &&
		mkdir -p corpus-'$kind' &&
		cp "$SFA_ROOT"/tests/fuzz/corpus/'$kind'/* corpus-'$kind'/ &&
		"$SFA_FUZZ/fuzz-'$kind'" -max_total_time="$secs" -rss_limit_mb=1024 \
			-artifact_prefix="$PWD/crash-'$kind'-" corpus-'$kind' >fuzz.log 2>&1 ||
		{ tail -40 fuzz.log; false; }
	'
done

test_done
