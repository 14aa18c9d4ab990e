// A text/event-stream (server-sent events) parser, fed the raw bytes of a response body as they arrive, with
// a byte cap per event: the element reads `events-url` with fetch (not EventSource) so that a server that
// sends one endless line, or an event of megabytes, is refused after a bounded read instead of growing the
// page's memory. Follows the HTML standard's parsing rules (lines end in CRLF, LF or CR; `:` comments;
// `event`, `data`, `id`, `retry` fields; an event is dispatched at a blank line). Pure: no DOM, no I/O.
//
// Lines are split on the bytes themselves: CR and LF never occur inside a multi-byte UTF-8 sequence, so
// only whole lines are decoded, and nothing beyond the cap is ever copied.

/** One dispatched event. `type` is `message` when the server named none. */
export interface ServerSentEvent {
  type: string;
  data: string;
  /** The last event ID as of this event (sent back as Last-Event-ID when reconnecting). */
  lastEventId: string;
}

const LF = 0x0a;
const CR = 0x0d;

export class EventStreamParser {
  /** The last event ID (the `id:` field of this or an earlier event, or of an earlier connection). */
  lastEventId: string;
  /** The reconnection delay the server advised with `retry:` (ms), if it did. */
  retry: number | undefined;
  /** True once an event passed the cap: the parser takes nothing more. */
  overflowed = false;
  readonly #maxEventBytes: number;
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** The pieces of the line being read (views into the chunks; joined once the line ends). */
  #lineParts: Uint8Array[] = [];
  /** Bytes of the event being read: its lines so far, the unfinished line included. */
  #eventBytes = 0;
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to that line break. */
  #skipLf = false;
  /** No line has been read yet (a byte order mark may open the stream). */
  #firstLine = true;
  #type = '';
  #data = '';
  #idBuffer: string;

  /** `lastEventId`: the one from an earlier connection of the same stream. */
  constructor(maxEventBytes: number, lastEventId = '') {
    this.#maxEventBytes = maxEventBytes;
    this.lastEventId = this.#idBuffer = lastEventId;
  }

  /**
   * Reads one chunk of the body; returns the events it completed, or null when the event being read passed
   * the cap (then `overflowed` is set and every later call returns null: close the connection).
   */
  push(chunk: Uint8Array): ServerSentEvent[] | null {
    if (this.overflowed) return null;
    const events: ServerSentEvent[] = [];
    let start = this.#skipLf && chunk[0] === LF ? 1 : 0;
    this.#skipLf = false;
    while (start < chunk.length) {
      const end = lineBreakAt(chunk, start);
      const lineEnd = end < 0 ? chunk.length : end;
      this.#eventBytes += lineEnd - start + (end < 0 ? 0 : 1);
      if (this.#eventBytes > this.#maxEventBytes) {
        this.overflowed = true;
        this.#lineParts = [];
        return null;
      }
      this.#lineParts.push(chunk.subarray(start, lineEnd));
      if (end < 0) break;
      start = end + 1;
      if (chunk[end] === CR) {
        if (start === chunk.length) this.#skipLf = true;
        else if (chunk[start] === LF) start++;
      }
      this.#readLine(this.#takeLine(), events);
    }
    return events;
  }

  #takeLine(): string {
    const parts = this.#lineParts;
    this.#lineParts = [];
    const bytes = parts.length === 1 ? parts[0]! : joinBytes(parts);
    let line = this.#decoder.decode(bytes);
    if (this.#firstLine && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    this.#firstLine = false;
    return line;
  }

  #readLine(line: string, events: ServerSentEvent[]): void {
    if (line === '') return this.#dispatch(events);
    if (line[0] === ':') return; // a comment: the server's heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data += `${value}\n`;
    else if (field === 'id' && !value.includes('\0')) this.#idBuffer = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }

  #dispatch(events: ServerSentEvent[]): void {
    this.#eventBytes = 0;
    this.lastEventId = this.#idBuffer;
    const type = this.#type;
    this.#type = '';
    if (this.#data === '') return;
    events.push({ type: type || 'message', data: this.#data.slice(0, -1), lastEventId: this.lastEventId });
    this.#data = '';
  }
}

/** The index of the first CR or LF at or after `from`, or -1. */
function lineBreakAt(bytes: Uint8Array, from: number): number {
  const lf = bytes.indexOf(LF, from);
  const cr = bytes.indexOf(CR, from);
  return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
}

function joinBytes(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
