-- help: Transactions open longer than one minute, and the age of the oldest (they hold back vacuum and slot cleanup)
-- values: count:gauge, oldest_seconds:gauge:seconds
-- role: any
-- timeout: 500ms
SELECT count(*) FILTER (WHERE now() - xact_start > interval '1 minute')          AS count,
       coalesce(extract(epoch FROM max(now() - xact_start)), 0)::float8         AS oldest_seconds
  FROM pg_stat_activity
 WHERE xact_start IS NOT NULL
   AND backend_type = 'client backend'
