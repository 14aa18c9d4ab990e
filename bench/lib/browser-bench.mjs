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

/**
 * @param {{
 *   executablePath: string,
 *   server: { origin: string, fileFor(path: string): string | null },
 *   invoices: { image: object, drawn: object },
 *   reps: { qr: number, paid: number, hidden: number, leakRuns: number, cycles: number },
 *   interval: number,
 *   log: (line: string) => void,
 * }} options
 */
export async function runBrowserBench({ executablePath, server, invoices, reps, interval, log }) {
  const browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
  let invoiceCounter = 0;
  const uniqueInvoice = (base, tag) => ({ ...base, invoice_id: `${tag}-${Date.now().toString(36)}-${++invoiceCounter}` });
  try {
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
    /** Widget code a page loaded (bench harness files left out). */
    const widgetScripts = (scripts) => [...scripts].filter((path) => !path.startsWith('/pages/')).sort();

    // ---- time to QR ---------------------------------------------------------------------------
    log('  time to QR…');
    const timeToQr = {};
    const loaded = {};
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

    // ---- navigation start to QR painted, plain page with the <script> file ----------------------
    log('  navigation to QR (<script> file page)…');
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

    // ---- time to paid ---------------------------------------------------------------------------
    // Visible: every run in one page at once (independent widgets, invoices and timers), each
    // turning PAID at its own offset after the first answer: stratified random over one interval.
    log('  time to paid…');
    const offsets = Array.from({ length: reps.paid }, (_, i) => Math.round(((i + Math.random()) / reps.paid) * interval));
    const hiddenFor = Array.from({ length: reps.hidden }, () => Math.round(1000 + Math.random() * 2000));
    const paidFor = async (widget) => {
      const { context, page } = await widgetPage(widget);
      const visible = await page.evaluate(
        ([invs, offs]) => Promise.all(invs.map((inv, i) => window.bench.timeToPaid(inv, offs[i]))),
        [offsets.map(() => uniqueInvoice(invoices.image, `paid-${widget}`)), offsets],
      );
      // Back from hidden: one run at a time (visibility is page-wide).
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
    const [elementPaid, baselinePaid] = await Promise.all([paidFor('element'), paidFor('baseline')]);
    const timeToPaid = { element: elementPaid, baseline: baselinePaid };

    // ---- leaks ----------------------------------------------------------------------------------
    log(`  leaks (${reps.cycles} mount/unmount cycles × ${reps.leakRuns})…`);
    const leaks = {};
    for (const widget of ['element', 'baseline']) {
      const runs = [];
      for (let run = 0; run < reps.leakRuns; run++) {
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
        runs.push({
          heapBefore,
          heapAfter,
          growth: heapAfter.usedSize - heapBefore.usedSize,
          pageGrowth: heapAfter.usedSize - heapBefore.usedSize - (heapAfter.devtools - heapBefore.devtools),
          devtoolsGrowth: heapAfter.devtools - heapBefore.devtools,
          liveBefore,
          liveAfter,
          domNodes,
          seconds,
        });
        await context.close();
      }
      const last = runs.at(-1);
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
        liveAfterMax: {
          timeouts: Math.max(...runs.map((r) => r.liveAfter.timeouts)),
          intervals: Math.max(...runs.map((r) => r.liveAfter.intervals)),
          fetches: Math.max(...runs.map((r) => r.liveAfter.fetches)),
          listeners: Math.max(...runs.map((r) => r.liveAfter.listeners)),
        },
        cycleSeconds: summarize(runs.map((r) => r.seconds), 2),
      };
    }

    return { chromium: browser.version(), timeToQr, navigation, timeToPaid, leaks, loaded };
  } finally {
    await browser.close();
  }
}
