// The bench's printed table: the headline figures a shop asks about first (time to paid, provider calls per
// open checkout, capacity per process, QR painted, sizes), then every part that ran in detail. Each figure
// carries its unit; a part that did not run prints no section. Reads the results object scripts/bench.mjs
// writes to bench/results.json.

const kb = (bytes) => (bytes === null || bytes === undefined ? '—' : `${(bytes / 1024).toFixed(1)} KB`);
const ms = (s) => (s?.median === null || s?.median === undefined ? '—' : `${s.median} ms (${s.min}–${s.max})`);
const ms95 = (s) => (s?.median == null ? '—' : `${s.median} / ${s.p95} ms (${s.min}–${s.max})`);
/** A median (min–max) of a count, with its unit. */
const count = (s, unit) => (s?.median === null || s?.median === undefined ? '—' : `${s.min === s.max ? s.median : `${s.median} (${s.min}–${s.max})`} ${unit}`);
const secs = (msValue) => (msValue == null ? '—' : `${Math.round(msValue / 100) / 10} s`);
const sz = (s) => (s ? `${kb(s.gzip)} / ${kb(s.brotli)}` : '—');

/** qpay-checkout ÷ baseline: below 1 means the element needs less (bytes, ms, requests). */
function ratio(element, baseline) {
  if (typeof element !== 'number' || typeof baseline !== 'number' || baseline === 0) return '';
  const r = element / baseline;
  return r === 0 ? '0' : r < 0.1 ? r.toFixed(3) : r.toFixed(2);
}

/**
 * The figures issue 17 set its goals against ("today" before this round's changes, measured with this bench on the
 * same machine), printed beside the new ones.
 */
const BEFORE = {
  flood: '4409 req/s, p99 332 ms',
  paced: '502 req/s, p99 11 ms',
  callsPerOpenInvoice: '0.99 (1,000 streams)',
  idleCpu: '18% at 1,000 streams',
};

/** Provider status calls per open invoice per second, from the open-streams run. */
const callsPerOpenInvoice = (st) => Math.round((st.qpayCallsPerSecond / st.invoices) * 100) / 100;

function headline(r, row, section) {
  section('Headline (details below)');
  const cb = r.push?.callbackToPaid;
  if (cb) {
    row('time to paid: callback -> paid event, events-url, median / p95', ms95(cb.stream), ms95(cb.baseline), ratio(cb.stream.median, cb.baseline.median));
    row('time to paid: same, polling only', ms95(cb.poll), ms95(cb.baseline), ratio(cb.poll.median, cb.baseline.median));
  }
  const st = r.push?.streams;
  if (st) {
    row(`provider calls per open checkout (${st.count} streams, ${st.invoices} invoices)`, `${callsPerOpenInvoice(st)} QPay calls/invoice/s`, `today ${BEFORE.callsPerOpenInvoice}`);
    row('idle CPU with those streams open (goal <= 10% of a core)', `${st.idleCpuPercent}% of a core`, `today ${BEFORE.idleCpu}`);
  }
  const s = r.server;
  if (s) {
    row('capacity per process: status route back to back, req/s and p99 (goals >= 10000, <= 50 ms)', `${s.flood.rps} req/s, p99 ${s.flood.p99Ms} ms`, `today ${BEFORE.flood}`);
    row(`capacity per process: ${s.pollers} pollers every ${s.interval} ms`, `${s.paced.rps} req/s, p99 ${s.paced.p99Ms} ms`, `today ${BEFORE.paced}`);
  }
  const pc = r.pacing;
  if (pc) {
    const w = pc.wait;
    row(`provider checks per open invoice per s, 10-min wait, page + stream open (goal <= 0.2)`, `${w.checksPerInvoicePerSecond} checks/invoice/s`, `today ${w.today} (arithmetic)`);
    const l = pc.lostCallback;
    row('lost callback -> poll answers PAID, median inside / outside the fast windows (goals 3 / 15 s)', `${secs(l.insideWindows.toPoll.median)} / ${secs(l.outsideWindows.toPoll.median)}`, `today ${secs(l.insideWindows.today.toPoll.median)} / ${secs(l.outsideWindows.today.toPoll.median)}`);
  }
  const d = r.delivery;
  if (d) row('paid -> onPaid start through the outbox (3 processes, Redis), median / p99', `${d.paidToOnPaidStartMs.median} / ${d.paidToOnPaidStartMs.p99} ms`);
  const qr = r.timeToQr;
  if (qr) {
    const base = qr['baseline:drawn'].paint;
    row('invoice set -> QR painted, qr_image / drawn', `${qr['element:image'].paint.median} / ${qr['element:drawn'].paint.median} ms`, `${base.median} ms`, `${ratio(qr['element:image'].paint.median, base.median)} / ${ratio(qr['element:drawn'].paint.median, base.median)}`);
  }
  if (r.size) {
    row('size: <script> file / npm entry without Lit, gzip', `${kb(r.size.scriptFile.gzip)} / ${kb(r.size.npmEntry.gzip)}`);
  }
}

function sizes(r, row, section) {
  section('Size (gzip / brotli)');
  row('<script> file dist/qpay-checkout.min.js', sz(r.size.scriptFile));
  row('npm entry (dist/index.js + static imports, no lit, bundled)', sz(r.size.npmEntry));
  row('QR chunk in dist (qrcode external)', sz(r.size.qrChunk));
  row('other on-demand chunks (en, ru, invoice-url loader, phone bank list, status sources)', sz(r.size.otherLazyChunks));
  row('QR chunk as a page loads it (with qrcode)', sz(r.size.qrChunkWithEncoder));
  const pages = r.size.pages;
  row('page loads: npm entry + lit, qr_image path', sz(pages.elementImage), sz(pages.baseline), ratio(pages.elementImage?.gzip, pages.baseline?.gzip));
  row('page loads: npm entry + lit + QR chunk, drawn path', sz(pages.elementDrawn), sz(pages.baseline), ratio(pages.elementDrawn?.gzip, pages.baseline?.gzip));
  row('page loads: <script> file page', sz(pages.scriptPage));
}

function browser(r, row, section) {
  const qr = r.timeToQr;
  if (qr) {
    section('Time to QR painted (median (min–max))');
    const base = qr['baseline:drawn'].paint;
    row('invoice set -> painted, qr_image path', ms(qr['element:image'].paint), ms(base), ratio(qr['element:image'].paint.median, base.median));
    row('invoice set -> painted, drawn QR path', ms(qr['element:drawn'].paint), ms(base), ratio(qr['element:drawn'].paint.median, base.median));
    row('navigation start -> painted, <script> page, qr_image', ms(r.navigationToQr.image.paint));
    row('navigation start -> painted, <script> page, drawn', ms(r.navigationToQr.drawn.paint));
  }
  const tp = r.timeToPaid;
  if (tp) {
    section(`Time to paid, polling (poll interval ${r.meta.settings.pollInterval} ms)`);
    row('endpoint PAID -> paid event, page visible', ms(tp.element.visible), ms(tp.baseline.visible), ratio(tp.element.visible.median, tp.baseline.visible.median));
    row('page visible again -> paid event', ms(tp.element.fromHidden), ms(tp.baseline.fromHidden), ratio(tp.element.fromHidden.median, tp.baseline.fromHidden.median));
  }
  const lk = r.leaks;
  if (lk) {
    section(`Leaks after ${lk.element.cycles} mount/unmount cycles with polling on`);
    const bytes = (s) => count(s, 'bytes');
    row('heap growth per cycle (V8 used heap after GC)', bytes(lk.element.heapGrowthPerCycleBytes), bytes(lk.baseline.heapGrowthPerCycleBytes));
    row('  of which DevTools request records', bytes(lk.element.devtoolsHeapGrowthPerCycleBytes), bytes(lk.baseline.devtoolsHeapGrowthPerCycleBytes));
    row('  growth less those records', bytes(lk.element.pageHeapGrowthPerCycleBytes), bytes(lk.baseline.pageHeapGrowthPerCycleBytes));
    row('heap after (used, after GC)', kb(lk.element.heapAfterBytes.median), kb(lk.baseline.heapAfterBytes.median));
    const live = (l) => `${l.timeouts} timeouts, ${l.intervals} intervals, ${l.fetches} fetches, ${l.listeners} listeners`;
    row('still live afterwards (worst run)', live(lk.element.liveAfterMax), live(lk.baseline.liveAfterMax));
  }
}

function requests(r, row, section) {
  section('Status requests per widget (virtual time, exact)');
  const q = r.requests;
  const n = (s) => count(s, 'requests');
  row('10 min visible', n(q.element.visible), n(q.baseline.visible), ratio(q.element.visible.median, q.baseline.visible.median));
  row('10 min hidden', n(q.element.hidden), n(q.baseline.hidden), ratio(q.element.hidden.median, q.baseline.hidden.median));
  row('60 s outage (network errors)', n(q.element.outage), n(q.baseline.outage), ratio(q.element.outage.median, q.baseline.outage.median));
  row('  first request after the outage ends', count(q.element.outageRecoveryMs, 'ms'), count(q.baseline.outageRecoveryMs, 'ms'));
  row('10 min after PAID', n(q.element.afterPaid), n(q.baseline.afterPaid), ratio(q.element.afterPaid.median, q.baseline.afterPaid.median));
}

function server(r, row, section) {
  const s = r.server;
  section(`Server: status route, ${s.pollers} pollers over ${s.invoices} invoices, ${s.durationMs / 1000} s, ≤${s.connections} connections`);
  for (const mode of ['paced', 'flood']) {
    const m = s[mode];
    const label = mode === 'paced' ? `paced (every ${s.interval} ms)` : 'flood (back to back)';
    row(`${label}: requests/s, p50 / p99 latency`, `${m.rps} req/s, ${m.p50Ms} / ${m.p99Ms} ms${m.failed ? `, ${m.failed} failed` : ''}`);
    row(`${label}: QPay calls (payment checks), token requests`, `${m.qpayCalls} calls (${m.paymentChecks} checks), ${m.tokenRequests} tokens: ${m.requestsPerQPayCall} status requests per QPay call`);
  }
}

function cluster(r, row, section) {
  const c = r.cluster;
  section(`Cluster: status route, ${c.pollers} pollers over ${c.invoices} invoices, ${c.durationMs / 1000} s, every ${c.interval} ms, spread over the processes`);
  for (const [label, setup] of [['1 process, MemoryStore', c.memory], ['3 processes, Redis', c.redis], ['3 processes, PostgreSQL', c.postgres]]) {
    row(`${label}: requests/s, p50 / p99`, `${setup.rps} req/s, ${setup.p50Ms} / ${setup.p99Ms} ms${setup.failed ? `, ${setup.failed} failed` : ''}`);
    row(`${label}: QPay status calls per invoice per second`, `${setup.callsPerInvoicePerSecond} calls/invoice/s (${setup.paymentChecks} in all)`);
    const t = setup.callbackToPaidMs;
    row(`${label}: callback on one process -> PAID on ${setup.processes > 1 ? 'another' : 'the same'}`, `${t.median} ms median, p95 ${t.p95} ms`);
    const e = setup.callbackToStreamMs;
    row(`${label}: callback on one process -> PAID in a stream ${setup.processes > 1 ? 'another' : 'the same'} holds`, `${e.median} ms median, p95 ${e.p95} ms`);
  }
}

function delivery(r, row, section) {
  const d = r.delivery;
  const t = (s) => `${s.median} ms median, p99 ${s.p99} ms (${s.min}–${s.max}, ${s.runs} runs)`;
  section(`Delivery (onPaid): ${d.processes} processes on ${d.store}`);
  row('provider callback answered while onPaid hangs', t(d.callbackAnswerWhileOnPaidHangsMs));
  row('paid (callback sent) -> onPaid start, through the outbox', t(d.paidToOnPaidStartMs));
  row(`kill -9 mid-onPaid, no request after -> onPaid elsewhere (onPaidTimeoutMs ${d.crashOnPaidTimeoutMs} + 15 s lease)`, t(d.crashToOnPaidMs));
  const s = d.sweeper;
  row(`sweeper (every ${s.sweepIntervalMs / 1000} s): provider calls per open invoice per second`, `${s.callsPerOpenInvoicePerSecond} (${s.paymentChecks} checks, ${s.openInvoices} invoices, ${s.windowMs / 1000} s)`);
  row('  payment with no callback, no page -> onPaid', `${s.lostCallbackToOnPaidMs} ms`);
}

function pacing(r, row, section) {
  const p = r.pacing;
  const o = p.options;
  section(`Pacing: provider checks of open invoices (virtual clock, QPay mocked; statusCacheMs ${o.statusCacheMs}, fastWindowMs ${o.fastWindowMs}, sweepIntervalMs ${o.sweepIntervalMs}); "today" is the old rule's arithmetic (a check per watched invoice per statusCacheMs)`);
  const w = p.wait;
  row(`${w.invoices} open invoices, ${w.waitMs / 60_000} min, each a page polling every 1-2 s and a stream: checks per invoice per s (goal <= 0.2)`, `${w.checksPerInvoicePerSecond} (${w.paymentChecks} checks, ${w.statusPolls} polls)`, `${w.today}`, ratio(w.checksPerInvoicePerSecond, w.today));
  const l = p.lostCallback;
  const lat = (s) => (s.median == null ? '—' : `${secs(s.median)} (${secs(s.min)}–${secs(s.max)}, ${s.runs})`);
  for (const [label, kind, goal] of [['inside the fast windows', 'insideWindows', ' (goal <= 3 s)'], ['  after the QR is shown', 'afterQrShown', ''], ['  after a return (return=1)', 'afterReturn', ''], ['outside the windows', 'outsideWindows', ' (goal <= 15 s)']]) {
    const k = l[kind];
    row(`lost callback -> poll says PAID, ${label}${goal}`, lat(k.toPoll), lat(k.today.toPoll), ratio(k.toPoll.median, k.today.toPoll.median));
    row(`lost callback -> stream says PAID, ${label.trim()}`, lat(k.toStream), lat(k.today.toStream), ratio(k.toStream.median, k.today.toStream.median));
  }
  const re = p.real;
  if (re) row(`real timers, ${re.invoices} invoices, ${Math.round(re.realMs / 1000)} s: checks per invoice per s`, `${re.checksPerInvoicePerSecond} (${re.paymentChecks} checks)`, `virtual, same span: ${re.virtualSameSpan}`);
}

function push(r, row, section) {
  const p = r.push;
  section(`Push: the shop's checkout handler (QPay mocked), element with events-url vs polling only (poll interval ${p.interval} ms)`);
  const cb = p.callbackToPaid;
  if (cb) {
    row(`provider callback -> paid event, median / p95: stream`, ms95(cb.stream), ms95(cb.baseline), ratio(cb.stream.median, cb.baseline.median));
    row(`  polling only`, ms95(cb.poll), ms95(cb.baseline), ratio(cb.poll.median, cb.baseline.median));
  }
  const out = p.outageRecovery;
  if (out) {
    const rec = (s) => `${ms(s)}${s.neverRecovered ? `, ${s.neverRecovered} never` : ''}, ${s.attemptsPerPage} tries/page`;
    row(`end of a ${p.outageMs / 1000} s outage -> status seen: stream`, rec(out.stream), rec(out.baseline), ratio(out.stream.median, out.baseline.median));
    row(`  polling only`, rec(out.poll), rec(out.baseline), ratio(out.poll.median, out.baseline.median));
  }
  const tr = p.trafficPer10Min;
  if (tr) {
    const traffic = (t) => `${t.requests} requests, ${kb(t.bytes)}`;
    row(`waiting page, per 10 min (from ${p.trafficMs / 1000} s): stream`, traffic(tr.stream), traffic(tr.baseline), ratio(tr.stream.bytes, tr.baseline.bytes));
    row(`  polling only`, traffic(tr.poll), traffic(tr.baseline), ratio(tr.poll.bytes, tr.baseline.bytes));
  }
  const st = p.streams;
  if (st) {
    row(`${st.count} open streams over ${st.invoices} invoices, one process: memory per stream`, `${kb(st.heapPerStreamBytes)} heap, ${kb(st.rssPerStreamBytes)} RSS`);
    row(`  idle, past the fast windows: CPU (goal <= 10%), QPay status calls`, `${st.idleCpuPercent}% of a core, ${st.qpayCallsPerSecond} calls/s (${callsPerOpenInvoice(st)} per invoice per s)`);
    const pw = st.pollsWhileOpen;
    if (pw) row(`  meanwhile ${pw.pollers} pollers every 2 s: status polls`, `${pw.rps} req/s, p50 ${pw.p50Ms} ms, p99 ${pw.p99Ms} ms (goal <= 50 ms), ${pw.failed} failed`);
  }
}

/** Prints the table of `r` (the results object) with `log`. */
export function printTable(r, log = console.log) {
  const rows = [];
  const section = (title) => rows.push([`\n${title}`]);
  const row = (label, element, baseline = '', compare = '') => rows.push([label, element, baseline, compare]);

  headline(r, row, section);
  if (r.size) sizes(r, row, section);
  browser(r, row, section);
  if (r.requests) requests(r, row, section);
  if (r.server) server(r, row, section);
  if (r.cluster) cluster(r, row, section);
  if (r.delivery) delivery(r, row, section);
  if (r.pacing) pacing(r, row, section);
  if (r.push) push(r, row, section);

  const widths = [0, 1, 2].map((i) => Math.max(...rows.filter((cells) => cells.length > 1).map((cells) => String(cells[i] ?? '').length)));
  log(`\n${'figure'.padEnd(widths[0])}  ${'qpay-checkout'.padEnd(widths[1])}  ${'naive baseline'.padEnd(widths[2])}  qpay ÷ baseline`);
  for (const cells of rows) {
    if (cells.length === 1) log(cells[0]);
    else log(`${cells[0].padEnd(widths[0])}  ${String(cells[1]).padEnd(widths[1])}  ${String(cells[2]).padEnd(widths[2])}  ${cells[3]}`);
  }
  const m = r.meta.machine;
  log(`\n${m.cpus} × ${m.cpuModel}, Node ${m.node}, Chromium ${m.chromium ?? '—'}, load average ${m.loadAverage.before[0]} -> ${m.loadAverage.after[0]}`);
}
