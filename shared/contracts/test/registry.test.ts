import { classifiedPaths, domains, messageNames, REDACTED, redact, registry } from "../src";

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
      { path: "paymentMethodToken", classification: "secret" },
      { path: "contact.email", classification: "pii" },
      { path: "contact.phone", classification: "pii" },
    ]);
    expect(classifiedPaths(registry.NotificationSent.schema)).toEqual([{ path: "recipient", classification: "pii" }]);
    expect(registry.PaymentAuthorized.classified).toEqual([]);
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
