// @mode worker
// A little real work (benches/http_load.py, row hoody-work): the 2 KB JSON body is
// parsed, its items priced from a table kept in `shared`, and 20 fields returned.
type Item = { sku: string; quantity: number };
type Order = { id: string; customer: string; items: Item[]; note?: string };

shared.prices ??= Object.fromEntries(
  Array.from({ length: 200 }, (_, i) => [`sku-${i}`, Math.round((i * 1.37 + 1) * 100) / 100]),
);
const prices = shared.prices as Record<string, number>;
const order = body as Order;
let total = 0;
let units = 0;
let unknown = 0;
for (const item of order.items) {
  const price = prices[item.sku];
  if (price === undefined) unknown++;
  else total += price * item.quantity;
  units += item.quantity;
}
return {
  id: order.id,
  customer: order.customer,
  lines: order.items.length,
  units,
  unknown,
  subtotal: Math.round(total * 100) / 100,
  tax: Math.round(total * 0.2 * 100) / 100,
  total: Math.round(total * 1.2 * 100) / 100,
  currency: "EUR",
  first: order.items[0]?.sku ?? null,
  last: order.items[order.items.length - 1]?.sku ?? null,
  largest: Math.max(...order.items.map((i) => i.quantity)),
  note: order.note ?? "",
  method: req.method,
  path: req.path,
  priced: order.items.length - unknown,
  average: units ? Math.round((total / units) * 100) / 100 : 0,
  free_shipping: total > 100,
  host: headers.host ?? "",
  version: 1,
};
