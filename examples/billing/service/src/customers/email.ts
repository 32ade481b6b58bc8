/**
 * Email checks for customer records. The pattern accepts hyphens in the local part and in domain labels:
 * billing contacts such as "accounts-payable@acme-group.de" are common (SUP-204).
 */
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

export function isValidEmail(email: string): boolean {
  return EMAIL.test(email.trim());
}

export function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  if (!isValidEmail(trimmed)) throw new Error(`Invalid email address: ${trimmed}`);
  const [local, domain] = trimmed.split("@") as [string, string];
  return `${local}@${domain.toLowerCase()}`;
}
