// Loaded first, before any widget code, on pages opened with ?instrument: counts what is still
// alive — timeouts not yet fired or cleared, intervals not cleared, fetches not settled, and event
// listeners on window, document and media-query lists — so leaks show up as numbers.
(function () {
  if (!new URLSearchParams(location.search).has('instrument')) return;
  const timeouts = new Set();
  const intervals = new Set();
  let fetches = 0;
  const listeners = new Map(); // target -> Set of "type|capture" + listener identity

  const { setTimeout: st, clearTimeout: ct, setInterval: si, clearInterval: ci, fetch: f } = window;
  window.setTimeout = function (fn, ms, ...args) {
    const id = st.call(window, (...a) => {
      timeouts.delete(id);
      if (typeof fn === 'function') fn(...a);
    }, ms, ...args);
    timeouts.add(id);
    return id;
  };
  window.clearTimeout = function (id) {
    timeouts.delete(id);
    return ct.call(window, id);
  };
  window.setInterval = function (fn, ms, ...args) {
    const id = si.call(window, fn, ms, ...args);
    intervals.add(id);
    return id;
  };
  window.clearInterval = function (id) {
    intervals.delete(id);
    return ci.call(window, id);
  };
  window.fetch = function (...args) {
    fetches++;
    return f.apply(window, args).finally(() => fetches--);
  };

  const watched = (target) => target === window || target === document || target instanceof MediaQueryList;
  const keyOf = (type, options) => `${type}|${typeof options === 'boolean' ? options : !!options?.capture}`;
  const { addEventListener: add, removeEventListener: remove } = EventTarget.prototype;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (watched(this) && listener) {
      let byKey = listeners.get(this);
      if (!byKey) listeners.set(this, (byKey = new Map()));
      let set = byKey.get(keyOf(type, options));
      if (!set) byKey.set(keyOf(type, options), (set = new Set()));
      set.add(listener);
    }
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    const byKey = listeners.get(this);
    const set = byKey?.get(keyOf(type, options));
    if (set) {
      set.delete(listener);
      if (set.size === 0) byKey.delete(keyOf(type, options));
      if (byKey.size === 0) listeners.delete(this);
    }
    return remove.call(this, type, listener, options);
  };

  window.benchInstrument = {
    live() {
      let listenerCount = 0;
      for (const byKey of listeners.values()) for (const set of byKey.values()) listenerCount += set.size;
      return { timeouts: timeouts.size, intervals: intervals.size, fetches, listeners: listenerCount };
    },
  };
})();
