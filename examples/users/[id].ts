// GET /users/42 → params.id === "42"
import { findUser } from '../_lib/users.ts';

const user = findUser(params.id);
if (!user) return new Response(JSON.stringify({ error: 'no such user' }), { status: 404 });
return user;
