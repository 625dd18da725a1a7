package io.pgactive.tools.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.temporal.workflow.WorkflowInterface;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/architecture.md, checked on the compiled service: the flow config → collect → snapshot
 * → consumers, no cycles between feature packages, an SDK that needs nothing of the service's runtime, and workflow
 * code that stays deterministic.
 */
class ArchitectureTest {

    private static final String ROOT = "io.pgactive.tools";
    private static final String[] CONSUMERS = {
        ROOT + ".store..", ROOT + ".api..", ROOT + ".metrics..", ROOT + ".workflow..", ROOT + ".cli..", ROOT + ".sdk.."
    };
    private static final String[] SERVICE_RUNTIME = {
        "io.quarkus..",
        "io.vertx..",
        "io.smallrye..",
        "jakarta..",
        "org.jboss..",
        "org.eclipse.microprofile..",
        "io.micrometer..",
        "io.grpc..",
        "org.sqlite..",
        "org.postgresql.."
    };
    /** What the SDK jar may need besides its own classes: the JDK, Jackson, and Temporal (optional, sdk.temporal). */
    private static final Pattern SDK_OUTSIDE =
            Pattern.compile("(java|javax)\\..*|com\\.fasterxml\\.jackson\\..*|io\\.temporal\\..*");

    /** Where the build compiles src/demo: the demo, the real-PostgreSQL harness and the benchmarks. */
    private static final String DEMO_CLASSES = "/demo-classes/";

    private static JavaClasses service;
    private static JavaClasses demo;

    @BeforeAll
    static void importService() {
        service = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains(DEMO_CLASSES))
                .importPackages(ROOT);
        demo = new ClassFileImporter()
                .withImportOption(location -> location.contains(DEMO_CLASSES))
                .importPackages(ROOT);
    }

    /** The demo and its harness run beside the service, never inside it: nothing in src/main reaches src/demo. */
    @Test
    void serviceKnowsNothingOfTheDemo() {
        assertThat(demo.contain(ROOT + ".testing.PgNode"))
                .as("the demo classes are on the classpath")
                .isTrue();
        Set<String> demoClasses = new TreeSet<>();
        demo.forEach(c -> demoClasses.add(c.getName()));
        noClasses()
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "are compiled from src/demo", c -> demoClasses.contains(c.getName())))
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".testing..", ROOT + ".bench..")
                .check(service);
    }

    /**
     * The demo shares no package with the service: a class of the demo jar in a service package would be found by
     * readers (and by package-private access) as if it were part of the service.
     */
    @Test
    void demoLivesInItsOwnPackages() {
        classes()
                .should()
                .resideInAnyPackage(ROOT + ".testing..", ROOT + ".bench..")
                .check(demo);
    }

    /** The demo jar runs without the test frameworks (target/demo-classpath.txt leaves them out). */
    @Test
    void demoNeedsNoTestFramework() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.junit..", "org.assertj..", "org.awaitility..", "io.restassured..", "io.quarkus.test..")
                .check(demo);
    }

    @Test
    void snapshotKnowsNoneOfItsConsumers() {
        noClasses()
                .that()
                .resideInAPackage(ROOT + ".snapshot..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(CONSUMERS)
                .check(service);
    }

    /** Collection reads where the history left off through {@code snapshot.PublishedHistory}, never the store. */
    @Test
    void collectionKnowsNoConsumer() {
        noClasses()
                .that()
                .resideInAnyPackage(ROOT + ".collect..", ROOT + ".config..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(CONSUMERS)
                .check(service);
    }

    @Test
    void featurePackagesHaveNoCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(service);
    }

    @Test
    void sdkAndContractUseNoServiceRuntime() {
        noClasses()
                .that()
                .resideInAnyPackage(ROOT + ".sdk..", ROOT + ".contract..", ROOT + ".cli..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SERVICE_RUNTIME)
                .check(service);
        noClasses()
                .that()
                .resideInAnyPackage(ROOT + ".sdk..", ROOT + ".contract..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        ROOT + ".config..",
                        ROOT + ".collect..",
                        ROOT + ".snapshot..",
                        ROOT + ".store..",
                        ROOT + ".api..",
                        ROOT + ".metrics..",
                        ROOT + ".workflow..",
                        ROOT + ".cli..",
                        ROOT + ".pg..",
                        ROOT + ".sql..",
                        ROOT + ".retry..")
                .check(service);
        noClasses()
                .that()
                .resideInAPackage(ROOT + ".contract..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".sdk..")
                .check(service);
    }

    /**
     * The SDK jar is {@code sdk} and {@code contract} (src/sdk/assembly.xml): what they reach, directly or through other
     * classes, must be in those packages or in the JDK, Jackson and Temporal, so a record that starts to reach service
     * code, or an SDK call that returns a service type, fails here.
     */
    @Test
    void sdkAndContractReachOnlyEachOtherTheJdkJacksonAndTemporal() {
        Set<String> visited = new TreeSet<>();
        Set<String> outside = new TreeSet<>();
        Deque<JavaClass> todo = new ArrayDeque<>();
        service.stream().filter(ArchitectureTest::inSdkJar).forEach(todo::add);
        while (!todo.isEmpty()) {
            JavaClass c = todo.pop();
            if (!visited.add(c.getName())) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass().getBaseComponentType();
                if (target.isPrimitive()) {
                    continue;
                }
                if (inSdkJar(target)) {
                    todo.push(target);
                } else if (!SDK_OUTSIDE.matcher(target.getName()).matches()) {
                    outside.add(c.getName() + " -> " + target.getName());
                }
            }
        }
        assertThat(visited).as("the SDK's classes").contains(ROOT + ".sdk.ReplicationStateClient");
        assertThat(outside)
                .as("what the SDK's classes need outside sdk, contract, the JDK, Jackson and Temporal")
                .isEmpty();
    }

    private static boolean inSdkJar(JavaClass c) {
        return c.getPackageName().startsWith(ROOT + ".sdk")
                || c.getPackageName().startsWith(ROOT + ".contract");
    }

    /** Workflow code is replayed: it reaches the world only through activities, never through files or sockets. */
    @Test
    void workflowImplementationsUseNoIo() {
        DescribedPredicate<JavaClass> workflowImplementations = DescribedPredicate.describe(
                "implement a @WorkflowInterface",
                c -> !c.isInterface()
                        && c.getAllRawInterfaces().stream().anyMatch(i -> i.isAnnotatedWith(WorkflowInterface.class)));
        noClasses()
                .that(workflowImplementations)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(List.of(
                                "java.io..",
                                "java.net..",
                                "java.nio..",
                                "java.sql..",
                                "javax.sql..",
                                "io.vertx..",
                                "org.postgresql..",
                                "org.sqlite..",
                                ROOT + ".store..",
                                ROOT + ".collect..",
                                ROOT + ".sdk..")
                        .toArray(String[]::new))
                .orShould()
                .callMethod(Thread.class, "sleep", long.class)
                .check(service);
    }
}
