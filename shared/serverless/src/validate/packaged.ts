/**
 * The packaged output to validate: each service's `.serverless` folder when it is fresh (packaged
 * for the same stage after its last change), packaged anew otherwise.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type PackageResult, packageService } from "../package";
import { REPO_ROOT, serviceDir } from "../services";
import { isObject } from "./intrinsics";
import type { Template } from "./template";
import type { ServiceTemplate } from "./wiring";

const TEMPLATE = "cloudformation-template-update-stack.json";
const STATE = "serverless-state.json";
/** Not inputs of packaging: outputs, dependencies, tests, sample events. */
const SKIPPED = new Set([".serverless", ".esbuild", "node_modules", "test", "events", ".keel"]);
/** Shared files the services' serverless.yml read with ${file(...)}. */
const SHARED_INPUTS = ["shared/contracts/generated", "shared/contracts/domains.json", "shared/serverless/esbuild.yml"];

export interface LoadOptions {
  stage: string;
  /** Package even when a fresh output exists. */
  repackage?: boolean;
  /** How many services package at once. */
  concurrency?: number;
  onProgress?: (service: string, how: "reused" | "packaged", ms: number) => void;
}

export async function loadPackaged(services: readonly string[], options: LoadOptions): Promise<ServiceTemplate[]> {
  const queue = [...services];
  const loaded = new Map<string, ServiceTemplate>();
  const worker = async () => {
    for (let service = queue.shift(); service; service = queue.shift()) {
      const started = Date.now();
      const outDir = join(serviceDir(service), ".serverless");
      if (!options.repackage && isFresh(service, outDir, options.stage)) {
        loaded.set(service, readPackaged(service, outDir));
        options.onProgress?.(service, "reused", Date.now() - started);
      } else {
        const result = await packageService(service, { stage: options.stage });
        loaded.set(service, {
          service,
          template: result.template as unknown as Template,
          resolved: result.resolved,
        });
        options.onProgress?.(service, "packaged", Date.now() - started);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  return services.flatMap((service) => loaded.get(service) ?? []);
}

export function readPackaged(service: string, outDir: string): ServiceTemplate {
  const template = JSON.parse(readFileSync(join(outDir, TEMPLATE), "utf8")) as Template;
  const state = JSON.parse(readFileSync(join(outDir, STATE), "utf8")) as { service?: Record<string, unknown> };
  return { service, template, ...(state.service ? { resolved: state.service } : {}) };
}

/** Packaged for this stage, and newer than every input of packaging. */
export function isFresh(service: string, outDir: string, stage: string): boolean {
  const template = join(outDir, TEMPLATE);
  const state = join(outDir, STATE);
  if (!existsSync(template) || !existsSync(state)) return false;
  try {
    const resolved = (JSON.parse(readFileSync(state, "utf8")) as { service?: { provider?: unknown } }).service;
    if (!isObject(resolved?.provider) || resolved.provider.stage !== stage) return false;
  } catch {
    return false;
  }
  const packagedAt = Math.min(statSync(template).mtimeMs, statSync(state).mtimeMs);
  const inputs = [serviceDir(service), ...SHARED_INPUTS.map((path) => join(REPO_ROOT, path))];
  return inputs.every((input) => newestChange(input) <= packagedAt);
}

/** The newest file's change time (folders' own times move as packaging works in them). */
function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (SKIPPED.has(entry) || entry.startsWith(".esbuild")) continue;
    newest = Math.max(newest, newestChange(join(path, entry)));
  }
  return newest;
}

/**
 * Packages a service from a mirror of the repository under `root` (its config files copied, its
 * folders and the shared ones linked), into `outDir`. osls builds in `<service>/.serverless`
 * whatever `--package` says and deletes it afterwards, so two runs packaging the same service
 * folder at once (a test suite and `npm run package`, say) break each other; a mirror has its own.
 */
export function packageInMirror(
  service: string,
  options: { stage: string; root: string; outDir: string; timeoutMs?: number },
): Promise<PackageResult> {
  const mirror = join(options.root, "services", service);
  mkdirSync(mirror, { recursive: true });
  for (const entry of ["shared", "node_modules", "package.json"]) {
    if (!existsSync(join(options.root, entry))) symlinkSync(join(REPO_ROOT, entry), join(options.root, entry));
  }
  const source = serviceDir(service);
  for (const entry of readdirSync(source)) {
    if (entry.startsWith(".")) continue;
    const from = join(source, entry);
    // osls wants the config file itself in the folder, not a link to it.
    if (statSync(from).isDirectory()) symlinkSync(from, join(mirror, entry));
    else copyFileSync(from, join(mirror, entry));
  }
  return packageService(mirror, {
    stage: options.stage,
    outDir: options.outDir,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}
