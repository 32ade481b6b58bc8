// Child of bench/api-examples.ts: runs every export of one examples file natively (under tsx) and prints
// { name: JSON text of its answer } (or { name: { error } }).
import { pathToFileURL } from "node:url";

const [file] = process.argv.slice(2);
if (!file) throw new Error("usage: api-examples-native.ts FILE");
const mod = (await import(pathToFileURL(file).href)) as Record<string, () => unknown>;
const out: Record<string, string | { error: string }> = {};
for (const [name, f] of Object.entries(mod)) {
  if (typeof f !== "function") continue;
  try {
    out[name] = JSON.stringify(await f()) ?? "undefined";
  } catch (e) {
    out[name] = { error: (e as Error).message };
  }
}
process.stdout.write(JSON.stringify(out));
