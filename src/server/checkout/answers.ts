// The handler's JSON answers, and how a failure while talking to the provider or the store becomes one.
import { ProviderError, type CheckoutProvider } from '../providers/provider.js';
import type { CheckoutLogger } from './options.js';
import { describe } from './shared.js';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

export function fail(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return json(status, { error, message, ...extra }, headers);
}

export function methodNotAllowed(allow: string): Response {
  return json(405, { error: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` }, { Allow: allow });
}

/** The error for "another request holds this; try again": `failure` answers it 503 STATUS_BUSY. */
export function busy(message: string): Error {
  return Object.assign(new Error(message), { name: 'StatusBusyError' });
}

function isStoreError(error: unknown): boolean {
  return error instanceof Error && error.name === 'StoreError';
}

/** A provider error's words for a browser: our own generic sentence, never the provider's text (that is logged). */
export function publicMessage(error: ProviderError): string {
  const safe = (error as ProviderError & { publicMessage?: unknown }).publicMessage;
  return typeof safe === 'string' && safe ? safe : error.message;
}

/** Maps a failure while talking to the provider or the store to an answer; the browser learns nothing internal. */
export function failure(context: { logger: CheckoutLogger; provider: CheckoutProvider }, error: unknown): Response {
  const { logger, provider } = context;
  if (error instanceof ProviderError) {
    const detail = (error as ProviderError & { detail?: unknown }).detail;
    if (detail) logger.error(`provider ${provider.name} ${error.code}: ${String(detail).slice(0, 500)}`);
    if (error.kind === 'invalid-request') return fail(500, 'INVALID_ORDER', error.message, { code: error.code });
    if (error.kind === 'not-found') return fail(404, 'INVOICE_NOT_FOUND', publicMessage(error), { code: error.code });
    const retryAfterMs = (error as ProviderError & { retryAfterMs?: unknown }).retryAfterMs;
    const headers: Record<string, string> = typeof retryAfterMs === 'number' && retryAfterMs > 0 ? { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } : {};
    return fail(502, 'PROVIDER_ERROR', publicMessage(error), { code: error.code, provider: provider.name }, headers);
  }
  if (isStoreError(error)) {
    logger.error(`store failed: ${describe(error)}`);
    return fail(503, 'STORE_UNAVAILABLE', 'The payment records cannot be reached right now; try again', {}, { 'Retry-After': '2' });
  }
  if (error instanceof Error && error.name === 'StatusBusyError') {
    return fail(503, 'STATUS_BUSY', error.message, {}, { 'Retry-After': '1' });
  }
  logger.error(`checkout handler error: ${describe(error)}`);
  return fail(500, 'INTERNAL_ERROR', 'Unexpected server error');
}
