// Event, CustomEvent, EventTarget, AbortController, AbortSignal.
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;

  const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;
  class Event {
    #type; #bubbles; #cancelable; #composed; #target = null; #currentTarget = null;
    #phase = NONE; #stop = false; #stopImmediate = false; #canceled = false;
    #inPassive = false; #dispatching = false; #initialized = true; #timeStamp;
    #isTrusted = false;
    constructor(type, eventInitDict = {}) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'Event'");
      if (eventInitDict !== undefined && eventInitDict !== null && typeof eventInitDict !== "object") {
        throw new TypeError("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
      }
      const init = eventInitDict || {};
      this.#type = String(type);
      this.#bubbles = !!init.bubbles;
      this.#cancelable = !!init.cancelable;
      this.#composed = !!init.composed;
      this.#timeStamp = W.now();
    }
    get type() { return this.#type; }
    get target() { return this.#target; }
    get srcElement() { return this.#target; }
    get currentTarget() { return this.#currentTarget; }
    composedPath() { return this.#dispatching && this.#target ? [this.#target] : []; }
    get eventPhase() { return this.#phase; }
    stopPropagation() { this.#stop = true; }
    get cancelBubble() { return this.#stop; }
    set cancelBubble(v) { if (v) this.#stop = true; }
    stopImmediatePropagation() { this.#stop = true; this.#stopImmediate = true; }
    get bubbles() { return this.#bubbles; }
    get cancelable() { return this.#cancelable; }
    get returnValue() { return !this.#canceled; }
    set returnValue(v) { if (!v && this.#cancelable && !this.#inPassive) this.#canceled = true; }
    preventDefault() { if (this.#cancelable && !this.#inPassive) this.#canceled = true; }
    get defaultPrevented() { return this.#canceled; }
    get composed() { return this.#composed; }
    get isTrusted() { return this.#isTrusted; }
    get timeStamp() { return this.#timeStamp; }
    initEvent(type, bubbles = false, cancelable = false) {
      if (this.#dispatching) return;
      this.#type = String(type); this.#bubbles = !!bubbles; this.#cancelable = !!cancelable;
      this.#stop = this.#stopImmediate = this.#canceled = false;
      this.#initialized = true;
    }
    static {
      W.eventInternals = {
        isEvent: (e) => e !== null && typeof e === "object" && #type in e,
        begin(e, target) {
          if (e.#dispatching) throw new DOMException("The event is already being dispatched.", "InvalidStateError");
          if (!e.#initialized) throw new DOMException("The event object was not initialized.", "InvalidStateError");
          e.#dispatching = true; e.#target = target; e.#currentTarget = target; e.#phase = AT_TARGET;
        },
        end(e) {
          e.#dispatching = false; e.#currentTarget = null; e.#phase = NONE;
          e.#stop = false; e.#stopImmediate = false;
        },
        stoppedImmediate: (e) => e.#stopImmediate,
        setPassive(e, p) { e.#inPassive = p; },
        setTrusted(e) { e.#isTrusted = true; },
        canceled: (e) => e.#canceled,
      };
    }
  }
  for (const [k, v] of [["NONE", NONE], ["CAPTURING_PHASE", CAPTURING_PHASE], ["AT_TARGET", AT_TARGET], ["BUBBLING_PHASE", BUBBLING_PHASE]]) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }
  Object.defineProperty(Event.prototype, "isTrusted", { enumerable: true });
  W.tag(Event);
  const EI = W.eventInternals;

  class CustomEvent extends Event {
    #detail;
    constructor(type, eventInitDict = {}) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'CustomEvent'");
      super(type, eventInitDict);
      this.#detail = eventInitDict && eventInitDict.detail !== undefined ? eventInitDict.detail : null;
    }
    get detail() { return this.#detail; }
    initCustomEvent(type, bubbles, cancelable, detail) {
      this.initEvent(type, bubbles, cancelable);
      this.#detail = detail === undefined ? null : detail;
    }
  }
  W.tag(CustomEvent);

  function flattenOptions(options) {
    if (typeof options === "boolean") return { capture: options };
    if (options === undefined || options === null) return { capture: false };
    return options;
  }

  class EventTarget {
    #listeners = new Map(); // type -> [{callback, capture, once, passive, removed}]
    constructor() {}
    addEventListener(type, callback, options) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'addEventListener' on 'EventTarget'");
      const o = flattenOptions(options);
      const capture = !!o.capture;
      const once = !!o.once;
      const passive = o.passive === undefined ? false : !!o.passive;
      const signal = o.signal;
      if (signal !== undefined && !W.isAbortSignal(signal)) {
        throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
      }
      if (callback === null || callback === undefined) return;
      if (typeof callback !== "function" && typeof callback !== "object") {
        throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'Object'.");
      }
      if (signal && signal.aborted) return;
      type = String(type);
      let list = this.#listeners.get(type);
      if (!list) { list = []; this.#listeners.set(type, list); }
      if (list.some((l) => l.callback === callback && l.capture === capture)) return;
      const listener = { callback, capture, once, passive, removed: false };
      list.push(listener);
      if (signal) {
        W.addAbortAlgorithm(signal, () => this.removeEventListener(type, callback, { capture }));
      }
    }
    removeEventListener(type, callback, options) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'removeEventListener' on 'EventTarget'");
      const capture = !!flattenOptions(options).capture;
      const list = this.#listeners.get(String(type));
      if (!list) return;
      const i = list.findIndex((l) => l.callback === callback && l.capture === capture);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(event) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'dispatchEvent' on 'EventTarget'");
      if (!EI.isEvent(event)) {
        throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
      }
      EI.begin(event, this);
      try {
        const list = this.#listeners.get(event.type);
        if (list) {
          for (const l of list.slice()) {
            if (l.removed) continue;
            if (l.once) this.removeEventListener(event.type, l.callback, { capture: l.capture });
            if (l.passive) EI.setPassive(event, true);
            try {
              if (typeof l.callback === "function") l.callback.call(this, event);
              else if (typeof l.callback.handleEvent === "function") l.callback.handleEvent(event);
              else throw new TypeError("The listener's 'handleEvent' is not a function");
            } catch (e) {
              W.reportError(e);
            }
            EI.setPassive(event, false);
            if (EI.stoppedImmediate(event)) break;
          }
        }
      } finally {
        EI.end(event);
      }
      return !event.defaultPrevented;
    }
  }
  W.tag(EventTarget);

  /** Define an `on<type>` event handler attribute on a prototype. */
  W.defineEventHandler = function (proto, type) {
    const handlers = new WeakMap();
    Object.defineProperty(proto, "on" + type, {
      get() { const h = handlers.get(this); return h ? h.value : null; },
      set(value) {
        let h = handlers.get(this);
        if (!h) {
          h = { value: null, listener: (e) => { if (typeof h.value === "function") { const r = h.value.call(this, e); if (r === false) e.preventDefault(); } } };
          handlers.set(this, h);
          this.addEventListener(type, h.listener);
        }
        h.value = typeof value === "function" || (typeof value === "object" && value !== null) ? value : null;
      },
      enumerable: true, configurable: true,
    });
  };

  // ------------------------------------------------------------------ AbortSignal
  const signalKey = Symbol("AbortSignal");
  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    #algorithms = [];
    #dependent = false;
    #sources = [];   // weak-ish: plain array of source signals (dependent signals)
    #dependents = [];
    constructor(key) {
      if (key !== signalKey) throw new TypeError("Illegal constructor");
      super();
    }
    get aborted() { return this.#aborted; }
    get reason() { return this.#reason; }
    throwIfAborted() { if (this.#aborted) throw this.#reason; }

    static abort(reason) {
      const s = new AbortSignal(signalKey);
      s.#aborted = true;
      s.#reason = reason !== undefined ? reason : new DOMException("signal is aborted without reason", "AbortError");
      return s;
    }
    static timeout(milliseconds) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'timeout' on 'AbortSignal'");
      const ms = Number(milliseconds);
      if (!Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER) {
        throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.");
      }
      const s = new AbortSignal(signalKey);
      globalThis.setTimeout(() => {
        AbortSignal.#signalAbort(s, new DOMException("signal timed out", "TimeoutError"));
      }, ms);
      return s;
    }
    static any(signals) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'any' on 'AbortSignal'");
      const list = Array.from(signals);
      for (const s of list) {
        if (!W.isAbortSignal(s)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
      }
      const result = new AbortSignal(signalKey);
      for (const s of list) {
        if (s.#aborted) { result.#aborted = true; result.#reason = s.#reason; return result; }
      }
      result.#dependent = true;
      for (const s of list) {
        const sources = s.#dependent ? s.#sources : [s];
        for (const src of sources) {
          if (src.#aborted) continue;
          if (!result.#sources.includes(src)) {
            result.#sources.push(src);
            src.#dependents.push(result);
          }
        }
      }
      return result;
    }
    static #signalAbort(signal, reason) {
      if (signal.#aborted) return;
      signal.#aborted = true;
      signal.#reason = reason !== undefined ? reason : new DOMException("signal is aborted without reason", "AbortError");
      const toAbort = [];
      for (const d of signal.#dependents) {
        if (!d.#aborted) { d.#aborted = true; d.#reason = signal.#reason; toAbort.push(d); }
      }
      signal.#dependents = [];
      AbortSignal.#runAbortSteps(signal);
      for (const d of toAbort) AbortSignal.#runAbortSteps(d);
    }
    static #runAbortSteps(signal) {
      const algos = signal.#algorithms;
      signal.#algorithms = [];
      for (const a of algos) {
        try { a(); } catch (e) { W.reportError(e); }
      }
      const ev = new Event("abort");
      EI.setTrusted(ev);
      signal.dispatchEvent(ev);
    }
    static {
      W.isAbortSignal = (v) => v !== null && typeof v === "object" && #aborted in v;
      W.signalAbort = (signal, reason) => AbortSignal.#signalAbort(signal, reason);
      W.newAbortSignal = () => new AbortSignal(signalKey);
      W.addAbortAlgorithm = (signal, fn) => {
        if (signal.#aborted) return () => {};
        signal.#algorithms.push(fn);
        return () => { const i = signal.#algorithms.indexOf(fn); if (i >= 0) signal.#algorithms.splice(i, 1); };
      };
    }
  }
  W.defineEventHandler(AbortSignal.prototype, "abort");
  W.tag(AbortSignal);

  class AbortController {
    #signal = W.newAbortSignal();
    constructor() {}
    get signal() { return this.#signal; }
    abort(reason) { W.signalAbort(this.#signal, reason); }
  }
  W.tag(AbortController);

  W.defineGlobal("Event", Event);
  W.defineGlobal("CustomEvent", CustomEvent);
  W.defineGlobal("EventTarget", EventTarget);
  W.defineGlobal("AbortSignal", AbortSignal);
  W.defineGlobal("AbortController", AbortController);
  W.Event = Event;
})();
