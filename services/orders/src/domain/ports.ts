import type { DataOf, EventEnvelope } from "@keel/contracts";
import type { OrderView } from "./read-model";

/** Another command already holds this order id: the order cannot be recorded twice. */
export class OrderIdTakenError extends Error {
  override readonly name = "OrderIdTaken";
}

export interface OrdersRepository {
  /** Records an accepted order; `taken` when the order id is held by another command. */
  accept(view: OrderView): Promise<"accepted" | "already-accepted" | "taken">;
  get(tenantId: string, orderId: string): Promise<OrderView | undefined>;
  /**
   * Records the order for good, once per command, with the OrderCreated event to publish. A retry
   * gets the event of the first attempt back; another command's order id is OrderIdTaken.
   */
  persist(
    tenantId: string,
    orderId: string,
    commandId: string,
    record: { lines: Array<{ sku: string; qty: number }>; event: EventEnvelope<DataOf<"OrderCreated">> },
  ): Promise<EventEnvelope<DataOf<"OrderCreated">>>;
  /**
   * Changes the order's view by `step` (a pure function of the view), safely against concurrent
   * changes; resolves with what `step` returned, or undefined when the order is unknown.
   */
  change<T>(
    tenantId: string,
    orderId: string,
    step: (view: OrderView) => { view: OrderView; result: T },
  ): Promise<T | undefined>;
}

export interface WorkflowStarter {
  /** Starts the execution named after the command; `duplicate` when it already exists. */
  start(name: string, input: unknown): Promise<"started" | "duplicate">;
}

export interface TaskCallbacks {
  /** `gone` when the workflow no longer waits for this token (timed out, or already answered). */
  succeed(token: string, output: unknown): Promise<"delivered" | "gone">;
  fail(token: string, error: string, cause: string): Promise<"delivered" | "gone">;
}
