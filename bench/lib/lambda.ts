import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { deflateRawSync } from "node:zlib";
import { defaultServices, type FunctionDef, loadSystem, type ServiceDef, type SystemModel } from "@keel/local";
import { REPO_ROOT } from "@keel/serverless";
import { type BuildOptions, build, type Metafile } from "esbuild";
// The local runtime reads serverless-esbuild's settings into esbuild options the way packaging does.
import { esbuildOptions, splitHandler } from "../../shared/local/src/lambda/bundle";
import { ownerOfPath } from "./profile";

export { esbuildOptions, splitHandler };

/**
 * Every service as it deploys (stage `dev`): functions, roles and esbuild settings from the
 * packaged templates, cached under `.keel/package` with the tests'.
 */
export function loadDeployedModel(onProgress?: (line: string) => void): Promise<SystemModel> {
  return loadSystem({
    services: defaultServices(),
    stage: "dev",
    cacheDir: join(REPO_ROOT, ".keel", "package"),
    ...(onProgress ? { onProgress } : {}),
  });
}

export interface BuiltBundle {
  path: string;
  bytes: number;
  /** The bundle deflated as the deployment artifact stores it (serverless-esbuild's archiver: level 1). */
  zipBytes: number;
  /** Bytes in the output by package (`@aws-lambda-powertools/logger`, `@keel/contracts`, `services/orders`…). */
  packages: Record<string, number>;
  /** Modules the bundle requires at run time (the runtime-provided AWS SDK, Node's own). */
  externals: string[];
}

/** Deflate level of the artifacts `serverless package` writes (checked against a packaged zip). */
export const ARTIFACT_DEFLATE_LEVEL = 1;

function describeOutput(path: string, output: Metafile["outputs"][string]): BuiltBundle {
  const code = readFileSync(path);
  const packages: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = ownerOfPath(input);
    packages[owner] = (packages[owner] ?? 0) + bytesInOutput;
  }
  const externals = [...new Set(output.imports.filter((entry) => entry.external).map((entry) => entry.path))].sort();
  return {
    path,
    bytes: code.length,
    zipBytes: deflateRawSync(code, { level: ARTIFACT_DEFLATE_LEVEL }).length,
    packages,
    externals,
  };
}

/**
 * Bundles entry points with a service's serverless-esbuild settings, as `serverless package` does
 * (one output per entry, no source maps unless the settings ask for them), into `outDir/<name>.js`.
 * `minify: false` is for profiles only: the same code, with esbuild's `// path` marks left in.
 */
export async function bundleEntries(
  service: Pick<ServiceDef, "esbuild">,
  outDir: string,
  entries: ReadonlyArray<{ source: string; name: string }>,
  overrides: BuildOptions = {},
): Promise<Map<string, BuiltBundle>> {
  const result = await build({
    ...esbuildOptions(service as ServiceDef),
    entryPoints: entries.map((entry) => ({ in: entry.source, out: entry.name })),
    outdir: outDir,
    metafile: true,
    write: true,
    logLevel: "silent",
    ...overrides,
  });
  const outputs = new Map(
    Object.entries(result.metafile?.outputs ?? {}).map(([path, output]) => [resolve(path), output]),
  );
  const built = new Map<string, BuiltBundle>();
  for (const entry of entries) {
    const path = join(outDir, `${entry.name}.js`);
    const output = outputs.get(path);
    if (!output) throw new Error(`esbuild wrote no ${path}`);
    built.set(entry.name, describeOutput(path, output));
  }
  return built;
}

/** The handler's source file of a function (the module of `src/handlers/x.handler`). */
export function handlerSource(service: ServiceDef, fn: FunctionDef): string {
  return join(service.dir, `${splitHandler(fn.handler).module}.ts`);
}

/**
 * The environment Lambda gives a function's process (nodejs22.x, tracing active), plus the
 * function's own variables from its template.
 */
export function lambdaEnvironment(fn: FunctionDef, region = "us-east-1"): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]00000000000000000000000000000000",
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
    _AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129",
    _AWS_XRAY_DAEMON_PORT: "2000",
    AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "example",
    AWS_SESSION_TOKEN: "example",
    _HANDLER: fn.handler,
    ...fn.environment,
  };
}
