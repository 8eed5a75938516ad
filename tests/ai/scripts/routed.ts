// @ai true
// @ai-model test/json
// `model` is @ai-model; `openai(id)` reaches any other model of the gateway.
const a = await generateText({ model, prompt: "x" });
const b = await generateText({ model: openai("test/echo"), prompt: "other" });
return { model: a.text, other: b.text };
