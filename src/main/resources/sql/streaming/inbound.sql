-- The standby's own view: WAL receiver state and positions. The lag in time is not read from
-- pg_last_xact_replay_timestamp(): after an idle period that timestamp is old, and "now minus it" would count the
-- idle time as lag. The collector derives it from replay_lsn and the WAL position history instead (idle = 0).
-- A broken receiver is reported separately (receiver_active) so "caught up" never hides it.
SELECT pg_last_wal_receive_lsn()::text                                             AS receive_lsn,
       pg_last_wal_replay_lsn()::text                                              AS replay_lsn,
       pg_catalog.pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint AS lag_bytes,
       w.status,
       (w.status = 'streaming')                                                    AS receiver_active,
       w.sender_host,
       w.sender_port,
       w.slot_name,
       w.flushed_lsn::text                                                         AS flush_lsn,
       w.written_lsn::text                                                         AS write_lsn
  FROM (SELECT 1) AS one
  LEFT JOIN pg_catalog.pg_stat_wal_receiver w ON true
