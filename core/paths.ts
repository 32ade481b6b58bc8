/** What a repo path is for, by its name alone: test code (test folders at any depth, test, spec and type-test files). */
const TEST_PATH = /(?:^|\/)(?:test|tests|__tests__|__mocks__|spec)\/|\.(?:test|spec|test-d)\.[^/]+$/;

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}
