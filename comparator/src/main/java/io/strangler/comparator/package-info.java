/**
 * Response comparison for Strangler: given the legacy and candidate observations of one request, decide whether
 * they match and list the differences. Plain Java with no Netty dependency, so it can run on any executor and
 * be tested without a network.
 *
 * <p>The comparison model lands with the comparator issue; the proxy compares through this module once it does.
 */
package io.strangler.comparator;
