// @concurrent false
// Webhook receiver: verifies the HMAC-SHA256 signature of the raw body.
// The sender signs the body with the shared secret and sends "{{header}}: sha256=<hex>".
// Deliveries are handled one at a time, in arrival order (the concurrency cap of one).
// Allow the secret's variable when serving: hoody-exec serve --env {{secret_env}}
if (request.method !== "POST") {
  return Response.json({ error: "POST only" }, { status: 405, headers: { allow: "POST" } });
}
const secret = env.{{secret_env}};
if (!secret) {
  return Response.json({ error: "the secret {{secret_env}} is not set" }, { status: 500 });
}
const raw = new Uint8Array(await request.arrayBuffer());
const signature = (headers["{{header}}"] ?? "").trim();
const hex = signature.startsWith("sha256=") ? signature.slice(7) : "";
if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
  return Response.json({ error: "missing or malformed {{header}}" }, { status: 401 });
}
const expected = new Uint8Array(hex.match(/../g)!.map((byte) => parseInt(byte, 16)));
const key = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(secret),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["verify"],
);
// verify compares in constant time.
if (!(await crypto.subtle.verify("HMAC", key, expected, raw))) {
  return Response.json({ error: "invalid signature" }, { status: 401 });
}
const text = new TextDecoder().decode(raw);
let event: unknown = text;
try {
  event = JSON.parse(text);
} catch {
  // Not JSON: keep the text.
}
log.info("webhook received", { bytes: raw.length });
return { received: true, bytes: raw.length, event };
