import { describe, expect, it } from "vitest";
import { roundCents, sum } from "../src/util/money";
import { discountFor, findCoupon } from "../src/billing/discounts";
import { vatFor } from "../src/tax/vat";

describe("money", () => {
  it("rounds half away from zero", () => {
    expect(roundCents(1.005)).toBe(1.01);
    expect(roundCents(-1.005)).toBe(-1.01);
    expect(sum([0.1, 0.2])).toBe(0.3);
  });

  it("caps a fixed discount at the price", () => {
    expect(discountFor(29, findCoupon("PARTNER50", "2026-01-01T00:00:00Z"))).toBe(29);
  });

  it("applies reverse charge to EU businesses abroad", () => {
    expect(vatFor("FR", "FR12345678901").reverseCharge).toBe(true);
  });
});
