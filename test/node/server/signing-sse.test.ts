import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackSigner, MIN_CALLBACK_SECRET_LENGTH } from '../../../src/server/checkout/signing.js';
import { serializeComment, serializeEvent } from '../../../src/server/http/sse.js';

const SECRET = 'k'.repeat(MIN_CALLBACK_SECRET_LENGTH);

describe('callback signatures', () => {
  it('verifies its own signature and refuses any other order, reference, secret or text', async () => {
    const signer = new CallbackSigner(SECRET);
    const sig = await signer.sign('order-1', 'rREF');
    assert.match(sig, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await signer.verify('order-1', 'rREF', sig), true);
    assert.equal(await signer.verify('order-2', 'rREF', sig), false);
    assert.equal(await signer.verify('order-1', 'rREG', sig), false);
    assert.equal(await new CallbackSigner(`${SECRET}x`).verify('order-1', 'rREF', sig), false);
    assert.equal(await signer.verify('order-1', 'rREF', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`), false);
    for (const bad of ['', 'x', sig + 'A', '!'.repeat(43)]) assert.equal(await signer.verify('order-1', 'rREF', bad), false, bad);
  });

  it('the same secret signs alike in every instance; a made-up secret does not carry over', async () => {
    const sig = await new CallbackSigner(SECRET).sign('o', 'r');
    assert.equal(await new CallbackSigner(SECRET).verify('o', 'r', sig), true);
    const random = new CallbackSigner(undefined);
    assert.equal(random.shared, false);
    assert.equal(await new CallbackSigner(undefined).verify('o', 'r', await random.sign('o', 'r')), false);
  });

  it('refuses a short secret with its length in the message', () => {
    assert.throws(() => new CallbackSigner('short'), /at least 32 characters \(got 5 characters\)/);
    assert.throws(() => new CallbackSigner(42 as unknown as string), /got a number/);
  });
});

describe('server-sent events', () => {
  it('writes data with line breaks as separate data lines, so no payload can start a field or an event', () => {
    const text = serializeEvent({ event: 'status', id: 'PAID.100', data: '{"a":1}\r\nevent: status\ndata: {"status":"PAID"}\r\rid: x' });
    assert.equal(
      text,
      'id: PAID.100\nevent: status\ndata: {"a":1}\ndata: event: status\ndata: data: {"status":"PAID"}\ndata: \ndata: id: x\n\n',
    );
    // A parser splitting on CR, LF and CRLF sees exactly one event with only id, event and data fields.
    const fields = text.split(/\r\n|\r|\n/).filter(Boolean).map((line) => line.slice(0, line.indexOf(':')));
    assert.deepEqual([...new Set(fields)], ['id', 'event', 'data']);
    assert.equal(text.indexOf('\n\n'), text.length - 2, 'one blank line, at the end');
  });

  it('refuses an id or event type that is not one line', () => {
    assert.throws(() => serializeEvent({ id: 'a\nb', data: '' }), /id must be one line/);
    assert.throws(() => serializeEvent({ event: 'a\rb', data: '' }), /event must be one line/);
    assert.throws(() => serializeEvent({ id: 'a\u0000', data: '' }), /without NUL/);
  });

  it('writes comments line by line', () => {
    assert.equal(serializeComment('keep-alive'), ': keep-alive\n\n');
    assert.equal(serializeComment('a\nb'), ': a\n: b\n\n');
  });
});
