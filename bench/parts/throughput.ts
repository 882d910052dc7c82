/**
 * End-to-end throughput and latency of both flows on the local runtime, and what one order
 * costs: messages, Lambda invocations, state transitions, DynamoDB calls, and the AWS bill per
 * million orders computed from them.
 *
 * For each flow, on a fresh in-memory runtime: `--sample` orders placed one after another (the
 * per-order counts and the unloaded latency: the system idle between orders), then `--orders`
 * orders offered at `--rate` per second (the load: open loop, so a saturated system shows as
 * latency and a lower throughput, never as a slower offer), then orders offered at 70 % of the
 * throughput the load run reached for 20 s (latency at a sustainable rate), then a short profiled
 * run at half that rate: every thread's CPU profile, by owner, per order.
 *
 * Options: --flows orchestration,choreography  --orders <n> (default 1000)  --rate <n> (default
 * 200)  --sample <n> (default 20)  --instances <n> execution environments per function at most
 * (the runtime's default unless given)  --profile-orders <n> (default 40) orders of the profiled run.
 */
import { type LocalRuntime, startLocal } from "@keel/local";
import { type Flow, OrderClock, type OrderLoadResult, offerOrders, placeOrder } from "../lib/orders";
import type { Part, PartContext, Row } from "../lib/part";
import { mergeProfiles, type ProfileSummary, profileWithWorkers, runtimeOwner, summariseProfile } from "../lib/profile";
import { percentile, round, sum } from "../lib/stats";

const TARGET_RATE = 200;
const TARGET_P99_MS = 250;

/**
 * AWS list prices, us-east-1, in US dollars, as published on the services' pricing pages
 * (DynamoDB on-demand as cut on 2024-11-01); checked on the date below. Free tiers ignored.
 */
export const PRICES = {
  date: "2026-11-24",
  region: "us-east-1",
  lambdaPerMillionRequests: 0.2,
  /** arm64, the architecture every service deploys on. */
  lambdaPerGbSecond: 0.0000133334,
  stepFunctionsStandardPerThousandTransitions: 0.025,
  stepFunctionsExpressPerMillionRequests: 1.0,
  stepFunctionsExpressPerGbSecond: 0.00001667,
  /** Express bills memory in 64 MB chunks; a workflow of this size with small payloads uses one. */
  stepFunctionsExpressGb: 0.0625,
  eventBridgePerMillionEvents: 1.0,
  dynamoDbPerMillionWrites: 0.625,
  dynamoDbPerMillionReads: 0.125,
} as const;

/** Write calls, each billed one unit; a batch is billed by its items (`BatchWriteItem.items`). */
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem.items", "TransactWriteItems"]);
const READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

interface Counters {
  invocations: Record<string, number>;
  milliseconds: Record<string, number>;
  dynamodb: Record<string, number>;
  events: number;
  serviceEvents: number;
}

function counters(runtime: LocalRuntime): Counters {
  const archived = runtime.eventBridge.archived();
  const serviceEvents = archived.filter((entry) => String(entry.event.source ?? "").startsWith("aws.")).length;
  return {
    invocations: runtime.functions.invocationCounts(),
    milliseconds: runtime.functions.invocationMilliseconds(),
    dynamodb: runtime.dynamodb.operationCounts(),
    events: archived.length - serviceEvents,
    serviceEvents,
  };
}

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));

interface Execution {
  transitions: number;
  durationMs: number;
}

/** State transitions (states entered) and duration of every finished execution, by name. */
function executions(runtime: LocalRuntime): Map<string, Execution> {
  const found = new Map<string, Execution>();
  for (const machine of runtime.stepFunctions.listMachines()) {
    for (const record of runtime.stepFunctions.listExecutions(machine.definition.arn)) {
      if (!record.stopDate) continue;
      found.set(record.executionArn, {
        transitions: record.history.filter((event) => event.type.endsWith("StateEntered")).length,
        durationMs: record.stopDate.getTime() - record.startDate.getTime(),
      });
    }
  }
  return found;
}

export interface PerOrder {
  orders: number;
  busEvents: number;
  serviceEvents: number;
  invocations: number;
  auditInvocations: number;
  lambdaGbSeconds: number;
  executions: number;
  transitions: number;
  executionSeconds: number;
  dynamodbWrites: number;
  dynamodbReads: number;
  dynamodbByOperation: Record<string, number>;
}

/** What the orders between two counter readings cost, per order. */
function perOrder(
  runtime: LocalRuntime,
  before: Counters,
  after: Counters,
  executionsBefore: Map<string, Execution>,
  executionsAfter: Map<string, Execution>,
  orders: number,
): PerOrder {
  const invocations = delta(after.invocations, before.invocations);
  const milliseconds = delta(after.milliseconds, before.milliseconds);
  const memoryOf = new Map(runtime.functions.list().map((fn) => [fn.name, fn.memoryMb]));
  let flow = 0;
  let audit = 0;
  let gbSeconds = 0;
  for (const [name, count] of Object.entries(invocations)) {
    if (name.startsWith("keel-") && name.includes("-platform-")) audit += count;
    else flow += count;
    // Lambda bills each invocation rounded up to the millisecond.
    gbSeconds += (((milliseconds[name] ?? 0) + count * 0.5) / 1000) * ((memoryOf.get(name) ?? 1024) / 1024);
  }
  const fresh = [...executionsAfter].filter(([arn]) => !executionsBefore.has(arn)).map(([, execution]) => execution);
  const dynamodb = delta(after.dynamodb, before.dynamodb);
  const count = (names: Set<string>) =>
    sum(
      Object.entries(dynamodb)
        .filter(([name]) => names.has(name))
        .map(([, value]) => value),
    );
  return {
    orders,
    busEvents: (after.events - before.events) / orders,
    serviceEvents: (after.serviceEvents - before.serviceEvents) / orders,
    invocations: flow / orders,
    auditInvocations: audit / orders,
    lambdaGbSeconds: gbSeconds / orders,
    executions: fresh.length / orders,
    transitions: sum(fresh.map((execution) => execution.transitions)) / orders,
    executionSeconds: sum(fresh.map((execution) => Math.ceil(execution.durationMs / 100) / 10)) / orders,
    dynamodbWrites: count(WRITES) / orders,
    dynamodbReads: count(READS) / orders,
    dynamodbByOperation: Object.fromEntries(Object.entries(dynamodb).map(([name, value]) => [name, value / orders])),
  };
}

export interface Bill {
  lambda: number;
  stepFunctionsStandard: number;
  stepFunctionsExpress: number;
  eventBridge: number;
  dynamodb: number;
  totalStandard: number;
  totalExpress: number;
}

/** US dollars per million orders. */
export function billPerMillionOrders(order: PerOrder): Bill {
  const lambda =
    (order.invocations + order.auditInvocations) * PRICES.lambdaPerMillionRequests +
    order.lambdaGbSeconds * 1e6 * PRICES.lambdaPerGbSecond;
  const stepFunctionsStandard = order.transitions * 1000 * PRICES.stepFunctionsStandardPerThousandTransitions;
  const stepFunctionsExpress =
    order.executions * PRICES.stepFunctionsExpressPerMillionRequests +
    order.executionSeconds * 1e6 * PRICES.stepFunctionsExpressGb * PRICES.stepFunctionsExpressPerGbSecond;
  // Events AWS services put on the default bus (Step Functions status changes) are free.
  const eventBridge = order.busEvents * PRICES.eventBridgePerMillionEvents;
  const dynamodb =
    order.dynamodbWrites * PRICES.dynamoDbPerMillionWrites + order.dynamodbReads * PRICES.dynamoDbPerMillionReads;
  const common = lambda + eventBridge + dynamodb;
  return {
    lambda,
    stepFunctionsStandard,
    stepFunctionsExpress,
    eventBridge,
    dynamodb,
    totalStandard: common + stepFunctionsStandard,
    totalExpress: common + stepFunctionsExpress,
  };
}

interface FlowResult {
  flow: Flow;
  unloaded: { p50: number; p99: number };
  perOrder: PerOrder;
  bill: Bill;
  load: OrderLoadResult;
  sustainable: OrderLoadResult & { rate: number };
  profile: { orders: number; main: ProfileSummary; workers: ProfileSummary };
}

async function measureFlow(
  context: PartContext,
  flow: Flow,
  orders: number,
  rate: number,
  sample: number,
  instances: number | undefined,
  profileOrders: number,
) {
  const clock = new OrderClock();
  context.progress(`${flow}: starting the local runtime`);
  const runtime = await startLocal({
    inMemory: true,
    ports: { http: 0, aws: 0, dynamodb: 0 },
    functionLogs: "silent",
    onEvent: clock.onEvent,
    ...(instances ? { maxInstancesPerFunction: instances } : {}),
  });
  try {
    const token = await runtime.token({ tenant: "tenant-bench", user: "bench" });
    // Cold starts of every function on the path, outside the figures.
    for (let index = 0; index < 3; index += 1) {
      const answer = await placeOrder(runtime, token, flow, index);
      if (answer.status !== 202 || !answer.orderId)
        throw new Error(`${flow}: warm-up order refused (${answer.status})`);
      if (!(await clock.wait(answer.orderId, 120_000))) throw new Error(`${flow}: warm-up order never finished`);
    }
    await runtime.idle(300_000);

    const before = counters(runtime);
    const executionsBefore = executions(runtime);
    const unloaded: number[] = [];
    for (let index = 0; index < sample; index += 1) {
      context.progress(`${flow}: sample order ${index + 1}/${sample}, one at a time`);
      const started = performance.now();
      const answer = await placeOrder(runtime, token, flow, index);
      if (answer.status !== 202 || !answer.orderId) throw new Error(`${flow}: sample order refused (${answer.status})`);
      if (!(await clock.wait(answer.orderId, 120_000))) throw new Error(`${flow}: sample order never finished`);
      unloaded.push(performance.now() - started);
      await runtime.idle(300_000);
    }
    const order = perOrder(runtime, before, counters(runtime), executionsBefore, executions(runtime), sample);

    const load = await offerOrders(runtime, clock, {
      token,
      flow,
      orders,
      rate,
      drainMs: 600_000,
      progress: context.progress,
    });
    context.log(
      `${flow}: ${load.terminal}/${load.accepted} orders at ${round(load.throughput, 1)} orders/s offered ${rate}/s, p99 ${round(load.p99)} ms`,
    );
    await runtime.idle(600_000);
    const sustainableRate = Math.max(1, round(load.throughput * 0.7, 1));
    const sustainable = await offerOrders(runtime, clock, {
      token,
      flow,
      orders: Math.max(50, Math.round(sustainableRate * 20)),
      rate: sustainableRate,
      drainMs: 600_000,
      progress: context.progress,
    });
    await runtime.idle(600_000);
    // A short run of its own is profiled (the profiler slows every thread): where an order's CPU goes.
    const profiled = await profileWithWorkers(async () => {
      const run = await offerOrders(runtime, clock, {
        token,
        flow,
        orders: profileOrders,
        rate: Math.max(1, round(sustainableRate / 2, 1)),
        drainMs: 600_000,
        progress: context.progress,
      });
      await runtime.idle(600_000);
      return run;
    });
    const summary = (profiles: Parameters<typeof mergeProfiles>[0]) =>
      summariseProfile(mergeProfiles(profiles), { ownerOf: runtimeOwner, inherit: true, top: 12 });
    const profile = {
      orders: profiled.result.terminal,
      main: summary([profiled.main]),
      workers: summary(profiled.workers.map((worker) => worker.profile)),
    };
    return {
      flow,
      unloaded: { p50: percentile(unloaded, 50), p99: percentile(unloaded, 99) },
      perOrder: order,
      bill: billPerMillionOrders(order),
      load,
      sustainable: { ...sustainable, rate: sustainableRate },
      profile,
    } satisfies FlowResult;
  } finally {
    context.progress(`${flow}: stopping the local runtime`);
    await runtime.stop();
  }
}

const part: Part = {
  name: "throughput",
  title: "end-to-end throughput, latency and cost per order of both flows on the local runtime",
  order: 30,
  async run(context) {
    const flows = String(context.options.flows ?? "orchestration,choreography")
      .split(",")
      .map((flow) => flow.trim()) as Flow[];
    for (const flow of flows) {
      if (flow !== "orchestration" && flow !== "choreography") throw new Error(`no flow ${flow}`);
    }
    const orders = Number(context.options.orders ?? 1000);
    const rate = Number(context.options.rate ?? TARGET_RATE);
    const sample = Number(context.options.sample ?? 20);
    const instances = context.options.instances ? Number(context.options.instances) : undefined;
    const profileOrders = Number(context.options["profile-orders"] ?? 40);
    if (!(orders > 0 && rate > 0 && sample > 0)) throw new Error("--orders, --rate and --sample must be positive");

    const results: FlowResult[] = [];
    for (const flow of flows)
      results.push(await measureFlow(context, flow, orders, rate, sample, instances, profileOrders));

    const rows: Row[] = [];
    for (const result of results) {
      for (const [label, run] of [
        [`offered ${rate}/s`, result.load],
        [`offered ${result.sustainable.rate}/s`, result.sustainable],
      ] as const) {
        rows.push({
          flow: result.flow,
          load: label,
          orders: run.accepted,
          // Answered with an error: the client knows, nothing accepted is dropped.
          refused: run.refused,
          lost: run.lost,
          "orders/s": round(run.throughput, 1),
          "p50 ms": round(run.p50),
          "p99 ms": round(run.p99),
          "CPU ms/order": round(run.cpuMsPerOrder, 1),
        });
      }
      rows.push({
        flow: result.flow,
        load: "one at a time",
        orders: result.perOrder.orders,
        refused: 0,
        lost: 0,
        "orders/s": null,
        "p50 ms": round(result.unloaded.p50),
        "p99 ms": round(result.unloaded.p99),
        "CPU ms/order": null,
      });
    }
    const costRows: Row[] = results.map((result) => ({
      flow: result.flow,
      "bus events": round(result.perOrder.busEvents, 1),
      invocations: round(result.perOrder.invocations, 1),
      "audit invocations": round(result.perOrder.auditInvocations, 1),
      "state transitions": round(result.perOrder.transitions, 1),
      "DynamoDB writes": round(result.perOrder.dynamodbWrites, 1),
      "DynamoDB reads": round(result.perOrder.dynamodbReads, 1),
      "$/M orders (SFN Standard)": round(result.bill.totalStandard, 2),
      "$/M orders (SFN Express)": round(result.bill.totalExpress, 2),
    }));

    const notes: string[] = ["", "Per order (from the one-at-a-time sample) and the AWS bill per million orders:"];
    const { textTable } = await import("../lib/table");
    notes.push(textTable(costRows));
    for (const result of results) {
      const bill = result.bill;
      notes.push(
        `${result.flow}: Lambda $${round(bill.lambda, 2)}, EventBridge $${round(bill.eventBridge, 2)}, DynamoDB $${round(bill.dynamodb, 2)}` +
          (result.perOrder.executions > 0
            ? `, Step Functions Standard $${round(bill.stepFunctionsStandard, 2)} or Express $${round(bill.stepFunctionsExpress, 2)} (${round(result.perOrder.executionSeconds, 1)} s per execution locally)`
            : "") +
          " per million orders",
      );
    }
    notes.push(
      `Prices: AWS list prices ${PRICES.region} as of ${PRICES.date} (Lambda arm64 at the functions' memory and their local durations; DynamoDB on-demand, one unit per call; EventBridge custom events; Step Functions service events are free). Logs, X-Ray and data transfer are not included.`,
    );
    for (const result of results) {
      const { orders: profiled, main, workers } = result.profile;
      const perOrder = (ms: number) => round(ms / Math.max(profiled, 1), 1);
      notes.push(
        "",
        `${result.flow}: profile of ${profiled} orders at half that rate, busy ms per order — main thread (HTTP API, AWS emulation, dynalite, Step Functions) ${perOrder(main.busyMs)}, functions' workers ${perOrder(workers.busyMs)}:`,
        ...main.owners
          .slice(0, 8)
          .map(
            (owner) =>
              `  main     ${owner.owner.padEnd(44)} ${String(owner.share).padStart(5)}%  ${perOrder(owner.selfMs)} ms/order`,
          ),
        ...workers.owners
          .slice(0, 8)
          .map(
            (owner) =>
              `  workers  ${owner.owner.padEnd(44)} ${String(owner.share).padStart(5)}%  ${perOrder(owner.selfMs)} ms/order`,
          ),
      );
    }
    for (const result of results) {
      const met = result.load.throughput >= TARGET_RATE && result.load.p99 < TARGET_P99_MS && result.load.lost === 0;
      notes.push(
        `${result.flow}: target ≥ ${TARGET_RATE} orders/s with p99 < ${TARGET_P99_MS} ms and nothing lost: ${met ? "met" : "missed"} ` +
          `(${round(result.load.throughput, 1)} orders/s, p99 ${round(result.load.p99)} ms, ${result.load.lost} lost; ` +
          `${round(result.load.cpuMsPerOrder, 1)} CPU ms per order on ${context.machine.cores} cores bounds it at ` +
          `${round((context.machine.cores * 1000) / result.load.cpuMsPerOrder, 1)} orders/s)`,
      );
    }
    return { rows, notes, data: { prices: PRICES, rate, orders, sample, results } };
  },
};

export default part;
