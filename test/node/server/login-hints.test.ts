// A provider refusing our credentials: the error and the handler's log line name the options to check (QPay:
// clientId, clientSecret, baseUrl and which environment it is; TBank: agentId, mchId, terId, signKey, baseUrl), and
// never the secret. Before, a wrong QPay secret logged "QPay login answered HTTP 401" and nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  QPAY_PRODUCTION_URL,
  QPAY_SANDBOX_URL,
  QPayClient,
  TBankProvider,
  TBankQrPayClient,
  createCheckoutHandler,
  createQPayCheckoutHandler,
  type CheckoutHandler,
} from '../../../src/server/index.js';
import { createQPayMock, createTBankMock } from '../../../src/mock/index.js';

const SECRET = 'wrong-secret-never-print-5d2c8e';
const SIGN_KEY = 'tbank-wrong-sign-key-never-print-91af';
const terminal = { agentId: 'A100', mchId: 'M100', terId: 'T100' };
const sandbox = createQPayMock({ baseUrl: QPAY_SANDBOX_URL, drawQrImage: false });
const production = createQPayMock({ baseUrl: QPAY_PRODUCTION_URL, clientId: 'LIVE_SHOP', clientSecret: 'live-secret', drawQrImage: false });
const tbank = createTBankMock({ ...terminal, signKey: 'the-right-sign-key' });
const server = setupServer(...sandbox.handlers, ...production.handlers, ...tbank.handlers);
before(() => server.listen({ onUnhandledRequest: 'error' }));
after(() => server.close());

const order = { orderId: 'A-1', amount: 1000 };

/** POSTs an invoice request and answers the status with every line the handler logged. */
async function createInvoice(handler: CheckoutHandler, logged: string[]) {
  const response = await handler(new Request('https://shop.example/qpay/invoice', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
  return { status: response.status, log: logged.join('\n') };
}

function qpayHandler(clientId: string, clientSecret: string, baseUrl: string, logged: string[]) {
  return createQPayCheckoutHandler({
    client: new QPayClient({ clientId, clientSecret, baseUrl, retry: { retries: 0 } }),
    invoiceCode: 'TEST_INVOICE',
    basePath: '/qpay',
    callbackUrl: 'https://shop.example/qpay/callback',
    getOrder: () => order,
    onPaid: () => {},
    logger: { error: (line) => logged.push(line) },
  });
}

function tbankHandler(options: Partial<typeof terminal> & { signKey: string }, logged: string[]) {
  return createCheckoutHandler({
    provider: new TBankProvider({ client: new TBankQrPayClient({ ...terminal, ...options, retryDelaysMs: [] }) }),
    basePath: '/qpay',
    callbackUrl: 'https://shop.example/tbank/callback',
    getOrder: () => order,
    onPaid: () => {},
    logger: { error: (line) => logged.push(line) },
  });
}

describe('a refused QPay login names the options to check', () => {
  it('a wrong secret on the sandbox: clientId (shown), clientSecret (not shown), baseUrl and that it is the sandbox', async () => {
    const logged: string[] = [];
    const { status, log } = await createInvoice(qpayHandler('TEST_MERCHANT', SECRET, QPAY_SANDBOX_URL, logged), logged);
    assert.equal(status, 502);
    assert.match(log, /QPay refused the login: check the QPayClient options clientId \("TEST_MERCHANT"\), clientSecret \(not shown\) and baseUrl/);
    assert.match(log, /baseUrl is the QPay sandbox \(https:\/\/merchant-sandbox\.qpay\.mn\): it accepts sandbox credentials only; production credentials need https:\/\/merchant\.qpay\.mn/);
    assert.match(log, /AUTHENTICATION_FAILED/);
    assert.ok(!log.includes(SECRET.slice(0, 12)) && !log.includes(SECRET.slice(-12)), 'the secret is never printed');
  });

  it('sandbox credentials sent to production: says production, and where sandbox credentials work', async () => {
    const logged: string[] = [];
    const client = new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: SECRET, baseUrl: QPAY_PRODUCTION_URL, retry: { retries: 0 } });
    const error = await client.token().then(
      () => assert.fail('the login should fail'),
      (e: Error) => e,
    );
    assert.match(error.message, /^QPay login failed: AUTHENTICATION_FAILED \(HTTP 401\)\. QPay refused the login/);
    assert.match(error.message, /baseUrl is QPay production \(https:\/\/merchant\.qpay\.mn\): sandbox credentials \(such as TEST_MERCHANT\) work only on https:\/\/merchant-sandbox\.qpay\.mn/);
    const { log } = await createInvoice(qpayHandler('TEST_MERCHANT', SECRET, QPAY_PRODUCTION_URL, logged), logged);
    assert.match(log, /baseUrl is QPay production/);
  });

  it('a secret with a trailing newline (an env file) is pointed out without printing it', async () => {
    const logged: string[] = [];
    const { log } = await createInvoice(qpayHandler('TEST_MERCHANT', '123456\n', QPAY_SANDBOX_URL, logged), logged);
    assert.match(log, /clientSecret start or end with whitespace \(a stray newline or space from an env file\?\)/);
  });

  it('a baseUrl with no QPay login under it (404) names baseUrl and says it is neither sandbox nor production', async () => {
    const client = new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: 'https://proxy.shop.example/qpay', retry: { retries: 0 } });
    server.use(http.post('https://proxy.shop.example/qpay/v2/auth/token', () => new HttpResponse('Not Found', { status: 404 })));
    const error = (await client.token().catch((e: Error) => e)) as Error;
    assert.match(error.message, /QPay has no login at https:\/\/proxy\.shop\.example\/qpay\/v2\/auth\/token: check the QPayClient option baseUrl \(baseUrl is https:\/\/proxy\.shop\.example\/qpay, neither the QPay sandbox/);
  });

  it('a QPay outage (503) is not blamed on the options', async () => {
    sandbox.controls.failNext('auth/token', { status: 503, body: 'down' });
    const client = new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: QPAY_SANDBOX_URL, retry: { retries: 0 } });
    const error = (await client.token().catch((e: Error) => e)) as Error & { detail: string };
    assert.doesNotMatch(`${error.message} ${error.detail}`, /check the QPayClient/);
  });
});

describe('TBank refusing our terminal or signature names the options to check', () => {
  it('a wrong signKey: SIGN_ERROR names signKey (not shown) and the terminal ids', async () => {
    const logged: string[] = [];
    const { status, log } = await createInvoice(tbankHandler({ signKey: SIGN_KEY }, logged), logged);
    assert.equal(status, 502);
    assert.match(log, /TBank refused our signature: check the TBankQrPayClient option signKey \(not shown\), issued for terminal agentId \("A100"\), mchId \("M100"\), terId \("T100"\)/);
    assert.ok(!log.includes(SIGN_KEY.slice(0, 12)) && !log.includes(SIGN_KEY.slice(-12)), 'the sign key is never printed');
  });

  it('an unknown terminal names agentId, mchId, terId, signKey and baseUrl', async () => {
    const logged: string[] = [];
    const { log } = await createInvoice(tbankHandler({ terId: 'T999', signKey: 'the-right-sign-key' }, logged), logged);
    assert.match(log, /TBank does not know this terminal: check the TBankQrPayClient options agentId \("A100"\), mchId \("M100"\), terId \("T999"\), signKey \(not shown\) and baseUrl \(https:\/\/qrpay-secured\.tbank\.ru\)/);
  });
});
