// @ai true
// The gateway's error reaches the script as the SDK's error when caught, and the
// caller as JSON naming the gateway's status when not.
const target = openai(String(query.model));
if (query.catch === "1") {
  try {
    await generateText({ model: target, prompt: "x", maxRetries: 0 });
  } catch (error) {
    return {
      name: error.name,
      isAPICallError: ai.APICallError.isInstance(error),
      status: error.statusCode,
      retryAfter: error.responseHeaders?.["retry-after"] ?? null,
    };
  }
}
await generateText({ model: target, prompt: "x", maxRetries: 0 });
