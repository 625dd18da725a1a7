package io.pgactive.tools.store;

import static io.pgactive.tools.sql.SqlFiles.load;

/** The history database's statements, one per file under {@code src/main/resources/sql/store}; loaded once. */
final class StoreSql {

    // state the writer resumes from
    static final String LOAD_NODES = load("store/load_nodes");
    static final String LOAD_CONFLICT_CURSORS = load("store/load_conflict_cursors");
    static final String LOAD_NEWEST_SNAPSHOT = load("store/load_newest_snapshot");
    static final String LOAD_NEWEST_FACTS = load("store/load_newest_facts");

    // the batch writer
    static final String INSERT_SNAPSHOT = load("store/insert_snapshot");
    static final String INSERT_SNAPSHOT_JSON = load("store/insert_snapshot_json");
    static final String INSERT_SAMPLE = load("store/insert_sample");
    static final String INSERT_EVENT = load("store/insert_event");
    static final String INSERT_CONFLICT = load("store/insert_conflict");
    static final String INSERT_NODE = load("store/insert_node");
    static final String UPDATE_NODE = load("store/update_node");
    static final String UPDATE_NODE_GONE = load("store/update_node_gone");
    static final String UPSERT_CONFLICT_CURSOR = load("store/upsert_conflict_cursor");

    // reads
    static final String SNAPSHOTS = load("store/snapshots");
    static final String SNAPSHOT_JSON = load("store/snapshot_json");
    static final String VERSION_RECORDED = load("store/version_recorded");
    static final String VERSION_NEXT = load("store/version_next");
    static final String VERSION_PREVIOUS = load("store/version_previous");
    static final String NODES = load("store/nodes");
    static final String NODE = load("store/node");
    static final String NODE_EXISTS = load("store/node_exists");
    static final String NODE_LAST_SAMPLE = load("store/node_last_sample");
    static final String NODE_HISTORY = load("store/node_history");
    static final String NODE_HISTORY_BUCKETS = load("store/node_history_buckets");
    static final String EVENTS = load("store/events");
    static final String CONFLICTS = load("store/conflicts");

    // retention
    static final String RETENTION_SNAPSHOT_JSON = load("store/retention_snapshot_json");
    static final String RETENTION_SNAPSHOTS = load("store/retention_snapshots");
    static final String RETENTION_EVENTS = load("store/retention_events");
    static final String RETENTION_CONFLICTS = load("store/retention_conflicts");
    static final String RETENTION_NODE_IDS = load("store/retention_node_ids");
    static final String RETENTION_OLDEST_SAMPLE = load("store/retention_oldest_sample");
    static final String RETENTION_FOLD_SAMPLES = load("store/retention_fold_samples");
    static final String RETENTION_DELETE_FOLDED = load("store/retention_delete_folded");
    static final String RETENTION_NODE_MINUTES = load("store/retention_node_minutes");

    // the snapshot version high-water mark
    static final String VERSION_MARK_READ = load("store/version_mark_read");
    static final String VERSION_MARK_RESERVE = load("store/version_mark_reserve");

    private StoreSql() {}
}
