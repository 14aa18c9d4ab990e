// The package's main entry: the element class, events, types, and the define function.
// Importing it registers <qpay-checkout> (via ./element/define.js).

import './element/define.js';

export * from './element/index.js';
export { defineQPayCheckout } from './element/define.js';
