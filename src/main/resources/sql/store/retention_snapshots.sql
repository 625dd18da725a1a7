-- ?1 cutoff (epoch ms), ?2 rows per step
DELETE FROM snapshots WHERE version IN (
    SELECT version FROM snapshots WHERE collected_at < ?1 ORDER BY version LIMIT ?2)
