-- PostgreSQL 16-17: as 15, but parallel apply workers also have relid IS NULL; keep the leader only.
SELECT s.subname,
       coalesce(s.subslotname, s.subname)                                          AS slot_name,
       s.subenabled                                                                AS enabled,
       (st.pid IS NOT NULL)                                                        AS worker_alive,
       st.received_lsn::text                                                       AS received_lsn,
       st.latest_end_lsn::text                                                     AS latest_end_lsn,
       extract(epoch FROM now() - st.last_msg_receipt_time)::float8                AS since_last_message_seconds,
       ss.apply_error_count + ss.sync_error_count                                   AS apply_errors,
       NULL::bigint AS confl_insert_exists, NULL::bigint AS confl_update_origin_differs,
       NULL::bigint AS confl_update_exists, NULL::bigint AS confl_update_missing,
       NULL::bigint AS confl_delete_origin_differs, NULL::bigint AS confl_delete_missing,
       NULL::bigint AS confl_multiple_unique_conflicts
  FROM pg_catalog.pg_subscription s
  LEFT JOIN pg_catalog.pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL AND st.leader_pid IS NULL
  LEFT JOIN pg_catalog.pg_stat_subscription_stats ss ON ss.subid = s.oid
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
