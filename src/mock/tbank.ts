// msw 2 handlers that behave like TBank's QRPAY aggregator host: operation QRPAY (creates a
// dynamic SBP QR and answers its `codeUrl`) and operation QUERY (its status). Every request's
// signature is checked and every success is signed, with the same pure Web Crypto signer the
// client uses, so the mock runs under `msw/node` and under msw's browser `setupWorker` alike.
// Controls let tests and the demo pay, fail, expire, cancel or refund an operation, inject
// failures, and send the signed notification TBank POSTs to `notifyUrl`.
import { http, HttpResponse, type HttpHandler } from 'msw';
import { crc16 } from '../core/emv.js';
import { formatTBankAmount, signTBank, verifyTBankSignature } from '../server/providers/tbank-sign.js';
import { deliverCallback, type MockPayOptions } from './callback.js';

const OPERATIONS_PATH = '/qrpay/external/aggregators/api/v1/operations/';
const SIGN_TYPES = new Set(['HMAC_SHA256', 'SOFTPOS_SHA256_HMAC']);
const TIME_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;
/** T-Bank's SBP member id, as it appears in `bank=` of NSPK links. */
const TBANK_SBP_MEMBER_ID = '100000000004';

export type TBankMockTradeState = 'NOTPAY' | 'PAID' | 'FAIL' | 'EXPIRED' | 'CANCEL' | 'REFUNDED' | 'PARTIAL_REFUNDED';

export interface TBankMockOptions {
  /** Default `https://qrpay-secured.tbank.ru`. */
  baseUrl?: string;
  agentId: string;
  mchId: string;
  terId: string;
  signKey: string;
  merchantName?: string;
  merchantAddress?: string;
  /** Clock for `tradeTime`; tests inject one. */
  now?: () => number;
}

export interface TBankMockOperation {
  outTradeNo: string;
  outTransactionNo: number;
  /** Two decimals, as sent. */
  totalAmount: string;
  currency: string;
  subject?: string;
  notifyUrl?: string;
  codeUrl: string;
  tradeState: TBankMockTradeState;
  timeStart: string;
  tradeTime: string;
  signType: string;
}

export interface TBankMockCall {
  operation: 'QRPAY' | 'QUERY';
  body: unknown;
  /** The mock's answer code (SUCCESS, SIGN_ERROR, ...), or NETWORK_ERROR / HTTP_<status> when a failure was injected. */
  code: string;
}

export interface TBankMockControls {
  /** Every request the handlers received, oldest first. */
  readonly calls: readonly TBankMockCall[];
  operation(outTradeNo: string): TBankMockOperation | undefined;
  operations(): TBankMockOperation[];
  /**
   * The customer paid. Then, as TBank does, the signed notification is POSTed to the operation's `notifyUrl`
   * (unless `{callback: false}`; `fetch` to deliver it another way). Answers a copy of the operation, with
   * `delivery`: that notification on its way.
   */
  pay(outTradeNo: string, options?: MockPayOptions): TBankMockOperation & { delivery?: Promise<Response> };
  /** The payment failed at the bank. */
  fail(outTradeNo: string): TBankMockOperation;
  /** The QR's lifetime ended unpaid. */
  expire(outTradeNo: string): TBankMockOperation;
  cancel(outTradeNo: string): TBankMockOperation;
  refund(outTradeNo: string, options?: { partial?: boolean }): TBankMockOperation;
  /**
   * The next `times` requests to `operation` fail: with HTTP `status` (TBank-shaped
   * `{code: 'SYSTEM_ERROR'}` body) or, with `network: true`, as a dropped connection.
   */
  failNext(operation: 'QRPAY' | 'QUERY', failure?: { status?: number; network?: boolean; times?: number }): void;
  /** The signed JSON body TBank POSTs to `notifyUrl` for this operation (method `notify`). */
  notification(outTradeNo: string): Promise<Record<string, unknown>>;
  /** POSTs `notification(outTradeNo)` to `url` (default: the operation's notifyUrl). */
  notify(outTradeNo: string, url?: string, fetchImpl?: typeof fetch): Promise<Response>;
  /** Forgets operations, calls and injected failures. */
  reset(): void;
}

export interface TBankMock {
  handlers: HttpHandler[];
  controls: TBankMockControls;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomAlphanumeric(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  let text = '';
  for (const byte of bytes) text += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return text;
}

/**
 * A realistic NSPK dynamic-QR link: a 32-character QR id (`AD` + 30 uppercase alphanumerics),
 * then type 02 (dynamic), the acquiring bank, the sum in kopecks, the currency, and 4 hex check
 * digits (CRC-16/CCITT-FALSE of what precedes them; NSPK's own check algorithm is not public).
 */
export function mockSbpCodeUrl(totalAmount: string, currency = 'RUB'): string {
  const id = `AD10${randomAlphanumeric(28)}`;
  const kopecks = totalAmount.replace('.', '').replace(/^0+(?=\d)/, '');
  const head = `https://qr.nspk.ru/${id}?type=02&bank=${TBANK_SBP_MEMBER_ID}&sum=${kopecks}&cur=${currency}`;
  return `${head}&crc=${crc16(head)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createTBankMock(options: TBankMockOptions): TBankMock {
  const baseUrl = (options.baseUrl ?? 'https://qrpay-secured.tbank.ru').replace(/\/+$/, '');
  const { agentId, mchId, terId, signKey } = options;
  const merchantName = options.merchantName ?? 'IP IVANOV I I';
  const now = options.now ?? Date.now;
  const moscowTime = () => new Date(now() + MOSCOW_OFFSET_MS).toISOString().slice(0, 19);

  const operations = new Map<string, TBankMockOperation>();
  const calls: TBankMockCall[] = [];
  const failures: Record<'QRPAY' | 'QUERY', { status: number; network: boolean }[]> = { QRPAY: [], QUERY: [] };
  // TBank's operation ids are numeric strings; start somewhere random so runs differ.
  let nextTradeNo = 500_000_000 + Math.floor(Math.random() * 400_000_000);

  const identity = { agentId, mchId, terId };

  async function signed(body: Record<string, unknown>, method: string): Promise<Record<string, unknown>> {
    return { ...body, signature: await signTBank({ ...body, method }, signKey) };
  }

  // Error answers remember their code for the call log, without re-reading their body.
  const errorCodes = new WeakMap<Response, string>();
  const codeOf = (response: Response) => errorCodes.get(response) ?? `HTTP_${response.status}`;

  function errorAnswer(code: string, msg: string, status: number, method: string): Response {
    // The document's answer envelope with a code other than SUCCESS and a readable msg.
    const response = HttpResponse.json({ ...identity, code, msg, method }, { status });
    errorCodes.set(response, code);
    return response;
  }

  /** Shared request checks: JSON object, our terminal, known sign type, valid signature. */
  async function checkRequest(
    operation: 'QRPAY' | 'QUERY',
    request: Request,
  ): Promise<{ body: Record<string, unknown> } | { error: Response; body: unknown }> {
    const method = operation.toLowerCase();
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return { error: errorAnswer('PARAM_ERROR', 'request body is not JSON', 400, method), body: undefined };
    }
    if (!isRecord(body)) return { error: errorAnswer('PARAM_ERROR', 'request body is not a JSON object', 400, method), body };
    for (const name of ['agentId', 'mchId', 'terId', 'signType', 'signature', 'timeStart', 'version']) {
      if (typeof body[name] !== 'string' || body[name] === '') {
        return { error: errorAnswer('PARAM_ERROR', `${name} is required`, 400, method), body };
      }
    }
    if (body.version !== 'V1.0') return { error: errorAnswer('PARAM_ERROR', 'version must be V1.0', 400, method), body };
    if (!SIGN_TYPES.has(body.signType as string)) {
      return { error: errorAnswer('PARAM_ERROR', 'signType must be HMAC_SHA256 or SOFTPOS_SHA256_HMAC', 400, method), body };
    }
    if (!TIME_START.test(body.timeStart as string)) {
      return { error: errorAnswer('PARAM_ERROR', 'timeStart must be YYYY-MM-DDTHH:mm:ss', 400, method), body };
    }
    if (body.agentId !== agentId || body.mchId !== mchId || body.terId !== terId) {
      return { error: errorAnswer('TERMINAL_NOT_FOUND', 'unknown agentId, mchId or terId', 400, method), body };
    }
    if (!(await verifyTBankSignature(body, signKey, method))) {
      return { error: errorAnswer('SIGN_ERROR', 'signature verification failed', 400, method), body };
    }
    return { body };
  }

  async function injectedFailure(operation: 'QRPAY' | 'QUERY', request: Request): Promise<Response | undefined> {
    const failure = failures[operation].shift();
    if (!failure) return undefined;
    const body = await request.json().catch(() => undefined);
    calls.push({ operation, body, code: failure.network ? 'NETWORK_ERROR' : `HTTP_${failure.status}` });
    if (failure.network) return HttpResponse.error();
    return HttpResponse.json({ code: 'SYSTEM_ERROR', msg: 'temporary failure, try again' }, { status: failure.status });
  }

  const qrpay = http.post(`${baseUrl}${OPERATIONS_PATH}QRPAY`, async ({ request }) => {
    const failed = await injectedFailure('QRPAY', request);
    if (failed) return failed;
    const checked = await checkRequest('QRPAY', request);
    const answer = await (async (): Promise<Response> => {
      if ('error' in checked) return checked.error;
      const body = checked.body;
      if (typeof body.outTransactionNo !== 'number' || !Number.isSafeInteger(body.outTransactionNo) || body.outTransactionNo < 0) {
        return errorAnswer('PARAM_ERROR', 'outTransactionNo must be a non-negative integer', 400, 'qrpay');
      }
      if (body.tradeType !== 'pay.paxpay.native') {
        return errorAnswer('PARAM_ERROR', 'tradeType must be pay.paxpay.native', 400, 'qrpay');
      }
      if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) {
        return errorAnswer('PARAM_ERROR', 'currency is required', 400, 'qrpay');
      }
      let totalAmount: string;
      try {
        if (typeof body.totalAmount !== 'string') throw new Error();
        totalAmount = formatTBankAmount(body.totalAmount);
        if (Number(totalAmount) <= 0) throw new Error();
      } catch {
        return errorAnswer('PARAM_ERROR', 'totalAmount must be a positive amount string', 400, 'qrpay');
      }
      for (const existing of operations.values()) {
        if (existing.outTransactionNo === body.outTransactionNo) {
          return errorAnswer('DUPLICATE_TRANSACTION', 'outTransactionNo was already used on this terminal', 200, 'qrpay');
        }
      }
      const operation: TBankMockOperation = {
        outTradeNo: String(nextTradeNo++),
        outTransactionNo: body.outTransactionNo,
        totalAmount,
        currency: body.currency,
        codeUrl: mockSbpCodeUrl(totalAmount, body.currency),
        tradeState: 'NOTPAY',
        timeStart: body.timeStart as string,
        tradeTime: moscowTime(),
        signType: body.signType as string,
        ...(typeof body.subject === 'string' && body.subject ? { subject: body.subject } : {}),
        ...(typeof body.notifyUrl === 'string' && body.notifyUrl ? { notifyUrl: body.notifyUrl } : {}),
      };
      operations.set(operation.outTradeNo, operation);
      const response = await signed(
        {
          ...identity,
          code: 'SUCCESS',
          msg: {},
          signType: operation.signType,
          method: 'qrpay',
          timeStart: operation.timeStart,
          outTradeNo: operation.outTradeNo,
          currency: operation.currency,
          totalAmount: operation.totalAmount,
          tradeTime: operation.tradeTime,
          tradeType: 'pay.paxpay.native',
          transactionNo: {},
          version: 'V1.0',
          codeUrl: operation.codeUrl,
          merchantName,
          ...(options.merchantAddress ? { merchantAddress: options.merchantAddress } : {}),
        },
        'qrpay',
      );
      return HttpResponse.json(response);
    })();
    calls.push({ operation: 'QRPAY', body: checked.body, code: errorCodes.get(answer) ?? 'SUCCESS' });
    return answer;
  });

  const query = http.post(`${baseUrl}${OPERATIONS_PATH}QUERY`, async ({ request }) => {
    const failed = await injectedFailure('QUERY', request);
    if (failed) return failed;
    const checked = await checkRequest('QUERY', request);
    if ('error' in checked) {
      calls.push({ operation: 'QUERY', body: checked.body, code: codeOf(checked.error) });
      return checked.error;
    }
    // As TBank's QUERY page (query-agg) publishes it: outTransactionNo and oriTransactionNo are
    // required Numbers; a string is refused like a strict TBank would.
    for (const name of ['outTransactionNo', 'oriTransactionNo']) {
      const value = checked.body[name];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        calls.push({ operation: 'QUERY', body: checked.body, code: 'PARAM_ERROR' });
        return errorAnswer('PARAM_ERROR', `${name} is required and must be a Number`, 400, 'query');
      }
    }
    const ori = checked.body.oriTransactionNo;
    const operation = operations.get(String(ori));
    if (!operation) {
      calls.push({ operation: 'QUERY', body: checked.body, code: 'ORDER_NOT_EXIST' });
      return errorAnswer('ORDER_NOT_EXIST', 'no operation with this oriTransactionNo', 200, 'query');
    }
    calls.push({ operation: 'QUERY', body: checked.body, code: 'SUCCESS' });
    return HttpResponse.json(
      await signed(
        {
          ...identity,
          code: 'SUCCESS',
          msg: {},
          signType: checked.body.signType,
          method: 'query',
          timeStart: checked.body.timeStart,
          oriTransactionNo: operation.outTradeNo,
          outTradeNo: operation.outTradeNo,
          outTransactionNo: operation.outTransactionNo,
          currency: operation.currency,
          totalAmount: operation.totalAmount,
          tradeState: operation.tradeState,
          tradeTime: operation.tradeTime,
          tradeType: 'pay.paxpay.native',
          version: 'V1.0',
        },
        'query',
      ),
    );
  });

  function mustGet(outTradeNo: string): TBankMockOperation {
    const operation = operations.get(String(outTradeNo));
    if (!operation) throw new Error(`TBank mock: no operation ${outTradeNo}`);
    return operation;
  }

  function settle(outTradeNo: string, tradeState: TBankMockTradeState, allowedFrom: TBankMockTradeState[]): TBankMockOperation {
    const operation = mustGet(outTradeNo);
    if (!allowedFrom.includes(operation.tradeState)) {
      throw new Error(`TBank mock: operation ${outTradeNo} is ${operation.tradeState}, cannot become ${tradeState}`);
    }
    operation.tradeState = tradeState;
    operation.tradeTime = moscowTime();
    return operation;
  }

  /** TBank's notification request for an operation: its signed body, POSTed as JSON. */
  async function notifyRequest(outTradeNo: string): Promise<RequestInit> {
    const body = JSON.stringify(await controls.notification(outTradeNo));
    return { method: 'POST', headers: { 'content-type': 'application/json' }, body };
  }

  const controls: TBankMockControls = {
    get calls() {
      return calls;
    },
    operation: (outTradeNo) => operations.get(String(outTradeNo)),
    operations: () => [...operations.values()],
    pay(outTradeNo, payOptions = {}) {
      const operation = settle(outTradeNo, 'PAID', ['NOTPAY']);
      if (!operation.notifyUrl || payOptions.callback === false) return { ...operation };
      const delivery = notifyRequest(outTradeNo).then((init) => deliverCallback('TBank', operation.notifyUrl!, init, payOptions.fetch));
      return { ...operation, delivery };
    },
    fail: (outTradeNo) => settle(outTradeNo, 'FAIL', ['NOTPAY']),
    expire: (outTradeNo) => settle(outTradeNo, 'EXPIRED', ['NOTPAY']),
    cancel: (outTradeNo) => settle(outTradeNo, 'CANCEL', ['NOTPAY']),
    refund: (outTradeNo, refundOptions) =>
      settle(outTradeNo, refundOptions?.partial ? 'PARTIAL_REFUNDED' : 'REFUNDED', ['PAID', 'PARTIAL_REFUNDED']),
    failNext(operation, failure = {}) {
      const times = failure.times ?? 1;
      for (let i = 0; i < times; i++) failures[operation].push({ status: failure.status ?? 503, network: failure.network === true });
    },
    async notification(outTradeNo) {
      const operation = mustGet(outTradeNo);
      return signed(
        {
          ...identity,
          method: 'notify',
          signType: operation.signType,
          timeStart: operation.timeStart,
          outTradeNo: operation.outTradeNo,
          outTransactionNo: operation.outTransactionNo,
          currency: operation.currency,
          totalAmount: operation.totalAmount,
          tradeState: operation.tradeState,
          tradeTime: operation.tradeTime,
          version: 'V1.0',
        },
        'notify',
      );
    },
    async notify(outTradeNo, url, fetchImpl = globalThis.fetch) {
      const target = url ?? mustGet(outTradeNo).notifyUrl;
      if (!target) throw new Error(`TBank mock: operation ${outTradeNo} has no notifyUrl; pass a url`);
      return fetchImpl(target, await notifyRequest(outTradeNo));
    },
    reset() {
      operations.clear();
      calls.length = 0;
      failures.QRPAY.length = 0;
      failures.QUERY.length = 0;
    },
  };

  return { handlers: [qrpay, query], controls };
}
