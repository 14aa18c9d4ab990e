// GET {basePath}/status/:invoiceId: {status, paid_amount, invoice_id}: for a known invoice, the latest check the
// check schedule made (no provider call); `?return=1` (the element's poll when the customer comes back) opens a fast
// window of checks. A PAID it finds is recorded in the outbox (the delivery worker runs onPaid) and answered at once.
// Answers are kept ready (ready-answers.ts) while they hold, so a repeat poll costs this process one map lookup and
// the store nothing.
import { ProviderError, type StatusResult } from '../../providers/provider.js';
import { busy, failure, fail, json } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { effectiveStatus } from '../ledger.js';
import { readyResponse } from '../ready-answers.js';
import { isInvoiceId } from '../shared.js';
import { paidBody, type StatusBody } from '../watchers.js';

/** Lookups of ids the store does not know (rebuilding after a restart) per second per process, at most. */
const UNKNOWN_LOOKUPS_PER_SECOND = 10;

/**
 * The status of an invoice the store has no record of (it was restarted, or forgot): the provider's own record
 * decides. onPaid waits for the provider's callback, which names the order. Never kept ready: the budget decides.
 */
async function statusFromProvider(context: CheckoutContext, invoiceId: string): Promise<StatusBody | Response> {
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
  return { status: result.status, paid_amount: result.paidAmount ?? 0, invoice_id: invoiceId };
}

/**
 * The status of a well-formed invoice id: its body (kept ready for the next polls while it holds) or the failure
 * answer. Only a recorded payment, which is for the full amount, is ever kept as PAID.
 */
export async function statusBody(context: CheckoutContext, invoiceId: string, returned = false): Promise<StatusBody | Response> {
  const { ledger, checks, answers, cacheMs } = context;
  // A returning customer's poll always reaches the ledger: it opens the invoice's fast window of checks.
  const ready = returned ? undefined : answers.get(invoiceId);
  if (ready) return ready.value;
  const known = await ledger.known(invoiceId);
  if (!known) return statusFromProvider(context, invoiceId);
  if ('paid' in known) return answers.paid(known.paid)?.value ?? paidBody(known.paid);
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
    const paid = await ledger.recordPayment(record, result, 'poll');
    return answers.paid(paid)?.value ?? paidBody(paid);
  }
  const body: StatusBody = { status: effective, paid_amount: result.paidAmount ?? 0, invoice_id: invoiceId };
  // Kept while the route would say the same: until the check it read is `cacheMs` old (then it reads the schedule's
  // latest check again), and not past the expiry (then NEW turns EXPIRED). An answer of unknown age is not kept.
  const read = checks.lastAnswer(invoiceId);
  if (read?.entry.result === result) answers.keep(body, Math.min(read.readAt + cacheMs, record.expiresAt));
  return body;
}

export async function status(context: CheckoutContext, invoiceId: string, returned = false): Promise<Response> {
  const ready = returned ? undefined : context.answers.get(invoiceId);
  if (ready) return readyResponse(ready);
  if (!isInvoiceId(invoiceId)) return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
  const body = await statusBody(context, invoiceId, returned);
  return body instanceof Response ? body : json(200, body);
}
