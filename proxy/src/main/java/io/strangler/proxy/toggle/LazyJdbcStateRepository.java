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
 * <p>Thread-safe.
 */
final class LazyJdbcStateRepository implements StateRepository {

    static final String TABLE = "strangler_toggles";

    private final DataSource dataSource;
    private final boolean postgres;
    private volatile StateRepository delegate;

    LazyJdbcStateRepository(DataSource dataSource, boolean postgres) {
        this.dataSource = dataSource;
        this.postgres = postgres;
    }

    private StateRepository delegate() {
        StateRepository d = delegate;
        if (d == null) {
            synchronized (this) {
                if (delegate == null) {
                    delegate = JDBCStateRepository.newBuilder(dataSource).tableName(TABLE).createTable(true)
                            .usePostgresTextColumns(postgres).build();
                }
                d = delegate;
            }
        }
        return d;
    }

    @Override
    public FeatureState getFeatureState(Feature feature) {
        return delegate().getFeatureState(feature);
    }

    @Override
    public void setFeatureState(FeatureState state) {
        delegate().setFeatureState(state);
    }
}
