-- What this node's apply workers report for each ready upstream member: the last transaction applied from it.
SELECT n.node_name,
       a.last_applied_xact_at,
       a.last_applied_xact_committs
  FROM pgactive.pgactive_nodes n
 CROSS JOIN pgactive.pgactive_get_local_nodeid() me
 CROSS JOIN LATERAL pgactive.pgactive_get_last_applied_xact_info(n.node_sysid, n.node_timeline, n.node_dboid) a
 WHERE n.node_status = 'r'
   AND NOT (n.node_sysid = me.sysid AND n.node_timeline = me.timeline AND n.node_dboid = me.dboid)
