import * as z from "zod/mini";
import { auditableData, classifiedPaths, domains, messageNames, pii, REDACTED, redact, registry, secret } from "../src";

describe("the message registry", () => {
  it("lists both flows' messages", () => {
    const orchestrated = [
      "CreateOrder",
      "AuthorizePayment",
      "VoidPayment",
      "ReserveInventory",
      "ReleaseInventory",
      "OrderCreated",
      "OrderRejected",
      "PaymentAuthorized",
      "PaymentFailed",
      "PaymentVoided",
      "InventoryReserved",
      "InventoryReservationFailed",
      "InventoryReleased",
    ];
    const choreographed = [
      "OrderPlaced",
      "InventoryReserved",
      "InventoryReservationFailed",
      "PaymentCharged",
      "PaymentFailed",
      "ShippingScheduled",
      "InventoryReleased",
    ];
    for (const name of orchestrated)
      expect(registry).toHaveProperty([name, "flows"], expect.arrayContaining(["orchestration"]));
    for (const name of choreographed)
      expect(registry).toHaveProperty([name, "flows"], expect.arrayContaining(["choreography"]));
  });

  it.each(messageNames)("%s is well formed", (name) => {
    const message = registry[name];
    expect(message.name).toBe(name);
    expect(Object.keys(domains)).toContain(message.owner);
    expect(message.source).toMatch(/^com\.example\.[a-z]+\.[a-z]+$/);
    expect(message.description.length).toBeGreaterThan(10);
    const versions = message.versions.map((version) => version.version);
    expect(versions.every((version) => /^\d+\.\d+$/.test(version))).toBe(true);
    const sorted = [...versions].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    expect(versions).toEqual(sorted);
    expect(message.version).toBe(versions.at(-1));
    if (message.kind === "event") expect(message.source.split(".")[2]).toBe(message.owner);
    else expect(message.handler?.split(".")[0]).toBe(message.owner);
  });

  it("tags personal data and secrets where they are declared", () => {
    expect(registry.CreateOrder.classified).toEqual([
      { path: "paymentMethodToken", classification: "secret", auditable: false },
      { path: "contact.email", classification: "pii", auditable: false },
      { path: "contact.phone", classification: "pii", auditable: false },
    ]);
    expect(classifiedPaths(registry.NotificationSent.schema)).toEqual([
      { path: "recipient", classification: "pii", auditable: false },
    ]);
    expect(registry.PaymentAuthorized.classified).toEqual([]);
  });

  it("keeps out of audit records every classified field but those marked safe for audit", () => {
    const schema = z.object({
      orderId: z.string(),
      token: secret(z.string()),
      email: pii(z.string()),
      country: pii(z.string(), { auditable: true }),
    });
    const classified = classifiedPaths(schema);
    expect(classified).toEqual([
      { path: "token", classification: "secret", auditable: false },
      { path: "email", classification: "pii", auditable: false },
      { path: "country", classification: "pii", auditable: true },
    ]);
    expect(auditableData({ orderId: "o", token: "t", email: "e@x.io", country: "AU" }, classified)).toEqual({
      orderId: "o",
      country: "AU",
    });
  });

  it("redacts classified fields, through arrays, without touching the original", () => {
    const original = { a: { token: "t", keep: 1 }, list: [{ email: "x@y.z" }, { email: "w@y.z" }], missing: {} };
    const masked = redact(original, ["a.token", "list[].email", "missing.deep.field"]);
    expect(masked).toEqual({
      a: { token: REDACTED, keep: 1 },
      list: [{ email: REDACTED }, { email: REDACTED }],
      missing: {},
    });
    expect(original.a.token).toBe("t");
    expect(redact(original, ["a.token"], "remove")).toEqual({ ...original, a: { keep: 1 } });
  });
});
