SELECT name, node_id, present FROM nodes
