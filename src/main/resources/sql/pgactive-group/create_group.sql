SELECT pgactive.pgactive_create_group(node_name := ?, node_dsn := ?)
