#!/usr/bin/env node
// The package's `qpay-checkout` command. `qpay-checkout mock` serves the provider sandboxes over HTTP (see
// src/mock/mock-server.ts) until it gets SIGINT or SIGTERM.
import { parseCommand, USAGE, UsageError, type Command } from './args.js';
import { startMockServer, type MockServerSettings } from '../mock/mock-server.js';

declare const __PACKAGE_VERSION__: string | undefined;

function describe(settings: MockServerSettings): string {
  const { qpay, tbank } = settings;
  return [
    `qpay-checkout mock listening on ${settings.url}`,
    '',
    'QPayClient options:',
    `  baseUrl: '${qpay.baseUrl}', clientId: '${qpay.clientId}', clientSecret: '${qpay.clientSecret}'${qpay.invoiceCode ? `, invoiceCode: '${qpay.invoiceCode}' (handler option)` : ''}`,
    'TBankQrPayClient options:',
    `  baseUrl: '${tbank.baseUrl}', agentId: '${tbank.agentId}', mchId: '${tbank.mchId}', terId: '${tbank.terId}', signKey: '${tbank.signKey}'`,
    '',
    `Pay an invoice (sends its callback): curl -X POST ${settings.url}/_mock/pay/<invoiceId>`,
    `Every invoice: ${settings.url}/_mock/invoices   Forget everything: curl -X POST ${settings.url}/_mock/reset`,
  ].join('\n');
}

async function run(command: Command): Promise<void> {
  if (command.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (command.kind === 'version') {
    console.log(typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : 'development');
    return;
  }
  const { quiet, ...options } = command.options;
  const mock = await startMockServer({ ...options, ...(quiet ? {} : { log: (line: string) => console.log(line) }) });
  console.log(describe(mock.settings));
  const stop = () => void mock.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`qpay-checkout: ${error.message}\nRun "qpay-checkout mock --help" for the options.`);
  process.exit(2);
}
run(command).catch((error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  const reason =
    code === 'EADDRINUSE' ? 'the port is in use (another mock already running? try --port 0 or another port)'
    : code === 'EACCES' ? 'no permission to listen there (ports below 1024 need privileges)'
    : error instanceof Error ? error.message : String(error);
  console.error(`qpay-checkout: could not start the mock: ${reason}`);
  process.exit(1);
});
