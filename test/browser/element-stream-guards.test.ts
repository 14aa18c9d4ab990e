// The guards on what the merchant's endpoints send (issue 16), against the test runner's push-test server
// (helpers/push-server.mjs), which writes its huge answers lazily and counts what it handed to the socket. It
// paces them (16 KB every 10 ms): on loopback, Chromium's network stack reads several MB ahead of the page
// before the page's first read, whatever the page then does, so an unpaced count would not measure the client.
// Cases:
// an endless line on events-url, a flood of malformed events, a 50 MB status body, and the console warning
// for a status-url or events-url that looks mistyped.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { qpayInvoice, type QPayInvoice } from './helpers/fixtures.js';
import { pushChannel, statusEvent } from './helpers/push.js';
import { quiet, recordEvents, waitForState, type QPayCheckoutElement } from './helpers/element.js';
import type { QPayErrorEvent, QPayPaidEvent } from '../../src/element/index.js';
import type { PollError } from '../../src/core/poller.js';

const AMOUNT = 2500;
const MB = 1024 * 1024;
const answer = (invoiceId: string, status: string) => ({ status, paid_amount: status === 'PAID' ? AMOUNT : 0, invoice_id: invoiceId });

async function invoice(): Promise<QPayInvoice> {
  return { ...(await qpayInvoice()), amount: AMOUNT };
}

async function mount(inv: QPayInvoice, urls: { statusUrl?: string; eventsUrl?: string }): Promise<QPayCheckoutElement> {
  return fixture<QPayCheckoutElement>(
    html`<qpay-checkout lang="en" poll-interval="500" status-url=${urls.statusUrl ?? ''} events-url=${urls.eventsUrl ?? ''} .invoice=${inv}></qpay-checkout>`,
  );
}

/** The element's console warnings while `run` runs (console.warn still prints them). */
function recordWarnings(): { warnings: string[]; restore(): void } {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).startsWith('qpay-checkout:')) warnings.push(String(args[0]));
    original.apply(console, args);
  };
  return { warnings, restore: () => (console.warn = original) };
}

const absolute = (template: string, id: string) => new URL(template.replace('{id}', id), document.baseURI).href;

describe('<qpay-checkout> guards on what the merchant sends', () => {
  it('closes an events-url stream whose line goes on for 300 MB before 1 MB, with one non-fatal error, and polls on', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ mode: 'endless-line', initial: statusEvent(answer(id, 'NEW')), status: JSON.stringify(answer(id, 'NEW')) });
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const el = await mount(inv, channel);
    await waitUntil(() => errors.length > 0, 'no qpay-error', { timeout: 5000 });
    await waitUntil(async () => (await channel.state()).open === 0, 'the stream was never closed', { timeout: 3000 });
    const { sent } = await channel.state();
    expect(sent.events, `the server handed ${sent.events} bytes to the socket`).to.be.below(MB);
    expect(errors.map((event) => [(event.detail.error as PollError).kind, event.detail.fatal])).to.deep.equal([['too-large', false]]);
    expect(errors[0]!.detail.error.message).to.contain('an event over 65536 bytes');
    // Polling goes on at the normal pace and still finds the payment.
    const hits = (await channel.state()).statusHits;
    await waitUntil(async () => (await channel.state()).statusHits >= hits + 2, 'polling stopped', { timeout: 3000 });
    await channel.control({ status: JSON.stringify(answer(id, 'PAID')) });
    await waitForState(el, 'paid', 3000);
    expect(paid).to.have.length(1);
    expect(errors).to.have.length(1);
    expect((await channel.state()).connects).to.equal(1);
  });

  it('raises at most two qpay-error events for 5 s of malformed events, and the element keeps waiting', async function () {
    this.timeout(20000);
    const inv = await invoice();
    const channel = await pushChannel({ mode: 'malformed', status: JSON.stringify(answer(inv.invoice_id, 'NEW')) });
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await mount(inv, channel);
    await waitUntil(() => errors.length > 0, 'no qpay-error', { timeout: 3000 });
    await waitUntil(async () => (await channel.state()).sent.events >= 500 * 50 * 27, 'the flood did not finish', { timeout: 12000 });
    await quiet(300);
    expect(errors.length, errors.map((event) => event.detail.error.message).join('\n')).to.be.within(1, 2);
    expect(errors.every((event) => !event.detail.fatal && (event.detail.error as PollError).kind === 'malformed')).to.equal(true);
    expect(el.dataset['state']).to.equal('waiting');
  });

  it('cancels a 50 MB status body before 1 MB was sent, every time, and polls on to PAID', async function () {
    this.timeout(15000);
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ statusBytes: 50 * MB });
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await mount(inv, { statusUrl: channel.statusUrl });
    for (let answers = 1; answers <= 3; answers++) {
      await waitUntil(async () => (await channel.state()).statusHits > answers, `no poll after answer ${answers}`, { timeout: 5000 });
      const { sent } = await channel.state();
      expect(sent.status, `answer ${answers}: the server handed ${sent.status} bytes to the socket`).to.be.below(MB);
    }
    // One non-fatal error per 5 s per kind: three polls inside 5 s make one; a slow machine may spread them over two spans.
    const kinds = errors.map((event) => (event.detail.error as PollError).kind);
    expect(kinds.length, kinds.join(', ')).to.be.within(1, 2);
    expect(kinds.every((kind) => kind === 'too-large'), kinds.join(', ')).to.equal(true);
    await channel.control({ statusBytes: 0, status: JSON.stringify(answer(id, 'PAID')) });
    // Rather than wait out the back-off after three faults: ask again (a check while a request is still in flight is
    // a no-op, so keep asking until one goes out).
    await waitUntil(
      () => {
        if (el.dataset['state'] !== 'paid') el.check();
        return el.dataset['state'] === 'paid';
      },
      'expected state paid after the body cap',
      { timeout: 8000, interval: 250 },
    );
  });

  for (const [name, setup] of [
    ['HTTP 404', { statusCode: 404, status: '{"error":"NOT_FOUND"}' }, 'HTTP 404'],
    ["a proxy's HTML page", { status: '<!doctype html><title>Gateway</title>' }, 'something that is not JSON'],
  ] as const) {
    it(`warns once in the console when status-url answers ${name} three times in a row`, async function () {
      this.timeout(15000);
      const inv = await invoice();
      const channel = await pushChannel(setup);
      const { warnings, restore } = recordWarnings();
      try {
        await mount(inv, { statusUrl: channel.statusUrl });
        await waitUntil(async () => (await channel.state()).statusHits >= 2, 'no second poll', { timeout: 3000 });
        expect(warnings).to.deep.equal([]);
        await waitUntil(async () => (await channel.state()).statusHits >= 4, 'no fourth poll', { timeout: 8000 });
        const said = name === 'HTTP 404' ? 'HTTP 404' : 'something that is not JSON';
        expect(warnings).to.deep.equal([
          `qpay-checkout: status-url ${absolute(channel.statusUrl, inv.invoice_id)} answered ${said} three times in a row; check the attribute`,
        ]);
      } finally {
        restore();
      }
    });
  }
});
