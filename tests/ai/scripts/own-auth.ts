// @ai true
// A request to the gateway with an Authorization header of the script's own.
const answer = await fetch(String(query.url), {
  method: "POST",
  headers: { authorization: "Bearer mine", "content-type": "application/json" },
  body: JSON.stringify({ model: "test/echo", messages: [{ role: "user", content: "x" }] }),
});
return await answer.json();
