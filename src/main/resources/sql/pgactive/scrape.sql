-- pgactive 2.1.4+, every cycle, in one statement: the lag rows of lag_info.sql ('lag'), the apply counters of
-- stats.sql ('stats') and the last applied transaction per upstream of inbound.sql ('applied'), column for column.
-- Each kind fills its own columns; the others are NULL. Used while all three functions answer: when the statement
-- fails (privileges on pgactive_get_stats(), an older release) the collector falls back to the three statements
-- apart, where only the lag rows are required.
SELECT 'lag'::text                                                                 AS kind,
       l.node_name::text                                                           AS node_name,
       l.node_sysid::text                                                          AS node_sysid,
       l.slot_name::text                                                           AS slot_name,
       l.active                                                                    AS active,
       l.pending_wal_decoding::bigint                                              AS pending_wal_decoding,
       l.pending_wal_to_apply::bigint                                              AS pending_wal_to_apply,
       l.confirmed_flush_lsn::text                                                 AS confirmed_flush_lsn,
       l.sent_lsn::text                                                            AS sent_lsn,
       l.write_lsn::text                                                           AS write_lsn,
       l.flush_lsn::text                                                           AS flush_lsn,
       l.replay_lsn::text                                                          AS replay_lsn,
       EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots s WHERE s.slot_name = l.slot_name) AS local_slot,
       (SELECT pg_catalog.age(s.catalog_xmin) FROM pg_catalog.pg_replication_slots s
         WHERE s.slot_name = l.slot_name AND s.catalog_xmin IS NOT NULL)::bigint  AS xmin_age,
       NULL::bigint                                                                AS nr_rollback,
       NULL::bigint                                                                AS conflicts,
       NULL::bigint                                                                AS nr_disconnect,
       NULL::timestamptz                                                           AS last_applied_xact_at,
       NULL::timestamptz                                                           AS last_applied_xact_committs
  FROM pgactive.pgactive_get_replication_lag_info() l
UNION ALL
SELECT 'stats', n.node_name::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       s.nr_rollback::bigint,
       (s.nr_insert_conflict + s.nr_update_conflict + s.nr_delete_conflict)::bigint,
       s.nr_disconnect::bigint,
       NULL, NULL
  FROM pgactive.pgactive_get_stats() s
  LEFT JOIN pgactive.pgactive_nodes n ON s.riremoteid LIKE 'pgactive\_' || n.node_sysid || '\_%'
UNION ALL
SELECT 'applied', n.node_name::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL,
       a.last_applied_xact_at,
       a.last_applied_xact_committs
  FROM pgactive.pgactive_nodes n
 CROSS JOIN pgactive.pgactive_get_local_nodeid() me
 CROSS JOIN LATERAL pgactive.pgactive_get_last_applied_xact_info(n.node_sysid, n.node_timeline, n.node_dboid) a
 WHERE n.node_status = 'r'
   AND NOT (n.node_sysid = me.sysid AND n.node_timeline = me.timeline AND n.node_dboid = me.dboid)
