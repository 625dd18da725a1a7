package io.pgactive.tools.workflow.upgrade.aws;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;

/** The RDS client of the service: the default credentials chain (IRSA, instance profile, environment), JDK HTTP. */
public final class RdsClients {

    private RdsClients() {}

    /**
     * A client for {@code region}; {@code endpoint} replaces RDS's public endpoint (a VPC endpoint, or a local one in
     * tests). The SDK's standard retry mode retries throttling and 5xx answers with back-off.
     */
    public static RdsClient create(String region, Optional<URI> endpoint) {
        var builder = RdsClient.builder()
                .region(Region.of(region))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClient(UrlConnectionHttpClient.create());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
