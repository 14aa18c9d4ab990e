// The package's main entry: the element class, events, types, and the define function. Importing it
// registers <qpay-checkout>. The code is src/element/define.ts, built as dist/index.js (also the
// `qpay-checkout/define` subpath).

export * from './element/define.js';
