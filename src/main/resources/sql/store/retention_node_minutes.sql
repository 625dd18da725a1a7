-- ?1 node_id, ?2 cutoff (epoch ms), ?3 rows per step
DELETE FROM node_minutes WHERE node_id = ?1 AND at IN (
    SELECT at FROM node_minutes WHERE node_id = ?1 AND at < ?2 ORDER BY at LIMIT ?3)
