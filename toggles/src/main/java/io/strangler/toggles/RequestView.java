package io.strangler.toggles;

/** What a toggle decision may read of a request: its headers. Implemented by the proxy over Netty's headers. */
@FunctionalInterface
public interface RequestView {

    /** The first value of header {@code name} (case-insensitive), or null. */
    String header(String name);
}
