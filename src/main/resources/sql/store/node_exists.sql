SELECT 1 FROM nodes WHERE name = ?
