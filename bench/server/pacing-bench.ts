// The pacing part of the bench (issue 17, item 1), run by scripts/bench.mjs as
// `node --import tsx bench/server/pacing-bench.ts '<json settings>'`: the shop's real checkout handler in process
// against the QPay mock (msw), on a virtual clock (the handler's `now`; its schedule run by `handler.tick()` at every
// step), so ten minutes of waiting pages run in seconds and QPay's payment checks are counted exactly. Measures:
// - the wait: N open invoices, each with a page polling its status every 1-2 s and an event stream open, no payment,
//   for `waitMs`: QPay payment checks per open invoice per second;
// - a payment whose callback is lost: paid at the mock (no callback) at a random moment inside a fast window (the
//   first minute after the QR is shown, or the minute after the page's return check sent `return=1`) or outside them;
//   the time until the page's next poll answers PAID and until its stream says PAID (medians);
// - with `realMs` (--full): the same wait on real timers (the handler's own sweeper timer), beside the virtual figure
//   for the same span, to show the virtual clock does not flatter it.
// "Today" beside each figure is the old rule's arithmetic (before pacing, a watched invoice was checked with the
// provider once per `statusCacheMs`, 1 s): 1.0 check per invoice per second while a page or stream is open, and for a
// lost callback the next whole second after the payment (the stream), then the page's next poll, on the same moments
// and polls as the measured run. Prints one JSON line.
import { MemoryStore, createQPayCheckoutHandler } from '../../src/server/index.js';
import { createInvoice, openStream, poll, type Handler } from '../../test/node/checkout/pacing-kit.js';
import { makeClient, makeMockServer, type Clock } from '../../test/node/server/qpay-test-kit.js';
import { seededRandom } from '../lib/seeded-random.js';

interface Settings {
  /** Open invoices in the wait, each with a polling page and a stream. */
  invoices: number;
  /** How long the wait lasts (virtual ms). */
  waitMs: number;
  /** Lost-callback payments per kind (after the QR is shown, after a return, outside the windows). */
  samples: number;
  /** The wait on real timers for this long (0: skipped). */
  realMs: number;
  seed: number;
}
const settings = { invoices: 20, waitMs: 600_000, samples: 10, realMs: 0, seed: 17, ...(JSON.parse(process.argv[2] ?? '{}') as Partial<Settings>) };

/** The handler's defaults, which the bench keeps: the fast pace, a fast window, the slow pace. */
const STATUS_CACHE_MS = 1000;
const FAST_WINDOW_MS = 60_000;
const SWEEP_INTERVAL_MS = 12_000;
/** How finely virtual time moves on (the real sweeper looks twice per fast interval, every 500 ms). */
const STEP_MS = 250;
/** A page polls every 1-2 s (the element's poll-interval is 2 s; a shop's own page may poll faster). */
const POLL_MIN_MS = 1000;
const POLL_MAX_MS = 2000;

let virtual = Date.UTC(2025, 0, 1);
let realTime = false;
const clock: Clock = { now: () => (realTime ? Date.now() : virtual), advance: (ms) => void (virtual += ms) };
const env = makeMockServer(clock);
const { controls } = env;
const checks = () => controls.calls.count('payment/check');

/** A seeded random source, so a run's moments repeat. */
function randomSource(seed: number) {
  const next = seededRandom(seed);
  /** A whole number of steps between `min` and `max` ms. */
  const between = (min: number, max: number) => Math.round((min + next() * (max - min)) / STEP_MS) * STEP_MS;
  return { between };
}
const random = randomSource(settings.seed);

function shop(virtualClock: boolean): Handler {
  const { client } = makeClient(clock);
  const handler = createQPayCheckoutHandler({
    client,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: 'https://shop.example/qpay/callback',
    getOrder: (_request, body) => ({ orderId: (body as { orderId: string }).orderId, amount: 15000 }),
    onPaid: () => {},
    store: new MemoryStore({ now: clock.now }),
    logger: { error: () => {} },
    callbackSecret: 'a-shared-callback-secret-of-32+-characters',
    statusCacheMs: STATUS_CACHE_MS,
    fastWindowMs: FAST_WINDOW_MS,
    sweepIntervalMs: SWEEP_INTERVAL_MS,
    ...(virtualClock ? { now: clock.now } : {}),
  });
  // On the virtual clock only the bench's ticks run the schedule.
  if (virtualClock) handler.close();
  return handler;
}

/** One open invoice with its page: when it polls, and (for the lost-callback runs) when it returns and is paid. */
interface Page {
  invoiceId: string;
  createdAt: number;
  stream: Awaited<ReturnType<typeof openStream>>;
  nextPollAt: number;
  polls: number[];
  /** The return check: one poll with `return=1` at this moment. */
  returnAt?: number;
  payAt?: number;
  paidAt?: number;
  pollSawPaidAt?: number;
  streamSawPaidAt?: number;
}

let orderSeq = 0;
async function openPage(handler: Handler, plan: Pick<Page, 'returnAt' | 'payAt'> = {}): Promise<Page> {
  const invoiceId = await createInvoice(handler, `o-${++orderSeq}`);
  const stream = await openStream(handler, invoiceId);
  const now = clock.now();
  return { invoiceId, createdAt: now, stream, nextPollAt: now + random.between(POLL_MIN_MS, POLL_MAX_MS), polls: [], ...plan };
}

/** The page's polls due at `now` (its return check first); notes when one answers PAID. */
async function pollIfDue(handler: Handler, page: Page, now: number) {
  const returning = page.returnAt !== undefined && page.returnAt <= now && !page.polls.some((at) => at >= page.returnAt!);
  if (!returning && page.nextPollAt > now) return;
  if (!returning) page.nextPollAt = now + random.between(POLL_MIN_MS, POLL_MAX_MS);
  page.polls.push(now);
  const status = await poll(handler, page.invoiceId, returning);
  if (status === 'PAID' && page.paidAt !== undefined) page.pollSawPaidAt ??= now;
}

/**
 * Moves virtual time on by `ms` a step at a time: the schedule runs, due polls are sent, streams are read; a payment
 * due is made after them (so it lands just after that moment's checks). Stops early once `done` holds.
 */
async function simulate(handler: Handler, pages: Page[], ms: number, done: () => boolean = () => false) {
  for (let passed = 0; passed < ms && !done(); passed += STEP_MS) {
    clock.advance(STEP_MS);
    const now = clock.now();
    await handler.tick();
    for (const page of pages) await pollIfDue(handler, page, now);
    await new Promise((resolve) => setImmediate(resolve));
    for (const page of pages) {
      if (page.paidAt !== undefined && page.streamSawPaidAt === undefined && page.stream.statuses.includes('PAID')) page.streamSawPaidAt = now;
      if (page.payAt !== undefined && page.paidAt === undefined && page.payAt <= now) {
        controls.pay(page.invoiceId, undefined, { callback: false });
        page.paidAt = now;
      }
    }
  }
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length === 0 ? null : sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0] ?? null, max: sorted.at(-1) ?? null, runs: sorted.length };
}

/** The wait: N pages polling and N streams open, no payment; QPay payment checks per open invoice per second. */
async function waitFigures(waitMs: number) {
  controls.reset();
  const handler = shop(true);
  const pages: Page[] = [];
  for (let i = 0; i < settings.invoices; i++) pages.push(await openPage(handler));
  const before = checks();
  await simulate(handler, pages, waitMs);
  const paymentChecks = checks() - before;
  for (const page of pages) page.stream.close();
  await handler.idle();
  const statusPolls = pages.reduce((sum, page) => sum + page.polls.length, 0);
  return {
    invoices: settings.invoices,
    waitMs,
    paymentChecks,
    statusPolls,
    checksPerInvoicePerSecond: round(paymentChecks / settings.invoices / (waitMs / 1000)),
    // Before pacing: one check per watched invoice per statusCacheMs, the whole wait.
    today: round(1000 / STATUS_CACHE_MS),
  };
}

/** Before pacing, for a payment at `page.paidAt`: the watcher's next whole-`statusCacheMs` check, then the next poll. */
function todayLatency(page: Page) {
  const sinceCreated = page.paidAt! - page.createdAt;
  const checkAt = page.createdAt + (Math.floor(sinceCreated / STATUS_CACHE_MS) + 1) * STATUS_CACHE_MS;
  const pollAt = page.polls.find((at) => at >= checkAt);
  return { stream: checkAt - page.paidAt!, poll: pollAt === undefined ? undefined : pollAt - page.paidAt! };
}

/** Lost callbacks: payments at random moments after the QR is shown, after a return, and outside the windows. */
async function lostCallbackFigures() {
  controls.reset();
  const handler = shop(true);
  const kinds = {
    afterQrShown: () => ({ payAt: clock.now() + random.between(1000, FAST_WINDOW_MS - 2000) }),
    afterReturn: () => {
      const returnAt = clock.now() + random.between(FAST_WINDOW_MS + 30_000, 5 * 60_000);
      return { returnAt, payAt: returnAt + random.between(1000, FAST_WINDOW_MS - 2000) };
    },
    outsideWindows: () => ({ payAt: clock.now() + random.between(FAST_WINDOW_MS + 15_000, 9 * 60_000) }),
  };
  const pages = new Map<keyof typeof kinds, Page[]>();
  for (const [kind, plan] of Object.entries(kinds) as [keyof typeof kinds, () => Pick<Page, 'returnAt' | 'payAt'>][]) {
    const list: Page[] = [];
    for (let i = 0; i < settings.samples; i++) list.push(await openPage(handler, plan()));
    pages.set(kind, list);
  }
  const all = [...pages.values()].flat();
  const seen = () => all.every((page) => page.pollSawPaidAt !== undefined && page.streamSawPaidAt !== undefined);
  await simulate(handler, all, 11 * 60_000, seen);
  for (const page of all) page.stream.close();
  await handler.idle();
  const figures = (list: Page[]) => ({
    toPoll: summary(list.flatMap((page) => (page.pollSawPaidAt === undefined ? [] : [page.pollSawPaidAt - page.paidAt!]))),
    toStream: summary(list.flatMap((page) => (page.streamSawPaidAt === undefined ? [] : [page.streamSawPaidAt - page.paidAt!]))),
    neverSeen: list.filter((page) => page.pollSawPaidAt === undefined).length,
    today: {
      toPoll: summary(list.flatMap((page) => todayLatency(page).poll ?? [])),
      toStream: summary(list.map((page) => todayLatency(page).stream)),
    },
  });
  const inside = [...pages.get('afterQrShown')!, ...pages.get('afterReturn')!];
  return {
    samplesPerKind: settings.samples,
    insideWindows: figures(inside),
    afterQrShown: figures(pages.get('afterQrShown')!),
    afterReturn: figures(pages.get('afterReturn')!),
    outsideWindows: figures(pages.get('outsideWindows')!),
  };
}

/** The wait on real timers: the handler's own sweeper, pages polling with setTimeout. */
async function realFigures(realMs: number) {
  realTime = true;
  controls.reset();
  const handler = shop(false);
  const pages: Page[] = [];
  for (let i = 0; i < settings.invoices; i++) pages.push(await openPage(handler));
  const before = checks();
  const started = Date.now();
  const timers = pages.map((page) => {
    const loop = () =>
      setTimeout(async () => {
        page.polls.push(Date.now());
        await poll(handler, page.invoiceId);
        if (Date.now() - started < realMs) timer = loop();
      }, random.between(POLL_MIN_MS, POLL_MAX_MS));
    let timer = loop();
    return () => clearTimeout(timer);
  });
  await new Promise((resolve) => setTimeout(resolve, realMs));
  const paymentChecks = checks() - before;
  const elapsedMs = Date.now() - started;
  for (const stop of timers) stop();
  for (const page of pages) page.stream.close();
  handler.close();
  await handler.idle();
  realTime = false;
  return { invoices: settings.invoices, realMs: elapsedMs, paymentChecks, checksPerInvoicePerSecond: round(paymentChecks / settings.invoices / (elapsedMs / 1000)) };
}

env.listen();
try {
  const wait = await waitFigures(settings.waitMs);
  const lostCallback = await lostCallbackFigures();
  let real: Record<string, unknown> | undefined;
  if (settings.realMs > 0) {
    const measured = await realFigures(settings.realMs);
    const sameSpanVirtual = await waitFigures(settings.realMs);
    real = { ...measured, virtualSameSpan: sameSpanVirtual.checksPerInvoicePerSecond };
  }
  const options = { statusCacheMs: STATUS_CACHE_MS, fastWindowMs: FAST_WINDOW_MS, sweepIntervalMs: SWEEP_INTERVAL_MS };
  console.log(JSON.stringify({ settings, options, stepMs: STEP_MS, pollEveryMs: [POLL_MIN_MS, POLL_MAX_MS], wait, lostCallback, real }));
} finally {
  env.close();
}
