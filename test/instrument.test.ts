import { describe, expect, it } from "vitest";
import { instrument, type Site } from "../servers/scenarios/sandbox/instrument.js";

/**
 * The transformer alone, run on trusted fixture code in a bare function scope with a recording `__wl`
 * (the sandbox itself, isolates in child processes, is the next part of the differential simulation).
 */
interface Event {
  kind: string;
  line: number;
  name?: string;
  value?: unknown;
}

function run(source: string, entry: string, ...args: unknown[]): { result: unknown; events: Event[]; sites: Site[]; values: Event[] } {
  const { code, sites } = instrument("src/fixture.ts", source);
  const events: Event[] = [];
  const values: Event[] = [];
  const at = (id: number) => sites[id] as Site;
  const recorder = {
    step: (id: number) => void events.push({ kind: "step", line: at(id).line }),
    enter: (id: number, a: unknown[]) => void events.push({ kind: "enter", line: at(id).line, name: at(id).name, value: a }),
    ret: (id: number, v?: unknown) => (events.push({ kind: "return", line: at(id).line, name: at(id).name, value: v }), v),
    throw: (id: number, e: unknown) => void events.push({ kind: "throw", line: at(id).line, name: at(id).name, value: (e as Error).message }),
    exit: (id: number) => void events.push({ kind: "exit", line: at(id).line, name: at(id).name }),
    val: (id: number, v: unknown) => void values.push({ kind: "value", line: at(id).line, value: v }),
  };
  const module = { exports: {} as Record<string, (...a: unknown[]) => unknown> };
  new Function("module", "exports", "__wl", code)(module, module.exports, recorder);
  events.length = 0; // what the module did while loading is not the entry's trace
  values.length = 0;
  let result: unknown;
  try {
    result = module.exports[entry]?.(...args);
  } catch (err) {
    result = `threw ${(err as Error).message}`;
  }
  return { result, events, sites, values };
}

const SOURCE = [
  "export function price(amount: number, vat: number): number {", // 1
  "  const gross = amount * (1 + vat);", // 2
  "  if (gross > 100) return Math.round(gross);", // 3
  "  else {", // 4
  "    const cents = Math.round(gross * 100);", // 5
  "    return cents / 100;", // 6
  "  }", // 7
  "}", // 8
  "export const double = (n: number) => n * 2;", // 9
  "export function fails(code: string) {", // 10
  "  if (!/^[A-Z]{3}$/.test(code)) throw new Error(`Invalid currency code: ${code}`);", // 11
  "  return code;", // 12
  "}", // 13
  "export class Account {", // 14
  "  constructor(private balance: number) {}", // 15
  "  withdraw(n: number): number {", // 16
  "    this.balance -= n;", // 17
  "    return this.balance;", // 18
  "  }", // 19
  "}", // 20
  "export function useAccount() {", // 21
  "  const a = new Account(10);", // 22
  "  return a.withdraw(double(2));", // 23
  "}", // 24
].join("\n");

describe("instrument", () => {
  it("records statements with their source lines, the branch taken, and entry and return values", () => {
    const small = run(SOURCE, "price", 10, 0.19);
    expect(small.result).toBe(11.9);
    expect(small.events.map((e) => `${e.kind}@${e.line}`)).toEqual(["enter@1", "step@2", "step@3", "step@5", "step@6", "return@1", "exit@1"]);
    expect(small.events[0]).toMatchObject({ name: "price", value: [10, 0.19] });
    const big = run(SOURCE, "price", 100, 0.19);
    expect(big.events.map((e) => `${e.kind}@${e.line}`)).toEqual(["enter@1", "step@2", "step@3", "step@3", "return@1", "exit@1"]);
    expect(big.events.find((e) => e.kind === "return")?.value).toBe(119);
  });

  it("records the value each const or let statement bound, and where each function ends", () => {
    const r = run(SOURCE, "price", 10, 0.19);
    expect(r.values).toEqual([
      { kind: "value", line: 2, value: 10 * (1 + 0.19) },
      { kind: "value", line: 5, value: 1190 },
    ]);
    expect(r.sites.find((s) => s.name === "price")).toMatchObject({ kind: "function", line: 1, endLine: 8 });
  });

  it("refuses top-level await with its location", () => {
    expect(() => instrument("src/boot.ts", "const a = 1;\nawait Promise.resolve(a);\n")).toThrow("src/boot.ts:2: top-level await cannot be simulated");
    expect(() => instrument("src/ok.ts", "export async function f() { await Promise.resolve(1); }\n")).not.toThrow();
  });

  it("records a thrown error at the function that threw it", () => {
    const r = run(SOURCE, "fails", "eur");
    expect(r.result).toBe("threw Invalid currency code: eur");
    expect(r.events.map((e) => `${e.kind}@${e.line}`)).toEqual(["enter@10", "step@11", "step@11", "throw@10", "exit@10"]);
  });

  it("follows arrow functions, constructors and methods", () => {
    const r = run(SOURCE, "useAccount");
    expect(r.result).toBe(6);
    expect(r.events.filter((e) => e.kind === "enter").map((e) => e.name)).toEqual(["useAccount", "Account.constructor", "double", "Account.withdraw"]);
    expect(r.events.filter((e) => e.kind === "return").map((e) => [e.name, e.value])).toEqual([
      ["double", 4],
      ["Account.withdraw", 6],
      ["useAccount", 6],
    ]);
  });

  it("reports a syntax error with the file and line", () => {
    expect(() => instrument("src/broken.ts", "export function f( {\n")).toThrow(/^src\/broken.ts:\d+: /);
  });
});
