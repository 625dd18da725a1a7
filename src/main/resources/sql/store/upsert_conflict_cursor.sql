INSERT INTO conflict_cursors (node, last_id) VALUES (?, ?)
ON CONFLICT (node) DO UPDATE SET last_id = max(last_id, excluded.last_id)
