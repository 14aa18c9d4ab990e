// What the shopper reads when `invoice-url` answers something other than an invoice. Only invoice-load.ts
// imports these texts, so they load with it: a page given `invoice` never downloads them.

import type { Language } from './index.js';

export interface InvoiceUrlMessages {
  /** `409 ORDER_ALREADY_PAID`: shown as the paid state (e.g. the page of a paid order reloaded). */
  alreadyPaid: string;
  /** `404 ORDER_NOT_FOUND` or `INVOICE_NOT_FOUND`. */
  orderNotFound: string;
  /** The merchant or its provider is down (HTTP 502, 503, 504, no answer): worth a retry soon. */
  providerDown: string;
  /** HTTP 410, or an error code that says the invoice or order expired. */
  expired: string;
}

export const invoiceUrlMessages: Record<Language, InvoiceUrlMessages> = {
  mn: {
    alreadyPaid: 'Энэ захиалгын төлбөр аль хэдийн төлөгдсөн байна.',
    orderNotFound: 'Захиалга олдсонгүй.',
    providerDown: 'Төлбөрийн үйлчилгээ одоогоор хариу өгөхгүй байна. Нэг минутын дараа дахин оролдоно уу.',
    expired: 'Захиалгын хугацаа дууссан байна.',
  },
  en: {
    alreadyPaid: 'This order is already paid.',
    orderNotFound: 'This order was not found.',
    providerDown: 'The payment service is not answering right now. Try again in a minute.',
    expired: 'This order has expired.',
  },
  ru: {
    alreadyPaid: 'Этот заказ уже оплачен.',
    orderNotFound: 'Заказ не найден.',
    providerDown: 'Платёжный сервис сейчас не отвечает. Попробуйте ещё раз через минуту.',
    expired: 'Срок действия заказа истёк.',
  },
};
