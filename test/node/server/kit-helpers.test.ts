// The small pure helpers the checkout handler uses on every request: the capped body reader, the
// log sanitiser, the per-currency amount rules and the failure back-off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBodyText, readStreamText } from '../../../src/server/http/body.js';
import { logSafe } from '../../../src/server/log.js';
import { amountProblem } from '../../../src/server/amounts.js';
import { FailureBackoff } from '../../../src/server/backoff.js';

/** A stream of `chunks` chunks of `size` bytes that counts how many were pulled. */
function countingStream(chunks: number, size: number) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { stream, state };
}

describe('readBodyText', () => {
  it('reads a small body as text and counts bytes, not UTF-16 units', async () => {
    const result = await readBodyText(new Request('http://x/', { method: 'POST', body: 'ж'.repeat(10) }));
    assert.deepEqual(result, { kind: 'text', text: 'ж'.repeat(10), bytes: 20 });
    const over = await readBodyText(new Request('http://x/', { method: 'POST', body: 'ж'.repeat(40) }), { maxBytes: 64 });
    assert.equal(over.kind, 'too-large', '40 Cyrillic letters are 80 bytes');
  });

  it('stops a chunked body as soon as the cap is passed, without pulling the rest', async () => {
    const { stream, state } = countingStream(10_000, 16 * 1024); // 160 MB if read whole
    const request = new Request('http://x/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    const result = await readBodyText(request, { maxBytes: 64 * 1024 });
    assert.equal(result.kind, 'too-large');
    assert.ok(state.pulled <= 8, `pulled ${state.pulled} chunks`);
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    const { stream, state } = countingStream(10, 1024);
    const request = new Request('http://x/', { method: 'POST', body: stream, duplex: 'half', headers: { 'content-length': '999999' } } as RequestInit);
    const result = await readBodyText(request, { maxBytes: 1024 });
    assert.deepEqual(result, { kind: 'too-large', limit: 1024, seen: 999999 });
    assert.ok(state.pulled <= 1);
  });

  it('gives up on a body that drips slower than the deadline', async () => {
    const stream = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) });
    const result = await readStreamText(stream, { timeoutMs: 50 });
    assert.equal(result.kind, 'error');
    assert.equal(result.kind === 'error' && result.reason, 'timeout');
  });

  it('reports a body that is not UTF-8 and an empty body', async () => {
    const bad = await readBodyText(new Request('http://x/', { method: 'POST', body: new Uint8Array([0xff, 0xfe, 0xfd]) }));
    assert.equal(bad.kind === 'error' && bad.reason, 'bad-encoding');
    assert.deepEqual(await readBodyText(new Request('http://x/')), { kind: 'text', text: '', bytes: 0 });
  });
});

describe('logSafe', () => {
  it('escapes CR, LF, NUL and other controls so no log line can be forged', () => {
    const forged = 'A-1\r\n[qpay-checkout] onPaid ran for order A-2\u0000\u001b[31m\u2028';
    const safe = logSafe(forged);
    assert.doesNotMatch(safe, /[\r\n\u0000\u001b\u2028]/);
    assert.equal(safe, 'A-1\\r\\n[qpay-checkout] onPaid ran for order A-2\\0\\u001b[31m\\u2028');
  });

  it('bounds the length and says how much was cut, never splitting a surrogate pair', () => {
    assert.equal(logSafe('x'.repeat(1000), 10), 'xxxxxxxxxx…(990 more)');
    assert.equal(logSafe('😀'.repeat(5), 2), '😀😀…(3 more)');
  });

  it('accepts non-strings', () => {
    assert.equal(logSafe({ a: '\n' }), String.raw`{"a":"\n"}`);
    assert.equal(logSafe(undefined), 'undefined');
    assert.equal(logSafe(new Error('bad\nthing')), 'Error: bad\\nthing');
  });
});

describe('amountProblem', () => {
  const cases: [number, string, RegExp | null][] = [
    [1, 'MNT', null],
    [15000, 'MNT', null],
    [0.5, 'MNT', /below the minimum of 1 MNT/],
    [100.5, 'MNT', /must be a whole number/],
    [0.01, 'RUB', null],
    [1500.5, 'RUB', null],
    [0.001, 'RUB', /below the minimum of 0.01 RUB/],
    [10.001, 'RUB', /more than 2 decimals/],
    [0, 'RUB', /below the minimum/],
    [-5, 'MNT', /below the minimum/],
    [1e-7, 'USD', /below the minimum/],
    [Number.NaN, 'RUB', /finite number/],
  ];
  for (const [amount, currency, expected] of cases) {
    it(`${amount} ${currency} → ${expected ?? 'accepted'}`, () => {
      const problem = amountProblem(amount, currency);
      if (expected === null) assert.equal(problem, null);
      else assert.match(problem ?? '', expected);
    });
  }
});

describe('FailureBackoff', () => {
  it('blocks a key after a failure, doubling the wait up to the cap, and a success clears it', () => {
    let t = 0;
    const backoff = new FailureBackoff<string>({ now: () => t, baseMs: 1000, maxMs: 4000 });
    assert.equal(backoff.blocked('inv-1'), undefined);
    backoff.fail('inv-1', 'HTTP_503');
    assert.equal(backoff.blocked('inv-1')?.error, 'HTTP_503');
    assert.equal(backoff.blocked('inv-2'), undefined, 'per key');
    t = 1000;
    assert.equal(backoff.blocked('inv-1'), undefined, 'the wait is over');
    assert.equal(backoff.fail('inv-1', 'again').retryAt, 3000);
    assert.equal(backoff.fail('inv-1', 'again').retryAt, 5000);
    assert.equal(backoff.fail('inv-1', 'again').retryAt, 5000, 'capped at 4000 ms');
    backoff.succeed('inv-1');
    assert.equal(backoff.blocked('inv-1'), undefined);
  });

  it('forgets the oldest keys beyond maxKeys', () => {
    const backoff = new FailureBackoff<number>({ now: () => 0, maxKeys: 3 });
    for (let i = 0; i < 10; i++) backoff.fail(`k${i}`, i);
    assert.equal(backoff.size, 3);
    assert.equal(backoff.blocked('k0'), undefined);
    assert.equal(backoff.blocked('k9')?.error, 9);
  });
});
