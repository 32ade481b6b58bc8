// Public-API examples of superstruct (its README and docs), each returning plain data.
import { array, assert, coerce, create, defaulted, number, object, optional, refine, string, StructError, type, union, validate, literal, is, size, partial, omit, pick } from "../src/index";

const User = object({ id: number(), name: string(), email: optional(string()), tags: array(string()) });
export function validates() {
  const [e1] = validate({ id: 1, name: "Ada", tags: [] }, User);
  const [e2] = validate({ id: "1", name: "Ada", tags: [] }, User);
  return [e1 === undefined, e2 instanceof StructError ? [e2.path, e2.type, e2.message] : null];
}
export function asserts() {
  try {
    assert({ id: 1, name: 2, tags: [] }, User);
    return "passed";
  } catch (e) {
    return (e as StructError).failures().map((f) => [f.path.join("."), f.type]);
  }
}
export function defaultsAndCoercion() {
  const Settings = object({ volume: defaulted(number(), 50), label: coerce(string(), number(), (n) => `#${n}`) });
  return create({ label: 7 }, Settings);
}
export function refinements() {
  const Even = refine(number(), "even", (n) => n % 2 === 0);
  return [is(4, Even), is(3, Even), is("ab", size(string(), 1, 3)), is("abcd", size(string(), 1, 3))];
}
export function unionsAndTypes() {
  const Shape = union([type({ kind: literal("circle"), r: number() }), type({ kind: literal("square"), side: number() })]);
  return [is({ kind: "circle", r: 1, extra: true }, Shape), is({ kind: "square", r: 1 }, Shape)];
}
export function utilities() {
  return [is({ id: 1 }, partial(User)), is({ name: "a" }, pick(User, ["name"])), is({ id: 1, tags: [] }, omit(User, ["name", "email"]))];
}
