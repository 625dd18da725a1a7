package io.pgactive.tools.workflow.upgrade.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link LogicalReplicationGroup} reaches the databases and copies the schema.
 *
 * @param dsns             administrative (superuser) credentials of the source and the target, by node name
 * @param clientBinaries   PostgreSQL installation directories by major version; the schema is copied with the
 *                         {@code bin/pg_dump} and {@code bin/psql} of the lowest major that is not older than the
 *                         source (pg_dump refuses to dump a newer server). May be empty when every target's schema
 *                         is created beforehand.
 * @param sqlTimeout       bound on one administrative statement
 * @param dumpTimeout      bound on dumping and restoring the schema
 * @param minDecodingWorkMemKb {@code logical_decoding_work_mem} below this is reported by the preflight: larger
 *                         transactions spill to disk on the source while they are decoded
 */
public record LogicalReplicationSettings(
        DsnResolver dsns,
        Map<Integer, Path> clientBinaries,
        Duration sqlTimeout,
        Duration dumpTimeout,
        long minDecodingWorkMemKb) {

    public LogicalReplicationSettings {
        Objects.requireNonNull(dsns, "dsns");
        clientBinaries = clientBinaries == null ? Map.of() : Map.copyOf(clientBinaries);
        sqlTimeout = sqlTimeout == null ? Duration.ofSeconds(30) : sqlTimeout;
        dumpTimeout = dumpTimeout == null ? Duration.ofMinutes(30) : dumpTimeout;
        minDecodingWorkMemKb = minDecodingWorkMemKb <= 0 ? 64 * 1024 : minDecodingWorkMemKb;
    }

    public static LogicalReplicationSettings of(DsnResolver dsns, Map<Integer, Path> clientBinaries) {
        return new LogicalReplicationSettings(dsns, clientBinaries, null, null, 0);
    }
}
