/**
 * POST /orders on the local runtime, beside the bare calls it makes: the latency a client sees
 * through the HTTP API (JWT authorizer, the postOrders function in its worker, Powertools
 * idempotency on DynamoDB, PutEvents to the command bus), and the latency of the same AWS calls
 * made directly from this process with the SDK against the same local endpoints, after a bare
 * HTTP round trip to the same API (a path no route matches: the API answers 404 itself).
 *
 * Both sides publish the same CreateOrder command to the same bus. The command bus's rules are
 * disabled while the part runs, so that no workflow runs behind the requests and competes with
 * them for the CPU (`--with-workflows` keeps them: both sides then set off the same workflows);
 * every batch waits for the system to be idle before the next one starts.
 *
 * Options: --ingress-rounds <n> (default 8) batches per side and scenario, --ingress-batch <n>
 * (default 25) requests per batch, --ingress-concurrency <n> (default 4) for the concurrent
 * scenarios, --jwt-reps <n> (default 500) JWT verifications timed on their own, --profile-requests
 * <n> (default 200, 0 for none) sequential requests per side under the CPU profiler, --with-workflows.
 */
import { createHash, randomUUID } from "node:crypto";
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { createCommand, toEventBridgeEntry } from "@keel/contracts";
import { type FunctionDef, type LocalRuntime, startLocal } from "@keel/local";
import type { Part, PartContext, Row } from "../lib/part";
import {
  type CpuProfile,
  mergeProfiles,
  ownerLines,
  profileThisThread,
  profileWithWorkers,
  runtimeOwner,
  summariseProfile,
} from "../lib/profile";
import { interleave, median, medianRatio, round, summarise } from "../lib/stats";

const TARGET = 1.3;
const TENANT = "tenant-bench";
const USER = "user-bench";

type Side = "ingress" | "bare";
const SIDES: readonly Side[] = ["ingress", "bare"];

interface Scenario {
  id: string;
  label: string;
  concurrency: number;
  idempotencyKey: boolean;
}

/** What one request of either side needs, prepared before the clock starts. */
interface Prepared {
  body: string;
  key: string | undefined;
  entry: ReturnType<typeof toEventBridgeEntry>;
  recordId: string;
  payloadHash: string;
}

const orderBody = (orderId: string) => ({
  orderId,
  customerId: "CUST-9001",
  currency: "AUD",
  items: [
    { sku: "SKU-123", qty: 2, unitPrice: 49.95 },
    { sku: "SKU-999", qty: 1, unitPrice: 19.95 },
  ],
  paymentMethodToken: "tok_abc123",
  contact: { email: "ada@example.com" },
});

interface Harness {
  runtime: LocalRuntime;
  fn: FunctionDef;
  token: string;
  dynamodb: DynamoDBClient;
  eventBridge: EventBridgeClient;
  commandBus: string;
  idempotencyTable: string;
}

async function startHarness(context: PartContext): Promise<Harness> {
  context.progress("starting the local runtime (bundling every function)");
  const runtime = await startLocal({
    inMemory: true,
    ports: { http: 0, aws: 0, dynamodb: 0 },
    functionLogs: "silent",
    timeScale: 0.1,
    onProgress: (line) => context.progress(line),
  });
  const fn = runtime.model.functions.find(
    (candidate) => candidate.service === "orders" && candidate.key === "postOrders",
  );
  if (!fn) throw new Error("no orders/postOrders function in the model");
  const commandBus = fn.environment.COMMAND_BUS_NAME;
  const idempotencyTable = fn.environment.IDEMPOTENCY_TABLE;
  if (!commandBus || !idempotencyTable) throw new Error("postOrders has no COMMAND_BUS_NAME or IDEMPOTENCY_TABLE");
  // The bare calls sign with the function's own credentials: the same IAM evaluation as its calls.
  const signed = runtime.iam.credentialsFor(fn.name);
  const credentials = {
    accessKeyId: signed.AWS_ACCESS_KEY_ID,
    secretAccessKey: signed.AWS_SECRET_ACCESS_KEY,
    sessionToken: signed.AWS_SESSION_TOKEN,
  };
  const region = runtime.model.region;
  return {
    runtime,
    fn,
    token: await runtime.token({ tenant: TENANT, user: USER }),
    dynamodb: new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region, credentials }),
    eventBridge: new EventBridgeClient({ endpoint: runtime.endpoints.eventbridge, region, credentials }),
    commandBus,
    idempotencyTable,
  };
}

function prepare(harness: Harness, withKey: boolean): Prepared {
  const orderId = `ORD-${randomUUID()}`;
  const body = orderBody(orderId);
  const command = createCommand("CreateOrder", body, {
    tenantId: TENANT,
    initiator: { type: "user", id: USER },
  });
  const key = withKey ? `bench-${randomUUID()}` : undefined;
  const text = JSON.stringify(body);
  const hash = (value: string) => createHash("md5").update(value).digest("hex");
  return {
    body: text,
    key,
    entry: toEventBridgeEntry(command, harness.commandBus),
    recordId: `${harness.fn.name}#${hash(JSON.stringify([TENANT, key ?? ""]))}`,
    payloadHash: hash(text),
  };
}

function headers(harness: Harness, prepared: Prepared): Record<string, string> {
  return {
    authorization: `Bearer ${harness.token}`,
    "content-type": "application/json",
    ...(prepared.key ? { "idempotency-key": prepared.key } : {}),
  };
}

/** POST /orders through the API: the function, its idempotency record and its PutEvents. */
async function ingress(harness: Harness, prepared: Prepared): Promise<void> {
  const response = await fetch(`${harness.runtime.endpoints.http}/orders`, {
    method: "POST",
    headers: headers(harness, prepared),
    body: prepared.body,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${text.slice(0, 500)}`);
}

/**
 * The same work without the function: an HTTP round trip the API answers itself (same headers,
 * same body), then the calls postOrders makes — Powertools idempotency's conditional PutItem
 * (INPROGRESS), PutEvents, and the UpdateItem that stores the response (COMPLETED).
 */
async function bare(harness: Harness, prepared: Prepared): Promise<void> {
  const response = await fetch(`${harness.runtime.endpoints.http}/_bench/no-such-route`, {
    method: "POST",
    headers: headers(harness, prepared),
    body: prepared.body,
  });
  await response.text();
  if (response.status !== 404) throw new Error(`the bare round trip answered ${response.status}`);
  const now = Date.now();
  const expiry = Math.floor(now / 1000) + 24 * 3600;
  if (prepared.key) {
    await harness.dynamodb.send(
      new PutItemCommand({
        TableName: harness.idempotencyTable,
        Item: {
          id: { S: prepared.recordId },
          expiration: { N: String(expiry) },
          status: { S: "INPROGRESS" },
          in_progress_expiration: { N: String(now + 30_000) },
          validation: { S: prepared.payloadHash },
        },
        ExpressionAttributeNames: {
          "#id": "id",
          "#expiry": "expiration",
          "#in_progress_expiry": "in_progress_expiration",
          "#status": "status",
        },
        ExpressionAttributeValues: {
          ":now": { N: String(now / 1000) },
          ":now_in_millis": { N: String(now) },
          ":inprogress": { S: "INPROGRESS" },
        },
        ConditionExpression:
          "attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)",
      }),
    );
    // The message of the request's first attempt, kept beside the records (firstAttempt).
    await harness.dynamodb.send(
      new PutItemCommand({
        TableName: harness.idempotencyTable,
        Item: {
          id: { S: `${prepared.recordId}#first-attempt` },
          value: { S: JSON.stringify(prepared.entry) },
          fingerprint: { S: prepared.payloadHash },
          expiration: { N: String(expiry) },
        },
        ConditionExpression: "attribute_not_exists(id) OR expiration < :now",
        ExpressionAttributeValues: { ":now": { N: String(Math.floor(now / 1000)) } },
      }),
    );
  }
  const result = await harness.eventBridge.send(new PutEventsCommand({ Entries: [prepared.entry] }));
  if (result.FailedEntryCount) throw new Error(`PutEvents refused the command: ${JSON.stringify(result.Entries)}`);
  if (prepared.key) {
    await harness.dynamodb.send(
      new UpdateItemCommand({
        TableName: harness.idempotencyTable,
        Key: { id: { S: prepared.recordId } },
        UpdateExpression:
          "SET #expiry = :expiry, #status = :status, #response_data = :response_data, #validation_key = :validation_key",
        ExpressionAttributeNames: {
          "#expiry": "expiration",
          "#status": "status",
          "#response_data": "data",
          "#validation_key": "validation",
        },
        ExpressionAttributeValues: {
          ":expiry": { N: String(expiry) },
          ":status": { S: "COMPLETED" },
          ":response_data": { S: JSON.stringify({ statusCode: 202, body: prepared.body }) },
          ":validation_key": { S: prepared.payloadHash },
        },
      }),
    );
  }
}

/** `count` operations, `concurrency` at a time; the latency of each, in ms. */
async function batch(
  harness: Harness,
  side: Side,
  scenario: Scenario,
  count: number,
  onDone: () => void,
): Promise<number[]> {
  const prepared = Array.from({ length: count }, () => prepare(harness, scenario.idempotencyKey));
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < prepared.length) {
      const item = prepared[next] as Prepared;
      next += 1;
      const started = performance.now();
      await (side === "ingress" ? ingress(harness, item) : bare(harness, item));
      latencies.push(performance.now() - started);
      onDone();
    }
  };
  await Promise.all(Array.from({ length: scenario.concurrency }, worker));
  return latencies;
}

function summarised(profiles: readonly CpuProfile[]) {
  return summariseProfile(mergeProfiles(profiles), { ownerOf: runtimeOwner, inherit: true, top: 10 });
}

/**
 * Where the time of sequential requests goes: the runtime's main thread and the function's worker
 * during POST /orders, beside the main thread during the bare calls (the same process runs the
 * client, the API, the AWS emulation and dynalite).
 */
async function profileRequests(harness: Harness, context: PartContext, count: number) {
  const scenario: Scenario = { id: "profile", label: "profile", concurrency: 1, idempotencyKey: false };
  let done = 0;
  const tick = (side: string) => () => {
    done += 1;
    context.progress(`profiling ${side}: ${done} requests`);
  };
  const ingressRun = await profileWithWorkers(() => batch(harness, "ingress", scenario, count, tick("ingress")));
  await harness.runtime.idle(60_000);
  done = 0;
  const bareRun = await profileThisThread(() => batch(harness, "bare", scenario, count, tick("bare")));
  const busyWorkers = ingressRun.workers
    .map((worker) => worker.profile)
    .filter((profile) => summariseProfile(profile).busyMs > 1);
  const perRequest = (ms: number) => round((ms / count) * 1000, 0);
  const main = summarised([ingressRun.main]);
  const workers = summarised(busyWorkers);
  const bareMain = summarised([bareRun.profile]);
  const each = { count, unit: "request" };
  return {
    lines: [
      "",
      `Profile of ${count} sequential requests per side (busy µs per request: ingress main thread ${perRequest(main.busyMs)}, function worker ${perRequest(workers.busyMs)}; bare main thread ${perRequest(bareMain.busyMs)}):`,
      "Ingress, main thread (client, HTTP API, AWS emulation, dynalite):",
      ...ownerLines(main, each).map((line) => `  ${line}`),
      `Ingress, the function's worker (${busyWorkers.length} busy):`,
      ...ownerLines(workers, each).map((line) => `  ${line}`),
      "Bare calls, main thread:",
      ...ownerLines(bareMain, each).map((line) => `  ${line}`),
      "Functions of the worker by self time:",
      ...workers.functions
        .slice(0, 8)
        .map((entry) => `  ${entry.name.padEnd(36)} ${entry.owner.padEnd(40)} ${perRequest(entry.selfMs)} µs/request`),
    ],
    data: { count, ingressMain: main, ingressWorkers: workers, bareMain },
  };
}

/** The JWT authorizer's verification on its own (what the API does before invoking the function). */
async function jwtCost(harness: Harness, reps: number): Promise<number[]> {
  const route = harness.runtime.model.routes.find((candidate) => candidate.functionName === harness.fn.name);
  const authorizer = route?.authorizer;
  if (!authorizer) return [];
  const times: number[] = [];
  for (let rep = 0; rep < reps; rep += 1) {
    const started = performance.now();
    await harness.runtime.identity.verify(harness.token, authorizer);
    times.push(performance.now() - started);
  }
  return times;
}

async function run(context: PartContext) {
  const rounds = Number(context.options["ingress-rounds"] ?? 8);
  const batchSize = Number(context.options["ingress-batch"] ?? 25);
  const concurrency = Number(context.options["ingress-concurrency"] ?? 4);
  const jwtReps = Number(context.options["jwt-reps"] ?? 500);
  const profileCount = Number(context.options["profile-requests"] ?? 200);
  const scenarios: Scenario[] = [
    { id: "seq", label: "sequential", concurrency: 1, idempotencyKey: false },
    { id: "seq-key", label: "sequential, Idempotency-Key", concurrency: 1, idempotencyKey: true },
    { id: `c${concurrency}`, label: `${concurrency} concurrent`, concurrency, idempotencyKey: false },
    {
      id: `c${concurrency}-key`,
      label: `${concurrency} concurrent, Idempotency-Key`,
      concurrency,
      idempotencyKey: true,
    },
  ];

  const harness = await startHarness(context);
  const withWorkflows = context.options["with-workflows"] === true;
  try {
    // Rules stay in place (a PutEvents still matches every one of them), only their delivery stops.
    const disabled = withWorkflows
      ? []
      : harness.runtime.eventBridge.rulesOf(harness.commandBus).filter((rule) => rule.state === "ENABLED");
    for (const rule of disabled) rule.state = "DISABLED";
    const rows: Row[] = [];
    const results: Record<string, unknown> = {};
    const total = scenarios.length * rounds * SIDES.length * batchSize;
    let done = 0;
    for (const scenario of scenarios) {
      // Warm instances for this concurrency, and warm SDK connections, before anything is timed.
      context.progress(`${scenario.label}: warming up`);
      for (const side of SIDES) await batch(harness, side, scenario, scenario.concurrency * 4, () => undefined);
      await harness.runtime.idle(120_000);
      const measured = await interleave(SIDES, rounds, async (side, round) => {
        const latencies = await batch(harness, side, scenario, batchSize, () => {
          done += 1;
          context.progress(`${scenario.label}: ${side} round ${round + 1}/${rounds} (${done}/${total} requests)`);
        });
        context.progress(`${scenario.label}: waiting for the workflows of round ${round + 1} to settle`);
        await harness.runtime.idle(120_000);
        return latencies;
      });
      const ingressAll = measured.ingress.flat();
      const bareAll = measured.bare.flat();
      const ingressSummary = summarise(ingressAll);
      const bareSummary = summarise(bareAll);
      const p50Ratio = ingressSummary.p50 / bareSummary.p50;
      const p99Ratio = ingressSummary.p99 / bareSummary.p99;
      // Per-round ratios: robust to the machine's load drifting during the run.
      const roundP50 = medianRatio(measured.ingress.map(median), measured.bare.map(median));
      const missed = [p50Ratio > TARGET ? "p50" : "", p99Ratio > TARGET ? "p99" : ""].filter(Boolean);
      rows.push({
        scenario: scenario.label,
        n: ingressAll.length,
        "ingress p50": round(ingressSummary.p50, 2),
        "ingress p99": round(ingressSummary.p99, 2),
        "bare p50": round(bareSummary.p50, 2),
        "bare p99": round(bareSummary.p99, 2),
        "p50 ×": round(p50Ratio, 2),
        "p99 ×": round(p99Ratio, 2),
        "round p50 ×": round(roundP50, 2),
        target: missed.length ? `✗ ${missed.join("+")}` : "✓",
      });
      results[scenario.id] = {
        label: scenario.label,
        concurrency: scenario.concurrency,
        idempotencyKey: scenario.idempotencyKey,
        ingress: ingressSummary,
        bare: bareSummary,
        ratios: { p50: round(p50Ratio, 3), p99: round(p99Ratio, 3), roundMedianP50: round(roundP50, 3) },
      };
    }

    context.progress(`timing ${jwtReps} JWT verifications`);
    const jwt = summarise(await jwtCost(harness, jwtReps));
    const notes = [
      `Target: ingress ≤ ${TARGET}× the bare calls (p50 and p99). Latencies in ms, ${rounds} interleaved rounds of ${batchSize} requests per side; × is ingress/bare of the pooled percentiles, "round p50 ×" the median of per-round ratios.`,
      "Bare: an HTTP round trip the API answers itself (404, same headers and body) + PutEvents to the command bus; with an Idempotency-Key also Powertools' conditional PutItem and UpdateItem and the first attempt's conditional PutItem on the idempotency table — each signed as postOrders, on the same local endpoints.",
      withWorkflows
        ? "The command bus's rules stayed enabled: both sides set off a CreateOrder workflow per request."
        : `The command bus's ${disabled.length} rules were disabled: no workflow runs behind either side's requests (--with-workflows to keep them).`,
      `JWT verification by the API's authorizer (in process, ${jwt.n} reps of the bench's token, verified once then remembered until it expires): p50 ${round(jwt.p50, 3)} ms, p99 ${round(jwt.p99, 3)} ms — part of the ingress side only.`,
    ];
    const profile = profileCount > 0 ? await profileRequests(harness, context, profileCount) : undefined;
    if (profile) notes.push(...profile.lines);
    return {
      rows,
      notes,
      data: {
        target: TARGET,
        method: {
          rounds,
          batchSize,
          concurrency,
          function: harness.fn.name,
          workflows: withWorkflows,
          bare: "404 round trip + [PutItem] + PutEvents + [UpdateItem], signed with the function's credentials",
        },
        scenarios: results,
        jwtVerifyMs: jwt,
        profile: profile?.data,
      },
    };
  } finally {
    context.progress("stopping the local runtime");
    harness.dynamodb.destroy();
    harness.eventBridge.destroy();
    await harness.runtime.stop();
  }
}

const part: Part = {
  name: "ingress",
  title: "POST /orders latency on the local runtime, beside the bare SDK calls it makes",
  order: 20,
  run,
};

export default part;
