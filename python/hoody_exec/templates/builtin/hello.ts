// Says hello: GET /{{route}}?name=you
const name = typeof query.name === "string" && query.name ? query.name : "{{default_name}}";
return { message: `{{greeting}}, ${name}!`, at: new Date().toISOString() };
