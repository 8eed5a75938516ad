// @ai true
const schema = jsonSchema<{ name: string; age: number }>({
  type: "object",
  properties: { name: { type: "string" }, age: { type: "number" } },
  required: ["name", "age"],
});
if (query.stream === "1") {
  const result = streamObject({ model: openai("test/json"), schema, prompt: "a person" });
  const partials = [];
  for await (const partial of result.partialObjectStream) partials.push(partial);
  return { object: await result.object, partials: partials.length };
}
const result = await generateObject({ model: openai("test/json"), schema, prompt: "a person" });
return { object: result.object };
