package io.strangler.proxy.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and the docs points to a file that exists, and every {@code #anchor} to a
 * heading of that file (GitHub's heading ids). External links are not fetched: the build has no network.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern FENCE = Pattern.compile("(?s)```.*?```");

    private static List<Path> markdownFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        for (String dir : List.of("docs", "dashboards", "load-tests", "examples")) {
            Path d = ROOT.resolve(dir);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.walk(d)) {
                    s.filter(p -> p.toString().endsWith(".md") && !p.toString().contains("/target/")
                            && !p.toString().contains("/node_modules/")).forEach(files::add);
                }
            }
        }
        return files;
    }

    /** GitHub's id for a heading: lower case, punctuation dropped, spaces to dashes. */
    static String slug(String heading) {
        String text = heading.replaceAll("`", "").replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1").trim()
                .toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.append(c);
            } else if (c == ' ') {
                out.append('-');
            }
        }
        return out.toString();
    }

    private static Set<String> anchors(Path file) throws IOException {
        Set<String> out = new HashSet<>();
        String text = FENCE.matcher(Files.readString(file)).replaceAll("");
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                String base = slug(line.replaceFirst("^#+\\s*", ""));
                String id = base;
                for (int n = 1; out.contains(id); n++) {
                    id = base + "-" + n;
                }
                out.add(id);
            }
        }
        return out;
    }

    @Test
    void shouldPointEveryRelativeLinkAtAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : markdownFiles()) {
            String text = FENCE.matcher(Files.readString(file)).replaceAll("");
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue;
                }
                checked++;
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                String where = ROOT.relativize(file) + ": " + target;
                if (!Files.exists(resolved)) {
                    broken.add(where + " (no such file)");
                } else if (anchor != null && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(anchor)) {
                    broken.add(where + " (no heading with that id)");
                }
            }
        }
        assertThat(checked).as("links checked").isGreaterThan(50);
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void shouldMakeHeadingIdsLikeGitHub() {
        assertThat(slug("`admin` — the admin listener (optional)")).isEqualTo("admin--the-admin-listener-optional");
        assertThat(slug("Outcomes and skip reasons")).isEqualTo("outcomes-and-skip-reasons");
        assertThat(slug("1. Everything to legacy, now")).isEqualTo("1-everything-to-legacy-now");
    }
}
