// Bun's WebSocket server for benches/ws_load.py: echo, and "broadcast" publishes
// one message to every connected client (Bun's topic pub/sub).
const port = Number(process.env.PORT);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(request, server) {
    if (server.upgrade(request)) return undefined;
    return new Response("ok");
  },
  websocket: {
    open(ws) {
      ws.subscribe("all");
    },
    message(ws, message) {
      if (message === "broadcast") server.publish("all", "b");
      else ws.send(message);
    },
  },
});
console.log(`listening on ${server.port}`);
