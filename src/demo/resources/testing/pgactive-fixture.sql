-- Fixture: monitor-facing subset of the pgactive 2.1.9 catalog, for stock PostgreSQL (15 and later).
-- Same names, column order, types, enums, OUT parameters and defaults as the real extension; whatever the
-- extension computes live is read from _fixture_* tables that tests (or the live feed) fill in.
CREATE SCHEMA pgactive;
GRANT USAGE ON SCHEMA pgactive TO public;
SET search_path = pgactive, pg_catalog;

CREATE TYPE pgactive_conflict_type AS ENUM ('insert_insert', 'insert_update',
  'update_update', 'update_delete', 'delete_delete', 'unhandled_tx_abort');
CREATE TYPE pgactive_conflict_resolution AS ENUM ('conflict_trigger_skip_change',
  'conflict_trigger_returned_tuple', 'last_update_wins_keep_local',
  'last_update_wins_keep_remote', 'apply_change', 'skip_change', 'unhandled_tx_abort');

CREATE TABLE pgactive_nodes (
  node_sysid text NOT NULL, node_timeline oid NOT NULL, node_dboid oid NOT NULL,
  node_status "char" NOT NULL CHECK (node_status IN ('b','i','c','o','r','k')),
  node_name text NOT NULL, node_dsn text, node_init_from_dsn text,
  node_read_only boolean DEFAULT false, node_seq_id smallint,
  PRIMARY KEY (node_sysid, node_timeline, node_dboid));
CREATE UNIQUE INDEX pgactive_nodes_node_name ON pgactive_nodes (node_name);

CREATE TABLE pgactive_connections (
  conn_sysid text NOT NULL, conn_timeline oid NOT NULL, conn_dboid oid NOT NULL,
  conn_dsn text NOT NULL, conn_apply_delay integer CHECK (conn_apply_delay >= 0),
  conn_replication_sets text[], PRIMARY KEY (conn_sysid, conn_timeline, conn_dboid));

CREATE SEQUENCE pgactive_conflict_history_id_seq;
CREATE TABLE pgactive_conflict_history (
  conflict_id bigint NOT NULL DEFAULT nextval('pgactive.pgactive_conflict_history_id_seq'),
  local_node_sysid text NOT NULL, local_conflict_xid xid NOT NULL,
  local_conflict_lsn pg_lsn NOT NULL, local_conflict_time timestamptz NOT NULL,
  object_schema text, object_name text, remote_node_sysid text NOT NULL,
  remote_txid xid NOT NULL, remote_commit_time timestamptz NOT NULL,
  remote_commit_lsn pg_lsn NOT NULL, conflict_type pgactive_conflict_type NOT NULL,
  conflict_resolution pgactive_conflict_resolution NOT NULL, local_tuple json,
  remote_tuple json, local_tuple_xmin xid, local_tuple_origin_sysid text,
  error_message text, error_sqlstate text CHECK (length(error_sqlstate) = 5),
  error_querystring text, error_cursorpos integer, error_detail text, error_hint text,
  error_context text, error_columnname text, error_typename text,
  error_constraintname text, error_filename text, error_lineno integer,
  error_funcname text, remote_node_timeline oid, remote_node_dboid oid,
  local_tuple_origin_timeline oid, local_tuple_origin_dboid oid,
  local_commit_time timestamptz, PRIMARY KEY (local_node_sysid, conflict_id));
ALTER SEQUENCE pgactive_conflict_history_id_seq OWNED BY pgactive_conflict_history.conflict_id;

-- Fixture-only knobs (names start with _fixture_, absent from the real catalog).
CREATE TABLE _fixture_local (one boolean PRIMARY KEY DEFAULT true CHECK (one),
  sysid text NOT NULL, timeline oid NOT NULL DEFAULT 0, dboid oid NOT NULL,
  apply_paused boolean NOT NULL DEFAULT false);
CREATE TABLE _fixture_lag (node_name text, node_sysid text, application_name text,
  slot_name text, active boolean, active_pid integer, pending_wal_decoding bigint,
  pending_wal_to_apply bigint, restart_lsn pg_lsn, confirmed_flush_lsn pg_lsn,
  sent_lsn pg_lsn, write_lsn pg_lsn, flush_lsn pg_lsn, replay_lsn pg_lsn);
CREATE TABLE _fixture_stats (rep_node_id oid, rilocalid oid, riremoteid text,
  nr_commit int8, nr_rollback int8, nr_insert int8, nr_insert_conflict int8,
  nr_update int8, nr_update_conflict int8, nr_delete int8, nr_delete_conflict int8,
  nr_disconnect int8);
CREATE TABLE _fixture_applied (sysid text, timeline oid, dboid oid,
  last_applied_xact_id oid, last_applied_xact_committs timestamptz,
  last_applied_xact_at timestamptz, PRIMARY KEY (sysid, timeline, dboid));
CREATE TABLE _fixture_workers (sysid text, timeline oid, dboid oid, worker_type text,
  pid int4, unregistered boolean, last_error text, last_error_time timestamptz);

CREATE FUNCTION pgactive_version() RETURNS text LANGUAGE sql AS $$ SELECT '2.1.9-2026-08-21-de3f9b7' $$;
CREATE FUNCTION pgactive_version_num() RETURNS integer LANGUAGE sql AS $$ SELECT 20109 $$;
CREATE FUNCTION pgactive_min_remote_version_num() RETURNS integer LANGUAGE sql AS $$ SELECT 20100 $$;
CREATE FUNCTION pgactive_variant() RETURNS text LANGUAGE sql AS $$ SELECT 'pgactive' $$;
CREATE FUNCTION pgactive_get_local_nodeid(sysid OUT text, timeline OUT oid, dboid OUT oid)
  RETURNS record LANGUAGE sql AS $$ SELECT sysid, timeline, dboid FROM pgactive._fixture_local $$;
CREATE FUNCTION pgactive_get_node_identifier() RETURNS numeric LANGUAGE sql
  AS $$ SELECT sysid::numeric FROM pgactive._fixture_local $$;
CREATE FUNCTION pgactive_get_local_node_name() RETURNS text LANGUAGE sql AS $$
  SELECT n.node_name FROM pgactive.pgactive_nodes n, pgactive.pgactive_get_local_nodeid() i
  WHERE (n.node_sysid, n.node_timeline, n.node_dboid) = (i.sysid, i.timeline, i.dboid) $$;
CREATE FUNCTION pgactive_is_active_in_db() RETURNS boolean LANGUAGE sql
  AS $$ SELECT pgactive.pgactive_get_local_node_name() IS NOT NULL $$;

CREATE FUNCTION pgactive_node_status_from_char("char") RETURNS text
LANGUAGE plpgsql STRICT IMMUTABLE AS $$
DECLARE r text := CASE $1 WHEN 'b' THEN 'pgactive_NODE_STATUS_BEGINNING_INIT'
  WHEN 'i' THEN 'pgactive_NODE_STATUS_COPYING_INITIAL_DATA' WHEN 'c' THEN 'pgactive_NODE_STATUS_CATCHUP'
  WHEN 'o' THEN 'pgactive_NODE_STATUS_CREATING_OUTBOUND_SLOTS'
  WHEN 'r' THEN 'pgactive_NODE_STATUS_READY' WHEN 'k' THEN 'pgactive_NODE_STATUS_KILLED' END;
BEGIN
  IF r IS NULL THEN RAISE EXCEPTION 'unrecognised status char %', $1; END IF;
  RETURN r;
END $$;
CREATE FUNCTION pgactive_node_status_to_char(text) RETURNS "char" LANGUAGE sql STRICT IMMUTABLE
  AS $$ SELECT c FROM unnest('{b,i,c,o,r,k}'::"char"[]) c
        WHERE pgactive.pgactive_node_status_from_char(c) = $1 $$;

CREATE FUNCTION pgactive_apply_pause() RETURNS void LANGUAGE sql
  AS $$ UPDATE pgactive._fixture_local SET apply_paused = true $$;
CREATE FUNCTION pgactive_apply_resume() RETURNS void LANGUAGE sql
  AS $$ UPDATE pgactive._fixture_local SET apply_paused = false $$;
CREATE FUNCTION pgactive_is_apply_paused() RETURNS boolean LANGUAGE sql
  AS $$ SELECT coalesce((SELECT apply_paused FROM pgactive._fixture_local), false) $$;

CREATE FUNCTION pgactive_get_replication_lag_info(OUT node_name text, OUT node_sysid text,
  OUT application_name text, OUT slot_name text, OUT active boolean, OUT active_pid integer,
  OUT pending_wal_decoding bigint, OUT pending_wal_to_apply bigint, OUT restart_lsn pg_lsn,
  OUT confirmed_flush_lsn pg_lsn, OUT sent_lsn pg_lsn, OUT write_lsn pg_lsn,
  OUT flush_lsn pg_lsn, OUT replay_lsn pg_lsn)
RETURNS SETOF record LANGUAGE plpgsql VOLATILE STRICT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pgactive.pgactive_nodes WHERE node_status = 'r') THEN
    RAISE EXCEPTION 'pgactive is not active in this database' USING ERRCODE = '55000';
  END IF;
  RETURN QUERY SELECT * FROM pgactive._fixture_lag;
END $$;

CREATE FUNCTION pgactive_get_last_applied_xact_info(sysid text, timeline oid, dboid oid,
  OUT last_applied_xact_id oid, OUT last_applied_xact_committs timestamptz,
  OUT last_applied_xact_at timestamptz) RETURNS record LANGUAGE sql STRICT AS $$
  SELECT coalesce(a.last_applied_xact_id, 0),   -- real: 0 / 2000-01-01 when no apply worker
         coalesce(a.last_applied_xact_committs, '2000-01-01 00:00:00+00'),
         coalesce(a.last_applied_xact_at, '2000-01-01 00:00:00+00')
  FROM (SELECT 1) AS one LEFT JOIN pgactive._fixture_applied a
    ON (a.sysid, a.timeline, a.dboid) = ($1, $2, $3) $$;

CREATE FUNCTION pgactive_get_stats(OUT rep_node_id oid, OUT rilocalid oid, OUT riremoteid text,
  OUT nr_commit int8, OUT nr_rollback int8, OUT nr_insert int8, OUT nr_insert_conflict int8,
  OUT nr_update int8, OUT nr_update_conflict int8, OUT nr_delete int8,
  OUT nr_delete_conflict int8, OUT nr_disconnect int8)
  RETURNS SETOF record LANGUAGE sql AS $$ SELECT * FROM pgactive._fixture_stats $$;
CREATE VIEW pgactive_stats AS SELECT * FROM pgactive.pgactive_get_stats();

CREATE FUNCTION pgactive_get_workers_info(OUT sysid text, OUT timeline oid, OUT dboid oid,
  OUT worker_type text, OUT pid int4, OUT unregistered boolean, OUT last_error text,
  OUT last_error_time timestamptz) RETURNS SETOF record LANGUAGE sql VOLATILE STRICT
  AS $$ SELECT * FROM pgactive._fixture_workers $$;

CREATE FUNCTION pgactive_get_table_replication_sets(relation regclass, OUT sets text[])
  LANGUAGE sql VOLATILE STRICT AS $$ SELECT ARRAY['default', 'all'] $$;

CREATE FUNCTION pgactive_wait_for_node_ready(timeout integer DEFAULT 0,
  progress_interval integer DEFAULT 60) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE waited integer := 0; st "char";
BEGIN
  LOOP
    SELECT n.node_status INTO st FROM pgactive.pgactive_nodes n, pgactive.pgactive_get_local_nodeid() i
     WHERE (n.node_sysid, n.node_timeline, n.node_dboid) = (i.sysid, i.timeline, i.dboid);
    EXIT WHEN st = 'r';
    IF timeout > 0 AND waited > timeout THEN
      RAISE EXCEPTION 'node % cannot reach ready state within % seconds, current state is %',
        pgactive.pgactive_get_local_node_name(), timeout, st;
    END IF;
    PERFORM pg_sleep(1);
    waited := waited + 1;
  END LOOP;
END $$;

CREATE FUNCTION pgactive_detach_nodes(p_nodes text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM unnest(p_nodes) x(n)
             WHERE n NOT IN (SELECT node_name FROM pgactive.pgactive_nodes)) THEN
    RAISE EXCEPTION 'no node(s) named % found', p_nodes USING ERRCODE = 'no_data_found';
  END IF;
  DELETE FROM pgactive.pgactive_connections c USING pgactive.pgactive_nodes n
   WHERE n.node_name = ANY (p_nodes)
     AND (c.conn_sysid, c.conn_timeline, c.conn_dboid) = (n.node_sysid, n.node_timeline, n.node_dboid);
  UPDATE pgactive.pgactive_nodes SET node_status = 'k' WHERE node_name = ANY (p_nodes);
END $$;

REVOKE ALL ON pgactive_nodes, pgactive_connections, pgactive_conflict_history FROM PUBLIC;
REVOKE ALL ON FUNCTION pgactive_get_stats(), pgactive_get_local_nodeid(), pgactive_apply_pause(),
  pgactive_apply_resume(), pgactive_detach_nodes(text[]), pgactive_get_workers_info() FROM PUBLIC;
RESET search_path;
