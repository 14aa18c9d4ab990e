// The phone layout's texts, in every language. Only the bank list module imports them, so they load
// with it, on phones only; the card's own texts (shown on every device) are in messages.ts.

import type { Language } from './index.js';

export interface PhoneMessages {
  /** Heading above the bank list. */
  chooseBank: string;
  /** Accessible name of the bank list. */
  bankList: string;
  /** SBP: the primary link that opens the customer's default bank app. */
  openInBankApp: string;
  showQr: string;
  hideQr: string;
  searchBanks: string;
  /** The search found nothing: the QR (the "Show QR" button below) works with any bank app. */
  noBanksFound: string;
  /** A bank link was tapped and the page is still there a moment later: the bank's app did not open (likely not installed). */
  appNotOpened: string;
}

export const phoneMessages: Record<Language, PhoneMessages> = {
  mn: {
    chooseBank: 'Банкны аппаараа төлөх',
    bankList: 'Банкны аппууд',
    openInBankApp: 'Банкны аппаар нээх',
    showQr: 'QR код харуулах',
    hideQr: 'QR код нуух',
    searchBanks: 'Банк хайх',
    noBanksFound: 'Банк олдсонгүй. Оронд нь QR кодыг уншуулна уу.',
    appNotOpened: 'Апп нээгдээгүй бол QR кодыг харуулах эсвэл өөр банк сонгоно уу',
  },
  en: {
    chooseBank: 'Pay with your bank app',
    bankList: 'Bank apps',
    openInBankApp: 'Open in bank app',
    showQr: 'Show QR code',
    hideQr: 'Hide QR code',
    searchBanks: 'Search banks',
    noBanksFound: 'No bank found. Scan the QR code instead.',
    appNotOpened: "Didn't open? Show the QR code or choose another bank",
  },
  ru: {
    chooseBank: 'Оплатите в приложении банка',
    bankList: 'Приложения банков',
    openInBankApp: 'Открыть в приложении банка',
    showQr: 'Показать QR-код',
    hideQr: 'Скрыть QR-код',
    searchBanks: 'Поиск банка',
    noBanksFound: 'Банк не найден. Отсканируйте QR-код.',
    appNotOpened: 'Приложение не открылось? Покажите QR-код или выберите другой банк',
  },
};
