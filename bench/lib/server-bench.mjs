// Runs the server benchmark: the status server (bench/server/status-server.mjs) and, per mode,
// the load generator (ben../server/load.mjs), each in its own process, all on 127.0.0.1.
import { spawn } from 'node:child_process';
import { startChild } from './child.mjs';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('../server/status-server.mjs', import.meta.url));
const loadScript = fileURLToPath(new URL('../server/load.mjs', import.meta.url));

const startStatusServer = (invoices) => startChild(serverScript, [String(invoices)]);

/** Runs the load generator (bench/server/load.mjs) with `config`; resolves with its result line. */
export function runLoad(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadScript, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with code ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch (error) {
        reject(new Error(`load generator printed no result: ${error.message}`));
      }
    });
  });
}

/**
 * @param {{ pollers: number, invoices: number, durationMs: number, warmupMs: number, connections: number, interval: number }} options
 */
export async function runServerBench({ pollers, invoices, durationMs, warmupMs, connections, interval }) {
  const server = startStatusServer(invoices);
  try {
    const { port, invoiceIds } = await server.ready;
    const setup = await server.ask('counts'); // what opening the invoices cost
    const results = { pollers, invoices, durationMs, warmupMs, connections, interval, setup: { qpayCalls: setup.qpayCalls, tokenRequests: setup.tokenRequests } };
    for (const mode of ['paced', 'flood']) {
      await server.ask('reset');
      const load = await runLoad({ baseUrl: `http://127.0.0.1:${port}`, invoiceIds, pollers, connections, durationMs, warmupMs, mode, interval });
      const counts = await server.ask('counts');
      results[mode] = {
        ...load,
        qpayCalls: counts.qpayCalls,
        paymentChecks: counts.paymentChecks,
        tokenRequests: counts.tokenRequests,
        refreshRequests: counts.refreshRequests,
        serverCpuMs: counts.cpuMs,
        // Warm-up included on both sides: the server counted every QPay call since the reset.
        requestsPerQPayCall: counts.qpayCalls ? Math.round((load.totalRequests / counts.qpayCalls) * 10) / 10 : null,
      };
    }
    return results;
  } finally {
    await server.close();
  }
}
