// The shape every translation of the card's texts fills (the phone layout's own texts are in
// phone.ts). Plain strings, plus small functions where a value is inserted.

export interface Messages {
  /** Status line while the invoice is being fetched from `invoice-url`. */
  loading: string;
  /** Status line while waiting for the customer to pay. */
  waiting: string;
  paid: string;
  expired: string;
  failed: string;
  cancelled: string;
  refunded: string;
  /** Fatal: the invoice is unusable or could not be loaded. */
  error: string;
  /** Shown with the waiting line after a polling fault; polling goes on by itself. */
  connectionProblem: string;
  retry: string;
  /** Desktop: what to do with the QR. */
  scanQr: string;
  qrAlt: string;
  /** Copy button when the copied text is the QR payload itself. */
  copy: string;
  /** Copy button when the copied text is a link (qPay_shortUrl, codeUrl). */
  copyLink: string;
  copied: string;
  copyFailed: string;
  amount: string;
  merchant: string;
  /** Visible countdown, e.g. "Time left: 4:59". */
  timeLeft(countdown: string): string;
  /** Spoken now and then by screen readers. */
  minutesLeft(minutes: number): string;
  secondsLeft(seconds: number): string;
}
