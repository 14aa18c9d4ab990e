// A small cluster on 127.0.0.1 for the cluster tests and bench: the QPay mock served over HTTP in this process (so
// every provider call of every shop process is counted in one place), and shop processes (worker.ts) that can be
// started, killed with SIGKILL and restarted, all sharing one store.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getResponse } from 'msw';
import { createQPayMock, type QPayMock } from '../../../src/mock/index.js';
import { nodeRequestToFetch, writeFetchResponse } from '../../../src/server/index.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('../../../bench/server/load.mjs', import.meta.url));

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  elapsedMs: number;
}

/**
 * The bench's load generator (bench/server/load.mjs) in its own process: `pollers` widgets asking every `interval`
 * ms, each one's requests spread over `baseUrls` in turn.
 */
export function runLoad(config: { baseUrls: string[]; invoiceIds: string[]; pollers: number; durationMs: number; interval: number }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const settings = { ...config, connections: 256, warmupMs: 0, mode: 'paced' };
    const child = spawn(process.execPath, [LOAD, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`load generator exited with code ${code}`))));
  });
}

export interface PaidLine {
  pid: number;
  invoiceId: string;
  orderId: string;
  amount: number;
  paidAmount: number;
  alreadyPaidBy?: string;
  attempt: number;
  redelivery: boolean;
  /** Date.now() in the shop process when the line was written. */
  at: number;
}

/** An onPaid run as it started (it may never finish). */
export interface StartedLine {
  pid: number;
  invoiceId: string;
  orderId: string;
  attempt: number;
  redelivery: boolean;
  at: number;
}

/** What each shop process's onPaid does on its next runs (see worker.ts). */
export type OnPaidMode = 'normal' | 'block' | 'throw-first-attempt';

/** The QPay mock answering over HTTP on 127.0.0.1. */
export async function serveQPayMock(): Promise<{ mock: QPayMock; baseUrl: string; close(): Promise<void> }> {
  let mock: QPayMock | undefined;
  const server: Server = createServer(async (req, res) => {
    const request = nodeRequestToFetch(req);
    const response = (mock && (await getResponse(mock.handlers, request))) ?? Response.json({ error: 'NOT_FOUND' }, { status: 404 });
    await writeFetchResponse(res, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mock = createQPayMock({ baseUrl, clientId: 'CLUSTER_SHOP', clientSecret: 'cluster-secret', invoiceCode: 'TEST_INVOICE', drawQrImage: false });
  return {
    mock,
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ShopProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
}

export interface Cluster {
  readonly shops: ShopProcess[];
  /** Every onPaid so far, from every process. */
  paid(): PaidLine[];
  /** Every onPaid run started so far, finished or not. */
  started(): StartedLine[];
  /** The handlers' log lines so far (each starts with the process id), when `logToFile` was set. */
  logs(): string;
  /** Switches how onPaid behaves in every process, from its next run. */
  setOnPaidMode(mode: OnPaidMode): void;
  /** Starts shop process `index` (again), on the same port when it had one. */
  start(index: number): Promise<ShopProcess>;
  /** SIGKILL: no shutdown, no finished work. */
  kill(index: number): Promise<void>;
  /** A request to shop `index`, path and init as for fetch. */
  fetch(index: number, path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  size: number;
  storeUrl: string;
  qpayBaseUrl: string;
  onPaidDelayMs?: number;
  /** JSON-safe handler options for every process (onPaidTimeoutMs, deliveryIntervalMs, sweepIntervalMs...). */
  handlerOptions?: Record<string, number | string | boolean>;
  /** The handlers' log lines go to a file (`logs()`) instead of this process's stderr. */
  logToFile?: boolean;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'qpay-cluster-'));
  const log = join(dir, 'on-paid.jsonl');
  const startedLog = join(dir, 'on-paid-started.jsonl');
  const control = join(dir, 'on-paid-mode.json');
  const handlerLog = join(dir, 'handler.log');
  for (const file of [log, startedLog, handlerLog]) writeFileSync(file, '');
  const jsonLines = <T>(file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  const shops: ShopProcess[] = [];
  const ports: number[] = [];

  async function start(index: number): Promise<ShopProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        ...process.env,
        STORE_URL: options.storeUrl,
        QPAY_BASE_URL: options.qpayBaseUrl,
        ONPAID_LOG: log,
        ONPAID_STARTED_LOG: startedLog,
        ONPAID_CONTROL: control,
        HANDLER_OPTIONS: JSON.stringify(options.handlerOptions ?? {}),
        ...(options.logToFile ? { HANDLER_LOG: handlerLog } : {}),
        PORT: String(ports[index] ?? 0),
        ON_PAID_DELAY_MS: String(options.onPaidDelayMs ?? 0),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`shop process ${index} did not start within 20 s`)), 20_000);
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const match = /READY (\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`shop process ${index} exited with code ${code} before it was ready`));
      });
    });
    child.stdout!.resume();
    ports[index] = port;
    const shop = { child, baseUrl: `http://127.0.0.1:${port}` };
    shops[index] = shop;
    return shop;
  }

  async function kill(index: number): Promise<void> {
    const child = shops[index]?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  await Promise.all(Array.from({ length: options.size }, (_, index) => start(index)));
  return {
    shops,
    paid: () => jsonLines<PaidLine>(log),
    started: () => jsonLines<StartedLine>(startedLog),
    logs: () => readFileSync(handlerLog, 'utf8'),
    setOnPaidMode: (mode) => writeFileSync(control, JSON.stringify({ mode })),
    start,
    kill,
    fetch: (index, path, init) => fetch(`${shops[index]!.baseUrl}${path}`, init),
    async stop() {
      await Promise.all(shops.map((_, index) => kill(index)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POST /qpay/invoice for `orderId` on shop `index`. */
export async function createInvoice(cluster: Cluster, index: number, orderId: string): Promise<{ status: number; body: any }> {
  const response = await cluster.fetch(index, '/qpay/invoice', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId }),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Reads an event-stream answer as it arrives: `until(pattern)` resolves true once the text so far matches, false
 * when the stream ends first.
 */
export function readEventStream(response: Response): { until(pattern: RegExp): Promise<boolean>; cancel(): Promise<void> } {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  return {
    async until(pattern) {
      while (!pattern.test(text)) {
        const { done, value } = await reader.read();
        if (done) return false;
        text += value;
      }
      return true;
    },
    cancel: () => reader.cancel(),
  };
}

/** The path and query of a provider callback URL, to deliver it to any shop process. */
export function callbackPath(callbackUrl: string): string {
  const url = new URL(callbackUrl);
  return `${url.pathname}${url.search}`;
}
