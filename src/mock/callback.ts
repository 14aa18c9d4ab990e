// What a provider does after a customer pays: it calls the shop's callback URL. The mocks' `pay()` does the
// same (unless told not to), so a shop using a mock needs no hand-written route to deliver it.

/** How a mock's `pay()` delivers the provider's callback. */
export interface MockPayOptions {
  /** Deliver the callback to the URL the invoice was created with (default true). */
  callback?: boolean;
  /** The fetch that delivers it (default: the global fetch at the time), e.g. one that calls the shop's handler in process. */
  fetch?: typeof fetch;
}

/**
 * Sends the callback request and returns it on its way. A failure is logged (a callback that never arrives is
 * what a developer needs to hear about) and also rejects the returned promise for callers who await it.
 */
export function deliverCallback(provider: string, url: string, init: RequestInit, fetchImpl: typeof fetch = globalThis.fetch): Promise<Response> {
  const delivery = Promise.resolve().then(() => fetchImpl(url, init));
  delivery.catch((error: unknown) => {
    console.warn(`${provider} mock: could not deliver the payment callback to ${url}: ${error instanceof Error ? error.message : String(error)}`);
  });
  return delivery;
}
