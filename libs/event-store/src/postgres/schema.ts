import type { Migration } from './migrate';

/*
 * Global order is (transaction_id, seq), not seq alone: a sequence hands out numbers at insert time,
 * but transactions commit in another order, so a reader that checkpointed at seq 10 could miss a
 * seq 9 committed a moment later. Readers therefore only see events of transactions older than the
 * oldest transaction still running (pg_snapshot_xmin); every transaction that can still commit has
 * a transaction_id at or above that horizon, so it sorts after everything already read. The port's
 * position packs the pair into one bigint: transaction_id << 64 | seq.
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and streams',
    sql: `
      CREATE SEQUENCE es_event_seq AS bigint;
      CREATE TABLE es_streams (
        stream_id text PRIMARY KEY,
        revision bigint NOT NULL
      );
      CREATE TABLE es_events (
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        seq bigint NOT NULL DEFAULT nextval('es_event_seq'),
        stream_id text NOT NULL,
        stream_revision bigint NOT NULL,
        category text GENERATED ALWAYS AS (split_part(stream_id, '-', 1)) STORED,
        event_id uuid NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transaction_id, seq),
        CONSTRAINT es_events_stream_revision_key UNIQUE (stream_id, stream_revision),
        CONSTRAINT es_events_event_id_key UNIQUE (event_id)
      );
      ALTER SEQUENCE es_event_seq OWNED BY es_events.seq;
      -- Events are facts: nothing may change or remove one once written.
      CREATE FUNCTION es_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'events are immutable (% refused)', TG_OP USING ERRCODE = 'restrict_violation'; END $$;
      CREATE TRIGGER es_events_no_update_or_delete BEFORE UPDATE OR DELETE ON es_events
        FOR EACH ROW EXECUTE FUNCTION es_events_immutable();
      CREATE TRIGGER es_events_no_truncate BEFORE TRUNCATE ON es_events
        FOR EACH STATEMENT EXECUTE FUNCTION es_events_immutable();
    `,
  },
];
