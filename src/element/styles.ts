// The element's styles, adopted as a constructable stylesheet (no <style> text, so a CSP without
// 'unsafe-inline' works). Public knobs are the --qpay-* custom properties documented on the class;
// the --_* properties are private and pick the light or dark default for each knob.

import { css } from 'lit';

export const styles = css`
  :host {
    --_fg: var(--qpay-color-text, #1b1b1f);
    --_muted: var(--qpay-color-muted, #4f5058);
    --_bg: var(--qpay-color-background, #fff);
    --_surface: var(--qpay-color-surface, #f3f4f6);
    --_border: var(--qpay-color-border, #d4d6dc);
    --_accent: var(--qpay-color-accent, #0b57d0);
    --_ok: var(--qpay-color-success, #146c2e);
    --_bad: var(--qpay-color-error, #b3261e);
    --_radius: var(--qpay-radius, 12px);
    display: block;
    font: var(--qpay-font-size, 1rem) / 1.4 var(--qpay-font-family, system-ui, sans-serif);
    color-scheme: light dark;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --_fg: var(--qpay-color-text, #e6e6eb);
      --_muted: var(--qpay-color-muted, #b4b6be);
      --_bg: var(--qpay-color-background, #1b1b1f);
      --_surface: var(--qpay-color-surface, #2a2b31);
      --_border: var(--qpay-color-border, #4a4c55);
      --_accent: var(--qpay-color-accent, #a8c7fa);
      --_ok: var(--qpay-color-success, #6dd58c);
      --_bad: var(--qpay-color-error, #ffb4ab);
    }
  }

  :host([hidden]) {
    display: none;
  }

  * {
    box-sizing: border-box;
  }

  p {
    margin: 0;
  }

  /* Boxes: the card and buttons (the phone layout's bank links are buttons too). */
  .card,
  .button {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_fg);
    font: inherit;
  }

  .card,
  .summary {
    display: flex;
    flex-direction: column;
    gap: 0.75rem;
  }

  .card {
    background: var(--_bg);
    padding: 1rem;
  }

  .summary {
    gap: 0.125rem;
  }

  .note {
    color: var(--_muted);
  }

  .amount,
  .timer {
    font-variant-numeric: tabular-nums;
  }

  .amount {
    font-size: 1.5em;
    font-weight: 700;
  }

  .heading,
  .status,
  .button {
    font-weight: 600;
  }

  /* The QR always sits on white with its own quiet zone, whatever the theme. */
  .qr-frame {
    display: grid;
    place-items: center;
    align-self: center;
    width: var(--qpay-qr-size, 240px);
    max-width: 100%;
    aspect-ratio: 1;
    background: #fff;
    border-radius: calc(var(--_radius) / 2);
    overflow: hidden;
  }

  .qr {
    display: block;
    width: 100%;
    height: 100%;
    image-rendering: pixelated;
  }

  .button,
  .actions,
  .status {
    display: flex;
    align-items: center;
    gap: 0.5rem;
  }

  .button {
    justify-content: center;
    min-height: 3rem;
    padding: 0.5rem 1rem;
    text-align: center;
    text-decoration: none;
    overflow-wrap: anywhere;
    cursor: pointer;
  }

  .actions {
    flex-wrap: wrap;
  }

  .button:hover {
    border-color: var(--_accent);
  }

  :focus-visible {
    outline: 3px solid var(--qpay-color-focus, var(--_accent));
    outline-offset: 2px;
  }

  :host([data-state=paid]) .status {
    color: var(--_ok);
  }

  :host([data-state=error]) .status,
  :host([data-state=failed]) .status,
  :host([data-state=expired]) .status {
    color: var(--_bad);
  }

  .spinner {
    flex: none;
    width: 1em;
    height: 1em;
    border: 2px solid var(--_border);
    border-top-color: var(--_accent);
    border-radius: 50%;
  }

  /* It spins only for those who have not asked for reduced motion. */
  @media (prefers-reduced-motion: no-preference) {
    .spinner {
      animation: qpay-spin 0.9s linear infinite;
    }
  }

  @keyframes qpay-spin {
    to {
      transform: rotate(1turn);
    }
  }

  /* Heard by screen readers, not shown. */
  .sr {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
