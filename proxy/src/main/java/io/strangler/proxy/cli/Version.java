package io.strangler.proxy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The version baked into the jar at build time. */
public final class Version implements CommandLine.IVersionProvider {

    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/io/strangler/proxy/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"strangler " + current(), "Java " + Runtime.version()};
    }
}
