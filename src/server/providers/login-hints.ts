// What a developer should check when a provider refuses our credentials: the options by name, and for QPay which
// environment baseUrl points at (sandbox credentials work only on the sandbox, production ones only on production).
// Never the secret itself: only whether it has stray whitespace, the usual copy-paste mistake.

export const QPAY_SANDBOX_URL = 'https://merchant-sandbox.qpay.mn';
export const QPAY_PRODUCTION_URL = 'https://merchant.qpay.mn';

const padded = (value: string) => value !== value.trim();

function whitespaceNotes(values: Record<string, string>): string {
  const names = Object.entries(values).filter(([, value]) => padded(value)).map(([name]) => name);
  return names.length > 0 ? ` ${names.join(' and ')} start or end with whitespace (a stray newline or space from an env file?).` : '';
}

/** Which QPay environment `baseUrl` is, in words. */
export function describeQPayBaseUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (base === QPAY_SANDBOX_URL) return `baseUrl is the QPay sandbox (${QPAY_SANDBOX_URL}): it accepts sandbox credentials only; production credentials need ${QPAY_PRODUCTION_URL}`;
  if (base === QPAY_PRODUCTION_URL) return `baseUrl is QPay production (${QPAY_PRODUCTION_URL}): sandbox credentials (such as TEST_MERCHANT) work only on ${QPAY_SANDBOX_URL}`;
  return `baseUrl is ${base}, neither the QPay sandbox (${QPAY_SANDBOX_URL}) nor production (${QPAY_PRODUCTION_URL}): a proxy or mock there must accept these credentials (the qpay-checkout mock takes TEST_MERCHANT by default)`;
}

/** The hint for a QPay login refused with `status` (401/403/400), or for a login URL that does not exist (404). */
export function qpayLoginHint(status: number, options: { clientId: string; clientSecret: string; baseUrl: string }): string {
  const where = describeQPayBaseUrl(options.baseUrl);
  const notes = whitespaceNotes({ clientId: options.clientId, clientSecret: options.clientSecret });
  if (status === 404 || status === 405) {
    return `QPay has no login at ${options.baseUrl}/v2/auth/token: check the QPayClient option baseUrl (${where}).${notes}`;
  }
  return `QPay refused the login: check the QPayClient options clientId (${JSON.stringify(options.clientId)}), clientSecret (not shown) and baseUrl (${where}).${notes}`;
}

/**
 * The hint for a TBank answer that says our identity or signature is wrong (its code names a signature, a terminal or
 * an agent, or HTTP 401/403), or an answer we could not verify with our signKey; undefined for any other failure.
 */
export function tbankCredentialsHint(code: string, status: number, options: { agentId: string; mchId: string; terId: string; signKey: string; baseUrl: string }): string | undefined {
  const notes = whitespaceNotes({ agentId: options.agentId, mchId: options.mchId, terId: options.terId, signKey: options.signKey });
  const ids = `agentId (${JSON.stringify(options.agentId)}), mchId (${JSON.stringify(options.mchId)}), terId (${JSON.stringify(options.terId)})`;
  if (code === 'BAD_SIGNATURE') {
    return `TBank's answer does not verify with our signKey: check the TBankQrPayClient options signKey (not shown) and baseUrl (${options.baseUrl}: is it TBank's QRPAY host, or a mock started with the same signKey?).${notes}`;
  }
  if (/SIGN/i.test(code)) return `TBank refused our signature: check the TBankQrPayClient option signKey (not shown), issued for terminal ${ids}.${notes}`;
  if (/TERMINAL|AGENT|MERCHANT|MCH|TER_?ID/i.test(code) || status === 401 || status === 403) {
    return `TBank does not know this terminal: check the TBankQrPayClient options ${ids}, signKey (not shown) and baseUrl (${options.baseUrl}).${notes}`;
  }
  if (status === 404 || status === 405) return `TBank has no QRPAY operation at ${options.baseUrl}: check the TBankQrPayClient option baseUrl.${notes}`;
  return undefined;
}
