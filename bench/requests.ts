// Status requests one widget makes, counted exactly on virtual time (FakeClock + scripted fetch):
// the element's poller with the element's own settings (poll-interval 2000, every other option at
// its default, as <qpay-checkout> creates it) beside the naive baseline's setInterval poller.
// Answers arrive instantly (0 ms round trip), so the counts are the schedule's, not the network's.
// Prints one JSON object: per scenario and widget, one figure per run (jitter differs per seed).
//
//   node --import tsx bench/requests.ts [--runs N]
import { createPoller, POLL_DEFAULTS } from '../src/core/poller.js';
import { FakeClock } from '../test/node/helpers/fake-clock.js';
import { createFakeFetch, statusReply, type Reply } from '../test/node/helpers/fake-fetch.js';
import { createNaivePoller, type IntervalTimers } from './baseline/naive-poller.js';
import { seededRandom } from './lib/seeded-random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const STATUS_URL = 'https://shop.example/qpay/status/bench-invoice';

export type Widget = 'element' | 'baseline';
export type Scenario = 'visible' | 'hidden' | 'outage' | 'afterPaid';

export interface ScenarioResult {
  /** Status requests made inside the scenario's window. */
  requests: number;
  /** Outage only: ms from the network coming back to the first answered request. */
  recoveryMs?: number;
}

/** What the scripted server answers at virtual time `at` (ms since the widget started). */
type Script = (at: number) => Reply;

interface Plan {
  script: Script;
  /** Window [from, to) in which requests are counted, ms since start. */
  from: number;
  to: number;
  /** Keep the clock running until then (default `to`). */
  runUntil?: number;
  /** Page hidden from this time on (element only: the baseline ignores visibility). */
  hiddenFrom?: number;
  /** When the network comes back (outage). */
  backAt?: number;
}

const nominal: Script = () => statusReply('NEW');

/** The four situations, each measured over its own window. */
export const PLANS: Record<Scenario, Plan> = {
  // 10 minutes on screen, waiting for the payment.
  visible: { script: nominal, from: 0, to: 10 * MINUTE },
  // Shown for 11 s, then 10 minutes in the background (the customer is in the bank app).
  hidden: { script: nominal, from: 11 * SECOND, to: 11 * SECOND + 10 * MINUTE, hiddenFrom: 11 * SECOND },
  // A minute of normal polling, then 60 s in which every request fails with a network error; the
  // clock runs on until the first request after the outage (its delay is the recovery time).
  outage: {
    script: (at) => (at >= MINUTE && at < 2 * MINUTE ? 'network-error' : statusReply('NEW')),
    from: MINUTE,
    to: 2 * MINUTE,
    runUntil: 7 * MINUTE,
    backAt: 2 * MINUTE,
  },
  // PAID from the first minute on: requests counted for 10 minutes after the first PAID answer.
  afterPaid: { script: (at) => statusReply(at >= MINUTE ? 'PAID' : 'NEW'), from: MINUTE + 1, to: 11 * MINUTE + 1 },
};

/** setInterval on the fake clock: re-armed before each call, as browsers schedule intervals. */
function intervalTimers(clock: FakeClock): IntervalTimers {
  const pending = new Map<number, unknown>();
  let nextId = 1;
  return {
    setInterval(fn, ms) {
      const id = nextId++;
      const arm = () => pending.set(id, clock.setTimeout(() => (arm(), fn()), ms));
      arm();
      return id;
    },
    clearInterval(handle) {
      clock.clearTimeout(pending.get(handle as number));
      pending.delete(handle as number);
    },
  };
}

export async function runScenario(widget: Widget, scenario: Scenario, seed: number): Promise<ScenarioResult> {
  const plan = PLANS[scenario];
  const clock = new FakeClock();
  const start = clock.now();
  const fake = createFakeFetch(clock, (request) => plan.script(request.at - start));
  const ignore = () => {};

  let hide: (() => void) | undefined;
  let stop: () => void;
  if (widget === 'element') {
    // Exactly what <qpay-checkout> passes (src/element/qpay-checkout.ts #startPolling), on virtual time.
    const poller = createPoller({
      url: STATUS_URL,
      fetch: fake.fetch,
      clock,
      random: seededRandom(seed),
      interval: POLL_DEFAULTS.interval,
      onStatus: ignore,
      onError: ignore,
    });
    poller.start();
    hide = () => poller.setHidden(true);
    stop = () => poller.stop();
  } else {
    const poller = createNaivePoller({ url: STATUS_URL, fetch: fake.fetch, timers: intervalTimers(clock), onStatus: ignore });
    poller.start();
    stop = () => poller.stop();
  }

  if (plan.hiddenFrom !== undefined) {
    await clock.advanceTo(start + plan.hiddenFrom);
    hide?.();
  }
  await clock.advanceTo(start + (plan.runUntil ?? plan.to));
  stop();

  const made = fake.requests.map((request) => request.at - start);
  const result: ScenarioResult = { requests: made.filter((at) => at >= plan.from && at < plan.to).length };
  if (plan.backAt !== undefined) {
    const firstBack = made.find((at) => at >= plan.backAt!);
    if (firstBack === undefined) throw new Error(`${widget}: no status request within ${plan.runUntil! - plan.backAt} ms after the outage`);
    result.recoveryMs = firstBack - plan.backAt;
  }
  return result;
}

export async function runAll(runs: number) {
  const widgets: Widget[] = ['element', 'baseline'];
  const scenarios = Object.keys(PLANS) as Scenario[];
  const out: Record<Widget, Record<Scenario, ScenarioResult[]>> = { element: {} as never, baseline: {} as never };
  for (const widget of widgets) {
    for (const scenario of scenarios) {
      out[widget][scenario] = [];
      for (let run = 0; run < runs; run++) out[widget][scenario].push(await runScenario(widget, scenario, 0x9e3779b9 + run));
    }
  }
  return out;
}

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 15;
if (!Number.isInteger(runs) || runs < 1) {
  console.error('requests: --runs needs a positive integer');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ settings: { ...POLL_DEFAULTS }, results: await runAll(runs) })}\n`);
