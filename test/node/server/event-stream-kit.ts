// Reading a server-sent event stream the way a browser does, for the events route tests: every event and comment
// is kept (with the raw text), read in order with `next()`, or looked at all at once after a while. And the shop
// the streams come from: a checkout handler behind the Node adapter on a real http server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQPayCheckoutHandler, toNodeHandler, type NodeHandlerOptions, type PaidEvent, type QPayCheckoutHandlerOptions } from '../../../src/server/index.js';
import { makeClient } from './qpay-test-kit.js';

/** The shop's clock and the mock's: real time (streams run on real timers). */
export const realClock = { now: () => Date.now(), advance: () => {} };

export interface ServerEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: boolean;
}

/** Parses one event block (the lines between blank lines), as the text/event-stream format splits them. */
function parseBlock(block: string): ServerEvent {
  const event: ServerEvent = {};
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line.startsWith(':')) event.comment = true;
    else {
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      // Several data lines are one payload joined with "\n", as EventSource does.
      if (field === 'data' && event.data !== undefined) event.data += `\n${value}`;
      else (event as Record<string, string>)[field!] = value;
    }
  }
  return event;
}

/** Opens `url` as an event stream and reads it in the background until it ends or `close()` is called. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const received: ServerEvent[] = [];
  let raw = '';
  let ended = false;
  let wake = () => {};
  const pump = (async () => {
    if (!response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        raw += value;
        buffer += value;
        for (let end = buffer.search(/(\r\n|\r|\n){2}/); end >= 0; end = buffer.search(/(\r\n|\r|\n){2}/)) {
          const separator = /(\r\n|\r|\n){2}/.exec(buffer.slice(end))![0];
          received.push(parseBlock(buffer.slice(0, end)));
          buffer = buffer.slice(end + separator.length);
          wake();
        }
      }
    } catch {
      // Aborted by close().
    }
    ended = true;
    wake();
  })();
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  let cursor = 0;

  /** The next event or comment, `null` once the stream ended. */
  async function next(): Promise<ServerEvent | null> {
    while (cursor >= received.length && !ended) await changed();
    return cursor < received.length ? received[cursor++]! : null;
  }
  /** The next `status` event's id and body (skipping `retry:` and comments), `null` once the stream ended. */
  async function nextStatus(): Promise<{ id: string; body: Record<string, unknown> } | null> {
    for (;;) {
      const event = await next();
      if (!event) return null;
      if (event.event === 'status') return { id: event.id!, body: JSON.parse(event.data!) as Record<string, unknown> };
    }
  }
  return {
    response,
    next,
    nextStatus,
    /** Every event received so far, comments included. */
    received: () => [...received],
    /** The stream's text so far, exactly as it arrived. */
    raw: () => raw,
    /** Resolves once the server ended the stream (or it was closed). */
    ended: pump,
    isEnded: () => ended,
    close: () => controller.abort(),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Shops (a QPay checkout handler behind the Node adapter on a real http server on 127.0.0.1) against the QPay mock. */
export function shopServers() {
  const servers: Server[] = [];
  async function serve(options: Partial<QPayCheckoutHandlerOptions> = {}, nodeOptions: NodeHandlerOptions = {}) {
    const { client } = makeClient(realClock);
    const paid: PaidEvent[] = [];
    const handler = createQPayCheckoutHandler({
      client,
      invoiceCode: 'TEST_INVOICE',
      callbackUrl: 'http://shop.test/qpay/callback',
      getOrder: () => ({ orderId: `o-${Math.random().toString(36).slice(2, 8)}`, amount: 15000 }),
      onPaid: (event) => void paid.push(event),
      logger: { error: () => {} },
      ...options,
    });
    const server = createServer(toNodeHandler(handler, nodeOptions));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    const createInvoice = async () => (await (await fetch(`${base}/qpay/invoice`, { method: 'POST' })).json()) as { invoice_id: string };
    /** Sends the provider's callback for a payment the mock made (`controls.pay(..., { callback: false })`). */
    const deliverCallback = async (callbackUrl: string) => {
      const url = new URL(callbackUrl);
      return (await fetch(`${base}${url.pathname}${url.search}`)).text();
    };
    return { base, port, handler, paid, createInvoice, deliverCallback };
  }
  function closeAll() {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  }
  return { serve, closeAll };
}
