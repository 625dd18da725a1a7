-- Cumulative apply counters per replication origin (upstream). riremoteid embeds the upstream's node id.
SELECT n.node_name,
       s.nr_rollback,
       s.nr_insert_conflict + s.nr_update_conflict + s.nr_delete_conflict         AS conflicts,
       s.nr_disconnect
  FROM pgactive.pgactive_get_stats() s
  LEFT JOIN pgactive.pgactive_nodes n ON s.riremoteid LIKE 'pgactive\_' || n.node_sysid || '\_%'
