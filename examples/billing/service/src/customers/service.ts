import { config } from "../config/index";
import { normalizeEmail } from "./email";
import { CustomerRepository, type Customer } from "./repository";

export interface NewCustomer {
  id: string;
  name: string;
  email: string;
  country: string;
  vatId?: string;
  currency?: string;
}

const customers = new CustomerRepository();

/** Registers a customer after checking the email and defaulting the currency. */
export async function createCustomer(input: NewCustomer): Promise<Customer> {
  const customer: Customer = {
    id: input.id,
    name: input.name.trim(),
    email: normalizeEmail(input.email),
    country: input.country.toUpperCase(),
    vatId: input.vatId ?? null,
    currency: (input.currency ?? config.billing.defaultCurrency).toUpperCase(),
  };
  await customers.insert(customer);
  return customer;
}

export async function changeEmail(id: string, email: string): Promise<string> {
  const normalized = normalizeEmail(email);
  await customers.updateEmail(id, normalized);
  return normalized;
}

export async function requireCustomer(id: string): Promise<Customer> {
  const customer = await customers.find(id);
  if (!customer) throw new Error(`Unknown customer: ${id}`);
  return customer;
}
