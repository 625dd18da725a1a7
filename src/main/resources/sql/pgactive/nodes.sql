-- Group members for discovery; killed ('k') members are detached and ignored.
SELECT node_name, node_dsn, node_status::text AS node_status
  FROM pgactive.pgactive_nodes
 WHERE node_status <> 'k'
 ORDER BY node_name
