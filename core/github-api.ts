/**
 * What every call to GitHub's REST API shares: the API's default address, the headers it expects, and the
 * next page named by its `Link` header.
 */
export const GITHUB_API_DEFAULT = "https://api.github.com";

/** Headers for GitHub's REST API; the token goes only into the authorization header, never into a message. */
export function githubHeaders(token: string | undefined): Record<string, string> {
  return {
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    "user-agent": "worldline",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** The URL of the next page from a `Link` header (`<url>; rel="next", <url>; rel="last"`), if there is one. */
export function nextLink(link: string | undefined): string | undefined {
  return link
    ?.split(",")
    .map((part) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)?.[1])
    .find((url) => url !== undefined);
}
