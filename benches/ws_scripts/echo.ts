// @mode worker
// @websocket
// benches/ws_load.py: echo, and "broadcast" sends one message to every socket.
ws.message = (socket, message) => {
  if (message === "broadcast") ws.broadcast("b");
  else socket.send(message);
};
