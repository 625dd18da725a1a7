SELECT node_id FROM nodes ORDER BY node_id
