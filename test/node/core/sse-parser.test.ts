// The event-stream parser: the standard's line and field rules, events split across chunks at any byte,
// and the per-event byte cap that keeps one endless line from being held in memory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStreamParser, type ServerSentEvent } from '../../../src/core/sse-parser.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `text` split into chunks of `size` bytes; returns every event, or null once the cap was passed. */
function parse(text: string, size = Infinity, max = 64 * 1024, parser = new EventStreamParser(max)): ServerSentEvent[] | null {
  const all = bytes(text);
  const events: ServerSentEvent[] = [];
  for (let at = 0; at < all.length; at += Math.min(size, all.length)) {
    const got = parser.push(all.subarray(at, at + size));
    if (!got) return null;
    events.push(...got);
  }
  return events;
}

describe('event-stream parser', () => {
  test('fields, comments, ids, retry, and the three line endings', () => {
    const parser = new EventStreamParser(1024);
    const text = '\uFEFFretry: 300\r\n: keep-alive\n\nid: NEW.0\nevent: status\ndata: {"status":\ndata:"NEW"}\r\rdata: plain\n\nid\n\n';
    const events = parse(text, Infinity, 1024, parser);
    assert.deepEqual(events, [
      { type: 'status', data: '{"status":\n"NEW"}', lastEventId: 'NEW.0' },
      { type: 'message', data: 'plain', lastEventId: 'NEW.0' },
    ]);
    assert.equal(parser.retry, 300);
    assert.equal(parser.lastEventId, '', 'an empty id resets it');
  });

  test('the same events whatever the chunk boundaries (a CRLF split between chunks too)', () => {
    const text = 'id: 1\r\nevent: status\r\ndata: {"status":"PAID"}\r\n\r\n: ping\r\n\r\nid: 2\rdata: ĞŸ Ó©\r\r';
    const whole = parse(text);
    assert.equal(whole!.length, 2);
    assert.equal(whole![1]!.data, 'ĞŸ Ó©');
    for (let size = 1; size < 12; size++) assert.deepEqual(parse(text, size), whole, `chunks of ${size} bytes`);
  });

  test('an unfinished event is not dispatched; an id with NUL is ignored; the id carries over to a new connection', () => {
    assert.deepEqual(parse('data: half'), []);
    assert.deepEqual(parse('id: a\0b\ndata: x\n\n'), [{ type: 'message', data: 'x', lastEventId: '' }]);
    assert.deepEqual(new EventStreamParser(100, 'PAID.1').push(bytes('data: x\n\n')), [{ type: 'message', data: 'x', lastEventId: 'PAID.1' }]);
  });

  test('an event over the cap is refused at the cap, in one chunk or many, and nothing is taken after', () => {
    const max = 64 * 1024;
    const fits = `data: ${'x'.repeat(max - 8)}\n\n`; // 'data: ' + payload + '\n' = max - 1 bytes, then the blank line
    assert.equal(parse(fits, 1000, max)![0]!.data.length, max - 8);
    const line = `data: ${'x'.repeat(max)}`;
    assert.equal(parse(line, 4096, max), null, 'an endless line, no line break yet');
    assert.equal(parse(`${line}\n\n`, Infinity, max), null);
    // Many small lines of one event count together; comments and blank lines between events reset the count.
    assert.equal(parse(`${'data: 0123456789\n'.repeat(4000)}\n`, 500, max), null);
    assert.equal(parse(`${'data: 0123456789\n\n'.repeat(8000)}`, 500, max)!.length, 8000);
    const parser = new EventStreamParser(10);
    assert.equal(parser.push(bytes('data: 0123456789')), null);
    assert.equal(parser.overflowed, true);
    assert.equal(parser.push(bytes('\n\n')), null);
  });
});
