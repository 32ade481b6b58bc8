/** A cart as billing receives it from orders. */
export interface Line {
  sku: string;
  qty: number;
  /** Price of one unit, in cents. */
  unitCents: number;
}

export const lineCents = (line: Line): number => line.qty * line.unitCents;

export function subtotalCents(lines: Line[]): number {
  return lines.reduce((sum, line) => sum + lineCents(line), 0);
}
