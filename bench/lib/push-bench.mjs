// The push half of the bench: the shop's real checkout handler (bench/server/shop-server.mjs, QPay mocked in
// that process) and pages in Chromium reading its /qpay routes, for the element with its event stream, the
// element polling only, and the naive baseline:
//   callback -> paid   the provider's callback handed to the shop -> the page's paid event (wall clocks of one machine)
//   outage             every /qpay connection cut for `outageMs`; its end -> the page next learns the status
//   traffic            /qpay requests and bytes on the wire of a waiting page, scaled to 10 minutes
//   streams            N open event streams on the shop process: memory per stream, idle CPU, QPay calls per second
import { request as httpRequest, Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { summarize } from './stats.mjs';
import { startChild } from './child.mjs';

const shopScript = fileURLToPath(new URL('../server/shop-server.mjs', import.meta.url));
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MODES = ['stream', 'poll', 'baseline'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const startShop = (bundlesDir) => startChild(shopScript, [bundlesDir], ['--expose-gc']);

/** Opens `count` event streams on `urls` (round robin) from this process; resolves once each has sent its first event. */
async function openStreams(urls, count) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const requests = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(urls[i % urls.length], { agent, headers: { accept: 'text/event-stream' } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`stream ${i}: HTTP ${res.statusCode}`));
          res.on('data', (chunk) => String(chunk).includes('event: status') && resolve());
          res.on('error', () => {});
        });
        req.on('error', reject);
        req.end();
        requests.push(req);
      }),
    ),
  );
  return () => {
    for (const req of requests) req.destroy();
    agent.destroy();
  };
}

/**
 * @param {{ executablePath: string, bundlesDir: string, reps: number, interval: number, outageMs: number, outagePages: number,
 *   trafficMs: number, streams: { count: number, invoices: number, idleMs: number }, log: (line: string) => void }} options
 */
export async function runPushBench({ executablePath, bundlesDir, reps, interval, outageMs, outagePages, trafficMs, streams, log }) {
  const shop = startShop(bundlesDir);
  const { origin } = await shop.ready;
  const browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
  const results = { interval, reps, outageMs, outagePages, trafficMs };
  try {
    /** A page in its own browser context (its own connections) with one widget that has learned the status. */
    async function widgetPage(mode, pageNumber = 0) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('pageerror', (error) => log(`  page error (${mode}): ${error.message}`));
      await page.goto(`${origin}/pages/push.html`);
      const { invoice } = await shop.ask({ type: 'invoice' });
      await page.evaluate(([inv, m, n]) => window.pushBench.mount(inv, m, n), [invoice, mode, pageNumber]);
      return { context, page, invoice };
    }

    // ---- callback -> paid --------------------------------------------------------------------------
    log(`  push: callback -> paid event (${reps} runs per widget)…`);
    results.callbackToPaid = {};
    for (const mode of MODES) {
      const runs = [];
      for (let i = 0; i < reps; i++) {
        const { context, page, invoice } = await widgetPage(mode);
        // Callbacks land anywhere in the poll interval: spread evenly over it.
        await sleep(((i + 0.5) / reps) * interval);
        const { callbackAt } = await shop.ask({ type: 'pay', invoiceId: invoice.invoice_id });
        const paidAt = await page.evaluate(() => window.pushBench.paid());
        runs.push(paidAt - callbackAt);
        await context.close();
      }
      results.callbackToPaid[mode] = summarize(runs, 1);
    }

    // ---- outage -------------------------------------------------------------------------------------
    log(`  push: ${outageMs / 1000} s outage, ${outagePages} pages per widget…`);
    const outaged = [];
    for (const mode of MODES) for (let i = 0; i < outagePages; i++) outaged.push({ mode, number: outaged.length, ...(await widgetPage(mode, outaged.length)) });
    // Pages start at different moments of their poll interval, as real ones do.
    await sleep(interval);
    const cutBefore = (await shop.ask({ type: 'traffic' })).byTag;
    // Every connection drops at once, so every page's stream retries in step (every `retry: 3000`): the outage
    // ends for each page at another moment of that 3 s cycle, or the figure would depend on 60 s mod 3 s.
    // Both processes read the same wall clock (epoch ms).
    const start = performance.timeOrigin + performance.now();
    const upAt = (i) => start + outageMs + (((i % outagePages) + 0.5) / outagePages) * 3000;
    await shop.ask({ type: 'outage', until: Object.fromEntries(outaged.map(({ number }) => [number, upAt(number)])) });
    await sleep(outageMs + 3000);
    const cutAfter = (await shop.ask({ type: 'traffic' })).byTag;
    const recovered = await Promise.all(outaged.map(({ page, number }) => page.evaluate(([since]) => window.pushBench.seenAfter(since, 60_000), [upAt(number)])));
    results.outageRecovery = {};
    for (const mode of MODES) {
      const times = recovered.map((t, i) => (t === null ? null : t - upAt(outaged[i].number))).filter((_, i) => outaged[i].mode === mode);
      results.outageRecovery[mode] = {
        ...summarize(times.filter((t) => t !== null), 0),
        neverRecovered: times.filter((t) => t === null).length,
        // Requests the pages sent into the outage (each one cut), per page.
        attemptsPerPage: ((cutAfter[mode]?.cut ?? 0) - (cutBefore[mode]?.cut ?? 0)) / outagePages,
      };
    }
    await shop.ask({ type: 'outage', until: null });
    await Promise.all(outaged.map(({ context }) => context.close()));

    // ---- traffic of a waiting page ---------------------------------------------------------------------
    log(`  push: traffic of a waiting page (${trafficMs / 1000} s, scaled to 10 min)…`);
    const waitingPages = await Promise.all(MODES.map((mode) => widgetPage(mode)));
    const before = (await shop.ask({ type: 'traffic' })).byTag;
    await sleep(trafficMs);
    const after = (await shop.ask({ type: 'traffic' })).byTag;
    await Promise.all(waitingPages.map(({ context }) => context.close()));
    const scale = 600_000 / trafficMs;
    results.trafficPer10Min = {};
    for (const mode of MODES) {
      const [a, b] = [after[mode] ?? { requests: 0, bytes: 0 }, before[mode] ?? { requests: 0, bytes: 0 }];
      results.trafficPer10Min[mode] = { requests: Math.round((a.requests - b.requests) * scale), bytes: Math.round((a.bytes - b.bytes) * scale) };
    }
  } finally {
    await browser.close();
  }

  // ---- many open streams on one process -------------------------------------------------------------
  try {
    log(`  push: ${streams.count} open streams over ${streams.invoices} invoices…`);
    const invoiceIds = [];
    for (let i = 0; i < streams.invoices; i++) invoiceIds.push((await shop.ask({ type: 'invoice' })).invoice.invoice_id);
    await sleep(200);
    const idle = await shop.ask({ type: 'counts' });
    const close = await openStreams(
      invoiceIds.map((id) => `${origin}/qpay/events/${encodeURIComponent(id)}`),
      streams.count,
    );
    try {
      await sleep(500);
      const open = await shop.ask({ type: 'counts' });
      await shop.ask({ type: 'reset' });
      await sleep(streams.idleMs);
      const quiet = await shop.ask({ type: 'counts' });
      const seconds = streams.idleMs / 1000;
      results.streams = {
        ...streams,
        heapPerStreamBytes: Math.round((open.heapUsed - idle.heapUsed) / streams.count),
        rssPerStreamBytes: Math.round((open.rss - idle.rss) / streams.count),
        idleCpuPercent: Math.round((quiet.cpuMs / streams.idleMs) * 1000) / 10,
        qpayCallsPerSecond: Math.round((quiet.qpayCalls / seconds) * 10) / 10,
      };
    } finally {
      close();
    }
  } finally {
    await shop.close();
  }
  return results;
}
