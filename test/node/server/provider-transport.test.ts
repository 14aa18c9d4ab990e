// The shared provider transport as the QPay and TBank clients use it: errors with the same fields,
// provider text only in the redacted `detail`, ids checked as path segments, auth back-off, token
// lifetimes that cannot cause a login per call, and a deadline for read calls.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setupServer } from 'msw/node';
import { QPayError, QPayValidationError, TBankError, TBankQrPayClient } from '../../../src/server/index.js';
import { ProviderApiError, redactSecrets, shortenDetail } from '../../../src/server/http/transport.js';
import { createTBankMock } from '../../../src/mock/tbank.js';
import { INTERNAL_UPSTREAM, createFaultyFetch } from '../helpers/faulty-fetch.js';
import { BASE_URL, SIMPLE_INVOICE, SecretCollector, makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const { controls } = env;
before(() => env.listen());
after(() => env.close());
beforeEach(() => controls.reset());

async function failure(promise: Promise<unknown>): Promise<ProviderApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderApiError, `expected a ProviderApiError, got ${inspect(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

/** Every 16-character piece of `secret`: none may show, not even the start of it. */
function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i += 4) out.push(secret.slice(i, i + 16));
  return out;
}

describe('provider error text (redact, then shorten; never in message)', () => {
  it('a token echoed past the 300-character cut shows no part of itself anywhere', async () => {
    const secrets = new SecretCollector();
    const faulty = createFaultyFetch({ inner: secrets.fetch, match: (url) => url.includes('/v2/invoice/') });
    const { client } = makeClient(clock, { fetch: faulty.fetch }, secrets);
    const token = (await client.token()).access_token;
    faulty.fault = 'echo-400';
    const error = await failure(client.getInvoice('00f94137-66fd-4d90-b2b2-8225c1b4ed2d'));
    const seen = [error.message, error.detail, error.publicMessage, inspect(error), JSON.stringify(error), error.stack ?? ''].join('\n');
    for (const piece of pieces(token)) assert.ok(!seen.includes(piece), `a piece of the bearer token leaked: ${piece}`);
    assert.ok(Array.from(error.detail).length <= 301, 'detail is shortened');
  });

  for (const fault of ['java-trace-500', 'nginx-502'] as const) {
    it(`${fault}: the message and publicMessage carry no provider text; detail keeps it for the log`, async () => {
      const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: (url) => url.includes('/v2/invoice/') });
      const { client } = makeClient(clock, { fetch: faulty.fetch, retry: { retries: 0 } });
      await client.token();
      faulty.fault = fault;
      const error = await failure(client.getInvoice('abc'));
      assert.ok(error instanceof QPayError);
      for (const text of [error.message, error.publicMessage, JSON.stringify(error)]) {
        assert.ok(!text.includes(INTERNAL_UPSTREAM), text);
        assert.doesNotMatch(text, /java\.lang|nginx|<html/i);
      }
      assert.equal(error.code, `HTTP_${fault === 'nginx-502' ? 502 : 500}`);
      assert.equal(error.publicMessage, 'The payment provider is unavailable right now. Try again.');
      assert.match(error.detail, fault === 'nginx-502' ? /nginx/ : /NullPointerException/);
    });
  }

  it('a network error names no base URL or internal address in its message', async () => {
    const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: () => true });
    const { client } = makeClient(clock, { fetch: faulty.fetch, baseUrl: 'https://qpay-proxy.internal.shop:9443' });
    faulty.fault = 'network';
    const error = await failure(client.getInvoice('abc'));
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.doesNotMatch(`${error.message} ${error.publicMessage} ${JSON.stringify(error)}`, /internal\.shop|9443|10\.23/);
    assert.match(error.detail, /qpay-proxy\.internal\.shop/, 'the operator still learns where it failed');
  });

  it('both clients fail with the same fields', async () => {
    const tbank = new TBankQrPayClient({ agentId: 'A1', mchId: 'M1', terId: 'T1', signKey: 'k'.repeat(32), fetch: async () => { throw new TypeError('fetch failed'); }, retryDelaysMs: [] });
    const t = await failure(tbank.query({ oriTransactionNo: '42', outTransactionNo: 1 }));
    const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: () => true });
    faulty.fault = 'network';
    const { client } = makeClient(clock, { fetch: faulty.fetch, retry: { retries: 0 } });
    const q = await failure(client.token());
    assert.ok(t instanceof TBankError && q instanceof QPayError);
    for (const e of [t, q]) {
      assert.deepEqual(
        { code: e.code, status: e.status, kind: e.kind, retryable: e.retryable, hasDetail: e.detail.length > 0 },
        { code: 'NETWORK_ERROR', status: 0, kind: 'upstream', retryable: true, hasDetail: true },
      );
      assert.equal(e.publicMessage, 'The payment provider could not be reached. Try again.');
    }
    assert.deepEqual([t.provider, t.operation, q.provider, q.operation], ['tbank', 'QUERY', 'qpay', 'login']);
  });

  it('redactSecrets runs before shortenDetail keeps a cut secret whole-redacted', () => {
    const secret = 'S'.repeat(40);
    const text = `${'a'.repeat(290)}${secret}`;
    assert.equal(shortenDetail(redactSecrets(text, [secret])).includes('SSSS'), false);
    assert.match(redactSecrets('Authorization: Bearer abc.def-ghi', []), /Bearer \[redacted\]/);
  });
});

describe('ids as path segments', () => {
  const bad = ['..', '.', '', ' ', 'a/b', '../v2/auth/token', 'a\\b', 'a?b=1', 'a#b', '%2e%2e', 'a\nb', 'a\u0000b'];
  for (const id of bad) {
    it(`refuses ${JSON.stringify(id)} before any request`, async () => {
      const requests: string[] = [];
      const { client } = makeClient(clock, { fetch: async (input, init) => (requests.push(String(input)), globalThis.fetch(input, init)) });
      for (const call of [() => client.getInvoice(id), () => client.getPayment(id), () => client.cancelInvoice(id), () => client.refundPayment(id)]) {
        const error = await failure(call());
        assert.ok(error instanceof QPayValidationError, String(error));
        assert.equal(error.kind, 'invalid-request');
      }
      assert.deepEqual(requests, [], 'nothing was sent, not even a login');
    });
  }

  it('a normal UUID still works', async () => {
    const { client } = makeClient(clock);
    const created = await client.createSimpleInvoice(SIMPLE_INVOICE);
    assert.equal((await client.getInvoice(created.invoice_id)).invoice_id ?? created.invoice_id, created.invoice_id);
  });
});

describe('token storms', () => {
  it('auth down: 10 calls make at most one login round (3 attempts), then fail at once during the back-off', async () => {
    const { client } = makeClient(clock);
    controls.failNext('auth/token', { status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'down' } }, 1000);
    const errors: ProviderApiError[] = [];
    for (let i = 0; i < 10; i++) errors.push(await failure(client.getInvoice('abc')));
    assert.ok(controls.calls.count('auth/token') <= 3, `${controls.calls.count('auth/token')} logins`);
    assert.equal(errors.at(-1)!.code, 'SERVICE_UNAVAILABLE');
    assert.ok((errors.at(-1)!.retryAfterMs ?? 0) > 0, 'says when to try again');
    // After the back-off one new round is allowed, and a success ends the back-off.
    const before = controls.calls.count('auth/token');
    clock.advance(1001);
    controls.reset();
    await client.token().catch(() => undefined);
    await client.getInvoice('abc').catch(() => undefined);
    assert.equal(controls.calls.count('auth/token'), 1, `after the wait: ${controls.calls.count('auth/token')} (before ${before})`);
  });

  it('a 401 storm does not log in once per call', async () => {
    const { client } = makeClient(clock);
    await client.token();
    controls.failNext('invoice/get', { status: 401, body: { error: 'NO_CREDENDIALS', message: 'NO_CREDENDIALS' } }, 1000);
    for (let i = 0; i < 10; i++) assert.equal((await failure(client.getInvoice('abc'))).status, 401);
    assert.ok(controls.calls.count('auth/token') <= 2, `${controls.calls.count('auth/token')} logins for 10 calls`);
  });

  for (const [name, rewrite] of [
    ['without expires_in', (b: Record<string, unknown>) => (delete b.expires_in, delete b.refresh_expires_in)],
    ['expiring in 30 s, inside the 60 s refresh margin', (b: Record<string, unknown>) => ((b.expires_in = Math.floor(clock.now() / 1000) + 30), (b.refresh_expires_in = b.expires_in))],
  ] as const) {
    it(`a token answer ${name} is reused, not a login per call`, async () => {
      const rewriting: typeof fetch = async (input, init) => {
        const response = await globalThis.fetch(input, init);
        if (!String(input).includes('/v2/auth/') || !response.ok) return response;
        const body = (await response.json()) as Record<string, unknown>;
        rewrite(body);
        return Response.json(body);
      };
      const { client } = makeClient(clock, { fetch: rewriting });
      const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
      for (let i = 0; i < 10; i++) await client.getInvoice(invoice.invoice_id);
      assert.equal(controls.calls.count('auth/token') + controls.calls.count('auth/refresh'), 1);
    });
  }

  it('concurrent callers share one login', async () => {
    const { client } = makeClient(clock);
    const invoice = await (async () => {
      const { client: other } = makeClient(clock);
      return other.createSimpleInvoice(SIMPLE_INVOICE);
    })();
    controls.reset();
    await Promise.all(Array.from({ length: 20 }, () => client.getInvoice(invoice.invoice_id).catch(() => undefined)));
    assert.equal(controls.calls.count('auth/token'), 1);
  });
});

describe('a deadline for read calls', () => {
  it('a hung QPay ends a read call by readDeadlineMs, retries and login included', async () => {
    const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: () => true });
    faulty.fault = 'hang';
    const { client } = makeClient(clock, { fetch: faulty.fetch, readDeadlineMs: 300, timeoutMs: 10_000 });
    const started = performance.now();
    const error = await failure(client.checkInvoicePayments('abc'));
    const took = performance.now() - started;
    assert.equal(error.code, 'TIMEOUT');
    assert.ok(took < 1500, `took ${Math.round(took)} ms`);
  });

  it('a hung TBank ends QUERY by readDeadlineMs', async () => {
    const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: () => true });
    faulty.fault = 'hang';
    const client = new TBankQrPayClient({ agentId: 'A1', mchId: 'M1', terId: 'T1', signKey: 'k'.repeat(32), fetch: faulty.fetch, readDeadlineMs: 300, retryDelaysMs: [0, 0] });
    const started = performance.now();
    const error = await failure(client.query({ oriTransactionNo: '1', outTransactionNo: 1 }));
    assert.equal(error.code, 'TIMEOUT');
    assert.ok(performance.now() - started < 1500);
  });

  it('a provider answering without end is cut at the answer cap, not read into memory', async () => {
    const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: (url) => url.includes('/v2/invoice/') });
    const { client } = makeClient(clock, { fetch: faulty.fetch });
    await client.token();
    faulty.fault = 'huge-200';
    const error = await failure(client.getInvoice('abc'));
    assert.equal(error.code, 'ANSWER_TOO_LARGE');
    assert.equal(faulty.calls.filter((u) => u.includes('/v2/invoice/')).length, 1, 'not retried');
  });
});

describe('TBank QUERY as TBank publishes it (query-agg)', () => {
  const terminal = { agentId: 'A12345678987', mchId: '000000000000001', terId: '40051625' };
  const signKey = 'sk_test_0123456789abcdef0123456789abcdef';
  const tbankMock = createTBankMock({ ...terminal, signKey, baseUrl: 'https://qrpay-secured.tbank.ru' });
  const server = setupServer(...tbankMock.handlers);
  before(() => {
    env.close();
    server.listen({ onUnhandledRequest: 'bypass' });
  });
  after(() => {
    server.close();
    env.listen();
  });

  it('sends outTransactionNo and oriTransactionNo as JSON numbers, big ones digit-exact', async () => {
    const bodies: string[] = [];
    const client = new TBankQrPayClient({
      ...terminal,
      signKey,
      fetch: async (input, init) => (bodies.push(String(init?.body)), globalThis.fetch(input, init)),
    });
    const created = await client.createQr({ outTransactionNo: 9001, totalAmount: 10, currency: 'RUB' });
    assert.equal((await client.query({ oriTransactionNo: created.outTradeNo })).status, 'PENDING');
    const sent = JSON.parse(bodies.at(-1)!) as Record<string, unknown>;
    assert.equal(sent.outTransactionNo, 9001, 'the QRPAY operation number');
    assert.equal(sent.oriTransactionNo, Number(created.outTradeNo));
    // An outTradeNo beyond 2^53 keeps its digits (a JS number would round it).
    await client.query({ oriTransactionNo: '123456789012345678901', outTransactionNo: 5 }).catch(() => undefined);
    assert.match(bodies.at(-1)!, /"oriTransactionNo":123456789012345678901[,}]/);
  });

  it('refuses an oriTransactionNo that is not digits before sending', async () => {
    const client = new TBankQrPayClient({ ...terminal, signKey, fetch: async () => assert.fail('nothing may be sent') });
    for (const id of ['abc', '1.5', '../1', '1 2']) {
      const error = await failure(client.query({ oriTransactionNo: id }));
      assert.equal(error.code, 'INVALID_PARAMS');
    }
  });
});

void BASE_URL;
