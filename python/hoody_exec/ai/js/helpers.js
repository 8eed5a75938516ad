// hoody-exec `@ai` helpers: the injected names, built from the pre-bundled SDK.
//
// Evaluated in `@ai` isolates after the prelude, the dispatch glue and the SDK
// bundle (`globalThis.__hoody_ai_sdk`, see sdk_entry.js). The call payload names
// the gateway's base URL and the script's model (runtime/protocol.py `AiSettings`);
// dispatch.js adds `__hoody.ai.context(settings)` to the script's context.
//
// NOTE: the provider is created without an API key: the isolate never holds one.
// The host adds `Authorization` to requests for the gateway's URLs (webapi/gateway.py).
(function () {
  "use strict";
  const hoody = globalThis.__hoody;
  const sdk = globalThis.__hoody_ai_sdk && globalThis.__hoody_ai_sdk.default;
  if (!sdk) throw new Error("the AI SDK bundle was not evaluated before its helpers");
  const ai = sdk.modules.ai;
  const { createOpenAICompatible } = sdk.modules["@ai-sdk/openai-compatible"];

  const providers = new Map();
  function provider(baseURL) {
    let found = providers.get(baseURL);
    if (found === undefined) {
      found = createOpenAICompatible({
        name: "gateway",
        baseURL,
        // Streams end with a usage event: the host counts tokens from it.
        includeUsage: true,
        // JSON-schema response formats: what generateObject needs from OpenAI,
        // OpenRouter, LiteLLM, vLLM and Ollama alike.
        supportsStructuredOutputs: true,
      });
      // Not a secret: where a hand-written proxy (the ai-proxy template) forwards to.
      Object.defineProperty(found, "baseURL", { value: baseURL, enumerable: true });
      providers.set(baseURL, found);
    }
    return found;
  }

  const contexts = new Map();
  function context(settings) {
    const key = settings.base_url + "\n" + settings.model;
    let found = contexts.get(key);
    if (found === undefined) {
      const openai = provider(settings.base_url);
      found = Object.freeze({
        ai,
        openai,
        model: openai(settings.model),
        generateText: ai.generateText,
        streamText: ai.streamText,
        generateObject: ai.generateObject,
        streamObject: ai.streamObject,
        tool: ai.tool,
        embed: ai.embed,
        jsonSchema: ai.jsonSchema,
      });
      contexts.set(key, found);
    }
    return found;
  }

  // ------------------------------------------------------------------ errors
  // An SDK error nobody caught becomes an answer that names the gateway's status,
  // instead of a bare 500: the caller can tell a bad key from a rate limit.
  function apiCallError(error) {
    let current = error;
    for (let depth = 0; current && depth < 4; depth++) {
      if (ai.APICallError && ai.APICallError.isInstance(current)) return current;
      if (ai.RetryError && ai.RetryError.isInstance(current)) current = current.lastError;
      else current = current.cause;
    }
    return null;
  }
  function header(headers, name) {
    if (!headers) return null;
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return String(headers[key]);
    return null;
  }
  function timedOut(error) {
    let current = error;
    for (let depth = 0; current && depth < 4; depth++) {
      if (current.name === "TimeoutError") return true;
      current = current.cause || current.reason;
    }
    return false;
  }
  function json(status, body, headers = []) {
    return {
      status, headers: [["content-type", "application/json"], ...headers],
      body: JSON.stringify(body), body_base64: false,
    };
  }
  function failure(error, script) {
    const call = apiCallError(error);
    if (call === null) {
      if (!timedOut(error)) return null;
      return json(504, {
        error: "ai_gateway_timeout",
        message: "the AI gateway did not answer within the call's timeout (the timeout or abortSignal option)",
        gateway_status: null,
        retryable: true,
        script,
      });
    }
    const status = typeof call.statusCode === "number" ? call.statusCode : null;
    const retryAfter = header(call.responseHeaders, "retry-after");
    const late = status === null && /timed out/i.test(String(call.message));
    const answer = status === 429 ? 429 : late ? 504 : 502;
    const body = {
      error: "ai_gateway_error",
      message: status === null
        ? "the AI gateway could not be reached: " + call.message
        : "the AI gateway answered " + status + ": " + call.message,
      gateway_status: status,
      retryable: Boolean(call.isRetryable),
      script,
    };
    if (retryAfter !== null) body.retry_after = retryAfter;
    if (error !== call && error && error.name) body.sdk_error = error.name;
    return json(answer, body, retryAfter === null ? [] : [["retry-after", retryAfter]]);
  }

  hoody.ai = Object.freeze({ context, failure, modules: sdk.modules });
  // What `import { generateText } from "ai"` gets (the bundler's provided packages):
  // the same modules as the injected names.
  Object.defineProperty(globalThis, "__hoody_provided", {
    value(name) {
      if (!Object.prototype.hasOwnProperty.call(sdk.modules, name)) {
        throw new Error("the runtime does not provide the package " + JSON.stringify(name));
      }
      return sdk.modules[name];
    },
  });
})();
