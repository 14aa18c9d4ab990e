// The status stream's own rules, with a scripted fetch whose answers the test writes byte by byte: the checks a
// polled answer gets, health reported to the caller, reconnection with Last-Event-ID after the server's retry
// advice, a stream that never opened reported once, the byte caps per event and per connection, and nothing
// after stop().
import { describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createStatusStream, MAX_STREAM_CONNECTION_BYTES } from '../../../src/core/status-stream.js';
import { MAX_STATUS_BODY, type PollError } from '../../../src/core/poller.js';
import type { PaymentStatus } from '../../../src/core/types.js';

const URL_ = 'https://shop.example/qpay/events/INV-1';
const encoder = new TextEncoder();

/** One request the stream made: its headers, and the server's side of its answer. */
class Connection {
  #body: ReadableStreamDefaultController<Uint8Array> | undefined;
  #answer!: (response: Response) => void;
  #fail!: (error: Error) => void;
  readonly answered = new Promise<Response>((resolve, reject) => {
    this.#answer = resolve;
    this.#fail = reject;
  });
  aborted = false;
  /** Bytes the client read so far (pull-based, so writes past a cancel are not counted). */
  constructor(readonly headers: Record<string, string>, signal: AbortSignal) {
    signal.addEventListener('abort', () => (this.aborted = true));
  }
  open(url = URL_, type = 'text/event-stream'): void {
    const body = new ReadableStream<Uint8Array>({ start: (controller) => void (this.#body = controller) });
    const response = new Response(body, { headers: { 'content-type': type } });
    Object.defineProperty(response, 'url', { value: url });
    this.#answer(response);
  }
  answer(status: number, text: string, type = 'text/html'): void {
    this.#answer(new Response(text, { status, headers: { 'content-type': type } }));
  }
  networkError(): void {
    this.#fail(new TypeError('Failed to fetch'));
  }
  send(text: string | Uint8Array): void {
    try {
      this.#body!.enqueue(typeof text === 'string' ? encoder.encode(text) : text);
    } catch {
      // the client cancelled
    }
  }
  end(): void {
    this.#body!.close();
  }
}

const event = (body: unknown, id?: string) => `${id ? `id: ${id}\n` : ''}event: status\ndata: ${typeof body === 'string' ? body : JSON.stringify(body)}\n\n`;
/** Lets the stream's promise chains run (reads, parsing, callbacks). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function setup() {
  const connections: Connection[] = [];
  const statuses: PaymentStatus[] = [];
  const errors: PollError[] = [];
  const health: boolean[] = [];
  const stream = createStatusStream({
    url: URL_,
    fetch: async (_url, init) => {
      const connection = new Connection({ ...(init!.headers as Record<string, string>) }, init!.signal!);
      connections.push(connection);
      return connection.answered;
    },
    expect: { invoiceId: 'INV-1', amount: 2500 },
    onStatus: (status) => statuses.push(status),
    onError: (error) => errors.push(error),
    onHealth: (healthy) => health.push(healthy),
  });
  return { stream, statuses, errors, health, connections, last: () => connections.at(-1)! };
}

describe('status stream', () => {
  test('a status is healthy; PAID for this invoice and its amount closes the stream', async () => {
    const { statuses, health, last } = setup();
    last().open();
    last().send(`retry: 300\n\n: keep-alive\n\n${event({ status: 'NEW', paid_amount: 0, invoice_id: 'INV-1' })}`);
    last().send(event({ status: 'PAID', paid_amount: 2500, invoice_id: 'INV-1' }));
    await settle();
    assert.deepEqual(statuses, ['NEW', 'PAID']);
    assert.deepEqual(health, [true]);
    assert.equal(last().aborted, true);
    assert.equal(last().headers['accept'], 'text/event-stream');
  });

  test('the checks of a polled answer: another invoice, a smaller amount, unknown words, not JSON', async () => {
    const { statuses, errors, last } = setup();
    last().open();
    last().send(event({ status: 'PAID', paid_amount: 2500, invoice_id: 'INV-2' }) + event({ status: 'PAID', paid_amount: 25, invoice_id: 'INV-1' }));
    last().send(event({ status: 'PAİD' }) + event('<html>') + 'event: other\ndata: {"status":"PAID"}\n\n');
    await settle();
    assert.deepEqual(statuses, []);
    assert.deepEqual(errors.map((error) => error.kind), ['untrusted', 'untrusted', 'malformed', 'malformed']);
    assert.equal(last().aborted, false);
  });

  test('a stream redirected to another origin is refused once and closed', async () => {
    const { statuses, errors, connections, last } = setup();
    last().open('https://evil.example/events');
    last().send(event({ status: 'PAID', paid_amount: 2500, invoice_id: 'INV-1' }));
    await settle();
    assert.deepEqual(statuses, []);
    assert.deepEqual(errors.map((error) => error.kind), ['untrusted']);
    assert.equal(last().aborted, true);
    assert.equal(connections.length, 1);
  });

  test('a dropped connection is unhealthy and reopened after the retry advice, with Last-Event-ID', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { stream, health, errors, connections, last } = setup();
      last().open();
      last().send(`retry: 300\n\n${event({ status: 'NEW' }, 'NEW.0')}`);
      await settle();
      last().end();
      await settle();
      assert.deepEqual(health, [true, false]);
      mock.timers.tick(299);
      await settle();
      assert.equal(connections.length, 1);
      mock.timers.tick(1);
      await settle();
      assert.equal(connections.length, 2);
      assert.equal(last().headers['last-event-id'], 'NEW.0');
      // A network error is a dropped connection too: retried the same way, never reported.
      last().networkError();
      await settle();
      mock.timers.tick(300);
      await settle();
      assert.equal(connections.length, 3);
      assert.equal(last().headers['last-event-id'], 'NEW.0');
      assert.deepEqual(errors, []);
      stream.stop();
      assert.equal(last().aborted, true);
    } finally {
      mock.timers.reset();
    }
  });

  test('a stream that never opened (404, a proxy page) is reported once with its status, and not opened again', async () => {
    for (const [status, type, said] of [
      [404, 'application/json', 'HTTP 404'],
      [200, 'text/html', 'text/html'],
    ] as const) {
      mock.timers.enable({ apis: ['setTimeout'] });
      try {
        const { errors, connections, last } = setup();
        last().answer(status, '<!doctype html>', type);
        await settle();
        mock.timers.tick(60_000);
        await settle();
        assert.equal(errors.length, 1);
        assert.equal(errors[0]!.kind, 'stream');
        assert.equal(errors[0]!.status, status === 404 ? 404 : undefined);
        assert.match(errors[0]!.message, new RegExp(`\\(${said}\\) is not a text/event-stream`));
        assert.equal(connections.length, 1, 'not opened again');
      } finally {
        mock.timers.reset();
      }
    }
  });

  test('a stream that had worked and was closed for good (say a 503) is opened again 30 s later, silently', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { stream, errors, health, connections, last } = setup();
      last().open();
      last().send(event({ status: 'NEW' }));
      last().end();
      await settle();
      mock.timers.tick(3000);
      await settle();
      last().answer(503, 'busy');
      await settle();
      assert.deepEqual(health, [true, false, false]);
      mock.timers.tick(29_999);
      await settle();
      assert.equal(connections.length, 2);
      mock.timers.tick(1);
      await settle();
      assert.equal(connections.length, 3);
      assert.deepEqual(errors, []);
      stream.stop();
      assert.equal(last().aborted, true);
    } finally {
      mock.timers.reset();
    }
  });

  test('an event over 64 KB (one endless line) closes the stream with one too-large error; it is not reopened', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { errors, health, connections, last } = setup();
      last().open();
      last().send(event({ status: 'NEW' }));
      last().send('data: ');
      const chunk = new Uint8Array(16 * 1024).fill(0x78);
      for (let sent = 0; sent <= MAX_STATUS_BODY && !last().aborted; sent += chunk.length) {
        last().send(chunk);
        await settle();
      }
      assert.equal(last().aborted, true);
      assert.deepEqual(errors.map((error) => [error.kind, error.message]), [
        ['too-large', `The status stream at ${URL_} sent an event over ${MAX_STATUS_BODY} bytes; closed, checking by polling instead`],
      ]);
      assert.deepEqual(health, [true, false]);
      mock.timers.tick(120_000);
      await settle();
      assert.equal(connections.length, 1);
    } finally {
      mock.timers.reset();
    }
  });

  test('over 1 MB on one connection (many small events) closes it with one error, and it is opened again 30 s later', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { errors, connections, last } = setup();
      last().open();
      const flood = ': heartbeat gone wrong\n\n'.repeat(1000);
      for (let sent = 0; sent <= MAX_STREAM_CONNECTION_BYTES && !last().aborted; sent += flood.length) {
        last().send(flood);
        await settle();
      }
      assert.equal(last().aborted, true);
      assert.deepEqual(errors.map((error) => error.kind), ['too-large']);
      assert.match(errors[0]!.message, /over 1048576 bytes on one connection/);
      mock.timers.tick(30_000);
      await settle();
      assert.equal(connections.length, 2);
    } finally {
      mock.timers.reset();
    }
  });

  test('nothing is reported after stop()', async () => {
    const { stream, statuses, errors, health, last } = setup();
    stream.stop();
    assert.equal(last().aborted, true);
    last().open();
    last().send(event({ status: 'PAID' }));
    await settle();
    assert.deepEqual([statuses, errors, health], [[], [], []]);
  });
});
