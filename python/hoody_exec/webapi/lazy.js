// hoody-exec lazy Web runtime: evaluated in every new isolate instead of the
// whole prelude. It installs a placeholder for every global of every API family
// (webapi/js/NN_*.js) and for every key of the shared internals `W`; the first
// read of one evaluates its family, whose own definitions replace the
// placeholders, so after that the global is exactly what the eager prelude made.
// The families' sources stay in the host (rust/engine/src/sources.rs) until then.
//
// The completion value is this function; the host appends the family table
// `[[sourceName, globals, wKeys, hoodyKeys], …]` (core first; webapi/families.py).
(function (families) {
  "use strict";
  const hoody = globalThis.__hoody;
  const host = hoody.host;
  const evaluate = globalThis.eval; // indirect: each family runs in the global scope
  const gopd = Object.getOwnPropertyDescriptor;
  const gopds = Object.getOwnPropertyDescriptors;
  const reflectGopd = Reflect.getOwnPropertyDescriptor;
  const define = Object.defineProperty;
  const UNLOADED = 0, LOADING = 1, LOADED = 2;

  // ------------------------------------------------------------------ Symbol.metadata
  // Decorator metadata (TC39, TypeScript 5.2+, Deno): V8 has no Symbol.metadata yet.
  // NOTE: here in the loader, not in a lazy family: it is a property of Symbol, not
  // a global whose first read could load a family, and decorators run first thing.
  // The registered symbol is the one the lowered decorators fall back to, so
  // `C[Symbol.metadata]` finds what `context.metadata` collected.
  if (typeof Symbol.metadata !== "symbol") {
    Object.defineProperty(Symbol, "metadata", { value: Symbol.for("Symbol.metadata"), writable: false, enumerable: false, configurable: false });
  }
  const state = families.map(() => UNLOADED);
  const globalOwner = new Map(); // global name -> family index (the last that installs it)
  const hoodyOwner = new Map(); // __hoody key -> family index
  const wOwners = new Map(); // W key -> family indexes that assign it (never the core)
  const placeholder = new Map(); // global name -> its placeholder getter
  const hoodyPlaceholder = new Map(); // __hoody key -> its placeholder getter
  let W = null;
  let depth = 0;

  families.forEach(([, globals, keys, hoodyKeys], i) => {
    for (const name of globals) globalOwner.set(name, i);
    for (const name of hoodyKeys) hoodyOwner.set(name, i);
    if (i === 0) return;
    for (const key of keys) {
      const owners = wOwners.get(key);
      if (owners) owners.push(i); else wOwners.set(key, [i]);
    }
  });

  function load(i) {
    if (state[i] !== UNLOADED) return;
    if (W === null && i !== 0) load(0);
    state[i] = LOADING;
    const [name, globals, , hoodyKeys] = families[i];
    // A global the script replaced or deleted before its family came keeps the
    // script's choice, as it would have with the family loaded first.
    const kept = [];
    for (const g of globals) {
      const d = gopd(globalThis, g);
      if (d === undefined || d.get !== placeholder.get(g)) kept.push([g, d]);
    }
    const code = host.source(name);
    if (W !== null && depth === 0) define(hoody, "_w", { value: W, writable: false, enumerable: false, configurable: true });
    depth++;
    try {
      evaluate(code + "\n//# sourceURL=" + name);
    } finally {
      depth--;
      if (i === 0) {
        W = hoody._w;
        placeholdW();
      }
      if (depth === 0) delete hoody._w;
      state[i] = LOADED;
    }
    for (const [g, d] of kept) {
      if (d === undefined) delete globalThis[g];
      else define(globalThis, g, d);
    }
    // Names the table lists but the family did not install: absent, as before.
    for (const g of globals) {
      const d = gopd(globalThis, g);
      if (d !== undefined && d.get === placeholder.get(g)) delete globalThis[g];
    }
    for (const k of hoodyKeys) {
      const d = gopd(hoody, k);
      if (d !== undefined && d.get === hoodyPlaceholder.get(k)) delete hoody[k];
    }
  }

  // W keys a later family assigns: reading one loads its families first. A key
  // the core already set keeps that value until then.
  function placeholdW() {
    for (const [key, owners] of wOwners) {
      const before = gopd(W, key);
      const get = function () {
        for (const i of owners) load(i);
        const d = gopd(W, key);
        if (d === undefined || d.get !== get) return W[key];
        if (owners.every((i) => state[i] === LOADED)) {
          if (before === undefined) delete W[key]; else define(W, key, before);
        }
        return before === undefined ? undefined : before.value;
      };
      const set = function (value) {
        define(W, key, { value, writable: true, enumerable: true, configurable: true });
      };
      define(W, key, { get, set, enumerable: true, configurable: true });
    }
  }

  function placehold(target, key, i, getters) {
    const get = function () {
      if (state[i] === LOADING) return undefined; // its family reads it before defining it
      load(i);
      const d = gopd(target, key);
      return d === undefined || d.get === get ? undefined : target[key];
    };
    const set = function (value) {
      define(target, key, { value, writable: true, enumerable: false, configurable: true });
    };
    getters.set(key, get);
    define(target, key, { get, set, enumerable: false, configurable: true });
  }
  for (const [g, i] of globalOwner) placehold(globalThis, g, i, placeholder);
  for (const [k, i] of hoodyOwner) placehold(hoody, k, i, hoodyPlaceholder);

  // Descriptors are the one place a placeholder could show: asking for a lazy
  // global's descriptor loads its family first, so the answer is the real one.
  function materialize(key) {
    const i = globalOwner.get(key);
    if (i !== undefined && state[i] === UNLOADED) load(i);
  }
  function toKey(p) {
    return typeof p === "symbol" ? p : String(p);
  }
  // Named as the originals (`{ getOwnPropertyDescriptor(o, p) {…} }` gives the
  // function its name, length 2, and no constructor, like a built-in).
  function descriptorOf(original) {
    return {
      getOwnPropertyDescriptor(o, p) {
        if (o !== globalThis) return original(o, p);
        const key = toKey(p);
        materialize(key);
        return original(o, key);
      },
    }.getOwnPropertyDescriptor;
  }
  Object.getOwnPropertyDescriptor = descriptorOf(gopd);
  Reflect.getOwnPropertyDescriptor = descriptorOf(reflectGopd);
  Object.getOwnPropertyDescriptors = {
    getOwnPropertyDescriptors(o) {
      if (o === globalThis) for (const key of globalOwner.keys()) materialize(key);
      return gopds(o);
    },
  }.getOwnPropertyDescriptors;

  // For the dispatch glue and tests: is `name` still a placeholder (its family
  // not loaded)? Which families are loaded?
  define(hoody, "lazy", {
    value: Object.freeze({
      pending(name) {
        const d = gopd(globalThis, name);
        return d !== undefined && d.get !== undefined && d.get === placeholder.get(name);
      },
      loaded() {
        return families.filter((_, i) => state[i] === LOADED).map(([name]) => name);
      },
    }),
    enumerable: false,
  });
})
