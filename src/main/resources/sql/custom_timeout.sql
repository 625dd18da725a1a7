-- Before each custom query, in the same transaction: its statement timeout, transaction-local, is its own timeout ($2 ms)
-- or what is left until this scrape's deadline ($1 tags the scrape, see node.sql) on the server's clock, whichever is
-- shorter, and never below 1 ms (0 would mean none). A deadline another scrape left in the session is not used.
SELECT set_config('statement_timeout',
                  least($2::bigint, greatest(1, coalesce(
                      (SELECT split_part(d, ':', 2)::bigint - (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                         FROM current_setting('pgactive_tools.scrape_deadline', true) AS d
                        WHERE split_part(d, ':', 1) = $1::text),
                      $2::bigint)))::text,
                  true) AS statement_timeout
