// core/app-open: after a bank tap, the page still visible 2.5 s later means the app did not open; a page that
// went hidden (the app opened), or a timer that fired late because the page was frozen, means it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_OPEN_WAIT_MS, AppOpenWatch, FROZEN_LATE_MS, appDidNotOpen, type WatchedPage } from '../../../src/core/app-open.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A page whose visibility the test sets, counting its visibilitychange listeners. */
class FakePage extends EventTarget implements WatchedPage {
  visibilityState: DocumentVisibilityState = 'visible';
  listeners = 0;
  override addEventListener(type: 'visibilitychange', listener: () => void): void {
    this.listeners++;
    super.addEventListener(type, listener);
  }
  override removeEventListener(type: 'visibilitychange', listener: () => void): void {
    this.listeners--;
    super.removeEventListener(type, listener);
  }
  show(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

function setup(): { clock: FakeClock; page: FakePage; watch: AppOpenWatch; verdicts: number[] } {
  const clock = new FakeClock();
  const page = new FakePage();
  const verdicts: number[] = [];
  const watch = new AppOpenWatch(() => verdicts.push(clock.now()), page, clock);
  return { clock, page, watch, verdicts };
}

test('the decision: visible and on time means not opened; hidden or frozen-late means opened', () => {
  assert.equal(appDidNotOpen(APP_OPEN_WAIT_MS, 'visible'), true);
  assert.equal(appDidNotOpen(APP_OPEN_WAIT_MS + FROZEN_LATE_MS - 1, 'visible'), true);
  assert.equal(appDidNotOpen(APP_OPEN_WAIT_MS, 'hidden'), false);
  assert.equal(appDidNotOpen(APP_OPEN_WAIT_MS + FROZEN_LATE_MS, 'visible'), false);
  assert.equal(appDidNotOpen(60_000, 'visible'), false);
});

test('a tap on a page that stays visible: the verdict comes once, 2.5 s later, and the page is let go', async () => {
  const { clock, page, watch, verdicts } = setup();
  const tappedAt = clock.now();
  watch.tapped();
  assert.equal(page.listeners, 1);
  await clock.advance(APP_OPEN_WAIT_MS - 1);
  assert.deepEqual(verdicts, []);
  await clock.advance(1);
  assert.deepEqual(verdicts, [tappedAt + APP_OPEN_WAIT_MS]);
  await clock.advance(10_000);
  assert.equal(verdicts.length, 1);
  assert.equal(page.listeners, 0);
  assert.equal(watch.waiting, false);
});

test('the page going hidden ends the wait: no verdict, then or after the customer comes back', async () => {
  const { clock, page, watch, verdicts } = setup();
  watch.tapped();
  await clock.advance(300);
  page.show('hidden');
  assert.equal(watch.waiting, false);
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(1000);
  page.show('visible');
  await clock.advance(10_000);
  assert.deepEqual(verdicts, []);
});

test('a page hidden when the wait ends (its event not seen) gets no verdict', async () => {
  const { clock, page, watch, verdicts } = setup();
  watch.tapped();
  page.visibilityState = 'hidden';
  await clock.advance(APP_OPEN_WAIT_MS);
  assert.deepEqual(verdicts, []);
});

test('a timer that fires late (the page was frozen behind the app) gets no verdict', async () => {
  const { page, verdicts } = setup();
  // A clock whose timer runs only when the test says, with time jumping meanwhile (as on a frozen page).
  let now = 0;
  let due: (() => void) | undefined;
  const frozenClock = { now: () => now, setTimeout: (fn: () => void) => ((due = fn), 1), clearTimeout: () => (due = undefined) };
  const watch = new AppOpenWatch(() => verdicts.push(now), page, frozenClock);
  watch.tapped();
  now = 40_000;
  due!();
  assert.deepEqual(verdicts, []);
});

test('a second tap restarts the wait; stop() cancels it', async () => {
  const { clock, page, watch, verdicts } = setup();
  watch.tapped();
  await clock.advance(2000);
  watch.tapped();
  assert.equal(page.listeners, 1, 'one listener however many taps');
  await clock.advance(2000);
  assert.deepEqual(verdicts, [], '4 s after the first tap, 2 s after the second');
  await clock.advance(500);
  assert.equal(verdicts.length, 1);

  watch.tapped();
  watch.stop();
  await clock.advance(10_000);
  assert.equal(verdicts.length, 1);
  assert.equal(page.listeners, 0);
  assert.equal(clock.pendingTimers, 0);
});
