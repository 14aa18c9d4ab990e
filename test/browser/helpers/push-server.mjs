// A real, controllable merchant for the push tests, served by the test runner itself (no service worker in
// between, so a closed EventSource is a closed TCP connection the server sees). Per channel (one per test):
//   GET  /push-test/<channel>/events/<id>  as `mode` says: `stream` (text/event-stream: `retry:`, then the
//        channel's `initial` text, then whatever is sent), `html` (a proxy's 200 HTML page), `404`, or `down`
//        (the socket is destroyed: a network error, which EventSource retries)
//   GET  /push-test/<channel>/status/<id>  the channel's `status` JSON text, counted
//   POST /push-test/<channel>/control      JSON {mode?, initial?, retry?, status?, send?, drop?}; answers the state
//   GET  /push-test/<channel>/state        {open, connects, lastEventIds, statusHits}
const channels = new Map();

function channel(name) {
  let found = channels.get(name);
  if (!found) {
    found = { mode: 'stream', initial: '', retry: 300, status: '{"status":"NEW"}', open: new Set(), connects: 0, lastEventIds: [], statusHits: 0 };
    channels.set(name, found);
  }
  return found;
}

const stateOf = (ch) => ({ open: ch.open.size, connects: ch.connects, lastEventIds: ch.lastEventIds, statusHits: ch.statusHits });

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

export async function pushTestServer(context, next) {
  const match = /^\/push-test\/([\w-]+)\/(events|status|control|state)(?:\/[^/]+)?$/.exec(context.path);
  if (!match) return next();
  const ch = channel(match[1]);
  const route = match[2];
  context.set('Cache-Control', 'no-store');
  if (route === 'state') {
    context.body = stateOf(ch);
    return undefined;
  }
  if (route === 'status') {
    ch.statusHits += 1;
    context.type = 'application/json';
    context.body = ch.status;
    return undefined;
  }
  if (route === 'control') {
    const patch = await readBody(context.req);
    for (const key of ['mode', 'initial', 'retry', 'status']) if (key in patch) ch[key] = patch[key];
    if (patch.send) for (const res of ch.open) res.write(patch.send);
    if (patch.drop) for (const res of [...ch.open]) res.end();
    context.body = stateOf(ch);
    return undefined;
  }
  ch.connects += 1;
  ch.lastEventIds.push(context.get('last-event-id') || null);
  if (ch.mode === 'down') {
    context.req.socket.destroy();
    context.respond = false;
    return undefined;
  }
  if (ch.mode === 'html') {
    context.type = 'text/html';
    context.body = '<!doctype html><title>Gateway</title><p>Please wait…</p>';
    return undefined;
  }
  if (ch.mode === '404') {
    context.status = 404;
    context.body = { error: 'INVOICE_NOT_FOUND' };
    return undefined;
  }
  context.respond = false;
  const res = context.res;
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store, no-transform' });
  res.write(`retry: ${ch.retry}\n\n${ch.initial}`);
  ch.open.add(res);
  const forget = () => ch.open.delete(res);
  res.on('close', forget);
  context.req.on('close', forget);
  return undefined;
}
