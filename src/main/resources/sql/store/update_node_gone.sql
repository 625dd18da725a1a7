UPDATE nodes SET present = 0 WHERE name = ?
