// One watcher per invoice for every event stream of this process, so a thousand open tabs on one invoice cost what
// one poller costs.
import type { PaymentStatus } from '../../core/types.js';
import type { CheckoutSettings } from './context.js';
import { describe } from './shared.js';

/** What a status answer and a status event carry. */
export interface StatusBody {
  status: PaymentStatus;
  paid_amount: number;
  invoice_id: string;
}
export type StatusListener = (body: StatusBody) => void;

interface Watcher {
  listeners: Set<StatusListener>;
  stop(): void;
}

export class Watchers {
  private readonly watchers = new Map<string, Watcher>();
  /** Event streams open in this process (the events route caps them). */
  openStreams = 0;

  /** `check` is the status route: a watcher asks it as any poller would. */
  constructor(
    private readonly settings: CheckoutSettings,
    private readonly check: (invoiceId: string) => Promise<Response>,
  ) {}

  /** Calls `listener` with every status the invoice's watcher learns, until the returned function is called. */
  watch(invoiceId: string, listener: StatusListener): () => void {
    let watcher = this.watchers.get(invoiceId);
    if (!watcher) this.watchers.set(invoiceId, (watcher = this.start(invoiceId)));
    const mine = watcher;
    mine.listeners.add(listener);
    return () => {
      mine.listeners.delete(listener);
      if (mine.listeners.size > 0 || this.watchers.get(invoiceId) !== mine) return;
      this.watchers.delete(invoiceId);
      mine.stop();
    };
  }

  /**
   * Watches one invoice for every stream of this process: the status route's answer every `cacheMs` (so a shop whose
   * callback never arrives still learns of the payment, at the same coalesced pace as polling), and the store's
   * channel, where any process that confirms a payment announces it at once.
   */
  private start(invoiceId: string): Watcher {
    const { store, logger, cacheMs } = this.settings;
    const listeners = new Set<StatusListener>();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => unknown) | undefined;
    const tell = (body: StatusBody) => {
      for (const listener of [...listeners]) listener(body);
    };
    const tick = async () => {
      try {
        const answer = await this.check(invoiceId);
        if (answer.ok) tell((await answer.json()) as StatusBody);
      } catch {
        // status() answers failures itself; a thrown error here is a bug already logged there.
      }
      if (!stopped) timer = setTimeout(tick, cacheMs);
    };
    timer = setTimeout(tick, cacheMs);
    Promise.resolve(
      store.subscribe(`status:${invoiceId}`, (message) => {
        try {
          tell(JSON.parse(message) as StatusBody);
        } catch {
          // Not ours: the channel carries JSON status bodies only.
        }
      }),
    )
      .then((stop) => {
        if (stopped) void stop();
        else unsubscribe = stop;
      })
      .catch((error) => logger.error(`could not listen for payments of invoice ${invoiceId}; its streams rely on checking: ${describe(error)}`));
    return {
      listeners,
      stop() {
        stopped = true;
        clearTimeout(timer);
        void Promise.resolve(unsubscribe?.()).catch(() => {});
      },
    };
  }
}
