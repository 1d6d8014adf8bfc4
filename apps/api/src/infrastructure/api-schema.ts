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
];
