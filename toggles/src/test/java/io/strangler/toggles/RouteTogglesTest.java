package io.strangler.toggles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.togglz.core.repository.mem.InMemoryStateRepository;

class RouteTogglesTest {

    private static final PilotPolicy POLICY = new PilotPolicy(Optional.of(UserSource.parse("header:X-User-Id")),
            Optional.of("X-Pilot"), "on");

    private static RequestView user(String id) {
        return UserSourceTest.headers(id == null ? Map.of() : Map.of("X-User-Id", id));
    }

    @Test
    void shouldServeListedPilotUsersFromTheCandidateAndEveryoneElseFromLegacy() {
        try (RouteToggles toggles = new RouteToggles(new InMemoryStateRepository(),
                Map.of("orders", new RouteState(Mode.PILOT, Set.of("alice"), 0)), Duration.ofMinutes(1))) {

            Decision alice = toggles.decide("orders", POLICY, user("alice"));
            Decision bob = toggles.decide("orders", POLICY, user("bob"));
            Decision nobody = toggles.decide("orders", POLICY, user(null));
            Decision tester = toggles.decide("orders", POLICY, UserSourceTest.headers(Map.of("X-Pilot", "ON")));

            assertThat(alice).isEqualTo(new Decision(Mode.PILOT, true, true, true));
            assertThat(bob).isEqualTo(new Decision(Mode.PILOT, false, true, false));
            assertThat(nobody.servedByCandidate()).isFalse();
            assertThat(tester.servedByCandidate()).isTrue();
        }
    }

    @Test
    void shouldDecideTheSameThroughTheTogglzStrategyInterface() {
        org.togglz.core.repository.FeatureState state = RouteToggles.toFeatureState("orders",
                new RouteState(Mode.PILOT, Set.of("alice"), 0));
        PilotActivationStrategy strategy = new PilotActivationStrategy();
        org.togglz.core.user.SimpleFeatureUser tester = new org.togglz.core.user.SimpleFeatureUser(null);
        tester.setAttribute(PilotActivationStrategy.PILOT_HEADER, true);

        assertThat(strategy.isActive(state, new org.togglz.core.user.SimpleFeatureUser("alice"))).isTrue();
        assertThat(strategy.isActive(state, new org.togglz.core.user.SimpleFeatureUser("zed"))).isFalse();
        assertThat(strategy.isActive(state, tester)).isTrue();
        assertThat(strategy.isActive(state, null)).isFalse();
        assertThat(strategy.getId()).isEqualTo(PilotActivationStrategy.ID);
    }

    @Test
    void shouldApplyEveryModeAndTheKillSwitchOnTheNextDecision() {
        try (RouteToggles toggles = new RouteToggles(new InMemoryStateRepository(),
                Map.of("orders", RouteState.of(Mode.SHADOW)), Duration.ofMinutes(1))) {
            assertThat(toggles.decide("orders", POLICY, user("x"))).isEqualTo(new Decision(Mode.SHADOW, false, true,
                    false));

            RouteState before = toggles.set("orders", RouteState.of(Mode.CANDIDATE));
            assertThat(before.mode()).isEqualTo(Mode.SHADOW);
            assertThat(toggles.decide("orders", POLICY, user("x")).servedByCandidate()).isTrue();

            toggles.setKillSwitch(true);
            assertThat(toggles.decide("orders", POLICY, user("x"))).isEqualTo(Decision.LEGACY_ONLY);
            assertThat(toggles.state("orders").mode()).isEqualTo(Mode.CANDIDATE);

            toggles.setKillSwitch(false);
            assertThat(toggles.decide("orders", POLICY, user("x")).servedByCandidate()).isTrue();
            assertThat(toggles.decide("unknown", POLICY, user("x"))).isEqualTo(Decision.LEGACY_ONLY);
            assertThatThrownBy(() -> toggles.set("unknown", RouteState.of(Mode.LEGACY)))
                    .hasMessageContaining("unknown route 'unknown'");
        }
    }

    @Test
    void shouldKeepRunTimeStateOverTheConfigAndShareItThroughTheRepository() throws Exception {
        InMemoryStateRepository shared = new InMemoryStateRepository();
        try (RouteToggles first = new RouteToggles(shared, Map.of("orders", RouteState.of(Mode.SHADOW)),
                Duration.ofMillis(50));
             RouteToggles second = new RouteToggles(shared, Map.of("orders", RouteState.of(Mode.SHADOW)),
                     Duration.ofMillis(50))) {

            first.set("orders", new RouteState(Mode.PILOT, Set.of("alice"), 12.5));
            long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (second.state("orders").mode() != Mode.PILOT && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }

            assertThat(second.state("orders")).isEqualTo(new RouteState(Mode.PILOT, Set.of("alice"), 12.5));
            // A restart with the config's state keeps what was set at run time.
            try (RouteToggles restarted = new RouteToggles(shared, Map.of("orders", RouteState.of(Mode.LEGACY)),
                    Duration.ofMinutes(1))) {
                assertThat(restarted.state("orders").mode()).isEqualTo(Mode.PILOT);
            }
        }
    }

    @Test
    void shouldKeepTheLastKnownStateWhenTheRepositoryFails() {
        boolean[] broken = {false};
        InMemoryStateRepository memory = new InMemoryStateRepository();
        org.togglz.core.repository.StateRepository flaky = new org.togglz.core.repository.StateRepository() {
            @Override
            public org.togglz.core.repository.FeatureState getFeatureState(org.togglz.core.Feature f) {
                if (broken[0]) {
                    throw new IllegalStateException("database down");
                }
                return memory.getFeatureState(f);
            }

            @Override
            public void setFeatureState(org.togglz.core.repository.FeatureState s) {
                memory.setFeatureState(s);
            }
        };
        try (RouteToggles toggles = new RouteToggles(flaky, Map.of("orders", RouteState.of(Mode.CANDIDATE)),
                Duration.ofMinutes(1))) {
            broken[0] = true;
            toggles.reload();

            assertThat(toggles.reachable()).isFalse();
            assertThat(toggles.decide("orders", POLICY, user("x")).servedByCandidate()).isTrue();
        }
    }

    @Test
    void shouldRecordFromTheConfigAndShareRunTimeRecordingChangesThroughTheRepository() throws Exception {
        InMemoryStateRepository shared = new InMemoryStateRepository();
        Map<String, RouteState> routes = Map.of("orders", RouteState.of(Mode.SHADOW), "users",
                RouteState.of(Mode.LEGACY));
        try (RouteToggles first = new RouteToggles(shared, routes, Map.of("orders", true), Duration.ofMillis(50));
             RouteToggles second = new RouteToggles(shared, routes, Map.of(), Duration.ofMillis(50))) {
            assertThat(first.recording("orders")).isEqualTo(new Recording(true, 0));
            assertThat(second.recording("orders").on()).as("the first instance wrote it").isTrue();
            assertThat(first.recording("users")).isEqualTo(Recording.OFF);
            assertThat(first.recordingInitializedFromConfig()).containsExactly("orders");

            Recording before = first.setRecording("users", true, 1234);
            assertThat(before).isEqualTo(Recording.OFF);
            long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (!second.recording("users").on() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(second.recording("users")).isEqualTo(new Recording(true, 1234));

            // The kill switch sends traffic to legacy; it does not stop recording what legacy serves.
            first.setKillSwitch(true);
            assertThat(first.recording("users").on()).isTrue();
            assertThatThrownBy(() -> first.setRecording("nope", true, 1)).hasMessageContaining("unknown route");

            // A restart with the config's setting keeps what was set at run time.
            first.setRecording("orders", false, 99);
            try (RouteToggles restarted = new RouteToggles(shared, routes, Map.of("orders", true),
                    Duration.ofMinutes(1))) {
                assertThat(restarted.recording("orders")).isEqualTo(new Recording(false, 99));
                assertThat(restarted.recordingInitializedFromConfig()).isEmpty();
            }
        }
    }
}
