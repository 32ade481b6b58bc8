/** What a repo path is for, by its name alone: test code (test folders at any depth, test, spec and type-test files). */
const TEST_PATH = /(?:^|\/)(?:test|tests|__tests__|__mocks__|spec)\/|\.(?:test|spec|test-d)\.[^/]+$/;

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

/**
 * Code a package ships, by its name alone: a JavaScript or TypeScript file that is not a test, not build output
 * or a type bundle, and not tooling (configs, scripts, docs, examples, the website, benchmarks, dot folders).
 * Where a bug report's fault can live.
 */
const TOOLING_PATH = /(?:^|\/)(?:dist|build|out|lib-esm|coverage|node_modules|website|docs?|examples?|benchmarks?|perf[\w-]*|__performance_tests__|scripts?|config|\.[\w-]+)\/|\.d\.[cm]?ts$|\.config(?:\.[\w-]+)?\.[cm]?[jt]s$/;

export function isShippedSourcePath(path: string): boolean {
  return /\.[cm]?[jt]sx?$/.test(path) && !TEST_PATH.test(path) && !TOOLING_PATH.test(path);
}
