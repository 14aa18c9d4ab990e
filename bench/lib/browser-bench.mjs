// The Chromium half of the bench, driven with playwright-core: time to QR (per path, and from
// navigation start on a plain <script>-file page), time to paid (visible, and on return from
// hidden), and leaks over mount/unmount cycles, for the element and the naive baseline.
import { chromium } from 'playwright-core';
import { summarize } from './stats.mjs';

/**
 * Heap after two full GCs, from a heap snapshot: the total of every node's self size, and how much of
 * it is DevTools' own record of each network request (blink::NetworkResourcesData, kept in the page's
 * heap because Playwright drives the page with the Network domain on): a cost of being measured.
 */
async function heapTotals(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks = [];
  const onChunk = (event) => chunks.push(event.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const { snapshot, nodes, strings } = JSON.parse(chunks.join(''));
  const fields = snapshot.meta.node_fields;
  const [nameAt, sizeAt] = [fields.indexOf('name'), fields.indexOf('self_size')];
  let total = 0;
  let devtools = 0;
  for (let i = 0; i < nodes.length; i += fields.length) {
    total += nodes[i + sizeAt];
    if (strings[nodes[i + nameAt]] === 'blink::NetworkResourcesData::ResourceData') devtools += nodes[i + sizeAt];
  }
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return { usedSize, total, devtools };
}

const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Widget code a page loaded (bench harness files left out). */
const widgetScripts = (scripts) => [...scripts].filter((path) => !path.startsWith('/pages/')).sort();

/** Invoice set -> QR painted, per widget and path, each run on a fresh page; notes the scripts each path loaded. */
async function timeToQrPart({ widgetPage, invoices, uniqueInvoice, reps, loaded }) {
  const timeToQr = {};
  const qrCases = [
    ['element', 'image', invoices.image],
    ['element', 'drawn', invoices.drawn],
    ['baseline', 'drawn', invoices.image], // the baseline always draws, even with a qr_image
  ];
  for (const [widget, path, invoice] of qrCases) {
    const runs = [];
    for (let i = 0; i < reps.qr; i++) {
      const { context, page, scripts } = await widgetPage(widget);
      runs.push(await page.evaluate((inv) => window.bench.timeToQr(inv), uniqueInvoice(invoice, `qr-${widget}-${path}`)));
      if (i === 0) loaded[`${widget}:${path}`] = widgetScripts(scripts);
      await context.close();
    }
    timeToQr[`${widget}:${path}`] = { dom: summarize(runs.map((r) => r.domMs)), paint: summarize(runs.map((r) => r.paintMs)) };
  }
  return timeToQr;
}

/** Navigation start -> QR painted on a plain page with the <script> file. */
async function navigationPart({ freshPage, reps, loaded }) {
  const navigation = {};
  for (const path of ['image', 'drawn']) {
    const runs = [];
    for (let i = 0; i < reps.qr; i++) {
      const { context, page, scripts } = await freshPage(`/script-page.html?path=${path}`);
      await page.waitForFunction(() => window.__benchResult, null, { timeout: 15000 });
      const result = await page.evaluate(() => window.__benchResult);
      if (result.error) throw new Error(`script page (${path}): ${result.error}`);
      runs.push(result);
      if (i === 0) loaded[`script:${path}`] = widgetScripts(scripts);
      await context.close();
    }
    navigation[path] = { dom: summarize(runs.map((r) => r.domAt)), paint: summarize(runs.map((r) => r.paintAt)) };
  }
  return navigation;
}

/**
 * Time to paid by polling. Visible: every run in one page at once (independent widgets, invoices and timers), each
 * turning PAID at its own offset after the first answer: stratified random over one interval. Back from hidden: one
 * run at a time (visibility is page-wide).
 */
async function timeToPaidPart({ widgetPage, invoices, uniqueInvoice, reps, interval }) {
  const offsets = Array.from({ length: reps.paid }, (_, i) => Math.round(((i + Math.random()) / reps.paid) * interval));
  const hiddenFor = Array.from({ length: reps.hidden }, () => Math.round(1000 + Math.random() * 2000));
  const paidFor = async (widget) => {
    const { context, page } = await widgetPage(widget);
    const visible = await page.evaluate(
      ([invs, offs]) => Promise.all(invs.map((inv, i) => window.bench.timeToPaid(inv, offs[i]))),
      [offsets.map(() => uniqueInvoice(invoices.image, `paid-${widget}`)), offsets],
    );
    const fromHidden = [];
    for (const ms of hiddenFor) {
      fromHidden.push(await page.evaluate(([inv, hiddenMs]) => window.bench.hiddenToPaid(inv, hiddenMs), [uniqueInvoice(invoices.image, `hidden-${widget}`), ms]));
    }
    await context.close();
    return {
      visible: { ...summarize(visible.map((r) => r.ms)), mean: Math.round(visible.reduce((s, r) => s + r.ms, 0) / visible.length) },
      fromHidden: { ...summarize(fromHidden.map((r) => r.ms)), paidWhileHidden: fromHidden.filter((r) => r.paidWhileHidden).length },
    };
  };
  const [element, baseline] = await Promise.all([paidFor('element'), paidFor('baseline')]);
  return { element, baseline };
}

/** One leak run: `cycles` mount/unmount cycles after a warm-up, heap and live handles before and after. */
async function leakRun({ widgetPage, invoices, uniqueInvoice, reps }, widget) {
  const { context, page } = await widgetPage(widget, '?instrument');
  const cdp = await context.newCDPSession(page);
  const invoice = uniqueInvoice(invoices.image, `leak-${widget}`);
  const warm = 20;
  const liveBefore = await page.evaluate(([inv, n]) => window.bench.mountCycles(inv, n, 0), [invoice, warm]);
  const heapBefore = await heapTotals(cdp);
  const started = Date.now();
  const liveAfter = await page.evaluate(([inv, n, first]) => window.bench.mountCycles(inv, n, first), [invoice, reps.cycles, warm]);
  const seconds = (Date.now() - started) / 1000;
  const heapAfter = await heapTotals(cdp);
  const domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
  await context.close();
  return {
    heapBefore,
    heapAfter,
    growth: heapAfter.usedSize - heapBefore.usedSize,
    pageGrowth: heapAfter.usedSize - heapBefore.usedSize - (heapAfter.devtools - heapBefore.devtools),
    devtoolsGrowth: heapAfter.devtools - heapBefore.devtools,
    liveBefore,
    liveAfter,
    domNodes,
    seconds,
  };
}

/** Leaks per widget over `reps.leakRuns` runs of `reps.cycles` mount/unmount cycles. */
async function leaksPart(bench) {
  const { reps } = bench;
  const leaks = {};
  for (const widget of ['element', 'baseline']) {
    const runs = [];
    for (let run = 0; run < reps.leakRuns; run++) runs.push(await leakRun(bench, widget));
    const last = runs.at(-1);
    const worst = (key) => Math.max(...runs.map((r) => r.liveAfter[key]));
    leaks[widget] = {
      cycles: reps.cycles,
      // V8's used heap after GC (Runtime.getHeapUsage), growth over the cycles.
      heapGrowthBytes: summarize(runs.map((r) => r.growth), 0),
      heapGrowthPerCycleBytes: summarize(runs.map((r) => r.growth / reps.cycles), 0),
      // The same less DevTools' per-request records (measured in heap snapshots, see heapTotals).
      pageHeapGrowthPerCycleBytes: summarize(runs.map((r) => r.pageGrowth / reps.cycles), 0),
      devtoolsHeapGrowthPerCycleBytes: summarize(runs.map((r) => r.devtoolsGrowth / reps.cycles), 0),
      heapAfterBytes: summarize(runs.map((r) => r.heapAfter.usedSize), 0),
      domNodesAfter: last.domNodes,
      live: { before: last.liveBefore, after: last.liveAfter },
      liveAfterMax: { timeouts: worst('timeouts'), intervals: worst('intervals'), fetches: worst('fetches'), listeners: worst('listeners') },
      cycleSeconds: summarize(runs.map((r) => r.seconds), 2),
    };
  }
  return leaks;
}

/**
 * @param {{
 *   executablePath: string,
 *   server: { origin: string, fileFor(path: string): string | null },
 *   invoices: { image: object, drawn: object },
 *   parts: Set<string>,   which of qr (with the navigation figures), paid and leaks to run
 *   reps: { qr: number, paid: number, hidden: number, leakRuns: number, cycles: number },
 *   interval: number,
 *   log: (line: string) => void,
 * }} options
 */
export async function runBrowserBench({ executablePath, server, invoices, parts, reps, interval, log }) {
  const browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
  let invoiceCounter = 0;
  const uniqueInvoice = (base, tag) => ({ ...base, invoice_id: `${tag}-${Date.now().toString(36)}-${++invoiceCounter}` });
  /** A fresh context (empty cache) with one page, noting every JavaScript file it fetched. */
  async function freshPage(path) {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    const scripts = new Set();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.resourceType() === 'script' || url.pathname.endsWith('.js')) scripts.add(url.pathname);
    });
    page.on('pageerror', (error) => log(`  page error on ${path}: ${error.message}`));
    await page.goto(`${server.origin}${path}`);
    return { context, page, scripts };
  }
  const widgetPage = async (widget, query = '') => {
    const fresh = await freshPage(`/pages/${widget}.html${query}`);
    await fresh.page.evaluate(() => window.bench.ready());
    return fresh;
  };
  const loaded = {};
  const bench = { freshPage, widgetPage, invoices, uniqueInvoice, reps, interval, loaded };
  const results = { chromium: browser.version(), loaded };
  try {
    if (parts.has('qr')) {
      log(`  time to QR (${reps.qr} runs per path)…`);
      results.timeToQr = await timeToQrPart(bench);
      log('  navigation to QR (<script> file page)…');
      results.navigation = await navigationPart(bench);
    }
    if (parts.has('paid')) {
      log('  time to paid (polling)…');
      results.timeToPaid = await timeToPaidPart(bench);
    }
    if (parts.has('leaks')) {
      log(`  leaks (${reps.cycles} mount/unmount cycles × ${reps.leakRuns})…`);
      results.leaks = await leaksPart(bench);
    }
    return results;
  } finally {
    await browser.close();
  }
}
