package io.pgactive.tools.workflow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.api.ClusterResource;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableBean;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.lang.reflect.Type;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * With the worker disabled, the default, the service creates nothing of Temporal: its client, gRPC stubs and worker
 * factory (the extension built all three at every start) load about 1,800 classes, some 15 MB of a small pod's memory,
 * that such a service never uses.
 */
@QuarkusTest
@QuarkusTestResource(value = ClusterResource.class, restrictToAnnotatedClass = true)
class TemporalDisabledTest {

    @Inject
    TemporalWorker worker;

    @Test
    void noTemporalClientStubsOrWorkerFactoryExistWhileTheWorkerIsDisabled() {
        assertThat(worker.state().connection()).isEqualTo(TemporalWorker.Connection.DISABLED);
        // the guard and upgrade API answer without Temporal, and must not create the client to say so
        given().get("/guards").then().statusCode(200);
        given().get("/upgrades").then().statusCode(503);

        assertThat(createdBeanTypes())
                .as("Temporal's beans created with the worker disabled")
                .filteredOn(type -> type.getTypeName().startsWith("io.temporal."))
                .isEmpty();
    }

    private static Set<Type> createdBeanTypes() {
        Set<Type> types = new HashSet<>();
        for (var scope : Set.of(ApplicationScoped.class, Singleton.class)) {
            for (InjectableBean<?> bean : Arc.container()
                    .getActiveContext(scope)
                    .getState()
                    .getContextualInstances()
                    .keySet()) {
                types.addAll(bean.getTypes());
            }
        }
        return types;
    }
}
