// What the durable tests share on top of the cluster kit: waiting for a condition on the shops' logs, paying an
// invoice at the QPay mock, and finding which shop process a logged pid is.
import assert from 'node:assert/strict';
import type { QPayMock } from '../../../src/mock/index.js';
import { callbackPath, createInvoice, type Cluster } from '../cluster/cluster-kit.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the time waited once `condition()` holds; fails after `ms` with `what`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}

/** A new invoice for `orderId` on shop `index`, paid at the mock with no callback sent: its callback path. */
export async function paidInvoice(cluster: Cluster, mock: QPayMock, index: number, orderId: string): Promise<{ invoiceId: string; callback: string }> {
  const { status, body } = await createInvoice(cluster, index, orderId);
  assert.equal(status, 201, `POST /qpay/invoice for ${orderId} answered ${status}`);
  const { callbackUrl } = mock.controls.pay(body.invoice_id, undefined, { callback: false });
  return { invoiceId: body.invoice_id, callback: callbackPath(callbackUrl!) };
}

/** The index of the shop process with `pid`. */
export function shopIndex(cluster: Cluster, pid: number): number {
  const index = cluster.shops.findIndex((shop) => shop.child.pid === pid);
  assert.ok(index >= 0, `no shop process has pid ${pid}`);
  return index;
}

/** How many onPaid runs finished for `invoiceId`. */
export const runsOf = (cluster: Cluster, invoiceId: string) => cluster.paid().filter((line) => line.invoiceId === invoiceId);
