-- Conflict rows after a cursor, oldest first, bounded per cycle; with what the history ledger keeps of each.
-- The remote node is named when this node knows it, else identified by its sysid.
SELECT h.conflict_id,
       h.conflict_type::text                                                       AS conflict_type,
       h.conflict_resolution::text                                                 AS conflict_resolution,
       h.local_conflict_time,
       h.object_schema,
       h.object_name,
       coalesce((SELECT n.node_name FROM pgactive.pgactive_nodes n
                  WHERE n.node_sysid = h.remote_node_sysid ORDER BY n.node_dboid = h.remote_node_dboid DESC LIMIT 1),
                h.remote_node_sysid)                                               AS remote_node
  FROM pgactive.pgactive_conflict_history h
 WHERE h.conflict_id > $1
 ORDER BY h.conflict_id
 LIMIT 5000
