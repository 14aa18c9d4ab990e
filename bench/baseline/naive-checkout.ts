// The naive baseline widget: plain DOM + the `qrcode` package, no framework. It draws the QR with
// QRCode.toDataURL into an <img> on every render (mount and every poll answer), whether or not the
// invoice came with a ready qr_image, and polls with createNaivePoller. It does clean up after
// itself on unmount, so the comparison is about design, not about a forgotten clearInterval.
import QRCode from 'qrcode';
import { createNaivePoller } from './naive-poller.js';

export interface NaiveCheckoutOptions {
  invoice: { invoice_id: string; qr_text: string };
  /** `{id}` is replaced by the invoice id. */
  statusUrl: string;
  interval?: number;
}

export interface NaiveCheckout {
  root: HTMLElement;
  unmount(): void;
}

/** Mounts the widget into `container`; it dispatches a bubbling `naive-paid` event once on PAID. */
export function mountNaiveCheckout(container: HTMLElement, { invoice, statusUrl, interval = 2000 }: NaiveCheckoutOptions): NaiveCheckout {
  const root = document.createElement('div');
  root.className = 'naive-checkout';
  const img = document.createElement('img');
  img.alt = 'QR code';
  img.width = 240;
  img.height = 240;
  const statusLine = document.createElement('p');
  root.append(img, statusLine);
  container.append(root);

  let status = 'NEW';
  let paidAnnounced = false;
  let mounted = true;
  const render = () => {
    statusLine.textContent = status === 'PAID' ? 'Paid' : 'Waiting for payment…';
    void QRCode.toDataURL(invoice.qr_text, { errorCorrectionLevel: 'M', width: 240, margin: 4 }).then((url) => {
      if (mounted) img.src = url;
    });
  };

  const poller = createNaivePoller({
    url: statusUrl.replace('{id}', encodeURIComponent(invoice.invoice_id)),
    fetch: (input, init) => fetch(input, init),
    interval,
    onStatus(next) {
      status = next;
      render();
      if (next === 'PAID' && !paidAnnounced) {
        paidAnnounced = true;
        root.dispatchEvent(new CustomEvent('naive-paid', { bubbles: true, composed: true }));
      }
    },
  });
  render();
  poller.start();

  return {
    root,
    unmount() {
      mounted = false;
      poller.stop();
      root.remove();
    },
  };
}
