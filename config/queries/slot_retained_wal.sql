-- help: WAL retained on this node by each replication slot; an abandoned slot fills the disk
-- labels: slot_name, slot_type
-- values: retained_bytes:gauge:bytes, active:gauge
-- role: primary
-- timeout: 500ms
SELECT slot_name,
       slot_type,
       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained_bytes,
       active::int                                                 AS active
  FROM pg_replication_slots
 WHERE restart_lsn IS NOT NULL
