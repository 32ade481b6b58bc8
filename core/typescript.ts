import { createRequire } from "node:module";
import type { ts as TS } from "@ts-morph/common";

const require = createRequire(import.meta.url);
let lib: typeof TS | undefined;

/**
 * The TypeScript compiler, loaded on first use. Loading it takes most of a sandbox child's start (about
 * 0.7 s): a child whose modules are all in the compiled cache never needs it.
 */
export function typescript(): typeof TS {
  lib ??= (require("@ts-morph/common") as { ts: typeof TS }).ts;
  return lib;
}

/** The compiler's version, without loading it (what cached compilations are keyed by). */
export function typescriptVersion(): string {
  return (require("@ts-morph/common/package.json") as { version: string }).version;
}
