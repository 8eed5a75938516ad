// @ai true
// @ai-model {{model}}
// AI chat: POST {"prompt": "Hi"} or {"messages": [{"role": "user", "content": "Hi"}]}; ?stream=1 streams the answer as text.
// The AI helpers (generateText, streamText, model) are injected by @ai; the server's gateway
// holds the key (hoody-exec serve --ai-base-url …, docs/ai.md): none in the script.
type ChatMessage = { role: "user" | "assistant"; content: string };
if (request.method !== "POST") {
  return Response.json({ error: "POST a prompt or messages" }, { status: 405, headers: { allow: "POST" } });
}
const input = (typeof body === "object" && body !== null ? body : {}) as {
  prompt?: unknown;
  messages?: unknown;
};
let messages: ChatMessage[] = [];
if (Array.isArray(input.messages)) {
  messages = input.messages
    .filter((m: any) => (m?.role === "user" || m?.role === "assistant") && typeof m?.content === "string")
    .map((m: any) => ({ role: m.role, content: String(m.content).slice(0, {{max_chars}}) }));
} else if (typeof input.prompt === "string") {
  messages = [{ role: "user", content: input.prompt.slice(0, {{max_chars}}) }];
}
if (messages.length === 0) {
  return Response.json({ error: "send a prompt (string) or messages (role + content)" }, { status: 400 });
}
const system = "{{system_prompt}}";
if (query.stream === "1") {
  return streamText({ model, system, messages }).toTextStreamResponse();
}
const result = await generateText({ model, system, messages });
return { text: result.text, usage: result.usage ?? null };
