// Compressed sizes and the import graph of built ES modules, shared by the size budgets
// (scripts/check-size.mjs) and the benchmark (scripts/bench.mjs), so both measure the same way.
import { parseAst } from 'vite';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** gzip at level 9, as the size budgets count it. */
export const gzipSize = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;

/** brotli at its best quality (what a CDN serves for static files). */
export const brotliSize = (bytes) =>
  brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }).length;

/** Relative import specifiers of one built ES module: static ones and dynamic `import("./…")` ones. */
export function importsOf(file) {
  const code = readFileSync(file, 'utf8');
  const staticImports = [];
  const dynamicImports = [];
  for (const node of parseAst(code).body) {
    const source =
      node.type === 'ImportDeclaration' || node.type === 'ExportAllDeclaration' || node.type === 'ExportNamedDeclaration'
        ? node.source?.value
        : undefined;
    if (typeof source === 'string' && source.startsWith('.')) staticImports.push(resolve(dirname(file), source));
  }
  for (const match of code.matchAll(/\bimport\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)/g)) {
    dynamicImports.push(resolve(dirname(file), match[1]));
  }
  return { staticImports, dynamicImports };
}

/** The file and everything it imports statically, transitively; `lazy` lists what it imports dynamically. */
export function staticClosure(entry) {
  const seen = new Set();
  const dynamic = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    if (!existsSync(file)) throw new Error(`${relative(root, file)} is imported but missing from dist/`);
    seen.add(file);
    const { staticImports, dynamicImports } = importsOf(file);
    dynamicImports.forEach((target) => dynamic.add(target));
    staticImports.forEach(visit);
  };
  visit(entry);
  return { files: [...seen], lazy: [...dynamic].filter((file) => !seen.has(file)) };
}
