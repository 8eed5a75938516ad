// The Bun and Deno rows of benches/http_load.py: a hello-JSON server on PORT,
// answering in the main thread (MODE=plain) or from a new Worker per request
// (MODE=worker: what "a fresh isolate per request" costs in these runtimes).
const env = globalThis.Deno ? Deno.env.toObject() : process.env;
const port = Number(env.PORT);
const mode = env.MODE;
const workerUrl = new URL("./worker.mjs", import.meta.url).href;
const hello = { message: "Hello from Hoody Exec!" };

function fromWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { type: "module" });
    worker.onmessage = (event) => {
      worker.terminate();
      resolve(Response.json(event.data));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(String(event.message)));
    };
  });
}

function handle() {
  return mode === "worker" ? fromWorker() : Response.json(hello);
}

if (globalThis.Deno) {
  Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, handle);
} else {
  Bun.serve({ port, hostname: "127.0.0.1", fetch: handle });
}
