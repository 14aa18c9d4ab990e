// <qpay-checkout> with events-url on a page under a strict Content Security Policy: connections to the page's
// own origin only, no inline scripts or styles, no eval. Its own file, because the policy stays with the page.
// The merchant is the test runner's push-test server (helpers/push-server.mjs).
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { qpayInvoice } from './helpers/fixtures.js';
import { pushChannel, statusEvent } from './helpers/push.js';
import { recordEvents, waitForState, type QPayCheckoutElement } from './helpers/element.js';
import type { QPayErrorEvent, QPayPaidEvent } from '../../src/element/index.js';

const POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";

describe('<qpay-checkout> events-url under a strict CSP', () => {
  const violations: SecurityPolicyViolationEvent[] = [];
  before(() => {
    const meta = document.createElement('meta');
    meta.httpEquiv = 'Content-Security-Policy';
    meta.content = POLICY;
    document.head.prepend(meta);
    document.addEventListener('securitypolicyviolation', (event) => violations.push(event));
  });

  it("gets PAID pushed with connect-src 'self', and the policy is never broken", async () => {
    // The policy is in force: a connection elsewhere is refused.
    await fetch('http://example.invalid/').catch(() => {});
    await waitUntil(() => violations.length === 1, 'the policy is not in force', { timeout: 2000 });
    violations.length = 0;

    const invoice = { ...(await qpayInvoice()), amount: 2500 };
    const id = invoice.invoice_id;
    const body = (status: string) => ({ status, paid_amount: status === 'PAID' ? 2500 : 0, invoice_id: id });
    const channel = await pushChannel({ initial: statusEvent(body('NEW')), status: JSON.stringify(body('NEW')) });
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await fixture<QPayCheckoutElement>(
      html`<qpay-checkout lang="en" status-url=${channel.statusUrl} events-url=${channel.eventsUrl} .invoice=${invoice}></qpay-checkout>`,
    );
    await waitUntil(async () => (await channel.state()).open === 1, 'the stream never opened', { timeout: 3000 });
    await channel.control({ send: statusEvent(body('PAID'), 'PAID.250000') });
    await waitForState(el, 'paid', 2000);
    expect(paid).to.have.length(1);
    expect(errors.map((event) => event.detail.error.message)).to.deep.equal([]);
    expect(violations.map((event) => `${event.violatedDirective} ${event.blockedURI}`)).to.deep.equal([]);
  });
});
