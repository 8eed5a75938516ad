// @ai true
// @ai-model test/tools
const weather = tool({
  description: "The weather in a city",
  inputSchema: jsonSchema<{ city: string }>({
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  }),
  execute: async ({ city }) => `sunny in ${city}`,
});
const streaming = query.stream === "1";
const options = { model, prompt: "What is the weather in Paris?", tools: { weather }, stopWhen: ai.stepCountIs(3) };
if (streaming) {
  const result = streamText(options);
  return { text: await result.text, steps: (await result.steps).length };
}
const result = await generateText(options);
return {
  text: result.text,
  steps: result.steps.length,
  calls: result.steps.flatMap((s) => s.toolCalls.map((c) => ({ name: c.toolName, input: c.input }))),
};
