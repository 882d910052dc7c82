import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  TestEventPatternCommand,
} from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { GetQueueUrlCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { LocalRuntime, RuntimeRecord } from "../src";
import { clientConfig, eventually, startTestRuntime } from "./helpers";

let runtime: LocalRuntime;
let records: RuntimeRecord[];
let eventBridge: EventBridgeClient;
let sfn: SFNClient;
let sqs: SQSClient;
const BUS = "fixture-local-bus";
const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:fixture-local-callback";

beforeAll(async () => {
  process.env.KEEL_TEST_PROCESS_ONLY = "must-not-leak";
  ({ runtime, records } = await startTestRuntime());
  eventBridge = new EventBridgeClient(clientConfig(runtime));
  sfn = new SFNClient(clientConfig(runtime, runtime.endpoints.stepfunctions));
  sqs = new SQSClient(clientConfig(runtime, runtime.endpoints.sqs));
}, 120_000);

afterAll(async () => {
  eventBridge?.destroy();
  sfn?.destroy();
  sqs?.destroy();
  await runtime?.stop();
});

const put = (detailType: string, detail: object, bus = BUS) =>
  eventBridge.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: bus, Source: "fixture.alpha", DetailType: detailType, Detail: JSON.stringify(detail) }],
    }),
  );

async function receive(queueName: string, count = 1): Promise<Message[]> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const messages: Message[] = [];
  await eventually(async () => {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
      }),
    );
    messages.push(...(page.Messages ?? []));
    return messages.length >= count ? messages : undefined;
  });
  return messages;
}

describe("HTTP API", () => {
  it("routes a request to its function with an API Gateway v2 event", async () => {
    const response = await fetch(`${runtime.endpoints.http}/public/ada%20lovelace?x=1&x=2`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { pathParameters: unknown; label: string };
    expect(body).toMatchObject({ label: "alpha", pathParameters: { name: "ada lovelace" } });
  });

  it("answers 404 for no route and 401 without or with a bad token", async () => {
    expect((await fetch(`${runtime.endpoints.http}/nowhere`)).status).toBe(404);
    expect((await fetch(`${runtime.endpoints.http}/whoami`)).status).toBe(401);
    const bad = await fetch(`${runtime.endpoints.http}/whoami`, { headers: { authorization: "Bearer not.a.jwt" } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: "Unauthorized" });
  });

  it("passes the verified claims of a locally issued token, as API Gateway's JWT authorizer does", async () => {
    const token = await runtime.token({ tenant: "tenant-7", user: "user-9" });
    const response = await fetch(`${runtime.endpoints.http}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { authorizer: { jwt: { claims: Record<string, string> } } };
    expect(body.authorizer.jwt.claims).toMatchObject({
      sub: "user-9",
      "custom:tenantId": "tenant-7",
      aud: "keel-fixture",
    });
    expect(typeof body.authorizer.jwt.claims.exp).toBe("string");
  });

  it("serves tokens to the CLI", async () => {
    const response = await fetch(`${runtime.endpoints.http}/_keel/token?tenant=t&user=u`, { method: "POST" });
    const token = await response.text();
    const check = await fetch(`${runtime.endpoints.http}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(check.status).toBe(200);
  });
});

describe("Lambda", () => {
  it("gives each function its own environment: no other service's variables, none of this process's", async () => {
    const alpha = (await (await fetch(`${runtime.endpoints.http}/public/x`)).json()) as Record<string, unknown>;
    expect(alpha).toMatchObject({ label: "alpha", alphaOnly: "alpha-secret", betaOnly: null });

    const lambda = new LambdaClient(clientConfig(runtime, runtime.endpoints.lambda));
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: "fixture-beta-local-whoami", Payload: JSON.stringify({ q: 1 }) }),
    );
    lambda.destroy();
    const beta = JSON.parse(Buffer.from(result.Payload ?? []).toString()) as Record<string, unknown>;
    expect(beta).toMatchObject({
      label: "beta",
      alphaOnly: null,
      betaOnly: "beta-secret",
      functionName: "fixture-beta-local-whoami",
    });
    expect(beta.event).toEqual({ q: 1 });

    const [alphaEnv, betaEnv] = ["fixture-alpha-local-whoami", "fixture-beta-local-whoami"].map((name) =>
      runtime.functions.definition(name),
    );
    expect(alphaEnv?.environment).not.toHaveProperty("BETA_ONLY");
    expect(betaEnv?.environment).not.toHaveProperty("ALPHA_ONLY");
    expect(JSON.stringify(beta)).not.toContain("must-not-leak");
  });

  it("stops a function at its timeout, as Lambda does", async () => {
    const lambda = new LambdaClient(clientConfig(runtime, runtime.endpoints.lambda));
    const result = await lambda.send(new InvokeCommand({ FunctionName: "fixture-beta-local-slow", Payload: "{}" }));
    lambda.destroy();
    expect(result.FunctionError).toBe("Unhandled");
    const error = JSON.parse(Buffer.from(result.Payload ?? []).toString()) as {
      errorType: string;
      errorMessage: string;
    };
    expect(error.errorType).toBe("Sandbox.Timedout");
    expect(error.errorMessage).toContain("Task timed out after 1.00 seconds");
  });
});

describe("EventBridge", () => {
  it("routes an event by the rules of serverless.yml to a handler that writes to DynamoDB", async () => {
    const result = await put("Recorded", { kind: "alpha-1" });
    expect(result.FailedEntryCount).toBe(0);
    const eventId = result.Entries?.[0]?.EventId as string;
    const dynamo = new DynamoDBClient(clientConfig(runtime, runtime.endpoints.dynamodb));
    const item = await eventually(async () => {
      const found = await dynamo.send(
        new GetItemCommand({ TableName: "fixture-local-records", Key: { id: { S: eventId } } }),
      );
      return found.Item;
    });
    dynamo.destroy();
    expect(item.kind).toEqual({ S: "alpha-1" });
    const routed = records.find((record) => record.type === "event.routed" && record.eventId === eventId);
    expect(routed).toMatchObject({ rules: ["fixture-alpha-local-record-rule-1"] });
  });

  it("matches content filters: a prefix rule of another service also receives the event", async () => {
    const result = await put("Recorded", { kind: "beta-2" });
    const eventId = result.Entries?.[0]?.EventId;
    const routed = await eventually(() =>
      records.find((record) => record.type === "event.routed" && record.eventId === eventId),
    );
    expect(routed).toMatchObject({
      rules: expect.arrayContaining(["fixture-alpha-local-record-rule-1", "fixture-beta-to-whoami"]),
    });
  });

  it("sends an event whose target no longer exists straight to the rule's DLQ, with EventBridge's attributes", async () => {
    const result = await put("Orphaned", { n: 1 });
    const eventId = result.Entries?.[0]?.EventId;
    const [message] = await receive("fixture-beta-local-dead-letters");
    const attributes = Object.fromEntries(
      Object.entries(message?.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue]),
    );
    expect(attributes).toMatchObject({
      ERROR_CODE: "NO_RESOURCE",
      RETRY_ATTEMPTS: "0",
      RULE_ARN: "arn:aws:events:us-east-1:000000000000:rule/fixture-local-bus/fixture-beta-missing-target",
      TARGET_ARN: "arn:aws:lambda:us-east-1:000000000000:function:fixture-beta-local-deleted",
    });
    expect(JSON.parse(message?.Body ?? "{}")).toMatchObject({
      id: eventId,
      "detail-type": "Orphaned",
      detail: { n: 1 },
    });
  });

  it("retries a failing Lambda target as Lambda does, then sends the invocation record to its on-failure destination", async () => {
    const result = await put("Flaky", { attempt: "x" });
    const [message] = await receive("fixture-local-dead-letters");
    const record = JSON.parse(message?.Body ?? "{}") as {
      requestContext: { condition: string; approximateInvokeCount: number; functionArn: string };
      requestPayload: { id: string };
      responsePayload: { errorType: string; errorMessage: string };
    };
    expect(record.requestContext).toMatchObject({ condition: "RetriesExhausted", approximateInvokeCount: 2 });
    expect(record.requestContext.functionArn).toContain("function:fixture-alpha-local-flaky");
    expect(record.requestPayload.id).toBe(result.Entries?.[0]?.EventId);
    expect(record.responsePayload).toMatchObject({ errorType: "FlakyFailure", errorMessage: "always fails" });
    const attempts = records.filter(
      (item) =>
        (item.type === "lambda.retrying" || item.type === "lambda.failed") &&
        item.functionName === "fixture-alpha-local-flaky",
    );
    expect(attempts.map((item) => item.type)).toEqual(["lambda.retrying", "lambda.failed"]);
  });

  it("keeps every event in the archive", async () => {
    const result = await put("Archived", { n: 42 });
    const archived = runtime.eventBridge.archived({ bus: BUS }).map((item) => item.event);
    expect(archived).toContainEqual(expect.objectContaining({ id: result.Entries?.[0]?.EventId, detail: { n: 42 } }));
  });

  it("answers ListRules, DescribeRule and TestEventPattern from the configuration", async () => {
    const rules = await eventBridge.send(new ListRulesCommand({ EventBusName: BUS, NamePrefix: "fixture-beta" }));
    expect(rules.Rules?.map((rule) => rule.Name).sort()).toEqual([
      "fixture-beta-missing-target",
      "fixture-beta-to-missing-queue",
      "fixture-beta-to-whoami",
    ]);
    const rule = await eventBridge.send(new DescribeRuleCommand({ Name: "fixture-beta-to-whoami", EventBusName: BUS }));
    expect(JSON.parse(rule.EventPattern ?? "{}")).toEqual({
      source: ["fixture.alpha"],
      "detail-type": ["Recorded"],
      detail: { kind: [{ prefix: "beta-" }] },
    });
    const event = {
      id: "1",
      account: "1",
      source: "a",
      time: "2026-01-01T00:00:00Z",
      region: "x",
      "detail-type": "T",
      detail: { n: 5 },
    };
    const yes = await eventBridge.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({ detail: { n: [{ numeric: [">", 1] }] } }),
        Event: JSON.stringify(event),
      }),
    );
    expect(yes.Result).toBe(true);
  });
});

describe("DynamoDB", () => {
  it("creates every table and puts the seed items of serverless.yml into them", async () => {
    const dynamo = new DynamoDBClient(clientConfig(runtime, runtime.endpoints.dynamodb));
    const seeded = await dynamo.send(
      new GetItemCommand({ TableName: "fixture-local-records", Key: { id: { S: "seeded-1" } } }),
    );
    dynamo.destroy();
    expect(seeded.Item).toEqual({ id: { S: "seeded-1" }, kind: { S: "seed" }, tags: { L: [{ S: "a" }, { S: "b" }] } });
  });
});

describe("EventBridge errors", () => {
  it("fails an entry for an unknown bus, naming it", async () => {
    const result = await put("Recorded", { kind: "x" }, "no-such-bus");
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]).toMatchObject({
      ErrorCode: "ResourceNotFoundException",
      ErrorMessage: "Event bus no-such-bus does not exist.",
    });
    await expect(eventBridge.send(new ListRulesCommand({ EventBusName: "no-such-bus" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("rejects more than ten entries, and reports malformed entries one by one", async () => {
    const entry = { EventBusName: BUS, Source: "fixture.alpha", DetailType: "X", Detail: "{}" };
    await expect(
      eventBridge.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })),
    ).rejects.toMatchObject({
      name: "ValidationException",
    });
    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          { ...entry, Detail: "{not json" },
          { ...entry, Source: undefined },
          { ...entry, Detail: JSON.stringify({ blob: "x".repeat(256 * 1024) }) },
          entry,
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries?.map((item) => item.ErrorCode)).toEqual([
      "MalformedDetail",
      "InvalidArgument",
      "InvalidArgument",
      undefined,
    ]);
    expect(result.Entries?.[1]?.ErrorMessage).toBe(
      "Parameter Source is not valid. Reason: Source is a required argument.",
    );
    expect(result.Entries?.[2]?.ErrorMessage).toContain("exceeds the limit of 262144 bytes");
    expect(result.Entries?.[3]?.EventId).toBeDefined();
  });

  it("rejects an invalid pattern in TestEventPattern with AWS's exception and reason", async () => {
    const event = { id: "1", account: "1", source: "a", time: "2026-01-01T00:00:00Z", region: "x", "detail-type": "T" };
    await expect(
      eventBridge.send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: "a" }), Event: JSON.stringify(event) }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidEventPatternException",
      message: expect.stringContaining("must be an object or an array"),
    });
  });
});

describe("Step Functions", () => {
  async function startCallback(value: number) {
    const before = new Set(
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }))).executions ?? []).map(
        (e) => e.executionArn,
      ),
    );
    await put("StartCallback", { value });
    const execution = await eventually(async () =>
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }))).executions ?? []).find(
        (e) => !before.has(e.executionArn),
      ),
    );
    const message = (await receive("fixture-local-approvals")).find(
      (item) => JSON.parse(item.Body ?? "{}").value === value * 2,
    );
    const { taskToken } = JSON.parse(message?.Body ?? "{}") as { taskToken: string };
    return { executionArn: execution.executionArn as string, taskToken };
  }

  const finished = (executionArn: string) =>
    eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === "RUNNING" ? undefined : described;
    });

  it("runs the ASL from serverless.yml: lambda:invoke, then waits for a task token until SendTaskSuccess", async () => {
    const { executionArn, taskToken } = await startCallback(21);
    expect(taskToken.length).toBeGreaterThan(40);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true }) }));
    const described = await finished(executionArn);
    expect(described.status).toBe("SUCCEEDED");
    expect(JSON.parse(described.output ?? "{}")).toMatchObject({
      double: { doubled: 42 },
      approval: { approved: true },
    });

    const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
    expect(history.map((event) => event.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(history[2]?.taskScheduledEventDetails).toMatchObject({ resourceType: "lambda", resource: "invoke" });
    expect(history[7]?.taskScheduledEventDetails).toMatchObject({
      resourceType: "events",
      resource: "putEvents.waitForTaskToken",
    });
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
  });

  it("fails the task with SendTaskFailure's error and cause", async () => {
    const { executionArn, taskToken } = await startCallback(5);
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: "Rejected", cause: "no budget" }));
    const described = await finished(executionArn);
    expect(described).toMatchObject({ status: "FAILED", error: "Rejected", cause: "no budget" });
    const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }))).events ?? [];
    expect(history.find((event) => event.type === "TaskFailed")?.taskFailedEventDetails).toMatchObject({
      error: "Rejected",
      cause: "no budget",
    });
  });

  it("times the wait out after TimeoutSeconds; a late answer is TaskTimedOut", async () => {
    const { executionArn, taskToken } = await startCallback(7);
    const described = await finished(executionArn);
    expect(described).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
    expect(history.map((event) => event.type)).toContain("TaskTimedOut");
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: "{}" }))).rejects.toMatchObject({
      name: "TaskTimedOut",
    });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: "forged", output: "{}" }))).rejects.toMatchObject({
      name: "InvalidToken",
    });
  });

  it("reports every execution's status changes on the default bus, as Step Functions does", async () => {
    const { executionArn, taskToken } = await startCallback(9);
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: "{}" }));
    await finished(executionArn);
    const changes = (await receive("fixture-local-status-changes", 2))
      .map(
        (message) =>
          JSON.parse(message.Body ?? "{}") as { source: string; detail: { executionArn: string; status: string } },
      )
      .filter((event) => event.detail.executionArn === executionArn);
    expect(changes.map((event) => [event.source, event.detail.status])).toEqual([
      ["aws.states", "RUNNING"],
      ["aws.states", "SUCCEEDED"],
    ]);
  });

  it("returns the running execution for a repeated name and input, as Standard workflows do", async () => {
    const input = JSON.stringify({ detail: { value: 1 } });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: "cmd_same-name", input }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: "cmd_same-name", input }));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: MACHINE,
          name: "cmd_same-name",
          input: JSON.stringify({ detail: { value: 2 } }),
        }),
      ),
    ).rejects.toMatchObject({ name: "ExecutionAlreadyExists" });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}-nope`, input })),
    ).rejects.toMatchObject({
      name: "StateMachineDoesNotExist",
    });
  });
});
