// GET|POST {basePath}/callback: the provider's notification, never trusted by itself. The callback URL's signature
// (`sig` over `order` and `ref`) says whether this shop made it: a wrong or missing one is refused before any provider
// call; a valid one is placed by its reference, or rebuilt from the provider when the store forgot it. Callbacks of
// invoices made before URLs were signed (no `sig`, unknown to the store) go through a budgeted lookup. The payment is
// confirmed with the provider and recorded in the outbox, and the provider is answered success as soon as that record
// is written: onPaid runs in the delivery worker, never in this request.
import type { InvoiceRecord } from '../../stores/store.js';
import { REFERENCE_PATTERN } from '../../reference.js';
import { fail, failure } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { readCappedText, withBody } from '../request-body.js';
import { isInvoiceId } from '../shared.js';

/** Callbacks the handler cannot place by their reference, asked about at the provider per second per process. */
const UNPLACED_CALLBACKS_PER_SECOND = 5;

const notFound = () => fail(404, 'INVOICE_NOT_FOUND', 'The callback names no invoice created here');

const forged = () => fail(403, 'BAD_SIGNATURE', 'The callback URL is not signed by this shop');

/** Where a callback stands: its invoice (`rebuilt` when the store had forgotten it), or the answer to give at once. */
type Placed = { record: InvoiceRecord; rebuilt: boolean } | Response;

/**
 * What the URL's signature says: `signed` (it checks out), `unsigned` (none), or `unverifiable`: it does not check
 * out, but the secret is this process's own random one, so it may be a genuine callback signed before a restart.
 */
type Trust = 'signed' | 'unsigned' | 'unverifiable';

/**
 * The invoice a callback is about, found by its reference, else by what the provider says; or the answer. A signed
 * callback is looked up at the provider with no budget.
 */
async function placeCallback(context: CheckoutContext, request: Request, orderId: string | null, reference: string | null, trust: Trust): Promise<Placed> {
  const { store, checks } = context;
  const record = reference ? await store.getInvoiceByReference(reference) : undefined;
  // An invoice made with a signed URL whose callback comes without a signature: not from the provider.
  if (record && record.signed && trust === 'unsigned') return forged();
  if (record && trust !== 'unverifiable') return { record, rebuilt: false };
  // Not ours by reference (an older callback URL, or a store that forgot), or signed by another process's random
  // secret: the provider says which invoice.
  if (trust !== 'signed' && !checks.withinBudget('unplaced-callback', UNPLACED_CALLBACKS_PER_SECOND)) {
    return fail(503, 'CALLBACK_BUSY', 'Too many callbacks to look up; try again', {}, { 'Retry-After': '2' });
  }
  return lookUpCallback(context, request, orderId, reference);
}

/** Asks the provider which invoice a callback is about, and rebuilds its record when the store has none. */
async function lookUpCallback(context: CheckoutContext, request: Request, orderId: string | null, reference: string | null): Promise<Placed> {
  const { store, provider, ledger } = context;
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
  if (stored) return { record: stored, rebuilt: false };
  let rebuilt;
  try {
    rebuilt = await ledger.rebuild(claim.invoiceId, orderId, reference, claim.authentic);
  } catch (error) {
    return failure(context, error);
  }
  return rebuilt ? { record: rebuilt, rebuilt: true } : notFound();
}

/** Whether the URL's `sig` vouches for its `order` and `ref`: true, false (forged), or null when there is none. */
async function signature(context: CheckoutContext, url: URL, orderId: string | null, reference: string | null): Promise<boolean | null> {
  const sig = url.searchParams.get('sig');
  if (sig === null) return null;
  if (orderId === null || reference === null) return false;
  return context.signer.verify(orderId, reference, sig);
}

export async function callback(context: CheckoutContext, request: Request, url: URL): Promise<Response> {
  const { provider, ledger, now } = context;
  const arrived = now();
  const orderId = url.searchParams.get('order');
  const reference = url.searchParams.get('ref');
  if (orderId !== null && (!orderId || orderId.length > 128)) return fail(400, 'BAD_ORDER_ID', 'The order id is malformed');
  if (reference !== null && !REFERENCE_PATTERN.test(reference)) return fail(400, 'BAD_REFERENCE', 'The invoice reference is malformed');

  const signed = await signature(context, url, orderId, reference);
  // With a shared callbackSecret a wrong signature is forged; with a per-process one it may predate a restart.
  if (signed === false && context.signer.shared) return forged();
  const trust: Trust = signed === true ? 'signed' : signed === null ? 'unsigned' : 'unverifiable';

  let placed: Placed;
  try {
    placed = await placeCallback(context, request, orderId, reference, trust);
  } catch (error) {
    return failure(context, error);
  }
  if (placed instanceof Response) return placed;
  const { record, rebuilt } = placed;
  if ((orderId !== null && record.orderId !== orderId) || (reference !== null && record.reference !== reference)) return notFound();

  try {
    // Recorded (or not fully paid, per the provider): either way the provider is done. onPaid runs in the worker.
    context.metrics.callbackConfirmed(record.provider, arrived, (await ledger.confirm(record, arrived, rebuilt))?.paidAt);
  } catch (error) {
    return failure(context, error);
  }
  return provider.callbackResponse();
}
