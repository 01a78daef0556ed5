#!/usr/bin/env bash
# Installs what the tests need if it is missing, then runs the whole test suite.
# The last line printed is the totals, alone on the line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-test-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
# Node packages used by the upload conformance tests (tus-js-client), if the test project has them.
if [ -f tests/js/package.json ] && [ ! -d tests/js/node_modules ]; then
  (cd tests/js && npm ci --no-audit --no-fund --silent) || { echo "npm install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Ligbox.slnx -c Release -nologo -v q || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# Every process the suite starts inherits this TMPDIR, and every Dovecot it starts lives under it (its -c
# config): what is still running afterwards was left behind by a fixture. Short, for unix socket paths.
suite_tmp=$(mktemp -d /tmp/lbxt-XXXXXX)
chmod 755 "$suite_tmp"
export TMPDIR="$suite_tmp"

status=0
for proj in tests/Ligbox.Tools.Tests tests/Ligbox.Core.Tests tests/Ligbox.Console.Tests; do
  name=$(basename "$proj")
  echo "=== $name"
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" "$@" || status=1
done

# Processes of the suite still running: anything whose command line names the suite's TMPDIR (Dovecot
# instances, doveadm, imapsync, readpst, the test PostgreSQL clusters), and consoles, tools, browsers and
# postgres backends that inherited it.
leftovers() {
  local pid cmd
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" = "$$" ] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") 2>/dev/null || continue
    [ -z "$cmd" ] && continue
    if [[ "$cmd" == *"$suite_tmp"* ]] || { { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qx "TMPDIR=$suite_tmp" \
        && [[ "$cmd" =~ dovecot|doveadm|imapsync|readpst|Ligbox\.Console|chromium|postgres ]]; }; then
      printf '%s %s\n' "$pid" "$cmd"
    fi
  done
}
left=$(leftovers)

passed=0; failed=0; total=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); total=$((total + ${t:-0}))
done
# The failed tests by name with the first lines of their message, so the end of the output says what to
# look at and why (CI shows only the tail).
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  awk '
    function plain(s) { gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&amp;/, "\\&", s); return s }
    /<UnitTestResult / && /outcome="Failed"/ { failing = 1; shown = 0; match($0, /testName="[^"]*"/); print "FAILED: " plain(substr($0, RSTART + 10, RLENGTH - 11)) }
    failing && /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
    failing && inmsg {
      line = $0; done = sub(/<\/Message>.*/, "", line); line = plain(line)
      if (shown < 12 && line != "") { print "    " substr(line, 1, 300); shown++ }
      if (done) { inmsg = 0; failing = 0 }
    }
    /<\/UnitTestResult>/ { failing = 0; inmsg = 0 }
  ' "$trx"
done
# A test project that crashed or wrote no results counts as a failure, not as silence.
expected=3
found=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$found" -lt "$expected" ]; then failed=$((failed + expected - found)); status=1; fi
# Tests that were neither passed nor failed (skipped, not run) are reported, never counted as passing.
other=$((total - passed - failed))
[ "$other" -gt 0 ] && echo "note: $other tests neither passed nor failed (skipped or not executed)"
if [ -n "$left" ]; then
  echo "LEFT RUNNING after the tests (a fixture did not stop what it started; counted as 1 failure):"
  printf '%s\n' "$left" | cut -c1-200
  failed=$((failed + 1)); status=1
  # Clean up so the machine is not left with them: TERM, then KILL what is still there.
  kill $(printf '%s\n' "$left" | cut -d' ' -f1) 2>/dev/null; sleep 2
  kill -9 $(leftovers | cut -d' ' -f1) 2>/dev/null
else
  echo "no Dovecot, PostgreSQL, tool, browser or console process of the suite left running"
fi
rm -rf "$suite_tmp" 2>/dev/null
[ "$failed" -gt 0 ] && status=1
[ "$passed" -eq 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
