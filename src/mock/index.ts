// `qpay-checkout/mock`: msw handlers that behave like the providers' sandboxes.
export {
  createQPayMock,
  QPAY_MOCK_SANDBOX_URL,
  type QPayMock,
  type QPayMockOptions,
  type QPayMockControls,
  type QPayMockCalls,
  type QPayMockCall,
  type QPayMockEndpoint,
  type QPayMockMatcher,
  type QPayMockFailure,
  type QPayMockInvoice,
  type QPayMockPayment,
  type QPayMockPaid,
} from './qpay.js';
export { buildQPayQrText, type MockQrInput } from './qpay-emv.js';
export { QPAY_BANKS, type MockBank } from './qpay-banks.js';
export {
  createTBankMock,
  mockSbpCodeUrl,
  type TBankMock,
  type TBankMockOptions,
  type TBankMockControls,
  type TBankMockOperation,
  type TBankMockCall,
  type TBankMockTradeState,
} from './tbank.js';
export { withMockPayments } from './dev-pay.js';
export type { MockPayOptions } from './callback.js';
