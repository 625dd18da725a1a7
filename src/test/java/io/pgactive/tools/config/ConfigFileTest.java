package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tools.yaml is read once per start: by the start-up check, then shared with the listener and the bean. */
class ConfigFileTest {

    @TempDir
    Path dir;

    private final AtomicInteger reads = new AtomicInteger();
    private final ConfigFile file = new ConfigFile(path -> {
        reads.incrementAndGet();
        return new ConfigLoader(Map.of()).load(path);
    });

    @Test
    void startUpReadsTheFileAndItsQueriesOnce() throws Exception {
        Path config = write("127.0.0.1:9123");
        Files.createDirectories(dir.resolve("queries"));
        Files.writeString(dir.resolve("queries/slots.sql"), "-- values: n:gauge\nSELECT 1 AS n");

        ToolsConfig checked = file.read(config);
        ListenConfigSource listen = new ListenConfigSource(file, config);
        ToolsConfig bean = new ToolsConfigProducer(file, config).toolsConfig();

        assertThat(reads).hasValue(1);
        assertThat(bean).isSameAs(checked);
        assertThat(bean.collector().queries()).extracting(CustomQuery::name).containsExactly("slots");
        assertThat(listen.getValue("quarkus.http.port")).isEqualTo("9123");
        assertThat(listen.getValue("quarkus.http.host")).isEqualTo("127.0.0.1");
    }

    @Test
    void anExplicitReadRereadsAndAnotherPathIsReadOnItsOwn() throws Exception {
        Path config = write(":9123");
        file.read(config);
        write(":9124");
        assertThat(file.read(config).server().port()).isEqualTo(9124);
        Path other = Files.writeString(
                dir.resolve("other.yaml"), Files.readString(config).replace(":9124", ":9125"));
        assertThat(file.get(other).server().port()).isEqualTo(9125);
        assertThat(reads).hasValue(3);
    }

    @Test
    void aBrokenFileIsNotKept() throws Exception {
        Path config = write(":9123");
        Files.writeString(config, "collector: [");
        ListenConfigSource listen = new ListenConfigSource(file, config);
        assertThat(listen.getPropertyNames()).isEmpty();
        write(":9126");
        assertThat(file.get(config).server().port()).isEqualTo(9126);
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironmentAsInTheServiceConfiguration() {
        Properties properties = new Properties();
        Map<String, String> env = Map.of(ConfigFile.ENV, "/etc/pgactive/tools.yaml");
        assertThat(ConfigFile.path(Map.of(), properties)).isEqualTo(Path.of(ConfigFile.DEFAULT_PATH));
        assertThat(ConfigFile.path(env, properties)).isEqualTo(Path.of("/etc/pgactive/tools.yaml"));
        properties.setProperty(ConfigFile.PROPERTY, "/srv/tools.yaml");
        assertThat(ConfigFile.path(env, properties)).isEqualTo(Path.of("/srv/tools.yaml"));
    }

    private Path write(String listen) throws Exception {
        return Files.writeString(
                dir.resolve("tools.yaml"),
                "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\n" + "server:\n  listen: \"" + listen
                        + "\"\n");
    }
}
