// POST anything: body is parsed by content type (JSON, form, text or bytes).
return { method: request.method, query, headers, body: body ?? null };
