// qpay-checkout/react in a real React 19 tree (react-dom/client): the invoice object reaches the element
// as a property, the status endpoint (msw) answers, and the element's events arrive as the typed
// onPaid / onStatus / onError callbacks. Also React 19's own custom-element support, which the
// `qpay-checkout/jsx/react` types describe: properties by name and `onqpay-paid` listeners.
import { expect, waitUntil } from '@open-wc/testing';
import { createElement, createRef, type ReactElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { QPayCheckout } from '../../src/react/index.js';
import type { QPayCheckoutElement, QPayErrorEvent, QPayPaidEvent, QPayStatusEvent } from '../../src/element/index.js';
import { qpayInvoice } from './helpers/fixtures.js';
import { statusEndpoint, statusSequence, useMockServer } from './helpers/msw.js';
import { waitForState } from './helpers/element.js';

useMockServer();

let container: HTMLElement;
let root: Root;

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  root.unmount();
  container.remove();
});

/** Renders synchronously, so the element is in the DOM when this returns. */
function render(element: ReactElement): void {
  flushSync(() => root.render(element));
}

function renderedElement(): QPayCheckoutElement {
  const el = container.querySelector('qpay-checkout');
  if (!el) throw new Error('<qpay-checkout> was not rendered');
  return el as QPayCheckoutElement;
}

describe('qpay-checkout/react', () => {
  it('registers <qpay-checkout> on import and renders it with the invoice object as a property', async () => {
    expect(customElements.get('qpay-checkout')).to.be.a('function');
    const invoice = await qpayInvoice();
    const endpoint = statusEndpoint(statusSequence('NEW'));
    render(createElement(QPayCheckout, { invoice, statusUrl: endpoint.url, pollInterval: 60000, lang: 'en', mode: 'desktop' }));
    const el = renderedElement();
    expect(el.invoice).to.equal(invoice);
    expect(el.statusUrl).to.equal(endpoint.url);
    expect(el.pollInterval).to.equal(60000);
    expect(el.getAttribute('lang')).to.equal('en');
    await waitForState(el, 'waiting');
    // The provider's PNG QR is shown, not a stringified "[object Object]".
    await waitUntil(() => el.shadowRoot?.querySelector('img[part~="qr"]'), 'the QR image never showed');
    expect(el.hasAttribute('invoice')).to.equal(false);
  });

  it('calls onStatus for each change and onPaid once with the paid detail when the endpoint answers PAID', async () => {
    const invoice = await qpayInvoice();
    const endpoint = statusEndpoint(statusSequence('NEW', 'PAID'));
    const paid: QPayPaidEvent[] = [];
    const statuses: QPayStatusEvent[] = [];
    render(
      createElement(QPayCheckout, {
        invoice,
        statusUrl: endpoint.url,
        pollInterval: 500,
        onPaid: (event) => paid.push(event),
        onStatus: (event) => statuses.push(event),
      }),
    );
    await waitUntil(() => paid.length > 0, 'onPaid was never called', { timeout: 5000 });
    expect(paid).to.have.length(1);
    expect(paid[0]!.detail).to.deep.equal({ invoiceId: invoice.invoice_id, status: 'PAID', response: { status: 'PAID' } });
    expect(statuses.map((event) => [event.detail.status, event.detail.previous])).to.deep.equal([
      ['NEW', undefined],
      ['PAID', 'NEW'],
    ]);
    expect(renderedElement().dataset['state']).to.equal('paid');
  });

  it('calls the callback from the latest render, not a stale one', async () => {
    const invoice = await qpayInvoice();
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const endpoint = statusEndpoint(async () => {
      await gate;
      return Response.json({ status: 'PAID' });
    });
    const calls: string[] = [];
    const props = { invoice, statusUrl: endpoint.url, pollInterval: 500 };
    render(createElement(QPayCheckout, { ...props, onPaid: () => calls.push('first') }));
    await waitUntil(() => endpoint.hits > 0, 'the status endpoint was never asked');
    render(createElement(QPayCheckout, { ...props, onPaid: () => calls.push('second') }));
    release();
    await waitUntil(() => calls.length > 0, 'onPaid was never called', { timeout: 5000 });
    expect(calls).to.deep.equal(['second']);
  });

  it('calls onError with a fatal error for an unusable invoice', async () => {
    const errors: QPayErrorEvent[] = [];
    render(createElement(QPayCheckout, { invoice: { invoice_id: 'x' }, onError: (event) => errors.push(event) }));
    await waitUntil(() => errors.length > 0, 'onError was never called');
    expect(errors[0]!.detail.fatal).to.equal(true);
    expect(errors[0]!.detail.error).to.be.instanceOf(Error);
    expect(renderedElement().dataset['state']).to.equal('error');
  });

  it('forwards a ref to the element, whose check() asks the endpoint at once', async () => {
    const invoice = await qpayInvoice();
    const endpoint = statusEndpoint(statusSequence('NEW'));
    const ref = createRef<QPayCheckoutElement>();
    render(createElement(QPayCheckout, { ref, invoice, statusUrl: endpoint.url, pollInterval: 60000 }));
    expect(ref.current).to.equal(renderedElement());
    await waitUntil(() => endpoint.hits === 1, 'the first check never happened');
    await waitForState(ref.current!, 'waiting');
    ref.current!.check();
    await waitUntil(() => endpoint.hits === 2, 'check() did not ask the endpoint');
  });

  it('works as a plain <qpay-checkout> in React 19 JSX too: properties by name, onqpay-paid as a listener', async () => {
    const invoice = await qpayInvoice();
    const endpoint = statusEndpoint(statusSequence('PAID'));
    const paid: QPayPaidEvent[] = [];
    render(
      createElement('qpay-checkout', {
        invoice,
        statusUrl: endpoint.url,
        'onqpay-paid': (event: QPayPaidEvent) => paid.push(event),
      }),
    );
    expect(renderedElement().invoice).to.equal(invoice);
    await waitUntil(() => paid.length > 0, 'the onqpay-paid listener was never called', { timeout: 5000 });
    expect(paid[0]!.detail.invoiceId).to.equal(invoice.invoice_id);
  });
});
