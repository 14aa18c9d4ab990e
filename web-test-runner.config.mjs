// Browser tests: real Chromium (Debian's /usr/bin/chromium or CHROMIUM_PATH), TypeScript via esbuild,
// the CommonJS `qrcode` package via the rollup commonjs plugin, and msw's worker served at `/`.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { buildSync } from 'esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import rollupCommonjs from '@rollup/plugin-commonjs';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushTestServer } from './test/browser/helpers/push-server.mjs';
import { charsetTestPage } from './test/browser/helpers/charset-page.mjs';

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

/**
 * React ships CommonJS only, and the commonjs plugin cannot give it named exports one file at a time. So
 * when the config loads, esbuild bundles react, react-dom and react-dom/client (development build) into one
 * ES module, and each of those specifiers resolves to a small shim re-exporting its module's keys by name.
 */
const require = createRequire(import.meta.url);
const REACT_MODULES = ['react', 'react-dom', 'react-dom/client'];
const rootDir = fileURLToPath(new URL('.', import.meta.url));
const shimDir = join(rootDir, 'node_modules', '.cache', 'wtr-react-esm');
const browserPath = (file) => `/${relative(rootDir, file).split(sep).join('/')}`;
function writeReactShims() {
  mkdirSync(shimDir, { recursive: true });
  const exportName = (index) => `module${index}`;
  buildSync({
    stdin: {
      contents: REACT_MODULES.map((name, index) => `export * as ${exportName(index)} from '${name}';`).join('\n'),
      resolveDir: rootDir,
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"development"' },
    outfile: join(shimDir, 'react-bundle.js'),
    logLevel: 'error',
  });
  return new Map(
    REACT_MODULES.map((name, index) => {
      // Keys as Node sees them (same development build); read now, since requiring React later trips the runner's console proxy.
      const names = Object.keys(require(name)).filter((key) => key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key));
      const shim = join(shimDir, `${name.replace('/', '-')}.js`);
      writeFileSync(
        shim,
        `import { ${exportName(index)} as ns } from './react-bundle.js';\n` +
          `const m = ns.default ?? ns;\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`,
      );
      return [name, browserPath(shim)];
    }),
  );
}
const reactShims = writeReactShims();
const reactAsEsm = {
  name: 'react-as-esm',
  resolveImport({ source }) {
    return reactShims.get(source);
  },
};

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
  middleware: [serveMockServiceWorker, pushTestServer, charsetTestPage],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
    reactAsEsm,
    commonjs({ include: ['**/node_modules/qrcode/**', '**/node_modules/dijkstrajs/**', '**/node_modules/jsqr/**'] }),
  ],
  browsers: [
    playwrightLauncher({ product: 'chromium', launchOptions: { executablePath, headless: true, args } }),
  ],
};
