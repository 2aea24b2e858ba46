package io.strangler.toggles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserSourceTest {

    static RequestView headers(Map<String, String> h) {
        return name -> h.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    static String jwt(String payloadJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return "Bearer " + b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    @Test
    void shouldReadTheUserFromAHeaderACookieOrAJwtClaim() {
        assertThat(UserSource.parse("header:X-User-Id").userOf(headers(Map.of("x-user-id", " alice "))))
                .contains("alice");
        assertThat(UserSource.parse("cookie:uid").userOf(headers(Map.of("Cookie", "a=1; uid=\"bob\"; z=2"))))
                .contains("bob");
        assertThat(UserSource.parse("jwt:sub").userOf(headers(Map.of("Authorization",
                jwt("{\"iss\":\"x\",\"nested\":{\"sub\":\"no\"},\"sub\":\"carol\"}"))))).contains("carol");
        assertThat(UserSource.parse("jwt:uid").userOf(headers(Map.of("Authorization", jwt("{\"uid\":42}")))))
                .contains("42");
    }

    @Test
    void shouldFindNoUserInMissingOrMalformedInput() {
        UserSource jwt = UserSource.parse("jwt:sub");

        assertThat(UserSource.parse("header:X-User-Id").userOf(headers(Map.of()))).isEmpty();
        assertThat(UserSource.parse("header:X-User-Id").userOf(headers(Map.of("X-User-Id", "  ")))).isEmpty();
        assertThat(UserSource.parse("cookie:uid").userOf(headers(Map.of("Cookie", "uidx=1; =2; junk")))).isEmpty();
        assertThat(jwt.userOf(headers(Map.of("Authorization", "Basic YWxpY2U6cHc=")))).isEmpty();
        assertThat(jwt.userOf(headers(Map.of("Authorization", "Bearer not.a.jwt!")))).isEmpty();
        assertThat(jwt.userOf(headers(Map.of("Authorization", jwt("[1,2]"))))).isEmpty();
        assertThat(jwt.userOf(headers(Map.of("Authorization", jwt("{\"sub\":")))))
                .isEmpty();
        assertThat(jwt.userOf(headers(Map.of("Authorization", jwt("{\"sub\":{\"id\":1}}"))))).isEmpty();
    }

    @Test
    void shouldRejectAnUnknownSource() {
        assertThatThrownBy(() -> UserSource.parse("query:user")).hasMessageContaining("header:NAME, cookie:NAME");
        assertThatThrownBy(() -> UserSource.parse("header:")).isInstanceOf(IllegalArgumentException.class);
    }
}
