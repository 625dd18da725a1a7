package io.pgactive.tools.config;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Quarkus settings derived from this service's own configuration. The ordinal sits above application.properties
 * and below environment variables and system properties, so an explicit {@code QUARKUS_*} setting always wins.
 */
abstract class DerivedConfigSource implements ConfigSource {

    private final String name;
    private final Map<String, String> properties;

    DerivedConfigSource(String name, Map<String, String> properties) {
        this.name = name;
        this.properties = Map.copyOf(properties);
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String key) {
        return properties.get(key);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getOrdinal() {
        return 260;
    }
}
