import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository root: the folder holding `serverless-compose.yml`. */
export const REPO_ROOT = resolve(__dirname, "..", "..", "..");
export const SERVICES_DIR = join(REPO_ROOT, "services");

/** The platform deploys first: the domain services read its outputs. */
const FIRST = ["platform"];

/** Every service folder that holds a serverless.yml, platform first, then by name. */
export function listServices(): string[] {
  const names = readdirSync(SERVICES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(SERVICES_DIR, entry.name, "serverless.yml")))
    .map((entry) => entry.name);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const rank = (name: string) => (FIRST.includes(name) ? FIRST.indexOf(name) : FIRST.length);

export const serviceDir = (service: string) => join(SERVICES_DIR, service);
