// @mode worker
// @ai true
// AI interception: an OpenAI-compatible chat completions endpoint that checks, rewrites, blocks
// and counts requests before forwarding them to the server's AI gateway (streaming or not).
// The gateway's key is added by the host on the way out: this script never holds it.
// GET answers the counts kept in `shared` (worker mode: they persist across requests).
type Message = { role: string; content?: unknown };
type Counts = { requests: number; forwarded: number; blocked: number; streamed: number; models: Record<string, number> };
const ALLOWED = "{{allowed_models}}" === "*" ? null : new Set("{{allowed_models}}".split(","));
const BLOCKED = "{{blocked_phrases}}".split(",");
const MAX_TOKENS = {{max_tokens}};
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const counts: Counts = (shared.counts ??= { requests: 0, forwarded: 0, blocked: 0, streamed: 0, models: {} });
// OpenAI's error shape, so clients' SDKs show the message.
const refuse = (status: number, message: string, type: string) =>
  Response.json({ error: { message, type, code: type } }, { status });

if (request.method === "GET") return counts;
if (request.method !== "POST") {
  return Response.json({ error: { message: "POST a chat completion request" } }, { status: 405, headers: { allow: "GET, POST" } });
}
const input = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : null) as
  | ({ model?: unknown; messages?: unknown; stream?: unknown; max_tokens?: unknown } & Record<string, unknown>)
  | null;
if (input === null || typeof input.model !== "string" || !Array.isArray(input.messages)) {
  return refuse(400, "send JSON with model (string) and messages (array)", "invalid_request_error");
}
counts.requests += 1;
const model = input.model;
if (ALLOWED !== null && !ALLOWED.has(model)) {
  counts.blocked += 1;
  return refuse(403, `model ${model} is not allowed here; allowed: ${[...ALLOWED].join(", ")}`, "model_not_allowed");
}
const text = (m: Message) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""));
const messages = input.messages as Message[];
const phrase = BLOCKED.find((p) => messages.some((m) => text(m).toLowerCase().includes(p)));
if (phrase !== undefined) {
  counts.blocked += 1;
  log.warn("blocked a chat completion", { model, phrase });
  return refuse(403, `the request contains a blocked phrase: "${phrase}"`, "content_blocked");
}

// Rewrite: e-mail addresses never leave; the answer's length is capped.
const rewritten = {
  ...input,
  messages: messages.map((m) => (typeof m.content === "string" ? { ...m, content: m.content.replace(EMAIL, "[email]") } : m)),
  max_tokens: Math.min(typeof input.max_tokens === "number" ? input.max_tokens : MAX_TOKENS, MAX_TOKENS),
};
counts.models[model] = (counts.models[model] ?? 0) + 1;
counts.forwarded += 1;
if (input.stream === true) counts.streamed += 1;
const upstream = await fetch(`${openai.baseURL}/chat/completions`, {
  method: "POST",
  headers: { "content-type": "application/json", accept: request.headers.get("accept") ?? "application/json" },
  body: JSON.stringify(rewritten),
});
// The gateway's answer as it arrives: a stream stays a stream, and a client that
// leaves cancels the upstream request.
return new Response(upstream.body, {
  status: upstream.status,
  headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
});
