// The QPay v2 and TBank QRPAY sandboxes served over HTTP from one process, for `npx qpay-checkout mock`: the same
// msw handlers as the in-process mocks (answered with msw's `getResponse`, no interception), so every shop process
// configured against it sees the same invoices. Node only (node:http); not part of the browser-built `./mock` entry.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse } from 'msw';
import { createQPayMock, type QPayMock } from './qpay.js';
import { createTBankMock, type TBankMock } from './tbank.js';

/** The path prefixes the two sandboxes answer under: a shop's `baseUrl` is the mock's address plus one of these. */
export const QPAY_MOCK_PATH = '/qpay';
export const TBANK_MOCK_PATH = '/tbank';
/** The mock's own routes (pay, list, reset). */
export const CONTROL_PATH = '/_mock';
/** Largest request body the mock reads; the providers' requests are a few KB. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The origin the msw handlers are registered under. Requests are re-addressed to it, so a shop may reach the mock as
 * localhost, 127.0.0.1, a container name or through a proxy: only the path decides.
 */
const HANDLER_ORIGIN = 'http://qpay-checkout-mock.internal';

export interface MockServerOptions {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (this machine only); 0.0.0.0 to reach it from containers or other machines. */
  host?: string;
  qpay?: { clientId?: string; clientSecret?: string; invoiceCode?: string };
  tbank?: { agentId?: string; mchId?: string; terId?: string; signKey?: string };
  /** One line per request and per payment (default: nothing). */
  log?: (line: string) => void;
}

/** What a shop configures: public mock credentials, printed and answered at `GET /`. */
export interface MockServerSettings {
  url: string;
  qpay: { baseUrl: string; clientId: string; clientSecret: string; invoiceCode: string | null };
  tbank: { baseUrl: string; agentId: string; mchId: string; terId: string; signKey: string };
  routes: string[];
}

export interface RunningMockServer {
  readonly settings: MockServerSettings;
  readonly qpay: QPayMock;
  readonly tbank: TBankMock;
  close(): Promise<void>;
}

export const MOCK_DEFAULTS = {
  port: 4010,
  host: '127.0.0.1',
  qpay: { clientId: 'TEST_MERCHANT', clientSecret: '123456' },
  tbank: { agentId: 'MOCK_AGENT', mchId: 'MOCK_MCH', terId: 'MOCK_TER', signKey: 'mock-sign-key' },
} as const;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });

/** The node request as a fetch Request addressed to HANDLER_ORIGIN; undefined when the body is over the cap. */
async function toRequest(req: IncomingMessage): Promise<Request | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && size > 0;
  return new Request(new URL(req.url ?? '/', HANDLER_ORIGIN), {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  // msw's HttpResponse.error() (a failNext 'network' failure): drop the connection, as a network error would.
  if (response.type === 'error') {
    res.destroy();
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Starts the mock; resolves once it listens. */
export async function startMockServer(options: MockServerOptions = {}): Promise<RunningMockServer> {
  const qpayOptions = { ...MOCK_DEFAULTS.qpay, ...definedOnly(options.qpay ?? {}) };
  const tbankOptions = { ...MOCK_DEFAULTS.tbank, ...definedOnly(options.tbank ?? {}) };
  const qpay = createQPayMock({ ...qpayOptions, baseUrl: `${HANDLER_ORIGIN}${QPAY_MOCK_PATH}`, merchantName: 'MOCK SHOP' });
  const tbank = createTBankMock({ ...tbankOptions, baseUrl: `${HANDLER_ORIGIN}${TBANK_MOCK_PATH}`, merchantName: 'MOCK SHOP' });
  const log = options.log ?? (() => {});
  let settings: MockServerSettings | undefined;
  const controls = new MockControlRoutes(qpay, tbank, log, () => settings!);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const request = await toRequest(req);
      const response = !request
        ? json(413, { error: 'BODY_TOO_LARGE', message: `The mock reads bodies up to ${MAX_BODY_BYTES} bytes` })
        : ((await controls.answer(request)) ?? (await getResponse([...qpay.handlers, ...tbank.handlers], request)) ?? notFound(request));
      log(`${req.method} ${req.url} ${response.type === 'error' ? 'connection dropped' : response.status}`);
      await writeResponse(res, response);
    })().catch((error: unknown) => {
      log(`${req.method} ${req.url} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('mock error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? MOCK_DEFAULTS.port, options.host ?? MOCK_DEFAULTS.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? MOCK_DEFAULTS.host;
  // A wildcard address is not one a shop can call; this machine can reach it as 127.0.0.1.
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  settings = {
    url,
    qpay: { baseUrl: `${url}${QPAY_MOCK_PATH}`, ...qpayOptions, invoiceCode: options.qpay?.invoiceCode ?? null },
    tbank: { baseUrl: `${url}${TBANK_MOCK_PATH}`, ...tbankOptions },
    routes: MockControlRoutes.ROUTES,
  };
  return {
    settings,
    qpay,
    tbank,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function notFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  return json(404, {
    error: 'NOT_FOUND',
    message: `The mock serves no ${request.method} ${pathname}: QPay v2 lives under ${QPAY_MOCK_PATH}/v2/..., TBank QRPAY under ${TBANK_MOCK_PATH}/qrpay/..., the mock's own routes under ${CONTROL_PATH}/ (GET / lists them)`,
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `GET /` (the settings), `POST /_mock/pay/:id`, `GET /_mock/invoices`, `POST /_mock/reset`. */
class MockControlRoutes {
  static readonly ROUTES = [
    'GET / (these settings)',
    `POST ${CONTROL_PATH}/pay/:invoiceId[?amount=N] (pay a QPay invoice or TBank operation and send its callback)`,
    `GET ${CONTROL_PATH}/invoices (every QPay invoice and TBank operation)`,
    `POST ${CONTROL_PATH}/reset (forget everything)`,
  ];

  constructor(
    private readonly qpay: QPayMock,
    private readonly tbank: TBankMock,
    private readonly log: (line: string) => void,
    private readonly settings: () => MockServerSettings,
  ) {}

  /** The answer of a control route, or undefined when the request is for a sandbox. */
  async answer(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/') return request.method === 'GET' ? json(200, this.settings()) : methodNotAllowed('GET');
    if (path !== CONTROL_PATH && !path.startsWith(`${CONTROL_PATH}/`)) return undefined;
    if (path === `${CONTROL_PATH}/invoices`) {
      if (request.method !== 'GET') return methodNotAllowed('GET');
      return json(200, { qpay: this.qpay.controls.invoices(), tbank: this.tbank.controls.operations() });
    }
    if (path === `${CONTROL_PATH}/reset`) {
      if (request.method !== 'POST') return methodNotAllowed('POST');
      this.qpay.controls.reset();
      this.tbank.controls.reset();
      this.log('reset: every invoice and operation forgotten');
      return json(200, { reset: true });
    }
    const pay = /^\/_mock\/pay\/([^/]+)$/.exec(path);
    if (!pay) return json(404, { error: 'NOT_FOUND', message: `No mock route ${path}; the routes: ${MockControlRoutes.ROUTES.join('; ')}` });
    if (request.method !== 'POST') return methodNotAllowed('POST');
    let invoiceId: string;
    try {
      invoiceId = decodeURIComponent(pay[1]!);
    } catch {
      return json(400, { error: 'BAD_INVOICE_ID', message: 'The invoice id is malformed' });
    }
    return this.pay(invoiceId, url.searchParams.get('amount'));
  }

  /** Pays in whichever mock made the invoice, then delivers its callback over HTTP and reports the shop's answer. */
  private async pay(invoiceId: string, amountText: string | null): Promise<Response> {
    const amount = amountText === null ? undefined : Number(amountText);
    if (amount !== undefined && !(Number.isFinite(amount) && amount > 0)) {
      return json(400, { error: 'BAD_AMOUNT', message: `amount must be a positive number, got ${JSON.stringify(amountText)}` });
    }
    const isQPay = this.qpay.controls.invoice(invoiceId) !== undefined;
    const isTBank = !isQPay && this.tbank.controls.operation(invoiceId) !== undefined;
    if (!isQPay && !isTBank) return json(404, { error: 'INVOICE_NOT_FOUND', message: `The mock has no QPay invoice or TBank operation ${invoiceId}` });
    if (isTBank && amount !== undefined) return json(400, { error: 'BAD_AMOUNT', message: 'A TBank operation is paid in full; leave amount out' });
    let paid: { delivery?: Promise<Response>; callbackUrl?: string };
    try {
      paid = isQPay
        ? this.qpay.controls.pay(invoiceId, amount)
        : { ...this.tbank.controls.pay(invoiceId), callbackUrl: this.tbank.controls.operation(invoiceId)?.notifyUrl };
    } catch (error) {
      return json(409, { error: 'CANNOT_PAY', message: error instanceof Error ? error.message : String(error) });
    }
    const provider = isQPay ? 'qpay' : 'tbank';
    const answer = { paid: true, provider, invoice_id: invoiceId, callback_url: paid.callbackUrl ?? null };
    if (!paid.delivery) {
      this.log(`paid ${provider} ${invoiceId}; it has no callback URL, so no callback was sent`);
      return json(200, { ...answer, callback_status: null });
    }
    try {
      const response = await paid.delivery;
      this.log(`paid ${provider} ${invoiceId}; callback ${paid.callbackUrl} answered ${response.status}`);
      return json(200, { ...answer, callback_status: response.status });
    } catch (error) {
      // The payment stands (a shop still learns of it by asking the provider); say why the callback did not arrive.
      const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
      return json(200, { ...answer, callback_status: null, callback_error: reason });
    }
  }
}

function methodNotAllowed(allowed: string): Response {
  return json(405, { error: 'METHOD_NOT_ALLOWED', message: `Use ${allowed}` });
}
