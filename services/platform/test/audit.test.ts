import { createCommand, createEvent } from "@keel/contracts";
import {
  type ExecutionStatusChange,
  type HistoryEvent,
  invocationRecord,
  messageRecord,
  serviceOfFunction,
  stepRecords,
  workflowRecord,
} from "../src/domain/audit";

const command = createCommand(
  "CreateOrder",
  {
    orderId: "ORD-1",
    customerId: "CUST-1",
    currency: "AUD",
    items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
    paymentMethodToken: "tok_secret",
    contact: { email: "ada@example.com", phone: "+61400000000" },
  },
  { tenantId: "tenant-1", initiator: { type: "user", id: "u" } },
);

describe("audit records of messages", () => {
  it("file a command under its correlation id, without personal data or secrets", () => {
    const record = messageRecord(
      JSON.parse(JSON.stringify(command)),
      "com.example.orders.api",
      "CreateOrder",
      "2026-01-01T00:00:00Z",
    );
    expect(record).toMatchObject({
      correlationId: command.meta.correlationId,
      kind: "command",
      service: "orders",
      name: "CreateOrder",
      messageId: command.meta.commandId,
      subjectId: "ORD-1",
      tenantId: "tenant-1",
    });
    expect(record?.recordKey).toBe(`${command.meta.occurredAt}#command#${command.meta.commandId}`);
    const text = JSON.stringify(record);
    for (const secret of ["tok_secret", "ada@example.com", "+61400000000"]) expect(text).not.toContain(secret);
    expect(record?.data).toMatchObject({ orderId: "ORD-1", customerId: "CUST-1" });
  });

  it("record a message that breaks its contract as invalid, if it can be filed", () => {
    const broken = { meta: { ...command.meta, commandId: "nope" }, data: command.data };
    expect(messageRecord(broken, "com.example.orders.api", "CreateOrder", "2026-01-01T00:00:00Z")).toMatchObject({
      kind: "message.invalid",
    });
    expect(messageRecord({ data: {} }, "x", "y", "2026-01-01T00:00:00Z")).toBeUndefined();
  });
});

describe("audit records of consumers", () => {
  const event = createEvent(
    "OrderCreated",
    { orderId: "ORD-1", status: "CREATED", totalAmount: 10, currency: "AUD" },
    { cause: command },
  );
  const result = (errorType?: string) => ({
    timestamp: "2026-01-01T00:00:01Z",
    requestContext: {
      requestId: "req-1",
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:keel-notifications-local-notifyOrderCreated:$LATEST",
      condition: errorType ? "RetriesExhausted" : "Success",
      approximateInvokeCount: errorType ? 3 : 1,
    },
    requestPayload: { detail: JSON.parse(JSON.stringify(event)) },
    responsePayload: errorType ? { errorType, errorMessage: "boom" } : null,
  });

  it("name the consumer and what it consumed", () => {
    expect(serviceOfFunction(result().requestContext.functionArn)).toEqual({
      service: "notifications",
      name: "notifyOrderCreated",
    });
    expect(invocationRecord(result(), true)).toMatchObject({
      kind: "consumer.processed",
      service: "notifications",
      name: "notifyOrderCreated",
      messageId: event.meta.eventId,
      correlationId: command.meta.correlationId,
    });
    expect(invocationRecord(result("TypeError"), false)).toMatchObject({
      kind: "consumer.failed",
      error: { type: "TypeError", message: "boom" },
    });
  });
});

describe("audit records of workflows", () => {
  const change = (status: ExecutionStatusChange["status"], error: string | null = null): ExecutionStatusChange => ({
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:keel-local-create-order:${command.meta.commandId}`,
    stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:keel-local-create-order",
    name: command.meta.commandId,
    status,
    startDate: Date.parse("2026-01-01T00:00:00Z"),
    stopDate: status === "RUNNING" ? null : Date.parse("2026-01-01T00:00:02Z"),
    input: JSON.stringify({ command }),
    error,
    cause: error ? "why" : null,
  });

  it("record the start and the end of an execution under the command's conversation", () => {
    expect(workflowRecord(change("RUNNING"))).toMatchObject({
      kind: "workflow.started",
      messageId: command.meta.commandId,
      subjectId: "ORD-1",
    });
    expect(workflowRecord(change("FAILED", "States.Runtime"))).toMatchObject({
      kind: "workflow.failed",
      durationMs: 2000,
      error: { type: "States.Runtime" },
    });
  });

  it("record each task step, failed ones with the error that a Catch took over", () => {
    const at = (seconds: number) => new Date(Date.parse("2026-01-01T00:00:00Z") + seconds * 1000);
    const history: HistoryEvent[] = [
      { id: 1, timestamp: at(0), type: "ExecutionStarted" },
      { id: 2, timestamp: at(0), type: "TaskStateEntered", stateEnteredEventDetails: { name: "AuthorizePayment" } },
      { id: 3, timestamp: at(0.1), type: "TaskFailed", taskFailedEventDetails: { error: "States.Timeout", cause: "" } },
      { id: 4, timestamp: at(0.5), type: "TaskSucceeded" },
      { id: 5, timestamp: at(0.6), type: "TaskStateExited", stateExitedEventDetails: { name: "AuthorizePayment" } },
      { id: 6, timestamp: at(0.7), type: "TaskStateEntered", stateEnteredEventDetails: { name: "ReserveInventory" } },
      {
        id: 7,
        timestamp: at(0.9),
        type: "TaskFailed",
        taskFailedEventDetails: { error: "InventoryReservationFailed", cause: "{}" },
      },
      { id: 8, timestamp: at(1), type: "TaskStateExited", stateExitedEventDetails: { name: "ReserveInventory" } },
      { id: 9, timestamp: at(1.1), type: "PassStateEntered", stateEnteredEventDetails: { name: "OutOfStock" } },
    ];
    const steps = stepRecords(change("SUCCEEDED"), history);
    expect(steps.map((step) => [step.name, step.kind, step.durationMs, step.error?.type])).toEqual([
      ["AuthorizePayment", "step.succeeded", 600, undefined],
      ["ReserveInventory", "step.failed", 300, "InventoryReservationFailed"],
    ]);
  });
});
