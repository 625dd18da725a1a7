/**
 * The Temporal activity contract that workflows and workers share: activity names, inputs, results and heartbeat
 * details. The service's worker implements it in process; a remote worker registers the SDK's HTTP implementation.
 * Only Temporal's annotations are used here, so the types load without Temporal's SDK on the classpath.
 */
package io.pgactive.tools.contract.temporal;
