// The naive baseline's bundle: plain DOM code + qrcode, exposed for the bench harness.
import { mountNaiveCheckout } from '../baseline/naive-checkout.js';

(globalThis as { NaiveCheckout?: unknown }).NaiveCheckout = { mountNaiveCheckout };
