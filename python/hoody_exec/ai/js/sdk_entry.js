// The AI SDK as one program: written into the tools folder next to the installed
// packages and bundled from there (hoody_exec/ai/sdk.py). Every `@ai` isolate
// evaluates the result once, before the script; js/helpers.js builds the
// injected names from it, and scripts that import "ai" themselves get these
// same modules (see the bundler's provided packages).
import * as ai from "ai";
import * as openaiCompatible from "@ai-sdk/openai-compatible";

export default { modules: { ai, "@ai-sdk/openai-compatible": openaiCompatible } };
