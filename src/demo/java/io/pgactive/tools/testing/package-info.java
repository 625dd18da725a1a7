/**
 * The real-PostgreSQL harness shared by the demo, the benchmarks and the tests: local servers, PgBouncer and
 * HAProxy processes, and the demo cluster behind {@code bin/pgactive-server --demo}.
 *
 * <ul>
 *   <li>{@link PgNode}: one PostgreSQL 18 server (zonky binaries) on 127.0.0.1 with
 *       scram-checked passwords, stop/start/kill/freeze/thaw, physical standbys and logical replication helpers.</li>
 *   <li>{@link PgCluster}: groups nodes; {@code demo(dir)} builds node1 &lt;-&gt; node2
 *       bidirectional logical replication plus node3 streaming from node1; {@code standalone(n, dir)}.</li>
 *   <li>{@link PgactiveFixture}: the monitor-facing pgactive catalog recreated in plain SQL
 *       ({@code testing/pgactive-fixture.sql}, and {@code testing/pgactive-fixture-legacy.sql} for 2.1.1-2.1.3).</li>
 *   <li>{@link PgactiveLiveFeed}: fills the fixture from real replication statistics.</li>
 *   <li>{@link DemoCluster}: the demo process behind {@code --demo}.</li>
 * </ul>
 *
 * Nodes are clones of one template initialised once per JVM, each with its own system identifier. Every node
 * is stopped when the JVM exits; a detached watchdog does the same if the JVM is killed outright.
 */
package io.pgactive.tools.testing;
