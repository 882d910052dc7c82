import { registry } from "@keel/contracts";
import { checkNaming, formatNamingViolation, isPastTense, type NamedMessage, wordsOf } from "../src";

/** The real registry with one entry added or replaced. */
const withEntry = (entry: NamedMessage, key = entry.name): Record<string, NamedMessage> => ({
  ...registry,
  [key]: entry,
});
const rulesOf = (messages: Record<string, NamedMessage>) =>
  checkNaming(messages).map(({ message, field, rule }) => `${message} ${field} ${rule}`);

describe("naming", () => {
  it("passes on the real registry", () => {
    expect(checkNaming().map(formatNamingViolation)).toEqual([]);
  });

  it("fails on an event named like a command", () => {
    const shipment = { ...registry.ShippingScheduled, name: "CreateShipment" };
    const violations = checkNaming(withEntry(shipment));
    expect(violations.map(formatNamingViolation)).toEqual([
      expect.stringMatching(
        /^CreateShipment \(event\) name: EVENT_NOT_PAST_TENSE \(events are past tense: .* it reads as a command \(starts with Create\)\)$/,
      ),
    ]);
  });

  it("fails on a command in the past tense", () => {
    const authorized = { ...registry.AuthorizePayment, name: "PaymentAuthorized" };
    expect(rulesOf(withEntry(authorized, "AuthorizePayment"))).toEqual([
      "PaymentAuthorized name REGISTRY_KEY_MISMATCH",
      "PaymentAuthorized name COMMAND_NOT_IMPERATIVE",
      "PaymentAuthorized name COMMAND_IN_PAST_TENSE",
    ]);
    const voided = { ...registry.VoidPayment, name: "VoidedPayment" };
    expect(rulesOf(withEntry(voided, "VoidPayment"))).toEqual([
      "VoidedPayment name REGISTRY_KEY_MISMATCH",
      "VoidedPayment name COMMAND_NOT_IMPERATIVE",
    ]);
  });

  it("fails on bad sources: malformed, another organisation, an unknown domain, an event with another domain's source", () => {
    const failed = registry.PaymentFailed;
    expect(rulesOf(withEntry({ ...failed, source: "com.example.payments" }))).toEqual([
      "PaymentFailed source SOURCE_MALFORMED",
    ]);
    expect(rulesOf(withEntry({ ...failed, source: "org.acme.payments.service" }))).toEqual([
      "PaymentFailed source SOURCE_MALFORMED",
    ]);
    expect(rulesOf(withEntry({ ...failed, source: "com.example.billing.service" }))).toEqual([
      "PaymentFailed source SOURCE_UNKNOWN_DOMAIN",
    ]);
    expect(rulesOf(withEntry({ ...failed, source: "com.example.orders.workflow" }))).toEqual([
      "PaymentFailed source EVENT_SOURCE_NOT_OWNER",
    ]);
    // A command's source is its sender's: the orders workflow sends payments' commands.
    expect(registry.AuthorizePayment.source).toBe("com.example.orders.workflow");
  });

  it("fails on a command handled outside its owner, an unknown owner, a name that is not PascalCase", () => {
    expect(rulesOf(withEntry({ ...registry.VoidPayment, handler: "orders.workflow" }))).toEqual([
      "VoidPayment handler HANDLER_NOT_OWNER",
    ]);
    expect(rulesOf(withEntry({ ...registry.NotificationSent, owner: "marketing" }))).toEqual([
      "NotificationSent source EVENT_SOURCE_NOT_OWNER",
      "NotificationSent owner OWNER_UNKNOWN",
    ]);
    expect(rulesOf(withEntry({ ...registry.OrderPlaced, name: "order_placed" }))).toEqual([
      "order_placed name NAME_NOT_PASCAL_CASE",
    ]);
  });

  it("knows past tenses: -ed and irregular participles, not nouns ending in -ed", () => {
    expect(wordsOf("InventoryReservationFailed")).toEqual(["Inventory", "Reservation", "Failed"]);
    expect(wordsOf("SMSSent")).toEqual(["SMS", "Sent"]);
    expect(["Created", "Sent", "Paid", "Held", "Scheduled"].every(isPastTense)).toBe(true);
    expect(["Feed", "Shipment", "Create", "Speed"].some(isPastTense)).toBe(false);
    const feed = { ...registry.OrderPlaced, name: "OrderFeed" };
    expect(rulesOf(withEntry(feed))).toEqual(["OrderFeed name EVENT_NOT_PAST_TENSE"]);
  });
});
