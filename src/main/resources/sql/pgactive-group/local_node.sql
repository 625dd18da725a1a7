SELECT n.node_name, n.node_status::text
  FROM pgactive.pgactive_nodes n, pgactive.pgactive_get_local_nodeid() i
 WHERE (n.node_sysid, n.node_timeline, n.node_dboid) = (i.sysid, i.timeline, i.dboid)
