// @ai true
// @ai-model test/echo
const r = await generateText({ model, prompt: body.prompt });
return { text: r.text, usage: r.usage };
