// The delivery worker: runs the shop's onPaid for every payment the store holds as "paid, delivery due" (the
// outbox), in every process that mounts the handler, with no request needed. A payment is recorded first (the
// callback is answered as soon as that write lands); this worker then claims due deliveries under a lease, runs
// onPaid with its timeout, and records the outcome. Claims are atomic in the store, so two processes never run one
// delivery at once; a crashed process's lease lapses and another process runs it again, as a redelivery.
//
// The one rule that keeps a store blip from doubling a run: after onPaid succeeded, "done" is written again and
// again until the store takes it, for as long as the lease holds. Only when it cannot be written before the lease
// lapses may another process run onPaid again, and that run says `redelivery: true`.
import { doublingDelay } from '../backoff.js';
import { logSafe } from '../log.js';
import type { CheckoutStore, DeliveryClaim, DeliveryOutcome, MaybePromise } from '../stores/store.js';

export interface DeliveryRun {
  claim: DeliveryClaim;
  /** Aborted when the run passes the timeout: the worker has given up on it and will try again. */
  signal: AbortSignal;
}

export interface DeliveryWorkerOptions {
  store: CheckoutStore;
  /** Runs the shop's onPaid for one claimed delivery. */
  run: (delivery: DeliveryRun) => MaybePromise<void>;
  log: (message: string) => void;
  now: () => number;
  /** How long one run may take before it is given up on (and the claim's lease is this plus a margin). */
  timeoutMs: number;
  /** First wait after a failed run, doubled per failure up to `retryMaxMs`. */
  retryMs: number;
  retryMaxMs: number;
  /** After this long since the payment, a failing delivery is given up on (state `failed`) and logged loudly. */
  giveUpAfterMs: number;
  /** How often the worker looks for due deliveries when nothing nudges it. */
  intervalMs: number;
  /** Deliveries claimed per look, at most (they run side by side). */
  batchSize: number;
  /** Told of every run's end: `failure` when it threw or timed out (the metrics). */
  ran?: (claim: DeliveryClaim, failure: RunFailure | undefined) => void;
}

/** Why a run failed: the text kept with the delivery, and `type` (`timeout`, or the thrown error's name). */
export interface RunFailure {
  error: string;
  timedOut: boolean;
  type: string;
}

/** A lease outlives its run's timeout by this much: time to write the outcome even through a short store outage. */
export const LEASE_MARGIN_MS = 15_000;
/** Waits between attempts to write an outcome the store did not take (it is down): 250 ms, doubling, up to 2 s. */
const FINISH_RETRY_MS = 250;
const FINISH_RETRY_MAX_MS = 2000;
/** Longest error text kept with a delivery. */
const ERROR_TEXT_LENGTH = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #leaseMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #ticking: Promise<number> | undefined;
  #again = false;
  /** A look due at once (a nudge) whose timer has not fired yet: `idle()` waits for it too. */
  #soon: Promise<void> | undefined;
  #endSoon = () => {};
  readonly #running = new Set<Promise<void>>();
  /** Deliveries found due at the latest look (claimed by it), for the metrics: no store call of its own. */
  dueAtLastLook = 0;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
    this.#leaseMs = options.timeoutMs + LEASE_MARGIN_MS;
  }

  /** Starts looking for due deliveries every `intervalMs` (the timer never keeps a process alive). */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#schedule(0);
  }

  /** Looks at once (a payment was just recorded here), without waiting for the interval. */
  nudge(): void {
    if (this.#closed) return;
    if (this.#ticking) this.#again = true;
    else this.#schedule(0);
  }

  /**
   * Claims what is due now and runs it; resolves with the number of runs started once they have all ended. For
   * hosts without long-lived processes: call it from a cron. Concurrent calls share one look.
   */
  tick(): Promise<number> {
    if (!this.#ticking) {
      this.#ticking = this.#claimAndRun().finally(() => {
        this.#ticking = undefined;
        if (this.#again) {
          this.#again = false;
          this.nudge();
        }
      });
    }
    return this.#ticking;
  }

  /** Stops the timer; runs under way finish (await `idle()` for them). */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
  }

  /** Stops the pending timer; a look it promised is off, so `idle()` stops waiting for it. */
  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#soon = undefined;
    this.#endSoon();
  }

  /** Resolves once every run started so far has ended (graceful shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#soon || this.#ticking || this.#running.size > 0) {
      // A look due at once is made now rather than waited for: its timer never keeps the process alive.
      if (this.#soon) {
        this.#soon = undefined;
        this.#endSoon();
        void this.tick().catch((error) => this.#options.log(`delivery worker: could not look for due deliveries: ${describe(error)}`));
      }
      await Promise.allSettled([this.#ticking, ...this.#running]);
    }
  }

  #schedule(delayMs: number): void {
    this.#clearTimer();
    if (delayMs === 0) this.#soon = new Promise<void>((resolve) => (this.#endSoon = resolve));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#soon = undefined;
      this.#endSoon();
      void this.tick()
        .catch((error) => this.#options.log(`delivery worker: could not look for due deliveries: ${describe(error)}`))
        .finally(() => {
          if (!this.#closed && !this.#timer) this.#schedule(this.#options.intervalMs);
        });
    }, delayMs);
    this.#timer.unref?.();
  }

  /** Claims and runs due deliveries a batch at a time, until a batch comes back short (nothing more is due). */
  async #claimAndRun(): Promise<number> {
    const { store, now, batchSize } = this.#options;
    for (let started = 0; ; ) {
      const claims = await store.claimDeliveries(now(), this.#leaseMs, batchSize);
      this.dueAtLastLook = started + claims.length;
      const runs = claims.map((claim) => this.#track(this.#deliver(claim)));
      await Promise.allSettled(runs);
      started += claims.length;
      if (claims.length < batchSize) return started;
    }
  }

  #track(run: Promise<void>): Promise<void> {
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    return run;
  }

  /** One claimed delivery: onPaid under the timeout, then its outcome written within the lease. */
  async #deliver(claim: DeliveryClaim): Promise<void> {
    const { now } = this.#options;
    const failure = await this.#runWithTimeout(claim);
    this.#options.ran?.(claim, failure);
    if (!failure) {
      await this.#finish(claim, { state: 'done', at: now() });
      return;
    }
    await this.#finish(claim, this.#afterFailure(claim, failure));
  }

  /** Runs onPaid; resolves with why it failed, or undefined when it succeeded. */
  async #runWithTimeout(claim: DeliveryClaim): Promise<RunFailure | undefined> {
    const { run, timeoutMs } = this.#options;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(() => run({ claim, signal: controller.signal })), timeout]);
      if (outcome !== 'timeout') return undefined;
      controller.abort();
      return { error: `onPaid did not settle within ${timeoutMs} ms`, timedOut: true, type: 'timeout' };
    } catch (error) {
      return { error: describe(error), timedOut: false, type: error instanceof Error ? error.name : '_OTHER' };
    } finally {
      clearTimeout(timer);
    }
  }

  /** After a failed run: back off and try again, or give up once the payment is older than `giveUpAfterMs`. */
  #afterFailure(claim: DeliveryClaim, failure: RunFailure): DeliveryOutcome {
    const { now, retryMs, retryMaxMs, giveUpAfterMs, log } = this.#options;
    const { paid, attempt } = claim;
    const error = logSafe(failure.error, ERROR_TEXT_LENGTH);
    const age = now() - paid.paidAt;
    if (age >= giveUpAfterMs) {
      log(
        `GIVING UP on onPaid for invoice ${paid.invoiceId} (order ${paid.orderId}) after ${attempt} attempts over ${Math.round(age / 60_000)} min: ${error}. ` +
          `The payment is confirmed and recorded; list it with checkout.deliveries({ state: 'failed' }) and queue it again with checkout.redeliver(invoiceId) once the shop is fixed.`,
      );
      return { state: 'failed', error };
    }
    const delay = doublingDelay(retryMs, retryMaxMs, attempt);
    log(`onPaid failed for invoice ${paid.invoiceId} (order ${paid.orderId}, attempt ${attempt}); retried in ${delay} ms: ${error}`);
    return { state: 'pending', retryAt: now() + delay, error, ...(failure.timedOut ? { timedOut: true } : {}) };
  }

  /**
   * Writes the outcome, again and again while the store is unreachable, until it lands or the lease is about to
   * lapse. A store that answers "not yours any more" (false) ends it: another process owns the delivery now.
   */
  async #finish(claim: DeliveryClaim, outcome: DeliveryOutcome): Promise<void> {
    const { store, now, log } = this.#options;
    const { invoiceId } = claim.paid;
    for (let failures = 1; ; failures++) {
      try {
        const taken = await store.finishDelivery(invoiceId, claim.token, outcome);
        if (!taken) log(`delivery of invoice ${invoiceId}: its lease lapsed before the outcome (${outcome.state}) was written; another process took it over`);
        return;
      } catch (error) {
        const wait = doublingDelay(FINISH_RETRY_MS, FINISH_RETRY_MAX_MS, failures);
        if (now() + wait >= claim.leaseUntil) {
          log(
            `delivery of invoice ${invoiceId}: could not record its outcome (${outcome.state}) before its lease ended: ${describe(error)}. ` +
              (outcome.state === 'done' ? 'onPaid will run again, with redelivery: true.' : 'It will be tried again.'),
          );
          return;
        }
        await sleep(wait);
      }
    }
  }
}
