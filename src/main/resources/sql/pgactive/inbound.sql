-- What this node's apply workers report for each ready upstream member: last applied transaction, and the
-- cumulative apply statistics of that replication origin.
SELECT n.node_name,
       a.last_applied_xact_at,
       a.last_applied_xact_committs
  FROM pgactive.pgactive_nodes n
 CROSS JOIN LATERAL pgactive.pgactive_get_last_applied_xact_info(n.node_sysid, n.node_timeline, n.node_dboid) a
 WHERE n.node_status = 'r'
   AND (n.node_sysid, n.node_timeline, n.node_dboid) IS DISTINCT FROM
       (SELECT sysid, timeline, dboid FROM pgactive.pgactive_get_local_nodeid())
