// GET {basePath}/status/:invoiceId: {status, paid_amount, invoice_id}: for a known invoice, the latest check the
// check schedule made (no provider call); `?return=1` (the element's poll when the customer comes back) opens a fast
// window of checks. A PAID it finds is recorded in the outbox (the delivery worker runs onPaid) and answered at once.
import { ProviderError, type StatusResult } from '../../providers/provider.js';
import type { PaidRecord } from '../../stores/store.js';
import { busy, fail, failure, json } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { effectiveStatus } from '../ledger.js';
import { isInvoiceId } from '../shared.js';
import { paidBody } from '../watchers.js';

/** Lookups of ids the store does not know (rebuilding after a restart) per second per process, at most. */
const UNKNOWN_LOOKUPS_PER_SECOND = 10;

function paidAnswer(paid: PaidRecord): Response {
  return json(200, paidBody(paid));
}

/**
 * The status of an invoice the store has no record of (it was restarted, or forgot): the provider's own record
 * decides. onPaid waits for the provider's callback, which names the order.
 */
async function statusFromProvider(context: CheckoutContext, invoiceId: string): Promise<Response> {
  const { checks, provider, now, cacheMs } = context;
  let result: StatusResult;
  try {
    result = await checks.sharedStatus(
      invoiceId,
      async () => {
        // Only a call that is really due counts against the budget; shared answers cost nothing.
        if (!checks.withinBudget('unknown-status', UNKNOWN_LOOKUPS_PER_SECOND)) throw busy('Too many lookups of unknown invoices; try again');
        const known = await provider.lookupInvoice(invoiceId);
        if (!known) throw new ProviderError('No invoice with this id was created here', 'INVOICE_NOT_FOUND', 'not-found');
        const answer = await provider.checkStatus(invoiceId);
        // Compare with the provider's own total, as for a recorded invoice; expiry stays the provider's call.
        const status = effectiveStatus({ amount: known.amount, expiresAt: Number.POSITIVE_INFINITY }, answer, now());
        return { ...answer, status };
      },
      now() - cacheMs + 1,
      false,
    );
  } catch (error) {
    return failure(context, error);
  }
  return json(200, { status: result.status, paid_amount: result.paidAmount ?? 0, invoice_id: invoiceId });
}

export async function status(context: CheckoutContext, invoiceId: string, returned = false): Promise<Response> {
  const { ledger, checks } = context;
  if (!isInvoiceId(invoiceId)) return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
  const known = await ledger.known(invoiceId);
  if (!known) return statusFromProvider(context, invoiceId);
  if ('paid' in known) return paidAnswer(known.paid);
  const { record } = known;
  if (returned) await context.ledger.customerReturned(record);
  let result: StatusResult;
  try {
    result = await checks.latestStatus(record);
  } catch (error) {
    return failure(context, error);
  }
  const effective = ledger.effectiveStatus(record, result);
  if (effective === 'PAID') {
    return paidAnswer(await ledger.recordPayment(record, result, 'poll'));
  }
  return json(200, { status: effective, paid_amount: result.paidAmount ?? 0, invoice_id: invoiceId });
}
