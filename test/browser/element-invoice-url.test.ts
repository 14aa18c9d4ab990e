// invoice-url: the element POSTs the order to the merchant and shows the invoice it answers.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { isoIn, qpayInvoice } from './helpers/fixtures.js';
import { HttpResponse, invoiceEndpoint, never, statusEndpoint, statusSequence, useMockServer } from './helpers/msw.js';
import {
  part,
  parts,
  quiet,
  recordEvents,
  root,
  statusText,
  waitForState,
  type QPayCheckoutElement,
} from './helpers/element.js';
import type { QPayErrorEvent, QPayLoadError, QPayPaidEvent, QPayStatusEvent } from '../../src/element/index.js';

useMockServer();

describe('<qpay-checkout> invoice-url', () => {
  it('POSTs the order as JSON, shows the answered invoice and polls for it', async () => {
    const invoice = await qpayInvoice();
    const invoices = invoiceEndpoint(() => HttpResponse.json(invoice));
    const status = statusEndpoint(statusSequence('NEW', 'PAID'));
    const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
    const order = { sku: 'tea-42', quantity: 2, note: 'Ца́й' };
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout
      mode="mobile"
      lang="en"
      poll-interval="500"
      invoice-url=${invoices.url}
      status-url=${status.url}
      .order=${order}
    ></qpay-checkout>`);
    await waitForState(el, 'waiting');
    expect(invoices.hits).to.equal(1);
    const request = invoices.requests[0]!;
    expect(request.method).to.equal('POST');
    expect(request.headers.get('content-type')).to.equal('application/json');
    expect(await request.json()).to.deep.equal(order);
    expect(parts(el, 'bank')).to.have.length(10);
    await waitForState(el, 'paid', 3000);
    expect(paid[0]!.detail.invoiceId).to.equal(invoice.invoice_id);
    expect(new URL(status.requests[0]!.url).pathname).to.match(new RegExp(`/${invoice.invoice_id}$`));
  });

  it('shows the loading state while the merchant answers', async () => {
    const invoices = invoiceEndpoint(() => never());
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'loading');
    expect(statusText(el)).to.equal('Loading the invoice…');
    expect(part(el, 'status')!.getAttribute('role')).to.equal('status');
    expect(part(el, 'qr')).to.equal(null);
  });

  it('a failed invoice-url is a fatal qpay-error with an error state and a retry', async () => {
    let fail = true;
    const invoice = await qpayInvoice();
    const invoices = invoiceEndpoint(() => (fail ? new HttpResponse('no', { status: 502 }) : HttpResponse.json(invoice)));
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'error');
    expect(errors).to.have.length(1);
    expect(errors[0]!.detail.fatal).to.equal(true);
    const error = errors[0]!.detail.error as QPayLoadError;
    expect(error.name).to.equal('QPayLoadError');
    expect(error.status).to.equal(502);
    expect(statusText(el)).to.equal('The payment service is not answering right now. Try again in a minute.');

    fail = false;
    const retry = root(el).querySelector('button')!;
    expect(retry.textContent!.trim()).to.equal('Try again');
    retry.click();
    await waitForState(el, 'waiting');
    expect(part(el, 'qr')!.tagName).to.equal('IMG');
    expect(invoices.hits).to.equal(2);
  });

  for (const [name, respond, expectedError] of [
    ['a network error', () => HttpResponse.error(), 'QPayLoadError'],
    ['an answer that is not JSON', () => new HttpResponse('<html>oops</html>', { status: 200 }), 'QPayLoadError'],
    ['a provider error passed through', () => HttpResponse.json({ error: 'INVOICE_CODE_INVALID', message: 'bad code' }), 'InvoiceError'],
  ] as const) {
    it(`${name} is fatal too`, async () => {
      const invoices = invoiceEndpoint(respond);
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url}></qpay-checkout>`);
      await waitForState(el, 'error');
      expect(errors.map((e) => [e.detail.error.name, e.detail.fatal])).to.deep.equal([[expectedError, true]]);
    });
  }

  it('corrects the countdown with the Date header of the invoice answer', async () => {
    // The customer's clock is 4 minutes fast (within what is believed; over 5 minutes is distrusted).
    const serverBehind = -4 * 60 * 1000;
    const invoice = { ...(await qpayInvoice()), expires_at: isoIn(serverBehind + 2 * 60 * 1000) };
    const invoices = invoiceEndpoint(() =>
      HttpResponse.json(invoice, { headers: { date: new Date(Date.now() + serverBehind).toUTCString() } }),
    );
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'waiting');
    // By the local clock it expired two minutes ago; by the server's it has about two minutes left.
    expect(part(el, 'timer')!.textContent).to.match(/^Time left: (2:01|2:00|1:59)$/);
  });

  it('a 30-minute invoice starts its countdown at 30:00, not 30:01 (the Date header counts whole seconds)', async () => {
    const invoice = await qpayInvoice();
    const invoices = invoiceEndpoint(async () => {
      // Answer late in a second, as a server does most of the time: its Date header drops the fraction.
      while (Date.now() % 1000 < 600) await quiet(10);
      const now = Date.now();
      return HttpResponse.json({ ...invoice, expires_at: new Date(now + 30 * 60 * 1000).toISOString() }, { headers: { date: new Date(now).toUTCString() } });
    });
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'waiting');
    expect(part(el, 'timer')!.textContent).to.equal('Time left: 30:00');
  });

  it('prefers an invoice property over invoice-url, and does not post', async () => {
    const invoices = invoiceEndpoint(() => HttpResponse.json({}));
    const el = await fixture<QPayCheckoutElement>(
      html`<qpay-checkout invoice-url=${invoices.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
    );
    await waitForState(el, 'waiting');
    await quiet(100);
    expect(invoices.hits).to.equal(0);
  });

  it('removed while loading: the request is dropped and made again on re-insertion', async () => {
    const invoice = await qpayInvoice();
    let answer: () => void = () => {};
    const invoices = invoiceEndpoint((hit) =>
      hit === 1 ? new Promise<Response>((resolve) => (answer = () => resolve(HttpResponse.json(invoice)))) : HttpResponse.json(invoice),
    );
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url}></qpay-checkout>`);
    await waitUntil(() => invoices.hits === 1);
    const parent = el.parentNode!;
    el.remove();
    answer();
    await quiet(100);
    expect(el.dataset['state']).to.equal('loading');
    parent.appendChild(el);
    await waitForState(el, 'waiting');
    expect(invoices.hits).to.equal(2);
    expect(errors, 'an abort by removal is not an error').to.have.length(0);
  });

  it("a server's error answer reaches the page: QPayLoadError has its code, message and HTTP status", async () => {
    const invoices = invoiceEndpoint(() => HttpResponse.json({ error: 'ORDER_NOT_FOUND', message: 'No order matches this request' }, { status: 404 }));
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'error');
    const error = errors[0]!.detail.error as QPayLoadError;
    expect([error.status, error.code, error.serverMessage]).to.deep.equal([404, 'ORDER_NOT_FOUND', 'No order matches this request']);
    expect(error.message).to.equal('invoice-url: the server answered HTTP 404 ORDER_NOT_FOUND: No order matches this request');
  });

  it('invoiceId is the loaded invoice\'s id, and qpay-status names it', async () => {
    const invoice = await qpayInvoice();
    const invoices = invoiceEndpoint(() => HttpResponse.json(invoice));
    const status = statusEndpoint(statusSequence('NEW'));
    const statuses = recordEvents<QPayStatusEvent>(document, 'qpay-status');
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url} status-url=${status.url}></qpay-checkout>`);
    expect(el.invoiceId).to.equal(undefined);
    await waitForState(el, 'waiting');
    expect(el.invoiceId).to.equal(invoice.invoice_id);
    await waitUntil(() => statuses.length > 0);
    expect(statuses[0]!.detail.invoiceId).to.equal(invoice.invoice_id);
  });

  it('order set in the same task as the element was added, before the page settles, is in the first POST', async () => {
    const invoices = invoiceEndpoint(() => HttpResponse.json({}, { status: 500 }));
    const el = document.createElement('qpay-checkout');
    el.setAttribute('invoice-url', invoices.url);
    document.body.append(el);
    await el.updateComplete;
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    el.order = { orderId: 'late-but-in-time' };
    try {
      await waitUntil(() => invoices.hits === 1);
      expect(await invoices.requests[0]!.json()).to.deep.equal({ orderId: 'late-but-in-time' });
    } finally {
      el.remove();
    }
  });

  it('takes the order as JSON in the order attribute', async () => {
    const invoices = invoiceEndpoint(() => HttpResponse.json({}, { status: 500 }));
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url} order='{"orderId":"A-1001","lines":[1,2]}'></qpay-checkout>`);
    await waitUntil(() => invoices.hits === 1);
    expect(await invoices.requests[0]!.json()).to.deep.equal({ orderId: 'A-1001', lines: [1, 2] });
    expect(el.order, 'the property stays the page\'s own').to.equal(undefined);
  });

  it('an order attribute that is not JSON is a fatal error that says so, and nothing is posted', async () => {
    const invoices = invoiceEndpoint(() => HttpResponse.json({}));
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url} order="{orderId: A-1001}"></qpay-checkout>`);
    await waitForState(el, 'error');
    expect(errors[0]!.detail.fatal).to.equal(true);
    expect(errors[0]!.detail.error.message).to.match(/^The order attribute is not JSON \(.+\); write it like order='\{"orderId":"A-1001"\}'$/);
    expect(invoices.hits).to.equal(0);
  });

  it('an order set after a failed POST posts again (no invoice was made), an order set after a loaded invoice does not', async () => {
    const invoice = await qpayInvoice();
    const invoices = invoiceEndpoint((_hit, request) =>
      request.headers.get('content-type') ? HttpResponse.json(invoice) : HttpResponse.json({ error: 'ORDER_NOT_FOUND', message: 'No order' }, { status: 404 }),
    );
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'error');
    el.order = { orderId: 'A-1001' };
    await waitForState(el, 'waiting');
    expect(invoices.hits).to.equal(2);
    expect(await invoices.requests[1]!.json()).to.deep.equal({ orderId: 'A-1001' });
    el.order = { orderId: 'A-1002' };
    await quiet(100);
    expect(invoices.hits).to.equal(2);
  });
});

describe('<qpay-checkout> invoice-url outcomes the shopper reads', () => {
  it('409 ORDER_ALREADY_PAID is the paid state, with qpay-paid alreadyPaid and no error (mn, ru, en)', async () => {
    const answer = { error: 'ORDER_ALREADY_PAID', message: 'This order is already paid', invoice_id: 'inv-paid-1' };
    const expected = { mn: 'Энэ захиалгын төлбөр аль хэдийн төлөгдсөн байна.', ru: 'Этот заказ уже оплачен.', en: 'This order is already paid.' };
    for (const [lang, text] of Object.entries(expected)) {
      const invoices = invoiceEndpoint(() => HttpResponse.json(answer, { status: 409 }));
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang=${lang} invoice-url=${invoices.url}></qpay-checkout>`);
      await waitForState(el, 'paid');
      expect(statusText(el), lang).to.equal(text);
      expect(errors, `${lang}: no qpay-error`).to.have.length(0);
      expect(paid.map((event) => event.detail), lang).to.deep.equal([{ invoiceId: 'inv-paid-1', status: 'PAID', response: answer, alreadyPaid: true }]);
      expect(root(el).querySelector('button'), `${lang}: no retry`).to.equal(null);
      el.remove();
    }
  });

  const causes = [
    ['404 ORDER_NOT_FOUND', () => HttpResponse.json({ error: 'ORDER_NOT_FOUND', message: 'No order matches this request' }, { status: 404 }),
      { mn: 'Захиалга олдсонгүй.', ru: 'Заказ не найден.', en: 'This order was not found.' }],
    ['502 PROVIDER_ERROR', () => HttpResponse.json({ error: 'PROVIDER_ERROR', message: 'QPay is not answering' }, { status: 502 }),
      {
        mn: 'Төлбөрийн үйлчилгээ одоогоор хариу өгөхгүй байна. Нэг минутын дараа дахин оролдоно уу.',
        ru: 'Платёжный сервис сейчас не отвечает. Попробуйте ещё раз через минуту.',
        en: 'The payment service is not answering right now. Try again in a minute.',
      }],
    ['a network error', () => HttpResponse.error(),
      { en: 'The payment service is not answering right now. Try again in a minute.' }],
    ['410 with an expiry code', () => HttpResponse.json({ error: 'ORDER_EXPIRED', message: 'Too late' }, { status: 410 }),
      { mn: 'Захиалгын хугацаа дууссан байна.', ru: 'Срок действия заказа истёк.', en: 'This order has expired.' }],
  ] as const;
  for (const [cause, respond, expected] of causes) {
    it(`${cause}: a fatal error whose text says what happened`, async () => {
      for (const [lang, text] of Object.entries(expected)) {
        const invoices = invoiceEndpoint(respond);
        const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
        const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang=${lang} invoice-url=${invoices.url}></qpay-checkout>`);
        await waitForState(el, 'error');
        expect(statusText(el), lang).to.equal(text);
        expect(errors.map((event) => event.detail.fatal), lang).to.deep.equal([true]);
        expect(root(el).querySelector('button')?.textContent?.trim(), `${lang}: a retry`).to.be.a('string');
        el.remove();
      }
    });
  }
});
