import { query } from "../db/pool";

export interface Customer {
  id: string;
  name: string;
  email: string;
  country: string;
  vatId: string | null;
  currency: string;
}

/** Customer rows in Postgres. */
export class CustomerRepository {
  async find(id: string): Promise<Customer | undefined> {
    const { rows } = await query<Customer>("select * from customers where id = $1", [id]);
    return rows[0];
  }

  async insert(customer: Customer): Promise<void> {
    await query("insert into customers (id, name, email, country, vat_id, currency) values ($1, $2, $3, $4, $5, $6)", [
      customer.id,
      customer.name,
      customer.email,
      customer.country,
      customer.vatId,
      customer.currency,
    ]);
  }

  async updateEmail(id: string, email: string): Promise<void> {
    await query("update customers set email = $2 where id = $1", [id, email]);
  }
}
