package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.workflow.failover.aws.RdsPromoteReadReplica;
import io.pgactive.tools.workflow.failover.local.JdbcNodeControl;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * Chooses the failover's {@link NodeControl} from {@code pgactive.failover.promotion} and checks the settings it needs,
 * so that a bad setting stops start-up with one line naming the property instead of failing the first failover.
 */
public final class NodeControls {

    static final String PREFIX = "pgactive.failover.";
    /** RDS polls while a promotion runs (it takes minutes); the pause doubles from the first up to the longest. */
    static final Duration RDS_POLL_FIRST = Duration.ofSeconds(5);

    static final Duration RDS_POLL_MAX = Duration.ofSeconds(30);
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    /** RDS's rule for DB instance identifiers: a letter first, then letters, digits and single hyphens, 63 at most. */
    private static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z](?:-?[a-zA-Z0-9]){0,62}");

    /** The control and the RDS client it owns (closed with the service), when promotion goes through RDS. */
    public record Built(NodeControl control, Optional<RdsClient> rds) {}

    private NodeControls() {}

    /**
     * @param clients makes an RDS client for a region and an optional endpoint; called only for {@code rds}
     * @throws IllegalArgumentException a setting that cannot work, the message {@code property: problem}
     */
    public static Built build(
            FailoverSettings settings,
            DsnResolver nodes,
            Duration probeTimeout,
            BiFunction<String, Optional<URI>, RdsClient> clients) {
        NodeControl sql = new JdbcNodeControl(nodes, probeTimeout);
        FailoverSettings.Rds rds = settings.rds();
        switch (settings.promotion()) {
            case FailoverSettings.PROMOTE_SQL -> {
                rdsOnlySetting(rds).ifPresent(key -> {
                    throw problem(
                            key,
                            "set, but " + PREFIX + "promotion is " + FailoverSettings.PROMOTE_SQL + " (set it to "
                                    + FailoverSettings.PROMOTE_RDS + " to promote through RDS)");
                });
                return new Built(sql, Optional.empty());
            }
            case FailoverSettings.PROMOTE_RDS -> {
                String region = rds.region()
                        .orElseThrow(() -> problem("rds.region", "required with " + PREFIX + "promotion=rds"));
                if (!REGION.matcher(region).matches()) {
                    throw problem("rds.region", "expected an AWS region such as eu-west-1, got '" + region + "'");
                }
                Optional<URI> endpoint = rds.endpoint().map(NodeControls::endpoint);
                rds.instanceIds().forEach((node, id) -> {
                    if (!nodes.knows(node)) {
                        throw problem("rds.instance-id." + node, "no configured node is named '" + node + "'");
                    }
                    if (!INSTANCE_ID.matcher(id).matches()) {
                        throw problem(
                                "rds.instance-id." + node,
                                "'" + id + "' is not an RDS DB instance identifier"
                                        + " (a letter, then letters, digits and single hyphens, at most 63)");
                    }
                });
                RdsClient client = clients.apply(region, endpoint);
                return new Built(
                        new RdsPromoteReadReplica(sql, client, rds.instanceIds(), RDS_POLL_FIRST, RDS_POLL_MAX),
                        Optional.of(client));
            }
            default ->
                throw problem(
                        "promotion",
                        "expected " + FailoverSettings.PROMOTE_SQL + " or " + FailoverSettings.PROMOTE_RDS + ", got '"
                                + settings.promotion() + "'");
        }
    }

    private static Optional<String> rdsOnlySetting(FailoverSettings.Rds rds) {
        if (rds.region().isPresent()) {
            return Optional.of("rds.region");
        }
        if (rds.endpoint().isPresent()) {
            return Optional.of("rds.endpoint");
        }
        return rds.instanceIds().keySet().stream().sorted().findFirst().map(node -> "rds.instance-id." + node);
    }

    private static URI endpoint(String text) {
        try {
            URI uri = new URI(text);
            if ("https".equals(uri.getScheme()) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below like any other unusable text
        }
        throw problem("rds.endpoint", "expected an https URL such as a VPC endpoint, got '" + text + "'");
    }

    private static IllegalArgumentException problem(String key, String what) {
        return new IllegalArgumentException(PREFIX + key + ": " + what);
    }
}
