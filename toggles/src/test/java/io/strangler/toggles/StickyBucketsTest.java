package io.strangler.toggles;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StickyBucketsTest {

    private static final int USERS = 10_000;

    @ParameterizedTest
    @ValueSource(doubles = {1, 10, 25, 50, 90})
    void shouldPutTheTargetShareOfTenThousandUsersInThePilotWithinTwoPercentagePoints(double percentage) {
        int pilots = 0;
        for (int i = 0; i < USERS; i++) {
            if (StickyBuckets.inPercentage("orders", "user-" + i, percentage)) {
                pilots++;
            }
        }

        assertThat(pilots * 100.0 / USERS).isBetween(percentage - 2, percentage + 2);
    }

    @Test
    void shouldGiveTheSameAnswerEveryTimeAndOnlyAddUsersWhenThePercentageRises() {
        for (int i = 0; i < USERS; i++) {
            String user = "u" + i;
            int bucket = StickyBuckets.bucket("orders", user);

            assertThat(StickyBuckets.bucket("orders", user)).isEqualTo(bucket);
            if (StickyBuckets.inPercentage("orders", user, 10)) {
                assertThat(StickyBuckets.inPercentage("orders", user, 20)).isTrue();
            }
        }
    }

    @Test
    void shouldKeepFixedBucketsAcrossVersionsAndSaltThemByRoute() {
        // Fixed values: a change in the hash would silently move every pilot user, so it must fail a test.
        assertThat(StickyBuckets.bucket("orders", "alice")).isEqualTo(9469);
        assertThat(StickyBuckets.bucket("items", "bob-42")).isEqualTo(2623);
        int differentRoute = 0;
        for (int i = 0; i < 1000; i++) {
            if (StickyBuckets.bucket("orders", "u" + i) != StickyBuckets.bucket("items", "u" + i)) {
                differentRoute++;
            }
        }
        assertThat(differentRoute).isGreaterThan(990);
    }
}
