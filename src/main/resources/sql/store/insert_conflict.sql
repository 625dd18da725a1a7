INSERT OR IGNORE INTO conflicts (node, conflict_id, at, conflict_type, resolution, object_schema, object_name,
    remote_node, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
