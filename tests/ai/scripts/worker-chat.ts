// @mode worker
// @ai true
// @ai-model test/echo
shared.calls = (shared.calls ?? 0) + 1;
const r = await generateText({ model, prompt: String(query.q) });
return { text: r.text, calls: shared.calls };
