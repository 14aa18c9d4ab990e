// Loads JSON fixtures from test/fixtures (served by the test runner), each call a fresh copy.
const cache = new Map<string, Promise<unknown>>();

export async function loadFixture<T = Record<string, unknown>>(name: string): Promise<T> {
  let loading = cache.get(name);
  if (!loading) {
    loading = fetch(new URL(`../../fixtures/${name}`, import.meta.url)).then((response) => {
      if (!response.ok) throw new Error(`fixture ${name}: HTTP ${response.status}`);
      return response.json();
    });
    cache.set(name, loading);
  }
  return structuredClone(await loading) as T;
}

export interface QPayInvoice {
  invoice_id: string;
  qr_text: string;
  qr_image: string;
  qPay_shortUrl?: string;
  urls: { name: string; description?: string; logo?: string; link: string }[];
  [extra: string]: unknown;
}

export interface TBankInvoice {
  outTradeNo: string;
  codeUrl: string;
  totalAmount: string;
  currency: string;
  merchantName: string;
  [extra: string]: unknown;
}

/** The QPay document's invoice response: a real qr_image PNG and 10 bank links without logos. */
export const qpayInvoice = () => loadFixture<QPayInvoice>('invoice-create-response.json');
/** A composed QPay response: logos, qPay_shortUrl, and a truncated (unusable) qr_image. */
export const qpayComposedInvoice = () => loadFixture<QPayInvoice>('qpay-invoice-create-response.composed.json');
/** TBank QRPAY answer from its document: codeUrl, outTradeNo, totalAmount. */
export const tbankInvoice = () => loadFixture<TBankInvoice>('tbank-qrpay-response.json');
/** NSPK c2bmembers.json sample (192 banks). */
export const nspkBanks = () => loadFixture<{ dictionary: { bankName: string; logoURL: string; schema: string }[] }>('nspk-c2bmembers.sample.json');

/** An ISO 8601 instant `ms` from now (local clock). */
export function isoIn(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}
