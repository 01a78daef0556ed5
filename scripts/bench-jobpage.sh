#!/usr/bin/env bash
# Benchmark of the job page with many mailboxes (issue 11): starts the console (Release) on a temp data
# directory, seeds COUNT mailboxes through the CSV API, opens the job page RUNS times in headless Chromium
# (Playwright's driver from the test project's build) and prints, per run and as the median: the time until
# the first page of the mailbox table is on screen (circuit live), the prerendered HTML size, the DOM size,
# the rows rendered, and the server's RSS before opening, while open and after closing (plus a pause). With the
# repo's local dotnet-gcdump (`dotnet tool restore`), also the live managed heap after closing (a gcdump forces a
# full GC: what the closed pages left reachable) and the RSS right after that GC, so a leak (the heap grows per
# open) and memory the process merely keeps (RSS above a flat heap) are told apart.
# Development environment: the build output (not a publish) serves its static assets only there.
#   scripts/bench-jobpage.sh            # 10,000 mailboxes, 3 runs
#   COUNT=50000 RUNS=5 scripts/bench-jobpage.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COUNT=${COUNT:-10000}
RUNS=${RUNS:-3}
SETTLE=${SETTLE:-15}
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
BASE="http://127.0.0.1:$PORT"
PW="$ROOT/tests/Ligbox.Console.Tests/bin/Release/net10.0/.playwright"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "Building the console and the test project (for Playwright's driver)..." >&2
    dotnet build "$ROOT/Ligbox.Console" -c Release -nologo -v q >/dev/null
    dotnet build "$ROOT/tests/Ligbox.Console.Tests" -c Release -nologo -v q >/dev/null
fi
[[ -x /usr/bin/chromium ]] || { echo "Chromium is missing at /usr/bin/chromium: apt-get install chromium" >&2; exit 1; }
[[ -f $PW/package/index.js ]] || { echo "Playwright's driver is missing at $PW: build tests/Ligbox.Console.Tests" >&2; exit 1; }

DATA=$(mktemp -d /tmp/ligbox-bench.XXXXXX)
TOKEN="lgbx_bench_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ADMIN_PASSWORD="Bench-Passw0rd!"
(
    cd "$ROOT/Ligbox.Console/bin/Release/net10.0"
    ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$BASE" Ligbox__DataDir="$DATA" \
    Ligbox__Admin__Email=admin@bench.local Ligbox__Admin__Password="$ADMIN_PASSWORD" Ligbox__Bootstrap__ApiToken="$TOKEN" \
        exec dotnet Ligbox.Console.dll >"$DATA/console.log" 2>&1
) &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$BASE/account/login" && break
    sleep 0.5
done
curl -sf -o /dev/null "$BASE/account/login" || { echo "The console did not start; its log:" >&2; tail -40 "$DATA/console.log" >&2; exit 1; }

auth=(-H "Authorization: Bearer $TOKEN")
curl -s "${auth[@]}" -H 'Content-Type: application/json' "$BASE/api/migration/jobs" \
    -d '{"domain":"bench.example","name":"Benchmark","source":{"host":"imap.old.example"},"destination":{"host":"imap.new.example"}}' >"$DATA/job.json"
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$DATA/job.json") \
    || { echo "Creating the job failed: $(cat "$DATA/job.json")" >&2; exit 1; }
{
    echo "source_user,source_password,dest_user,dest_password"
    seq -f "%05g" 0 $((COUNT - 1)) | awk '{ printf "user%s@bench.example,Old-Secret-%s,user%s@new.example,New-Secret-%s\n", $1, $1, $1, $1 }'
} >"$DATA/mailboxes.csv"
echo "Seeding $COUNT mailboxes through POST /api/migration/jobs/$JOB/mailboxes/import ..." >&2
IMPORTED=$(curl -sf "${auth[@]}" -H 'Content-Type: text/csv' --data-binary "@$DATA/mailboxes.csv" "$BASE/api/migration/jobs/$JOB/mailboxes/import" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["imported"])')
echo "Imported $IMPORTED mailboxes." >&2

cat >"$DATA/bench.cjs" <<'JS'
const { chromium } = require(process.env.PW_PACKAGE);
const fs = require('fs');
const sleep = ms => new Promise(r => setTimeout(r, ms));
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${process.env.PID}/status`, 'utf8'))[1]) / 1024);
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
(async () => {
    const base = process.env.BASE, job = process.env.JOB, runs = Number(process.env.RUNS), settle = Number(process.env.SETTLE) * 1000;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(120000);
    const login = await context.newPage();
    await login.goto(`${base}/account/login`);
    await login.fill('#email', 'admin@bench.local');
    await login.fill('#password', process.env.ADMIN_PASSWORD);
    await Promise.all([login.waitForURL(u => !u.pathname.startsWith('/account')), login.click('#sign-in')]);
    await login.close();
    await sleep(settle);
    const results = [];
    for (let i = 1; i <= runs; i++) {
        const before = rss();
        const page = await context.newPage();
        const t0 = Date.now();
        const response = await page.goto(`${base}/migration/jobs/${job}`);
        const html = (await response.body()).length;
        await page.locator('[data-interactive=true]').waitFor({ state: 'attached' });
        await page.locator('[data-testid=mailbox-source]').first().waitFor();
        const ms = Date.now() - t0;
        const dom = await page.evaluate(() => document.documentElement.outerHTML.length);
        const rows = await page.locator('[data-testid=mailbox-source]').count();
        const open = rss();
        await page.close({ runBeforeUnload: true });
        await sleep(settle);
        const closed = rss();
        const heap = require('child_process').execFileSync(process.env.HEAP_SH).toString().trim();
        const r = { run: i, renderMs: ms, htmlKB: Math.round(html / 1024), domKB: Math.round(dom / 1024), rows, rssBeforeMB: before, rssOpenMB: open, rssClosedMB: closed };
        if (heap !== '') { r.heapClosedMB = Number(heap); r.rssAfterGcMB = rss(); }
        results.push(r);
        console.log(JSON.stringify(r));
    }
    const m = k => median(results.map(r => r[k]));
    console.log(`MEDIAN of ${runs}: render ${m('renderMs')} ms, prerendered HTML ${m('htmlKB')} KB, DOM ${m('domKB')} KB, rows ${m('rows')}, ` +
        `RSS before ${m('rssBeforeMB')} MB, open ${m('rssOpenMB')} MB, ${process.env.SETTLE} s after close ${m('rssClosedMB')} MB` +
        (results[0].heapClosedMB === undefined ? '' : `; live managed heap after close ${m('heapClosedMB')} MB (runs: ${results.map(r => r.heapClosedMB).join(', ')}), RSS after that GC ${m('rssAfterGcMB')} MB`));
    await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
JS
GCDUMP=""
if (cd "$ROOT" && dotnet tool run dotnet-gcdump --version >/dev/null 2>&1); then
    GCDUMP=1
else
    echo "(dotnet-gcdump is not restored: run 'dotnet tool restore' to also measure the managed heap)" >&2
fi
cat >"$DATA/heap.sh" <<SH
#!/usr/bin/env bash
# The live managed heap in MB after a forced full GC (dotnet-gcdump), or nothing without the tool.
[[ -n "$GCDUMP" ]] || exit 0
cd "$ROOT" && dotnet tool run dotnet-gcdump collect -p "$PID" -o "$DATA/heap.gcdump" >/dev/null 2>&1 \
    && dotnet tool run dotnet-gcdump report "$DATA/heap.gcdump" 2>/dev/null | awk '/GC Heap bytes/ { gsub(",", "", \$1); printf "%d", \$1 / 1048576; exit }'
rm -f "$DATA/heap.gcdump"
SH
chmod +x "$DATA/heap.sh"
echo "Opening the job page $RUNS times (mailboxes: $IMPORTED) ..." >&2
HEAP_SH="$DATA/heap.sh" PW_PACKAGE="$PW/package" BASE="$BASE" JOB="$JOB" RUNS="$RUNS" SETTLE="$SETTLE" PID="$PID" ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    "$PW/node/linux-x64/node" "$DATA/bench.cjs"
