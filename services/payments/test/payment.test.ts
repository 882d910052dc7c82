import { authorizePayment } from "../src/domain/authorize-payment";
import { decideAuthorize, decideVoid, type Payment, roundMoney } from "../src/domain/payment";
import { voidPayment } from "../src/domain/void-payment";
import { memoryPayments, scriptedProvider } from "./fakes";

const request = (overrides: Partial<Parameters<typeof authorizePayment>[0]> = {}) => ({
  tenantId: "tenant-1",
  orderId: "ORD-1",
  customerId: "CUST-1",
  amount: 59.85,
  currency: "AUD",
  commandId: "cmd_1",
  paymentMethodToken: "tok_1",
  ...overrides,
});

const payment = (status: Payment["status"], extra: Partial<Payment> = {}): Payment => ({
  tenantId: "tenant-1",
  orderId: "ORD-1",
  status,
  updatedAt: "2026-01-01T00:00:00Z",
  ...extra,
});

describe("payment decisions", () => {
  it("decides an authorisation from the order's payment", () => {
    expect(decideAuthorize(undefined, request())).toEqual({ kind: "start" });
    expect(decideAuthorize(payment("AUTHORIZING", { authorizeCommandId: "cmd_1" }), request())).toEqual({
      kind: "ask-provider",
    });
    expect(decideAuthorize(payment("AUTHORIZING", { authorizeCommandId: "cmd_other" }), request())).toEqual({
      kind: "cancelled",
    });
    expect(decideAuthorize(payment("AUTHORIZED", { authorizationId: "a1" }), request())).toEqual({
      kind: "already-authorized",
      authorizationId: "a1",
    });
    expect(decideAuthorize(payment("DECLINED", { declineReason: "INSUFFICIENT_FUNDS" }), request())).toEqual({
      kind: "already-declined",
      reason: "INSUFFICIENT_FUNDS",
    });
    expect(decideAuthorize(payment("VOIDED"), request())).toEqual({ kind: "cancelled" });
  });

  it("decides a void from the order's payment", () => {
    expect(decideVoid(undefined)).toEqual({ kind: "tombstone" });
    expect(decideVoid(payment("AUTHORIZING"))).toEqual({ kind: "cancel-in-flight" });
    expect(decideVoid(payment("AUTHORIZED", { authorizationId: "a1" }))).toEqual({
      kind: "release",
      authorizationId: "a1",
    });
    expect(decideVoid(payment("DECLINED"))).toEqual({ kind: "done", outcome: "NOTHING_TO_VOID" });
    expect(decideVoid(payment("VOIDED"))).toEqual({ kind: "done", outcome: "ALREADY_VOIDED" });
  });

  it("adds money in cents", () => {
    expect(roundMoney(3 * 19.95)).toBe(59.85);
    expect(roundMoney(0.1 + 0.2)).toBe(0.3);
  });
});

describe("authorizing a payment", () => {
  it("holds the amount and records it", async () => {
    const payments = memoryPayments();
    const { provider, held } = scriptedProvider(() => ({ approved: true, authorizationId: "auth_1" }));
    const outcome = await authorizePayment(request(), { payments, provider });
    expect(outcome).toEqual({
      event: "PaymentAuthorized",
      data: { orderId: "ORD-1", authorizationId: "auth_1", amount: 59.85, currency: "AUD" },
    });
    expect(held).toEqual(["auth_1"]);
    expect(payments.items.get("tenant-1#ORD-1")).toMatchObject({ status: "AUTHORIZED", authorizationId: "auth_1" });
  });

  it("reports a decline as PaymentFailed and keeps the reason", async () => {
    const payments = memoryPayments();
    const { provider } = scriptedProvider(() => ({ approved: false, reason: "CARD_DECLINED" }));
    const outcome = await authorizePayment(request(), { payments, provider });
    expect(outcome).toMatchObject({ event: "PaymentFailed", data: { reason: "CARD_DECLINED", amount: 59.85 } });
    const again = await authorizePayment(request({ commandId: "cmd_2" }), { payments, provider });
    expect(again).toMatchObject({ event: "PaymentFailed", data: { reason: "CARD_DECLINED" } });
  });

  it("never holds an order's money twice, whatever the number of commands", async () => {
    const payments = memoryPayments();
    const { provider, held } = scriptedProvider(() => ({ approved: true, authorizationId: "auth_1" }));
    await authorizePayment(request(), { payments, provider });
    const second = await authorizePayment(request({ commandId: "cmd_2" }), { payments, provider });
    expect(second).toMatchObject({ event: "PaymentAuthorized", data: { authorizationId: "auth_1" } });
    expect(held).toEqual(["auth_1"]);
  });

  it("releases an approval that arrives after the order's payment was voided", async () => {
    const payments = memoryPayments();
    let voidWhileDeciding: () => Promise<unknown> = async () => undefined;
    const { provider, held, voided } = scriptedProvider(async () => {
      await voidWhileDeciding();
      return { approved: true, authorizationId: "auth_late" };
    });
    voidWhileDeciding = () => voidPayment({ tenantId: "tenant-1", orderId: "ORD-1" }, { payments, provider });
    const outcome = await authorizePayment(request(), { payments, provider });
    expect(outcome).toMatchObject({ event: "PaymentFailed", data: { reason: "AUTHORIZATION_CANCELLED" } });
    expect(held).toEqual(["auth_late"]);
    expect(voided).toEqual(["auth_late"]);
    expect(payments.items.get("tenant-1#ORD-1")?.status).toBe("VOIDED");
  });

  it("refuses to authorise an order whose payment was voided first", async () => {
    const payments = memoryPayments();
    const { provider, held } = scriptedProvider(() => ({ approved: true, authorizationId: "auth_1" }));
    await voidPayment({ tenantId: "tenant-1", orderId: "ORD-1" }, { payments, provider });
    expect(await authorizePayment(request(), { payments, provider })).toMatchObject({
      data: { reason: "AUTHORIZATION_CANCELLED" },
    });
    expect(held).toEqual([]);
  });
});

describe("voiding a payment", () => {
  it("releases a hold once; voiding again or voiding nothing succeeds without effect", async () => {
    const payments = memoryPayments();
    const { provider, voided } = scriptedProvider(() => ({ approved: true, authorizationId: "auth_1" }));
    await authorizePayment(request(), { payments, provider });
    const deps = { payments, provider };
    expect(await voidPayment({ tenantId: "tenant-1", orderId: "ORD-1" }, deps)).toEqual({
      event: "PaymentVoided",
      data: { orderId: "ORD-1", outcome: "VOIDED", authorizationId: "auth_1" },
    });
    expect(await voidPayment({ tenantId: "tenant-1", orderId: "ORD-1" }, deps)).toMatchObject({
      data: { outcome: "ALREADY_VOIDED" },
    });
    expect(await voidPayment({ tenantId: "tenant-1", orderId: "ORD-404" }, deps)).toMatchObject({
      data: { outcome: "NOTHING_TO_VOID" },
    });
    expect(voided).toEqual(["auth_1"]);
  });
});
