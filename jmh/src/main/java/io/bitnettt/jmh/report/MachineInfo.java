package io.bitnettt.jmh.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine a report was made on, from /proc and /sys where they exist. {@code hugePages} is
 * Linux's transparent huge page mode, or null where unknown: the CPU backend's ternary weights get
 * huge pages only under {@code madvise} or {@code always}, and its GEMVs are faster with them.
 */
public record MachineInfo(String cpuModel, int logicalCpus, long memoryBytes, String os, String hugePages) {

    public static MachineInfo current() {
        return new MachineInfo(cpuModel(lines(Path.of("/proc/cpuinfo"))), Runtime.getRuntime().availableProcessors(),
                memTotal(lines(Path.of("/proc/meminfo"))),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                hugePageMode(lines(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))));
    }

    /** The bracketed (selected) word of {@code /sys/kernel/mm/transparent_hugepage/enabled}, or null. */
    static String hugePageMode(List<String> enabled) {
        for (String l : enabled) {
            int open = l.indexOf('[');
            int close = l.indexOf(']', open + 1);
            if (open >= 0 && close > open + 1) {
                return l.substring(open + 1, close);
            }
        }
        return null;
    }

    /** The first {@code model name} line of /proc/cpuinfo, or "unknown CPU". */
    static String cpuModel(List<String> cpuinfo) {
        for (String l : cpuinfo) {
            if (l.startsWith("model name")) {
                int colon = l.indexOf(':');
                return colon >= 0 ? l.substring(colon + 1).trim() : l;
            }
        }
        return "unknown CPU";
    }

    /** {@code MemTotal} of /proc/meminfo in bytes, or -1. */
    static long memTotal(List<String> meminfo) {
        for (String l : meminfo) {
            if (l.startsWith("MemTotal:")) {
                String[] f = l.substring("MemTotal:".length()).trim().split("\\s+");
                try {
                    return Long.parseLong(f[0]) * (f.length > 1 && f[1].equalsIgnoreCase("kB") ? 1024 : 1);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    public String describe() {
        String mem = memoryBytes > 0 ? String.format(Locale.ROOT, "%.1f GiB", memoryBytes / (double) (1L << 30))
                : "unknown memory";
        return cpuModel + ", " + logicalCpus + " logical CPUs, " + mem + ", " + os
                + (hugePages == null ? "" : ", transparent huge pages " + hugePages);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
