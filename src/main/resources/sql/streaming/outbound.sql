-- Physical WAL senders and physical slots on this node (a primary, or a cascading standby). A slot without a
-- sender is a standby that is gone: it is reported as an inactive link instead of vanishing.
WITH pos AS (
  SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn
), senders AS (
  SELECT r.* FROM pg_catalog.pg_stat_replication r
   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots s
                      WHERE s.active_pid = r.pid AND s.slot_type = 'logical')
)
SELECT coalesce(r.application_name, s.slot_name)                                   AS peer,
       s.slot_name,
       r.state,
       r.sync_state,
       (r.pid IS NOT NULL)                                                         AS active,
       r.sent_lsn::text                                                            AS sent_lsn,
       r.write_lsn::text                                                           AS write_lsn,
       r.flush_lsn::text                                                           AS flush_lsn,
       r.replay_lsn::text                                                          AS replay_lsn,
       coalesce(r.replay_lsn, s.restart_lsn)::text                                 AS position,
       pg_catalog.pg_wal_lsn_diff(pos.lsn, coalesce(r.replay_lsn, s.restart_lsn))::bigint AS lag_bytes
  FROM senders r
  FULL JOIN (SELECT * FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical') s
         ON s.active_pid = r.pid
 CROSS JOIN pos
