// `qpay-checkout mock`, the standalone mock, run from source as a shop would run the bin: its command line, and two
// real shop processes (test/node/mock/mock-shop.ts, each with its own MemoryStore) sharing it. An invoice made through
// one process and paid through the mock's pay route reaches that process's callback, and the OTHER process's status
// route answers PAID, because the invoice lives in the mock's process (with an in-process msw mock the other process
// asks its own mock, which never heard of it: 404 INVOICE_NOT_FOUND).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/servers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../../src/cli/index.ts', import.meta.url));
const SHOP = fileURLToPath(new URL('./mock-shop.ts', import.meta.url));

const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));

interface Started {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in its output (waiting up to 20 s). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function start(script: string, args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within 20 s; output so far:\n${output}`)), 20_000);
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(match);
      };
      listeners.add(check);
      child.once('exit', (code) => !pattern.test(output) && reject(new Error(`exited with ${code} before ${pattern}:\n${output}`)));
      check();
    });
  return { child, output: () => output, waitFor };
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  await exited;
}

const postJson = async (url: string, body?: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('qpay-checkout mock: the command line', () => {
  it('--help prints the usage with every flag and route, exit 0', () => {
    const result = runCli(['mock', '--help']);
    assert.equal(result.status, 0, result.stderr);
    for (const text of ['Usage: qpay-checkout mock', '--port', '--host', '--qpay-client-secret', '--tbank-sign-key', 'POST /_mock/pay/<id>', '/qpay/v2/']) {
      assert.ok(result.stdout.includes(text), `usage lacks ${text}:\n${result.stdout}`);
    }
  });

  it('an unknown flag, a bad port or a missing value is a clear error with exit 2, and nothing listens', () => {
    const cases: [string[], RegExp][] = [
      [['mock', '--prot', '4010'], /Unknown option "--prot"/],
      [['mock', '--port', 'abc'], /--port must be a whole number from 0 to 65535, got "abc"/],
      [['mock', '--port', '70000'], /--port must be a whole number from 0 to 65535, got "70000"/],
      [['mock', '--port'], /--port needs a value/],
      [['serve'], /Unknown command "serve"; the only command is "mock"/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args);
      assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status}\n${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /qpay-checkout mock --help/);
      assert.equal(result.stdout, '');
    }
  });

  it('a port in use is said so, exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const result = runCli(['mock', '--port', String(port)]);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /could not start the mock: the port is in use/);
    } finally {
      blocker.close();
    }
  });
});

describe('qpay-checkout mock: two shop processes share it', () => {
  let mock: Started | undefined;
  let mockUrl = '';
  const shops: Started[] = [];
  const shopUrls: string[] = [];

  before(async () => {
    const port = await freePort();
    mock = start(CLI, ['mock', '--port', String(port)]);
    mockUrl = (await mock.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    for (let i = 0; i < 2; i++) shops.push(start(SHOP, [], { MOCK_URL: mockUrl }));
    for (const shop of shops) shopUrls.push(`http://127.0.0.1:${(await shop.waitFor(/READY (\d+)/))[1]}`);
  });
  after(async () => {
    await Promise.all([...shops, mock].map(stop));
  });

  it('prints where it listens and the base URLs with the credentials QPayClient and TBankQrPayClient take', async () => {
    const port = new URL(mockUrl).port;
    const printed = mock!.output();
    assert.ok(printed.includes(`baseUrl: 'http://127.0.0.1:${port}/qpay', clientId: 'TEST_MERCHANT', clientSecret: '123456'`), printed);
    assert.ok(printed.includes(`baseUrl: 'http://127.0.0.1:${port}/tbank', agentId: 'MOCK_AGENT'`), printed);
    const settings = (await (await fetch(mockUrl)).json()) as { qpay: { baseUrl: string }; tbank: { baseUrl: string } };
    assert.equal(settings.qpay.baseUrl, `${mockUrl}/qpay`);
    assert.equal(settings.tbank.baseUrl, `${mockUrl}/tbank`);
  });

  for (const provider of ['qpay', 'tbank'] as const) {
    it(`${provider}: made on shop A, paid at the mock, the callback reaches A (onPaid there) and shop B's status answers PAID`, async () => {
      const orderId = provider === 'qpay' ? 'o-12' : 'o-34';
      const created = await postJson(`${shopUrls[0]}/${provider}/invoice`, { orderId });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // QPay's answer names the invoice `invoice_id`, TBank's `outTradeNo` (the element reads either).
      const invoiceId = String(provider === 'qpay' ? created.body.invoice_id : created.body.outTradeNo);

      // Before the payment both processes see the invoice open: B learns of it from the shared mock.
      const before = await fetch(`${shopUrls[1]}/${provider}/status/${encodeURIComponent(invoiceId)}`);
      assert.equal(before.status, 200, `${await before.clone().text()}\n${mock!.output()}`);
      assert.equal(((await before.json()) as { status: string }).status, 'NEW');

      const paid = await postJson(`${mockUrl}/_mock/pay/${encodeURIComponent(invoiceId)}`);
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      assert.equal(paid.body.provider, provider);
      assert.equal(paid.body.callback_status, 200, JSON.stringify(paid.body));
      assert.ok(String(paid.body.callback_url).startsWith(`${shopUrls[0]}/${provider}/callback`), String(paid.body.callback_url));

      const amount = 1000 + Number(orderId.slice(2));
      await shops[0]!.waitFor(new RegExp(`PAID ${provider} ${invoiceId} ${orderId} ${amount}`));
      assert.ok(!shops[1]!.output().includes(`PAID ${provider} ${invoiceId}`), 'the callback went to shop A only');

      // B's status route (its store never saw the invoice) asks the mock, which holds the payment.
      let answer: { status?: string; paid_amount?: number; invoice_id?: string } = {};
      for (let attempt = 0; attempt < 40 && answer.status !== 'PAID'; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        answer = (await (await fetch(`${shopUrls[1]}/${provider}/status/${encodeURIComponent(invoiceId)}`)).json()) as typeof answer;
      }
      assert.deepEqual(answer, { status: 'PAID', paid_amount: amount, invoice_id: invoiceId });
    });
  }

  it('the pay route refuses what it cannot pay with a readable answer', async () => {
    const unknown = await postJson(`${mockUrl}/_mock/pay/no-such-invoice`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'INVOICE_NOT_FOUND');
    const created = await postJson(`${shopUrls[1]}/qpay/invoice`, { orderId: 'o-56' });
    const invoiceId = String(created.body.invoice_id);
    const badAmount = await postJson(`${mockUrl}/_mock/pay/${invoiceId}?amount=-5`);
    assert.equal(badAmount.status, 400);
    assert.match(String(badAmount.body.message), /amount must be a positive number, got "-5"/);
    const wrongMethod = await fetch(`${mockUrl}/_mock/pay/${invoiceId}`);
    assert.equal(wrongMethod.status, 405);
    const listed = (await (await fetch(`${mockUrl}/_mock/invoices`)).json()) as { qpay: { invoice_id: string }[] };
    assert.ok(listed.qpay.some((invoice) => invoice.invoice_id === invoiceId));
  });
});
