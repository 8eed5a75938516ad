// @timeout 1000
// Past 1 s the client gets a 504 explaining the limit and how to raise it.
const ms = Number(query.ms ?? 2000);
await new Promise((resolve) => setTimeout(resolve, ms));
return { slept: ms };
