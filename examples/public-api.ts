// @cors *
// Callable from any web page; OPTIONS preflight is answered for you.
return { items: ['a', 'b', 'c'] };
