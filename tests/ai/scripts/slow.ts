// @ai true
// @ai-model test/slow
return streamText({ model, prompt: "slow" }).toTextStreamResponse();
