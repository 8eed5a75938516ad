// @mode worker
// JSON CRUD for {{resource}}, kept in the worker's shared state.
// GET lists (or ?id= reads one), POST creates, PUT ?id= replaces, PATCH ?id= merges, DELETE ?id= removes.
// The data lives in memory: it survives between requests, not a restart, and each worker process has its own.
type Item = { id: string; [key: string]: unknown };
const store: { items: Record<string, Item>; next: number } = (shared.{{resource}} ??= {
  items: {},
  next: 1,
});
const limit = {{max_items}};
const id = typeof query.id === "string" ? query.id : undefined;
const method = request.method;

const problem = (status: number, message: string) =>
  Response.json({ error: message }, { status });
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

if (method === "GET") {
  if (id === undefined) {
    const items = Object.values(store.items);
    return { items, count: items.length };
  }
  return store.items[id] ?? problem(404, `no item ${id}`);
}
if (method === "POST") {
  if (!isObject(body)) return problem(400, "send a JSON object");
  if (Object.keys(store.items).length >= limit) return problem(507, `at most ${limit} items`);
  const item: Item = { ...body, id: String(store.next++) };
  store.items[item.id] = item;
  return Response.json(item, { status: 201, headers: { location: `${req.path}?id=${item.id}` } });
}
if (id === undefined) return problem(400, "?id= is required");
const current = store.items[id];
if (current === undefined) return problem(404, `no item ${id}`);
if (method === "PUT" || method === "PATCH") {
  if (!isObject(body)) return problem(400, "send a JSON object");
  const item: Item = method === "PUT" ? { ...body, id } : { ...current, ...body, id };
  store.items[id] = item;
  return item;
}
if (method === "DELETE") {
  delete store.items[id];
  return new Response(null, { status: 204 });
}
return problem(405, `${method} is not supported`);
