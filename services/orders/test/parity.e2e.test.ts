import { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { SystemUnderTest } from "@keel/local/testing";
import { ulid } from "ulid";

/**
 * The same orders through both flows — the CreateOrder workflow and the choreographed saga — reach
 * the same business outcome: the same stock taken, the same money held, the same people told,
 * checked against the tables. The run also measures what each flow costs per order.
 */
let system: SystemUnderTest;
let token: string;
let sfn: SFNClient;

beforeAll(async () => {
  system = await SystemUnderTest.start();
  token = await system.token("tenant-001", "user-123");
  sfn = new SFNClient({
    endpoint: system.runtime.endpoints.stepfunctions,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
}, 180_000);
afterAll(async () => {
  sfn?.destroy();
  await system?.stop();
});

type Flow = "orchestration" | "choreography";
const SKUS = ["SKU-123", "SKU-999", "OUT-OF-STOCK"];

const order = (overrides: Record<string, unknown>) => ({
  customerId: "CUST-9001",
  currency: "AUD",
  items: [
    { sku: "SKU-123", qty: 2, unitPrice: 49.95 },
    { sku: "SKU-999", qty: 1, unitPrice: 19.95 },
  ],
  paymentMethodToken: "tok_abc123",
  contact: { email: "ada@example.com" },
  ...overrides,
});

const scenarios = [
  {
    name: "success",
    body: order({}),
    final: { orchestration: "SHIPPING_SCHEDULED", choreography: "SHIPPING_SCHEDULED" },
  },
  {
    name: "out of stock",
    body: order({
      items: [
        { sku: "SKU-123", qty: 1, unitPrice: 10 },
        { sku: "OUT-OF-STOCK", qty: 1, unitPrice: 5 },
      ],
    }),
    final: { orchestration: "REJECTED", choreography: "INVENTORY_FAILED" },
  },
  {
    name: "declined card",
    body: order({ customerId: "CUST-DECLINE" }),
    final: { orchestration: "REJECTED", choreography: "INVENTORY_RELEASED" },
  },
] as const;

const TERMINAL = new Set(["SHIPPING_SCHEDULED", "REJECTED", "INVENTORY_FAILED", "INVENTORY_RELEASED"]);

async function stockLevels() {
  const levels: Record<string, number> = {};
  for (const sku of SKUS)
    levels[sku] = (await system.item<{ available: number }>("inventory", "StockTable", { sku }))?.available ?? 0;
  return levels;
}

/** Invocations the flow causes: not the client's polling of GET /orders/{id}; the audit writer's apart. */
function invocations() {
  let flow = 0;
  let audit = 0;
  for (const [name, count] of Object.entries(system.runtime.functions.invocationCounts())) {
    if (name.endsWith("-getOrder")) continue;
    if (name.startsWith("keel-platform-")) audit += count;
    else flow += count;
  }
  return { flow, audit };
}

interface Run {
  status: string;
  outcome: {
    stockTaken: Record<string, number>;
    unitsStillHeld: number;
    moneyHeld: number;
    notifications: string[];
  };
  cost: {
    messages: number;
    busEvents: number;
    invocations: number;
    auditInvocations: number;
    stateTransitions: number;
  };
}

async function run(flow: Flow, body: Record<string, unknown>): Promise<Run> {
  const stockBefore = await stockLevels();
  const invocationsBefore = invocations();
  const eventsBefore = system.runtime.eventBridge.archived().length;
  const path = flow === "orchestration" ? "/orders" : "/saga/orders";
  const requestBody = flow === "orchestration" ? { ...body, orderId: `ORD-${ulid()}` } : body;
  const accepted = await system.request<{ orderId: string; correlationId: string; commandId?: string }>("POST", path, {
    token,
    body: requestBody,
  });
  expect(accepted.status).toBe(202);
  const { orderId, correlationId } = accepted.body;
  await system.poll(
    () => system.request<{ status: string }>("GET", `/orders/${orderId}`, { token }),
    (answer) => answer.status === 200 && TERMINAL.has(answer.body.status),
  );
  await system.idle();
  const view = (await system.request<{ status: string }>("GET", `/orders/${orderId}`, { token })).body;

  const stockAfter = await stockLevels();
  const stockTaken = Object.fromEntries(SKUS.map((sku) => [sku, (stockBefore[sku] ?? 0) - (stockAfter[sku] ?? 0)]));
  const reservation = await system.item<{ reservationId: string }>("inventory", "ReservationsTable", {
    reservationKey: `tenant-001#${orderId}`,
  });
  let unitsStillHeld = 0;
  for (const sku of SKUS) {
    const holds =
      (await system.item<{ holds: Record<string, number> }>("inventory", "StockTable", { sku }))?.holds ?? {};
    if (reservation) unitsStillHeld += holds[reservation.reservationId] ?? 0;
  }
  const payment = await system.item<{ status: string; amount: number }>("payments", "PaymentsTable", {
    paymentKey: `tenant-001#${orderId}`,
  });
  const notifications = (
    await system.query<{ template: string; channel: string; recipient: string }>(
      "notifications",
      "NotificationsTable",
      "orderKey",
      `tenant-001#${orderId}`,
    )
  )
    .map((item) => `${item.template} ${item.channel} ${item.recipient}`)
    .sort();

  const messages = system.messages({ correlationId }).length;
  const busEvents = system.runtime.eventBridge.archived().slice(eventsBefore).length;
  const invocationsAfter = invocations();
  let stateTransitions = 0;
  if (flow === "orchestration" && accepted.body.commandId) {
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:keel-local-create-order:${accepted.body.commandId}`;
    const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
    stateTransitions = history.filter((event) => event.type?.endsWith("StateEntered")).length;
  }
  return {
    status: view.status,
    outcome: {
      stockTaken,
      unitsStillHeld,
      moneyHeld: payment?.status === "AUTHORIZED" ? payment.amount : 0,
      notifications,
    },
    cost: {
      messages,
      busEvents,
      invocations: invocationsAfter.flow - invocationsBefore.flow,
      auditInvocations: invocationsAfter.audit - invocationsBefore.audit,
      stateTransitions,
    },
  };
}

const costs: Array<{ scenario: string; flow: Flow } & Run["cost"]> = [];

describe("orchestration and choreography reach the same business outcome", () => {
  it.each(scenarios)(
    "$name",
    async (scenario) => {
      const orchestrated = await run("orchestration", scenario.body);
      const choreographed = await run("choreography", scenario.body);
      expect(orchestrated.status).toBe(scenario.final.orchestration);
      expect(choreographed.status).toBe(scenario.final.choreography);
      expect(choreographed.outcome).toEqual(orchestrated.outcome);
      expect(orchestrated.outcome.unitsStillHeld).toBe(0);
      costs.push(
        { scenario: scenario.name, flow: "orchestration", ...orchestrated.cost },
        { scenario: scenario.name, flow: "choreography", ...choreographed.cost },
      );
    },
    120_000,
  );

  it("cost per order (printed for the README)", () => {
    expect(costs).toHaveLength(scenarios.length * 2);
    const lines = costs.map(
      (cost) =>
        `| ${cost.scenario} | ${cost.flow} | ${cost.messages} | ${cost.busEvents} | ${cost.invocations} | ${cost.auditInvocations} | ${cost.stateTransitions} |`,
    );
    process.stdout.write(
      `\n| scenario | flow | messages | bus events | Lambda invocations | audit invocations | state transitions |\n| --- | --- | --- | --- | --- | --- | --- |\n${lines.join("\n")}\n`,
    );
    const success = (flow: Flow) => costs.find((cost) => cost.scenario === "success" && cost.flow === flow);
    expect(success("choreography")?.stateTransitions).toBe(0);
    expect(success("orchestration")?.stateTransitions).toBeGreaterThan(0);
  });
});
