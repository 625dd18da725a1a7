UPDATE nodes SET last_seen_at = ?, last_version = ?, status = ?, roles = ?, server_version = ?, pgactive_version = ?,
    error_class = ?, present = 1
WHERE name = ?
