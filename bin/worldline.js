#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npm ci` alone leaves a working command (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../agent/cli.ts");
process.exitCode = await main(process.argv.slice(2));
