// The status stream's own rules, with a scripted EventSource: the checks a polled answer gets, health
// reported to the caller, a stream that never opened reported once, and nothing after stop().
import { describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createStatusStream } from '../../../src/core/status-stream.js';
import type { PollError } from '../../../src/core/poller.js';
import type { PaymentStatus } from '../../../src/core/types.js';

const URL_ = 'https://shop.example/qpay/events/INV-1';

/** A scripted EventSource: the test plays the browser's side (open, events, errors, readyState). */
class FakeEventSource extends EventTarget {
  static made: FakeEventSource[] = [];
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  closed = false;
  constructor(readonly url: string) {
    super();
    FakeEventSource.made.push(this);
  }
  close(): void {
    this.closed = true;
    this.readyState = this.CLOSED;
  }
  status(body: unknown, origin = 'https://shop.example'): void {
    this.dispatchEvent(new MessageEvent('status', { data: typeof body === 'string' ? body : JSON.stringify(body), origin }));
  }
  fail(readyState: number): void {
    this.readyState = readyState;
    this.dispatchEvent(new Event('error'));
  }
}

function setup() {
  FakeEventSource.made = [];
  const statuses: PaymentStatus[] = [];
  const errors: PollError[] = [];
  const health: boolean[] = [];
  const stream = createStatusStream({
    url: URL_,
    EventSource: FakeEventSource as unknown as typeof EventSource,
    expect: { invoiceId: 'INV-1', amount: 2500 },
    onStatus: (status) => statuses.push(status),
    onError: (error) => errors.push(error),
    onHealth: (healthy) => health.push(healthy),
  });
  return { stream, statuses, errors, health, source: () => FakeEventSource.made.at(-1)! };
}

describe('status stream', () => {
  test('a status is healthy; PAID for this invoice and its amount closes the stream', () => {
    const { statuses, health, source } = setup();
    source().status({ status: 'NEW', paid_amount: 0, invoice_id: 'INV-1' });
    source().status({ status: 'PAID', paid_amount: 2500, invoice_id: 'INV-1' });
    assert.deepEqual(statuses, ['NEW', 'PAID']);
    assert.deepEqual(health, [true]);
    assert.equal(source().closed, true);
  });

  test('the checks of a polled answer: another invoice, a smaller amount, unknown words, another origin', () => {
    const { statuses, errors, source } = setup();
    source().status({ status: 'PAID', paid_amount: 2500, invoice_id: 'INV-2' });
    source().status({ status: 'PAID', paid_amount: 25, invoice_id: 'INV-1' });
    source().status({ status: 'PAİD' });
    source().status('<html>');
    source().status({ status: 'PAID', paid_amount: 2500, invoice_id: 'INV-1' }, 'https://evil.example');
    assert.deepEqual(statuses, []);
    assert.deepEqual(errors.map((error) => error.kind), ['untrusted', 'untrusted', 'malformed', 'malformed', 'untrusted']);
    assert.equal(source().closed, false);
  });

  test('a dropped connection is unhealthy while the browser reconnects; a stream that never opened is reported once', () => {
    const first = setup();
    first.source().status({ status: 'NEW' });
    first.source().fail(0); // CONNECTING: the browser retries
    assert.deepEqual(first.health, [true, false]);
    assert.deepEqual(first.errors, []);
    first.stream.stop();

    const never = setup();
    never.source().fail(2); // CLOSED before any event: not an event stream
    assert.equal(never.errors.length, 1);
    assert.equal(never.errors[0]!.kind, 'stream');
    assert.match(never.errors[0]!.message, /not a text\/event-stream/);
    assert.equal(FakeEventSource.made.length, 1, 'not opened again');
  });

  test('a stream that had worked and was closed for good (say a 503) is opened again 30 s later, silently', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { stream, errors, health, source } = setup();
      source().status({ status: 'NEW' });
      source().fail(2);
      assert.deepEqual(health, [true, false]);
      mock.timers.tick(29_999);
      assert.equal(FakeEventSource.made.length, 1);
      mock.timers.tick(1);
      assert.equal(FakeEventSource.made.length, 2);
      assert.deepEqual(errors, []);
      stream.stop();
      assert.equal(source().closed, true);
    } finally {
      mock.timers.reset();
    }
  });

  test('nothing is reported after stop()', () => {
    const { stream, statuses, errors, health, source } = setup();
    stream.stop();
    assert.equal(source().closed, true);
    source().status({ status: 'PAID' });
    source().fail(2);
    assert.deepEqual([statuses, errors, health], [[], [], []]);
  });
});
