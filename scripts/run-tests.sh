#!/usr/bin/env bash
# Runs every test suite: pytest over tests/, and node:test over functions/test/, sandbox/runtime/test/ and
# tests/node/ when they exist. The node suites run beside pytest (their logs are printed after it): both
# spend much of their time waiting on sandbox and engine subprocesses, so on two cores the waits of one fill
# with the work of the other. Runs all of them even after a failure, then prints each runner's summary line
# and exits non-zero if any failed. pytest's "no tests collected" (exit 5) is a failure.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
logdir=$(mktemp -d)
node_jobs=()
trap 'kill "${node_jobs[@]}" 2>/dev/null; rm -rf "$logdir"' EXIT
failed=0
summaries=()

node_dirs=()
for dir in functions/test sandbox/runtime/test tests/node; do
    [ -d "$dir" ] || continue
    if [ -z "$(find "$dir" -name '*.js' -o -name '*.mjs' -o -name '*.cjs' | head -n1)" ]; then
        summaries+=("node --test $dir: no test files in $dir [failure]")
        failed=1
        continue
    fi
    node_dirs+=("$dir")
done

# The node suites, one after another in one background job (each suite's files run two at a time).
log_of() { echo "$logdir/node-${1//\//_}.log"; }
(
    for dir in "${node_dirs[@]}"; do
        (cd "$(dirname "$dir")" && node --test --test-concurrency=2 "$(basename "$dir")/") > "$(log_of "$dir")" 2>&1
        echo $? > "$(log_of "$dir").rc"
    done
) &
node_jobs+=($!)

# pytest-xdist workers, one group of tests at a time each: a test file (its module fixtures stay in one
# worker), or one test of the files whose tests each start from an account of their own (tests/conftest.py
# `group_of`); every sandbox takes a free port and every test its own temporary folder. The groups are handed
# out longest first (from tests/durations.json). Most of a test's time is waiting on the engine and sandbox
# subprocesses, so more workers than cores keep both cores busy: on 2 cores, make test took 7:40 with 4
# workers and 6:49 with 6 (the tests of three long files handed out one by one). PYTEST_WORKERS=0 runs in
# this one process.
workers=${PYTEST_WORKERS:-6}
parallel=()
[ "$workers" != 0 ] && parallel=(-n "$workers" --dist loadfile)
echo "== pytest tests/"
.venv/bin/pytest tests "${parallel[@]}" "$@" 2>&1 | tee "$logdir/pytest.log"
rc=${PIPESTATUS[0]}
line=$(grep -E '^=+ .*(passed|failed|error|no tests ran|skipped|deselected).* =+$' "$logdir/pytest.log" | tail -n1)
case $rc in
    0) ;;
    5) line="no tests were collected under tests/ (pytest exit 5): a missing suite counts as a failure"; failed=1 ;;
    *) failed=1 ;;
esac
summaries+=("pytest: ${line:-no summary line (exit $rc)} [exit $rc]")

wait "${node_jobs[@]}"
for dir in "${node_dirs[@]}"; do
    log=$(log_of "$dir")
    echo "== node --test $dir"
    cat "$log"
    rc=$(cat "$log.rc" 2>/dev/null || echo 1)
    [ "$rc" = 0 ] || failed=1
    counts=$(grep -E '^# (tests|pass|fail|cancelled|skipped) ' "$log" | sed 's/^# //' | paste -sd, - | sed 's/,/, /g')
    summaries+=("node --test $dir: ${counts:-no summary line} [exit $rc]")
done

echo
echo "== summary"
printf '%s\n' "${summaries[@]}"
if [ "$failed" != 0 ]; then
    echo "FAILED: at least one test runner failed (see above)"
    exit 1
fi
echo "all test runners passed"
