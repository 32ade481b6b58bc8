import { describe, expect, it } from "vitest";
import { isValidEmail, normalizeEmail } from "../src/customers/email";

describe("email", () => {
  it("accepts hyphenated addresses", () => {
    expect(isValidEmail("accounts-payable@acme-group.de")).toBe(true);
  });

  it("lower-cases the domain only", () => {
    expect(normalizeEmail("Ana.Lopez@ACME.ES")).toBe("Ana.Lopez@acme.es");
  });

  it("rejects text without @", () => {
    expect(() => normalizeEmail("not-an-email")).toThrow("Invalid email address");
  });
});
