SELECT name, status, present, roles, server_version, pgactive_version, error_class, first_seen_at, last_seen_at,
    last_version
FROM nodes
ORDER BY name
