-- ?1 cutoff (epoch ms), ?2 rows per step
DELETE FROM snapshot_json WHERE version IN (
    SELECT j.version FROM snapshot_json j JOIN snapshots s USING (version)
    WHERE s.collected_at < ?1
    ORDER BY j.version
    LIMIT ?2)
