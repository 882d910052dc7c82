import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { serviceDir } from "@keel/serverless";
import type { LocalRuntime, RuntimeRecord } from "../../runtime";
import { startLocal } from "../../runtime";
import type { Command } from "../command";
import { dataDir } from "../endpoints";

const HELP = `keel start — run every service on this machine (no AWS account, no Docker)

  --port <n>         HTTP API port (default 3000)
  --aws-port <n>     EventBridge / Step Functions / SQS / Lambda API port (default 4100)
  --dynamodb-port <n> DynamoDB port (default 4101)
  --in-memory        keep nothing on disk (default: state under .keel/, or $KEEL_DATA_DIR)
  --stage <name>     the serverless stage to run (default local)
  --service <name>   run only this service (a folder under services/, or a path); repeatable
  --quiet            print only failures, not one line per routed message
  --iam <mode>       enforce (default): each function's calls are checked against its execution
                     role in the template and refused as AWS would; record: report, do not refuse;
                     off: no checks`;

/** Records worth a line even in quiet mode: something did not go as planned. */
const FAILURES = new Set([
  "event.retrying",
  "event.dead-lettered",
  "event.dropped",
  "lambda.retrying",
  "lambda.failed",
  "lambda.dropped",
  "execution.failed",
  "execution.timed-out",
  "iam.denied",
]);

function printSummary(runtime: LocalRuntime, startedMs: number) {
  const { model, endpoints } = runtime;
  const out = (line = "") => process.stdout.write(`${line}\n`);
  out(
    `Keel local runtime (stage ${model.stage}): ${model.services.length} services, ${model.functions.length} functions, ` +
      `${model.rules.length} rules, ${model.stateMachines.length} state machines, ${model.tables.length} tables`,
  );
  out(`  HTTP API      ${endpoints.http}`);
  out(`  EventBridge   ${endpoints.eventbridge}   (Step Functions, SQS and Lambda on the same port)`);
  out(`  DynamoDB      ${endpoints.dynamodb}`);
  if (model.routes.length > 0) {
    out("Routes:");
    const width = Math.max(...model.routes.map((route) => route.routeKey.length));
    for (const route of [...model.routes].sort(
      (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
    )) {
      out(`  ${route.routeKey.padEnd(width)}  -> ${route.functionName}${route.authorizer ? "  (JWT)" : ""}`);
    }
  }
  if (model.routes.some((route) => route.authorizer))
    out("A token for the JWT routes: npx keel token --tenant tenant-001 --user user-123");
  out(
    `Endpoints written to ${dataDir()}/endpoints.json. Ready in ${((Date.now() - startedMs) / 1000).toFixed(1)} s; Ctrl-C stops.`,
  );
}

async function start(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      "aws-port": { type: "string" },
      "dynamodb-port": { type: "string" },
      "in-memory": { type: "boolean", default: false },
      stage: { type: "string" },
      service: { type: "string", multiple: true },
      quiet: { type: "boolean", default: false },
      iam: { type: "string", default: "enforce" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const port = (value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0 || number > 65535) throw new Error(`not a port: ${value}`);
    return number;
  };
  const iam = values.iam as string;
  if (iam !== "enforce" && iam !== "record" && iam !== "off")
    throw new Error(`--iam takes enforce, record or off (not "${iam}")`);
  const started = Date.now();
  const printRecord = (record: RuntimeRecord) => {
    if (values.quiet && !FAILURES.has(record.type)) return;
    process.stdout.write(`${JSON.stringify({ keel: record.type, ...record, type: undefined })}\n`);
  };
  const services = values.service?.map((entry) => {
    const dir = existsSync(resolve(entry, "serverless.yml")) ? resolve(entry) : serviceDir(entry);
    if (!existsSync(resolve(dir, "serverless.yml")))
      throw new Error(`no serverless.yml for service "${entry}" (looked in ${dir})`);
    return { name: basename(dir), dir };
  });
  const runtime = await startLocal({
    ...(services ? { services } : {}),
    inMemory: values["in-memory"],
    dataDir: dataDir(),
    writeEndpoints: true,
    iam,
    ...(values.stage ? { stage: values.stage } : {}),
    ports: {
      http: port(values.port, 3000),
      aws: port(values["aws-port"], 4100),
      dynamodb: port(values["dynamodb-port"], 4101),
    },
    onProgress: (line) => process.stdout.write(`${line}\n`),
    onRecord: printRecord,
  });
  printSummary(runtime, started);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    await runtime.stop();
    process.stdout.write("stopped\n");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

export const command: Command = { name: "start", summary: "run every service on this machine", help: HELP, run: start };
