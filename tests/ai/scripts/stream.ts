// @ai true
// @ai-model test/echo
// The text as it arrives, as plain text chunks.
return streamText({ model, prompt: body.prompt }).toTextStreamResponse();
