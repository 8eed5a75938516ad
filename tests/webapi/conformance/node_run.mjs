// Runs one conformance family in node (the reference: what node passes, we pass).
// usage: node node_run.mjs <family.js>  -> JSON [[name, passed, message]]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// a case that leaves a rejection unobserved must not end the run
process.on("unhandledRejection", () => {});
process.on("uncaughtException", () => {}); // node reports listener errors this way
const here = dirname(fileURLToPath(import.meta.url));
const code = readFileSync(join(here, "harness.js"), "utf8") + "\n" + readFileSync(process.argv[2], "utf8") + "\nreturn await run();";
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const results = await new AsyncFunction(code)();
process.stdout.write(JSON.stringify(results));
