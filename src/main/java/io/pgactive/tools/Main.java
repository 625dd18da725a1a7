package io.pgactive.tools;

import io.pgactive.tools.api.HttpProblems;
import io.pgactive.tools.config.ConfigException;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfigProducer;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;

/**
 * Entry point of the service. The configuration is validated before Quarkus boots, so a bad file ends with one line
 * naming the file, the key and the problem, and exit code 2 — not a stack trace.
 */
@QuarkusMain
public final class Main {

    /** Exit code for an unusable configuration. */
    public static final int EXIT_CONFIG = 2;

    public static void main(String... args) {
        String problem = checkConfig(configPath());
        if (problem != null) {
            System.err.println("pgactive-tools: configuration error: " + problem);
            System.exit(EXIT_CONFIG);
        }
        if (System.getProperty(HttpProblems.URI_CHECK_PROPERTY) == null) {
            System.setProperty(HttpProblems.URI_CHECK_PROPERTY, "true"); // HttpProblems checks it, with a problem body
        }
        Quarkus.run(args);
    }

    static Path configPath() {
        String file = System.getenv("PGACTIVE_TOOLS_CONFIG");
        return Path.of(file != null ? file : System.getProperty(ToolsConfigProducer.CONFIG_PROPERTY, ToolsConfigProducer.DEFAULT_PATH));
    }

    /** The configuration problem, already redacted, or null when the file is usable. */
    public static String checkConfig(Path path) {
        try {
            var config = ConfigLoader.loadFromEnvironment(path);
            io.pgactive.tools.collect.CustomQueries.load(config.collector().queriesDir());
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }
}
