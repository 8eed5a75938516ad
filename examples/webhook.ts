// @concurrent false
// Deliveries run one at a time, in arrival order.
log.info('webhook received', { type: typeof body });
return { received: true };
