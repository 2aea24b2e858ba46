package io.strangler.proxy.toggle;

import javax.sql.DataSource;
import org.togglz.core.Feature;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.repository.jdbc.JDBCStateRepository;

/**
 * Togglz's JDBC state repository over the store's database, created on first use (it creates its table then), so
 * that a database that is down at start delays it instead of failing the proxy. Failures surface as runtime
 * exceptions, which {@code RouteToggles} turns into "keep the last known state".
 *
 * <p>Thread-safe: calls are serialized, and all of them share one database connection (see
 * {@link ReusedConnectionDataSource}), replaced after a failure.
 */
final class LazyJdbcStateRepository implements StateRepository, AutoCloseable {

    static final String TABLE = "strangler_toggles";

    private final ReusedConnectionDataSource dataSource;
    private final boolean postgres;
    private StateRepository delegate;

    LazyJdbcStateRepository(DataSource dataSource, boolean postgres) {
        this.dataSource = new ReusedConnectionDataSource(dataSource);
        this.postgres = postgres;
    }

    private StateRepository delegate() {
        if (delegate == null) {
            delegate = JDBCStateRepository.newBuilder(dataSource).tableName(TABLE).createTable(true)
                    .usePostgresTextColumns(postgres).build();
        }
        return delegate;
    }

    @Override
    public synchronized FeatureState getFeatureState(Feature feature) {
        try {
            return delegate().getFeatureState(feature);
        } catch (RuntimeException e) {
            dataSource.discard();
            throw e;
        }
    }

    @Override
    public synchronized void setFeatureState(FeatureState state) {
        try {
            delegate().setFeatureState(state);
        } catch (RuntimeException e) {
            dataSource.discard();
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        dataSource.close();
    }
}
