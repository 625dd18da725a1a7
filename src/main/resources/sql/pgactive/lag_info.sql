-- pgactive 2.1.4+: one row per outbound pgactive slot of every ready member (the function asks each member).
-- local_slot tells which rows are this node's own outbound links: the function does not name the upstream.
-- xmin_age: transactions the slot still holds back (age of its catalog_xmin), for this node's own slots only.
SELECT l.node_name,
       l.node_sysid,
       l.slot_name,
       l.active,
       l.pending_wal_decoding,
       l.pending_wal_to_apply,
       l.confirmed_flush_lsn::text                                                 AS confirmed_flush_lsn,
       l.sent_lsn::text                                                            AS sent_lsn,
       l.write_lsn::text                                                           AS write_lsn,
       l.flush_lsn::text                                                           AS flush_lsn,
       l.replay_lsn::text                                                          AS replay_lsn,
       EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots s WHERE s.slot_name = l.slot_name) AS local_slot,
       (SELECT pg_catalog.age(s.catalog_xmin) FROM pg_catalog.pg_replication_slots s
         WHERE s.slot_name = l.slot_name AND s.catalog_xmin IS NOT NULL)::bigint  AS xmin_age
  FROM pgactive.pgactive_get_replication_lag_info() l
