// The 23 banks and wallets recent QPay invoice answers list in `urls` (see the reference fixture
// qpay-invoice-urls.23banks.json); the mock builds each `link` as `<scheme>://q?qPay_QRcode=<qr_text>`.
export interface MockBank {
  name: string;
  description: string;
  logo: string;
  scheme: string;
}

export const QPAY_BANKS: readonly MockBank[] = Object.freeze([
  { name: 'qPay wallet', description: 'qPay хэтэвч', logo: 'https://s3.qpay.mn/p/e9bbdc69-3544-4c2f-aff0-4c292bc094f6/launcher-icon-ios.jpg', scheme: 'qpaywallet' },
  { name: 'Khan bank', description: 'Хаан банк', logo: 'https://qpay.mn/q/logo/khanbank.png', scheme: 'khanbank' },
  { name: 'State bank 3.0', description: 'Төрийн банк 3.0', logo: 'https://qpay.mn/q/logo/state_3.png', scheme: 'statebankmongolia' },
  { name: 'Xac bank', description: 'Хас банк', logo: 'https://qpay.mn/q/logo/xacbank.png', scheme: 'xacbank' },
  { name: 'Trade and Development bank', description: 'TDB online', logo: 'https://qpay.mn/q/logo/tdbbank.png', scheme: 'tdbbank' },
  { name: 'Social Pay', description: 'Голомт банк', logo: 'https://qpay.mn/q/logo/socialpay.png', scheme: 'socialpay-payment' },
  { name: 'Most money', description: 'МОСТ мони', logo: 'https://qpay.mn/q/logo/most.png', scheme: 'most' },
  { name: 'National investment bank', description: 'Үндэсний хөрөнгө оруулалтын банк', logo: 'https://qpay.mn/q/logo/nibank.jpeg', scheme: 'nibank' },
  { name: 'Chinggis khaan bank', description: 'Чингис Хаан банк', logo: 'https://qpay.mn/q/logo/ckbank.png', scheme: 'ckbank' },
  { name: 'Capitron bank', description: 'Капитрон банк', logo: 'https://qpay.mn/q/logo/capitronbank.png', scheme: 'capitronbank' },
  { name: 'Bogd bank', description: 'Богд банк', logo: 'https://qpay.mn/q/logo/bogdbank.png', scheme: 'bogdbank' },
  { name: 'Trans bank', description: 'Тээвэр хөгжлийн банк', logo: 'https://qpay.mn/q/logo/transbank.png', scheme: 'transbank' },
  { name: 'M bank', description: 'М банк', logo: 'https://qpay.mn/q/logo/mbank.png', scheme: 'mbank' },
  { name: 'Ard App', description: 'Ард Апп', logo: 'https://qpay.mn/q/logo/ard.png?v=2', scheme: 'ard' },
  { name: 'Toki App', description: 'Toki App', logo: 'https://qpay.mn/q/logo/tokipay.png', scheme: 'toki' },
  { name: 'Arig bank', description: 'Ариг банк', logo: 'https://qpay.mn/q/logo/arig.png', scheme: 'arig' },
  { name: 'Monpay', description: 'Мон Пэй', logo: 'https://qpay.mn/q/logo/monpay.png', scheme: 'monpay' },
  { name: 'Hipay', description: 'Hipay', logo: 'https://qpay.mn/q/logo/hipay.png', scheme: 'hipay' },
  { name: 'Happy Pay', description: 'Happy Pay MN', logo: 'https://qpay.mn/q/logo/tdbwallet.png', scheme: 'tdbwallet' },
  { name: 'Sono', description: 'Sono', logo: 'https://qpay.mn/q/logo/sono.png', scheme: 'sono' },
  { name: 'PayOn', description: 'PayOn', logo: 'https://qpay.mn/q/logo/payon.png', scheme: 'payon' },
  { name: 'Tino', description: 'Tino', logo: 'https://qpay.mn/q/logo/tino.png', scheme: 'tino' },
  { name: 'Pass.mn', description: 'Pass.mn', logo: 'https://qpay.mn/q/logo/pass.png', scheme: 'pass' },
]);
