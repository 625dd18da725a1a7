SELECT pgactive.pgactive_join_group(node_name := ?, node_dsn := ?, join_using_dsn := ?)
