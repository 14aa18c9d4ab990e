// Request and response shapes of the QPay v2 merchant API, as the v2 document and real answers
// show them. Answers keep unknown fields (`[key: string]: unknown`): QPay adds fields over time.

/** Both `expires_in` and `refresh_expires_in` are absolute Unix times in SECONDS, not durations. */
export interface QPayTokenResponse {
  token_type: string;
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  scope?: string;
  [key: string]: unknown;
}

export interface QPayAddress {
  city?: string;
  district?: string;
  street?: string;
  building?: string;
  address?: string;
  zipcode?: string;
  longitude?: string;
  latitude?: string;
}

export interface QPayPartyData {
  register?: string;
  name?: string;
  email?: string;
  phone?: string;
  address?: QPayAddress;
}

export interface QPayLineAdjustment {
  /** `discount_code` / `surcharge_code` / `tax_code` as the list requires. */
  discount_code?: string;
  surcharge_code?: string;
  tax_code?: string;
  description: string;
  amount: number;
  city_tax?: number;
  note?: string | null;
}

export interface QPayInvoiceLine {
  sender_product_code?: string | null;
  tax_product_code?: string | null;
  line_description: string;
  /** A number or a decimal string such as "1.00" (the document's examples use strings). */
  line_quantity: number | string;
  line_unit_price: number | string;
  note?: string | null;
  discounts?: QPayLineAdjustment[];
  surcharges?: QPayLineAdjustment[];
  taxes?: QPayLineAdjustment[];
}

export interface QPayAccount {
  account_bank_code: string;
  account_number: string;
  account_name: string;
  account_currency: string;
}

export interface QPayTransaction {
  description: string;
  amount: number;
  accounts?: QPayAccount[];
}

/** The full invoice form (`POST /v2/invoice`). Give `amount` or `lines`. */
export interface QPayInvoiceRequest {
  invoice_code: string;
  sender_invoice_no: string;
  invoice_receiver_code: string;
  invoice_description: string;
  sender_branch_code?: string;
  sender_branch_data?: QPayPartyData;
  sender_staff_code?: string;
  sender_staff_data?: Record<string, unknown>;
  sender_terminal_code?: string;
  sender_terminal_data?: { name?: string };
  invoice_receiver_data?: QPayPartyData;
  invoice_due_date?: string | null;
  enable_expiry?: boolean;
  expiry_date?: string | null;
  calculate_vat?: boolean;
  tax_customer_code?: string;
  line_tax_code?: string;
  allow_partial?: boolean;
  minimum_amount?: number | null;
  allow_exceed?: boolean;
  maximum_amount?: number | null;
  amount?: number;
  callback_url?: string;
  note?: string | null;
  lines?: QPayInvoiceLine[];
  transactions?: QPayTransaction[];
}

/** The simple form: exactly these six fields, all required. */
export interface QPaySimpleInvoiceRequest {
  invoice_code: string;
  sender_invoice_no: string;
  invoice_receiver_code: string;
  invoice_description: string;
  amount: number;
  callback_url: string;
}

export interface QPayDeepLink {
  name?: string;
  description?: string;
  logo?: string;
  link?: string;
}

export interface QPayInvoiceResponse {
  invoice_id: string;
  qr_text: string;
  /** Raw base64 PNG, no `data:` prefix. */
  qr_image: string;
  qPay_shortUrl?: string;
  urls: QPayDeepLink[];
  [key: string]: unknown;
}

export interface QPayInvoiceDetails {
  invoice_id: string;
  invoice_status?: string;
  sender_invoice_no?: string;
  total_amount?: string | number;
  [key: string]: unknown;
}

export type QPayPaymentStatus = 'NEW' | 'FAILED' | 'PAID' | 'REFUNDED' | (string & {});

export interface QPayPaymentRow {
  payment_id: string;
  payment_status: QPayPaymentStatus;
  /** Decimal string such as "100.00". */
  payment_amount: string | number;
  payment_currency?: string;
  payment_date?: string;
  [key: string]: unknown;
}

export interface QPayOffset {
  page_number: number;
  /** 1..100. */
  page_limit: number;
}

export interface QPayPaymentCheckRequest {
  object_type: 'INVOICE' | 'QR' | 'ITEM';
  object_id: string;
  offset?: QPayOffset;
}

export interface QPayPaymentCheckResponse {
  count: number;
  /** A number; may be missing on some answers. */
  paid_amount?: number;
  rows: QPayPaymentRow[];
  [key: string]: unknown;
}

export interface QPayPaymentDetails {
  payment_id: string;
  payment_status: QPayPaymentStatus;
  payment_amount?: string | number;
  object_type?: string;
  object_id?: string;
  [key: string]: unknown;
}

export interface QPayPaymentCancelRequest {
  callback_url?: string;
  note?: string;
}

export interface QPayPaymentListRequest {
  object_type: 'MERCHANT' | 'INVOICE' | 'QR';
  object_id: string;
  merchant_branch_code?: string;
  merchant_terminal_code?: string;
  merchant_staff_code?: string;
  offset?: QPayOffset;
}

export interface QPayPaymentListResponse {
  count: number;
  rows: Array<Record<string, unknown>>;
  [key: string]: unknown;
}
