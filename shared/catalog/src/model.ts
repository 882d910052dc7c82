import {
  type DomainName,
  type DomainOwnership,
  domainNames,
  domains,
  type MessageDefinition,
  ORG,
  registry,
} from "@keel/contracts";
import type { PackagedTemplate } from "@keel/serverless";
import { AWS_SERVICE_EVENTS } from "@keel/serverless/validate";
import { type Consumer, publicationsOf, routesOf } from "./templates";

/**
 * The catalog as data: the registry's domains, teams and messages, and the services as their
 * packaged templates show them — what each one publishes and what its rules deliver to it.
 */

/** A packaged service, as `packagedTemplates` returns it, with what its package.json says of it. */
export interface ServiceInput extends Pick<PackagedTemplate, "service" | "template" | "resolved"> {
  version?: string;
  description?: string;
}

export interface Sending {
  message: string;
  /** The roles and state machine tasks that let the service publish it. */
  via: string[];
}

export interface Receiving {
  message: string;
  /** The rules routing it to the service. */
  rules: string[];
  /** The functions and state machines those rules deliver it to. */
  consumers: Consumer[];
}

export interface CatalogService {
  /** The catalog id: the service's name (`keel-orders`). */
  id: string;
  /** Its folder under `services/`. */
  folder: string;
  domain: DomainName;
  version: string;
  summary: string;
  sends: Sending[];
  receives: Receiving[];
}

export interface CatalogDomain {
  id: DomainName;
  ownership: DomainOwnership;
  /** Ids of the services of the domain. */
  services: string[];
}

export interface CatalogTeam {
  id: string;
  domains: DomainName[];
}

export interface Participant {
  service: string;
  /** Functions and state machines (consumers), or roles and tasks (producers). */
  via: string[];
}

export interface CatalogMessage {
  definition: MessageDefinition;
  producers: Participant[];
  consumers: Participant[];
}

export interface CatalogProblem {
  severity: "error" | "warning";
  /** The service folder, or the message, the problem is about. */
  subject: string;
  /** The CloudFormation logical id, when there is one. */
  resource?: string;
  detail: string;
}

export interface CatalogModel {
  domains: CatalogDomain[];
  teams: CatalogTeam[];
  services: CatalogService[];
  messages: CatalogMessage[];
  problems: CatalogProblem[];
}

/** EventCatalog versions are semantic versions; the registry's `MAJOR.MINOR` becomes `MAJOR.MINOR.0`. */
export const catalogVersionOf = (version: string) => (/^\d+\.\d+$/.test(version) ? `${version}.0` : version);

/** The domain a source belongs to: `com.example.orders.workflow` → `orders`. */
export function domainOfSource(source: string): string | undefined {
  if (!source.startsWith(`${ORG}.`)) return undefined;
  return source.slice(ORG.length + 1).split(".")[0];
}

const isDomain = (value: unknown): value is DomainName =>
  typeof value === "string" && (domainNames as readonly string[]).includes(value);

const describe = (consumers: readonly Consumer[]) =>
  consumers.map((consumer) => `${consumer.kind} ${consumer.name ?? consumer.logicalId}`).join(", ");

const isAwsServiceEvent = (sources: readonly string[], detailType: string) =>
  sources.some((source) => AWS_SERVICE_EVENTS[source]?.includes(detailType));

export interface ModelOptions {
  messages?: readonly MessageDefinition[];
}

export function buildCatalogModel(inputs: readonly ServiceInput[], options: ModelOptions = {}): CatalogModel {
  const definitions = options.messages ?? (Object.values(registry) as MessageDefinition[]);
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const problems: CatalogProblem[] = [];
  const services: CatalogService[] = [];

  for (const input of inputs) {
    const domain = input.resolved.custom?.domain;
    const id = typeof input.resolved.service === "string" ? input.resolved.service : input.service;
    if (!isDomain(domain)) {
      problems.push({
        severity: "error",
        subject: input.service,
        resource: "custom.domain",
        detail:
          domain === undefined
            ? "the service declares no custom.domain: it belongs to no domain of the catalog"
            : `custom.domain ${JSON.stringify(domain)} is not a domain of domains.json (${domainNames.join(", ")})`,
      });
      continue;
    }
    services.push({
      id,
      folder: input.service,
      domain,
      version: input.version ?? "0.0.0",
      summary: input.description ?? `The ${domain} domain's service`,
      sends: sendsOf(input, domain, definitions),
      receives: receivesOf(input, byName, problems),
    });
  }

  const messages = definitions.map((definition): CatalogMessage => {
    const producers = services.flatMap((service) =>
      service.sends
        .filter((sending) => sending.message === definition.name)
        .map((sending) => ({ service: service.id, via: sending.via })),
    );
    const consumers = services.flatMap((service) =>
      service.receives
        .filter((receiving) => receiving.message === definition.name)
        .map((receiving) => ({
          service: service.id,
          via: receiving.consumers.map((consumer) => consumer.name ?? consumer.logicalId),
        })),
    );
    if (producers.length === 0) {
      problems.push({
        severity: "warning",
        subject: definition.name,
        detail: `no service may publish ${definition.source} (no role or state machine task grants it)`,
      });
    }
    if (consumers.length === 0) {
      problems.push({ severity: "warning", subject: definition.name, detail: "no rule routes it to any service" });
    }
    return { definition, producers, consumers };
  });

  const teams = new Map<string, DomainName[]>();
  for (const domain of domainNames)
    teams.set(domains[domain].team, [...(teams.get(domains[domain].team) ?? []), domain]);

  return {
    domains: domainNames.map((domain) => ({
      id: domain,
      ownership: domains[domain],
      services: services.filter((service) => service.domain === domain).map((service) => service.id),
    })),
    teams: [...teams].map(([id, owned]) => ({ id, domains: owned })),
    services,
    messages,
    problems,
  };
}

/**
 * The registry messages the service publishes: those whose source its template lets it publish
 * (on the message's bus and with its detail-type, where the grant or task says), among the messages its domain
 * sends — the events it owns and the commands it issues, both published with its own sources.
 */
function sendsOf(input: ServiceInput, domain: DomainName, definitions: readonly MessageDefinition[]): Sending[] {
  const publications = publicationsOf(input.template);
  return definitions
    .filter((definition) => domainOfSource(definition.source) === domain)
    .map((definition) => ({
      message: definition.name,
      via: [
        ...new Set(
          publications
            .filter(
              (publication) =>
                publication.source === definition.source &&
                (publication.detailTypes === undefined || publication.detailTypes.includes(definition.name)) &&
                (publication.bus === undefined || publication.bus === definition.kind),
            )
            .map((publication) => publication.via),
        ),
      ],
    }))
    .filter((sending) => sending.via.length > 0);
}

/** The registry messages the service's rules route to its functions and state machines. */
function receivesOf(
  input: ServiceInput,
  byName: ReadonlyMap<string, MessageDefinition>,
  problems: CatalogProblem[],
): Receiving[] {
  const receiving = new Map<string, Receiving>();
  for (const route of routesOf(input.template)) {
    if (route.consumers.length === 0) continue; // e.g. the dead-letter rule: it feeds a queue, not a service
    for (const pattern of route.patterns) {
      for (const inexact of pattern.inexact) {
        problems.push({
          severity: "warning",
          subject: input.service,
          resource: route.rule,
          detail: `the rule filters on ${inexact}: the catalog lists only the messages it names exactly`,
        });
      }
      for (const detailType of pattern.detailTypes) {
        if (isAwsServiceEvent(pattern.sources, detailType)) continue;
        const definition = byName.get(detailType);
        if (!definition) {
          problems.push({
            severity: "error",
            subject: input.service,
            resource: route.rule,
            detail: `the rule routes "${detailType}" (source ${pattern.sources.join(", ") || "any"}) to ${describe(route.consumers)}, but the message registry has no message ${detailType}`,
          });
          continue;
        }
        if (!pattern.sources.includes(definition.source)) {
          problems.push({
            severity: "error",
            subject: input.service,
            resource: route.rule,
            detail: `the rule routes ${detailType} only from ${pattern.sources.join(", ") || "no source"}, but the registry publishes it with ${definition.source}: ${describe(route.consumers)} never receives it`,
          });
          continue;
        }
        const entry = receiving.get(detailType) ?? { message: detailType, rules: [], consumers: [] };
        if (!entry.rules.includes(route.rule)) entry.rules.push(route.rule);
        for (const consumer of route.consumers) {
          if (!entry.consumers.some((known) => known.logicalId === consumer.logicalId)) entry.consumers.push(consumer);
        }
        receiving.set(detailType, entry);
      }
    }
  }
  return [...receiving.values()];
}
