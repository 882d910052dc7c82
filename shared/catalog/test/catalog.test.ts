import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import eventCatalog from "@eventcatalog/sdk";
import { domainNames, domains, type MessageDefinition, registry } from "@keel/contracts";
import { listServices, type PackagedTemplate, packagedTemplates } from "@keel/serverless";
import {
  buildCatalogModel,
  CATALOG_MARKER,
  catalogVersionOf,
  type GenerateResult,
  generateCatalog,
  prepareOutput,
  SYSTEM_DIAGRAM_ID,
} from "../src";

const SCHEMA_ROOT = join(__dirname, "..", "..", "contracts", "schemas");
const messages = Object.values(registry) as MessageDefinition[];
const versionsOf = (kind: "event" | "command") =>
  messages
    .filter((message) => message.kind === kind)
    .flatMap((message) => message.versions.map(({ version }) => `${message.name}@${catalogVersionOf(version)}`))
    .sort();

let root: string;
let out: string;
let result: GenerateResult;
let packaged: PackagedTemplate[];
let sdk: ReturnType<typeof eventCatalog>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "keel-catalog-"));
  out = join(root, "catalog");
  result = await generateCatalog({ out }); // packages only what changed since the last run
  packaged = await packagedTemplates(listServices(), { stage: "dev" }); // the same, from the cache
  sdk = eventCatalog(out);
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** The service (by its catalog id) of each service folder, and the domain it declares. */
const serviceIdOf = (folder: string) => packaged.find((entry) => entry.service === folder)?.resolved.service;
const serviceOfDomain = (domain: string) =>
  packaged.find((entry) => entry.resolved.custom?.domain === domain)?.resolved.service;

describe("the catalog written from the registry and the packaged templates", () => {
  it("reports no problem on the project as it is", () => {
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.summary).toMatchObject({
      domains: domainNames.length,
      services: packaged.length,
      events: messages.filter((message) => message.kind === "event").length,
      commands: messages.filter((message) => message.kind === "command").length,
      versions: versionsOf("event").length + versionsOf("command").length,
    });
    expect(existsSync(join(out, CATALOG_MARKER))).toBe(true);
  });

  it("has a domain per entry of domains.json, owned by its team and listing its services", async () => {
    const written = (await sdk.getDomains({ latestOnly: true })) ?? [];
    expect(written.map((domain) => domain.id).sort()).toEqual([...domainNames].sort());
    expect(written.length).toBeGreaterThan(1);
    for (const domain of written) {
      const name = domain.id as keyof typeof domains;
      expect(domain.summary).toBe(domains[name].description);
      expect(domain.owners).toEqual([domains[name].team]);
      const expected = packaged
        .filter((entry) => entry.resolved.custom?.domain === name)
        .map((entry) => entry.resolved.service);
      expect((domain.services ?? []).map((service) => service.id).sort()).toEqual(expected.sort());
    }
  });

  it("has a team per owning team", async () => {
    const teams = (await sdk.getTeams()) ?? [];
    expect(teams.map((team) => team.id).sort()).toEqual([...new Set(Object.values(domains).map((d) => d.team))].sort());
  });

  it("has a service per service folder, owned by its domain's team", async () => {
    const services = (await sdk.getServices({ latestOnly: true })) ?? [];
    expect(services.map((service) => service.id).sort()).toEqual(listServices().map(serviceIdOf).sort());
    for (const service of services) {
      const entry = packaged.find((candidate) => candidate.resolved.service === service.id);
      expect(service.owners).toEqual([domains[entry?.resolved.custom?.domain as keyof typeof domains].team]);
    }
  });

  it("has every version of every event as an event, and of every command as a command", async () => {
    expect(messages.some((message) => message.versions.length > 1)).toBe(true); // versioning is exercised
    const key = (resource: { id: string; version: string }) => `${resource.id}@${resource.version}`;
    expect(((await sdk.getEvents()) ?? []).map(key).sort()).toEqual(versionsOf("event"));
    expect(((await sdk.getCommands()) ?? []).map(key).sort()).toEqual(versionsOf("command"));
    const latest = [
      ...((await sdk.getEvents({ latestOnly: true })) ?? []),
      ...((await sdk.getCommands({ latestOnly: true })) ?? []),
    ];
    expect(latest.map(key).sort()).toEqual(
      messages.map((message) => `${message.name}@${catalogVersionOf(message.version)}`).sort(),
    );
  });

  it.each(
    messages.flatMap((message) => message.versions.map(({ version }) => [message.name, version, message] as const)),
  )(
    "%s %s: owned by its domain's team, summarised and with the generated JSON Schema attached",
    async (name, version, message) => {
      const get = message.kind === "event" ? sdk.getEvent : sdk.getCommand;
      const resource = await get(name, catalogVersionOf(version), { attachSchema: true });
      expect(resource).toBeDefined();
      expect(resource.owners).toEqual([domains[message.owner].team]);
      expect(resource.summary).toBe(message.description);
      expect(resource.markdown).toContain(message.description);
      const generated: unknown = JSON.parse(readFileSync(join(SCHEMA_ROOT, name, `${version}.json`), "utf8"));
      expect(resource.schema).toEqual(generated);
    },
  );

  it("calls out classified fields in the page body", async () => {
    const classified = messages.filter((message) => message.classified.length > 0);
    expect(classified.length).toBeGreaterThan(0);
    for (const message of classified) {
      const get = message.kind === "event" ? sdk.getEvent : sdk.getCommand;
      const { markdown } = await get(message.name);
      for (const field of message.classified) {
        expect(markdown).toMatch(
          new RegExp(
            `\\| \`data\\.${field.path.replace(/[.[\]]/g, "\\$&")}\` \\| ${field.classification === "pii" ? "personal data" : "secret"}`,
          ),
        );
      }
    }
  });

  it("lists the producers: the service of the domain each message's source belongs to", async () => {
    for (const message of messages) {
      const { producers } = await sdk.getProducersAndConsumersForMessage(
        message.name,
        catalogVersionOf(message.version),
      );
      const sender = serviceOfDomain(message.source.split(".")[2] ?? "");
      expect({ message: message.name, producers: producers.map((producer) => producer.id) }).toEqual({
        message: message.name,
        producers: [sender],
      });
      const page = await (message.kind === "event" ? sdk.getEvent : sdk.getCommand)(message.name);
      expect(page.markdown).toMatch(new RegExp(`## Producers\\s+- \\*\\*${sender}\\*\\*`));
    }
  });

  it("lists the consumers the templates' rules route each message to", async () => {
    const consumersOf = async (name: string) => {
      const message = registry[name as keyof typeof registry];
      const { consumers } = await sdk.getProducersAndConsumersForMessage(name, catalogVersionOf(message.version));
      return consumers.map((consumer) => consumer.id).sort();
    };
    expect(await consumersOf("PaymentAuthorized")).toContain(serviceIdOf("orders"));
    expect(await consumersOf("AuthorizePayment")).toContain(serviceIdOf("payments"));
    // The platform's audit trail receives every message of both buses.
    const platform = ((await sdk.getServices()) ?? []).find((service) => service.id === serviceIdOf("platform"));
    expect((platform?.receives ?? []).map((pointer) => pointer.id).sort()).toEqual(messages.map((m) => m.name).sort());
    // A command has exactly one handler (its owner's service), besides the audit trail.
    for (const command of messages.filter((message) => message.kind === "command")) {
      expect(await consumersOf(command.name)).toEqual([serviceOfDomain(command.owner), serviceIdOf("platform")].sort());
    }
    // Every consumer is a service with a rule on the message delivering to one of its functions.
    for (const message of messages) {
      const expected = packaged
        .filter((entry) =>
          Object.values(entry.template.Resources).some(
            (resource) =>
              resource.Type === "AWS::Events::Rule" &&
              JSON.stringify(resource.Properties?.EventPattern ?? {}).includes(`"${message.name}"`) &&
              JSON.stringify(resource.Properties?.Targets ?? []).includes("LambdaFunction"),
          ),
        )
        .map((entry) => entry.resolved.service);
      expect({ message: message.name, consumers: await consumersOf(message.name) }).toEqual({
        message: message.name,
        consumers: expected.sort(),
      });
    }
  });

  it("draws each domain's message flow and the system's as Mermaid flowcharts", async () => {
    const orders = await sdk.getDomain("orders");
    expect(orders.markdown).toContain("```mermaid\nflowchart LR");
    expect(orders.markdown).toContain(`svc_${serviceIdOf("orders")?.replace(/-/g, "_")} --> msg_OrderCreated`);
    expect(orders.markdown).toContain(`msg_PaymentAuthorized --> svc_${serviceIdOf("orders")?.replace(/-/g, "_")}`);
    for (const domain of domainNames) expect((await sdk.getDomain(domain)).markdown).toContain("```mermaid");
    const system = await sdk.getDiagram(SYSTEM_DIAGRAM_ID);
    expect(system.markdown).toContain("```mermaid");
    for (const message of messages) expect(system.markdown).toContain(`msg_${message.name}`);
  });

  it("reports a rule routing a message the registry does not have as an error", () => {
    const orders = packaged.find((entry) => entry.service === "orders");
    if (!orders) throw new Error("orders was not packaged");
    const broken = structuredClone(orders);
    broken.template.Resources.ShipOrderRule = {
      Type: "AWS::Events::Rule",
      Properties: {
        EventBusName: "keel-dev-events",
        EventPattern: { source: ["com.example.orders.workflow"], "detail-type": ["OrderShipped"] },
        Targets: [{ Id: "ship", Arn: { "Fn::GetAtt": ["ProjectOrderLambdaFunction", "Arn"] } }],
      },
    };
    broken.template.Resources.WrongSourceRule = {
      Type: "AWS::Events::Rule",
      Properties: {
        EventPattern: { source: ["com.example.orders.api"], "detail-type": ["PaymentVoided"] },
        Targets: [{ Id: "void", Arn: { "Fn::GetAtt": ["ProjectOrderLambdaFunction", "Arn"] } }],
      },
    };
    const model = buildCatalogModel(packaged.map((entry) => (entry === orders ? broken : entry)));
    const errors = model.problems.filter((problem) => problem.severity === "error");
    expect(errors).toEqual([
      expect.objectContaining({
        subject: "orders",
        resource: "ShipOrderRule",
        detail: expect.stringMatching(/"OrderShipped".*no message OrderShipped/),
      }),
      expect.objectContaining({
        subject: "orders",
        resource: "WrongSourceRule",
        detail: expect.stringMatching(/PaymentVoided only from com\.example\.orders\.api/),
      }),
    ]);
    expect(buildCatalogModel(packaged).problems).toEqual([]);
  });
});

describe("the output folder", () => {
  it("is refused when it holds something else, and replaced when a catalog was written there", async () => {
    const file = join(root, "a-file");
    await writeFile(file, "x");
    await expect(prepareOutput(file)).rejects.toThrow(/is not a directory/);
    const foreign = join(root, "foreign");
    await mkdir(foreign);
    await writeFile(join(foreign, "notes.txt"), "x");
    await expect(prepareOutput(foreign)).rejects.toThrow(/not empty/);
    const project = join(root, "project");
    await mkdir(join(project, "events"), { recursive: true });
    await writeFile(join(project, "eventcatalog.config.js"), "module.exports = {};");
    await expect(prepareOutput(project)).rejects.toThrow(/already has events\//);
    await rm(join(project, "events"), { recursive: true });
    await expect(prepareOutput(project)).resolves.toBeUndefined();

    const again = join(root, "again");
    await mkdir(join(again, "events", "Stale"), { recursive: true });
    await writeFile(join(again, CATALOG_MARKER), "{}");
    await writeFile(join(again, "eventcatalog.config.js"), "module.exports = {};");
    await prepareOutput(again);
    expect((await readdir(again)).sort()).toEqual([CATALOG_MARKER, "eventcatalog.config.js"].sort());
  });
});
