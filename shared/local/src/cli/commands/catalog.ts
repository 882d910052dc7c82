import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CATALOG_FOLDERS, DEFAULT_CATALOG_DIR, formatProblem, generateCatalog } from "@keel/catalog";
import type { Command } from "../command";

const HELP = `keel catalog [--out <dir>] [--stage <s>] [--json] — write the message catalog in EventCatalog's format

Reads every service's packaged CloudFormation template (packaging the services whose configuration
changed) and the message registry, and writes with the EventCatalog SDK: a domain per domain of
domains.json, a team per owning team, a service per service folder (what it publishes and what its
rules route to it), every version of every event and command with its JSON Schema, and Mermaid
diagrams of the message flow. Exits 1 if a rule routes a message the registry does not have.

  --out <dir>     where to write (default .keel/catalog); an empty or new folder, one written by
                  keel catalog before (its ${CATALOG_FOLDERS.join("/, ")}/ are replaced), or an
                  EventCatalog project that has none of those folders yet
  --stage <name>  the stage whose templates are read (default dev)
  --json          print the summary, the problems and each service's messages as JSON`;

function browseHint(out: string): string {
  const near = relative(process.cwd(), out);
  const shown = near === "" ? "." : near.startsWith("..") ? out : near;
  return [
    "Browse it with EventCatalog (Node 22 or later):",
    "  npx @eventcatalog/create-eventcatalog@latest keel-catalog --empty",
    "  npm run catalog -- --out keel-catalog",
    `    (or copy ${CATALOG_FOLDERS.map((folder) => `${folder}/`).join(" ")} from ${shown} into keel-catalog)`,
    "  cd keel-catalog && npm run dev        # then open http://localhost:3000",
  ].join("\n");
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        out: { type: "string" },
        stage: { type: "string", default: "dev" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message.split(". ")[0] : String(error);
    throw new Error(`${message} (keel catalog --help lists the options)`);
  }
}

async function catalog(argv: string[]) {
  const values = parse(argv);
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (values.out !== undefined && values.out.trim() === "") throw new Error("--out needs a directory");
  // Under `npm run catalog`, the folder the command was typed in.
  const out = values.out ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out) : DEFAULT_CATALOG_DIR;

  const result = await generateCatalog({
    out,
    stage: values.stage,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  const { summary, errors, warnings } = result;
  if (errors.length > 0) process.exitCode = 1;

  if (values.json) {
    const services = result.model.services.map((service) => ({
      id: service.id,
      folder: service.folder,
      domain: service.domain,
      sends: service.sends.map((sending) => sending.message),
      receives: service.receives.map((receiving) => receiving.message),
    }));
    process.stdout.write(`${JSON.stringify({ summary, errors, warnings, services }, null, 2)}\n`);
    return;
  }
  const lines = [
    `catalog written to ${summary.out}`,
    `  ${summary.domains} domains, ${summary.teams} teams, ${summary.services} services, ${summary.events} events, ${summary.commands} commands, ${summary.versions} message versions (each with its JSON Schema), ${summary.diagrams} system diagram`,
  ];
  for (const [label, problems] of [
    ["error", errors],
    ["warning", warnings],
  ] as const) {
    if (problems.length === 0) continue;
    lines.push(`${problems.length} ${label}(s):`, ...problems.map((problem) => `  ${formatProblem(problem)}`));
  }
  lines.push("", browseHint(summary.out));
  process.stdout.write(`${lines.join("\n")}\n`);
}

export const command: Command = {
  name: "catalog",
  summary: "write the message catalog (EventCatalog) from the registry and the packaged templates",
  help: HELP,
  run: catalog,
};
