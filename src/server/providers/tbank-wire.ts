// TBank's wire format, apart from the client's calls: TBankError, the signed request body (numbers
// TBank types Number written from their digits), one HTTP answer's reading, and the check of an
// answer's signature and echoed identity (a bad or missing one is an error, never a payment).
import { signTBank, verifyTBankSignature, formatTBankAmount } from './tbank-sign.js';
import { ProviderApiError, type ProviderApiErrorInit, type ProviderTransport, type TransportAnswer } from '../http/transport.js';

export type TBankOperation = 'QRPAY' | 'QUERY';

/**
 * A failed TBank call: TBank's own `code` when it answered, or our code for transport and
 * integrity failures. A `ProviderApiError` (so the checkout handler answers 502 with the code),
 * with the same fields as `QPayError`: `provider`, `operation`, `code`, `status`, `detail`,
 * `publicMessage`. TBank's `msg` is kept (redacted) in `msg` and `detail`, never in `message`.
 */
export class TBankError extends ProviderApiError {
  override name = 'TBankError';
  /** TBank's `msg` (redacted), or our explanation. */
  readonly msg: string;
  /** HTTP status, 0 when there was no HTTP answer (network, timeout, local validation). Same as `status`. */
  readonly httpStatus: number;
  declare readonly operation: TBankOperation | string;

  /** `code`: TBank's, or one of NETWORK_ERROR, TIMEOUT, HTTP_<status>, BAD_RESPONSE, BAD_SIGNATURE, INVALID_PARAMS. */
  constructor(code: string, msg: string, httpStatus: number, operation?: TBankOperation);
  /** `msg` when it differs from `detail` (a detail that adds a hint for the developer to TBank's words). */
  constructor(init: ProviderApiErrorInit & { msg?: string });
  constructor(codeOrInit: string | (ProviderApiErrorInit & { msg?: string }), msg = '', httpStatus = 0, operation?: TBankOperation) {
    const init: ProviderApiErrorInit & { msg?: string } =
      typeof codeOrInit === 'string'
        ? {
            provider: 'tbank',
            operation: operation ?? 'request',
            code: codeOrInit,
            status: httpStatus,
            detail: msg,
            ...(codeOrInit === 'INVALID_PARAMS'
              ? // Our own validation text: safe, and what the shop's developer needs to see.
                { kind: 'invalid-request' as const, message: `TBank${operation ? ` ${operation}` : ''}: INVALID_PARAMS - ${msg}` }
              : {}),
          }
        : { ...codeOrInit, provider: 'tbank' };
    super(init);
    this.msg = init.msg ?? init.detail ?? '';
    this.httpStatus = init.status;
  }
}

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && Object.keys(value).length > 0) return JSON.stringify(value);
  return '';
}

/** The JSON body to send: `fields` without the undefined ones, signed. */
export async function signedBody(operation: TBankOperation, fields: Record<string, unknown>, signKey: string): Promise<string> {
  const method = operation.toLowerCase();
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) body[name] = value;
  // `method` is part of what is signed but, as in the document's request example, not sent.
  body.signature = await signTBank({ ...body, method }, signKey);
  return tbankJson(body);
}

/** A SUCCESS answer's signature, and our identity where the answer echoes it. */
export async function verifyAnswer(
  operation: TBankOperation,
  status: number,
  json: Record<string, unknown>,
  signKey: string,
  identity: { agentId: string; mchId: string; terId: string },
): Promise<void> {
  if (!(await verifyTBankSignature(json, signKey, operation.toLowerCase()))) {
    throw new TBankError('BAD_SIGNATURE', `${operation} answer has a missing or invalid signature`, status, operation);
  }
  for (const name of ['agentId', 'mchId', 'terId'] as const) {
    if (json[name] !== undefined && textOf(json[name]) !== identity[name]) {
      throw new TBankError('BAD_RESPONSE', `${operation} answer is for another ${name}`, status, operation);
    }
  }
}

/** One HTTP answer: a SUCCESS body, or a TBankError (retryable on 429 and 5xx). */
export function interpretAnswer(
  operation: TBankOperation,
  answer: TransportAnswer,
  transport: Pick<ProviderTransport, 'redact' | 'detail'>,
): { status: number; json: Record<string, unknown> } {
  let json: unknown;
  try {
    json = answer.text ? JSON.parse(answer.text) : undefined;
  } catch {
    json = undefined;
  }
  const record = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const code = record ? textOf(record.code).trim() : '';
  if (code && code !== 'SUCCESS') {
    throw new TBankError({
      provider: 'tbank',
      operation,
      code: transport.redact(code),
      status: answer.status,
      detail: transport.detail(textOf(record!.msg)),
    });
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new TBankError({
      provider: 'tbank',
      operation,
      code: `HTTP_${answer.status}`,
      status: answer.status,
      detail: transport.detail(`${answer.statusText} ${answer.text}`.trim()),
    });
  }
  if (!record || code !== 'SUCCESS') {
    throw new TBankError({
      provider: 'tbank',
      operation,
      code: 'BAD_RESPONSE',
      status: answer.status,
      retryable: false,
      detail: transport.detail(`${operation} answered no JSON object with code SUCCESS: ${answer.text}`),
    });
  }
  return { status: answer.status, json: record };
}

/**
 * JSON for TBank: the operation numbers TBank types Number go out as JSON numbers, written from
 * their digits (an `outTradeNo` may exceed 2^53, which a JS number would round).
 */
function tbankJson(body: Record<string, unknown>): string {
  let text = JSON.stringify(body);
  for (const name of ['oriTransactionNo', 'outTransactionNo']) {
    const value = body[name];
    if (typeof value === 'string' && /^\d+$/.test(value)) text = text.replace(`"${name}":"${value}"`, `"${name}":${value}`);
  }
  return text;
}

export function formatTBankAmountSafe(value: unknown): string | undefined {
  try {
    return formatTBankAmount(value);
  } catch {
    return undefined;
  }
}
