// setTimeout / setInterval / clearTimeout / clearInterval.
// No host round trip: the isolate's own delayed tasks wake us through
// Atomics.waitAsync(cell, 0, 0, ms) on a private SharedArrayBuffer. One ordered
// timer list (deadline, then creation order) gives the HTML ordering of equal
// timeouts; only the earliest deadline has a waiter armed at any time (stale
// waiters wake, find nothing due, and re-arm or exit).
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const active = new Map(); // id -> timer
  const queue = []; // timers sorted by (when, seq)
  let nextId = 1;
  let seq = 0;
  const waiters = []; // armed Atomics.waitAsync waiters {when, released}
  let running = false;

  function insert(t) {
    // binary search for the first element that sorts after t
    let lo = 0, hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = queue[mid];
      if (q.when < t.when || (q.when === t.when && q.seq < t.seq)) lo = mid + 1; else hi = mid;
    }
    queue.splice(lo, 0, t);
  }

  function arm() {
    while (queue.length && queue[0].cancelled) queue.shift();
    if (queue.length === 0) {
      if (waiters.length > 0) {
        // nothing left to wait for: release the armed waiters so the isolate idles
        for (const w of waiters) w.released = true;
        waiters.length = 0;
        Atomics.notify(cell, 0);
      }
      return;
    }
    const when = queue[0].when;
    for (const w of waiters) if (w.when <= when) return; // a waiter fires first anyway
    const w = { when, released: false };
    waiters.push(w);
    // at least 1 ms: a 0 timeout would settle synchronously, and timers must run
    // as tasks after the current microtasks (like setTimeout(f, 0) in Node: 1 ms)
    const delay = Math.max(1, when - Date.now());
    const r = Atomics.waitAsync(cell, 0, 0, delay);
    const wake = () => onWake(w);
    if (r.async) r.value.then(wake); else Promise.resolve().then(wake);
  }

  function onWake(w) {
    if (w.released) return;
    const i = waiters.indexOf(w);
    if (i >= 0) waiters.splice(i, 1);
    runDue();
  }

  // HTML runs each timer callback as its own task, so the microtasks a callback
  // queues run before the next callback. An async waiter that is notified at once
  // settles in a new task of the isolate: that is our "post a task".
  const taskCell = new Int32Array(new SharedArrayBuffer(4));
  function postTask(fn) {
    Atomics.waitAsync(taskCell, 0, 0).value.then(fn);
    Atomics.notify(taskCell, 0, 1);
  }

  function runDue() {
    if (running) return;
    running = true;
    // Run only timers that are due now; timers added meanwhile wait for a new turn.
    const now = Date.now();
    const due = [];
    while (queue.length && (queue[0].cancelled || queue[0].when <= now)) {
      const t = queue.shift();
      if (!t.cancelled) due.push(t);
    }
    runEach(due, 0, now);
  }

  function runEach(due, i, now) {
    while (i < due.length && due[i].cancelled) i++;
    if (i >= due.length) {
      running = false;
      arm();
      return;
    }
    const t = due[i];
    try {
      if (t.repeat) {
        t.when = Math.max(Date.now(), t.when + t.delay);
        if (t.when <= now) t.when = now + Math.max(1, t.delay);
        t.seq = seq++;
      } else {
        active.delete(t.id);
        t.cancelled = true;
      }
      try {
        t.fn.apply(globalThis, t.args);
      } catch (e) {
        W.reportError(e);
      }
      if (t.repeat && !t.cancelled) insert(t);
    } finally {
      if (i + 1 < due.length) postTask(() => runEach(due, i + 1, now));
      else { running = false; arm(); }
    }
  }

  function normalizeDelay(ms) {
    ms = Number(ms);
    if (!(ms > 0)) return 0; // NaN, negatives, undefined
    if (ms > 2147483647) return 1; // browsers overflow to ~immediately
    return Math.floor(ms);
  }

  function schedule(fn, ms, args, repeat) {
    if (typeof fn !== "function") {
      throw new TypeError("The \"callback\" argument must be a function (string callbacks are not supported)");
    }
    const delay = normalizeDelay(ms);
    const id = nextId++;
    const t = { id, fn, args, delay: repeat ? Math.max(1, delay) : delay, repeat, when: Date.now() + delay, seq: seq++, cancelled: false };
    active.set(id, t);
    insert(t);
    if (!running) arm();
    return id;
  }

  function clear(id) {
    const t = active.get(typeof id === "object" && id !== null ? Number(id) : id);
    if (!t) return;
    t.cancelled = true;
    active.delete(t.id);
    if (!running) arm();
  }

  W.defineGlobal("setTimeout", function setTimeout(handler, timeout = 0, ...args) {
    return schedule(handler, timeout, args, false);
  });
  W.defineGlobal("setInterval", function setInterval(handler, timeout = 0, ...args) {
    return schedule(handler, timeout, args, true);
  });
  W.defineGlobal("clearTimeout", function clearTimeout(id = 0) { clear(id); });
  W.defineGlobal("clearInterval", function clearInterval(id = 0) { clear(id); });
  W.pendingTimers = () => active.size;
})();
