// The element's styles, adopted as a constructable stylesheet (no <style> text, so a CSP without
// 'unsafe-inline' works). Public knobs are the --qpay-* custom properties documented on the class;
// the --_* properties are private and pick the light or dark default for each knob.

import { css } from 'lit';

export const styles = css`
  :host {
    --_text: var(--qpay-color-text, #1b1b1f);
    --_muted: var(--qpay-color-muted, #4f5058);
    --_background: var(--qpay-color-background, #ffffff);
    --_surface: var(--qpay-color-surface, #f3f4f6);
    --_border: var(--qpay-color-border, #d4d6dc);
    --_accent: var(--qpay-color-accent, #0b57d0);
    --_on-accent: var(--qpay-color-on-accent, #ffffff);
    --_success: var(--qpay-color-success, #146c2e);
    --_error: var(--qpay-color-error, #b3261e);
    --_focus: var(--qpay-color-focus, #0b57d0);
    --_radius: var(--qpay-radius, 12px);
    --_qr-size: var(--qpay-qr-size, 240px);
    --_font: var(--qpay-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);

    display: block;
    box-sizing: border-box;
    max-width: 100%;
    font-family: var(--_font);
    font-size: var(--qpay-font-size, 1rem);
    line-height: 1.4;
    color: var(--_text);
    color-scheme: light dark;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --_text: var(--qpay-color-text, #e6e6eb);
      --_muted: var(--qpay-color-muted, #b4b6be);
      --_background: var(--qpay-color-background, #1b1b1f);
      --_surface: var(--qpay-color-surface, #2a2b31);
      --_border: var(--qpay-color-border, #4a4c55);
      --_accent: var(--qpay-color-accent, #a8c7fa);
      --_on-accent: var(--qpay-color-on-accent, #062e6f);
      --_success: var(--qpay-color-success, #6dd58c);
      --_error: var(--qpay-color-error, #ffb4ab);
      --_focus: var(--qpay-color-focus, #a8c7fa);
    }
  }

  :host([hidden]) {
    display: none;
  }

  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }

  p {
    margin: 0;
  }

  .card {
    display: flex;
    flex-direction: column;
    gap: 0.75rem;
    padding: 1rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
  }

  .summary {
    display: flex;
    flex-direction: column;
    gap: 0.125rem;
  }

  .merchant,
  .description,
  .note,
  .timer {
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

  .heading {
    font-weight: 600;
  }

  /* The QR always sits on white with its own quiet zone, whatever the theme. */
  .qr-frame {
    align-self: center;
    width: var(--_qr-size);
    max-width: 100%;
    aspect-ratio: 1;
    background: #ffffff;
    border-radius: calc(var(--_radius) / 2);
    overflow: hidden;
  }

  .qr {
    display: block;
    width: 100%;
    height: 100%;
    image-rendering: pixelated;
  }

  .qr-placeholder {
    display: flex;
    align-items: center;
    justify-content: center;
    width: 100%;
    height: 100%;
    padding: 1rem;
    color: #4f5058;
    text-align: center;
    font-size: 0.875em;
  }

  .banks {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr));
    gap: 0.5rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }

  .bank {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    min-height: 3rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    text-decoration: none;
    overflow-wrap: anywhere;
  }

  .bank img {
    flex: none;
    width: 2rem;
    height: 2rem;
    border-radius: 0.5rem;
    object-fit: contain;
    background: #ffffff;
  }

  .primary,
  .button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    min-height: 3rem;
    padding: 0.5rem 1rem;
    border-radius: var(--_radius);
    font: inherit;
    font-weight: 600;
    text-align: center;
    text-decoration: none;
    cursor: pointer;
  }

  .primary {
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
  }

  .button {
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
  }

  .bank:hover,
  .button:hover {
    border-color: var(--_accent);
  }

  a:focus-visible,
  button:focus-visible,
  input:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }

  .search {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
  }

  .search input {
    min-height: 2.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
    font: inherit;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem;
  }

  .status {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    font-weight: 600;
  }

  .card[data-state='paid'] .status {
    color: var(--_success);
  }

  .card[data-state='error'] .status,
  .card[data-state='failed'] .status,
  .card[data-state='expired'] .status {
    color: var(--_error);
  }

  .spinner {
    flex: none;
    width: 1em;
    height: 1em;
    border: 2px solid var(--_border);
    border-top-color: var(--_accent);
    border-radius: 50%;
    animation: qpay-spin 0.9s linear infinite;
  }

  @keyframes qpay-spin {
    to {
      transform: rotate(360deg);
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
      border-top-color: var(--_border);
      border-right-color: var(--_accent);
    }
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
`;
