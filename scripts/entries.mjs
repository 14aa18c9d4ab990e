// The package's entry points, shared by the build (scripts/build.mjs) and the manifest generator
// (custom-elements-manifest.config.mjs). Per output name, the first existing candidate source is used;
// optional entries whose sources do not exist (say, a framework wrapper not written yet) are skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** ES modules for bundlers, built for browsers (they also run on Node where they make sense, like the mock). */
export const BROWSER_ENTRIES = {
  index: { candidates: ['src/element/define.ts'], required: true },
  element: {
    candidates: ['src/element/index.ts', 'src/element/qpay-checkout.ts', 'src/element/element.ts'],
    required: true,
  },
  react: { candidates: ['src/react/index.ts', 'src/react/index.tsx'] },
};

/**
 * ES modules built on their own, one build each, so they share no chunk with the element: a chunk shared
 * with the mock (say, core/emv for its CRC) would otherwise be split out of the element's code and cost
 * every page that loads the element an extra module.
 */
export const STANDALONE_ENTRIES = {
  mock: { candidates: ['src/mock/index.ts'] },
};

/**
 * ES modules built for Node, in one build so they share chunks (the store error class is one class for all).
 * The store adapters import `ioredis` / `pg`, optional peer dependencies that stay imports, so a shop that uses
 * neither installs neither.
 */
export const NODE_ENTRIES = {
  server: { candidates: ['src/server/index.ts'] },
  'server-redis': { candidates: ['src/server/stores/redis-store.ts'], required: true },
  'server-postgres': { candidates: ['src/server/stores/postgres-store.ts'], required: true },
};

/**
 * The `qpay-checkout` command (package.json `bin`): a Node script with msw bundled in, so `npx qpay-checkout mock`
 * runs in a shop that never installed msw (msw stays an optional peer dependency for the in-process mocks).
 */
export const CLI_ENTRY = 'src/cli/index.ts';
export const CLI_FILE = 'cli.js';

/** The entry behind the self-contained `<script>` file: it must register the element. */
export const SCRIPT_ENTRY = 'src/index.ts';
export const SCRIPT_FILE = 'qpay-checkout.min.js';

/**
 * Built files that may call `customElements.define` on import; package.json `sideEffects` lists exactly these.
 * index.js is both `qpay-checkout` and `qpay-checkout/define`.
 */
export const REGISTERING_FILES = ['index.js', 'react.js', SCRIPT_FILE];

/**
 * Output name -> source path (relative to root) for the entries whose sources exist.
 * Throws for a missing required entry; `onSkip` hears about missing optional ones.
 */
export function pickEntries(root, spec, onSkip = () => {}) {
  const chosen = {};
  for (const [name, { candidates, required }] of Object.entries(spec)) {
    const found = candidates.find((file) => existsSync(join(root, file)));
    if (found) chosen[name] = found;
    else if (required) throw new Error(`entry "${name}" has no source: expected one of ${candidates.join(', ')}`);
    else onSkip(name, candidates);
  }
  return chosen;
}
