// The demo shop page: pick products, press Pay, and a <qpay-checkout> gets its invoice from the
// checkout handler the dev server mounts (/qpay for QPay in MNT, /tbank for TBank SBP in RUB),
// then polls it until PAID. Rendered with lit's `render`, so no markup is ever built from strings.
import { html, nothing, render, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { styleMap } from 'lit/directives/style-map.js';
import '../src/element/define.js';
import type { QPayCheckoutMode } from '../src/element/index.js';
import { formatMoney } from '../src/core/format.js';
import { CATALOGUE, CartError, MAX_QUANTITY, priceCart, type PricedCart, type ShopCurrency } from './catalogue.js';
import { newCartId, orderBody, withQuantity, type Quantities } from './cart.js';
import type { DemoConfig, ProviderName } from './shop-server.js';
// A trimmed copy of NSPK's SBP bank list (c2bmembers.json) for the TBank phone view.
import nspkBanks from './nspk-banks.json';

type WidgetLang = 'en' | 'mn' | 'ru';
type Phase = 'shopping' | 'checkout' | 'paid';

interface Notice {
  kind: 'error' | 'expired';
  text: string;
}

interface PageState {
  provider: ProviderName;
  quantities: Quantities;
  cartId: string;
  phase: Phase;
  /** Bumped for each checkout attempt so a retry gets a fresh element (and a fresh invoice request). */
  attempt: number;
  invoiceId: string | undefined;
  layout: QPayCheckoutMode;
  lang: WidgetLang;
  notice: Notice | undefined;
  simulating: boolean;
  config: DemoConfig | undefined;
  configError: string | undefined;
}

const PROVIDERS: Record<ProviderName, { label: string; currency: ShopCurrency; basePath: string }> = {
  qpay: { label: 'QPay', currency: 'MNT', basePath: '/qpay' },
  tbank: { label: 'TBank SBP', currency: 'RUB', basePath: '/tbank' },
};

const LAYOUTS: ReadonlyArray<[QPayCheckoutMode, string]> = [
  ['auto', 'Auto (phone or desktop)'],
  ['desktop', 'Desktop: QR first'],
  ['mobile', 'Phone: bank apps first'],
];

const LANGS: ReadonlyArray<[WidgetLang, string]> = [
  ['en', 'English'],
  ['mn', 'Монгол'],
  ['ru', 'Русский'],
];

const state: PageState = {
  provider: 'qpay',
  quantities: new Map([['buuz', 1], ['milk-tea', 2]]),
  cartId: newCartId(),
  phase: 'shopping',
  attempt: 0,
  invoiceId: undefined,
  layout: 'auto',
  lang: 'en',
  notice: undefined,
  simulating: false,
  config: undefined,
  configError: undefined,
};

const root = document.getElementById('app')!;

function update(patch: Partial<PageState>): void {
  Object.assign(state, patch);
  render(page(), root);
}

const money = (amount: number, currency: ShopCurrency) => formatMoney(amount, currency, 'en');

function pricedCart(): PricedCart | undefined {
  try {
    return priceCart(orderBody(state.cartId, state.quantities).items, PROVIDERS[state.provider].currency);
  } catch (error) {
    if (error instanceof CartError) return undefined; // empty cart: nothing to pay
    throw error;
  }
}

function isMock(provider: ProviderName): boolean {
  return state.config?.providers[provider].mode === 'mock';
}

// ---- actions ---------------------------------------------------------------------------------

function setQuantity(id: string, quantity: number): void {
  update({ quantities: withQuantity(state.quantities, id, quantity) });
}

function startCheckout(): void {
  update({ phase: 'checkout', attempt: state.attempt + 1, invoiceId: undefined, notice: undefined });
  document.getElementById('checkout')?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

function backToCart(): void {
  // Removing the widget stops its polling; the same cart id gets its open invoice back on the next Pay.
  update({ phase: 'shopping', invoiceId: undefined, notice: undefined });
}

function newOrder(): void {
  update({ phase: 'shopping', quantities: new Map(), cartId: newCartId(), invoiceId: undefined, notice: undefined });
}

function switchProvider(provider: ProviderName): void {
  if (provider === state.provider) return;
  update({ provider, phase: 'shopping', invoiceId: undefined, notice: undefined });
}

async function simulatePayment(): Promise<void> {
  const invoiceId = state.invoiceId;
  if (!invoiceId || state.simulating) return;
  update({ simulating: true, notice: undefined });
  try {
    const response = await fetch(`/demo-api/pay/${state.provider}/${encodeURIComponent(invoiceId)}`, { method: 'POST' });
    if (!response.ok) {
      const answer = (await response.json().catch(() => ({}))) as { message?: string };
      update({ notice: { kind: 'error', text: `The mock could not pay: ${answer.message ?? `HTTP ${response.status}`}` } });
    }
    // On success nothing else happens here: the widget sees PAID through its normal polling.
  } catch (error) {
    update({ notice: { kind: 'error', text: `The mock could not pay: ${(error as Error).message}` } });
  } finally {
    update({ simulating: false });
  }
}

// ---- widget events -----------------------------------------------------------------------------

function onStatus(event: GlobalEventHandlersEventMap['qpay-status']): void {
  if (event.detail.invoiceId !== state.invoiceId) update({ invoiceId: event.detail.invoiceId });
}

function onPaid(event: GlobalEventHandlersEventMap['qpay-paid']): void {
  update({ phase: 'paid', invoiceId: event.detail.invoiceId, notice: undefined });
}

function onExpired(): void {
  update({ notice: { kind: 'expired', text: 'The invoice expired before it was paid.' } });
}

function onError(event: GlobalEventHandlersEventMap['qpay-error']): void {
  // Polling hiccups are not fatal: the widget shows its own note and keeps polling.
  if (!event.detail.fatal) return;
  update({ notice: { kind: 'error', text: `Checkout failed: ${event.detail.error.message}` } });
}

// ---- rendering ---------------------------------------------------------------------------------

function page(): TemplateResult {
  const cart = pricedCart();
  const currency = PROVIDERS[state.provider].currency;
  return html`
    <header class="topbar">
      <div class="brand">
        <span class="logo" aria-hidden="true">S</span>
        <div>
          <h1>Steppe Store</h1>
          <p class="tagline">A demo shop for <code>&lt;qpay-checkout&gt;</code></p>
        </div>
      </div>
      ${providerSwitch()}
    </header>
    <main class=${`layout ${state.phase === 'shopping' ? '' : 'checking-out'}`}>
      <section class="products" aria-labelledby="products-heading">
        <h2 id="products-heading">Products</h2>
        <ul class="product-grid">
          ${CATALOGUE.map((product) => {
            const quantity = state.quantities.get(product.id) ?? 0;
            const locked = state.phase !== 'shopping';
            return html`<li class="product" data-product=${product.id}>
              <div class="tile" style=${styleMap({ '--tile': product.colour })} aria-hidden="true">${product.name.charAt(0)}</div>
              <div class="product-text">
                <h3>${product.name}</h3>
                <p class="blurb">${product.blurb}</p>
                <p class="price">${money(product.price[currency], currency)}</p>
              </div>
              ${quantity === 0
                ? html`<button type="button" class="button add" ?disabled=${locked} @click=${() => setQuantity(product.id, 1)}>
                    Add<span class="visually-hidden"> ${product.name}</span>
                  </button>`
                : html`<div class="stepper" role="group" aria-label=${`${product.name} quantity`}>
                    <button type="button" aria-label=${`One less ${product.name}`} ?disabled=${locked} @click=${() => setQuantity(product.id, quantity - 1)}>−</button>
                    <output aria-live="polite">${quantity}</output>
                    <button
                      type="button"
                      aria-label=${`One more ${product.name}`}
                      ?disabled=${locked || quantity >= MAX_QUANTITY}
                      @click=${() => setQuantity(product.id, quantity + 1)}
                    >+</button>
                  </div>`}
            </li>`;
          })}
        </ul>
      </section>
      <aside class="cart" id="checkout" aria-labelledby="cart-heading">
        <h2 id="cart-heading">Your order</h2>
        ${cartSummary(cart)}
        ${state.phase === 'shopping' ? html`<button type="button" class="button primary pay" ?disabled=${!cart} @click=${startCheckout}>
              ${cart ? `Pay ${money(cart.total, cart.currency)} with ${PROVIDERS[state.provider].label}` : 'Add something to pay'}
            </button>` : nothing}
        ${state.phase !== 'shopping' ? checkoutPanel() : nothing}
        ${widgetOptions()}
      </aside>
    </main>
    <footer class="footer">
      ${state.configError
        ? html`<p class="notice error">${state.configError}</p>`
        : html`<p>
            Prices are set on the server; the page sends only product ids and quantities.
            QPay: <strong>${state.config ? modeLabel('qpay') : '…'}</strong> · TBank SBP: <strong>${state.config ? modeLabel('tbank') : '…'}</strong>
          </p>`}
      <p>The same checkout in a framework app: <a href="/demo/react/">React example</a> · <a href="/demo/vue/">Vue example</a></p>
    </footer>
  `;
}

function modeLabel(provider: ProviderName): string {
  return isMock(provider) ? 'mock' : 'real API';
}

function providerSwitch(): TemplateResult {
  return html`<fieldset class="switch">
    <legend>Pay with</legend>
    ${(Object.keys(PROVIDERS) as ProviderName[]).map(
      (provider) => html`<label class=${provider === state.provider ? 'selected' : ''}>
        <input
          type="radio"
          name="provider"
          value=${provider}
          .checked=${provider === state.provider}
          @change=${() => switchProvider(provider)}
        />
        <span>${PROVIDERS[provider].label} <small>${PROVIDERS[provider].currency}</small></span>
      </label>`,
    )}
  </fieldset>`;
}

function cartSummary(cart: PricedCart | undefined): TemplateResult {
  if (!cart) return html`<p class="empty">Your cart is empty.</p>`;
  return html`<ul class="lines">
      ${cart.lines.map(
        (line) => html`<li>
          <span>${line.quantity} × ${line.product.name}</span>
          <span>${money(line.total, cart.currency)}</span>
        </li>`,
      )}
    </ul>
    <p class="total"><span>Total</span><span data-total>${money(cart.total, cart.currency)}</span></p>`;
}

function checkoutPanel(): TemplateResult {
  const provider = PROVIDERS[state.provider];
  const paid = state.phase === 'paid';
  const order = orderBody(state.cartId, state.quantities);
  return html`<div class="checkout">
    <p id="order-status" class=${`order-status ${paid ? 'paid' : ''}`} role="status">
      ${paid
        ? html`<strong>PAID</strong> <span>Thank you! The shop's server confirmed the payment.</span>`
        : html`Order status: <strong>awaiting payment</strong>`}
    </p>
    ${state.notice ? html`<p class="notice ${state.notice.kind}" role="alert">${state.notice.text}</p>` : nothing}
    ${keyed(
      `${state.provider}:${state.attempt}`,
      html`<qpay-checkout
        invoice-url=${`${provider.basePath}/invoice`}
        status-url=${`${provider.basePath}/status/{id}`}
        events-url=${`${provider.basePath}/events/{id}`}
        poll-interval="1500"
        mode=${state.layout}
        lang=${state.lang}
        .order=${order}
        .banks=${state.provider === 'tbank' ? nspkBanks : undefined}
        @qpay-status=${onStatus}
        @qpay-paid=${onPaid}
        @qpay-expired=${onExpired}
        @qpay-error=${onError}
      ></qpay-checkout>`,
    )}
    <div class="checkout-actions">
      ${!paid && isMock(state.provider)
        ? html`<button
            type="button"
            class="button simulate"
            ?disabled=${!state.invoiceId || state.simulating}
            @click=${() => void simulatePayment()}
          >
            ${state.simulating ? 'Paying…' : 'Simulate payment'}
          </button>`
        : nothing}
      ${state.notice
        ? html`<button type="button" class="button" @click=${startCheckout}>Try again</button>`
        : nothing}
      ${paid
        ? html`<button type="button" class="button primary" @click=${newOrder}>Start a new order</button>`
        : html`<button type="button" class="button quiet" @click=${backToCart}>Change order</button>`}
    </div>
    ${!paid && isMock(state.provider)
      ? html`<p class="hint">Mock mode: “Simulate payment” pays the invoice in the mock, as a bank app would.</p>`
      : nothing}
  </div>`;
}

function widgetOptions(): TemplateResult {
  return html`<fieldset class="options">
    <legend>Widget options</legend>
    <label>
      <span>Layout</span>
      <select id="layout" @change=${(event: Event) => update({ layout: (event.target as HTMLSelectElement).value as QPayCheckoutMode })}>
        ${LAYOUTS.map(([value, label]) => html`<option value=${value} ?selected=${value === state.layout}>${label}</option>`)}
      </select>
    </label>
    <label>
      <span>Language</span>
      <select id="lang" @change=${(event: Event) => update({ lang: (event.target as HTMLSelectElement).value as WidgetLang })}>
        ${LANGS.map(([value, label]) => html`<option value=${value} ?selected=${value === state.lang}>${label}</option>`)}
      </select>
    </label>
  </fieldset>`;
}

async function loadConfig(): Promise<void> {
  try {
    const response = await fetch('/demo-api/config');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    update({ config: (await response.json()) as DemoConfig });
  } catch (error) {
    update({ configError: `The demo server did not answer /demo-api/config (${(error as Error).message}); is this page served by \`npm start\`?` });
  }
}

render(page(), root);
void loadConfig();
