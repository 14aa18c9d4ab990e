// On the plain <script>-file page: records when the tag's QR is painted (see paint.js), in
// performance.now() time, whose origin is the navigation start.
(async () => {
  await customElements.whenDefined('qpay-checkout');
  const el = document.querySelector('qpay-checkout');
  const qr = await window.benchPaint.whenPresent(el.shadowRoot, () => window.benchPaint.elementQr(el));
  const domAt = performance.now();
  const paintAt = await window.benchPaint.qrPainted(qr);
  window.__benchResult = { domAt, paintAt };
})().catch((error) => {
  window.__benchResult = { error: String(error) };
});
