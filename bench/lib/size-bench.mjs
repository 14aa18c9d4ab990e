// Size figures: raw, gzip (level 9, as the budgets count it) and brotli bytes of the shipped files
// and of what a page really fetched in each path (the script files Chromium requested).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliSize, gzipSize, staticClosure } from '../../scripts/sizes.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist');

/** Sizes of a set of files fetched separately: each compressed on its own, then summed. */
export function sizeOf(files) {
  const total = { files: files.map((file) => relative(root, file)), raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) {
    const bytes = readFileSync(file);
    total.raw += bytes.length;
    total.gzip += gzipSize(bytes);
    total.brotli += brotliSize(bytes);
  }
  return total;
}

/** Sizes of files a bundler joins into one: compressed as one stream. */
export function sizeOfBundle(files) {
  const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
  return { files: files.map((file) => relative(root, file)), raw: bytes.length, gzip: gzipSize(bytes), brotli: brotliSize(bytes) };
}

/**
 * @param {{ loaded: Record<string, string[]>, fileFor(path: string): string | null }} pages
 *   loaded: per path, the URL paths of the scripts a fresh page fetched (from the browser run).
 */
export function measureSizes({ loaded, fileFor }) {
  const { files: npmFiles, lazy } = staticClosure(join(dist, 'index.js'));
  const pageLoad = (key) => {
    const paths = loaded[key];
    if (!paths) return null;
    return sizeOf(
      paths.map((path) => {
        const file = fileFor(path);
        if (!file) throw new Error(`size: no file behind ${path}`);
        return file;
      }),
    );
  };
  const bundledQrChunk = (loaded['element:drawn'] ?? []).filter((path) => !(loaded['element:image'] ?? []).includes(path));
  const isQrChunk = (file) => /[\\/]qr-draw-[^\\/]*\.js$/.test(file);
  return {
    scriptFile: sizeOf([join(dist, 'qpay-checkout.min.js')]),
    // As check-size counts it: the entry's files joined, as the shop's bundler joins them.
    npmEntry: sizeOfBundle(npmFiles),
    qrChunk: sizeOf(lazy.filter(isQrChunk)),
    // Language packs, the invoice-url loader and the phone bank list: each loaded only when needed.
    otherLazyChunks: sizeOf(lazy.filter((file) => !isQrChunk(file))),
    qrChunkWithEncoder: bundledQrChunk.length ? sizeOf(bundledQrChunk.map((path) => fileFor(path))) : null,
    pages: {
      elementImage: pageLoad('element:image'),
      elementDrawn: pageLoad('element:drawn'),
      scriptPage: pageLoad('script:image'),
      baseline: pageLoad('baseline:drawn'),
    },
  };
}
