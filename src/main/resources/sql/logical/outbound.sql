-- Native logical slots (publisher side; pgactive's own slots are read through pgactive). Bytes are exact here:
-- WAL not yet applied downstream (replay_lsn while the subscriber is connected, else the slot's confirmed_flush_lsn).
-- xmin_age: transactions the slot holds back from vacuum of the catalogs (age of its catalog_xmin).
WITH pos AS (
  SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn
)
SELECT coalesce(r.application_name, s.slot_name)                                   AS peer,
       s.slot_name,
       r.state,
       r.sync_state,
       s.active,
       r.sent_lsn::text                                                            AS sent_lsn,
       r.write_lsn::text                                                           AS write_lsn,
       r.flush_lsn::text                                                           AS flush_lsn,
       r.replay_lsn::text                                                          AS replay_lsn,
       coalesce(r.replay_lsn, s.confirmed_flush_lsn)::text                         AS position,
       pg_catalog.pg_wal_lsn_diff(pos.lsn, coalesce(r.replay_lsn, s.confirmed_flush_lsn))::bigint AS lag_bytes,
       pg_catalog.age(s.catalog_xmin)::bigint                                      AS xmin_age
  FROM pg_catalog.pg_replication_slots s
  LEFT JOIN pg_catalog.pg_stat_replication r ON r.pid = s.active_pid
 CROSS JOIN pos
 WHERE s.slot_type = 'logical'
   AND s.plugin IS DISTINCT FROM 'pgactive'
   AND s.database = current_database()
