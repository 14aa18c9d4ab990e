// The status pushed by the merchant's event stream (`events-url`), against a real server run by the test
// runner (helpers/push-server.mjs): PAID by push, a stream failing mid-way and recovering, a proxy page or a
// 404 instead of a stream (with one console warning), removal while streaming, duplicate PAID events, a PAID not
// believed, and no EventSource at all (the stream is read with fetch). Polling runs beside the stream at its minimum interval (500 ms), so how often it asks
// shows whether it is the slow safety net (stream healthy) or the normal pace (stream down).
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { qpayInvoice, type QPayInvoice } from './helpers/fixtures.js';
import { pushChannel, statusEvent, type PushChannel } from './helpers/push.js';
import { quiet, recordEvents, statusText, waitForState, type QPayCheckoutElement } from './helpers/element.js';
import type { QPayErrorEvent, QPayPaidEvent } from '../../src/element/index.js';
import type { PollError } from '../../src/core/poller.js';

const AMOUNT = 2500;

async function invoice(): Promise<QPayInvoice> {
  return { ...(await qpayInvoice()), amount: AMOUNT };
}

const answer = (invoiceId: string, status: string) => ({ status, paid_amount: status === 'PAID' ? AMOUNT : 0, invoice_id: invoiceId });

async function mount(channel: PushChannel, inv: QPayInvoice): Promise<QPayCheckoutElement> {
  return fixture<QPayCheckoutElement>(
    html`<qpay-checkout lang="en" poll-interval="500" status-url=${channel.statusUrl} events-url=${channel.eventsUrl} .invoice=${inv}></qpay-checkout>`,
  );
}

/** Status requests made during `ms` of real time. */
async function pollsDuring(channel: PushChannel, ms: number): Promise<number> {
  const before = (await channel.state()).statusHits;
  await quiet(ms);
  return (await channel.state()).statusHits - before;
}

async function waitForOpen(channel: PushChannel, open: number): Promise<void> {
  let last = -1;
  await waitUntil(async () => (last = (await channel.state()).open) === open, `expected ${open} open streams, have ${last}`, { timeout: 4000 });
}

describe('<qpay-checkout> events-url (server-sent events)', () => {
  it('shows PAID the moment the stream says so, once, and closes the stream; polling was only a safety net meanwhile', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ initial: statusEvent(answer(id, 'NEW')), status: JSON.stringify(answer(id, 'NEW')) });
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await mount(channel, inv);
    await waitForOpen(channel, 1);
    // The stream delivered NEW: polling at 500 ms would ask 3 times in 1.6 s; as a safety net it does not ask.
    await quiet(300);
    expect(await pollsDuring(channel, 1600)).to.equal(0);

    await channel.control({ send: statusEvent(answer(id, 'PAID'), 'PAID.250000') });
    await waitForState(el, 'paid', 1000);
    expect(paid).to.have.length(1);
    expect(paid[0]!.detail).to.deep.equal({ invoiceId: id, status: 'PAID', response: answer(id, 'PAID') });
    expect(statusText(el)).to.equal('Payment received. Thank you!');
    await waitForOpen(channel, 0);
    const { connects } = await channel.state();
    expect(await pollsDuring(channel, 1000)).to.equal(0);
    expect((await channel.state()).connects).to.equal(connects);
    expect(errors).to.have.length(0);
  });

  it('falls back to polling when the stream fails mid-way, and back to the safety net when it recovers', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ initial: statusEvent(answer(id, 'NEW')), status: JSON.stringify(answer(id, 'NEW')) });
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const el = await mount(channel, inv);
    await waitForOpen(channel, 1);
    await quiet(300);
    expect(await pollsDuring(channel, 1000)).to.equal(0);

    // The server goes away: connections drop and new ones fail at the network level; the browser keeps retrying.
    await channel.control({ mode: 'down', drop: true });
    await waitUntil(async () => (await channel.state()).connects >= 2, 'the browser never tried to reconnect', { timeout: 3000 });
    expect(await pollsDuring(channel, 1600)).to.be.at.least(2);
    expect(el.dataset['state']).to.equal('waiting');

    // Back: the browser reconnects (telling the server the last event it saw), statuses flow, polling relaxes.
    await channel.control({ mode: 'stream' });
    await waitForOpen(channel, 1);
    expect((await channel.state()).lastEventIds.at(-1)).to.equal('NEW.0');
    await quiet(300);
    expect(await pollsDuring(channel, 1200)).to.equal(0);

    await channel.control({ send: statusEvent(answer(id, 'PAID'), 'PAID.250000') });
    await waitForState(el, 'paid', 1000);
    expect(paid).to.have.length(1);
    await waitForOpen(channel, 0);
  });

  it('still checks at once on return to the page, pageshow and online while the stream is healthy', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ initial: statusEvent(answer(id, 'NEW')), status: JSON.stringify(answer(id, 'NEW')) });
    const el = await mount(channel, inv);
    await waitForOpen(channel, 1);
    await quiet(300);
    for (const type of ['online', 'pageshow', 'focus']) {
      const before = (await channel.state()).statusHits;
      window.dispatchEvent(new Event(type));
      await waitUntil(async () => (await channel.state()).statusHits === before + 1, `no check on ${type}`, { timeout: 1000 });
    }
    el.remove();
    await waitForOpen(channel, 0);
  });

  for (const [name, mode] of [
    ["a proxy's HTML page", 'html'],
    ['a 404', '404'],
  ] as const) {
    it(`takes ${name} instead of a stream as one non-fatal error, and keeps polling at the normal pace`, async () => {
      const inv = await invoice();
      const id = inv.invoice_id;
      const channel = await pushChannel({ mode, status: JSON.stringify(answer(id, 'NEW')) });
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
      const warnings: unknown[][] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args);
      const el = await mount(channel, inv);
      await waitUntil(() => errors.length > 0, 'no qpay-error', { timeout: 3000 }).finally(() => (console.warn = warn));
      // The developer is told once which attribute and URL to check.
      const url = new URL(channel.eventsUrl.replace('{id}', id), document.baseURI).href;
      const said = mode === '404' ? 'HTTP 404' : 'something that is not an event stream';
      expect(warnings).to.deep.equal([[`qpay-checkout: events-url ${url} answered ${said}; check the attribute`]]);
      expect(await pollsDuring(channel, 1600)).to.be.at.least(2);
      expect(errors).to.have.length(1);
      expect(errors[0]!.detail.fatal).to.equal(false);
      expect((errors[0]!.detail.error as PollError).kind).to.equal('stream');
      expect(errors[0]!.detail.error.message).to.contain('not a text/event-stream');
      expect((await channel.state()).connects).to.equal(1);
      expect(el.dataset['state']).to.equal('waiting');
      expect(statusText(el)).to.equal('Waiting for payment…');

      await channel.control({ status: JSON.stringify(answer(id, 'PAID')) });
      await waitForState(el, 'paid', 2000);
      expect(paid).to.have.length(1);
      expect(errors).to.have.length(1);
    });
  }

  it('leaves no connection open when removed while streaming, and opens one again when put back', async () => {
    const inv = await invoice();
    const channel = await pushChannel({ initial: statusEvent(answer(inv.invoice_id, 'NEW')) });
    const el = await mount(channel, inv);
    await waitForOpen(channel, 1);
    const parent = el.parentElement!;
    el.remove();
    await waitForOpen(channel, 0);
    const { connects, statusHits } = await channel.state();
    await quiet(800);
    const after = await channel.state();
    expect([after.connects, after.statusHits, after.open]).to.deep.equal([connects, statusHits, 0]);

    parent.append(el);
    await waitForOpen(channel, 1);
    el.remove();
    await waitForOpen(channel, 0);
  });

  it('fires qpay-paid once for duplicate PAID events and a PAID poll answer', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const paidEvent = statusEvent(answer(id, 'PAID'), 'PAID.250000');
    const channel = await pushChannel({ initial: statusEvent(answer(id, 'NEW')), status: JSON.stringify(answer(id, 'NEW')) });
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const statuses = recordEvents(document, 'qpay-status');
    const el = await mount(channel, inv);
    await waitForOpen(channel, 1);
    // The poll and the stream both say PAID at about the same moment, the stream three times.
    const sending = channel.control({ status: JSON.stringify(answer(id, 'PAID')), send: paidEvent + paidEvent + paidEvent });
    el.check();
    await sending;
    await waitForState(el, 'paid', 2000);
    el.check();
    await quiet(700);
    expect(paid).to.have.length(1);
    expect(statuses.filter((event) => event.target === el).map((event) => (event as CustomEvent).detail.status).at(-1)).to.equal('PAID');
    await waitForOpen(channel, 0);
  });

  it('does not believe a pushed PAID for another invoice or for less than the amount', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ initial: statusEvent(answer(id, 'NEW')) });
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const el = await mount(channel, inv);
    await waitForOpen(channel, 1);
    await channel.control({
      send: statusEvent({ ...answer(id, 'PAID'), invoice_id: 'someone-else' }) + statusEvent({ ...answer(id, 'PAID'), paid_amount: 1 }),
    });
    await waitUntil(() => errors.length === 1, 'no qpay-error', { timeout: 2000 });
    await quiet(300);
    // Both refused; the second untrusted within 5 s is not reported again (one report per kind per 5 s).
    expect(errors.map((event) => (event.detail.error as PollError).kind)).to.deep.equal(['untrusted']);
    expect(errors.every((event) => !event.detail.fatal)).to.equal(true);
    expect(paid).to.have.length(0);
    expect(el.dataset['state']).to.equal('waiting');
    el.remove();
    await waitForOpen(channel, 0);
  });

  it('needs no EventSource: the stream is read with fetch, so a browser without one gets PAID pushed', async () => {
    const inv = await invoice();
    const id = inv.invoice_id;
    const channel = await pushChannel({ initial: statusEvent(answer(id, 'NEW')), status: JSON.stringify(answer(id, 'NEW')) });
    const original = window.EventSource;
    // @ts-expect-error -- a browser that has none
    delete window.EventSource;
    try {
      const el = await mount(channel, inv);
      await waitForOpen(channel, 1);
      await channel.control({ send: statusEvent(answer(id, 'PAID'), 'PAID.250000') });
      await waitForState(el, 'paid', 1000);
      await waitForOpen(channel, 0);
    } finally {
      window.EventSource = original;
    }
  });
});
