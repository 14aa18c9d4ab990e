#!/usr/bin/env node
// `npm run bench [-- --quick | --full] [-- --only PART,PART]`: what <qpay-checkout> costs a page and a shop's
// server, and how fast it sees a payment, measured on this machine beside a naive baseline (a setInterval poller
// that draws its QR with `qrcode` on every render; bench/baseline/). Prints a table (the headline figures first)
// and writes bench/results.json. The parts (PARTS below):
//   size       gzip/brotli of the shipped files and of what a page fetched in each path (page loads come from qr)
//   qr         invoice set -> QR painted (qr_image and drawn paths), and navigation start -> QR painted on a plain
//              page with the <script> file; Chromium, fresh cache per run
//   paid       polling: endpoint turns PAID -> paid event (visible page), and page visible -> paid event
//   leaks      heap and live timers/fetches/listeners after mount/unmount cycles with polling on
//   requests   status requests in 10 min visible / hidden, a 60 s outage, after PAID (virtual time)
//   callback   the shop's real checkout handler and pages in Chromium: provider callback -> paid event, for the
//              element with events-url, the element polling only, and the naive baseline
//   outage     the same pages: the end of an outage -> status seen again
//   traffic    the same pages: requests and bytes of a waiting page
//   streams    many open event streams on one shop process: heap, idle CPU, provider calls per second
//   server     the status route under many pollers on 127.0.0.1 (QPay mocked in-process), paced and back to back
//   cluster    the same over 1 process on MemoryStore and 3 processes on real Redis and PostgreSQL, and a callback
//              on one process -> PAID on another (bench/server/cluster-bench.ts)
//   delivery   3 processes on real Redis: the callback's answer while onPaid hangs, paid -> onPaid start through the
//              outbox, kill -9 mid-onPaid -> onPaid elsewhere with no request, the sweeper's provider calls per open
//              invoice per second at its default interval (bench/server/delivery-bench.ts)
//   pacing     the checkout handler on a virtual clock (QPay mocked in-process): provider checks per open invoice per
//              second over a 10-minute wait with a page polling and a stream open, and a payment whose callback is
//              lost -> PAID, inside the fast windows and outside; `--full` adds the wait on real timers
//              (bench/server/pacing-bench.ts)
// The default run (a few minutes) has the figures a shop asks about: time to paid, provider calls per open
// checkout, capacity per process, QR painted, sizes. `--full` runs every part with more repetitions; `--quick`
// (the last stage of `npm test`) runs every part briefly, only to prove the bench runs. `--only` picks parts of
// the chosen mode. Timed figures are medians over repeated runs with min and max. Nothing is asserted: the bench
// fails only when it cannot measure. Builds first (scripts/build.mjs) when dist/ is missing or older than the
// sources.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from '../bench/lib/table.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const resultsFile = join(root, 'bench', 'results.json');

const PARTS = ['size', 'qr', 'paid', 'leaks', 'requests', 'callback', 'outage', 'traffic', 'streams', 'server', 'cluster', 'delivery', 'pacing'];
const DEFAULT_PARTS = ['size', 'qr', 'paid', 'requests', 'callback', 'streams', 'server', 'delivery', 'pacing'];
const INTERVAL = 2000; // the element's default poll-interval
const MODE_SETTINGS = {
  quick: {
    qr: 3, paid: 4, hidden: 2, leakRuns: 1, cycles: 50, requestRuns: 5, server: { pollers: 100, invoices: 100, durationMs: 2000, warmupMs: 500, connections: 100 },
    cluster: { pollers: 100, invoices: 20, durationMs: 2000, callbackReps: 3 },
    delivery: { hungReps: 2, outboxReps: 5, crashReps: 1, crashTimeoutMs: 1000, sweepInvoices: 10, sweepWindowMs: 2000 },
    pacing: { invoices: 3, waitMs: 600_000, samples: 3, realMs: 0 },
    push: { reps: 3, outageMs: 6000, outagePages: 2, trafficMs: 16000, streams: { count: 100, invoices: 10, idleMs: 1000, pollers: 100, pollMs: 1000 } },
  },
  default: {
    qr: 9, paid: 16, hidden: 4, leakRuns: 1, cycles: 200, requestRuns: 25, server: { pollers: 1000, invoices: 100, durationMs: 10000, warmupMs: 1000, connections: 256 },
    cluster: { pollers: 1000, invoices: 100, durationMs: 5000, callbackReps: 10 },
    delivery: { hungReps: 5, outboxReps: 40, crashReps: 1, crashTimeoutMs: 5000, sweepInvoices: 50, sweepWindowMs: 24000 },
    pacing: { invoices: 20, waitMs: 600_000, samples: 10, realMs: 0 },
    push: { reps: 6, outageMs: 30000, outagePages: 2, trafficMs: 30000, streams: { count: 10000, invoices: 1000, idleMs: 10000, pollers: 1000, pollMs: 5000 } },
  },
  full: {
    qr: 15, paid: 16, hidden: 8, leakRuns: 3, cycles: 500, requestRuns: 25, server: { pollers: 1000, invoices: 100, durationMs: 10000, warmupMs: 1000, connections: 256 },
    cluster: { pollers: 1000, invoices: 100, durationMs: 10000, callbackReps: 20 },
    delivery: { hungReps: 10, outboxReps: 200, crashReps: 3, crashTimeoutMs: 5000, sweepInvoices: 100, sweepWindowMs: 60000 },
    pacing: { invoices: 50, waitMs: 600_000, samples: 20, realMs: 120_000 },
    push: { reps: 20, outageMs: 60000, outagePages: 4, trafficMs: 60000, streams: { count: 10000, invoices: 1000, idleMs: 10000, pollers: 1000, pollMs: 5000 } },
  },
};

/** The mode (quick, default, full) and the parts to run, from the command line; exits with a message on anything else. */
function readArguments(args) {
  const usage = `usage: npm run bench [-- --quick | --full] [--only ${PARTS.join(',')}]`;
  const fail = (message) => {
    console.error(`bench: ${message}\n${usage}`);
    process.exit(2);
  };
  let mode = 'default';
  let only;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quick' || arg === '--full') {
      if (mode !== 'default') fail(`--quick and --full exclude each other`);
      mode = arg.slice(2);
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? args[++i] : arg.slice('--only='.length);
      if (!list) fail('--only needs a comma-separated list of parts');
      only = list.split(',').map((part) => part.trim()).filter(Boolean);
      const unknown = only.filter((part) => !PARTS.includes(part));
      if (unknown.length > 0) fail(`unknown part ${unknown.join(', ')} in --only; the parts are ${PARTS.join(', ')}`);
    } else {
      fail(`unknown argument ${arg}`);
    }
  }
  const parts = new Set(only ?? (mode === 'default' ? DEFAULT_PARTS : PARTS));
  return { mode, parts, settings: MODE_SETTINGS[mode] };
}

const { mode, parts, settings: SETTINGS } = readArguments(process.argv.slice(2));
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

/** The delivery bench (bench/server/delivery-bench.ts): onPaid through the outbox, crashes and the sweeper, on Redis. */
const runDeliveryBench = (settings) => runTsBench('bench/server/delivery-bench.ts', [JSON.stringify(settings)]);

/** The pacing bench (bench/server/pacing-bench.ts): the handler on a virtual clock, provider checks counted. */
const runPacingBench = (settings) => runTsBench('bench/server/pacing-bench.ts', [JSON.stringify(settings)]);

// ---- the run --------------------------------------------------------------------------------------

const runs = (...names) => names.some((name) => parts.has(name));

/** Status request counts per widget and scenario, summarized. */
async function requestCounts(summarize) {
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
  return { requests, pollerDefaults: counts.settings };
}

/** The Chromium parts on the bench pages (qr, paid, leaks), with the page loads the size part reads. */
async function browserParts({ scratch, invoices, executablePath }) {
  const { startPageServer } = await import('../bench/lib/page-server.mjs');
  const { runBrowserBench } = await import('../bench/lib/browser-bench.mjs');
  const { measureSizes } = await import('../bench/lib/size-bench.mjs');
  const server = await startPageServer({ bundlesDir: join(scratch, 'bundles'), invoices });
  let browser = { loaded: {} };
  try {
    if (runs('qr', 'paid', 'leaks')) {
      progress(`Chromium (${executablePath})…`);
      browser = await runBrowserBench({
        executablePath,
        server,
        invoices,
        parts,
        reps: { qr: SETTINGS.qr, paid: SETTINGS.paid, hidden: SETTINGS.hidden, leakRuns: SETTINGS.leakRuns, cycles: SETTINGS.cycles },
        interval: INTERVAL,
        log: progress,
      });
    }
  } finally {
    await server.close();
  }
  const size = parts.has('size') ? measureSizes({ loaded: browser.loaded, fileFor: server.fileFor }) : undefined;
  return { browser, size };
}

async function main() {
  const started = Date.now();
  const loadBefore = loadavg();
  progress(`Mode ${mode}, parts: ${[...parts].join(', ')}`);
  ensureBuild();
  const needsChromium = runs('qr', 'paid', 'leaks', 'callback', 'outage', 'traffic');
  const executablePath = needsChromium ? findChromium() : undefined;

  // Imported after the build: the size helpers and server bench read dist/.
  const { buildBenchBundles } = await import('../bench/lib/bundle.mjs');
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
    const results = { meta: {} };
    if (runs('size', 'qr', 'paid', 'leaks', 'callback', 'outage', 'traffic', 'streams')) {
      progress('Bundling the bench pages (element from the npm entry with lit; baseline with qrcode)…');
      await buildBenchBundles(join(scratch, 'bundles'));
    }
    let chromium;
    if (runs('size', 'qr', 'paid', 'leaks')) {
      const { browser, size } = await browserParts({ scratch, invoices, executablePath });
      chromium = browser.chromium;
      Object.assign(results, { size, timeToQr: browser.timeToQr, navigationToQr: browser.navigation, timeToPaid: browser.timeToPaid, leaks: browser.leaks });
    }
    if (runs('callback', 'outage', 'traffic', 'streams')) {
      progress("Push: the shop's checkout handler with pages in Chromium…");
      results.push = await runPushBench({ executablePath, bundlesDir: join(scratch, 'bundles'), interval: INTERVAL, parts, ...SETTINGS.push, log: progress });
    }
    let pollerDefaults;
    if (runs('requests')) ({ requests: results.requests, pollerDefaults } = await requestCounts(summarize));
    if (runs('server')) {
      const { pollers, invoices: invoiceCount, durationMs } = SETTINGS.server;
      progress(`Server: ${pollers} pollers over ${invoiceCount} invoices for ${durationMs / 1000} s, paced and flood…`);
      results.server = await runServerBench({ ...SETTINGS.server, interval: INTERVAL });
    }
    if (runs('cluster')) {
      progress(`Cluster: ${SETTINGS.cluster.pollers} pollers, 1 process on MemoryStore, 3 on Redis, 3 on PostgreSQL…`);
      results.cluster = await runClusterBench({ ...SETTINGS.cluster, interval: INTERVAL });
    }
    if (runs('delivery')) {
      progress(`Delivery: onPaid through the outbox, kill -9 and the sweeper, 3 processes on Redis…`);
      results.delivery = await runDeliveryBench(SETTINGS.delivery);
    }
    if (runs('pacing')) {
      const { invoices: open, samples, realMs } = SETTINGS.pacing;
      progress(`Pacing: ${open} open invoices for 10 virtual minutes, ${samples} lost callbacks per kind${realMs ? `, then ${realMs / 1000} s on real timers` : ''}…`);
      results.pacing = await runPacingBench(SETTINGS.pacing);
    }

    results.meta = {
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      mode,
      quick: mode === 'quick',
      parts: [...parts],
      date: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        os: `${process.platform} ${release()}`,
        node: process.version,
        chromium: chromium ?? null,
        loadAverage: { before: loadBefore.map((n) => Math.round(n * 100) / 100), after: loadavg().map((n) => Math.round(n * 100) / 100) },
      },
      settings: { ...SETTINGS, pollInterval: INTERVAL, pollerDefaults },
    };
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results, log);
    log(`\nWrote ${relative(root, resultsFile)} in ${results.meta.seconds} s.`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`\nbench failed: ${error?.stack ?? error}`);
  process.exit(1);
});
