// GET|POST {basePath}/callback: the provider's notification, never trusted by itself: the invoice is placed by the
// callback URL's reference (or the provider's word, within a budget), its payment confirmed with the provider, and
// the answer waits for onPaid, answering non-success until it has succeeded somewhere, so the provider retries.
import type { InvoiceRecord, PaidRecord } from '../../stores/store.js';
import { REFERENCE_PATTERN } from '../../reference.js';
import { fail, failure } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { readCappedText, withBody } from '../request-body.js';
import { isInvoiceId } from '../shared.js';

/** Callbacks the handler cannot place by their reference, asked about at the provider per second per process. */
const UNPLACED_CALLBACKS_PER_SECOND = 5;

const notFound = () => fail(404, 'INVOICE_NOT_FOUND', 'The callback names no invoice created here');

/** The invoice a callback is about, found by its reference, else by what the provider says; or the answer. */
async function placeCallback(context: CheckoutContext, request: Request, orderId: string | null, reference: string | null): Promise<InvoiceRecord | Response> {
  const { store, provider, checks, ledger } = context;
  const record = reference ? await store.getInvoiceByReference(reference) : undefined;
  if (record) return record;
  // Not ours by reference (an older callback URL, or a store that forgot): the provider says which invoice.
  if (!checks.withinBudget('unplaced-callback', UNPLACED_CALLBACKS_PER_SECOND)) {
    return fail(503, 'CALLBACK_BUSY', 'Too many callbacks to look up; try again', {}, { 'Retry-After': '2' });
  }
  let readable = request;
  if (request.method === 'POST') {
    const read = await readCappedText(request);
    if (read instanceof Response) return read;
    readable = withBody(request, read.text);
  }
  let claim;
  try {
    claim = await provider.readCallback(readable);
  } catch (error) {
    return failure(context, error);
  }
  if (!claim.invoiceId || !isInvoiceId(claim.invoiceId)) return notFound();
  const stored = await store.getInvoice(claim.invoiceId);
  if (stored) return stored;
  let rebuilt;
  try {
    rebuilt = await ledger.rebuild(claim.invoiceId, orderId, reference, claim.authentic);
  } catch (error) {
    return failure(context, error);
  }
  return rebuilt ?? notFound();
}

export async function callback(context: CheckoutContext, request: Request, url: URL): Promise<Response> {
  const { provider, ledger, delivery, now } = context;
  const arrived = now();
  const orderId = url.searchParams.get('order');
  const reference = url.searchParams.get('ref');
  if (orderId !== null && (!orderId || orderId.length > 128)) return fail(400, 'BAD_ORDER_ID', 'The order id is malformed');
  if (reference !== null && !REFERENCE_PATTERN.test(reference)) return fail(400, 'BAD_REFERENCE', 'The invoice reference is malformed');

  const record = await placeCallback(context, request, orderId, reference);
  if (record instanceof Response) return record;
  if ((orderId !== null && record.orderId !== orderId) || (reference !== null && record.reference !== reference)) return notFound();

  let paid: PaidRecord | null;
  try {
    paid = await ledger.confirm(record, arrived);
  } catch (error) {
    return failure(context, error);
  }
  // Not (fully) paid according to the provider: acknowledge, do nothing (the poll keeps watching).
  if (!paid) return provider.callbackResponse();
  const delivered = await delivery.deliver(paid);
  if (delivered.state === 'done') return provider.callbackResponse();
  if (delivered.state === 'busy') {
    return fail(503, 'ON_PAID_PENDING', 'The payment is confirmed; the shop is still recording it', {}, { 'Retry-After': '5' });
  }
  return fail(500, 'ON_PAID_FAILED', 'The payment is confirmed but the shop could not record it yet');
}
