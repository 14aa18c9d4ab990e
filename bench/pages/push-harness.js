// The push bench's page (push.html, served by bench/server/shop-server.mjs with the shop's real checkout
// handler): one widget per page, reading the real /qpay routes: the element with its event stream
// (`stream`), the element polling only (`poll`), or the naive setInterval baseline (`baseline`). Node drives
// it through window.pushBench. Times are epoch milliseconds (performance.timeOrigin + now), comparable with
// the shop process's on the same machine.
const now = () => performance.timeOrigin + performance.now();
/** When the page last learned the status: every status answer and stream event, and every stream (re)open. */
const seen = [];
let waiting = null;
const note = () => {
  seen.push(now());
  waiting?.();
};

const pageFetch = window.fetch;
const decoder = new TextDecoder();
/** The element reads its event stream with fetch: a stream's (re)open and each status event it carries count. */
function noteStreamEvents(response) {
  note(); // a reopened stream is up to date: the server sends a status only when it differs from Last-Event-ID
  const body = response.body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        if (decoder.decode(chunk, { stream: true }).includes('event: status')) note();
        controller.enqueue(chunk);
      },
    }),
  );
  const watched = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(watched, 'url', { value: response.url });
  return watched;
}
window.fetch = async function (input, init) {
  const response = await pageFetch.call(window, input, init);
  const url = String(input instanceof Request ? input.url : input);
  if (/\/qpay\/status\//.test(url) && response.ok) note();
  if (/\/qpay\/events\//.test(url) && response.ok && response.body) return noteStreamEvents(response);
  return response;
};

let paid;

/** Mounts one widget for `invoice` (its requests tagged with `mode` and `page`); resolves once it has learned the status the first time. */
async function mount(invoice, mode, page = 0) {
  const stage = document.getElementById('stage');
  const tag = `?bench=${mode}&page=${page}`;
  const statusUrl = `/qpay/status/{id}${tag}`;
  if (mode === 'baseline') {
    while (!window.NaiveCheckout) await new Promise((resolve) => setTimeout(resolve, 5));
    const holder = document.createElement('div');
    stage.append(holder);
    paid = new Promise((resolve) => holder.addEventListener('naive-paid', () => resolve(now()), { once: true }));
    window.NaiveCheckout.mountNaiveCheckout(holder, { invoice, statusUrl });
  } else {
    await customElements.whenDefined('qpay-checkout');
    const el = document.createElement('qpay-checkout');
    el.setAttribute('lang', 'en');
    el.mode = 'desktop';
    el.statusUrl = statusUrl;
    if (mode === 'stream') el.eventsUrl = `/qpay/events/{id}${tag}`;
    paid = new Promise((resolve) => el.addEventListener('qpay-paid', () => resolve(now()), { once: true }));
    el.invoice = invoice;
    stage.append(el);
  }
  // The stream mode is ready once its stream is open and has told the status (not only the first poll).
  const enough = mode === 'stream' ? 3 : 1; // stream: the first poll, the stream's open and its first event
  while (seen.length < enough) await new Promise((resolve) => (waiting = resolve));
}

/** The first time after `since` that the page learned the status (null after `timeoutMs`). */
async function seenAfter(since, timeoutMs) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const found = seen.find((at) => at > since);
    if (found !== undefined) return found;
    if (now() > deadline) return null;
    await new Promise((resolve) => {
      waiting = resolve;
      setTimeout(resolve, 100);
    });
  }
}

window.pushBench = { mount, seenAfter, paid: () => paid };
