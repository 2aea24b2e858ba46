package io.strangler.proxy.inbound;

/**
 * Fired into every client channel when shutdown starts: an idle connection closes at once, a busy one after its
 * current response.
 */
public enum DrainEvent {
    INSTANCE
}
