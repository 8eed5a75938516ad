// The conformance harness: `test(name, fn)` registers a case (fn may be async and
// passes unless it throws); `run()` runs them in order and returns
// [[name, passed, message]]. The same file runs in our isolates and in node.
const __cases = [];
function test(name, fn) { __cases.push([name, fn]); }
function show(v) { try { return typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? v + "n" : JSON.stringify(v) ?? String(v); } catch { return String(v); } }
function assertEq(actual, expected, what = "") {
  if (!Object.is(actual, expected)) throw new Error(`${what} expected ${show(expected)}, got ${show(actual)}`);
}
function assertSame(actual, expected, what = "") {
  const a = show(actual), e = show(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function assertTrue(v, what = "") { if (v !== true) throw new Error(`${what} expected true, got ${show(v)}`); }
function errorName(e) { return e && typeof e === "object" ? e.name : typeof e; }
function assertThrows(name, fn, what = "") {
  try { fn(); } catch (e) { if (name !== undefined && errorName(e) !== name) throw new Error(`${what} expected ${name}, got ${errorName(e)}: ${e && e.message}`); return e; }
  throw new Error(`${what} expected ${name} to be thrown, nothing was`);
}
async function assertRejects(name, promise, what = "") {
  try { await (typeof promise === "function" ? promise() : promise); } catch (e) {
    if (name !== undefined && errorName(e) !== name) throw new Error(`${what} expected rejection with ${name}, got ${errorName(e)}: ${e && e.message}`);
    return e;
  }
  throw new Error(`${what} expected a rejection with ${name}, it resolved`);
}
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const bytes = (u8) => Array.from(u8);
async function readAll(stream) {
  const reader = stream.getReader(), out = [];
  for (;;) { const { value, done } = await reader.read(); if (done) return out; out.push(value); }
}
async function run() {
  const results = [];
  for (const [name, fn] of __cases) {
    try {
      await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error("timed out after 2 s")), 2000))]);
      results.push([name, true, ""]);
    } catch (e) {
      results.push([name, false, String(e && e.message || e)]);
    }
  }
  return results;
}
