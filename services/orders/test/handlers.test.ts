import { createCommand, createEvent, type Envelope, type EventEnvelope, parseCommand } from "@keel/contracts";
import { lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import type { OrdersRepository, TaskCallbacks, WorkflowStarter } from "../src/domain/ports";
import type { OrderView } from "../src/domain/read-model";
import { makeRoute } from "../src/handlers/post-orders";
import { makeHandler as makeRouteReply } from "../src/handlers/route-reply";
import { makeHandler as makeStarter } from "../src/handlers/start-create-order";

const bus = (detail: Envelope): EventBridgeEvent<string, unknown> => ({
  version: "0",
  id: crypto.randomUUID(),
  "detail-type": "X",
  source: "x",
  account: "000000000000",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: [],
  detail,
});

const collector = () => {
  const published: Envelope[] = [];
  return {
    published,
    publisher: () => ({
      publish: async (envelopes: readonly Envelope[]) => {
        published.push(...envelopes);
        return envelopes.map(() => "id");
      },
    }),
  };
};

const data = {
  orderId: "ORD-7",
  customerId: "CUST-1",
  currency: "AUD",
  items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
  paymentMethodToken: "tok_1",
};

describe("POST /orders", () => {
  it("publishes CreateOrder stamped with the token's tenant and user and answers 202", async () => {
    const { published, publisher } = collector();
    const { orderId: _id, ...body } = data;
    const event = {
      headers: { "x-correlation-id": "corr_2f1d3a07-3d89-4a62-9f6c-9f29f4e96f7e" },
      requestContext: { authorizer: { jwt: { claims: { sub: "user-9", "custom:tenantId": "tenant-9" }, scopes: [] } } },
      body,
    } as unknown as Parameters<ReturnType<typeof makeRoute>>[0];
    const answer = await makeRoute(publisher)(event, lambdaContext());
    expect(answer.statusCode).toBe(202);
    const command = parseCommand("CreateOrder", JSON.parse(JSON.stringify(published[0])));
    expect(command.meta).toMatchObject({
      tenantId: "tenant-9",
      initiator: { type: "user", id: "user-9" },
      correlationId: "corr_2f1d3a07-3d89-4a62-9f6c-9f29f4e96f7e",
    });
    expect(command.data.orderId).toMatch(/^ORD-/);
    expect(JSON.parse(answer.body ?? "{}")).toMatchObject({
      commandId: command.meta.commandId,
      orderId: command.data.orderId,
      status: "PENDING",
    });
  });

  it("never takes the tenant from the body", async () => {
    const { publisher } = collector();
    const event = {
      headers: {},
      requestContext: { authorizer: { jwt: { claims: { sub: "user-9", "custom:tenantId": "tenant-9" }, scopes: [] } } },
      body: { ...data, tenantId: "tenant-evil" },
    } as unknown as Parameters<ReturnType<typeof makeRoute>>[0];
    await expect(makeRoute(publisher)(event, lambdaContext())).rejects.toMatchObject({ status: 422 });
  });
});

function fakeOrders(
  acceptance: "accepted" | "already-accepted" | "taken",
): OrdersRepository & { accepted: OrderView[] } {
  const accepted: OrderView[] = [];
  return {
    accepted,
    accept: async (view) => {
      accepted.push(view);
      return acceptance;
    },
    get: async () => undefined,
    persist: async (_t, _o, _c, record) => record.event,
    change: async () => undefined,
  };
}

describe("the workflow starter", () => {
  const command = createCommand("CreateOrder", data, { tenantId: "tenant-1", initiator: { type: "user", id: "u" } });

  it("records the order as PENDING and starts the execution named after the command", async () => {
    const orders = fakeOrders("accepted");
    const started: Array<{ name: string; input: unknown }> = [];
    const workflow: WorkflowStarter = {
      start: async (name, input) => {
        started.push({ name, input });
        return "started";
      },
    };
    const { publisher, published } = collector();
    await makeStarter({ orders: () => orders, workflow: () => workflow, eventBus: publisher })(
      bus(command),
      lambdaContext(),
    );
    expect(orders.accepted[0]).toMatchObject({
      orderId: "ORD-7",
      status: "PENDING",
      startedBy: command.meta.commandId,
    });
    expect(started).toEqual([
      {
        name: command.meta.commandId,
        input: expect.objectContaining({ order: expect.objectContaining({ totalAmount: 10 }) }),
      },
    ]);
    expect(published).toEqual([]);
  });

  it("rejects an order id another order holds, without starting a workflow", async () => {
    const orders = fakeOrders("taken");
    const started: string[] = [];
    const { publisher, published } = collector();
    const workflow: WorkflowStarter = {
      start: async (name) => {
        started.push(name);
        return "started";
      },
    };
    await makeStarter({ orders: () => orders, workflow: () => workflow, eventBus: publisher })(
      bus(command),
      lambdaContext(),
    );
    expect(started).toEqual([]);
    expect(published[0]).toMatchObject({
      meta: { eventName: "OrderRejected", causationId: command.meta.commandId },
      data: { reason: "DUPLICATE_ORDER_ID" },
    });
  });
});

describe("the reply router", () => {
  const cause = createCommand(
    "ReserveInventory",
    { orderId: "ORD-7", lines: [{ sku: "SKU-123", qty: 1 }] },
    { tenantId: "t", initiator: { type: "service", id: "orders.workflow" }, replyTo: { taskToken: "token-1" } },
  );

  function callbacks(result: "delivered" | "gone" = "delivered") {
    const calls: unknown[][] = [];
    const fake: TaskCallbacks = {
      succeed: async (...args) => {
        calls.push(["succeed", ...args]);
        return result;
      },
      fail: async (...args) => {
        calls.push(["fail", ...args]);
        return result;
      },
    };
    return { calls, fake };
  }

  it("resumes the waiting workflow with the outcome, failures as errors named after the event", async () => {
    const { calls, fake } = callbacks();
    const handler = makeRouteReply(() => fake);
    const reserved = createEvent(
      "InventoryReserved",
      { orderId: "ORD-7", reservationId: "res_1", lines: [{ sku: "SKU-123", qty: 1 }] },
      { cause },
    );
    const failed = createEvent("InventoryReservationFailed", { orderId: "ORD-7", reason: "OUT_OF_STOCK" }, { cause });
    await handler(bus(reserved), lambdaContext());
    await handler(bus(failed), lambdaContext());
    expect(calls[0]).toEqual([
      "succeed",
      "token-1",
      { meta: { eventId: reserved.meta.eventId, eventName: "InventoryReserved" }, data: reserved.data },
    ]);
    expect(calls[1]).toEqual(["fail", "token-1", "InventoryReservationFailed", JSON.stringify(failed.data)]);
  });

  it("answers the same outcome again when it comes back (a redelivered command's new token)", async () => {
    const { calls, fake } = callbacks("gone");
    const handler = makeRouteReply(() => fake);
    const reserved = createEvent(
      "InventoryReserved",
      { orderId: "ORD-7", reservationId: "res_1", lines: [{ sku: "SKU-123", qty: 1 }] },
      { cause },
    );
    await handler(bus(reserved), lambdaContext());
    await handler(
      bus({ ...reserved, meta: { ...reserved.meta, replyTo: { taskToken: "token-2" } } } as EventEnvelope),
      lambdaContext(),
    );
    expect(calls.map((call) => call[1])).toEqual(["token-1", "token-2"]);
  });
});
