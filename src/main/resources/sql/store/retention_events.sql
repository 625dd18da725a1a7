-- ?1 cutoff (epoch ms), ?2 rows per step
DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ?1 LIMIT ?2)
