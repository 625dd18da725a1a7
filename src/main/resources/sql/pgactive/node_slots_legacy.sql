-- pgactive 2.1.1-2.1.3: the pgactive_node_slots view (dropped in 2.1.4) lists this node's outbound slots,
-- with the time/xid columns of the seed query.
SELECT node_name,
       slot_name,
       walsender_active                                                            AS active,
       sent_lsn::text                                                              AS sent_lsn,
       write_lsn::text                                                             AS write_lsn,
       flush_lsn::text                                                             AS flush_lsn,
       replay_lsn::text                                                            AS replay_lsn,
       slot_confirmed_lsn::text                                                    AS confirmed_flush_lsn,
       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(),
                                  coalesce(replay_lsn, slot_confirmed_lsn))::bigint AS lag_bytes,
       (last_sent_xact_id::text::bigint - last_applied_xact_id::text::bigint)      AS lag_xid,
       extract(epoch FROM last_sent_xact_at - last_applied_xact_at)::float8        AS lag_time_seconds
  FROM pgactive.pgactive_node_slots
