// @ai true
// No @ai-model: the server's --ai-model (test/echo in these tests).
const result = await generateText({ model, prompt: "default" });
return { text: result.text, model: result.response.modelId };
