package io.strangler.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Netty headers as a plain map, for values that outlive the message (captures, recordings, samples). */
public final class HeaderMaps {

    private HeaderMaps() {
    }

    /** Every header, names in lower case, values in order; the lists are mutable. */
    public static Map<String, List<String>> lowerCased(HttpHeaders headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers) {
            out.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(e.getValue());
        }
        return out;
    }
}
