// Issue 17, item 1, "Callback-first pacing": the check schedule is the one place that asks the provider about an open
// invoice; status polls and event streams read its latest check. The provider is the QPay mock under msw; the clock
// is virtual (the handler's `now`), and the schedule is driven by `handler.tick()` as time moves on, so ten minutes
// of a waiting page run in a few seconds and the provider's calls are counted exactly.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MemoryStore, createQPayCheckoutHandler, type CheckoutStore, type QPayCheckoutHandlerOptions } from '../../../src/server/index.js';
import { makeClient, makeMockServer, type Clock } from '../server/qpay-test-kit.js';
import { SHOP, createInvoice, openStream, poll, type Handler } from './pacing-kit.js';

let virtual = Date.UTC(2025, 0, 1);
const clock: Clock = { now: () => virtual, advance: (ms) => void (virtual += ms) };
const env = makeMockServer(clock);
const { controls } = env;
const SECRET = 'a-shared-callback-secret-of-32+-characters';
/** How often the test's page polls (the element's default poll-interval) and how finely time moves on. */
const POLL_MS = 2000;
const STEP_MS = 500;
const handlers: Handler[] = [];

function shop(store: CheckoutStore, extra: Partial<QPayCheckoutHandlerOptions> = {}) {
  const { client } = makeClient(clock);
  const handler = createQPayCheckoutHandler({
    client,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder: (_request, body) => ({ orderId: (body as { orderId: string }).orderId, amount: 15000 }),
    onPaid: () => {},
    now: clock.now,
    store,
    logger: { error: () => {} },
    callbackSecret: SECRET,
    ...extra,
  });
  // Only the test's ticks run the schedule, on the virtual clock.
  handler.close();
  handlers.push(handler);
  return handler;
}

const checks = () => controls.calls.count('payment/check');

/**
 * Moves virtual time on by `ms` in steps, running every handler's schedule at each step and polling every `POLL_MS`
 * (with `return=1` when `returning` says so); stops early once `until` holds.
 */
async function wait(ms: number, page: { handler: Handler; invoiceId: string }[], options: { returning?: () => boolean; until?: () => Promise<boolean> } = {}) {
  for (let passed = 0; passed < ms; passed += STEP_MS) {
    clock.advance(STEP_MS);
    for (const handler of handlers) await handler.tick();
    if ((passed + STEP_MS) % POLL_MS === 0) {
      for (const { handler, invoiceId } of page) await poll(handler, invoiceId, options.returning?.() ?? false);
    }
    if (await options.until?.()) return passed + STEP_MS;
  }
  return ms;
}

before(() => env.listen());
after(() => env.close());
beforeEach(async () => {
  for (const handler of handlers.splice(0)) await handler.idle();
  controls.reset();
});

describe('one scheduler of provider checks per invoice', () => {
  it('a page polling and a stream open on an unpaid invoice for 10 minutes cost at most 0.2 provider checks per second', async () => {
    const handler = shop(new MemoryStore({ now: clock.now }));
    const invoiceId = await createInvoice(handler, 'o-wait');
    const stream = await openStream(handler, invoiceId);
    const before = checks();
    await wait(10 * 60_000, [{ handler, invoiceId }]);
    stream.close();
    const perSecond = (checks() - before) / 600;
    assert.ok(perSecond <= 0.2, `${perSecond.toFixed(3)} provider checks per second over 10 minutes (goal <= 0.2)`);
    assert.ok(perSecond >= 0.1, `still checked in the background: ${perSecond.toFixed(3)} per second`);
    assert.deepEqual(stream.statuses.slice(0, 1), ['NEW']);
  });

  it('two handler instances on one store share the schedule: no doubling', async () => {
    const store = new MemoryStore({ now: clock.now });
    const a = shop(store);
    const b = shop(store);
    const invoiceId = await createInvoice(a, 'o-two');
    const before = checks();
    await wait(10 * 60_000, [{ handler: a, invoiceId }, { handler: b, invoiceId }]);
    const perSecond = (checks() - before) / 600;
    assert.ok(perSecond <= 0.2, `${perSecond.toFixed(3)} provider checks per second over 10 minutes with two instances`);
  });

  it('the return parameter opens a fast window: about one check a second for a minute, then the slow pace again', async () => {
    const handler = shop(new MemoryStore({ now: clock.now }));
    const invoiceId = await createInvoice(handler, 'o-return');
    await wait(5 * 60_000, [{ handler, invoiceId }]);
    const slow = checks();
    await wait(60_000, [{ handler, invoiceId }]);
    const slowMinute = checks() - slow;
    assert.ok(slowMinute <= 6, `${slowMinute} checks in a minute at the slow pace`);

    // The customer comes back; the page says so on every poll (and a hostile client could): still at most 1/s.
    const fast = checks();
    await wait(60_000, [{ handler, invoiceId }], { returning: () => true });
    const fastMinute = checks() - fast;
    assert.ok(fastMinute >= 40 && fastMinute <= 61, `${fastMinute} checks in the minute after the return (about one a second)`);

    // The window lasts a minute from the last return the page reported.
    await wait(65_000, [{ handler, invoiceId }]);
    const after = checks();
    await wait(60_000, [{ handler, invoiceId }]);
    const afterMinute = checks() - after;
    assert.ok(afterMinute <= 6, `${afterMinute} checks in a minute once the window closed`);
  });

  it('a payment whose callback is lost reaches the status answer within the pace: ~1 s inside a window, ~12 s outside', async () => {
    const handler = shop(new MemoryStore({ now: clock.now }));
    const paidIn = async (invoiceId: string, returning: boolean) => {
      controls.pay(invoiceId, undefined, { callback: false });
      let paid = false;
      const took = await wait(60_000, [], {
        until: async () => (paid = (await poll(handler, invoiceId, returning && !paid)) === 'PAID'),
      });
      assert.ok(paid, 'the payment reached the status answer');
      return took;
    };
    const slowId = await createInvoice(handler, 'o-lost-slow');
    await wait(3 * 60_000, [{ handler, invoiceId: slowId }]);
    const outside = await paidIn(slowId, false);
    assert.ok(outside <= 12_500, `outside the windows: PAID after ${outside} ms (pace 12 s)`);

    const fastId = await createInvoice(handler, 'o-lost-fast');
    await wait(3 * 60_000, [{ handler, invoiceId: fastId }]);
    await poll(handler, fastId, true);
    await wait(10_000, [{ handler, invoiceId: fastId }]);
    const inside = await paidIn(fastId, false);
    assert.ok(inside <= 1500, `inside a return's window: PAID after ${inside} ms (pace 1 s)`);
  });

  it('a confirmed callback still reaches an open stream at once, on another instance', async () => {
    const store = new MemoryStore({ now: clock.now });
    const a = shop(store);
    const b = shop(store);
    const invoiceId = await createInvoice(a, 'o-callback');
    await wait(3 * 60_000, [{ handler: b, invoiceId }]);
    const stream = await openStream(b, invoiceId);
    // The customer pays a moment after the last scheduled check, and the callback arrives then.
    clock.advance(400);
    const paid = controls.pay(invoiceId, undefined, { callback: false });
    const sent = Date.now();
    const answer = await a(new Request(new URL(new URL(paid.callbackUrl!).pathname + new URL(paid.callbackUrl!).search, SHOP)));
    assert.equal(answer.status, 200);
    while (!stream.statuses.includes('PAID') && Date.now() - sent < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
    stream.close();
    assert.ok(stream.statuses.includes('PAID'), `the stream said ${stream.statuses.join(', ')}`);
    assert.ok(Date.now() - sent < 1000, 'at once (no virtual time passed, no scheduled check ran)');
  });
});
