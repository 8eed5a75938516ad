"""hoody.d.ts declares the `@ai` names with the SDK's own types: validate/typescript
checks AI code (the TypeScript compiler comes from the npm registry once)."""

from __future__ import annotations

import httpx
import pytest

from ai.conftest import ADMIN_TOKEN
from integration.conftest import Server

GOOD = """// @ai true
const r = await generateText({ model, prompt: "hi" });
const o = await generateObject({
  model: openai("x/y"),
  schema: jsonSchema<{ a: number }>({ type: "object" }),
  prompt: "p",
});
const n: number = o.object.a;
const url: string = openai.baseURL;
const e = await embed({ model: openai.embeddingModel("e"), value: "v" });
import { generateText as imported } from "ai";
const same: typeof generateText = imported;
const streamed = streamText({ model, prompt: "x" }).toTextStreamResponse();
return { text: r.text, n, url, e: e.embedding, streamed };
"""

BAD = """// @ai true
const r = await generateText({ model, promt: "hi" });
const t: number = r.text;
return t;
"""


def _check(server: Server, content: str) -> dict[str, object]:
    response = httpx.post(
        f"{server.url}/api/v1/exec/validate/typescript",
        headers={"x-token": ADMIN_TOKEN},
        json={"content": content, "filename": "typed.ts"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.network
def test_ai_code_type_checks(ai_server: Server) -> None:
    good = _check(ai_server, GOOD)
    assert good["ok"], good["diagnostics"]
    bad = _check(ai_server, BAD)
    assert not bad["ok"]
    messages = [str(d["message"]) for d in bad["diagnostics"]]  # type: ignore[union-attr]
    assert any("'promt' does not exist" in m for m in messages), messages
    assert any("'string' is not assignable to type 'number'" in m for m in messages), messages
