import { fields, type MessageDefinition, registry } from "@keel/contracts";
import * as z from "zod/mini";
import {
  type Baseline,
  type CompatibilityViolation,
  type Contract,
  checkCompatibility,
  collectExamples,
  contractOf,
  formatViolation,
  readBaseline,
  registryContracts,
} from "../src";
import { contractNamed, copyBaseline, copyContracts, dataOf, nextVersion, versionOf } from "./support";

const released = readBaseline();
const current = registryContracts();
const examples = collectExamples();

/** The real baseline against deliberately broken copies of the real registry. */
function check(mutate: (contracts: Contract[]) => void, options: { baseline?: Baseline; now?: Date } = {}) {
  const contracts = copyContracts(current);
  mutate(contracts);
  return checkCompatibility(options.baseline ?? released, contracts, { examples, now: options.now });
}

const brief = (violations: readonly CompatibilityViolation[]) =>
  violations.map(({ message, version, path, rule }) => ({ message, version, path, rule }));

describe("compatibility against the published baseline", () => {
  it("passes on the real project", () => {
    const report = checkCompatibility(released, current, { examples });
    expect(report.violations.map(formatViolation)).toEqual([]);
    expect(report.releasedVersions).toBeGreaterThanOrEqual(18);
  });

  it("fails on a removed required field of an event, with the path and the rule", () => {
    const report = check((contracts) => {
      const data = dataOf(versionOf(contractNamed(contracts, "OrderCreated"), "1.1").schema);
      delete data.properties.totalAmount;
      data.required = data.required.filter((name) => name !== "totalAmount");
    });
    expect(report.violations.map(formatViolation)).toEqual([
      "OrderCreated 1.1 → data.totalAmount: FIELD_REMOVED (events are FULL-compatible within major 1: removing a field breaks consumers that read it — required field removed)",
    ]);
  });

  it("fails on a renamed field of a command: a removal plus a required addition", () => {
    const report = check((contracts) => {
      const data = dataOf(versionOf(contractNamed(contracts, "CreateOrder"), "1.0").schema);
      const { customerId, ...rest } = data.properties;
      data.properties = { ...rest, clientId: customerId as (typeof rest)[string] };
      data.required = data.required.map((name) => (name === "customerId" ? "clientId" : name));
    });
    expect(brief(report.violations)).toEqual([
      { message: "CreateOrder", version: "1.0", path: "data.customerId", rule: "FIELD_REMOVED" },
      { message: "CreateOrder", version: "1.0", path: "data.clientId", rule: "REQUIRED_FIELD_ADDED" },
    ]);
    expect(report.violations[0]?.detail).toContain("renamed to clientId?");
    expect(report.violations[1]?.detail).toContain("existing clients do not send it");
  });

  it("fails on a narrowed enum, and on an enum value added to an event (old consumers refuse it)", () => {
    const reason = (contracts: Contract[]) =>
      dataOf(versionOf(contractNamed(contracts, "PaymentFailed"), "1.0").schema).properties.reason as {
        enum: string[];
      };
    const narrowed = check((contracts) => {
      reason(contracts).enum = reason(contracts).enum.filter((value) => value !== "PROVIDER_ERROR");
    });
    expect(brief(narrowed.violations)).toEqual([
      { message: "PaymentFailed", version: "1.0", path: "data.reason", rule: "ENUM_VALUE_REMOVED" },
    ]);
    const widened = check((contracts) => {
      const payment = contractNamed(contracts, "PaymentFailed");
      const next = nextVersion(versionOf(payment, "1.0"), "1.1");
      (dataOf(next.schema).properties.reason as { enum: string[] }).enum.push("FRAUD_SUSPECTED");
      payment.versions.push(next);
    });
    expect(brief(widened.violations)).toEqual([
      { message: "PaymentFailed", version: "1.1", path: "data.reason", rule: "ENUM_VALUE_ADDED" },
    ]);
    expect(formatViolation(widened.violations[0] as CompatibilityViolation)).toContain(
      '"FRAUD_SUSPECTED" added, compared with released 1.0',
    );
  });

  it("fails on a type change", () => {
    const report = check((contracts) => {
      dataOf(versionOf(contractNamed(contracts, "OrderCreated"), "1.1").schema).properties.totalAmount = {
        type: "string",
      };
    });
    expect(brief(report.violations)).toEqual([
      { message: "OrderCreated", version: "1.1", path: "data.totalAmount", rule: "TYPE_CHANGED" },
    ]);
  });

  it("fails on a new required field in a command, passes on a new optional one", () => {
    const addField = (required: boolean) =>
      check((contracts) => {
        const authorize = contractNamed(contracts, "AuthorizePayment");
        const next = nextVersion(versionOf(authorize, "1.0"), "1.1");
        const data = dataOf(next.schema);
        data.properties.merchantId = { type: "string", minLength: 1 };
        if (required) data.required.push("merchantId");
        authorize.versions.push(next);
      });
    expect(brief(addField(true).violations)).toEqual([
      { message: "AuthorizePayment", version: "1.1", path: "data.merchantId", rule: "REQUIRED_FIELD_ADDED" },
    ]);
    const optional = addField(false);
    expect(optional.violations).toEqual([]);
    expect(optional.notes).toContain("AuthorizePayment 1.1: not released yet (keel contracts release)");
  });

  it("passes on an optional addition to an event in a new minor", () => {
    const report = check((contracts) => {
      const created = contractNamed(contracts, "OrderCreated");
      const next = nextVersion(versionOf(created, "1.1"), "1.2");
      dataOf(next.schema).properties.promotionCode = { type: "string", maxLength: 32 };
      created.versions.push(next);
    });
    expect(report.violations).toEqual([]);
  });

  it("checks a new minor against every released minor of its major, not only the last", () => {
    const report = check((contracts) => {
      const created = contractNamed(contracts, "OrderCreated");
      const next = nextVersion(versionOf(created, "1.1"), "1.2");
      delete dataOf(next.schema).properties.paymentStatus; // added (optional) in 1.1
      created.versions.push(next);
    });
    expect(report.violations.map(({ version, against, path, rule }) => ({ version, against, path, rule }))).toEqual([
      { version: "1.2", against: "1.1", path: "data.paymentStatus", rule: "FIELD_REMOVED" },
    ]);
  });

  it("lets a command widen (BACKWARD) but not an event (FULL)", () => {
    const widen = (name: string, field: string) =>
      check((contracts) => {
        const contract = contractNamed(contracts, name);
        const last = contract.versions.at(-1);
        if (!last) throw new Error("no version");
        const next = nextVersion(last, "1.9");
        const schema = dataOf(next.schema).properties[field] as { maxLength?: number; maxItems?: number };
        if (schema.maxItems !== undefined) schema.maxItems = 1000;
        if (schema.maxLength !== undefined) schema.maxLength = 1000;
        contract.versions.push(next);
      });
    expect(widen("CreateOrder", "items").violations).toEqual([]);
    expect(brief(widen("OrderRejected", "detail").violations)).toEqual([
      { message: "OrderRejected", version: "1.9", path: "data.detail", rule: "CONSTRAINT_WIDENED" },
    ]);
  });

  it("fails on a narrowed constraint, command or event", () => {
    const report = check((contracts) => {
      (
        dataOf(versionOf(contractNamed(contracts, "CreateOrder"), "1.0").schema).properties.items as {
          maxItems: number;
        }
      ).maxItems = 50;
    });
    expect(brief(report.violations)).toEqual([
      { message: "CreateOrder", version: "1.0", path: "data.items", rule: "CONSTRAINT_NARROWED" },
    ]);
    expect(report.violations[0]?.detail).toContain("maxItems 100 → maxItems 50");
  });

  it("fails on an event field that became optional (old consumers require it)", () => {
    const report = check((contracts) => {
      const data = dataOf(versionOf(contractNamed(contracts, "PaymentAuthorized"), "1.0").schema);
      data.required = data.required.filter((name) => name !== "authorizationId");
    });
    expect(brief(report.violations)).toEqual([
      { message: "PaymentAuthorized", version: "1.0", path: "data.authorizationId", rule: "FIELD_BECAME_OPTIONAL" },
    ]);
  });

  it("keeps released versions immutable: even a compatible change belongs in a new minor", () => {
    const report = check((contracts) => {
      dataOf(versionOf(contractNamed(contracts, "OrderCreated"), "1.1").schema).properties.promotionCode = {
        type: "string",
      };
    });
    expect(brief(report.violations)).toEqual([
      { message: "OrderCreated", version: "1.1", path: "data.promotionCode", rule: "RELEASED_VERSION_CHANGED" },
    ]);
  });

  it("lets the shared envelope evolve compatibly, and catches a breaking envelope change in every message", () => {
    const addMeta = (required: boolean) =>
      check((contracts) => {
        for (const version of contracts.flatMap((contract) => contract.versions)) {
          const meta = (version.schema.properties as Record<string, { properties: object; required: string[] }>).meta;
          if (!meta) throw new Error("no meta");
          meta.properties = { ...meta.properties, traceId: { type: "string" } };
          if (required) meta.required.push("traceId");
        }
      });
    expect(addMeta(false).violations).toEqual([]);
    const breaking = addMeta(true).violations;
    expect(new Set(breaking.map(({ path, rule }) => `${path} ${rule}`))).toEqual(
      new Set(["meta.traceId REQUIRED_FIELD_ADDED"]),
    );
    const releasedCount = [...released.values()].reduce((count, message) => count + message.versions.size, 0);
    expect(breaking).toHaveLength(releasedCount); // once per released version, each in its own envelope
  });

  it("fails on a changed source, kind or owner of a released message", () => {
    const report = check((contracts) => {
      contractNamed(contracts, "PaymentFailed").source = "com.example.payments.provider";
    });
    expect(brief(report.violations)).toEqual([
      { message: "PaymentFailed", version: "1.0", path: "source", rule: "SOURCE_CHANGED" },
    ]);
  });

  describe("removed versions and deprecation windows", () => {
    const withoutOrderCreated10 = (contracts: Contract[]) => {
      const created = contractNamed(contracts, "OrderCreated");
      created.versions = created.versions.filter((version) => version.version !== "1.0");
    };

    it("fails on a released version removed without a deprecation window", () => {
      const report = check(withoutOrderCreated10);
      expect(brief(report.violations)).toEqual([
        { message: "OrderCreated", version: "1.0", path: "", rule: "VERSION_REMOVED" },
      ]);
      expect(formatViolation(report.violations[0] as CompatibilityViolation)).toMatch(
        /^OrderCreated 1\.0: VERSION_REMOVED \(released 1\.0 is no longer accepted and was never released as deprecated/,
      );
    });

    it("fails on a removal before the released window ends, passes after it", () => {
      const baseline = copyBaseline(released);
      const created = baseline.get("OrderCreated");
      if (!created) throw new Error("OrderCreated is not in the baseline");
      created.deprecations["1.0"] = { acceptedUntil: "2027-01-31", note: "superseded by 1.1" };
      const early = check(withoutOrderCreated10, { baseline, now: new Date("2027-01-01T00:00:00Z") });
      expect(brief(early.violations)).toEqual([
        { message: "OrderCreated", version: "1.0", path: "", rule: "VERSION_REMOVED" },
      ]);
      expect(early.violations[0]?.detail).toContain("accepted until 2027-01-31");
      const late = check(withoutOrderCreated10, { baseline, now: new Date("2027-02-01T00:00:00Z") });
      expect(late.violations).toEqual([]);
      expect(late.notes).toContain("OrderCreated 1.0: removed after its deprecation window ended (2027-01-31)");
    });

    it("fails on a released window shortened in the registry", () => {
      const baseline = copyBaseline(released);
      const created = baseline.get("OrderCreated");
      if (!created) throw new Error("OrderCreated is not in the baseline");
      created.deprecations["1.0"] = { acceptedUntil: "2027-06-30", note: "superseded by 1.1" };
      const report = check(
        (contracts) => {
          versionOf(contractNamed(contracts, "OrderCreated"), "1.0").deprecated = {
            acceptedUntil: "2027-03-31",
            note: "sooner",
          };
        },
        { baseline },
      );
      expect(brief(report.violations)).toEqual([
        { message: "OrderCreated", version: "1.0", path: "", rule: "DEPRECATION_INVALID" },
      ]);
    });
  });

  describe("a new major", () => {
    const v2 = z.object({
      orderId: fields.orderId,
      status: z.literal("CREATED"),
      total: z.object({ amount: fields.amount, currency: fields.currency }),
    });
    type V1 = { orderId: string; status: string; totalAmount: number; currency: string };
    const goodUpcast = (previous: unknown) => {
      const { orderId, status, totalAmount, currency } = previous as V1;
      return { orderId, status, total: { amount: totalAmount, currency } };
    };
    const window = { acceptedUntil: "2027-06-30", note: "OrderCreated 2.0 nests the total" };

    /** OrderCreated with a 2.0 (the total nested: a breaking change), built with zod like the registry. */
    function withMajor(options: { upcast?: (previous: unknown) => unknown; deprecate: boolean }) {
      const message: MessageDefinition = {
        ...registry.OrderCreated,
        versions: [
          ...registry.OrderCreated.versions.map((version) =>
            options.deprecate ? { ...version, deprecated: window } : version,
          ),
          { version: "2.0", schema: v2, ...(options.upcast ? { upcast: options.upcast } : {}) },
        ],
        schema: v2,
        version: "2.0",
      };
      return (contracts: Contract[]) => {
        contracts.splice(
          contracts.findIndex((contract) => contract.name === "OrderCreated"),
          1,
          contractOf(message),
        );
      };
    }

    it("passes with an upcaster and the old major deprecated (the break itself is what majors are for)", () => {
      const report = check(withMajor({ upcast: goodUpcast, deprecate: true }));
      expect(report.violations.map(formatViolation)).toEqual([]);
      expect(report.notes).toContain("OrderCreated 2.0: not released yet (keel contracts release)");
    });

    it("fails without an upcaster, and while the old major is not deprecated", () => {
      const report = check(withMajor({ deprecate: false }));
      expect(brief(report.violations)).toEqual([
        { message: "OrderCreated", version: "2.0", path: "", rule: "MAJOR_WITHOUT_UPCASTER" },
        { message: "OrderCreated", version: "1.0", path: "", rule: "PREVIOUS_MAJOR_NOT_DEPRECATED" },
        { message: "OrderCreated", version: "1.1", path: "", rule: "PREVIOUS_MAJOR_NOT_DEPRECATED" },
      ]);
    });

    it("fails when the upcaster turns the project's own 1.x examples into invalid 2.0 data", () => {
      expect(examples.some((example) => example.message === "OrderCreated")).toBe(true);
      const report = check(withMajor({ upcast: (previous) => previous, deprecate: true }));
      const failed = report.violations.filter((violation) => violation.rule === "UPCASTER_FAILED");
      expect(failed.length).toBeGreaterThan(0);
      expect(failed[0]?.detail).toMatch(/upcast to 2\.0 is not valid 2\.0 data: data\.total is required/);
    });
  });
});
