// The load generator of benches/ws_load.py (run by Bun, pinned to its own CPU):
// prints one JSON line with the three figures for the server at URL.
//   echo: round trips on one connection, one at a time (p50, p99 in ms)
//   throughput: 100 connections each echoing in a closed loop for SECONDS
//   broadcast: 1000 connections; one asks for a broadcast; ms until the last has it
const url = process.env.URL;
const seconds = Number(process.env.SECONDS || "5");
const fanout = Number(process.env.FANOUT || "1000");

function open(target) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error("could not connect to " + target));
  });
}
function next(ws) {
  return new Promise((resolve) => { ws.onmessage = (event) => resolve(event.data); });
}
function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function echo() {
  const ws = await open(url);
  const times = [];
  for (let i = 0; i < 3200; i++) {
    const started = performance.now();
    const reply = next(ws);
    ws.send("x" + i);
    await reply;
    if (i >= 200) times.push(performance.now() - started);
  }
  ws.close();
  times.sort((a, b) => a - b);
  return { p50_ms: quantile(times, 0.5), p99_ms: quantile(times, 0.99), samples: times.length };
}

async function throughput() {
  const sockets = [];
  for (let i = 0; i < 100; i++) sockets.push(await open(url));
  let counting = false;
  let count = 0;
  let stop = false;
  for (const ws of sockets) {
    ws.onmessage = () => {
      if (counting) count++;
      if (!stop) ws.send("m");
    };
    ws.send("m");
  }
  await Bun.sleep(1000); // warm up
  counting = true;
  const started = performance.now();
  await Bun.sleep(seconds * 1000);
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Bun.sleep(200);
  for (const ws of sockets) ws.close();
  return { messages_per_s: count / elapsed, connections: sockets.length };
}

async function broadcast() {
  const sockets = [];
  for (let i = 0; i < fanout; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(fanout, i + 100); j++) batch.push(open(url));
    sockets.push(...(await Promise.all(batch)));
  }
  const runs = [];
  for (let round = 0; round < 11; round++) {
    let left = sockets.length;
    const done = new Promise((resolve) => {
      for (const ws of sockets) ws.onmessage = () => { if (--left === 0) resolve(); };
    });
    const started = performance.now();
    sockets[round % sockets.length].send("broadcast");
    await done;
    if (round > 0) runs.push(performance.now() - started);
    await Bun.sleep(100);
  }
  for (const ws of sockets) ws.close();
  runs.sort((a, b) => a - b);
  return { last_received_ms: quantile(runs, 0.5), clients: sockets.length, rounds: runs.length };
}

const figures = { echo: await echo(), throughput: await throughput(), broadcast: await broadcast() };
console.log(JSON.stringify(figures));
process.exit(0);
