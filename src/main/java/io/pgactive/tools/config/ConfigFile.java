package io.pgactive.tools.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The one {@code tools.yaml} of this process: where it is, and its content read once. Start-up checks it before
 * Quarkus boots and keeps what it read; the HTTP listen address and the {@link ToolsConfig} bean then come from that
 * same reading, so the service runs with exactly the file that was checked (and a file edited during start-up cannot
 * give the service one configuration and its listener another).
 */
public final class ConfigFile {

    /** The property naming the file; {@link #ENV} sets it from the environment. */
    public static final String PROPERTY = "pgactive.tools.config";

    public static final String ENV = "PGACTIVE_TOOLS_CONFIG";
    public static final String DEFAULT_PATH = "config/tools.yaml";

    private static final ConfigFile PROCESS = new ConfigFile(path -> new ConfigLoader(System.getenv()).load(path));

    private final Function<Path, ToolsConfig> loader;
    private ToolsConfig current;

    ConfigFile(Function<Path, ToolsConfig> loader) {
        this.loader = loader;
    }

    /** The configuration file of this process. */
    public static ConfigFile process() {
        return PROCESS;
    }

    /** Where this process's configuration is: {@link #PROPERTY}, else {@link #ENV}, else {@link #DEFAULT_PATH}. */
    public static Path path() {
        return path(System.getenv(), System.getProperties());
    }

    /**
     * A system property wins over the environment, as in the service's own configuration (MicroProfile Config), so
     * start-up checks the file the service then reads.
     */
    static Path path(Map<String, String> env, Properties properties) {
        String file = properties.getProperty(PROPERTY);
        if (file == null || file.isBlank()) {
            file = env.get(ENV);
        }
        return Path.of(file == null || file.isBlank() ? DEFAULT_PATH : file);
    }

    /** Reads {@code path} now, even if it was read before, and keeps it as this process's configuration. */
    public synchronized ToolsConfig read(Path path) {
        current = null;
        current = loader.apply(path);
        return current;
    }

    /** This process's configuration if it came from {@code path}; otherwise {@code path} is read now. */
    public synchronized ToolsConfig get(Path path) {
        return current != null && current.source().equals(path) ? current : read(path);
    }
}
