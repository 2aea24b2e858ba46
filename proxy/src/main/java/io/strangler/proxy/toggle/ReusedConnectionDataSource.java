package io.strangler.proxy.toggle;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * One physical database connection, lent to one caller at a time. Togglz's JDBC repository asks its data source
 * for a new connection for every feature it reads, and the toggles refresh reads every route twice a second: without
 * this, each instance would open (routes + 1) PostgreSQL connections every 500 ms, each a new server process.
 *
 * <p>Not for concurrent use: {@link LazyJdbcStateRepository} serializes every call. A caller's {@code close()} gives
 * the connection back (ending any transaction it left open); {@link #discard()} after a failure closes it, and the
 * next caller gets a new one.
 */
final class ReusedConnectionDataSource implements DataSource, AutoCloseable {

    private final DataSource target;
    private Connection physical;

    ReusedConnectionDataSource(DataSource target) {
        this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (physical == null || physical.isClosed()) {
            physical = target.getConnection();
        }
        Connection c = physical;
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        giveBack(c);
                        return null;
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void giveBack(Connection c) throws SQLException {
        if (!c.isClosed() && !c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    /** Closes the connection after a failure; the next {@link #getConnection()} opens a new one. */
    void discard() {
        close();
    }

    @Override
    public void close() {
        if (physical != null) {
            try {
                physical.close();
            } catch (SQLException ignored) {
                // Broken already: nothing more to release.
            }
            physical = null;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the reused connection has the store's credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
