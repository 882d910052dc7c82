import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type MessageName, registry } from "@keel/contracts";
import { type PackageResult, packageService, resourcesOfType } from "@keel/serverless";

// The packaged stack, checked against the message registry: a rule that names the wrong source or
// detail-type would never fire, and nothing else would notice.
let outRoot: string;
let packaged: PackageResult;
beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "keel-inventory-"));
  packaged = await packageService("inventory", { stage: "test", outDir: join(outRoot, "test") });
}, 120_000);
afterAll(() => rm(outRoot, { recursive: true, force: true }));

const functions: Record<string, { message: MessageName; bus: string; onSuccess: boolean }> = {
  ReserveInventory: { message: "ReserveInventory", bus: "keel-test-commands", onSuccess: false },
  ReleaseInventory: { message: "ReleaseInventory", bus: "keel-test-commands", onSuccess: false },
  CommitReservation: { message: "OrderCreated", bus: "keel-test-events", onSuccess: true },
  ReservePlacedOrder: { message: "OrderPlaced", bus: "keel-test-events", onSuccess: false },
  ReleaseFailedPayment: { message: "PaymentFailed", bus: "keel-test-events", onSuccess: false },
  ScheduleShipping: { message: "OrderCreated", bus: "keel-test-events", onSuccess: false },
};

const ofType = (type: string) => Object.values(resourcesOfType(packaged.template, type));
const eventBusArn = { "Fn::Sub": expect.stringMatching(/:event-bus\/keel-test-events$/) };

describe("the inventory stack", () => {
  it.each(Object.entries(functions))("triggers %s on its message, as the registry routes it", (name, expected) => {
    const message = registry[expected.message];
    const rule = ofType("AWS::Events::Rule").find((resource) =>
      JSON.stringify(resource.Properties?.Targets).includes(`"${name}LambdaFunction"`),
    );
    expect(rule?.Properties).toMatchObject({
      EventBusName: expected.bus,
      EventPattern: { source: [message.source], "detail-type": [message.name] },
    });
    const [target] = (rule?.Properties?.Targets ?? []) as Array<Record<string, unknown>>;
    expect(target?.DeadLetterConfig).toBeDefined();
    expect(target?.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 185 });
  });

  it.each(Object.entries(functions))("sends %s's failed invocations to the event bus", (name, expected) => {
    const config = ofType("AWS::Lambda::EventInvokeConfig").find(
      (resource) =>
        (resource.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref === `${name}LambdaFunction`,
    );
    expect(config?.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: eventBusArn },
        ...(expected.onSuccess ? { OnSuccess: { Destination: eventBusArn } } : {}),
      },
    });
    if (!expected.onSuccess) expect(config?.Properties?.DestinationConfig).not.toHaveProperty("OnSuccess");
  });

  it("may publish only as inventory's components, and the events it publishes have those sources", () => {
    const emitted = [
      "InventoryReserved",
      "InventoryReservationFailed",
      "InventoryReleased",
      "ShippingScheduled",
    ] as const;
    expect(new Set(emitted.map((name) => registry[name].source))).toEqual(
      new Set(["com.example.inventory.service", "com.example.inventory.fulfilment"]),
    );
    expect(policyStatements().filter((statement) => statement.Condition)).toEqual([
      {
        Effect: "Allow",
        Action: ["events:PutEvents"],
        Resource: eventBusArn,
        Condition: {
          StringEquals: { "events:source": ["com.example.inventory.service", "com.example.inventory.fulfilment"] },
        },
      },
    ]);
  });

  it("grants exactly the DynamoDB actions the adapters and Powertools use, table by table", () => {
    const grants = Object.fromEntries(
      policyStatements()
        .filter((statement) => String(statement.Action).startsWith("dynamodb:"))
        .map((statement) => [(statement.Resource as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0], statement.Action]),
    );
    expect(grants).toEqual({
      IdempotencyTable: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      ReservationsTable: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      StockTable: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    });
  });

  it("seeds stock items for local runs in the shape the stock table expects", () => {
    const seed = (packaged.resolved.custom as { keel: { seed: { StockTable: unknown[] } } }).keel.seed.StockTable;
    expect(seed).toEqual(
      expect.arrayContaining([
        { sku: "SKU-123", available: 1_000_000, holds: {} },
        { sku: "SKU-999", available: 1_000_000, holds: {} },
        { sku: "OUT-OF-STOCK", available: 0, holds: {} },
      ]),
    );
    for (const item of seed)
      expect(item).toEqual({ sku: expect.any(String), available: expect.any(Number), holds: {} });
  });
});

function policyStatements(): Array<Record<string, unknown>> {
  const [role] = ofType("AWS::IAM::Role");
  const policies = role?.Properties?.Policies as Array<{
    PolicyDocument: { Statement: Array<Record<string, unknown>> };
  }>;
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}
