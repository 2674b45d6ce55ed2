package io.bitnettt.jmh.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a JMH JSON result file into {@code report.md} and {@code report.json} (the rows with their
 * natural units), and optionally pastes the Markdown into the README between its markers.
 *
 * <pre>ReportMain --jmh OUT/jmh.json [--jmh MORE.json]... --out OUT --command "bin/bench ..." [--skipped "name: reason"]... [--readme README.md]</pre>
 */
public final class ReportMain {
    private ReportMain() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, List<String>> opts = options(args);
        Path out = Path.of(one(opts, "--out"));
        List<JmhResult> results = new ArrayList<>();
        for (String file : opts.getOrDefault("--jmh", List.of())) {
            Path jmh = Path.of(file);
            results.addAll(JmhJson.parse(Files.readString(jmh), jmh.toString()));
        }
        if (results.isEmpty()) {
            throw new IllegalArgumentException(opts.get("--jmh") + ": hold no results (did every benchmark fail?)");
        }
        List<ReportRow> rows = ReportRow.of(results, Workloads.bitnet2B4T());
        JmhResult first = results.getFirst();
        MarkdownReport.Header header = new MarkdownReport.Header(
                ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                one(opts, "--command"), MachineInfo.current(), first.jdk() + " (" + first.vm() + ")",
                opts.getOrDefault("--skipped", List.of()));
        String md = MarkdownReport.render(header, rows);
        Files.createDirectories(out);
        Files.writeString(out.resolve("report.md"), md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("header", header);
        json.put("rows", rows);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("report.json").toFile(), json);
        System.out.print(md);
        if (opts.containsKey("--readme")) {
            Path readme = Path.of(one(opts, "--readme"));
            Files.writeString(readme, ReadmeSection.replace(Files.readString(readme), md, readme.toString()));
            System.out.println("updated the generated part of " + readme);
        }
    }

    private static Map<String, List<String>> options(String[] args) {
        Map<String, List<String>> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!List.of("--jmh", "--out", "--command", "--skipped", "--readme").contains(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("ReportMain: unexpected argument '" + args[i] + "'; usage: --jmh FILE... "
                        + "--out DIR --command TEXT [--skipped 'NAME: REASON']... [--readme README.md]");
            }
            opts.computeIfAbsent(args[i], k -> new ArrayList<>()).add(args[i + 1]);
        }
        return opts;
    }

    private static String one(Map<String, List<String>> opts, String name) {
        List<String> v = opts.get(name);
        if (v == null || v.size() != 1) {
            throw new IllegalArgumentException("ReportMain: expected " + name + " exactly once");
        }
        return v.getFirst();
    }
}
