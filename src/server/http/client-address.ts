// The network address a request came from, for limits per client (open event streams). A Fetch `Request` has no
// such field, so the Node adapter records it here as it builds the request; other hosts can do the same with
// `setClientAddress`, or give the handler a `streamClientKey` of their own (e.g. Cloudflare's CF-Connecting-IP).
// A WeakMap, so the record goes away with the request.

const addresses = new WeakMap<Request, string>();

/** Records where `request` came from (the Node adapter calls this for every request it builds). */
export function setClientAddress(request: Request, address: string | undefined): void {
  if (address) addresses.set(request, address);
}

/** Where `request` came from, if the adapter that built it said so. */
export function clientAddressOf(request: Request): string | undefined {
  return addresses.get(request);
}
