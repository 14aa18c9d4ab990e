// The "Simulate payment" route for shops running on a mock: POST {basePath}/dev/pay/:invoiceId pays the invoice
// in the mock, which delivers the provider's callback to the shop's handler, so the widget sees PAID through its
// normal polling and `onPaid` runs through the callback path, as with a real payment. It lives beside the
// checkout handler, not inside it: a handler for a real provider never has this route.
import type { QPayMock } from './qpay.js';
import type { TBankMock } from './tbank.js';

type Handler = ((request: Request) => Promise<Response>) & { readonly basePath?: string; idle?: () => Promise<void> };

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });

/**
 * The checkout handler plus `POST {basePath}/dev/pay/:invoiceId` (the id the element reports as `invoiceId`),
 * which pays that invoice in `mock` and delivers the provider's callback straight to `handler`. Answers
 * `{paid: true, invoice_id, callback_status}`; 404 `INVOICE_NOT_FOUND` for an invoice the mock never made, 409
 * `CANNOT_PAY` (with the mock's reason) for one it cannot pay. Without a mock (`undefined`: a real provider is
 * in use) it returns `handler` itself, so the route exists only while a mock does.
 */
export function withMockPayments<H extends Handler>(handler: H, mock: QPayMock | TBankMock | undefined): H {
  if (!mock) return handler;
  const basePath = handler.basePath ?? '';
  const route = new RegExp(`^${basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/dev/pay/([^/]+)$`);
  // The callback goes to the handler in process: it is the request QPay or TBank would send.
  const deliver = ((input: RequestInfo | URL, init?: RequestInit) => handler(new Request(input, init))) as typeof fetch;

  async function pay(invoiceId: string): Promise<Response> {
    const controls = mock!.controls;
    const known = 'invoices' in controls ? controls.invoice(invoiceId) : controls.operation(invoiceId);
    if (!known) return json(404, { error: 'INVOICE_NOT_FOUND', message: `The mock has no invoice ${invoiceId}` });
    try {
      const { delivery } = 'invoices' in controls ? controls.pay(invoiceId, undefined, { fetch: deliver }) : controls.pay(invoiceId, { fetch: deliver });
      const answer = await delivery;
      // The callback only records the payment; the handler's delivery worker runs onPaid. A simulated payment
      // answers once that run ended, so a demo's "Simulate payment" shows the shop's side effects at once.
      await handler.idle?.();
      return json(200, { paid: true, invoice_id: invoiceId, callback_status: answer?.status ?? null });
    } catch (error) {
      // The mocks refuse paid, closed or cancelled invoices with a readable reason.
      return json(409, { error: 'CANNOT_PAY', message: error instanceof Error ? error.message : String(error) });
    }
  }

  const withRoute = async (request: Request): Promise<Response> => {
    const match = route.exec(new URL(request.url).pathname);
    if (!match) return handler(request);
    if (request.method !== 'POST') return json(405, { error: 'METHOD_NOT_ALLOWED', message: 'Use POST' });
    let invoiceId: string;
    try {
      invoiceId = decodeURIComponent(match[1]!);
    } catch {
      return json(400, { error: 'BAD_INVOICE_ID', message: 'The invoice id is malformed' });
    }
    return pay(invoiceId);
  };
  // Everything the handler offers (basePath, idle, tick, close, deliveries, redeliver) stays reachable.
  return Object.assign(withRoute, handler) as unknown as H;
}
