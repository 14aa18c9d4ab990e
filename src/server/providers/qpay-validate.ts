// Checks invoice and paging requests against the v2 document's field tables (required fields and
// "Урт ихдээ" maximum lengths) before anything is sent, so a shop sees which field is wrong
// instead of QPay's nested `{field: {type: 'INVALID'}}` answer. Pure; throws QPayValidationError.
import { QPayValidationError } from '../errors.js';

type Rule =
  | { kind: 'string'; required?: boolean; max?: number }
  | { kind: 'number'; required?: boolean; min?: number; max?: number; positive?: boolean }
  | { kind: 'boolean' }
  | { kind: 'object'; fields?: Schema }
  | { kind: 'array'; items: Schema };
type Schema = Record<string, Rule>;

const str = (max?: number, required = false): Rule => ({ kind: 'string', required, ...(max ? { max } : {}) });
const num = (required = false, positive = false): Rule => ({ kind: 'number', required, positive });

const ADDRESS: Schema = {
  city: str(100), district: str(100), street: str(100), building: str(100), address: str(100),
  zipcode: str(20), longitude: str(20), latitude: str(20),
};
const PARTY: Schema = {
  register: str(20), name: str(100), email: str(255), phone: str(20), address: { kind: 'object', fields: ADDRESS },
};
const ADJUSTMENT = (codeField: string): Schema => ({
  [codeField]: str(45), description: str(100, true), amount: num(true), note: str(),
});
const LINE: Schema = {
  sender_product_code: str(45),
  tax_product_code: str(45),
  line_description: str(255, true),
  line_quantity: num(true, true),
  line_unit_price: num(true),
  note: str(),
  discounts: { kind: 'array', items: ADJUSTMENT('discount_code') },
  surcharges: { kind: 'array', items: ADJUSTMENT('surcharge_code') },
  taxes: { kind: 'array', items: { ...ADJUSTMENT('tax_code'), city_tax: num() } },
};
const TRANSACTION: Schema = {
  description: str(100, true),
  amount: num(true, true),
  accounts: {
    kind: 'array',
    items: {
      account_bank_code: str(undefined, true), account_number: str(100, true),
      account_name: str(100, true), account_currency: str(undefined, true),
    },
  },
};

const INVOICE_COMMON: Schema = {
  invoice_code: str(45, true),
  sender_invoice_no: str(45, true),
  invoice_receiver_code: str(45, true),
  invoice_description: str(255, true),
  callback_url: str(255),
};

/** The full form's table. */
export const FULL_INVOICE_SCHEMA: Schema = {
  ...INVOICE_COMMON,
  sender_branch_code: str(45),
  sender_branch_data: { kind: 'object', fields: PARTY },
  sender_staff_code: str(100),
  sender_staff_data: { kind: 'object' },
  sender_terminal_code: str(45),
  sender_terminal_data: { kind: 'object', fields: { name: str(100) } },
  invoice_receiver_data: { kind: 'object', fields: PARTY },
  invoice_due_date: str(),
  enable_expiry: { kind: 'boolean' },
  expiry_date: str(),
  calculate_vat: { kind: 'boolean' },
  tax_customer_code: str(),
  line_tax_code: str(),
  allow_partial: { kind: 'boolean' },
  minimum_amount: num(false, true),
  allow_exceed: { kind: 'boolean' },
  maximum_amount: num(false, true),
  amount: num(false, true),
  note: str(1000),
  lines: { kind: 'array', items: LINE },
  transactions: { kind: 'array', items: TRANSACTION },
};

/** The simple ("test") form's table: all six fields required. */
export const SIMPLE_INVOICE_SCHEMA: Schema = {
  ...INVOICE_COMMON,
  amount: num(true, true),
  callback_url: str(255, true),
};

/** Counts characters as people do (a Cyrillic letter is one), not UTF-16 units or bytes. */
function charLength(text: string): number {
  return [...text].length;
}

/** A number, or a decimal string such as "10000.00" (the document's own examples send strings). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function checkValue(path: string, value: unknown, rule: Rule): void {
  if (value === undefined || value === null) {
    if ('required' in rule && rule.required) throw new QPayValidationError(path, 'is required');
    return;
  }
  switch (rule.kind) {
    case 'string': {
      if (typeof value !== 'string') throw new QPayValidationError(path, `must be a string, got ${typeof value}`);
      if (rule.required && value.trim() === '') throw new QPayValidationError(path, 'is required (empty string)');
      if (rule.max !== undefined && charLength(value) > rule.max) {
        throw new QPayValidationError(path, `is ${charLength(value)} characters long; QPay allows at most ${rule.max}`);
      }
      return;
    }
    case 'number': {
      const n = toNumber(value);
      if (n === undefined) throw new QPayValidationError(path, `must be a finite number, got ${JSON.stringify(value)}`);
      if (rule.positive && n <= 0) throw new QPayValidationError(path, `must be greater than 0, got ${n}`);
      if (rule.min !== undefined && n < rule.min) throw new QPayValidationError(path, `must be at least ${rule.min}, got ${n}`);
      if (rule.max !== undefined && n > rule.max) throw new QPayValidationError(path, `must be at most ${rule.max}, got ${n}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new QPayValidationError(path, 'must be true or false');
      return;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) throw new QPayValidationError(path, 'must be an object');
      if (rule.fields) checkObject(path, value as Record<string, unknown>, rule.fields);
      return;
    case 'array':
      if (!Array.isArray(value)) throw new QPayValidationError(path, 'must be an array');
      value.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          throw new QPayValidationError(itemPath, 'must be an object');
        }
        checkObject(itemPath, item as Record<string, unknown>, rule.items);
      });
  }
}

function checkObject(prefix: string, value: Record<string, unknown>, schema: Schema): void {
  for (const [field, rule] of Object.entries(schema)) {
    checkValue(prefix ? `${prefix}.${field}` : field, value[field], rule);
  }
}

/** Validates the full invoice form; an invoice needs an `amount` or at least one line. */
export function validateInvoiceRequest(request: unknown): void {
  if (typeof request !== 'object' || request === null) throw new QPayValidationError('invoice', 'must be an object');
  const body = request as Record<string, unknown>;
  checkObject('', body, FULL_INVOICE_SCHEMA);
  const hasLines = Array.isArray(body.lines) && body.lines.length > 0;
  if ((body.amount === undefined || body.amount === null) && !hasLines) {
    throw new QPayValidationError('amount', 'is required when the invoice has no lines');
  }
}

/** Validates the simple invoice form. */
export function validateSimpleInvoiceRequest(request: unknown): void {
  if (typeof request !== 'object' || request === null) throw new QPayValidationError('invoice', 'must be an object');
  checkObject('', request as Record<string, unknown>, SIMPLE_INVOICE_SCHEMA);
}

/** `offset.page_number` ≥ 1 and `offset.page_limit` 1..100, as the document says. */
export function validateOffset(offset: unknown): void {
  if (offset === undefined) return;
  checkValue('offset', offset, {
    kind: 'object',
    fields: {
      page_number: { kind: 'number', required: true, min: 1 },
      page_limit: { kind: 'number', required: true, min: 1, max: 100 },
    },
  });
  const { page_number, page_limit } = offset as { page_number: unknown; page_limit: unknown };
  if (!Number.isInteger(Number(page_number))) throw new QPayValidationError('offset.page_number', 'must be a whole number');
  if (!Number.isInteger(Number(page_limit))) throw new QPayValidationError('offset.page_limit', 'must be a whole number');
}

/** A path segment id: non-empty, short, and no characters that would change the URL. */
export function validateId(field: string, id: unknown): string {
  if (typeof id !== 'string' || id.trim() === '') throw new QPayValidationError(field, 'is required');
  if (id.length > 128) throw new QPayValidationError(field, 'is longer than 128 characters');
  return id;
}

/**
 * An id that becomes one URL path segment (`/v2/invoice/{id}`): besides `validateId`, no `.` or
 * `..` (a dot segment would turn `GET /v2/invoice/..` into `GET /v2/` with the bearer token), no
 * slash, backslash, `?`, `#`, `%`, whitespace or control character. QPay's ids are UUIDs and digits.
 */
export function validatePathId(field: string, id: unknown): string {
  const checked = validateId(field, id);
  if (checked === '.' || checked === '..') throw new QPayValidationError(field, `must not be a dot segment, got ${JSON.stringify(checked)}`);
  // eslint-disable-next-line no-control-regex
  if (/[/\\?#%\s\u0000-\u001f\u007f]/.test(checked)) {
    throw new QPayValidationError(field, `must not contain slashes, ?, #, %, whitespace or control characters, got ${JSON.stringify(checked.slice(0, 40))}`);
  }
  return checked;
}

/** Validates a required short string (e.g. payment list `object_id`, max 45). */
export function validateString(field: string, value: unknown, max?: number): void {
  checkValue(field, value, str(max, true));
}
