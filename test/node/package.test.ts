// The package as a shop installs it. `npm pack`s the built package, installs the tarball into an empty
// temporary project (with react, msw and the frameworks whose types it ships, from the npm cache when they
// are there), and checks what is inside, that every entry resolves and runs, that a consumer's TypeScript
// type-checks (and that wrong code is rejected), and that the <script> file works on a plain HTML page.
// Builds dist/ first when it is missing or older than the sources (`npm test` builds before this stage).
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packIntoEmptyProject, run } from './helpers/packed-package.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const CHROMIUM_CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Packages the consumer project gets beside the tarball, at the versions this repo tested with. */
const CONSUMER_PACKAGES = ['react', 'react-dom', '@types/react', '@types/node', 'msw', 'vue', 'svelte', 'solid-js', 'ioredis', 'pg', '@types/pg'];

let project = '';
let tarballEntries: string[] = [];

function log(message: string): void {
  console.log(`[package test] ${message}`);
}

function write(file: string, text: string): void {
  mkdirSync(dirname(join(project, file)), { recursive: true });
  writeFileSync(join(project, file), text);
}

interface TscError {
  file: string;
  line: number;
  text: string;
}

/** Runs the repo's tsc in the consumer project; returns its errors (file, 1-based line, full message). */
function typeCheck(tsconfig: string): TscError[] {
  const result = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: project, encoding: 'utf8' });
  const errors: TscError[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^(.+?)\((\d+),\d+\): error (.*)$/.exec(line);
    if (match) errors.push({ file: match[1]!, line: Number(match[2]), text: match[3]! });
    else if (line.startsWith(' ') && errors.length > 0) errors.at(-1)!.text += `\n${line}`;
  }
  if (result.status !== 0 && errors.length === 0) throw new Error(`tsc failed without diagnostics:\n${result.stdout}\n${result.stderr}`);
  return errors;
}

const format = (errors: TscError[]) => errors.map((e) => `${e.file}:${e.line}: ${e.text}`).join('\n');

before(
  () => {
    ({ dir: project, tarballEntries } = packIntoEmptyProject(CONSUMER_PACKAGES, log, (dir) => {
      project = dir;
      writeServerConsumer();
    }));
  },
  { timeout: 180_000 },
);

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('package as installed (npm pack, then npm install of the tarball into an empty project)', () => {
  it('ships only built files, README, LICENSE, custom-elements.json and package.json', () => {
    const allowed = (entry: string) =>
      ['README.md', 'LICENSE', 'custom-elements.json', 'package.json'].includes(entry) ||
      (entry.startsWith('dist/') && ['.js', '.ts'].includes(extname(entry)) && (!entry.endsWith('.ts') || entry.endsWith('.d.ts')));
    assert.deepEqual(tarballEntries.filter((entry) => !allowed(entry)), []);
    for (const dir of ['src/', 'test/', 'scripts/', 'demo/', 'bench/', 'node_modules/']) {
      assert.ok(!tarballEntries.some((entry) => entry.startsWith(dir)), `${dir} must not be in the package`);
    }
    for (const needed of ['README.md', 'LICENSE', 'custom-elements.json', 'dist/index.js', 'dist/element.js', 'dist/server.js', 'dist/server-redis.js', 'dist/server-postgres.js', 'dist/types/server/stores/redis-store.d.ts', 'dist/types/server/stores/postgres-store.d.ts', 'dist/mock.js', 'dist/react.js', 'dist/qpay-checkout.min.js', 'dist/types/index.d.ts', 'dist/types/react/index.d.ts', 'dist/types/jsx/react.d.ts']) {
      assert.ok(tarballEntries.includes(needed), `${needed} is missing from the package`);
    }
    assert.ok(!tarballEntries.some((entry) => entry.endsWith('.map')), 'no source maps (they would point at src/, which is not shipped)');
  });

  it('resolves every entry from the installed package, and runs /server with /mock on Node (server-run.ts)', () => {
    write(
      'resolve.mjs',
      `const entries = ['qpay-checkout', 'qpay-checkout/element', 'qpay-checkout/define', 'qpay-checkout/server', 'qpay-checkout/server/redis', 'qpay-checkout/server/postgres', 'qpay-checkout/mock',
  'qpay-checkout/react', 'qpay-checkout/script', 'qpay-checkout/dist/qpay-checkout.min.js', 'qpay-checkout/dist/qpay-checkout.bank-list.min.js', 'qpay-checkout/custom-elements.json', 'qpay-checkout/package.json'];
console.log(JSON.stringify(Object.fromEntries(entries.map((entry) => [entry, import.meta.resolve(entry)]))));
`,
    );
    const resolved = JSON.parse(run(process.execPath, ['resolve.mjs'], project)) as Record<string, string>;
    const installed = join(project, 'node_modules', 'qpay-checkout');
    const expected: Record<string, string> = {
      'qpay-checkout': 'dist/index.js',
      'qpay-checkout/element': 'dist/element.js',
      'qpay-checkout/define': 'dist/index.js',
      'qpay-checkout/server': 'dist/server.js',
      'qpay-checkout/server/redis': 'dist/server-redis.js',
      'qpay-checkout/server/postgres': 'dist/server-postgres.js',
      'qpay-checkout/mock': 'dist/mock.js',
      'qpay-checkout/react': 'dist/react.js',
      'qpay-checkout/script': 'dist/qpay-checkout.min.js',
      'qpay-checkout/dist/qpay-checkout.min.js': 'dist/qpay-checkout.min.js', // the path the README names
      'qpay-checkout/dist/qpay-checkout.bank-list.min.js': 'dist/qpay-checkout.bank-list.min.js', // a part it loads next to it
      'qpay-checkout/custom-elements.json': 'custom-elements.json',
      'qpay-checkout/package.json': 'package.json',
    };
    for (const [entry, file] of Object.entries(expected)) {
      assert.equal(relative(installed, fileURLToPath(resolved[entry]!)), file, entry);
    }

    const tsxLoader = import.meta.resolve('tsx');
    const outcome = JSON.parse(run(process.execPath, ['--import', tsxLoader, 'server-run.ts'], project).trim().split('\n').at(-1)!) as {
      invoiceId: string;
      status: string;
      paid: string[];
    };
    assert.ok(outcome.invoiceId.length > 0);
    assert.equal(outcome.status, 'PAID');
    assert.deepEqual(outcome.paid, ['order-1']);

    // Server-side rendering frameworks import the React wrapper on Node too: it must load there.
    write('react-on-node.mjs', `const { QPayCheckout } = await import('qpay-checkout/react');\nconsole.log(typeof QPayCheckout, QPayCheckout.displayName);\n`);
    assert.equal(run(process.execPath, ['react-on-node.mjs'], project).trim(), 'object QPayCheckout');
  });

  it('the store entries import ioredis and pg (never bundled), load beside /server, and share one StoreError class', () => {
    const installed = join(project, 'node_modules', 'qpay-checkout', 'dist');
    const redisEntry = readFileSync(join(installed, 'server-redis.js'), 'utf8');
    const postgresEntry = readFileSync(join(installed, 'server-postgres.js'), 'utf8');
    assert.match(redisEntry, /from "ioredis"/);
    assert.match(postgresEntry, /from "pg"/);
    for (const [file, text] of [['server-redis.js', redisEntry], ['server-postgres.js', postgresEntry]] as const) {
      assert.ok(text.length < 40_000, `${file} is ${text.length} bytes: a driver was bundled into it`);
    }
    assert.doesNotMatch(readFileSync(join(installed, 'server.js'), 'utf8'), /ioredis|from "pg"/, '/server does not load the drivers');
    write(
      'stores-run.mjs',
      `import { RedisStore, StoreError } from 'qpay-checkout/server/redis';
import { PostgresStore, StoreError as PgStoreError, postgresSchemaSql } from 'qpay-checkout/server/postgres';
const store = new PostgresStore('postgres://nobody@127.0.0.1:1/none', { timeoutMs: 500, onError: () => {} });
const failure = await store.getInvoice('x').catch((error) => error);
await store.close();
console.log(JSON.stringify({
  redis: typeof RedisStore,
  sameError: StoreError === PgStoreError,
  schema: postgresSchemaSql().includes('CREATE TABLE IF NOT EXISTS qpay_invoices'),
  failure: failure instanceof StoreError ? failure.message.split(':').slice(0, 2).join(':') : String(failure),
}));
`,
    );
    const outcome = JSON.parse(run(process.execPath, ['stores-run.mjs'], project).trim().split('\n').at(-1)!);
    assert.deepEqual(outcome, { redis: 'function', sameError: true, schema: true, failure: 'PostgresStore: getInvoice failed' });
  });

  it('/server imports @opentelemetry/api only dynamically (never bundled), and without it records into a meterProvider given to it', () => {
    const server = readFileSync(join(project, 'node_modules', 'qpay-checkout', 'dist', 'server.js'), 'utf8');
    assert.match(server, /import\("@opentelemetry\/api"\)/);
    assert.doesNotMatch(server, /from "@opentelemetry\/api"|createNoopMeter|class \w*MeterProvider/, 'no static import, nothing of the API bundled');
    assert.equal(existsSync(join(project, 'node_modules', '@opentelemetry', 'api')), false, 'the consumer has no @opentelemetry/api');
    write(
      'metrics-run.mjs',
      `import { setupServer } from 'msw/node';
import { createQPayMock } from 'qpay-checkout/mock';
import { QPayClient, createQPayCheckoutHandler } from 'qpay-checkout/server';
const counts = {};
const instrument = (name) => ({ add: (value) => (counts[name] = (counts[name] ?? 0) + value), record: (value) => (counts[name] = (counts[name] ?? 0) + 1), addCallback() {} });
const meterProvider = { getMeter: () => ({ createCounter: instrument, createHistogram: instrument, createObservableGauge: instrument, createObservableUpDownCounter: instrument }) };
const baseUrl = 'https://merchant-sandbox.qpay.mn';
const server = setupServer(...createQPayMock({ baseUrl, clientId: 'shop', clientSecret: 'secret', invoiceCode: 'SHOP', drawQrImage: false }).handlers);
server.listen({ onUnhandledRequest: 'error' });
const handler = createQPayCheckoutHandler({
  client: new QPayClient({ clientId: 'shop', clientSecret: 'secret', baseUrl, meterProvider }),
  invoiceCode: 'SHOP', callbackUrl: 'https://shop.example/qpay/callback', callbackSecret: 'x'.repeat(32), meterProvider,
  getOrder: () => ({ orderId: 'o-1', amount: 1000 }), onPaid: () => {},
});
const answer = await handler(new Request('https://shop.example/qpay/invoice', { method: 'POST', body: '{}' }));
handler.close();
server.close();
console.log(JSON.stringify({ status: answer.status, counts }));
`,
    );
    const outcome = JSON.parse(run(process.execPath, ['metrics-run.mjs'], project).trim().split('\n').at(-1)!);
    assert.deepEqual(outcome, { status: 201, counts: { 'http.client.request.duration': 2, 'qpay_checkout.invoice.created': 1 } });
  });

  describe('TypeScript in the consumer project', () => {
    before(() => {
      const compilerOptions = {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
        strict: true,
        noEmit: true,
        jsx: 'react-jsx',
        verbatimModuleSyntax: true,
        skipLibCheck: true,
      };
      write('tsconfig.json', JSON.stringify({ compilerOptions, include: ['types/*.ts', 'types/*.tsx'] }, null, 2));
      write('tsconfig.negative.json', JSON.stringify({ compilerOptions, include: ['negative/*.ts', 'negative/*.tsx'] }, null, 2));
      write('tsconfig.node.json', JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'] }, files: ['server-run.ts', 'server-stores.ts'] }, null, 2));
      writeConsumerFiles();
    });

    it('type-checks a consumer using every entry, the typed events, the React wrapper and the JSX/template types', () => {
      const errors = typeCheck('tsconfig.json');
      assert.equal(errors.length, 0, `tsc rejected correct consumer code:\n${format(errors)}`);
    });

    it('type-checks the Node server consumer under NodeNext resolution', () => {
      const errors = typeCheck('tsconfig.node.json');
      assert.equal(errors.length, 0, `tsc rejected the Node consumer:\n${format(errors)}`);
    });

    it('rejects wrong code: each line marked `rejects:` fails, with the marked text in the error, and nothing else fails', () => {
      const errors = typeCheck('tsconfig.negative.json');
      const expected: TscError[] = [];
      for (const file of readdirSync(join(project, 'negative'))) {
        readFileSync(join(project, 'negative', file), 'utf8')
          .split('\n')
          .forEach((line, index) => {
            const mark = /\/\/ rejects: (.+)$/.exec(line);
            if (mark) expected.push({ file: `negative/${file}`, line: index + 1, text: mark[1]! });
          });
      }
      assert.ok(expected.length >= 10, 'the negative files mark their lines');
      for (const want of expected) {
        const found = errors.filter((error) => error.file === want.file && error.line === want.line);
        assert.ok(found.length > 0, `${want.file}:${want.line} should not type-check (${want.text})`);
        assert.ok(found.some((error) => error.text.includes(want.text)), `${want.file}:${want.line}: expected "${want.text}" in:\n${format(found)}`);
      }
      const unexpected = errors.filter((error) => !expected.some((want) => want.file === error.file && want.line === error.line));
      assert.deepEqual(unexpected, [], `errors on unmarked lines:\n${format(unexpected)}`);
    });
  });

  it('the <script> file registers the element on a plain HTML page with no build step, under a strict CSP', async (t: TestContext) => {
    const chromium = CHROMIUM_CANDIDATES.find((file) => file && isExecutable(file));
    if (!chromium) {
      t.skip('no Chromium found (set CHROMIUM_PATH); `npm test` installs one before the browser stage');
      return;
    }
    const qpay = readFileSync(new URL('../fixtures/invoice-create-response.json', import.meta.url), 'utf8');
    const tbank = readFileSync(new URL('../fixtures/tbank-qrpay-response.json', import.meta.url), 'utf8');
    const attribute = (json: string) => JSON.stringify(JSON.parse(json)).replaceAll('&', '&amp;').replaceAll("'", '&#39;');
    write(
      'index.html',
      `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,">
<script src="node_modules/qpay-checkout/dist/qpay-checkout.min.js"></script></head>
<body>
<qpay-checkout id="qpay" lang="en" mode="desktop" invoice='${attribute(qpay)}'></qpay-checkout>
<qpay-checkout id="tbank" lang="ru" mode="desktop" invoice='${attribute(tbank)}'></qpay-checkout>
<qpay-checkout id="phone" lang="en" mode="mobile" invoice='${attribute(qpay)}'></qpay-checkout>
</body>
</html>
`,
    );
    const server = await serveStatic(project);
    const { chromium: playwright } = await import('playwright-core');
    const browser = await playwright.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const scripts: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => {
        if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
      });
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/index.html`);
      assert.equal(await page.evaluate(() => typeof customElements.get('qpay-checkout')), 'function');
      // The provider's PNG shows as an <img> that decoded; the TBank codeUrl is drawn as an <svg> by the inlined encoder.
      await page.waitForFunction(() => {
        const img = document.querySelector('#qpay')?.shadowRoot?.querySelector<HTMLImageElement>('img[part~="qr"]');
        return Boolean(img && img.complete && img.naturalWidth > 0);
      }, undefined, { timeout: 10_000 });
      await page.waitForFunction(() => Boolean(document.querySelector('#tbank')?.shadowRoot?.querySelector('svg[part~="qr"] path, svg[part~="qr"] rect')), undefined, {
        timeout: 10_000,
      });
      // The phone's bank tiles: each initials box gets its name-derived colour through the CSSOM, which the CSP allows.
      const tileColours = await page.waitForFunction(() => {
        const boxes = [...(document.querySelector('#phone')?.shadowRoot?.querySelectorAll<HTMLElement>('[part~="banks"] .logo') ?? [])];
        return boxes.length > 0 && boxes.map((box) => getComputedStyle(box).backgroundColor);
      }, undefined, { timeout: 10_000 });
      const colours = (await tileColours.jsonValue()) as string[];
      assert.equal(colours.length, 10);
      for (const colour of colours) assert.match(colour, /^rgb\(\d+, \d+, \d+\)$/, 'an opaque tile colour');
      // Its parts come from next to it, when a page needs them: the English texts and the phone's bank list (lang="ru" waits
      // on the Russian texts too); nothing else.
      assert.deepEqual(
        [...new Set(scripts)].sort(),
        ['qpay-checkout.bank-list.min.js', 'qpay-checkout.en.min.js', 'qpay-checkout.min.js', 'qpay-checkout.ru.min.js'].map(
          (file) => `/node_modules/qpay-checkout/dist/${file}`,
        ),
        'the script file and its sibling parts, nothing else',
      );
      assert.deepEqual(problems, [], 'no errors and no CSP violations on the page');
    } finally {
      await browser.close();
      server.close();
    }
  });

  it('has the qpay-checkout bin: `npx qpay-checkout mock --port P` starts, prints the base URLs and answers a QPay login', async () => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'qpay-checkout', 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    assert.deepEqual(pkg.bin, { 'qpay-checkout': './dist/cli.js' });
    const cli = readFileSync(join(project, 'node_modules', 'qpay-checkout', 'dist', 'cli.js'), 'utf8');
    assert.ok(cli.startsWith('#!/usr/bin/env node\n'), 'the bin starts with a #!/usr/bin/env node line');
    // msw is bundled in: the bin imports only Node's modules and the package's own dependencies, never msw.
    const imported = [...cli.matchAll(/^import\s.*?from\s+"([^"]+)";?$/gm)].map((match) => match[1]!);
    assert.deepEqual(imported.filter((id) => !id.startsWith('node:') && id !== 'qrcode'), [], `the bin imports ${imported.join(', ')}`);

    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => done(free));
      });
    });
    // Its own process group, so the npx process and the node it starts are stopped together.
    const child = spawn('npx', ['qpay-checkout', 'mock', '--port', String(port)], { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('TBankQrPayClient options') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.ok(output.includes(`qpay-checkout mock listening on http://127.0.0.1:${port}`), output);
      assert.ok(output.includes(`baseUrl: 'http://127.0.0.1:${port}/qpay'`), output);
      assert.ok(output.includes(`baseUrl: 'http://127.0.0.1:${port}/tbank'`), output);
      const settings = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { qpay: { baseUrl: string } };
      assert.equal(settings.qpay.baseUrl, `http://127.0.0.1:${port}/qpay`);
      const login = await fetch(`http://127.0.0.1:${port}/qpay/v2/auth/token`, { method: 'POST', headers: { authorization: `Basic ${btoa('TEST_MERCHANT:123456')}` } });
      assert.equal(login.status, 200);
      assert.equal(typeof ((await login.json()) as { access_token?: unknown }).access_token, 'string');
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    }
  });
});

/** The server kit against the QPay mock, the way a shop's Node server would use them: invoice, pay, poll. */
function writeServerConsumer(): void {
  write(
    'server-stores.ts',
    `import pg from 'pg';
import { Redis } from 'ioredis';
import type { CheckoutStore } from 'qpay-checkout/server';
import { RedisStore, StoreError, type RedisStoreOptions } from 'qpay-checkout/server/redis';
import { PostgresStore, postgresSchemaSql, type PostgresStoreOptions } from 'qpay-checkout/server/postgres';

const redisOptions: RedisStoreOptions = { prefix: 'shop:', retentionMs: 86_400_000, timeoutMs: 3000 };
const stores: CheckoutStore[] = [
  new RedisStore('redis://127.0.0.1:6379', redisOptions),
  new RedisStore(new Redis({ lazyConnect: true })),
  new PostgresStore(new pg.Pool({ connectionString: 'postgres://127.0.0.1/shop' }), { tablePrefix: 'shop_' } satisfies PostgresStoreOptions),
];
export async function wire(postgres: PostgresStore): Promise<number> {
  await postgres.migrate();
  const removed: number = await postgres.cleanup();
  await postgres.close();
  return removed;
}
const sql: string = postgresSchemaSql('shop_');
console.log(stores.length, sql.length, StoreError.name);
`,
  );
  write(
    'server-run.ts',
    `import assert from 'node:assert/strict';
import { setupServer } from 'msw/node';
import { createQPayMock } from 'qpay-checkout/mock';
import { QPayClient, createQPayCheckoutHandler, type PaidEvent } from 'qpay-checkout/server';

const baseUrl = 'https://merchant-sandbox.qpay.mn';
const mock = createQPayMock({ baseUrl, clientId: 'shop', clientSecret: 'secret', invoiceCode: 'SHOP_INVOICE', drawQrImage: false });
const server = setupServer(...mock.handlers);
server.listen({ onUnhandledRequest: 'error' });
try {
  const paid: PaidEvent[] = [];
  const handler = createQPayCheckoutHandler({
  client: new QPayClient({ clientId: 'shop', clientSecret: 'secret', baseUrl }),
  invoiceCode: 'SHOP_INVOICE',
  callbackUrl: 'https://shop.example/qpay/callback',
  getOrder: () => ({ orderId: 'order-1', amount: 15000, description: 'Tea' }),
  onPaid: (event) => {
    paid.push(event);
  },
  });
  const created = await handler(new Request('https://shop.example/qpay/invoice', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
  assert.ok(created.ok, await created.clone().text());
  const invoice = (await created.json()) as { invoice_id: string; qr_text: string; amount: number };
  assert.equal(invoice.amount, 15000);
  mock.controls.pay(invoice.invoice_id, undefined, { callback: false });
  const status = await handler(new Request(\`https://shop.example/qpay/status/\${invoice.invoice_id}\`));
  const body = (await status.json()) as { status: string };
  await handler.idle();
  console.log(JSON.stringify({ invoiceId: invoice.invoice_id, status: body.status, paid: paid.map((event) => event.orderId) }));
} finally {
  server.close();
}
`,
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json' };
/** A page with no build step, served as a static site would be, under a CSP without unsafe-inline or unsafe-eval. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'";

function serveStatic(dir: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = resolve(dir, `.${decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)}`);
    if (!path.startsWith(dir) || !existsSync(path) || statSync(path).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'content-security-policy': CSP });
    response.end(readFileSync(path));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

/** The consumer's TypeScript: correct code in types/, code that must be rejected in negative/. */
function writeConsumerFiles(): void {
  write(
    'types/entries.ts',
    `import { QPayCheckoutElement, defineQPayCheckout, QPayPaidEvent, type PaymentStatus } from 'qpay-checkout';
import { QPayCheckoutElement as SideEffectFreeClass, type QPayErrorDetail } from 'qpay-checkout/element';
import 'qpay-checkout/define';
import { QPayCheckout, type QPayCheckoutProps } from 'qpay-checkout/react';
import { createQPayMock } from 'qpay-checkout/mock';
import { QPayClient, createCheckoutHandler, createQPayCheckoutHandler } from 'qpay-checkout/server';

const ctor: CustomElementConstructor = defineQPayCheckout('shop-checkout');
const el: QPayCheckoutElement = new SideEffectFreeClass();
el.invoice = { invoice_id: 'x', qr_text: 'text' };
el.statusUrl = '/api/status/{id}';
el.pollInterval = 3000;
el.mode = 'mobile';
el.check();
el.addEventListener('qpay-paid', (event) => {
  const id: string = event.detail.invoiceId;
  const status: 'PAID' = event.detail.status;
  console.log(id, status, event.detail.response);
});
el.addEventListener('qpay-status', (event) => {
  const now: PaymentStatus = event.detail.status;
  const before: PaymentStatus | undefined = event.detail.previous;
  console.log(now, before);
});
el.addEventListener('qpay-error', (event) => {
  const detail: QPayErrorDetail = event.detail;
  console.log(detail.fatal, detail.error.message);
});
el.addEventListener('qpay-bank-select', (event) => {
  if (event.detail.link.startsWith('khanbank:')) event.preventDefault();
});
document.querySelector('qpay-checkout')?.addEventListener('qpay-paid', (event) => console.log(event instanceof QPayPaidEvent));
const props: QPayCheckoutProps = { invoice: {}, statusUrl: '/s/{id}', onPaid: (event) => console.log(event.detail.invoiceId) };
console.log(ctor, QPayCheckout, props, createQPayMock, QPayClient, createCheckoutHandler, createQPayCheckoutHandler);
`,
  );
  write(
    'types/react.tsx',
    `import type {} from 'qpay-checkout/jsx/react';
import { useRef } from 'react';
import { QPayCheckout } from 'qpay-checkout/react';
import type { QPayCheckoutElement } from 'qpay-checkout/element';

export function Wrapper({ invoice }: { invoice: Record<string, unknown> }) {
  const ref = useRef<QPayCheckoutElement>(null);
  return (
    <QPayCheckout
      ref={ref}
      invoice={invoice}
      statusUrl="/api/status/{id}"
      pollInterval={2000}
      mode="auto"
      lang="en"
      className="checkout"
      onPaid={(event) => console.log(event.detail.invoiceId, event.detail.response)}
      onStatus={(event) => console.log(event.detail.status, event.detail.previous)}
      onExpired={(event) => console.log(event.detail.expiresAt)}
      onError={(event) => console.log(event.detail.fatal)}
      onBankSelect={(event) => event.detail.link && event.preventDefault()}
    />
  );
}

export function Plain({ invoice }: { invoice: Record<string, unknown> }) {
  return (
    <>
      <qpay-checkout invoice={invoice} statusUrl="/api/status/{id}" lang="mn" onqpay-paid={(event) => console.log(event.detail.invoiceId)} />
      <qpay-checkout invoice-url="/api/invoice" status-url="/api/status/{id}" poll-interval="3000" mode="desktop" order={{ sku: 'tea' }} />
      <qpay-checkout onqpay-status={(event) => console.log(event.detail.status)} onqpay-bank-select={(event) => event.preventDefault()} />
    </>
  );
}
`,
  );
  write(
    'types/solid.tsx',
    `/** @jsxImportSource solid-js */
import type {} from 'qpay-checkout/jsx/solid';

export function Checkout(props: { invoice: Record<string, unknown> }) {
  return (
    <qpay-checkout
      invoice={props.invoice}
      status-url="/api/status/{id}"
      pollInterval={2000}
      lang="ru"
      on:qpay-paid={(event) => console.log(event.detail.invoiceId)}
      on:qpay-error={(event) => console.log(event.detail.fatal)}
    />
  );
}
`,
  );
  write(
    'types/vue.ts',
    `import type {} from 'qpay-checkout/jsx/vue';
import type { GlobalComponents } from 'vue';
import type { QPayPaidEvent } from 'qpay-checkout/element';

type Checkout = InstanceType<GlobalComponents['qpay-checkout']>;
export const props: Checkout['$props'] = { invoice: { invoice_id: 'x' }, statusUrl: '/api/status/{id}', pollInterval: 2000, mode: 'mobile', lang: 'en', class: 'checkout' };
export function emitPaid(emit: Checkout['$emit'], event: QPayPaidEvent) {
  emit('qpay-paid', event);
}
`,
  );
  write(
    'types/svelte.ts',
    `import type {} from 'qpay-checkout/jsx/svelte';
import type { SvelteHTMLElements } from 'svelte/elements';

export const svelte5: SvelteHTMLElements['qpay-checkout'] = {
  invoice: { invoice_id: 'x' },
  'status-url': '/api/status/{id}',
  pollInterval: 2000,
  lang: 'mn',
  'onqpay-paid': (event) => console.log(event.detail.invoiceId),
  'on:qpay-status': (event) => console.log(event.detail.previous),
};
`,
  );
  writeManifestCoverage();

  write(
    'negative/events.ts',
    `import 'qpay-checkout/define';
const el = document.createElement('qpay-checkout');
el.addEventListener('qpay-paid', (event) => console.log(event.detail.invoiceID)); // rejects: invoiceID
el.addEventListener('qpay-status', (event) => console.log(event.detail.amount)); // rejects: amount
el.addEventListener('qpay-error', (event) => { const fatal: string = event.detail.fatal; console.log(fatal); }); // rejects: 'boolean' is not assignable to type 'string'
el.mode = 'tablet'; // rejects: "tablet"
el.pollInterval = '2000'; // rejects: 'string' is not assignable to type 'number'
`,
  );
  write(
    'negative/react.tsx',
    `import type {} from 'qpay-checkout/jsx/react';
import { QPayCheckout } from 'qpay-checkout/react';
export const a = <QPayCheckout onPaid={(event) => console.log(event.detail.invoiceID)} />; // rejects: invoiceID
export const b = <QPayCheckout pollInterval="fast" />; // rejects: 'string' is not assignable to type 'number'
export const c = <QPayCheckout statusURL="/s" />; // rejects: statusURL
export const d = <qpay-checkout onqpay-paid={(event) => console.log(event.detail.amount)} />; // rejects: amount
export const e = <qpay-checkout mode="tablet" />; // rejects: "tablet"
`,
  );
  write(
    'negative/solid.tsx',
    `/** @jsxImportSource solid-js */
import type {} from 'qpay-checkout/jsx/solid';
export const a = <qpay-checkout on:qpay-paid={(event) => console.log(event.detail.invoiceID)} />; // rejects: invoiceID
export const b = <qpay-checkout pollInterval="fast" />; // rejects: 'string' is not assignable to type 'number'
`,
  );
  write(
    'negative/vue.ts',
    `import type {} from 'qpay-checkout/jsx/vue';
import type { GlobalComponents } from 'vue';
import type { QPayStatusEvent } from 'qpay-checkout/element';
type Checkout = InstanceType<GlobalComponents['qpay-checkout']>;
export const props: Checkout['$props'] = { pollInterval: 'fast' }; // rejects: 'string' is not assignable to type 'number'
export function emitWrong(emit: Checkout['$emit'], event: QPayStatusEvent) {
  emit('qpay-paid', event); // rejects: No overload matches this call
}
`,
  );
  write(
    'negative/svelte.ts',
    `import type {} from 'qpay-checkout/jsx/svelte';
import type { SvelteHTMLElements } from 'svelte/elements';
export const a: SvelteHTMLElements['qpay-checkout'] = { 'onqpay-paid': (event) => console.log(event.detail.invoiceID) }; // rejects: invoiceID
export const b: SvelteHTMLElements['qpay-checkout'] = { mode: 'tablet' }; // rejects: "tablet"
`,
  );
}

/**
 * Every input the installed custom-elements.json lists (attributes and settable fields of the element) must be
 * a prop the React, Svelte and Solid declarations accept: object literals reject unknown keys, so a field added
 * to the element but not to the declarations fails here.
 */
function writeManifestCoverage(): void {
  interface Member {
    kind: string;
    name: string;
    static?: boolean;
    readonly?: boolean;
    privacy?: string;
  }
  interface Declaration {
    customElement?: boolean;
    tagName?: string;
    attributes?: { name: string; fieldName?: string }[];
    members?: Member[];
  }
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'qpay-checkout', 'custom-elements.json'), 'utf8')) as {
    modules: { declarations?: Declaration[] }[];
  };
  const element = manifest.modules.flatMap((module) => module.declarations ?? []).find((d) => d.customElement && d.tagName === 'qpay-checkout');
  assert.ok(element, 'custom-elements.json declares <qpay-checkout>');
  // data-layout and data-state are set by the element for styling, not inputs.
  const attributes = (element.attributes ?? []).map((attribute) => attribute.name).filter((name) => !name.startsWith('data-'));
  const fields = (element.members ?? [])
    .filter((member) => member.kind === 'field' && !member.static && !member.readonly && (member.privacy ?? 'public') === 'public')
    .map((member) => member.name);
  assert.ok(fields.includes('invoice') && fields.includes('order') && attributes.includes('status-url'), 'the manifest lists the inputs');
  const keys = [...new Set([...attributes, ...fields])].map((key) => `  ${JSON.stringify(key)}: undefined,`).join('\n');
  write(
    'types/manifest-coverage.ts',
    `import type {} from 'qpay-checkout/jsx/react';
import type { QPayCheckoutReactJSXProps } from 'qpay-checkout/jsx/react';
import type { QPayCheckoutSvelteAttributes } from 'qpay-checkout/jsx/svelte';
import type { QPayCheckoutSolidAttributes } from 'qpay-checkout/jsx/solid';
export const react: QPayCheckoutReactJSXProps = {\n${keys}\n};
export const svelte: QPayCheckoutSvelteAttributes = {\n${keys}\n};
export const solid: QPayCheckoutSolidAttributes = {\n${keys}\n};
`,
  );
}
