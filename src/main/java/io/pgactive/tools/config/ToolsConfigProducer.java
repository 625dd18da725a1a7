package io.pgactive.tools.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Loads {@code tools.yaml} once; the file is named by {@code PGACTIVE_TOOLS_CONFIG} (default ./config/tools.yaml). */
@ApplicationScoped
public class ToolsConfigProducer {

    public static final String CONFIG_PROPERTY = "pgactive.tools.config";
    public static final String DEFAULT_PATH = "config/tools.yaml";

    @ConfigProperty(name = CONFIG_PROPERTY, defaultValue = DEFAULT_PATH)
    String path;

    @Produces
    @Singleton
    ToolsConfig toolsConfig() {
        return ConfigLoader.loadFromEnvironment(Path.of(path));
    }
}
