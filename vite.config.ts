// Dev server for the demo: `npm start` serves index.html at http://127.0.0.1:5173/ (the next free port if taken),
// and the framework examples at /demo/react/ and /demo/vue/. `npm run build:examples` builds the three pages
// into dist-demo/. The npm package is built by scripts/build.mjs, which does not read this file.
import { fileURLToPath } from 'node:url';
import { defineConfig, type PluginOption } from 'vite';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { demoShopServer } from './demo/server-plugin.js';

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Dev-server plugins. Add here whatever the demo needs served beside the page
 * (for example a plugin mounting the merchant server kit's routes as middleware).
 */
const plugins: PluginOption[] = [
  demoShopServer(),
  // The examples are compiled the way a shop's own React and Vue apps would be.
  react({ include: /\/demo\/react\/.*\.tsx?$/ }),
  vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'qpay-checkout' } } }),
];

/** The pages: the shop and the two framework examples. */
const pages = {
  shop: fromRoot('./index.html'),
  react: fromRoot('./demo/react/index.html'),
  vue: fromRoot('./demo/vue/index.html'),
};

export default defineConfig({
  root: '.',
  plugins,
  resolve: {
    // The examples import the package by its published name, as a shop would; here it is the source.
    alias: [
      { find: /^qpay-checkout$/, replacement: fromRoot('./src/index.ts') },
      { find: /^qpay-checkout\/react$/, replacement: fromRoot('./src/react/index.ts') },
    ],
  },
  build: {
    // Not dist/: that is the npm package's build.
    outDir: 'dist-demo',
    emptyOutDir: true,
    rolldownOptions: { input: pages },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    strictPort: false,
  },
});
