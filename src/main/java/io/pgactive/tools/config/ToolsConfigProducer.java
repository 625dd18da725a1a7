package io.pgactive.tools.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Makes this process's {@code tools.yaml} a bean: the reading start-up already checked, or, when Quarkus was started
 * without that check (tests), the file named by {@value ConfigFile#PROPERTY}, read now.
 */
@Singleton
public class ToolsConfigProducer {

    private final ConfigFile file;
    private final Path path;

    @Inject
    ToolsConfigProducer(
            @ConfigProperty(name = ConfigFile.PROPERTY, defaultValue = ConfigFile.DEFAULT_PATH) String path) {
        this(ConfigFile.process(), Path.of(path));
    }

    ToolsConfigProducer(ConfigFile file, Path path) {
        this.file = file;
        this.path = path;
    }

    @Produces
    @Singleton
    ToolsConfig toolsConfig() {
        return file.get(path);
    }
}
