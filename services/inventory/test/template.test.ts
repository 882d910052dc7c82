import { type MessageName, registry } from "@keel/contracts";
import { type PackagedTemplate, packagedTemplate, resourcesOfType } from "@keel/serverless";

// The packaged stack, checked against the message registry: a rule that names the wrong source or
// detail-type would never fire, and nothing else would notice.
let packaged: PackagedTemplate;
beforeAll(async () => {
  packaged = await packagedTemplate("inventory", { stage: "test" });
}, 180_000);

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

  it("lets each function publish only its own events, as inventory's components", () => {
    const publishes = (name: string) =>
      roleStatements(name)
        .filter(
          (statement) => statement.Action === "events:PutEvents" || String(statement.Action) === "events:PutEvents",
        )
        .filter((statement) => !String(statement.Sid ?? "").startsWith("LambdaDestination"))
        .map((statement) => {
          expect(statement.Resource).toEqual(eventBusArn);
          return (statement.Condition as { StringEquals: Record<string, unknown> }).StringEquals;
        });
    const reserve = [
      {
        "events:source": "com.example.inventory.service",
        "events:detail-type": ["InventoryReserved", "InventoryReservationFailed"],
      },
    ];
    const release = [{ "events:source": "com.example.inventory.service", "events:detail-type": "InventoryReleased" }];
    expect(Object.fromEntries(Object.keys(functions).map((name) => [name, publishes(name)]))).toEqual({
      ReserveInventory: reserve,
      ReservePlacedOrder: reserve,
      ReleaseInventory: release,
      ReleaseFailedPayment: release,
      ScheduleShipping: [
        { "events:source": "com.example.inventory.fulfilment", "events:detail-type": "ShippingScheduled" },
      ],
      CommitReservation: [],
    });
    for (const name of ["InventoryReserved", "InventoryReservationFailed", "InventoryReleased"] as const)
      expect(registry[name].source).toBe("com.example.inventory.service");
    expect(registry.ShippingScheduled.source).toBe("com.example.inventory.fulfilment");
  });

  it("grants each function exactly the DynamoDB actions its adapters and Powertools use, table by table", () => {
    const grants = (name: string) => {
      const byTable: Record<string, string[]> = {};
      for (const statement of roleStatements(name)) {
        const actions = [statement.Action].flat().map(String);
        if (!actions[0]?.startsWith("dynamodb:")) continue;
        const table = (statement.Resource as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0] as string;
        byTable[table] = [...(byTable[table] ?? []), ...actions];
      }
      return byTable;
    };
    const idempotency = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
    const reserving = {
      IdempotencyTable: idempotency,
      ReservationsTable: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      StockTable: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    };
    const moving = {
      IdempotencyTable: idempotency,
      ReservationsTable: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      StockTable: ["dynamodb:UpdateItem"],
    };
    expect(Object.fromEntries(Object.keys(functions).map((name) => [name, grants(name)]))).toEqual({
      ReserveInventory: reserving,
      ReservePlacedOrder: reserving,
      ReleaseInventory: moving,
      ReleaseFailedPayment: moving,
      CommitReservation: moving,
      ScheduleShipping: { IdempotencyTable: idempotency },
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

/** The statements of a function's own role. */
function roleStatements(name: string): Array<Record<string, unknown>> {
  const role = packaged.template.Resources[`${name}IamRoleLambdaExecution`];
  const policies = role?.Properties?.Policies as Array<{
    PolicyDocument: { Statement: Array<Record<string, unknown>> };
  }>;
  if (!policies) throw new Error(`${name} has no role of its own`);
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}
