// @mode serverless
// GET /hello → JSON. The file body is the body of an async function.
return { message: 'Hello from Hoody Exec!', time: Date.now() };
