// console: browser-like formatting, sent to the host as
// post("log", JSON.stringify({level, message})), level in debug|info|warn|error.
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const host = W.host;
  const objToString = Object.prototype.toString;
  const DEFAULT_DEPTH = 2;
  const MAX_ARRAY = 100;
  const MAX_STRING = 10000;
  const BREAK = 72;

  const identRe = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  function quote(s) {
    let q = "'";
    if (s.includes("'")) q = !s.includes('"') ? '"' : !s.includes("`") ? "`" : "'";
    let out = "";
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      const code = s.charCodeAt(i);
      if (c === q || c === "\\") out += "\\" + c;
      else if (c === "\n") out += "\\n";
      else if (c === "\t") out += "\\t";
      else if (c === "\r") out += "\\r";
      else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
      else out += c;
    }
    return q + out + q;
  }
  function formatKey(k) {
    if (typeof k === "symbol") return "[" + k.toString() + "]";
    return identRe.test(k) ? k : quote(k);
  }
  function ctorName(v) {
    let proto = Object.getPrototypeOf(v);
    if (proto === null) return null;
    try {
      const c = proto.constructor;
      if (typeof c === "function" && c.name) return c.name;
    } catch (_) { /* ignore */ }
    return "Object";
  }
  function formatNumber(n) {
    return Object.is(n, -0) ? "-0" : String(n);
  }
  function formatPrimitive(v, top) {
    switch (typeof v) {
      case "string": {
        const s = v.length > MAX_STRING ? v.slice(0, MAX_STRING) + `... ${v.length - MAX_STRING} more characters` : v;
        return top ? s : quote(s);
      }
      case "number": return formatNumber(v);
      case "bigint": return v + "n";
      case "boolean": return String(v);
      case "undefined": return "undefined";
      case "symbol": return v.toString();
      default: return v === null ? "null" : undefined;
    }
  }
  function formatError(e) {
    let stack = "";
    try { stack = typeof e.stack === "string" ? e.stack : ""; } catch (_) { /* ignore */ }
    let head;
    try { head = `${e.name}: ${e.message}`; } catch (_) { head = objToString.call(e); }
    if (!stack) return "[" + head + "]";
    if (!stack.startsWith(String(e.name))) stack = head + "\n" + stack.split("\n").slice(1).join("\n");
    return stack;
  }
  function formatFunction(f) {
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(f));
    const name = f.name ? `: ${f.name}` : " (anonymous)";
    if (isClass) return `[class ${f.name || "(anonymous)"}]`;
    const kind = objToString.call(f).slice(8, -1); // Function, AsyncFunction, GeneratorFunction
    return `[${kind}${name}]`;
  }
  function reduceToSingleOrMulti(prefix, parts, indent, open, close) {
    if (parts.length === 0) return prefix + open + close;
    const totalLen = parts.reduce((a, p) => a + p.length + 2, prefix.length + indent.length);
    const single = totalLen <= BREAK && !parts.some((p) => p.includes("\n"));
    if (single) return `${prefix}${open} ${parts.join(", ")} ${close}`;
    const inner = indent + "  ";
    return `${prefix}${open}\n${inner}${parts.join(",\n" + inner)}\n${indent}${close}`;
  }

  function inspect(v, opts) {
    const depth = opts && opts.depth !== undefined ? (opts.depth === null ? Infinity : opts.depth) : DEFAULT_DEPTH;
    const seen = [];
    const circular = new Map();
    function fmt(v, level, indent) {
      const p = formatPrimitive(v, false);
      if (p !== undefined) return p;
      if (typeof v === "function" && Object.keys(v).length === 0) return formatFunction(v);
      if (seen.includes(v)) {
        if (!circular.has(v)) circular.set(v, circular.size + 1);
        return `[Circular *${circular.get(v)}]`;
      }
      const tag = objToString.call(v).slice(8, -1);
      let name;
      try { name = ctorName(v); } catch (_) { name = "Object"; }
      if (v instanceof Error || tag === "Error") return formatError(v).split("\n").join("\n" + indent);
      if (tag === "Date") {
        const t = Date.prototype.getTime.call(v);
        return Number.isNaN(t) ? "Invalid Date" : Date.prototype.toISOString.call(v);
      }
      if (tag === "RegExp") return RegExp.prototype.toString.call(v);
      if (tag === "Symbol") return `[Symbol: ${Symbol.prototype.toString.call(v)}]`;
      if (tag === "Number" || tag === "String" || tag === "Boolean" || tag === "BigInt") {
        return `[${tag}: ${formatPrimitive(v.valueOf(), false)}]`;
      }
      if (tag === "Promise") return "Promise { <unknown> }";
      if (tag === "WeakMap" || tag === "WeakSet") return `${tag} { <items unknown> }`;
      const parts = [];
      let prefix = "";
      let open = "{", close = "}";
      const isArr = Array.isArray(v);
      if (level > depth) {
        if (isArr) return "[Array]";
        return `[${name || "Object"}]`;
      }
      seen.push(v);
      const inner = indent + "  ";
      let skipKeys = null;
      try {
        if (isArr) {
          open = "["; close = "]";
          if (name !== "Array") prefix = `${name}(${v.length}) `;
          let holes = 0;
          const n = Math.min(v.length, MAX_ARRAY);
          for (let i = 0; i < n; i++) {
            if (!Object.prototype.hasOwnProperty.call(v, i)) { holes++; continue; }
            if (holes) { parts.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; }
            parts.push(fmt(v[i], level + 1, inner));
          }
          if (holes) parts.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
          if (v.length > MAX_ARRAY) parts.push(`... ${v.length - MAX_ARRAY} more items`);
          skipKeys = (k) => /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1;
        } else if (ArrayBuffer.isView(v) && tag !== "DataView") {
          open = "["; close = "]";
          prefix = `${tag}(${v.length}) `;
          const n = Math.min(v.length, MAX_ARRAY);
          for (let i = 0; i < n; i++) parts.push(formatPrimitive(v[i], false));
          if (v.length > MAX_ARRAY) parts.push(`... ${v.length - MAX_ARRAY} more items`);
          skipKeys = (k) => /^(0|[1-9][0-9]*)$/.test(k);
        } else if (tag === "ArrayBuffer" || tag === "SharedArrayBuffer") {
          prefix = `${tag} `;
          const bytes = new Uint8Array(v, 0, Math.min(v.byteLength, 50));
          const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
          parts.push(`[Uint8Contents]: <${hex}${v.byteLength > 50 ? ` ... ${v.byteLength - 50} more bytes` : ""}>`);
          parts.push(`byteLength: ${v.byteLength}`);
        } else if (tag === "Map") {
          prefix = `${name === "Map" ? "Map" : name}(${v.size}) `;
          for (const [k, val] of Map.prototype.entries.call(v)) {
            parts.push(`${fmt(k, level + 1, inner)} => ${fmt(val, level + 1, inner)}`);
          }
        } else if (tag === "Set") {
          prefix = `${name === "Set" ? "Set" : name}(${v.size}) `;
          for (const val of Set.prototype.values.call(v)) parts.push(fmt(val, level + 1, inner));
        } else if (typeof v === "function") {
          prefix = formatFunction(v) + " ";
        } else if (name === null) {
          prefix = "[Object: null prototype] ";
        } else if (name !== "Object") {
          prefix = name + " ";
        } else if (tag !== "Object" && tag !== "Arguments") {
          prefix = `Object [${tag}] `;
        } else if (tag === "Arguments") {
          prefix = "[Arguments] ";
          open = "["; close = "]";
        }
        // Platform objects with internal state expose it through a hook.
        if (typeof v[W.inspectSymbol] === "function") {
          const custom = v[W.inspectSymbol]();
          for (const k of Object.keys(custom)) parts.push(`${formatKey(k)}: ${fmt(custom[k], level + 1, inner)}`);
        }
        for (const k of Reflect.ownKeys(v)) {
          if (typeof k === "string" && skipKeys && skipKeys(k)) continue;
          const desc = Object.getOwnPropertyDescriptor(v, k);
          if (!desc || (!desc.enumerable)) continue;
          let valueStr;
          if (desc.get && desc.set) valueStr = "[Getter/Setter]";
          else if (desc.get) valueStr = "[Getter]";
          else if (desc.set) valueStr = "[Setter]";
          else valueStr = fmt(desc.value, level + 1, inner);
          parts.push(`${formatKey(k)}: ${valueStr}`);
        }
      } finally {
        seen.pop();
      }
      let out = reduceToSingleOrMulti(prefix, parts, indent, open, close);
      if (circular.has(v)) out = `<ref *${circular.get(v)}> ` + out;
      return out;
    }
    return fmt(v, 0, "");
  }
  W.inspectSymbol = Symbol("hoody.inspect");
  W.inspect = inspect;

  function toStr(v) {
    if (typeof v === "string") return v;
    if (typeof v === "object" && v !== null && !(v instanceof Error)) return inspect(v);
    return formatPrimitive(v, true) ?? inspect(v);
  }

  function format(args) {
    if (args.length === 0) return "";
    let first = args[0];
    let rest = 1;
    let out = "";
    if (typeof first === "string" && first.includes("%")) {
      let i = 0;
      while (i < first.length) {
        const c = first[i];
        if (c === "%" && i + 1 < first.length) {
          const d = first[i + 1];
          if (d === "%") { out += "%"; i += 2; continue; }
          if ("sdifoOjc".includes(d)) {
            if (rest >= args.length) { out += c + d; i += 2; continue; }
            const a = args[rest++];
            switch (d) {
              case "s":
                out += typeof a === "string" ? a : typeof a === "bigint" ? a + "n"
                  : typeof a === "symbol" ? a.toString()
                  : (typeof a === "object" && a !== null) ? inspect(a, { depth: 1 }) : formatPrimitive(a, true) ?? String(a);
                break;
              case "d": case "i": {
                if (typeof a === "bigint") { out += a + "n"; break; }
                if (typeof a === "symbol" || (typeof a === "object" && a !== null)) { out += "NaN"; break; }
                const n = Number(a);
                out += formatNumber(d === "i" ? Math.trunc(n) : n);
                break;
              }
              case "f": out += typeof a === "symbol" ? "NaN" : formatNumber(parseFloat(a)); break;
              case "o": out += inspect(a, { depth: 4 }); break;
              case "O": out += inspect(a); break;
              case "j": try { out += JSON.stringify(a); } catch (_) { out += "[Circular]"; } break;
              case "c": break; // CSS is ignored
            }
            i += 2;
            continue;
          }
        }
        out += c;
        i++;
      }
    } else {
      out = toStr(first);
    }
    for (; rest < args.length; rest++) out += " " + toStr(args[rest]);
    return out;
  }
  W.format = format;

  let groupIndent = "";
  function emit(level, message) {
    if (groupIndent) message = groupIndent + message.split("\n").join("\n" + groupIndent);
    try {
      host.post("log", JSON.stringify({ level, message }));
    } catch (_) { /* the host is gone; drop */ }
  }
  W.emitLog = emit;
  W.reportError = function (e) { emit("error", "Uncaught " + (e instanceof Error ? formatError(e) : inspect(e))); };

  const counts = new Map();
  const timers = new Map();
  const console = {};
  const methods = {
    log(...a) { emit("info", format(a)); },
    info(...a) { emit("info", format(a)); },
    debug(...a) { emit("debug", format(a)); },
    warn(...a) { emit("warn", format(a)); },
    error(...a) { emit("error", format(a)); },
    trace(...a) {
      const stack = (new Error().stack || "").split("\n").slice(2).join("\n");
      emit("debug", "Trace" + (a.length ? ": " + format(a) : "") + (stack ? "\n" + stack : ""));
    },
    dir(obj, options) { emit("info", inspect(obj, options)); },
    dirxml(...a) { emit("info", format(a)); },
    table(data, ...rest) { emit("info", format([data, ...rest])); },
    assert(condition, ...a) {
      if (condition) return;
      if (typeof a[0] === "string") a[0] = "Assertion failed: " + a[0];
      else a.unshift("Assertion failed");
      emit("error", format(a));
    },
    count(label = "default") {
      label = String(label);
      const n = (counts.get(label) || 0) + 1;
      counts.set(label, n);
      emit("info", `${label}: ${n}`);
    },
    countReset(label = "default") {
      label = String(label);
      if (!counts.has(label)) emit("warn", `Count for '${label}' does not exist`);
      counts.set(label, 0);
    },
    group(...a) { if (a.length) emit("info", format(a)); groupIndent += "  "; },
    groupCollapsed(...a) { if (a.length) emit("info", format(a)); groupIndent += "  "; },
    groupEnd() { groupIndent = groupIndent.slice(0, -2); },
    time(label = "default") {
      label = String(label);
      if (timers.has(label)) { emit("warn", `Timer '${label}' already exists`); return; }
      timers.set(label, W.now());
    },
    timeLog(label = "default", ...a) {
      label = String(label);
      if (!timers.has(label)) { emit("warn", `Timer '${label}' does not exist`); return; }
      const ms = W.now() - timers.get(label);
      emit("info", `${label}: ${ms}ms` + (a.length ? " " + format(a) : ""));
    },
    timeEnd(label = "default") {
      label = String(label);
      if (!timers.has(label)) { emit("warn", `Timer '${label}' does not exist`); return; }
      const ms = W.now() - timers.get(label);
      timers.delete(label);
      emit("info", `${label}: ${ms}ms`);
    },
    clear() {},
  };
  W.defineMethods(console, methods);
  Object.defineProperty(console, Symbol.toStringTag, { value: "console", configurable: true });
  W.defineGlobal("console", console);
})();
