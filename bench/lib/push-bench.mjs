// The push half of the bench: the shop's real checkout handler (bench/server/shop-server.mjs, QPay mocked in
// that process) and pages in Chromium reading its /qpay routes, for the element with its event stream, the
// element polling only, and the naive baseline:
//   callback -> paid   the provider's callback handed to the shop -> the page's paid event (wall clocks of one machine)
//   outage             every /qpay connection cut for `outageMs`; its end -> the page next learns the status
//   traffic            /qpay requests and bytes on the wire of a waiting page, scaled to 10 minutes
//   streams            N open event streams on the shop process: memory per stream, idle CPU, QPay calls per second,
//                      and status polls (paced pollers, as pages that poll) answered meanwhile
import { request as httpRequest, Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { summarize } from './stats.mjs';
import { startChild } from './child.mjs';
import { runLoad } from './server-bench.mjs';

const shopScript = fileURLToPath(new URL('../server/shop-server.mjs', import.meta.url));
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MODES = ['stream', 'poll', 'baseline'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const startShop = (bundlesDir) => startChild(shopScript, [bundlesDir], ['--expose-gc']);

/** Opens `count` event streams on `urls` (round robin) from this process, 500 at a time; resolves once each has sent its first event. */
async function openStreams(urls, count) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const requests = [];
  for (let from = 0; from < count; from += 500) await openBatch(urls, agent, requests, from, Math.min(count, from + 500));
  return () => {
    for (const req of requests) req.destroy();
    agent.destroy();
  };
}

function openBatch(urls, agent, requests, from, to) {
  return Promise.all(
    Array.from({ length: to - from }, (_, k) => from + k).map((i) =>
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
}

/** A page in its own browser context (its own connections) with one widget that has learned the status. */
async function widgetPage({ browser, shop, origin, log }, mode, pageNumber = 0) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`  page error (${mode}): ${error.message}`));
  await page.goto(`${origin}/pages/push.html`);
  const { invoice } = await shop.ask({ type: 'invoice' });
  await page.evaluate(([inv, m, n]) => window.pushBench.mount(inv, m, n), [invoice, mode, pageNumber]);
  return { context, page, invoice };
}

/** Provider callback -> the page's paid event, `reps` runs per widget, callbacks spread evenly over the poll interval. */
async function callbackPart(bench, { reps, interval }) {
  const callbackToPaid = {};
  for (const mode of MODES) {
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const { context, page, invoice } = await widgetPage(bench, mode);
      await sleep(((i + 0.5) / reps) * interval);
      const { callbackAt } = await bench.shop.ask({ type: 'pay', invoiceId: invoice.invoice_id });
      const paidAt = await page.evaluate(() => window.pushBench.paid());
      runs.push(paidAt - callbackAt);
      await context.close();
    }
    callbackToPaid[mode] = summarize(runs, 1);
  }
  return callbackToPaid;
}

/** Every /qpay connection cut for `outageMs`; its end -> each page next learns the status, and the tries it made meanwhile. */
async function outagePart(bench, { interval, outageMs, outagePages }) {
  const { shop } = bench;
  const outaged = [];
  for (const mode of MODES) for (let i = 0; i < outagePages; i++) outaged.push({ mode, number: outaged.length, ...(await widgetPage(bench, mode, outaged.length)) });
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
  const outageRecovery = {};
  for (const mode of MODES) {
    const times = recovered.map((t, i) => (t === null ? null : t - upAt(outaged[i].number))).filter((_, i) => outaged[i].mode === mode);
    outageRecovery[mode] = {
      ...summarize(times.filter((t) => t !== null), 0),
      neverRecovered: times.filter((t) => t === null).length,
      // Requests the pages sent into the outage (each one cut), per page.
      attemptsPerPage: ((cutAfter[mode]?.cut ?? 0) - (cutBefore[mode]?.cut ?? 0)) / outagePages,
    };
  }
  await shop.ask({ type: 'outage', until: null });
  await Promise.all(outaged.map(({ context }) => context.close()));
  return outageRecovery;
}

/** /qpay requests and bytes of one waiting page per widget over `trafficMs`, scaled to 10 minutes. */
async function trafficPart(bench, { trafficMs }) {
  const waitingPages = await Promise.all(MODES.map((mode) => widgetPage(bench, mode)));
  const before = (await bench.shop.ask({ type: 'traffic' })).byTag;
  await sleep(trafficMs);
  const after = (await bench.shop.ask({ type: 'traffic' })).byTag;
  await Promise.all(waitingPages.map(({ context }) => context.close()));
  const scale = 600_000 / trafficMs;
  const trafficPer10Min = {};
  for (const mode of MODES) {
    const [a, b] = [after[mode] ?? { requests: 0, bytes: 0 }, before[mode] ?? { requests: 0, bytes: 0 }];
    trafficPer10Min[mode] = { requests: Math.round((a.requests - b.requests) * scale), bytes: Math.round((a.bytes - b.bytes) * scale) };
  }
  return trafficPer10Min;
}

/** `streams.count` open event streams over `streams.invoices` invoices on the shop process: memory, idle CPU, QPay calls. */
async function streamsPart({ shop, origin }, streams) {
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
    // Past every invoice's fast window (3 s in the bench shop): the idle figures are the steady pace's.
    await sleep(3500);
    await shop.ask({ type: 'reset' });
    await sleep(streams.idleMs);
    const quiet = await shop.ask({ type: 'counts' });
    const seconds = streams.idleMs / 1000;
    // Pages that poll while the streams stay open: 1,000 pollers every 2 s over the same invoices.
    const polls = await runLoad({ baseUrl: origin, invoiceIds, pollers: streams.pollers, connections: 256, durationMs: streams.pollMs, warmupMs: 1000, mode: 'paced', interval: 2000 });
    return {
      ...streams,
      heapPerStreamBytes: Math.round((open.heapUsed - idle.heapUsed) / streams.count),
      rssPerStreamBytes: Math.round((open.rss - idle.rss) / streams.count),
      idleCpuPercent: Math.round((quiet.cpuMs / streams.idleMs) * 1000) / 10,
      qpayCallsPerSecond: Math.round((quiet.qpayCalls / seconds) * 10) / 10,
      pollsWhileOpen: { pollers: polls.pollers, rps: polls.rps, p50Ms: polls.p50Ms, p99Ms: polls.p99Ms, failed: polls.failed },
    };
  } finally {
    close();
  }
}

/**
 * @param {{ executablePath: string, bundlesDir: string, parts: Set<string>, reps: number, interval: number, outageMs: number,
 *   outagePages: number, trafficMs: number, streams: { count: number, invoices: number, idleMs: number }, log: (line: string) => void }} options
 *   parts: which of callback, outage, traffic and streams to run
 */
export async function runPushBench({ executablePath, bundlesDir, parts, reps, interval, outageMs, outagePages, trafficMs, streams, log }) {
  const shop = startShop(bundlesDir);
  const results = { interval, reps, outageMs, outagePages, trafficMs };
  try {
    const { origin } = await shop.ready;
    if (['callback', 'outage', 'traffic'].some((part) => parts.has(part))) {
      const browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
      const bench = { browser, shop, origin, log };
      try {
        if (parts.has('callback')) {
          log(`  push: callback -> paid event (${reps} runs per widget)…`);
          results.callbackToPaid = await callbackPart(bench, { reps, interval });
        }
        if (parts.has('outage')) {
          log(`  push: ${outageMs / 1000} s outage, ${outagePages} pages per widget…`);
          results.outageRecovery = await outagePart(bench, { interval, outageMs, outagePages });
        }
        if (parts.has('traffic')) {
          log(`  push: traffic of a waiting page (${trafficMs / 1000} s, scaled to 10 min)…`);
          results.trafficPer10Min = await trafficPart(bench, { trafficMs });
        }
      } finally {
        await browser.close();
      }
    }
    if (parts.has('streams')) {
      log(`  push: ${streams.count} open streams over ${streams.invoices} invoices…`);
      results.streams = await streamsPart({ shop, origin }, streams);
    }
  } finally {
    await shop.close();
  }
  return results;
}
