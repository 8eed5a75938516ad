// HTML timers and microtask ordering.
test("timers run in order of their deadlines, equal ones in creation order", async () => {
  const log = []; setTimeout(() => log.push("b"), 5); setTimeout(() => log.push("a1"), 0); setTimeout(() => log.push("a2"), 0);
  await tick(20); assertSame(log, ["a1", "a2", "b"]);
});
test("microtasks queued in a timer run before the next timer", async () => {
  const log = [];
  setTimeout(() => { log.push("t1"); queueMicrotask(() => log.push("m1")); Promise.resolve().then(() => log.push("p1")); }, 0);
  setTimeout(() => log.push("t2"), 0);
  await tick(10); assertSame(log, ["t1", "m1", "p1", "t2"]);
});
test("a timer never runs before the current microtasks", async () => {
  const log = []; setTimeout(() => log.push("timer"), 0); queueMicrotask(() => log.push("micro"));
  await tick(5); assertSame(log, ["micro", "timer"]);
});
test("clearTimeout cancels, also from another timer", async () => {
  const log = []; const id = setTimeout(() => log.push("no"), 2); setTimeout(() => clearTimeout(id), 0);
  const id2 = setTimeout(() => log.push("no2"), 0); clearTimeout(id2);
  await tick(10); assertSame(log, []);
});
test("setInterval repeats until cleared", async () => {
  let n = 0; await new Promise((done) => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); done(); } }, 1); });
  await tick(5); assertEq(n, 3);
});
test("extra arguments are passed to the callback", async () => {
  const got = await new Promise((r) => setTimeout((a, b) => r([a, b]), 0, "x", 2)); assertSame(got, ["x", 2]);
});
test("timer ids are positive integers, distinct", () => {
  const a = setTimeout(() => {}), b = setTimeout(() => {}); clearTimeout(a); clearTimeout(b);
  assertTrue(Number.isInteger(Number(a)) && Number(a) > 0 && a !== b);
});
test("clearTimeout of unknown ids is a no-op", () => { clearTimeout(123456); clearTimeout(undefined); clearInterval("x"); });
test("queueMicrotask runs in FIFO order", async () => {
  const log = []; queueMicrotask(() => log.push(1)); queueMicrotask(() => log.push(2)); await null; await null; assertSame(log, [1, 2]);
});
test("queueMicrotask requires a function", () => { assertThrows("TypeError", () => queueMicrotask("x")); });
test("a delay waits at least that long", async () => {
  const t0 = Date.now(); await tick(20); assertTrue(Date.now() - t0 >= 19);
});
test("performance.now is monotonic and relative to timeOrigin", () => {
  const a = performance.now(), b = performance.now(); assertTrue(b >= a && a >= 0);
  assertTrue(Math.abs(performance.timeOrigin + b - Date.now()) < 1000);
});
