// Browser tests: real Chromium (Debian's /usr/bin/chromium or CHROMIUM_PATH), TypeScript via esbuild,
// the CommonJS `qrcode` package via the rollup commonjs plugin, and msw's worker served at `/`.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import rollupCommonjs from '@rollup/plugin-commonjs';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const commonjs = fromRollup(rollupCommonjs);
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const workerFile = fileURLToPath(new URL('./public/mockServiceWorker.js', import.meta.url));

/** msw's worker only controls its own scope, so it must be served from the site root. */
function serveMockServiceWorker(context, next) {
  if (context.path === '/mockServiceWorker.js') {
    context.type = 'application/javascript';
    context.set('Service-Worker-Allowed', '/');
    context.body = createReadStream(workerFile);
    return undefined;
  }
  return next();
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { browser: true, exportConditions: ['browser', 'development'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 180000,
  testFramework: { config: { timeout: 10000 } },
  middleware: [serveMockServiceWorker],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
    commonjs({ include: ['**/node_modules/qrcode/**', '**/node_modules/dijkstrajs/**', '**/node_modules/jsqr/**'] }),
  ],
  browsers: [
    playwrightLauncher({ product: 'chromium', launchOptions: { executablePath, headless: true, args } }),
  ],
};
