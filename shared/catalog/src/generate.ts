import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listServices, packagedTemplates, REPO_ROOT, serviceDir } from "@keel/serverless";
import { buildCatalogModel, type CatalogModel, type CatalogProblem, type ServiceInput } from "./model";
import { prepareOutput, type WriteSummary, writeCatalog } from "./write";

export const DEFAULT_CATALOG_DIR = join(REPO_ROOT, ".keel", "catalog");

export interface GenerateOptions {
  out?: string;
  /** The stage whose packaged templates are read (default dev). */
  stage?: string;
  /** Service folders under `services/` (default: all of them). */
  services?: readonly string[];
  onProgress?: (line: string) => void;
}

export interface GenerateResult {
  model: CatalogModel;
  summary: WriteSummary;
  errors: CatalogProblem[];
  warnings: CatalogProblem[];
}

function packageJson(dir: string): { version?: string; description?: string } {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string; description?: string };
  } catch {
    return {};
  }
}

/**
 * Writes the message catalog: reads every service's packaged template (from the packaging cache,
 * packaging the services whose configuration changed), builds the model against the message
 * registry, and writes it with the EventCatalog SDK.
 */
export async function generateCatalog(options: GenerateOptions = {}): Promise<GenerateResult> {
  const progress = options.onProgress ?? (() => {});
  const out = options.out ?? DEFAULT_CATALOG_DIR;
  const stage = options.stage ?? "dev";
  await prepareOutput(out); // fail on a bad output folder before packaging
  const services = options.services ?? listServices();
  progress(`reading the packaged templates of ${services.length} services (stage ${stage})`);
  const packaged = await packagedTemplates(services, { stage, onProgress: progress });
  const inputs: ServiceInput[] = packaged.map((entry) => {
    const { version, description } = packageJson(serviceDir(entry.service));
    return { ...entry, ...(version ? { version } : {}), ...(description ? { description } : {}) };
  });
  const model = buildCatalogModel(inputs);
  const routes = model.services.reduce((sum, service) => sum + service.receives.length, 0);
  progress(`matched ${model.messages.length} registry messages with ${routes} routes to services`);
  const { version } = packageJson(join(REPO_ROOT, "shared", "contracts"));
  const summary = await writeCatalog(model, out, { onProgress: progress, ...(version ? { version } : {}) });
  return {
    model,
    summary,
    errors: model.problems.filter((problem) => problem.severity === "error"),
    warnings: model.problems.filter((problem) => problem.severity === "warning"),
  };
}

/** `orders KeelordersdevX: the rule routes …`. */
export const formatProblem = (problem: CatalogProblem) =>
  `${problem.subject}${problem.resource ? ` ${problem.resource}` : ""}: ${problem.detail}`;
