// At most one report per kind per span, each kind on its own clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimit } from '../../../src/core/rate-limit.js';

test('one report per kind per 5 s; other kinds are not held back', () => {
  let now = 1_000_000;
  const limit = new RateLimit(5000, () => now);
  assert.equal(limit.allow('malformed'), true);
  assert.equal(limit.allow('malformed'), false);
  now += 1000;
  assert.equal(limit.allow('untrusted'), true);
  now += 3999;
  assert.equal(limit.allow('malformed'), false);
  now += 1;
  assert.equal(limit.allow('malformed'), true);
  assert.equal(limit.allow('untrusted'), false, 'untrusted went out 4 s ago');
  now += 1000;
  assert.equal(limit.allow('untrusted'), true);
});
