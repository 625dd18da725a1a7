-- History of record. Times are UTC epoch milliseconds (INTEGER): compact, and ordered like the clock.

-- The snapshot version high-water mark: versions up to reserved_up_to may have been published.
CREATE TABLE version_mark (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  reserved_up_to INTEGER NOT NULL
);

-- Every node ever seen, with its latest known facts; node_id keeps the sample rows small.
CREATE TABLE nodes (
  node_id          INTEGER PRIMARY KEY,
  name             TEXT    NOT NULL UNIQUE,
  first_seen_at    INTEGER NOT NULL,
  last_seen_at     INTEGER NOT NULL,
  last_version     INTEGER NOT NULL,
  status           TEXT    NOT NULL,
  roles            TEXT,
  server_version   TEXT,
  pgactive_version TEXT,
  error_class      TEXT,
  present          INTEGER NOT NULL DEFAULT 1
);

-- One row per published version.
CREATE TABLE snapshots (
  version         INTEGER PRIMARY KEY,
  collected_at    INTEGER NOT NULL,
  cluster_status  TEXT    NOT NULL,
  nodes_total     INTEGER NOT NULL,
  nodes_healthy   INTEGER NOT NULL,
  max_lag_seconds REAL
);
CREATE INDEX snapshots_collected_at ON snapshots (collected_at);

-- The published snapshot, deflated, byte for byte. A table of its own: retention deletes these rows long before the
-- summaries, and deleting frees whole pages where shrinking rows in place would leave them mostly empty.
CREATE TABLE snapshot_json (
  version INTEGER PRIMARY KEY,
  json    BLOB NOT NULL
);

-- One row per node per stored version: "node X between t1 and t2" is a primary-key range scan.
CREATE TABLE node_samples (
  node_id              INTEGER NOT NULL,
  at                   INTEGER NOT NULL,
  version              INTEGER NOT NULL,
  status               INTEGER NOT NULL,
  failures             INTEGER NOT NULL,
  lag_seconds          REAL,
  lag_bytes            INTEGER,
  lag_xid              INTEGER,
  conflicts_minute     INTEGER,
  conflicts_total      INTEGER,
  walsender_active     INTEGER,
  wal_receiver_active  INTEGER,
  in_recovery          INTEGER,
  replay_delay_seconds REAL,
  PRIMARY KEY (node_id, at, version)
) WITHOUT ROWID;

-- Samples older than the full-resolution window, folded into one row per node and minute.
CREATE TABLE node_minutes (
  node_id          INTEGER NOT NULL,
  at               INTEGER NOT NULL,
  samples          INTEGER NOT NULL,
  status           INTEGER NOT NULL,
  lag_seconds      REAL,
  lag_seconds_max  REAL,
  lag_bytes        INTEGER,
  lag_xid          INTEGER,
  conflicts_minute INTEGER,
  conflicts_total  INTEGER,
  walsender_down   INTEGER,
  PRIMARY KEY (node_id, at)
) WITHOUT ROWID;

-- Meaningful changes between consecutive snapshots.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  node       TEXT,
  type       TEXT    NOT NULL,
  from_value TEXT,
  to_value   TEXT,
  details    TEXT
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_node_at ON events (node, at);

-- Local copy of every node's pgactive conflict history, so it outlives purges of the source table.
CREATE TABLE conflicts (
  node          TEXT    NOT NULL,
  conflict_id   INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  conflict_type TEXT    NOT NULL,
  resolution    TEXT,
  object_schema TEXT,
  object_name   TEXT,
  remote_node   TEXT,
  version       INTEGER NOT NULL,
  PRIMARY KEY (node, conflict_id)
) WITHOUT ROWID;
CREATE INDEX conflicts_at ON conflicts (at);

-- The newest conflict id copied per node; survives retention so purged rows are never copied twice.
CREATE TABLE conflict_cursors (
  node    TEXT PRIMARY KEY,
  last_id INTEGER NOT NULL
) WITHOUT ROWID;
