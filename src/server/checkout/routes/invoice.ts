// POST {basePath}/invoice: the order's invoice, from the shop's own order (never the browser's amount). One open
// invoice per order: reused while it stays payable, replaced (the old one settled and cancelled) when the order changed.
import { amountProblem } from '../../amounts.js';
import type { CheckoutOrder } from '../../providers/provider.js';
import { fail, failure, json } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { sameAsk, type OpenOutcome } from '../ledger.js';
import { CheckoutError } from '../options.js';
import { readJsonBody, withBody } from '../request-body.js';
import { describe } from '../shared.js';

/** Checks what `getOrder` returned (its amount in `currency`); a bad order is the shop's bug, so the answer is 500. */
function orderProblem(order: CheckoutOrder, currency: string): string | null {
  if (typeof order !== 'object') return 'getOrder must return an object';
  if (typeof order.orderId !== 'string' || !order.orderId.trim()) return 'orderId must be a non-empty string';
  if (order.orderId.length > 128) return 'orderId is longer than 128 characters';
  if (typeof order.amount !== 'number' || !Number.isFinite(order.amount) || order.amount <= 0) {
    return 'amount must be a finite number greater than 0';
  }
  if (order.currency !== undefined && !/^[A-Za-z]{3}$/.test(order.currency)) return 'currency must be an ISO 4217 code';
  if (order.description !== undefined && typeof order.description !== 'string') return 'description must be a string';
  if (order.paid !== undefined && typeof order.paid !== 'boolean') return 'paid must be a boolean';
  return amountProblem(order.amount, currency);
}

/** Describes a body by its shape only, never its values (an order may carry a customer's details). */
function bodyShape(body: unknown): string {
  if (body === undefined) return "an empty request body (was the element's order set before it posted?)";
  if (body !== null && typeof body === 'object') return `a body with the fields ${Object.keys(body).slice(0, 20).join(', ') || '(none)'}`;
  return `a body of type ${body === null ? 'null' : typeof body}`;
}

/** The shop's order for this request and its currency, or the answer that says why there is none. */
async function readOrder(context: CheckoutContext, request: Request): Promise<{ order: CheckoutOrder; currency: string } | Response> {
  const { logger, basePath, provider } = context;
  const parsed = await readJsonBody(request);
  if (parsed instanceof Response) {
    if (parsed.status === 400) logger.error(`No order for POST ${basePath}/invoice: the request body is not valid JSON (400 BAD_JSON)`);
    return parsed;
  }
  let order: CheckoutOrder | null | undefined;
  try {
    // getOrder may read the request itself: it gets one whose body is what was read, within the cap.
    order = await context.getOrder(withBody(request, parsed.text), parsed.body);
  } catch (error) {
    if (error instanceof CheckoutError) return fail(error.status >= 400 && error.status < 600 ? error.status : 400, error.code, error.message);
    logger.error(`getOrder threw: ${describe(error)}`);
    return fail(400, 'ORDER_REJECTED', 'The order could not be read from this request');
  }
  if (order === null || order === undefined) {
    // Say why, in words: an empty body usually means the page posted before its script set the element's `order`.
    logger.error(`No order for POST ${basePath}/invoice: getOrder returned ${order} for ${bodyShape(parsed.body)} (404 ORDER_NOT_FOUND)`);
    return fail(404, 'ORDER_NOT_FOUND', 'No order matches this request');
  }
  const currency = typeof order?.currency === 'string' ? order.currency.toUpperCase() : provider.defaultCurrency;
  const problem = orderProblem(order, currency);
  if (problem) {
    logger.error(`getOrder returned a bad order: ${problem}`);
    return fail(500, 'INVALID_ORDER', `getOrder returned a bad order: ${problem}`);
  }
  return { order, currency };
}

export async function createInvoice(context: CheckoutContext, request: Request): Promise<Response> {
  const asked = await readOrder(context, request);
  if (asked instanceof Response) return asked;
  const { order, currency } = asked;
  // The shop's own records say paid: nothing is created, whatever the store remembers (it may have been wiped).
  if (order.paid === true) return fail(409, 'ORDER_ALREADY_PAID', 'This order is already paid');

  // Coalesce concurrent requests for one order in this process; a joiner whose amount differs runs its own round.
  let outcome: OpenOutcome | undefined;
  let created = false;
  for (let round = 0; round < 2; round++) {
    const opening = context.ledger.open(order, currency);
    created = !opening.joined;
    try {
      outcome = await opening.outcome;
    } catch (error) {
      return failure(context, error);
    }
    if (created || 'paidBy' in outcome || sameAsk(outcome.record, order, currency)) break;
    outcome = undefined;
  }
  if (!outcome) return fail(409, 'ORDER_CHANGED', 'The order changed while its invoice was being created; try again');
  if ('paidBy' in outcome) return fail(409, 'ORDER_ALREADY_PAID', 'This order is already paid', { invoice_id: outcome.paidBy });
  // An open invoice handed out again is a QR shown again: it is checked at the fast pace for a while, as a new one.
  if (!outcome.created) await context.ledger.customerReturned(outcome.record);
  return json(outcome.created && created ? 201 : 200, outcome.record.invoice);
}
