#!/usr/bin/env bash
# Benchmark of the job report (docs/report.md; not part of the test suite). Seeds a job of N mailboxes
# (8 folders each, an initial and a final run with per-mailbox statistics, 10 per 10,000 with missing
# messages, 5 excluded, the gate approved) into a temp SQLite file, then builds the JSON report and the
# PDF RUNS times and prints time, peak RSS (VmHWM reset before each run), sizes and pages, and the median.
# Usage: scripts/bench-report.sh [mailboxes=10000] [runs=3]
#        REPORT_OUT=/tmp/report.pdf scripts/bench-report.sh   # keep the last PDF to look at
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]] \
    || { echo "No font for the PDF: apt-get install -y fonts-dejavu-core" >&2; exit 1; }
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    dotnet build tests/Ligbox.Bench -c Release -nologo -v q >/dev/null
fi
exec dotnet tests/Ligbox.Bench/bin/Release/net10.0/Ligbox.Bench.dll report "$@"
