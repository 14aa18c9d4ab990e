// Status polling as the customer and the merchant's page see it: events, states, faults, the page
// lifecycle (removal, return, visibility) and expiry. Endpoints are msw handlers; intervals are the
// poller's minimum (500 ms) so the whole file runs in seconds.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { isoIn, loadFixture, qpayInvoice, tbankInvoice } from './helpers/fixtures.js';
import {
  never,
  statusAnswer,
  statusEndpoint,
  statusSequence,
  useMockServer,
  HttpResponse,
} from './helpers/msw.js';
import {
  part,
  quiet,
  recordEvents,
  restoreVisibility,
  setVisibility,
  statusText,
  waitForState,
  type QPayCheckoutElement,
} from './helpers/element.js';
import type { QPayErrorEvent, QPayExpiredEvent, QPayPaidEvent, QPayStatusEvent } from '../../src/element/index.js';
import type { PollError } from '../../src/core/poller.js';

useMockServer();

/** Long enough that only the first check and explicit triggers happen within a test. */
const SLOW = 60000;

describe('<qpay-checkout> polling', () => {
  describe('answer shapes', () => {
    // Each answer names this invoice where its shape has an id (a PAID for another invoice is not believed).
    const paidAnswers: [string, (invoiceId: string) => Promise<unknown>][] = [
      ['plain {status: "PAID"}', async () => ({ status: 'PAID', extra: { ok: true } })],
      ['QPay /v2/payment/check', () => loadFixture('payment-check-response.paid.json')],
      ['TBank QUERY', async (invoiceId) => ({ code: 'SUCCESS', status: 'PAID', outTradeNo: invoiceId })],
    ];
    for (const [name, answer] of paidAnswers) {
      it(`understands ${name}: qpay-paid once with the answer, polling stops, paid state`, async () => {
        const invoice = await qpayInvoice();
        const body = await answer(invoice.invoice_id);
        const endpoint = statusEndpoint((hit) => (hit === 1 ? statusAnswer('NEW') : HttpResponse.json(body as Record<string, unknown>)));
        const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
        const el = await fixture<QPayCheckoutElement>(
          html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`,
        );
        await waitForState(el, 'paid');
        expect(paid).to.have.length(1);
        expect(paid[0]!.detail).to.deep.equal({ invoiceId: invoice.invoice_id, status: 'PAID', response: body });
        expect(paid[0]!.bubbles && paid[0]!.composed).to.equal(true);
        expect(statusText(el)).to.equal('Payment received. Thank you!');
        expect(part(el, 'qr')).to.equal(null);
        const hits = endpoint.hits;
        await quiet(700);
        expect(endpoint.hits).to.equal(hits);
      });
    }

    it('puts the URL-encoded invoice id into {id}, or adds invoice_id= without it', async () => {
      const invoice = { ...(await tbankInvoice()), outTradeNo: 'a/b c' };
      const endpoint = statusEndpoint(statusSequence('NEW'));
      await fixture(html`<qpay-checkout poll-interval=${SLOW} status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`);
      await waitUntil(() => endpoint.hits === 1);
      expect(new URL(endpoint.requests[0]!.url).pathname).to.match(/\/a%2Fb%20c$/);
      expect(endpoint.requests[0]!.method).to.equal('GET');

      const seen: string[] = [];
      const { worker, http } = await import('./helpers/msw.js');
      worker.use(http.get('/api/query-status', ({ request }) => (seen.push(request.url), statusAnswer('NEW'))));
      await fixture(html`<qpay-checkout poll-interval=${SLOW} status-url="/api/query-status?shop=1" .invoice=${invoice}></qpay-checkout>`);
      await waitUntil(() => seen.length === 1);
      expect(new URL(seen[0]!).search).to.equal('?shop=1&invoice_id=a%2Fb%20c');
    });
  });

  it('fires qpay-status on every change, with the previous status', async () => {
    const endpoint = statusEndpoint(statusSequence('NEW', 'NEW', 'PAID'));
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout poll-interval="500" status-url=${endpoint.url}></qpay-checkout>`);
    const changes = recordEvents<QPayStatusEvent>(el, 'qpay-status');
    const invoice = await qpayInvoice();
    el.invoice = invoice;
    await waitForState(el, 'paid', 4000);
    expect(changes.map((e) => e.detail)).to.deep.equal([
      { invoiceId: invoice.invoice_id, status: 'NEW', previous: undefined },
      { invoiceId: invoice.invoice_id, status: 'PAID', previous: 'NEW' },
    ]);
    expect(endpoint.hits).to.equal(3);
  });

  it('fires qpay-paid once however often PAID is answered', async () => {
    const endpoint = statusEndpoint(statusSequence('PAID'));
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const invoice = await qpayInvoice();
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`);
    await waitForState(el, 'paid');
    // Everything that could ask again: check(), the same invoice passed again, a re-insertion.
    el.check();
    el.invoice = { ...invoice };
    await el.updateComplete;
    const parent = el.parentNode!;
    el.remove();
    parent.appendChild(el);
    await el.updateComplete;
    window.dispatchEvent(new Event('focus'));
    await quiet(700);
    expect(paid).to.have.length(1);
    expect(endpoint.hits).to.equal(1);
    expect(el.dataset['state']).to.equal('paid');
  });

  it('keeps polling when the same invoice is passed again while waiting (a page re-render), and sees PAID', async () => {
    const endpoint = statusEndpoint(statusSequence('NEW', 'PAID'));
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const invoice = await qpayInvoice();
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`);
    await waitUntil(() => endpoint.hits === 1, 'no first request');
    el.invoice = { ...invoice };
    await el.updateComplete;
    await waitForState(el, 'paid', 2000);
    expect(paid).to.have.length(1);
  });

  it('stops on a final non-paid status and shows it', async () => {
    for (const [answer, state, text] of [
      ['FAILED', 'failed', 'The payment failed.'],
      ['CANCEL', 'failed', 'The payment was cancelled.'],
      ['REFUNDED', 'failed', 'The payment was refunded.'],
      ['EXPIRED', 'expired', 'This invoice has expired.'],
    ] as const) {
      const endpoint = statusEndpoint(statusSequence(answer));
      const expired = recordEvents<QPayExpiredEvent>(document, 'qpay-expired');
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${await tbankInvoice()}></qpay-checkout>`,
      );
      await waitForState(el, state);
      expect(statusText(el)).to.equal(text);
      expect(expired).to.have.length(answer === 'EXPIRED' ? 1 : 0);
      el.check();
      await quiet(50);
      expect(endpoint.hits).to.equal(1);
    }
  });

  describe('faults', () => {
    it('does not believe a PAID for another invoice, for less than the amount, or spelt "paıd" (issue 10)', async function () {
      this.timeout(15000); // three faults back off for up to 7 s
      const invoice = await qpayInvoice(); // qr_text says 100 MNT
      const answers = [
        { status: 'PAID', invoice_id: 'someone-else' },
        { status: 'PAID', paid_amount: 1 },
        { status: 'pa\u0131d' },
        { status: 'PAID', invoice_id: invoice.invoice_id, paid_amount: 100 },
      ];
      const endpoint = statusEndpoint((hit) => HttpResponse.json(answers[Math.min(hit, answers.length) - 1]!));
      const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`,
      );
      await waitUntil(() => endpoint.hits === 2, 'no second request');
      expect(el.state).to.equal('waiting');
      expect(paid).to.have.length(0);
      await waitForState(el, 'paid', 9000);
      expect(endpoint.hits).to.equal(4);
      expect(paid).to.have.length(1);
      const kinds = errors.map((e) => [(e.detail.error as PollError).kind, e.detail.fatal]);
      // Two untrusted answers within 5 s: the second is held back (one report per kind per 5 s).
      expect(kinds).to.deep.equal([
        ['untrusted', false],
        ['malformed', false],
      ]);
    });

    const faults: [string, () => Response | Promise<Response>, string][] = [
      ['a network error', () => HttpResponse.error(), 'network'],
      ['HTTP 500', () => new HttpResponse('oops', { status: 500 }), 'http'],
      ['malformed JSON', () => new HttpResponse('{"status": "PA', { headers: { 'content-type': 'application/json' } }), 'malformed'],
      ['an unknown status word', () => HttpResponse.json({ status: 'MAYBE' }), 'malformed'],
    ];
    for (const [name, fault, kind] of faults) {
      it(`after ${name}: a non-fatal qpay-error, then polling goes on to PAID`, async () => {
        const endpoint = statusEndpoint((hit) => (hit === 1 ? fault() : statusAnswer('PAID')));
        const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
        const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
        const el = await fixture<QPayCheckoutElement>(
          html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
        );
        await waitUntil(() => errors.length === 1, 'no qpay-error');
        expect(errors[0]!.detail.fatal).to.equal(false);
        expect((errors[0]!.detail.error as PollError).kind).to.equal(kind);
        await el.updateComplete;
        expect(el.dataset['state']).to.equal('waiting');
        expect(part(el, 'qr'), 'the QR stays usable').to.exist;
        await waitForState(el, 'paid', 4000);
        expect(paid).to.have.length(1);
        expect(endpoint.hits).to.equal(2);
      });
    }

    it('tells the customer about connection trouble while it retries', async () => {
      const endpoint = statusEndpoint((hit) => (hit === 1 ? new HttpResponse(null, { status: 502 }) : statusAnswer('NEW')));
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitUntil(() => el.shadowRoot!.textContent!.includes('Connection problem'), 'no trouble note');
      await waitUntil(() => endpoint.hits === 2, 'no retry', { timeout: 3000 });
      await waitUntil(() => !el.shadowRoot!.textContent!.includes('Connection problem'), 'the note stayed after a good answer');
    });

    it('honours Retry-After on 429: check() does not ask sooner, the next request comes after it', async () => {
      const endpoint = statusEndpoint((hit) =>
        hit === 1 ? new HttpResponse(null, { status: 429, headers: { 'retry-after': '2' } }) : statusAnswer('PAID'),
      );
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitUntil(() => errors.length === 1);
      const error = errors[0]!.detail.error as PollError;
      expect(error.status).to.equal(429);
      expect(error.retryInMs).to.be.at.least(2000);
      el.check();
      window.dispatchEvent(new Event('online'));
      await quiet(600); // past the 500 ms base interval and its first backoff
      expect(endpoint.hits, 'no request before Retry-After').to.equal(1);
      await waitForState(el, 'paid', 4000);
      expect(endpoint.hits).to.equal(2);
    });

    it('keeps one request in flight: a hanging request is not doubled by check() or page events', async () => {
      const endpoint = statusEndpoint(() => never());
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitUntil(() => endpoint.hits === 1);
      el.check();
      window.dispatchEvent(new Event('focus'));
      window.dispatchEvent(new Event('online'));
      await quiet(800);
      expect(endpoint.hits).to.equal(1);
    });
  });

  describe('page lifecycle', () => {
    afterEach(() => restoreVisibility());

    it('300 quick re-attaches ask the server about once per interval, not 300 times (issue 10)', async () => {
      const endpoint = statusEndpoint(statusSequence('NEW'));
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitUntil(() => endpoint.hits === 1, 'no first request');
      const parent = el.parentNode!;
      const started = performance.now();
      for (let i = 0; i < 300; i++) {
        el.remove();
        parent.appendChild(el);
        if (i % 10 === 0) await quiet(5);
      }
      await quiet(100);
      const elapsed = performance.now() - started;
      // One check per interval at most, plus the first: what a page that was never re-attached asks.
      expect(endpoint.hits).to.be.at.most(2 + Math.ceil(elapsed / 500), `${endpoint.hits} requests in ${Math.round(elapsed)} ms`);
      // And polling still goes on at its pace after the storm.
      const hits = endpoint.hits;
      await waitUntil(() => endpoint.hits > hits, 'polling stopped after the re-attaches', { timeout: 2000 });
    });

    it('removal stops every request, timer and listener; re-insertion resumes', async () => {
      const endpoint = statusEndpoint(statusSequence('NEW'));
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitUntil(() => endpoint.hits >= 2, 'not polling', { timeout: 3000 });
      const parent = el.parentNode!;
      el.remove();
      const hitsAtRemoval = endpoint.hits;
      setVisibility('hidden');
      setVisibility('visible');
      window.dispatchEvent(new Event('focus'));
      window.dispatchEvent(new Event('online'));
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      el.check();
      await quiet(1200);
      expect(endpoint.hits).to.equal(hitsAtRemoval);

      parent.appendChild(el);
      await waitUntil(() => endpoint.hits > hitsAtRemoval, 'no request after re-insertion');
      await waitUntil(() => endpoint.hits > hitsAtRemoval + 1, 'polling did not go on', { timeout: 3000 });
    });

    for (const [name, trigger] of [
      ['coming back to the page (visibilitychange)', () => (setVisibility('hidden'), setVisibility('visible'))],
      ['pageshow from the back-forward cache', () => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))],
      ['window focus', () => window.dispatchEvent(new Event('focus'))],
      ['going back online', () => window.dispatchEvent(new Event('online'))],
    ] as const) {
      it(`checks at once on ${name}`, async () => {
        const endpoint = statusEndpoint(statusSequence('NEW', 'PAID'));
        const statuses = recordEvents<QPayStatusEvent>(document, 'qpay-status');
        const el = await fixture<QPayCheckoutElement>(
          html`<qpay-checkout poll-interval=${SLOW} status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
        );
        // Fire only once the first answer was handled: a check while it is still in flight is ignored.
        await waitUntil(() => statuses.length === 1, 'the first answer was not handled');
        trigger();
        await waitForState(el, 'paid', 1000);
        expect(endpoint.hits).to.equal(2);
      });
    }

    it('check() asks at once', async () => {
      const endpoint = statusEndpoint(statusSequence('NEW', 'PAID'));
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout poll-interval=${SLOW} status-url=${endpoint.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitUntil(() => endpoint.hits === 1 && !!el.shadowRoot);
      await quiet(50);
      el.check();
      await waitForState(el, 'paid', 1000);
    });

    it('does not poll without a status-url, and starts when one is set', async () => {
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout poll-interval="500" .invoice=${await qpayInvoice()}></qpay-checkout>`);
      const endpoint = statusEndpoint(statusSequence('PAID'));
      await quiet(100);
      expect(endpoint.hits).to.equal(0);
      el.statusUrl = endpoint.url;
      await waitForState(el, 'paid');
    });

    it('a new invoice resets the state and polls for the new id; paid-once is per invoice', async () => {
      const endpoint = statusEndpoint(statusSequence('PAID'));
      const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
      const first = await qpayInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout poll-interval="500" status-url=${endpoint.url} .invoice=${first}></qpay-checkout>`);
      await waitForState(el, 'paid');
      const second = { ...first, invoice_id: 'second-invoice' };
      el.invoice = second;
      await el.updateComplete;
      await waitUntil(() => paid.length === 2, 'the second invoice was not paid');
      expect(paid.map((e) => e.detail.invoiceId)).to.deep.equal([first.invoice_id, 'second-invoice']);
      expect(new URL(endpoint.requests.at(-1)!.url).pathname).to.match(/\/second-invoice$/);
      await waitForState(el, 'paid');
    });
  });

  describe('countdown and expiry', () => {
    it('expires at expires_at: qpay-expired, expired state, no more requests', async () => {
      const endpoint = statusEndpoint(statusSequence('NEW'));
      const expired = recordEvents<QPayExpiredEvent>(document, 'qpay-expired');
      const statuses = recordEvents<QPayStatusEvent>(document, 'qpay-status');
      const invoice = { ...(await qpayInvoice()), expires_at: isoIn(1600) };
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`,
      );
      expect(part(el, 'timer')!.textContent).to.match(/^Time left: 0:0[12]$/);
      await waitForState(el, 'expired', 4000);
      expect(expired).to.have.length(1);
      expect(expired[0]!.detail.invoiceId).to.equal(invoice.invoice_id);
      expect(statuses.map((e) => e.detail.status)).to.deep.equal(['NEW', 'EXPIRED']);
      expect(statusText(el)).to.equal('This invoice has expired.');
      expect(part(el, 'qr')).to.equal(null);
      expect(part(el, 'timer')).to.equal(null);
      const hits = endpoint.hits;
      el.check();
      window.dispatchEvent(new Event('focus'));
      await quiet(800);
      expect(endpoint.hits).to.equal(hits);
    });

    it('an invoice already past expires_at shows expired without polling', async () => {
      const endpoint = statusEndpoint(statusSequence('NEW'));
      const invoice = { ...(await qpayInvoice()), expires_at: isoIn(-1000) };
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`);
      await waitForState(el, 'expired');
      await quiet(100);
      expect(endpoint.hits).to.equal(0);
    });

    it('counts down on the server clock from the Date header of status answers', async () => {
      // The customer's clock is 4 minutes slow (plausible): the server's Date is 4 minutes ahead of it.
      const serverAhead = 4 * 60 * 1000;
      const endpoint = statusEndpoint(() =>
        statusAnswer('NEW', { headers: { date: new Date(Date.now() + serverAhead).toUTCString() } }),
      );
      const invoice = { ...(await qpayInvoice()), expires_at: isoIn(serverAhead + 3 * 60 * 1000) };
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout lang="en" poll-interval=${SLOW} status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`,
      );
      // Without the correction it would show about 7:00. Date has whole seconds, hence 3:01 too.
      await waitUntil(() => /^Time left: (3:01|3:00|2:59)$/.test(part(el, 'timer')!.textContent!), 'the clock was not corrected', {
        timeout: 2000,
      });
    });

    it('distrusts a server clock hours off: reported once (not fatal), the countdown keeps the local clock (issue 10)', async () => {
      // A server Date 2 h ahead used to expire a 30-minute invoice on the first poll.
      const endpoint = statusEndpoint(() => statusAnswer('NEW', { headers: { date: new Date(Date.now() + 2 * 3600_000).toUTCString() } }));
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const invoice = { ...(await qpayInvoice()), expires_at: isoIn(30 * 60 * 1000) };
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout lang="en" poll-interval="500" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`,
      );
      await waitUntil(() => endpoint.hits >= 3, 'polling stopped', { timeout: 3000 });
      expect(el.state).to.equal('waiting');
      expect(part(el, 'timer')!.textContent).to.match(/^Time left: (30:00|29:5\d)$/);
      expect(errors).to.have.length(1);
      expect(errors[0]!.detail.fatal).to.equal(false);
      expect(errors[0]!.detail.error.message).to.match(/clock.*120 min/i);
    });

    it('tells screen readers the time left now and then, not every second', async () => {
      const invoice = { ...(await qpayInvoice()), expires_at: isoIn(5 * 60 * 1000 + 2500) };
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" .invoice=${invoice}></qpay-checkout>`);
      const timer = part(el, 'timer')!;
      const live = el.shadowRoot!.querySelector('[aria-live="polite"]:not([role])')!;
      expect(timer.getAttribute('aria-live'), 'the ticking timer is not a live region').to.equal(null);
      expect(timer.closest('[aria-live],[role="status"]')).to.equal(null);
      const spoken = live.textContent!.trim();
      expect(spoken).to.equal('6 min left to pay');
      const shown = timer.textContent;
      await waitUntil(() => timer.textContent !== shown, 'the timer did not tick', { timeout: 1500 });
      expect(live.textContent!.trim()).to.equal(spoken);
      await waitUntil(() => live.textContent!.trim() === '5 min left to pay', 'no announcement at the whole minute', {
        timeout: 4000,
      });
    });
  });
});
