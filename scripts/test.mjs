#!/usr/bin/env node
// `npm test`: every check the project has, in order, each stage run even when an earlier one failed:
//   1. type check (tsc --noEmit)
//   2. build and size budgets (scripts/build.mjs, scripts/check-size.mjs)
//   3. node tests (node:test over test/node/**/*.test.ts, TypeScript through tsx); the package test
//      (test/node/package.test.ts) packs the dist/ that stage 2 built
//   4. browser tests (web-test-runner in Chromium)
//   5. the benchmark in quick mode, its cheaper parts (scripts/bench.mjs --quick --only ...): fails only if it cannot
//      run, never on a figure; `npm run bench -- --quick` runs every part briefly
// A Chromium is found first (CHROMIUM_PATH or the usual paths), or installed with apt-get when running as root on
// Debian/Ubuntu. Stages can be picked by name: `node scripts/test.mjs node browser` (typecheck, build, node, browser, bench).
// The last line is always `N passed, N failed` (node and browser tests summed); exit code 1 on any
// failure, including a failed stage that has no test count (type errors, build, budgets).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) console.error(`could not run ${command}: ${result.error.message}`);
  return result.status === 0;
}

function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    console.warn(`CHROMIUM_PATH=${fromEnv} is not an executable file; looking elsewhere.`);
  }
  return CHROMIUM_CANDIDATES.find(isExecutable);
}

function canInstallWithApt() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return isRoot && existsSync('/etc/debian_version') && isExecutable('/usr/bin/apt-get');
}

function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  if (canInstallWithApt()) {
    console.log('No Chromium found; installing Debian/Ubuntu\'s "chromium" package with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update'], { env }) && run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env })) {
      const installed = findChromium();
      if (installed) return installed;
    }
  }
  console.error(
    [
      '',
      'The browser tests need Chromium, and none was found at CHROMIUM_PATH or ' + CHROMIUM_CANDIDATES.join(', ') + '.',
      'Install one, then run `npm test` again:',
      '  Debian/Ubuntu:  sudo apt-get install chromium   (Ubuntu may name it chromium-browser)',
      '  Fedora:         sudo dnf install chromium',
      '  macOS:          brew install --cask chromium',
      'or point CHROMIUM_PATH at any Chromium or Chrome executable:',
      '  CHROMIUM_PATH=/path/to/chrome npm test',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

/** test/node/**\/*.test.ts, collected here because Node 20's --test does not expand globs itself. */
function nodeTestFiles() {
  const dir = join(root, 'test', 'node');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((file) => file.endsWith('.test.ts'))
    .sort();
}

/** `# pass N` / `# fail N` / `# cancelled N` lines at the end of a TAP report. */
function tapCounts(file) {
  if (!existsSync(file)) return undefined;
  const tap = readFileSync(file, 'utf8');
  const count = (key) => Number(tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? NaN);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  return Number.isNaN(passed) || Number.isNaN(failed) ? undefined : { passed, failed };
}

const NODE_TEST_CONCURRENCY = 3;

const STAGE_NAMES = ['typecheck', 'build', 'node', 'browser', 'bench'];
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !STAGE_NAMES.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown stage ${unknown.join(', ')}; stages are ${STAGE_NAMES.join(', ')}.`);
  process.exit(2);
}
const selected = (name) => requested.length === 0 || requested.includes(name);

const stages = [];
const totals = { passed: 0, failed: 0 };

function stage(key, name, body) {
  if (!selected(key)) return;
  console.log(`\n━━ ${name} ━━`);
  const started = Date.now();
  const outcome = body();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (outcome.counts) {
    totals.passed += outcome.counts.passed;
    totals.failed += outcome.counts.failed;
  }
  stages.push({ name, ok: outcome.ok, seconds, note: outcome.note, counts: outcome.counts });
}

const chromium = selected('browser') || selected('bench') ? ensureChromium() : undefined;
if (chromium) console.log(`Chromium: ${chromium}`);
const scratch = mkdtempSync(join(tmpdir(), 'qpay-test-'));

stage('typecheck', 'type check', () => ({ ok: run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']) }));

stage('build', 'build and size budgets', () => {
  const built = run(process.execPath, [join(root, 'scripts/build.mjs')]);
  if (!built) return { ok: false, note: 'build failed' };
  return { ok: run(process.execPath, [join(root, 'scripts/check-size.mjs')]) };
});

stage('node', 'node tests', () => {
  const files = nodeTestFiles();
  if (files.length === 0) return { ok: true, note: 'no test files', counts: { passed: 0, failed: 0 } };
  const tapFile = join(scratch, 'node.tap');
  const ok = run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    // Files run side by side: most of their time is waiting (leases, servers, timers), and one at a time the node
    // stage alone took over 6 minutes. Each file starts its own servers on free ports.
    `--test-concurrency=${NODE_TEST_CONCURRENCY}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files.map((file) => relative(root, file)),
  ]);
  const counts = tapCounts(tapFile);
  return { ok: ok && Boolean(counts), counts, note: counts ? undefined : 'could not read the test counts' };
});

stage('browser', 'browser tests', () => {
  const countsFile = join(scratch, 'browser.json');
  const ok = run(process.execPath, [join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', 'scripts/wtr-counting.config.mjs'], {
    env: { ...process.env, CHROMIUM_PATH: chromium, QPAY_TEST_COUNTS: countsFile },
  });
  const counts = existsSync(countsFile) ? JSON.parse(readFileSync(countsFile, 'utf8')) : undefined;
  const note = counts?.brokenFiles?.length ? `files that failed outside a test: ${counts.brokenFiles.join(', ')}` : undefined;
  return { ok: ok && Boolean(counts), counts, note: counts ? note : 'the test runner reported no results' };
});

/**
 * The bench parts `npm test` runs (quick mode): one page in Chromium (qr), the server on one process and on virtual
 * time, pacing, streams and sizes, so the bench is known to run. The push, outage, traffic, cluster and delivery
 * parts take minutes even when quick; `npm run bench` runs them.
 */
const TEST_BENCH_PARTS = 'size,qr,requests,server,pacing,streams';

stage('bench', 'benchmark (quick)', () => ({
  ok: run(process.execPath, [join(root, 'scripts/bench.mjs'), '--quick', '--only', TEST_BENCH_PARTS], { env: { ...process.env, CHROMIUM_PATH: chromium } }),
}));

rmSync(scratch, { recursive: true, force: true });

console.log('\n━━ summary ━━');
for (const s of stages) {
  const counts = s.counts ? `  ${s.counts.passed} passed, ${s.counts.failed} failed` : '';
  console.log(`${s.ok ? 'ok    ' : 'FAILED'}  ${s.name.padEnd(24)} ${s.seconds.padStart(6)} s${counts}${s.note ? `  (${s.note})` : ''}`);
}
const failedStages = stages.filter((s) => !s.ok).map((s) => s.name);
if (failedStages.length > 0) console.log(`\nFailed stages: ${failedStages.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedStages.length > 0 || totals.failed > 0 ? 1 : 0);
