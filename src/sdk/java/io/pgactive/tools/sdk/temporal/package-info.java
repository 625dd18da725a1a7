/**
 * Temporal activity implementations for a worker outside the service, backed by the HTTP client. Temporal's SDK is an
 * optional dependency of the SDK artifact: only code that uses this package needs it.
 */
package io.pgactive.tools.sdk.temporal;
