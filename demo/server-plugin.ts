// Vite plugin: mounts the demo shop's checkout routes (/qpay, /tbank) and dev-only routes
// (/demo-api) in the dev server, ahead of Vite's own middleware, through the server kit's Node adapter.
import type { Plugin } from 'vite';
import { toNodeHandler } from '../src/server/index.js';
import { createDemoShop } from './shop-server.js';

export function demoShopServer(env: Record<string, string | undefined> = process.env): Plugin {
  return {
    name: 'qpay-checkout-demo-shop',
    apply: 'serve',
    configureServer(server) {
      const logger = server.config.logger;
      const shop = createDemoShop({
        env,
        origin: () => {
          const local = server.resolvedUrls?.local[0];
          if (local) return local;
          const address = server.httpServer?.address();
          if (address && typeof address === 'object') return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
          throw new Error('The dev server is not listening yet');
        },
        log: (line) => logger.info(line, { timestamp: true }),
      });
      for (const line of shop.describe()) logger.info(`  [demo] ${line}`);
      shop.start();
      server.httpServer?.once('close', () => void shop.close());
      for (const route of shop.routes) server.middlewares.use(toNodeHandler(route));
    },
  };
}
