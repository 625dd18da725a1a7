SELECT node, last_id FROM conflict_cursors
