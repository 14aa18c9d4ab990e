// The server kit's metrics, through OpenTelemetry's metrics API when the shop uses it. `@opentelemetry/api` is an
// optional peer dependency: it is imported dynamically, once, in the background, so a shop without it pays nothing
// and nothing breaks; every recording then does nothing. A shop opts in by registering a global MeterProvider
// (`metrics.setGlobalMeterProvider`, or the NodeSDK does it), or by handing one to the handler (`meterProvider`) and
// to the provider clients. Instruments are made on first use and again whenever the global provider changes, so a
// provider registered after the handler was created is still used. Names follow OpenTelemetry's semantic conventions
// where one exists (`http.client.request.duration`); the kit's own live under `qpay_checkout.`. See notes/metrics.md.

/** Attribute values the kit records (a subset of OpenTelemetry's). */
export type MetricAttributes = Record<string, string | number | boolean>;

interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/**
 * The part of OpenTelemetry's `Meter` the kit uses. Declared here rather than imported, so the kit's types never
 * require `@opentelemetry/api`; an SDK `MeterProvider` (or the API's) fits.
 */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: MetricAttributes): void };
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: MetricAttributes): void };
  createObservableGauge(name: string, options?: InstrumentOptions): ObservableLike;
  createObservableUpDownCounter(name: string, options?: InstrumentOptions): ObservableLike;
}

interface ObservableLike {
  addCallback(callback: (result: { observe(value: number, attributes?: MetricAttributes): void }) => void): void;
}

/** What `meterProvider` options take: OpenTelemetry's `MeterProvider` (from the SDK or the API). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): MeterLike;
}

declare const __PACKAGE_VERSION__: string | undefined;
/** The instrumentation scope: this package, at its version (the build defines it). */
const SCOPE_NAME = 'qpay-checkout';
const SCOPE_VERSION = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : 'development';

type GlobalMetricsApi = { metrics: { getMeterProvider(): MeterProviderLike } };
/** The global metrics API once imported; null when `@opentelemetry/api` is not installed (or not yet loaded). */
let globalApi: GlobalMetricsApi | null = null;
void import('@opentelemetry/api').then(
  (api) => void (globalApi = api as unknown as GlobalMetricsApi),
  () => undefined,
);

/** The buckets OpenTelemetry advises for HTTP durations, in seconds. */
const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** From a second to hours: payments wait on a provider's check, onPaid on the shop's retries. */
const PAYMENT_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400];

/** Makes a set of instruments on a meter (called again for each new meter). */
type Build<T> = (meter: MeterLike) => T;

/**
 * Instruments made lazily on the shop's meter: the explicit provider's, else the global one's (followed when it
 * changes). `get()` is undefined while there is none, so a recording costs one check.
 */
class LazyInstruments<T> {
  #provider: MeterProviderLike | undefined;
  #instruments: T | undefined;

  constructor(
    private readonly explicit: MeterProviderLike | undefined,
    private readonly build: Build<T>,
  ) {}

  get(): T | undefined {
    const provider = this.explicit ?? globalApi?.metrics.getMeterProvider();
    if (!provider) return undefined;
    if (provider !== this.#provider) {
      this.#provider = provider;
      this.#instruments = this.build(provider.getMeter(SCOPE_NAME, SCOPE_VERSION));
    }
    return this.#instruments;
  }
}

/** Checks a `meterProvider` option: undefined (the global one) or an object with `getMeter`. */
export function meterProviderOption(value: unknown, where: string): MeterProviderLike | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof (value as MeterProviderLike).getMeter !== 'function') {
    throw new TypeError(`${where}: meterProvider must be an OpenTelemetry MeterProvider (an object with getMeter), got ${value === null ? 'null' : typeof value}`);
  }
  return value as MeterProviderLike;
}

// ---- provider HTTP calls (the transport) ----------------------------------------------------

/** One HTTP request to a provider (one attempt: a retry is a request of its own, as the conventions count it). */
export interface ProviderRequestRecord {
  provider: string;
  /** The transport's words for the call: `login`, `invoice create`, `payment check`, `QRPAY`, ... */
  operation: string;
  method: string;
  url: URL;
  seconds: number;
  /** HTTP status of the answer; 0 when none came. */
  status: number;
  /** Set when the call failed: the provider error's code (`TIMEOUT`, `NETWORK_ERROR`, `HTTP_503`, ...). */
  errorType?: string;
}

const providerHttpInstruments: Build<{ duration: ReturnType<MeterLike['createHistogram']> }> = (meter) => ({
  duration: meter.createHistogram('http.client.request.duration', {
    description: 'Duration of HTTP client requests to the payment provider.',
    unit: 's',
    advice: { explicitBucketBoundaries: HTTP_BUCKETS_S },
  }),
});

export class ProviderHttpMetrics {
  readonly #instruments: LazyInstruments<ReturnType<typeof providerHttpInstruments>>;

  constructor(meterProvider?: MeterProviderLike) {
    this.#instruments = new LazyInstruments(meterProvider, providerHttpInstruments);
  }

  request(call: ProviderRequestRecord): void {
    const instruments = this.#instruments.get();
    if (!instruments) return;
    const { url } = call;
    const attributes: MetricAttributes = {
      'http.request.method': call.method,
      'server.address': url.hostname,
      'server.port': Number(url.port) || (url.protocol === 'http:' ? 80 : 443),
      'qpay_checkout.provider': call.provider,
      'qpay_checkout.provider.operation': call.operation,
    };
    if (call.status) attributes['http.response.status_code'] = call.status;
    if (call.errorType) attributes['error.type'] = call.errorType;
    instruments.duration.record(call.seconds, attributes);
  }
}

/** The provider clients' default: the global meter provider. */
export const GLOBAL_PROVIDER_HTTP_METRICS = new ProviderHttpMetrics();

// ---- the checkout handler -------------------------------------------------------------------

/** How a confirmed payment was found. */
export type PaymentSource = 'callback' | 'poll' | 'sweeper' | 'superseded';

/** What the observable instruments read when a reader collects (cheap, in-process figures only). */
export interface CheckoutGauges {
  /** Event streams open in this process. */
  openStreams(): number;
  /** Deliveries the delivery worker found due at its latest look. */
  deliveriesDue(): number;
}

const checkoutInstruments = (gauges: CheckoutGauges) => (meter: MeterLike) => {
  meter
    .createObservableUpDownCounter('qpay_checkout.active_streams', { description: 'Event streams open in this process.', unit: '{stream}' })
    .addCallback((result) => result.observe(gauges.openStreams()));
  meter
    .createObservableGauge('qpay_checkout.delivery.due', {
      description: "Deliveries (onPaid runs) the delivery worker found due at its latest look.",
      unit: '{delivery}',
    })
    .addCallback((result) => result.observe(gauges.deliveriesDue()));
  return {
    invoicesCreated: meter.createCounter('qpay_checkout.invoice.created', { description: 'Invoices created at the provider.', unit: '{invoice}' }),
    paymentsConfirmed: meter.createCounter('qpay_checkout.payment.confirmed', {
      description: 'Payments confirmed with the provider and recorded, by how they were found.',
      unit: '{payment}',
    }),
    callbackToPaid: meter.createHistogram('qpay_checkout.callback.duration', {
      description: "From a provider's callback arriving to its payment recorded as PAID.",
      unit: 's',
      advice: { explicitBucketBoundaries: PAYMENT_BUCKETS_S },
    }),
    paidToDelivered: meter.createHistogram('qpay_checkout.payment.delivery.duration', {
      description: 'From a payment recorded as PAID to onPaid done for it.',
      unit: 's',
      advice: { explicitBucketBoundaries: PAYMENT_BUCKETS_S },
    }),
    onPaidAttempts: meter.createCounter('qpay_checkout.on_paid.attempts', { description: 'onPaid runs started.', unit: '{attempt}' }),
    onPaidFailures: meter.createCounter('qpay_checkout.on_paid.failures', { description: 'onPaid runs that threw or timed out.', unit: '{failure}' }),
  };
};

/** The handler's recordings. Each is one call at the place the event happens; none waits or throws. */
export class CheckoutMetrics {
  readonly #instruments: LazyInstruments<ReturnType<ReturnType<typeof checkoutInstruments>>>;
  #gauges: CheckoutGauges = { openStreams: () => 0, deliveriesDue: () => 0 };

  constructor(meterProvider?: MeterProviderLike) {
    this.#instruments = new LazyInstruments(meterProvider, checkoutInstruments({
      openStreams: () => this.#gauges.openStreams(),
      deliveriesDue: () => this.#gauges.deliveriesDue(),
    }));
  }

  /** Where the gauges read from (the handler's services, once built); also makes the instruments when it can. */
  observe(gauges: CheckoutGauges): void {
    this.#gauges = gauges;
    this.#instruments.get();
  }

  invoiceCreated(provider: string): void {
    this.#instruments.get()?.invoicesCreated.add(1, { 'qpay_checkout.provider': provider });
  }

  paymentConfirmed(provider: string, source: PaymentSource): void {
    this.#instruments.get()?.paymentsConfirmed.add(1, { 'qpay_checkout.provider': provider, 'qpay_checkout.payment.source': source });
  }

  /** A callback that arrived at `arrivedAt` (epoch ms) found its payment recorded at `paidAt`; earlier payments are not its. */
  callbackConfirmed(provider: string, arrivedAt: number, paidAt: number | undefined): void {
    if (paidAt === undefined || paidAt < arrivedAt) return;
    this.#instruments.get()?.callbackToPaid.record((paidAt - arrivedAt) / 1000, { 'qpay_checkout.provider': provider });
  }

  /** One onPaid run ended: `errorType` when it failed (`timeout`, or what it threw), else it is done at `doneAt`. */
  onPaidRan(provider: string, outcome: { errorType: string } | { paidAt: number; doneAt: number }): void {
    const instruments = this.#instruments.get();
    if (!instruments) return;
    const attributes = { 'qpay_checkout.provider': provider };
    instruments.onPaidAttempts.add(1, attributes);
    if ('errorType' in outcome) instruments.onPaidFailures.add(1, { ...attributes, 'error.type': outcome.errorType });
    else instruments.paidToDelivered.record(Math.max(0, outcome.doneAt - outcome.paidAt) / 1000, attributes);
  }
}
