// The built <script> file on a shop page that declares no charset (no <meta charset>, `text/html` without one,
// the script served as `application/javascript` without one): Chromium reads such a page, and the scripts it
// loads, as windows-1252. The widget's Mongolian and Russian labels must still read right, so the file must
// not depend on the page's encoding. Needs the build (`node scripts/build.mjs`; `npm test` builds first).
import { expect } from '@open-wc/testing';
import { qpayInvoice } from './helpers/fixtures.js';
import { mn } from '../../src/element/i18n/mn.js';
import ru from '../../src/element/i18n/ru.js';

interface Shown {
  charset: string;
  defined: boolean;
  status: string;
  heading: string;
}

/**
 * Opens the charset page in a frame of another origin (a same-origin frame would inherit this page's UTF-8),
 * hands it an invoice and returns what its element shows.
 */
async function showOnCharsetlessPage(lang: string, invoice: unknown): Promise<Shown> {
  const otherHost = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  const frame = document.createElement('iframe');
  frame.src = `${location.protocol}//${otherHost}:${location.port}/charset-test/page.html?lang=${lang}`;
  const answer = new Promise<Shown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${lang} charset page did not answer within 8 s`)), 8000);
    addEventListener('message', function listen(event: MessageEvent) {
      if (event.source !== frame.contentWindow) return;
      if (event.data === 'ready') return frame.contentWindow!.postMessage(invoice, '*');
      clearTimeout(timer);
      removeEventListener('message', listen);
      resolve(event.data as Shown);
    });
  });
  document.body.append(frame);
  try {
    return await answer;
  } finally {
    frame.remove();
  }
}

describe('the <script> file on a page without a charset', () => {
  for (const [lang, t] of [
    ['mn', mn],
    ['ru', ru],
  ] as const) {
    it(`reads its ${lang} labels right`, async () => {
      const shown = await showOnCharsetlessPage(lang, await qpayInvoice());
      // The page really is read in a legacy encoding, as a shop page without a charset is.
      expect(shown.charset.toLowerCase()).to.not.equal('utf-8');
      expect(shown.defined).to.equal(true);
      expect(shown.heading).to.equal(t.scanQr);
      expect(shown.status).to.equal(t.waiting);
    });
  }
});
