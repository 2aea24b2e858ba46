package io.strangler.proxy.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs docs/tutorial.md as written: every {@code bash} block in order, through the real {@code ./strangler}
 * launcher against a real {@code ./strangler demo} process, and checks each block's output against the
 * {@code text} block right after it. Runs in the integration-test phase, after the jar is packaged.
 *
 * <p>Markers in HTML comments before a block: {@code tutorial: skip} (not run, e.g. {@code git clone}),
 * {@code tutorial: start-demo} (started in the background; its output is checked once it says it is running),
 * {@code tutorial: stop-demo} (the demo gets SIGTERM, as from Ctrl+C), {@code tutorial: retry 30s} (run again until
 * the output matches, for data that arrives asynchronously).
 *
 * <p>What the test changes, and only this: the demo gets {@code --port 0} so a busy 8080 cannot fail the build, the
 * addresses {@code 127.0.0.1:8080} and {@code :8081} and the demo token in commands and outputs are replaced by the
 * ones this demo printed, {@code STRANGLER_ADMIN} points {@code ./strangler toggle} at that admin port, and
 * {@code STRANGLER_NO_BUILD=1} makes the launcher use the jar this build just packaged.
 *
 * <p>Expected output: each non-blank line must be found in order; {@code ...} matches anything within a line, a
 * line of only {@code ...} skips, and runs of spaces match any run of spaces (tables are aligned to their content).
 */
class TutorialIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile(
            "(?:<!--\\s*tutorial:\\s*([^>]*?)\\s*-->\\s*\\n)?```(bash|text)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern STOP_MARKER = Pattern.compile("<!--\\s*tutorial:\\s*stop-demo\\s*-->");
    private static final Pattern TOKEN = Pattern.compile("demo-[0-9a-f]{24}");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    /** One step: a command block, what marks it, the output expected (may be empty), where it is in the file. */
    record Step(String marker, String script, String expected, int offset) {
    }

    static List<Step> steps(String markdown) {
        List<Step> steps = new ArrayList<>();
        Matcher m = BLOCK.matcher(markdown);
        Step pending = null;
        int pendingEnd = -1;
        while (m.find()) {
            String marker = m.group(1) == null ? "" : m.group(1);
            if (m.group(2).equals("text") && pending != null
                    && markdown.substring(pendingEnd, m.start()).isBlank()) {
                steps.set(steps.size() - 1, new Step(pending.marker(), pending.script(), m.group(3),
                        pending.offset()));
                pending = null;
                continue;
            }
            pending = null;
            if (m.group(2).equals("bash")) {
                pending = new Step(marker, m.group(3), "", m.start());
                pendingEnd = m.end();
                steps.add(pending);
            }
        }
        Matcher stop = STOP_MARKER.matcher(markdown);
        while (stop.find()) {
            steps.add(new Step("stop-demo", "", "", stop.start()));
        }
        steps.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
        return steps;
    }

    /** Null when every expected line is found in order; otherwise the first line that is not. */
    static String firstMissing(String expected, String actual) {
        List<String> lines = actual.lines().map(TutorialIT::squeeze).toList();
        int at = 0;
        for (String raw : expected.lines().toList()) {
            String want = squeeze(raw);
            if (want.isEmpty() || want.equals("...")) {
                continue;
            }
            StringBuilder regex = new StringBuilder();
            String[] pieces = want.split("\\.\\.\\.", -1);
            for (int i = 0; i < pieces.length; i++) {
                regex.append(i > 0 ? ".*" : "").append(Pattern.quote(pieces[i].strip()));
            }
            Pattern p = Pattern.compile(regex.toString());
            boolean found = false;
            while (at < lines.size() && !found) {
                found = p.matcher(lines.get(at++)).find();
            }
            if (!found) {
                return raw;
            }
        }
        return null;
    }

    private static String squeeze(String line) {
        return line.replace("\r", "").replaceAll("[ \\t]+", " ").strip();
    }

    @Test
    void shouldMatchTheTutorialMatcherItself() {
        assertThat(firstMissing("a ... c\n...\nd  e", "x a b c\ny\nd e z")).isNull();
        assertThat(firstMissing("d e\na b", "a b\nd e")).isEqualTo("a b");
        assertThat(firstMissing("legacy", "candidate")).isEqualTo("legacy");
        List<Step> s = steps("<!-- tutorial: skip -->\n```bash\ngit clone\n```\n\n```bash\nls\n```\n\n```text\nout\n```\n"
                + "<!-- tutorial: stop-demo -->\nprose\n```text\nnot expected\n```\n");
        assertThat(s).extracting(Step::marker).containsExactly("skip", "", "stop-demo");
        assertThat(s.get(1).expected()).isEqualTo("out\n");
    }

    @Test
    void shouldRunTheTutorialAsWritten() throws Exception {
        Path jar = ROOT.resolve("proxy/target/strangler.jar");
        assertThat(jar).as("the packaged jar (this test runs after `package`)").exists();
        String markdown = Files.readString(ROOT.resolve("docs/tutorial.md"));
        List<Step> steps = steps(markdown);
        assertThat(steps).as("steps in docs/tutorial.md").hasSizeGreaterThan(10);

        Process demo = null;
        Path demoLog = Files.createTempFile("tutorial-demo", ".log");
        Map<String, String> subst = new java.util.LinkedHashMap<>();
        List<String> exports = new ArrayList<>();
        int ran = 0;
        try {
            for (Step step : steps) {
                String where = "docs/tutorial.md, the block at line " + lineOf(markdown, step.offset());
                switch (step.marker().split("\\s+")[0]) {
                    case "skip" -> {
                        continue;
                    }
                    case "start-demo" -> {
                        assertThat(step.script().strip()).as(where).isEqualTo("./strangler demo");
                        ProcessBuilder pb = new ProcessBuilder("./strangler", "demo", "--port", "0", "--no-browser")
                                .directory(ROOT.toFile()).redirectErrorStream(true)
                                .redirectOutput(demoLog.toFile());
                        pb.environment().put("STRANGLER_NO_BUILD", "1");
                        demo = pb.start();
                        String out = awaitOutput(demo, demoLog, "Press Ctrl+C to stop.", Duration.ofSeconds(90));
                        Matcher proxy = Pattern.compile("proxy: +http://(127\\.0\\.0\\.1:\\d+)").matcher(out);
                        Matcher admin = Pattern.compile("Dashboard: +http://(127\\.0\\.0\\.1:\\d+)/").matcher(out);
                        Matcher token = TOKEN.matcher(out);
                        assertThat(proxy.find() && admin.find() && token.find()).as("demo output:\n" + out).isTrue();
                        subst.put("127.0.0.1:8080", proxy.group(1));
                        subst.put("127.0.0.1:8081", admin.group(1));
                        subst.put("\u0000token", token.group());
                        check(where, step.expected(), subst, out);
                    }
                    case "stop-demo" -> {
                        assertThat(demo).as(where + ": stop-demo before start-demo").isNotNull();
                        demo.destroy();
                        assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo stopped after SIGTERM").isTrue();
                        demo = null;
                    }
                    default -> {
                        Duration retry = step.marker().startsWith("retry")
                                ? Duration.ofSeconds(Long.parseLong(step.marker().replaceAll("\\D", ""))) : Duration.ZERO;
                        String script = apply(step.script(), subst);
                        long deadline = System.nanoTime() + retry.toNanos();
                        while (true) {
                            Result r = bash(String.join("\n", exports) + "\n" + script, subst);
                            String missing = r.code() != 0 ? "(exit code " + r.code() + ")"
                                    : firstMissing(apply(step.expected(), subst), r.out());
                            if (missing == null) {
                                break;
                            }
                            if (System.nanoTime() > deadline) {
                                fail(where + ": `" + script.strip() + "`\nexpected line not found: " + missing
                                        + "\noutput:\n" + r.out());
                            }
                            Thread.sleep(1000);
                        }
                        script.lines().filter(l -> l.startsWith("export ")).forEach(exports::add);
                        ran++;
                    }
                }
            }
        } finally {
            if (demo != null) {
                demo.destroy();
                if (!demo.waitFor(30, TimeUnit.SECONDS)) {
                    demo.destroyForcibly();
                }
            }
            Files.deleteIfExists(ROOT.resolve("report.html"));
        }
        assertThat(ran).as("commands run").isGreaterThan(10);
    }

    private static void check(String where, String expected, Map<String, String> subst, String actual) {
        String missing = firstMissing(apply(expected, subst), actual);
        if (missing != null) {
            fail(where + ": expected line not found: " + missing + "\noutput:\n" + actual);
        }
    }

    private static String apply(String text, Map<String, String> subst) {
        String out = text;
        for (Map.Entry<String, String> e : subst.entrySet()) {
            out = e.getKey().equals("\u0000token") ? TOKEN.matcher(out).replaceAll(e.getValue())
                    : out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    record Result(int code, String out) {
    }

    private static Result bash(String script, Map<String, String> subst) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-eo", "pipefail", "-c", script).directory(ROOT.toFile())
                .redirectErrorStream(true);
        pb.environment().put("STRANGLER_NO_BUILD", "1");
        if (subst.containsKey("127.0.0.1:8081")) {
            pb.environment().put("STRANGLER_ADMIN", "http://" + subst.get("127.0.0.1:8081"));
        }
        Path out = Files.createTempFile("tutorial-step", ".out");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                    Path.of("/dev/null").toFile())).start();
            if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out after " + COMMAND_TIMEOUT + ": " + script);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String awaitOutput(Process p, Path log, String marker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log);
            if (out.contains(marker)) {
                return out;
            }
            if (!p.isAlive()) {
                fail("the demo exited with " + p.exitValue() + ":\n" + out);
            }
            Thread.sleep(200);
        }
        fail("the demo did not start within " + timeout + ":\n" + Files.readString(log));
        return null;
    }

    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }
}
