// Helpers for poking at a rendered <qpay-checkout>.
import { waitUntil } from '@open-wc/testing';
import jsQR from 'jsqr';
import '../../../src/element/define.js';
import type { QPayCheckoutElement } from '../../../src/element/index.js';

export type { QPayCheckoutElement };

export function root(el: QPayCheckoutElement): ShadowRoot {
  if (!el.shadowRoot) throw new Error('no shadow root');
  return el.shadowRoot;
}

export function parts(el: QPayCheckoutElement, part: string): HTMLElement[] {
  return [...root(el).querySelectorAll<HTMLElement>(`[part~="${part}"]`)];
}

export function part(el: QPayCheckoutElement, name: string): HTMLElement | null {
  return root(el).querySelector<HTMLElement>(`[part~="${name}"]`);
}

/** The status line's text, whitespace collapsed. */
export function statusText(el: QPayCheckoutElement): string {
  return (part(el, 'status')?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

export function visibleText(el: QPayCheckoutElement): string {
  return (root(el).textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Waits for the element's `data-state` (idle, loading, waiting, paid, expired, failed, error). */
export async function waitForState(el: QPayCheckoutElement, state: string, timeout = 3000): Promise<void> {
  await waitUntil(() => el.dataset['state'] === state, `expected state ${state}, have ${el.dataset['state']}`, { timeout });
  await el.updateComplete;
}

/** Records every event of the given names dispatched to or through `target`. */
export function recordEvents<T extends Event = CustomEvent>(target: EventTarget, ...names: string[]): T[] {
  const seen: T[] = [];
  for (const name of names) target.addEventListener(name, (event) => seen.push(event as T));
  return seen;
}

/** Resolves after `ms` of real time (only to prove that nothing more happens in a span). */
export function quiet(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for the drawn QR (an <svg part="qr">) and decodes it with jsQR. */
export async function decodeDrawnQr(el: QPayCheckoutElement): Promise<string | null> {
  await waitUntil(() => root(el).querySelector('svg[part~="qr"]'), 'the QR was never drawn', { timeout: 3000 });
  const svgElement = root(el).querySelector('svg[part~="qr"]')!;
  const markup = new XMLSerializer().serializeToString(svgElement);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;
  await image.decode();
  const size = 480;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#808080'; // not white: the QR must bring its own light quiet zone
  context.fillRect(0, 0, size, size);
  context.drawImage(image, 0, 0, size, size);
  const pixels = context.getImageData(0, 0, size, size);
  return jsQR(pixels.data, size, size)?.data ?? null;
}

/** Pretends the page was hidden and shown again (headless pages are always visible). */
export function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}

/** Undoes setVisibility's overrides. */
export function restoreVisibility(): void {
  delete (document as { visibilityState?: unknown }).visibilityState;
  delete (document as { hidden?: unknown }).hidden;
}
