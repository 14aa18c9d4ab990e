// The page's side of the pacing tests and bench, in process (no http server): create an invoice, poll its status
// (with `return=1` when the customer came back), and hold its event stream open while collecting what it says.
import { createQPayCheckoutHandler } from '../../../src/server/index.js';

export type Handler = ReturnType<typeof createQPayCheckoutHandler>;
export const SHOP = 'https://shop.example';

export async function createInvoice(handler: Handler, orderId: string): Promise<string> {
  const response = await handler(new Request(`${SHOP}/qpay/invoice`, { method: 'POST', body: JSON.stringify({ orderId }), headers: { 'content-type': 'application/json' } }));
  const body = (await response.json()) as { invoice_id: string };
  if (!response.ok) throw new Error(`POST /qpay/invoice answered ${response.status}`);
  return body.invoice_id;
}

/** One status poll; `returned`: the element's return check (the customer came back from the bank app). */
export async function poll(handler: Handler, invoiceId: string, returned = false): Promise<string> {
  const response = await handler(new Request(`${SHOP}/qpay/status/${invoiceId}${returned ? '?return=1' : ''}`));
  return ((await response.json()) as { status: string }).status;
}

/** An open event stream; `statuses` collects the statuses it says, in order. */
export async function openStream(handler: Handler, invoiceId: string) {
  const controller = new AbortController();
  const response = await handler(new Request(`${SHOP}/qpay/events/${invoiceId}`, { signal: controller.signal }));
  if (response.status !== 200) throw new Error(`GET /qpay/events/${invoiceId} answered ${response.status}`);
  const statuses: string[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: '' }));
      if (done) return;
      for (const match of value.matchAll(/"status":"(\w+)"/g)) statuses.push(match[1]!);
    }
  })();
  return { statuses, close: () => controller.abort() };
}
