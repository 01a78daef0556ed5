#!/usr/bin/env bash
# Benchmark of the mbox/PST import (not part of the test suite). Needs Dovecot
# (apt-get install -y dovecot-imapd dovecot-core). Generates an mbox of N messages of ~S bytes
# (200000 x 5000 ≈ 1 GB), imports it into a local Dovecot (fsync on) and prints throughput next to
# a raw IMAP APPEND ceiling measured in the same run, the re-import time and our peak RSS.
# Usage: scripts/bench-pst.sh [messages=20000] [bytes=5000]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dovecot >/dev/null || { echo "dovecot missing: apt-get install -y dovecot-imapd dovecot-core" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/Ligbox.PstBench -c Release -nologo -v q
exec dotnet tests/Ligbox.PstBench/bin/Release/net10.0/Ligbox.PstBench.dll "$@"
