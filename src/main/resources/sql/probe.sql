-- Once per connection and every probe_interval: which replication dialects apply to this node.
-- Capabilities are probed by name (to_regproc/to_regclass), never assumed from a version number, because
-- pgactive and PostgreSQL catalogs change between releases.
SELECT current_setting('server_version_num')::int                                  AS server_version_num,
       current_setting('server_version')                                           AS server_version,
       pg_is_in_recovery()                                                         AS in_recovery,
       to_regproc('pgactive.pgactive_version') IS NOT NULL                          AS has_pgactive,
       -- 2.1.1-2.1.3 had a function of the same name with time/xid columns: require the 2.1.4+ shape
       EXISTS (SELECT 1 FROM pg_catalog.pg_proc
                WHERE oid = to_regproc('pgactive.pgactive_get_replication_lag_info')
                  AND 'pending_wal_to_apply' = ANY (proargnames))                    AS has_lag_info,
       to_regclass('pgactive.pgactive_node_slots') IS NOT NULL                      AS has_node_slots,
       to_regproc('pgactive.pgactive_get_last_applied_xact_info') IS NOT NULL       AS has_last_applied,
       to_regproc('pgactive.pgactive_get_stats') IS NOT NULL                        AS has_stats,
       to_regclass('pgactive.pgactive_conflict_history') IS NOT NULL                AS has_conflict_history,
       (SELECT count(*) FROM pg_catalog.pg_subscription
         WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))::int AS subscriptions
