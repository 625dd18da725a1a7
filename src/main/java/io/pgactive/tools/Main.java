package io.pgactive.tools;

import io.pgactive.tools.api.HttpProblems;
import io.pgactive.tools.config.ConfigException;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.DatabasePath;
import io.pgactive.tools.config.ToolsConfigProducer;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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
            requireText(config.collector().queriesDir());
            io.pgactive.tools.collect.CustomQueries.load(config.collector().queriesDir());
            Optional<String> database = DatabasePath.problem(config.database().path());
            if (database.isPresent()) {
                throw new ConfigException(path.toString(), "database.path", database.get());
            }
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    /** Every query file must be UTF-8 text: a binary file dropped into the directory is named, not just the directory. */
    private static void requireText(Path queriesDir) {
        if (!Files.isDirectory(queriesDir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queriesDir, "*.sql")) {
            for (Path f : files) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(f)));
                } catch (CharacterCodingException e) {
                    throw new ConfigException(f.toString(), "", "not UTF-8 text (a binary file?)");
                }
            }
        } catch (IOException e) {
            throw new ConfigException(queriesDir.toString(), "", "cannot read custom queries: " + e.getMessage());
        }
    }
}
