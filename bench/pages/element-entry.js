// What a shop's bundle holds for the element: the npm entry (registers <qpay-checkout>), bundled
// with lit by Vite like any shop's production build; the QR encoder stays a lazily loaded chunk.
import '../../dist/index.js';
