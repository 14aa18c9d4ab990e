// The push tests' merchant: a channel of the test runner's push-test server (helpers/push-server.mjs), with a
// real event stream and a real status endpoint, so what the browser opens and closes is seen by a server.

let counter = 0;

export interface PushState {
  /** Event streams open now, as the server sees them. */
  open: number;
  /** Stream requests so far (first connections and the browser's reconnections). */
  connects: number;
  /** The Last-Event-ID header of each stream request (null for none). */
  lastEventIds: (string | null)[];
  /** Status endpoint requests so far. */
  statusHits: number;
  /** Bytes of the lazily written answers handed to the socket: the endless stream's, the last huge status body's. */
  sent: { events: number; status: number };
}

export interface PushControl {
  /** How the next stream requests are answered. */
  mode?: 'stream' | 'html' | '404' | 'down' | 'endless-line' | 'malformed';
  /** Event-stream text sent on every new connection after `retry:` (the current status, as the server kit does). */
  initial?: string;
  /** The `retry:` advice in ms (default 300). */
  retry?: number;
  /** The status endpoint's JSON answer. */
  status?: string;
  /** The status endpoint's HTTP status (default 200). */
  statusCode?: number;
  /** When set, the status endpoint answers a JSON body of this many bytes instead, written as the client reads it. */
  statusBytes?: number;
  /** Event-stream text written to every open stream now. */
  send?: string;
  /** Ends every open stream from the server's side (the browser reconnects after `retry`). */
  drop?: boolean;
}

export interface PushChannel {
  eventsUrl: string;
  statusUrl: string;
  control(patch: PushControl): Promise<PushState>;
  state(): Promise<PushState>;
}

/** One `status` event as the server kit sends it. */
export function statusEvent(body: Record<string, unknown>, id = `${body['status']}.0`): string {
  return `id: ${id}\nevent: status\ndata: ${JSON.stringify(body)}\n\n`;
}

/** A fresh channel, set up with `initial` before the element connects. */
export async function pushChannel(setup: PushControl = {}): Promise<PushChannel> {
  const base = `/push-test/c${Date.now().toString(36)}${++counter}`;
  const control = async (patch: PushControl): Promise<PushState> => {
    const response = await fetch(`${base}/control`, { method: 'POST', body: JSON.stringify(patch) });
    return (await response.json()) as PushState;
  };
  await control(setup);
  return {
    eventsUrl: `${base}/events/{id}`,
    statusUrl: `${base}/status/{id}`,
    control,
    state: async () => (await (await fetch(`${base}/state`)).json()) as PushState,
  };
}
