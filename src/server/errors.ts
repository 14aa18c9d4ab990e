// QPay's error answers, turned into one typed error. QPay documents `{"error":"CODE","message":"..."}`,
// but validation failures put `{field: {type, message}}` objects in both fields, some deployments
// answer `error_code`, and the sandbox spells NO_CREDENDIALS where production says NO_CREDENTIALS.
import { ProviderError } from './provider.js';

/** Per-field validation detail as QPay nests it: `{invoice_code: {type: 'INVALID', message: 'Invalid!'}}`. */
export type QPayFieldErrors = Record<string, { type?: string; message?: string }>;

export interface QPayErrorInit {
  /** HTTP status of QPay's answer; 0 when no answer came (network error, timeout, local validation). */
  status: number;
  code: string;
  message: string;
  /** The first field QPay (or our own validation) complained about. */
  field?: string;
  fields?: QPayFieldErrors;
  kind?: 'upstream' | 'invalid-request';
  cause?: unknown;
}

/** Any failure of a QPay call. Never carries credentials, tokens or request headers. */
export class QPayError extends ProviderError {
  override name = 'QPayError';
  readonly status: number;
  readonly field?: string;
  readonly fields?: QPayFieldErrors;

  constructor(init: QPayErrorInit) {
    super(init.message, init.code, init.kind ?? 'upstream');
    this.status = init.status;
    if (init.field !== undefined) this.field = init.field;
    if (init.fields !== undefined) this.fields = init.fields;
    if (init.cause !== undefined) this.cause = init.cause;
  }

  /** What the checkout handler may show a browser: code and message, nothing else. */
  toJSON(): { error: string; message: string; status: number; field?: string } {
    return { error: this.code, message: this.message, status: this.status, ...(this.field ? { field: this.field } : {}) };
  }
}

/** A request our client refused to send because a field breaks the v2 document's rules. */
export class QPayValidationError extends QPayError {
  override name = 'QPayValidationError';
  constructor(field: string, problem: string) {
    super({ status: 0, code: 'INVALID_FIELD', message: `${field} ${problem}`, field, kind: 'invalid-request' });
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

const MAX_TEXT = 300;

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_TEXT ? `${oneLine.slice(0, MAX_TEXT)}…` : oneLine;
}

/**
 * Builds a QPayError from an HTTP answer. `bodyText` may be JSON in any of QPay's shapes, other
 * text, or empty. `redact` removes secrets that a misbehaving server might echo back.
 */
export function qpayErrorFromResponse(
  status: number,
  bodyText: string,
  context: string,
  redact: (text: string) => string = (t) => t,
): QPayError {
  let body: unknown;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    body = undefined;
  }
  if (isRecord(body)) {
    const raw = body.error ?? body.error_code ?? body.message;
    if (typeof raw === 'string' && raw.trim()) {
      const code = normalizeQPayCode(raw);
      const text = typeof body.message === 'string' && body.message.trim() ? body.message : code;
      return new QPayError({ status, code, message: redact(`QPay ${context} failed (${status} ${code}): ${shorten(text)}`) });
    }
    const fields = asFieldErrors(body.error) ?? asFieldErrors(body.error_code) ?? asFieldErrors(body.message);
    if (fields) {
      const [field, detail] = Object.entries(fields)[0]!;
      const code = normalizeQPayCode(detail.type ?? 'VALIDATION_ERROR');
      const described = Object.entries(fields)
        .map(([name, d]) => `${name}: ${d.message ?? d.type ?? 'invalid'}`)
        .join('; ');
      return new QPayError({
        status,
        code,
        field,
        fields,
        message: redact(`QPay ${context} rejected ${shorten(described)} (${status} ${code})`),
      });
    }
  }
  const text = bodyText.trim() ? `: ${shorten(bodyText)}` : '';
  return new QPayError({ status, code: `HTTP_${status}`, message: redact(`QPay ${context} failed with HTTP ${status}${text}`) });
}
