#!/usr/bin/env node
// Size budgets on the built files (run `npm run build` first), gzip level 9 via node:zlib:
//   - dist/qpay-checkout.min.js, the <script> file: at most 28 KB (its sibling parts, loaded on demand, are listed);
//   - the npm entry: dist/index.js plus every file of dist/ it imports statically, without lit (an external
//     dependency) and without the chunks it imports dynamically (QR encoder, language packs, invoice-url loader,
//     phone bank list): at most 10 KB. Counted as one gzip stream over those files together: the entry's bare
//     `lit` import means it always reaches a page through the shop's bundler, which joins them into one file
//     (the sum of each file's own gzip size is printed too).
// The budgets leave room for this round's features (push, the checks of a PAID, the phone grid).
//
// THE RULE when a budget is broken: error messages (with their figures and examples), error codes, guards,
// accessibility text (what screen readers hear) and the public API are NEVER cut to fit. Make a structural change
// instead: load a part lazily (its own chunk, fetched when used), or change what the script file carries.
// Prints a table and exits 1 with a message naming the budget that was broken, and this rule.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSize, staticClosure } from './sizes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const KB = 1024;
const BUDGETS = { script: 28 * KB, npmEntry: 10 * KB };

const show = (bytes) => `${(bytes / KB).toFixed(2)} KB`;

const scriptFile = join(dist, 'qpay-checkout.min.js');
const npmEntry = join(dist, 'index.js');
for (const file of [scriptFile, npmEntry]) {
  if (!existsSync(file)) {
    console.error(`check-size: ${relative(root, file)} does not exist; run \`npm run build\` first.`);
    process.exit(1);
  }
}

const rows = [];
const row = (label, bytes, budget) => {
  const raw = bytes.length;
  const gzip = gzipSize(bytes);
  rows.push({ label, raw, gzip, budget });
  return gzip;
};

const scriptGzip = row('<script> file  dist/qpay-checkout.min.js', readFileSync(scriptFile), BUDGETS.script);
// Its parts, sibling files it loads when used (the phone bank list, the en and ru texts; see scripts/build.mjs).
for (const name of readdirSync(dist).filter((file) => /^qpay-checkout\.[a-z-]+\.min\.js$/.test(file)).sort()) {
  row(`  part         dist/${name} (loaded on demand)`, readFileSync(join(dist, name)));
}

const { files, lazy } = staticClosure(npmEntry);
let separateGzip = 0;
for (const file of files) separateGzip += row(`  ${relative(root, file)}`, readFileSync(file));
const npmBytes = Buffer.concat(files.map((file) => readFileSync(file)));
rows.push({ label: '  (sum of the files gzipped one by one)', raw: npmBytes.length, gzip: separateGzip });
const npmGzip = row('npm entry      index.js + static imports, bundled (no lit, no lazy chunks)', npmBytes, BUDGETS.npmEntry);
for (const file of lazy) row(`lazy chunk     ${relative(root, file)} (loaded on demand)`, readFileSync(file));

const width = Math.max(...rows.map((r) => r.label.length));
console.log(`${'file'.padEnd(width)}  ${'raw'.padStart(10)}  ${'gzip'.padStart(10)}  ${'budget'.padStart(10)}`);
for (const r of rows) {
  const budget = r.budget ? `${show(r.budget).padStart(10)}  ${r.gzip <= r.budget ? 'ok' : 'OVER'}` : '';
  console.log(`${r.label.padEnd(width)}  ${show(r.raw).padStart(10)}  ${show(r.gzip).padStart(10)}  ${budget}`);
}

const over = [
  scriptGzip > BUDGETS.script &&
    `the <script> file is ${show(scriptGzip)} gzip, over its ${show(BUDGETS.script)} budget by ${scriptGzip - BUDGETS.script} bytes`,
  npmGzip > BUDGETS.npmEntry &&
    `the npm entry is ${show(npmGzip)} gzip, over its ${show(BUDGETS.npmEntry)} budget by ${npmGzip - BUDGETS.npmEntry} bytes`,
].filter(Boolean);
if (over.length > 0) {
  console.error(`\nSize budget exceeded: ${over.join('; ')}.`);
  console.error(
    'Do not cut error messages, error codes, guards, accessibility text or public API to fit: make a structural change ' +
      '(load the part lazily, or change what the <script> file carries).',
  );
  process.exit(1);
}
console.log('\nSize budgets hold.');
