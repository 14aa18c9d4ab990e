// Request and response bodies read as bytes with a hard cap: the read stops as soon as the cap is
// passed (a chunked body without Content-Length included), so one request can never make the
// server hold more than the cap. A declared Content-Length over the cap is refused before reading.

/** 64 KiB: far more than any order or provider callback the kit reads. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export type BodyReadResult =
  | { kind: 'text'; text: string; bytes: number }
  | { kind: 'too-large'; limit: number; /** Bytes seen before the read stopped (or the declared length). */ seen: number }
  | { kind: 'error'; reason: 'timeout' | 'aborted' | 'bad-encoding' | 'stream-error'; message: string };

export interface BodyReadOptions {
  /** Hard cap in bytes (default 64 KiB). */
  maxBytes?: number;
  /** Give up when the whole body has not arrived within this many ms (a slow-drip client). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Reads a fetch `Request`'s body as UTF-8 text, at most `maxBytes` bytes. Never throws: a body
 * over the cap is `too-large` (answer 413), a stream failure or a slow body is `error`.
 */
export async function readBodyText(request: Request, options: BodyReadOptions = {}): Promise<BodyReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    // Do not read a byte of it; cancel so the underlying socket stream is released.
    await request.body?.cancel().catch(() => undefined);
    return { kind: 'too-large', limit: maxBytes, seen: Number(declared) };
  }
  if (request.bodyUsed) return { kind: 'error', reason: 'stream-error', message: 'The request body was already read' };
  if (!request.body) return { kind: 'text', text: '', bytes: 0 };
  return readStreamText(request.body, { ...options, maxBytes });
}

/** The same cap for any byte stream (the provider clients read their answers with it). */
export async function readStreamText(
  stream: ReadableStream<Uint8Array>,
  options: BodyReadOptions = {},
): Promise<BodyReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopReason: 'timeout' | 'aborted' | undefined;
  const stop = (reason: 'timeout' | 'aborted') => {
    stopReason ??= reason;
    reader.cancel().catch(() => undefined);
  };
  const onAbort = () => stop('aborted');
  if (options.signal?.aborted) stop('aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.timeoutMs !== undefined) timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        if (stopReason) break;
        return { kind: 'error', reason: 'stream-error', message: error instanceof Error ? error.message : String(error) };
      }
      if (stopReason) break;
      if (step.done) break;
      bytes += step.value.byteLength;
      if (bytes > maxBytes) {
        // Stop reading now: what was buffered is dropped and the rest is never pulled in.
        chunks.length = 0;
        await reader.cancel().catch(() => undefined);
        return { kind: 'too-large', limit: maxBytes, seen: bytes };
      }
      chunks.push(step.value);
    }
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  if (stopReason === 'timeout') {
    return { kind: 'error', reason: 'timeout', message: `The body did not arrive within ${options.timeoutMs} ms` };
  }
  if (stopReason === 'aborted') return { kind: 'error', reason: 'aborted', message: 'The body read was aborted' };
  const all = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(all), bytes };
  } catch {
    return { kind: 'error', reason: 'bad-encoding', message: 'The body is not valid UTF-8' };
  }
}
