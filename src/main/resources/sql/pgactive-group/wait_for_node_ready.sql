SELECT pgactive.pgactive_wait_for_node_ready(timeout := ?, progress_interval := ?)
