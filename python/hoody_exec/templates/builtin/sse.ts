// Server-Sent Events: streams {{count}} "tick" events, one every {{interval_ms}} ms (?count= overrides, up to 1000).
// Returning an async generator makes the answer an event stream; each yielded value is one event.
const wanted = Number.parseInt(typeof query.count === "string" ? query.count : "", 10);
const count = Number.isFinite(wanted) && wanted > 0 ? Math.min(wanted, 1000) : {{count}};

async function* ticks() {
  for (let n = 1; n <= count; n++) {
    yield { event: "tick", n, of: count, at: new Date().toISOString() };
    if (n < count) await new Promise((resolve) => setTimeout(resolve, {{interval_ms}}));
  }
  yield "done";
}

return ticks();
