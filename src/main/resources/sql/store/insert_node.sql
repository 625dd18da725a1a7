INSERT INTO nodes (name, first_seen_at, last_seen_at, last_version, status) VALUES (?, ?, ?, ?, ?) RETURNING node_id
