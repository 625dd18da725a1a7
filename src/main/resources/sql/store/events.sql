-- ?1 since, ?2 until (epoch ms), ?3 ids below, ?4 node or NULL for all, ?5 type or NULL for all, ?6 limit
SELECT id, at, version, node, type, from_value, to_value, details
FROM events
WHERE at >= ?1 AND at < ?2 AND id < ?3
    AND (?4 IS NULL OR node = ?4)
    AND (?5 IS NULL OR type = ?5)
ORDER BY id DESC
LIMIT ?6
