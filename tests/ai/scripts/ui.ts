// @ai true
// @ai-model test/echo
// The UI message stream (what the AI SDK's useChat reads).
return streamText({ model, prompt: body.prompt }).toUIMessageStreamResponse();
