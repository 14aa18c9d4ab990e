// The demo shop's server side, as a shop would write it with `qpay-checkout/server`: one checkout
// handler per provider (QPay at /qpay, TBank SBP at /tbank) pricing carts from the server's own
// catalogue, plus dev-only routes under /demo-api. By default both providers are msw mocks running in
// this process (msw/node intercepts the clients' fetch to the providers' URLs); with QPay
// credentials in the environment, QPay is the real one. Framework-free: Web Fetch handlers that
// the Vite plugin (server-plugin.ts) mounts with the Node adapter.
import { setupServer } from 'msw/node';
import {
  CheckoutError,
  QPayClient,
  QPAY_SANDBOX_URL,
  TBankProvider,
  TBankQrPayClient,
  createCheckoutHandler,
  createQPayCheckoutHandler,
  type CheckoutHandler,
  type CheckoutOrder,
  type FetchHandler,
  type PaidEvent,
} from '../src/server/index.js';
import { createQPayMock, createTBankMock, QPAY_MOCK_SANDBOX_URL } from '../src/mock/index.js';
import { CartError, priceCart, type ShopCurrency } from './catalogue.js';
import { describeDemoStore, openDemoStores } from './store.js';

export type ProviderName = 'qpay' | 'tbank';
export type ProviderMode = 'mock' | 'live';

/** What the page asks for at GET /demo-api/config. */
export interface DemoConfig {
  providers: Record<ProviderName, { mode: ProviderMode; currency: ShopCurrency; basePath: string }>;
}

export type QPaySettings =
  | { mode: 'mock' }
  | { mode: 'live'; clientId: string; clientSecret: string; invoiceCode: string; baseUrl: string };

const QPAY_ENV = ['QPAY_CLIENT_ID', 'QPAY_CLIENT_SECRET', 'QPAY_INVOICE_CODE'] as const;

/**
 * Real QPay when all three of QPAY_CLIENT_ID, QPAY_CLIENT_SECRET and QPAY_INVOICE_CODE are set
 * (QPAY_BASE_URL defaults to the sandbox, so no real money moves by accident); the mock when none
 * is. Some but not all is a mistake worth stopping for, named without the values.
 */
export function readQPaySettings(env: Record<string, string | undefined>): QPaySettings {
  const present = QPAY_ENV.filter((name) => env[name]?.trim());
  if (present.length === 0) return { mode: 'mock' };
  if (present.length < QPAY_ENV.length) {
    const missing = QPAY_ENV.filter((name) => !present.includes(name));
    throw new Error(`Real QPay needs ${QPAY_ENV.join(', ')}; ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
  }
  const baseUrl = env.QPAY_BASE_URL?.trim() || QPAY_SANDBOX_URL;
  let protocol = '';
  try {
    protocol = new URL(baseUrl).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new Error('QPAY_BASE_URL must be an http(s) URL, e.g. https://merchant.qpay.mn');
  }
  return {
    mode: 'live',
    clientId: env.QPAY_CLIENT_ID!.trim(),
    clientSecret: env.QPAY_CLIENT_SECRET!.trim(),
    invoiceCode: env.QPAY_INVOICE_CODE!.trim(),
    baseUrl,
  };
}

export interface DemoShopOptions {
  /** Usually process.env. */
  env: Record<string, string | undefined>;
  /**
   * The dev server's own origin (e.g. `http://127.0.0.1:5173`), asked for when the first checkout
   * request arrives, once the server listens. Callback URLs point at it unless
   * DEMO_PUBLIC_URL names an address the provider can reach (a tunnel, for real QPay).
   */
  origin: () => string;
  log?: (line: string) => void;
}

export interface DemoShop {
  readonly config: DemoConfig;
  /** Fetch handlers, each answering under its `basePath` (/qpay, /tbank, /demo-api). */
  readonly routes: readonly FetchHandler[];
  /** Every onPaid the handlers ran, oldest first. */
  readonly paid: readonly PaidEvent[];
  /** Startup lines saying which provider is real and which is mocked (never a secret). */
  describe(): string[];
  /** Starts intercepting the mocked providers' URLs in this process. */
  start(): void;
  /** Stops intercepting, and closes the store connections (STORE_URL). */
  close(): Promise<void>;
}

const CART_ID = /^[A-Za-z0-9-]{8,36}$/;
const INVOICE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_DESCRIPTION = 120;
const MSW_SLOT = Symbol.for('qpay-checkout.demo.msw');

type Interceptor = ReturnType<typeof setupServer>;
type InterceptorSlot = { [MSW_SLOT]?: Interceptor };

function json(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

/** The shop's getOrder: the browser sends `{cartId, items: [{id, quantity}]}`; prices come from here. */
export function orderFromCart(body: unknown, currency: ShopCurrency): CheckoutOrder {
  const { cartId, items } = (body && typeof body === 'object' ? body : {}) as { cartId?: unknown; items?: unknown };
  if (typeof cartId !== 'string' || !CART_ID.test(cartId)) {
    throw new CheckoutError(400, 'BAD_CART', 'cartId must be 8 to 36 letters, digits or dashes');
  }
  let cart;
  try {
    cart = priceCart(items, currency);
  } catch (error) {
    if (error instanceof CartError) throw new CheckoutError(400, 'BAD_CART', error.message);
    throw error;
  }
  const description = `Demo shop: ${cart.description}`;
  return {
    orderId: `demo-${cartId}`,
    amount: cart.total,
    currency,
    description: description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 1)}…` : description,
  };
}

/**
 * A handler made on its first request (when the callback origin is known and the store is open), answering under
 * `basePath`.
 */
function lazyHandler(basePath: string, ready: Promise<unknown>, create: () => CheckoutHandler): FetchHandler & { get(): Promise<CheckoutHandler> } {
  let handler: CheckoutHandler | undefined;
  const get = async () => {
    await ready;
    return (handler ??= create());
  };
  const answer = async (request: Request) => {
    let checkout: CheckoutHandler;
    try {
      checkout = await get();
    } catch (error) {
      // The demo's own setup failed (a bad STORE_URL): say so to the page, as a JSON error like the handler's.
      return json(500, { error: 'DEMO_SETUP_FAILED', message: error instanceof Error ? error.message : String(error) });
    }
    return checkout(request);
  };
  return Object.assign(answer, { basePath, get });
}

export function createDemoShop(options: DemoShopOptions): DemoShop {
  const log = options.log ?? ((line: string) => console.log(line));
  const qpaySettings = readQPaySettings(options.env);
  const publicUrl = options.env.DEMO_PUBLIC_URL?.trim();
  const callbackUrl = (basePath: string) => new URL(`${basePath}/callback`, publicUrl || options.origin()).href;
  const paid: PaidEvent[] = [];
  const stores = openDemoStores(options.env.STORE_URL);
  // A bad STORE_URL is reported by every checkout request (and on start), never as an unhandled rejection.
  stores.catch((error) => log(`[demo] store: ${error instanceof Error ? error.message : String(error)}`));
  let interceptor: Interceptor | undefined;

  const onPaid = (event: PaidEvent) => {
    paid.push(event);
    log(`[demo] onPaid: ${event.provider} invoice ${event.invoiceId} (order ${event.orderId}) paid ${event.paidAmount} ${event.currency}`);
  };

  // QPay: the sandbox-like mock with the sandbox's public test pair, or the real API.
  const qpayMock = qpaySettings.mode === 'mock' ? createQPayMock({ invoiceCode: 'TEST_INVOICE', merchantName: 'DEMO SHOP' }) : undefined;
  const qpayClient =
    qpaySettings.mode === 'live'
      ? new QPayClient({ clientId: qpaySettings.clientId, clientSecret: qpaySettings.clientSecret, baseUrl: qpaySettings.baseUrl })
      : new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: QPAY_MOCK_SANDBOX_URL });
  let storeFor: Awaited<typeof stores>['forProvider'] = () => undefined;
  const storesReady = stores.then((opened) => (storeFor = opened.forProvider));
  const qpay = lazyHandler('/qpay', storesReady, () =>
    createQPayCheckoutHandler({
      store: storeFor('qpay'),
      client: qpayClient,
      invoiceCode: qpaySettings.mode === 'live' ? qpaySettings.invoiceCode : 'TEST_INVOICE',
      basePath: '/qpay',
      callbackUrl: callbackUrl('/qpay'),
      getOrder: (_request, body) => orderFromCart(body, 'MNT'),
      onPaid,
    }),
  );

  // TBank: always the mock; its terminal and a sign key made up per run (nothing secret in the repo).
  const terminal = { agentId: 'DEMO_AGENT', mchId: 'DEMO_MCH', terId: 'DEMO_TER', signKey: crypto.randomUUID() };
  const tbankMock = createTBankMock({ ...terminal, merchantName: 'DEMO SHOP' });
  const tbankProvider = new TBankProvider({ client: new TBankQrPayClient(terminal) });
  const tbank = lazyHandler('/tbank', storesReady, () =>
    createCheckoutHandler({
      store: storeFor('tbank'),
      provider: tbankProvider,
      basePath: '/tbank',
      callbackUrl: callbackUrl('/tbank'),
      getOrder: (_request, body) => orderFromCart(body, 'RUB'),
      onPaid,
    }),
  );

  const config: DemoConfig = {
    providers: {
      qpay: { mode: qpaySettings.mode, currency: 'MNT', basePath: '/qpay' },
      tbank: { mode: 'mock', currency: 'RUB', basePath: '/tbank' },
    },
  };

  /**
   * Pays a mock invoice as a customer's bank would, then delivers the provider's notification to
   * the shop's own callback route (in process: it is the request QPay or TBank would send), so
   * the payment is recorded, and the handler's delivery worker runs onPaid (awaited here, so the demo's log shows
   * it before the answer); the widget sees PAID through its normal polling.
   */
  async function simulatePayment(provider: ProviderName, invoiceId: string): Promise<Response> {
    if (!INVOICE_ID.test(invoiceId)) return json(400, { error: 'BAD_INVOICE_ID', message: 'The invoice id is malformed' });
    let callbackStatus: number | undefined;
    try {
      if (provider === 'qpay') {
        if (!qpayMock) return json(404, { error: 'NOT_AVAILABLE', message: 'Real QPay is in use: pay with a bank app' });
        const qpayHandler = await qpay.get();
        const deliver = (input: RequestInfo | URL, init?: RequestInit) => qpayHandler(new Request(input, init));
        callbackStatus = (await qpayMock.controls.pay(invoiceId, undefined, { fetch: deliver as typeof fetch }).delivery)?.status;
        await qpayHandler.idle();
      } else {
        const tbankHandler = await tbank.get();
        const deliver = (input: RequestInfo | URL, init?: RequestInit) => tbankHandler(new Request(input, init));
        callbackStatus = (await tbankMock.controls.pay(invoiceId, { fetch: deliver as typeof fetch }).delivery)?.status;
        await tbankHandler.idle();
      }
    } catch (error) {
      // The mocks refuse unknown, paid or closed invoices with a readable message.
      return json(409, { error: 'CANNOT_PAY', message: error instanceof Error ? error.message : String(error) });
    }
    return json(200, { paid: true, invoiceId, callbackStatus });
  }

  async function demoRoute(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === '/demo-api/config') {
      return request.method === 'GET' ? json(200, config) : json(405, { error: 'METHOD_NOT_ALLOWED', message: 'Use GET' });
    }
    const pay = /^\/demo-api\/pay\/([^/]+)\/([^/]+)$/.exec(path);
    if (!pay) return json(404, { error: 'NOT_FOUND', message: 'No such demo endpoint' });
    if (request.method !== 'POST') return json(405, { error: 'METHOD_NOT_ALLOWED', message: 'Use POST' });
    const provider = pay[1];
    if (provider !== 'qpay' && provider !== 'tbank') return json(404, { error: 'NOT_FOUND', message: 'Unknown provider' });
    let invoiceId: string;
    try {
      invoiceId = decodeURIComponent(pay[2]!);
    } catch {
      return json(400, { error: 'BAD_INVOICE_ID', message: 'The invoice id is malformed' });
    }
    return simulatePayment(provider, invoiceId);
  }

  return {
    config,
    routes: [qpay, tbank, Object.assign(demoRoute, { basePath: '/demo-api' })],
    paid,
    describe() {
      const lines =
        qpaySettings.mode === 'live'
          ? [`QPay: REAL API at ${qpaySettings.baseUrl} (credentials from QPAY_CLIENT_ID, QPAY_CLIENT_SECRET, QPAY_INVOICE_CODE)`]
          : ['QPay: mock (msw in the dev server); set QPAY_CLIENT_ID, QPAY_CLIENT_SECRET and QPAY_INVOICE_CODE for the real API'];
      lines.push('TBank SBP: mock (msw in the dev server)');
      lines.push(describeDemoStore(options.env.STORE_URL));
      if (qpaySettings.mode === 'live' && !publicUrl) {
        lines.push("QPay cannot reach this machine's callback URL; set DEMO_PUBLIC_URL to a public address (the widget still sees PAID by polling)");
      }
      return lines;
    },
    start() {
      if (interceptor) return;
      const slot = globalThis as InterceptorSlot;
      // A restarted dev server builds a new shop in the same process: one interceptor at a time.
      slot[MSW_SLOT]?.close();
      interceptor = setupServer(...(qpayMock?.handlers ?? []), ...tbankMock.handlers);
      interceptor.listen({ onUnhandledRequest: 'bypass' });
      slot[MSW_SLOT] = interceptor;
    },
    async close() {
      if (interceptor) {
        interceptor.close();
        const slot = globalThis as InterceptorSlot;
        if (slot[MSW_SLOT] === interceptor) delete slot[MSW_SLOT];
        interceptor = undefined;
      }
      await (await stores.catch(() => undefined))?.close();
    },
  };
}
