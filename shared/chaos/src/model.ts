/** What the invariants are checked against: what the harness was told, the tables, and the bus archive. */

export type Flow = "orchestration" | "choreography";

export interface Line {
  sku: string;
  qty: number;
  unitPrice: number;
}

/** An order the API accepted (202). */
export interface AcceptedOrder {
  tenantId: string;
  orderId: string;
  flow: Flow;
  /** The path the plan meant it to take (`ordinary`, `declined`, `slow-provider`, …). */
  kind?: string;
  customerId: string;
  items: Line[];
}

/** A row of the orders table (the read model). */
export interface OrderRow {
  tenantId: string;
  orderId: string;
  flow?: string;
  status: string;
  /** Why the workflow rejected it, when it did. */
  reason?: string;
}

export interface StockRow {
  sku: string;
  available: number;
  holds: Record<string, number>;
}

export interface ReservationRow {
  tenantId: string;
  orderId: string;
  reservationId: string;
  status: string;
  lines: Array<{ sku: string; qty: number }>;
}

export interface PaymentRow {
  tenantId: string;
  orderId: string;
  status: string;
  amount?: number;
  authorizationId?: string;
}

/** A hold in the simulated payment provider's own ledger, keyed by the authorisation's idempotency key. */
export interface LedgerRow {
  authorizationId: string;
  idempotencyKey: string;
  status: string;
  amount: number;
}

/** An envelope seen on a bus (from the archive). */
export interface ArchivedMessage {
  bus: "commands" | "events" | "other";
  name: string;
  /** The envelope's own id: its commandId or eventId (the same on every copy of one message). */
  id: string;
  tenantId?: string;
  data: Record<string, unknown>;
}

export interface DeadLetterFigures {
  /** Every dead letter the redrives found, by SQS message id. */
  seen: string[];
  /** The ones whose redelivery succeeded. */
  redriven: string[];
  /** Why the last redelivery of a dead letter not redriven failed, by SQS message id. */
  failures: Record<string, string>;
  /** Still in the queue at the end. */
  remaining: number;
  /** Deliveries dropped with nowhere to go (no DLQ, or the DLQ refused them). */
  dropped: string[];
}

export interface Snapshot {
  accepted: AcceptedOrder[];
  orders: OrderRow[];
  messages: ArchivedMessage[];
  stockBefore: StockRow[];
  stockAfter: StockRow[];
  reservations: ReservationRow[];
  payments: PaymentRow[];
  ledger: LedgerRow[];
  deadLetters: DeadLetterFigures;
}

export const orderKey = (tenantId: string | undefined, orderId: string) => `${tenantId ?? "?"}#${orderId}`;

export const orderTotal = (items: readonly Line[]) =>
  Math.round(items.reduce((sum, line) => sum + line.qty * line.unitPrice, 0) * 100) / 100;
