import { Activity } from "../src/activity";
import type { BusDef, RuleDef, TargetDef } from "../src/config/model";
import { type BusRecord, DeliveryError, EventBridge, entrySize } from "../src/eventbridge/bus";
import { type BusEvent, targetInput } from "../src/eventbridge/input";
import { compileEventPattern } from "../src/eventbridge/pattern";

const bus: BusDef = { service: "test", name: "bus", arn: "arn:aws:events:us-east-1:000000000000:event-bus/bus" };

function rule(target: Partial<TargetDef> = {}): RuleDef {
  const patternText = JSON.stringify({ source: ["test"] });
  return {
    service: "test",
    logicalId: "Rule",
    name: "rule",
    arn: "arn:aws:events:us-east-1:000000000000:rule/bus/rule",
    busName: "bus",
    state: "ENABLED",
    patternText,
    pattern: compileEventPattern(patternText),
    targets: [
      {
        id: "t",
        arn: "arn:aws:lambda:us-east-1:000000000000:function:f",
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 },
        deadLetterArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
        ...target,
      },
    ],
  };
}

function setup(failures: Array<DeliveryError | undefined>, target: Partial<TargetDef> = {}) {
  const activity = new Activity();
  const delivered: string[] = [];
  const deadLetters: Array<{ arn: string; body: string; attributes: Record<string, string> }> = [];
  const records: BusRecord[] = [];
  let calls = 0;
  const bridge = new EventBridge(
    [bus],
    [rule(target)],
    {
      async deliver(_target, input) {
        const failure = failures[calls++];
        if (failure) throw failure;
        delivered.push(input);
      },
    },
    { send: async (arn, body, attributes) => void deadLetters.push({ arn, body, attributes }) },
    {
      region: "us-east-1",
      accountId: "000000000000",
      activity,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      onRecord: (r) => records.push(r),
    },
  );
  const put = () => bridge.putEvents([{ EventBusName: "bus", Source: "test", DetailType: "T", Detail: '{"n":1}' }]);
  return { bridge, activity, delivered, deadLetters, records, put, calls: () => calls };
}

const throttled = () => new DeliveryError("THROTTLING", "Rate exceeded", true);

describe("EventBridge delivery", () => {
  it("retries a retriable failure with backoff until the target accepts", async () => {
    const test = setup([throttled(), throttled()]);
    test.put();
    await test.activity.idle();
    expect(test.calls()).toBe(3);
    expect(test.delivered).toHaveLength(1);
    expect(test.deadLetters).toHaveLength(0);
    expect(test.records.map((record) => record.type)).toEqual([
      "event.routed",
      "event.retrying",
      "event.retrying",
      "event.delivered",
    ]);
  });

  it("sends the event to the DLQ once MaximumRetryAttempts are spent, with the retry count", async () => {
    const test = setup(Array.from({ length: 10 }, throttled));
    const result = test.put();
    await test.activity.idle();
    expect(test.calls()).toBe(4);
    expect(test.deadLetters).toHaveLength(1);
    expect(test.deadLetters[0]?.attributes).toEqual({
      RULE_ARN: "arn:aws:events:us-east-1:000000000000:rule/bus/rule",
      TARGET_ARN: "arn:aws:lambda:us-east-1:000000000000:function:f",
      ERROR_CODE: "THROTTLING",
      ERROR_MESSAGE: "Rate exceeded",
      RETRY_ATTEMPTS: "3",
      EXHAUSTED_RETRY_CONDITION: "MaximumRetryAttempts",
    });
    expect(JSON.parse(test.deadLetters[0]?.body ?? "{}")).toMatchObject({
      id: (result.Entries[0] as { EventId: string }).EventId,
    });
  });

  it("does not retry a missing target", async () => {
    const test = setup([new DeliveryError("NO_RESOURCE", "gone", false)]);
    test.put();
    await test.activity.idle();
    expect(test.calls()).toBe(1);
    expect(test.deadLetters[0]?.attributes).toMatchObject({ ERROR_CODE: "NO_RESOURCE", RETRY_ATTEMPTS: "0" });
    expect(test.deadLetters[0]?.attributes).not.toHaveProperty("EXHAUSTED_RETRY_CONDITION");
  });

  it("stops at MaximumEventAgeInSeconds", async () => {
    const test = setup(Array.from({ length: 10 }, throttled), {
      retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 0 },
    });
    test.put();
    await test.activity.idle();
    expect(test.deadLetters[0]?.attributes).toMatchObject({
      EXHAUSTED_RETRY_CONDITION: "MaximumEventAgeInSeconds",
      RETRY_ATTEMPTS: "0",
    });
  });

  it("drops (and says so) what fails without a DLQ", async () => {
    const test = setup([new DeliveryError("NO_RESOURCE", "gone", false)], { deadLetterArn: undefined });
    test.put();
    await test.activity.idle();
    expect(test.records.at(-1)).toMatchObject({ type: "event.dropped", error: { code: "NO_RESOURCE" } });
  });

  it("counts entry size as AWS does", () => {
    expect(entrySize({ Source: "ab", DetailType: "é", Detail: "{}" })).toBe(2 + 2 + 2);
    expect(entrySize({ Source: "a", DetailType: "b", Detail: "{}", Time: 1, Resources: ["xyz"] })).toBe(
      14 + 1 + 1 + 2 + 3,
    );
  });
});

describe("target input", () => {
  const event: BusEvent = {
    version: "0",
    id: "e-1",
    "detail-type": "OrderCreated",
    source: "com.example.orders.workflow",
    account: "000000000000",
    time: "2026-11-24T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: { meta: { correlationId: "corr_1" }, data: { orderId: "ORD-1", total: 12.5 } },
  };
  const base = rule().targets[0] as TargetDef;

  it("is the event, a constant, or the value at InputPath", () => {
    expect(JSON.parse(targetInput(base, rule(), event, new Date()))).toEqual(event);
    expect(targetInput({ ...base, input: '{"fixed":true}' }, rule(), event, new Date())).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput({ ...base, inputPath: "$.detail.data" }, rule(), event, new Date()))).toEqual({
      orderId: "ORD-1",
      total: 12.5,
    });
  });

  it("fills an InputTransformer template: strings in quotes as strings, other values as JSON", () => {
    const transformed = targetInput(
      {
        ...base,
        inputTransformer: {
          inputPathsMap: { order: "$.detail.data.orderId", total: "$.detail.data.total", data: "$.detail.data" },
          inputTemplate: '{"order": "<order>", "total": <total>, "data": <data>, "rule": "<aws.events.rule-name>"}',
        },
      },
      rule(),
      event,
      new Date(),
    );
    expect(JSON.parse(transformed)).toEqual({
      order: "ORD-1",
      total: 12.5,
      data: { orderId: "ORD-1", total: 12.5 },
      rule: "rule",
    });
    const text = targetInput(
      {
        ...base,
        inputTransformer: {
          inputPathsMap: { order: "$.detail.data.orderId" },
          inputTemplate: "Order <order> was created",
        },
      },
      rule(),
      event,
      new Date(),
    );
    expect(text).toBe("Order ORD-1 was created");
  });
});
