// `qpay-checkout/server`: the QPay v2 client, the checkout handler and its Node adapter.
export {
  QPayClient,
  QPAY_SANDBOX_URL,
  QPAY_PRODUCTION_URL,
  type QPayClientOptions,
  type RetryOptions,
  type CallOptions,
} from './providers/qpay-client.js';
export { QPayError, QPayValidationError, normalizeQPayCode, type QPayFieldErrors } from './errors.js';
export {
  ProviderApiError,
  publicMessageFor,
  redactSecrets,
  DEFAULT_READ_DEADLINE_MS,
  type ProviderApiErrorInit,
  type ProviderName,
} from './http/transport.js';
export { readBodyText, readStreamText, DEFAULT_MAX_BODY_BYTES, type BodyReadResult, type BodyReadOptions } from './http/body.js';
export { logSafe } from './log.js';
export type { MeterProviderLike, MeterLike, MetricAttributes, PaymentSource } from './metrics.js';
export { amountProblem, CURRENCY_RULES } from './amounts.js';
export { FailureBackoff, type BackoffOptions, type BackoffEntry } from './backoff.js';
export type * from './providers/qpay-types.js';
export {
  QPayProvider,
  type QPayProviderOptions,
  type QPayInvoiceExtras,
} from './providers/qpay-provider.js';
export { createCheckoutHandler, createQPayCheckoutHandler, type QPayCheckoutHandlerOptions } from './checkout/handler.js';
export {
  CheckoutError,
  type CheckoutHandler,
  type CheckoutHandlerOptions,
  type CheckoutLogger,
  type PaidEvent,
} from './checkout/options.js';
export {
  MemoryStore,
  type CheckoutStore,
  type InvoiceRecord,
  type PaidRecord,
  type DeliveryRecord,
  type DeliveryState,
  type DeliveryClaim,
  type DeliveryOutcome,
  type CachedStatus,
  type StoreListener,
  type MemoryStoreOptions,
  type MaybePromise,
} from './stores/store.js';
export {
  ProviderError,
  type CheckoutProvider,
  type CheckoutOrder,
  type CreatedInvoice,
  type ElementInvoice,
  type InvoiceTarget,
  type ProviderInvoice,
  type CallbackClaim,
  type StatusResult,
} from './providers/provider.js';
export {
  toNodeHandler,
  createCheckoutServer,
  applyServerTimeouts,
  NODE_DEFAULTS,
  nodeRequestToFetch,
  writeFetchResponse,
  type NodeHandlerOptions,
  type CheckoutServerOptions,
  type NodeHandler,
  type NodeNext,
  type NodeRequestOptions,
  type FetchHandler,
} from './http/node.js';
export {
  TBankQrPayClient,
  TBankError,
  TBANK_DEFAULT_BASE_URL,
  tbankTimeStart,
  type TBankQrPayClientOptions,
  type CreateQrParams,
  type TBankQueryParams,
  type TBankQrPayResponse,
  type TBankQueryResult,
  type TBankTradeStatus,
  type TBankSignType,
  type TBankOperation,
} from './providers/tbank-client.js';
export { TBankProvider, createTransactionNumbers, type TBankProviderOptions } from './providers/tbank-provider.js';
export { signTBank, verifyTBankSignature, tbankCanonicalString, formatTBankAmount } from './providers/tbank-sign.js';
