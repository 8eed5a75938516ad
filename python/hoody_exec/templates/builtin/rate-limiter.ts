// @mode worker
// Rate-limited endpoint: at most {{limit}} requests per {{window_seconds}} s per client IP, then 429.
// Counts live in the worker's shared state (per worker process); replace the answer at the end with your own work.
const limit = {{limit}};
const windowMs = {{window_seconds}} * 1000;
const now = Date.now();
const hits: Map<string, number[]> = (shared.rateLimiterHits ??= new Map());
const client = req.ip || "unknown";
// A sliding window: keep the times of the requests still inside it.
const recent = (hits.get(client) ?? []).filter((at) => now - at < windowMs);
if (recent.length >= limit) {
  const retryAfter = Math.max(1, Math.ceil((recent[0] + windowMs - now) / 1000));
  hits.set(client, recent);
  return Response.json(
    { error: "rate_limited", limit, window_seconds: {{window_seconds}}, retry_after: retryAfter },
    {
      status: 429,
      headers: {
        "retry-after": String(retryAfter),
        "x-ratelimit-limit": String(limit),
        "x-ratelimit-remaining": "0",
      },
    },
  );
}
recent.push(now);
hits.set(client, recent);
// Forget idle clients now and then so the map stays small.
if (hits.size > 10000) {
  for (const [key, times] of hits) {
    if (times.every((at) => now - at >= windowMs)) hits.delete(key);
  }
}
return Response.json(
  { ok: true, remaining: limit - recent.length },
  {
    headers: {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(limit - recent.length),
    },
  },
);
