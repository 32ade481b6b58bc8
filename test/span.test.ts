import { describe, expect, it } from "vitest";
import { UserError } from "../core/errors.js";
import { fileOf, Span } from "../core/span.js";

describe("Span", () => {
  it("parses path:line and path:start-end, and writes them back the same way", () => {
    const one = Span.parse("src/billing/proration.ts:35");
    expect({ path: one.path, start: one.start, end: one.end, line: one.line }).toEqual({ path: "src/billing/proration.ts", start: 35, end: 35, line: 35 });
    expect(one.toString()).toBe("src/billing/proration.ts:35");
    const range = Span.parse("src/a.ts:12-20");
    expect([range.path, range.start, range.end]).toEqual(["src/a.ts", 12, 20]);
    expect(range.toString()).toBe("src/a.ts:12-20");
    // A span of one line written as a range reads as that line.
    expect(Span.parse("src/a.ts:7-7").toString()).toBe("src/a.ts:7");
  });

  it("keeps colons inside the path: only the last one separates the lines", () => {
    const s = Span.parse("C:/repo/src/a.ts:3");
    expect([s.path, s.line]).toEqual(["C:/repo/src/a.ts", 3]);
  });

  it("reads the span a root cause starts with, before the note after it", () => {
    const s = Span.leading("src/billing/proration.ts:35 (share rounded)", "location");
    expect([s.path, s.line]).toEqual(["src/billing/proration.ts", 35]);
  });

  it("answers whether lines fall inside it", () => {
    const s = Span.of("src/a.ts", 10, 20);
    expect([s.contains(9), s.contains(10), s.contains(20), s.contains(21)]).toEqual([false, true, true, false]);
    expect([s.overlaps(1, 9), s.overlaps(1, 10), s.overlaps(20, 30), s.overlaps(21, 30)]).toEqual([false, true, true, false]);
    expect(Span.line("src/a.ts", 4).toString()).toBe("src/a.ts:4");
  });

  it("refuses a malformed span in one line naming the input and the expected form", () => {
    const bad = ["src/a.ts", "src/a.ts:", "src/a.ts:0", "src/a.ts:x", ":12", "src/a.ts:20-10", "src/a.ts:3 (note)", ""];
    const wrong: string[] = [];
    for (const text of bad) {
      try {
        Span.parse(text, "location");
        wrong.push(`${JSON.stringify(text)} parsed`);
      } catch (err) {
        const message = (err as Error).message;
        if (!(err instanceof UserError)) wrong.push(`${JSON.stringify(text)}: not a UserError`);
        if (!message.startsWith(`location ${JSON.stringify(text)} is not path:line or path:start-end`)) wrong.push(`${JSON.stringify(text)}: ${message}`);
        if (!message.includes("e.g. src/a.ts:12")) wrong.push(`${JSON.stringify(text)}: no example in ${message}`);
        if (message.includes("\n")) wrong.push(`${JSON.stringify(text)}: more than one line`);
      }
    }
    expect(wrong).toEqual([]);
    expect(() => Span.of("src/a.ts", 5, 4)).toThrow(/start <= end/);
    expect(() => Span.of("", 1, 1)).toThrow(UserError);
  });

  it("names the file of a code reference, whatever form it takes", () => {
    expect(["src/a.ts#f", "src/a.ts:12", "src/a.ts:12-20", "src/a.ts", "src/a.ts#Cls.m"].map(fileOf)).toEqual(["src/a.ts", "src/a.ts", "src/a.ts", "src/a.ts", "src/a.ts"]);
  });
});
