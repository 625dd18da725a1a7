-- name: slots_at_risk
-- help: Slots whose WAL is about to be or already removed (wal_status unreserved or lost, PostgreSQL 13+)
-- values: count:gauge
-- min_server_version: 13
-- timeout: 500ms
SELECT count(*) AS count
  FROM pg_replication_slots
 WHERE wal_status IN ('unreserved', 'lost')
