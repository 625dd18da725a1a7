package io.pgactive.tools.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints how long starting N standalone nodes takes and how much memory they use.
 *
 * <pre>java -cp &lt;demo classpath&gt; io.pgactive.tools.testing.StartupMeasurement 1 10 50</pre>
 *
 * The first run in a JVM includes the one-off template initdb, reported separately. RSS counts shared
 * memory once per process that touched it, so PSS (proportional) is the better figure for "how much RAM".
 */
public final class StartupMeasurement {

    private StartupMeasurement() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        PgTemplate.dir();
        System.out.printf("template initdb: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        for (String a : args) {
            int n = Integer.parseInt(a);
            Path dir = Files.createTempDirectory("pg-measure-");
            long start = System.nanoTime();
            try (PgCluster c = PgCluster.standalone(n, dir)) {
                long ms = (System.nanoTime() - start) / 1_000_000;
                long rss = 0;
                long pss = 0;
                int procs = 0;
                for (PgNode node : c.nodes()) {
                    rss += node.rssKb();
                    pss += node.pssKb();
                    procs += 1
                            + ProcessHandle.of(node.postmasterPid().orElseThrow())
                                    .map(h -> h.descendants().count())
                                    .orElse(0L)
                                    .intValue();
                }
                System.out.printf(
                        "%d nodes: started in %d ms (%.0f ms/node), %d processes, RSS %d MB, PSS %d MB (%.1f MB/node)%n",
                        n, ms, (double) ms / n, procs, rss / 1024, pss / 1024, pss / 1024.0 / n);
                long stop = System.nanoTime();
                c.close();
                System.out.printf("%d nodes: closed in %d ms%n", n, (System.nanoTime() - stop) / 1_000_000);
            }
        }
    }
}
