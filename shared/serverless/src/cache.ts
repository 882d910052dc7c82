import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, isAbsolute, join, relative } from "node:path";
import { type CloudFormationTemplate, packageService, type ResolvedService } from "./package";
import { REPO_ROOT, serviceDir } from "./services";

/**
 * Packaging a service takes seconds; its CloudFormation template depends only on the service's
 * configuration files and the shared ones, not on handler code. Checks that read templates (the
 * local runtime, the template validator, the governance rules) share one cache of them under
 * `.keel/package/<stage>/<service>/<inputs hash>`, filled once per change of those inputs.
 */

export interface PackagedTemplate {
  service: string;
  stage: string;
  template: CloudFormationTemplate;
  resolved: ResolvedService;
  /** Whether this call packaged the service (false: the cache had it). */
  packaged: boolean;
}

export interface CachedPackageOptions {
  stage?: string;
  /** Defaults to `<repo>/.keel/package`. */
  cacheDir?: string;
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

export const DEFAULT_PACKAGE_CACHE = join(REPO_ROOT, ".keel", "package");

const SKIP_DIRS = new Set(["node_modules", ".serverless", ".keel", "src", "test", "events"]);
const CONFIG_FILE = /\.(ya?ml|json|js|cjs)$/;

function configFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) files.push(...configFiles(join(dir, entry.name)));
    } else if (CONFIG_FILE.test(entry.name) && entry.name !== "package.json") {
      files.push(join(dir, entry.name));
    }
  }
  return files.sort();
}

/** What every service's template may read besides its own folder. */
const SHARED_INPUTS = [
  join(REPO_ROOT, "shared", "serverless", "esbuild.yml"),
  join(REPO_ROOT, "shared", "serverless", "plugins"),
  join(REPO_ROOT, "shared", "contracts", "domains.json"),
  join(REPO_ROOT, "shared", "contracts", "generated"),
  join(REPO_ROOT, "shared", "contracts", "schemas"),
  // The platform's Schema Registry resources are generated from these.
  join(REPO_ROOT, "shared", "contracts", "eventbridge-schemas.cjs"),
  join(REPO_ROOT, "shared", "catalog", "src", "schema-registry.ts"),
  join(REPO_ROOT, "package-lock.json"),
];

/** A hash of everything a service's packaged template depends on (but not its handler code). */
export function packageInputsHash(dir: string, stage: string): string {
  const hash = createHash("sha256").update(`stage=${stage}\n`);
  const files = [
    ...configFiles(dir),
    ...SHARED_INPUTS.filter((path) => existsSync(path)).flatMap((path) =>
      statSync(path).isDirectory() ? configFiles(path) : [path],
    ),
  ];
  for (const file of files) hash.update(`${relative(REPO_ROOT, file)}\n`).update(readFileSync(file));
  return hash.digest("hex");
}

const inFlight = new Map<string, Promise<PackagedTemplate>>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readPackaged(dir: string): Promise<Pick<PackagedTemplate, "template" | "resolved">> {
  const [template, state] = await Promise.all([
    readFile(join(dir, "cloudformation-template-update-stack.json"), "utf8"),
    readFile(join(dir, "serverless-state.json"), "utf8"),
  ]);
  return {
    template: JSON.parse(template) as CloudFormationTemplate,
    resolved: (JSON.parse(state) as { service: ResolvedService }).service,
  };
}

/**
 * The packaged template of a service (a folder name under `services/`, or a service folder's
 * absolute path) at a stage, from the cache when its inputs have not changed. Concurrent callers,
 * in this process or others, package a service once.
 */
export function packagedTemplate(service: string, options: CachedPackageOptions = {}): Promise<PackagedTemplate> {
  const stage = options.stage ?? "dev";
  const dir = isAbsolute(service) ? service : serviceDir(service);
  const name = isAbsolute(service) ? basename(service) : service;
  const cacheRoot = join(options.cacheDir ?? DEFAULT_PACKAGE_CACHE, stage, name);
  const hash = packageInputsHash(dir, stage);
  const key = `${cacheRoot}#${hash}`;
  const pending = inFlight.get(key);
  if (pending) return pending;
  const work = (async (): Promise<PackagedTemplate> => {
    const target = join(cacheRoot, hash);
    const complete = join(target, "cloudformation-template-update-stack.json");
    // Per service, not per stage: the framework stages every package in the service's own
    // `.serverless` folder, so two packagings of one service at once spoil each other.
    const lock = join(options.cacheDir ?? DEFAULT_PACKAGE_CACHE, `${name}.lock`);
    await mkdir(cacheRoot, { recursive: true });
    for (;;) {
      if (existsSync(complete)) return { service: name, stage, ...(await readPackaged(target)), packaged: false };
      try {
        await mkdir(lock);
        break;
      } catch {
        // Another process packages it: wait for its result, or take over a lock it left behind.
        const since = await stat(lock).then(
          (info) => Date.now() - info.mtimeMs,
          () => 0,
        );
        if (since > (options.timeoutMs ?? 180_000) + 10_000) await rm(lock, { recursive: true, force: true });
        await sleep(250);
      }
    }
    try {
      if (existsSync(complete)) return { service: name, stage, ...(await readPackaged(target)), packaged: false };
      options.onProgress?.(`packaging ${name} (stage ${stage})`);
      const staging = `${target}.${process.pid}.${Date.now()}`;
      const result = await packageService(dir, { stage, outDir: staging, timeoutMs: options.timeoutMs ?? 180_000 });
      await rename(staging, target);
      options.onProgress?.(`packaged ${name} in ${result.durationMs} ms`);
      for (const entry of readdirSync(cacheRoot)) {
        if (entry !== hash && !entry.startsWith(hash))
          await rm(join(cacheRoot, entry), { recursive: true, force: true });
      }
      return { service: name, stage, template: result.template, resolved: result.resolved, packaged: true };
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  })();
  inFlight.set(key, work);
  work.then(
    () => inFlight.delete(key),
    () => inFlight.delete(key),
  );
  return work;
}

/** Every named service's packaged template, two services packaging at a time. */
export async function packagedTemplates(
  services: readonly string[],
  options: CachedPackageOptions = {},
): Promise<PackagedTemplate[]> {
  const results = new Map<string, PackagedTemplate>();
  const queue = [...services];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) results.set(next, await packagedTemplate(next, options));
  };
  await Promise.all([worker(), worker()]);
  return services.map((service) => results.get(service) as PackagedTemplate);
}
