-- The management functions of pgactive 2.1.9 the upgrade calls and the pgactive fixture lacks, with the extension's
-- exact signatures (argument names, types, defaults) so that calls by name are checked by the server. Their bodies
-- only record the call and make the catalog change the real function ends with.
CREATE FOREIGN DATA WRAPPER pgactive_fdw;
CREATE TABLE pgactive._fixture_calls (id serial PRIMARY KEY, fn text NOT NULL, args text[] NOT NULL);

CREATE FUNCTION pgactive.pgactive_create_group(
    node_name text,
    node_dsn text,
    apply_delay integer DEFAULT NULL,
    replication_sets text[] DEFAULT ARRAY['default'])
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO pgactive._fixture_calls (fn, args) VALUES ('create_group', ARRAY[$1, $2]);
  INSERT INTO pgactive.pgactive_nodes (node_sysid, node_timeline, node_dboid, node_status, node_name, node_dsn)
  SELECT i.sysid, i.timeline, i.dboid, 'r', $1, $2 FROM pgactive.pgactive_get_local_nodeid() i;
END $$;

CREATE FUNCTION pgactive.pgactive_join_group(
    node_name text,
    node_dsn text,
    join_using_dsn text,
    apply_delay integer DEFAULT NULL,
    replication_sets text[] DEFAULT ARRAY['default'],
    bypass_collation_check boolean DEFAULT false,
    bypass_node_identifier_creation boolean DEFAULT false,
    bypass_user_tables_check boolean DEFAULT false,
    data_only_node_init boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO pgactive._fixture_calls (fn, args) VALUES ('join_group', ARRAY[$1, $2, $3]);
  -- the real join returns at once and lets background workers copy the data: status 'i' until a test moves it
  INSERT INTO pgactive.pgactive_nodes (node_sysid, node_timeline, node_dboid, node_status, node_name, node_dsn,
                                       node_init_from_dsn)
  SELECT i.sysid, i.timeline, i.dboid, 'i', $1, $2, $3 FROM pgactive.pgactive_get_local_nodeid() i;
END $$;

CREATE FUNCTION pgactive.pgactive_remove(force boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgactive._fixture_calls (fn, args) VALUES ('remove', ARRAY[$1::text]);
  DELETE FROM pgactive.pgactive_nodes n USING pgactive.pgactive_get_local_nodeid() i
   WHERE (n.node_sysid, n.node_timeline, n.node_dboid) = (i.sysid, i.timeline, i.dboid);
END $$;
