// What every framework binding of <qpay-checkout> shares, taken from the element's own types so the
// framework declarations cannot drift from it: the properties a template may bind (their types are the
// element's), the attributes as written in HTML, and the events with their typed `detail`.
// Types only: this module has no runtime code.

import type { QPayCheckoutElement, QPayCheckoutMode } from '../element/qpay-checkout.js';
import type { QPayCheckoutEventMap } from '../element/events.js';

/** The element's public inputs (the contract's properties); `lang` is the native attribute. */
export type QPayCheckoutPropertyName = 'invoice' | 'invoiceUrl' | 'statusUrl' | 'eventsUrl' | 'pollInterval' | 'mode' | 'order' | 'banks' | 'rememberBank';

/** The inputs as properties: frameworks that set properties on custom elements (all four do) use these. */
export type QPayCheckoutProperties = Partial<Pick<QPayCheckoutElement, QPayCheckoutPropertyName>>;

/** The inputs as HTML attributes, for templates written in HTML style. */
export interface QPayCheckoutAttributes {
  /** The provider's invoice as JSON text. */
  invoice?: string;
  'invoice-url'?: string;
  'status-url'?: string;
  'events-url'?: string;
  /** Milliseconds between status checks (default 2000). */
  'poll-interval'?: number | string;
  mode?: QPayCheckoutMode;
  /** `mn` (default), `en` or `ru`. */
  lang?: string;
}

/** One listener prop per event, named `${Prefix}qpay-paid` and so on (`on` for React 19 and Svelte 5, `on:` for Solid). */
export type QPayCheckoutListeners<Prefix extends string> = {
  [Name in keyof QPayCheckoutEventMap as `${Prefix}${Name}`]?: (event: QPayCheckoutEventMap[Name]) => void;
};

export type { QPayCheckoutElement, QPayCheckoutEventMap };
