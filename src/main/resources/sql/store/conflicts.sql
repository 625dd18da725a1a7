-- ?1 since, ?2 until (epoch ms), ?3 node or NULL for all, ?4 schema or NULL for any, ?5 table name or NULL for all,
-- ?6 limit
SELECT node, conflict_id, at, conflict_type, resolution, object_schema, object_name, remote_node, version
FROM conflicts
WHERE at >= ?1 AND at < ?2
    AND (?3 IS NULL OR node = ?3)
    AND (?4 IS NULL OR object_schema = ?4)
    AND (?5 IS NULL OR object_name = ?5)
ORDER BY at DESC, node, conflict_id DESC
LIMIT ?6
