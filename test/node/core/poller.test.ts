import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createPoller, PollError, type PollerOptions } from '../../../src/core/poller.js';
import type { PaymentStatus } from '../../../src/core/types.js';
import { FakeClock, FAKE_EPOCH } from '../helpers/fake-clock.js';
import { createFakeFetch, statusReply, type ReplyFn } from '../helpers/fake-fetch.js';

const STATUS_URL = 'https://shop.example/api/status/INV-1';
const SECOND = 1000;
const MINUTE = 60 * SECOND;

function fixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
}

/** A poller on virtual time against a scripted server, recording everything it reports. */
function setup(reply: ReplyFn, options: Partial<PollerOptions> = {}) {
  const clock = new FakeClock();
  const server = createFakeFetch(clock, reply);
  const statuses: { status: PaymentStatus; body: unknown; at: number }[] = [];
  const errors: (PollError & { at: number })[] = [];
  const serverDates: { header: string; receivedAt: number }[] = [];
  const poller = createPoller({
    url: STATUS_URL,
    fetch: server.fetch,
    clock,
    random: () => 0,
    onStatus: (status, body) => statuses.push({ status, body, at: clock.now() - FAKE_EPOCH }),
    onError: (error) => errors.push(Object.assign(error, { at: clock.now() - FAKE_EPOCH })),
    onServerDate: (header, receivedAt) => serverDates.push({ header, receivedAt }),
    ...options,
  });
  /** Virtual times (ms since start) at which requests were made. */
  const requestTimes = () => server.requests.map((request) => request.at - FAKE_EPOCH);
  return { clock, server, poller, statuses, errors, serverDates, requestTimes };
}

const alwaysNew: ReplyFn = () => statusReply('NEW');

describe('schedule', () => {
  test('start() checks at once with a no-store, same-origin JSON GET carrying an abort signal', async () => {
    const { clock, server, poller, statuses } = setup(alwaysNew);
    await clock.flush();
    assert.equal(server.requests.length, 0, 'nothing before start()');
    poller.start();
    assert.equal(server.open, 1, 'the first request is out at once');
    await clock.flush();

    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request!.url, STATUS_URL);
    // What fetch makes of the options (GET and same-origin credentials are its defaults).
    const made = new Request(request!.url, request!.init);
    assert.equal(made.method, 'GET');
    assert.equal(made.cache, 'no-store');
    assert.equal(made.credentials, 'same-origin');
    assert.deepEqual(request!.init.headers, { accept: 'application/json' });
    assert.ok(request!.init.signal instanceof AbortSignal);
    assert.deepEqual(statuses.map((s) => [s.status, s.at]), [['NEW', 0]]);
    assert.equal(server.open, 0);
    poller.stop();
  });

  test('asks exactly every interval after a success: 31 requests in 60 s, 301 in 10 min at 2 s', async () => {
    const { clock, poller, statuses, errors, requestTimes } = setup(alwaysNew);
    poller.start();
    await clock.advance(60 * SECOND);
    assert.equal(requestTimes().length, 31);
    assert.deepEqual(requestTimes(), Array.from({ length: 31 }, (_, i) => i * 2000));
    assert.equal(statuses.length, 31);
    await clock.advance(9 * MINUTE);
    assert.equal(requestTimes().length, 301);
    assert.equal(errors.length, 0);
    poller.stop();
  });

  test('the wait starts when the answer arrives, so a slow server is never asked faster than the interval', async () => {
    const { clock, poller, requestTimes } = setup(() => ({ body: { status: 'NEW' }, delay: 1000 }));
    poller.start();
    await clock.advance(9 * SECOND);
    assert.deepEqual(requestTimes(), [0, 3000, 6000, 9000]);
    poller.stop();
  });

  test('an interval below 500 ms is raised to 500 ms; an unusable one falls back to 2000 ms', async () => {
    const fast = setup(alwaysNew, { interval: 100 });
    fast.poller.start();
    await fast.clock.advance(10 * SECOND);
    assert.equal(fast.requestTimes().length, 21);
    assert.equal(fast.requestTimes()[1], 500);
    fast.poller.stop();

    const garbage = setup(alwaysNew, { interval: Number.NaN });
    garbage.poller.start();
    await garbage.clock.advance(10 * SECOND);
    assert.equal(garbage.requestTimes().length, 6);
    garbage.poller.stop();
  });

  test('checkNow() asks at once and restarts the wait from that answer', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew);
    poller.start();
    await clock.advance(1500);
    poller.checkNow();
    await clock.advance(2500);
    assert.deepEqual(requestTimes(), [0, 1500, 3500]);
    poller.stop();
  });

  test('start() is idempotent and checkNow() does nothing before start or after stop', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew);
    poller.checkNow();
    await clock.advance(5 * SECOND);
    assert.deepEqual(requestTimes(), []);
    poller.start();
    poller.start();
    await clock.advance(1000);
    assert.deepEqual(requestTimes(), [5000]);
    poller.stop();
    poller.checkNow();
    await clock.advance(1 * MINUTE);
    assert.deepEqual(requestTimes(), [5000]);
  });
});

describe('one request at a time and timeouts', () => {
  test('never two requests at once: checkNow() during a slow request is a no-op', async () => {
    const { clock, server, poller, requestTimes } = setup(() => ({ body: { status: 'NEW' }, delay: 5000 }));
    poller.start();
    await clock.advance(1000);
    poller.checkNow();
    poller.setHidden(true);
    poller.setHidden(false); // becoming visible checks at once, unless a request is already out
    await clock.advance(1000);
    assert.equal(server.requests.length, 1);
    assert.equal(server.open, 1);
    await clock.advance(1 * MINUTE);
    assert.equal(server.maxOpen, 1);
    assert.deepEqual(requestTimes().slice(0, 3), [0, 7000, 14000]);
    poller.stop();
  });

  test('a request that never answers is aborted at the timeout, reported, and retried', async () => {
    const { clock, server, poller, statuses, errors, requestTimes } = setup((_, index) =>
      index === 0 ? 'hang' : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(9999);
    assert.equal(errors.length, 0);
    assert.equal(server.open, 1);
    await clock.advance(1);

    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof PollError);
    assert.equal(errors[0]!.kind, 'timeout');
    assert.equal(errors[0]!.message, 'Status request timed out after 10000 ms', 'the message says how long it waited');
    assert.equal(errors[0]!.at, 10000);
    assert.equal(errors[0]!.retryInMs, 2000);
    assert.equal(server.requests[0]!.aborted, true);
    assert.equal(server.requests[0]!.init.signal!.aborted, true);
    assert.equal(server.open, 0);

    await clock.advance(2000);
    assert.deepEqual(requestTimes(), [0, 12000]);
    assert.deepEqual(statuses.map((s) => s.status), ['NEW']);
    poller.stop();
  });

  test('requestTimeout is configurable', async () => {
    const { clock, poller, errors } = setup(() => 'hang', { requestTimeout: 3000 });
    poller.start();
    await clock.advance(3000);
    assert.deepEqual(errors.map((e) => [e.kind, e.at]), [['timeout', 3000]]);
    poller.stop();
  });

  test('the late answer of a timed-out request is ignored, even from a fetch that ignores the abort', async () => {
    const { clock, server, poller, statuses, errors } = setup((_, index) =>
      index === 0 ? { body: { status: 'PAID' }, delay: 15000, ignoreAbort: true } : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(20 * SECOND);
    assert.deepEqual(errors.map((e) => e.kind), ['timeout']);
    assert.ok(statuses.length > 0);
    assert.ok(statuses.every((s) => s.status === 'NEW'), 'the stale PAID must not be reported');
    const asked = server.requests.length;
    await clock.advance(2 * SECOND);
    assert.equal(server.requests.length, asked + 1, 'polling goes on');
    poller.stop();
  });
});

describe('faults back off', () => {
  test('network errors double the wait up to maxBackoff, then one success returns to the base interval', async () => {
    const { clock, poller, errors, statuses, requestTimes } = setup((_, index) =>
      index < 6 ? 'network-error' : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(95 * SECOND);
    assert.deepEqual(
      errors.map((e) => [e.kind, e.retryInMs]),
      [
        ['network', 2000],
        ['network', 4000],
        ['network', 8000],
        ['network', 16000],
        ['network', 30000],
        ['network', 30000],
      ],
    );
    assert.deepEqual(requestTimes(), [0, 2000, 6000, 14000, 30000, 60000, 90000, 92000, 94000]);
    assert.equal(statuses[0]!.at, 90000);
    poller.stop();
  });

  test('jitter keeps each wait within [base·2^(n-1), base·2^n], capped at maxBackoff and never below the interval', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const { clock, poller, errors } = setup(() => 'network-error', { random, interval: 1000, maxBackoff: 20000 });
    poller.start();
    await clock.advance(10 * MINUTE);
    assert.ok(errors.length > 20);
    errors.forEach((error, i) => {
      const lower = Math.min(20000, 1000 * 2 ** i);
      const upper = Math.min(20000, 1000 * 2 ** (i + 1));
      assert.ok(error.retryInMs >= lower && error.retryInMs <= upper, `wait #${i} = ${error.retryInMs}`);
    });
    const capped = errors.slice(6).map((e) => e.retryInMs);
    assert.ok(new Set(capped).size === 1 && capped[0] === 20000, 'long outages wait maxBackoff');

    const high = setup(() => 'network-error', { random: () => 0.999999 });
    high.poller.start();
    await high.clock.advance(2 * MINUTE);
    assert.deepEqual(
      high.errors.slice(0, 5).map((e) => e.retryInMs),
      [4000, 8000, 16000, 30000, 30000],
    );
    high.poller.stop();
    poller.stop();
  });

  test('5xx, 4xx, 429 without Retry-After, non-JSON and unknown statuses are reported and back off', async () => {
    const replies = [
      { status: 500, body: 'oops' },
      { status: 404, body: { error: 'INVOICE_NOTFOUND' } },
      { status: 429 },
      { body: '<html>login</html>' },
      { body: { status: 'SOMETHING_ELSE' } },
      { body: 'null' },
      { body: { status: 'NEW' } },
    ];
    const { clock, poller, errors, statuses, requestTimes } = setup((_, index) => replies[index] ?? statusReply('NEW'));
    poller.start();
    await clock.advance(3 * MINUTE);
    assert.deepEqual(
      errors.map((e) => [e.kind, e.status, e.retryInMs]),
      [
        ['http', 500, 2000],
        ['http', 404, 4000],
        ['http', 429, 8000],
        ['malformed', undefined, 16000],
        ['malformed', undefined, 30000],
        ['malformed', undefined, 30000],
      ],
    );
    assert.ok(errors.every((e) => e instanceof PollError && e.message.length > 0));
    assert.equal(errors[0]!.message, 'Status request answered HTTP 500');
    assert.match(errors[4]!.message, /no known payment status \(expected JSON such as \{"status": "PAID"\}\)/);
    assert.equal(statuses[0]!.at, 90000);
    assert.equal(requestTimes()[7], 92000, 'back to the base interval after a success');
    poller.stop();
  });
});

describe('Retry-After', () => {
  test('429 with Retry-After in seconds: no request (not even checkNow or a visibility return) before it passes', async () => {
    const { clock, poller, errors, requestTimes } = setup((_, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '20' } } : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(5000);
    assert.deepEqual(errors.map((e) => [e.kind, e.status, e.retryInMs]), [['http', 429, 20000]]);
    poller.checkNow();
    poller.setHidden(true);
    poller.setHidden(false);
    await clock.advance(14999);
    assert.deepEqual(requestTimes(), [0]);
    await clock.advance(1);
    assert.deepEqual(requestTimes(), [0, 20000]);
    poller.checkNow();
    await clock.flush();
    assert.deepEqual(requestTimes(), [0, 20000, 20000], 'checkNow works again once the wait has passed');
    poller.stop();
  });

  test('503 with an HTTP-date Retry-After is measured on the server clock, so client clock skew does not matter', async () => {
    const clientBehindBy = 60 * MINUTE;
    const serverNow = FAKE_EPOCH + clientBehindBy;
    const { clock, poller, errors, requestTimes } = setup((_, index) =>
      index === 0
        ? {
            status: 503,
            headers: { date: new Date(serverNow).toUTCString(), 'retry-after': new Date(serverNow + 45000).toUTCString() },
          }
        : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.equal(errors[0]!.retryInMs, 45000);
    assert.deepEqual(requestTimes().slice(0, 2), [0, 45000]);
    poller.stop();
  });

  test('an HTTP-date Retry-After without a Date header is measured on the client clock', async () => {
    const { clock, poller, errors, requestTimes } = setup((_, index) =>
      index === 0
        ? { status: 503, headers: { 'retry-after': new Date(FAKE_EPOCH + 30000).toUTCString() } }
        : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.equal(errors[0]!.retryInMs, 30000);
    assert.deepEqual(requestTimes().slice(0, 2), [0, 30000]);
    poller.stop();
  });

  test('a Retry-After shorter than the backoff does not shorten the backoff', async () => {
    const { clock, poller, errors } = setup((_, index) =>
      index < 3 ? { status: 429, headers: { 'retry-after': '1' } } : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.deepEqual(errors.map((e) => e.retryInMs), [2000, 4000, 8000]);
    poller.stop();
  });

  test('a pending Retry-After is kept across stop() and start()', async () => {
    const { clock, poller, requestTimes } = setup((_, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '30' } } : statusReply('NEW'),
    );
    poller.start();
    await clock.advance(1000);
    poller.stop();
    poller.start();
    await clock.advance(28999);
    assert.deepEqual(requestTimes(), [0]);
    await clock.advance(1000);
    assert.deepEqual(requestTimes(), [0, 30000]);
    poller.stop();
  });
});

describe('visibility', () => {
  test('a hidden page polls at hiddenInterval (default 15 s at 2 s) and checks at once when visible again', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew);
    poller.start();
    await clock.advance(1000);
    poller.setHidden(true);
    await clock.advance(59 * SECOND);
    assert.deepEqual(requestTimes(), [0, 15000, 30000, 45000, 60000]);
    await clock.advance(1000);
    poller.setHidden(false);
    await clock.flush();
    assert.deepEqual(requestTimes(), [0, 15000, 30000, 45000, 60000, 61000]);
    await clock.advance(4000);
    assert.deepEqual(requestTimes().slice(5), [61000, 63000, 65000]);
    poller.stop();
  });

  test('hiddenInterval defaults to five intervals when that is longer, and can be set', async () => {
    const slow = setup(alwaysNew, { interval: 4000 });
    slow.poller.setHidden(true);
    slow.poller.start();
    await slow.clock.advance(1 * MINUTE);
    assert.deepEqual(slow.requestTimes(), [0, 20000, 40000, 60000]);
    slow.poller.stop();

    const custom = setup(alwaysNew, { hiddenInterval: 5000 });
    custom.poller.setHidden(true);
    custom.poller.start();
    await custom.clock.advance(20 * SECOND);
    assert.deepEqual(custom.requestTimes(), [0, 5000, 10000, 15000, 20000]);
    custom.poller.stop();
  });

  test('repeating the same visibility changes nothing', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew);
    poller.start();
    await clock.advance(500);
    poller.setHidden(false);
    await clock.advance(1000);
    assert.deepEqual(requestTimes(), [0]);
    poller.stop();
  });

  test('faults while hidden back off from hiddenInterval', async () => {
    const { clock, poller, errors } = setup(() => 'network-error', { interval: 2000, maxBackoff: 60000 });
    poller.setHidden(true);
    poller.start();
    await clock.advance(2 * MINUTE);
    assert.deepEqual(errors.slice(0, 3).map((e) => e.retryInMs), [15000, 30000, 60000]);
    poller.stop();
  });
});

describe('final statuses and stop', () => {
  test('PAID stops the poller after one onStatus: no request afterwards, whatever happens', async () => {
    const { clock, server, poller, statuses } = setup(() => statusReply('PAID'));
    poller.start();
    await clock.advance(1 * SECOND);
    assert.deepEqual(statuses.map((s) => s.status), ['PAID']);
    assert.equal(clock.pendingTimers, 0, 'nothing scheduled');
    poller.checkNow();
    poller.setHidden(true);
    poller.setHidden(false);
    await clock.advance(10 * MINUTE);
    assert.equal(server.requests.length, 1);
    assert.equal(statuses.length, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  for (const status of ['FAILED', 'REFUNDED', 'EXPIRED', 'CANCELLED'] as const) {
    test(`${status} is final too`, async () => {
      const { clock, server, poller, statuses } = setup((_, index) => statusReply(index < 2 ? 'NEW' : status));
      poller.start();
      await clock.advance(10 * MINUTE);
      assert.deepEqual(statuses.map((s) => s.status), ['NEW', 'NEW', status]);
      assert.equal(server.requests.length, 3);
      assert.equal(clock.pendingTimers, 0);
    });
  }

  test('QPay payment-check answers: unpaid keeps polling, paid stops, and the raw body is passed on', async () => {
    const unpaid = fixture('qpay-payment-check-response.unpaid.json');
    const paid = fixture('payment-check-response.paid.json');
    const { clock, poller, statuses } = setup((_, index) => ({ body: index < 2 ? unpaid : paid }));
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.deepEqual(statuses.map((s) => [s.status, s.at]), [['NEW', 0], ['NEW', 2000], ['PAID', 4000]]);
    assert.deepEqual(statuses[2]!.body, paid);
  });

  test('a plain-text status word is understood; other text is malformed', async () => {
    const { clock, poller, statuses, errors } = setup((_, index) => ({ body: index === 0 ? 'Bad Gateway page' : ' PAID\n' }));
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.deepEqual(errors.map((e) => [e.kind, e.message]), [['malformed', 'Status answer is not JSON']]);
    assert.deepEqual(statuses.map((s) => [s.status, s.at]), [['PAID', 2000]]);
  });

  test('stop() aborts the request in flight, leaves no timer, and no callback fires afterwards', async () => {
    const { clock, server, poller, statuses, errors, serverDates } = setup(() => ({
      body: { status: 'PAID' },
      headers: { date: new Date(FAKE_EPOCH).toUTCString() },
      delay: 1000,
      ignoreAbort: true,
    }));
    poller.start();
    await clock.advance(500);
    poller.stop();
    assert.equal(server.requests[0]!.init.signal!.aborted, true);
    await clock.advance(10 * MINUTE);
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual([statuses.length, errors.length, serverDates.length, server.requests.length], [0, 0, 0, 1]);
  });

  test('stop() while waiting clears the timer; start() resumes with an immediate check', async () => {
    const { clock, server, poller, requestTimes } = setup(alwaysNew);
    poller.start();
    await clock.advance(1000);
    poller.stop();
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(1 * MINUTE);
    assert.deepEqual(requestTimes(), [0]);
    poller.start();
    await clock.advance(4000);
    assert.deepEqual(requestTimes(), [0, 61000, 63000, 65000]);
    assert.equal(server.open, 0);
    poller.stop();
  });

  test('start() after a final status polls again (a new attempt at the same invoice)', async () => {
    const { clock, poller, statuses } = setup((_, index) => statusReply(index === 0 ? 'FAILED' : 'NEW'));
    poller.start();
    await clock.flush();
    assert.equal(clock.pendingTimers, 0, 'stopped after FAILED');
    poller.start();
    await clock.advance(2000);
    assert.deepEqual(statuses.map((s) => s.status), ['FAILED', 'NEW', 'NEW']);
    poller.stop();
  });

  test('a fault after stop()+start() backs off from scratch', async () => {
    const { clock, poller, errors } = setup(() => 'network-error');
    poller.start();
    await clock.advance(13000);
    assert.deepEqual(errors.map((e) => e.retryInMs), [2000, 4000, 8000]);
    poller.stop();
    poller.start();
    await clock.flush();
    assert.equal(errors[3]!.retryInMs, 2000);
    poller.stop();
  });
});

describe('callbacks', () => {
  test('onServerDate gets the Date header and arrival time of every answer that has one, errors included', async () => {
    const dateHeader = 'Wed, 01 Jan 2025 08:00:00 GMT';
    const replies = [
      { body: { status: 'NEW' }, headers: { date: dateHeader }, delay: 300 },
      { status: 500, headers: { date: dateHeader } },
      { body: { status: 'NEW' } },
    ];
    const { clock, poller, serverDates } = setup((_, index) => replies[index] ?? statusReply('NEW'));
    poller.start();
    await clock.advance(10 * SECOND);
    assert.deepEqual(serverDates, [
      { header: dateHeader, receivedAt: FAKE_EPOCH + 300 },
      { header: dateHeader, receivedAt: FAKE_EPOCH + 2300 },
    ]);
    poller.stop();
  });

  test('stop() from inside onStatus or onError ends polling', async () => {
    const clock = new FakeClock();
    const server = createFakeFetch(clock, (_, index) => (index === 0 ? 'network-error' : statusReply('NEW')));
    let poller = createPoller({
      url: STATUS_URL,
      fetch: server.fetch,
      clock,
      onStatus: () => {},
      onError: () => poller.stop(),
    });
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.equal(server.requests.length, 1);
    assert.equal(clock.pendingTimers, 0);

    poller = createPoller({ url: STATUS_URL, fetch: server.fetch, clock, onStatus: () => poller.stop(), onError: () => {} });
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.equal(server.requests.length, 2);
    assert.equal(clock.pendingTimers, 0);
  });

  test('a throwing callback is reported and polling goes on', async (t) => {
    const reported = t.mock.method(console, 'error', () => {});
    const withDate = () => ({ body: { status: 'NEW' }, headers: { date: 'Wed, 01 Jan 2025 00:00:00 GMT' } });
    const { clock, poller, requestTimes } = setup(withDate, {
      onStatus: () => {
        throw new Error('merchant handler bug');
      },
      onServerDate: () => {
        throw new Error('clock handler bug');
      },
    });
    poller.start();
    await clock.advance(4000);
    assert.deepEqual(requestTimes(), [0, 2000, 4000]);
    const messages = reported.mock.calls.map((call) => String(call.arguments[0]));
    assert.equal(messages.length, 6);
    assert.equal(messages.filter((m) => /merchant handler bug/.test(m)).length, 3);
    assert.equal(messages.filter((m) => /clock handler bug/.test(m)).length, 3);
    poller.stop();
  });
});

describe('trust in an answer (issue 10)', () => {
  const expect = { invoiceId: 'INV-1', amount: 25000 };

  test('a PAID for another invoice or for less than the amount is an untrusted fault: no PAID, polling goes on', async () => {
    const answers = [
      { status: 'PAID', invoice_id: 'INV-2' },
      { status: 'PAID', paid_amount: 1 },
      { count: 2, rows: [{ payment_status: 'PAID', payment_amount: '60' }, { payment_status: 'PAID', payment_amount: '40' }] },
      { status: 'PAID', invoice_id: 'INV-1', paid_amount: 25000 },
    ];
    const { clock, poller, statuses, errors, server } = setup((_, index) => ({ body: answers[index] }), { expect });
    poller.start();
    await clock.advance(1 * MINUTE);
    assert.deepEqual(errors.map((e) => e.kind), ['untrusted', 'untrusted', 'untrusted']);
    assert.match(errors[0]!.message, /INV-2/);
    assert.match(errors[1]!.message, /1 of 25000/);
    assert.match(errors[2]!.message, /100 of 25000/);
    assert.deepEqual(statuses.map((s) => s.status), ['PAID'], 'only the full PAID for this invoice counts');
    assert.equal(server.requests.length, 4, 'polling went on after each untrusted PAID, and stopped at the real one');
  });

  test('an answer from another origin (a redirect) is an untrusted fault; a same-origin redirect is fine', async () => {
    let finalUrl = 'https://evil.example/paid';
    const clock = new FakeClock();
    const server = createFakeFetch(clock, () => statusReply('PAID'));
    const statuses: PaymentStatus[] = [];
    const errors: PollError[] = [];
    // fetch follows redirects itself; the Response says where it ended up.
    const redirected = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await server.fetch(input, init);
      Object.defineProperty(response, 'url', { value: finalUrl });
      Object.defineProperty(response, 'redirected', { value: true });
      return response;
    }) as typeof fetch;
    const poller = createPoller({ url: STATUS_URL, fetch: redirected, clock, random: () => 0, expect, onStatus: (s) => statuses.push(s), onError: (e) => errors.push(e) });
    poller.start();
    await clock.advance(1000);
    assert.deepEqual(errors.map((e) => e.kind), ['untrusted']);
    assert.match(errors[0]!.message, /evil\.example/);
    assert.equal(statuses.length, 0);
    finalUrl = 'https://shop.example/api/status/INV-1/';
    await clock.advance(1 * MINUTE);
    assert.deepEqual(statuses, ['PAID']);
  });

  test('a status body over 64 KB is a too-large fault read no further; polling goes on', async () => {
    const clock = new FakeClock();
    let pulled = 0;
    let calls = 0;
    const errors: PollError[] = [];
    const statuses: PaymentStatus[] = [];
    // The first answer never ends (a hostile or broken server); the second is a normal NEW.
    const endless = (async () => {
      calls += 1;
      if (calls > 1) return new Response('{"status":"NEW"}');
      const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
      return new Response(new ReadableStream({ pull: (controller) => void (pulled++, controller.enqueue(chunk)) }));
    }) as typeof fetch;
    const poller = createPoller({ url: STATUS_URL, fetch: endless, clock, random: () => 0, onStatus: (s) => statuses.push(s), onError: (e) => errors.push(e) });
    poller.start();
    await clock.advance(3000);
    assert.deepEqual(errors.map((e) => e.kind), ['too-large']);
    assert.match(errors[0]!.message, /65536 bytes/);
    assert.ok(pulled <= 8, `read ${pulled} chunks of 16 KB`);
    assert.deepEqual(statuses, ['NEW'], 'polling went on');
    poller.stop();
  });

  test('a Content-Length over the cap is refused before reading', async () => {
    const { clock, poller, errors } = setup(() => ({ body: '{"status":"NEW"}', headers: { 'content-length': '900000000' } }));
    poller.start();
    await clock.advance(100);
    assert.deepEqual(errors.map((e) => e.kind), ['too-large']);
    poller.stop();
  });
});

describe('re-attach throttle (issue 10)', () => {
  test('lastCheckAt: start() waits until one interval after the previous poller last asked', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew, { lastCheckAt: FAKE_EPOCH - 500 });
    poller.start();
    poller.checkNow();
    await clock.advance(5000);
    assert.deepEqual(requestTimes(), [1500, 3500], 'first check 2 s after the last one, then the usual pace');
    poller.stop();
  });

  test('lastCheckAt long ago: start() asks at once', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew, { lastCheckAt: FAKE_EPOCH - 60_000 });
    poller.start();
    await clock.advance(100);
    assert.deepEqual(requestTimes(), [0]);
    poller.stop();
  });
});

describe('setRelaxed (a healthy event stream beside the poller)', () => {
  test('relaxed: a safety-net check every 15 s; back to the interval at once when the stream fails', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew);
    poller.start();
    await clock.advance(1 * SECOND);
    poller.setRelaxed(true); // the stream delivered a status: the pending 2 s wait stretches to 15 s
    await clock.advance(44 * SECOND);
    assert.deepEqual(requestTimes(), [0, 15000, 30000, 45000]);
    await clock.advance(5 * SECOND);
    poller.setRelaxed(false); // 5 s since the last answer, more than the interval: checks now
    await clock.advance(0);
    await clock.advance(4 * SECOND);
    assert.deepEqual(requestTimes(), [0, 15000, 30000, 45000, 50000, 52000, 54000]);
    poller.stop();
  });

  test('relaxed is never faster than the interval', async () => {
    const { clock, poller, requestTimes } = setup(alwaysNew, { interval: 20000, relaxedInterval: 15000 });
    poller.start();
    poller.setRelaxed(true);
    await clock.advance(41 * SECOND);
    assert.deepEqual(requestTimes(), [0, 20000, 40000]);
    poller.stop();
  });
});

describe('the customer comes back', () => {
  test('checkNow() tells the server with return=1, added to the template\'s own query; scheduled checks do not', async () => {
    const { clock, server, poller } = setup(alwaysNew, { url: 'https://shop.example/status?invoice=INV-1&shop=a#top' });
    poller.start();
    await clock.advance(100);
    poller.checkNow();
    await clock.advance(100);
    await clock.advance(2000);
    const urls = server.requests.map((request) => request.url);
    assert.deepEqual(urls, [
      'https://shop.example/status?invoice=INV-1&shop=a#top',
      'https://shop.example/status?invoice=INV-1&shop=a&return=1#top',
      'https://shop.example/status?invoice=INV-1&shop=a#top',
    ]);
  });
});
