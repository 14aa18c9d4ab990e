// TBank QRPAY aggregator API client: operation QRPAY (create a dynamic SBP QR, answered with
// `codeUrl`) and operation QUERY (its status). Every request is signed and every successful
// answer's signature is checked (see tbank-sign.ts, tbank-wire.ts); a bad or missing one is an error, never a
// payment. The sign key lives in a private field and never appears in errors, logs or answers.
import { formatTBankAmount, verifyTBankSignature } from './tbank-sign.js';
import { TBankError, formatTBankAmountSafe, interpretAnswer, signedBody, textOf, verifyAnswer, type TBankOperation } from './tbank-wire.js';
import { tbankCredentialsHint } from './login-hints.js';
import { DEFAULT_READ_DEADLINE_MS, DEFAULT_TIMEOUT_MS, ProviderTransport } from '../http/transport.js';
import { ProviderHttpMetrics, meterProviderOption, type MeterProviderLike } from '../metrics.js';

export const TBANK_DEFAULT_BASE_URL = 'https://qrpay-secured.tbank.ru';
const OPERATIONS_PATH = '/qrpay/external/aggregators/api/v1/operations/';

export type TBankSignType = 'HMAC_SHA256' | 'SOFTPOS_SHA256_HMAC';
export { TBankError, type TBankOperation };

export interface TBankQrPayClientOptions {
  agentId: string;
  mchId: string;
  terId: string;
  signKey: string;
  baseUrl?: string;
  signType?: TBankSignType;
  fetch?: typeof fetch;
  /** Per attempt. Default 15 s. */
  timeoutMs?: number;
  /**
   * Total time one QUERY may take, retries included. Default 8000 ms: the element gives up on a
   * status request after 10 s, so the shop answers before it does.
   */
  readDeadlineMs?: number;
  /** Waits before each retry of the read-only QUERY (network error, 429 or 5xx). Default [250, 750]. */
  retryDelaysMs?: readonly number[];
  /** Clock for `timeStart`; tests inject one. */
  now?: () => number;
  /** Where the HTTP calls' durations go (`http.client.request.duration`); default: OpenTelemetry's global meter provider. */
  meterProvider?: MeterProviderLike;
}

export interface CreateQrParams {
  /** The POS/shop's operation number: a non-negative safe integer (the document types it Number). */
  outTransactionNo: number | string;
  /** Major units, at most two decimals, e.g. 1500.5 (sent as "1500.50"). */
  totalAmount: number | string;
  /** ISO 4217 alphabetic, e.g. RUB. */
  currency: string;
  subject?: string;
  /** Where TBank POSTs the payment notification. */
  notifyUrl?: string;
  terminalOperationId?: string;
}

/** QUERY's parameters, as TBank's `query-agg` page types them (both Numbers on the wire). */
export interface TBankQueryParams {
  /** QRPAY's `outTradeNo` (digits). */
  oriTransactionNo: string | number;
  /** The `outTransactionNo` QRPAY was sent with; default: the one this client remembers from its `createQr`. */
  outTransactionNo?: number | string;
}

/** QRPAY's answer, as the document shows it (plus whatever else TBank sends). */
export interface TBankQrPayResponse {
  code: 'SUCCESS';
  /** An SBP link such as `https://qr.nspk.ru/AD10...`: what the QR encodes and what opens the bank app. */
  codeUrl: string;
  /** TBank's operation id; QUERY's `oriTransactionNo`. */
  outTradeNo: string;
  totalAmount: string;
  currency: string;
  merchantName?: string;
  merchantAddress?: string;
  tradeTime?: string;
  timeStart?: string;
  agentId?: string;
  mchId?: string;
  terId?: string;
  signType?: string;
  signature?: string;
  method?: string;
  tradeType?: string;
  version?: string;
  [field: string]: unknown;
}

/** TBank's operation statuses; anything not final is `PENDING`. */
export type TBankTradeStatus = 'PAID' | 'FAIL' | 'REFUNDED' | 'PARTIAL_REFUNDED' | 'CANCEL' | 'EXPIRED' | 'PENDING';
const FINAL_TRADE_STATUSES = new Set<string>(['PAID', 'FAIL', 'REFUNDED', 'PARTIAL_REFUNDED', 'CANCEL', 'EXPIRED']);

export interface TBankQueryResult {
  status: TBankTradeStatus;
  /** TBank's status text exactly as sent (e.g. `NOTPAY` for a pending operation). */
  tradeState: string;
  outTradeNo: string;
  /** Major units when TBank says. */
  totalAmount?: number;
  response: Record<string, unknown>;
}

const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

/**
 * `timeStart` in the document's format `YYYY-MM-DDTHH:mm:ss`, no zone. We write Moscow time
 * (UTC+3, no daylight saving since 2014): TBank is a Moscow bank and the example reads as local time.
 */
export function tbankTimeStart(epochMs: number): string {
  return new Date(epochMs + MOSCOW_OFFSET_MS).toISOString().slice(0, 19);
}

function invalid(message: string, operation: TBankOperation): TBankError {
  return new TBankError('INVALID_PARAMS', message, 0, operation);
}

function toTransactionNo(value: unknown, operation: TBankOperation = 'QRPAY'): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw invalid(`outTransactionNo must be a non-negative integer up to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(value)}`, operation);
  }
  return number;
}

function optionalText(name: string, value: unknown, operation: TBankOperation): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`, operation);
  return value;
}

export class TBankQrPayClient {
  readonly agentId: string;
  readonly mchId: string;
  readonly terId: string;
  readonly baseUrl: string;
  readonly signType: TBankSignType;
  readonly #signKey: string;
  readonly #transport: ProviderTransport;
  readonly #readDeadlineMs: number;
  readonly #now: () => number;
  /** outTradeNo → the outTransactionNo QRPAY was sent with, for QUERY (bounded, oldest forgotten first). */
  readonly #transactionNos = new Map<string, number>();
  #lastQuerySequence = 0;

  constructor(options: TBankQrPayClientOptions) {
    for (const name of ['agentId', 'mchId', 'terId', 'signKey'] as const) {
      if (typeof options?.[name] !== 'string' || options[name].trim() === '') {
        throw new TypeError(`TBankQrPayClient: ${name} is required`);
      }
    }
    const signType = options.signType ?? 'HMAC_SHA256';
    if (signType !== 'HMAC_SHA256' && signType !== 'SOFTPOS_SHA256_HMAC') {
      throw new TypeError('TBankQrPayClient: signType must be HMAC_SHA256 or SOFTPOS_SHA256_HMAC');
    }
    const baseUrl = (options.baseUrl ?? TBANK_DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new TypeError('TBankQrPayClient: baseUrl must be an http(s) URL');
    this.agentId = options.agentId;
    this.mchId = options.mchId;
    this.terId = options.terId;
    this.baseUrl = baseUrl;
    this.signType = signType;
    this.#signKey = options.signKey;
    this.#now = options.now ?? Date.now;
    this.#readDeadlineMs = options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS;
    const delays = options.retryDelaysMs ?? [250, 750];
    this.#transport = new ProviderTransport({
      provider: 'tbank',
      baseUrl: `${baseUrl}${OPERATIONS_PATH}`,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retries: delays.length,
      retryDelay: (attempt) => delays[attempt - 1] ?? delays[delays.length - 1] ?? 0,
      secrets: () => [this.#signKey],
      makeError: (init) => new TBankError(init),
      ...(options.meterProvider !== undefined ? { metrics: new ProviderHttpMetrics(meterProviderOption(options.meterProvider, 'TBankQrPayClient')) } : {}),
    });
  }

  /** Operation QRPAY: registers a payment and answers the SBP `codeUrl`. Never retried (it creates). */
  async createQr(params: CreateQrParams): Promise<TBankQrPayResponse> {
    if (!params || typeof params !== 'object') throw invalid('createQr needs {outTransactionNo, totalAmount, currency}', 'QRPAY');
    const outTransactionNo = toTransactionNo(params.outTransactionNo);
    let totalAmount: string;
    try {
      totalAmount = formatTBankAmount(params.totalAmount);
    } catch (error) {
      throw invalid((error as Error).message, 'QRPAY');
    }
    if (Number(totalAmount) <= 0) throw invalid('totalAmount must be greater than zero', 'QRPAY');
    if (typeof params.currency !== 'string' || !/^[A-Z]{3}$/.test(params.currency)) {
      throw invalid('currency must be an ISO 4217 alphabetic code such as RUB', 'QRPAY');
    }
    const subject = optionalText('subject', params.subject, 'QRPAY');
    const notifyUrl = optionalText('notifyUrl', params.notifyUrl, 'QRPAY');
    if (notifyUrl !== undefined && !/^https?:\/\/[^/\s]+\S*$/.test(notifyUrl)) throw invalid('notifyUrl must be an http(s) URL', 'QRPAY');
    const terminalOperationId = optionalText('terminalOperationId', params.terminalOperationId, 'QRPAY');
    if (terminalOperationId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(terminalOperationId)) {
      throw invalid('terminalOperationId must be a UUID', 'QRPAY');
    }

    const answer = await this.#call('QRPAY', {
      ...this.#identity(),
      currency: params.currency,
      outTransactionNo,
      totalAmount,
      tradeType: 'pay.paxpay.native',
      subject,
      notifyUrl,
      terminalOperationId,
    });

    const outTradeNo = textOf(answer.outTradeNo);
    if (typeof answer.codeUrl !== 'string' || !/^https:\/\/\S+$/.test(answer.codeUrl) || !outTradeNo) {
      throw new TBankError('BAD_RESPONSE', 'QRPAY answer lacks an https codeUrl or outTradeNo', 200, 'QRPAY');
    }
    // totalAmount is covered by the signature: a different amount means a different payment.
    if (answer.totalAmount !== undefined && formatTBankAmountSafe(answer.totalAmount) !== totalAmount) {
      throw new TBankError('BAD_RESPONSE', `QRPAY answered amount ${textOf(answer.totalAmount)}, asked ${totalAmount}`, 200, 'QRPAY');
    }
    this.#rememberTransactionNo(outTradeNo, outTransactionNo);
    return {
      ...answer,
      code: 'SUCCESS',
      codeUrl: answer.codeUrl,
      outTradeNo,
      totalAmount: totalAmount,
      currency: typeof answer.currency === 'string' && answer.currency ? answer.currency : params.currency,
    };
  }

  /**
   * Operation QUERY: the status of a QRPAY operation. As TBank's QUERY page (`query-agg`) types
   * them, both numbers are sent as JSON numbers: `oriTransactionNo` (the `outTradeNo` QRPAY
   * answered, digits only) and `outTransactionNo` (the `outTransactionNo` QRPAY was sent with:
   * pass it, or this client uses the one it remembers from its own `createQr`). Retried on network
   * errors, 429 and 5xx within `readDeadlineMs`.
   */
  async query(params: TBankQueryParams): Promise<TBankQueryResult> {
    const oriTransactionNo = textOf(params?.oriTransactionNo).trim();
    if (!oriTransactionNo) throw invalid('query needs oriTransactionNo (the outTradeNo of QRPAY)', 'QUERY');
    if (!/^\d{1,30}$/.test(oriTransactionNo)) {
      throw invalid(`oriTransactionNo must be the digits of QRPAY's outTradeNo (TBank types it Number), got ${JSON.stringify(oriTransactionNo.slice(0, 40))}`, 'QUERY');
    }
    const outTransactionNo =
      params.outTransactionNo !== undefined
        ? toTransactionNo(params.outTransactionNo, 'QUERY')
        : (this.#transactionNos.get(oriTransactionNo) ?? this.#nextQuerySequence());
    const answer = await this.#call('QUERY', { ...this.#identity(), outTransactionNo, oriTransactionNo });

    // oriTransactionNo is covered by the signature: when echoed, it binds the status to our operation.
    const echoed = textOf(answer.oriTransactionNo ?? answer.outTradeNo);
    if (echoed && echoed !== oriTransactionNo) {
      throw new TBankError('BAD_RESPONSE', `QUERY answered operation ${echoed}, asked ${oriTransactionNo}`, 200, 'QUERY');
    }
    const tradeState = textOf(answer.tradeState ?? answer.status).trim().toUpperCase();
    const status = (FINAL_TRADE_STATUSES.has(tradeState) ? tradeState : 'PENDING') as TBankTradeStatus;
    const amount = answer.totalAmount === undefined ? undefined : Number(formatTBankAmountSafe(answer.totalAmount));
    return {
      status,
      tradeState,
      outTradeNo: oriTransactionNo,
      ...(amount !== undefined && Number.isFinite(amount) ? { totalAmount: amount } : {}),
      response: answer,
    };
  }

  /**
   * Checks a notification TBank POSTed to `notifyUrl`: its signature (with the body's own
   * `method`, `notify` when it names none) and that it is about this terminal. A notification is
   * only a hint: confirm with `query` before treating anything as paid.
   */
  async verifyNotification(body: unknown): Promise<boolean> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
    const record = body as Record<string, unknown>;
    const method = typeof record.method === 'string' && record.method.trim() ? record.method : 'notify';
    if (!(await verifyTBankSignature(record, this.#signKey, method))) return false;
    return (['agentId', 'mchId', 'terId'] as const).every((name) => record[name] === undefined || textOf(record[name]) === this[name]);
  }

  #rememberTransactionNo(outTradeNo: string, outTransactionNo: number): void {
    this.#transactionNos.set(outTradeNo, outTransactionNo);
    if (this.#transactionNos.size > 10_000) this.#transactionNos.delete(this.#transactionNos.keys().next().value as string);
  }

  /**
   * ASSUMPTION (TBank's page does not say what QUERY's outTransactionNo is when the QRPAY one is
   * unknown, e.g. after a restart): a fresh POS sequence number, as every operation has one.
   */
  #nextQuerySequence(): number {
    this.#lastQuerySequence = Math.max(this.#lastQuerySequence + 1, this.#now() * 1000);
    return this.#lastQuerySequence;
  }

  #identity() {
    return {
      agentId: this.agentId,
      mchId: this.mchId,
      terId: this.terId,
      signType: this.signType,
      timeStart: tbankTimeStart(this.#now()),
      version: 'V1.0',
    };
  }

  /** `#send`, with a refused identity or signature naming the options to check (see login-hints.ts). */
  async #call(operation: TBankOperation, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return await this.#send(operation, fields);
    } catch (error) {
      if (!(error instanceof TBankError)) throw error;
      const options = { agentId: this.agentId, mchId: this.mchId, terId: this.terId, signKey: this.#signKey, baseUrl: this.baseUrl };
      const hint = tbankCredentialsHint(error.code, error.status, options);
      if (!hint) throw error;
      const safeHint = this.#transport.redact(hint);
      throw new TBankError({
        provider: 'tbank',
        operation,
        code: error.code,
        status: error.status,
        message: `${error.message}. ${safeHint}`,
        detail: `${safeHint} ${error.detail}`,
        msg: error.msg,
        retryable: false,
      });
    }
  }

  /** Signs, sends (QUERY with retries), checks `code`, signature and our identity echoed back (see tbank-wire.ts). */
  async #send(operation: TBankOperation, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = await signedBody(operation, fields, this.#signKey);

    const idempotent = operation === 'QUERY';
    const { status, json } = await this.#transport.call(
      {
        operation,
        method: 'POST',
        path: operation,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        idempotent,
        ...(idempotent ? { deadlineAt: this.#transport.clock() + this.#readDeadlineMs } : {}),
      },
      (answer) => interpretAnswer(operation, answer, this.#transport),
    );

    await verifyAnswer(operation, status, json, this.#signKey, { agentId: this.agentId, mchId: this.mchId, terId: this.terId });
    return json;
  }
}
