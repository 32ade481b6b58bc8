/** Billing addresses: the country decides VAT, so it is checked against ISO 3166 codes we sell to. */
export interface Address {
  line1: string;
  line2?: string;
  postalCode: string;
  city: string;
  country: string;
}

const COUNTRIES = new Set(["AT", "BE", "CH", "DE", "ES", "FR", "GB", "IE", "IT", "NL", "PL", "SE", "US"]);

const POSTAL: Record<string, RegExp> = {
  DE: /^\d{5}$/,
  FR: /^\d{5}$/,
  NL: /^\d{4} ?[A-Z]{2}$/,
  GB: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/,
  US: /^\d{5}(-\d{4})?$/,
};

export function validateAddress(a: Address): string[] {
  const problems: string[] = [];
  const country = a.country.toUpperCase();
  if (!COUNTRIES.has(country)) problems.push(`Unsupported country: ${a.country}`);
  if (!a.line1.trim()) problems.push("Address line 1 is required");
  if (!a.city.trim()) problems.push("City is required");
  const postal = POSTAL[country];
  if (postal && !postal.test(a.postalCode.trim().toUpperCase())) problems.push(`Invalid postal code for ${country}: ${a.postalCode}`);
  return problems;
}

export function formatAddress(a: Address): string {
  return [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country.toUpperCase()].filter(Boolean).join("\n");
}
