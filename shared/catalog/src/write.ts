import { constants, existsSync } from "node:fs";
import { access, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Badge, Command, Event } from "@eventcatalog/sdk";
import eventCatalog from "@eventcatalog/sdk";
import { jsonSchemaOf, serializeSchema } from "@keel/contracts/json-schema";
import { domainMarkdown, messageMarkdown, serviceMarkdown, systemMarkdown, teamMarkdown } from "./markdown";
import { type CatalogMessage, type CatalogModel, catalogVersionOf } from "./model";

/** What `keel catalog` writes into its output folder, and only that: each run replaces these. */
export const CATALOG_FOLDERS = ["domains", "services", "events", "commands", "teams", "diagrams"] as const;
/** Marks a folder as written by `writeCatalog`, so a later run may replace what it wrote there. */
export const CATALOG_MARKER = ".keel-catalog.json";
export const SYSTEM_DIAGRAM_ID = "keel-message-flow";
export const SCHEMA_FILE = "schema.json";

export interface WriteSummary {
  out: string;
  domains: number;
  teams: number;
  services: number;
  events: number;
  commands: number;
  /** Message versions written (each with its schema). */
  versions: number;
  diagrams: number;
}

export class CatalogOutputError extends Error {
  override name = "CatalogOutputError";
}

/**
 * Makes `out` ready to receive the catalog: created if missing; if it holds a catalog written here
 * before, that catalog's folders are removed. Anything else is left alone, and a folder that
 * holds other content is refused — but for an EventCatalog project (`eventcatalog.config.js`)
 * that has none of the catalog's folders yet, so the catalog can be written straight into one.
 */
export async function prepareOutput(out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  if (info && !info.isDirectory()) throw new CatalogOutputError(`${out} exists and is not a directory`);
  if (!info) await makeDirectory(out);
  await access(out, constants.W_OK).catch(() => {
    throw new CatalogOutputError(`${out} is not writable`);
  });
  const entries = await readdir(out);
  const ours = entries.filter((entry) => (CATALOG_FOLDERS as readonly string[]).includes(entry));
  if (entries.includes(CATALOG_MARKER)) {
    await Promise.all(ours.map((folder) => rm(join(out, folder), { recursive: true, force: true })));
    return;
  }
  if (entries.length === 0) return;
  const isEventCatalogProject = entries.some((entry) => /^eventcatalog\.config\.(c|m)?js$/.test(entry));
  if (isEventCatalogProject && ours.length === 0) return;
  throw new CatalogOutputError(
    isEventCatalogProject
      ? `${out} is an EventCatalog project that already has ${ours.map((folder) => `${folder}/`).join(", ")}, not written by keel catalog: move them away or choose another --out`
      : `${out} is not empty and holds no catalog written by keel catalog: choose an empty or new folder, or an EventCatalog project`,
  );
}

/**
 * `mkdir -p`, one level at a time: a recursive mkdir under a pseudo file system (`/proc/x`) can
 * spin forever instead of failing.
 */
async function makeDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST")
        throw new CatalogOutputError(`cannot create ${path}: ${error.code ?? error.message}`);
    });
  }
}

const flowBadges = (message: CatalogMessage): Badge[] =>
  message.definition.flows.map((flow) => ({ content: flow, backgroundColor: "blue", textColor: "blue" }));

/** Writes the model as an EventCatalog catalog into `out`, through the EventCatalog SDK. */
export async function writeCatalog(
  model: CatalogModel,
  out: string,
  options: { onProgress?: (line: string) => void; version?: string } = {},
): Promise<WriteSummary> {
  const progress = options.onProgress ?? (() => {});
  await prepareOutput(out);
  const sdk = eventCatalog(out);
  const version = options.version ?? "1.0.0";
  const summary: WriteSummary = {
    out,
    domains: 0,
    teams: 0,
    services: 0,
    events: 0,
    commands: 0,
    versions: 0,
    diagrams: 0,
  };

  for (const team of model.teams) {
    await sdk.writeTeam({
      id: team.id,
      name: team.id,
      summary: `Owns the ${team.domains.join(", ")} domain${team.domains.length > 1 ? "s" : ""}`,
      markdown: teamMarkdown(team.domains, model),
    });
    summary.teams++;
  }
  progress(`wrote ${summary.teams} teams`);

  for (const message of model.messages) {
    const { definition } = message;
    const owners = [teamOf(model, definition.owner)];
    const write = definition.kind === "event" ? sdk.writeEvent : sdk.writeCommand;
    const addSchema = definition.kind === "event" ? sdk.addSchemaToEvent : sdk.addSchemaToCommand;
    // The current version at the message's folder, earlier ones under its `versioned/<version>`,
    // as the SDK's own versioned writers place them.
    const versions = [...definition.versions].reverse();
    for (const [index, entry] of versions.entries()) {
      const catalogVersion = catalogVersionOf(entry.version);
      const resource: Event | Command = {
        id: definition.name,
        name: definition.name,
        version: catalogVersion,
        summary: definition.description,
        owners,
        schemaPath: SCHEMA_FILE,
        badges: [
          {
            content: definition.kind,
            backgroundColor: definition.kind === "event" ? "green" : "orange",
            textColor: "white",
          },
          ...flowBadges(message),
        ],
        ...(entry.deprecated
          ? { deprecated: { date: entry.deprecated.acceptedUntil, message: entry.deprecated.note } }
          : {}),
        "x-keel-version": entry.version,
        "x-keel-source": definition.source,
        markdown: messageMarkdown(message, entry),
      };
      await write(resource, index === 0 ? {} : { path: join(definition.name, "versioned", catalogVersion) });
      await addSchema(
        definition.name,
        { schema: serializeSchema(jsonSchemaOf(definition, entry.version)), fileName: SCHEMA_FILE },
        catalogVersion,
      );
      summary.versions++;
    }
    if (definition.kind === "event") summary.events++;
    else summary.commands++;
  }
  progress(
    `wrote ${summary.events} events and ${summary.commands} commands (${summary.versions} versions, each with its JSON Schema)`,
  );

  for (const service of model.services) {
    await sdk.writeService({
      id: service.id,
      name: service.id,
      version: service.version,
      summary: service.summary,
      owners: [teamOf(model, service.domain)],
      sends: service.sends.map((sending) => pointerTo(model, sending.message, "sends")),
      receives: service.receives.map((receiving) => pointerTo(model, receiving.message, "receives")),
      repository: { language: "TypeScript" },
      markdown: serviceMarkdown(service),
    });
    summary.services++;
  }
  progress(`wrote ${summary.services} services`);

  await sdk.writeDiagram({
    id: SYSTEM_DIAGRAM_ID,
    name: "Keel message flow",
    version,
    summary: "Every service, what it publishes and where the messages are routed",
    // The platform runs the buses every message travels on.
    owners: [teamOf(model, "platform")],
    markdown: systemMarkdown(model),
  });
  summary.diagrams++;

  for (const domain of model.domains) {
    await sdk.writeDomain({
      id: domain.id,
      name: domain.id,
      version,
      summary: domain.ownership.description,
      owners: [domain.ownership.team],
      services: domain.services.map((id) => ({
        id,
        version: model.services.find((service) => service.id === id)?.version ?? "latest",
      })),
      diagrams: [{ id: SYSTEM_DIAGRAM_ID, version }],
      markdown: domainMarkdown(domain, model),
    });
    summary.domains++;
  }
  progress(`wrote ${summary.domains} domains and the system-wide diagram`);

  await writeFile(
    join(out, CATALOG_MARKER),
    `${JSON.stringify({ writtenBy: "keel catalog", folders: CATALOG_FOLDERS }, null, 2)}\n`,
  );
  return summary;
}

function teamOf(model: CatalogModel, domain: string): string {
  const owner = model.domains.find((candidate) => candidate.id === domain);
  if (!owner) throw new Error(`no domain ${domain} in the catalog`);
  return owner.ownership.team;
}

/**
 * A service's pointer to a message. A producer publishes the current version; a consumer accepts
 * every version the registry still lists (older data is upcast), so it points at their range.
 */
function pointerTo(model: CatalogModel, name: string, direction: "sends" | "receives") {
  const message = model.messages.find((candidate) => candidate.definition.name === name);
  if (!message) throw new Error(`no message ${name} in the catalog`);
  const versions = message.definition.versions.map((entry) => catalogVersionOf(entry.version));
  const current = catalogVersionOf(message.definition.version);
  const oldest = versions[0] ?? current;
  return { id: name, version: direction === "sends" || oldest === current ? current : `${oldest} - ${current}` };
}
