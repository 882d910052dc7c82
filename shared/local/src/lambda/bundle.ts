import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BuildOptions, build } from "esbuild";
import type { FunctionDef, ServiceDef } from "../config/model";

const SOURCE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** `src/handlers/x.handler` → the module path and the export name. */
export function splitHandler(handler: string): { module: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function sourceOf(service: ServiceDef, fn: FunctionDef): string {
  const { module } = splitHandler(fn.handler);
  for (const extension of SOURCE_EXTENSIONS) {
    const candidate = join(service.dir, `${module}${extension}`);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`function ${fn.name} (${fn.service}): no source file for handler ${fn.handler}`);
}

/** esbuild options from the service's serverless-esbuild settings, as `serverless package` uses them. */
const PLUGIN_ONLY_OPTIONS = [
  "exclude",
  "external",
  "packager",
  "packagerOptions",
  "concurrency",
  "keepOutputDirectory",
  "zipConcurrency",
  "installExtraArgs",
  "watch",
  "disposeContext",
  "skipBuild",
  "skipRebuild",
  "outputWorkFolder",
  "outputBuildFolder",
  "outputFileExtension",
  "nativeZip",
  "buildConcurrency",
];

export function esbuildOptions(service: ServiceDef): BuildOptions {
  const settings = service.esbuild as Record<string, unknown> & { exclude?: string[]; external?: string[] };
  const options = Object.fromEntries(Object.entries(settings).filter(([key]) => !PLUGIN_ONLY_OPTIONS.includes(key)));
  // serverless-esbuild leaves both `exclude` (runtime-provided) and `external` (packaged) out of the bundle.
  return { ...(options as BuildOptions), external: [...(settings.exclude ?? []), ...(settings.external ?? [])] };
}

/**
 * Bundles every function of a service with the service's own esbuild settings (what deploys),
 * plus inline source maps so stack traces point at the TypeScript. Returns each function's
 * bundled module path.
 */
export async function bundleService(
  service: ServiceDef,
  functions: readonly FunctionDef[],
  outDir: string,
): Promise<Map<string, string>> {
  const own = functions.filter((fn) => fn.service === service.name);
  const modules = new Map<string, string>();
  if (own.length === 0) return modules;
  const entryPoints = [...new Set(own.map((fn) => sourceOf(service, fn)))];
  const serviceOut = join(outDir, service.name);
  await build({
    ...esbuildOptions(service),
    entryPoints,
    outbase: service.dir,
    outdir: serviceOut,
    bundle: true,
    platform: "node",
    format: "cjs",
    sourcemap: "inline",
    logLevel: "silent",
    write: true,
  });
  for (const fn of own) modules.set(fn.name, join(serviceOut, `${splitHandler(fn.handler).module}.js`));
  return modules;
}
