#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npm ci` alone leaves a working command (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../agent/cli.ts");
const code = await main(process.argv.slice(2));
// Exit once what was written has reached its reader (a pipe is written asynchronously: exiting at once cuts a
// large report short), but no later: the work is done, its stores are closed, and tearing down a large heap takes a while.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write("", done))));
process.exit(code);
