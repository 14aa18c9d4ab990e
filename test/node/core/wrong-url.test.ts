// The console warning for a status-url or events-url that looks mistyped: after N wrong-looking answers in a
// row, once, naming the attribute and the URL; any other answer starts the count again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WrongUrlWatch } from '../../../src/core/wrong-url.js';
import { NOT_JSON, PollError } from '../../../src/core/poller.js';

const URL_ = 'https://shop.example/qpay/stauts/123';
const http = (status: number) => new PollError('http', `Status request answered HTTP ${status}`, status);

test('status-url: 404 three times in a row warns once, with the attribute and the URL', () => {
  const warnings: string[] = [];
  const watch = new WrongUrlWatch('status-url', URL_, 3, (message) => warnings.push(message));
  watch.note(http(404));
  watch.note(http(404));
  watch.note(null); // a believed status: the URL works
  watch.note(http(404));
  watch.note(http(500)); // an outage, not a wrong URL
  watch.note(http(404));
  watch.note(http(404));
  assert.deepEqual(warnings, []);
  watch.note(http(404));
  for (let i = 0; i < 10; i++) watch.note(http(404));
  assert.deepEqual(warnings, [`qpay-checkout: status-url ${URL_} answered HTTP 404 three times in a row; check the attribute`]);
});

test('status-url: an answer that is not JSON (a proxy page) counts; JSON without a known status does not', () => {
  const warnings: string[] = [];
  const watch = new WrongUrlWatch('status-url', URL_, 3, (message) => warnings.push(message));
  const unknownWord = new PollError('malformed', 'Status answer has no known payment status');
  for (const error of [new PollError('malformed', NOT_JSON), unknownWord, new PollError('malformed', NOT_JSON), new PollError('malformed', NOT_JSON)]) watch.note(error);
  assert.deepEqual(warnings, []);
  watch.note(new PollError('malformed', NOT_JSON));
  assert.deepEqual(warnings, [`qpay-checkout: status-url ${URL_} answered something that is not JSON three times in a row; check the attribute`]);
});

test('events-url: the one answer that is not a stream warns at once', () => {
  const warnings: string[] = [];
  const events = 'https://shop.example/qpay/evnts/123';
  new WrongUrlWatch('events-url', events, 1, (message) => warnings.push(message)).note(new PollError('stream', 'not a stream', 404));
  new WrongUrlWatch('events-url', events, 1, (message) => warnings.push(message)).note(new PollError('stream', 'not a stream'));
  assert.deepEqual(warnings, [
    `qpay-checkout: events-url ${events} answered HTTP 404; check the attribute`,
    `qpay-checkout: events-url ${events} answered something that is not an event stream; check the attribute`,
  ]);
});

test('events-url: a busy or failing server is no sign of a wrong URL (the per-client stream cap, an outage)', () => {
  const warnings: string[] = [];
  const events = 'https://shop.example/qpay/events/123';
  for (const status of [429, 408, 500, 502, 503]) {
    new WrongUrlWatch('events-url', events, 1, (message) => warnings.push(message)).note(new PollError('stream', 'not a stream', status));
  }
  assert.equal(warnings.length, 0, warnings.join('\n'));
  new WrongUrlWatch('events-url', events, 1, (message) => warnings.push(message)).note(new PollError('stream', 'not a stream', 403));
  assert.deepEqual(warnings, [`qpay-checkout: events-url ${events} answered HTTP 403; check the attribute`]);
});
