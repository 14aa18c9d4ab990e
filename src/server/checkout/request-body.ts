// Reading a request's body within the cap, and handing the shop's code a request it can still read.
import { DEFAULT_MAX_BODY_BYTES, readBodyText } from '../http/body.js';
import { fail } from './answers.js';

/** The request's body as text, read as bytes with a hard cap (the read stops at the cap, chunked bodies too). */
export async function readCappedText(request: Request): Promise<{ text: string } | Response> {
  const read = await readBodyText(request, { maxBytes: DEFAULT_MAX_BODY_BYTES, timeoutMs: 10_000, signal: request.signal });
  if (read.kind === 'too-large') return fail(413, 'BODY_TOO_LARGE', `Request body is larger than ${DEFAULT_MAX_BODY_BYTES} bytes`);
  if (read.kind === 'error') return fail(read.reason === 'timeout' ? 408 : 400, 'BAD_BODY', `The request body could not be read: ${read.message}`);
  return { text: read.text };
}

/** The same request with `text` as its body, for code that reads the body itself after the handler read it. */
export const withBody = (request: Request, text: string) =>
  new Request(request.url, { method: request.method, headers: request.headers, ...(text ? { body: text } : {}) });

export async function readJsonBody(request: Request): Promise<{ body: unknown; text: string } | Response> {
  const read = await readCappedText(request);
  if (read instanceof Response) return read;
  const text = read.text;
  if (!text.trim()) return { body: undefined, text };
  const type = request.headers.get('content-type') ?? '';
  if (!type.includes('json')) return { body: text, text };
  try {
    return { body: JSON.parse(text) as unknown, text };
  } catch {
    return fail(400, 'BAD_JSON', 'Request body is not valid JSON');
  }
}
