import { DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SystemUnderTest } from "@keel/local/testing";
import { ulid } from "ulid";

/**
 * A request that published and then timed out before Powertools kept its response is retried by
 * the client with the same Idempotency-Key once the in-progress record has expired: the handler
 * runs again, and publishes the very same message, so the order exists once and ends once —
 * through both flows. The state after such a timeout is made by a crash after the handler (the
 * client gets no answer) and the removal of the response Powertools kept.
 */
let system: SystemUnderTest;
let token: string;

beforeAll(async () => {
  system = await SystemUnderTest.start();
  token = await system.token("tenant-001", "user-123");
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

const body = {
  customerId: "CUST-9001",
  currency: "AUD",
  items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
  paymentMethodToken: "tok_abc123",
};

const TERMINAL = new Set(["SHIPPING_SCHEDULED", "REJECTED", "INVENTORY_FAILED", "INVENTORY_RELEASED"]);

describe.each([
  ["/orders", "postOrders", "CreateOrder", "commandId"],
  ["/saga/orders", "postSagaOrders", "OrderPlaced", "eventId"],
] as const)("POST %s retried after a crash that followed the publish", (path, functionKey, message, idField) => {
  it("publishes the same message again and the order ends once", async () => {
    const fn = system.runtime.functions.list().find((candidate) => candidate.key === functionKey);
    if (!fn) throw new Error(`no function ${functionKey}`);
    const key = `retry-${ulid()}`;
    const headers = { "idempotency-key": key };
    const before = system.messages({ name: message }).length;

    system.runtime.faults.configure({ crashRate: 1, functions: [fn.name] });
    const crashed = await system.request("POST", path, { token, body, headers });
    system.runtime.faults.configure({ crashRate: 0 });
    expect(crashed.status).toBeGreaterThanOrEqual(500);
    // The crash came after the publish: the message is out, the client does not know it.
    expect(system.messages({ name: message }).length).toBe(before + 1);
    const table = system.table("orders", "IdempotencyTable");
    const records = (await system.scan<{ id: string }>("orders", "IdempotencyTable")).filter(
      (record) => record.id.startsWith(`${fn.name}#`) && !record.id.includes("#first-attempt#"),
    );
    expect(records).toHaveLength(1);
    const dynamodb = new DynamoDBClient({
      endpoint: system.runtime.endpoints.dynamodb,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    for (const record of records) {
      await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: record.id } } }));
    }
    dynamodb.destroy();

    const retried = await system.request<{ orderId: string; commandId?: string; eventId?: string }>("POST", path, {
      token,
      body,
      headers,
    });
    expect(retried.status).toBe(202);
    const published = system.messages({ name: message }).slice(before);
    expect(published).toHaveLength(2);
    expect(published[1]?.meta[idField]).toBe(published[0]?.meta[idField]);
    expect(published[1]?.data.orderId).toBe(retried.body.orderId);
    expect(retried.body[idField]).toBe(published[0]?.meta[idField]);

    const { orderId } = retried.body;
    await system.poll(
      () => system.request<{ status: string }>("GET", `/orders/${orderId}`, { token }),
      (answer) => answer.status === 200 && TERMINAL.has(answer.body.status),
    );
    await system.idle();
    const terminal = system
      .messages({ orderId })
      .filter((detail) => ["OrderCreated", "OrderRejected"].includes(String(detail.meta.eventName)));
    expect(new Set(terminal.map((detail) => detail.meta.eventId)).size).toBe(1);
    const orders = (await system.scan<{ orderId: string }>("orders", "OrdersTable")).filter(
      (item) => item.orderId === orderId,
    );
    expect(orders.length).toBeLessThanOrEqual(1);

    // The same key with another body is refused, as the first attempt fixed what the key means.
    const reused = await system.request("POST", path, { token, body: { ...body, customerId: "CUST-9002" }, headers });
    expect(reused.status).toBe(422);
  }, 120_000);
});
