#!/bin/sh
# An import interrupted by SIGINT, SIGTERM or SIGHUP removes its temporary
# pack, leaves no lock file and no half-written change, and dies of the
# signal as the shell expects.
. "$(dirname "$0")/lib.sh"

# Starts an import with default signal handling (a shell's background
# job would ignore SIGINT, nohup SIGHUP), sends `sig` once the import is under way and
# prints how the process ended: the negative signal number or the code.
interrupt () {
	python3 - "$1" <<'PY'
import os, signal, subprocess, sys, time
sig = getattr(signal, sys.argv[1])
p = subprocess.Popen(["sfa-lead", "import", "-q", "big.csv"],
                     preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL)
                                         for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)])
# Wait until the temporary pack exists: the import is writing objects.
tmp = os.path.join(os.environ["SFA_STORE"], "sfa-tmp")
deadline = time.time() + 60
while time.time() < deadline and p.poll() is None:
    if os.path.isdir(tmp) and os.listdir(tmp):
        break
    time.sleep(0.01)
p.send_signal(sig)
print(p.wait())
PY
}

test_expect_success 'setup' '
	sfa init -q
	gen_leads 100000 >big.csv
	commit_count >commits
	store_git rev-parse main >head
'

for sig in SIGINT SIGTERM SIGHUP; do
	test_expect_success "$sig during an import: nothing left behind" '
		interrupt '$sig' >status
		num=$(python3 -c "import signal; print(int(signal.'$sig'))")
		test_eq "-$num" "$(cat status)"
		test_eq "$(cat head)" "$(store_git rev-parse main)"
		find "$SFA_STORE" -name "*.lock" ! -name sfa.lock >locks
		test ! -s locks
		find "$SFA_STORE/sfa-tmp" -type f >tmpfiles
		test ! -s tmpfiles
		test_eq "$(cat commits)" "$(commit_count)"
		store_git fsck --no-dangling
	'
done

test_expect_success 'the store works after the interruptions' '
	sfa-lead add first_name=After >id
	test_eq 1 "$(sfa-lead list --format ids | wc -l)"
'

test_done
