// The secret-leak scan over every error path of both providers: every client method × every
// failure mode (network, hang, 503, garbage, a Java trace, an nginx page, answers that echo every
// secret they were sent, an endless answer), and the checkout handler's routes over the same
// faults. The client secret, the Basic credentials, the bearer and refresh tokens and the TBank
// sign key must appear in no error message, detail, inspect/JSON form, log line or response body.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { setupServer } from 'msw/node';
import {
  QPayProvider,
  TBankProvider,
  TBankQrPayClient,
  createCheckoutHandler,
  type QPayClient,
} from '../../../src/server/index.js';
import { createQPayMock, createTBankMock } from '../../../src/mock/index.js';
import { FAULTS, INTERNAL_UPSTREAM, createFaultyFetch } from '../helpers/faulty-fetch.js';
import { BASE_URL, CLIENT_ID, CLIENT_SECRET, SIMPLE_INVOICE, SecretCollector, makeClient, makeClock } from './qpay-test-kit.js';

const clock = makeClock();
const TBANK_KEY = 'tbank-sign-key-never-leak-7d1e9a';
const TBANK_BASE = 'https://qrpay-secured.tbank.ru';
const terminal = { agentId: 'A100', mchId: 'M100000000000001', terId: 'T1001' };
/** One sequence for every TBank operation of this file (the mock refuses a reused outTransactionNo). */
let transactionNo = 1000;
const nextTransactionNo = () => ++transactionNo;
const qpayMock = createQPayMock({ baseUrl: BASE_URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, invoiceCode: 'TEST_INVOICE', now: clock.now, drawQrImage: false });
const tbankMock = createTBankMock({ ...terminal, signKey: TBANK_KEY, baseUrl: TBANK_BASE });
const server = setupServer(...qpayMock.handlers, ...tbankMock.handlers);
before(() => server.listen({ onUnhandledRequest: 'bypass' }));
after(() => server.close());

/**
 * Short timeouts keep the `hang` rows quick; the setup call before each fault gets a few tries so a
 * busy machine (the whole suite runs in parallel) cannot fail it.
 */
const FAST = { timeoutMs: 600, readDeadlineMs: 600 } as const;
async function settled<T>(setup: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setup();
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}

/** Everything a caller, a logger or a browser could see of an error. */
function textsOf(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  const e = error as Error & { detail?: string; publicMessage?: string };
  return [e.message, e.detail ?? '', e.publicMessage ?? '', String(e), JSON.stringify(e), inspect(e, { depth: 6, showHidden: true }), e.stack ?? ''];
}

function assertClean(where: string, texts: string[], secrets: Iterable<string>): void {
  const all = texts.join('\n');
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    // Not the whole secret, and not a visible part of it either (a 12-character piece).
    for (let i = 0; i + 12 <= secret.length; i += 3) {
      const piece = secret.slice(i, i + 12);
      assert.ok(!all.includes(piece), `${where}: a piece of a secret leaked (${piece.slice(0, 4)}…)`);
    }
  }
}

type QPayCall = [string, (client: QPayClient, invoiceId: string) => Promise<unknown>];
const QPAY_METHODS: QPayCall[] = [
  ['token', (c) => c.token()],
  ['refresh', (c) => c.refresh()],
  ['createInvoice', (c) => c.createInvoice({ ...SIMPLE_INVOICE, sender_invoice_no: 'leak-full' })],
  ['createSimpleInvoice', (c) => c.createSimpleInvoice(SIMPLE_INVOICE)],
  ['getInvoice', (c, id) => c.getInvoice(id)],
  ['cancelInvoice', (c, id) => c.cancelInvoice(id)],
  ['getPayment', (c) => c.getPayment('1234567890')],
  ['checkPayment', (c, id) => c.checkPayment({ object_type: 'INVOICE', object_id: id })],
  ['checkInvoicePayments', (c, id) => c.checkInvoicePayments(id)],
  ['cancelPayment', (c) => c.cancelPayment('1234567890', { callback_url: 'https://shop.example/cb', note: 'x' })],
  ['refundPayment', (c) => c.refundPayment('1234567890', { callback_url: 'https://shop.example/cb', note: 'x' })],
  ['listPayments', (c) => c.listPayments({ object_type: 'MERCHANT', object_id: 'shop', start_date: '2026-01-01 00:00:00', end_date: '2026-01-31 00:00:00' } as never)],
];

describe('QPay client: every method × every failure mode leaks no secret', () => {
  for (const fault of FAULTS) {
    it(`${fault}`, async () => {
      let failures = 0;
      for (const [name, call] of QPAY_METHODS) {
        const secrets = new SecretCollector();
        const faulty = createFaultyFetch({ inner: secrets.fetch, match: () => true, echo: () => [...secrets.values] });
        const { client } = makeClient(clock, { fetch: faulty.fetch, ...FAST }, secrets);
        const invoice = await settled(() => client.createSimpleInvoice({ ...SIMPLE_INVOICE, sender_invoice_no: `leak-${name}` }));
        assert.ok(secrets.values.size >= 4, 'the access and refresh tokens were collected');
        faulty.fault = fault;
        try {
          await call(client, invoice.invoice_id);
        } catch (error) {
          failures++;
          const texts = textsOf(error);
          assertClean(`${name} × ${fault}`, texts, secrets.values);
          const e = error as { message: string; publicMessage: string };
          assert.ok(!e.message.includes(INTERNAL_UPSTREAM) && !e.publicMessage.includes(INTERNAL_UPSTREAM), `${name} × ${fault}: internal address in message`);
        }
      }
      assert.ok(failures >= QPAY_METHODS.length - 1, `${fault}: only ${failures} calls failed`);
    });
  }
});

describe('TBank client: every method × every failure mode leaks no sign key', () => {
  for (const fault of FAULTS) {
    it(`${fault}`, async () => {
      const faulty = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: () => true, echo: () => [TBANK_KEY] });
      const client = new TBankQrPayClient({ ...terminal, signKey: TBANK_KEY, fetch: faulty.fetch, ...FAST, retryDelaysMs: [0, 0] });
      const created = await settled(() => client.createQr({ outTransactionNo: nextTransactionNo(), totalAmount: 10, currency: 'RUB' }));
      faulty.fault = fault;
      const calls: [string, () => Promise<unknown>][] = [
        ['createQr', () => client.createQr({ outTransactionNo: nextTransactionNo(), totalAmount: 10, currency: 'RUB', subject: 'x' })],
        ['query', () => client.query({ oriTransactionNo: created.outTradeNo })],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(() => assert.fail(`${name} × ${fault} succeeded`), (e: unknown) => e);
        assertClean(`${name} × ${fault}`, textsOf(error), [TBANK_KEY]);
      }
      assertClean('client', [inspect(client, { showHidden: true, depth: 6 }), JSON.stringify(client)], [TBANK_KEY]);
    });
  }
});

describe('the checkout handler: no secret in any response body or log line, for every fault', () => {
  for (const providerName of ['qpay', 'tbank'] as const) {
    for (const fault of FAULTS) {
      it(`${providerName} × ${fault}`, async () => {
        const logs: string[] = [];
        const secrets = new SecretCollector();
        const faulty = createFaultyFetch({
          inner: secrets.fetch,
          match: (url) => !url.includes('/v2/auth/') || fault === 'echo-401',
          echo: () => [...secrets.values, TBANK_KEY],
        });
        const provider =
          providerName === 'qpay'
            ? new QPayProvider({ client: makeClient(clock, { fetch: faulty.fetch, ...FAST }, secrets).client, invoiceCode: 'TEST_INVOICE', now: clock.now })
            : new TBankProvider({ client: new TBankQrPayClient({ ...terminal, signKey: TBANK_KEY, fetch: faulty.fetch, ...FAST, retryDelaysMs: [0] }), now: clock.now, transactionNo: nextTransactionNo });
        let n = 0;
        const handler = createCheckoutHandler({
          provider,
          callbackUrl: 'https://shop.example/qpay/callback',
          getOrder: () => ({ orderId: `leak-${providerName}-${fault}-${n++}`, amount: providerName === 'qpay' ? 100 : 10 }),
          onPaid: () => undefined,
          statusCacheMs: 0,
          now: clock.now,
          logger: { error: (line) => void logs.push(line) },
        });
        const post = () => handler(new Request('https://shop.example/qpay/invoice', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
        const created = await settled(async () => {
          const response = await post();
          if (!response.ok) throw new Error(`${providerName}: invoice before the fault: ${response.status}`);
          return response;
        });
        const invoice = (await created.json()) as { invoice_id?: string; outTradeNo?: string };
        const id = invoice.invoice_id ?? invoice.outTradeNo!;
        faulty.fault = fault;
        const bodies: string[] = [];
        for (const response of [
          await post(),
          await handler(new Request(`https://shop.example/qpay/status/${id}`)),
          await handler(new Request(`https://shop.example/qpay/callback?invoice=${id}`)),
          await handler(new Request('https://shop.example/qpay/callback?qpay_payment_id=1234567890')),
        ]) {
          const text = await response.text();
          bodies.push(`${response.status} ${text}`);
          assert.ok(!text.includes(INTERNAL_UPSTREAM), `${providerName} × ${fault}: internal address reached the browser: ${text}`);
          assert.doesNotMatch(text, /java\.lang|nginx|<html/i);
        }
        assertClean(`${providerName} × ${fault} responses`, bodies, [...secrets.values, TBANK_KEY]);
        assertClean(`${providerName} × ${fault} logs`, logs, [...secrets.values, TBANK_KEY]);
      });
    }
  }
});
