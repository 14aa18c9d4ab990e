// The naive baseline's status poller, as a shop might write it by hand: one setInterval that asks
// every `interval` ms whatever happens (no backoff after errors, no slower pace while the page is
// hidden, no check on return, and it keeps going after PAID until the page removes the widget).
// Timers and fetch are injected so Node can run it on virtual time, like the element's poller.

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface NaivePollerOptions {
  url: string;
  fetch: typeof fetch;
  interval?: number;
  timers?: IntervalTimers;
  onStatus(status: string, body: unknown): void;
}

export interface NaivePoller {
  start(): void;
  stop(): void;
}

const browserTimers: IntervalTimers = {
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof globalThis.setInterval>),
};

export function createNaivePoller({ url, fetch, interval = 2000, timers = browserTimers, onStatus }: NaivePollerOptions): NaivePoller {
  let handle: unknown = null;
  const poll = async () => {
    try {
      const response = await fetch(url, { cache: 'no-store' });
      const body = (await response.json()) as { status?: unknown } | null;
      if (body && typeof body.status === 'string') onStatus(body.status, body);
    } catch {
      // Errors are ignored: the next tick asks again.
    }
  };
  return {
    start() {
      if (handle === null) handle = timers.setInterval(() => void poll(), interval);
    },
    stop() {
      if (handle !== null) timers.clearInterval(handle);
      handle = null;
    },
  };
}
