package io.pgactive.tools;

import io.pgactive.tools.api.HttpProblems;
import io.pgactive.tools.config.ConfigException;
import io.pgactive.tools.config.ConfigFile;
import io.pgactive.tools.config.DatabasePath;
import io.pgactive.tools.config.ToolsConfig;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Entry point of the service. The configuration (tools.yaml and its custom query files) is read and validated once,
 * before Quarkus boots, so a bad file ends with one line naming the file, the key and the problem, and exit code 2 —
 * not a stack trace; the service then runs with what was read here.
 */
@QuarkusMain
public final class Main {

    /** Exit code for an unusable configuration. */
    public static final int EXIT_CONFIG = 2;

    public static void main(String... args) {
        String problem = checkConfig(ConfigFile.path());
        if (problem != null) {
            System.err.println("pgactive-tools: configuration error: " + problem);
            System.exit(EXIT_CONFIG);
        }
        if (System.getProperty(HttpProblems.URI_CHECK_PROPERTY) == null) {
            System.setProperty(HttpProblems.URI_CHECK_PROPERTY, "true"); // HttpProblems checks it, with a problem body
        }
        Quarkus.run(args);
    }

    /** The configuration problem, already redacted, or null when the file is usable (and kept for the service). */
    public static String checkConfig(Path path) {
        try {
            ToolsConfig config = ConfigFile.process().read(path);
            Optional<String> database = DatabasePath.problem(config.database().path());
            if (database.isPresent()) {
                throw new ConfigException(path.toString(), "database.path", database.get());
            }
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }
}
