// Bundles the bench pages' code as a shop's production build would (Vite, minified, ES modules
// with code splitting): the element from the npm entry with lit, and the naive baseline with qrcode.
// Each gets its own output folder, so nothing is shared between them.
import { build } from 'vite';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = fileURLToPath(new URL('../pages', import.meta.url));

export const BUNDLES = {
  element: join(pages, 'element-entry.js'),
  baseline: join(pages, 'baseline-entry.ts'),
};

async function bundleOne(name, entry, outDir) {
  await build({
    root,
    configFile: false,
    publicDir: false,
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: { [name]: entry },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
        preserveEntrySignatures: 'allow-extension',
      },
    },
  });
}

/** Builds every bundle under `outDir/<name>/`; returns the files per bundle, relative to its folder. */
export async function buildBenchBundles(outDir) {
  const files = {};
  for (const [name, entry] of Object.entries(BUNDLES)) {
    const dir = join(outDir, name);
    await bundleOne(name, entry, dir);
    files[name] = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
  }
  return files;
}
