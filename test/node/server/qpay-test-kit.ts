// Shared setup for the QPay server tests: the mock under msw/node, a settable clock, a client
// whose fetch records every token it sees (so tests can prove none leaks), instant backoff.
import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { createQPayMock, type QPayMock } from '../../../src/mock/index.js';
import { QPayClient, type QPayClientOptions } from '../../../src/server/index.js';

export const BASE_URL = 'https://merchant-sandbox.qpay.mn';
export const CLIENT_ID = 'shop-client-7f3a';
export const CLIENT_SECRET = 'S3cr3t-never-leak-9c1e4b';

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function makeClock(start = Date.UTC(2026, 0, 29, 7, 2, 5)): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The mock plus an msw server; call `listen()` in `before` and `close()` in `after`. */
export function makeMockServer(clock: Clock, options: { drawQrImage?: boolean } = {}) {
  const mock: QPayMock = createQPayMock({
    baseUrl: BASE_URL,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    invoiceCode: 'TEST_INVOICE',
    now: clock.now,
    drawQrImage: options.drawQrImage ?? false,
  });
  const server = setupServer(...mock.handlers);
  return {
    mock,
    controls: mock.controls,
    listen: () => server.listen({ onUnhandledRequest: 'bypass' }),
    close: () => server.close(),
  };
}

/** Every secret-ish string seen on the wire: the client secret, Basic header, access and refresh tokens. */
export class SecretCollector {
  readonly values = new Set<string>([CLIENT_SECRET, btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)]);

  readonly fetch: typeof fetch = async (input, init) => {
    const auth = new Headers(init?.headers).get('authorization');
    if (auth) this.values.add(auth.replace(/^(Basic|Bearer)\s+/i, ''));
    const response = await globalThis.fetch(input, init);
    if (String(input).includes('/v2/auth/')) {
      try {
        const body = (await response.clone().json()) as { access_token?: string; refresh_token?: string };
        if (body.access_token) this.values.add(body.access_token);
        if (body.refresh_token) this.values.add(body.refresh_token);
      } catch {
        // Error answers have no tokens.
      }
    }
    return response;
  };

  /** The secrets found in `text` (empty when clean). */
  leaks(text: string): string[] {
    return [...this.values].filter((secret) => secret.length >= 4 && text.includes(secret));
  }
}

export function makeClient(clock: Clock, extra: Partial<QPayClientOptions> = {}, secrets = new SecretCollector()) {
  const sleeps: number[] = [];
  const client = new QPayClient({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    baseUrl: BASE_URL,
    fetch: secrets.fetch,
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { client, sleeps, secrets };
}

export const SIMPLE_INVOICE = {
  invoice_code: 'TEST_INVOICE',
  sender_invoice_no: 'order-1',
  invoice_receiver_code: 'terminal',
  invoice_description: 'Чихэр 5ш',
  amount: 100,
  callback_url: 'https://shop.example/qpay/callback?order=order-1',
};
