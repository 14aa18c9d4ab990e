// `qpay-checkout mock` command line: pure parsing, so bad input is a clear message and never a half-started server.
import type { MockServerOptions } from '../mock/mock-server.js';

/** A command line the CLI cannot run: the message says what is wrong; the CLI prints it with the usage hint. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'mock'; options: MockServerOptions & { quiet: boolean } };

export const USAGE = `Usage: qpay-checkout mock [options]

Serves the QPay v2 and TBank QRPAY sandboxes over HTTP, for shop processes in development and tests.
Every shop process configured against it sees the same invoices (the state lives in this process).

Options:
  --port <n>                 Port to listen on (default 4010; 0 picks a free one)
  --host <address>           Address to listen on (default 127.0.0.1; 0.0.0.0 for containers)
  --qpay-client-id <id>      QPay clientId the mock accepts (default TEST_MERCHANT)
  --qpay-client-secret <s>   QPay clientSecret the mock accepts (default 123456)
  --qpay-invoice-code <c>    Refuse other invoice codes with INVOICE_CODE_INVALID (default: accept any)
  --tbank-agent-id <id>      TBank agentId (default MOCK_AGENT)
  --tbank-mch-id <id>        TBank mchId (default MOCK_MCH)
  --tbank-ter-id <id>        TBank terId (default MOCK_TER)
  --tbank-sign-key <key>     TBank signKey (default mock-sign-key)
  --quiet                    Do not log requests and payments
  -h, --help                 Show this help

Routes:
  /qpay/v2/...               QPay v2 (QPayClient baseUrl: http://<host>:<port>/qpay)
  /tbank/qrpay/...           TBank QRPAY (TBankQrPayClient baseUrl: http://<host>:<port>/tbank)
  POST /_mock/pay/<id>       Pay a QPay invoice (?amount=N pays a part) or a TBank operation, and send its callback
  GET  /_mock/invoices       Every invoice and operation the mock holds
  POST /_mock/reset          Forget everything
  GET  /                     The settings a shop configures, as JSON`;

const TEXT_FLAGS = {
  '--host': (o, v) => (o.host = v),
  '--qpay-client-id': (o, v) => ((o.qpay ??= {}).clientId = v),
  '--qpay-client-secret': (o, v) => ((o.qpay ??= {}).clientSecret = v),
  '--qpay-invoice-code': (o, v) => ((o.qpay ??= {}).invoiceCode = v),
  '--tbank-agent-id': (o, v) => ((o.tbank ??= {}).agentId = v),
  '--tbank-mch-id': (o, v) => ((o.tbank ??= {}).mchId = v),
  '--tbank-ter-id': (o, v) => ((o.tbank ??= {}).terId = v),
  '--tbank-sign-key': (o, v) => ((o.tbank ??= {}).signKey = v),
} satisfies Record<string, (options: MockServerOptions, value: string) => void>;

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

/** `argv` without the node and script paths, e.g. `['mock', '--port', '4010']`. */
export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { kind: 'help' };
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command !== 'mock') throw new UsageError(`Unknown command ${JSON.stringify(command)}; the only command is "mock"`);
  const options: MockServerOptions & { quiet: boolean } = { quiet: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--quiet') {
      options.quiet = true;
      continue;
    }
    // Both `--port 4010` and `--port=4010`.
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const setText = TEXT_FLAGS[flag as keyof typeof TEXT_FLAGS] as ((o: MockServerOptions, v: string) => void) | undefined;
    if (flag !== '--port' && !setText) throw new UsageError(`Unknown option ${JSON.stringify(arg)}`);
    const value = inline ?? rest[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    if (value.trim() === '') throw new UsageError(`${flag} must not be empty`);
    if (flag === '--port') options.port = parsePort(value);
    else setText!(options, value);
  }
  return { kind: 'mock', options };
}
