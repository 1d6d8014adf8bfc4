import type { Migration } from '#event-store';

export const API_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'idempotent responses',
    sql: `
      CREATE TABLE idempotent_responses (
        command_id uuid PRIMARY KEY,
        request_hash text NOT NULL,
        status integer NOT NULL,
        body jsonb NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'idempotency keys reserved before the command runs',
    // A row without a status is a reservation: its request is running (or its process died, which
    // the lease tells apart).
    sql: `
      ALTER TABLE idempotent_responses
        ALTER COLUMN status DROP NOT NULL,
        ALTER COLUMN body DROP NOT NULL,
        ALTER COLUMN headers DROP NOT NULL,
        ADD COLUMN leased_until timestamptz;
    `,
  },
];
