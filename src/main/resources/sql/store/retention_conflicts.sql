-- ?1 cutoff (epoch ms), ?2 rows per step
DELETE FROM conflicts WHERE (node, conflict_id) IN (
    SELECT node, conflict_id FROM conflicts WHERE at < ?1 LIMIT ?2)
