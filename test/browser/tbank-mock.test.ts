// The TBank mock and client must run in a browser too (the demo uses the mock under msw's
// setupWorker), where node:crypto does not exist: signing goes through Web Crypto.
import { expect } from '@open-wc/testing';
import { setupWorker } from 'msw/browser';
import { createTBankMock } from '../../src/mock/tbank.js';
import { TBankError, TBankQrPayClient } from '../../src/server/providers/tbank-client.js';

const terminal = { agentId: 'A1', mchId: 'M1', terId: 'T1', signKey: 'browser-test-key' };
const mock = createTBankMock(terminal);
const worker = setupWorker(...mock.handlers);

before(async () => {
  await worker.start({ quiet: true, onUnhandledRequest: 'bypass', serviceWorker: { url: '/mockServiceWorker.js' } });
});
after(() => worker.stop());

it('creates a signed SBP QR, sees it paid, and refuses a wrong key, all in the browser', async () => {
  const client = new TBankQrPayClient(terminal);
  const created = await client.createQr({ outTransactionNo: 1, totalAmount: 1500.5, currency: 'RUB' });
  expect(created.codeUrl).to.match(/^https:\/\/qr\.nspk\.ru\/AD[0-9A-Z]{30}\?type=02&bank=100000000004&sum=150050&cur=RUB&crc=[0-9A-F]{4}$/);
  expect((await client.query({ oriTransactionNo: created.outTradeNo })).status).to.equal('PENDING');
  mock.controls.pay(created.outTradeNo, { callback: false });
  expect((await client.query({ oriTransactionNo: created.outTradeNo })).status).to.equal('PAID');

  const wrong = new TBankQrPayClient({ ...terminal, signKey: 'not-the-key' });
  let error: unknown;
  try {
    await wrong.createQr({ outTransactionNo: 2, totalAmount: 1, currency: 'RUB' });
  } catch (e) {
    error = e;
  }
  expect(error).to.be.instanceOf(TBankError);
  expect((error as TBankError).code).to.equal('SIGN_ERROR');
});
