package io.pgactive.tools.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the SQL the service runs from its resources: one statement per file under {@code sql/}, so a statement can be
 * read, diffed and tried in psql or sqlite3 as it is. Callers load their statements once, into constants: a missing
 * file is a packaging defect and fails at class initialisation, long before the statement would be needed.
 */
public final class SqlFiles {

    private SqlFiles() {}

    /** The statement in {@code sql/<name>.sql}, e.g. {@code load("store/insert_snapshot")}. */
    public static String load(String name) {
        return resource("sql/" + name + ".sql");
    }

    /** Any text resource, read as UTF-8 (migrations and their list live outside {@code sql/}). */
    public static String resource(String path) {
        try (InputStream in = SqlFiles.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
