// The parts of <qpay-checkout> that load on demand, each once: the QR encoder, the phone layout's bank
// list, the language packs and the status sources (poller, event stream). The element asks for what the
// current render needs; `settled()` lets its `updateComplete` wait for whatever is still on its way.

import { adoptStyles, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { loadMessages, messagesFor, type Language } from './i18n/index.js';
import { styles } from './styles.js';

type QrModule = typeof import('./qr-draw.js');
type BankListModule = typeof import('./bank-list.js');
type StatusSourcesModule = typeof import('./status-sources.js');

type Host = ReactiveControllerHost & { readonly renderRoot: HTMLElement | DocumentFragment };

export class LazyModules implements ReactiveController {
  /** The QR encoder, once loaded. */
  qr: QrModule | undefined;
  /** The phone layout's bank list code; `null` when it failed to load (the QR is shown instead). */
  bankList: BankListModule | null | undefined;
  /** The status poller and event stream code. */
  statusSources: StatusSourcesModule | undefined;
  #loads = new Set<Promise<void>>();
  #qrLoad: Promise<void> | undefined;
  #bankListLoad: Promise<void> | undefined;
  #statusLoad: Promise<void> | undefined;
  #languageLoad: Language | undefined;

  constructor(
    private readonly host: Host,
    /** A failed load, reported as a non-fatal error (the element goes on without it). */
    private readonly report: (error: Error) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Resolves once nothing is loading any more (a load that finishes may have started another). */
  async settled(): Promise<boolean> {
    const waited = this.#loads.size > 0;
    while (this.#loads.size > 0) await Promise.all(this.#loads);
    return waited;
  }

  /** The texts of `language`, unless built in or already asked for (Mongolian shows if they fail). */
  language(language: Language): void {
    if (messagesFor(language) || this.#languageLoad === language) return;
    this.#languageLoad = language;
    this.#run(loadMessages(language), `the ${language} texts`, () => {}, this.report);
  }

  /** The phone layout's code and styles. */
  loadBankList(): void {
    this.#bankListLoad ??= this.#run(
      import('./bank-list.js'),
      'the bank list',
      (module) => {
        this.bankList = module;
        adoptStyles(this.host.renderRoot as ShadowRoot, [styles, module.phoneStyles]);
      },
      (error) => {
        this.bankList = null;
        this.report(error);
      },
    );
  }

  /** The QR encoder; without it a text QR cannot be shown, so `failed` decides what that means. */
  loadQr(failed: (error: Error) => void): void {
    this.#qrLoad ??= this.#run(import('./qr-draw.js'), 'the QR encoder', (module) => (this.qr = module), (error) => {
      this.#qrLoad = undefined;
      failed(error);
    });
  }

  /** The status poller and event stream code; `loaded` runs once it is here. */
  loadStatusSources(loaded: () => void): void {
    this.#statusLoad ??= this.#run(
      import('./status-sources.js'),
      'the status poller',
      (module) => {
        this.statusSources = module;
        loaded();
      },
      (error) => {
        this.#statusLoad = undefined;
        this.report(error);
      },
    );
  }

  /** Runs a lazy load of `what`; `settled()` waits for it, and the host re-renders once it settled. */
  #run<T>(load: Promise<T>, what: string, loaded: (value: T) => void, failed: (error: Error) => void): Promise<void> {
    const settled: Promise<void> = load
      .then(loaded, (error: unknown) => failed(new Error(`Could not load ${what}`, { cause: error })))
      .finally(() => {
        this.#loads.delete(settled);
        this.host.requestUpdate();
      });
    this.#loads.add(settled);
    return settled;
  }
}
