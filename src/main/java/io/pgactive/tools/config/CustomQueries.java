package io.pgactive.tools.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads {@code *.sql} custom metric files. Each file starts with a header of {@code -- key: value} comment lines:
 * <pre>
 * -- name: long_running_xacts            (default: the file name without .sql)
 * -- help: Transactions open for more than 5 minutes
 * -- labels: datname                     (optional, comma-separated label columns)
 * -- values: count:gauge, oldest:gauge:seconds   (column:gauge|counter[:unit], at least one)
 * -- min_server_version: 16              (optional; 16 or 160000)
 * -- role: any | primary | standby       (optional, default any)
 * -- timeout: 1s                         (optional statement timeout, default 1s; fitted inside the node deadline)
 * -- max_rows: 500                       (optional; more rows than this is an error on this metric, default 500)
 * </pre>
 * Several files may share a name with different {@code min_server_version}s: each node runs the newest one it
 * supports. A malformed file stops start-up with an error naming the file and the key. They are read with
 * {@code tools.yaml}, as part of the configuration (see {@link ToolsConfig.Collector#queries()}).
 */
public final class CustomQueries {

    private static final Pattern HEADER = Pattern.compile("--\\s*([a-z_]+)\\s*:\\s*(.*)");
    private static final Pattern IDENT = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Set<String> KEYS =
            Set.of("name", "help", "labels", "values", "min_server_version", "role", "timeout", "max_rows");

    private CustomQueries() {}

    /** All queries of the folder, sorted by name then version; an absent folder means no custom metrics. */
    public static List<CustomQuery> load(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<CustomQuery> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".sql"))
                    .sorted()
                    .toList()) {
                queries.add(parse(file, text(file)));
            }
        } catch (IOException e) {
            throw new ConfigException(dir.toString(), "", "cannot read custom queries: " + e.getMessage());
        }
        Map<String, CustomQuery> seen = new LinkedHashMap<>();
        for (CustomQuery q : queries) {
            CustomQuery other = seen.put(q.name() + "@" + q.minServerVersion() + "@" + q.role(), q);
            if (other != null) {
                throw new ConfigException(
                        q.file().toString(),
                        "name",
                        "duplicates " + other.file().getFileName() + " (same name, min_server_version and role)");
            }
        }
        queries.sort(Comparator.comparing(CustomQuery::name).thenComparing(CustomQuery::minServerVersion));
        return List.copyOf(queries);
    }

    static CustomQuery parse(Path file, String text) {
        String where = file.toString();
        Map<String, String> header = new LinkedHashMap<>();
        StringBuilder sql = new StringBuilder();
        boolean inHeader = true;
        for (String line : text.split("\\R")) {
            var m = HEADER.matcher(line.strip());
            if (inHeader && m.matches()) {
                String key = m.group(1);
                if (!KEYS.contains(key)) {
                    throw new ConfigException(
                            where,
                            key,
                            "unknown header key (allowed: "
                                    + String.join(", ", KEYS.stream().sorted().toList()) + ")");
                }
                header.put(key, m.group(2).strip());
                continue;
            }
            if (inHeader && (line.isBlank() || line.strip().startsWith("--"))) {
                continue;
            }
            inHeader = false;
            sql.append(line).append('\n');
        }
        String body = sql.toString().strip();
        if (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1).strip();
        }
        if (body.isEmpty()) {
            throw new ConfigException(where, "", "no SQL statement after the header");
        }
        if (body.contains(";")) {
            throw new ConfigException(where, "", "exactly one SQL statement per file");
        }
        String fileName = file.getFileName().toString();
        String name = header.getOrDefault(
                "name", fileName.substring(0, fileName.length() - 4).replaceAll("@.*$", ""));
        if (!IDENT.matcher(name).matches()) {
            throw new ConfigException(
                    where, "name", "'" + name + "' is not a valid metric name (lower case, digits, '_')");
        }
        List<String> labels = list(header.get("labels"));
        for (String l : labels) {
            if (!IDENT.matcher(l).matches()) {
                throw new ConfigException(where, "labels", "'" + l + "' is not a valid column name");
            }
        }
        String valuesText = header.get("values");
        if (valuesText == null || valuesText.isBlank()) {
            throw new ConfigException(where, "values", "is required: column:gauge|counter[:unit], ...");
        }
        List<CustomQuery.Value> values = new ArrayList<>();
        for (String v : list(valuesText)) {
            String[] parts = v.split(":");
            if (parts.length < 2 || parts.length > 3 || !IDENT.matcher(parts[0]).matches()) {
                throw new ConfigException(where, "values", "'" + v + "' is not column:gauge|counter[:unit]");
            }
            CustomQuery.Type type;
            try {
                type = CustomQuery.Type.valueOf(parts[1].strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        where, "values", "type of '" + parts[0] + "' must be gauge or counter, got '" + parts[1] + "'");
            }
            if (labels.contains(parts[0])) {
                throw new ConfigException(where, "values", "'" + parts[0] + "' is also a label");
            }
            values.add(new CustomQuery.Value(parts[0], type, parts.length == 3 ? parts[2].strip() : null));
        }
        int minVersion = 0;
        String mv = header.get("min_server_version");
        if (mv != null) {
            try {
                minVersion = Integer.parseInt(mv);
                if (minVersion < 100) {
                    minVersion *= 10000;
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(
                        where, "min_server_version", "expected a major version such as 16 or 160000, got '" + mv + "'");
            }
        }
        CustomQuery.Role role;
        try {
            role = CustomQuery.Role.valueOf(header.getOrDefault("role", "any").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    where, "role", "expected any, primary or standby, got '" + header.get("role") + "'");
        }
        Duration timeout;
        try {
            timeout = ConfigLoader.parseDuration(header.getOrDefault("timeout", "1s"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where, "timeout", "invalid duration '" + header.get("timeout") + "'");
        }
        int maxRows = CustomQuery.DEFAULT_MAX_ROWS;
        String mr = header.get("max_rows");
        if (mr != null) {
            try {
                maxRows = Integer.parseInt(mr);
            } catch (NumberFormatException e) {
                maxRows = -1;
            }
            if (maxRows < 1 || maxRows > 100_000) {
                throw new ConfigException(
                        where, "max_rows", "expected a number of rows from 1 to 100000, got '" + mr + "'");
            }
        }
        return new CustomQuery(
                name,
                header.getOrDefault("help", name),
                labels,
                values,
                minVersion,
                role,
                timeout,
                body,
                file,
                maxRows);
    }

    /** The file's text; one that is not UTF-8 (a binary file dropped into the folder) is named, not just the folder. */
    private static String text(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file.toString(), "", "not UTF-8 text (a binary file?)");
        }
    }

    private static List<String> list(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Stream.of(text.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
