/**
 * What one operation of the local runtime costs in CPU, every thread of the process counted
 * (the client's AWS SDK, the emulator, the function's execution environment): a DynamoDB
 * conditional PutItem and a GetItem on dynalite, a PutEvents that no rule matches, and a
 * RequestResponse Lambda invocation of the smallest function (fraud check: no AWS call). Beside
 * each, the same call's wall time one at a time.
 *
 * Multiplied by what an order makes of each (the throughput part's per-order counts), these
 * explain the CPU an order costs, and so the throughput a machine of this size can reach.
 *
 * Options: --operations <n> (default 1500) calls of each kind.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { type LocalRuntime, localCredentials, startLocal } from "@keel/local";
import type { Part, PartContext, Row } from "../lib/part";
import { percentile, round } from "../lib/stats";

export interface OperationCost {
  operation: string;
  calls: number;
  /** CPU microseconds per call, all threads. */
  cpuMicroseconds: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(
  context: PartContext,
  operation: string,
  calls: number,
  call: (index: number) => Promise<unknown>,
): Promise<OperationCost> {
  for (let index = 0; index < 50; index += 1) await call(-1 - index);
  const times: number[] = [];
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index += 1) {
    if (index % 100 === 0) context.progress(`${operation}: ${index}/${calls}`);
    const started = performance.now();
    await call(index);
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(before);
  return {
    operation,
    calls,
    cpuMicroseconds: (cpu.user + cpu.system) / calls,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
  };
}

/** A table keyed by one string attribute, to put and get items of its own. */
function scratchTable(runtime: LocalRuntime): { name: string; key: string } {
  for (const table of runtime.model.tables) {
    const create = table.createTable as {
      KeySchema?: Array<{ AttributeName: string; KeyType: string }>;
      AttributeDefinitions?: Array<{ AttributeName: string; AttributeType: string }>;
    };
    const keys = create.KeySchema ?? [];
    const hash = keys[0];
    if (keys.length !== 1 || !hash) continue;
    const type = create.AttributeDefinitions?.find((item) => item.AttributeName === hash.AttributeName)?.AttributeType;
    if (type === "S") return { name: table.name, key: hash.AttributeName };
  }
  throw new Error("no table keyed by one string attribute");
}

const part: Part = {
  name: "operations",
  title: "CPU cost of one operation of the local runtime (DynamoDB, EventBridge, Lambda)",
  order: 25,
  async run(context) {
    const calls = Number(context.options.operations ?? 1500);
    if (!(calls > 0)) throw new Error("--operations must be positive");
    context.progress("starting the local runtime");
    const runtime = await startLocal({
      inMemory: true,
      ports: { http: 0, aws: 0, dynamodb: 0 },
      functionLogs: "silent",
    });
    const client = { region: "us-east-1", credentials: localCredentials };
    const dynamodb = new DynamoDBClient({ ...client, endpoint: runtime.endpoints.dynamodb });
    const events = new EventBridgeClient({ ...client, endpoint: runtime.endpoints.eventbridge });
    const lambda = new LambdaClient({ ...client, endpoint: runtime.endpoints.lambda });
    try {
      const table = scratchTable(runtime);
      const bus = runtime.model.buses.find((candidate) => candidate.name !== "default")?.name ?? "default";
      const fraudCheck = runtime.functions.list().find((fn) => fn.name.endsWith("-fraudCheck"));
      if (!fraudCheck) throw new Error("no fraudCheck function");
      const results: OperationCost[] = [];
      results.push(
        await measure(context, "DynamoDB PutItem (conditional)", calls, (index) =>
          dynamodb.send(
            new PutItemCommand({
              TableName: table.name,
              Item: { [table.key]: { S: `bench#${index}` }, status: { S: "INPROGRESS" }, expiration: { N: "1" } },
              ConditionExpression: "attribute_not_exists(#key)",
              ExpressionAttributeNames: { "#key": table.key },
            }),
          ),
        ),
      );
      results.push(
        await measure(context, "DynamoDB GetItem", calls, (index) =>
          dynamodb.send(new GetItemCommand({ TableName: table.name, Key: { [table.key]: { S: `bench#${index}` } } })),
        ),
      );
      results.push(
        await measure(context, "EventBridge PutEvents (1 entry, no rule matches)", calls, (index) =>
          events.send(
            new PutEventsCommand({
              Entries: [
                {
                  EventBusName: bus,
                  Source: "bench.operations",
                  DetailType: "Nothing",
                  Detail: JSON.stringify({ index }),
                },
              ],
            }),
          ),
        ),
      );
      const event = JSON.stringify({
        customerId: "CUST-9001",
        currency: "AUD",
        items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
      });
      results.push(
        await measure(context, "Lambda Invoke (fraud check)", calls, () =>
          lambda.send(new InvokeCommand({ FunctionName: fraudCheck.name, Payload: Buffer.from(event) })),
        ),
      );
      const rows: Row[] = results.map((result) => ({
        operation: result.operation,
        calls: result.calls,
        "CPU µs/call": round(result.cpuMicroseconds),
        "p50 ms": round(result.p50Ms, 2),
        "p99 ms": round(result.p99Ms, 2),
        "calls/s/core": round(1e6 / result.cpuMicroseconds),
      }));
      return {
        rows,
        notes: [
          "CPU per call counts every thread of the process (client SDK, emulator, execution environment); calls run one at a time.",
        ],
        data: { results },
      };
    } finally {
      dynamodb.destroy();
      events.destroy();
      lambda.destroy();
      await runtime.stop();
    }
  },
};

export default part;
