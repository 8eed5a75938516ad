// @mode worker
// One warm isolate: `shared` survives between requests (until the file changes).
shared.visits = (shared.visits ?? 0) + 1;
return { visits: shared.visits };
