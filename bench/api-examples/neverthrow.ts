// Public-API examples of neverthrow (its README), each returning plain data.
import { err, errAsync, fromThrowable, ok, okAsync, Result, ResultAsync, safeTry } from "../src/index";

const parse = fromThrowable(JSON.parse, () => "bad json");
export function mapAndMatch() {
  return ok(2).map((x) => x * 3).match((v) => `ok ${v}`, (e) => `err ${e}`);
}
export function errPath() {
  return err<number, string>("nope").mapErr((e) => e.toUpperCase()).match((v) => v, (e) => e);
}
export function chains() {
  const half = (n: number): Result<number, string> => (n % 2 === 0 ? ok(n / 2) : err(`${n} is odd`));
  return [ok(8).andThen(half).andThen(half).unwrapOr(-1), ok(6).andThen(half).andThen(half).isErr(), err("x").orElse(() => ok(1)).unwrapOr(0)];
}
export function throwables() {
  return [parse("{\"a\":1}").isOk(), parse("{").match(() => "", (e) => e)];
}
export function combine() {
  return [Result.combine([ok(1), ok(2)]).unwrapOr([]), Result.combineWithAllErrors([ok(1), err("a"), err("b")]).match(() => [], (e) => e)];
}
export async function async() {
  const r = await okAsync(3).map(async (x) => x + 1).andThen((x) => (x > 3 ? okAsync(x * 10) : errAsync("small")));
  const f = await ResultAsync.fromPromise(Promise.reject(new Error("boom")), (e) => (e as Error).message);
  return [r.unwrapOr(0), f.isErr() ? f.error : ""];
}
export function generators() {
  return safeTry(function* () {
    const a = yield* ok(1);
    const b = yield* ok(2);
    return ok(a + b);
  }).unwrapOr(0);
}
