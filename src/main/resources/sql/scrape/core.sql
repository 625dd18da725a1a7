-- Every cycle, in one statement (one round trip, one snapshot of the statistics views): the node's clock and WAL
-- position (kind 'node', always exactly one row, first), its physical WAL senders and slots ('streaming_out'), on a
-- standby its WAL receiver ('streaming_in', only when $1 is true: the node was probed in recovery), and its native
-- logical slots ('logical_out'). Each kind fills its own columns; the others are NULL.
--
-- streaming_out: a slot without a sender is a standby that is gone: it is reported as an inactive link instead of
-- vanishing. streaming_in: the lag in time is not read from pg_last_xact_replay_timestamp() (after an idle period
-- "now minus it" would count the idle time as lag; the collector derives it from replay_lsn and the WAL position
-- history), and a broken receiver is reported separately (receiver_active) so "caught up" never hides it.
-- logical_out: pgactive's own slots are read through pgactive; bytes are WAL not yet applied downstream (replay_lsn
-- while the subscriber is connected, else the slot's confirmed_flush_lsn); xmin_age is the age of the slot's
-- catalog_xmin (transactions it holds back from vacuum of the catalogs).
WITH pos AS (
  SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn
), senders AS (
  SELECT r.* FROM pg_catalog.pg_stat_replication r
   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots s
                      WHERE s.active_pid = r.pid AND s.slot_type = 'logical')
)
SELECT 'node'::text                                                                AS kind,
       now()                                                                       AS read_at,
       pg_is_in_recovery()                                                         AS in_recovery,
       (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
             ELSE pg_current_wal_lsn() END)::text                                  AS wal_lsn,
       NULL::text AS peer, NULL::text AS slot_name, NULL::text AS state, NULL::text AS sync_state,
       NULL::boolean AS active, NULL::text AS sent_lsn, NULL::text AS write_lsn, NULL::text AS flush_lsn,
       NULL::text AS replay_lsn, NULL::text AS position, NULL::bigint AS lag_bytes, NULL::bigint AS xmin_age,
       NULL::text AS status, NULL::boolean AS receiver_active, NULL::text AS sender_host, NULL::integer AS sender_port
UNION ALL
SELECT 'streaming_out', NULL, NULL, NULL,
       coalesce(r.application_name, s.slot_name)::text,
       s.slot_name::text,
       r.state,
       r.sync_state,
       (r.pid IS NOT NULL),
       r.sent_lsn::text,
       r.write_lsn::text,
       r.flush_lsn::text,
       r.replay_lsn::text,
       coalesce(r.replay_lsn, s.restart_lsn)::text,
       pg_catalog.pg_wal_lsn_diff(pos.lsn, coalesce(r.replay_lsn, s.restart_lsn))::bigint,
       NULL, NULL, NULL, NULL, NULL
  FROM senders r
  FULL JOIN (SELECT * FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical') s
         ON s.active_pid = r.pid
 CROSS JOIN pos
UNION ALL
SELECT 'streaming_in', NULL, NULL, NULL,
       NULL,
       w.slot_name,
       NULL,
       NULL,
       NULL,
       NULL,
       w.written_lsn::text,
       w.flushed_lsn::text,
       pg_last_wal_replay_lsn()::text,
       NULL,
       pg_catalog.pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
       NULL,
       w.status,
       (w.status = 'streaming'),
       w.sender_host,
       w.sender_port
  FROM (SELECT 1) AS one
  LEFT JOIN pg_catalog.pg_stat_wal_receiver w ON true
 WHERE $1::boolean
UNION ALL
SELECT 'logical_out', NULL, NULL, NULL,
       coalesce(r.application_name, s.slot_name)::text,
       s.slot_name::text,
       r.state,
       r.sync_state,
       s.active,
       r.sent_lsn::text,
       r.write_lsn::text,
       r.flush_lsn::text,
       r.replay_lsn::text,
       coalesce(r.replay_lsn, s.confirmed_flush_lsn)::text,
       pg_catalog.pg_wal_lsn_diff(pos.lsn, coalesce(r.replay_lsn, s.confirmed_flush_lsn))::bigint,
       pg_catalog.age(s.catalog_xmin)::bigint,
       NULL, NULL, NULL, NULL
  FROM pg_catalog.pg_replication_slots s
  LEFT JOIN pg_catalog.pg_stat_replication r ON r.pid = s.active_pid
 CROSS JOIN pos
 WHERE s.slot_type = 'logical'
   AND s.plugin IS DISTINCT FROM 'pgactive'
   AND s.database = current_database()
