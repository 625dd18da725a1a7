INSERT INTO events (at, version, node, type, from_value, to_value, details) VALUES (?, ?, ?, ?, ?, ?, ?)
