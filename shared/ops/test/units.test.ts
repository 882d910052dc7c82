import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { createEvent } from "@keel/contracts";
import {
  auditEntries,
  type BusEvent,
  connect,
  formatMermaid,
  formatText,
  historyEntries,
  hoursBetween,
  parseDeadLetter,
  parseRuleArn,
  parseTime,
  progressBar,
  replayEntry,
  selected,
  type Trace,
  targetInput,
  timeline,
  tracePage,
  validateArchived,
} from "../src";

const created = createEvent(
  "OrderCreated",
  { orderId: "ORD-1", status: "CREATED", totalAmount: 10, currency: "AUD" },
  { correlationId: "corr_01M85Y7JSM7XWMH3YP4EG8DBE8", tenantId: "tenant-1" },
);
const event = (detail: unknown, detailType = "OrderCreated", source = "com.example.orders.workflow"): BusEvent => ({
  version: "0",
  id: "0b1c2d3e-0000-4000-8000-000000000001",
  "detail-type": detailType,
  source,
  account: "000000000000",
  time: "2026-11-24T10:00:00Z",
  region: "us-east-1",
  resources: [],
  detail: JSON.parse(JSON.stringify(detail)) as unknown,
});
const FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:keel-notifications-local-notifyOrderCreated";

describe("dead letters, whichever way they reached the queue", () => {
  it("an event EventBridge could not deliver to a rule's target", () => {
    const letter = parseDeadLetter({
      MessageId: "m-1",
      ReceiptHandle: "r-1",
      Body: JSON.stringify(event(created)),
      Attributes: { SentTimestamp: "1795000000000", ApproximateReceiveCount: "2" },
      MessageAttributes: {
        RULE_ARN: { StringValue: "arn:aws:events:us-east-1:000000000000:rule/keel-local-events/notify" },
        TARGET_ARN: { StringValue: FUNCTION },
        ERROR_CODE: { StringValue: "NO_RESOURCE" },
        ERROR_MESSAGE: { StringValue: "Function not found" },
        RETRY_ATTEMPTS: { StringValue: "0" },
      },
    });
    expect(letter).toMatchObject({
      shape: "rule-target",
      error: { type: "NO_RESOURCE", message: "Function not found" },
      target: { kind: "lambda", name: "keel-notifications-local-notifyOrderCreated" },
      rule: { name: "notify", bus: "keel-local-events" },
      attempts: 1,
      receiveCount: 2,
      sentAt: new Date(1795000000000).toISOString(),
      message: { name: "OrderCreated", id: created.meta.eventId, orderId: "ORD-1", tenantId: "tenant-1" },
    });
    expect(letter.event?.id).toBe("0b1c2d3e-0000-4000-8000-000000000001");
  });

  const record = {
    version: "1.0",
    timestamp: "2026-11-24T10:00:03.000Z",
    requestContext: {
      requestId: "req-1",
      functionArn: `${FUNCTION}:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: 3,
    },
    requestPayload: event(created),
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: { errorType: "ServiceUnavailable", errorMessage: "the mail provider is down", trace: [] },
  };

  it("a function that failed after Lambda's retries, through the failed-invocations rule", () => {
    const letter = parseDeadLetter({
      MessageId: "m-2",
      Body: JSON.stringify(
        event(record, "Lambda Function Invocation Result - Failure", "lambda") as unknown as Record<string, unknown>,
      ),
    });
    expect(letter).toMatchObject({
      shape: "failed-invocation",
      error: { type: "ServiceUnavailable", message: "the mail provider is down" },
      target: { kind: "lambda", arn: `${FUNCTION}:$LATEST`, name: "keel-notifications-local-notifyOrderCreated" },
      attempts: 3,
      condition: "RetriesExhausted",
      message: { name: "OrderCreated", id: created.meta.eventId },
    });
    expect(letter.payload).toEqual(record.requestPayload);
  });

  it("a function whose own on-failure destination is the queue", () => {
    const letter = parseDeadLetter({ MessageId: "m-3", Body: JSON.stringify(record) });
    expect(letter).toMatchObject({ shape: "invocation-record", error: { type: "ServiceUnavailable" } });
  });

  it("anything else is kept, but not redriven", () => {
    expect(parseDeadLetter({ MessageId: "m-4", Body: "not json" })).toMatchObject({
      shape: "unknown",
      target: { kind: "unknown" },
    });
    expect(parseRuleArn("arn:aws:events:us-east-1:1:rule/on-default")).toMatchObject({
      bus: "default",
      name: "on-default",
    });
  });
});

describe("a rule target's input, as EventBridge would hand it again", () => {
  const rule = { arn: "arn:aws:events:us-east-1:1:rule/bus/r", name: "r" };
  const busEvent = event(created);
  it("the whole event, a constant, a path, or a template", () => {
    expect(JSON.parse(targetInput({}, rule, busEvent))).toEqual(busEvent);
    expect(targetInput({ Input: '{"fixed":true}' }, rule, busEvent)).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput({ InputPath: "$.detail.data" }, rule, busEvent))).toEqual(created.data);
    expect(
      JSON.parse(
        targetInput(
          {
            InputTransformer: {
              InputPathsMap: { order: "$.detail.data.orderId" },
              InputTemplate: '{"order": <order>, "rule": <aws.events.rule-name>}',
            },
          },
          rule,
          busEvent,
        ),
      ),
    ).toEqual({ order: "ORD-1", rule: "r" });
  });
});

describe("archived messages against the current registry", () => {
  it("a valid message, in an older minor version", () => {
    const old = { ...created, meta: { ...created.meta, schemaVersion: "1.0" } };
    expect(validateArchived(event(old))).toEqual({
      valid: true,
      name: "OrderCreated",
      version: "1.0",
      currentVersion: "1.1",
      upcast: false,
    });
  });

  it("a version the registry does not know, a broken field, a foreign source", () => {
    const unknown = validateArchived(event({ ...created, meta: { ...created.meta, schemaVersion: "7.0" } }));
    expect(unknown).toMatchObject({ valid: false, version: "7.0" });
    expect(JSON.stringify(unknown)).toContain("not a known version of OrderCreated");
    expect(validateArchived(event({ ...created, data: { ...created.data, totalAmount: "ten" } }))).toMatchObject({
      valid: false,
      issues: [expect.stringContaining("data.totalAmount")],
    });
    expect(validateArchived(event(created, "OrderCreated", "com.example.payments.service"))).toMatchObject({
      valid: false,
      issues: [expect.stringContaining("is not how the registry publishes OrderCreated")],
    });
  });

  it("are selected by type, conversation and tenant, and re-published with their ids and replayOf", () => {
    const archived = {
      bus: "keel-local-events",
      receivedAt: "2026-11-24T10:00:00.000Z",
      eventId: "e-1",
      source: "com.example.orders.workflow",
      detailType: "OrderCreated",
      messageId: created.meta.eventId,
      correlationId: created.meta.correlationId,
      tenantId: "tenant-1",
      event: event(created),
    };
    const window = { bus: "keel-local-events", from: new Date(0), to: new Date() };
    expect(selected(archived, { ...window, types: ["OrderCreated"], tenantId: "tenant-1" })).toBe(true);
    expect(selected(archived, { ...window, types: ["OrderRejected"] })).toBe(false);
    expect(selected(archived, { ...window, correlationId: "corr_other" })).toBe(false);
    const entry = replayEntry(archived, "keel-local-events");
    expect(entry).toMatchObject({ Source: "com.example.orders.workflow", DetailType: "OrderCreated" });
    expect(JSON.parse(entry.Detail ?? "{}").meta).toEqual({ ...created.meta, replayOf: created.meta.eventId });
    expect(hoursBetween(new Date("2026-11-24T10:59:00Z"), new Date("2026-11-24T12:00:00Z"))).toEqual([
      "2026-11-24T10",
      "2026-11-24T11",
      "2026-11-24T12",
    ]);
  });
});

describe("the timeline", () => {
  const at = (second: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, second));
  const history: HistoryEvent[] = [
    { id: 1, timestamp: at(0), type: "ExecutionStarted" },
    { id: 2, timestamp: at(1), type: "TaskStateEntered", stateEnteredEventDetails: { name: "PersistOrder" } },
    { id: 3, timestamp: at(1), type: "LambdaFunctionScheduled" },
    {
      id: 4,
      timestamp: at(2),
      type: "LambdaFunctionFailed",
      lambdaFunctionFailedEventDetails: { error: "Lambda.ServiceException", cause: "throttled" },
    },
    { id: 5, timestamp: at(3), type: "LambdaFunctionScheduled" },
    {
      id: 6,
      timestamp: at(4),
      type: "LambdaFunctionFailed",
      lambdaFunctionFailedEventDetails: {
        error: "ServiceUnavailable",
        cause: JSON.stringify({ errorType: "ServiceUnavailable", errorMessage: "the orders table is unavailable" }),
      },
    },
    { id: 7, timestamp: at(4), type: "TaskStateExited", stateExitedEventDetails: { name: "PersistOrder" } },
    {
      id: 8,
      timestamp: at(6),
      type: "ExecutionFailed",
      executionFailedEventDetails: { error: "States.Runtime", cause: "boom" },
    },
  ];
  const arn = "arn:aws:states:us-east-1:1:execution:keel-local-create-order:cmd_01M85Y7JSM7XWMH3YP4EG8DBE7";

  it("names each step, its retries and its failure, and the execution's end", () => {
    const entries = historyEntries(arn, history, { service: "orders workflow" });
    expect(entries.map((entry) => `${entry.what} ${entry.outcome}`)).toEqual([
      "keel-local-create-order started",
      "PersistOrder failed, retried",
      "PersistOrder failed, caught",
      "keel-local-create-order failed",
    ]);
    expect(entries[2]).toMatchObject({
      durationMs: 3000,
      error: { type: "ServiceUnavailable", message: "the orders table is unavailable" },
    });
    expect(entries[3]).toMatchObject({ durationMs: 6000, error: { type: "States.Runtime", message: "boom" } });
  });

  it("closes a caught step that reports no exit when the next state is entered", () => {
    const caught: HistoryEvent[] = [
      history[0] as HistoryEvent,
      history[1] as HistoryEvent,
      history[2] as HistoryEvent,
      { ...(history[5] as HistoryEvent), id: 4, timestamp: at(2) },
      { id: 5, timestamp: at(3), type: "PassStateEntered", stateEnteredEventDetails: { name: "PersistFailed" } },
      { id: 6, timestamp: at(3), type: "PassStateExited", stateExitedEventDetails: { name: "PersistFailed" } },
      { id: 7, timestamp: at(4), type: "ExecutionSucceeded" },
    ];
    expect(
      historyEntries(arn, caught, { service: "orders workflow" }).map((entry) => [
        entry.what,
        entry.outcome,
        entry.durationMs,
      ]),
    ).toEqual([
      ["keel-local-create-order", "started", undefined],
      ["PersistOrder", "failed, caught", 1000],
      ["keel-local-create-order", "succeeded", 4000],
    ]);
  });

  it("merges the sources in time order, with the time since the previous line, as text and as a diagram", () => {
    const audit = auditEntries(
      [
        {
          correlationId: "corr_1",
          recordKey: "k1",
          at: at(0).toISOString(),
          kind: "command",
          service: "orders",
          name: "CreateOrder",
          messageId: "cmd_01M85Y7JSM7XWMH3YP4EG8DBE7",
        },
        {
          correlationId: "corr_1",
          recordKey: "k2",
          at: at(5).toISOString(),
          kind: "consumer.failed",
          service: "notifications",
          name: "notifyOrderCreated",
          messageId: "evt_01M85Y7KR0KKT19JDS1J1A6BZ3",
          error: { type: "ServiceUnavailable", message: "down" },
        },
        {
          correlationId: "corr_1",
          recordKey: "k3",
          at: at(1).toISOString(),
          kind: "step.failed",
          service: "orders",
          name: "PersistOrder",
          executionArn: arn,
        },
      ],
      new Set([arn]),
    );
    expect(audit).toHaveLength(2);
    const entries = timeline(audit, historyEntries(arn, history, { service: "orders workflow" }));
    expect(entries.map((entry) => entry.sinceMs)).toEqual([0, 0, 2000, 2000, 1000, 1000]);
    const trace: Trace = {
      query: "corr_1",
      queryKind: "correlation",
      found: true,
      correlationIds: ["corr_1"],
      subjects: [],
      tenants: [],
      entries,
      executions: [{ executionArn: arn, status: "FAILED" }],
      deadLetters: [],
      sources: { audit: 2, history: 4, deadLetters: 0 },
    };
    const text = formatText(trace, "http://127.0.0.1:3000/_keel/trace/corr_1");
    expect(text).toMatch(/orders workflow\s+PersistOrder\s+failed, caught in 3000 ms — ServiceUnavailable/);
    expect(text).toContain("In a browser: http://127.0.0.1:3000/_keel/trace/corr_1");
    const diagram = formatMermaid(trace);
    expect(diagram.split("\n").slice(0, 5)).toEqual([
      "sequenceDiagram",
      "    participant p_orders_api as orders api",
      "    participant p_command_bus as command bus",
      "    participant p_orders_workflow as orders workflow",
      "    participant p_event_bus as event bus",
    ]);
    expect(diagram).toContain("p_command_bus->>p_orders_workflow: CreateOrder");
    expect(diagram).toContain("p_event_bus-xp_notifications: message to notifyOrderCreated");
    expect(diagram).toContain("Note over p_notifications: notifyOrderCreated failed ServiceUnavailable down");
    expect(diagram).not.toMatch(/: .*[;#]/);
    const page = tracePage({ ...trace, subjects: ["ORD-<1>"] });
    expect(page).toContain('<div class="meta">conversation corr_1 · order ORD-&lt;1&gt; · 6 lines</div>');
    expect(page).toContain('<script src="/_keel/assets/mermaid.min.js"></script>');
    expect(page).toContain("p_command_bus-&gt;&gt;p_orders_workflow: CreateOrder");
  });
});

describe("the progress bar", () => {
  it("redraws one line on a terminal, and prints plain lines elsewhere", () => {
    const written: string[] = [];
    const tty = progressBar({ isTTY: true, write: (text: string) => written.push(text) }, { width: 10 });
    tty.update({ done: 120, total: 240, sent: 118, skipped: 1, invalid: 1 });
    tty.finish({ done: 240, total: 240, sent: 238, skipped: 1, invalid: 1 });
    expect(written).toEqual([
      "\r[#####-----] 120/240 sent 118 skipped 1 invalid 1\u001b[K",
      "\r[##########] 240/240 sent 238 skipped 1 invalid 1\u001b[K\n",
    ]);
    const lines: string[] = [];
    const plain = progressBar({ isTTY: false, write: (text: string) => lines.push(text) });
    for (let done = 1; done <= 100; done += 1) plain.update({ done, total: 100, sent: done });
    plain.finish({ done: 100, total: 100, sent: 100 });
    expect(lines).toHaveLength(11);
    expect(lines.every((line) => !line.includes("\r"))).toBe(true);
  });
});

describe("times", () => {
  it("ISO 8601, now, or a time ago", () => {
    const now = new Date("2026-11-24T10:00:00Z");
    expect(parseTime("2026-11-24T08:00:00Z", now).toISOString()).toBe("2026-11-24T08:00:00.000Z");
    expect(parseTime("90m", now).toISOString()).toBe("2026-11-24T08:30:00.000Z");
    expect(parseTime("7d", now).toISOString()).toBe("2026-11-17T10:00:00.000Z");
    expect(parseTime("now", now)).toBe(now);
    expect(() => parseTime("yesterday", now)).toThrow(/not a time/);
  });
});

describe("the target", () => {
  it("AWS needs an explicit stage; the local runtime's stage is the one it runs", () => {
    expect(() => connect({ aws: true })).toThrow(/--aws needs --stage/);
    const aws = connect({ aws: true, stage: "prod", region: "eu-west-1" });
    expect(aws).toMatchObject({
      where: "AWS (stage prod, region eu-west-1)",
      names: { auditTable: "keel-prod-audit" },
    });
    aws.clients.destroy();
    const local = () => ({
      http: "http://127.0.0.1:3000",
      eventbridge: "http://127.0.0.1:4100",
      dynamodb: "http://127.0.0.1:4101",
      stage: "local",
    });
    expect(() => connect({ stage: "prod", local })).toThrow(/runs stage local, not prod/);
    const connection = connect({ local });
    expect(connection).toMatchObject({
      http: "http://127.0.0.1:3000",
      names: { deadLetterQueue: "keel-local-dead-letters" },
    });
    connection.clients.destroy();
  });
});
