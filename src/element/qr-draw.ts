// Draws a QR code for text in the browser. Loaded lazily by the element (dynamic import) only when
// the invoice has no usable `qr_image`, so the `qrcode` encoder is never downloaded otherwise.
// The symbol is one SVG <path> on a white square: dark-on-white with a 4-module quiet zone in
// every colour scheme, so it scans in dark themes too. No innerHTML: Lit's svg template builds it.

// Only the encoder: the package's main (browser) file also bundles canvas, SVG-string and terminal
// renderers this element never uses. Typed by ./qrcode-core.d.ts.
import { create as createQr } from 'qrcode/lib/core/qrcode.js';
import { html, svg, type TemplateResult } from 'lit';

/** The quiet zone the QR specification asks for, in modules, on each side. */
export const QUIET_ZONE = 4;

/** A square grid of modules, true for dark. */
export interface ModuleMatrix {
  size: number;
  isDark(row: number, col: number): boolean;
}

/** Encodes `text` (byte mode as needed, error correction M). Throws when the text cannot fit a QR. */
export function encodeQr(text: string): ModuleMatrix {
  const { modules } = createQr(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (row, col) => modules.get(row, col) === 1 };
}

/**
 * SVG path data for the dark modules, offset by the quiet zone: one rectangle per horizontal run
 * of dark modules, which keeps the path short and leaves no hairline seams between modules.
 */
export function modulePath(matrix: ModuleMatrix, offset = QUIET_ZONE): string {
  const parts: string[] = [];
  for (let row = 0; row < matrix.size; row++) {
    let col = 0;
    while (col < matrix.size) {
      if (!matrix.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < matrix.size && matrix.isDark(row, col)) col++;
      const run = col - start;
      parts.push(`M${start + offset} ${row + offset}h${run}v1h-${run}z`);
    }
  }
  return parts.join('');
}

/** The QR for `text` as an accessible SVG image (role="img", labelled), with part="qr". */
export function drawQr(text: string, label: string): TemplateResult {
  const matrix = encodeQr(text);
  const side = matrix.size + 2 * QUIET_ZONE;
  const content = svg`<rect width=${side} height=${side} fill="#ffffff"></rect><path d=${modulePath(matrix)} fill="#000000"></path>`;
  return html`<svg
    part="qr"
    class="qr qr-drawn"
    role="img"
    aria-label=${label}
    viewBox=${`0 0 ${side} ${side}`}
    shape-rendering="crispEdges"
    xmlns="http://www.w3.org/2000/svg"
  >${content}</svg>`;
}
