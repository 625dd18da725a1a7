-- Turns the 2.1.9 fixture into the catalog of pgactive 2.1.1 to 2.1.3, run right after pgactive-fixture.sql.
-- Those versions had the pgactive_node_slots view (dropped by the 2.1.3 -> 2.1.4 upgrade) and a
-- pgactive_get_replication_lag_info() with time-based columns instead of the LSN/byte ones.
SET search_path = pgactive, pg_catalog;

CREATE TABLE _fixture_node_slots (node_name text, slot_name name, slot_restart_lsn pg_lsn,
  slot_confirmed_lsn pg_lsn, walsender_active boolean, walsender_pid integer, sent_lsn pg_lsn,
  write_lsn pg_lsn, flush_lsn pg_lsn, replay_lsn pg_lsn, last_sent_xact_id oid,
  last_sent_xact_committs timestamptz, last_sent_xact_at timestamptz, last_applied_xact_id oid,
  last_applied_xact_committs timestamptz, last_applied_xact_at timestamptz);

CREATE VIEW pgactive_node_slots AS
  SELECT node_name, slot_name, slot_restart_lsn, slot_confirmed_lsn, walsender_active, walsender_pid,
         sent_lsn, write_lsn, flush_lsn, replay_lsn, last_sent_xact_id, last_sent_xact_committs,
         last_sent_xact_at, last_applied_xact_id, last_applied_xact_committs, last_applied_xact_at
  FROM pgactive._fixture_node_slots;

DROP FUNCTION pgactive_get_replication_lag_info();
CREATE FUNCTION pgactive_get_replication_lag_info(OUT slot_name name, OUT last_sent_xact_id oid,
  OUT last_sent_xact_committs timestamptz, OUT last_sent_xact_at timestamptz,
  OUT last_applied_xact_id oid, OUT last_applied_xact_committs timestamptz,
  OUT last_applied_xact_at timestamptz)
RETURNS SETOF record LANGUAGE sql VOLATILE STRICT AS $$
  SELECT slot_name, last_sent_xact_id, last_sent_xact_committs, last_sent_xact_at,
         last_applied_xact_id, last_applied_xact_committs, last_applied_xact_at
  FROM pgactive._fixture_node_slots $$;

-- build date and hash are made up; only the 2.1.3 prefix and the number matter to a monitor
CREATE OR REPLACE FUNCTION pgactive_version() RETURNS text LANGUAGE sql AS $$ SELECT '2.1.3-2024-07-01-0000000' $$;
CREATE OR REPLACE FUNCTION pgactive_version_num() RETURNS integer LANGUAGE sql AS $$ SELECT 20103 $$;

REVOKE ALL ON _fixture_node_slots FROM PUBLIC;
RESET search_path;
