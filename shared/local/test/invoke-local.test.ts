import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { SERVERLESS_BIN } from "@keel/serverless";
import { type LocalRuntime, startLocal } from "../src";

/**
 * `serverless invoke local` works for every function, with the sample event in the service's
 * `events/` folder (named after the handler's file), against the running local runtime: the
 * runtime answers CloudFormation's stack queries, so `!Ref` environment values resolve.
 */
let runtime: LocalRuntime;
const LATE = ["projectOrder", "concludeSaga", "persistOrder"];

beforeAll(async () => {
  runtime = await startLocal({ inMemory: true, ports: { http: 0, aws: 0, dynamodb: 0 }, functionLogs: "silent" });
}, 180_000);
afterAll(() => runtime?.stop());

function invokeLocal(
  serviceDir: string,
  functionKey: string,
  eventFile: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [SERVERLESS_BIN, "invoke", "local", "--stage", "local", "-f", functionKey, "-p", eventFile],
      {
        cwd: serviceDir,
        env: {
          ...process.env,
          ...runtime.clientEnvironment,
          SLS_TELEMETRY_DISABLED: "1",
          POWERTOOLS_TRACE_ENABLED: "false",
          POWERTOOLS_LOG_LEVEL: "WARN",
          KEEL_ESBUILD_WORK_FOLDER: `.esbuild-invoke-${process.pid}-${functionKey}`,
        },
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("serverless invoke local", () => {
  it("runs every function with its sample event", async () => {
    const services = runtime.model.services.map((service) => ({
      service,
      functions: runtime.model.functions
        .filter((fn) => fn.service === service.name)
        // Samples that build on another's run after it: the starter records the sample order before
        // PersistOrder records it for good; the projector places the saga's order before it concludes.
        .sort((a, b) => LATE.indexOf(a.key) - LATE.indexOf(b.key)),
    }));
    const missing: string[] = [];
    const failures: string[] = [];
    let invoked = 0;
    const queue = [...services];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const fn of next.functions) {
          const eventFile = join("events", `${basename(fn.handler.split(".")[0] ?? "")}.json`);
          if (!existsSync(join(next.service.dir, eventFile))) {
            missing.push(`${next.service.name}/${eventFile} (for ${fn.key})`);
            continue;
          }
          const { code, output } = await invokeLocal(next.service.dir, fn.key, eventFile);
          await rm(join(next.service.dir, `.esbuild-invoke-${process.pid}-${fn.key}`), {
            recursive: true,
            force: true,
          });
          invoked += 1;
          if (code !== 0 || /"errorType"|^Error:/m.test(output))
            failures.push(`${next.service.name}/${fn.key} exited ${code}:\n${output.slice(-1500)}`);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(missing).toEqual([]);
    expect(failures).toEqual([]);
    expect(invoked).toBe(runtime.model.functions.length);
  }, 400_000);
});
