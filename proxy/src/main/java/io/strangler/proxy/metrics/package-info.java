/**
 * Meter names ({@link io.strangler.proxy.metrics.ProxyMeters}) and the per-route meters the request path records
 * into without lookups.
 */
package io.strangler.proxy.metrics;
