// Warnings for the shop's developer, in the console: a misconfigured element otherwise fails quietly (an empty
// box, tiny tiles). Each names the attribute to fix, and each is said once per element.

/** How long after the page's `load` an element may still get its invoice (frameworks set properties late). */
export const MISSING_SOURCE_GRACE_MS = 1500;

const warned = new WeakMap<Element, Set<string>>();

/** `console.warn`s `message` (prefixed `qpay-checkout:`) unless this element already said the warning `key`. */
export function warnOnce(element: Element, key: string, message: string): void {
  let said = warned.get(element);
  if (!said) warned.set(element, (said = new Set()));
  if (said.has(key)) return;
  said.add(key);
  console.warn(`qpay-checkout: ${message}`, element);
}

/** Resolves `graceMs` after the page's `load` event (at once counted from now when it already fired). */
export function afterPageLoad(graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const wait = () => setTimeout(resolve, graceMs);
    if (document.readyState === 'complete') wait();
    else addEventListener('load', wait, { once: true });
  });
}

export const MISSING_SOURCE =
  `neither invoice nor invoice-url is set ${MISSING_SOURCE_GRACE_MS / 1000} s after the page loaded, so the element shows nothing. ` +
  'Set the invoice attribute (or property) to the provider\'s invoice, or invoice-url to your server\'s route that creates it, ' +
  'e.g. <qpay-checkout invoice-url="/qpay/invoice">.';

/** True when the page has no `<meta name="viewport">` (phones then lay it out at desktop width, zoomed out). */
export const pageLacksViewport = (): boolean => !document.querySelector('meta[name="viewport" i]');

export const NO_VIEWPORT =
  'the phone layout (mode="mobile", or mode="auto" on a phone) is shown on a page without <meta name="viewport">, so phones ' +
  'draw the page at desktop width and the bank tiles come out tiny. Add <meta name="viewport" content="width=device-width, ' +
  'initial-scale=1"> to the page\'s <head>.';
