import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { serviceDir } from "./services";

export interface CloudFormationTemplate {
  AWSTemplateFormatVersion?: string;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;
  Outputs?: Record<string, { Value: unknown; Export?: unknown }>;
}

export interface PackageOptions {
  stage?: string;
  /** Where the artifacts go; defaults to the service's own `.serverless` folder. */
  outDir?: string;
  /** Kill the CLI and fail after this long (packaging must exit on its own). */
  timeoutMs?: number;
}

/** The service as the framework resolved it (variables, params and files substituted). */
export interface ResolvedService {
  service: string;
  provider: Record<string, unknown> & { runtime?: string; architecture?: string; environment?: Record<string, string> };
  custom?: Record<string, unknown>;
  plugins?: string[] | { modules: string[] };
  functions?: Record<string, Record<string, unknown>>;
  resources?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PackageResult {
  service: string;
  stage: string;
  outDir: string;
  template: CloudFormationTemplate;
  resolved: ResolvedService;
  durationMs: number;
}

export const SERVERLESS_BIN = require.resolve("osls/bin/serverless.js");

/** The environment packaging runs in: no telemetry, and no AWS account needed. */
export function packagingEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off", FORCE_COLOR: "0" };
}

/**
 * Runs `serverless package` for one service (a folder name under `services/`, or an absolute
 * path to a service folder) offline and returns the generated CloudFormation
 * template. Rejects with the CLI's output if it fails, and if it has not exited by `timeoutMs`.
 */
export async function packageService(service: string, options: PackageOptions = {}): Promise<PackageResult> {
  const stage = options.stage ?? "dev";
  const cwd = isAbsolute(service) ? service : serviceDir(service);
  const outDir = options.outDir ?? join(cwd, ".serverless");
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = Date.now();
  const args = [SERVERLESS_BIN, "package", "--stage", stage, ...(options.outDir ? ["--package", outDir] : [])];

  await new Promise<void>((resolve, reject) => {
    const env = {
      ...packagingEnv(),
      KEEL_ESBUILD_WORK_FOLDER: `.esbuild-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    };
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`packaging ${service} (stage ${stage}) did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else if (!signal)
        reject(new Error(`packaging ${service} (stage ${stage}) failed with exit code ${code}:\n${output}`));
    });
  });

  const template = JSON.parse(
    await readFile(join(outDir, "cloudformation-template-update-stack.json"), "utf8"),
  ) as CloudFormationTemplate;
  const state = JSON.parse(await readFile(join(outDir, "serverless-state.json"), "utf8")) as {
    service: ResolvedService;
  };
  return { service, stage, outDir, template, resolved: state.service, durationMs: Date.now() - started };
}

/** The resources of a template of one CloudFormation type, by logical id. */
export function resourcesOfType(template: CloudFormationTemplate, type: string) {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, resource]) => resource.Type === type));
}
