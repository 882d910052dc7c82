import { classifiedPaths, type DomainName, type VersionDefinition } from "@keel/contracts";
import { schemaPathOf } from "@keel/contracts/json-schema";
import type { CatalogDomain, CatalogMessage, CatalogModel, CatalogService, Participant } from "./model";
import { versionedSchemaNameOf } from "./schema-registry";

/**
 * Page bodies (MDX) and the Mermaid flowcharts of the catalog. Free text is escaped for MDX, where
 * `{` and `<` open expressions and components.
 */

export const mdx = (text: string) => text.replace(/[{}<>]/g, (char) => `&#${char.charCodeAt(0)};`);

/** Text ending with a full stop. */
const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

const list = (items: readonly string[], empty: string) =>
  items.length > 0 ? items.map((item) => `- ${item}`).join("\n") : `_${empty}_`;

const participantLine = (participant: Participant) =>
  `**${participant.service}**${participant.via.length ? ` — ${participant.via.map(code).join(", ")}` : ""}`;

const CLASSIFICATION_TEXT = {
  pii: "personal data: redacted from logs, kept out of audit records",
  secret: "secret: redacted from logs, kept out of audit records",
};

/** The body of one version's page of a message. */
export function messageMarkdown(message: CatalogMessage, version: VersionDefinition): string {
  const { definition } = message;
  const classified = classifiedPaths(version.schema);
  const current = version.version === definition.version;
  const routing = [
    `| EventBridge \`source\` | ${code(definition.source)} |`,
    `| EventBridge \`detail-type\` | ${code(definition.name)} |`,
    `| Bus | the ${definition.kind} bus |`,
    ...(definition.handler ? [`| Handled by | ${code(definition.handler)} |`] : []),
    `| Owner | ${definition.owner} |`,
    `| Flows | ${definition.flows.join(", ")} |`,
    `| Schema Registry name | ${code(versionedSchemaNameOf(definition, version.version))} |`,
  ];
  return [
    mdx(sentence(definition.description)),
    ...(version.deprecated
      ? [
          `:::warning\nVersion ${version.version} is accepted until ${version.deprecated.acceptedUntil}: ${mdx(version.deprecated.note)}\n:::`,
        ]
      : []),
    ...(current ? [] : [`This is version ${version.version}; the current version is ${definition.version}.`]),
    "## Routing",
    ["| | |", "| --- | --- |", ...routing].join("\n"),
    "## Producers",
    list(message.producers.map(participantLine), "no service publishes it"),
    "## Consumers",
    list(message.consumers.map(participantLine), "no rule routes it to a service"),
    "## Classified fields",
    classified.length > 0
      ? [
          `Fields of ${code("data")} that are personal data or secrets:`,
          "",
          "| Field | Classification |",
          "| --- | --- |",
          ...classified.map(
            (field) => `| ${code(`data.${field.path}`)} | ${CLASSIFICATION_TEXT[field.classification]} |`,
          ),
        ].join("\n")
      : `_No field of ${code("data")} is classified._`,
    "## Schema",
    `The JSON Schema of the whole envelope (${code(`shared/contracts/schemas/${schemaPathOf(definition.name, version.version)}`)}), generated from the message registry:`,
    `<SchemaViewer file="schema.json" />`,
    "<NodeGraph />",
  ].join("\n\n");
}

export function serviceMarkdown(service: CatalogService): string {
  const sends = service.sends.map(
    (sending) => `**${sending.message}** — granted by ${sending.via.map(code).join(", ")}`,
  );
  const receives = service.receives.map(
    (receiving) =>
      `**${receiving.message}** → ${receiving.consumers.map((consumer) => `${consumer.kind} ${code(consumer.name ?? consumer.logicalId)}`).join(", ")} (rule ${receiving.rules.map(code).join(", ")})`,
  );
  return [
    `${mdx(sentence(service.summary))} Deployed from ${code(`services/${service.folder}`)}; part of the ${service.domain} domain.`,
    "## Publishes",
    list(sends, "it publishes no message"),
    "## Receives",
    list(receives, "no rule routes a message to it"),
    "<NodeGraph />",
  ].join("\n\n");
}

export function domainMarkdown(domain: CatalogDomain, model: CatalogModel): string {
  return [
    mdx(sentence(domain.ownership.description)),
    `Owned by **${domain.ownership.team}** (cost centre ${domain.ownership.costCentre}).`,
    "## Services",
    list(domain.services, "no service"),
    "## Message flow",
    "What the domain's services publish and receive, and the services at the other end. Dotted arrows lead to observers (the platform's audit trail).",
    mermaidBlock(flowchart(model, { domain: domain.id })),
    "<NodeGraph />",
  ].join("\n\n");
}

export function teamMarkdown(owned: readonly DomainName[], model: CatalogModel): string {
  return [
    `Owns the ${owned.join(", ")} domain${owned.length > 1 ? "s" : ""}.`,
    list(
      model.domains
        .filter((domain) => owned.includes(domain.id))
        .map(
          (domain) =>
            `**${domain.id}** — ${mdx(domain.ownership.description)} (cost centre ${domain.ownership.costCentre})`,
        ),
      "no domain",
    ),
  ].join("\n\n");
}

export function systemMarkdown(model: CatalogModel): string {
  return [
    "Every service, the messages it publishes and the services they are routed to, read from the services' packaged CloudFormation templates. Services are grouped by domain; dotted arrows lead to observers (the platform's audit trail).",
    mermaidBlock(flowchart(model)),
  ].join("\n\n");
}

const mermaidBlock = (lines: readonly string[]) => ["```mermaid", ...lines, "```"].join("\n");

/** Domains whose services receive every message without taking part in the flows. */
const OBSERVER_DOMAINS: readonly DomainName[] = ["platform"];

const nodeId = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;
const label = (text: string) => `"${text.replace(/"/g, "'")}"`;

/**
 * A Mermaid flowchart: services → messages → services. For one domain, the messages its services
 * publish or receive and the services at the other end; for the whole system, everything.
 */
export function flowchart(model: CatalogModel, options: { domain?: DomainName } = {}): string[] {
  const serviceDomain = new Map(model.services.map((service) => [service.id, service.domain]));
  const inScope = (message: CatalogMessage) =>
    !options.domain ||
    [...message.producers, ...message.consumers].some(
      (participant) => serviceDomain.get(participant.service) === options.domain,
    );
  const messages = model.messages.filter(inScope);
  const shown = new Set(
    messages.flatMap((message) =>
      [...message.producers, ...message.consumers].map((participant) => participant.service),
    ),
  );
  const lines = ["flowchart LR"];
  for (const domain of model.domains) {
    const members = domain.services.filter((service) => shown.has(service));
    if (members.length === 0) continue;
    lines.push(`  subgraph ${nodeId("domain", domain.id)}[${label(`${domain.id} domain`)}]`);
    for (const service of members) lines.push(`    ${nodeId("svc", service)}[${label(service)}]:::service`);
    lines.push("  end");
  }
  for (const message of messages) {
    const { name, kind, version } = message.definition;
    const id = nodeId("msg", name);
    const text = label(`${name} ${version}`);
    lines.push(kind === "command" ? `  ${id}[[${text}]]:::command` : `  ${id}([${text}]):::event`);
    for (const producer of message.producers) lines.push(`  ${nodeId("svc", producer.service)} --> ${id}`);
    for (const consumer of message.consumers) {
      const observer = OBSERVER_DOMAINS.includes(serviceDomain.get(consumer.service) as DomainName);
      lines.push(`  ${id} ${observer ? "-.->" : "-->"} ${nodeId("svc", consumer.service)}`);
    }
  }
  lines.push(
    "  classDef service fill:#e8f0fe,stroke:#1a73e8",
    "  classDef event fill:#e6f4ea,stroke:#137333",
    "  classDef command fill:#fef7e0,stroke:#b06000",
  );
  return lines;
}
