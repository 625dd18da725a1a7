SELECT node_status::text FROM pgactive.pgactive_nodes WHERE node_name = ?
