/**
 * The HTTP API's data: the records and enums that the service writes as JSON and the Java SDK and the CLI read back,
 * one declaration each. They depend on the JDK, Jackson annotations and the snapshot records only, so a client can
 * use them without the service, Quarkus or Vert.x. Names on the wire are snake_case (the mapper's naming strategy);
 * an enum's wire value is its {@code @JsonValue}.
 */
package io.pgactive.tools.contract;
