# tests/bench/lib.sh - what the benchmark scripts share; sourced by them.
# The caller sets GEN (bench/gen-data) and LOGS (a folder for the logs of
# the measured commands) before calling generate or measure.

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# cached FILE STAMP: FILE exists and was made from inputs described by STAMP.
cached() { [ -f "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ]; }

# made FILE STAMP WHAT CMD...: FILE holds the output of CMD, made again
# only when STAMP (a description of its inputs) changed; WHAT says what it
# is in the progress messages.
made() {
	local file=$1 stamp=$2 what=$3
	shift 3
	if cached "$file" "$stamp"; then
		say "using cached $file"
	else
		say "writing $what to $file"
		rm -f "$file" "$file.stamp"
		"$@" >"$file.tmp" || die "$1 failed"
		mv "$file.tmp" "$file"
		printf '%s\n' "$stamp" >"$file.stamp"
	fi
}

# generate KIND COUNT FILE: gen-data's COUNT records of KIND, made again
# only when COUNT or the generator changed.
generate() {
	made "$3" "gen-data $1 $2 $(sha256sum <"$GEN")" "$2 generated $1" "$GEN" "$1" "$2"
}

# Formatting: milliseconds as seconds (s) or as milliseconds below 10 s
# (ms), KiB as MiB, a ratio, disk usage.
s() { awk -v ms="$1" 'BEGIN {printf "%.2f s", ms / 1000}'; }
ms() { awk -v ms="$1" 'BEGIN {if (ms < 10000) printf "%d ms", ms; else printf "%.2f s", ms / 1000}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
du_mb() { du -sk "$@" | awk '{k += $1} END {printf "%.1f MB", k * 1024 / 1e6}'; }

# measure NAME IN OUT CMD...: run CMD with stdin from IN, stdout to OUT and
# stderr to $LOGS/NAME.err; record its wall time in WALL[NAME] (ms) and its
# peak resident set in RSS[NAME] (KiB). An exit status not in $MEASURE_OK
# (default 0) is fatal.
declare -A WALL RSS
measure() {
	local name=$1 in=$2 out=$3 t0 t1 rc=0
	shift 3
	say "timing $name"
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$LOGS/$name.time" "$@" <"$in" >"$out" 2>"$LOGS/$name.err" || rc=$?
	t1=$(date +%s%N)
	if ! [[ " ${MEASURE_OK:-0} " == *" $rc "* ]]; then
		cat "$LOGS/$name.err" >&2
		die "$name: exit status $rc: $*"
	fi
	WALL[$name]=$(((t1 - t0) / 1000000))
	RSS[$name]=$(tail -n 1 "$LOGS/$name.time")
	say "$name: $(ms "${WALL[$name]}"), peak RSS $(mib "${RSS[$name]}")"
}
