// Every fenced code block of README.md and docs/*.md either runs against the packed package or is marked as what
// it is (test/node/helpers/doc-blocks.ts, docs/development.md "Code blocks in the documentation"). The marked files
// are written into one temporary project with the npm-packed tarball installed: TypeScript is type-checked with the
// package's own types, JavaScript is syntax-checked, Vue and Svelte components are compiled, and each `run:` file is
// run (a server is started and asked for an invoice and its status; the several-instances server also runs twice
// on one `npx qpay-checkout mock`). The README's first path is also driven to PAID
// in Chromium by readme-shop.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, packIntoEmptyProject } from './helpers/packed-package.js';
import { allDocBlocks, docFiles, where, type DocBlock } from './helpers/doc-blocks.js';
import { freePort } from './helpers/servers.js';

/**
 * How each `run:` file is run. `env` and `preload` (a file of the same example, imported first) are given to it;
 * a file that starts a server must print `http://localhost:<PORT>` and is then asked, under `basePath`, for the
 * invoice of `order` and its status (NEW, or PAID after the mock's `dev/pay` route when `pay` is set). A file with
 * `metrics` serves Prometheus metrics on `METRICS_PORT` (a free port), whose `/metrics` must then show those names.
 */
interface RunSpec {
  env?: Record<string, string>;
  preload?: string;
  server?: { basePath: string; order: unknown; pay?: boolean }[];
  metrics?: string[];
}
const QPAY_ENV = { QPAY_CLIENT_ID: 'TEST_MERCHANT', QPAY_CLIENT_SECRET: '123456', QPAY_INVOICE_CODE: 'TEST_INVOICE' };
const TBANK_ENV = { TBANK_AGENT_ID: 'A1', TBANK_MCH_ID: 'M1', TBANK_TER_ID: 'T1', TBANK_SIGN_KEY: 'test-sign-key' };
const RUNS: Record<string, RunSpec> = {
  'shop/server.mjs': { server: [{ basePath: '/qpay', order: { orderId: 'A-1001' }, pay: true }] },
  'server/server.ts': { env: QPAY_ENV, preload: 'mock-setup.ts', server: [{ basePath: '/qpay', order: { orderId: 'A-1001' } }] },
  'server/server-both.ts': {
    env: { ...QPAY_ENV, ...TBANK_ENV },
    preload: 'mock-setup.ts',
    server: [
      { basePath: '/qpay', order: { orderId: 'A-1001' } },
      { basePath: '/tbank', order: { orderId: 'B-2002' } },
    ],
  },
  'server/server-metrics.ts': {
    env: QPAY_ENV,
    preload: 'mock-setup.ts',
    server: [{ basePath: '/qpay', order: { orderId: 'A-1001' } }],
    metrics: ['qpay_checkout_invoice_created_total{qpay_checkout_provider="qpay"', 'qpay_checkout_provider_operation="invoice create"'],
  },
  'server/qpay-client.ts': { preload: 'mock-setup.ts' },
  'mocks/checkout.test.ts': {},
};

/**
 * Files also run as several instances sharing the standalone mock (docs/server.md "Running several instances"):
 * `npx qpay-checkout mock --port 0` is started from the packed package, and the file twice, with `{mock}` in `env`
 * replaced by the mock's URL. An invoice the first instance makes and the mock's `_mock/pay` route pays must be PAID
 * (its callback answered 200) and read PAID from the second instance, which never saw it.
 */
interface SharedMockRun {
  env: Record<string, string>;
  basePath: string;
  order: unknown;
}
const SHARED_MOCK_RUNS: Record<string, SharedMockRun> = {
  'server/server.ts': { env: { ...QPAY_ENV, QPAY_BASE_URL: '{mock}/qpay' }, basePath: '/qpay', order: { orderId: 'A-1001' } },
};

/** Packages the project gets beside the tarball (the versions this repository tested with). */
const PACKAGES = [
  'msw', '@types/node', 'react', '@types/react', 'ioredis', 'pg', '@types/pg', 'solid-js', 'vue', 'svelte', 'vite', '@vitejs/plugin-react', '@vitejs/plugin-vue',
  '@opentelemetry/api', '@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus',
];
const TSX = import.meta.resolve('tsx');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const blocks = allDocBlocks();
const files = blocks.filter((block): block is DocBlock & { marker: { kind: 'file'; path: string; run: boolean } } => block.marker?.kind === 'file');
const fileAt = new Map(files.map((block) => [block.marker.path, block]));

describe('documentation code blocks: each is marked', () => {
  it('every fenced block in README.md and docs/*.md has a marking line right above it', () => {
    const unmarked = blocks.filter((block) => !block.marker).map((block) => `${where(block)} (${block.language || 'no language'})${block.badMarker ? `: unknown marking ${block.badMarker}` : ''}`);
    assert.deepEqual(unmarked, [], 'put <!-- file: EXAMPLE/PATH -->, <!-- run: … -->, <!-- fragment of: … -->, <!-- shell --> or <!-- output --> above each (docs/development.md)');
  });

  it('output blocks are plain text (code is a file, a fragment or shell commands)', () => {
    const coded = blocks.filter((block) => block.marker?.kind === 'output' && block.language !== 'text').map((block) => `${where(block)} (${block.language || 'no language'})`);
    assert.deepEqual(coded, []);
  });

  it('each file is written by one block, with an extension that fits its language', () => {
    const seen = new Map<string, string>();
    const extensions: Record<string, string[]> = { ts: ['.ts'], tsx: ['.tsx'], js: ['.js', '.mjs'], html: ['.html'], vue: ['.vue'], svelte: ['.svelte'] };
    for (const block of files) {
      assert.ok(!seen.has(block.marker.path), `${block.marker.path} is written by ${seen.get(block.marker.path)} and ${where(block)}`);
      seen.set(block.marker.path, where(block));
      assert.match(block.marker.path, /^[\w-]+\/[\w./-]+$/, `${where(block)}: EXAMPLE/PATH`);
      const allowed = extensions[block.language] ?? [];
      assert.ok(allowed.some((extension) => block.marker.path.endsWith(extension)), `${where(block)}: a ${block.language} block as ${block.marker.path}`);
    }
  });

  it('each fragment names a file that a block of the documentation writes', () => {
    const dangling = blocks.flatMap((block) => (block.marker?.kind === 'fragment' && !fileAt.has(block.marker.of) ? [`${where(block)}: fragment of ${block.marker.of}`] : []));
    assert.deepEqual(dangling, []);
  });

  it('the test knows how to run each run: file, and knows no other', () => {
    const runs = files.filter((block) => block.marker.run).map((block) => block.marker.path);
    const unknown = runs.filter((path) => !RUNS[path] && !/\.test\.(ts|mjs)$/.test(path));
    assert.deepEqual(unknown, [], 'add them to RUNS in test/node/docs.test.ts');
    assert.deepEqual(Object.keys(RUNS).filter((path) => !runs.includes(path)), [], 'RUNS names files no run: block writes');
    assert.deepEqual(Object.keys(SHARED_MOCK_RUNS).filter((path) => !runs.includes(path)), [], 'SHARED_MOCK_RUNS names files no run: block writes');
  });

  it('every <qpay-checkout> attribute in an HTML block is one the element has', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'custom-elements.json'), 'utf8')) as { modules: { declarations?: { tagName?: string; attributes?: { name: string }[] }[] }[] };
    const element = manifest.modules.flatMap((module) => module.declarations ?? []).find((declaration) => declaration.tagName === 'qpay-checkout');
    const known = new Set([...(element?.attributes ?? []).map((attribute) => attribute.name), 'id', 'class', 'style', 'hidden']);
    assert.ok(known.has('status-url'));
    const wrong: string[] = [];
    for (const block of blocks.filter((candidate) => candidate.language === 'html')) {
      for (const tag of block.text.matchAll(/<qpay-checkout\b([^>]*)>/g)) {
        for (const attribute of tag[1]!.matchAll(/\s([\w-]+)(?==|\s|$)/g)) if (!known.has(attribute[1]!)) wrong.push(`${where(block)}: ${attribute[1]}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('README.md is a newcomer\'s page: under 400 lines, and it links every docs/ page', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lineCount = readme.split('\n').length;
    assert.ok(lineCount <= 400, `README.md has ${lineCount} lines`);
    for (const doc of docFiles().filter((file) => file !== 'README.md')) {
      assert.ok(readme.includes(`/blob/main/${doc})`), `README.md links ${doc}`);
    }
  });

  it('relative links between the pages point at files and headings that exist', () => {
    const broken: string[] = [];
    for (const doc of docFiles()) {
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
      for (const [, target] of text.matchAll(/\]\(((?!https?:|mailto:)[^)\s]+)\)/g)) {
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path ? join(dirname(join(ROOT, doc)), path) : join(ROOT, doc);
        if (/\.png$/.test(path) || path === 'LICENSE') continue; // generated screenshots; the licence file
        if (!existsSync(file)) {
          broken.push(`${doc}: ${target}`);
          continue;
        }
        if (anchor && !headingSlugs(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });
});

/** GitHub's anchors of a markdown file's headings. */
function headingSlugs(markdown: string): Set<string> {
  const text = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...text.matchAll(/^#+ (.*)$/gm)].map(([, heading]) => heading!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replaceAll(' ', '-')));
}

let project = '';
/** What each check found, started all at once after the install (the machine's cores wait less than the test). */
let typeCheck: Promise<Output>;
let components: Promise<Output>;
const runResults = new Map<string, Promise<unknown>>();
const sharedMockResults = new Map<string, Promise<unknown>>();

interface Output {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the event loop (the checks run side by side). */
function runAsync(args: string[], cwd: string): Promise<Output> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const runs: [string, RunSpec][] = [
  ...Object.entries(RUNS),
  ...files.filter((block) => block.marker.run && !RUNS[block.marker.path]).map((block): [string, RunSpec] => [block.marker.path, {}]),
];

describe('documentation code blocks: run against the packed package', () => {
  before(
    () => {
      ({ dir: project } = packIntoEmptyProject(PACKAGES, (message) => console.log(`[docs test] ${message}`)));
      for (const block of files) {
        const file = join(project, block.marker.path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, block.text);
      }
      const compilerOptions = { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: ['node'], strict: true, noEmit: true, jsx: 'react-jsx', skipLibCheck: true };
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*/**/*.ts', '*/**/*.tsx'], exclude: ['node_modules'] }, null, 2));
      typeCheck = runAsync([TSC, '-p', 'tsconfig.json', '--pretty', 'false'], project);
      writeFileSync(join(project, 'compile-components.mjs'), COMPILE_COMPONENTS);
      components = runAsync(['compile-components.mjs', ...files.filter((block) => /\.(vue|svelte)$/.test(block.marker.path)).map((block) => block.marker.path)], project);
      // One run at a time (beside the type check): servers started together on a busy machine miss their start.
      let previous: Promise<unknown> = Promise.resolve();
      for (const [path, spec] of runs) {
        const block = fileAt.get(path);
        previous = previous.then(() => (block ? runFile(block, spec).then(() => undefined, (error: unknown) => error) : new Error(`no run: block writes ${path}`)));
        runResults.set(path, previous);
      }
      for (const [path, spec] of Object.entries(SHARED_MOCK_RUNS)) {
        const block = fileAt.get(path);
        previous = previous.then(() => (block ? runOnSharedMock(block, spec).then(() => undefined, (error: unknown) => error) : new Error(`no run: block writes ${path}`)));
        sharedMockResults.set(path, previous);
      }
    },
    { timeout: 240_000 },
  );

  after(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('the TypeScript blocks type-check against the package\'s types (strict)', async () => {
    const result = await typeCheck;
    const errors = result.stdout.split('\n').filter((line) => /\): error /.test(line)).map((line) => {
      const block = fileAt.get(line.split('(')[0]!);
      return block ? `${where(block)} (${line.split('(')[0]}): ${line.replace(/^[^:]*: /, '')}` : line;
    });
    assert.ok(result.status === 0 || errors.length > 0, `tsc failed without diagnostics:\n${result.stdout}${result.stderr}`);
    assert.deepEqual(errors, []);
  });

  it('the JavaScript blocks parse, and the Vue and Svelte components compile', async () => {
    for (const block of files.filter((candidate) => /\.m?js$/.test(candidate.marker.path))) {
      const result = spawnSync(process.execPath, ['--check', block.marker.path], { cwd: project, encoding: 'utf8' });
      assert.equal(result.status, 0, `${where(block)}: ${result.stderr}`);
    }
    const result = await components;
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), `compiled ${files.filter((block) => /\.(vue|svelte)$/.test(block.marker.path)).length}`);
  });

  for (const [path, spec] of runs) {
    it(`runs ${path}${spec.server ? ' and asks it for an invoice and its status' : ''}${spec.metrics ? ', then reads its /metrics' : ''}`, { timeout: 300_000 }, async () => {
      const error = await runResults.get(path);
      if (error) throw error;
    });
  }

  for (const path of Object.keys(SHARED_MOCK_RUNS)) {
    it(`runs ${path} twice against one npx qpay-checkout mock: paid through one instance, PAID at the other`, { timeout: 300_000 }, async () => {
      const error = await sharedMockResults.get(path);
      if (error) throw error;
    });
  }
});

/** Compiles each .vue and .svelte file given with the framework's own compiler (node compile-components.mjs FILE...). */
const COMPILE_COMPONENTS = `import { readFileSync } from 'node:fs';
import { parse, compileScript, compileTemplate } from 'vue/compiler-sfc';
import { compile } from 'svelte/compiler';
for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, 'utf8');
  if (file.endsWith('.svelte')) {
    compile(source, { filename: file });
    continue;
  }
  const compilerOptions = { isCustomElement: (tag) => tag === 'qpay-checkout' }; // as the page's vite.config.ts says
  const { descriptor, errors } = parse(source, { filename: file, templateParseOptions: compilerOptions });
  if (errors.length) throw new Error(file + ': ' + errors.join('; '));
  const code = descriptor.scriptSetup || descriptor.script
    ? compileScript(descriptor, { id: file, inlineTemplate: true, templateOptions: { compilerOptions } }).content
    : compileTemplate({ source: descriptor.template.content, filename: file, id: file, compilerOptions }).code;
  if (code.includes('resolveComponent("qpay-checkout")')) throw new Error(file + ': <qpay-checkout> compiled as a Vue component');
}
console.log('compiled', process.argv.length - 2);
`;

interface Started {
  child: ChildProcess;
  port: number;
  /** Where a file with `metrics` serves them. */
  metricsPort?: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts one `run:` file in its example's folder, with `PORT` and `SHOP_URL` on a free port. */
async function startFile(block: DocBlock & { marker: { path: string } }, spec: RunSpec): Promise<Started> {
  const [example, ...rest] = block.marker.path.split('/');
  const file = rest.join('/');
  const port = await freePort();
  const metricsPort = spec.metrics ? await freePort() : undefined;
  const args = [
    ...(/\.tsx?$/.test(file) ? ['--import', TSX] : []),
    ...(spec.preload ? ['--import', `./${spec.preload}`] : []),
    ...(/\.test\.(ts|mjs)$/.test(file) ? ['--test', '--test-reporter=tap'] : []),
    file,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env, PORT: String(port), SHOP_URL: `http://localhost:${port}`, ...(metricsPort ? { METRICS_PORT: String(metricsPort) } : {}) };
  delete env['NODE_TEST_CONTEXT']; // set by this test's own runner: a child `node --test` would then skip its files
  const child = spawn(process.execPath, args, { cwd: join(project, example!), env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, ...(metricsPort ? { metricsPort } : {}), output: () => output, exited };
}

/** Waits until a started process prints `text`; fails with its output when it exits first or takes a minute. */
async function waitForOutput(started: Pick<Started, 'child' | 'output'>, text: RegExp | string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const seen = () => (typeof text === 'string' ? started.output().includes(text) : text.test(started.output()));
  while (!seen()) {
    if (Date.now() > deadline || started.child.exitCode !== null) assert.fail(`${what} did not start:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs one `run:` file: to its end (exit 0), or, for a server, through its requests. */
async function runFile(block: DocBlock & { marker: { path: string } }, spec: RunSpec): Promise<void> {
  const started = await startFile(block, spec);
  const { child, port, output } = started;
  try {
    if (!spec.server) {
      const code = await started.exited;
      assert.equal(code, 0, `${where(block)}: ${block.marker.path} exited with ${code}:\n${output()}`);
      if (/\.test\.(ts|mjs)$/.test(block.marker.path)) assert.match(output(), /^# pass [1-9]\d*$/m, `${where(block)}: its tests ran:\n${output()}`);
      return;
    }
    await waitForOutput(started, `http://localhost:${port}`, `${where(block)}: ${block.marker.path}`);
    for (const route of spec.server) await checkRoutes(`http://localhost:${port}`, route, output);
    if (spec.metrics) {
      const shown = await (await fetch(`http://localhost:${started.metricsPort}/metrics`)).text();
      const missing = spec.metrics.filter((name) => !shown.includes(name));
      assert.deepEqual(missing, [], `${where(block)}: its /metrics after the invoice:\n${shown}\n${output()}`);
    }
  } finally {
    child.kill();
  }
}

/** Starts the packed package's `qpay-checkout mock --port 0` as the reader would (npx); answers its URL and a stop. */
async function startMockCli(): Promise<{ url: string; stop: () => void }> {
  // Its own process group: npx runs the command in a child of its own, and both must go.
  const child = spawn('npx', ['--no', 'qpay-checkout', 'mock', '--port', '0', '--quiet'], { cwd: project, detached: true, env: { ...process.env, npm_config_update_notifier: 'false' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    await waitForOutput({ child, output: () => output }, /listening on http:\/\/\S+/, 'npx qpay-checkout mock --port 0');
  } catch (error) {
    stop();
    throw error;
  }
  return { url: /listening on (http:\/\/\S+)/.exec(output)![1]!, stop };
}

/** Two instances of a server file on one standalone mock: an invoice made and paid through one is PAID at the other. */
async function runOnSharedMock(block: DocBlock & { marker: { path: string } }, spec: SharedMockRun): Promise<void> {
  const mock = await startMockCli();
  const env = Object.fromEntries(Object.entries(spec.env).map(([name, value]) => [name, value.replaceAll('{mock}', mock.url)]));
  const instances: Started[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const started = await startFile(block, { env });
      instances.push(started);
      await waitForOutput(started, `http://localhost:${started.port}`, `${where(block)}: ${block.marker.path} (instance ${i + 1})`);
    }
    const [first, second] = instances.map((started) => `http://localhost:${started.port}${spec.basePath}`) as [string, string];
    const log = () => instances.map((started, i) => `instance ${i + 1}:\n${started.output()}`).join('\n');
    const created = await fetch(`${first}/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec.order) });
    const { invoice_id: id } = (await created.json()) as { invoice_id: string };
    assert.equal(created.status, 201, log());
    const paid = (await (await fetch(`${mock.url}/_mock/pay/${encodeURIComponent(id)}`, { method: 'POST' })).json()) as { callback_status: number | null };
    assert.equal(paid.callback_status, 200, `the mock's callback to the first instance: ${JSON.stringify(paid)}\n${log()}`);
    const status = (await (await fetch(`${second}/status/${encodeURIComponent(id)}`)).json()) as { status: string };
    assert.equal(status.status, 'PAID', `the second instance: ${JSON.stringify(status)}\n${log()}`);
  } finally {
    for (const started of instances) started.child.kill();
    mock.stop();
  }
}

/** The element's two calls, as it makes them: POST the order to the invoice route, then GET the status. */
async function checkRoutes(origin: string, route: NonNullable<RunSpec['server']>[number], log: () => string): Promise<void> {
  const created = await fetch(`${origin}${route.basePath}/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(route.order) });
  const invoice = (await created.json()) as { invoice_id?: string; outTradeNo?: string };
  assert.ok(created.status === 201 || created.status === 200, `POST ${route.basePath}/invoice answered ${created.status} ${JSON.stringify(invoice)}\n${log()}`);
  const id = invoice.invoice_id ?? invoice.outTradeNo;
  assert.ok(id, `an invoice id in ${JSON.stringify(invoice)}`);
  const status = async () => ((await (await fetch(`${origin}${route.basePath}/status/${encodeURIComponent(id)}`)).json()) as { status: string }).status;
  assert.equal(await status(), 'NEW');
  if (!route.pay) return;
  const paid = await fetch(`${origin}${route.basePath}/dev/pay/${encodeURIComponent(id)}`, { method: 'POST' });
  assert.equal(paid.status, 200, await paid.text());
  assert.equal(await status(), 'PAID');
}
