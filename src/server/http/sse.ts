// Server-sent events written so that no data can start a new field or event: the text/event-stream format splits
// on CR, LF and CRLF, so a value that carries one of them could forge an extra `data:` line or a whole event. Field
// values that must be one line (event, id) are refused if they hold a line break or NUL; data is written as one
// `data:` line per line of its text (how the format carries multi-line data), so a payload can never escape it.

const LINE_BREAK = /\r\n|\r|\n/;
// eslint-disable-next-line no-control-regex
const NOT_ONE_LINE = /[\r\n\u0000]/;

export interface ServerSentEvent {
  /** The event type (`event:`); one line. */
  event?: string;
  /** The event id (`id:`); one line. */
  id?: string;
  /** The payload; line breaks become separate `data:` lines, which the browser joins back with `\n`. */
  data: string;
}

function oneLine(field: string, value: string): string {
  if (NOT_ONE_LINE.test(value)) throw new TypeError(`server-sent event ${field} must be one line without NUL: ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

/** One event, ready to send (ends with the blank line that dispatches it). */
export function serializeEvent({ event, id, data }: ServerSentEvent): string {
  let text = '';
  if (id !== undefined) text += `id: ${oneLine('id', id)}\n`;
  if (event !== undefined) text += `event: ${oneLine('event', event)}\n`;
  for (const line of data.split(LINE_BREAK)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** A comment line (heartbeats): ignored by the browser, keeps proxies from closing an idle stream. */
export function serializeComment(text: string): string {
  return text.split(LINE_BREAK).map((line) => `: ${line}\n`).join('') + '\n';
}

/** How long the browser should wait before reconnecting. */
export function serializeRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}
