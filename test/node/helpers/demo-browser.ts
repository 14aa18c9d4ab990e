// Shared by the end-to-end demo tests: `npm start`'s dev server (Vite with the project's vite.config.ts,
// so the demo shop plugin with its QPay and TBank mocks) started in process, and a Chromium for
// playwright-core to drive.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createLogger, createServer, type ViteDevServer } from 'vite';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** An executable Chromium: CHROMIUM_PATH or a usual system path. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((path): path is string => {
    if (!path) return false;
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** node:test's `skip` for a suite needing `chromiumPath`: false, or the reason to skip. */
export function skipWithoutChromium(chromiumPath: string | undefined): false | string {
  return chromiumPath
    ? false
    : 'no Chromium found (set CHROMIUM_PATH, or install Debian\'s "chromium"; `npm test` installs it when it can)';
}

export interface DemoServer {
  server: ViteDevServer;
  /** e.g. `http://127.0.0.1:5174/` */
  baseUrl: string;
  /** Every line Vite's logger printed (the shop server logs onPaid there). */
  log: string[];
  close(): Promise<void>;
}

/** Starts the demo's dev server on a free port, quiet, keeping its log lines. */
export async function startDemoServer(): Promise<DemoServer> {
  const log: string[] = [];
  const logger = createLogger('info');
  logger.info = (message) => void log.push(message);
  // A private dependency cache, so a concurrently running `npm start` is left alone.
  const cacheDir = mkdtempSync(join(tmpdir(), 'qpay-demo-vite-'));
  let server: ViteDevServer | undefined;
  try {
    server = await createServer({
      configFile: join(ROOT, 'vite.config.ts'),
      root: ROOT,
      cacheDir,
      customLogger: logger,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    });
    await server.listen();
  } catch (error) {
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
    throw error;
  }
  const started = server;
  return {
    server: started,
    baseUrl: started.resolvedUrls!.local[0]!,
    log,
    async close() {
      await started.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium for playwright-core, without the background traffic a fresh profile makes. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
