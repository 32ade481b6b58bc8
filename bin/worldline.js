#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npm ci` alone leaves a working command (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../agent/cli.ts");
const code = await main(process.argv.slice(2));
// Exit at once: the work is done and its stores are closed, and tearing down a large heap takes a while.
process.exit(code);
