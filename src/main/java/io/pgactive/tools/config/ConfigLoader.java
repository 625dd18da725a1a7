package io.pgactive.tools.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgactive.tools.config.credentials.SecretException;
import io.pgactive.tools.config.credentials.SecretRef;
import io.pgactive.tools.config.credentials.SecretStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code tools.yaml}. Every problem becomes one {@link ConfigException} naming the file, the key
 * (as a dotted path such as {@code collector.nodes[1].dsn}) and what is wrong; unknown keys are errors because a
 * typo in a threshold must not silently fall back to a default during an incident.
 */
public final class ConfigLoader {

    /** Nodes given in the environment: {@code name=dsn} entries separated by ';' or newlines. */
    public static final String NODES_ENV = "PGACTIVE_TOOLS_NODES";

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(?:/\\s*(s|sec|min|m|h|hour))?");
    private static final Pattern LISTEN = Pattern.compile("(\\[[^]]+]|[^:\\[\\]]*)?:(\\d{1,5})");

    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

    private final Map<String, String> env;
    private final Function<SecretStore.Settings, SecretStore> stores;
    private String file;
    private Path baseDir;
    private SecretStore.Settings secretSettings = SecretStore.Settings.DEFAULT;
    private SecretStore store;

    public ConfigLoader(Map<String, String> env) {
        this(env, settings -> new SecretStore(settings, env));
    }

    /**
     * @param stores how the secret references in the file are read while it is checked (every reference must be
     *               readable at start-up)
     */
    public ConfigLoader(Map<String, String> env, Function<SecretStore.Settings, SecretStore> stores) {
        this.env = Map.copyOf(env);
        this.stores = stores;
    }

    public static ToolsConfig loadFromEnvironment(Path path) {
        return new ConfigLoader(System.getenv()).load(path);
    }

    public ToolsConfig load(Path path) {
        this.file = path.toString();
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "", "file not found (set PGACTIVE_TOOLS_CONFIG to the configuration file)");
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read file: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (JsonProcessingException e) {
            // SnakeYAML's message spans several lines (the context, a caret under the column): keep its first
            String what = String.valueOf(e.getOriginalMessage())
                    .strip()
                    .lines()
                    .findFirst()
                    .orElse("")
                    .strip();
            String where = e.getLocation() == null || e.getLocation().getLineNr() < 1
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw new ConfigException(file, "", "not valid YAML" + where + (what.isEmpty() ? "" : ": " + what));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = MissingNode.getInstance();
        } else if (!root.isObject()) {
            throw new ConfigException(file, "", "expected a mapping at the top level");
        }
        allowOnly(root, "", "collector", "thresholds", "server", "database", "guard", "upgrade", "credentials");
        Path baseDir = path.toAbsolutePath().getParent();
        this.baseDir = baseDir;
        try {
            secretSettings = secrets(root.path("credentials"));
            return load(path, root, baseDir);
        } finally {
            if (store != null) {
                store.close();
                store = null;
            }
        }
    }

    private ToolsConfig load(Path path, JsonNode root, Path baseDir) {
        ToolsConfig.Collector collector = collector(root.path("collector"), baseDir);
        ToolsConfig.Thresholds thresholds = thresholds(root.path("thresholds"));
        ToolsConfig.Server server = server(root.path("server"));
        ToolsConfig.Database database = database(root.path("database"));
        ToolsConfig.Guard guard = guard(root.path("guard"), collector.nodes());
        UpgradeConfig upgrade = upgrade(root.path("upgrade"), collector.nodes(), baseDir);
        return new ToolsConfig(path, collector, thresholds, server, database, guard, upgrade, secretSettings);
    }

    private SecretStore.Settings secrets(JsonNode node) {
        String where = "credentials";
        allowOnly(node, where, "region", "endpoint", "cache_ttl");
        String region = text(node, where, "region", "");
        if (!region.isEmpty() && !region.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
            throw new ConfigException(file, where + ".region", "not an AWS region such as eu-west-1: '" + region + "'");
        }
        String endpoint = text(node, where, "endpoint", "");
        Optional<URI> uri = Optional.empty();
        if (!endpoint.isEmpty()) {
            try {
                URI u = new URI(endpoint);
                if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme()) || u.getHost() == null) {
                    throw new URISyntaxException(endpoint, "not an http(s) URL");
                }
                uri = Optional.of(u);
            } catch (URISyntaxException e) {
                throw new ConfigException(
                        file,
                        where + ".endpoint",
                        "expected an https:// URL such as a VPC endpoint, got '" + endpoint + "'");
            }
        }
        Duration ttl = duration(
                node,
                where,
                "cache_ttl",
                SecretStore.Settings.DEFAULT.ttl(),
                Duration.ofSeconds(1),
                Duration.ofDays(1));
        return new SecretStore.Settings(region.isEmpty() ? Optional.empty() : Optional.of(region), uri, ttl);
    }

    /** The store that checks references while the file is read, made when the first reference is met. */
    private SecretStore store() {
        if (store == null) {
            store = stores.apply(secretSettings);
        }
        return store;
    }

    /** The reference in {@code text}, if it is one; a malformed reference is a configuration error at {@code key}. */
    private Optional<SecretRef> reference(String text, String key) {
        try {
            return SecretRef.parse(text, baseDir);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, key, e.getMessage());
        }
    }

    /** Reads a reference now: start-up refuses a configuration whose secrets cannot be read. */
    private <T> T check(String key, Supplier<T> read) {
        try {
            return read.get();
        } catch (SecretException e) {
            throw new ConfigException(file, key, e.getMessage());
        }
    }

    /**
     * A credential given as a value or as a reference ({@code secret://}, {@code file://}, {@code ${VAR}}); a
     * reference is read here, once.
     */
    private String credential(JsonNode node, String where, String key) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return "";
        }
        if (!v.isValueNode()) {
            throw new ConfigException(file, join(where, key), "expected a single value");
        }
        Optional<SecretRef> ref = reference(v.asText(), join(where, key));
        return ref.isPresent()
                ? check(join(where, key), () -> store().read(ref.get()))
                : expand(v.asText(), join(where, key));
    }

    /** A DSN given as text or as a reference to a whole DSN (read here, once). */
    private Dsn dsn(String text, String key) {
        Optional<SecretRef> ref = reference(text, key);
        if (ref.isPresent()) {
            return check(key, () -> store().readDsn(ref.get(), false));
        }
        try {
            return Dsn.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    file, key, "malformed DSN " + Dsn.redact(text) + ": " + Dsn.redact(e.getMessage(), text));
        }
    }

    private ToolsConfig.Collector collector(JsonNode node, Path baseDir) {
        allowOnly(
                node,
                "collector",
                "interval",
                "timeout",
                "concurrency",
                "backoff_max",
                "stall_after",
                "probe_interval",
                "queries_dir",
                "nodes",
                "discovery");
        Duration interval =
                duration(node, "collector", "interval", DEFAULT_INTERVAL, Duration.ofMillis(100), Duration.ofHours(1));
        Duration timeout =
                duration(node, "collector", "timeout", interval.multipliedBy(3).dividedBy(4));
        if (timeout.compareTo(interval) >= 0 || timeout.isZero()) {
            throw new ConfigException(
                    file,
                    "collector.timeout",
                    "must be shorter than collector.interval (" + interval.toMillis()
                            + "ms) so a hung node cannot delay the next snapshot");
        }
        int concurrency = integer(node, "collector", "concurrency", 16, 1, 1024);
        Duration backoffMax = duration(
                node, "collector", "backoff_max", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofHours(1));
        Duration stallAfter = duration(
                node, "collector", "stall_after", interval.multipliedBy(5), Duration.ofMillis(100), Duration.ofDays(1));
        Duration probeInterval = duration(
                node, "collector", "probe_interval", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofDays(1));
        String queries = text(node, "collector", "queries_dir", "queries");
        Path queriesDir = baseDir == null ? Path.of(queries) : baseDir.resolve(queries);
        // the default directory may be absent (no custom queries); one named on purpose must be there
        if (text(node, "collector", "queries_dir", null) != null && !Files.isDirectory(queriesDir)) {
            throw new ConfigException(
                    file,
                    "collector.queries_dir",
                    Files.exists(queriesDir) ? "not a directory: " + queriesDir : "no such directory: " + queriesDir);
        }

        List<ToolsConfig.NodeConfig> nodes = new ArrayList<>();
        List<String> keys = new ArrayList<>(); // where each node was given, for a duplicate's message
        JsonNode list = node.path("nodes");
        if (!list.isMissingNode() && !list.isNull()) {
            if (!list.isArray()) {
                throw new ConfigException(file, "collector.nodes", "expected a list of {name, dsn}");
            }
            for (int i = 0; i < list.size(); i++) {
                String key = "collector.nodes[" + i + "]";
                JsonNode entry = list.get(i);
                if (!entry.isObject()) {
                    throw new ConfigException(file, key, "expected a mapping with name and dsn");
                }
                allowOnly(entry, key, "name", "dsn", "password", "auth", "region", "sslmode", "sslrootcert");
                String name = required(entry, key, "name");
                nodes.add(node(key, name, rawRequired(entry, key, "dsn"), "file", entry));
                keys.add(key);
            }
        }
        List<ToolsConfig.NodeConfig> fromEnvironment = nodesFromEnvironment();
        nodes.addAll(fromEnvironment);
        for (int i = 0; i < fromEnvironment.size(); i++) {
            keys.add(NODES_ENV + "[" + i + "]");
        }
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            ToolsConfig.NodeConfig n = nodes.get(i);
            String first = seen.putIfAbsent(n.name(), keys.get(i));
            if (first != null) {
                throw new ConfigException(
                        file, keys.get(i) + ".name", "duplicate node name '" + n.name() + "' (also " + first + ")");
            }
        }

        Optional<ToolsConfig.Discovery> discovery = Optional.empty();
        JsonNode d = node.path("discovery");
        if (!d.isMissingNode() && !d.isNull()) {
            allowOnly(d, "collector.discovery", "seed", "interval");
            String seed = required(d, "collector.discovery", "seed");
            if (!seen.containsKey(seed)) {
                throw new ConfigException(file, "collector.discovery.seed", "names no configured node: '" + seed + "'");
            }
            discovery = Optional.of(new ToolsConfig.Discovery(
                    seed,
                    duration(
                            d,
                            "collector.discovery",
                            "interval",
                            Duration.ofSeconds(60),
                            Duration.ofSeconds(1),
                            Duration.ofDays(1))));
        }
        if (nodes.isEmpty()) {
            throw new ConfigException(
                    file,
                    "collector.nodes",
                    "no nodes configured (list them here or in " + NODES_ENV + "=name=dsn;name=dsn)");
        }
        return new ToolsConfig.Collector(
                interval,
                timeout,
                concurrency,
                backoffMax,
                stallAfter,
                probeInterval,
                queriesDir,
                nodes,
                discovery,
                CustomQueries.load(queriesDir));
    }

    private List<ToolsConfig.NodeConfig> nodesFromEnvironment() {
        String value = env.get(NODES_ENV);
        List<ToolsConfig.NodeConfig> nodes = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return nodes;
        }
        int i = 0;
        for (String entry : value.split("[;\\n]")) {
            if (entry.isBlank()) {
                continue;
            }
            String key = NODES_ENV + "[" + i++ + "]";
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("environment", key, "expected name=dsn");
            }
            nodes.add(node(
                    key,
                    entry.substring(0, eq).strip(),
                    entry.substring(eq + 1).strip(),
                    "environment",
                    MissingNode.getInstance()));
        }
        return nodes;
    }

    private ToolsConfig.NodeConfig node(String key, String name, String dsnText, String origin, JsonNode entry) {
        if (!NODE_NAME.matcher(name).matches()) {
            throw new ConfigException(
                    file,
                    key + ".name",
                    "invalid node name '" + name + "' (letters, digits, '_', '.', '-'; at most 63 characters)");
        }
        Optional<SecretRef> dsnRef = reference(dsnText, key + ".dsn");
        Dsn dsn = dsn(dsnRef.isPresent() ? dsnText : expand(dsnText, key + ".dsn"), key + ".dsn");
        NodeAuth auth = NodeAuth.INLINE;
        if (dsnRef.isPresent()) {
            auth = new NodeAuth.Password(dsnRef.get(), true);
        }
        String passwordText = text(entry, key, "password", null, false);
        if (passwordText != null) {
            String pk = key + ".password";
            if (dsn.password() != null) {
                throw new ConfigException(file, pk, "the DSN has a password already: give it in one place");
            }
            SecretRef ref = reference(passwordText, pk)
                    .orElseThrow(() -> new ConfigException(
                            file,
                            pk,
                            "expected a reference (secret://NAME[#key], file://PATH, ${VARIABLE}), not the password"));
            check(pk, () -> store().read(ref));
            auth = new NodeAuth.Password(ref, false);
        }
        Map<String, String> options = new LinkedHashMap<>(dsn.options());
        String sslmode = text(entry, key, "sslmode", null);
        if (sslmode != null) {
            options.put("sslmode", sslmode);
        }
        String rootCert = text(entry, key, "sslrootcert", null);
        if (rootCert != null) {
            options.put(
                    "sslrootcert",
                    baseDir == null
                            ? rootCert
                            : baseDir.resolve(rootCert).normalize().toString());
        }
        String mode = options.getOrDefault("sslmode", "prefer");
        if (!SSL_MODES.contains(mode)) {
            throw new ConfigException(
                    file,
                    key + (sslmode != null ? ".sslmode" : ".dsn"),
                    "unknown sslmode '" + mode + "' (" + String.join(", ", SSL_MODES) + ")");
        }
        if (options.containsKey("sslrootcert") && !Files.isReadable(Path.of(options.get("sslrootcert")))) {
            throw new ConfigException(
                    file,
                    key + (rootCert != null ? ".sslrootcert" : ".dsn"),
                    "cannot read the CA bundle " + options.get("sslrootcert"));
        }
        String authText = text(entry, key, "auth", "password");
        String region = text(entry, key, "region", null);
        switch (authText) {
            case "password" -> {
                if (region != null) {
                    throw new ConfigException(file, key + ".region", "only used with auth: iam");
                }
            }
            case "iam" -> {
                if (!(auth instanceof NodeAuth.Inline) || dsn.password() != null) {
                    throw new ConfigException(
                            file, key + ".auth", "auth: iam uses a token as the password: remove the other password");
                }
                if (!VERIFIED_OR_ENCRYPTED.contains(mode)) {
                    throw new ConfigException(
                            file,
                            key + ".auth",
                            "auth: iam sends its token only over TLS: set sslmode to verify-full (with sslrootcert), "
                                    + "verify-ca or require (sslmode is " + mode + ")");
                }
                auth = new NodeAuth.Iam(Optional.ofNullable(region));
            }
            default ->
                throw new ConfigException(file, key + ".auth", "unknown auth '" + authText + "' (password or iam)");
        }
        // a referenced password is read again at each connection: the configuration keeps none of it
        Dsn kept = auth instanceof NodeAuth.Inline
                ? new Dsn(dsn.host(), dsn.port(), dsn.database(), dsn.user(), dsn.password(), options)
                : new Dsn(dsn.host(), dsn.port(), dsn.database(), dsn.user(), null, options);
        return new ToolsConfig.NodeConfig(name, kept, origin, auth);
    }

    private static final List<String> SSL_MODES =
            List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    private static final Set<String> VERIFIED_OR_ENCRYPTED = Set.of("require", "verify-ca", "verify-full");

    private ToolsConfig.Thresholds thresholds(JsonNode node) {
        allowOnly(node, "thresholds", "lag_seconds_warn", "lag_seconds_crit", "conflicts_warn");
        double warn = number(node, "thresholds", "lag_seconds_warn", 5);
        double crit = number(node, "thresholds", "lag_seconds_crit", 15);
        if (crit < warn) {
            throw new ConfigException(
                    file,
                    "thresholds.lag_seconds_crit",
                    "must be greater than or equal to thresholds.lag_seconds_warn (" + warn + ")");
        }
        double conflicts = rate(node, "thresholds", "conflicts_warn", 3);
        return new ToolsConfig.Thresholds(warn, crit, conflicts);
    }

    private ToolsConfig.Server server(JsonNode node) {
        allowOnly(node, "server", "listen");
        String listen = text(node, "server", "listen", ":8080");
        Matcher m = LISTEN.matcher(listen);
        if (!m.matches()) {
            throw new ConfigException(
                    file,
                    "server.listen",
                    "expected [host]:port such as ':8080' or '127.0.0.1:8080', got '" + listen + "'");
        }
        int port = Integer.parseInt(m.group(2));
        if (port > 65535) {
            throw new ConfigException(file, "server.listen", "port out of range: " + port);
        }
        String host = m.group(1) == null ? "" : m.group(1).replace("[", "").replace("]", "");
        return new ToolsConfig.Server(host, port);
    }

    private ToolsConfig.Database database(JsonNode node) {
        allowOnly(node, "database", "path", "retention");
        JsonNode r = node.path("retention");
        String where = "database.retention";
        allowOnly(r, where, "samples", "downsampled", "snapshots", "events", "conflicts");
        ToolsConfig.Retention d = ToolsConfig.Retention.DEFAULT;
        Duration samples = duration(r, where, "samples", d.samples());
        Duration downsampled = duration(r, where, "downsampled", d.downsampled());
        Duration snapshots = duration(r, where, "snapshots", d.snapshots());
        if (samples.compareTo(Duration.ofHours(1)) < 0) {
            throw new ConfigException(
                    file, where + ".samples", "must be at least 1h (history queries need the last hour)");
        }
        if (downsampled.compareTo(samples) < 0) {
            throw new ConfigException(
                    file, where + ".downsampled", "must be at least database.retention.samples (" + samples + ")");
        }
        if (snapshots.compareTo(samples) > 0) {
            throw new ConfigException(
                    file, where + ".snapshots", "must not exceed database.retention.samples (" + samples + ")");
        }
        ToolsConfig.Retention retention = new ToolsConfig.Retention(
                samples,
                downsampled,
                snapshots,
                duration(r, where, "events", d.events()),
                duration(r, where, "conflicts", d.conflicts()));
        return new ToolsConfig.Database(
                Path.of(text(node, "database", "path", "./data/replication_state.db")), retention);
    }

    private ToolsConfig.Guard guard(JsonNode node, List<ToolsConfig.NodeConfig> nodes) {
        String where = "guard";
        allowOnly(node, where, "token", "pause_above", "resume_below", "hold", "max_pause", "gates");
        ToolsConfig.GuardPolicy d = ToolsConfig.GuardPolicy.DEFAULT;
        double pauseAbove = number(node, where, "pause_above", d.pauseAboveSeconds());
        double resumeBelow = number(node, where, "resume_below", d.resumeBelowSeconds());
        if (resumeBelow >= pauseAbove) {
            throw new ConfigException(
                    file,
                    "guard.resume_below",
                    "must be lower than guard.pause_above (" + pauseAbove + ") so the guard cannot flap");
        }
        Duration hold = duration(node, where, "hold", d.hold());
        Duration maxPause = duration(node, where, "max_pause", d.maxPause());
        if (maxPause.compareTo(hold) <= 0) {
            throw new ConfigException(file, "guard.max_pause", "must be longer than guard.hold (" + hold + ")");
        }
        String token = credential(node, where, "token");
        ToolsConfig.GuardPolicy policy = new ToolsConfig.GuardPolicy(pauseAbove, resumeBelow, hold, maxPause);

        List<ToolsConfig.GateConfig> gates = new ArrayList<>();
        JsonNode list = node.path("gates");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            throw new ConfigException(file, "guard.gates", "expected a list of {name, node, pgbouncer, database}");
        }
        Set<String> names = new HashSet<>();
        Set<String> known = new HashSet<>();
        nodes.forEach(n -> known.add(n.name()));
        for (int i = 0; i < list.size(); i++) {
            String key = "guard.gates[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) {
                throw new ConfigException(file, key, "expected a mapping with name, node, pgbouncer and database");
            }
            allowOnly(entry, key, "name", "node", "pgbouncer", "database", "autostart");
            String name = required(entry, key, "name");
            if (!NODE_NAME.matcher(name).matches()) {
                throw new ConfigException(
                        file,
                        key + ".name",
                        "invalid gate name '" + name + "' (letters, digits, '_', '.', '-'; at most 63 characters)");
            }
            if (!names.add(name)) {
                throw new ConfigException(file, key + ".name", "duplicate gate name '" + name + "'");
            }
            String guarded = required(entry, key, "node");
            if (!known.contains(guarded)) {
                throw new ConfigException(file, key + ".node", "names no configured node: '" + guarded + "'");
            }
            Dsn admin = adminDsn(entry, key, "pgbouncer");
            String database = required(entry, key, "database");
            if (!DatabaseName.isValid(database)) {
                throw new ConfigException(
                        file,
                        key + ".database",
                        "invalid database name '" + database + "' (" + DatabaseName.RULE + ")");
            }
            gates.add(new ToolsConfig.GateConfig(name, guarded, admin, database, bool(entry, key, "autostart", true)));
        }
        return new ToolsConfig.Guard(token.isEmpty() ? Optional.empty() : Optional.of(token), policy, gates);
    }

    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)?");

    private UpgradeConfig upgrade(JsonNode node, List<ToolsConfig.NodeConfig> nodes, Path baseDir) {
        String where = "upgrade";
        if (node.isMissingNode() || node.isNull()) {
            return UpgradeConfig.NONE;
        }
        allowOnly(
                node,
                where,
                "token",
                "lag_threshold",
                "escalate_after",
                "sync_hold",
                "sync_timeout",
                "soak",
                "cutover_budget",
                "decommission_delay",
                "health_probe",
                "routes",
                "provisioner");
        UpgradeConfig.Limits d = UpgradeConfig.Limits.DEFAULT;
        String delayText = text(node, where, "decommission_delay", null);
        Duration delay = delayText == null || delayText.strip().equals("0")
                ? Duration.ZERO
                : duration(node, where, "decommission_delay", Duration.ZERO);
        UpgradeConfig.Limits limits = new UpgradeConfig.Limits(
                bytes(node, where, "lag_threshold", d.lagThresholdBytes()),
                duration(node, where, "escalate_after", d.escalateAfter()),
                duration(node, where, "sync_hold", d.syncHold()),
                duration(node, where, "sync_timeout", d.syncTimeout()),
                duration(node, where, "soak", d.soak()),
                duration(node, where, "cutover_budget", d.cutoverBudget()),
                delay);
        if (limits.escalateAfter().compareTo(limits.syncHold()) <= 0) {
            throw new ConfigException(
                    file,
                    "upgrade.escalate_after",
                    "must be longer than upgrade.sync_hold (" + limits.syncHold() + ")");
        }
        String token = credential(node, where, "token");
        String probe = text(node, where, "health_probe", "");

        Set<String> known = new HashSet<>();
        nodes.forEach(n -> known.add(n.name()));
        List<UpgradeConfig.Route> routes = new ArrayList<>();
        JsonNode list = node.path("routes");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            throw new ConfigException(file, "upgrade.routes", "expected a list of {name, node, haproxy, pgbouncer}");
        }
        Set<String> routed = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "upgrade.routes[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) {
                throw new ConfigException(
                        file, key, "expected a mapping with name, node, haproxy and optionally pgbouncer");
            }
            allowOnly(entry, key, "name", "node", "haproxy", "pgbouncer");
            String name = required(entry, key, "name");
            if (!NODE_NAME.matcher(name).matches()) {
                throw new ConfigException(file, key + ".name", "invalid route name '" + name + "'");
            }
            String routedNode = required(entry, key, "node");
            if (!known.contains(routedNode)) {
                throw new ConfigException(file, key + ".node", "names no configured node: '" + routedNode + "'");
            }
            if (!routed.add(routedNode)) {
                throw new ConfigException(file, key + ".node", "node '" + routedNode + "' already has a route");
            }
            String hk = key + ".haproxy";
            JsonNode h = entry.path("haproxy");
            if (!h.isObject()) {
                throw new ConfigException(file, hk, "is required: {admin, backend, source_server, target_server}");
            }
            allowOnly(h, hk, "admin", "backend", "source_server", "target_server");
            UpgradeConfig.Haproxy haproxy = new UpgradeConfig.Haproxy(
                    required(h, hk, "admin"),
                    haproxyName(h, hk, "backend"),
                    haproxyName(h, hk, "source_server"),
                    haproxyName(h, hk, "target_server"));
            Optional<UpgradeConfig.PgBouncer> pgbouncer = Optional.empty();
            JsonNode b = entry.path("pgbouncer");
            if (!b.isMissingNode() && !b.isNull()) {
                String bk = key + ".pgbouncer";
                allowOnly(b, bk, "admin", "database");
                Dsn admin = adminDsn(b, bk, "admin");
                String database = required(b, bk, "database");
                if (!DatabaseName.isValid(database)) {
                    throw new ConfigException(
                            file,
                            bk + ".database",
                            "invalid database name '" + database + "' (" + DatabaseName.RULE + ")");
                }
                pgbouncer = Optional.of(new UpgradeConfig.PgBouncer(admin, database));
            }
            routes.add(new UpgradeConfig.Route(name, routedNode, haproxy, pgbouncer));
        }

        Optional<UpgradeConfig.Provisioner> provisioner = Optional.empty();
        JsonNode p = node.path("provisioner");
        if (!p.isMissingNode() && !p.isNull()) {
            String pk = "upgrade.provisioner";
            allowOnly(p, pk, "kind", "work_dir", "binaries", "run_as", "rds");
            String kind = text(p, pk, "kind", "local");
            if (!kind.equals("local") && !kind.equals("rds")) {
                throw new ConfigException(file, pk + ".kind", "unknown provisioner '" + kind + "' (known: local, rds)");
            }
            Optional<UpgradeConfig.Rds> rds =
                    kind.equals("rds") ? Optional.of(rds(p.path("rds"), pk + ".rds")) : Optional.empty();
            Path workDir =
                    baseDir.resolve(text(p, pk, "work_dir", "./data/upgrades")).normalize();
            Map<Integer, Path> binaries = new TreeMap<>();
            JsonNode bins = p.path("binaries");
            if (!bins.isMissingNode() && !bins.isNull() && !bins.isObject()) {
                throw new ConfigException(
                        file, pk + ".binaries", "expected a mapping of major version to a bin directory");
            }
            for (Iterator<String> it = bins.fieldNames(); it.hasNext(); ) {
                String version = it.next();
                if (!version.matches("\\d{2}")) {
                    throw new ConfigException(
                            file,
                            pk + ".binaries." + version,
                            "expected a PostgreSQL major version such as 17"
                                    + " mapped to its installation directory (the one holding bin/)");
                }
                binaries.put(
                        Integer.parseInt(version),
                        baseDir.resolve(required(bins, pk + ".binaries", version))
                                .normalize());
            }
            String runAs = text(p, pk, "run_as", "");
            if (!runAs.isEmpty() && !runAs.matches("[a-z_][a-z0-9_-]{0,31}")) {
                throw new ConfigException(file, pk + ".run_as", "invalid user name '" + runAs + "'");
            }
            provisioner = Optional.of(new UpgradeConfig.Provisioner(
                    kind, workDir, binaries, runAs.isEmpty() ? Optional.empty() : Optional.of(runAs), rds));
        }
        return new UpgradeConfig(
                token.isEmpty() ? Optional.empty() : Optional.of(token),
                limits,
                routes,
                provisioner,
                probe.isBlank() ? Optional.empty() : Optional.of(probe));
    }

    /** An admin console's DSN: text, or a reference to a whole DSN (read once, at start-up). */
    private Dsn adminDsn(JsonNode node, String where, String key) {
        String text = rawRequired(node, where, key);
        String k = join(where, key);
        return dsn(reference(text, k).isPresent() ? text : expand(text, k), k);
    }

    /** {@code upgrade.provisioner.rds}: region (required), endpoint, instance_ids (node name to RDS identifier). */
    private UpgradeConfig.Rds rds(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new ConfigException(file, where, "kind rds needs this section with at least a region");
        }
        allowOnly(node, where, "region", "endpoint", "instance_ids");
        String region = required(node, where, "region");
        if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
            throw new ConfigException(
                    file, where + ".region", "expected an AWS region such as eu-west-1: '" + region + "'");
        }
        Optional<URI> endpoint = Optional.empty();
        String text = text(node, where, "endpoint", "");
        if (!text.isEmpty()) {
            try {
                URI uri = new URI(text);
                if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new URISyntaxException(text, "not an https URL");
                }
                endpoint = Optional.of(uri);
            } catch (URISyntaxException e) {
                throw new ConfigException(file, where + ".endpoint", "expected an https URL: '" + text + "'");
            }
        }
        Map<String, String> ids = new TreeMap<>();
        JsonNode map = node.path("instance_ids");
        if (!map.isMissingNode() && !map.isNull() && !map.isObject()) {
            throw new ConfigException(
                    file, where + ".instance_ids", "expected a mapping of node name to DB instance id");
        }
        for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            String id = required(map, where + ".instance_ids", name);
            if (!id.matches("[A-Za-z](?:-?[A-Za-z0-9]){0,62}")) {
                throw new ConfigException(
                        file, where + ".instance_ids." + name, "not an RDS DB instance identifier: '" + id + "'");
            }
            ids.put(name, id);
        }
        return new UpgradeConfig.Rds(region, endpoint, ids);
    }

    /** HAProxy backend and server names go into runtime API commands: plain names only. */
    private String haproxyName(JsonNode node, String where, String key) {
        String value = required(node, where, key);
        if (!value.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new ConfigException(
                    file,
                    join(where, key),
                    "invalid HAProxy name '" + value + "' (letters, digits, '_', '.', ':', '-')");
        }
        return value;
    }

    /** A size such as {@code 16MB}, {@code 512KiB} or a bare number of bytes. */
    private long bytes(JsonNode node, String where, String key, long dflt) {
        String value = text(node, where, key, null);
        if (value == null) {
            return dflt;
        }
        Matcher m = BYTES.matcher(value.strip());
        if (!m.matches()) {
            throw new ConfigException(
                    file, join(where, key), "expected a size such as 16MB or 1048576, got '" + value + "'");
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "kB", "KB", "KiB" -> 1024L;
            case "MB", "MiB" -> 1024L * 1024;
            case "GB", "GiB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new ConfigException(file, join(where, key), "size too large: '" + value + "'");
        }
    }

    // --- scalar helpers -------------------------------------------------------------------------------------------

    private void allowOnly(JsonNode node, String where, String... keys) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new ConfigException(file, where, "expected a mapping");
        }
        Set<String> allowed = Set.of(keys);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new ConfigException(
                        file, join(where, key), "unknown key (allowed: " + String.join(", ", keys) + ")");
            }
        }
    }

    private static String join(String where, String key) {
        return where.isEmpty() ? key : where + "." + key;
    }

    private String text(JsonNode node, String where, String key, String dflt) {
        return text(node, where, key, dflt, true);
    }

    /** @param expand replace {@code ${VAR}} now; without it a whole {@code ${VAR}} stays a reference read at use */
    private String text(JsonNode node, String where, String key, String dflt, boolean expand) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode()) {
            throw new ConfigException(file, join(where, key), "expected a single value");
        }
        return expand ? expand(v.asText(), join(where, key)) : v.asText();
    }

    private String rawRequired(JsonNode node, String where, String key) {
        String value = text(node, where, key, null, false);
        if (value == null || value.isBlank()) {
            throw new ConfigException(file, join(where, key), "is required");
        }
        return value;
    }

    private String required(JsonNode node, String where, String key) {
        String value = text(node, where, key, null);
        if (value == null || value.isBlank()) {
            throw new ConfigException(file, join(where, key), "is required");
        }
        return value;
    }

    /** Expands {@code ${VAR}} and {@code ${VAR:-default}}; an unset variable without a default is an error. */
    String expand(String value, String key) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = env.get(m.group(1));
            if (replacement == null || (replacement.isEmpty() && m.group(2) != null)) {
                if (m.group(2) == null) {
                    throw new ConfigException(
                            file,
                            key,
                            "environment variable " + m.group(1) + " is not set (use ${" + m.group(1) + ":-default})");
                }
                replacement = m.group(3);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private boolean bool(JsonNode node, String where, String key, boolean dflt) {
        String value = text(node, where, key, null);
        if (value == null) {
            return dflt;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(file, join(where, key), "expected true or false, got '" + value + "'");
        };
    }

    /** Longest duration any key takes: beyond it a typo (a missing unit, an extra digit), not a setting. */
    private static final Duration LONGEST = Duration.ofDays(3650);

    private Duration duration(JsonNode node, String where, String key, Duration dflt) {
        return duration(node, where, key, dflt, Duration.ofNanos(1), LONGEST);
    }

    /** A duration within [min, max], so that what is derived from it (deadlines, timers) stays meaningful. */
    private Duration duration(JsonNode node, String where, String key, Duration dflt, Duration min, Duration max) {
        String value = text(node, where, key, null);
        if (value == null) {
            return dflt;
        }
        Duration d;
        try {
            d = parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    file, join(where, key), "invalid duration '" + value + "' (use e.g. 500ms, 2s, 1m30s)");
        }
        if (d.compareTo(min) < 0) {
            throw new ConfigException(
                    file, join(where, key), "must be at least " + show(min) + ", got '" + value + "'");
        }
        if (d.compareTo(max) > 0) {
            throw new ConfigException(file, join(where, key), "must be at most " + show(max) + ", got '" + value + "'");
        }
        return d;
    }

    /** A bound as the configuration writes it: 100ms, 30s, 1h, 1d. */
    private static String show(Duration d) {
        if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 86_400 == 0
                ? s / 86_400 + "d"
                : s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    /** Go-style durations: {@code 500ms}, {@code 2s}, {@code 1m30s}, {@code 1h}, plus {@code 7d}; a bare number means seconds. */
    public static Duration parseDuration(String text) {
        String s = text.strip();
        if (s.matches("\\d+(\\.\\d+)?")) {
            s = s + "s";
        }
        Matcher m = DURATION_PART.matcher(s);
        long nanos = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            if (amount * unit > LONGEST.toNanos() * 10.0) {
                throw new IllegalArgumentException("duration out of range");
            }
            nanos += (long) (amount * unit);
            end = m.end();
        }
        if (end != s.length() || end == 0 || nanos <= 0) {
            throw new IllegalArgumentException("invalid duration");
        }
        return Duration.ofNanos(nanos);
    }

    private double number(JsonNode node, String where, String key, double dflt) {
        String value = text(node, where, key, null);
        if (value == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(value.strip());
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException(file, join(where, key), "expected a non-negative number, got '" + value + "'");
        }
    }

    private int integer(JsonNode node, String where, String key, int dflt, int min, int max) {
        String value = text(node, where, key, null);
        if (value == null) {
            return dflt;
        }
        try {
            int i = Integer.parseInt(value.strip());
            if (i < min || i > max) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    file,
                    join(where, key),
                    "expected an integer between " + min + " and " + max + ", got '" + value + "'");
        }
    }

    /** A rate such as {@code 3/min}, {@code 0.5/s} or {@code 100/h}, returned per minute; a bare number is per minute. */
    private double rate(JsonNode node, String where, String key, double dflt) {
        String value = text(node, where, key, null);
        if (value == null) {
            return dflt;
        }
        Matcher m = RATE.matcher(value.strip());
        if (!m.matches()) {
            throw new ConfigException(file, join(where, key), "expected a rate such as 3/min, got '" + value + "'");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "min" : m.group(2);
        return switch (unit) {
            case "s", "sec" -> amount * 60;
            case "h", "hour" -> amount / 60;
            default -> amount;
        };
    }
}
