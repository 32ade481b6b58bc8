import { describe, expect, it } from "vitest";
import { daysInMonth, prorate, remainingDays } from "../src/billing/proration";

describe("proration", () => {
  it("counts the days of the real month", () => {
    expect(daysInMonth(new Date("2025-02-15"))).toBe(28);
    expect(daysInMonth(new Date("2024-02-15"))).toBe(29);
    expect(remainingDays(new Date("2025-02-15"))).toBe(14);
  });

  it("charges the remaining share of an upgrade", () => {
    const p = prorate({ fromPrice: 29, toPrice: 99, changedAt: "2025-02-15" });
    expect(p.net).toBe(35);
  });

  it("charges a mid-March upgrade by its exact share of 31 days", () => {
    const p = prorate({ fromPrice: 29, toPrice: 99, changedAt: "2026-03-15" });
    expect(p.charge).toBe(54.29);
    expect(p.net).toBe(38.39);
  });

  it("credits the unused days of a downgrade", () => {
    const p = prorate({ fromPrice: 99, toPrice: 29, changedAt: "2026-04-16" });
    expect(p.credit).toBe(49.5);
  });
});
