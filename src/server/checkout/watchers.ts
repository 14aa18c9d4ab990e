// One watcher per invoice for every event stream of this process, so a thousand open tabs on one invoice cost what
// one poller costs. What a watcher tells its streams comes from the store and the status route only: a pub/sub
// message is a wake-up call ("invoice X changed") that anyone able to publish could send, so it is never read.
import type { PaymentStatus } from '../../core/types.js';
import type { PaidRecord } from '../stores/store.js';
import type { CheckoutSettings } from './context.js';
import { describe } from './shared.js';
import { StreamSlots } from './stream-slots.js';

/** What a status answer and a status event carry. */
export interface StatusBody {
  status: PaymentStatus;
  paid_amount: number;
  invoice_id: string;
}

/** A status to send, or `forgotten`: the store no longer knows the invoice, so its streams end. */
export type StreamNews = StatusBody | 'forgotten';
/** An open stream as a watcher sees it: told every status its watcher learns, and the process's heartbeat. */
export interface StreamListener {
  tell(news: StreamNews): void;
  beat(): void;
}
/** The invoice's status as a stream may tell it (store-backed; undefined when it cannot be told this time). */
export type StreamCheck = (invoiceId: string) => Promise<StreamNews | undefined>;

/** Open event streams per process, at most; more are answered 503 (the element then polls). */
const MAX_STREAMS_PER_PROCESS = 10_000;

/** The body of a recorded payment, as the status route answers it. */
export const paidBody = (paid: PaidRecord): StatusBody => ({ status: 'PAID', paid_amount: paid.paidAmount, invoice_id: paid.invoiceId });

interface Watcher {
  listeners: Set<StreamListener>;
  stop(): void;
}

export class Watchers {
  private readonly watchers = new Map<string, Watcher>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Event streams open in this process, in all and per client (the events route takes and releases them). */
  readonly slots: StreamSlots;

  /** `check` is the status route behind a store check: a watcher asks it as any poller would. */
  constructor(
    private readonly settings: CheckoutSettings,
    private readonly check: StreamCheck,
  ) {
    this.slots = new StreamSlots(MAX_STREAMS_PER_PROCESS, settings.maxStreamsPerClient);
  }

  /** Tells `listener` every status the invoice's watcher learns, and beats its heartbeat, until `unwatch`. */
  watch(invoiceId: string, listener: StreamListener): void {
    let watcher = this.watchers.get(invoiceId);
    if (!watcher) this.watchers.set(invoiceId, (watcher = this.start(invoiceId)));
    watcher.listeners.add(listener);
    this.heartbeat ??= setInterval(() => this.beat(), this.settings.heartbeatMs);
  }

  unwatch(invoiceId: string, listener: StreamListener): void {
    const watcher = this.watchers.get(invoiceId);
    if (!watcher?.listeners.delete(listener) || watcher.listeners.size > 0) return;
    this.watchers.delete(invoiceId);
    watcher.stop();
    if (this.watchers.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  /** One timer beats every open stream's heartbeat (not one per stream). */
  private beat(): void {
    for (const watcher of this.watchers.values()) for (const listener of watcher.listeners) listener.beat();
  }

  /**
   * Watches one invoice for every stream of this process: the status route's answer every `cacheMs` (so a shop whose
   * callback never arrives still learns of the payment, at the same coalesced pace as polling), and the store's
   * channel, where any process that records a payment says so at once: on any message the payment is read from the
   * store.
   */
  private start(invoiceId: string): Watcher {
    const { cacheMs } = this.settings;
    const listeners = new Set<StreamListener>();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tell = (news: StreamNews | undefined) => {
      if (stopped || news === undefined) return;
      for (const listener of [...listeners]) listener.tell(news);
    };
    const tick = async () => {
      tell(await this.check(invoiceId).catch(() => undefined));
      if (!stopped) timer = setTimeout(tick, cacheMs);
    };
    timer = setTimeout(tick, cacheMs);
    const unsubscribe = this.listen(invoiceId, tell);
    return {
      listeners,
      stop() {
        stopped = true;
        clearTimeout(timer);
        unsubscribe();
      },
    };
  }

  /**
   * Subscribes to the invoice's channel. Whatever a message says, the store is read instead: its payment record, else
   * the status route's answer. Messages that arrive during a read are folded into one more read after it.
   */
  private listen(invoiceId: string, tell: (news: StreamNews | undefined) => void): () => void {
    const { store, logger } = this.settings;
    let stopped = false;
    let unsubscribe: (() => unknown) | undefined;
    let reading = false;
    let again = false;
    const read = async () => {
      const paid = await store.getPaid(invoiceId);
      return paid ? paidBody(paid) : this.check(invoiceId);
    };
    const onMessage = () => {
      if (reading) return void (again = true);
      reading = true;
      void (async () => {
        do {
          again = false;
          tell(await read().catch(() => undefined));
        } while (again && !stopped);
        reading = false;
      })();
    };
    Promise.resolve(store.subscribe(`status:${invoiceId}`, onMessage))
      .then((stop) => {
        if (stopped) void Promise.resolve(stop()).catch(() => {});
        else unsubscribe = stop;
      })
      .catch((error) => logger.error(`could not listen for payments of invoice ${invoiceId}; its streams rely on checking: ${describe(error)}`));
    return () => {
      stopped = true;
      void Promise.resolve(unsubscribe?.()).catch(() => {});
    };
  }
}
