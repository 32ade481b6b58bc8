// Public-API examples of ts-pattern (its README), each returning plain data.
import { isMatching, match, P } from "../src/index";

type Event = { type: "fetch" } | { type: "success"; data: string; status: number } | { type: "error"; error: Error };
const describe = (e: Event) =>
  match(e)
    .with({ type: "success", status: P.when((s) => s >= 300) }, () => "odd success")
    .with({ type: "success" }, ({ data }) => `got ${data}`)
    .with({ type: "error" }, ({ error }) => `failed: ${error.message}`)
    .with({ type: "fetch" }, () => "loading")
    .exhaustive();
export function events() {
  return [describe({ type: "fetch" }), describe({ type: "success", data: "x", status: 200 }), describe({ type: "success", data: "y", status: 301 }), describe({ type: "error", error: new Error("e") })];
}
export function tuplesAndWildcards() {
  const f = (v: [string, number]) => match(v).with(["a", P.number], ([, n]) => n * 2).with([P.string, P.select()], (n) => -n).otherwise(() => 0);
  return [f(["a", 2]), f(["b", 3])];
}
export function selections() {
  return match({ user: { name: "Ada", roles: ["admin", "dev"] } })
    .with({ user: { name: P.select("name"), roles: P.array(P.select("role")) } }, ({ name, role }) => `${name}:${role.join("+")}`)
    .otherwise(() => "none");
}
export function guards() {
  const isUser = isMatching({ name: P.string, age: P.number.gte(18) });
  return [isUser({ name: "a", age: 20 }), isUser({ name: "b", age: 3 }), isUser({ name: 1 })];
}
export function unionsAndOptional() {
  const f = (x: unknown) => match(x).with(P.union("a", "b"), () => "letter").with({ k: P.optional(P.number) }, () => "obj").with(P.nullish, () => "nothing").otherwise(() => "other");
  return [f("a"), f({}), f({ k: 1 }), f(null), f(3)];
}
export function strings() {
  return match("worldline-v2").with(P.string.startsWith("world").endsWith("v2"), () => "both").otherwise(() => "no");
}
