// @mode worker
// Script-to-script composition: a worker script fetching another script.
const res = await fetch(new URL("/worker", request.url));
return { via: "compose", inner: await res.json() };
