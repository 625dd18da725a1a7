-- Which pgactive node this is, and which pgactive release.
SELECT pgactive.pgactive_version()                AS version,
       i.sysid                                    AS sysid,
       i.timeline::bigint                         AS timeline,
       i.dboid::bigint                            AS dboid,
       pgactive.pgactive_get_local_node_name()    AS node_name
  FROM pgactive.pgactive_get_local_nodeid() i
