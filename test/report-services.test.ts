import { describe, expect, it } from "vitest";
import { render } from "../agent/report/index.js";
import { Report } from "../core/verdict.js";
import { servicesReport } from "./helpers/report-fixture.js";

/**
 * A verdict that crosses services, in every report format: the root cause's service, the requests, responses
 * and messages that differ (base → head), and the services in the blast radius. Golden files in test/golden/
 * (`npx vitest run -u` rewrites them).
 */
describe("reports of a verdict across services", () => {
  it("the fixture is a valid report", () => {
    expect(Report.parse(servicesReport())).toEqual(servicesReport());
  });

  it("terminal: the root cause names its service, each differing crossing is one line, the services hit are listed", async () => {
    const text = render(servicesReport(), "terminal", { width: 100 });
    expect(text.split("\n").every((l) => l.length <= 100)).toBe(true);
    const unwrapped = text.replace(/\n {13,}/g, " ");
    expect(unwrapped).toContain("(service billing)");
    expect(unwrapped).toContain("between services response billing → orders, status 201, at");
    expect(unwrapped).toContain('{"status":201,"body":{"charged":1030}} → {"status":201,"body":{"charged":1055}}');
    // The request was the same on both sides: not a line of its own.
    expect(text).not.toContain("request orders → billing");
    expect(unwrapped).toContain("services: orders, billing, notifications");
    await expect(text).toMatchFileSnapshot("golden/report-services.txt");
  });

  it("markdown: a Between services list and the services in the blast radius", async () => {
    const md = render(servicesReport(), "markdown");
    expect(md).toContain("**Between services**");
    expect(md).toContain("- services: orders, billing, notifications");
    await expect(md).toMatchFileSnapshot("golden/report-services.md");
  });

  it("html: a table of every crossing, the differing ones first, and the services chips", async () => {
    const page = render(servicesReport(), "html");
    const rows = [...page.matchAll(/<tr data-crossing="(\w+)" data-same="(\w+)">/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(rows).toEqual(["response:false", "message:false", "request:true"]);
    expect(page).toContain('data-blast="services"');
    expect(page).toContain("(service <code>billing</code>)");
    await expect(page).toMatchFileSnapshot("golden/report-services.html");
  });
});
