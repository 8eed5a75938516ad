// What Bun, Deno and Workers users write: export default works too.
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    return Response.json({ method: request.method, path: url.pathname });
  },
};
