import { type AcceptedOrder, orderKey, orderTotal, type Snapshot } from "./model";

export interface InvariantResult {
  name: string;
  /** What exactly is checked, against which tables and messages. */
  definition: string;
  holds: boolean;
  /** How many things were checked (orders, SKUs, holds, letters). */
  checked: number;
  counterexamples: string[];
}

export type Outcome = "created" | "rejected";

const TERMINAL_EVENTS: Record<string, Outcome> = { OrderCreated: "created", OrderRejected: "rejected" };
/** The orders table's statuses for each outcome (both flows; created orders move on to shipping). */
const TERMINAL_STATUSES: Record<Outcome, readonly string[]> = {
  created: ["CREATED", "SHIPPING_SCHEDULED"],
  rejected: ["REJECTED", "INVENTORY_FAILED", "INVENTORY_RELEASED"],
};

/** The distinct terminal facts (OrderCreated / OrderRejected envelopes, by event id) of each order. */
export function terminalFacts(snapshot: Snapshot): Map<string, Map<string, Outcome>> {
  const facts = new Map<string, Map<string, Outcome>>();
  for (const message of snapshot.messages) {
    const outcome = message.bus === "events" ? TERMINAL_EVENTS[message.name] : undefined;
    const orderId = message.data.orderId;
    if (!outcome || typeof orderId !== "string") continue;
    const key = orderKey(message.tenantId, orderId);
    const ids = facts.get(key) ?? new Map<string, Outcome>();
    ids.set(message.id, outcome);
    facts.set(key, ids);
  }
  return facts;
}

/** Each accepted order's outcome, when it has exactly one terminal fact. */
export function outcomes(snapshot: Snapshot): Map<string, Outcome> {
  const result = new Map<string, Outcome>();
  for (const [key, ids] of terminalFacts(snapshot)) {
    const [only, ...more] = [...ids.values()];
    if (only && more.length === 0) result.set(key, only);
  }
  return result;
}

const keyOf = (order: AcceptedOrder) => orderKey(order.tenantId, order.orderId);

function result(name: string, definition: string, checked: number, counterexamples: string[]): InvariantResult {
  return { name, definition, holds: counterexamples.length === 0, checked, counterexamples };
}

export function exactlyOneTerminalState(snapshot: Snapshot): InvariantResult {
  const facts = terminalFacts(snapshot);
  const rows = new Map(snapshot.orders.map((row) => [orderKey(row.tenantId, row.orderId), row]));
  const accepted = new Set(snapshot.accepted.map(keyOf));
  const problems: string[] = [];
  for (const order of snapshot.accepted) {
    const key = keyOf(order);
    const ids = [...(facts.get(key) ?? new Map<string, Outcome>())];
    const row = rows.get(key);
    if (ids.length !== 1) {
      const what = ids.length === 0 ? "no terminal event" : ids.map(([id, outcome]) => `${outcome} ${id}`).join(", ");
      problems.push(
        `${key} (${order.flow}): ${ids.length} terminal facts: ${what}; table says ${row?.status ?? "nothing"}`,
      );
      continue;
    }
    const outcome = (ids[0] as [string, Outcome])[1];
    if (!row) problems.push(`${key} (${order.flow}): ${outcome} on the bus, but no row in the orders table`);
    else if (!TERMINAL_STATUSES[outcome].includes(row.status))
      problems.push(`${key} (${order.flow}): ${outcome} on the bus, but the orders table says ${row.status}`);
  }
  for (const key of facts.keys()) {
    if (!accepted.has(key)) problems.push(`${key}: a terminal event for an order the API never accepted`);
  }
  for (const key of rows.keys()) {
    if (!accepted.has(key)) problems.push(`${key}: a row in the orders table for an order the API never accepted`);
  }
  return result(
    "every accepted order reached exactly one terminal state",
    "per order accepted with a 202: exactly one distinct OrderCreated/OrderRejected envelope (by event id; a re-published copy is the same fact) on the event bus, and the orders table row agrees (CREATED|SHIPPING_SCHEDULED, or REJECTED|INVENTORY_FAILED|INVENTORY_RELEASED); no terminal event or row for an order never accepted",
    snapshot.accepted.length,
    problems,
  );
}

export function reservedStockMatchesConfirmedOrders(snapshot: Snapshot): InvariantResult {
  const decided = outcomes(snapshot);
  const confirmed = snapshot.accepted.filter((order) => decided.get(keyOf(order)) === "created");
  const confirmedKeys = new Set(confirmed.map(keyOf));
  const expected = new Map<string, number>();
  for (const order of confirmed)
    for (const line of order.items) expected.set(line.sku, (expected.get(line.sku) ?? 0) + line.qty);
  const before = new Map(snapshot.stockBefore.map((row) => [row.sku, row]));
  const after = new Map(snapshot.stockAfter.map((row) => [row.sku, row]));
  const problems: string[] = [];
  const skus = new Set([...before.keys(), ...after.keys(), ...expected.keys()]);
  for (const sku of skus) {
    const taken = (before.get(sku)?.available ?? 0) - (after.get(sku)?.available ?? 0);
    const want = expected.get(sku) ?? 0;
    if (taken !== want) problems.push(`${sku}: ${taken} unit(s) taken from stock, confirmed orders hold ${want}`);
  }
  const reservationOf = new Map(snapshot.reservations.map((row) => [row.reservationId, row]));
  for (const row of snapshot.stockAfter) {
    for (const [reservationId, qty] of Object.entries(row.holds ?? {})) {
      const reservation = reservationOf.get(reservationId);
      const key = reservation ? orderKey(reservation.tenantId, reservation.orderId) : `reservation ${reservationId}`;
      if (!reservation || !confirmedKeys.has(key))
        problems.push(`${row.sku}: ${qty} unit(s) still held for ${key}, which is not a confirmed order`);
    }
  }
  const reservations = new Map(snapshot.reservations.map((row) => [orderKey(row.tenantId, row.orderId), row]));
  for (const order of confirmed) {
    const reservation = reservations.get(keyOf(order));
    if (!reservation || !["RESERVED", "COMMITTED"].includes(reservation.status))
      problems.push(`${keyOf(order)}: confirmed, but its reservation is ${reservation?.status ?? "missing"}`);
  }
  for (const reservation of snapshot.reservations) {
    const key = orderKey(reservation.tenantId, reservation.orderId);
    if (["RESERVING", "RESERVED", "COMMITTED"].includes(reservation.status) && !confirmedKeys.has(key))
      problems.push(`${key}: reservation ${reservation.status}, but the order is not confirmed`);
  }
  return result(
    "reserved stock equals the quantities of confirmed orders",
    "per SKU: stock before − stock after = Σ qty of that SKU over orders whose terminal fact is OrderCreated; no hold left for an order that is not confirmed; every confirmed order's reservation RESERVED|COMMITTED and no other order's RESERVING|RESERVED|COMMITTED",
    skus.size + snapshot.reservations.length,
    problems,
  );
}

/** The order each authorisation idempotency key belongs to: AuthorizePayment's command id, or the saga's OrderPlaced event id. */
export function idempotencyKeyOwners(snapshot: Snapshot): Map<string, string> {
  const owners = new Map<string, string>();
  for (const message of snapshot.messages) {
    const orderId = message.data.orderId;
    if (typeof orderId !== "string") continue;
    if (
      (message.bus === "commands" && message.name === "AuthorizePayment") ||
      (message.bus === "events" && message.name === "OrderPlaced")
    )
      owners.set(message.id, orderKey(message.tenantId, orderId));
  }
  return owners;
}

export function noPaymentWithoutConfirmedOrder(snapshot: Snapshot): InvariantResult {
  const decided = outcomes(snapshot);
  const owners = idempotencyKeyOwners(snapshot);
  const problems: string[] = [];
  const held = snapshot.ledger.filter((row) => row.status === "HELD");
  for (const row of held) {
    const key = owners.get(row.idempotencyKey);
    if (!key) problems.push(`hold ${row.authorizationId} (${row.amount}) belongs to no order on the bus`);
    else if (decided.get(key) !== "created")
      problems.push(
        `hold ${row.authorizationId} (${row.amount}) still HELD for ${key}, whose outcome is ${decided.get(key) ?? "undecided"}`,
      );
  }
  for (const payment of snapshot.payments) {
    const key = orderKey(payment.tenantId, payment.orderId);
    if (payment.status === "AUTHORIZED" && decided.get(key) !== "created")
      problems.push(`${key}: payment AUTHORIZED, but the order's outcome is ${decided.get(key) ?? "undecided"}`);
    if (payment.status === "AUTHORIZING") problems.push(`${key}: payment still AUTHORIZING`);
  }
  return result(
    "no payment authorised without a confirmed order (after voids)",
    "every hold the provider's ledger still has HELD belongs (by idempotency key: AuthorizePayment's command id, the saga's OrderPlaced event id) to an order whose terminal fact is OrderCreated; every payments-table row AUTHORIZED is such an order's; none left AUTHORIZING",
    held.length + snapshot.payments.length,
    problems,
  );
}

export function noDoubleCharge(snapshot: Snapshot): InvariantResult {
  const decided = outcomes(snapshot);
  const owners = idempotencyKeyOwners(snapshot);
  const holdsOf = new Map<string, typeof snapshot.ledger>();
  for (const row of snapshot.ledger) {
    const key = owners.get(row.idempotencyKey) ?? `unknown key ${row.idempotencyKey}`;
    holdsOf.set(key, [...(holdsOf.get(key) ?? []), row]);
  }
  const announced = new Map<string, Set<string>>();
  for (const message of snapshot.messages) {
    if (message.bus !== "events" || !["PaymentAuthorized", "PaymentCharged"].includes(message.name)) continue;
    const id = message.data.authorizationId ?? message.data.paymentId;
    if (typeof message.data.orderId !== "string" || typeof id !== "string") continue;
    const key = orderKey(message.tenantId, message.data.orderId);
    announced.set(key, (announced.get(key) ?? new Set()).add(id));
  }
  const problems: string[] = [];
  for (const [key, holds] of holdsOf) {
    if (holds.length > 1)
      problems.push(
        `${key}: ${holds.length} holds at the provider (${holds.map((h) => h.authorizationId).join(", ")})`,
      );
  }
  for (const [key, ids] of announced) {
    if (ids.size > 1) problems.push(`${key}: ${ids.size} different authorisations announced (${[...ids].join(", ")})`);
  }
  for (const order of snapshot.accepted) {
    if (decided.get(keyOf(order)) !== "created") continue;
    const held = (holdsOf.get(keyOf(order)) ?? []).filter((row) => row.status === "HELD");
    const total = orderTotal(order.items);
    if (held.length !== 1 || Math.abs((held[0]?.amount ?? 0) - total) > 0.005)
      problems.push(
        `${keyOf(order)}: confirmed for ${total}, the provider holds ${held.map((row) => row.amount).join(" + ") || "nothing"}`,
      );
  }
  return result(
    "no double charge",
    "per order: at most one hold in the provider's ledger and at most one authorisation id announced (PaymentAuthorized/PaymentCharged); every confirmed order has exactly one HELD hold of exactly its total",
    holdsOf.size + snapshot.accepted.length,
    problems,
  );
}

export function everyDeadLetterRedriven(snapshot: Snapshot): InvariantResult {
  const { seen, redriven, remaining, dropped, failures } = snapshot.deadLetters;
  const done = new Set(redriven);
  const problems = seen
    .filter((id) => !done.has(id))
    .map((id) => `dead letter ${id} was never redriven to success: ${failures[id] ?? "not redelivered"}`);
  if (remaining > 0) problems.push(`${remaining} message(s) still in the dead-letter queue`);
  for (const what of dropped) problems.push(`dropped with nowhere to go: ${what}`);
  return result(
    "every DLQ'd message redriven to success",
    "every message that reached the dead-letter queue was redelivered by `keel dlq redrive` and its target succeeded; the queue is empty at the end; no delivery was dropped without a dead-letter queue",
    seen.length,
    problems,
  );
}

export const INVARIANTS = [
  exactlyOneTerminalState,
  reservedStockMatchesConfirmedOrders,
  noPaymentWithoutConfirmedOrder,
  noDoubleCharge,
  everyDeadLetterRedriven,
] as const;

export const checkInvariants = (snapshot: Snapshot): InvariantResult[] =>
  INVARIANTS.map((invariant) => invariant(snapshot));
