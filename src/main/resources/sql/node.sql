-- Every cycle: the node's clock and WAL position, read in the same statement so they belong together.
-- It also leaves in the session when this scrape's deadline falls on the node's own clock ($2 ms after the statement
-- began, as milliseconds since the epoch), tagged with the scrape ($1): the custom queries that follow fit their
-- statement timeouts inside it, however long the statements before them took.
SELECT now()                                                                      AS read_at,
       pg_is_in_recovery()                                                        AS in_recovery,
       (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
             ELSE pg_current_wal_lsn() END)::text                                 AS wal_lsn,
       set_config('pgactive_tools.scrape_deadline',
                  concat($1::bigint, ':', (extract(epoch FROM now()) * 1000)::bigint + $2::bigint),
                  false)                                                          AS scrape_deadline
