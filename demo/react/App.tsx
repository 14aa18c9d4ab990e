// The React example: a small cart and a Buy button. Buying renders the `qpay-checkout/react` wrapper,
// which POSTs the order to the server kit's /qpay/invoice, shows the QR and bank links, and polls
// /qpay/status/{id}; its onPaid callback moves the app's own state to "Paid".
import { useState } from 'react';
import { QPayCheckout, type QPayErrorEvent, type QPayPaidEvent, type QPayStatusEvent } from 'qpay-checkout/react';
import { EXAMPLE_CART, QPAY_ROUTES, formatTugrik, newExampleOrder, simulatePayment, type CheckoutOrderBody } from '../examples/shop.js';

/** `attempt` keys the widget, so a new order or "Try again" mounts a fresh one (which asks for its invoice). */
type Checkout =
  | { phase: 'cart'; attempt: 0 }
  | { phase: 'paying'; order: CheckoutOrderBody; attempt: number; invoiceId?: string }
  | { phase: 'paid'; order: CheckoutOrderBody; attempt: number; invoiceId: string };

export function App() {
  const [checkout, setCheckout] = useState<Checkout>({ phase: 'cart', attempt: 0 });
  const [problem, setProblem] = useState<string>();
  const [simulating, setSimulating] = useState(false);

  function buy() {
    const order = newExampleOrder();
    setProblem(undefined);
    setCheckout((current) => ({ phase: 'paying', order, attempt: current.attempt + 1 }));
  }

  function tryAgain() {
    setProblem(undefined);
    setCheckout((current) => (current.phase === 'paying' ? { ...current, attempt: current.attempt + 1, invoiceId: undefined } : current));
  }

  // The first status poll names the invoice, which is what "Simulate payment" pays.
  function onStatus(event: QPayStatusEvent) {
    const { invoiceId } = event.detail;
    setCheckout((current) => (current.phase === 'paying' && current.invoiceId !== invoiceId ? { ...current, invoiceId } : current));
  }

  function onPaid(event: QPayPaidEvent) {
    const { invoiceId } = event.detail;
    setCheckout((current) => (current.phase === 'paying' ? { phase: 'paid', order: current.order, attempt: current.attempt, invoiceId } : current));
  }

  function onError(event: QPayErrorEvent) {
    // Polling hiccups are not fatal: the widget shows its own note and keeps polling.
    if (event.detail.fatal) setProblem(`Checkout failed: ${event.detail.error.message}`);
  }

  async function simulate(invoiceId: string) {
    setSimulating(true);
    setProblem(undefined);
    try {
      await simulatePayment(invoiceId);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setSimulating(false);
    }
  }

  return (
    <main className="example">
      <header>
        <p className="kicker">qpay-checkout · React 19 example</p>
        <h1>Your order</h1>
      </header>
      <ul className="lines">
        {EXAMPLE_CART.lines.map((line) => (
          <li key={line.product.id}>
            <span>
              {line.quantity} × {line.product.name}
            </span>
            <span>{formatTugrik(line.total)}</span>
          </li>
        ))}
      </ul>
      <p className="total">
        <span>Total</span>
        <span>{formatTugrik(EXAMPLE_CART.total)}</span>
      </p>

      {checkout.phase === 'cart' ? (
        <button type="button" className="button primary" onClick={buy}>
          Buy {formatTugrik(EXAMPLE_CART.total)} with QPay
        </button>
      ) : (
        <section className="checkout" aria-label="Checkout">
          {checkout.phase === 'paid' ? (
            <p id="order-status" className="order-status paid" role="status">
              <strong>Paid</strong> Invoice <code data-invoice-id>{checkout.invoiceId}</code>
            </p>
          ) : (
            <p id="order-status" className="order-status" role="status">
              Awaiting payment
            </p>
          )}
          {problem && (
            <p className="notice" role="alert">
              {problem}
            </p>
          )}
          <QPayCheckout
            key={checkout.attempt}
            invoiceUrl={QPAY_ROUTES.invoiceUrl}
            statusUrl={QPAY_ROUTES.statusUrl}
            eventsUrl={QPAY_ROUTES.eventsUrl}
            pollInterval={1500}
            order={checkout.order}
            lang="en"
            onStatus={onStatus}
            onPaid={onPaid}
            onError={onError}
          />
          <div className="actions">
            {checkout.phase === 'paying' && (
              <button
                type="button"
                className="button simulate"
                disabled={!checkout.invoiceId || simulating}
                onClick={() => checkout.invoiceId && void simulate(checkout.invoiceId)}
              >
                {simulating ? 'Paying…' : 'Simulate payment'}
              </button>
            )}
            {checkout.phase === 'paying' && problem && (
              <button type="button" className="button" onClick={tryAgain}>
                Try again
              </button>
            )}
            {checkout.phase === 'paid' && (
              <button type="button" className="button primary" onClick={buy}>
                New order
              </button>
            )}
          </div>
          {checkout.phase === 'paying' && <p className="hint">Dev only: “Simulate payment” pays the QPay mock as a bank app would.</p>}
        </section>
      )}
      <footer>
        <a href="/">Back to the demo shop</a> · <a href="/demo/vue/">The Vue example</a>
      </footer>
    </main>
  );
}
