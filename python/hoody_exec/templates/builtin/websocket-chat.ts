// @mode worker
// @websocket
// WebSocket chat rooms: connect to /{{route}}?room=lobby&name=ann; each message is broadcast to the room.
// A plain GET (no upgrade) answers the room's last {{history}} messages.
type Message = { room: string; from: string; text: string; at: string };
const rooms: Record<string, Message[]> = (shared.chatRooms ??= {});
const clean = (value: unknown, fallback: string) =>
  typeof value === "string" && value.trim() ? value.trim().slice(0, 64) : fallback;
const room = clean(query.room, "lobby");
const remember = (message: Message) => {
  const kept = (rooms[message.room] ??= []);
  kept.push(message);
  if (kept.length > {{history}}) kept.splice(0, kept.length - {{history}});
};

// NOTE: the handlers are set by every run of the script (an upgrade runs it too).
if (typeof ws !== "undefined") {
  ws.open = (socket, upgrade) => {
    const asked = new URL(upgrade.url).searchParams;
    socket.data.room = clean(asked.get("room"), "lobby");
    socket.data.name = clean(asked.get("name"), "anonymous");
    socket.join(socket.data.room);
    socket.send(JSON.stringify({ type: "history", messages: rooms[socket.data.room] ?? [] }));
    ws.broadcast(JSON.stringify({ type: "joined", room: socket.data.room, name: socket.data.name }), socket.data.room);
  };
  ws.message = (socket, data) => {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    const message: Message = {
      room: socket.data.room,
      from: socket.data.name,
      text: text.slice(0, {{max_length}}),
      at: new Date().toISOString(),
    };
    remember(message);
    ws.broadcast(JSON.stringify({ type: "message", ...message }), message.room);
  };
  ws.close = (socket) => {
    ws.broadcast(JSON.stringify({ type: "left", room: socket.data.room, name: socket.data.name }), socket.data.room);
  };
}

return { room, messages: rooms[room] ?? [] };
