// Draws a QR code for text in the browser. Loaded lazily by the element (dynamic import) only when
// the invoice has no usable `qr_image`, so the `qrcode` encoder is never downloaded otherwise.
// The symbol is one SVG <path> on a white square: dark-on-white with a 4-module quiet zone in
// every colour scheme, so it scans in dark themes too. No innerHTML: Lit's svg template builds it.

// Only the encoder: the package's main (browser) file also bundles canvas, SVG-string and terminal
// renderers this element never uses. Typed by ./qrcode-core.d.ts.
import { create as createQr } from 'qrcode/lib/core/qrcode.js';
import { html } from 'lit';

/** The quiet zone the QR specification asks for, in modules, on each side. */
const QUIET_ZONE = 4;

/** The last text encoded and its symbol: the element re-renders every second while a countdown runs. */
let last: { text: string; side: number; path: string } | undefined;

/**
 * Encodes `text` (byte mode as needed, error correction M) into SVG path data: one rectangle per
 * horizontal run of dark modules, offset by the quiet zone, which keeps the path short and leaves
 * no hairline seams between modules. Throws when the text cannot fit a QR.
 */
function encode(text: string): { text: string; side: number; path: string } {
  const { modules } = createQr(text, { errorCorrectionLevel: 'M' });
  const size = modules.size;
  let path = '';
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; ) {
      const start = col;
      while (col < size && modules.get(row, col)) col++;
      if (col > start) path += `M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`;
      else col++;
    }
  }
  return { text, side: size + 2 * QUIET_ZONE, path };
}

/** The QR for `text` as an accessible SVG image (role="img", labelled), with part="qr". */
export function drawQr(text: string, label: string) {
  if (last?.text !== text) last = encode(text);
  const { side, path } = last;
  return html`<svg part="qr" class="qr" role="img" aria-label=${label} viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">
    <rect width=${side} height=${side} fill="#fff"></rect><path d=${path}></path>
  </svg>`;
}
