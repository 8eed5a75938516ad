// @ai true
// The script's own import of "ai" is the pre-bundled copy the injected names are.
import * as sdk from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
const r = await sdk.generateText({ model, prompt: "imported" });
return {
  same: sdk.generateText === generateText && sdk === ai,
  text: r.text,
  provider: typeof createOpenAICompatible,
};
