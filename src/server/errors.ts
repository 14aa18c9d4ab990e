// QPay's error answers, turned into one typed error. QPay documents `{"error":"CODE","message":"..."}`,
// but validation failures put `{field: {type, message}}` objects in both fields, some deployments
// answer `error_code`, and the sandbox spells NO_CREDENDIALS where production says NO_CREDENTIALS.
import { ProviderApiError, safeCode, shortenDetail } from './http/transport.js';

/** Per-field validation detail as QPay nests it: `{invoice_code: {type: 'INVALID', message: 'Invalid!'}}`. */
export type QPayFieldErrors = Record<string, { type?: string; message?: string }>;

export interface QPayErrorInit {
  /** HTTP status of QPay's answer; 0 when no answer came (network error, timeout, local validation). */
  status: number;
  code: string;
  /** Our own safe sentence (never QPay's text); a default is built from operation, code and status. */
  message?: string;
  /** What QPay or the network said, redacted then shortened: for the shop's logger. */
  detail?: string;
  /** Default `request`. */
  operation?: string;
  /** The first field QPay (or our own validation) complained about. */
  field?: string;
  fields?: QPayFieldErrors;
  kind?: 'upstream' | 'invalid-request';
  retryable?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Any failure of a QPay call: a `ProviderApiError` with `provider: 'qpay'`, `operation`, `code`,
 * `status`, a safe `message`/`publicMessage` and the redacted `detail`. Never carries credentials,
 * tokens or request headers.
 */
export class QPayError extends ProviderApiError {
  override name = 'QPayError';
  readonly field?: string;
  readonly fields?: QPayFieldErrors;

  constructor(init: QPayErrorInit) {
    super({
      provider: 'qpay',
      operation: init.operation ?? 'request',
      code: init.code,
      status: init.status,
      ...(init.message !== undefined ? { message: init.message } : {}),
      ...(init.detail !== undefined ? { detail: init.detail } : {}),
      ...(init.kind !== undefined ? { kind: init.kind } : {}),
      ...(init.retryable !== undefined ? { retryable: init.retryable } : {}),
      ...(init.retryAfterMs !== undefined ? { retryAfterMs: init.retryAfterMs } : {}),
    });
    if (init.field !== undefined) this.field = init.field;
    if (init.fields !== undefined) this.fields = init.fields;
    if (init.cause !== undefined) this.cause = init.cause;
  }

  /** What the checkout handler may show a browser: code and our own message, nothing of QPay's text. */
  override toJSON(): { error: string; message: string; status: number; field?: string } {
    return { ...super.toJSON(), ...(this.field ? { field: this.field } : {}) };
  }
}

/** A request our client refused to send because a field breaks the v2 document's rules. */
export class QPayValidationError extends QPayError {
  override name = 'QPayValidationError';
  constructor(field: string, problem: string) {
    super({ status: 0, code: 'INVALID_FIELD', message: `${field} ${problem}`, field, kind: 'invalid-request', operation: 'request check' });
  }
}

const CODE_ALIASES: Record<string, string> = { NO_CREDENDIALS: 'NO_CREDENTIALS' };

/** Maps the sandbox's misspellings onto the production codes. */
export function normalizeQPayCode(code: string): string {
  const trimmed = code.trim();
  return CODE_ALIASES[trimmed] ?? trimmed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{field: {type, message}}` → typed map, or undefined when the value is not that shape. */
function asFieldErrors(value: unknown): QPayFieldErrors | undefined {
  if (!isRecord(value)) return undefined;
  const out: QPayFieldErrors = {};
  for (const [field, detail] of Object.entries(value)) {
    if (isRecord(detail)) {
      out[field] = {
        ...(typeof detail.type === 'string' ? { type: detail.type } : {}),
        ...(typeof detail.message === 'string' ? { message: detail.message } : {}),
      };
    } else if (typeof detail === 'string') {
      out[field] = { message: detail };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A field name from QPay's answer, kept only when it is a plain identifier. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;

/**
 * Builds a QPayError from an HTTP answer. `bodyText` may be JSON in any of QPay's shapes, other
 * text (a Java stack trace, an nginx page), or empty. The message holds only our words, the code
 * and the status; QPay's text goes to `detail`, redacted with `redact` before it is shortened.
 */
export function qpayErrorFromResponse(
  status: number,
  bodyText: string,
  context: string,
  redact: (text: string) => string = (t) => t,
): QPayError {
  const detailOf = (text: string) => shortenDetail(redact(text));
  let body: unknown;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    body = undefined;
  }
  if (isRecord(body)) {
    const raw = body.error ?? body.error_code ?? body.message;
    if (typeof raw === 'string' && raw.trim()) {
      const code = safeCode(normalizeQPayCode(redact(raw)), status);
      const text = typeof body.message === 'string' && body.message.trim() ? body.message : raw;
      return new QPayError({ status, code, operation: context, detail: detailOf(`QPay ${context} answered HTTP ${status}: ${text}`) });
    }
    const found = asFieldErrors(body.error) ?? asFieldErrors(body.error_code) ?? asFieldErrors(body.message);
    if (found) {
      // Kept on the error for the shop's code, so redacted like everything else QPay says.
      const fields: QPayFieldErrors = {};
      for (const [name, d] of Object.entries(found)) {
        fields[redact(name)] = {
          ...(d.type !== undefined ? { type: shortenDetail(redact(d.type), 100) } : {}),
          ...(d.message !== undefined ? { message: shortenDetail(redact(d.message), 200) } : {}),
        };
      }
      const [firstName, detail] = Object.entries(fields)[0]!;
      const code = safeCode(normalizeQPayCode(redact(detail.type ?? 'VALIDATION_ERROR')), status);
      const field = FIELD_NAME.test(firstName) ? firstName : undefined;
      const described = Object.entries(fields)
        .map(([name, d]) => `${name}: ${d.message ?? d.type ?? 'invalid'}`)
        .join('; ');
      return new QPayError({
        status,
        code,
        operation: context,
        ...(field ? { field, message: `QPay ${context} rejected field ${field}: ${code} (HTTP ${status})` } : {}),
        fields,
        detail: detailOf(`QPay ${context} rejected ${described}`),
      });
    }
  }
  return new QPayError({
    status,
    code: `HTTP_${status}`,
    operation: context,
    detail: bodyText.trim() ? detailOf(`QPay ${context} answered HTTP ${status}: ${bodyText}`) : `QPay ${context} answered HTTP ${status} with no body`,
  });
}
