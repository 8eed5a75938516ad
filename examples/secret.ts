// @token env:EXAMPLE_TOKEN
// Needs the token from .env: curl -H 'Authorization: Bearer change-me' localhost:8080/secret
return { ok: true, note: 'you passed the token' };
