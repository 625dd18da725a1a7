package io.pgactive.tools.api.watch;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A small fixed socket send buffer when a test asks for one: the kernel's auto-tuned buffers would otherwise absorb
 * megabytes before a reader that never reads becomes visible to the server as a full connection.
 */
@ApplicationScoped
public class TestSendBuffer implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        Optional<Integer> size = ConfigProvider.getConfig().getOptionalValue("test.http.send-buffer", Integer.class);
        size.ifPresent(options::setSendBufferSize);
    }
}
