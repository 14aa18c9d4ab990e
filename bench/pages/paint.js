// When the bench calls a QR "painted" (classic script, shared by every bench page):
//   1. the QR node is in the DOM: the element's shadow-root node with part="qr" (its <img> of the
//      invoice's qr_image, or the drawn <svg>), or the baseline's <img> once it has a src;
//      seen by a MutationObserver, i.e. in the microtask right after the render that added it;
//   2. an <img> has decoded its pixels (img.decode());
//   3. the next animation frame has run (requestAnimationFrame), and after it a task posted from
//      that callback: rendering (style, layout, paint) runs after rAF callbacks in the same frame,
//      so that task runs once the frame showing the QR has been painted and handed to the compositor.
(function () {
  /** Resolves with find()'s first hit, checking now and after every DOM change under `root`. */
  function whenPresent(root, find) {
    return new Promise((resolve) => {
      const hit = find();
      if (hit) return resolve(hit);
      const observer = new MutationObserver(() => {
        const found = find();
        if (found) {
          observer.disconnect();
          resolve(found);
        }
      });
      observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
    });
  }

  /** performance.now() once the next frame has been painted. */
  function afterNextPaint() {
    return new Promise((resolve) =>
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve(performance.now());
        channel.port2.postMessage(null);
      }),
    );
  }

  /** performance.now() once `qr` (an <img> or <svg>) is decoded and painted. */
  async function qrPainted(qr) {
    if (qr instanceof HTMLImageElement) await qr.decode();
    return afterNextPaint();
  }

  /** The element's QR node, when rendered. */
  const elementQr = (el) => el.shadowRoot?.querySelector('[part~="qr"]') ?? null;

  window.benchPaint = { whenPresent, afterNextPaint, qrPainted, elementQr };
})();
