package io.strangler.proxy.store;

import java.sql.SQLException;

/** The store cannot be used as it is (wrong schema version, damaged tables); the message says what to do. */
public final class StoreException extends SQLException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
