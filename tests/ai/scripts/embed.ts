// @ai true
const result = await embed({ model: openai.embeddingModel("test/embedding"), value: "hello" });
return { embedding: result.embedding, tokens: result.usage.tokens };
