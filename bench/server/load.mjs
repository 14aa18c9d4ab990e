// The load generator of the server benchmark, in its own process: `pollers` simulated widgets
// over the given invoices, GETting {base}/qpay/status/:id on 127.0.0.1 through one keep-alive
// http.Agent capped at `connections` sockets, until a fixed deadline.
//   paced: each poller asks, waits `interval` ms after the answer, asks again (the element's
//          healthy schedule), starting at a random point of its first interval;
//   flood: each poller asks again as soon as it has its answer (what the server can take).
// Latency is from the request being issued to the last byte of its answer, so in flood mode it
// includes waiting for a free connection. A warm-up (connections opening, JIT) runs first and is
// left out of every figure. argv[2]: JSON {baseUrl, invoiceIds, pollers, connections, durationMs,
// warmupMs, mode, interval}, or {baseUrls: [...]} instead of baseUrl to spread each poller's requests over several
// processes in turn. Prints one JSON result line.
import { Agent, request } from 'node:http';

const config = JSON.parse(process.argv[2]);
const { invoiceIds, pollers, connections, durationMs, warmupMs = 0, mode, interval } = config;
const baseUrls = config.baseUrls ?? [config.baseUrl];
for (const baseUrl of baseUrls) {
  if (!new URL(baseUrl).hostname.match(/^127\.0\.0\.1$/)) throw new Error('load: only 127.0.0.1 is allowed');
}

const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
const latencies = [];
let ok = 0;
let failed = 0;
/** Every answered or failed request, warm-up included (to set against the QPay calls made meanwhile). */
let total = 0;
const started = performance.now();
const measureFrom = started + warmupMs;
const deadline = measureFrom + durationMs;

function get(path) {
  // path: a full URL on 127.0.0.1
  return new Promise((resolve) => {
    const begin = performance.now();
    const measured = begin >= measureFrom;
    const req = request(path, { agent, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => {
        total++;
        if (measured) {
          latencies.push(performance.now() - begin);
          if (res.statusCode === 200) ok++;
          else failed++;
        }
        resolve();
      });
      res.on('error', () => {
        total++;
        if (measured) failed++;
        resolve();
      });
    });
    req.on('error', () => {
      total++;
      if (measured) failed++;
      resolve();
    });
    req.end();
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function poller(index) {
  const path = `/qpay/status/${encodeURIComponent(invoiceIds[index % invoiceIds.length])}`;
  if (mode === 'paced') await sleep(Math.random() * interval);
  for (let turn = index; performance.now() < deadline; turn++) {
    await get(`${baseUrls[turn % baseUrls.length]}${path}`);
    if (mode === 'paced') {
      const wait = Math.min(interval, deadline - performance.now());
      if (wait > 0) await sleep(wait);
    }
  }
}

await Promise.all(Array.from({ length: pollers }, (_, index) => poller(index)));
const elapsedMs = performance.now() - measureFrom;
agent.destroy();

latencies.sort((a, b) => a - b);
const percentile = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
const round = (n) => (n === null ? null : Math.round(n * 100) / 100);
process.stdout.write(
  `${JSON.stringify({
    mode,
    pollers,
    connections,
    durationMs,
    warmupMs,
    elapsedMs: Math.round(elapsedMs),
    requests: ok + failed,
    totalRequests: total,
    ok,
    failed,
    rps: Math.round(((ok + failed) / elapsedMs) * 1000),
    p50Ms: round(percentile(0.5)),
    p99Ms: round(percentile(0.99)),
    maxMs: round(latencies.at(-1) ?? null),
  })}\n`,
);
