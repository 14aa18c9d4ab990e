import type { Messages } from './messages.js';

export default {
  loading: 'Загружаем счёт…',
  waiting: 'Ожидаем оплату…',
  paid: 'Оплата получена. Спасибо!',
  expired: 'Срок действия счёта истёк.',
  failed: 'Оплата не прошла.',
  cancelled: 'Платёж отменён.',
  refunded: 'Платёж возвращён.',
  error: 'Не удалось начать оплату.',
  connectionProblem: 'Проблема со связью. Продолжаем проверять…',
  retry: 'Повторить',
  scanQr: 'Отсканируйте QR-код в приложении банка',
  qrAlt: 'QR-код для оплаты',
  copy: 'Скопировать код оплаты',
  copyLink: 'Скопировать ссылку на оплату',
  copied: 'Скопировано',
  copyFailed: 'Не удалось скопировать',
  amount: 'Сумма',
  merchant: 'Получатель',
  timeLeft: (countdown) => `Осталось: ${countdown}`,
  // Abbreviations ("мин.", "сек.") read naturally with any number, so no plural rules are needed.
  minutesLeft: (minutes) => `На оплату осталось ${minutes} мин.`,
  secondsLeft: (seconds) => `На оплату осталось ${seconds} сек.`,
} satisfies Messages;
