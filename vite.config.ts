// Dev server for the demo: `npm start` serves index.html at http://127.0.0.1:5173/ (the next free port if taken).
// The npm package is built by scripts/build.mjs, which does not read this file.
import { defineConfig, type PluginOption } from 'vite';
import { demoShopServer } from './demo/server-plugin.js';

/**
 * Dev-server plugins. Add here whatever the demo needs served beside the page
 * (for example a plugin mounting the merchant server kit's routes as middleware).
 */
const plugins: PluginOption[] = [demoShopServer()];

export default defineConfig({
  root: '.',
  plugins,
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
