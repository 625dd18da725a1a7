-- Every cycle: the node's clock and WAL position, read in the same statement so they belong together.
SELECT now()                                                                      AS read_at,
       pg_is_in_recovery()                                                        AS in_recovery,
       (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
             ELSE pg_current_wal_lsn() END)::text                                 AS wal_lsn
