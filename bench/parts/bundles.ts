/**
 * Bundle size and module init of every function, each beside the floor it is held to: a bare
 * Middy handler with the same Powertools and the same AWS SDK clients, bundled the same way.
 *
 * The floor of a function is read from its execution role (what it is allowed to call is what it
 * calls: `keel lint iam` and the IAM coverage test keep roles exact): Powertools Logger and Tracer
 * always; Powertools idempotency with its DynamoDB persistence layer when the role holds the
 * `PowertoolsIdempotency` statement; one AWS SDK client per service the role grants actions on
 * (Lambda's own grants — logs, X-Ray, destinations — excepted), constructed at module level as
 * the Powertools examples do.
 *
 * Init is the time to `require` the bundle and construct the handler in a fresh `node` process
 * with Lambda's environment, measured inside the process: it includes loading the AWS SDK
 * packages the bundle requires (the runtime provides them; they are not in the bundle).
 *
 * Options: --init-reps <n> (default 15) repetitions of every init, all functions and floors
 * interleaved; --profile-runs <n> (default 8) runs per side of the init profile.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FunctionDef, ServiceDef } from "@keel/local";
import {
  type BuiltBundle,
  bundleEntries,
  handlerSource,
  lambdaEnvironment,
  loadDeployedModel,
  splitHandler,
} from "../lib/lambda";
import type { Part, PartContext, Row } from "../lib/part";
import {
  bundleLineOwners,
  type CpuProfile,
  mergeProfiles,
  ownerLines,
  type ProfileSummary,
  summariseProfile,
} from "../lib/profile";
import { median, medianRatio, percentile, round, sum } from "../lib/stats";

const SIZE_TARGET = 1.5;
const INIT_TARGET = 1.5;

/** The AWS SDK client a floor constructs for each IAM service prefix a role grants. */
const CLIENTS: Record<string, { module: string; client: string }> = {
  dynamodb: { module: "@aws-sdk/client-dynamodb", client: "DynamoDBClient" },
  events: { module: "@aws-sdk/client-eventbridge", client: "EventBridgeClient" },
  states: { module: "@aws-sdk/client-sfn", client: "SFNClient" },
  ses: { module: "@aws-sdk/client-sesv2", client: "SESv2Client" },
  sns: { module: "@aws-sdk/client-sns", client: "SNSClient" },
  sqs: { module: "@aws-sdk/client-sqs", client: "SQSClient" },
  lambda: { module: "@aws-sdk/client-lambda", client: "LambdaClient" },
};
/** Grants Lambda itself uses, not the handler: its log group and X-Ray. */
const LAMBDA_OWN = new Set(["logs", "xray"]);

interface Floor {
  id: string;
  label: string;
  idempotency: boolean;
  services: string[];
}

interface Statement {
  Sid?: string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** What a function's role says its handler does: idempotency, and the AWS services it calls. */
export function floorOf(fn: FunctionDef): Floor {
  const statements = (fn.role?.policies ?? []).flatMap((policy) => {
    const statement = (policy.document as { Statement?: Statement | Statement[] }).Statement;
    return Array.isArray(statement) ? statement : statement ? [statement] : [];
  });
  let idempotency = false;
  const services = new Set<string>();
  for (const statement of statements) {
    if (statement.Sid === "PowertoolsIdempotency") idempotency = true;
    // Lambda's destinations publish with the function's role, as source `lambda`.
    const source = statement.Condition?.StringEquals?.["events:source"];
    if (statement.Sid?.startsWith("LambdaDestination") || source === "lambda") continue;
    // A key used only through another service (DynamoDB encrypting a table) is that service's call.
    if (statement.Condition?.StringEquals?.["kms:ViaService"] !== undefined) continue;
    const actions = Array.isArray(statement.Action) ? statement.Action : statement.Action ? [statement.Action] : [];
    for (const action of actions) {
      const prefix = action.split(":")[0] as string;
      if (LAMBDA_OWN.has(prefix)) continue;
      if (!CLIENTS[prefix]) throw new Error(`${fn.name}: no floor client for ${action}`);
      services.add(prefix);
    }
  }
  if (idempotency) services.add("dynamodb");
  const sorted = [...services].sort();
  const label = ["logger+tracer", ...(idempotency ? ["idempotency"] : []), ...sorted].join(" + ");
  return { id: label.replaceAll(" + ", "-"), label, idempotency, services: sorted };
}

/** A bare Middy handler with the floor's Powertools and clients, as the Powertools examples write one. */
function floorSource(floor: Floor): string {
  const lines = [
    'import { Logger } from "@aws-lambda-powertools/logger";',
    'import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";',
    'import { Tracer } from "@aws-lambda-powertools/tracer";',
    'import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";',
    'import middy from "@middy/core";',
  ];
  if (floor.idempotency) {
    lines.push(
      'import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";',
      'import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";',
    );
  }
  for (const service of floor.services) {
    const { module, client } = CLIENTS[service] as { module: string; client: string };
    lines.push(`import { ${client} } from "${module}";`);
  }
  lines.push("", "const logger = new Logger();", "const tracer = new Tracer();");
  lines.push(
    `export const clients = { ${floor.services
      .map((service) => `${service}: tracer.captureAWSv3Client(new ${CLIENTS[service]?.client}({}))`)
      .join(", ")} };`,
  );
  lines.push(
    "export const handler = middy(async () => ({}))",
    "  .use(injectLambdaContext(logger))",
    floor.idempotency
      ? "  .use(captureLambdaHandler(tracer))\n  .use(makeHandlerIdempotent({ persistenceStore: new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE ?? 'idempotency', awsSdkV3Client: clients.dynamodb }) }));"
      : "  .use(captureLambdaHandler(tracer));",
  );
  return `${lines.join("\n")}\n`;
}

/**
 * Runs in a fresh `node`: requires the bundle and takes its handler, timing it with
 * performance.now(); also times each module the bundle itself requires from outside (the AWS
 * SDK: Lambda's runtime provides it).
 */
const PROBE = `"use strict";
const Module = require("node:module");
const [bundle, exportName] = process.argv.slice(2);
const external = {};
const load = Module.prototype.require;
Module.prototype.require = function (id) {
  if (this.filename !== bundle || Module.isBuiltin(id)) return load.apply(this, arguments);
  const started = performance.now();
  try {
    return load.apply(this, arguments);
  } finally {
    external[id] = (external[id] || 0) + performance.now() - started;
  }
};
const started = performance.now();
const handler = require(bundle)[exportName];
const ms = performance.now() - started;
Module.prototype.require = load;
process.stdout.write(JSON.stringify({ ms, external, ok: typeof handler === "function" }));
process.exit(0);
`;

interface Unit {
  id: string;
  path: string;
  exportName: string;
  env: Record<string, string>;
}

interface InitSample {
  ms: number;
  external: Record<string, number>;
}

function runProbe(probe: string, unit: Unit, nodeArgs: string[] = []): InitSample {
  const result = spawnSync(process.execPath, [...nodeArgs, probe, unit.path, unit.exportName], {
    env: unit.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  let parsed: InitSample & { ok?: boolean };
  try {
    parsed = JSON.parse(result.stdout) as InitSample & { ok?: boolean };
  } catch {
    throw new Error(`init of ${unit.id} failed (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  if (!parsed.ok) throw new Error(`${unit.id}: the bundle exports no handler ${unit.exportName}`);
  return { ms: parsed.ms, external: parsed.external };
}

/** The packages a bundle holds beyond its floor, biggest first: `zod +28.4 KB`. */
function extraPackages(bundle: BuiltBundle, floor: BuiltBundle, top = 3): Array<{ owner: string; bytes: number }> {
  return Object.entries(bundle.packages)
    .map(([owner, bytes]) => ({ owner, bytes: bytes - (floor.packages[owner] ?? 0) }))
    .filter((entry) => entry.bytes > 512)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

/** A copy in an order of its own for each seed (a repeatable shuffle). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed * 0x9e3779b9;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

const shortLabel = (label: string) => label.replace("logger+tracer", "L+T").replace("idempotency", "idem");

const kb = (bytes: number) => round(bytes / 1024, 1);

/** The owner of the code the bundle requires from outside: the AWS SDK the runtime provides. */
const SDK_OWNER = "AWS SDK (runtime-provided)";

async function profileInit(
  context: PartContext,
  probe: string,
  runs: number,
  subject: { unit: Unit; service: Pick<ServiceDef, "esbuild">; source: string; name: string },
): Promise<{ summary: ProfileSummary; runs: number }> {
  const dir = join(context.workDir, "profile", subject.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const built = await bundleEntries(subject.service, join(context.workDir, "profile-bundles"), [
    { source: subject.source, name: subject.name },
  ]);
  // The same code unminified, so that the profile can tell the bundled packages apart.
  const plain = await bundleEntries(
    subject.service,
    join(context.workDir, "profile-bundles"),
    [{ source: subject.source, name: subject.name }],
    { minify: false },
  );
  const path = (plain.get(subject.name) ?? built.get(subject.name))?.path as string;
  const owners = bundleLineOwners(readFileSync(path, "utf8"));
  for (let run = 0; run < runs; run += 1) {
    runProbe(probe, { ...subject.unit, path }, ["--cpu-prof", "--cpu-prof-interval", "100", "--cpu-prof-dir", dir]);
  }
  const profiles = readdirSync(dir)
    .filter((file) => file.endsWith(".cpuprofile"))
    .map((file) => JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile);
  const summary = summariseProfile(mergeProfiles(profiles), {
    ownerOf: (url, line) => {
      if (url.endsWith(path)) return owners(line) ?? "";
      // The probe's top level loads the bundle; its require hook runs the bundle's own requires.
      if (url.endsWith(probe)) return line === 0 ? "(reading + compiling the bundle)" : SDK_OWNER;
      // Everything else from node_modules is what the bundle requires from outside: the SDK.
      if (url.includes("/node_modules/")) return SDK_OWNER;
      return undefined;
    },
    inherit: true,
    top: 10,
  });
  return { summary, runs: profiles.length };
}

async function run(context: PartContext) {
  const reps = Number(context.options["init-reps"] ?? 15);
  const profileRuns = Number(context.options["profile-runs"] ?? 8);
  context.progress("reading every service's packaged configuration (stage dev)");
  const model = await loadDeployedModel((line) => context.progress(line));
  const bundleDir = join(context.workDir, "bundles");
  rmSync(bundleDir, { recursive: true, force: true });

  // Every function, bundled per service with that service's settings.
  const functions: Array<{ fn: FunctionDef; service: ServiceDef; floor: Floor; bundle: BuiltBundle; unit: Unit }> = [];
  for (const service of model.services) {
    const own = model.functions.filter((fn) => fn.service === service.name);
    context.progress(`bundling ${service.name} (${own.length} functions)`);
    const built = await bundleEntries(
      service,
      bundleDir,
      own.map((fn) => ({ source: handlerSource(service, fn), name: `${service.name}/${fn.key}` })),
    );
    for (const fn of own) {
      const bundle = built.get(`${service.name}/${fn.key}`) as BuiltBundle;
      functions.push({
        fn,
        service,
        floor: floorOf(fn),
        bundle,
        unit: {
          id: fn.key,
          path: bundle.path,
          exportName: splitHandler(fn.handler).exportName,
          env: lambdaEnvironment(fn, model.region),
        },
      });
    }
  }

  // One floor per distinct set of features, bundled with the same settings.
  const floors = new Map<string, { floor: Floor; bundle: BuiltBundle; unit: Unit; source: string }>();
  const floorDir = join(context.workDir, "floors");
  mkdirSync(floorDir, { recursive: true });
  for (const { floor, service, fn } of functions) {
    if (floors.has(floor.id)) continue;
    const source = join(floorDir, `${floor.id}.ts`);
    writeFileSync(source, floorSource(floor));
    const built = await bundleEntries(service, join(bundleDir, "floors"), [{ source, name: floor.id }]);
    const bundle = built.get(floor.id) as BuiltBundle;
    floors.set(floor.id, {
      floor,
      bundle,
      source,
      unit: { id: `floor ${floor.label}`, path: bundle.path, exportName: "handler", env: lambdaEnvironment(fn) },
    });
  }

  // Init: every function and every floor once per repetition, each repetition in an order of its
  // own; the first repetition warms the file cache and is discarded.
  const probe = join(context.workDir, "init-probe.cjs");
  writeFileSync(probe, PROBE);
  const units = [...functions.map((entry) => entry.unit), ...[...floors.values()].map((entry) => entry.unit)];
  const samples = new Map<string, InitSample[]>(units.map((unit) => [unit.id, []]));
  const total = (reps + 1) * units.length;
  let done = 0;
  for (let rep = 0; rep <= reps; rep += 1) {
    for (const unit of shuffled(units, rep + 1)) {
      context.progress(`init ${done}/${total}: ${unit.id}`);
      const sample = runProbe(probe, unit);
      if (rep > 0) samples.get(unit.id)?.push(sample);
      done += 1;
    }
  }

  const ms = (id: string) => (samples.get(id) ?? []).map((sample) => sample.ms);
  /** The SDK packages a unit's bundle actually required during init (not only referenced). */
  const sdkRequired = (id: string) =>
    [...new Set((samples.get(id) ?? []).flatMap((sample) => Object.keys(sample.external)))]
      .filter((name) => name.startsWith("@aws-sdk/") || name.startsWith("@smithy/"))
      .sort();
  const sdkMs = (id: string) => (samples.get(id) ?? []).map((sample) => sum(Object.values(sample.external)));
  const rows: Row[] = [];
  const data: Array<Record<string, unknown>> = [];
  for (const { fn, service, floor, bundle, unit } of functions) {
    const base = floors.get(floor.id) as { bundle: BuiltBundle; unit: Unit };
    const sizeRatio = bundle.bytes / base.bundle.bytes;
    const initRatio = medianRatio(ms(unit.id), ms(base.unit.id));
    const extra = extraPackages(bundle, base.bundle);
    const floorSdk = sdkRequired(base.unit.id);
    const unusedSdk = sdkRequired(unit.id).filter((name) => !floorSdk.includes(name));
    const verdict = [sizeRatio > SIZE_TARGET ? "size" : "", initRatio > INIT_TARGET ? "init" : ""].filter(Boolean);
    rows.push({
      function: `${service.name}/${fn.key}`,
      floor: shortLabel(floor.label),
      KB: kb(bundle.bytes),
      "zip KB": kb(bundle.zipBytes),
      "size ×": round(sizeRatio, 2),
      "init ms": round(median(ms(unit.id)), 1),
      p90: round(percentile(ms(unit.id), 90), 1),
      "floor ms": round(median(ms(base.unit.id)), 1),
      "init ×": round(initRatio, 2),
      "SDK ms": round(median(sdkMs(unit.id)), 1),
      target: verdict.length ? `✗ ${verdict.join("+")}` : "✓",
    });
    data.push({
      service: service.name,
      function: fn.key,
      name: fn.name,
      floor: floor.id,
      bytes: bundle.bytes,
      zipBytes: bundle.zipBytes,
      sizeRatio: round(sizeRatio, 3),
      init: {
        p50: median(ms(unit.id)),
        p90: percentile(ms(unit.id), 90),
        samples: ms(unit.id).map((v) => round(v, 2)),
      },
      initRatio: round(initRatio, 3),
      sdkRequireMs: round(median(sdkMs(unit.id)), 2),
      extraOverFloor: extra.map((entry) => ({ package: entry.owner, bytes: entry.bytes })),
      sdkRequiredAtInit: sdkRequired(unit.id),
      sdkNotInFloor: unusedSdk,
      packages: bundle.packages,
      externals: bundle.externals,
    });
  }
  for (const { floor, bundle, unit } of floors.values()) {
    rows.push({
      function: `floor: ${shortLabel(floor.label)}`,
      floor: "",
      KB: kb(bundle.bytes),
      "zip KB": kb(bundle.zipBytes),
      "size ×": 1,
      "init ms": round(median(ms(unit.id)), 1),
      p90: round(percentile(ms(unit.id), 90), 1),
      "floor ms": null,
      "init ×": 1,
      "SDK ms": round(median(sdkMs(unit.id)), 1),
      target: "",
    });
  }

  // Where the init of the function furthest from its floor goes, beside its floor's.
  const worst = [...data].sort((a, b) => (b.initRatio as number) - (a.initRatio as number))[0];
  const notes: string[] = [
    `Targets: bundle and init ≤ ${SIZE_TARGET}× the floor. Each floor is read from the function's role: L+T = Powertools Logger + Tracer, idem = Powertools idempotency (DynamoDB layer), then one SDK client per AWS service granted.`,
    `Init: median of ${reps} fresh processes per function, interleaved with the floors; × is the median of per-repetition ratios. SDK ms: time in the AWS SDK packages the bundle requires.`,
  ];
  const profiles: Record<string, unknown> = {};
  if (worst && profileRuns > 0) {
    const subject = functions.find((entry) => entry.fn.key === worst.function && entry.service.name === worst.service);
    if (subject) {
      const base = floors.get(subject.floor.id) as { floor: Floor; unit: Unit; source: string };
      context.progress(`profiling the init of ${subject.fn.key} and its floor`);
      const own = await profileInit(context, probe, profileRuns, {
        unit: subject.unit,
        service: subject.service,
        source: handlerSource(subject.service, subject.fn),
        name: subject.fn.key,
      });
      const floorProfile = await profileInit(context, probe, profileRuns, {
        unit: base.unit,
        service: subject.service,
        source: base.source,
        name: base.floor.id,
      });
      profiles[subject.fn.key] = own;
      profiles[`floor ${base.floor.label}`] = floorProfile;
      const perRun = (summary: ProfileSummary, runs: number) => round(summary.busyMs / runs, 1);
      notes.push(
        "",
        `Init profile of ${subject.service.name}/${subject.fn.key} (${own.runs} runs, unminified, ${perRun(own.summary, own.runs)} ms busy per run) — self time by package:`,
        ...ownerLines(own.summary, { count: own.runs, unit: "init" }).map((line) => `  ${line}`),
        `Its floor, ${base.floor.label} (${perRun(floorProfile.summary, floorProfile.runs)} ms busy per run):`,
        ...ownerLines(floorProfile.summary, { count: floorProfile.runs, unit: "init" }).map((line) => `  ${line}`),
      );
    }
  }
  const sdkExtra = data.filter((entry) => (entry.sdkNotInFloor as string[]).length > 0);
  if (sdkExtra.length > 0) {
    notes.push(
      "",
      "AWS SDK packages required at init beyond the floor's (its role calls no such service, or the handler uses a higher-level client):",
      ...sdkExtra.map(
        (entry) =>
          `  ${entry.service}/${entry.function}: ${(entry.sdkNotInFloor as string[]).map((name) => name.replace("@aws-sdk/", "")).join(", ")}`,
      ),
    );
  }
  notes.push(
    "",
    "Largest additions over the floor (bytes in the bundle):",
    ...data.map(
      (entry) =>
        `  ${`${entry.service}/${entry.function}`.padEnd(34)} ${(
          entry.extraOverFloor as Array<{ package: string; bytes: number }>
        )
          .map((extra) => `${extra.package} +${kb(extra.bytes)} KB`)
          .join(", ")}`,
    ),
  );

  return {
    rows,
    notes,
    data: {
      targets: { size: SIZE_TARGET, init: INIT_TARGET },
      method: {
        bundling: "each service's custom.esbuild (shared/serverless/esbuild.yml) as serverless-esbuild applies it",
        zip: "deflate level 1, as serverless-esbuild's archiver writes the artifact",
        initReps: reps,
        floors: [...floors.values()].map((entry) => ({ id: entry.floor.id, bytes: entry.bundle.bytes })),
      },
      functions: data,
      floors: Object.fromEntries(
        [...floors.values()].map((entry) => [
          entry.floor.id,
          {
            bytes: entry.bundle.bytes,
            zipBytes: entry.bundle.zipBytes,
            init: { p50: median(ms(entry.unit.id)), p90: percentile(ms(entry.unit.id), 90) },
            sdkRequireMs: median(sdkMs(entry.unit.id)),
            packages: entry.bundle.packages,
          },
        ]),
      ),
      profiles,
    },
  };
}

const part: Part = {
  name: "bundles",
  title: "bundle size and module init per function, beside a bare Middy + Powertools floor",
  order: 10,
  run,
};

export default part;
