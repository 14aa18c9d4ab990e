import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandStatusUrl } from '../../../src/core/status-url.js';

test('{id} is replaced by the URL-encoded invoice id, everywhere it appears', () => {
  assert.equal(expandStatusUrl('/api/invoices/{id}/status', 'abc-123'), '/api/invoices/abc-123/status');
  assert.equal(
    expandStatusUrl('https://shop.mn/pay/{id}?again={id}', 'a b/c?d&e#f'),
    'https://shop.mn/pay/a%20b%2Fc%3Fd%26e%23f?again=a%20b%2Fc%3Fd%26e%23f',
  );
});

test('a template that went through new URL() (%7Bid%7D) still expands', () => {
  const template = new URL('https://shop.mn/status/{id}').href;
  assert.equal(expandStatusUrl(template, 'X1'), 'https://shop.mn/status/X1');
});

test('without {id}, invoice_id is added as a query parameter, keeping query and hash', () => {
  assert.equal(expandStatusUrl('/status', 'inv 1'), '/status?invoice_id=inv%201');
  assert.equal(expandStatusUrl('/status?shop=7&lang=mn', 'inv1'), '/status?shop=7&lang=mn&invoice_id=inv1');
  assert.equal(expandStatusUrl('/status?q=a+b%20c#frag', 'inv1'), '/status?q=a+b%20c&invoice_id=inv1#frag');
  assert.equal(expandStatusUrl('/status#top', 'inv1'), '/status?invoice_id=inv1#top');
  assert.equal(expandStatusUrl('/status?', 'inv1'), '/status?invoice_id=inv1');
  assert.equal(expandStatusUrl('/status?a=1&', 'inv1'), '/status?a=1&invoice_id=inv1');
});

test('relative URLs stay relative without a base and resolve against one when given', () => {
  assert.equal(expandStatusUrl('status/{id}', '9'), 'status/9');
  assert.equal(expandStatusUrl('status/{id}', '9', 'https://shop.mn/checkout/page.html'), 'https://shop.mn/checkout/status/9');
  assert.equal(expandStatusUrl('/status', '9', 'https://shop.mn/checkout/'), 'https://shop.mn/status?invoice_id=9');
  assert.equal(expandStatusUrl('https://api.shop.mn/s/{id}', '9', 'https://shop.mn/'), 'https://api.shop.mn/s/9');
});

test('bad input gets a clear TypeError', () => {
  assert.throws(() => expandStatusUrl('', 'x'), { name: 'TypeError', message: /non-empty URL template/ });
  assert.throws(() => expandStatusUrl('   ', 'x'), TypeError);
  assert.throws(() => expandStatusUrl('/s/{id}', ''), { name: 'TypeError', message: /invoice id/ });
  assert.throws(() => expandStatusUrl('javascript:alert({id})', 'x'), { message: /only http\(s\)/ });
  assert.throws(() => expandStatusUrl('JavaScript:alert(1)', 'x'), { message: /only http\(s\)/ });
  assert.throws(() => expandStatusUrl('data:text/plain,{id}', 'x'), { message: /only http\(s\)/ });
  assert.throws(() => expandStatusUrl('/s/{id}', 'x', 'not a base'), { message: 'status-url: cannot resolve "/s/x" against "not a base"' });
  assert.throws(() => expandStatusUrl('javascript:alert(1)//{id}', 'x'), { message: /only http\(s\) URLs can be polled, got "javascript:"/ });
  assert.throws(() => expandStatusUrl('', 'x'), { message: /such as "\/qpay\/status\/\{id\}"/ });
});
