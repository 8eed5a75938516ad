// @ai true
// @ai-model test/hang
// The gateway never answers: the call's own timeout ends it.
const options = { model, prompt: "x", maxRetries: 0, timeout: 500 };
if (query.catch === "1") {
  try {
    await generateText(options);
  } catch (error) {
    return { name: error.name };
  }
}
await generateText(options);
