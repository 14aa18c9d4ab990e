// A real, controllable merchant for the push tests, served by the test runner itself (no service worker in
// between, so a closed EventSource is a closed TCP connection the server sees). Per channel (one per test):
//   GET  /push-test/<channel>/events/<id>  as `mode` says: `stream` (text/event-stream: `retry:`, then the
//        channel's `initial` text, then whatever is sent), `html` (a proxy's 200 HTML page), `404`, `down`
//        (the socket is destroyed: a network error, which EventSource retries), `endless-line` (a stream whose
//        `data:` line goes on for 300 MB, written lazily, 16 KB every 10 ms), or `malformed` (a stream of
//        `status` events that are not JSON, about 5,000 a second for 5 s)
//   GET  /push-test/<channel>/status/<id>  the channel's `status` text with HTTP `statusCode` (default 200),
//        counted; with `statusBytes` set, a JSON body of that many bytes, written lazily (no Content-Length),
//        16 KB every 10 ms
//   POST /push-test/<channel>/control      JSON {mode?, initial?, retry?, status?, statusCode?, statusBytes?, send?, drop?}
//   GET  /push-test/<channel>/state        {open, connects, lastEventIds, statusHits, sent: {events, status}}
// `sent` counts the bytes of the lazily written answers handed to the socket; writing stops when the client closes.
const channels = new Map();

function channel(name) {
  let found = channels.get(name);
  if (!found) {
    found = {
      ...{ mode: 'stream', initial: '', retry: 300, status: '{"status":"NEW"}', statusCode: 200, statusBytes: 0, open: new Set() },
      ...{ connects: 0, lastEventIds: [], statusHits: 0, sent: { events: 0, status: 0 } },
    };
    channels.set(name, found);
  }
  return found;
}

const stateOf = (ch) => ({ open: ch.open.size, connects: ch.connects, lastEventIds: ch.lastEventIds, statusHits: ch.statusHits, sent: ch.sent });

const MB = 1024 * 1024;
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * Writes `head`, then `chunk` again and again up to `total` bytes, then `tail`, each write waiting until the
 * socket took the last one (never buffered here) and, with `pace`, 10 ms more (a network slower than loopback,
 * where the browser's own read-ahead of several MB would say nothing about the client); counts into
 * ch.sent[what]; stops once the client closes.
 */
async function writeLazily(ch, what, res, { head, chunk, total, tail = '', pace = false }) {
  let closed = false;
  let wake = () => {};
  res.on('close', () => ((closed = true), wake()));
  const write = async (text) => {
    ch.sent[what] += Buffer.byteLength(text);
    if (!res.write(text)) await new Promise((resolve) => ((wake = resolve), res.once('drain', resolve)));
    if (pace) await tick();
  };
  await write(head);
  while (!closed && ch.sent[what] < total) await write(chunk);
  if (!closed) res.end(tail);
}

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
    if (ch.statusBytes) return hugeStatus(ch, context);
    context.status = ch.statusCode;
    context.type = 'application/json';
    context.body = ch.status;
    return undefined;
  }
  if (route === 'control') {
    const patch = await readBody(context.req);
    for (const key of ['mode', 'initial', 'retry', 'status', 'statusCode', 'statusBytes']) if (key in patch) ch[key] = patch[key];
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
  ch.open.add(res);
  const forget = () => ch.open.delete(res);
  res.on('close', forget);
  context.req.on('close', forget);
  const head = `retry: ${ch.retry}\n\n${ch.initial}`;
  if (ch.mode === 'endless-line') {
    void writeLazily(ch, 'events', res, { head: `${head}event: status\ndata: "`, chunk: 'x'.repeat(16 * 1024), total: 300 * MB, pace: true });
  } else if (ch.mode === 'malformed') {
    // 50 events every 10 ms: about 5,000 a second, 27 bytes each, so 5 s stay under 1 MB.
    void writeLazily(ch, 'events', res, { head, chunk: 'event: status\ndata: {oops\n\n'.repeat(50), total: 500 * 50 * 27, pace: true });
  } else {
    res.write(head);
  }
  return undefined;
}

/** A status answer of ch.statusBytes bytes of JSON (a status padded out), written lazily. */
function hugeStatus(ch, context) {
  context.respond = false;
  const res = context.res;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  ch.sent.status = 0;
  void writeLazily(ch, 'status', res, { head: '{"status":"NEW","pad":"', chunk: 'x'.repeat(16 * 1024), total: ch.statusBytes, tail: '"}', pace: true });
  return undefined;
}
