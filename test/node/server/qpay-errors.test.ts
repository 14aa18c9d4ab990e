import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QPayError, normalizeQPayCode } from '../../../src/server/index.js';
import { qpayErrorFromResponse } from '../../../src/server/errors.js';
import { fixture, makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

type ErrorFixture = { http_status: number; body?: unknown; body_text?: string };
const shapes = fixture<Record<string, ErrorFixture>>('qpay-error-responses.json');

/** What each fixture must become: [status, code, field, fragment of QPay's text kept in `detail`]. */
const expected: Record<string, [number, string, string | undefined, RegExp]> = {
  documented_flat: [404, 'INVOICE_NOTFOUND', undefined, /Invoice not found/],
  payment_settled: [409, 'PAYMENT_SETTLED', undefined, /PAYMENT_SETTLED/],
  no_credentials_sandbox_spelling: [401, 'NO_CREDENTIALS', undefined, /NO_CREDENDIALS/], // code normalised, QPay's text kept as sent,
  no_credentials_production_spelling: [401, 'NO_CREDENTIALS', undefined, /Хандах эрхгүй/],
  validation_nested_invoice_code: [400, 'INVALID', 'invoice_code', /invoice_code: Invalid!/],
  validation_nested_page_limit: [400, 'MIN_NUMBER', 'page_limit', /page_limit: Number min value \[1\]!/],
  non_json_500: [500, 'HTTP_500', undefined, /internal server error/],
};

const bodyText = (shape: ErrorFixture) => shape.body_text ?? JSON.stringify(shape.body);

describe('QPay error shapes (reference fixtures)', () => {
  it('has an expectation for every fixture shape', () => {
    assert.deepEqual(Object.keys(shapes).sort(), Object.keys(expected).sort());
  });

  for (const [name, shape] of Object.entries(shapes)) {
    it(`parses ${name}`, () => {
      const [status, code, field, message] = expected[name]!;
      const error = qpayErrorFromResponse(shape.http_status, bodyText(shape), 'invoice get');
      assert.ok(error instanceof QPayError);
      assert.ok(error instanceof Error);
      assert.equal(error.status, status);
      assert.equal(error.code, code);
      assert.equal(error.field, field);
      // QPay's own text is for the shop's log (`detail`), never in `message`, which a browser may see.
      assert.match(error.detail, message);
      assert.doesNotMatch(error.detail, /\[object Object\]/);
      assert.match(error.message, new RegExp(`^QPay invoice get (failed|rejected field \\w+): ${code} \\(HTTP ${status}\\)$`));
      assert.equal(error.provider, 'qpay');
      assert.equal(error.operation, 'invoice get');
    });
  }

  it('reads `error_code` when `error` is absent', () => {
    const error = qpayErrorFromResponse(400, JSON.stringify({ error_code: 'INVALID_AMOUNT', message: 'Дүн буруу' }), 'invoice create');
    assert.equal(error.code, 'INVALID_AMOUNT');
    assert.match(error.detail, /Дүн буруу/);
    assert.doesNotMatch(error.message, /Дүн буруу/);
  });

  it('reads the code from `message` when it is the only field', () => {
    assert.equal(qpayErrorFromResponse(400, '{"message":"INVOICE_PAID"}', 'x').code, 'INVOICE_PAID');
  });

  it('keeps every nested field error', () => {
    const body = { error: { amount: { type: 'REQUIRED', message: 'Required!' }, invoice_code: { type: 'INVALID', message: 'Invalid!' } } };
    const error = qpayErrorFromResponse(400, JSON.stringify(body), 'invoice create');
    assert.deepEqual(Object.keys(error.fields ?? {}), ['amount', 'invoice_code']);
    assert.match(error.detail, /amount: Required!; invoice_code: Invalid!/);
    assert.equal(error.message, 'QPay invoice create rejected field amount: REQUIRED (HTTP 400)');
  });

  it('answers an empty body with the HTTP status as code', () => {
    const error = qpayErrorFromResponse(502, '', 'payment check');
    assert.equal(error.code, 'HTTP_502');
    assert.match(error.message, /HTTP 502/);
  });

  it('normalises the sandbox spelling only', () => {
    assert.equal(normalizeQPayCode('NO_CREDENDIALS'), 'NO_CREDENTIALS');
    assert.equal(normalizeQPayCode(' INVOICE_NOTFOUND '), 'INVOICE_NOTFOUND');
  });

  it('serialises to code and message only (what the handler may show)', () => {
    const error = qpayErrorFromResponse(404, bodyText(shapes.documented_flat!), 'invoice get');
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(error))).sort(), ['error', 'message', 'status']);
  });
});

describe('QPay error shapes through the client', () => {
  const clock = makeClock();
  const env = makeMockServer(clock);
  before(() => env.listen());
  after(() => env.close());

  for (const [name, shape] of Object.entries(shapes)) {
    it(`surfaces ${name} as a QPayError from a real call`, async () => {
      const { client } = makeClient(clock, { retry: { retries: 0 } });
      await client.token();
      const [status, code, field] = expected[name]!;
      // A 401 is retried once after a re-login, so queue the answer twice.
      env.controls.failNext('invoice/get', { status: shape.http_status, body: shape.body ?? shape.body_text }, shape.http_status === 401 ? 2 : 1);
      await assert.rejects(client.getInvoice('00f94137-66fd-4d90-b2b2-8225c1b4ed2d'), (error: unknown) => {
        assert.ok(error instanceof QPayError);
        assert.deepEqual([error.status, error.code, error.field], [status, code, field]);
        return true;
      });
    });
  }
});
