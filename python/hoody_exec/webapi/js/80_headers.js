// Headers per the Fetch Standard: name/value validation and normalisation,
// combination, sorted iteration with set-cookie kept separate, guards.
(function () {
  "use strict";
  const W = globalThis.__hoody._w;

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const HTTP_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

  function normalizeValue(v) {
    return W.toByteString(v).replace(HTTP_WS, "");
  }
  function validName(name) {
    if (!TOKEN.test(name)) throw new TypeError(`Headers: invalid header name "${name}"`);
  }
  function validValue(value) {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0 || c === 0x0a || c === 0x0d) throw new TypeError(`Headers: invalid header value "${value}"`);
    }
  }

  class Headers {
    // list of [lowercased name, value, original name]; the Fetch "header list"
    #list = [];
    #guard = "none"; // immutable | request | request-no-cors | response | none
    #sorted = null;
    constructor(init = undefined) {
      if (init !== undefined && init !== null) this.#fill(init);
      else if (init === null) throw new TypeError("Failed to construct 'Headers': The provided value is not of type 'HeadersInit'.");
    }
    #fill(init) {
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      }
      if (init instanceof Headers) {
        for (const [, v, n] of init.#list) this.append(n, v);
      } else if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          if (pair === null || (typeof pair !== "object" && typeof pair !== "function") || typeof pair[Symbol.iterator] !== "function") {
            throw new TypeError("Failed to construct 'Headers': The provided value cannot be converted to a sequence.");
          }
          const arr = Array.from(pair);
          if (arr.length !== 2) throw new TypeError("Failed to construct 'Headers': Invalid value");
          this.append(arr[0], arr[1]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          const desc = Reflect.getOwnPropertyDescriptor(init, key);
          if (!desc || !desc.enumerable) continue;
          if (typeof key === "symbol") throw new TypeError("Headers: record keys must be strings");
          this.append(key, init[key]);
        }
      }
    }
    #check(name) {
      if (this.#guard === "immutable") throw new TypeError("Headers are immutable");
      // Server-side runtime: responses may set cookies, so "response" guards filter nothing.
      return true;
    }
    append(name, value) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'append' on 'Headers'");
      name = W.toByteString(name);
      value = normalizeValue(value);
      validName(name);
      validValue(value);
      const lower = name.toLowerCase();
      if (!this.#check(lower)) return;
      // keep the first spelling of a name, as the header list does
      const existing = this.#list.find((e) => e[0] === lower);
      this.#list.push([lower, value, existing ? existing[2] : name]);
      this.#sorted = null;
    }
    delete(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'delete' on 'Headers'");
      name = W.toByteString(name);
      validName(name);
      const lower = name.toLowerCase();
      if (!this.#check(lower)) return;
      if (!this.#list.some((e) => e[0] === lower)) return;
      this.#list = this.#list.filter((e) => e[0] !== lower);
      this.#sorted = null;
    }
    get(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'get' on 'Headers'");
      name = W.toByteString(name);
      validName(name);
      const lower = name.toLowerCase();
      let out = null;
      for (const e of this.#list) {
        if (e[0] === lower) out = out === null ? e[1] : out + ", " + e[1];
      }
      return out;
    }
    getSetCookie() {
      return this.#list.filter((e) => e[0] === "set-cookie").map((e) => e[1]);
    }
    has(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'has' on 'Headers'");
      name = W.toByteString(name);
      validName(name);
      const lower = name.toLowerCase();
      return this.#list.some((e) => e[0] === lower);
    }
    set(name, value) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'set' on 'Headers'");
      name = W.toByteString(name);
      value = normalizeValue(value);
      validName(name);
      validValue(value);
      const lower = name.toLowerCase();
      if (!this.#check(lower)) return;
      const i = this.#list.findIndex((e) => e[0] === lower);
      if (i < 0) this.#list.push([lower, value, name]);
      else {
        this.#list[i][1] = value;
        this.#list = this.#list.filter((e, k) => k <= i || e[0] !== lower);
      }
      this.#sorted = null;
    }
    #sortedList() {
      // "sort and combine": names lowercased and sorted; set-cookie values stay separate
      if (this.#sorted) return this.#sorted;
      const names = [...new Set(this.#list.map((e) => e[0]))].sort();
      const out = [];
      for (const n of names) {
        if (n === "set-cookie") {
          for (const e of this.#list) if (e[0] === n) out.push([n, e[1]]);
        } else {
          out.push([n, this.get(n)]);
        }
      }
      this.#sorted = out;
      return out;
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'Function'.");
      const list = this.#sortedList();
      for (let i = 0; i < list.length; i++) callback.call(thisArg, list[i][1], list[i][0], this);
    }
    *entries() {
      const list = this.#sortedList();
      for (let i = 0; i < list.length; i++) yield [list[i][0], list[i][1]];
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    static {
      W.headersSetGuard = (h, g) => { h.#guard = g; };
      W.headersGuard = (h) => h.#guard;
      /** The raw header list: [[name as given, value]] in insertion order (for the wire). */
      W.headersRaw = (h) => h.#list.map((e) => [e[2], e[1]]);
      W.headersFromRaw = (pairs, guard) => {
        const h = new Headers();
        for (const [n, v] of pairs) {
          const lower = String(n).toLowerCase();
          h.#list.push([lower, String(v), String(n)]);
        }
        h.#guard = guard || "none";
        return h;
      };
      W.headersFill = (h, init) => h.#fill(init);
      W.headersAppendUnchecked = (h, name, value) => { h.#list.push([name.toLowerCase(), value, name]); h.#sorted = null; };
      W.isHeaders = (v) => v !== null && typeof v === "object" && #list in v;
    }
  }
  Headers.prototype[Symbol.iterator] = Headers.prototype.entries;
  Object.defineProperty(Headers.prototype, Symbol.iterator, { enumerable: false });
  Object.defineProperty(Headers.prototype, W.inspectSymbol, {
    value() { const o = {}; for (const [k, v] of this) o[k] = v; return o; },
  });
  W.tag(Headers);
  W.Headers = Headers;
  W.defineGlobal("Headers", Headers);
})();
