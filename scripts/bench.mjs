#!/usr/bin/env node
// `npm run bench [-- --quick]`: what <qpay-checkout> costs a page and how fast it sees a payment,
// measured on this machine beside a naive baseline (a setInterval poller that draws its QR with
// `qrcode` on every render; bench/baseline/). Prints a table and writes bench/results.json.
//   size       gzip/brotli of the shipped files and of what a page fetched in each path
//   time to QR invoice set -> QR painted (qr_image and drawn paths), and navigation start -> QR
//              painted on a plain page with the <script> file; Chromium, fresh cache per run
//   time to paid  endpoint turns PAID -> paid event (visible page), and page visible -> paid event
//   requests   status requests in 10 min visible / hidden, a 60 s outage, after PAID (virtual time)
//   leaks      heap and live timers/fetches/listeners after mount/unmount cycles with polling on
//   server     the status route under many pollers on 127.0.0.1 (QPay mocked in-process)
//   cluster    the same over 1 process on MemoryStore and 3 processes on real Redis and PostgreSQL, and a callback
//              on one process -> PAID on another (bench/server/cluster-bench.ts)
//   push       the shop's real checkout handler and pages in Chromium: provider callback -> paid event, the end
//              of an outage -> status seen again, traffic of a waiting page, and many open event streams on one
//              process; for the element with events-url, the element polling only, and the naive baseline
// Timed figures are medians over repeated runs with min and max. Nothing is asserted: the bench
// fails only when it cannot measure. `--quick` (CI) runs fewer repetitions and a short server run.
// Builds first (scripts/build.mjs) when dist/ is missing or older than the sources.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const resultsFile = join(root, 'bench', 'results.json');
const quick = process.argv.includes('--quick');
const unknownArgs = process.argv.slice(2).filter((arg) => arg !== '--quick');
if (unknownArgs.length > 0) {
  console.error(`bench: unknown argument ${unknownArgs.join(' ')}; the only option is --quick`);
  process.exit(2);
}

const INTERVAL = 2000; // the element's default poll-interval
const SETTINGS = quick
  ? {
      qr: 3, paid: 4, hidden: 2, leakRuns: 1, cycles: 50, requestRuns: 5, server: { pollers: 100, invoices: 100, durationMs: 2000, warmupMs: 500, connections: 100 },
      cluster: { pollers: 100, invoices: 20, durationMs: 2000, callbackReps: 3 },
      push: { reps: 3, outageMs: 6000, outagePages: 2, trafficMs: 16000, streams: { count: 100, invoices: 10, idleMs: 1000 } },
    }
  : {
      qr: 15, paid: 16, hidden: 8, leakRuns: 3, cycles: 500, requestRuns: 25, server: { pollers: 1000, invoices: 100, durationMs: 10000, warmupMs: 1000, connections: 256 },
      cluster: { pollers: 1000, invoices: 100, durationMs: 10000, callbackReps: 20 },
      push: { reps: 20, outageMs: 60000, outagePages: 4, trafficMs: 60000, streams: { count: 1000, invoices: 100, idleMs: 10000 } },
    };

const benchStarted = Date.now();
/** Progress lines carry the seconds since the start, to see where the time goes. */
const progress = (line) => console.log(`[${((Date.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const log = (line) => console.log(line);

// ---- build ----------------------------------------------------------------------------------------

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** dist/ is stale when a file the build reads is newer than the oldest output the bench uses. */
function distIsStale() {
  const outputs = ['index.js', 'qpay-checkout.min.js', 'server.js', 'mock.js'].map((file) => join(dist, file));
  if (!outputs.every(existsSync)) return 'dist/ is missing files';
  const builtAt = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  const inputs = ['src', 'scripts/build.mjs', 'scripts/entries.mjs', 'package.json', 'tsconfig.build.json'];
  const changed = inputs.find((input) => newestMtime(join(root, input)) > builtAt);
  return changed ? `${changed} changed since the last build` : null;
}

function ensureBuild() {
  const why = distIsStale();
  if (!why) return;
  progress(`Building first (${why})…`);
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed (see above)');
}

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next one
    }
  }
  throw new Error(`no Chromium found (set CHROMIUM_PATH; tried ${candidates.join(', ')})`);
}

/** A TypeScript bench script run through tsx in its own process; resolves with the JSON of its last output line. */
function runTsBench(script, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      try {
        resolvePromise(JSON.parse(out.trim().split('\n').at(-1)));
      } catch (error) {
        reject(new Error(`${script} printed no result: ${error.message}`));
      }
    });
  });
}

/** The request counts on virtual time (bench/requests.ts). */
const runRequestCounts = (runs) => runTsBench('bench/requests.ts', ['--runs', String(runs)]);

/** The cluster bench (bench/server/cluster-bench.ts): real Redis and PostgreSQL servers, several shop processes. */
const runClusterBench = (settings) => runTsBench('bench/server/cluster-bench.ts', [JSON.stringify(settings)]);

// ---- the run --------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const loadBefore = loadavg();
  ensureBuild();
  const executablePath = findChromium();

  // Imported after the build: the size helpers and server bench read dist/.
  const { buildBenchBundles } = await import('../bench/lib/bundle.mjs');
  const { startPageServer } = await import('../bench/lib/page-server.mjs');
  const { runBrowserBench } = await import('../bench/lib/browser-bench.mjs');
  const { measureSizes } = await import('../bench/lib/size-bench.mjs');
  const { runServerBench } = await import('../bench/lib/server-bench.mjs');
  const { runPushBench } = await import('../bench/lib/push-bench.mjs');
  const { summarize } = await import('../bench/lib/stats.mjs');

  // The QPay document's invoice response, open for 30 minutes; the drawn path has no qr_image.
  const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'invoice-create-response.json'), 'utf8'));
  const image = { ...fixture, amount: 15000, currency: 'MNT', description: 'Bench order', expires_at: new Date(Date.now() + 30 * 60_000).toISOString() };
  const { qr_image: _dropped, ...drawn } = image;
  const invoices = { image, drawn };

  const scratch = mkdtempSync(join(tmpdir(), 'qpay-bench-'));
  try {
    progress('Bundling the bench pages (element from the npm entry with lit; baseline with qrcode)…');
    await buildBenchBundles(join(scratch, 'bundles'));
    const server = await startPageServer({ bundlesDir: join(scratch, 'bundles'), invoices });
    let browser;
    try {
      progress(`Chromium (${executablePath})…`);
      browser = await runBrowserBench({
        executablePath,
        server,
        invoices,
        reps: { qr: SETTINGS.qr, paid: SETTINGS.paid, hidden: SETTINGS.hidden, leakRuns: SETTINGS.leakRuns, cycles: SETTINGS.cycles },
        interval: INTERVAL,
        log: progress,
      });
    } finally {
      await server.close();
    }
    const size = measureSizes({ loaded: browser.loaded, fileFor: server.fileFor });

    progress('Push: the shop\'s checkout handler with pages in Chromium…');
    const push = await runPushBench({ executablePath, bundlesDir: join(scratch, 'bundles'), interval: INTERVAL, ...SETTINGS.push, log: progress });

    progress(`Status requests on virtual time (${SETTINGS.requestRuns} runs)…`);
    const counts = await runRequestCounts(SETTINGS.requestRuns);
    const requests = {};
    for (const [widget, scenarios] of Object.entries(counts.results)) {
      requests[widget] = {};
      for (const [scenario, runs] of Object.entries(scenarios)) {
        requests[widget][scenario] = summarize(runs.map((r) => r.requests), 0);
        if (runs[0].recoveryMs !== undefined) requests[widget].outageRecoveryMs = summarize(runs.map((r) => r.recoveryMs), 0);
      }
    }

    const { pollers, invoices: invoiceCount, durationMs } = SETTINGS.server;
    progress(`Server: ${pollers} pollers over ${invoiceCount} invoices for ${durationMs / 1000} s, paced and flood…`);
    const serverResults = await runServerBench({ ...SETTINGS.server, interval: INTERVAL });
    progress(`Cluster: ${SETTINGS.cluster.pollers} pollers, 1 process on MemoryStore, 3 on Redis, 3 on PostgreSQL…`);
    const clusterResults = await runClusterBench({ ...SETTINGS.cluster, interval: INTERVAL });

    const results = {
      meta: {
        command: `npm run bench${quick ? ' -- --quick' : ''}`,
        quick,
        date: new Date().toISOString(),
        seconds: Math.round((Date.now() - started) / 1000),
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? 'unknown',
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          os: `${process.platform} ${release()}`,
          node: process.version,
          chromium: browser.chromium,
          loadAverage: { before: loadBefore.map((n) => Math.round(n * 100) / 100), after: loadavg().map((n) => Math.round(n * 100) / 100) },
        },
        settings: { ...SETTINGS, pollInterval: INTERVAL, pollerDefaults: counts.settings },
      },
      size,
      timeToQr: browser.timeToQr,
      navigationToQr: browser.navigation,
      timeToPaid: browser.timeToPaid,
      requests,
      leaks: browser.leaks,
      server: serverResults,
      cluster: clusterResults,
      push,
    };
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
    log(`\nWrote ${relative(root, resultsFile)} in ${results.meta.seconds} s.`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---- the table ------------------------------------------------------------------------------------

const kb = (bytes) => (bytes === null || bytes === undefined ? '—' : `${(bytes / 1024).toFixed(1)} KB`);
const ms = (s) => (s?.median === null || s?.median === undefined ? '—' : `${s.median} ms (${s.min}–${s.max})`);
const num = (s) => (s?.median === null || s?.median === undefined ? '—' : s.min === s.max ? `${s.median}` : `${s.median} (${s.min}–${s.max})`);
/** qpay-checkout ÷ baseline: below 1 means the element needs less (bytes, ms, requests). */
function ratio(element, baseline) {
  if (typeof element !== 'number' || typeof baseline !== 'number' || baseline === 0) return '';
  const r = element / baseline;
  return r === 0 ? '0' : r < 0.1 ? r.toFixed(3) : r.toFixed(2);
}

function printTable(r) {
  const rows = [];
  const section = (title) => rows.push([`\n${title}`]);
  const row = (label, element, baseline = '', compare = '') => rows.push([label, element, baseline, compare]);

  section('Size (gzip / brotli)');
  const sz = (s) => (s ? `${kb(s.gzip)} / ${kb(s.brotli)}` : '—');
  row('<script> file dist/qpay-checkout.min.js', sz(r.size.scriptFile));
  row('npm entry (dist/index.js + static imports, no lit, bundled)', sz(r.size.npmEntry));
  row('QR chunk in dist (qrcode external)', sz(r.size.qrChunk));
  row('other on-demand chunks (en, ru, invoice-url loader, phone bank list)', sz(r.size.otherLazyChunks));
  row('QR chunk as a page loads it (with qrcode)', sz(r.size.qrChunkWithEncoder));
  const pages = r.size.pages;
  row('page loads: npm entry + lit, qr_image path', sz(pages.elementImage), sz(pages.baseline), ratio(pages.elementImage?.gzip, pages.baseline?.gzip));
  row('page loads: npm entry + lit + QR chunk, drawn path', sz(pages.elementDrawn), sz(pages.baseline), ratio(pages.elementDrawn?.gzip, pages.baseline?.gzip));
  row('page loads: <script> file page', sz(pages.scriptPage));

  section('Time to QR painted (median (min–max))');
  const qr = r.timeToQr;
  const base = qr['baseline:drawn'].paint;
  row('invoice set -> painted, qr_image path', ms(qr['element:image'].paint), ms(base), ratio(qr['element:image'].paint.median, base.median));
  row('invoice set -> painted, drawn QR path', ms(qr['element:drawn'].paint), ms(base), ratio(qr['element:drawn'].paint.median, base.median));
  row('navigation start -> painted, <script> page, qr_image', ms(r.navigationToQr.image.paint));
  row('navigation start -> painted, <script> page, drawn', ms(r.navigationToQr.drawn.paint));

  section(`Time to paid (poll interval ${r.meta.settings.pollInterval} ms)`);
  const tp = r.timeToPaid;
  row('endpoint PAID -> paid event, page visible', ms(tp.element.visible), ms(tp.baseline.visible), ratio(tp.element.visible.median, tp.baseline.visible.median));
  row('page visible again -> paid event', ms(tp.element.fromHidden), ms(tp.baseline.fromHidden), ratio(tp.element.fromHidden.median, tp.baseline.fromHidden.median));

  section('Status requests per widget (virtual time, exact)');
  const q = r.requests;
  row('10 min visible', num(q.element.visible), num(q.baseline.visible), ratio(q.element.visible.median, q.baseline.visible.median));
  row('10 min hidden', num(q.element.hidden), num(q.baseline.hidden), ratio(q.element.hidden.median, q.baseline.hidden.median));
  row('60 s outage (network errors)', num(q.element.outage), num(q.baseline.outage), ratio(q.element.outage.median, q.baseline.outage.median));
  row('  first request after the outage ends, ms', num(q.element.outageRecoveryMs), num(q.baseline.outageRecoveryMs));
  row('10 min after PAID', num(q.element.afterPaid), num(q.baseline.afterPaid), ratio(q.element.afterPaid.median, q.baseline.afterPaid.median));

  const lk = r.leaks;
  section(`Leaks after ${lk.element.cycles} mount/unmount cycles with polling on`);
  row('heap growth per cycle, bytes (V8 used heap after GC)', num(lk.element.heapGrowthPerCycleBytes), num(lk.baseline.heapGrowthPerCycleBytes));
  row('  of which DevTools request records, bytes', num(lk.element.devtoolsHeapGrowthPerCycleBytes), num(lk.baseline.devtoolsHeapGrowthPerCycleBytes));
  row('  growth less those records, bytes', num(lk.element.pageHeapGrowthPerCycleBytes), num(lk.baseline.pageHeapGrowthPerCycleBytes));
  row('heap after (used, after GC)', kb(lk.element.heapAfterBytes.median), kb(lk.baseline.heapAfterBytes.median));
  const live = (l) => `${l.timeouts} timeouts, ${l.intervals} intervals, ${l.fetches} fetches, ${l.listeners} listeners`;
  row('still live afterwards (worst run)', live(lk.element.liveAfterMax), live(lk.baseline.liveAfterMax));

  const s = r.server;
  section(`Server: status route, ${s.pollers} pollers over ${s.invoices} invoices, ${s.durationMs / 1000} s, ≤${s.connections} connections`);
  for (const mode of ['paced', 'flood']) {
    const m = s[mode];
    const label = mode === 'paced' ? `paced (every ${s.interval} ms)` : 'flood (back to back)';
    row(`${label}: requests/s, p50 / p99 latency`, `${m.rps} req/s, ${m.p50Ms} / ${m.p99Ms} ms${m.failed ? `, ${m.failed} failed` : ''}`);
    row(`${label}: QPay calls (payment checks), token requests`, `${m.qpayCalls} (${m.paymentChecks}), ${m.tokenRequests} tokens: ${m.requestsPerQPayCall} status requests per QPay call`);
  }

  const c = r.cluster;
  section(`Cluster: status route, ${c.pollers} pollers over ${c.invoices} invoices, ${c.durationMs / 1000} s, every ${c.interval} ms, spread over the processes`);
  for (const [label, setup] of [['1 process, MemoryStore', c.memory], ['3 processes, Redis', c.redis], ['3 processes, PostgreSQL', c.postgres]]) {
    row(`${label}: requests/s, p50 / p99`, `${setup.rps} req/s, ${setup.p50Ms} / ${setup.p99Ms} ms${setup.failed ? `, ${setup.failed} failed` : ''}`);
    row(`${label}: QPay status calls per invoice per second`, `${setup.callsPerInvoicePerSecond} (${setup.paymentChecks} in all)`);
    const t = setup.callbackToPaidMs;
    row(`${label}: callback on one process -> PAID on ${setup.processes > 1 ? 'another' : 'the same'}`, `${t.median} ms median, p95 ${t.p95} ms`);
    const e = setup.callbackToStreamMs;
    row(`${label}: callback on one process -> PAID in a stream ${setup.processes > 1 ? 'another' : 'the same'} holds`, `${e.median} ms median, p95 ${e.p95} ms`);
  }
  const p = r.push;
  section(`Push: the shop's checkout handler (QPay mocked), element with events-url vs polling only (poll interval ${p.interval} ms)`);
  const ms95 = (s) => (s?.median == null ? '—' : `${s.median} / ${s.p95} ms (${s.min}–${s.max})`);
  const cb = p.callbackToPaid;
  row(`provider callback -> paid event, median / p95: stream`, ms95(cb.stream), ms95(cb.baseline), ratio(cb.stream.median, cb.baseline.median));
  row(`  polling only`, ms95(cb.poll), ms95(cb.baseline), ratio(cb.poll.median, cb.baseline.median));
  const out = p.outageRecovery;
  const rec = (s) => `${ms(s)}${s.neverRecovered ? `, ${s.neverRecovered} never` : ''}, ${s.attemptsPerPage} tries/page`;
  row(`end of a ${p.outageMs / 1000} s outage -> status seen: stream`, rec(out.stream), rec(out.baseline), ratio(out.stream.median, out.baseline.median));
  row(`  polling only`, rec(out.poll), rec(out.baseline), ratio(out.poll.median, out.baseline.median));
  const tr = p.trafficPer10Min;
  const traffic = (t) => `${t.requests} requests, ${kb(t.bytes)}`;
  row(`waiting page, per 10 min (from ${p.trafficMs / 1000} s): stream`, traffic(tr.stream), traffic(tr.baseline), ratio(tr.stream.bytes, tr.baseline.bytes));
  row(`  polling only`, traffic(tr.poll), traffic(tr.baseline), ratio(tr.poll.bytes, tr.baseline.bytes));
  const st = p.streams;
  row(`${st.count} open streams over ${st.invoices} invoices, one process`, `${kb(st.heapPerStreamBytes)} heap (${kb(st.rssPerStreamBytes)} RSS) per stream, ${st.idleCpuPercent}% CPU idle, ${st.qpayCallsPerSecond} QPay calls/s`);

  const widths = [0, 1, 2].map((i) => Math.max(...rows.filter((cells) => cells.length > 1).map((cells) => String(cells[i] ?? '').length)));
  log(`\n${'figure'.padEnd(widths[0])}  ${'qpay-checkout'.padEnd(widths[1])}  ${'naive baseline'.padEnd(widths[2])}  qpay ÷ baseline`);
  for (const cells of rows) {
    if (cells.length === 1) log(cells[0]);
    else log(`${cells[0].padEnd(widths[0])}  ${String(cells[1]).padEnd(widths[1])}  ${String(cells[2]).padEnd(widths[2])}  ${cells[3]}`);
  }
  const m = r.meta.machine;
  log(`\n${m.cpus} × ${m.cpuModel}, Node ${m.node}, Chromium ${m.chromium}, load average ${m.loadAverage.before[0]} -> ${m.loadAverage.after[0]}`);
}

main().catch((error) => {
  console.error(`\nbench failed: ${error?.stack ?? error}`);
  process.exit(1);
});
